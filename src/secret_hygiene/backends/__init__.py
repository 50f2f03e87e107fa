"""Where live secret values come from: the environment, files, AWS Secrets Manager, Vault.

A backend returns a :class:`Lookup` (value held in memory only, plus where it came from and,
when the store knows it, when it last changed) or raises :class:`BackendError`, whose message
names the store and the secret, never a token or a value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


class BackendError(Exception):
    """The store could not be read. The message never includes a token or a value; ``hint``
    says what to do about this kind of failure."""

    def __init__(self, message: str,
                 hint: str = "check the store's address, credentials and permissions") -> None:
        super().__init__(message)
        self.hint = hint


@dataclass
class Lookup:
    value: str | None  # None: not present in this source
    source: str  # env, file, docker, aws, vault
    where: str  # a variable name or a path, never the value
    changed: datetime | None = None
    changed_how: str = ""  # how `changed` is known ("file mtime, approximate")
    detail: str = ""  # why the value is missing, when a pointer led nowhere


def strip_newline(value: str) -> str:
    """Secret files and stores often end with one newline that is not part of the value."""
    if value.endswith("\r\n"):
        return value[:-2]
    if value.endswith("\n"):
        return value[:-1]
    return value
