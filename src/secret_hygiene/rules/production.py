"""SH401-SH406: validate the live values a deployment would start with.

Findings here concern values that are not in the repository: they never carry any part or hash
of the value (``secret`` is always null) and the hints never quote it. Each finding points at the
secret's line in the manifest.
"""

from __future__ import annotations

import difflib
import math
import re
import time
from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from ..backends import BackendError, Lookup
from ..backends.stores import KNOWN, Stores
from ..context import Project
from ..errors import CommandError
from ..findings import REDACTION, Finding, Report, Severity
from ..manifest import SecretSpec
from ..text.placeholders import is_placeholder
from .catalogue import get

KNOWN_DEFAULTS = frozenset({
    "password", "passw0rd", "p@ssw0rd", "p@ssword", "admin", "administrator", "root", "toor",
    "postgres", "mysql", "mariadb", "mongo", "redis", "secret", "changeme", "change-me",
    "letmein", "123456", "1234567", "12345678", "123456789", "1234567890", "qwerty",
    "default", "guest", "test", "testing", "pass", "welcome", "dev", "development", "master",
    "sa", "oracle", "django-insecure", "flask", "supersecret", "mysecret", "topsecret",
})
REFERENCE_LIKE = re.compile(r"\s*(?:vault|aws-secrets):", re.IGNORECASE)
WEAK_WORDS = ("dev", "test", "secret", "change-me", "changeme", "insecure", "example", "sample",
              "demo", "dummy", "default")


def shannon_entropy(value: str) -> float:
    if not value:
        return 0.0
    counts = Counter(value)
    total = len(value)
    return -sum(c / total * math.log2(c / total) for c in counts.values())


