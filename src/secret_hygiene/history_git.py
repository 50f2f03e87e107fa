"""Git access for `history`: where each blob entered history, and the blobs themselves.

`git log --raw` (tree diffs, no content) streams every change oldest first; the first change
that shows a blob is where it entered, and the blob it replaced at that path is its previous
version. `git cat-file --batch` then reads each blob once. Merges are diffed against their first
parent only: a blob in a merge's tree is either in that parent's tree (so it entered earlier)
or in that diff.
"""

from __future__ import annotations

import contextlib
import subprocess

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .repo import GitError, _environment, run_git

READ_CHUNK = 1 << 20
NO_BLOB = "0" * 40
MAX_REQUESTS = 300  # 41 bytes each: inside the smallest pipe buffer (16 KiB)
NOT_FILES = frozenset({"160000", "120000"})  # submodule commits and symlinks hold no content


@dataclass(slots=True)
class BlobOrigin:
    """Where a blob was seen first (at a path): commit (or the ref of a tagged object), author
    date and path."""

    commit: str
    author_date: str
    path: str


@dataclass(slots=True)
class Sighting:
    """One blob at one path in one commit (a later sighting of a blob has the same sha)."""

    blob: str
    commit: str
    author_date: str
    path: str
    previous: str | None


def _log_tokens(root: Path, revisions: list[str]) -> Iterator[bytes]:
    """The NUL-separated fields of `git log --raw -z`, streamed."""
    command = ["git", "-c", "core.quotepath=off", "log", "--reverse", "--topo-order", "--raw",
               "--no-abbrev", "--no-renames", "--root", "--diff-merges=first-parent", "-z",
               "--format=%x01%H %aI", *revisions, "--"]
    try:
        process = subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, env=_environment())
    except FileNotFoundError:
        raise GitError("git is not installed (needed for the repository checks)") from None
    assert process.stdout is not None and process.stderr is not None
    rest = b""
    try:
        while True:
            chunk = process.stdout.read(READ_CHUNK)
            if not chunk:
                break
            fields = (rest + chunk).split(b"\0")
            rest = fields.pop()
            yield from fields
        if rest:
            yield rest
    finally:
        process.stdout.close()
        error = process.stderr.read().decode("utf-8", "replace").strip()
        process.stderr.close()
        code = process.wait()
    if code != 0:
        reason = error.splitlines()[-1] if error else f"exit code {code}"
        raise GitError(f"git log failed in {root}: {reason}")


def sightings(root: Path, revisions: list[str]) -> Iterator[Sighting]:
    """Every blob added or modified by a commit in ``revisions``, oldest commits first."""
    commit = date = ""
    tokens = _log_tokens(root, revisions)
    for token in tokens:
        field = token.lstrip(b"\n")
        if field.startswith(b"\x01"):
            header = field[1:].decode("ascii", "replace")
            commit, _, date = header.partition(" ")
            date = date.strip()
            continue
        if not field.startswith(b":"):
            continue
        path_field = next(tokens, None)
        if path_field is None:
            break
        meta = field[1:].decode("ascii", "replace").split()
        if len(meta) < 5:
            continue
        new_mode, old_blob, blob, status = meta[1], meta[2], meta[3], meta[4]
        if status.startswith("D") or new_mode in NOT_FILES or blob == NO_BLOB:
            continue
        previous = old_blob if status.startswith("M") and old_blob != NO_BLOB and \
            meta[0] not in NOT_FILES else None
        yield Sighting(blob, commit, date, path_field.decode("utf-8", "surrogateescape"),
                       previous)


def _widen_pipe(stream: object) -> None:
    """A 1 MiB pipe (Linux), so git hands over big blobs with fewer round trips."""
    fileno = getattr(stream, "fileno", None)
    setsize = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None
    if fileno is None or setsize is None:
        return
    with contextlib.suppress(OSError):
        fcntl.fcntl(fileno(), setsize, READ_CHUNK)


def direct_objects(root: Path) -> Iterator[tuple[str, str, str]]:
    """Blobs that refs point at without a commit (`git tag t <blob>`, a tag of a tree): (blob,
    path, ref). A tree's blobs get their paths in the tree; a blob's path is the ref."""
    output = run_git(root, ["for-each-ref", "--format=%(objecttype) %(objectname) "
                                            "%(*objecttype) %(*objectname) %(refname)"]).stdout
    for line in output.decode("utf-8", "surrogateescape").splitlines():
        kind, sha, peeled_kind, peeled, ref = (line.split(" ", 4) + [""] * 5)[:5]
        if kind == "tag" and peeled_kind:
            kind, sha = peeled_kind, peeled
        if kind == "blob":
            yield sha, ref, ref
        elif kind == "tree":
            listing = run_git(root, ["ls-tree", "-r", "-z", sha]).stdout
            for entry in listing.split(b"\0"):
                meta, _, path = entry.partition(b"\t")
                parts = meta.split()
                if len(parts) == 3 and parts[1] == b"blob" and parts[0] not in (b"120000",):
                    yield parts[2].decode(), path.decode("utf-8", "surrogateescape"), ref


class BlobReader:
    """One `git cat-file --batch` process: a blob's bytes by sha, None when git cannot produce
    it (missing from a pruned pack or a partial clone, corrupt, not a blob). Requests of one
    `read_many` must fit the pipe (MAX_REQUESTS), since the answers are read after writing."""

    def __init__(self, root: Path) -> None:
        self.root = root
        try:
            self._process = subprocess.Popen(
                ["git", "cat-file", "--batch"], cwd=root, stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=_environment(),
                bufsize=READ_CHUNK)
        except FileNotFoundError:
            raise GitError("git is not installed (needed for the repository checks)") from None
        _widen_pipe(self._process.stdout)

    def read(self, blob: str) -> bytes | None:
        return self.read_many([blob])[0]

    def read_many(self, blobs: list[str]) -> list[bytes | None]:
        """Each blob's bytes (None where git cannot produce it), asked for in one write."""
        process = self._process
        assert process.stdin is not None and process.stdout is not None
        request = b"".join(blob.encode("ascii") + b"\n" for blob in blobs)
        try:
            process.stdin.write(request)
            process.stdin.flush()
        except (BrokenPipeError, OSError):
            raise GitError(f"git cat-file stopped in {self.root}") from None
        return [self._answer(blob) for blob in blobs]

    def _answer(self, blob: str) -> bytes | None:
        assert self._process.stdout is not None
        header = self._process.stdout.readline()
        if not header:
            raise GitError(f"git cat-file stopped in {self.root} while reading {blob[:12]}")
        parts = header.split()
        if len(parts) != 3:
            return None  # "<sha> missing" (or ambiguous)
        size = int(parts[2])
        data = self._process.stdout.read(size + 1)[:size]  # the content and its newline
        if len(data) != size:
            raise GitError(f"git cat-file stopped in {self.root} while reading {blob[:12]}")
        return data if parts[1] == b"blob" else None

    def close(self) -> None:
        process = self._process
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
