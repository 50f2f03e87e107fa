"""pre-commit hook: SH501: secrets anywhere in git history (manual stage)."""

from __future__ import annotations

from collections.abc import Sequence

from . import run


def main(argv: Sequence[str] | None = None) -> int:
    return run(["history"], argv)


if __name__ == "__main__":
    raise SystemExit(main())
