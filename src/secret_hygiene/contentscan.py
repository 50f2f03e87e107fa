"""The content phase of a scan: SH101-SH103 (and SH310 for Kubernetes files) on many files,
from the result cache where a file is unchanged, in parallel worker processes otherwise.

A worker gets a file's path and bytes and returns its findings; the parent owns the cache and
the report. Findings are cached after inline suppressions and before rule selection, so one
cache entry serves every selection.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import yamlsafe
from .cache import ResultCache, cache_dir, engine_fingerprint
from .findings import REDACTION, Finding, SecretValue, Severity, Skipped
from .manifest import Manifest
from .rules import content
from .sources import Kind, SourceFile, source_from_bytes
from .suppress import silenced

CONTENT_RULES = frozenset({"SH101", "SH102", "SH103", "SH310"})
# Below this much work, starting worker processes costs more than it saves.
PARALLEL_MIN_FILES = 24
PARALLEL_MIN_BYTES = 256 * 1024


@dataclass
class Outcome:
    """One file's content findings (inline suppressions applied, every content rule)."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: Skipped | None = None
    values: list[str] = field(default_factory=list)  # for the report scrubber; never stored


def scan_source(source: SourceFile, manifest: Manifest) -> Outcome:
    """Every content finding of one decoded file."""
    documents: list[yamlsafe.Document] | yamlsafe.YAMLProblem | None = None
    if source.kind == Kind.YAML:
        try:
            documents = yamlsafe.load_all(source.text)
        except yamlsafe.YAMLProblem as problem:
            documents = problem
    with REDACTION.capture() as values:
        result = content.check_content(source, manifest, set(CONTENT_RULES), documents)
    findings = list(result.findings)
    if result.yaml_problem is not None:
        finding = content.check_yaml_problem(source, result.yaml_problem, compose=False)
        if finding is not None:
            findings.append(finding)
    kept = [f for f in findings if not _silenced(f, source)]
    return Outcome(source.path, kept, list(source.notes), values=values)


def scan_bytes(path: str, data: bytes, manifest: Manifest) -> Outcome:
    source = source_from_bytes(path, data)
    if isinstance(source, Skipped):
        return Outcome(path, skipped=source)
    return scan_source(source, manifest)


def _silenced(finding: Finding, source: SourceFile) -> bool:
    if finding.line is None or not 1 <= finding.line <= len(source.lines):
        return False
    previous = source.lines[finding.line - 2] if finding.line >= 2 else ""
    return silenced(finding.rule, source.lines[finding.line - 1], previous)


# --- cache entries: positions and hashes, never a value ------------------------------------

def entry_of(outcome: Outcome) -> dict[str, Any]:
    findings = []
    for f in outcome.findings:
        item: dict[str, Any] = {
            "rule": f.rule, "severity": int(f.severity), "line": f.line, "column": f.column,
            "end_column": f.end_column, "message": f.message, "hint": f.hint,
            "subject": f.subject, "legacy_sha1": f.legacy_sha1, "extra": f.extra}
        if f.secret is not None:
            item["secret"] = {"length": f.secret.length, "sha256": f.secret.sha256,
                              "sha1": f.secret.sha1, "decoded": f.decoded}
        findings.append(item)
    return {"notes": outcome.notes, "findings": findings,
            "skipped": [outcome.skipped.reason] if outcome.skipped else []}


def outcome_from_entry(path: str, entry: dict[str, Any], data: bytes) -> Outcome | None:
    """An outcome rebuilt from the cache; None when the entry does not fit the file."""
    outcome = Outcome(path, notes=list(entry.get("notes", [])))
    if entry.get("skipped"):
        outcome.skipped = Skipped(path, str(entry["skipped"][0]), incomplete=False)
        return outcome
    lines: list[str] | None = None
    for item in entry.get("findings", []):
        secret = None
        if item.get("secret"):
            if lines is None:
                source = source_from_bytes(path, data)
                if isinstance(source, Skipped):
                    return None
                lines = source.lines
            secret = _secret_from(item, lines, outcome)
            if secret is None:
                return None
        outcome.findings.append(Finding(
            item["rule"], Severity(item["severity"]), path, item["line"], item["column"],
            item["message"], item["hint"], secret=secret, subject=item.get("subject", ""),
            end_column=item.get("end_column"), legacy_sha1=item.get("legacy_sha1"),
            extra=dict(item.get("extra") or {}),
            decoded=bool((item.get("secret") or {}).get("decoded"))))
    return outcome


