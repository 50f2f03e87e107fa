"""Git access. Git answers every question about tracking and ignoring: we never re-implement
gitignore rules."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

GIT_TIMEOUT = 120


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
    env.update({"LC_ALL": "C", "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0"})
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

    @classmethod
    def discover(cls, start: Path) -> Repo | None:
        """The repository containing ``start``, or None when it is not in one (or no git)."""
        try:
            proc = run_git(start, ["rev-parse", "--show-toplevel"], check=False)
        except GitError:
            return None
        if proc.returncode != 0:
            return None
        top = proc.stdout.decode("utf-8", "surrogateescape").strip()
        return cls(Path(top))

    def git(self, *args: str, stdin: bytes | None = None) -> bytes:
        return run_git(self.root, args, stdin=stdin).stdout

    def listed_files(self) -> list[str]:
        """Tracked files plus untracked files git does not ignore, as `git add -A` would see."""
        tracked = _split_z(self.git("ls-files", "-z", "--cached"))
        others = _split_z(self.git("ls-files", "-z", "--others", "--exclude-standard"))
        return sorted(set(tracked) | set(others))

    def tracked_files(self) -> set[str]:
        return set(_split_z(self.git("ls-files", "-z", "--cached")))

    def committed_files(self) -> set[str]:
        """Files in HEAD's tree (empty before the first commit)."""
        proc = run_git(self.root, ["ls-tree", "-r", "-z", "--name-only", "HEAD"], check=False)
        if proc.returncode != 0:
            return set()
        return set(_split_z(proc.stdout))

    def check_ignore(self, paths: Iterable[str]) -> dict[str, IgnoreMatch]:
        """Judge paths by the ignore patterns alone (``--no-index``): tracked or not."""
        wanted = sorted(set(paths))
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
        return result
