"""The stores of one `validate` run: each opened at first use, references followed.

A value that is itself a reference (`vault:secret/data/yosai#SECRET_KEY`,
`aws-secrets:prod/db_password#password`) is read from the store it names, whatever backend
held it. A store that cannot be opened (a missing extra, no `VAULT_ADDR`) fails every secret
that needs it with the same clear error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from ..manifest import Manifest, SecretSpec
from . import BackendError, Lookup
from .env import EnvBackend

KNOWN = ("env", "aws", "vault")
# A reference is exactly `vault:` or `aws-secrets:` (lower case, nothing before it) followed by
# something shaped like a location; anything else - `Vault:...`, ` vault:...`, a prefix followed
# by characters no location has - is a value like any other, judged and never echoed.
REFERENCE = {
    "vault": re.compile(r"vault:(?P<location>[A-Za-z0-9_./-]{0,512}(?:#[A-Za-z0-9_.-]*)?)"),
    "aws": re.compile(r"aws-secrets:(?P<location>[A-Za-z0-9/_+=.@:!-]{0,2048}"
                      r"(?:#[A-Za-z0-9_.-]*)?)"),
}
MAX_REFERENCES = 3  # a reference to a reference to a reference is a loop in practice


class Backend(Protocol):
    name: str

    def fetch(self, spec: SecretSpec) -> Lookup: ...

    def resolve(self, reference: str, default_field: str) -> Lookup:
        """The value a reference names (the env backend refers to nothing: never called)."""
        ...


def reference_of(value: str) -> tuple[str, str] | None:
    """(store, location) when ``value`` is a reference to another store, else None. One
    trailing newline (a file's) is allowed; nothing else around it."""
    for store, pattern in REFERENCE.items():
        matched = pattern.fullmatch(value.removesuffix("\n").removesuffix("\r"))
        if matched:
            return store, matched["location"]
    return None


class Stores:
    def __init__(self, manifest: Manifest, root: Path, environ: Mapping[str, str]) -> None:
        self.manifest = manifest
        self.root = root
        self.environ = environ
        self.opened: dict[str, Backend | BackendError] = {}

    def backend(self, name: str) -> Backend:
        if name not in self.opened:
            try:
                self.opened[name] = self._open(name)
            except BackendError as error:
                self.opened[name] = error
        opened = self.opened[name]
        if isinstance(opened, BackendError):
            raise BackendError(str(opened), opened.hint)
        return opened

    def _open(self, name: str) -> Backend:
        if name == "env":
            return EnvBackend(self.manifest, self.root, self.environ)
        if name == "aws":
            from .aws import AwsBackend
            return AwsBackend(self.manifest, self.environ)
        from .vault import VaultBackend
        return VaultBackend(self.manifest, self.environ)

    def fetch(self, name: str, spec: SecretSpec) -> Lookup:
        """The secret as the deployment would see it, references followed."""
        lookup = self.backend(name).fetch(spec)
        origin = f"{lookup.source} {lookup.where}"
        trail = [origin]
        for hop in range(MAX_REFERENCES + 1):
            reference = reference_of(lookup.value) if lookup.value is not None else None
            if reference is None:
                return lookup
            if hop == MAX_REFERENCES:
                break
            store, location = reference
            lookup = self.backend(store).resolve(location, spec.name)
            if lookup.value is None:
                raise BackendError(f"the reference in {trail[-1]} points to {store} "
                                   f"{lookup.where}, and {lookup.detail or 'nothing is there'}",
                                   lookup.hint or "fix the reference, or create the secret "
                                   "it names")
            step = f"{lookup.source} {lookup.where}"
            looped = step in trail
            trail.append(step)
            if looped:
                raise BackendError(f"reference loop: {' -> '.join(trail)}",
                                   "make one of these hold the value instead of a reference")
            lookup.where = f"{lookup.where}, referenced by {origin}"
        raise BackendError(f"more than {MAX_REFERENCES} references in a row: "
                           f"{' -> '.join(trail)}",
                           "point the reference straight at the store that holds the value")
