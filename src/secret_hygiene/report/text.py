"""Text: one line per finding (`path:line:col: SH101 error message`), its hint, a summary."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..findings import Finding, Report, Severity
from . import Style, printable

COLORS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}


def _paint(text: str, code: str, style: Style) -> str:
    return f"\033[{code}m{text}\033[0m" if style.color else text


def location(finding: Finding) -> str:
    if finding.path is None:
        return "(environment)"
    parts = [printable(finding.path)]
    if finding.line is not None:
        parts.append(str(finding.line))
        if finding.column is not None:
            parts.append(str(finding.column))
    return ":".join(parts)


def finding_line(finding: Finding, style: Style) -> str:
    severity = _paint(finding.severity.label, COLORS[finding.severity], style)
    rule = _paint(finding.rule, "1", style)
    extra = ""
    if finding.secret is not None:
        extra = f" [{finding.secret.redacted}, {finding.secret.length} chars]"
    return f"{location(finding)}: {rule} {severity} {printable(finding.message)}{extra}"


def render(report: Report, style: Style) -> str:
    lines: list[str] = []
    shown = [f for f in report.findings
             if style.verbosity >= 0 or f.severity >= style.fail_on]
    for finding in shown:
        lines.append(finding_line(finding, style))
        if finding.hint and style.verbosity >= 0:
            lines.append(f"    hint: {finding.hint}")
        if "commit" in finding.extra and style.verbosity >= 0:
            reachable = "still in HEAD's tree" if finding.extra.get("in_head") else \
                "still reachable from HEAD" if finding.extra.get("reachable_from_head") \
                else "not reachable from HEAD"
            lines.append(f"    first commit {finding.extra['commit'][:12]} "
                         f"({finding.extra.get('author_date', '?')}), {reachable}")
    lines.extend(_sections(report, style))
    if style.verbosity >= 0:
        lines.extend(f"note: {note}" for note in report.notes)
    engine = report.engine
    if style.verbosity > 0 and engine:
        workers = f" by {engine['workers']} worker processes" if engine.get("workers") else \
            " in this process"
        unit = "blobs" if report.command == "history" else "files"
        lines.append(f"engine: {engine['cached']} {unit} from the result cache, "
                     f"{engine['scanned']} scanned{workers}")
        if "new_lines" in engine:
            lines.append(f"engine: {engine['new_lines']} blobs scanned for the lines they add "
                         f"to their previous version, {engine['whole']} whole")
    lines.extend(_skipped(report, style))
    lines.extend(f"error: {error}" for error in report.errors)
    lines.append(_summary(report, style))
    return "\n".join(lines) + "\n"


def _sections(report: Report, style: Style) -> list[str]:
    lines: list[str] = []
    for item in report.sections.get("secrets", []):
        if style.verbosity < 0:
            break
        where = f" ({item['source']} {printable(item['where'])})" if item.get("source") \
            else ""
        lines.append(f"secret {item['name']}: {item['status']}{where}")
    if style.verbosity > 0:
        for item in report.sections.get("deliveries", []):
            lines.append(f"delivered: {item['secret']} to service {item['service']} by "
                         f"{printable(item['how'])} ({printable(item['project'])})")
    incidents = report.sections.get("incidents", []) if style.verbosity >= 0 else []
    if report.command != "history" and incidents:  # exposed now: the same steps for each
        for incident in incidents:
            paths = ", ".join(printable(p) for p in incident["paths"])
            where = "" if incident["sha256"] is None else f" in {paths}"  # files name themselves
            lines.append(f"exposed: {printable(incident['what'])}{where}")
        lines.append(f"for each exposed secret ({len(incidents)}):")
        lines.extend(f"    {n}. {step}" for n, step in enumerate(incidents[0]["steps"], 1))
        return lines
    for incident in incidents:
        lines.append(f"exposed: {printable(incident['what'])}")
        lines.append(f"    {_exposure(incident)}")
        for number, step in enumerate(incident["steps"], start=1):
            lines.append(f"    {number}. {step}")
    return lines


def _exposure(incident: dict[str, Any]) -> str:
    paths = incident["paths"]
    where = printable(paths[0]) + (f" and {len(paths) - 1} more path"
                                   f"{'s' if len(paths) > 2 else ''}" if len(paths) > 1 else "")
    if incident.get("first_commit"):
        since = f"in {where} since {incident['first_commit'][:12]} ({incident['since']})"
    else:
        since = f"in {where}"
    state = "still in HEAD's tree" if incident["in_head"] else (
        "removed from HEAD's tree but reachable from HEAD" if incident["reachable_from_head"]
        else "only on refs HEAD does not reach")
    return f"{since}; {state}"


def _skipped(report: Report, style: Style) -> list[str]:
    if not report.skipped:
        return []
    lines = []
    incomplete = [s for s in report.skipped if s.incomplete]
    for item in incomplete:
        lines.append(f"could not read {printable(item.path)}: {item.reason}")
    benign = [s for s in report.skipped if not s.incomplete]
    if benign:
        if style.verbosity > 0:
            lines.extend(f"skipped {s.path}: {s.reason}" for s in benign)
        elif style.verbosity == 0:
            reasons = Counter(s.reason.split(" (")[0] for s in benign)
            summary = ", ".join(f"{count} {reason}" for reason, count in reasons.most_common())
            lines.append(f"skipped {len(benign)} file{'s' if len(benign) != 1 else ''} "
                         f"({summary}); -v lists them")
    return lines


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _summary(report: Report, style: Style) -> str:
    counts = (f"{_plural(report.count(Severity.ERROR), 'error')}, "
              f"{_plural(report.count(Severity.WARNING), 'warning')}, "
              f"{_plural(report.count(Severity.INFO), 'info')}")
    scope = f" in {_plural(report.files, 'file')}" if report.command in (
        "check", "baseline") and report.scanned_content else ""
    if report.command == "history":
        scope = f" in {_plural(report.files, 'blob')}"
    extra = f", {report.suppressed} suppressed by the baseline" if report.suppressed else ""
    state = "" if report.complete else " - INCOMPLETE: not everything could be read"
    return f"{report.command}: {counts}{scope}{extra} ({report.seconds:.2f} s){state}"
