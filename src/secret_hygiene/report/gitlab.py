"""GitLab's secret-detection report (gl-secret-detection-report.json, schema 15.x)."""

from __future__ import annotations

import time
from typing import Any

from .. import __version__
from ..findings import Report, Severity
from . import Style, as_json_text

SCHEMA_VERSION = "15.2.1"
SEVERITIES = {Severity.ERROR: "High", Severity.WARNING: "Medium", Severity.INFO: "Info"}
VENDOR = {"name": "secret-hygiene"}


def _stamp(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))


def as_dict(report: Report, finished: float | None = None) -> dict[str, Any]:
    end = finished if finished is not None else time.time()
    start = end - report.seconds
    vulnerabilities = []
    for finding in report.findings:
        commit = finding.extra.get("commit") or report.revision or "0" * 40
        location: dict[str, Any] = {"file": finding.path or ".", "commit": {"sha": commit}}
        if finding.line is not None:
            location["start_line"] = finding.line
            location["end_line"] = finding.line
        vulnerabilities.append({
            "id": _uuid(finding.fingerprint),
            "category": "secret_detection",
            "name": f"{finding.rule}: {finding.message}"[:255],
            "message": finding.message,
            "description": f"{finding.message}. {finding.hint}".strip(),
            "cve": f"{finding.path}:{finding.rule}:{finding.fingerprint}",
            "severity": SEVERITIES[finding.severity],
            "confidence": "High",
            "solution": finding.hint or None,
            "scanner": {"id": "secret-hygiene", "name": "secret-hygiene"},
            "location": location,
            "identifiers": [{"type": "secret_hygiene_rule", "name": f"secret-hygiene "
                             f"{finding.rule}", "value": finding.rule}],
        })
    messages = [{"level": "warn" if s.incomplete else "info",
                 "value": f"skipped {s.path}: {s.reason}"} for s in report.skipped]
    messages += [{"level": "fatal", "value": e} for e in report.errors]
    tool = {"id": "secret-hygiene", "name": "secret-hygiene", "version": __version__,
            "vendor": VENDOR}
    return {
        "version": SCHEMA_VERSION,
        "vulnerabilities": vulnerabilities,
        "scan": {"analyzer": tool, "scanner": tool, "type": "secret_detection",
                 "start_time": _stamp(start), "end_time": _stamp(end),
                 "status": "success" if report.complete else "failure",
                 "messages": messages},
    }


def _uuid(fingerprint: str) -> str:
    raw = (fingerprint + "0" * 32)[:32]
    return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:32]}"


def render(report: Report, style: Style) -> str:
    return as_json_text(as_dict(report))
