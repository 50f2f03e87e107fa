"""The content phase of `history`: each blob read once and scanned with the rules of `check`.

A blob that replaced an earlier version of its file is scanned for what it adds (delta.py);
blobs in HEAD's tree, and blobs with no earlier version, are scanned whole. Whole-blob results
share the leak engine's result cache with `check` (same key: path and content), so history
after a check does not rescan the tree. Work is spread over worker processes, each with its own
`git cat-file --batch`; the parent receives small results in order, so memory stays bounded
by what is in flight, not by the size of history.
"""

from __future__ import annotations

import hashlib
import itertools
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cache import ResultCache, cache_dir, engine_fingerprint
from .contentscan import (
    Outcome,
    default_jobs,
    entry_of,
    outcome_from_entry,
    scan_source,
    settings_digest,
)
from .delta import Version, new_lines_only
from .history_git import MAX_REQUESTS, BlobReader
from .manifest import Manifest
from .repo import GitError
from .rules.content import could_find
from .sources import SourceFile, source_from_bytes
from .suppress import without_pragmas

PARALLEL_MIN_BLOBS = 64
CHUNK = MAX_REQUESTS // 2  # blobs per worker task: each may need its previous version too
RECENT_LINES = 400_000  # lines of recent versions each worker keeps (tens of MB at most)
POOL_CHUNK = 48  # smaller in a pool, so the workers share the work evenly
CACHE_FILE = "results-v1.sqlite"


@dataclass(slots=True)
class BlobTask:
    blob: str
    path: str
    previous: str | None  # scan only what this blob adds to that one; None: the whole blob
    env_file: bool  # also name the secrets it assigns (a committed env file is a secret file)
    present: bool = False  # what the blob holds, allowlisted or not (is a value still there?)


@dataclass
class BlobResult:
    blob: str
    path: str
    size: int = 0
    outcome: Outcome | None = None  # None when git could not produce the blob
    env_names: list[str] = field(default_factory=list)
    problem: str | None = None
    whole: bool = True
    cached: bool = False
    new_entries: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # to store


