"""The one language every part speaks: findings, severities, redaction, fingerprints, baselines.

Rules produce :class:`Finding` objects, reports render them, the CLI decides the exit code. A
finding never holds a secret value: only :class:`SecretValue`, a redacted form plus hashes.
"""

from __future__ import annotations

import contextlib
import enum
import hashlib
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class Severity(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        return cls[text.upper()]


@dataclass(frozen=True)
class SecretValue:
    """What a report may say about a value found in the repository, never the value itself."""

    redacted: str
    length: int
    sha256: str
    sha1: str  # matches detect-secrets baselines; kept in memory, never rendered

    @classmethod
    def of(cls, value: str) -> SecretValue:
        data = value.encode("utf-8", "surrogateescape")
        shown = value[:2] if len(value) >= 8 else ""
        REDACTION.remember(value)
        return cls(
            redacted=f"{shown}…",
            length=len(value),
            sha256=hashlib.sha256(data).hexdigest(),
            sha1=hashlib.sha1(data).hexdigest(),
        )

    def as_json(self) -> dict[str, Any]:
        return {"redacted": self.redacted, "length": self.length, "sha256": self.sha256}


class _Redaction:
    """Every raw value the tool has handled in this process, so that output can be scrubbed.

    Rules never put values into messages; this is the second line of defence, applied to every
    byte a report writes. Values are held in memory only.
    """

    MIN_LENGTH = 8
    MIN_ENTROPY = 3.0

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._captures: list[list[str]] = []

    def remember(self, value: str) -> None:
        """Values long and random enough that output text can only contain them by leaking.

        Short or word-like values are not scrubbed: replacing ordinary words would both mangle
        messages and tell the reader which word the value is.
        """
        value = value.strip()
        if len(value) >= self.MIN_LENGTH and value not in self._values and \
                _entropy(value) >= self.MIN_ENTROPY:
            self._values.add(value)
            if not value.isalnum():
                self._values.update(escaped_forms(value))
            for captured in self._captures:
                captured.append(value)

    def scrub(self, text: str) -> str:
        """``text`` with every remembered value in it replaced by `[redacted]`, in one pass:
        a report that repeats thousands of remembered strings is not rescanned per value."""
        spans = _occurrences(self._values, text)
        if not spans:
            return text
        pieces: list[str] = []
        written = 0
        for start, end in _merged(spans):
            pieces += [text[written:start], "[redacted]"]
            written = end
        pieces.append(text[written:])
        return "".join(pieces)

    def clear(self) -> None:
        self._values.clear()

    @contextlib.contextmanager
    def capture(self) -> Iterator[list[str]]:
        """The values remembered inside the block (to hand from a worker to the parent)."""
        captured: list[str] = []
        self._captures.append(captured)
        try:
            yield captured
        finally:
            self._captures.remove(captured)


def escaped_forms(value: str) -> set[str]:
    """How the reports may write ``value`` when it is part of a file name, by the renderers'
    own escaping: SARIF URIs, GitHub annotations, JUnit XML, JSON. Scrubbing runs on the
    rendered report, so these forms are scrubbed too."""
    from urllib.parse import quote
    from xml.sax.saxutils import escape

    from .report.github import annotation_data, annotation_property
    from .report.sarif import artifact_uri

    forms = {artifact_uri(value), quote(value.encode("utf-8", "surrogateescape"), safe=""),
             annotation_data(value), annotation_property(value), escape(value),
             escape(value, {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#09;"}),
             json.dumps(value, ensure_ascii=False)[1:-1], json.dumps(value)[1:-1]}
    forms.discard(value)
    return forms


SCRUB_DIRECT_LIMIT = 20_000_000  # values x characters: beyond this, index the values
GRAM = 4


def _occurrences(values: set[str], text: str) -> list[tuple[int, int]]:
    """(start, end) of every occurrence of every value in ``text``."""
    if len(values) * len(text) <= SCRUB_DIRECT_LIMIT:
        spans: list[tuple[int, int]] = []
        for value in values:
            start = text.find(value)
            while start >= 0:
                spans.append((start, start + len(value)))
                start = text.find(value, start + 1)
        return spans
    return _indexed_occurrences(values, text)


def _indexed_occurrences(values: set[str], text: str) -> list[tuple[int, int]]:
    """The same, in time linear in the text: every occurrence of a value (8 or more characters)
    covers a position divisible by GRAM with a whole GRAM-gram of the value there."""
    index: dict[str, list[tuple[str, int]]] = {}
    for value in sorted(values, key=len, reverse=True):  # longest first at each gram
        for offset in range(GRAM):
            index.setdefault(value[offset:offset + GRAM], []).append((value, offset))
    spans: list[tuple[int, int]] = []
    covered = (0, 0)  # the span reaching furthest: what lies inside it is redacted already
    for position in range(0, len(text) - GRAM + 1, GRAM):
        candidates = index.get(text[position:position + GRAM])
        if candidates:
            for value, offset in candidates:
                start = position - offset
                end = start + len(value)
                if start < 0 or (covered[0] <= start and end <= covered[1]):
                    continue  # values that overlap each other are not compared again
                if text.startswith(value, start):
                    spans.append((start, end))
                    if end > covered[1]:
                        covered = (start, end)
    return spans


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching spans joined, so that no part of any value survives."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _entropy(value: str) -> float:
    counts: dict[str, int] = {}
    for char in value:
        counts[char] = counts.get(char, 0) + 1
    total = len(value)
    return -sum(c / total * math.log2(c / total) for c in counts.values())


REDACTION = _Redaction()


@dataclass
class Finding:
    rule: str
    severity: Severity
    path: str | None
    line: int | None
    column: int | None
    message: str
    hint: str = ""
    secret: SecretValue | None = None
    subject: str = ""  # stable identity of a value-less finding (never a line number)
    end_column: int | None = None
    legacy_sha1: str | None = None  # detect-secrets' own hashed_secret, for its baselines
    extra: dict[str, Any] = field(default_factory=dict)
    fingerprint: str = ""
    decoded: bool = False  # the value is what the text at the position base64-decodes to

    @property
    def identity(self) -> str:
        """What suppressions match: the hashed value, or the subject. Never a position."""
        if self.secret is not None:
            return self.secret.sha256
        return hashlib.sha256(self.subject.encode("utf-8", "surrogateescape")).hexdigest()

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path or "", self.line or 0, self.column or 0, self.rule)

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "rule": self.rule,
            "severity": self.severity.label,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "hint": self.hint,
            "fingerprint": self.fingerprint,
            "secret": self.secret.as_json() if self.secret else None,
        }
        data.update(self.extra)
        return data


def assign_fingerprints(findings: Iterable[Finding]) -> None:
    """Stable ids: rule, path, hashed value or subject, and the occurrence's index among equals.

    Edits above a finding do not change its fingerprint; a second copy of the same value in the
    same file gets its own.
    """
    counts: dict[tuple[str, str, str], int] = {}
    for finding in sorted(findings, key=Finding.sort_key):
        key = (finding.rule, finding.path or "", finding.identity)
        index = counts.get(key, 0)
        counts[key] = index + 1
        material = "\x00".join((*key, str(index)))
        data = material.encode("utf-8", "surrogateescape")
        finding.fingerprint = hashlib.sha256(data).hexdigest()[:32]


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str
    incomplete: bool  # True when the tool could not read something it was asked to

    def as_json(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}


# --- baselines ----------------------------------------------------------------------------

BASELINE_FORMAT = "secret-hygiene-baseline"
BASELINE_VERSION = 1


class BaselineError(Exception):
    """A baseline file that cannot be used. The message names the file."""


@dataclass
class Baseline:
    """Accepted findings, keyed by rule, path and hashed value (or subject) - no positions."""

    path: Path
    entries: set[tuple[str, str, str]] = field(default_factory=set)
    legacy: set[tuple[str, str]] = field(default_factory=set)  # detect-secrets (path, sha1)
    audited_real: set[tuple[str, str]] = field(default_factory=set)
    used: set[tuple[str, ...]] = field(default_factory=set)

    def suppresses(self, finding: Finding) -> bool:
        path = finding.path or ""
        rules = {finding.rule}
        if finding.extra.get("found_by"):  # history: accepted in the tree, accepted in history
            rules.add(str(finding.extra["found_by"]))
        for rule in rules:
            if (rule, path, finding.identity) in self.entries:
                self.used.add((rule, path, finding.identity))
                return True
        if finding.secret is None or not (self.legacy or self.audited_real):
            return False
        hashes = {finding.secret.sha1}
        if finding.legacy_sha1:
            hashes.add(finding.legacy_sha1)
        if any((path, h) in self.audited_real for h in hashes):
            return False  # a baseline accepts false positives; it never hides a known leak
        for digest in hashes:
            if (path, digest) in self.legacy:
                self.used.add((path, digest))
                return True
        return False

    def stale(self) -> int:
        """Entries that matched nothing in this run (fixed since, or moved)."""
        return len(self.entries) + len(self.legacy) - len(self.used)


def load_baseline(path: Path) -> Baseline:
    from .fsread import read_text, reason

    try:
        data = json.loads(read_text(path, limit=64 * 1024 * 1024))
    except OSError as error:
        raise BaselineError(f"{path}: cannot read baseline: {reason(error)}") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise BaselineError(f"{path}: baseline is not valid JSON: {error}") from None
    except RecursionError:
        raise BaselineError(f"{path}: baseline is nested too deeply to be a baseline") from None
    if not isinstance(data, dict):
        raise BaselineError(f"{path}: baseline must be a JSON object")
    if data.get("format") == BASELINE_FORMAT:
        return _load_own(path, data)
    if "results" in data and "version" in data:
        return _load_detect_secrets(path, data)
    raise BaselineError(
        f"{path}: not a secret-hygiene or detect-secrets baseline (no 'format' or 'results' key)")


def _load_own(path: Path, data: dict[str, Any]) -> Baseline:
    if data.get("version") != BASELINE_VERSION:
        raise BaselineError(f"{path}: baseline version {data.get('version')!r} is not supported "
                            f"(this secret-hygiene reads version {BASELINE_VERSION})")
    entries = data.get("entries")
    if not isinstance(entries, list):
        raise BaselineError(f"{path}: 'entries' must be a list")
    baseline = Baseline(path)
    for index, entry in enumerate(entries):
        if not (isinstance(entry, dict) and all(
                isinstance(entry.get(k), str) for k in ("rule", "path", "hash"))):
            raise BaselineError(f"{path}: entry {index} needs string 'rule', 'path' and 'hash'")
        baseline.entries.add((entry["rule"], entry["path"], entry["hash"]))
    return baseline


def _load_detect_secrets(path: Path, data: dict[str, Any]) -> Baseline:
    version = str(data.get("version", ""))
    if not version.startswith("1."):
        raise BaselineError(f"{path}: detect-secrets baseline version {version!r} is not 1.x")
    results = data.get("results")
    if not isinstance(results, dict):
        raise BaselineError(f"{path}: 'results' must be an object of file names")
    baseline = Baseline(path)
    for filename, items in results.items():
        if not isinstance(items, list):
            raise BaselineError(f"{path}: results for {filename!r} must be a list")
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("hashed_secret"), str):
                raise BaselineError(f"{path}: an entry for {filename!r} has no 'hashed_secret'")
            key = (str(item.get("filename", filename)), item["hashed_secret"])
            if item.get("is_secret") is True:
                baseline.audited_real.add(key)
            else:
                baseline.legacy.add(key)
    return baseline


