"""pre-commit hook: all static checks on the passed files plus cheap repository checks."""

from __future__ import annotations

from collections.abc import Sequence

from . import run


def main(argv: Sequence[str] | None = None) -> int:
    return run(["check", "--from-hook"], argv)


if __name__ == "__main__":
    raise SystemExit(main())
