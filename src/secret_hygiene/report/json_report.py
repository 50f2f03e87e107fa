"""The JSON report: stable and documented (README, "JSON report")."""

from __future__ import annotations

from typing import Any

from .. import __version__
from ..findings import Report, Severity
from . import Style, as_json_text


def as_dict(report: Report) -> dict[str, Any]:
    data: dict[str, Any] = {
        "tool": "secret-hygiene",
        "version": __version__,
        "command": report.command,
        "complete": report.complete,
        "skipped": [s.as_json() for s in report.skipped],
        "findings": [f.as_json() for f in report.findings],
        "summary": {
            "errors": report.count(Severity.ERROR),
            "warnings": report.count(Severity.WARNING),
            "infos": report.count(Severity.INFO),
            "files": report.files,
            "seconds": round(report.seconds, 3),
            "suppressed": report.suppressed,
        },
        "notes": report.notes,
        "errors": report.errors,
    }
    data.update(report.sections)
    return data


def render(report: Report, style: Style) -> str:
    return as_json_text(as_dict(report))
