"""Compose (and shell) variable interpolation: `$VAR`, `${VAR}`, `${VAR:-default}` and friends.

The grammar is the Compose specification's: `$$` is a literal `$`; `${VAR:-x}` (unset or
empty), `${VAR-x}` (unset), `${VAR:?err}`, `${VAR?err}`, `${VAR:+x}`, `${VAR+x}`, nested
operands. Shell's `${VAR:=x}` / `${VAR=x}` are parsed too, for shell scripts. Offsets are
0-based positions in the parsed text, so findings can point at the operand's column.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Union

NAME = re.compile(r"[_A-Za-z][_A-Za-z0-9]*")
UPPER_NAME = re.compile(r"[_A-Z][_A-Z0-9]*$")
OPERATORS = (":-", ":?", ":+", ":=", "-", "?", "+", "=")
DEFAULT_OPERATORS = frozenset({":-", "-", ":=", "="})
REQUIRED_OPERATORS = frozenset({":?", "?"})
MAX_NESTING = 64  # deeper `${A:-${B:-...}}` is read as invalid, not recursed into


Part = Union["Literal", "Reference", "Invalid"]


@dataclass
class Literal:
    text: str
    start: int
    end: int


@dataclass
class Reference:
    name: str
    start: int
    end: int
    braced: bool = False
    operator: str | None = None
    operand: list[Part] = field(default_factory=list)
    operand_start: int = 0
    operand_end: int = 0

    @property
    def is_fallback(self) -> bool:
        return self.operator in DEFAULT_OPERATORS

    @property
    def is_required(self) -> bool:
        return self.operator in REQUIRED_OPERATORS

    def operand_text(self) -> str:
        return render(self.operand)


@dataclass
class Invalid:
    """A `$` Compose cannot read (`${` with no name, an unclosed brace)."""

    start: int
    end: int
    text: str


def parse(text: str) -> list[Part]:
    parts, _ = _parse(text, 0, closing=False, depth=0)
    return parts


def _parse(text: str, pos: int, closing: bool, depth: int) -> tuple[list[Part], int]:
    parts: list[Part] = []
    buffer: list[str] = []
    buffer_start = pos

    def flush(end: int) -> None:
        nonlocal buffer, buffer_start
        if buffer:
            parts.append(Literal("".join(buffer), buffer_start, end))
            buffer = []

    length = len(text)
    while pos < length:
        char = text[pos]
        if closing and char == "}":
            break
        if char != "$":
            if not buffer:
                buffer_start = pos
            buffer.append(char)
            pos += 1
            continue
        nxt = text[pos + 1] if pos + 1 < length else ""
        if nxt == "$":
            if not buffer:
                buffer_start = pos
            buffer.append("$")
            pos += 2
            continue
        if nxt == "{":
            flush(pos)
            part, pos = _braced(text, pos, depth)
            parts.append(part)
            continue
        match = NAME.match(text, pos + 1)
        if match:
            flush(pos)
            parts.append(Reference(match.group(), pos, match.end()))
            pos = match.end()
            continue
        if not buffer:
            buffer_start = pos
        buffer.append("$")
        pos += 1
    flush(pos)
    return parts, pos


def _braced(text: str, start: int, depth: int) -> tuple[Part, int]:
    if depth >= MAX_NESTING:
        return Invalid(start, len(text), text[start:]), len(text)
    match = NAME.match(text, start + 2)
    if not match:
        end = text.find("}", start)
        end = len(text) if end < 0 else end + 1
        return Invalid(start, end, text[start:end]), end
    pos = match.end()
    reference = Reference(match.group(), start, pos, braced=True)
    if pos < len(text) and text[pos] == "}":
        reference.end = pos + 1
        return reference, pos + 1
    for operator in OPERATORS:
        if text.startswith(operator, pos):
            reference.operator = operator
            reference.operand_start = pos + len(operator)
            operand, end = _parse(text, reference.operand_start, closing=True,
                                  depth=depth + 1)
            reference.operand = operand
            reference.operand_end = end
            if end >= len(text) or text[end] != "}":
                return Invalid(start, len(text), text[start:]), len(text)
            reference.end = end + 1
            return reference, end + 1
    end = text.find("}", pos)
    end = len(text) if end < 0 else end + 1
    return Invalid(start, end, text[start:end]), end


def render(parts: list[Part]) -> str:
    """The parts' source text (references rendered as written)."""
    out = []
    for part in parts:
        if isinstance(part, (Literal, Invalid)):
            out.append(part.text)
        elif part.braced:
            inner = part.name + (part.operator or "") + render(part.operand)
            out.append("${" + inner + "}")
        else:
            out.append("$" + part.name)
    return "".join(out)


