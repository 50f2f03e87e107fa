"""What of a file's new version is new: the lines to scan when the previous version was scanned.

A secret already in the previous version was found there; scanning the lines of the new version
that the previous one did not have finds every value the new version adds. A line that only
moved is scanned again when an allowlist pragma for the next line came or went above it.
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
from .suppress import NEXTLINE, may_allowlist_next_line

MULTILINE_MARKERS = re.compile(r"-----BEGIN|---- BEGIN SSH2")


def reading_crosses_lines(source: SourceFile) -> bool:
    """True when a finding in ``source`` may depend on more than its own line."""
    if source.kind in (Kind.YAML, Kind.INI) or source.template:
        return True
    if "BEGIN" in source.text and MULTILINE_MARKERS.search(source.text):
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


def _common_prefix(first: list[str], second: list[str]) -> int:
    """How many leading lines two lists share (binary search over C-level slice compares)."""
    low, high = 0, min(len(first), len(second))
    while low < high:
        middle = (low + high + 1) // 2
        if first[:middle] == second[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


@dataclass
class Version:
    """A file version's lines, as the next version is compared with them."""

    lines: list[str]
    pragmas: bool  # whether an allowlist pragma for a next line may be in it

    @classmethod
    def of_text(cls, text: str, lines: list[str]) -> Version:
        return cls(lines, may_allowlist_next_line(text) and NEXTLINE.search(text) is not None)

    @classmethod
    def of_bytes(cls, data: bytes) -> Version | None:
        if is_binary(data):
            return None
        text, lines = normal_lines(decode(data)[0])
        return cls.of_text(text, lines)


def new_lines_only(source: SourceFile, previous: Version, this: Version) -> NewLines | None:
    """What of ``source`` (whose own ``Version`` is ``this``) to scan given that its
    ``previous`` version was scanned, or None when the whole file must be scanned (see the
    module docstring)."""
    if reading_crosses_lines(source):
        return None
    old = previous.lines
    lines = source.lines
    # the unchanged head and tail are compared at C speed; only the middle is looked at closely
    head = _common_prefix(lines, old)
    # the first line after a change has a new line before it, so the tail starts one later
    tail = max(0, _common_prefix(lines[head:][::-1], old[head:][::-1]) - 1)
    middle = old[head:len(old) - tail]
    known = set(middle)
    end = len(lines) - tail
    pragmas = previous.pragmas or this.pragmas
    if not pragmas:  # no allowlist pragma for a next line in either version: text decides
        added = [i for i in range(head, end) if lines[i] not in known]
    else:
        pairs = set(zip([old[head - 1] if head else "", *middle], middle, strict=False))
        # lines the old version allowlisted from the line before
        after_pragma = {old[i] for i in range(1, len(old)) if NEXTLINE.search(old[i - 1])}
        added = [i for i in range(head, end) if lines[i] not in known or (
            (lines[i - 1] if i else "", lines[i]) not in pairs and (
                lines[i] in after_pragma or NEXTLINE.search(lines[i - 1] if i else "")))]
    kept: list[str] = []
    numbers: list[int] = []
    flags: list[bool] = []
    for index in added:
        if not numbers or numbers[-1] != index:  # a new run of lines
            before = lines[index - 1] if index else ""
            # the line before: a pragma for this line may live there, and nothing else may
            # sit before it, so an allowlist comment elsewhere never reaches this line
            kept.append(before if pragmas and NEXTLINE.search(before) else "")
            numbers.append(index)
            flags.append(False)
        kept.append(lines[index])
        numbers.append(index + 1)
        flags.append(True)
    text = "\n".join(kept) + ("\n" if kept else "")
    masked = SourceFile(source.path, text, kept, source.kind, source.template, line_based=True)
    return NewLines(masked, numbers, flags)
