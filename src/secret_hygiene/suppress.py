"""Inline suppressions: `pragma: allowlist secret` (detect-secrets' comment, also on the line
before as `pragma: allowlist nextline secret`) and `secret-hygiene: ignore[SH101,SH3]`."""

from __future__ import annotations

import re

from .rules.catalogue import matching

PRAGMA = re.compile(r"pragma:\s?(?:allow|white)list[ -]secret", re.IGNORECASE)
NEXTLINE = re.compile(r"pragma:\s?allowlist[ -]nextline[ -]secret", re.IGNORECASE)
OURS = re.compile(r"secret-hygiene:\s*ignore(?:\[(?P<rules>[^\]]*)\])?", re.IGNORECASE)
GITLEAKS = re.compile(r"gitleaks:allow")


def may_allowlist_next_line(text: str) -> bool:
    """A cheap necessary condition for NEXTLINE matching somewhere in ``text`` (its literal
    part, with the case folding re.IGNORECASE applies)."""
    from .text.folding import fold

    return "nextline" in fold(text)


def without_pragmas(text: str) -> str:
    """``text`` with every allowlist comment blanked (same length, so columns stay): what a
    file holds, as opposed to what is reported."""
    for pattern in (PRAGMA, NEXTLINE, OURS, GITLEAKS):
        text = pattern.sub(lambda match: " " * len(match.group()), text)
    return text


def silenced(rule: str, line: str, previous: str) -> bool:
    """True when a comment on ``line`` (or a nextline pragma on ``previous``) silences ``rule``."""
    if PRAGMA.search(line) or NEXTLINE.search(previous) or GITLEAKS.search(line):
        return True
    for match in OURS.finditer(line):
        rules = match.group("rules")
        if rules is None:
            return True
        if rule in matching([r for r in re.split(r"[,\s]+", rules) if r]):
            return True
    return False
