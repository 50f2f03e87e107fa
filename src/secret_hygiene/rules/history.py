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
from pathlib import Path, PurePosixPath

from ..compose import normalise_path
from ..context import Project
from ..errors import CommandError
from ..findings import REDACTION, Finding, Report, Skipped
from ..history_git import BlobOrigin, direct_objects, sightings
from ..historyscan import BlobResult, BlobTask, HistoryScanner
from ..progress import Progress
from ..repo import GitError, Repo, run_git
from ..sources import excluded, glob_match, is_lock_file, kind_of
from ..text.placeholders import is_template_file
from .catalogue import get
from .files import KEEP_FILES, is_env_file, is_key_file
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
    if is_key_file(path, lambda _path: None):  # by name: history does not read heads here
        return "private key file"
    return None


def path_class(path: str) -> tuple[object, ...]:
    """What of a path the content rules depend on: a blob seen again under a path of another
    class (`notes.txt` renamed `k8s-secret.yaml`) is scanned again."""
    name = PurePosixPath(path).name.lower()
    return (kind_of(path), PurePosixPath(name).suffix, is_template_file(path),
            is_lock_file(path), name.startswith((".env", "env.")))


class _History:
    """One run: the blobs' origins, then the findings in the order secrets entered."""

    def __init__(self, project: Project, report: Report, selected: set[str]) -> None:
        self.project = project
        self.report = report
        self.selected = selected
        self.head = _head(project)
        self.origins: dict[tuple[str, str], BlobOrigin] = {}  # (blob, path) scanned
        self.order: dict[tuple[str, str], int] = {}  # ... and where in history it came
        self.classes: dict[str, dict[tuple[object, ...], str]] = {}  # blob -> class -> path
        self.copies: dict[str, list[tuple[str, BlobOrigin, int]]] = {}  # same class, new path
        self.reachable: set[str] = set()  # blobs some commit HEAD reaches holds
        self.files: dict[str, Finding] = {}  # secret files, by path
        self.values: dict[tuple[str, str, str], Finding] = {}
        self.value_order: dict[tuple[str, str, str], int] = {}
        self.value_blobs: dict[tuple[str, str, str], set[str]] = {}
        self.raw: dict[tuple[str, str], list[Finding]] = {}  # content findings per scan
        self._paths: dict[str, tuple[str, str | None] | None] = {}
        self.listed = False  # every blob's task has been handed out
        self.tasks = 0
        self._skipped_paths: set[str] = set()  # paths listed as skipped (binary), once each

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

    def stream(self, revisions: list[str], whole: bool, direct: bool) -> Iterator[BlobTask]:
        """A task for each blob (and each path class it takes), as `git log` first shows it
        (oldest first); then the blobs refs point at without a commit. A listing git cannot
        finish is an error of the report, and what was listed is still scanned."""
        assert self.project.repo is not None
        root = self.project.repo.root
        number = 0
        try:
            for seen in sightings(root, revisions):
                number += 1
                task = self._sighting(seen.blob, seen.path, seen.commit, seen.author_date,
                                      None if whole else seen.previous, number)
                if task is not None:
                    yield task
            if direct:
                for blob, path, ref in direct_objects(root):
                    number += 1
                    task = self._sighting(blob, path, ref, "", None, number)
                    if task is not None:
                        yield task
        except GitError as error:
            self.report.errors.append(f"history could not be listed to the end ({error}); "
                                      "what was listed before is reported")
        self.listed = True

    def _sighting(self, blob: str, raw_path: str, commit: str, date: str,
                  previous: str | None, number: int) -> BlobTask | None:
        known = self._path(raw_path)
        if known is None:
            return None
        path, reason = known
        if commit in self.head.commits:
            self.reachable.add(blob)
        if reason is not None:
            self._secret_file(path, reason, commit, date)
        origin = BlobOrigin(commit, date, path)
        scanned = self.classes.setdefault(blob, {})
        kind = path_class(path)
        first_path = scanned.get(kind)
        if first_path is not None:
            if first_path != path:  # a copy or a rename: the same findings at this path
                self.copies.setdefault(blob, []).append((first_path, origin, number))
            return None
        scanned[kind] = path
        self.origins[(blob, path)] = origin
        self.order[(blob, path)] = number
        self.tasks += 1
        return BlobTask(blob, path, previous, is_env_file(path))

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
        """HEAD's version, whole and allowlisted or not, of every file a value was found in:
        which values are still in HEAD's tree."""
        paths = sorted({path for path, _, _ in self.values if path in self.head.tree})
        return [BlobTask(self.head.tree[path], path, None, False, present=True)
                for path in paths]

    def add_head(self, result: BlobResult) -> None:
        if result.outcome is None:
            return  # unreadable now: in_head stays as the scan of history left it
        for found in result.outcome.findings:
            key = (result.path, found.rule, found.identity)
            if key in self.values:
                self.values[key].extra["in_head"] = True

    def add(self, result: BlobResult) -> None:
        origin = self.origins[(result.blob, result.path)]
        if result.problem is not None or result.outcome is None:
            self.report.skipped.append(Skipped(
                origin.path, f"git object {result.blob[:12]} (from {origin.commit[:12]}) "
                f"{result.problem or 'unreadable'} (pruned pack, corrupt object or partial "
                "clone)", incomplete=True))
            return
        self.report.files += 1
        outcome = result.outcome
        if outcome.skipped is not None and outcome.skipped.path not in self._skipped_paths:
            self._skipped_paths.add(outcome.skipped.path)
            self.report.skipped.append(outcome.skipped)
        for value in outcome.values:
            REDACTION.remember(value)
        if result.env_names and origin.path not in self.files:
            names = ", ".join(result.env_names[:3])
            self._secret_file(origin.path, f"env file holding {names}", origin.commit,
                              origin.author_date)
        found = [f for f in outcome.findings if f.rule in HISTORY_RULES]
        if found:
            self.raw[(result.blob, result.path)] = found
            self._record(found, result.blob, origin, self.order[(result.blob, result.path)])

    def _record(self, found: list[Finding], blob: str, origin: BlobOrigin, number: int) -> None:
        """SH501 for each value, kept at the earliest place in history it was seen."""
        rule = get("SH501")
        for item in found:
            key = (origin.path, item.rule, item.identity)
            self.value_blobs.setdefault(key, set()).add(blob)
            if key in self.values and self.value_order[key] <= number:
                continue  # the same value in a later version of the file
            name = KINDS.get(item.rule) or str(item.extra.get("type") or "secret")
            where = origin.commit[:12] if origin.author_date else origin.commit  # a ref
            self.values[key] = Finding(
                rule.id, rule.severity, origin.path, item.line, item.column,
                f"{item.message} ({item.rule}) entered history in {where}",
                "rotate it now: removing it from the tree does not remove it from history",
                secret=item.secret, legacy_sha1=item.legacy_sha1, end_column=item.end_column,
                extra={"found_by": item.rule, "found_by_name": name, "commit": origin.commit,
                       "author_date": origin.author_date, "reachable_from_head": False,
                       "in_head": False})
            self.value_order[key] = number

    def add_copies(self) -> None:
        """Copies and renames get their blob's findings, at their own path and commit."""
        for blob, copies in self.copies.items():
            for first_path, origin, number in copies:
                found = self.raw.get((blob, first_path))
                if found:
                    self._record(found, blob, origin, number)

    def finish(self) -> None:
        """Reachability from every sighting of every blob a value was found in."""
        for key, finding in self.values.items():
            finding.extra["reachable_from_head"] = bool(finding.extra["in_head"]) or any(
                blob in self.reachable for blob in self.value_blobs.get(key, ()))

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


