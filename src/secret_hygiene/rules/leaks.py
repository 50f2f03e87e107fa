"""SH102: detect-secrets' plugins and filters, driven on text the tool has already read.

detect-secrets 1.5.0 is the detection engine: its transformers produce the lines, its plugins
find candidates, its filters remove the known false-positive classes. This layer adds what the
contract asks of a finding and detect-secrets does not give:

* one finding per occurrence (detect-secrets keeps one per file and value);
* the whole matched value: a prefixed token in full (detect-secrets hashes `ghp` alone for
  GitHub tokens), a private key's whole PEM block rather than its header line;
* positions (column) in the original line, not in the transformed one;
* placeholders are never leaks; where several plugins match one value, the most specific wins;
* a connection-string password detector (`...;Password=x;`);
* detect-secrets faults fixed here: a `= f(...)` or `= x[...]` anywhere on a line no longer
  hides the line's other secrets (#857: the filter now drops only a value that *is* the call or
  subscript); in files that get the second, eager INI pass, a secret found by the first pass no
  longer hides the others (the eager pass always runs and its findings are merged); a keyword
  match on a name that only points at a secret (`DB_PASSWORD_FILE=...`) or a shell command
  substitution is not a leak.

Network verification is never enabled.
"""

from __future__ import annotations

import importlib
import io
import re
import sys
import types
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePosixPath
from typing import Any

from ..text.names import NOT_A_VALUE, is_file_variable, is_secret_like, tokens
from ..text.placeholders import is_placeholder
from ..yamlsafe import Document

CONNECTION_STRING = "Connection String Password"
GENERIC_TYPES = frozenset({"Secret Keyword", "Basic Auth Credentials", CONNECTION_STRING})
ENTROPY_TYPES = frozenset({"Base64 High Entropy String", "Hex High Entropy String"})
NOT_KNOWN_FORMATS = GENERIC_TYPES | ENTROPY_TYPES
TOKEN_TAIL = re.compile(r"[\w\-./+=]*")
TOKEN_CHARS = re.compile(r"[A-Za-z0-9_\-]*")
# Keys whose values name a secret rather than hold it (compose `secrets:`, Kubernetes refs).
REFERENCE_KEYS = frozenset({"secrets", "secretname", "secretref", "secretkeyref",
                            "existingsecret"})
# Keys that pin a revision: a full git commit id there is not a secret (`rev:` in
# .pre-commit-config.yaml).
REVISION_KEYS = frozenset({"rev", "sha", "commit", "ref", "revision"})
COMMIT_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
PEM_END = re.compile(r"-----END[ A-Z0-9]*-----|---- END SSH2[ A-Z]*----")
CONNECTION_PASSWORD = re.compile(
    r"(?:^|[;\"'\s])(?:password|pwd)\s*=\s*(?P<value>[^;\"'\s]+)\s*(?:;|$|[\"'])", re.IGNORECASE)
INNER_ASSIGNMENT = re.compile(r"^([A-Za-z_][\w.-]*)=(.*)$", re.DOTALL)
ASSIGNED_NAME = re.compile(r"([A-Za-z_][\w.\-]*)[\"'\]]*\s*(?:=|:=|:|=>)\s*[\"'`]?\s*$")
INDIRECT_FILTER = "detect_secrets.filters.heuristic.is_indirect_reference"
CONNECTION_CONTEXT = re.compile(
    r"(?:server|data source|host|user id|uid|database|initial catalog|provider)\s*=",
    re.IGNORECASE)


@dataclass
class Leak:
    """A candidate secret. ``value`` is the raw text: it lives in memory only."""

    line: int
    column: int
    end_column: int
    type: str
    value: str
    legacy_hash: str
    decoded: bool = False  # found in what the text at the position base64-decodes to

    @property
    def priority(self) -> int:
        if self.type in ENTROPY_TYPES:
            return 1
        if self.type in GENERIC_TYPES:
            return 2
        return 3

    @property
    def known_format(self) -> bool:
        return self.type not in NOT_KNOWN_FORMATS


