"""`init`: propose a manifest from what the repository already shows.

Sources: compose files (top-level secrets, the services granted them, secret-like environment
variables, `_FILE` variables pointing at /run/secrets), template env files such as
`.env.example`, and a secret-management document. The proposal is a starting point to review.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import yaml

from . import compose as compose_model
from . import yamlsafe
from .compose_project import MergedProject, find_projects, merge
from .fsread import read_regular
from .repo import Repo
from .rules.compose import env_assignments
from .sources import walk_directory
from .text.names import file_variable_target, is_file_variable, is_secret_like
from .text.placeholders import is_template_file

DOC_CANDIDATES = ("docs/secret_management.md", "docs/secrets.md", "SECRETS.md",
                  "docs/secret-management.md")
IDENTIFIER_HINTS = ("CLIENT_ID", "DOMAIN", "AUDIENCE", "ISSUER", "REGION", "TENANT")


@dataclass
class Proposal:
    name: str
    sensitive: bool = True
    docker_secret: str | None = None
    file: str | None = None
    services: set[str] = field(default_factory=set)
    production: bool = False
    seen_in: set[str] = field(default_factory=set)


Propose = Callable[[str, str], Proposal]


def _files(root: Path, repo: Repo | None) -> list[str]:
    return repo.listed_files() if repo else walk_directory(root)


def env_name(name: str) -> str:
    """A compose or config name as an environment variable name: db-password -> DB_PASSWORD."""
    cleaned = re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_").upper()
    return cleaned if cleaned and not cleaned[0].isdigit() else f"_{cleaned}"


def infer_manifest(root: Path, repo: Repo | None) -> tuple[str, list[str]]:
    """The proposed manifest text, and notes about what could not be read."""
    paths = _files(root, repo)
    proposals: dict[str, Proposal] = {}
    notes: list[str] = []

    def propose(name: str, where: str) -> Proposal:
        key = env_name(name)
        if key not in proposals:
            proposals[key] = Proposal(key)
        proposals[key].seen_in.add(where)
        return proposals[key]

    environment_variable = _environment_variable(root, paths)
    composes = [p for p in paths if compose_model.is_compose_name(p)]
    production = [p for p in composes if "prod" in PurePosixPath(p).name.lower()]
    notes.extend(_from_composes(root, composes, production, propose))
    for path in paths:
        if (is_template_file(path) and PurePosixPath(path).name.lower().startswith(".env")) \
                or PurePosixPath(path).name.lower() in ("env.example", ".env.sample"):
            _from_env_template(root, path, propose)
    docs = next((d for d in DOC_CANDIDATES if (root / d).is_file()), None)
    if docs:
        _from_docs(root, docs, propose)
    return _render(proposals, environment_variable, production, docs), notes


def _environment_variable(root: Path, paths: list[str]) -> str:
    names: list[str] = []
    for path in paths:
        if is_template_file(path) and ".env" in PurePosixPath(path).name.lower():
            text = _read(root, path)
            names += [n for _l, n, _v in env_assignments(text or "")]
    for preferred in ("APP_ENV", "ENVIRONMENT", "DEPLOY_ENV"):
        if preferred in names:
            return preferred
    generic = ("FLASK_ENV", "NODE_ENV", "RAILS_ENV", "RACK_ENV", "DJANGO_ENV")
    for name in names:
        if name.endswith("_ENV") and name not in generic:
            return name
    return "APP_ENV"


def _read(root: Path, path: str) -> str | None:
    try:
        return read_regular(root / path, limit=4 * 1024 * 1024).decode("utf-8", "replace")
    except OSError:
        return None


def _load_compose(root: Path, path: str) -> compose_model.ComposeFile | str:
    """A compose file's model, or why it cannot be used."""
    if not compose_model.inside_repository(path):
        return "it is outside the repository"
    text = _read(root, path)
    if text is None:
        return "it could not be read as a regular file"
    try:
        documents = yamlsafe.load_all(text, path=path)
    except yamlsafe.YAMLProblem as problem:
        return f"not usable YAML at line {problem.line}: {problem.message}"
    if len(documents) != 1:
        return "a compose file holds one YAML document"
    model = compose_model.parse(path, documents[0])
    if isinstance(model, compose_model.ShapeProblem):
        return f"{model.message} (line {model.line})"
    return model


