"""GitHub Actions workflow commands: one annotation per finding, then a summary notice."""

from __future__ import annotations

from ..findings import Report, Severity
from . import Style
from .text import _summary

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def annotation_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def annotation_property(text: str) -> str:
    return annotation_data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: Report, style: Style) -> str:
    lines = []
    for finding in report.findings:
        props = []
        if finding.path is not None:
            props.append(f"file={annotation_property(finding.path)}")
            if finding.line is not None:
                props.append(f"line={finding.line}")
                if finding.column is not None:
                    props.append(f"col={finding.column}")
        props.append(f"title={annotation_property(f'{finding.rule} {finding.severity.label}')}")
        message = finding.message + (f"\nhint: {finding.hint}" if finding.hint else "")
        command = COMMANDS[finding.severity]
        lines.append(f"::{command} {','.join(props)}::{annotation_data(message)}")
    for skipped in report.skipped:
        if skipped.incomplete:
            lines.append(f"::error file={annotation_property(skipped.path)},title=incomplete::"
                         f"{annotation_data('could not read: ' + skipped.reason)}")
    for error in report.errors:
        lines.append(f"::error title=incomplete::{annotation_data(error)}")
    lines.append(f"::notice title=secret-hygiene::{annotation_data(_summary(report, style))}")
    return "\n".join(lines) + "\n"
