"""Content checks of one file: SH101, SH102 and SH103, merged so each occurrence is one finding.

Where several rules match one occurrence the most specific wins: SH103 over SH101 over SH102.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..findings import Finding, SecretValue, Severity
from ..manifest import Manifest
from ..sources import Kind, SourceFile, is_lock_file
from ..yamlsafe import Document, YAMLProblem
from . import leaks
from .catalogue import get
from .values import (
    ValueHit,
    decode_base64_bytes,
    is_kubernetes_secret,
    kubernetes_data,
    lines_could_hit,
    scan_lines,
    scan_yaml,
)

KUBERNETES_HINT = re.compile(r"^(?:apiVersion|kind)\s*:", re.MULTILINE)
RULE_ORDER = {"SH103": 3, "SH101": 2, "SH102": 1}
SHELL_LIKE = frozenset({Kind.ENV, Kind.SHELL, Kind.DOCKERFILE, Kind.MAKE})
YAML_TRANSFORM_LIMIT = 2 * 1024 * 1024
LEAK_MESSAGES = {
    "Secret Keyword": "hardcoded secret assigned to a secret-like name",
    "Base64 High Entropy String": "high-entropy base64 string (a key or token?)",
    "Hex High Entropy String": "high-entropy hex string (a key or token?)",
    "Basic Auth Credentials": "credentials in a URL (scheme://user:…@host)",
    leaks.CONNECTION_STRING: "password in a connection string",
    "Private Key": "private key",
}


@dataclass
class ContentResult:
    findings: list[Finding] = field(default_factory=list)
    yaml_problem: YAMLProblem | None = None


def looks_like_kubernetes(text: str) -> bool:
    return len(KUBERNETES_HINT.findall(text)) >= 2


def could_find(source: SourceFile, manifest: Manifest) -> bool:
    """False only when ``check_content`` would certainly find nothing in a line-based source
    (see delta.py): neither the value patterns nor a leak plugin's gate can match. Most new
    lines of a file's next version are like that, and this costs one pass over them."""
    assert source.line_based
    if is_lock_file(source.path):
        return False
    return lines_could_hit(source.text, manifest) or \
        not leaks.nothing_to_find(source.path, source.lines, transform=False, documents=None)


def check_content(source: SourceFile, manifest: Manifest, selected: set[str],
                  documents: list[Document] | YAMLProblem | None) -> ContentResult:
    """Findings for one file. ``documents`` is the parsed YAML (or the problem) for YAML files."""
    result = ContentResult()
    if is_lock_file(source.path):
        return result  # dependency hashes, not secrets
    structural = isinstance(documents, list)
    if isinstance(documents, YAMLProblem):
        result.yaml_problem = documents
    # Values are read even when SH101/SH103 are not selected: `sensitive: false` identifiers
    # found here keep SH102 from reporting them.
    if isinstance(documents, list):
        hits = scan_yaml(source, documents, manifest)
    else:
        hits = scan_lines(source, manifest)
    found: list[Finding] = [_value_finding(source, hit) for hit in hits if hit.rule]
    identifiers = [hit for hit in hits if not hit.rule]
    if "SH102" in selected:
        # detect-secrets' YAML transformer is pure Python: past a few MiB it would take minutes
        transform = (source.kind != Kind.YAML or structural) and \
            len(source.text) <= YAML_TRANSFORM_LIMIT and not source.line_based
        parsed = documents if isinstance(documents, list) else None
        candidates = leaks.scan_lines(source.path, source.lines, transform=transform,
                                      template=source.template,
                                      interpolates=source.kind in SHELL_LIKE,
                                      documents=parsed)
        if structural:
            assert isinstance(documents, list)
            candidates = _kubernetes_leaks(source, documents, candidates)
        for leak in candidates:
            if any(_same_occurrence(leak.line, leak.column, leak.end_column, hit)
                   for hit in identifiers):
                continue  # `sensitive: false` identifiers are not leaks
            found.append(_leak_finding(source, leak))
    if source.template:  # files that exist to be copied: only known token formats count
        found = [f for f in found if f.rule == "SH102"]
    if structural:
        assert isinstance(documents, list)
        found.extend(_kubernetes_shape(source, documents))
    # one finding per occurrence first, then the selection: ignoring SH101 must not turn the
    # same value into an SH102
    result.findings = [f for f in _most_specific(found) if f.rule in selected]
    return result


def _kubernetes_shape(source: SourceFile, documents: list[Document]) -> list[Finding]:
    """SH310 for Secret `data:` values that are not base64 (Kubernetes rejects the manifest)."""
    rule = get("SH310")
    problems = []
    for document in documents:
        if not is_kubernetes_secret(document.root):
            continue
        assert document.root is not None
        for key, node, decoded in kubernetes_data(document.root):
            if decoded is None and decode_base64_bytes(node.value) is None:
                problems.append(Finding(
                    rule.id, rule.severity, source.path, node.line, node.column,
                    f"Kubernetes Secret data value {key.value} is not valid base64 "
                    "(Kubernetes rejects the manifest)", "base64-encode it, or move it to "
                    "stringData", subject=f"k8s-base64:{key.value}", end_column=10**9))
    return problems