def _from_composes(root: Path, composes: list[str], production: list[str],
                   propose: Propose) -> list[str]:
    """Proposals from each compose project as Compose merges it (override files, include,
    extends), so a secret declared in one file and granted in another is one proposal."""
    loaded: dict[str, compose_model.ComposeFile | str] = {}

    def load(path: str) -> compose_model.ComposeFile | str:
        if path not in loaded:
            loaded[path] = _load_compose(root, path)
        return loaded[path]

    notes = [f"{path} was not used: {load(path)}" for path in composes
             if isinstance(load(path), str)]
    models = {p: m for p in composes if isinstance(m := load(p), compose_model.ComposeFile)}
    for project in find_projects(sorted(models), models, {}, {}):
        merged = merge(project, load)
        _from_project(merged, any(p in production for p in project.files), propose)
    return notes


def _from_project(merged: MergedProject, production: bool, propose: Propose) -> None:
    variable_for: dict[str, str] = {}  # docker secret -> the variable its _FILE fills
    for service in merged.services.values():
        for entry in service.environment:
            if is_file_variable(entry.name) and entry.value:
                mounted = compose_model.mount_path(entry.value.strip("\"'"))
                for grant in service.secrets:
                    if grant.target == mounted:
                        variable_for.setdefault(grant.source, file_variable_target(entry.name))
    for name, declared in merged.secrets.items():
        proposal = propose(variable_for.get(name, name), declared.key.path or merged.path)
        proposal.docker_secret = name
        source = declared.field("file")
        if source is not None and source.text():
            folder = posixpath.dirname(source.path or merged.path)
            written = source.value
            proposal.file = written if written.startswith(("/", "~")) else \
                posixpath.normpath(posixpath.join(folder or ".", written))
        for service in merged.services.values():
            if any(g.source == name for g in service.secrets):
                proposal.services.add(service.name)
                proposal.production = True  # a granted secret is one the app needs
    for service in merged.services.values():
        for entry in service.environment:
            if is_secret_like(entry.name) and not is_file_variable(entry.name):
                proposal = propose(entry.name, entry.node.path or merged.path)
                proposal.services.add(service.name)
                proposal.production = proposal.production or production


def _from_env_template(root: Path, path: str, propose: Propose) -> None:
    for _line, name, _value in env_assignments(_read(root, path) or ""):
        if is_secret_like(name):
            propose(name, path)
        elif any(name.upper().endswith(h) for h in IDENTIFIER_HINTS) and \
                name.upper().startswith(("AUTH", "OAUTH", "OIDC", "AUTH0")):
            propose(name, path).sensitive = False


def _from_docs(root: Path, path: str, propose: Propose) -> None:
    for line in (_read(root, path) or "").splitlines():
        if not re.match(r"^\s*(?:[-*+]|\d+[.)]|\|)", line):
            continue
        for match in re.finditer(r"`?([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`?", line):
            name = match.group(1)
            if is_secret_like(name):
                propose(name, path)


def _render(proposals: dict[str, Proposal], variable: str, production: list[str],
            docs: str | None) -> str:
    out = [
        "# secret-hygiene manifest, proposed by `secret-hygiene init`: review before relying",
        "# on it. Reference: README.md, section \"The manifest\".",
        "version: 1",
        "environment:",
        f"  variable: {variable}",
        "  default: development",
        "  production: [production]",
        "secrets:",
    ]
    if not proposals:
        out[-1] = "secrets: {}"
    for name in sorted(proposals):
        proposal = proposals[name]
        out.append(f"  {name}:")
        out.append(f"    description: {_scalar('found in ' + ', '.join(sorted(proposal.seen_in)))}")
        if not proposal.sensitive:
            out.append("    sensitive: false")
        elif proposal.production:
            out.append("    required_in: [production]")
        if proposal.docker_secret and proposal.docker_secret != name.lower():
            out.append(f"    docker_secret: {_scalar(proposal.docker_secret)}")
        if proposal.file:
            out.append(f"    file: {_scalar(proposal.file)}")
        if proposal.services:
            services = ", ".join(_scalar(s) for s in sorted(proposal.services))
            out.append(f"    services: [{services}]")
    out += [
        "backends:",
        "  selector: SECRET_BACKEND",
        "  default: env",
        "  docker_secrets_dir: /run/secrets",
        "policy:",
        "  rotation_days: 90",
        '  secret_files: ["secrets/*"]',
        f"  production_compose: [{', '.join(_scalar(p) for p in production)}]",
    ]
    if docs:
        out.append(f"docs: {_scalar(docs)}")
    return "\n".join(out) + "\n"


def _scalar(text: str) -> str:
    """A YAML scalar that reads back as ``text`` (quoted when it needs to be)."""
    dumped: str = yaml.safe_dump(text, default_flow_style=True, width=1 << 20)
    return dumped.removesuffix("\n...\n").removesuffix("\n")
