"""`check`: every static check on a repository, or on the files pre-commit passes.

Content checks (SH1xx) cover the files asked for; the repository checks (secret files, compose
wiring, docs) always run and stay cheap: one `git ls-files`, one `git check-ignore`, the compose
files parsed once.
"""

from __future__ import annotations

import os
import posixpath
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from . import compose as compose_model
from . import yamlsafe
from .compose_project import find_projects, merge
from .contentscan import ContentScanner
from .context import Project
from .errors import CommandError
from .findings import REDACTION, Finding, Report, Skipped
from .fsread import read_head
from .manifest import Manifest
from .rules import docs, files
from .rules.catalogue import get
from .rules.compose import (
    ComposeContext,
    check_file,
    check_project,
    env_assignments,
    secret_names_in_env_text,
)
from .rules.content import check_yaml_problem
from .sources import SourceFile, excluded, read_bytes, read_source, walk_directory
from .suppress import silenced
from .text.names import is_secret_like

CONTENT_RULES = frozenset({"SH101", "SH102", "SH103"})


@dataclass
class CheckOptions:
    paths: list[str] | None = None
    selected: set[str] = field(default_factory=set)
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    jobs: int | None = None  # None: every core
    cache: bool = True


class _Files:
    """Reads each repository file at most once per run."""

    def __init__(self, root: Path, environ: Mapping[str, str], manifest: Manifest) -> None:
        self.root = root
        self.environ = environ
        self.manifest = manifest
        self.sources: dict[str, SourceFile | Skipped] = {}
        self.documents: dict[str, list[yamlsafe.Document] | yamlsafe.YAMLProblem] = {}
        self.dotenvs: dict[str, dict[str, str]] = {}

    def dotenv(self, directory: str) -> dict[str, str]:
        """The variables of a project folder's `.env` (none when COMPOSE_DISABLE_ENV_FILE)."""
        if directory not in self.dotenvs:
            values: dict[str, str] = {}
            path = posixpath.join(directory, ".env") if directory else ".env"
            disabled = self.environ.get("COMPOSE_DISABLE_ENV_FILE", "").lower() in (
                "1", "true", "yes")
            text = self.text(path) if not disabled and (self.root / path).is_file() else None
            for _line, name, value in env_assignments(text or ""):
                values[name] = value
                if self.sensitive(name):
                    REDACTION.remember(value)
            self.dotenvs[directory] = values
        return self.dotenvs[directory]

    def sensitive(self, name: str) -> bool:
        spec = self.manifest.lookup(name)
        return spec.sensitive if spec is not None else is_secret_like(name)

    def environment(self, directory: str) -> dict[str, str]:
        """What Compose interpolates from in a project folder: the shell over its `.env`.

        Secret variables are left out: a path or name computed from a secret would put the
        secret into a message, so anything that depends on one is treated as unknown.
        """
        merged = {**self.dotenv(directory), **self.environ}
        return {name: value for name, value in merged.items() if not self.sensitive(name)}

    def source(self, path: str) -> SourceFile | Skipped:
        if path not in self.sources:
            self.sources[path] = read_source(self.root, path)
        return self.sources[path]

    def compose_source(self, path: str) -> SourceFile | Skipped:
        """A compose file's text, through a symlink that stays inside the repository (Compose
        follows it; the content scan reads the target in place)."""
        source = self.source(path)
        if isinstance(source, Skipped) and source.reason.startswith("symlink (its target"):
            target = (self.root / path).resolve().relative_to(self.root.resolve())
            followed = read_source(self.root, target.as_posix())
            if isinstance(followed, SourceFile):
                return SourceFile.from_text(path, followed.text)
            return followed
        return source

    def project_base(self, path: str) -> str | None:
        """The project folder of a later `COMPOSE_FILE` entry: relative paths in every file of
        the list resolve from the first file's folder."""
        listed = [compose_model.normalise_path(p) for p in
                  compose_model.compose_file_env(self.environ, self.dotenv(""))]
        if path in listed[1:] and posixpath.dirname(listed[0]) != posixpath.dirname(path):
            return posixpath.dirname(listed[0])
        return None

    def compose_model(self, path: str, document: yamlsafe.Document
                      ) -> compose_model.ComposeFile | compose_model.ShapeProblem:
        base = self.project_base(path)
        environment = self.environment(base if base is not None else posixpath.dirname(path))
        return compose_model.parse(path, document, environment, base)

    def text(self, path: str) -> str | None:
        source = self.source(path)
        return source.text if isinstance(source, SourceFile) else None

    def head(self, path: str) -> bytes | None:
        """The start of a regular file (never blocking on a FIFO, never through a symlink)."""
        try:
            return read_head(self.root / path, 4096)
        except OSError:
            return None

    def yaml(self, source: SourceFile) -> list[yamlsafe.Document] | yamlsafe.YAMLProblem:
        if source.path not in self.documents:
            try:
                self.documents[source.path] = yamlsafe.load_all(source.text, path=source.path)
            except yamlsafe.YAMLProblem as problem:
                self.documents[source.path] = problem
        return self.documents[source.path]


