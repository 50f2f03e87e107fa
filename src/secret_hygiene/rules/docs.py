"""SH002: the secret-management document and the manifest must list the same secrets."""

from __future__ import annotations

import re
from pathlib import Path

from ..findings import Finding
from ..fsread import read_regular, reason
from ..manifest import Manifest
from ..text.names import is_secret_like
from .catalogue import get

LISTED_LINE = re.compile(r"^\s*(?:[-*+]|\d+[.)]|\|)\s*")
NAME = re.compile(r"(?<![A-Za-z0-9_])([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)(?![A-Za-z0-9_])")


def check_docs(root: Path, manifest: Manifest) -> list[Finding]:
    if not manifest.docs:
        return []
    rule = get("SH002")
    path = manifest.docs
    try:
        text = read_regular(root / path, follow=True, limit=8 * 1024 * 1024).decode(
            "utf-8", "replace")
    except OSError as error:
        why = "does not exist" if not (root / path).exists() else f"cannot be read: " \
            f"{reason(error)}"
        return [Finding(rule.id, rule.severity, path, None, None,
                        f"the manifest's docs file {path} {why}",
                        "write it, or remove 'docs:' from the manifest", subject="missing")]
    mentioned: dict[str, int] = {}
    listed: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        for match in NAME.finditer(line):
            name = match.group(1)
            mentioned.setdefault(name, number)
            if LISTED_LINE.match(line):
                listed.setdefault(name, number)
    findings = []
    for spec in manifest.secrets.values():
        if spec.name not in mentioned:
            findings.append(Finding(
                rule.id, rule.severity, path, None, None,
                f"{path} does not mention {spec.name}, which the manifest lists",
                f"add {spec.name} to the document's list of secrets",
                subject=f"undocumented:{spec.name}"))
    for name, number in listed.items():
        if manifest.lookup(name) is None and is_secret_like(name):
            findings.append(Finding(
                rule.id, rule.severity, path, number, None,
                f"{path} lists {name}, which the manifest does not have",
                f"add {name} to secret-manifest.yaml or remove it from the document",
                subject=f"unlisted:{name}"))
    return findings
