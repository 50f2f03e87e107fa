"""SH3xx: secret wiring in compose files, judged the way Docker Compose behaves.

Each compose file is checked on its own. A finding points at the line that holds the problem.
"""

from __future__ import annotations

import difflib
import posixpath
import re
import shlex
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..compose import (
    SECRETS_DIR,
    ComposeFile,
    EnvEntry,
    Grant,
    Service,
    TopSecret,
    environment_entries,
    inside_repository,
    is_production,
    mount_path,
)
from ..compose_project import MergedProject
from ..findings import Finding, Severity
from ..manifest import Manifest, SecretSpec, normalise
from ..repo import IgnoreMatch
from ..text import interpolation
from ..text.names import file_variable_target, is_file_variable, is_secret_like
from ..text.placeholders import is_placeholder
from ..yamlsafe import Node
from .catalogue import get

# The `_FILE` variables each official image's entrypoint reads (docker-library entrypoints).
MYSQL_FILE_VARS = frozenset({"MYSQL_ROOT_HOST", "MYSQL_DATABASE", "MYSQL_USER",
                             "MYSQL_PASSWORD", "MYSQL_ROOT_PASSWORD"})
IMAGE_FILE_VARIABLES: dict[str, tuple[frozenset[str], bool]] = {
    "postgres": (frozenset({"POSTGRES_PASSWORD", "POSTGRES_USER", "POSTGRES_DB",
                            "POSTGRES_INITDB_ARGS"}), True),
    "mysql": (MYSQL_FILE_VARS, True),
    "mariadb": (MYSQL_FILE_VARS | {v.replace("MYSQL_", "MARIADB_") for v in MYSQL_FILE_VARS}
                | {"MARIADB_PASSWORD_HASH", "MARIADB_ROOT_PASSWORD_HASH",
                   "MARIADB_REPLICATION_USER", "MARIADB_REPLICATION_PASSWORD",
                   "MARIADB_REPLICATION_PASSWORD_HASH", "MARIADB_MASTER_HOST",
                   "MARIADB_MASTER_PORT", "MARIADB_USER_HOST"}, True),
    "mongo": (frozenset({"MONGO_INITDB_ROOT_USERNAME", "MONGO_INITDB_ROOT_PASSWORD"}), True),
    "wordpress": (frozenset({f"WORDPRESS_{n}" for n in (
        "DB_HOST", "DB_USER", "DB_PASSWORD", "DB_NAME", "DB_CHARSET", "DB_COLLATE",
        "TABLE_PREFIX", "DEBUG", "AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY",
        "AUTH_SALT", "SECURE_AUTH_SALT", "LOGGED_IN_SALT", "NONCE_SALT", "CONFIG_EXTRA")}),
        False),
    "redis": (frozenset(), False),
}


@dataclass
class ComposeContext:
    manifest: Manifest
    root: Path
    selected: set[str]
    tracked: set[str] | None  # None when there is no git repository
    ignore: dict[str, IgnoreMatch] = field(default_factory=dict)
    read_text: Callable[[str], str | None] = lambda path: None
    environment_shell: Mapping[str, str] = field(default_factory=dict)
    dotenv_for: Callable[[str], dict[str, str]] = lambda directory: {}  # a project's .env
    deliveries: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def environment(self, directory: str) -> dict[str, str]:
        """A project's environment as Compose builds it: the shell wins over its .env."""
        return {**self.dotenv_for(directory), **self.environment_shell}


def image_repository(image: str | None) -> str | None:
    """`docker.io/library/postgres:16@sha256:...` -> `postgres` (official images only)."""
    if not image or "$" in image:
        return None
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name = name[: len(name) - len(last)] + last.split(":", 1)[0]
    for prefix in ("docker.io/", "index.docker.io/", "registry-1.docker.io/"):
        if name.startswith(prefix):
            name = name[len(prefix):]
    if name.startswith("library/"):
        name = name[len("library/"):]
    return name if "/" not in name else None


class _Emitter:
    def __init__(self, compose: ComposeFile, context: ComposeContext) -> None:
        self.compose = compose
        self.context = context
        self.findings: list[Finding] = []

    def __call__(self, rule_id: str, node: Node | None, message: str, hint: str, *,
                 subject: str, severity: Severity | None = None, line: int | None = None,
                 column: int | None = None) -> None:
        if rule_id not in self.context.selected:
            return
        rule = get(rule_id)
        path = node.path if node is not None and node.path else self.compose.path
        self.findings.append(Finding(
            rule.id, severity or rule.severity, path,
            line if line is not None else (node.line if node else None),
            column if column is not None else (node.column if node else None),
            message, hint, subject=f"{rule_id}:{subject}"))


