"""An exact line prefilter around detect-secrets 1.5.0's own plugins.

detect-secrets spends ~95% of its time running 27 plugins (through dependency injection) over
every line. A line can only produce a finding if some plugin's analyzer yields on it, and every
filter only removes results, so skipping lines that fail a *necessary condition* of every plugin
loses nothing. This module:

1. runs cheap gates - literals and short regexes each plugin's patterns imply - over the text of
   the lines the transformers produced (never the raw YAML/INI text: transformers add quotes and
   unescape), with the case folding Python's `re.IGNORECASE` applies (`ſ` matches `s`, `K`
   (Kelvin) matches `k`, `İ`/`ı` match `i`);
2. runs the gated plugins' own analyzers, without dependency injection, on the lines that pass;
3. hands the survivors to detect-secrets' unmodified per-line pipeline (filters, allowlist,
   context window), so the result is identical to scanning every line.

The gates were derived from detect-secrets 1.5.0's patterns. At start-up the installed plugins
are fingerprinted; any difference (another version, a custom plugin, a changed limit for which
the gate cannot be recomputed) switches the prefilter off and every line is scanned.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..sources import line_starts
from ..text.folding import fold

# Code points Python's re.IGNORECASE equates with an ASCII letter but str.lower() does not map
# to it (U+0130 would also change length under lower()).

# plugin_fingerprint() of detect-secrets 1.5.0's plugins, from which the gates were derived.
DETECT_SECRETS_150 = "ff388e9429ffbd31"  # pragma: allowlist secret


@dataclass(frozen=True)
class Check:
    """Where a gate's hit only counts for ``plugins`` if ``pattern`` also matches near it:
    searched from ``before`` characters ahead of the hit to ``after`` past its end, or, with
    ``after`` None, matched at the hit itself (running on to wherever the pattern ends)."""

    plugins: frozenset[str]
    pattern: re.Pattern[str]
    before: int = 0
    after: int | None = None

    def places(self, haystack: str, offset: int, size: int) -> list[int]:
        """Where the pattern matches for the hit at ``offset``: every match in the window (the
        first may be a neighbour's, ending just before this hit, on the line above)."""
        if self.after is None:
            return [offset] if self.pattern.match(haystack, offset) else []
        return [found.start() for found in self.pattern.finditer(
            haystack, max(0, offset - self.before), offset + size + self.after)]


@dataclass
class Gate:
    """A necessary condition of one or more plugins: a literal or a regex.

    ``checks`` let other plugins in only where their own pattern matches at or around the
    hit: the literal is found fast (`key`), then the text around it is checked (`api_key`),
    which is far cheaper than running each plugin's word regex over the whole text.
    """

    plugins: frozenset[str]
    literal: str | None = None
    regex: re.Pattern[str] | None = None
    folded: bool = False  # matched against the case-folded text
    checks: tuple[Check, ...] = ()

    @property
    def every_plugin(self) -> frozenset[str]:
        return self.plugins.union(*(check.plugins for check in self.checks))

    def hits(self, haystack: str) -> Iterator[tuple[int, frozenset[str]]]:
        """(offset, plugins) for each place in ``haystack`` where the gate lets plugins in."""
        if self.literal is not None:
            size = len(self.literal)
            offset = haystack.find(self.literal)
            while offset >= 0:
                yield from self._at(haystack, offset, size)
                offset = haystack.find(self.literal, offset + 1)
        else:
            assert self.regex is not None
            for match in self.regex.finditer(haystack):
                yield from self._at(haystack, match.start(), match.end() - match.start())

    def _at(self, haystack: str, offset: int, size: int) -> Iterator[tuple[int, frozenset[str]]]:
        if self.plugins:
            yield offset, self.plugins
        for check in self.checks:
            for place in check.places(haystack, offset, size):
                yield place, check.plugins


def _literal(plugins: Iterable[str], text: str, folded: bool = False) -> Gate:
    return Gate(frozenset(plugins), literal=text.lower() if folded else text, folded=folded)


def _regex(plugins: Iterable[str], pattern: str) -> Gate:
    return Gate(frozenset(plugins), regex=re.compile(pattern))


ASSIGNMENT_DETECTORS = frozenset({"CloudantDetector", "IbmCloudIamDetector", "SoftlayerDetector"})
# KeywordDetector's DENYLIST words that contain `key`, `pass` or `pw` (any case, so matched on
# the folded text); each regex of the plugin needs one of them or `secret`/`contrase(ñ|n)a`.
KEYWORD_WORDS = Check(frozenset({"KeywordDetector"}), re.compile(
    r"(?:api|auth|service|account|db|database|priv|private|client)_?key"
    r"|(?:db|database|key)_?pass|passw(?:or)?d|pwd"),
    before=len("database_"), after=len("word"))
# The assignment regexes of the Cloudant, IBM Cloud IAM and SoftLayer detectors (detect-secrets'
# build_assignment_regex): `<prefix><key word>["']]? *<assignment> *["']<secret>`, where every
# prefix may be empty (IBM's) and every secret is 24 or more of [a-z0-9_-] once folded.
ASSIGNED_KEY = Check(ASSIGNMENT_DETECTORS, re.compile(
    r"(?:key|pwd|pw|password|pass|token)[\"']?\]? *(?:=|:|:=|=>| +|::) *[\"']?"
    r"[a-z0-9_\-]{24}"))


def _word_anchor(anchor: str, *checks: Check) -> Gate:
    return Gate(frozenset(), literal=anchor, folded=True, checks=checks)


def gates_for(entropy_limits: dict[str, float]) -> list[Gate]:
    """The gates for detect-secrets 1.5.0's plugins (class names), entropy limits applied."""
    gates = [
        # case-insensitive words: KeywordDetector's denylist, the assignment-style detectors' keys
        *(_word_anchor(word, KEYWORD_WORDS, ASSIGNED_KEY) for word in ("key", "pass", "pw")),
        _word_anchor("token", ASSIGNED_KEY),
        _literal(("KeywordDetector", "IbmCosHmacDetector"), "secret", folded=True),
        _literal(("KeywordDetector",), "contrase", folded=True),  # contraseña / contrasena
        _literal(("CloudantDetector",), "cloudant", folded=True),
        _literal(("SoftlayerDetector",), "softlayer", folded=True),
        _literal(("AWSKeyDetector",), "aws", folded=True),
        _literal(("SlackDetector",), "xox", folded=True),
        _literal(("SlackDetector",), "hooks.slack.com", folded=True),
        # case-sensitive literals
        *(_literal(("AWSKeyDetector",), prefix) for prefix in ("A3T", "ABIA", "ACCA", "AKIA",
                                                                "ASIA")),
        _literal(("ArtifactoryDetector",), "AKC"),
        _regex(("ArtifactoryDetector",), r"AP[\dABCDEF]"),
        _literal(("AzureStorageKeyDetector",), "AccountKey="),
        _literal(("BasicAuthDetector",), "://"),
        _regex(("DiscordBotTokenDetector",), r"\.[a-zA-Z\d_-]{6}\.[a-zA-Z\d_-]{27}"),
        _regex(("GitHubTokenDetector",), r"gh[pousr]_"),
        _regex(("GitLabTokenDetector",), r"gl[a-z]+-"),
        _literal(("GitLabTokenDetector",), "GR1348941"),
        # the address's first digit is left out: a pattern that starts with a literal `.` is
        # searched six times faster, and the hit is on the same line
        _regex(("IPPublicDetector",), r"\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]"),
        _literal(("JwtTokenDetector",), "eyJ"),
        _regex(("MailchimpDetector",), r"-us[0-9]"),
        _literal(("NpmDetector",), "_authToken="),
        _literal(("OpenAIDetector",), "T3BlbkFJ"),
        _literal(("PrivateKeyDetector",), "BEGIN"),
        _literal(("PrivateKeyDetector",), "PuTTY-User-Key-File-2"),  # pragma: allowlist secret
        _literal(("PypiTokenDetector",), "pypi-AgE"),
        _literal(("SendGridDetector",), "SG."),
        _literal(("SquareOAuthDetector",), "sq0csp-"),
        _literal(("StripeDetector",), "k_live_"),
        _regex(("TelegramBotTokenDetector",), r":[0-9A-Za-z_-]{35}"),
        _regex(("TwilioKeyDetector",), r"AC[a-z0-9]{32}"),
        _regex(("TwilioKeyDetector",), r"SK[a-z0-9]{32}"),
    ]
    # A string of length n has at most log2(n) bits of entropy per character and the test is
    # `entropy > limit`, so a reported string is longer than 2**limit. The floor leaves a margin.
    charsets = {"Base64HighEntropyString": r"A-Za-z0-9+/\\\-_=", "HexHighEntropyString":
                r"0-9a-fA-F"}
    for name, limit in entropy_limits.items():
        minimum = max(1, int(2 ** limit))
        for quote in ('"', "'"):
            gates.append(_regex((name,), f"{quote}[{charsets[name]}]{{{minimum},}}{quote}"))
    return gates


def plugin_fingerprint(plugins: Iterable[Any]) -> str:
    """What the gates depend on: each plugin's class, type, patterns, flags and parameters."""
    from detect_secrets.plugins import keyword

    parts: list[str] = []
    for plugin in sorted(plugins, key=lambda p: type(p).__name__):
        cls = type(plugin)
        parts.append(f"{cls.__module__}.{cls.__name__}|{plugin.secret_type}")
        for regex in getattr(plugin, "denylist", ()):
            parts.append(f"  {regex.flags}|{regex.pattern}")
        if hasattr(plugin, "charset"):
            parts.append(f"  charset|{plugin.charset}")
        for name in ("analyze_string", "analyze_line"):
            owner = next((k.__name__ for k in cls.__mro__ if name in k.__dict__), "")
            parts.append(f"  {name}|{owner}")
        if cls.__name__ == "KeywordDetector":
            parts.append(f"  denylist|{keyword.DENYLIST}|{bool(plugin.keyword_exclude)}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _leading(gate: Gate) -> tuple[str, str] | None:
    """A gate's first character and the pattern of the rest, when it starts with a literal."""
    if gate.checks:
        return None  # its checks need the hit of its own literal
    if gate.literal is not None:
        return gate.literal[0], re.escape(gate.literal[1:])
    assert gate.regex is not None
    pattern = gate.regex.pattern
    if pattern[:1] == "\\" and pattern[1:2] in ".-":
        return pattern[1], pattern[2:]
    if pattern[:1].isalnum() or pattern[:1] in "\"'_:-":
        return pattern[0], pattern[1:]
    return None


def merged_by_first_character(gates: list[Gate]) -> list[Gate]:
    """Gates that start with the same literal character joined into one regex.

    Python's re finds a pattern's literal first character with a fast search and tries the
    alternatives only there, so one pass does the work of several (the `A` of AKIA, AKC,
    AccountKey=, AP.., AC..: nine passes become one). The merged gate lets in every plugin of
    its members: more lines see an analyzer, none is lost. No gate pattern crosses a line end,
    so a match that hides an overlapping one hides it on the same line.
    """
    groups: dict[tuple[bool, str], list[tuple[Gate, str]]] = {}
    kept: list[Gate] = []
    for gate in gates:
        lead = _leading(gate)
        if lead is None:
            kept.append(gate)
        else:
            groups.setdefault((gate.folded, lead[0]), []).append((gate, lead[1]))
    for (folded, first), members in groups.items():
        if len(members) == 1:
            kept.append(members[0][0])
            continue
        rest = "|".join(f"(?:{pattern})" for _, pattern in members)
        kept.append(Gate(frozenset().union(*(gate.plugins for gate, _ in members)),
                         regex=re.compile(f"{re.escape(first)}(?:{rest})"), folded=folded))
    return kept


class _Texts:
    """A text and its case-folded form, folded once and only when a gate needs it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._folded: str | None = None

    def folded(self) -> str:
        if self._folded is None:
            self._folded = fold(self.text)
        return self._folded


@dataclass
class Prefilter:
    """Which lines of a file can possibly yield a finding, and for which plugins."""

    gates: list[Gate]
    raw_checks: dict[str, Callable[[str, str], bool]] = field(default_factory=dict)
    exact: bool = True

    def __post_init__(self) -> None:
        self.gates = merged_by_first_character(self.gates)

    def candidates(self, lines: list[str], filename: str) -> list[int]:
        """1-based numbers of the lines that pass a gate and a gated plugin's own analyzer."""
        return sorted(self.candidate_plugins(lines, filename))

    def candidate_plugins(self, lines: list[str], filename: str) -> dict[int, frozenset[str]]:
        """For each line that can yield a finding (1-based), the plugins that can find it
        there: those whose gate matched and whose own analyzer found something. Any other
        plugin finds nothing on that line, so the pipeline need not run it."""
        stripped = [line.rstrip() for line in lines]
        text = "\n".join(stripped)
        starts = line_starts(stripped)
        hits: dict[int, set[str]] = {}
        texts = _Texts(text)
        for gate in self.gates:
            for offset, plugins in gate.hits(texts.folded() if gate.folded else text):
                index = bisect.bisect_right(starts, offset) - 1
                hits.setdefault(index, set()).update(plugins)
        from .leaks import windows

        survivors: dict[int, frozenset[str]] = {}
        for index in sorted(hits):
            pieces = windows(stripped[index])
            found = frozenset(name for name in hits[index] if name in self.raw_checks and any(
                self.raw_checks[name](piece, filename) for piece in pieces))
            if found:
                survivors[index + 1] = found
        return survivors


    def gate_hits(self, text: str) -> bool:
        """Whether any gate matches ``text`` (no analyzer run: a cheap, conservative test)."""
        texts = _Texts(text)
        for gate in self.gates:
            haystack = texts.folded() if gate.folded else text
            if gate.literal is not None and not gate.checks:
                if gate.literal in haystack:
                    return True
            elif next(gate.hits(haystack), None) is not None:
                return True
        return False

    def yaml_gate_hits(self, documents: list[Any]) -> bool:
        """Whether a gate matches any `key: "value"` the YAML transformer would emit."""
        from ..yamlsafe import walk

        for document in documents:
            if document.root is None:
                continue
            for _parent, key, node in walk(document.root):
                if key is not None and node.is_scalar and node.tag.endswith((":str",
                                                                             ":binary")):
                    value = "".join(node.value.split()) if node.tag.endswith(":binary") \
                        else node.value
                    emitted = f'{key.value}: "{value.replace(chr(34), chr(92) + chr(34))}"'
                    if self.gate_hits(emitted):
                        return True
        return False

    def passes(self, text: str, filename: str) -> bool:
        """Gates, then the gated plugins' own analyzers: could ``text`` yield a finding?"""
        return bool(self.candidates([text], filename))

    def could_hit_yaml(self, lines: list[str], documents: list[Any], filename: str) -> bool:
        """Whether detect-secrets' YAML transformer could emit a line that yields a finding.

        It emits `key: "value"` plus that raw line's comment for each string mapping value
        (and, when there is none, falls back to the raw lines). Each emitted `key: "value"` is
        rebuilt from the parsed document and run through the gates and analyzers; a comment
        line that passes a gate is treated as a hit (its emitted line is not rebuilt).
        """
        from ..yamlsafe import walk

        single: list[str] = []
        for document in documents:
            if document.root is None:
                continue
            for _parent, key, node in walk(document.root):
                if key is None or not node.is_scalar or not node.tag.endswith(
                        (":str", ":binary")):
                    continue
                value = "".join(node.value.split()) if node.tag.endswith(":binary") \
                    else node.value
                emitted = f'{key.value}: "{value.replace(chr(34), chr(92) + chr(34))}"'
                if "\n" in emitted or "\r" in emitted:
                    if self.passes(emitted, filename):  # one "line" with newlines inside
                        return True
                else:
                    single.append(emitted)
        if not single and not documents_emit(documents):
            return True  # the transformer gives nothing: detect-secrets reads the raw lines
        if single and self.candidates(single, filename):  # gates are per line: batch them
            return True
        return any("#" in line and self.gate_hits(line) for line in lines)


def documents_emit(documents: list[Any]) -> bool:
    """Whether the YAML transformer emits anything (a string mapping value somewhere)."""
    from ..yamlsafe import walk

    return any(key is not None and node.is_scalar and node.tag.endswith((":str", ":binary"))
               for document in documents if document.root is not None
               for _parent, key, node in walk(document.root))


def build(plugins: list[Any]) -> Prefilter | None:
    """The prefilter for the configured plugins, or None when it cannot be exact."""
    from detect_secrets.plugins import keyword
    from detect_secrets.util.filetype import determine_file_type

    names = {type(p).__name__: p for p in plugins}
    if plugin_fingerprint(plugins) != DETECT_SECRETS_150:
        return None
    limits = {name: float(p.entropy_limit) for name, p in names.items()
              if name in ("Base64HighEntropyString", "HexHighEntropyString")}
    gates = [g for g in gates_for(limits) if g.every_plugin & set(names)]
    gated = set().union(*(g.every_plugin for g in gates))
    if set(names) - gated:
        return None  # a plugin without a gate: scan every line
    checks: dict[str, Callable[[str, str], bool]] = {}
    file_type = functools.lru_cache(maxsize=4096)(determine_file_type)
    for name, plugin in names.items():
        if name == "KeywordDetector":
            def keyword_check(line: str, filename: str, plugin: Any = plugin) -> bool:
                groups = keyword.REGEX_BY_FILETYPE.get(
                    file_type(filename), keyword.QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP)
                return any(True for _ in plugin.analyze_string(line,
                                                               denylist_regex_to_group=groups))
            checks[name] = keyword_check
        elif hasattr(plugin, "entropy_limit"):
            def entropy_check(line: str, filename: str, plugin: Any = plugin) -> bool:
                return any(plugin.calculate_shannon_entropy(s) > plugin.entropy_limit
                           for s in plugin.analyze_string(line))
            checks[name] = entropy_check
        else:
            def regex_check(line: str, filename: str, plugin: Any = plugin) -> bool:
                return any(True for _ in plugin.analyze_string(line))
            checks[name] = regex_check
    return Prefilter(gates, checks)
