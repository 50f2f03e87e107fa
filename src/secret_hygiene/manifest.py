"""Load and strictly validate `secret-manifest.yaml`.

Unknown keys (with a did-you-mean), wrong types and duplicate keys are errors that name the
file, line and column. The loader never guesses: a manifest with any error is not used.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import yamlsafe
from .fsread import read_text, reason
from .yamlsafe import Node

MANIFEST_NAMES = ("secret-manifest.yaml", "secret-manifest.yml")
NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
BACKENDS = ("env", "aws", "vault")
MAX_MANIFEST_BYTES = 1024 * 1024


class ManifestError(Exception):
    """The manifest cannot be used. ``problems`` are ``file:line:col: message`` strings."""

    def __init__(self, path: Path, problems: list[tuple[int, int, str]]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(self.lines()[0] if problems else str(path))

    def lines(self) -> list[str]:
        return [f"{self.path}:{line}:{col}: {message}" for line, col, message in self.problems]


@dataclass(frozen=True)
class SecretSpec:
    name: str
    line: int
    description: str = ""
    required_in: tuple[str, ...] = ()
    min_length: int | None = None
    docker_secret: str = ""
    file: str | None = None
    services: tuple[str, ...] = ()
    sensitive: bool = True
    aws_id: str | None = None
    vault: str | None = None
    rotation_days: int | None = None

    def required(self, environment: str) -> bool:
        return environment in self.required_in


@dataclass(frozen=True)
class Environment:
    variable: str = "APP_ENV"
    default: str = "development"
    production: tuple[str, ...] = ("production",)


@dataclass(frozen=True)
class Backends:
    selector: str = "SECRET_BACKEND"
    default: str = "env"
    docker_secrets_dir: str = "/run/secrets"
    aws_prefix: str = ""
    aws_region: str | None = None
    vault_mount: str = "secret"
    vault_path: str = ""
    vault_kv_version: int = 2


@dataclass(frozen=True)
class Policy:
    rotation_days: int = 90
    secret_files: tuple[str, ...] = ("secrets/*",)
    production_compose: tuple[str, ...] = ()
    compose_files: tuple[str, ...] = ()
    min_entropy: float = 3.5


@dataclass
class Manifest:
    path: Path | None
    version: int = 1
    environment: Environment = field(default_factory=Environment)
    secrets: dict[str, SecretSpec] = field(default_factory=dict)
    backends: Backends = field(default_factory=Backends)
    policy: Policy = field(default_factory=Policy)
    docs: str | None = None

    @property
    def present(self) -> bool:
        return self.path is not None

    def lookup(self, name: str) -> SecretSpec | None:
        """The secret a variable or key names, ignoring case and `-`/`_`/`.` separators."""
        index = self.__dict__.get("_index")
        if index is None or len(index) != len(self.secrets):
            index = {normalise(spec.name): spec for spec in self.secrets.values()}
            self.__dict__["_index"] = index
        return index.get(normalise(name))

    def by_docker_secret(self, name: str) -> SecretSpec | None:
        wanted = normalise(name)
        for spec in self.secrets.values():
            if normalise(spec.docker_secret) == wanted or normalise(spec.name) == wanted:
                return spec
        return None

    def required_in_production(self, spec: SecretSpec) -> bool:
        return any(env in spec.required_in for env in self.environment.production)


def normalise(name: str) -> str:
    return re.sub(r"[-_.]", "", name).lower()


def default_manifest() -> Manifest:
    """The policy that applies when a repository has no manifest."""
    return Manifest(path=None)


# --- schema ---------------------------------------------------------------------------------

STR, INT, BOOL, NUMBER, STR_LIST = "a string", "an integer", "true or false", "a number", \
    "a list of strings"

SECRET_FIELDS: dict[str, str] = {
    "description": STR, "required_in": STR_LIST, "min_length": INT, "docker_secret": STR,
    "file": STR, "services": STR_LIST, "sensitive": BOOL, "aws_id": STR, "vault": STR,
    "rotation_days": INT,
}
SECTIONS: dict[str, dict[str, Any]] = {
    "environment": {"variable": STR, "default": STR, "production": STR_LIST},
    "backends": {"selector": STR, "default": STR, "docker_secrets_dir": STR,
                 "aws": {"prefix": STR, "region": STR},
                 "vault": {"mount": STR, "path": STR, "kv_version": INT}},
    "policy": {"rotation_days": INT, "secret_files": STR_LIST, "production_compose": STR_LIST,
               "compose_files": STR_LIST, "min_entropy": NUMBER},
}
TOP_LEVEL = ("version", "environment", "secrets", "backends", "policy", "docs")


class _Validator:
    def __init__(self) -> None:
        self.problems: list[tuple[int, int, str]] = []

    def problem(self, node: Node, message: str) -> None:
        self.problems.append((node.line, node.column, message))

    def unknown_key(self, key: Node, allowed: list[str] | tuple[str, ...], where: str) -> None:
        close = difflib.get_close_matches(key.value, list(allowed), n=1, cutoff=0.6)
        hint = f" (did you mean '{close[0]}'?)" if close else \
            f" (allowed: {', '.join(allowed)})"
        self.problem(key, f"unknown key '{key.value}' in {where}{hint}")

    def mapping(self, node: Node, where: str) -> bool:
        if not node.is_map:
            self.problem(node, f"{where} must be a mapping, got {_describe(node)}")
            return False
        return True

    def typed(self, node: Node, expected: str, where: str) -> Any:
        if expected == STR:
            if node.is_scalar and node.tag == yamlsafe.STR_TAG:
                return node.value
        elif expected == INT:
            if node.is_scalar and node.tag == "tag:yaml.org,2002:int":
                value = _yaml_number(node)
                if isinstance(value, int):
                    return value
                self.problem(node, f"{where} must be a plain decimal integer")
                return None
        elif expected == NUMBER:
            if node.is_scalar and node.tag in ("tag:yaml.org,2002:int",
                                               "tag:yaml.org,2002:float"):
                value = _yaml_number(node)
                if isinstance(value, (int, float)) and math.isfinite(value):
                    return float(value)
                self.problem(node, f"{where} must be a finite number")
                return None
        elif expected == BOOL:
            if node.is_scalar and node.tag == "tag:yaml.org,2002:bool":
                return node.value.lower() in ("true", "yes", "on", "y")
        elif expected == STR_LIST:
            if node.is_seq:
                values = []
                for item in node.items:
                    if not (item.is_scalar and item.tag == yamlsafe.STR_TAG):
                        self.problem(item, f"{where} must be {STR_LIST}; this item is "
                                           f"{_describe(item)}")
                        return None
                    values.append(item.value)
                return tuple(values)
            extra = f" (write [{node.value}])" if node.is_scalar and not node.is_null else ""
            self.problem(node, f"{where} must be {STR_LIST}, got {_describe(node)}{extra}")
            return None
        self.problem(node, f"{where} must be {expected}, got {_describe(node)}")
        return None

    def section(self, node: Node, schema: dict[str, Any], where: str) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if not self.mapping(node, where):
            return values
        for key, value in node.entries():
            if key.value not in schema:
                self.unknown_key(key, list(schema), where)
                continue
            expected = schema[key.value]
            if isinstance(expected, dict):
                values[key.value] = self.section(value, expected, f"{where}.{key.value}")
            else:
                parsed = self.typed(value, expected, f"{where}.{key.value}")
                if parsed is not None:
                    values[key.value] = parsed
        return values


def _yaml_number(node: Node) -> object:
    """The number YAML means (`0x1F`, `1_000`, `1:30` and `012` included)."""
    try:
        return yaml.safe_load(node.value)
    except yaml.YAMLError:
        return None


def _describe(node: Node) -> str:
    if node.is_map:
        return "a mapping"
    if node.is_seq:
        return "a list"
    if node.is_null:
        return "nothing (null)"
    kind = node.tag.rsplit(":", 1)[-1]
    return {"str": "a string", "int": "an integer", "bool": "a boolean",
            "float": "a number"}.get(kind, f"a {kind}")


def load_manifest(path: Path) -> Manifest:
    """Read and validate the manifest at ``path``; raise :class:`ManifestError` on any problem."""
    try:
        text = read_text(path, limit=MAX_MANIFEST_BYTES)
    except OSError as error:
        raise ManifestError(path, [(1, 1, f"cannot read manifest: {reason(error)}")]) from None
    except UnicodeDecodeError as error:
        raise ManifestError(path, [(1, 1, f"manifest is not UTF-8 text ({error.reason})")]) \
            from None
    try:
        document = yamlsafe.load(text)
    except yamlsafe.YAMLProblem as problem:
        raise ManifestError(path, [(problem.line, problem.column,
                                    f"invalid YAML: {problem.message}")]) from None
    validator = _Validator()
    for duplicate in document.duplicates:
        validator.problems.append((duplicate.line, duplicate.column,
                                   f"duplicate key '{duplicate.key}' (first at line "
                                   f"{duplicate.first_line})"))
    root = document.root
    if root is None:
        raise ManifestError(path, [(1, 1, "manifest is empty: it needs at least 'version: 1'")])
    if not validator.mapping(root, "the manifest"):
        raise ManifestError(path, validator.problems)
    manifest = Manifest(path=path)
    fields: dict[str, Any] = {}
    for key, value in root.entries():
        name = key.value
        if name not in TOP_LEVEL:
            validator.unknown_key(key, TOP_LEVEL, "the manifest")
        elif name == "version":
            version = validator.typed(value, INT, "version")
            if version is not None and version != 1:
                validator.problem(value, f"unsupported manifest version {version} (this "
                                         "secret-hygiene reads version 1)")
            fields["version"] = version
        elif name == "secrets":
            manifest.secrets = _secrets(validator, value)
        elif name == "docs":
            fields["docs"] = validator.typed(value, STR, "docs")
        else:
            fields[name] = validator.section(value, SECTIONS[name], name)
    if "version" not in fields and root.key_node("version") is None:
        validator.problem(root, "missing required key 'version' (write 'version: 1')")
    if validator.problems:
        raise ManifestError(path, sorted(validator.problems))
    manifest.docs = fields.get("docs")
    environment = fields.get("environment", {})
    manifest.environment = Environment(**environment)
    manifest.backends = _backends(validator, fields.get("backends", {}), root)
    manifest.policy = Policy(**fields.get("policy", {}))
    _check_repository_paths(validator, root.get("policy"))
    if validator.problems:
        raise ManifestError(path, sorted(validator.problems))
    return manifest


def _secrets(validator: _Validator, node: Node) -> dict[str, SecretSpec]:
    secrets: dict[str, SecretSpec] = {}
    if not validator.mapping(node, "secrets"):
        return secrets
    folded: dict[str, str] = {}
    for key, value in node.entries():
        name = key.value
        if not NAME_PATTERN.match(name):
            validator.problem(key, f"secret name '{name}' is not an environment variable name "
                                   "(letters, digits and _, not starting with a digit)")
            continue
        if normalise(name) in folded:
            validator.problem(key, f"secret '{name}' clashes with '{folded[normalise(name)]}' "
                                   "(names are compared ignoring case and separators)")
            continue
        folded[normalise(name)] = name
        options: dict[str, Any] = {}
        if value.is_null:
            pass
        elif validator.mapping(value, f"secrets.{name}"):
            for option, option_value in value.entries():
                if option.value not in SECRET_FIELDS:
                    validator.unknown_key(option, list(SECRET_FIELDS), f"secrets.{name}")
                    continue
                parsed = validator.typed(option_value, SECRET_FIELDS[option.value],
                                         f"secrets.{name}.{option.value}")
                if parsed is not None:
                    options[option.value] = parsed
                    _check_secret_option(validator, option.value, parsed, option_value, name)
        options.setdefault("docker_secret", name.lower())
        secrets[name] = SecretSpec(name=name, line=key.line, **options)
    return secrets


def _check_secret_option(validator: _Validator, option: str, value: Any, node: Node,
                         name: str) -> None:
    if option in ("min_length", "rotation_days") and value <= 0:
        validator.problem(node, f"secrets.{name}.{option} must be a positive integer")
    if option == "file" and _escapes(value):
        validator.problem(node, f"secrets.{name}.file must be a path inside the repository")
    if option == "vault" and not value.strip():
        validator.problem(node, f"secrets.{name}.vault must name a path (path or path#field)")


def _escapes(path: str) -> bool:
    """True for a path that leaves the repository: absolute, `~`, or through `..`."""
    return path.startswith(("/", "~", "\\")) or ".." in path.replace("\\", "/").split("/")


def _check_repository_paths(validator: _Validator, policy: Node | None) -> None:
    if policy is None or not policy.is_map:
        return
    for key in ("secret_files", "production_compose", "compose_files"):
        items = policy.get(key)
        if items is None or not items.is_seq:
            continue
        for item in items.items:
            if item.is_scalar and _escapes(item.value):
                validator.problem(item, f"policy.{key} entries must be paths or globs inside "
                                        "the repository")


def _backends(validator: _Validator, values: dict[str, Any], root: Node) -> Backends:
    node = root.get("backends")
    default = values.get("default", "env")
    if default not in BACKENDS and node is not None:
        at = node.get("default") or node
        validator.problem(at, f"backends.default must be one of {', '.join(BACKENDS)}, "
                              f"got '{default}'")
    aws = values.get("aws", {})
    vault = values.get("vault", {})
    kv_version = vault.get("kv_version", 2)
    if kv_version not in (1, 2) and node is not None:
        validator.problem(node, "backends.vault.kv_version must be 1 or 2")
    mount = vault.get("mount", "secret")
    if isinstance(mount, str) and not mount.strip("/ ") and node is not None:
        at = (node.get("vault") or node) if node.is_map else node
        at = (at.get("mount") or at) if at.is_map else at
        validator.problem(at, "backends.vault.mount must name a mount (like secret)")
    return Backends(
        selector=values.get("selector", "SECRET_BACKEND"),
        default=default,
        docker_secrets_dir=values.get("docker_secrets_dir", "/run/secrets"),
        aws_prefix=aws.get("prefix", ""),
        aws_region=aws.get("region"),
        vault_mount=vault.get("mount", "secret"),
        vault_path=vault.get("path", ""),
        vault_kv_version=kv_version,
    )
