"""Which variable and key names look like they hold a secret."""

from __future__ import annotations

import itertools
import re
from functools import lru_cache

SECRET_WORDS = frozenset({
    "password", "passwords", "passwd", "pwd", "secret", "secrets", "token", "tokens",
    "apikey", "credential", "credentials", "passphrase",
})
SECRET_PAIRS = frozenset({("api", "key"), ("private", "key"), ("client", "secret"),
                          ("access", "key"), ("secret", "key")})
# A name ending in one of these names where a secret lives, who uses it, or how it is handled
# (SECRET_BACKEND: vault, GitLab's `secret_detection:` report), not the secret.
NOT_A_VALUE = frozenset({"file", "path", "host", "url", "uri", "name", "user", "username", "id",
                         "dir", "port", "backend", "provider", "engine", "type", "mode",
                         "detection"})
# Shell variables that merely contain a secret word.
SHELL_NAMES = frozenset({"pwd", "oldpwd"})

_SPLIT = re.compile(r"[_\-.\s]+|(?<=[a-z0-9])(?=[A-Z])")


def tokens(name: str) -> list[str]:
    return [t.lower() for t in _SPLIT.split(name) if t]


@lru_cache(maxsize=4096)
def is_secret_like(name: str) -> bool:
    """True for names such as DB_PASSWORD, npm-token, clientSecret, backup.password.

    Names that point at a secret rather than hold it (POSTGRES_PASSWORD_FILE, SECRET_PATH,
    TOKEN_URL, FILE__PASSWORD) are not secret-like.
    """
    parts = tokens(name)
    if not parts or name.lower() in SHELL_NAMES:
        return False
    if parts[-1] in NOT_A_VALUE or name.upper().startswith("FILE__"):
        return False
    if any(p in SECRET_WORDS for p in parts):
        return True
    return any(pair in SECRET_PAIRS for pair in itertools.pairwise(parts))


def is_file_variable(name: str) -> bool:
    """`*_FILE` (the official images' convention) and `FILE__*` (linuxserver.io's)."""
    upper = name.upper()
    return upper.endswith("_FILE") or upper.startswith("FILE__")


def file_variable_target(name: str) -> str:
    """The variable a `_FILE` variable fills: POSTGRES_PASSWORD_FILE -> POSTGRES_PASSWORD."""
    if name.upper().startswith("FILE__"):
        return name[6:]
    return name[:-5]
