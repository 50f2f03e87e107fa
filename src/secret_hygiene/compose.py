"""The compose model: which files are compose files, and what a file says about secrets.

Paths follow Compose: a secret's `file:` and an `env_file` resolve from the compose file's
folder; a short-syntax grant of secret N mounts it at /run/secrets/N; a relative long-syntax
`target` resolves under /run/secrets/; /var/run is /run. Values are interpolated as Compose
interpolates them, from the shell and the project `.env`; a value that depends on a variable
the lint environment does not set is kept as written and treated as unknown.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from .manifest import Manifest
from .sources import glob_match
from .text import interpolation
from .yamlsafe import Document, Node

RESET = "!reset"
COMPOSE_NAME = re.compile(r"^(?:docker-)?compose(?:[.\-_][\w.\-]*)?\.ya?ml$", re.IGNORECASE)
SECRETS_DIR = "/run/secrets"


def is_compose_name(path: str) -> bool:
    return bool(COMPOSE_NAME.match(PurePosixPath(path).name))


def compose_file_env(environ: Mapping[str, str], dotenv: dict[str, str]) -> list[str]:
    """The files COMPOSE_FILE names (shell first, then the project .env), as Compose splits it."""
    value = environ["COMPOSE_FILE"] if "COMPOSE_FILE" in environ else dotenv.get("COMPOSE_FILE")
    if not value:
        return []
    separator = environ["COMPOSE_PATH_SEPARATOR"] if "COMPOSE_PATH_SEPARATOR" in environ \
        else dotenv.get("COMPOSE_PATH_SEPARATOR")
    separator = separator or os.pathsep
    return [p.strip() for p in value.split(separator) if p.strip()]


def discover(paths: list[str], manifest: Manifest, environ: Mapping[str, str],
             dotenv: dict[str, str]) -> list[str]:
    """Compose files in the listing: by name, the manifest's lists, and COMPOSE_FILE."""
    listed = set(paths)
    found = {p for p in paths if is_compose_name(p)}
    wanted = [*manifest.policy.production_compose, *manifest.policy.compose_files,
              *compose_file_env(environ, dotenv)]
    for pattern in wanted:
        normal = normalise_path(pattern)
        if normal in listed:
            found.add(normal)
        else:
            found.update(p for p in paths if glob_match(p, normal))
    return sorted(found)


def normalise_path(path: str) -> str:
    normal = posixpath.normpath(path.replace("\\", "/"))
    return normal[2:] if normal.startswith("./") else normal


def is_production(path: str, manifest: Manifest) -> bool:
    return any(normalise_path(p) == path or glob_match(path, normalise_path(p))
               for p in manifest.policy.production_compose)


@dataclass
class EnvEntry:
    name: str
    value: str | None  # None: passed through from the environment (`- NAME` or `NAME:`)
    line: int
    column: int  # where the value starts (the key's column when there is no value)
    list_form: bool
    node: Node  # the scalar holding the value (list item) or the value node (mapping)
    key: Node | None = None
    resolved: str | None = None  # the value after interpolation, when it is certain


@dataclass
class Grant:
    source: str
    target: str  # absolute path in the container
    node: Node
    long_form: bool
    mode: Node | None = None


@dataclass
class EnvFile:
    path: str  # as written
    resolved: str | None  # repository-relative; None when the path depends on an unset variable
    required: bool
    node: Node
    raw: bool = False  # `format: raw`: no interpolation, no quote parsing


@dataclass
class Service:
    name: str
    key: Node
    node: Node
    image: str | None = None
    environment: list[EnvEntry] = field(default_factory=list)
    env_files: list[EnvFile] = field(default_factory=list)
    secrets: list[Grant] = field(default_factory=list)
    build_secrets: list[Grant] = field(default_factory=list)
    volume_targets: set[str] = field(default_factory=set)
    reset_environment: set[str] = field(default_factory=set)  # `NAME: !reset` in an override

    def env(self, name: str) -> EnvEntry | None:
        for entry in self.environment:
            if entry.name == name:
                return entry
        return None

    def mount_targets(self) -> dict[str, str]:
        """Container path -> secret name, for every granted secret."""
        return {grant.target: grant.source for grant in self.secrets}


@dataclass
class TopSecret:
    name: str
    key: Node
    node: Node

    def field(self, name: str) -> Node | None:
        return self.node.get(name) if self.node.is_map else None