def check_file(compose: ComposeFile, context: ComposeContext) -> list[Finding]:
    """The rules a compose file breaks by itself, whatever it is merged with."""
    emit = _Emitter(compose, context)
    for duplicate in compose.document.duplicates:
        emit("SH321", None, f"duplicate key '{duplicate.key}' (first at line "
             f"{duplicate.first_line}); Compose rejects the file",
             "remove one of the two keys", subject=f"dup:{duplicate.key}:{duplicate.first_line}",
             line=duplicate.line, column=duplicate.column)
    for node, problem in compose.problems:
        emit("SH310", node, problem, "fix the compose file", subject=f"shape:{problem}")
    _interpolation_syntax(emit, compose.root)
    for service in compose.services.values():
        _list_quotes(emit, service)
        _exposed_in_config(emit, service, context.manifest)
        _interpolation(emit, service, context.manifest)
        _modes_and_targets(emit, service)
        _env_files(emit, service, context)
        if is_production(compose.path, context.manifest):
            _plain_env_in_production(emit, service, context.manifest)
    _declared(emit, compose, context)
    return emit.findings


def check_project(merged: MergedProject, context: ComposeContext) -> list[Finding]:
    """The rules judged on the model Compose builds from a project's files."""
    emit = _Emitter(merged, context)  # type: ignore[arg-type]
    for node, problem, fix in merged.problems:
        emit("SH310", node, problem, fix, subject=f"project:{problem}")
    complete = not merged.unresolved  # else an unread include may hold what seems missing
    if not complete:
        context.notes.append(
            f"{merged.project.label}: {', '.join(sorted(set(merged.unresolved)))} depends on a "
            "variable not set here, so SH301, SH302 and SH306 were not judged for this project")
    granted: set[str] = set()
    for service in merged.services.values():
        granted.update(g.source for g in service.secrets)
        granted.update(g.source for g in service.build_secrets)
        if complete:
            _undeclared(emit, merged, service)
        _file_variables(emit, service, merged)
        _image_conventions(emit, service)
        _dropped(emit, merged, service, context.manifest)
        _ignored_ownership(emit, merged, service)
    manifest = context.manifest
    for name, secret in merged.secrets.items():
        if name not in granted and complete:
            spec = manifest.by_docker_secret(name)
            severity = Severity.WARNING if spec else Severity.INFO
            needed = f" (the manifest's {spec.name})" if spec else ""
            emit("SH302", secret.key, f"secret {name}{needed} is declared but granted to no "
                 "service", "add it to the secrets: list of the services that need it, or "
                 "remove the declaration", subject=name, severity=severity)
    if complete:
        _coverage(emit, merged, context)
    return emit.findings


