"""What of a file's new version is new: the lines to scan when the previous version was scanned.

A secret already in the previous version was found there; scanning the lines of the new version
that the previous one did not have, in the same order after the same line, finds every value
the new version adds - a line whose previous line changed is scanned again, since an allowlist
pragma for the next line lives there, and the line before each scanned line is kept with it.
That holds only where findings come from single lines, so the whole file is scanned instead
when its reading crosses lines: YAML (structure), files one of detect-secrets' INI
transformers could parse (continuation lines), PEM blocks, templates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .findings import Finding
from .rules import leaks
from .sources import Kind, SourceFile, decode, is_binary, normal_lines

MULTILINE_MARKERS = re.compile(r"-----BEGIN|---- BEGIN SSH2")


def reading_crosses_lines(source: SourceFile) -> bool:
    """True when a finding in ``source`` may depend on more than its own line."""
    if source.kind in (Kind.YAML, Kind.INI) or source.template:
        return True
    if MULTILINE_MARKERS.search(source.text):
        return True
    return leaks.transformers_could_apply(source.path, source.text)


@dataclass
class NewLines:
    """The lines of a file to scan: each new line, after the line before it."""

    source: SourceFile  # the kept lines only, in file order
    numbers: list[int]  # each kept line's number in the file
    new: list[bool]  # False: kept only as the line before a new one

    def place(self, findings: list[Finding]) -> list[Finding]:
        """Findings on the new lines, at their lines in the file."""
        placed = []
        for finding in findings:
            if finding.line is None or not 1 <= finding.line <= len(self.numbers):
                continue
            if self.new[finding.line - 1]:
                finding.line = self.numbers[finding.line - 1]
                placed.append(finding)
        return placed


def new_lines_only(source: SourceFile, previous: bytes) -> NewLines | None:
    """What of ``source`` to scan given that its ``previous`` version was scanned, or None when
    the whole file must be scanned (see the module docstring)."""
    if reading_crosses_lines(source) or is_binary(previous):
        return None
    old = normal_lines(decode(previous)[0])[1]
    pairs = set(zip(["", *old], old, strict=False))  # (line before, line): a line in its context
    lines = source.lines
    new = [pair not in pairs for pair in zip(["", *lines], lines, strict=False)]
    kept: list[str] = []
    numbers: list[int] = []
    flags: list[bool] = []
    for index, is_new in enumerate(new):
        if not is_new:
            continue
        if index and not new[index - 1] and (not numbers or numbers[-1] != index):
            kept.append(lines[index - 1])  # where a pragma for this line would be
            numbers.append(index)
            flags.append(False)
        kept.append(lines[index])
        numbers.append(index + 1)
        flags.append(True)
    text = "\n".join(kept) + ("\n" if kept else "")
    masked = SourceFile(source.path, text, kept, source.kind, source.template, line_based=True)
    return NewLines(masked, numbers, flags)