class _Worker:
    """What one process needs to scan blobs: a blob reader and a read-only cache."""

    def __init__(self, root: Path, manifest: Manifest, cache_path: Path | None,
                 namespace: str) -> None:
        self.root = root
        self.manifest = manifest
        self.reader: BlobReader | None = None
        self.cache = ResultCache(cache_path, namespace) if cache_path else None
        # versions scanned lately: most blobs replace one this worker has just read
        self.recent: OrderedDict[str, Version] = OrderedDict()
        self.recent_lines = 0

    def _remember(self, blob: str, version: Version) -> None:
        self.recent[blob] = version
        self.recent_lines += len(version.lines)
        while self.recent_lines > RECENT_LINES and self.recent:
            _, dropped = self.recent.popitem(last=False)
            self.recent_lines -= len(dropped.lines)

    def _read_many(self, blobs: list[str]) -> list[bytes | None]:
        """The blobs' bytes; when git gives up on one object, each is asked for alone, so only
        the bad one is lost."""
        try:
            return self._reader().read_many(blobs)
        except GitError:
            self._restart()
        found: list[bytes | None] = []
        for blob in blobs:
            try:
                found.append(self._reader().read(blob))
            except GitError:
                self._restart()
                found.append(None)
        return found

    def _reader(self) -> BlobReader:
        if self.reader is None:
            self.reader = BlobReader(self.root)
        return self.reader

    def _restart(self) -> None:
        if self.reader is not None:
            self.reader.close()
            self.reader = None

    def _blob_key(self, task: BlobTask) -> str | None:
        """The blob's own cache key: git names content, so blob, previous blob and path say
        what a scan of it finds, and a second history run reads nothing it need not."""
        if self.cache is None or not self.cache.enabled or task.present:
            return None
        return self.cache.key(task.path + "\0blob", f"{task.blob}:{task.previous or ''}")

    def scan_chunk(self, tasks: list[BlobTask]) -> list[BlobResult]:
        keys = {i: key for i, task in enumerate(tasks) if (key := self._blob_key(task))}
        entries = self.cache.get_many(keys.values()) if self.cache and keys else {}
        results: dict[int, BlobResult] = {}
        pending: list[tuple[int, BlobTask, dict[str, Any] | None]] = []
        for index, task in enumerate(tasks):
            entry = entries.get(keys.get(index, ""))
            if entry is not None and not any(f.get("secret") for f in
                                             entry["outcome"].get("findings", [])):
                known = self._from_blob_entry(task, entry, b"")
                if known is not None:
                    results[index] = known
                    continue
            pending.append((index, task, entry))
        chunk = {task.blob for _, task, _ in pending}
        wanted = [task.blob for _, task, _ in pending] + list(dict.fromkeys(
            t.previous for _, t, entry in pending
            if entry is None and t.previous and t.previous not in self.recent and
            t.previous not in chunk))
        contents = dict(zip(wanted, self._read_many(wanted), strict=True))
        for index, task, entry in pending:
            data = contents.get(task.blob)
            known = self._from_blob_entry(task, entry, data) if entry and data else None
            if known is None:
                known = self.scan(task, contents)
                key = keys.get(index)
                if key and known.outcome is not None:
                    known.new_entries.append((key, {
                        "outcome": entry_of(known.outcome), "env_names": known.env_names,
                        "whole": known.whole, "size": known.size}))
            results[index] = known
        return [results[index] for index in range(len(tasks))]

    @staticmethod
    def _from_blob_entry(task: BlobTask, entry: dict[str, Any],
                         data: bytes) -> BlobResult | None:
        outcome = outcome_from_entry(task.path, entry["outcome"], data)
        if outcome is None:
            return None
        return BlobResult(task.blob, task.path, size=int(entry.get("size", 0)), outcome=outcome,
                          env_names=list(entry.get("env_names", [])),
                          whole=bool(entry.get("whole", True)), cached=True)

    def _previous(self, blob: str, contents: dict[str, bytes | None]) -> Version | None:
        known = self.recent.get(blob)
        if known is not None:
            self.recent.move_to_end(blob)
            return known
        data = contents.get(blob)
        return Version.of_bytes(data) if data is not None else None

    def scan(self, task: BlobTask, contents: dict[str, bytes | None]) -> BlobResult:
        data = contents.get(task.blob)
        if data is None:
            return BlobResult(task.blob, task.path, problem="missing or unreadable")
        result = BlobResult(task.blob, task.path, size=len(data))
        source = source_from_bytes(task.path, data)
        if not isinstance(source, SourceFile):
            result.outcome = Outcome(task.path, skipped=source)
            return result
        if task.env_file:
            from .rules.compose import secret_names_in_env_text

            result.env_names = secret_names_in_env_text(source.text, self.manifest)
        if task.present:  # allowlisted or not, is the value there?
            bare = SourceFile.from_text(task.path, without_pragmas(source.text))
            result.outcome = scan_source(bare, self.manifest)
            return result
        this = Version.of_text(source.text, source.lines)
        self._remember(task.blob, this)
        before = self._previous(task.previous, contents) if task.previous else None
        subset = new_lines_only(source, before, this) if before is not None else None
        if subset is None:
            result.outcome, result.cached, entry = self._outcome(source, task.path, data)
            result.new_entries.extend(entry)
            return result
        result.whole = False
        if not could_find(subset.source, self.manifest):
            result.outcome = Outcome(task.path)
            return result
        outcome, result.cached, entry = self._outcome(
            subset.source, task.path + "\0new-lines",
            subset.source.text.encode("utf-8", "surrogateescape"))
        result.new_entries.extend(entry)
        outcome.findings = subset.place(outcome.findings)
        result.outcome = outcome
        return result

    def _outcome(self, source: SourceFile, key_path: str, data: bytes
                 ) -> tuple[Outcome, bool, list[tuple[str, dict[str, Any]]]]:
        """From the content-keyed cache `check` shares, else scanned (and a new entry)."""
        if self.cache is None or not self.cache.enabled:
            return scan_source(source, self.manifest), False, []
        key = self.cache.key(key_path, hashlib.sha256(data).hexdigest())
        entry = self.cache.get_many([key]).get(key)
        if entry is not None:
            outcome = outcome_from_entry(source.path, entry, data)
            if outcome is not None:
                return outcome, True, []
        outcome = scan_source(source, self.manifest)
        return outcome, False, [(key, entry_of(outcome))]

    def close(self) -> None:
        if self.reader is not None:
            self.reader.close()
            self.reader = None
        if self.cache is not None:
            self.cache.close()