class _DeferredRequests(types.ModuleType):
    """Stands in for `requests` until something really uses it.

    detect-secrets imports `requests` (about a sixth of a second, half its import time) only
    to verify secrets online, which this tool never does. The first attribute anything asks of
    this module imports the real one, so nothing can break; `Response` is answered directly
    because one plugin names it in an annotation at import time.
    """

    Response = type("Response", (), {})

    def __getattr__(self, name: str) -> Any:
        if sys.modules.get("requests") is self:
            del sys.modules["requests"]
        real = importlib.import_module("requests")
        sys.modules["requests"] = real
        return getattr(real, name)


def _defer_requests() -> None:
    if "requests" not in sys.modules:
        sys.modules["requests"] = _DeferredRequests("requests")


class _DetectSecrets:
    """The configured detect-secrets modules, imported once."""

    def __init__(self) -> None:
        import logging

        _defer_requests()

        from detect_secrets.core import scan
        from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
        from detect_secrets.filters import heuristic
        from detect_secrets.plugins.base import RegexBasedDetector
        from detect_secrets.settings import get_plugins, get_settings
        from detect_secrets.transformers import get_transformers
        from detect_secrets.transformers.config import ConfigFileTransformer
        from detect_secrets.transformers.exceptions import ParsingError
        from detect_secrets.util.code_snippet import get_code_snippet
        from detect_secrets.util.filetype import FileType, determine_file_type

        from . import prefilter

        # detect-secrets logs skipped secrets *with their values* at info level: silence it.
        for name in ("detect-secrets", "detect_secrets"):
            logger = logging.getLogger(name)
            logger.handlers = []
            logger.setLevel(logging.CRITICAL + 1)
            logger.propagate = False

        settings = get_settings()
        classes = get_mapping_from_secret_type_to_class()
        settings.configure_plugins([{"name": cls.__name__} for cls in classes.values()])
        settings.disable_filters(
            "detect_secrets.filters.common.is_ignored_due_to_verification_policies",
            "detect_secrets.filters.common.is_invalid_file",  # checks the disk; we read it
            INDIRECT_FILTER,  # applied per value instead (#857), see _is_indirect_reference
        )
        self.indirect = heuristic._get_indirect_reference_regex()
        self.scan = scan
        self.heuristic = heuristic
        self.get_plugins = get_plugins
        self.get_code_snippet = get_code_snippet
        self.transformers = list(get_transformers())
        self.config_transformer = ConfigFileTransformer
        self.parsing_error = ParsingError
        self._file_type = determine_file_type
        self._yaml_type = FileType.YAML
        self.plugins: dict[str, Any] = {p.secret_type: p for p in get_plugins()}
        self.regex_based = RegexBasedDetector
        self.prefilter = prefilter.build(list(get_plugins()))


    def is_yaml(self, path: str) -> bool:
        """Whether detect-secrets reads ``path`` with its YAML transformer."""
        return bool(self._file_type(path) == self._yaml_type)


@lru_cache(maxsize=1)
def _engine() -> _DetectSecrets:
    return _DetectSecrets()


class _NamedText(io.StringIO):
    """The file object detect-secrets' transformers expect: text with a `.name`."""

    def __init__(self, text: str, name: str) -> None:
        super().__init__(text)
        self.name = name


def skipped_by_detect_secrets(path: str) -> bool:
    """File-level filters detect-secrets applies (extensions, lock files, swagger files)."""
    ds = _engine()
    return bool(ds.heuristic.is_non_text_file(path) or ds.heuristic.is_lock_file(path)
                or ds.heuristic.is_swagger_file(path))


