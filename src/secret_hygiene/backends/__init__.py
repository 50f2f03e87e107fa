"""Where live secret values come from: the environment, files, AWS Secrets Manager, Vault.

A backend returns a :class:`Lookup` (value held in memory only, plus where it came from and,
when the store knows it, when it last changed) or raises :class:`BackendError`, whose message
names the store and the secret, never a token or a value.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

T = TypeVar("T")
DEADLINE_VARIABLE = "SECRET_HYGIENE_STORE_TIMEOUT"
DEADLINE = 8.0  # seconds for one store request, retries included


class BackendError(Exception):
    """The store could not be read. The message never includes a token or a value; ``hint``
    says what to do about this kind of failure."""

    def __init__(self, message: str,
                 hint: str = "check the store's address, credentials and permissions") -> None:
        super().__init__(message)
        self.hint = hint


class StoreTimeout(Exception):
    """A store request did not finish within the run's deadline (retries included)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"timed out after {seconds:g} s")
        self.seconds = seconds


@dataclass
class Lookup:
    value: str | None  # None: not present in this source
    source: str  # env, file, docker, aws, vault
    where: str  # a variable name or a path, never the value
    changed: datetime | None = None
    changed_how: str = ""  # how `changed` is known ("file mtime, approximate")
    detail: str = ""  # why the value is missing, when a pointer led nowhere
    hint: str = ""  # what to do about a missing value, when the store knows better


def strip_newline(value: str) -> str:
    """Secret files and stores often end with one newline that is not part of the value."""
    if value.endswith("\r\n"):
        return value[:-2]
    if value.endswith("\n"):
        return value[:-1]
    return value


def deadline(environ: Mapping[str, str]) -> float:
    """Seconds one store request may take in all (``SECRET_HYGIENE_STORE_TIMEOUT``, else 8)."""
    try:
        seconds = float(environ.get(DEADLINE_VARIABLE, "") or DEADLINE)
    except ValueError:
        return DEADLINE
    return seconds if 0 < seconds <= 600 else DEADLINE


def bounded(call: Callable[[], T], seconds: float) -> T:
    """``call()`` in a daemon thread, given up after ``seconds`` (StoreTimeout): a server that
    never answers, or drips its answer a byte at a time, cannot hold the run. The abandoned
    thread ends with the process or when the connection breaks."""
    outcome: list[T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            outcome.append(call())
        except BaseException as error:  # handed to the caller's thread
            failure.append(error)

    worker = threading.Thread(target=target, name="secret-store-request", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise StoreTimeout(seconds)
    if failure:
        raise failure[0]
    return outcome[0]


def shown_url(url: str) -> str:
    """An address as messages show it: without any user:password@ part."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "an address that is not a URL"
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def check_url(url: str, variable: str) -> str:
    """The address shown in messages; BackendError when ``url`` cannot be an http(s) URL."""
    shown = shown_url(url)
    hint = f"set {variable} to the server's URL, like https://host:port"
    if not url.lower().startswith(("http://", "https://")):
        raise BackendError(f"{variable} must start with http:// or https://", hint)
    if any(c.isspace() or not c.isprintable() for c in url):
        raise BackendError(f"{variable} contains whitespace or control characters", hint)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError when out of range
    except ValueError:
        raise BackendError(f"{variable} ({shown}) has an invalid host or port", hint) from None
    if not parts.hostname:
        raise BackendError(f"{variable} ({shown}) names no host", hint)
    return shown


def json_type(value: object, article: bool = False) -> str:
    """A value's kind in JSON's words (never the value): `number`, or `a number`."""
    names = ((bool, "boolean", "a boolean"), (int, "number", "a number"),
             (float, "number", "a number"), (dict, "object", "an object"),
             (list, "array", "an array"), (str, "string", "a string"))
    if value is None:
        return "null"
    for kind, name, with_article in names:
        if isinstance(value, kind):
            return with_article if article else name
    return type(value).__name__
