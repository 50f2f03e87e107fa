"""One thin entry point per pre-commit hook: a fixed selection over the command line."""

from __future__ import annotations

from collections.abc import Sequence

from ..cli import main as cli_main


def run(fixed: list[str], argv: Sequence[str] | None) -> int:
    import sys

    extra = list(sys.argv[1:] if argv is None else argv)
    return cli_main([*fixed, *extra])