def scan_lines(path: str, lines: list[str], *, transform: bool = True,
               template: bool = False, interpolates: bool = False,
               documents: list[Document] | None = None) -> list[Leak]:
    """Every leak in a file's lines (no line endings). ``transform=False`` skips the YAML/INI
    transformers, for files whose YAML is unsafe to construct. ``interpolates``: the format
    expands `$VAR` and `$(...)` (shell, .env), so those are not literals. ``documents``: the
    file's YAML, already parsed, lets the prefilter skip detect-secrets' (slow) YAML
    transformer when nothing it could emit passes a gate."""
    if nothing_to_find(path, lines, transform, documents):
        return []  # decided without importing detect-secrets (a hook's usual case)
    ds = _engine()
    if skipped_by_detect_secrets(path):
        return []
    if transform and documents is not None and ds.prefilter is not None and \
            ds.is_yaml(path) and not ds.prefilter.could_hit_yaml(lines, documents, path):
        return []
    text = "\n".join(lines) + "\n"
    candidates = _run_pipeline(ds, path, text, lines, transform)
    leaks: list[Leak] = []
    for secret in candidates:
        leaks.extend(_locate(ds, secret, lines))
    leaks.extend(_connection_strings(lines))
    leaks = [leak for leak in leaks if not _not_a_leak(ds, leak, lines, interpolates)]
    if template:
        leaks = [leak for leak in leaks if leak.known_format]
    return _one_per_occurrence(leaks)


PINNED = "1.5.0"  # the detect-secrets version the gates were derived from
YAML_SUFFIXES = (".yaml", ".yml", ".eyaml")
# detect-secrets 1.5.0's util/filetype.py: every other extension is FileType.OTHER, the only
# type its eager INI transformer is used for.
TYPED_SUFFIXES = frozenset({".cls", ".example", ".eyaml", ".go", ".java", ".js", ".m", ".php",
                            ".py", ".pyi", ".swift", ".tf", ".yaml", ".yml", ".cs", ".c",
                            ".cpp", ".cnf", ".conf", ".cfg", ".cf", ".ini", ".properties",
                            ".toml"})


@lru_cache(maxsize=1)
def _static_prefilter() -> Any:
    """The gates for the pinned detect-secrets' default plugins, without importing it; None
    when another version is installed (then the gates are derived after importing it)."""
    from importlib.metadata import PackageNotFoundError, version

    from . import prefilter

    try:
        if version("detect-secrets") != PINNED:
            return None
    except PackageNotFoundError:
        return None
    return prefilter.Prefilter(prefilter.gates_for({"Base64HighEntropyString": 4.5,
                                                    "HexHighEntropyString": 3.0}))


def nothing_to_find(path: str, lines: list[str], transform: bool,
                     documents: list[Document] | None) -> bool:
    """True when no plugin gate can match what detect-secrets would read: the raw lines (no
    transformer can parse the file) or, for YAML, what its transformer would emit. Gates
    alone are necessary conditions, so this never hides a finding."""
    quick = _static_prefilter()
    if quick is None or _connection_strings(lines):
        return False
    text = "\n".join(line.rstrip() for line in lines)
    if transform and path.lower().endswith(YAML_SUFFIXES):
        if documents is None:
            return False
        return not quick.gate_hits(text) and not quick.yaml_gate_hits(documents)
    if transform and transformers_could_apply(path, text):
        return False  # an INI transformer could rewrite the lines
    return not quick.gate_hits(text)


def transformers_could_apply(path: str, text: str) -> bool:
    """Whether one of detect-secrets' YAML/INI transformers may rewrite this file's text
    (then a finding can depend on other lines than its own)."""
    if path.lower().endswith(YAML_SUFFIXES):
        return True
    eager_applies = _eager_ini_applies(path)
    return not (_ini_cannot_parse(text, eager=False) and
                (not eager_applies or _ini_cannot_parse(text, eager=True)))


@lru_cache(maxsize=4096)
def _eager_ini_applies(path: str) -> bool:
    """detect-secrets tries its eager INI transformer on files of no known type."""
    return PurePosixPath(path).suffix not in TYPED_SUFFIXES


