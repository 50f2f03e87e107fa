"""The tool's own reports, read back: what in them is known not to be a secret.

A JSON, SARIF or GitLab report written into the checkout (`--output report.sarif`) holds no
values, but its hashes and fingerprints read as high-entropy strings and the rule help in SARIF
quotes example credentials: scanned as they are, they are dozens of findings on the next run.
The report is still scanned - a value pasted into it, or added by a tool that enriches reports
with code snippets, is found - with exactly those strings blanked (same length, so lines and
columns stay where they are).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

NAME = "secret-hygiene"
DIGEST = re.compile(r'("(?:sha256|sha|fingerprint|secretHygiene/v1|first_commit|commit)"'
                    r'\s*:\s*")([0-9a-f]{16,64})"')
TEXT = re.compile(r'("(?:text|markdown)"\s*:\s*")((?:[^"\\\n]|\\.)*)"')


def masked(text: str) -> str | None:
    """``text`` with its digests and rule texts blanked when it is one of our reports (a
    BOM, whitespace or lines of other text before it - `echo ...; cat report.json` - and text
    after it allowed); None for any other text."""
    if f'"{NAME}"' not in text:
        return None
    start = len(text) - len(text.lstrip("\ufeff \t\r\n"))
    if not text.startswith("{", start):
        start = text.find("\n{") + 1  # the report starts on a later line
        if start == 0:
            return None
    try:
        document, end = json.JSONDecoder().raw_decode(text, start)
    except (ValueError, RecursionError):
        return None
    if not _ours(document):
        return None
    report = DIGEST.sub(lambda m: f'{m.group(1)}{"0" * len(m.group(2))}"', text[start:end])
    report = TEXT.sub(_blank_rule_text, report)
    return text[:start] + report + text[end:]


def _ours(document: Any) -> bool:
    if not isinstance(document, dict):
        return False
    if document.get("tool") == NAME and isinstance(document.get("findings"), list):
        return True
    runs = document.get("runs")
    if isinstance(runs, list) and runs and all(_named(_field(run, "tool", "driver"))
                                               for run in runs):
        return True
    return isinstance(document.get("vulnerabilities"), list) and \
        _named(_field(document, "scan", "scanner"))


def _field(document: object, *keys: str) -> object:
    for key in keys:
        document = document.get(key) if isinstance(document, dict) else None
    return document


def _named(part: object) -> bool:
    return isinstance(part, dict) and part.get("name") == NAME


def _blank_rule_text(match: re.Match[str]) -> str:
    encoded = match.group(2)
    try:
        decoded = json.loads(f'"{encoded}"')
    except ValueError:
        return match.group(0)
    if decoded not in rule_texts():
        return match.group(0)
    return f'{match.group(1)}{" " * len(encoded)}"'


@lru_cache(maxsize=1)
def rule_texts() -> frozenset[str]:
    """Every text the SARIF report writes about the rules (titles, help, examples)."""
    from .report.sarif import rule_descriptor
    from .rules.catalogue import RULES

    texts: set[str] = set()

    def collect(node: object) -> None:
        if isinstance(node, str):
            texts.add(node)
        elif isinstance(node, dict):
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    for index in range(len(RULES)):
        collect(rule_descriptor(index))
    return frozenset(texts)
