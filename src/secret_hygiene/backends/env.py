"""The `env` backend: the variable NAME, then the file NAME_FILE names, then the docker secret
file (docker_secrets_dir/<docker_secret>) - the order the reference app reads them in."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ..manifest import Manifest, SecretSpec
from . import BackendError, Lookup
from .files import read_secret_file


class EnvBackend:
    name = "env"

    def __init__(self, manifest: Manifest, root: Path, environ: Mapping[str, str]) -> None:
        self.environ = environ
        directory = Path(manifest.backends.docker_secrets_dir)
        self.secrets_dir = directory if directory.is_absolute() else root / directory

    def fetch(self, spec: SecretSpec) -> Lookup:
        if spec.name in self.environ:
            return Lookup(self.environ[spec.name], "env", spec.name)
        file_variable = f"{spec.name}_FILE"
        if file_variable in self.environ:
            path = Path(self.environ[file_variable])
            shown = str(path) if "/" in str(path) else "a relative name"
            found = read_secret_file(path, "file", f"{file_variable}={shown}")
            if found.value is None:
                found.detail = f"{file_variable} points to {shown}, {found.detail}"
            return found
        path = self.secrets_dir / spec.docker_secret
        if path.exists():
            return read_secret_file(path, "docker", str(path))
        return Lookup(None, "env", spec.name,
                      detail=f"{spec.name} and {file_variable} are unset and {path} does not "
                             "exist")

    def resolve(self, reference: str, default_field: str) -> Lookup:
        raise BackendError("the environment is not a store a reference can name")


__all__ = ["BackendError", "EnvBackend"]
