"""Selecting a backend by name. AWS Secrets Manager and Vault arrive with the backends issue;
until then selecting them is a clear SH405, never a silent pass."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from ..manifest import Manifest, SecretSpec
from . import BackendError, Lookup
from .env import EnvBackend

KNOWN = ("env", "aws", "vault")


class Backend(Protocol):
    name: str

    def fetch(self, spec: SecretSpec) -> Lookup: ...


class Unavailable:
    def __init__(self, name: str) -> None:
        self.name = name

    def fetch(self, spec: SecretSpec) -> Lookup:
        raise BackendError(f"the {self.name} backend is not available yet in this version of "
                           "secret-hygiene")


def open_backend(name: str, manifest: Manifest, root: Path,
                 environ: Mapping[str, str]) -> Backend:
    if name == "env":
        return EnvBackend(manifest, root, environ)
    return Unavailable(name)


def resolve_reference(value: str) -> str | None:
    """The store a value refers to (`vault:...`, `aws-secrets:...`), or None."""
    lower = value.strip().lower()
    if lower.startswith("vault:"):
        return "vault"
    if lower.startswith("aws-secrets:"):
        return "aws"
    return None
