"""Values that are not secrets: placeholders, references, templates and paths."""

from __future__ import annotations

import re
from functools import lru_cache

from . import interpolation

REFERENCE_PREFIXES = ("vault:", "aws-secrets:", "arn:aws:secretsmanager:", "arn:aws:ssm:",
                      "op://", "file:", "secretsmanager:", "ssm:")
PLACEHOLDER_PREFIXES = ("change-me", "changeme", "change_me", "change.me", "change-it",
                        "changeit", "change_it", "change.it", "change-this", "change_this",
                        "changethis", "your-", "your_", "your.", "replace-with", "replace_with",
                        "replacewith", "replace-me", "replaceme", "replace_me", "replace.me",
                        "xxx", "insert-", "insert_", "insert.", "insertyour", "put-your",
                        "put_your", "putyour", "enter-your", "enter_your", "enteryour",
                        "set-me", "set_me", "set.me", "setme", "fill-me", "fill_me", "fillme",
                        "fill-in", "fill_in", "to-be-replaced", "to_be_replaced", "not-a-real",
                        "not_a_real", "fake-", "fake_")
PLACEHOLDER_WORDS = ("example", "dummy", "placeholder", "changeme", "change-me", "change_me")
EXACT_PLACEHOLDERS = frozenset({"none", "null", "nil", "undefined", "~", "...", "…", "-", "''",
                                '""', "n/a", "na", "tbd", "todo", "secret-here",
                                "password-here"})
SECRET_MOUNTS = ("/run/secrets/", "/var/run/secrets/")
TEMPLATE_MARKERS = (".example", ".sample", ".template", ".dist")

_TEMPLATED = re.compile(
    r"^\s*(?:<[^<>]*>|\{\{.*\}\}|\$\{\{.*\}\}|%\([^)]*\)[sd]|#\{[^}]*\}|%[A-Za-z_][\w]*%"
    r"|\{[A-Za-z_][^{}\s]*\})\s*$", re.DOTALL)
_ALL_STARS = re.compile(r"^\*{3,}$|^x{3,}$", re.IGNORECASE)
_MARKER_WORD = re.compile(r"^(?:todo|fixme|tbd|redacted|none|unset)(?:[-_:. ].*)?$", re.IGNORECASE)
_TEMPLATE_INLINE = re.compile(r"\{\{.*?\}\}|\$\{\{.*?\}\}")


def is_reference(value: str) -> bool:
    """A pointer to where a secret lives: vault:/aws-secrets: references, /run/secrets paths."""
    text = value.strip().strip("'\"").lower()
    return text.startswith(REFERENCE_PREFIXES) or text.startswith(SECRET_MOUNTS)


def is_placeholder(value: str, *, interpolates: bool = True) -> bool:
    """True when ``value`` is empty, a placeholder, a reference, a template or a path.

    Placeholders are never leaks: `change-me`, `your-...`, `<...>`, `${VAR}`, `xxx`, `***`,
    anything containing `example` or `dummy`, `vault:...`, `/run/secrets/...`.
    ``interpolates`` says whether the file format expands `$VAR` (compose, .env, shell); in
    source code only a whole-value `${...}` counts as a reference.
    """
    text = value.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1].strip()
    if not text:
        return True
    lower = text.lower()
    if lower in EXACT_PLACEHOLDERS or _ALL_STARS.match(text) or _TEMPLATED.match(text) \
            or _MARKER_WORD.match(text):
        return True
    if _has_placeholder_prefix(lower, text) or any(w in lower for w in PLACEHOLDER_WORDS):
        return True
    if _HERE.search(lower) or _masked(text):
        return True
    if is_reference(text) or _TEMPLATE_INLINE.search(text):
        return True
    if interpolates:
        return interpolation.has_reference(text)
    return interpolation.is_single_reference(text)


def _masked(text: str) -> bool:
    """Mostly x's or stars in one run: a credential shown with its characters hidden."""
    run = _MASKED.search(text)
    return run is not None and 2 * (run.end() - run.start()) >= len(text)


def _has_placeholder_prefix(lower: str, text: str) -> bool:
    """`changeme`, `Your-Token`, `SetMe`, `XXXX-1234`, `fillmelater`; not `XXXOBRhxoJR0mB` or
    `SEtmEGos7wG5AX`: a random value begins with `xxx` or `setme` now and then, and what
    follows the prefix then is random too."""
    for prefix in PLACEHOLDER_PREFIXES:
        if lower.startswith(prefix):
            return not _random_run(text[len(prefix):])
    return False


_CAMEL_WORDS = re.compile(r"(?:[A-Z][a-z]+)+")
_TOKEN_TAIL = re.compile(r"[A-Za-z0-9+/=_.:-]*")
_SEPARATORS = re.compile(r"[+/=_.:-]")
# a masked credential: `AKIAXXXXXXXXXXXXXXXX`, `ghp_xxxx...`, `sk-live-xxxxxxxx`
_MASKED = re.compile(r"[xX*]{8,}")
# `YourKeyHere`, `API_KEY_HERE`, `put_your_token_here`
_HERE = re.compile(r"(?:your|key|token|secret|password|pass)[-_. ]?(?:goes[-_. ]?)?here$")


def _random_run(tail: str) -> bool:
    """Whether what follows a placeholder prefix is the rest of a random value: a run of 8 or
    more letters and digits (between separators) that mixes digits with letters, or both cases
    but not as capitalised words (`LaterPlease`); never a mask of x's and digits."""
    if tail.strip("xX0123456789") == "" or not _TOKEN_TAIL.fullmatch(tail):
        return False
    for run in _SEPARATORS.split(tail):
        if len(run) < 8 or not run.isascii() or not run.isalnum():
            continue
        letters, digits = any(c.isalpha() for c in run), any(c.isdigit() for c in run)
        both_cases = any(c.isupper() for c in run) and any(c.islower() for c in run)
        if (letters and digits) or (both_cases and not _CAMEL_WORDS.fullmatch(run)):
            return True
    return False


@lru_cache(maxsize=8192)
def is_template_file(path: str) -> bool:
    """Files that exist to be copied: `.env.example`, `config.sample.yaml`, `app.ini.dist`."""
    name = path.rsplit("/", 1)[-1].lower()
    for marker in TEMPLATE_MARKERS:
        if name.endswith(marker) or f"{marker}." in name:
            return True
        bare = marker[1:]
        if name.endswith((f"-{bare}", f"_{bare}")) or name in (f"{bare}.env", f"env.{bare}"):
            return True
    return False
