"""SH101 (literal value of a manifest secret) and SH103 (literal fallback for a secret).

Two readers: YAML files are read structurally (every mapping value and `NAME=value` list item,
with Kubernetes `Secret` data base64-decoded); every other file, and YAML that does not parse,
is read line by line with patterns for assignments in code, .env, INI, TOML, JSON, Dockerfile
and shell. Reading a secret (`os.environ["X"]`, `${X}`) is never a literal.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from ..manifest import Manifest, SecretSpec
from ..sources import Kind, SourceFile, line_starts
from ..text import interpolation
from ..text.folding import fold
from ..text.names import is_file_variable, is_secret_like
from ..text.placeholders import is_placeholder
from ..yamlsafe import Document, Node, walk


@dataclass
class ValueHit:
    """A literal found for a secret. ``value`` is raw text held in memory only."""

    rule: str  # SH101, SH103, or "" for an identifier (sensitive: false) - never reported
    name: str
    line: int
    column: int
    end_column: int
    value: str
    spec: SecretSpec | None
    how: str  # "assignment", "fallback", "kubernetes data", "getenv default"


# --- line-based reading ---------------------------------------------------------------------

TAIL = re.compile(r"""
    (?P<close>["'`]?\]?)
    (?:[ \t]*:[ \t]*[A-Za-z_][\w.\[\], |]*?(?=[ \t]*=[^=]))?
    [ \t]*(?P<op>:=|=>|=(?!=)|:(?![:=/]))[ \t]*
""", re.VERBOSE)
DOCKERFILE_SPACE_FORM = re.compile(r"^\s*(?:ENV|ARG)\s+\S+\s+(?!=)", re.IGNORECASE)
QUOTE_START = re.compile(r"(?P<prefix>[rRbBuUfF]{0,2})(?P<q>\"\"\"|'''|[\"'`])")
GETENV_DEFAULT = re.compile(r"""
    (?P<call>[A-Za-z_][\w.]*)\(\s*(?P<q>["'])(?P<name>[A-Za-z_][\w.-]*)(?P=q)\s*,\s*
    (?:default\s*=\s*)?(?P<vq>["'`])(?P<value>(?:\\.|(?!(?P=vq)).)*)(?P=vq)
""", re.VERBOSE)
READ_THEN_OR = re.compile(r"""
    (?:(?:getenv|environ(?:\.get)?|env(?:\.get)?|ENV(?:\.fetch)?)\s*[(\[]\s*["']
       (?P<name>[A-Za-z_]\w*)["']\s*[)\]]
     |process\.env\.(?P<jsname>[A-Za-z_]\w*))
    \s*(?:\bor\b|\|\||\?\?)\s*(?P<vq>["'`])(?P<value>(?:\\.|(?!(?P=vq)).)*)(?P=vq)
""", re.VERBOSE)
LINE_KEY = re.compile(r"^\s*(?:export\s+|ENV\s+|ARG\s+)?[\"']?(?P<name>[A-Za-z_][\w.-]*)[\"']?"
                      r"\s*(?:=|:(?!//))")
CALL_WORDS = ("getenv", "environ", "env", "get", "fetch", "setdefault", "config", "setting")
ASSIGNING_CALLS = ("setenv", "putenv", "setdefault")



def _anchors(manifest: Manifest) -> set[str]:
    """For each manifest name its longest part, lower-cased: `SECRET_KEY` -> `secret`."""
    return _compile_anchors(tuple(spec.name for spec in manifest.secrets.values()))


@lru_cache(maxsize=16)
def _compile_anchors(names: tuple[str, ...]) -> set[str]:
    return {max((p for p in name.split("_") if p), key=len).lower() for name in names
            if any(name.split("_"))}


def _names_pattern(manifest: Manifest) -> re.Pattern[str] | None:
    return _compile_names(tuple(sorted((spec.name for spec in manifest.secrets.values()),
                                       key=len, reverse=True)))


@lru_cache(maxsize=16)
def _compile_names(names: tuple[str, ...]) -> re.Pattern[str] | None:
    if not names:
        return None
    alternatives = ["[-_.]?".join(re.escape(p) for p in n.split("_") if p) for n in names]
    return re.compile(r"(?<![A-Za-z0-9_$])(?P<name>" + "|".join(alternatives) +
                      r")(?![A-Za-z0-9_])", re.IGNORECASE)


def _quoted(rest: str, backtick_runs: bool = False) -> tuple[str, int, int] | None:
    """A quoted string at the start of ``rest``: (content, start, end) or None.

    ``backtick_runs``: in shell-like files a backtick quote is a command, not a string.
    """
    match = QUOTE_START.match(rest)
    if not match:
        return None
    quote = match.group("q")
    start = match.end()
    i = start
    while i < len(rest):
        if rest[i] == "\\" and quote != "'":
            i += 2
            continue
        if rest.startswith(quote, i):
            content = rest[start:i]
            prefix = match.group("prefix").lower()
            if ("f" in prefix and "{" in content) or (quote == "`" and "${" in content):
                return None  # an f-string or template literal: an expression
            if quote == "`" and backtick_runs:
                return None  # shell command substitution
            return content, start, i
        i += 1
    return None


def _unquoted(rest: str, kind: Kind) -> tuple[str, int, int] | None:
    if not rest or rest[0] in "$`(" or rest.startswith(("@", "!")):
        return None
    if kind in (Kind.SHELL, Kind.DOCKERFILE, Kind.PROSE):
        match = re.match(r"[^\s;&|]+", rest)
        end = match.end() if match else 0
    else:
        comment = re.search(r"\s[#;]", rest)
        end = comment.start() if comment else len(rest)
    value = rest[:end].rstrip()
    if value.endswith((",", ";")) and kind in (Kind.YAML, Kind.OTHER):
        value = value[:-1]
    return (value, 0, len(value)) if value else None


def _value_after(line: str, pos: int, kind: Kind) -> tuple[str, int, int, bool] | None:
    rest = line[pos:]
    quoted = _quoted(rest, backtick_runs=kind.interpolates)
    if quoted:
        content, start, end = quoted
        return content, pos + start, pos + end, True
    if kind.quotes_required:
        return None
    unquoted = _unquoted(rest, kind)
    if unquoted is None:
        return None
    content, start, end = unquoted
    return content, pos + start, pos + end, False


def _ops_for(kind: Kind) -> frozenset[str]:
    if kind in (Kind.ENV, Kind.SHELL, Kind.MAKE, Kind.PROSE, Kind.TOML):
        return frozenset({"="}) if kind != Kind.MAKE else frozenset({"=", ":="})
    if kind == Kind.DOCKERFILE:
        return frozenset({"="})
    if kind == Kind.JSON:
        return frozenset({":"})
    if kind == Kind.INI:
        return frozenset({"=", ":"})
    return frozenset({"=", ":", ":=", "=>"})


CALL_WITH_DEFAULT = re.compile(r"\(\s*[\"'][A-Za-z_][\w.-]*[\"']\s*,")
OR_LITERALS = (re.compile(r" or\s*[\"'`]"), re.compile(r"\|\|\s*[\"'`]"),
               re.compile(r"\?\?\s*[\"'`]"))


def _lines_matching(text: str, starts: list[int], pattern: re.Pattern[str] | str) -> set[int]:
    """0-based indexes of the lines where ``pattern`` (a regex or a literal) occurs."""
    found: set[int] = set()
    if isinstance(pattern, str):
        offset = text.find(pattern)
        while offset >= 0:
            index = bisect.bisect_right(starts, offset) - 1
            found.add(index)
            next_line = starts[index + 1] if index + 1 < len(starts) else len(text)
            offset = text.find(pattern, next_line)
    else:
        for match in pattern.finditer(text):
            found.add(bisect.bisect_right(starts, match.start()) - 1)
    return found


def lines_could_hit(text: str, manifest: Manifest) -> bool:
    """Whether ``scan_lines`` could return anything for ``text``: one of the patterns that
    choose the lines it reads closely occurs (the same tests, on the whole text at once)."""
    if "$" in text or CALL_WITH_DEFAULT.search(text) or \
            any(pattern.search(text) for pattern in OR_LITERALS):
        return True
    if _names_pattern(manifest) is None:
        return False
    folded = fold(text)
    return any(anchor in folded for anchor in _anchors(manifest))


def scan_lines(source: SourceFile, manifest: Manifest) -> list[ValueHit]:
    """Line-based reading. Each pattern runs once over the whole text; only the lines it hits
    are read closely (a big source file costs a few regex passes, not one per line)."""
    hits: list[ValueHit] = []
    names = _names_pattern(manifest)
    ops = _ops_for(source.kind)
    lines = source.lines
    text = "\n".join(lines)
    starts = line_starts(lines)
    dollars = _lines_matching(text, starts, "$")
    calls = _lines_matching(text, starts, CALL_WITH_DEFAULT)
    ors: set[int] = set()
    for pattern in OR_LITERALS:
        ors |= _lines_matching(text, starts, pattern)
    named: set[int] = set()
    if names is not None:
        folded = fold(text)
        for anchor in _anchors(manifest):  # a literal every spelling of a name contains
            named |= _lines_matching(folded, starts, anchor)
    for index in sorted(dollars | calls | ors | named):
        number, line = index + 1, lines[index]
        if index in dollars:
            key = LINE_KEY.match(line)
            hits.extend(_interpolation_fallbacks(line, number, 0, manifest,
                                                 key.group("name") if key else None))
        if index in calls or index in ors:
            hits.extend(_call_fallbacks(line, number, manifest))
        if names is None or index not in named:
            continue
        for match in names.finditer(line):
            spec = manifest.lookup(match.group("name"))
            if spec is None:
                continue
            hit = _assignment(line, number, match, spec, source.kind, ops)
            if hit is not None:
                hits.append(hit)
    return hits


def _assignment(line: str, number: int, match: re.Match[str], spec: SecretSpec, kind: Kind,
                ops: frozenset[str]) -> ValueHit | None:
    prefix = line[:match.start()].rstrip(" \t\"'[(")
    tail = TAIL.match(line, match.end())
    value: tuple[str, int, int, bool] | None = None
    if tail and tail.group("op") in ops:
        value = _value_after(line, tail.end(), kind)
    elif kind == Kind.DOCKERFILE and DOCKERFILE_SPACE_FORM.match(line):
        rest_at = match.end() + (len(line[match.end():]) - len(line[match.end():].lstrip()))
        value = _value_after(line, rest_at, kind)
    elif prefix.lower().endswith(ASSIGNING_CALLS):
        comma = re.match(r"[\"']?\s*,\s*", line[match.end():])
        if comma:
            value = _value_after(line, match.end() + comma.end(), kind)
    if value is None:
        return None
    text, start, end, _quoted_value = value
    if prefix.lower().endswith("setdefault"):
        return _hit_if_literal("SH103", spec.name, number, start, end, text, spec,
                               "getenv default", kind) if is_secret_like(spec.name) or \
            spec.sensitive else None
    if interpolation.has_reference(text) and kind.interpolates:
        return None  # fallbacks inside are reported by the interpolation scan
    return _hit_if_literal("SH101" if spec.sensitive else "", spec.name, number, start, end,
                           text, spec, "assignment", kind)


def _hit_if_literal(rule: str, name: str, number: int, start: int, end: int, text: str,
                    spec: SecretSpec | None, how: str, kind: Kind) -> ValueHit | None:
    if is_placeholder(text, interpolates=kind.interpolates):
        return None
    if kind.interpolates and ("$(" in text or text.startswith("`")):
        return None  # command substitution: the value is read at run time
    return ValueHit(rule, name, number, start + 1, end + 1, text, spec, how)


def _is_secret_variable(name: str, manifest: Manifest) -> SecretSpec | bool | None:
    spec = manifest.lookup(name)
    if spec is not None:
        return spec if spec.sensitive else False
    return is_secret_like(name)


def _interpolation_fallbacks(text: str, number: int, column_base: int, manifest: Manifest,
                             key: str | None) -> Iterator[ValueHit]:
    """`${X:-literal}` (and `-`, `:=`, `=`) where X, or the key it is assigned to, is a secret."""
    key_secret = _is_secret_variable(key, manifest) if key else False
    for reference in interpolation.references(interpolation.parse(text)):
        if not reference.is_fallback:
            continue
        if interpolation.references(reference.operand):
            continue  # the default is itself a reference
        secret = _is_secret_variable(reference.name, manifest) or key_secret
        if not secret:
            continue
        literal = reference.operand_text()
        if is_placeholder(literal):
            continue
        spec = secret if isinstance(secret, SecretSpec) else manifest.lookup(reference.name)
        start = column_base + reference.operand_start
        end = column_base + reference.operand_end
        yield ValueHit("SH103", reference.name, number, start + 1, end + 1, literal, spec,
                       "fallback")


def _call_fallbacks(line: str, number: int, manifest: Manifest) -> Iterator[ValueHit]:
    if "(" in line:
        for match in GETENV_DEFAULT.finditer(line):
            call = match.group("call").lower()
            if not any(word in call for word in CALL_WORDS):
                continue
            yield from _fallback_hit(match, match.group("name"), number, manifest)
    if " or " in line or "||" in line or "??" in line:
        for match in READ_THEN_OR.finditer(line):
            yield from _fallback_hit(match, match.group("name") or match.group("jsname"),
                                     number, manifest)


def _fallback_hit(match: re.Match[str], name: str, number: int,
                  manifest: Manifest) -> Iterator[ValueHit]:
    secret = _is_secret_variable(name, manifest)
    value = match.group("value")
    if not secret or is_placeholder(value, interpolates=False):
        return
    spec = secret if isinstance(secret, SecretSpec) else None
    yield ValueHit("SH103", name, number, match.start("value") + 1, match.end("value") + 1,
                   value, spec, "getenv default")


# --- structural YAML reading ----------------------------------------------------------------


def is_kubernetes_secret(root: Node | None) -> bool:
    if root is None or not root.is_map:
        return False
    kind = root.get("kind")
    return bool(kind and kind.text() == "Secret" and root.get("apiVersion") is not None)


def kubernetes_data(root: Node) -> list[tuple[Node, Node, str | None]]:
    """A Secret's `data:` entries: (key, value node, decoded text or None if not base64 text)."""
    data = root.get("data")
    entries: list[tuple[Node, Node, str | None]] = []
    if data is None or not data.is_map:
        return entries
    for key, value in data.entries():
        text = value.text()
        if text is None:
            continue
        entries.append((key, value, decode_base64(text)))
    return entries


def decode_base64_bytes(text: str) -> bytes | None:
    compact = re.sub(r"\s+", "", text)
    if not compact:
        return b""
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return None


def decode_base64(text: str) -> str | None:
    """The text a base64 value encodes; None when it is not base64 or not UTF-8 text."""
    raw = decode_base64_bytes(text)
    if not raw:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _scalar_offset(node: Node) -> int:
    """Column of a scalar's first character of content (quoted scalars start after the quote)."""
    return node.column + (1 if node.style in ('"', "'") else 0)


def scan_yaml(source: SourceFile, documents: list[Document], manifest: Manifest) -> list[ValueHit]:
    hits: list[ValueHit] = []
    for document in documents:
        if document.root is None:
            continue
        kubernetes = is_kubernetes_secret(document.root)
        data_node = document.root.get("data") if kubernetes else None
        if kubernetes:
            hits.extend(_kubernetes_hits(document.root, manifest))
        for parent, key, node in walk(document.root):
            if not node.is_scalar or node.is_null or (parent is data_node and parent):
                continue
            single_line = node.line == node.end_line or (node.style in (None, '"', "'") and \
                "\n" not in node.value)
            if key is not None and key.is_scalar:
                hits.extend(_yaml_pair(key.value, node, manifest, single_line))
            elif key is None and parent is not None and parent.is_seq:
                hits.extend(_yaml_list_item(node, manifest, single_line))
    return hits


def _yaml_pair(name: str, node: Node, manifest: Manifest, single_line: bool) -> list[ValueHit]:
    hits: list[ValueHit] = []
    base = _scalar_offset(node) - 1 if single_line else node.column - 1
    if "$" in node.value:
        for hit in _interpolation_fallbacks(node.value, node.line, base, manifest, name):
            if not single_line:
                hit.column, hit.end_column = node.column, node.column + len(hit.value)
            hits.append(hit)
    spec = manifest.lookup(name)
    if spec is None or is_file_variable(name):
        return hits
    if interpolation.has_reference(node.value):
        return hits
    if not is_placeholder(node.value):
        hits.append(ValueHit("SH101" if spec.sensitive else "", spec.name, node.line,
                             base + 1, base + 1 + len(node.value), node.value, spec,
                             "assignment"))
    return hits


LIST_ASSIGNMENT = re.compile(r"^(?P<lead>\s*(?:export\s+)?)(?P<name>[A-Za-z_][\w.-]*)=")


def _yaml_list_item(node: Node, manifest: Manifest, single_line: bool) -> list[ValueHit]:
    """`- NAME=value` (compose list form) and `- export NAME=value` (CI script lines)."""
    match = LIST_ASSIGNMENT.match(node.value)
    if not match:
        return []
    name = match.group("name")
    value = node.value[match.end():]
    offset = match.end()  # where the value starts inside the scalar
    if match.group("lead"):  # a shell line: the value is one shell word
        quoted = _quoted(value, backtick_runs=True)
        if quoted is not None:
            value, offset = quoted[0], offset + quoted[1]
        else:
            word = re.match(r"[^\s;&|]*", value)
            value = word.group() if word else ""
        if "$(" in value or value.startswith("`"):
            return []  # command substitution: read at run time
    base = (_scalar_offset(node) - 1 if single_line else node.column - 1) + offset
    hits = list(_interpolation_fallbacks(value, node.line, base, manifest, name)) \
        if "$" in value else []
    spec = manifest.lookup(name)
    if spec is None or is_file_variable(name) or interpolation.has_reference(value):
        return hits
    if not is_placeholder(value):
        hits.append(ValueHit("SH101" if spec.sensitive else "", spec.name, node.line, base + 1,
                             base + 1 + len(value), value, spec, "assignment"))
    return hits


def _kubernetes_hits(root: Node, manifest: Manifest) -> list[ValueHit]:
    hits: list[ValueHit] = []
    for key, node, decoded in kubernetes_data(root):
        spec = manifest.lookup(key.value)
        if spec is None or decoded is None or is_placeholder(decoded):
            continue
        start = _scalar_offset(node)
        hits.append(ValueHit("SH101" if spec.sensitive else "", spec.name, node.line, start,
                             start + len(node.value), decoded, spec, "kubernetes data"))
    return hits