def _partial_clone(project: Project) -> bool:
    """A promisor remote (recorded per remote) or the older extension: objects may be absent."""
    assert project.repo is not None
    found = run_git(project.repo.root, ["config", "--get-regexp",
                                        r"^(extensions\.partialclone|remote\..*\.promisor)$"],
                    check=False)
    return found.returncode == 0 and bool(found.stdout.strip())


def _bare(project: Project) -> Repo | None:
    """A bare repository (a mirror): history needs no work tree."""
    proc = run_git(project.root, ["rev-parse", "--is-bare-repository", "--absolute-git-dir"],
                   check=False)
    answer = proc.stdout.decode("utf-8", "surrogateescape").split("\n")
    if proc.returncode != 0 or answer[0].strip() != "true" or len(answer) < 2:
        return None
    return Repo(Path(answer[1].strip()))


def run_history(project: Project, selected: set[str],
                options: HistoryOptions | None = None) -> Report:
    options = options or HistoryOptions()
    started = time.monotonic()
    report = Report("history")
    repo = project.repo or _bare(project)
    if repo is None:
        raise GitError("history needs a git repository")
    project.repo = repo
    revisions = [_commit(project, ref, "--branch") for ref in options.branch] or ["--all"]
    revisions += [f"^{_commit(project, rev, '--since')}" for rev in options.since]
    _clone_problems(project, report)
    run = _History(project, report, selected)
    scanner = HistoryScanner(repo.root, project.manifest, jobs=options.jobs,
                             use_cache=options.cache)
    bar = Progress("history", None, enabled=None if options.progress else False)
    tasks = run.stream(revisions, options.whole_blobs, direct=not options.branch)
    try:
        for result in scanner.run(tasks):
            if run.listed:
                bar.total = run.tasks
            bar.advance(1, result.size)
            run.add(result)
        run.add_copies()
        for result in scanner.run(run.head_tasks()):
            run.add_head(result)
    finally:
        bar.close()
    run.finish()
    missing = sum(1 for s in report.skipped if s.incomplete)
    if missing and _partial_clone(project):
        report.errors.append(f"partial clone: {missing} object(s) filtered out of the clone "
                             "are not here and are not fetched (no network); only the objects "
                             "present were scanned (git fetch --refetch --no-filter, then run "
                             "again)")
    report.findings = run.findings()
    report.notes.extend(scanner.notes)
    report.engine = dict(scanner.stats)
    report.seconds = time.monotonic() - started
    return report
