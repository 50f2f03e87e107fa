"""pre-commit hook: SH2xx: secret files tracked, staged, not ignored or readable."""

from __future__ import annotations

from collections.abc import Sequence

from . import run


def main(argv: Sequence[str] | None = None) -> int:
    return run(["check", "--select", "SH2"], argv)


if __name__ == "__main__":
    raise SystemExit(main())