def run_check(project: Project, options: CheckOptions) -> Report:
    started = time.monotonic()
    report = Report("check")
    selected = options.selected
    root = project.root
    reader = _Files(root, options.environ, project.manifest)
    listed = _listing(project, report)
    targets = listed if options.paths is None else _targets(project, options.paths, listed)
    compose_paths = compose_model.discover(listed, project.manifest, options.environ,
                                           reader.dotenv(""))
    compose_set = set(compose_paths)

    report.scanned_content = bool(selected & CONTENT_RULES)
    if report.scanned_content:
        _content_checks(project, targets, compose_set, options, report)

    repo_rules = {r for r in selected if r.startswith(("SH2", "SH3"))}
    if repo_rules:
        _repository_checks(project, reader, listed, compose_paths, selected, report,
                           options.environ)
    if "SH002" in selected:
        report.findings.extend(docs.check_docs(root, project.manifest))

    report.findings = [f for f in report.findings
                       if f.rule in selected and not _inline_silenced(f, reader)]
    report.seconds = time.monotonic() - started
    return report


def _content_checks(project: Project, targets: list[str], compose_set: set[str],
                    options: CheckOptions, report: Report) -> None:
    """SH101-SH103 (and SH310 for Kubernetes files) on the target files, through the cache."""
    items: list[tuple[str, bytes]] = []
    deleted: list[str] = []
    for path in targets:
        data = read_bytes(project.root, path)
        if isinstance(data, Skipped):
            if data.reason.startswith("deleted") and project.repo is not None:
                deleted.append(path)
            else:
                report.skipped.append(data)
            continue
        items.append((path, data))
    if deleted:  # still staged: the index holds what would be committed, so scan that
        assert project.repo is not None
        for path, staged in project.repo.index_blobs(deleted).items():
            if staged is None:
                report.skipped.append(Skipped(path, "deleted from the working tree",
                                              incomplete=False))
            else:
                items.append((path, staged))
                report.notes.append(f"{path}: deleted from the working tree: its staged "
                                    "version was scanned")
    scanner = ContentScanner(project.manifest, jobs=options.jobs, use_cache=options.cache)
    for outcome in scanner.run(items):
        if outcome.skipped is not None:
            report.skipped.append(outcome.skipped)
            continue
        report.files += 1
        report.notes.extend(f"{outcome.path}: {note}" for note in outcome.notes)
        for finding in outcome.findings:
            if finding.rule == "SH310" and outcome.path in compose_set:
                continue  # compose files get their SH310 from the compose checks
            if finding.rule in options.selected:
                report.findings.append(finding)
    report.notes.extend(scanner.notes)
    report.engine = dict(scanner.stats)


def _repository_checks(project: Project, reader: _Files, listed: list[str],
                       compose_paths: list[str], selected: set[str], report: Report,
                       environ: Mapping[str, str]) -> None:
    """Secret files (SH2xx) and compose wiring (SH3xx): one ls-files, one check-ignore."""
    root = project.root
    models = _composes(reader, compose_paths, selected, report)
    tracked = project.repo.tracked_files() if project.repo else None
    committed = project.repo.committed_files() if project.repo else set()

    def env_secrets(path: str) -> list[str]:
        text = reader.text(path)
        return secret_names_in_env_text(text, project.manifest) if text else []

    candidates = files.collect_candidates(root, project.manifest, listed, models, env_secrets,
                                          reader.head)
    env_files = {env_file.resolved for model in models for service in model.services.values()
                 for env_file in service.env_files
                 if env_file.resolved and compose_model.inside_repository(env_file.resolved)}
    asked = [*candidates, *sorted(env_files - set(candidates))]
    ignore = project.repo.check_ignore(asked) if project.repo else {}
    if any(rule.startswith("SH2") for rule in selected):
        report.findings.extend(files.check_files(root, candidates, selected, tracked,
                                                 committed, ignore))
    if any(rule.startswith("SH3") for rule in selected):
        context = ComposeContext(project.manifest, root, selected, tracked, ignore,
                                 reader.text, environ, reader.dotenv)
        _compose_checks(reader, models, context, report)


