"""pre-commit hook: SH4xx validation of the live secret values (manual stage, for CI)."""

from __future__ import annotations

from collections.abc import Sequence

from . import run


def main(argv: Sequence[str] | None = None) -> int:
    return run(["validate"], argv)


if __name__ == "__main__":
    raise SystemExit(main())