_WORKER: _Worker | None = None


def _init_worker(root: Path, manifest: Manifest, cache_path: Path | None,
                 namespace: str) -> None:
    global _WORKER
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _WORKER = _Worker(root, manifest, cache_path, namespace)


def _scan_in_worker(tasks: list[BlobTask]) -> list[BlobResult]:
    assert _WORKER is not None
    return _WORKER.scan_chunk(tasks)


def chunks(tasks: Iterable[BlobTask], size: int) -> Iterator[list[BlobTask]]:
    iterator = iter(tasks)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


@dataclass
class HistoryScanner:
    root: Path
    manifest: Manifest
    jobs: int | None = None
    use_cache: bool = True
    cache_path: Path | None = None
    stats: dict[str, int] = field(default_factory=lambda: {
        "cached": 0, "scanned": 0, "workers": 0, "whole": 0, "new_lines": 0})
    notes: list[str] = field(default_factory=list)

    def run(self, tasks: Iterable[BlobTask]) -> Iterator[BlobResult]:
        """Results in the order of ``tasks``, which may still be arriving (history is listed
        while the first blobs are scanned)."""
        namespace = engine_fingerprint(settings_digest(self.manifest))
        path = (self.cache_path or cache_dir() / CACHE_FILE) if self.use_cache else None
        jobs = self.jobs if self.jobs is not None else default_jobs()
        iterator = iter(tasks)
        first = list(itertools.islice(iterator, PARALLEL_MIN_BLOBS))
        tasks = itertools.chain(first, iterator)
        if jobs <= 1 or len(first) < PARALLEL_MIN_BLOBS:
            worker = _Worker(self.root, self.manifest, path, namespace)
            results = (r for chunk in chunks(tasks, CHUNK) for r in worker.scan_chunk(chunk))
            try:
                yield from self._collect(results, path, namespace)
            finally:
                worker.close()
            return
        import multiprocessing

        from .rules import leaks

        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        if method == "fork":
            leaks.warm_up()  # import detect-secrets once; the workers inherit it
        context = multiprocessing.get_context(method)
        self.stats["workers"] = jobs
        with context.Pool(jobs, initializer=_init_worker,
                          initargs=(self.root, self.manifest, path, namespace)) as pool:
            answers = pool.imap(_scan_in_worker, chunks(tasks, POOL_CHUNK))
            yield from self._collect((r for chunk in answers for r in chunk), path, namespace)

    def _collect(self, results: Iterable[BlobResult], path: Path | None,
                 namespace: str) -> Iterator[BlobResult]:
        """Count, store new cache entries (the parent is the only writer) and pass on."""
        cache = ResultCache(path, namespace) if path else None
        try:
            for result in results:
                if result.outcome is not None:
                    self.stats["cached" if result.cached else "scanned"] += 1
                    self.stats["whole" if result.whole else "new_lines"] += 1
                if cache is not None:
                    for key, entry in result.new_entries:
                        cache.put(key, entry)
                yield result
        finally:
            if cache is not None:
                cache.close()
                if cache.problem:
                    self.notes.append(cache.problem)