@dataclass
class ComposeFile:
    path: str
    document: Document
    root: Node
    services: dict[str, Service] = field(default_factory=dict)
    secrets: dict[str, TopSecret] = field(default_factory=dict)
    problems: list[tuple[Node, str]] = field(default_factory=list)
    environment: Mapping[str, str] = field(default_factory=dict)  # for interpolation
    base: str | None = None  # the project folder relative paths resolve from (default: own)
    reset_services: set[str] = field(default_factory=set)  # `name: !reset` under services
    reset_secrets: set[str] = field(default_factory=set)  # `name: !reset` under secrets

    def interpolate(self, text: str) -> str | None:
        """``text`` as Compose interpolates it here; None when that is not certain."""
        return interpolation.resolve(text, self.environment) if "$" in text else text

    @property
    def directory(self) -> str:
        """Where relative paths resolve from: the project folder, which is the folder of the
        first file of a `COMPOSE_FILE` list, else the file's own folder."""
        return self.base if self.base is not None else posixpath.dirname(self.path)

    def secret_source(self, secret: TopSecret) -> tuple[Node, str | None] | None:
        """A secret's `file:` node and its repository-relative path after interpolation (None
        when the path depends on a variable not set here); None without a `file:`."""
        node = secret.field("file")
        if node is None or not node.is_scalar or not node.text():
            return None
        interpolated = self.interpolate(node.value)
        return node, self.resolve(interpolated) if interpolated else None

    def resolve(self, relative: str) -> str:
        """A path written in this file, relative to the repository root (may start with ..)."""
        if relative.startswith("~"):
            return relative
        if posixpath.isabs(relative):
            return relative
        return posixpath.normpath(posixpath.join(self.directory or ".", relative))


def inside_repository(path: str) -> bool:
    """A path `ComposeFile.resolve` returned stays inside the repository."""
    return not (path.startswith(("/", "~", "../")) or path == "..")


def mount_path(target: str) -> str:
    """Normalise a container path: /var/run is /run, relative targets live in /run/secrets."""
    if not target.startswith("/"):
        target = f"{SECRETS_DIR}/{target}"
    target = posixpath.normpath(target)
    if target == "/var/run" or target.startswith("/var/run/"):
        target = target[4:]
    return target


@dataclass(frozen=True)
class ShapeProblem:
    """Why a file is not a compose file Compose accepts, and the line that shows it."""

    message: str
    line: int
    column: int = 1


def parse(path: str, document: Document, environment: Mapping[str, str] | None = None,
          base: str | None = None) -> ComposeFile | ShapeProblem:
    """The compose model of one file, or why the file is not a compose file Compose accepts.

    ``environment`` is what Compose interpolates from (the shell over the project `.env`);
    ``base`` the project folder when it is not the file's own.
    """
    root = document.root
    if root is None:
        return ShapeProblem("file is empty", 1)
    if not root.is_map:
        return ShapeProblem("top level is not a mapping", root.line, root.column)
    model = ComposeFile(path, document, root, environment=environment or {}, base=base)
    services = root.get("services")
    if services is not None and not services.is_null and services.tag != "!reset":
        if not services.is_map:
            return ShapeProblem("'services' is not a mapping", services.line, services.column)
        for key, node in services.entries():
            if node.tag == RESET:
                model.reset_services.add(key.value)
                continue
            if not node.is_map:
                model.problems.append((node, f"service '{key.value}' is not a mapping"))
                continue
            model.services[key.value] = _service(model, key, node)
            model.problems.extend(_field_types(key.value, node))
    secrets = root.get("secrets")
    if secrets is not None and not secrets.is_null and secrets.tag != "!reset":
        if not secrets.is_map:
            return ShapeProblem("top-level 'secrets' is not a mapping", secrets.line,
                                secrets.column)
        for key, node in secrets.entries():
            if node.tag == RESET:
                model.reset_secrets.add(key.value)
                continue
            model.secrets[key.value] = TopSecret(key.value, key, node)
    return model


# Shapes Compose accepts for the service fields that carry secrets.
FIELD_SHAPES = {"environment": ("map", "seq"), "env_file": ("scalar", "seq"),
                "secrets": ("seq",), "labels": ("map", "seq"), "build": ("scalar", "map"),
                "command": ("scalar", "seq"), "entrypoint": ("scalar", "seq")}


def _field_types(name: str, node: Node) -> list[tuple[Node, str]]:
    problems = []
    for field_name, kinds in FIELD_SHAPES.items():
        value = node.get(field_name)
        if value is None or value.is_null or value.tag in ("!reset", "!override"):
            continue
        kind_ok = value.kind in kinds and not (value.is_scalar and value.tag not in (
            "tag:yaml.org,2002:str",) and field_name != "build")
        if not kind_ok:
            wanted = " or ".join({"map": "a mapping", "seq": "a list",
                                  "scalar": "a string"}[k] for k in kinds)
            problems.append((value, f"service '{name}': {field_name} must be {wanted}"))
    return problems


