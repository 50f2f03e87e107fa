"""The stores of one `validate` run: each opened at first use, references followed.

A value that is itself a reference (`vault:secret/data/yosai#SECRET_KEY`,
`aws-secrets:prod/db_password#password`) is read from the store it names, whatever backend
held it. A store that cannot be opened (a missing extra, no `VAULT_ADDR`) fails every secret
that needs it with the same clear error.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from ..manifest import Manifest, SecretSpec
from . import BackendError, Lookup
from .env import EnvBackend

KNOWN = ("env", "aws", "vault")
PREFIXES = {"vault:": "vault", "aws-secrets:": "aws"}
MAX_REFERENCES = 3  # a reference to a reference to a reference is a loop in practice


class Backend(Protocol):
    name: str

    def fetch(self, spec: SecretSpec) -> Lookup: ...

    def resolve(self, reference: str, default_field: str) -> Lookup:
        """The value a reference names (the env backend refers to nothing: never called)."""
        ...


def reference_of(value: str) -> tuple[str, str] | None:
    """(store, location) when ``value`` is a reference to another store, else None."""
    stripped = value.strip()
    for prefix, store in PREFIXES.items():
        if stripped.lower().startswith(prefix):
            return store, stripped[len(prefix):]
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
        trail = [f"{lookup.source} {lookup.where}"]
        for _ in range(MAX_REFERENCES):
            reference = reference_of(lookup.value) if lookup.value is not None else None
            if reference is None:
                return lookup
            store, location = reference
            lookup = self.backend(store).resolve(location, spec.name)
            if lookup.value is None:
                raise BackendError(f"the reference in {trail[-1]} points to {store} "
                                   f"{lookup.where}, and {lookup.detail or 'nothing is there'}",
                                   "fix the reference, or create the secret it names")
            lookup.where = f"{lookup.where}, referenced by {trail[0]}"
            trail.append(f"{lookup.source} {lookup.where}")
        raise BackendError(f"{spec.name}: more than {MAX_REFERENCES} references in a row "
                           f"({' -> '.join(trail)})")
