"""Git access. Git answers every question about tracking and ignoring: we never re-implement
gitignore rules."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

GIT_TIMEOUT = 120
UNREADABLE_DIRECTORY = re.compile(r"^warning: could not open directory '(?P<path>.*)': "
                                  r"(?P<reason>.*)$")


class GitError(Exception):
    """A git command failed; the message says which and why."""


@dataclass(frozen=True)
class IgnoreMatch:
    """How git's ignore rules judge a path: the last matching pattern decides."""

    path: str
    ignored: bool
    source: str | None = None
    line: int | None = None
    pattern: str | None = None

    def describe(self) -> str:
        if self.pattern is None:
            return "no .gitignore pattern matches it"
        return f"'{self.pattern}' ({self.source}:{self.line}) re-includes it"


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update({"LC_ALL": "C", "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0",
                "GIT_NO_LAZY_FETCH": "1",  # never fetch from a promisor remote (no network)
                # the objects as they are, as a push sends them: replace refs and grafts
                # could otherwise hide commits (and the secrets in them)
                "GIT_NO_REPLACE_OBJECTS": "1", "GIT_GRAFT_FILE": os.devnull})
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(name, None)
    return env


def run_git(cwd: Path, args: Sequence[str], *, stdin: bytes | None = None,
            check: bool = True, timeout: int = GIT_TIMEOUT) -> subprocess.CompletedProcess[bytes]:
    command = ["git", "-c", "core.quotepath=off", *args]
    try:
        proc = subprocess.run(command, cwd=cwd, input=stdin, capture_output=True,
                              env=_environment(), timeout=timeout, check=False)
    except FileNotFoundError:
        raise GitError("git is not installed (needed for the repository checks)") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"'git {' '.join(args[:2])}' did not finish in {timeout} s") from None
    if check and proc.returncode != 0:
        reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"'git {' '.join(args[:2])}' failed: "
                       f"{reason[-1] if reason else f'exit {proc.returncode}'}")
    return proc


def _split_z(data: bytes) -> list[str]:
    return [p.decode("utf-8", "surrogateescape") for p in data.split(b"\0") if p]


@dataclass
class Repo:
    root: Path

    unreadable: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def discover(cls, start: Path) -> Repo | None:
        """The repository containing ``start``; None when it is in none.

        A `.git` that git cannot use (corrupt, owned by someone else, git not installed) is an
        error, never "not a repository": that would silently skip every git check.
        """
        marker = next((p / ".git" for p in (start, *start.parents)
                       if (p / ".git").exists()), None)
        try:
            proc = run_git(start, ["rev-parse", "--show-toplevel"], check=False)
        except GitError as error:
            if marker is None:
                return None
            raise GitError(f"{marker} exists but {error}") from None
        if proc.returncode != 0:
            if marker is None:
                return None
            reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise GitError(f"{marker}: git cannot use this repository: "
                           f"{reason[0] if reason else f'exit {proc.returncode}'}")
        top = proc.stdout.decode("utf-8", "surrogateescape").strip()
        return cls(Path(top))

    def git(self, *args: str, stdin: bytes | None = None) -> bytes:
        return run_git(self.root, args, stdin=stdin).stdout

    def listed_files(self) -> list[str]:
        """Tracked files plus untracked files git does not ignore, as `git add -A` would see.

        Folders git could not open are recorded in ``unreadable`` (the scan is incomplete).
        """
        tracked = _split_z(self.git("ls-files", "-z", "--cached"))
        proc = run_git(self.root, ["ls-files", "-z", "--others", "--exclude-standard"])
        for line in proc.stderr.decode("utf-8", "replace").splitlines():
            match = UNREADABLE_DIRECTORY.match(line)
            if match:
                self.unreadable.append((match.group("path"), match.group("reason")))
        return sorted(set(tracked) | set(_split_z(proc.stdout)))

    def head(self) -> str | None:
        proc = run_git(self.root, ["rev-parse", "--verify", "--quiet", "HEAD"], check=False)
        return proc.stdout.decode().strip() or None if proc.returncode == 0 else None

    def index_blobs(self, paths: list[str]) -> dict[str, bytes | None]:
        """The staged content of each path (None when it is not in the index)."""
        stdin = b"".join(b":" + p.encode("utf-8", "surrogateescape") + b"\n" for p in paths)
        out = self.git("cat-file", "--batch", stdin=stdin)
        result: dict[str, bytes | None] = {}
        position = 0
        for path in paths:
            end = out.index(b"\n", position)
            header = out[position:end].split()
            position = end + 1
            if len(header) < 3 or header[-1] == b"missing":
                result[path] = None
                continue
            size = int(header[2])
            result[path] = out[position:position + size]
            position += size + 1
        return result

    def tracked_files(self) -> set[str]:
        return set(_split_z(self.git("ls-files", "-z", "--cached")))

    def committed_files(self) -> set[str]:
        """Files in HEAD's tree (empty before the first commit)."""
        proc = run_git(self.root, ["ls-tree", "-r", "-z", "--name-only", "HEAD"], check=False)
        if proc.returncode != 0:
            return set()
        return set(_split_z(proc.stdout))

    def check_ignore(self, paths: Iterable[str]) -> dict[str, IgnoreMatch]:
        """Judge paths by the ignore patterns alone (``--no-index``): tracked or not.

        A path below a symlinked folder is judged by the symlink, as git sees it.
        """
        asked = sorted(set(paths))
        through = {path: self._below_symlink(path) for path in asked}
        wanted = sorted(set(through.values()))
        if not wanted:
            return {}
        stdin = b"".join(p.encode("utf-8", "surrogateescape") + b"\0" for p in wanted)
        proc = run_git(self.root, ["check-ignore", "--no-index", "-v", "-n", "-z", "--stdin"],
                       stdin=stdin, check=False)
        if proc.returncode not in (0, 1):
            reason = proc.stderr.decode("utf-8", "replace").strip()
            raise GitError(f"'git check-ignore' failed: {reason or proc.returncode}")
        fields = proc.stdout.split(b"\0")
        result: dict[str, IgnoreMatch] = {}
        for i in range(0, len(fields) - 3, 4):
            source, line, pattern, path = (f.decode("utf-8", "surrogateescape")
                                           for f in fields[i:i + 4])
            if not source:
                result[path] = IgnoreMatch(path, ignored=False)
            else:
                result[path] = IgnoreMatch(path, ignored=not pattern.startswith("!"),
                                           source=source, line=int(line), pattern=pattern)
        for path in wanted:
            result.setdefault(path, IgnoreMatch(path, ignored=False))
        return {path: result[through[path]] for path in asked}

    def _below_symlink(self, path: str) -> str:
        parts = path.split("/")
        for index in range(1, len(parts)):
            prefix = "/".join(parts[:index])
            if (self.root / prefix).is_symlink():
                return prefix
        return path