def _compose_checks(reader: _Files, models: list[compose_model.ComposeFile],
                    context: ComposeContext, report: Report) -> None:
    """Each compose file on its own, then each project as Compose merges it."""
    by_path = {model.path: model for model in models}
    extra: dict[str, compose_model.ComposeFile] = {}

    def load(path: str) -> compose_model.ComposeFile | str | None:
        if path in by_path:
            return by_path[path]
        if path in extra:
            return extra[path]
        if not compose_model.inside_repository(path):
            return "it is outside the repository"
        source = reader.compose_source(path)
        if isinstance(source, Skipped):
            return source.reason if not source.reason.startswith("deleted") else None
        documents = reader.yaml(source)
        if isinstance(documents, yamlsafe.YAMLProblem):
            return f"not usable YAML at line {documents.line}: {documents.message}"
        if not documents:
            return "it is empty"
        if len(documents) != 1:
            return "a compose file holds one YAML document"
        model = reader.compose_model(path, documents[0])
        if isinstance(model, compose_model.ShapeProblem):
            return model.message
        extra[path] = model
        return model

    found: list[Finding] = []
    projects = find_projects(sorted(by_path), by_path, reader.environ, reader.dotenv(""))
    for project_files in projects:
        found.extend(check_project(merge(project_files, load), context))
    for model in [*models, *extra.values()]:
        found.extend(check_file(model, context))
    seen: set[tuple[object, ...]] = set()
    for finding in found:
        key = (finding.rule, finding.path, finding.line, finding.column, finding.message)
        if key not in seen:
            seen.add(key)
            report.findings.append(finding)
    report.notes.extend(dict.fromkeys(context.notes))
    deliveries = {tuple(sorted(d.items())): d for d in context.deliveries}
    if deliveries:
        report.sections["deliveries"] = list(deliveries.values())


def _listing(project: Project, report: Report) -> list[str]:
    if project.repo is not None:
        paths = project.repo.listed_files()
        for folder, why in project.repo.unreadable:
            report.skipped.append(Skipped(folder, f"cannot read folder: {why}", incomplete=True))
        report.revision = project.repo.head()
    else:
        paths = walk_directory(project.root)
        report.notes.append("not a git repository: git checks (tracked and ignored secret files, "
                            "SH201/SH202) were skipped; content checks ran on every file")
    own = project.own_files()
    return [p for p in paths if p not in own and not excluded(p, project.settings.exclude)]


def _targets(project: Project, paths: list[str], listed: list[str]) -> list[str]:
    """Repository-relative files for the paths given on the command line."""
    own = project.own_files()
    chosen: list[str] = []
    for raw in paths:
        absolute = Path(os.path.normpath(Path.cwd() / raw))
        relative = _relative(project.root, absolute)
        if relative is None:
            raise CommandError(f"{raw}: outside the repository at {project.root}")
        if absolute.is_dir() and not absolute.is_symlink():
            prefix = "" if relative == "." else relative.rstrip("/") + "/"
            inside = [p for p in listed if p.startswith(prefix)]
            if not inside:
                why = "a git submodule or nested repository" if (absolute / ".git").exists() \
                    else "no file here is tracked or un-ignored"
                raise CommandError(f"{raw}: nothing to scan ({why}); run secret-hygiene "
                                   "inside it")
            chosen.extend(inside)
        elif relative in own or excluded(relative, project.settings.exclude):
            continue
        elif absolute.exists() or absolute.is_symlink():
            chosen.append(relative)
        else:
            raise CommandError(f"{raw}: no such file")
    return sorted(set(chosen))


def _relative(root: Path, absolute: Path) -> str | None:
    for base, path in ((root, absolute), (root.resolve(), absolute.parent.resolve() /
                                          absolute.name)):
        try:
            return path.relative_to(base).as_posix()
        except ValueError:
            continue
    return None


def _composes(reader: _Files, paths: list[str], selected: set[str],
              report: Report) -> list[compose_model.ComposeFile]:
    models = []
    for path in paths:
        source = reader.compose_source(path)
        if isinstance(source, Skipped):
            if source.reason == "binary" and "SH310" in selected:
                report.findings.append(Finding(
                    "SH310", get("SH310").severity, path, 1, 1,
                    "compose file is not UTF-8 text (NUL bytes: binary or UTF-16); Compose "
                    "cannot read it", "save it as UTF-8", subject="shape:binary"))
            elif source not in report.skipped:
                report.skipped.append(source)
            continue
        documents = reader.yaml(source)
        problem: compose_model.ShapeProblem | None = None
        if isinstance(documents, yamlsafe.YAMLProblem):
            if "SH310" in selected:
                finding = check_yaml_problem(source, documents, compose=True)
                if finding:
                    report.findings.append(finding)
            continue
        if len(documents) > 1:
            second = documents[1].root
            problem = compose_model.ShapeProblem("a compose file holds one YAML document",
                                                 second.line if second else 1)
        elif documents:
            model = reader.compose_model(path, documents[0])
            if isinstance(model, compose_model.ShapeProblem):
                problem = model
            else:
                models.append(model)
        if problem and problem.message != "file is empty" and "SH310" in selected:
            report.findings.append(Finding(
                "SH310", get("SH310").severity, path, problem.line, problem.column,
                f"compose file is not usable: {problem.message}", "fix the compose file",
                subject=f"shape:{problem.message}"))
    return models


def _inline_silenced(finding: Finding, reader: _Files) -> bool:
    if finding.path is None or finding.line is None:
        return False
    source = reader.sources.get(finding.path)
    if not isinstance(source, SourceFile) or finding.line > len(source.lines):
        return False
    line = source.lines[finding.line - 1]
    previous = source.lines[finding.line - 2] if finding.line >= 2 else ""
    return silenced(finding.rule, line, previous)