def _interpolation_syntax(emit: _Emitter, root: Node) -> None:
    """SH310: a value Compose cannot interpolate (`${` with no name, `${VAR:=x}`, `${VAR/a/b}`):
    `docker compose` refuses the whole file. Each node is visited once, aliases included."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.is_scalar:
            problem = interpolation.syntax_error(node.value)
            if problem:
                emit("SH310", node, f"{problem}: Compose refuses the file", "write $$ for a "
                     "literal $, or fix the ${...} expression", subject=f"interpolation:{problem}")
        elif node.is_seq:
            stack.extend(node.items)
        elif node.is_map:
            stack.extend(value for _key, value in node.entries())


def _undeclared(emit: _Emitter, merged: MergedProject, service: Service) -> None:
    for grant, kind in [*((g, "secret") for g in service.secrets),
                        *((g, "build secret") for g in service.build_secrets)]:
        if grant.source in merged.secrets:
            continue
        declare = f"secrets: {{{grant.source}: {{file: ./secrets/{grant.source}.txt}}}}"
        base = merged.extended.get(service.name)
        if base is not None and grant.node.path != service.node.path:
            base_name, extends_node = base
            where = extends_node.path or merged.path
            emit("SH301", extends_node,
                 f"service {service.name} extends {base_name}, which uses {kind} "
                 f"{grant.source}; extends does not import the base file's top-level secrets "
                 f"and {where} does not declare {grant.source}",
                 f"declare it in {where}: {declare} (Compose refuses the project until then)",
                 subject=f"{service.name}:{grant.source}")
            continue
        emit("SH301", grant.node,
             f"service {service.name} uses {kind} {grant.source}, which is not declared "
             "under the top-level secrets",
             f"declare it: {declare} (Compose refuses the file until then)",
             subject=f"{service.name}:{grant.source}")


def _declared(emit: _Emitter, compose: ComposeFile, context: ComposeContext) -> None:
    manifest = context.manifest
    for name, secret in compose.secrets.items():
        external = secret.field("external")
        _secret_source(emit, compose, secret, context)
        if external is not None and not external.is_null and (
                external.is_map or external.value.lower() not in ("false", "")):
            external = secret.node.key_node("external") or external
            others = [k.value for k, _ in secret.node.entries()
                      if k.value not in ("external", "name") and not k.value.startswith("x-")]
            if others:
                emit("SH316", external, f"secret {name} is external but also sets "
                     f"{', '.join(others)}; Compose rejects external with other keys",
                     "keep only external (and name), or drop external",
                     subject=f"{name}:external-keys", severity=Severity.ERROR)
            else:
                emit("SH316", external, f"secret {name} is external: docker compose (outside "
                     "Swarm) refuses external secrets", "use a file: or environment: source "
                     "for docker compose; keep external for docker stack deploy",
                     subject=f"{name}:external")
        _environment_source(emit, compose, secret, context)
        content = secret.field("content")
        if content is not None:
            emit("SH315", content, f"secret {name} writes its value into the compose file "
                 "(content: is not valid for secrets)", "use file: or environment: as the "
                 "source and rotate the value", subject=f"{name}:content")
    configs = compose.root.get("configs")
    if configs is not None and configs.is_map:
        for key, node in configs.entries():
            content = node.get("content") if node.is_map else None
            text = content.text() if content is not None else None
            if text and _config_content_is_secret(text, manifest):
                emit("SH315", content, f"config {key.value} holds secret-like content; configs "
                     "are world-readable in the container", "make it a secret with a file: "
                     "source", subject=f"config:{key.value}")


def _environment_source(emit: _Emitter, compose: ComposeFile, secret: TopSecret,
                        context: ComposeContext) -> None:
    """SH317: a secret sourced from a project variable that is unset, committed or unusable."""
    variable_node = secret.field("environment")
    variable = variable_node.text() if variable_node is not None else None
    if not variable:
        return
    dotenv = posixpath.join(compose.directory, ".env") if compose.directory else ".env"
    if variable in context.dotenv_for(compose.directory) and context.tracked is not None \
            and dotenv in context.tracked and variable not in context.environment_shell:
        emit("SH317", variable_node, f"secret {secret.name} takes {variable} from the project "
             f".env, which git tracks: the value is committed", f"remove {variable} from "
             f"{dotenv} and provide it at deploy time", subject=f"{secret.name}:committed")
    elif variable not in context.environment(compose.directory):
        emit("SH317", variable_node, f"secret {secret.name} takes {variable} from the "
             "environment, but it is unset here (docker compose fails: 'environment variable "
             "required by secret is not set')", f"export {variable} where compose runs, from an "
             "uncommitted source", subject=f"{secret.name}:unset")
    for service in compose.services.values():
        read_only = service.node.get("read_only")
        if read_only is not None and read_only.value.lower() == "true" and any(
                g.source == secret.name for g in service.secrets):
            emit("SH317", read_only, f"read-only service {service.name} cannot receive "
                 f"environment-sourced secret {secret.name} (Compose: 'file is the sole "
                 "supported option')", f"give {secret.name} a file: source",
                 subject=f"{secret.name}:{service.name}:read-only", severity=Severity.ERROR)


def _config_content_is_secret(text: str, manifest: Manifest) -> bool:
    for match in re.finditer(r"([A-Za-z_][\w.\-]*)\s*[=:]\s*(\S+)", text):
        name, value = match.group(1), match.group(2)
        if (is_secret_like(name) or manifest.lookup(name)) and not is_placeholder(value):
            return True
        if interpolation.has_reference(value) and (
                is_secret_like(name) or manifest.lookup(name)):
            return True
    return False


def _secret_source(emit: _Emitter, compose: ComposeFile, secret: TopSecret,
                   context: ComposeContext) -> None:
    source = compose.secret_source(secret)
    if source is None:
        return
    file_node, resolved = source
    if resolved is None:
        return  # the path depends on a variable not set here
    written = file_node.value
    column = file_node.column + (1 if file_node.style in ('"', "'") else 0)
    if not inside_repository(resolved):
        emit("SH303", file_node, f"secret {secret.name} reads {written}, outside the "
             "repository", "keep the source inside the project (and git-ignored), or declare "
             "the secret external for Swarm", subject=f"{secret.name}:{written}",
             column=column)
        return
    full = context.root / resolved
    if full.is_dir():
        emit("SH312", file_node, f"secret {secret.name} source {written} is a directory",
             "point file: at a regular file", subject=f"{secret.name}:dir", column=column)
    elif not full.exists():
        match = context.ignore.get(resolved)
        if match is not None and match.ignored:
            emit("SH312", file_node, f"secret {secret.name} source {written} does not exist "
                 "(it is git-ignored, so absent from clones by design)",
                 "create it on the deployment host before `docker compose up`",
                 subject=f"{secret.name}:missing", severity=Severity.INFO, column=column)
        elif context.tracked is not None:
            emit("SH312", file_node, f"secret {secret.name} source {written} does not exist "
                 "and is not git-ignored", f"create it at deploy time and ignore {resolved} in "
                 ".gitignore", subject=f"{secret.name}:missing", column=column)


def _file_variables(emit: _Emitter, service: Service, merged: MergedProject) -> None:
    """SH304: a `*_FILE` variable under /run/secrets that no granted secret is mounted at."""
    mounts = service.mount_targets()
    for entry in service.environment:
        if not is_file_variable(entry.name) or entry.value is None:
            continue
        path = _secrets_path(entry)  # after interpolation, quotes (SH311) set aside
        if path is None or _is_mounted(service, path):
            continue
        value = entry.resolved or ""
        value = value.strip("\"'") if entry.list_form else value
        meant = _stem(path)
        declared = meant in merged.secrets
        closest = _closest(path, mounts) if mounts else None
        if closest and _stem(closest[0]) == meant:
            target, source = closest
            relative = posixpath.relpath(path, SECRETS_DIR)
            message = (f"{entry.name} points to {value}, but service {service.name} mounts "
                       f"{source} at {target}")
            hint = f"use {target}, or give the secret target: {relative}"
        elif declared:
            message = (f"{entry.name} points to {value}, but service {service.name} is not "
                       f"granted secret {meant}")
            hint = f"grant it to the service: secrets: [{meant}]"
        elif closest:
            target, source = closest
            message = (f"{entry.name} points to {value}, but service {service.name} mounts "
                       f"{source} at {target}")
            hint = f"use {target} if that is the secret meant, or declare and grant {meant}"
        else:
            message = (f"{entry.name} points to {value}, but service {service.name} is granted "
                       "no secret there")
            name = posixpath.basename(path).rsplit(".", 1)[0]
            hint = f"grant the secret to the service (secrets: [{name}]) or fix the path"
        emit("SH304", entry.node, message, hint, subject=f"{service.name}:{entry.name}",
             line=entry.line, column=entry.column)


def _secrets_path(entry: EnvEntry) -> str | None:
    """The /run/secrets path a `*_FILE` value names after interpolation, if it names one."""
    value = entry.resolved
    if value is None:
        return None
    value = value.strip("\"'") if entry.list_form else value
    path = mount_path(value) if value.startswith("/") else None
    if path is None or not (path == SECRETS_DIR or path.startswith(SECRETS_DIR + "/")):
        return None
    return path


def _is_mounted(service: Service, path: str) -> bool:
    return path in service.mount_targets() or any(
        path == target or path.startswith(target.rstrip("/") + "/")
        for target in service.volume_targets)


def _unmounted_note(service: Service, entry: EnvEntry) -> str:
    path = _secrets_path(entry)
    if path is None or _is_mounted(service, path):
        return ""
    return " (but nothing is mounted at that path: SH304)"


def _closest(path: str, mounts: dict[str, str]) -> tuple[str, str] | None:
    """The mount most like ``path``: same name first, then the longest shared prefix if the
    names are alike at all (linear: a compose file with thousands of grants stays fast)."""
    stem = _stem(path)
    for target, source in mounts.items():
        if _stem(target) == stem:
            return target, source
    best = max(mounts, key=lambda m: len(posixpath.commonprefix([stem, _stem(m)])))
    alike = difflib.SequenceMatcher(None, stem.lower(), _stem(best).lower()).ratio() >= 0.6
    return (best, mounts[best]) if alike else None


def _list_quotes(emit: _Emitter, service: Service) -> None:
    """SH311: `- KEY="value"` keeps the quotes in the value."""
    for entry in service.environment:
        value = entry.value
        if not entry.list_form or value is None or len(value) < 2:
            continue
        if value[0] == value[-1] and value[0] in "\"'":
            bad = is_file_variable(entry.name) or value.strip("\"'").startswith("/")
            emit("SH311", entry.node, f"{entry.name} keeps its quotes: the value is {value[0]}"
                 f"…{value[-1]} with the quote characters", f"write - {entry.name}=<value> "
                 "without quotes, or use the mapping form", subject=f"{service.name}:"
                 f"{entry.name}", severity=None if bad else Severity.WARNING,
                 line=entry.line, column=entry.column)


def _secret_reference_names(text: str, manifest: Manifest) -> list[str]:
    names = []
    for reference in interpolation.references(interpolation.parse(text)):
        spec = manifest.lookup(reference.name)
        if (spec is not None and spec.sensitive) or (spec is None and
                                                     is_secret_like(reference.name)):
            names.append(reference.name)
    return names


def _exposed_in_config(emit: _Emitter, service: Service, manifest: Manifest) -> None:
    """SH305: secrets in build args, labels, command, entrypoint or healthcheck."""
    node = service.node
    build = node.get("build")
    if build is not None and build.is_map:
        args = build.get("args")
        if args is not None:
            for entry in _key_values(args):
                _exposed_entry(emit, service, entry, "build arg", manifest)
    labels = node.get("labels")
    if labels is not None:
        for entry in _key_values(labels):
            _exposed_entry(emit, service, entry, "label", manifest)
    for field_name in ("command", "entrypoint"):
        value = node.get(field_name)
        if value is not None:
            _exposed_strings(emit, service, value, field_name, manifest)
    healthcheck = node.get("healthcheck")
    if healthcheck is not None and healthcheck.is_map:
        test = healthcheck.get("test")
        if test is not None:
            _exposed_strings(emit, service, test, "healthcheck", manifest)


def _key_values(node: Node) -> list[EnvEntry]:
    return environment_entries(node)


def _exposed_entry(emit: _Emitter, service: Service, entry: EnvEntry, where: str,
                   manifest: Manifest) -> None:
    spec = manifest.lookup(entry.name)
    secret_key = (spec is not None and spec.sensitive) or (spec is None and
                                                           is_secret_like(entry.name))
    value = entry.value
    referenced = _secret_reference_names(value, manifest) if value else []
    subject = f"{service.name}:{where}:{entry.name}"
    if value is None:
        if secret_key:
            emit("SH305", entry.node, f"{where} {entry.name} passes the secret from the "
                 "environment into the image or container config", _hint(where),
                 subject=subject, severity=Severity.WARNING, line=entry.line,
                 column=entry.column)
        return
    if referenced:
        emit("SH305", entry.node, f"{where} {entry.name} interpolates "
             f"{', '.join(referenced)}: Compose writes the value into the "
             f"{'image history' if where == 'build arg' else 'container config'}",
             _hint(where), subject=subject, severity=Severity.WARNING, line=entry.line,
             column=entry.column)
    elif secret_key and _is_literal_secret(value):
        emit("SH305", entry.node, f"{where} {entry.name} holds a literal secret",
             _hint(where), subject=subject, line=entry.line, column=entry.column)


def _is_literal_secret(value: str) -> bool:
    """A compose value that reaches the container as a literal secret: not interpolated, and
    not a placeholder once `$$` escapes are undone (`$${X}` hands `${X}` to the container)."""
    if interpolation.has_reference(value):
        return False
    received = interpolation.literal_text(interpolation.parse(value))
    return not is_placeholder(received)


FLAG = re.compile(r"^--?(?P<name>[A-Za-z][\w.-]*)(?:=(?P<value>.*))?$")


def _command_words(node: Node) -> list[tuple[Node, str]]:
    if node.is_seq:
        return [(item, item.value) for item in node.items if item.text()]
    text = node.text()
    if not text:
        return []
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    return [(node, word) for word in words]


def _exposed_strings(emit: _Emitter, service: Service, node: Node, where: str,
                     manifest: Manifest) -> None:
    items = node.items if node.is_seq else [node]
    for item in items:
        text = item.text()
        if not text:
            continue
        referenced = _secret_reference_names(text, manifest)
        if referenced:
            emit("SH305", item, f"{where} interpolates {', '.join(referenced)} at deploy time: "
                 "the value is visible in `docker inspect` and the process list",
                 _hint(where), subject=f"{service.name}:{where}:{','.join(referenced)}",
                 severity=Severity.WARNING)
    words = _command_words(node)
    for index, (holder, word) in enumerate(words):
        match = FLAG.match(word)
        if not match or not is_secret_like(match.group("name")):
            continue
        value = match.group("value")
        if value is None and index + 1 < len(words) and not words[index + 1][1].startswith("-"):
            value = words[index + 1][1]
            holder = words[index + 1][0]
        if value and _is_literal_secret(value):
            emit("SH305", holder, f"{where} passes a literal secret in --{match.group('name')}: "
                 "it is visible in `docker inspect` and the process list", _hint(where),
                 subject=f"{service.name}:{where}:literal:{match.group('name')}")


def _hint(where: str) -> str:
    if where == "build arg":
        return "use build secrets (build.secrets + RUN --mount=type=secret,id=...) instead of " \
               "build args"
    if where == "label":
        return "labels are readable by anyone who can inspect the container: keep secrets " \
               "out of them"
    return "read the secret from /run/secrets inside the container, or write $$VAR so the " \
           "container's shell expands it"


def _interpolation(emit: _Emitter, service: Service, manifest: Manifest) -> None:
    """SH313 (no `:?` guard on a manifest secret) and SH320 (unescaped `$` in a literal)."""
    for entry in service.environment:
        if entry.value is None or "$" not in entry.value:
            continue
        parts = interpolation.parse(entry.value)
        for reference in interpolation.references(parts):
            spec = manifest.lookup(reference.name)
            unguarded = reference.operator is None or (
                not reference.is_required and is_placeholder(reference.operand_text()))
            if spec is not None and spec.sensitive and unguarded:
                emit("SH313", entry.node, f"{reference.name} is interpolated without a :? "
                     "guard: if it is unset the service gets an empty string",
                     f"write ${{{reference.name}:?{reference.name} is required}}",
                     subject=f"{service.name}:{entry.name}:{reference.name}",
                     line=entry.line, column=entry.column + reference.start)
        literal_dollars = [p for p in parts if isinstance(p, interpolation.Reference)
                           and not p.braced and not interpolation.UPPER_NAME.match(p.name)
                           and len(parts) > 1]
        if literal_dollars:
            emit("SH320", entry.node, f"{entry.name} contains an unescaped $: Compose reads what "
                 "follows it as a variable name and drops it from the value",
                 "write $$ for a literal dollar sign", subject=f"{service.name}:{entry.name}",
                 line=entry.line, column=entry.column + literal_dollars[0].start)


def _image_conventions(emit: _Emitter, service: Service) -> None:
    """SH309 (VAR and VAR_FILE both set) and SH314 (a `_FILE` the image does not read)."""
    repository = image_repository(service.image)
    if repository not in IMAGE_FILE_VARIABLES:
        return
    supported, exclusive = IMAGE_FILE_VARIABLES[repository]
    names = {entry.name for entry in service.environment}
    for entry in service.environment:
        if not is_file_variable(entry.name):
            continue
        target = file_variable_target(entry.name)
        if entry.name.upper().startswith("FILE__"):
            emit("SH314", entry.node, f"the {repository} image does not read {entry.name}: the "
                 "FILE__ prefix is linuxserver.io's convention, not the official images'",
                 f"use {target}_FILE", subject=f"{service.name}:{entry.name}",
                 line=entry.line, column=entry.column)
        elif target not in supported:
            close = difflib.get_close_matches(target, sorted(supported), n=1, cutoff=0.5)
            hint = f"use {close[0]}_FILE" if close else \
                f"the {repository} image reads no _FILE variables; pass the value another way"
            emit("SH314", entry.node, f"the {repository} image does not read {entry.name}: "
                 "it is ignored silently", hint, subject=f"{service.name}:{entry.name}",
                 line=entry.line, column=entry.column)
        elif exclusive and target in names:
            plain = service.env(target)
            assert plain is not None
            emit("SH309", plain.node, f"both {target} and {entry.name} are set: the "
                 f"{repository} entrypoint exits ('both ... are set (but are exclusive)')",
                 f"keep only {entry.name}", subject=f"{service.name}:{target}",
                 line=plain.line, column=plain.column)


# Go's strconv.ParseInt(text, 0, 64), which go-yaml applies to unquoted integers.
GO_INTEGER = re.compile(r"^(?:0[xX](?P<hex>[0-9a-fA-F]+)|0[bB](?P<bin>[01]+)|0[oO]?(?P<oct>[0-7]+)"
                        r"|(?P<dec>[1-9][0-9]*|0))$")


def _modes_and_targets(emit: _Emitter, service: Service) -> None:
    """SH318 (mode that reads as decimal or writable) and SH319 (two secrets on one target)."""
    seen: dict[str, Grant] = {}
    for grant in service.secrets:
        if grant.target in seen and seen[grant.target].source != grant.source:
            emit("SH319", grant.node, f"secrets {seen[grant.target].source} and {grant.source} "
                 f"are both mounted at {grant.target}: the later one replaces the earlier",
                 "give each secret its own target", subject=f"{service.name}:{grant.target}")
        seen[grant.target] = grant
        mode = grant.mode
        if mode is None or not mode.is_scalar:
            continue
        if "$" in mode.value:
            continue  # interpolated: known only at deploy time
        parsed = _mode_value(mode)
        if parsed is None:
            emit("SH318", mode, f"mode {mode.value!r} is not a file mode Compose accepts",
                 "write an octal mode such as 0400 or 0440",
                 subject=f"{service.name}:{grant.source}:mode:invalid")
            continue
        value, decimal_looking = parsed
        if decimal_looking:
            meant = f"0{mode.value}" if set(mode.value) <= set("01234567") else "an octal mode"
            emit("SH318", mode, f"mode {mode.value} is decimal, i.e. octal {value:o}; octal "
                 "needs a leading 0 or 0o", f"write mode: {meant}" if meant != "an octal mode"
                 else "write the mode in octal, e.g. mode: 0440",
                 subject=f"{service.name}:{grant.source}:mode")
        elif value & 0o222:
            emit("SH318", mode, f"mode {value:o} sets a write bit on secret {grant.source}",
                 "use a read-only mode such as 0400 or 0440",
                 subject=f"{service.name}:{grant.source}:mode")


def _mode_value(node: Node) -> tuple[int, bool] | None:
    """Compose's reading of a mode: strings are octal, unquoted ints follow Go's base-0 rule."""
    text = node.value.strip()
    if node.style in ('"', "'"):
        return (int(text, 8), False) if re.fullmatch(r"[0-7]+", text) else None
    match = GO_INTEGER.match(text.replace("_", ""))
    if not match:
        return None
    if match.group("hex"):
        return int(match.group("hex"), 16), False
    if match.group("bin"):
        return int(match.group("bin"), 2), False
    if match.group("oct"):
        return int(match.group("oct"), 8), False
    value = int(match.group("dec"))
    return value, value >= 8


def _env_files(emit: _Emitter, service: Service, context: ComposeContext) -> None:
    """SH308 (an env_file git tracks that holds secret values) and SH312 (a required env_file
    that does not exist: Compose stops with 'env file ... not found')."""
    for env_file in service.env_files:
        resolved = env_file.resolved
        if resolved is None or not inside_repository(resolved):
            continue
        if (context.root / resolved).is_dir():
            emit("SH312", env_file.node, f"env_file {env_file.path} of service {service.name} is "
                 "a directory: Compose stops", "point env_file at a file",
                 subject=f"{service.name}:env_file:{resolved}:dir")
            continue
        if not (context.root / resolved).exists():
            if env_file.required:
                _missing_env_file(emit, service, env_file.node, env_file.path, resolved,
                                  context)
            continue
        if context.tracked is None or resolved not in context.tracked:
            continue
        text = context.read_text(resolved)
        if text is None:
            continue
        names = secret_names_in_env_text(text, context.manifest, raw=env_file.raw)
        if names:
            emit("SH308", env_file.node, f"env_file {env_file.path} is tracked by git and holds "
                 f"values for {', '.join(names)}", f"git rm --cached {resolved}, "
                 "ignore it, commit a template with placeholders, and rotate the values",
                 subject=f"{service.name}:{resolved}")


def _missing_env_file(emit: _Emitter, service: Service, node: Node, written: str,
                      resolved: str, context: ComposeContext) -> None:
    match = context.ignore.get(resolved)
    ignored = match is not None and match.ignored
    if not ignored and context.tracked is None:
        return  # outside git nothing says whether it is meant to be absent
    column = node.column + (1 if node.style in ('"', "'") else 0)
    if ignored:
        emit("SH312", node, f"env_file {written} of service {service.name} does not exist (it "
             "is git-ignored, so absent from clones by design)", "create it before `docker "
             "compose up`, or mark it required: false if it is optional",
             subject=f"{service.name}:env_file:{resolved}", severity=Severity.INFO,
             column=column)
    else:
        emit("SH312", node, f"env_file {written} of service {service.name} does not exist and "
             "is not git-ignored: Compose stops ('env file not found')", f"create it at deploy "
             f"time and ignore {resolved} in .gitignore, or mark it required: false",
             subject=f"{service.name}:env_file:{resolved}", column=column)


ENV_LINE = re.compile(r"^\s*(?:export\s+)?(?P<name>[A-Za-z_][\w.\-]*)\s*=\s*(?P<value>.*)$")


def env_assignments(text: str, raw: bool = False) -> Iterator[tuple[int, str, str]]:
    """(line, name, value) for each `NAME=value` line of an env file, quotes removed (kept,
    with any `#`, in `format: raw`)."""
    for number, line in enumerate(text.splitlines(), start=1):
        match = ENV_LINE.match(line)
        if not match:
            continue
        value = match.group("value").strip()
        if not raw:
            value = _env_value(value)
        yield number, match.group("name"), value


def _env_value(value: str) -> str:
    """An env-file value as Compose reads it: the text inside matching quotes (anything after
    the closing quote, such as a comment, dropped), or up to an inline ` #` comment."""
    quote = value[:1]
    if quote in ("'", '"'):
        end = 1
        while end < len(value):
            if value[end] == "\\" and quote == '"':
                end += 2
                continue
            if value[end] == quote:
                inside = value[1:end]
                return inside.replace('\\"', '"') if quote == '"' else inside
            end += 1
    return re.split(r"\s+#", value, maxsplit=1)[0].strip()


def secret_names_in_env_text(text: str, manifest: Manifest, raw: bool = False) -> list[str]:
    names: list[str] = []
    for _line, name, value in env_assignments(text, raw):
        spec = manifest.lookup(name)
        secret = (spec is not None and spec.sensitive) or (spec is None and is_secret_like(name))
        if secret and not is_placeholder(value) and name not in names:
            names.append(name)
    return names


def _plain_env_in_production(emit: _Emitter, service: Service, manifest: Manifest) -> None:
    """SH307: a production compose file passing a required secret as a plain variable."""
    for entry in service.environment:
        if is_file_variable(entry.name):
            continue
        spec = manifest.lookup(entry.name)
        via = [spec] if spec is not None else []
        if entry.value:
            via += [s for s in (manifest.lookup(n) for n in _reference_names(entry.value)) if s]
        for secret in via:
            if not manifest.required_in_production(secret):
                continue
            if entry.value and not interpolation.has_reference(entry.value) \
                    and not is_placeholder(entry.value):
                continue  # a literal: SH101 reports it
            emit("SH307", entry.node, f"production service {service.name} receives "
                 f"{secret.name} as a plain environment variable ({entry.name})",
                 f"grant the docker secret {secret.docker_secret} and read "
                 f"{secret.name}_FILE=/run/secrets/{secret.docker_secret} instead",
                 subject=f"{service.name}:{entry.name}:{secret.name}", line=entry.line,
                 column=entry.column)
            break


def _reference_names(text: str) -> list[str]:
    return [r.name for r in interpolation.references(interpolation.parse(text))]


def receives(service: Service, spec: SecretSpec, secrets: dict[str, Any],
             env_file_names: Callable[[str], list[str]]) -> str | None:
    """How a service receives a manifest secret, or None. Says which way, for the report."""
    wanted = {normalise(spec.docker_secret), normalise(spec.name)}
    for grant in service.secrets:
        top = secrets.get(grant.source)
        platform_name = top.field("name") if top is not None else None
        names = {normalise(grant.source), normalise(_stem(grant.target))}
        if platform_name is not None and platform_name.text():
            names.add(normalise(platform_name.value))
        if names & wanted:
            undeclared = " (not declared: SH301)" if top is None else ""
            return f"docker secret {grant.source} at {grant.target}{undeclared}"
    direct = (spec.name, f"{spec.name}_FILE")
    for entry in service.environment:
        if entry.name == spec.name:
            return f"environment {entry.name}"
        if entry.name == f"{spec.name}_FILE":
            return f"environment {entry.name}{_unmounted_note(service, entry)}"
        if entry.value and spec.name in _reference_names(entry.value):
            return f"environment {entry.name} (interpolated)"
        if is_file_variable(entry.name) and entry.value and \
                normalise(_stem(entry.value.strip("\"'"))) in wanted:
            return f"environment {entry.name} (a _FILE path meant for it" \
                f"{_unmounted_note(service, entry).replace(' (', ', ', 1)}"
    for env_file in service.env_files:
        if env_file.resolved is None:
            continue
        names_in_file = env_file_names(env_file.resolved)
        for name in direct:
            if name in names_in_file:
                return f"env_file {env_file.path} ({name})"
    return None


def _stem(path: str) -> str:
    """`/run/secrets/db_password.txt` -> `db_password`."""
    return posixpath.basename(path).split(".", 1)[0]


def _coverage(emit: _Emitter, merged: MergedProject, context: ComposeContext) -> None:
    """SH306: a service the manifest names does not receive a secret it needs."""
    def env_file_names(path: str) -> list[str]:
        text = context.read_text(path)
        return [name for _l, name, _v in env_assignments(text)] if text else []

    for spec in context.manifest.secrets.values():
        for service_name in spec.services:
            service = merged.services.get(service_name)
            if service is None:
                continue
            how = receives(service, spec, merged.secrets, env_file_names)
            if how is None:
                emit("SH306", service.key, f"service {service_name} does not receive "
                     f"{spec.name} (the manifest says it needs it)",
                     f"grant the docker secret: secrets: [{spec.docker_secret}], or set "
                     f"{spec.name}_FILE to its mount", subject=f"{service_name}:{spec.name}")
            else:
                context.deliveries.append({"project": merged.project.label,
                                           "service": service_name, "secret": spec.name,
                                           "how": how})


def _ignored_ownership(emit: _Emitter, merged: MergedProject, service: Service) -> None:
    """SH318 (info): `uid`/`gid`/`mode` on a grant of a `file:` secret. Under docker compose a
    file secret is a bind mount: the container sees the host file's owner and mode."""
    for grant in service.secrets:
        if not grant.long_form:
            continue
        top = merged.secrets.get(grant.source)
        if top is None or top.field("file") is None:
            continue
        for key in ("uid", "gid", "mode"):
            node = grant.node.key_node(key)
            if node is None:
                continue
            value = grant.node.get(key)
            parsed = _mode_value(value) if key == "mode" and value is not None and \
                value.is_scalar else None
            if key == "mode" and (parsed is None or parsed[1] or parsed[0] & 0o222):
                continue  # the mode's own warning says enough
            emit("SH318", node, f"{key} on secret {grant.source} is ignored by docker compose: "
                 "a file: secret is bind-mounted with the host file's owner and mode "
                 "(only docker stack deploy applies it)", "set the owner and mode on the host "
                 f"file (chmod 0400), or drop {key}",
                 subject=f"{service.name}:{grant.source}:{key}:ignored", severity=Severity.INFO)


def _dropped(emit: _Emitter, merged: MergedProject, service: Service,
             manifest: Manifest) -> None:
    """SH319: a later file (`!reset`, `!override`, a new secret on the same target) drops a
    secret an earlier file granted to a service the manifest says needs it."""
    layers = merged.layers.get(service.name, [])
    if len(layers) < 2:
        return
    final = {g.source for g in service.secrets}
    needed = {s.docker_secret for s in manifest.secrets.values() if service.name in s.services}
    for _path, layer in layers[:-1]:
        for grant in layer.secrets:
            if grant.source in final or grant.source not in needed:
                continue
            later = next((other for _p, other in layers if other is not layer
                          and other.node.get("secrets") is not None), None)
            where = later.node.get("secrets") if later is not None else service.key
            emit("SH319", where, f"service {service.name} loses secret {grant.source} "
                 f"(granted in {grant.node.path or merged.path}) when the files are merged",
                 "grant it again in the later file, or drop the !reset/!override",
                 subject=f"{service.name}:dropped:{grant.source}")