def _secret_from(item: dict[str, Any], lines: list[str], outcome: Outcome) -> SecretValue | None:
    """The redacted form, read back from the file at the finding's position."""
    data = item["secret"]
    line, column, end = item.get("line"), item.get("column"), item.get("end_column")
    if not line or not column or line > len(lines):
        return None
    raw = lines[line - 1]
    piece = raw[column - 1:(end - 1) if end else None]
    if data.get("decoded"):
        from .rules.values import decode_base64

        piece = decode_base64(piece) or ""
    if hashlib.sha256(piece.encode("utf-8", "surrogateescape")).hexdigest() == data["sha256"]:
        outcome.values.append(piece)  # the whole value is on the line: scrub it from output
    shown = piece[:2] if data["length"] >= 8 else ""
    return SecretValue(f"{shown}…", int(data["length"]), str(data["sha256"]), str(data["sha1"]))


# --- the scanner ---------------------------------------------------------------------------

_WORKER_MANIFEST: Manifest | None = None


def _init_worker(manifest: Manifest) -> None:
    global _WORKER_MANIFEST
    _WORKER_MANIFEST = manifest


def _work(item: tuple[str, bytes]) -> Outcome:
    assert _WORKER_MANIFEST is not None
    return scan_bytes(item[0], item[1], _WORKER_MANIFEST)


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def settings_digest(manifest: Manifest) -> str:
    """What of the manifest changes content findings: its secrets."""
    material = repr(sorted((s.name, s.sensitive) for s in manifest.secrets.values()))
    return hashlib.sha256(material.encode()).hexdigest()


class ContentScanner:
    def __init__(self, manifest: Manifest, *, jobs: int | None = None, use_cache: bool = True,
                 cache_path: Path | None = None) -> None:
        self.manifest = manifest
        self.jobs = jobs if jobs is not None else default_jobs()
        self.cache: ResultCache | None = None
        self.stats = {"cached": 0, "scanned": 0, "workers": 0}
        self.prefilter_noted = False
        self.extra_notes: list[str] = []
        if use_cache:
            namespace = engine_fingerprint(settings_digest(manifest))
            self.cache = ResultCache(cache_path or cache_dir() / "results-v1.sqlite", namespace)

    @property
    def notes(self) -> list[str]:
        notes = list(self.extra_notes)
        if self.cache is not None and self.cache.problem:
            notes.append(self.cache.problem)
        return notes

    def run(self, items: Iterable[tuple[str, bytes]]) -> Iterator[Outcome]:
        """Outcomes for (path, bytes) pairs, in the order given."""
        batch = list(items)
        keys: dict[str, str] = {}
        cached: dict[str, Outcome] = {}
        if self.cache is not None and self.cache.enabled:
            for path, data in batch:
                keys[path] = self.cache.key(path, hashlib.sha256(data).hexdigest())
            entries = self.cache.get_many(keys.values())
            for path, data in batch:
                entry = entries.get(keys[path])
                if entry is not None:
                    outcome = outcome_from_entry(path, entry, data)
                    if outcome is not None:
                        cached[path] = outcome
        missing = [(path, data) for path, data in batch if path not in cached]
        fresh = dict(zip((p for p, _ in missing), self._scan(missing), strict=True))
        self.stats["cached"] += len(cached)
        self.stats["scanned"] += len(fresh)
        if fresh and not self.prefilter_noted:
            from .rules import leaks

            self.prefilter_noted = True
            if not leaks.prefilter_active():
                self.extra_notes.append(
                    "prefilter off: the installed detect-secrets plugins differ from the "
                    "1.5.0 ones the gates were derived from; every line was scanned")
        for path, outcome in fresh.items():
            if self.cache is not None:
                self.cache.put(keys.get(path) or self.cache.key(
                    path, hashlib.sha256(dict(missing)[path]).hexdigest()), entry_of(outcome))
        if self.cache is not None:
            self.cache.close()
        for path, _data in batch:
            outcome = cached.get(path) or fresh[path]
            for value in outcome.values:
                REDACTION.remember(value)
            yield outcome

    def _scan(self, items: list[tuple[str, bytes]]) -> list[Outcome]:
        size = sum(len(data) for _, data in items)
        if self.jobs <= 1 or len(items) < PARALLEL_MIN_FILES or size < PARALLEL_MIN_BYTES:
            return [scan_bytes(path, data, self.manifest) for path, data in items]
        import multiprocessing

        jobs = min(self.jobs, len(items))
        self.stats["workers"] = jobs
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        if method == "fork":
            from .rules import leaks

            leaks.warm_up()  # import detect-secrets once; the workers inherit it
        context = multiprocessing.get_context(method)
        # big files first, so one large file does not end the run alone
        order = sorted(range(len(items)), key=lambda i: -len(items[i][1]))
        with context.Pool(jobs, initializer=_init_worker, initargs=(self.manifest,)) as pool:
            results = pool.map(_work, [items[i] for i in order], chunksize=8)
        outcomes: list[Outcome | None] = [None] * len(items)
        for index, outcome in zip(order, results, strict=True):
            outcomes[index] = outcome
        return [o for o in outcomes if o is not None]
