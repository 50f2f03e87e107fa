"""One thin entry point per pre-commit hook: a fixed selection over the command line."""

from __future__ import annotations

import os
from collections.abc import Sequence

from ..cli import main as cli_main


def run(fixed: list[str], argv: Sequence[str] | None) -> int:
    """Run the CLI with the hook's fixed arguments, then the hook's own, then the files.

    pre-commit appends file names after the hook's arguments with no `--`; a file named like
    an option (`--output=x`) must stay a file, so existing paths that look like options are
    moved behind a `--`.
    """
    import sys

    extra = list(sys.argv[1:] if argv is None else argv)
    options = [a for a in extra if not (a.startswith("-") and os.path.lexists(a))]
    files = [a for a in extra if a.startswith("-") and os.path.lexists(a)]
    return cli_main([*fixed, *options, *(["--", *files] if files else [])])