def weakness(value: str, min_entropy: float) -> str | None:
    """Why a live value is weak, in words that never quote it; None when it is not weak."""
    lower = value.strip().lower()
    # a live value that only starts like a reference (`Vault:...`, ` vault:...`; the stores
    # followed the real ones) is a value: judged by what follows the prefix
    looks_like = REFERENCE_LIKE.match(value)
    if is_placeholder(value[looks_like.end():] if looks_like else value):
        return "is a placeholder, not a real value"
    if lower in KNOWN_DEFAULTS:
        return "is a well-known default"
    for word in WEAK_WORDS:
        if re.search(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", lower):
            return "contains a development/test word (dev, test, secret, demo, ...)"
    if shannon_entropy(value) < min_entropy:
        return f"has too little entropy (under the policy's {min_entropy:g} bits per character)"
    return None


def choose_backend(project: Project, environ: Mapping[str, str], override: str | None) -> str:
    selector = project.manifest.backends.selector
    name = override or environ.get(selector) or project.manifest.backends.default
    if name not in KNOWN:
        source = "--backend" if override else (f"{selector}" if environ.get(selector)
                                               else "the manifest's backends.default")
        raise CommandError(f"unknown secret backend '{name}' (from {source}); expected one of "
                            f"{', '.join(KNOWN)}")
    return name


def run_validate(project: Project, environment: str | None, environ: Mapping[str, str],
                 backend_name: str | None, selected: set[str],
                 as_of: datetime | None = None) -> Report:
    """Each manifest secret read where the deployment reads it, then judged. ``as_of`` judges
    rotation ages at another moment (planning ahead, reproducible CI)."""
    started = time.monotonic()
    manifest = project.manifest
    report = Report("validate")
    env_name = environment or environ.get(manifest.environment.variable) or \
        manifest.environment.default
    production = env_name in manifest.environment.production
    name = choose_backend(project, environ, backend_name)
    stores = Stores(manifest, project.root, environ)
    now = as_of or datetime.now(timezone.utc)
    manifest_path = project.relative(manifest.path) or (str(manifest.path) if manifest.path
                                                        else None)
    statuses: list[dict[str, Any]] = []

    def emit(rule_id: str, spec: SecretSpec, message: str, hint: str,
             severity: Severity | None = None) -> None:
        rule = get(rule_id)
        if rule_id in selected:
            report.findings.append(Finding(rule.id, severity or rule.severity, manifest_path,
                                           spec.line, None, message, hint,
                                           subject=f"{env_name}:{spec.name}"))

    report.notes.append(f"validating environment '{env_name}'"
                        f"{' (counts as production)' if production else ''} with the "
                        f"{name} backend")
    known = {manifest.environment.default, *manifest.environment.production,
             *(env for spec in manifest.secrets.values() for env in spec.required_in)}
    if env_name not in known:
        close = difflib.get_close_matches(env_name, sorted(known), n=1, cutoff=0.5)
        report.notes.append(f"environment '{env_name}' is not the default, not production, and "
                            "no secret is required in it: every missing secret is only a "
                            "warning" + (f" (did you mean '{close[0]}'?)" if close else ""))
    ageless: list[str] = []  # present, but the source keeps no change time
    unborn: list[str] = []  # created after the --as-of date
    for spec in manifest.secrets.values():
        required = spec.required(env_name)
        try:
            lookup = stores.fetch(name, spec)
        except BackendError as error:
            emit("SH405", spec, f"{spec.name}: {error}", error.hint)
            if str(error) not in report.errors:
                report.errors.append(str(error))
            statuses.append(_status(spec, "unchecked", None, required))
            continue
        if lookup.value is None or lookup.value == "":
            detail = lookup.detail or "it is empty"
            if lookup.value == "":
                detail = f"{lookup.where} is set but empty"
            if required:
                emit("SH401", spec, f"{spec.name} is required in {env_name} but missing: "
                     f"{detail}", _provide(spec, lookup))
            else:
                emit("SH406", spec, f"{spec.name} is missing in {env_name}: {detail}",
                     f"provide {spec.name} if this environment uses it")
            statuses.append(_status(spec, "missing", None, required))
            continue
        REDACTION.remember(lookup.value)
        status = "ok"
        if spec.sensitive and (production or required):
            status = _quality(emit, spec, lookup, manifest.policy.min_entropy) or status
        if lookup.changed is None:
            ageless.append(spec.name)
        elif as_of is not None and _aware(lookup.changed) > now:
            unborn.append(spec.name)
        elif _rotation(emit, spec, lookup, manifest.policy.rotation_days, now) and \
                status == "ok":
            status = "due for rotation"
        statuses.append(_status(spec, status, lookup, required))
    if ageless and "SH404" in selected:
        report.notes.append(f"rotation age not judged for {', '.join(ageless)}: where they were "
                            "found keeps no change time (environment variables, KV v1)")
    if unborn and "SH404" in selected:
        report.notes.append(f"rotation age not judged for {', '.join(unborn)}: the as-of date "
                            f"{now.date().isoformat()} precedes their last change")
    if as_of is not None:
        report.sections["as_of"] = as_of.isoformat()
    report.sections["secrets"] = statuses
    report.sections["environment"] = env_name
    report.sections["backend"] = name
    report.seconds = time.monotonic() - started
    return report


def _provide(spec: SecretSpec, lookup: Lookup) -> str:
    """Where to put a missing secret, in the terms of the store it was looked for in."""
    if lookup.hint:
        return lookup.hint
    if lookup.source == "vault":
        return f"write {spec.name} to Vault at {lookup.where}"
    if lookup.source == "aws":
        return f"create the secret {lookup.where} in AWS Secrets Manager"
    return (f"provide {spec.name}: the variable, {spec.name}_FILE, or the docker secret "
            f"{spec.docker_secret}")


def _quality(emit: Any, spec: SecretSpec, lookup: Lookup, min_entropy: float) -> str | None:
    """SH402 and SH403, each when it applies: a short value can be weak as well."""
    value = lookup.value or ""
    status = None
    if spec.min_length is not None and len(value) < spec.min_length:
        emit("SH402", spec, f"{spec.name} (from {lookup.source} {lookup.where}) is shorter than "
             f"min_length {spec.min_length}",
             f"generate a value of at least {spec.min_length} characters")
        status = "too short"
    problem = weakness(value, min_entropy)
    if problem is not None:
        emit("SH403", spec, f"{spec.name} (from {lookup.source} {lookup.where}) {problem}",
             f"generate a random value for {spec.name} and store it in the secret store")
        status = status or "weak"
    return status


def _rotation(emit: Any, spec: SecretSpec, lookup: Lookup, default_days: int,
              now: datetime) -> bool:
    if lookup.changed is None:
        return False
    days = spec.rotation_days or default_days
    age = (now - _aware(lookup.changed)).days
    if age <= days:
        return False
    emit("SH404", spec, f"{spec.name} last changed {age} days ago ({lookup.changed_how}); the "
         f"rotation period is {days} days", "rotate it: generate a new value, update the store, "
         "redeploy so it is loaded, then revoke the old credential")
    return True


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _status(spec: SecretSpec, status: str, lookup: Lookup | None,
            required: bool) -> dict[str, Any]:
    return {"name": spec.name, "status": status, "required": required,
            "source": lookup.source if lookup else None,
            "where": lookup.where if lookup else None}
