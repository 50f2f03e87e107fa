"""pre-commit hook: SH3xx checks on the compose model."""

from __future__ import annotations

from collections.abc import Sequence

from . import run


def main(argv: Sequence[str] | None = None) -> int:
    return run(["check", "--select", "SH3"], argv)


if __name__ == "__main__":
    raise SystemExit(main())
