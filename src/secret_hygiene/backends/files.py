"""Secret files: `NAME_FILE` targets and Docker secrets mounted under /run/secrets."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from . import BackendError, Lookup, strip_newline


def read_secret_file(path: Path, source: str, where: str) -> Lookup:
    """The file's text, one trailing newline stripped. Missing is "not found"; unreadable is an
    error (the value exists but could not be checked)."""
    if not path.exists():
        return Lookup(None, source, where, detail="which does not exist")
    if path.is_dir():
        return Lookup(None, source, where, detail="which is a directory, not a file")
    try:
        data = path.read_bytes()
        changed = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
    except OSError as error:
        raise BackendError(f"cannot read {path}: {error.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise BackendError(f"{path} is not UTF-8 text") from None
    return Lookup(strip_newline(text), source, where, changed=changed,
                  changed_how="file modification time, approximate")
