"""Compose projects: which files Compose reads together, and the model it builds from them.

A project is the files of one `docker compose` invocation: a folder's main file with its
override file, the `COMPOSE_FILE` list (from the shell or the project's `.env`), or a variant
file (`docker-compose.prod.yml`) on its own when it is complete, or on top of the folder's main
file when it only overlays it. Files merge as the Compose specification says (13-merge.md):
mappings key by key, later wins; `secrets`/`volumes` unique by target; `environment` by name;
`command`/`entrypoint`/`healthcheck.test` replaced; `!reset` removes, `!override` replaces.
`include` brings in other projects' resources; `extends` merges a base service under a
service (the base file's top-level resources are *not* imported).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from .compose import (
    ComposeFile,
    EnvEntry,
    EnvFile,
    Grant,
    Service,
    TopSecret,
    compose_file_env,
    normalise_path,
)
from .yamlsafe import Node

MAIN_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
OVERRIDE_NAMES = ("compose.override.yml", "compose.override.yaml",
                  "docker-compose.override.yml", "docker-compose.override.yaml")
MAX_DEPTH = 64  # include/extends chains longer than this are reported, not followed


@dataclass
class Project:
    files: list[str]
    how: str  # why these files form a project, for messages

    @property
    def directory(self) -> str:
        return posixpath.dirname(self.files[0])

    @property
    def label(self) -> str:
        return " + ".join(self.files)


def find_projects(compose_paths: list[str], models: dict[str, ComposeFile],
                  environ: Mapping[str, str], dotenv: dict[str, str]) -> list[Project]:
    """The projects the compose files in the repository form."""
    projects: list[Project] = []
    covered: set[str] = set()
    by_folder: dict[str, list[str]] = {}
    for path in compose_paths:
        by_folder.setdefault(posixpath.dirname(path), []).append(path)
    listed = compose_file_env(environ, dotenv)
    if listed:
        files = [normalise_path(p) for p in listed]
        present = [p for p in files if p in models]
        if present:
            projects.append(Project(present, "COMPOSE_FILE"))
            covered.update(present)
    for _folder, paths in sorted(by_folder.items()):
        names = {posixpath.basename(p): p for p in paths}
        main = next((names[n] for n in MAIN_NAMES if n in names), None)
        override = next((names[n] for n in OVERRIDE_NAMES if n in names), None)
        if main is not None:
            files = [main, *([override] if override else [])]
            projects.append(Project(files, "the folder's compose file and its override"))
            covered.update(files)
        for path in paths:
            if path in covered or path == override:
                continue
            model = models.get(path)
            if main is not None and model is not None and not _complete(model):
                projects.append(Project([main, path], f"{path} overlays {main}"))
            else:
                projects.append(Project([path], "a compose file on its own"))
            covered.add(path)
        if override is not None and override not in covered:
            projects.append(Project([override], "a compose file on its own"))
    return projects


def _complete(model: ComposeFile) -> bool:
    """Every service says what to run (image or build): the file works on its own."""
    return bool(model.services) and all(
        s.node.get("image") is not None or s.node.get("build") is not None
        or s.node.get("extends") is not None for s in model.services.values())


@dataclass
class MergedSecret:
    """A top-level secret as the merged model holds it (its definitions in file order)."""

    name: str
    key: Node
    nodes: list[Node] = field(default_factory=list)

    def field(self, name: str) -> Node | None:
        for node in reversed(self.nodes):
            if node.is_map:
                value = node.get(name)
                if value is not None:
                    return value
        return None


@dataclass
class MergedProject:
    project: Project
    services: dict[str, Service] = field(default_factory=dict)
    secrets: dict[str, TopSecret | MergedSecret] = field(default_factory=dict)
    problems: list[tuple[Node, str, str]] = field(default_factory=list)  # node, what, fix
    # per service: the files that define it, in order (for "override drops a secret")
    layers: dict[str, list[tuple[str, Service]]] = field(default_factory=dict)
    # service -> (its base as "service (file)", the `extends:` node)
    extended: dict[str, tuple[str, Node]] = field(default_factory=dict)
    included: set[str] = field(default_factory=set)  # files already copied in
    # include/extends paths that depend on a variable not set here: the model may lack what
    # they bring, so rules that need the whole model stay quiet
    unresolved: list[str] = field(default_factory=list)

    @property
    def path(self) -> str:
        return self.project.files[0]


Loader = Callable[[str], "ComposeFile | str | None"]


def merge(project: Project, load: Loader) -> MergedProject:
    """The model Compose builds from the project's files (after include and extends)."""
    merged = MergedProject(project)
    for path in project.files:
        model = load(path)
        if not isinstance(model, ComposeFile):
            continue
        if _top_tag(model, "secrets"):  # `secrets: !reset` / `!override`: earlier ones go
            merged.secrets.clear()
        if _top_tag(model, "services"):
            merged.services.clear()
        for name in model.reset_secrets:
            merged.secrets.pop(name, None)
        for name in model.reset_services:
            merged.services.pop(name, None)
        _include(merged, model, load, depth=0, seen={path})
        for name, secret in model.secrets.items():
            _merge_secret(merged, name, secret)
        for name, service in model.services.items():
            expanded = _extends(merged, model, service, load, depth=0, seen=set())
            merged.layers.setdefault(name, []).append((path, expanded))
            if name in merged.services:
                merged.services[name] = merge_services(merged.services[name], expanded)
            else:
                merged.services[name] = expanded
    return merged


