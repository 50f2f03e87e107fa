"""Report formats. Each renders a :class:`Report` to text; none decides the exit code."""

from __future__ import annotations

import json
import re
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


CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def printable(text: str) -> str:
    """Text safe for one line of a terminal or an XML attribute: control characters (and
    newlines, for names) shown as escapes."""
    return CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text).replace("\n", "\\n")


UNDECODED = re.compile("[\udc80-\udcff]")  # bytes of a file name that are not UTF-8


def as_json_text(data: object) -> str:
    """JSON that strict parsers accept: a file name's undecodable bytes (kept by Python as lone
    surrogates) become U+FFFD; the text report shows them as they are."""
    return UNDECODED.sub("\ufffd", json.dumps(data, indent=2, ensure_ascii=False)) + "\n"


def render(report: Report, name: str, style: Style) -> str:
    """The report in format ``name``, with every value the run handled scrubbed out."""
    return REDACTION.scrub(renderer(name)(report, style))