def _same_occurrence(line: int, start: int, end: int, hit: ValueHit) -> bool:
    return hit.line == line and leaks.overlaps(start, end, hit.column, hit.end_column)


def _value_finding(source: SourceFile, hit: ValueHit) -> Finding:
    rule = get(hit.rule)
    secret = SecretValue.of(hit.value)
    if hit.rule == "SH103":
        message = f"{hit.name} falls back to a literal value when it is unset"
        hint = (f"write ${{{hit.name}:?{hit.name} is required}} so a missing value fails "
                "loudly" if hit.how == "fallback" else
                f"read {hit.name} without a default so a missing value fails at start-up "
                f"(os.environ['{hit.name}'] in Python)")
    elif hit.how == "kubernetes data":
        message = f"Kubernetes Secret data holds a literal value for {hit.name} (base64 is not " \
                  "encryption)"
        hint = "keep the Secret out of git: create it at deploy time or use sealed/external " \
               "secrets, and rotate the value"
    else:
        message = f"literal value assigned to {hit.name}"
        hint = (f"read {hit.name} at run time (environment, {hit.name}_FILE or the secret "
                "store), remove it from the file and rotate it")
    return Finding(rule.id, rule.severity, source.path, hit.line, hit.column, message, hint,
                   secret=secret, end_column=hit.end_column, legacy_sha1=secret.sha1,
                   decoded=hit.how == "kubernetes data")


def _leak_finding(source: SourceFile, leak: leaks.Leak) -> Finding:
    rule = get("SH102")
    secret = SecretValue.of(leak.value)
    message = LEAK_MESSAGES.get(leak.type, f"{leak.type} detected")
    hint = "move it to the secret store and rotate it; if it is not a secret, add it to the " \
           "baseline (secret-hygiene baseline)"
    return Finding(rule.id, Severity.ERROR, source.path, leak.line, leak.column, message, hint,
                   secret=secret, end_column=leak.end_column, legacy_sha1=leak.legacy_hash,
                   extra={"type": leak.type}, decoded=leak.decoded)


def _kubernetes_leaks(source: SourceFile, documents: list[Document],
                      candidates: list[leaks.Leak]) -> list[leaks.Leak]:
    """A Secret's `data:` values are base64: scan what they decode to, at the value's line."""
    data_lines: set[int] = set()
    decoded_leaks: list[leaks.Leak] = []
    for document in documents:
        if not is_kubernetes_secret(document.root):
            continue
        assert document.root is not None
        for key, node, decoded in kubernetes_data(document.root):
            if decoded is None:
                continue  # not base64 text: the raw value is scanned as it is
            data_lines.add(node.line)
            start = node.column + (1 if node.style in ('"', "'") else 0)
            end = start + len(node.value)
            found = _scan_decoded(source.path, key.value, decoded)
            for leak in found:
                decoded_leaks.append(leaks.Leak(node.line, start, end, leak.type, leak.value,
                                                leak.legacy_hash, decoded=True))
    kept = [c for c in candidates if c.line not in data_lines]
    return kept + decoded_leaks


def _scan_decoded(path: str, key: str, decoded: str) -> list[leaks.Leak]:
    lines = decoded.replace("\r\n", "\n").split("\n")
    if len(lines) == 1:
        escaped = decoded.replace('"', '\\"')
        return leaks.scan_lines(f"{path}.decoded.yaml", [f'{key}: "{escaped}"'], transform=False)
    return leaks.scan_lines(f"{path}.decoded", lines, transform=False)


def _most_specific(findings: list[Finding]) -> list[Finding]:
    """Among value findings on one occurrence keep the most specific (SH103 > SH101 > SH102)."""
    kept: list[Finding] = []
    by_line: dict[int, list[Finding]] = {}  # the value findings kept so far, per line
    for finding in sorted(findings, key=lambda f: (f.line or 0, -RULE_ORDER.get(f.rule, 0),
                                                    f.column or 0)):
        if finding.rule in RULE_ORDER:
            same_line = by_line.setdefault(finding.line or 0, [])
            if any(leaks.overlaps(k.column or 0, k.end_column or 10**9, finding.column or 0,
                                  finding.end_column or 10**9) for k in same_line):
                continue
            same_line.append(finding)
        kept.append(finding)
    return sorted(kept, key=Finding.sort_key)


def check_yaml_problem(source: SourceFile, problem: YAMLProblem, compose: bool) -> Finding | None:
    """SH310 for a compose or Kubernetes file that is not safe, valid YAML."""
    if not compose and not looks_like_kubernetes(source.text):
        return None
    rule = get("SH310")
    what = "compose file" if compose else "Kubernetes manifest"
    return Finding(rule.id, rule.severity, source.path, problem.line, problem.column,
                   f"{what} is not usable YAML: {problem.message}",
                   "fix the YAML; the file's text was still scanned line by line for values",
                   subject=f"yaml:{problem.message}")