def _top_tag(model: ComposeFile, key: str) -> str | None:
    node = model.root.get(key)
    return node.tag if node is not None and node.tag in ("!reset", "!override") else None


def _merge_secret(merged: MergedProject, name: str, secret: TopSecret) -> None:
    existing = merged.secrets.get(name)
    replace = secret.node.tag == "!override"
    if isinstance(existing, MergedSecret) and not replace:
        existing.nodes.append(secret.node)
    elif isinstance(existing, TopSecret) and not replace:
        merged.secrets[name] = MergedSecret(name, existing.key, [existing.node, secret.node])
    else:
        merged.secrets[name] = MergedSecret(name, secret.key, [secret.node])


def _include(merged: MergedProject, model: ComposeFile, load: Loader, depth: int,
             seen: set[str]) -> None:
    """`include:` - each included file is a project of its own whose resources are copied in
    (resources the including model already defines win)."""
    node = model.root.get("include")
    if node is None or not node.is_seq:
        return
    for item in node.items:
        paths: list[Node] = []
        if item.is_scalar and item.text():
            paths = [item]
        elif item.is_map:
            value = item.get("path")
            if value is not None:
                paths = value.items if value.is_seq else [value]
        for path_node in paths:
            written = path_node.text() if path_node.is_scalar else None
            interpolated = model.interpolate(written) if written else None
            if written and interpolated is None:
                merged.unresolved.append(written)
                continue
            if not interpolated:
                merged.problems.append((path_node, "include entry names no file",
                                        "write the path of a compose file"))
                continue
            target = model.resolve(interpolated)
            if target in seen:
                merged.problems.append((path_node, f"include of {written} loops back "
                                                   "to a file already included",
                                        "remove the include that leads back"))
                continue
            if depth >= MAX_DEPTH:
                merged.problems.append((path_node, f"include chain deeper than {MAX_DEPTH} "
                                                   "files: not followed further",
                                        "flatten the includes"))
                continue
            if target in merged.included:
                continue  # reached again by another path: its resources are already in
            merged.included.add(target)
            included = load(target)
            if not isinstance(included, ComposeFile):
                why = included if isinstance(included, str) else "it does not exist"
                merged.problems.append((path_node, f"included file {path_node.value} cannot "
                                                   f"be used: {why}",
                                        "fix the path or the included file (Compose refuses "
                                        "the project until then)"))
                continue
            _include(merged, included, load, depth + 1, seen | {target})
            for name, secret in included.secrets.items():
                merged.secrets.setdefault(name, secret)
            for name, service in included.services.items():
                if name not in merged.services:
                    expanded = _extends(merged, included, service, load, depth + 1, set())
                    merged.services[name] = expanded
                    merged.layers.setdefault(name, []).append((target, expanded))


