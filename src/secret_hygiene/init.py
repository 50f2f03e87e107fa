"""`init`: propose a manifest from what the repository already shows.

Sources: compose files (top-level secrets, the services granted them, secret-like environment
variables, `_FILE` variables pointing at /run/secrets), template env files such as
`.env.example`, and a secret-management document. The proposal is a starting point to review.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from . import compose as compose_model
from . import yamlsafe
from .repo import Repo
from .rules.compose import env_assignments
from .sources import walk_directory
from .text.names import is_file_variable, is_secret_like
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


def infer_manifest(root: Path, repo: Repo | None) -> str:
    paths = _files(root, repo)
    proposals: dict[str, Proposal] = {}

    def propose(name: str, where: str) -> Proposal:
        key = name.upper()
        if key not in proposals:
            proposals[key] = Proposal(key)
        proposals[key].seen_in.add(where)
        return proposals[key]

    environment_variable = _environment_variable(root, paths)
    composes = [p for p in paths if compose_model.is_compose_name(p)]
    production = [p for p in composes if "prod" in PurePosixPath(p).name.lower()]
    for path in composes:
        _from_compose(root, path, path in production, propose)
    for path in paths:
        if (is_template_file(path) and PurePosixPath(path).name.lower().startswith(".env")) \
                or PurePosixPath(path).name.lower() in ("env.example", ".env.sample"):
            _from_env_template(root, path, propose)
    docs = next((d for d in DOC_CANDIDATES if (root / d).is_file()), None)
    if docs:
        _from_docs(root, docs, propose)
    return _render(proposals, environment_variable, production, docs)


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
        return (root / path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _from_compose(root: Path, path: str, production: bool, propose: Propose) -> None:
    text = _read(root, path)
    if text is None:
        return
    try:
        documents = yamlsafe.load_all(text)
    except yamlsafe.YAMLProblem:
        return
    if len(documents) != 1:
        return
    model = compose_model.parse(path, documents[0])
    if isinstance(model, compose_model.ShapeProblem):
        return
    for name, declared in model.secrets.items():
        proposal = propose(name, path)
        proposal.docker_secret = name
        source = declared.field("file")
        if source is not None and source.text():
            proposal.file = model.resolve(source.value)
        proposal.production = proposal.production or production
        for service in model.services.values():
            if any(g.source == name for g in service.secrets):
                proposal.services.add(service.name)
    for service in model.services.values():
        for entry in service.environment:
            if is_secret_like(entry.name) and not is_file_variable(entry.name):
                proposal = propose(entry.name, path)
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
        out.append(f"    description: found in {', '.join(sorted(proposal.seen_in))}")
        if not proposal.sensitive:
            out.append("    sensitive: false")
        elif proposal.production or proposal.docker_secret:
            out.append("    required_in: [production]")
        if proposal.docker_secret and proposal.docker_secret != name.lower():
            out.append(f"    docker_secret: {proposal.docker_secret}")
        if proposal.file:
            out.append(f"    file: {proposal.file}")
        if proposal.services:
            out.append(f"    services: [{', '.join(sorted(proposal.services))}]")
    out += [
        "backends:",
        "  selector: SECRET_BACKEND",
        "  default: env",
        "  docker_secrets_dir: /run/secrets",
        "policy:",
        "  rotation_days: 90",
        '  secret_files: ["secrets/*"]',
        f"  production_compose: [{', '.join(production)}]",
    ]
    if docs:
        out.append(f"docs: {docs}")
    return "\n".join(out) + "\n"