def _kept(node: Node, key: str) -> Node | None:
    """A service field, unless an override file `!reset`s it (then it holds nothing)."""
    value = node.get(key)
    return None if value is None or value.tag == RESET else value


def _service(model: ComposeFile, key: Node, node: Node) -> Service:
    service = Service(key.value, key, node)
    image = _kept(node, "image")
    written = image.text() if image is not None else None
    service.image = (model.interpolate(written) or written) if written else written
    environment = _kept(node, "environment")
    if environment is not None:
        if environment.is_map:
            service.reset_environment = {k.value for k, v in environment.entries()
                                         if v.tag == RESET}
        service.environment = [e for e in environment_entries(environment)
                               if e.name not in service.reset_environment]
        for entry in service.environment:
            if entry.value is not None:
                entry.resolved = model.interpolate(entry.value)
    env_file = _kept(node, "env_file")
    if env_file is not None:
        service.env_files = _env_files(model, env_file)
    grants = _kept(node, "secrets")
    if grants is not None and grants.is_seq:
        service.secrets = [g for g in (_grant(model, item) for item in grants.items) if g]
    build = _kept(node, "build")
    if build is not None and build.is_map:
        build_grants = build.get("secrets")
        if build_grants is not None and build_grants.is_seq:
            service.build_secrets = [g for g in (_grant(model, item, build=True)
                                                 for item in build_grants.items) if g]
    volumes = _kept(node, "volumes")
    if volumes is not None and volumes.is_seq:
        for item in volumes.items:
            target = _volume_target(item)
            target = model.interpolate(target) if target else None
            if target:
                service.volume_targets.add(mount_path(target))
    return service


def environment_entries(node: Node) -> list[EnvEntry]:
    entries: list[EnvEntry] = []
    if node.is_map:
        for key, value in node.entries():
            text = value.text() if value.is_scalar else None
            column = value.column + (1 if value.style in ('"', "'") else 0)
            if text is None:
                entries.append(EnvEntry(key.value, None, key.line, key.column, False, value,
                                        key))
            else:
                entries.append(EnvEntry(key.value, text, value.line, column, False, value,
                                        key))
    elif node.is_seq:
        for item in node.items:
            text = item.text()
            if text is None:
                continue
            name, sep, assigned = text.partition("=")
            base = item.column + (1 if item.style in ('"', "'") else 0)
            if sep:
                entries.append(EnvEntry(name, assigned, item.line, base + len(name) + 1, True,
                                        item))
            else:
                entries.append(EnvEntry(name, None, item.line, base, True, item))
    return entries


def _env_files(model: ComposeFile, node: Node) -> list[EnvFile]:
    """`env_file:` as a string, a list of strings, or a list of {path, required, format}."""
    items = node.items if node.is_seq else [node]
    files: list[EnvFile] = []
    for item in items:
        path_node, required, raw = item, True, False
        if item.is_map:
            path_node = item.get("path")  # type: ignore[assignment]
            if path_node is None:
                continue
            required_node = item.get("required")
            required = not (required_node is not None and required_node.is_scalar
                            and required_node.value.lower() == "false")
            format_node = item.get("format")
            raw = format_node is not None and format_node.text() == "raw"
        written = path_node.text() if path_node.is_scalar else None
        if not written:
            continue
        interpolated = model.interpolate(written)
        files.append(EnvFile(written, model.resolve(interpolated) if interpolated else None,
                             required, path_node, raw))
    return files


def _grant(model: ComposeFile, item: Node, build: bool = False) -> Grant | None:
    if item.is_scalar and item.text():
        return Grant(item.value, mount_path(item.value), item, False)
    if item.is_map:
        source = item.get("source")
        if source is None or not source.text():
            return None
        target = item.get("target")
        written = target.text() if target is not None else None
        target_text = (model.interpolate(written) or written) if written else None
        path = target_text if build else mount_path(target_text or source.value)
        return Grant(source.value, path or source.value, item, True, item.get("mode"))
    return None


def _volume_target(item: Node) -> str | None:
    if item.is_scalar and item.text():
        parts = item.value.split(":")
        if len(parts) >= 2:
            return parts[1]
        return parts[0] if parts[0].startswith("/") else None
    if item.is_map:
        target = item.get("target")
        return target.text() if target is not None else None
    return None
