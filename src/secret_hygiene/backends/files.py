"""Secret files: `NAME_FILE` targets and Docker secrets mounted under /run/secrets."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from ..fsread import read_regular, reason
from . import BackendError, Lookup, strip_newline

MAX_SECRET_BYTES = 1024 * 1024


def read_secret_file(path: Path, source: str, where: str) -> Lookup:
    """The file's text, one trailing newline stripped. Missing is "not found"; unreadable is an
    error (the value exists but could not be checked). Symlinks are followed (Kubernetes mounts
    secrets through them); FIFOs and devices are never read."""
    if not path.exists():
        return Lookup(None, source, where, detail="which does not exist")
    if not path.is_file():
        kind = "a directory" if path.is_dir() else "not a regular file"
        return Lookup(None, source, where, detail=f"which is {kind}")
    try:
        data = read_regular(path, follow=True, limit=MAX_SECRET_BYTES)
        changed = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
    except OSError as error:
        raise BackendError(f"cannot read {path}: {reason(error)}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise BackendError(f"{path} is not UTF-8 text") from None
    return Lookup(strip_newline(text), source, where, changed=changed,
                  changed_how="file modification time, approximate")