def _extends(merged: MergedProject, model: ComposeFile, service: Service, load: Loader,
             depth: int, seen: set[tuple[str, str]]) -> Service:
    """The service with its `extends:` base merged underneath (base first, local wins)."""
    node = service.node.get("extends")
    if node is None:
        return service
    service_node = node if node.is_scalar else node.get("service") if node.is_map else None
    if service_node is None or not service_node.is_scalar or not service_node.text():
        merged.problems.append((node, f"service '{service.name}': extends needs a service",
                                "write extends: {service: NAME} or extends: NAME"))
        return service
    base_name = service_node.value
    file_node = node.get("file") if node.is_map else None
    written = file_node.text() if file_node is not None and file_node.is_scalar else None
    base_file = model.interpolate(written) if written else None
    if written and base_file is None:
        merged.unresolved.append(written)
        return service
    target = model.resolve(base_file) if base_file else model.path
    key = (target, base_name)
    if key in seen:
        merged.problems.append((node, f"service '{service.name}' extends itself through "
                                      f"{base_name}", "break the extends cycle"))
        return service
    if depth >= MAX_DEPTH:
        merged.problems.append((node, f"service '{service.name}': extends chain deeper than "
                                      f"{MAX_DEPTH} services: not followed further",
                                "flatten the extends chain"))
        return service
    source = load(target) if base_file else model
    if base_file and not isinstance(source, ComposeFile):
        why = source if isinstance(source, str) else "it does not exist"
        merged.problems.append((node, f"service '{service.name}' extends '{base_name}' in "
                                      f"{base_file}, which cannot be used: {why}",
                                "fix the path or the base file"))
        return service
    if not isinstance(source, ComposeFile) or base_name not in source.services:
        where = f" in {base_file}" if base_file else ""
        merged.problems.append((node, f"service '{service.name}' extends '{base_name}'{where}, "
                                      "which does not exist",
                                "point extends at a service that exists"))
        return service
    base = _extends(merged, source, source.services[base_name], load, depth + 1, seen | {key})
    merged.extended[service.name] = (f"{base_name} ({target})", node)
    result = merge_services(base, service)
    result.name, result.key = service.name, service.key  # the extending service's identity
    return result


def _tag(service: Service, key: str) -> str | None:
    node = service.node.get(key)
    return node.tag if node is not None and node.tag in ("!reset", "!override") else None


def merge_services(base: Service, top: Service) -> Service:
    """`top` merged onto `base` by Compose's rules for the fields secrets depend on."""
    result = Service(base.name, base.key, top.node)
    result.image = top.image if top.node.get("image") is not None else base.image
    result.environment = [e for e in _by_key(base.environment, top.environment,
                                             _tag(top, "environment"), lambda e: e.name)
                          if e.name not in top.reset_environment]
    result.reset_environment = set(top.reset_environment)
    result.env_files = _appended(base.env_files, top.env_files, _tag(top, "env_file"))
    result.secrets = _by_key(base.secrets, top.secrets, _tag(top, "secrets"),
                             lambda g: g.target)
    build_tag = _tag(top, "build")
    result.build_secrets = _by_key(base.build_secrets, top.build_secrets, build_tag,
                                   lambda g: g.target)
    if _tag(top, "volumes"):
        result.volume_targets = set(top.volume_targets)
    else:
        result.volume_targets = base.volume_targets | top.volume_targets
    return result


Item = TypeVar("Item", Grant, EnvEntry)


def _by_key(base: list[Item], top: list[Item], tag: str | None,
            key: Callable[[Item], str]) -> list[Item]:
    if tag in ("!reset", "!override"):
        return list(top)
    merged: dict[str, Item] = {key(item): item for item in base}
    for item in top:
        merged.pop(key(item), None)
        merged[key(item)] = item
    return list(merged.values())


def _appended(base: list[EnvFile], top: list[EnvFile], tag: str | None) -> list[EnvFile]:
    return list(top) if tag in ("!reset", "!override") else [*base, *top]