def render_baseline(findings: Iterable[Finding],
                    kept: Iterable[tuple[str, str, str]] = ()) -> str:
    """Our baseline file: sorted, no line numbers, no timestamps, so it never churns.

    ``kept`` are (rule, path, hash) entries carried over from the previous file.
    """
    entries = sorted({(f.path or "", f.rule, f.identity) for f in findings}
                     | {(path, rule, digest) for rule, path, digest in kept})
    doc = {
        "format": BASELINE_FORMAT,
        "version": BASELINE_VERSION,
        "entries": [{"path": p, "rule": r, "hash": h} for p, r, h in entries],
    }
    return json.dumps(doc, indent=2) + "\n"


@dataclass
class Report:
    """Everything one run found and could not do; reports render it, the CLI judges it."""

    command: str
    findings: list[Finding] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files: int = 0
    seconds: float = 0.0
    suppressed: int = 0
    errors: list[str] = field(default_factory=list)  # things the tool could not process
    revision: str | None = None  # the commit scanned (HEAD), when there is one
    scanned_content: bool = True  # False when only repository rules ran (no files read)
    engine: dict[str, int] = field(default_factory=dict)  # cache and worker counts (-v)
    sections: dict[str, Any] = field(default_factory=dict)  # command-specific report data

    @property
    def complete(self) -> bool:
        return not self.errors and not any(s.incomplete for s in self.skipped)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def worst(self) -> Severity | None:
        return max((f.severity for f in self.findings), default=None)
