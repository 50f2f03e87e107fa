"""pre-commit hook: SH1xx: hardcoded secrets and literal fallbacks in the passed files."""

from __future__ import annotations

from collections.abc import Sequence

from . import run


def main(argv: Sequence[str] | None = None) -> int:
    return run(["check", "--from-hook", "--select", "SH1"], argv)


if __name__ == "__main__":
    raise SystemExit(main())
