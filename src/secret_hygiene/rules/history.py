"""SH501: secrets anywhere in git history, each unique blob scanned once.

`git log --raw` names, for every blob, the first commit that showed it and the path it had;
each blob then gets the content rules of `check` (SH101-SH103, through historyscan.py), and a
path matching the secret-file rules (SH201) counts whatever it holds. Findings are reported
once, at the commit where the value (or file) entered, with whether that commit is reachable
from HEAD and whether the value is still in HEAD's tree. An object git cannot produce, or a
shallow clone, makes the scan incomplete - never clean.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from ..compose import normalise_path
from ..context import Project
from ..errors import CommandError
from ..findings import REDACTION, Finding, Report, Skipped
from ..history_git import BlobOrigin, sightings
from ..historyscan import BlobResult, BlobTask, HistoryScanner
from ..progress import Progress
from ..repo import GitError, run_git
from ..sources import excluded, glob_match
from ..text.placeholders import is_template_file
from .catalogue import get
from .files import KEEP_FILES, KEY_FILE_NAMES, KEY_FILE_SUFFIXES, is_env_file
from .incidents import KINDS

HISTORY_RULES = frozenset({"SH101", "SH102", "SH103"})


@dataclass
class HistoryOptions:
    since: list[str] = field(default_factory=list)
    branch: list[str] = field(default_factory=list)
    jobs: int | None = None
    cache: bool = True
    progress: bool = True
    whole_blobs: bool = False  # every blob scanned whole: what the new-lines scan must equal


@dataclass(frozen=True)
class HeadState:
    commits: frozenset[str]
    tree: dict[str, str]  # path -> blob

    @property
    def paths(self) -> set[str]:
        return set(self.tree)


def _commit(project: Project, revision: str, option: str) -> str:
    """The commit a user-given revision names (never passed to git as an option)."""
    assert project.repo is not None
    if revision.startswith("-") or not revision.strip():
        raise CommandError(f"{option} {revision!r}: not a revision")
    proc = run_git(project.repo.root, ["rev-parse", "--verify", "--quiet", "--end-of-options",
                                       f"{revision}^{{commit}}"], check=False)
    sha = proc.stdout.decode().strip()
    if proc.returncode != 0 or not sha:
        raise CommandError(f"{option} {revision}: no such branch, tag or commit in "
                           f"{project.repo.root}")
    return sha


def _head(project: Project) -> HeadState:
    assert project.repo is not None
    try:
        commits = project.repo.git("rev-list", "HEAD").decode().split()
        tree = project.repo.git("ls-tree", "-r", "-z", "HEAD")
    except GitError:
        return HeadState(frozenset(), {})  # no commit yet
    files: dict[str, str] = {}
    for entry in tree.split(b"\0"):
        meta, _, path = entry.partition(b"\t")
        parts = meta.split()
        if len(parts) == 3 and parts[1] == b"blob":
            files[path.decode("utf-8", "surrogateescape")] = parts[2].decode()
    return HeadState(frozenset(commits), files)


def secret_path_reason(path: str, project: Project) -> str | None:
    """Why a path is a secret file whatever it holds (SH201's path rules), or None."""
    manifest = project.manifest
    name = PurePosixPath(path).name
    if name.lower() in KEEP_FILES or is_template_file(name):
        return None
    for spec in manifest.secrets.values():
        if spec.file and normalise_path(spec.file) == path:
            return f"the manifest's file: for {spec.name}"
    for pattern in manifest.policy.secret_files:
        if glob_match(path, pattern):
            return f"policy.secret_files '{pattern}'"
    if name.lower() in KEY_FILE_NAMES or PurePosixPath(name).suffix.lower() in KEY_FILE_SUFFIXES:
        return "private key file"
    return None


class _History:
    """One run: the blobs' origins, then the findings in the order secrets entered."""

    def __init__(self, project: Project, report: Report, selected: set[str]) -> None:
        self.project = project
        self.report = report
        self.selected = selected
        self.head = _head(project)
        self.origins: dict[str, BlobOrigin] = {}
        self.files: dict[str, Finding] = {}  # secret files, by path
        self.values: dict[tuple[str, str, str], Finding] = {}
        self._paths: dict[str, tuple[str, str | None] | None] = {}
        self.listed = False  # every blob's task has been handed out

    def _path(self, path: str) -> tuple[str, str | None] | None:
        """The interned path and its secret-file reason; None when the path is not scanned."""
        known = self._paths.get(path, ())
        if known != ():
            return known  # type: ignore[return-value]
        project = self.project
        result: tuple[str, str | None] | None = None
        if not excluded(path, project.settings.exclude) and path not in project.own_files():
            result = (path, secret_path_reason(path, project))
        self._paths[path] = result
        return result

    def stream(self, revisions: list[str], whole: bool) -> Iterator[BlobTask]:
        """A task for each blob, as `git log` first shows it (oldest first)."""
        assert self.project.repo is not None
        for seen in sightings(self.project.repo.root, revisions):
            known = self._path(seen.path)
            if known is None:
                continue
            path, reason = known
            if reason is not None:
                self._secret_file(path, reason, seen.commit, seen.author_date)
            if seen.blob in self.origins:
                continue
            self.origins[seen.blob] = BlobOrigin(seen.commit, seen.author_date, path,
                                                 seen.previous)
            yield BlobTask(seen.blob, path, None if whole else seen.previous,
                           is_env_file(path))
        self.listed = True

    def _secret_file(self, path: str, reason: str, commit: str, date: str) -> None:
        reachable = commit in self.head.commits
        found = self.files.get(path)
        if found is not None:  # a later version of the file: still the first commit's finding
            found.extra["reachable_from_head"] = bool(found.extra["reachable_from_head"]) or \
                reachable
            return
        rule = get("SH501")
        self.files[path] = Finding(
            rule.id, rule.severity, path, None, None,
            f"secret file ({reason}) was committed in {commit[:12]}",
            "rotate what it held, then remove it from history if required",
            subject=f"file:{path}",
            extra={"found_by": "SH201", "commit": commit, "author_date": date,
                   "reachable_from_head": reachable, "in_head": path in self.head.tree})

    def head_tasks(self) -> list[BlobTask]:
        """HEAD's version, whole, of every file a value was found in: which values are still
        in HEAD's tree (and any a scan of new lines could not see)."""
        paths = sorted({path for path, _, _ in self.values if path in self.head.tree})
        return [BlobTask(self.head.tree[path], path, None, False) for path in paths
                if self.head.tree[path] in self.origins]

    def add_head(self, result: BlobResult) -> None:
        """A whole scan of HEAD's version of a file."""
        if result.outcome is None:
            self.add(result)  # unreadable: listed as such
            return
        for found in result.outcome.findings:
            key = (result.outcome.path, found.rule, found.identity)
            if key in self.values:
                self.values[key].extra["in_head"] = True
        self.add(result, in_head=True)

    def add(self, result: BlobResult, *, in_head: bool = False) -> None:
        origin = self.origins[result.blob]
        if result.problem is not None or result.outcome is None:
            self.report.skipped.append(Skipped(
                origin.path, f"git object {result.blob[:12]} (from commit {origin.commit[:12]}) "
                f"{result.problem or 'unreadable'} (pruned pack, corrupt object or partial "
                "clone)", incomplete=True))
            return
        if not in_head:
            self.report.files += 1
        outcome = result.outcome
        for value in outcome.values:
            REDACTION.remember(value)
        if result.env_names and origin.path not in self.files:
            names = ", ".join(result.env_names[:3])
            self._secret_file(origin.path, f"env file holding {names}", origin.commit,
                              origin.author_date)
        reachable = origin.commit in self.head.commits
        rule = get("SH501")
        for found in outcome.findings:
            if found.rule not in HISTORY_RULES:
                continue
            key = (origin.path, found.rule, found.identity)
            first = self.values.get(key)
            if first is not None:  # the same value in a later version of the file
                first.extra["reachable_from_head"] = bool(
                    first.extra["reachable_from_head"]) or reachable
                continue
            name = KINDS.get(found.rule) or str(found.extra.get("type") or "secret")
            self.values[key] = Finding(
                rule.id, rule.severity, origin.path, found.line, found.column,
                f"{found.message} ({found.rule}) entered history in {origin.commit[:12]}",
                "rotate it now: removing it from the tree does not remove it from history",
                secret=found.secret, legacy_sha1=found.legacy_sha1, end_column=found.end_column,
                extra={"found_by": found.rule, "found_by_name": name, "commit": origin.commit,
                       "author_date": origin.author_date, "reachable_from_head": reachable,
                       "in_head": in_head})

    def findings(self) -> list[Finding]:
        if "SH501" not in self.selected:
            return []
        return [*self.files.values(), *self.values.values()]


def _clone_problems(project: Project, report: Report) -> None:
    repo = project.repo
    assert repo is not None
    shallow = repo.git("rev-parse", "--is-shallow-repository").decode().strip()
    if shallow == "true":
        report.errors.append("shallow clone: commits before the shallow boundary are not "
                             "available, so history cannot be fully scanned "
                             "(git fetch --unshallow)")
    # a promisor remote (git >= 2.x records the filter per remote) or the older extension
    partial = run_git(repo.root, ["config", "--get-regexp",
                                  r"^(extensions\.partialclone|remote\..*\.promisor)$"],
                      check=False)
    if partial.returncode == 0 and partial.stdout.strip():
        report.errors.append("partial clone: objects filtered out of the clone are not here "
                             "and are not fetched (no network); only the objects present were "
                             "scanned (git fetch --refetch --no-filter, then run again)")


def run_history(project: Project, selected: set[str],
                options: HistoryOptions | None = None) -> Report:
    options = options or HistoryOptions()
    started = time.monotonic()
    report = Report("history")
    repo = project.repo
    if repo is None:
        raise GitError("history needs a git repository")
    revisions = [_commit(project, ref, "--branch") for ref in options.branch] or ["--all"]
    revisions += [f"^{_commit(project, rev, '--since')}" for rev in options.since]
    _clone_problems(project, report)
    run = _History(project, report, selected)
    scanner = HistoryScanner(repo.root, project.manifest, jobs=options.jobs,
                             use_cache=options.cache)
    bar = Progress("history", None, enabled=None if options.progress else False)
    try:
        for result in scanner.run(run.stream(revisions, options.whole_blobs)):
            if run.listed:
                bar.total = len(run.origins)
            bar.advance(1, result.size)
            run.add(result)
        for result in scanner.run(run.head_tasks()):
            run.add_head(result)
    finally:
        bar.close()
    report.findings = run.findings()
    report.notes.extend(scanner.notes)
    report.engine = dict(scanner.stats)
    report.seconds = time.monotonic() - started
    return report
