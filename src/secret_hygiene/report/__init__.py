"""Report formats. Each renders a :class:`Report` to text; none decides the exit code."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..findings import REDACTION, Report, Severity

FORMATS = ("text", "json", "sarif", "github", "gitlab", "junit")


@dataclass(frozen=True)
class Style:
    color: bool = False
    verbosity: int = 0  # -1 quiet, 0 normal, 1+ verbose
    fail_on: Severity = Severity.ERROR


def renderer(name: str) -> Callable[[Report, Style], str]:
    from . import github, gitlab, json_report, junit, sarif, text

    return {
        "text": text.render, "json": json_report.render, "sarif": sarif.render,
        "github": github.render, "gitlab": gitlab.render, "junit": junit.render,
    }[name]


def render(report: Report, name: str, style: Style) -> str:
    """The report in format ``name``, with every value the run handled scrubbed out."""
    return REDACTION.scrub(renderer(name)(report, style))