def _not_a_leak(ds: _DetectSecrets, leak: Leak, lines: list[str], interpolates: bool) -> bool:
    value = leak.value
    if is_placeholder(value, interpolates=interpolates):
        return True
    assigned = INNER_ASSIGNMENT.match(value)
    if assigned and (is_file_variable(assigned.group(1)) or is_placeholder(assigned.group(2))):
        return True  # "DB_PASSWORD_FILE=/run/secrets/db" written as one string
    raw = lines[leak.line - 1] if 0 < leak.line <= len(lines) else ""
    before = raw[leak.column - 2:leak.column - 1] if leak.column >= 2 else ""
    if interpolates and (value.startswith(("$(", "`")) or "$(" in value or before == "`"):
        return True  # shell command substitution: read at run time
    if leak.known_format:
        return False
    if _is_indirect_reference(ds, raw, leak.column - 1):
        return True
    match = ASSIGNED_NAME.search(raw[:max(leak.column - 1, 0)])
    if match and leak.type in (ENTROPY_TYPES | {"Secret Keyword"}):
        name = match.group(1)
        key = name.lower().replace("_", "").replace("-", "")
        if key in REFERENCE_KEYS or (key in REVISION_KEYS and COMMIT_ID.fullmatch(value)):
            return True  # `secrets: db_password`, `rev: <commit id>`
        parts = tokens(name)
        if parts and not is_secret_like(name) and parts[-1] in NOT_A_VALUE:
            return True  # DB_PASSWORD_FILE=... names where a secret lives, not the secret
    return False


def _is_indirect_reference(ds: _DetectSecrets, raw: str, start: int) -> bool:
    """detect-secrets' `secret = get_secret()` / `secret = request.headers['x']` filter, applied
    to the value only: it is dropped when it *is* the call or subscript (starts at its head),
    not when a literal merely sits on the same line as one (#857)."""
    if len(raw) > 1000:
        return False
    for match in ds.indirect.finditer(raw):
        expression = match.group(3)
        bracket = min((i for i in (expression.find("("), expression.find("[")) if i >= 0),
                      default=len(expression))
        if match.start(3) <= start < match.start(3) + bracket:
            return True
    return False


def warm_up() -> None:
    """Import and configure detect-secrets now (before forking workers that share it)."""
    _engine()


def prefilter_active() -> bool:
    """Whether the exact prefilter runs (False: every line goes through detect-secrets).

    Without loading detect-secrets: when it was not needed, nothing was scanned line by line.
    """
    if _engine.cache_info().currsize == 0:
        return True
    return _engine().prefilter is not None


def _run_pipeline(ds: _DetectSecrets, path: str, text: str, lines: list[str],
                  transform: bool) -> list[Any]:
    first: list[str] | None = None
    if transform:
        first = _transformed(ds, path, text, eager=False)
    found = _process(ds, path, first if first else [f"{line}\n" for line in lines])
    if not transform:
        return found
    eager = _transformed(ds, path, text, eager=True)
    if not eager:
        return found
    # detect-secrets runs this pass only when the first found nothing, so one secret hid the
    # others; run it always and keep what the first pass did not find.
    seen = {(s.line_number, s.type, s.secret_value) for s in found}
    for secret in _process(ds, path, eager):
        if (secret.line_number, secret.type, secret.secret_value) not in seen:
            found.append(secret)
    return found


SECTION = re.compile(r"\[.+\]")
# A line at the left margin that is no comment, no section and has no `=` or `:`: configparser
# rejects the file (ParsingError), so the eager INI transformer would give up on it.
NOT_INI = re.compile(r"^(?![#;\[])[^\s=:][^=:\n]*$", re.MULTILINE)


def _ini_cannot_parse(text: str, eager: bool) -> bool:
    """Exact conditions under which detect-secrets' INI transformers fail on ``text``.

    The plain one needs a section header as the first line that is neither blank nor a
    comment (configparser raises MissingSectionHeaderError otherwise); the eager one adds its
    own header, so it fails on a left-margin line that is not an option, section or comment.
    """
    if eager:
        return bool(NOT_INI.search(text))
    for line in text.splitlines():
        value = line.strip()
        if not value or value.startswith(("#", ";")):
            continue
        return not SECTION.match(value)
    return True


def _transformed(ds: _DetectSecrets, path: str, text: str, eager: bool) -> list[str] | None:
    """detect-secrets' get_transformed_file(), skipping the INI transformers where
    configparser is certain to reject the text (they are tried on every file)."""
    for transformer in ds.transformers:
        if not transformer.should_parse_file(path) or eager != transformer.is_eager:
            continue
        if (type(transformer) is ds.config_transformer or transformer.is_eager) and \
                _ini_cannot_parse(text, eager):
            continue
        try:
            result: list[str] | None = transformer.parse_file(_NamedText(text, path))
            return result
        except ds.parsing_error:
            continue
        except (RecursionError, ValueError):  # e.g. YAML too deep for PyYAML's own loader
            continue
    return None