def references(parts: list[Part]) -> list[Reference]:
    """Every reference, nested operands included, outermost first."""
    found: list[Reference] = []
    for part in parts:
        if isinstance(part, Reference):
            found.append(part)
            found.extend(references(part.operand))
    return found


def literal_text(parts: list[Part]) -> str:
    return "".join(p.text for p in parts if isinstance(p, Literal))


def has_reference(text: str) -> bool:
    """True when ``text`` interpolates a variable: any `${...}`, or `$NAME` in upper case.

    `$word` in lower case inside other text (`pa$word1`) is far more often a literal dollar in a
    password than a reference; it is still reported by the `$`-escaping rule.
    """
    if "$" not in text:
        return False
    parts = parse(text)
    if len(parts) == 1 and isinstance(parts[0], Reference):
        return True
    return any(isinstance(p, Reference) and (p.braced or UPPER_NAME.match(p.name))
               for p in parts)


def is_single_reference(text: str) -> bool:
    """The whole text is one `${...}` reference (a template placeholder in any format)."""
    parts = parse(text.strip())
    return len(parts) == 1 and isinstance(parts[0], Reference) and parts[0].braced


# What Compose (compose-go `template`) accepts; `:=`/`=` are shell-only and Compose refuses them.
COMPOSE_OPERATORS = frozenset({":-", "-", ":?", "?", ":+", "+"})


@dataclass
class Substitution:
    """The value Compose gives a string, and what it would say about it."""

    value: str
    unset: list[str] = field(default_factory=list)  # read with no value: Compose warns, uses ""
    error: str | None = None  # Compose stops: a `:?`/`?` variable missing, or bad syntax

    @property
    def certain(self) -> bool:
        """The value does not depend on a variable this environment leaves unset."""
        return self.error is None and not self.unset


def substitute(text: str, environment: Mapping[str, str]) -> Substitution:
    """Interpolate ``text`` exactly as Compose does, in ``environment`` (shell over `.env`).

    Operands are evaluated even when not used, as compose-go does, so a `:?` nested in an
    unused default still stops Compose. Error messages carry only what the file says, never
    a variable's value.
    """
    result = Substitution("")
    result.value = _substitute(parse(text), environment, result)
    return result


def _substitute(parts: list[Part], environment: Mapping[str, str],
                result: Substitution) -> str:
    out: list[str] = []
    for part in parts:
        if isinstance(part, Literal):
            out.append(part.text)
        elif isinstance(part, Invalid):
            shown = part.text if len(part.text) <= 40 else part.text[:40] + "…"
            result.error = result.error or f"invalid interpolation {shown!r}"
        elif part.operator is not None and part.operator not in COMPOSE_OPERATORS:
            result.error = result.error or (f"invalid interpolation ${{{part.name}"
                                            f"{part.operator}...}}: Compose has no "
                                            f"{part.operator} operator")
        else:
            out.append(_reference(part, environment, result))
    return "".join(out)


def _reference(part: Reference, environment: Mapping[str, str],
               result: Substitution) -> str:
    value = environment.get(part.name)
    operator = part.operator
    if operator is None:
        if value is None:
            result.unset.append(part.name)
        return value or ""
    operand = _substitute(part.operand, environment, result)
    empty_counts = operator.startswith(":")
    missing = value is None or (empty_counts and value == "")
    if operator in (":-", "-"):
        return operand if missing else value or ""
    if operator in (":+", "+"):
        return "" if missing else operand
    if missing:  # :? and ?
        why = operand or "required variable is missing a value"
        result.error = result.error or f"required variable {part.name} is missing a value: {why}"
        return ""
    return value or ""


def syntax_error(text: str) -> str | None:
    """Why Compose refuses to interpolate ``text`` whatever the environment, or None."""
    return _syntax_error(parse(text)) if "$" in text else None


def _syntax_error(parts: list[Part]) -> str | None:
    for part in parts:
        if isinstance(part, Invalid):
            shown = part.text if len(part.text) <= 40 else part.text[:40] + "…"
            return f"invalid interpolation {shown!r}"
        if isinstance(part, Reference):
            if part.operator is not None and part.operator not in COMPOSE_OPERATORS:
                return (f"invalid interpolation ${{{part.name}{part.operator}...}}: Compose has "
                        f"no {part.operator} operator")
            nested = _syntax_error(part.operand)
            if nested:
                return nested
    return None


def resolve(text: str, environment: Mapping[str, str]) -> str | None:
    """The interpolated value when it is certain in ``environment``; None when it is not."""
    substitution = substitute(text, environment)
    return substitution.value if substitution.certain else None
