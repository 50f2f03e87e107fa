"""SARIF 2.1.0, valid against the OASIS schema, as GitHub code scanning accepts it."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from .. import __version__
from ..findings import Report, Severity
from ..rules.catalogue import RULES
from . import Style, as_json_text

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
HOME = "https://github.com/secret-hygiene/secret-hygiene"


def rule_descriptor(rule_index: int) -> dict[str, Any]:
    rule = RULES[rule_index]
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.why},
        "help": {"text": f"{rule.why}\n\nExample:\n{rule.example}\n\nFix: {rule.fix}",
                 "markdown": f"{rule.why}\n\n**Example**\n\n```\n{rule.example}\n```\n\n"
                             f"**Fix:** {rule.fix}"},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": ["security", "secrets", rule.family]},
    }


def as_dict(report: Report) -> dict[str, Any]:
    index = {rule.id: i for i, rule in enumerate(RULES)}
    results = []
    for finding in report.findings:
        result: dict[str, Any] = {
            "ruleId": finding.rule,
            "ruleIndex": index[finding.rule],
            "level": LEVELS[finding.severity],
            "message": {"text": finding.message},
            "partialFingerprints": {"secretHygiene/v1": finding.fingerprint},
            "properties": {"severity": finding.severity.label, "hint": finding.hint},
        }
        if finding.path is not None:
            physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(finding.path),
                                                             "uriBaseId": "%SRCROOT%"}}
            if finding.line is not None:
                region: dict[str, Any] = {"startLine": finding.line}
                if finding.column is not None:
                    region["startColumn"] = finding.column
                physical["region"] = region
            result["locations"] = [{"physicalLocation": physical}]
        if finding.secret is not None:
            result["properties"]["secret"] = finding.secret.as_json()
        for key in ("commit", "author_date", "reachable_from_head", "in_head", "type"):
            if key in finding.extra:
                result["properties"][key] = finding.extra[key]
        results.append(result)
    notifications = [
        {"level": "error" if s.incomplete else "note",
         "message": {"text": f"skipped {s.path}: {s.reason}"},
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": artifact_uri(s.path),
                                                                  "uriBaseId": "%SRCROOT%"}}}]}
        for s in report.skipped
    ] + [{"level": "error", "message": {"text": e}} for e in report.errors]
    invocation: dict[str, Any] = {"executionSuccessful": report.complete}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "secret-hygiene", "version": __version__,
                            "semanticVersion": __version__, "informationUri": HOME,
                            "rules": [rule_descriptor(i) for i in range(len(RULES))]}},
        "invocations": [invocation],
        "results": results,
        "properties": {"complete": report.complete, "command": report.command},
    }
    for key in ("incidents", "secrets", "deliveries"):
        if key in report.sections:
            run["properties"][key] = report.sections[key]
    return {"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
            "runs": [run]}


def artifact_uri(path: str) -> str:
    """A relative URI reference for a repository path (spaces, `#`, `%`, control and
    non-ASCII characters percent-encoded as UTF-8; undecodable bytes as themselves)."""
    return quote(path.encode("utf-8", "surrogateescape"), safe="/")


def render(report: Report, style: Style) -> str:
    return as_json_text(as_dict(report))