def _process(ds: _DetectSecrets, path: str, content: list[str]) -> list[Any]:
    """detect-secrets' per-line pipeline, unchanged, on the lines that can yield a finding.

    With the prefilter each line is run through the plugins that can find something on it;
    without it every line through every plugin. Lines longer than LONG_LINE are checked
    in overlapping windows, so no line costs more than a window does.
    """
    plugins = ds.get_plugins()
    if ds.prefilter is not None:
        named = [(type(plugin).__name__, plugin) for plugin in plugins]
        candidates = [(number, [plugin for name, plugin in named if name in names])
                      for number, names in ds.prefilter.candidate_plugins(content, path).items()]
    else:
        candidates = [(number, plugins) for number in range(1, len(content) + 1)]
    found: list[Any] = []
    scan = ds.scan
    for number, line_plugins in candidates:
        line = content[number - 1].rstrip()
        context = ds.get_code_snippet(lines=content, line_number=number)
        seen: set[tuple[str, str]] = set()
        for window in windows(line):
            if scan._is_filtered_out(required_filter_parameters=["line"], filename=path,
                                     line=window, context=context):
                continue
            for plugin in line_plugins:
                for secret in scan._scan_line(plugin=plugin, filename=path, line=window,
                                              line_number=number, context=context):
                    key = (secret.type, secret.secret_hash)
                    if key in seen or scan._is_filtered_out(
                            required_filter_parameters=["context"], filename=secret.filename,
                            secret=secret.secret_value, plugin=plugin, line=window,
                            context=context):
                        continue
                    seen.add(key)
                    found.append(secret)
    return found


LONG_LINE = 8192
WINDOW_OVERLAP = 512


def windows(line: str) -> list[str]:
    """The line, or overlapping slices of it when it is very long (minified code, data)."""
    if len(line) <= LONG_LINE:
        return [line]
    step = LONG_LINE - WINDOW_OVERLAP
    return [line[start:start + LONG_LINE] for start in range(0, len(line) - WINDOW_OVERLAP,
                                                             step)]


def _line_of(value: str, lines: list[str], reported: int) -> int:
    """The line that holds ``value``: detect-secrets' YAML transformer can report a line or two
    off (and past the end of the file). The reported line when the value is not nearby."""
    if not lines:
        return 1
    clamped = min(max(reported, 1), len(lines))
    if not value:
        return clamped
    for candidate in (clamped, clamped - 1, clamped + 1, clamped - 2):
        if 1 <= candidate <= len(lines) and value in lines[candidate - 1]:
            return candidate
    return clamped


def _locate(ds: _DetectSecrets, secret: Any, lines: list[str]) -> list[Leak]:
    if not lines:
        return []
    value = str(secret.secret_value or "")
    if secret.type == "Private Key":
        return [_private_key(secret, lines, min(int(secret.line_number), len(lines)))]
    number = _line_of(value, lines, int(secret.line_number))
    if value not in lines[number - 1] and value.strip("\"'") in lines[number - 1]:
        value = value.strip("\"'")  # a quote the YAML/INI transformer added, not the secret's
    elif value not in lines[number - 1]:
        bare = value.strip("\"'")
        number = _line_of(bare, lines, int(secret.line_number))
        if bare in lines[number - 1]:
            value = bare
    raw = lines[number - 1]
    plugin = ds.plugins.get(secret.type)
    if plugin is not None and isinstance(plugin, ds.regex_based):
        tokens = _full_tokens(plugin, raw, value)
        if tokens:
            return [Leak(number, start + 1, start + len(token) + 1, secret.type, token,
                         secret.secret_hash)
                    for start, token in tokens if not _filtered(ds, secret, token, raw)]
    start = raw.find(value) if value else -1
    if start < 0:
        unescaped = value.replace('\\"', '"')
        start = raw.find(unescaped)
    if start < 0:  # the text was rewritten (YAML escapes, folding): the whole line
        return [Leak(number, 1, len(raw) + 1, secret.type, value, secret.secret_hash)]
    return [Leak(number, start + 1, start + len(value) + 1, secret.type, value,
                 secret.secret_hash)]


