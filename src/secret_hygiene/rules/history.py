"""SH501: secrets anywhere in git history, each unique blob scanned once.

`git log --raw` names, for every blob, the first commit that introduced it and its path;
`git cat-file --batch` streams the blobs. A blob's content gets the same value rules as `check`
(SH101-SH103), and a path matching the secret-file rules (SH201) counts whatever it holds. An
object git cannot produce, or a shallow clone, makes the scan incomplete - never clean.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from .. import yamlsafe
from ..compose import normalise_path
from ..context import Project
from ..errors import CommandError
from ..findings import Finding, Report, Skipped
from ..repo import GitError, _environment, run_git
from ..sources import Kind, SourceFile, decode, excluded, glob_match, is_binary
from ..text.placeholders import is_template_file
from .catalogue import get
from .compose import secret_names_in_env_text
from .content import check_content
from .files import KEEP_FILES, KEY_FILE_NAMES, KEY_FILE_SUFFIXES, is_env_file

HISTORY_RULES = frozenset({"SH101", "SH102", "SH103"})


@dataclass
class BlobOrigin:
    commit: str
    author_date: str
    path: str
    paths: set[str] = field(default_factory=set)


def _origins(project: Project, since: str | None, branch: str | None) -> dict[str, BlobOrigin]:
    assert project.repo is not None
    revisions = [_commit(project, branch, "--branch")] if branch else ["--all"]
    if since:
        revisions.append(f"^{_commit(project, since, '--since')}")
    output = project.repo.git("log", "--reverse", "--topo-order", "--raw", "--no-abbrev",
                              "--no-renames", "--root", "-m", "-z",
                              "--format=%x01%H %aI", *revisions)
    origins: dict[str, BlobOrigin] = {}
    commit = date = ""
    fields = output.split(b"\0")
    i = 0
    while i < len(fields):
        chunk = fields[i].decode("utf-8", "surrogateescape")
        i += 1
        if "\x01" in chunk:
            header = chunk[chunk.index("\x01") + 1:].strip()
            commit, _, date = header.partition(" ")
            date = date.split("\n", 1)[0]
            tail = chunk[chunk.index("\x01") + 1 + len(header):].strip()
            chunk = tail
            if not chunk:
                continue
        chunk = chunk.strip()
        if not chunk.startswith(":"):
            continue
        parts = chunk[1:].split()
        if len(parts) < 5 or i >= len(fields):
            continue
        path = fields[i].decode("utf-8", "surrogateescape")
        i += 1
        new_mode, blob, status = parts[1], parts[3], parts[4]
        if status.startswith("D") or new_mode in ("160000", "120000") or set(blob) == {"0"}:
            continue
        origin = origins.get(blob)
        if origin is None:
            origins[blob] = BlobOrigin(commit, date, path, {path})
        else:
            origin.paths.add(path)
    return origins


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


def _head_sets(project: Project) -> tuple[set[str], set[str]]:
    assert project.repo is not None
    try:
        commits = set(project.repo.git("rev-list", "HEAD").decode().split())
        tree = project.repo.git("ls-tree", "-r", "-z", "HEAD")
    except GitError:
        return set(), set()
    blobs = set()
    for entry in tree.split(b"\0"):
        meta = entry.split(b"\t", 1)[0].split()
        if len(meta) == 3:
            blobs.add(meta[2].decode())
    return commits, blobs


def _is_secret_path(path: str, project: Project, text: str | None) -> str | None:
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
    if is_env_file(path) and text is not None:
        names = secret_names_in_env_text(text, manifest)
        if names:
            return f"env file holding {', '.join(names[:3])}"
    return None


def run_history(project: Project, since: str | None, branch: str | None,
                selected: set[str]) -> Report:
    started = time.monotonic()
    report = Report("history")
    repo = project.repo
    if repo is None:
        raise GitError("history needs a git repository")
    shallow = repo.git("rev-parse", "--is-shallow-repository").decode().strip()
    if shallow == "true":
        report.errors.append("shallow clone: commits before the shallow boundary are not "
                             "available, so history cannot be fully scanned "
                             "(git fetch --unshallow)")
    partial = run_git(repo.root, ["config", "--get", "extensions.partialclone"], check=False)
    if partial.returncode == 0 and partial.stdout.strip():
        report.errors.append("partial clone: objects filtered out of the clone are not here and "
                             "are not fetched (no network); history was not scanned "
                             "(git fetch --refetch --no-filter, then run again)")
        report.seconds = time.monotonic() - started
        return report
    origins = _origins(project, since, branch)
    head_commits, head_blobs = _head_sets(project)
    wanted = [blob for blob, origin in origins.items()
              if not excluded(origin.path, project.settings.exclude)
              and origin.path not in project.own_files()]
    earliest: dict[tuple[str, str, str], Finding] = {}
    for blob, data in _stream_blobs(project, wanted, origins, report):
        origin = origins[blob]
        report.files += 1
        text = None if is_binary(data) else decode(data)[0]
        for finding in _blob_findings(project, origin, text, selected):
            key = (finding.path or "", str(finding.extra.get("found_by", finding.rule)),
                   finding.identity)
            first = earliest.get(key)
            if first is None:  # blobs come oldest first: the first sighting is the origin
                finding.extra.update({"commit": origin.commit,
                                      "author_date": origin.author_date,
                                      "reachable_from_head": origin.commit in head_commits,
                                      "in_head": blob in head_blobs})
                earliest[key] = finding
                report.findings.append(finding)
            else:  # the same value in a later version of the file
                first.extra["in_head"] = bool(first.extra["in_head"]) or blob in head_blobs
                first.extra["reachable_from_head"] = bool(
                    first.extra["reachable_from_head"]) or origin.commit in head_commits
    report.sections["incidents"] = incidents(report.findings)
    report.seconds = time.monotonic() - started
    return report


def _stream_blobs(project: Project, blobs: list[str], origins: dict[str, BlobOrigin],
                  report: Report) -> Iterator[tuple[str, bytes]]:
    """(sha, bytes) for each blob, in one `git cat-file --batch` process."""
    assert project.repo is not None
    if not blobs:
        return
    process = subprocess.Popen(
        ["git", "cat-file", "--batch"], cwd=project.repo.root, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        env={**_environment(), "GIT_NO_LAZY_FETCH": "1"})
    assert process.stdin is not None and process.stdout is not None
    import threading

    def feed() -> None:
        assert process.stdin is not None
        try:
            for blob in blobs:
                process.stdin.write(blob.encode() + b"\n")
            process.stdin.close()
        except BrokenPipeError:
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        for blob in blobs:
            header = process.stdout.readline().decode("utf-8", "replace").strip()
            parts = header.split()
            if (len(parts) == 2 and parts[1] == "missing") or len(parts) < 3:
                origin = origins[blob]
                report.skipped.append(Skipped(
                    origin.path, f"git object {blob[:12]} (from commit {origin.commit[:12]}) "
                    "missing or unreadable (pruned pack, corrupt object or partial clone)",
                    incomplete=True))
                continue
            size = int(parts[2])
            data = process.stdout.read(size)
            process.stdout.read(1)
            if parts[1] != "blob":
                continue
            yield blob, data
    finally:
        writer.join(timeout=5)
        process.stdout.close()
        process.wait(timeout=30)


def _blob_findings(project: Project, origin: BlobOrigin, text: str | None,
                   selected: set[str]) -> list[Finding]:
    findings: list[Finding] = []
    rule = get("SH501")
    why = _is_secret_path(origin.path, project, text)
    if why is not None:
        findings.append(Finding(
            rule.id, rule.severity, origin.path, None, None,
            f"secret file ({why}) was committed in {origin.commit[:12]}",
            "rotate what it held, then remove it from history if required",
            subject=f"file:{origin.path}"))
    if text is None:
        return findings
    source = SourceFile.from_text(origin.path, text)
    documents = None
    if source.kind == Kind.YAML:
        try:
            documents = yamlsafe.load_all(source.text)
        except yamlsafe.YAMLProblem as problem:
            documents = problem  # type: ignore[assignment]
    result = check_content(source, project.manifest, set(HISTORY_RULES) | {"SH102"},
                           documents)
    for found in result.findings:
        what = found.message
        findings.append(Finding(
            rule.id, rule.severity, origin.path, found.line, found.column,
            f"{what} ({found.rule}) entered history in {origin.commit[:12]}",
            "rotate it now: removing it from the tree does not remove it from history",
            secret=found.secret, legacy_sha1=found.legacy_sha1,
            extra={"found_by": found.rule}))
    return findings


def incidents(findings: list[Finding]) -> list[dict[str, object]]:
    """The reference policy's steps, once per exposed secret (grouped by hashed value/path)."""
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        key = finding.secret.sha256 if finding.secret else f"file:{finding.path}"
        groups.setdefault(key, []).append(finding)
    result = []
    for key, members in groups.items():
        first = min(members, key=lambda f: str(f.extra.get("author_date", "")))
        what = (f"{first.path}" if first.secret is None else
                f"value {first.secret.redacted} ({first.secret.length} chars) in {first.path}")
        since = first.extra.get("author_date", "its first commit")
        result.append({
            "what": what,
            "sha256": first.secret.sha256 if first.secret else None,
            "first_commit": first.extra.get("commit"),
            "since": since,
            "reachable_from_head": any(m.extra.get("reachable_from_head") for m in members),
            "occurrences": len(members),
            "steps": [
                "rotate it now: generate a new value, update the store, restart or redeploy",
                "revoke the replaced credential and every token it may have issued",
                f"audit the logs for use of it since {since}",
                "find how it leaked and fix the process; remove it from history if required "
                "(git filter-repo), knowing clones keep it",
            ],
            "key": key[:16],
        })
    return result