def _full_tokens(plugin: Any, raw: str, value: str) -> list[tuple[int, str]]:
    """Each whole match of a regex plugin on the raw line (several tokens on a line are several
    findings; a capture group that is only the token's prefix is extended to the token)."""
    tokens: list[tuple[int, str]] = []
    for regex in plugin.denylist:
        for match in regex.finditer(raw):
            groups = [g for g in match.groups() if g]
            if not groups:
                tokens.append((match.start(), match.group(0)))
                continue
            group_index = next(i for i, g in enumerate(match.groups(), 1) if g)
            start = match.start(group_index)
            token = match.group(group_index)
            whole = match.group(0)
            if whole.startswith(token) and TOKEN_TAIL.fullmatch(whole[len(token):]):
                token = whole
            tokens.append((start, token))
    # a token that runs on past what the pattern needed is still one token: hash all of it
    tokens = [(start, _run_on(raw, start, token)) for start, token in tokens]
    if not tokens and value:
        start = raw.find(value)
        if start >= 0:
            tokens.append((start, value))
    return sorted(set(tokens))


def _run_on(raw: str, start: int, token: str) -> str:
    if not token[-1:].isalnum():
        return token
    tail = TOKEN_CHARS.match(raw, start + len(token))
    return token + (tail.group() if tail else "")


def _filtered(ds: _DetectSecrets, secret: Any, token: str, raw: str) -> bool:
    if token == secret.secret_value:
        return False
    plugin = ds.plugins.get(secret.type)
    return bool(ds.scan._is_filtered_out(required_filter_parameters=["secret"],
                                         filename=secret.filename, secret=token,
                                         plugin=plugin, line=raw))


def _private_key(secret: Any, lines: list[str], number: int) -> Leak:
    marker = str(secret.secret_value)
    for ahead in range(number, min(number + 3, len(lines)) + 1):  # YAML `key: |` blocks
        if marker in lines[ahead - 1]:
            number = ahead
            break
    raw = lines[number - 1]
    start = raw.find(marker)
    begin = raw.rfind("-----", 0, start) if start >= 0 else -1
    begin = begin if begin >= 0 else max(start, 0)
    following = [line.lstrip() for line in lines[number:number + 200]]  # YAML block indentation
    window = "\n".join([raw[begin:], *following])
    match = PEM_END.search(window)
    block = window[:match.end()] if match else raw[begin:]
    return Leak(number, begin + 1, len(raw) + 1, secret.type, block, secret.secret_hash)


def _connection_strings(lines: list[str]) -> list[Leak]:
    import hashlib

    leaks = []
    for number, raw in enumerate(lines, start=1):
        if ";" not in raw or "=" not in raw or not CONNECTION_CONTEXT.search(raw):
            continue
        for match in CONNECTION_PASSWORD.finditer(raw):
            value = match.group("value")
            start = match.start("value")
            digest = hashlib.sha1(value.encode("utf-8", "surrogateescape")).hexdigest()
            leaks.append(Leak(number, start + 1, start + len(value) + 1, CONNECTION_STRING,
                              value, digest))
    return leaks


def _one_per_occurrence(leaks: list[Leak]) -> list[Leak]:
    """Several plugins matching one value on one line are one finding: the most specific."""
    kept: list[Leak] = []
    by_line: dict[int, list[Leak]] = {}
    for leak in sorted(leaks, key=lambda x: (x.line, -x.priority, x.column)):
        same_line = by_line.setdefault(leak.line, [])
        if any(overlaps(k.column, k.end_column, leak.column, leak.end_column)
               for k in same_line):
            continue
        same_line.append(leak)
        kept.append(leak)
    return sorted(kept, key=lambda x: (x.line, x.column))


def overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end
