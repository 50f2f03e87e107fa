"""The result cache: an unchanged file is never rescanned.

Keyed by the file's content (SHA-256), its path (file type and path filters depend on it), the
engine (this package's content-rule sources, detect-secrets' version and plugin fingerprint) and
the settings that change content findings (the manifest's secrets). It holds findings'
positions, rules and hashes only - never a value, not even the redacted prefix, which is read
back from the file on a hit. It lives in the user cache directory (`$XDG_CACHE_HOME`, else
`~/.cache`). A cache that is corrupt, unwritable or from another version is ignored and rebuilt,
never trusted.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite3

SCHEMA = 2
MAX_ENTRIES = 400_000  # beyond this the least recently used fifth is dropped
SOURCES = ("rules/values.py", "rules/leaks.py", "rules/content.py", "rules/prefilter.py",
           "text/names.py", "text/placeholders.py", "text/folding.py", "text/interpolation.py",
           "sources.py", "yamlsafe.py", "findings.py", "suppress.py", "cache.py", "delta.py",
           "historyscan.py")


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "secret-hygiene"


def engine_fingerprint(extra: str = "") -> str:
    """Changes whenever the code that produces content findings changes."""
    from importlib.metadata import PackageNotFoundError, version

    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for relative in SOURCES:
        try:
            digest.update((package / relative).read_bytes())
        except OSError:
            digest.update(relative.encode())
    try:
        digest.update(version("detect-secrets").encode())
    except PackageNotFoundError:
        digest.update(b"detect-secrets?")
    digest.update(extra.encode())
    return digest.hexdigest()


class ResultCache:
    """Per-file content findings. All failures degrade to "not cached"; none is fatal."""

    def __init__(self, path: Path | None, namespace: str) -> None:
        self.namespace = namespace
        self.path = path
        self.problem: str | None = None
        self._db: sqlite3.Connection | None = None
        self._pending: dict[str, str] = {}
        self._touched: list[str] = []
        if path is not None:
            self._open(path)

    def _open(self, path: Path) -> None:
        import sqlite3

        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = self._connect(path)
        except (OSError, sqlite3.Error) as error:
            # corrupt or foreign: start over once; unwritable: run without a cache
            with contextlib.suppress(OSError):
                path.unlink()
            try:
                self._db = self._connect(path)
            except (OSError, sqlite3.Error):
                self._db = None
                self.problem = f"result cache disabled ({path}: {error})"

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        import sqlite3

        db = sqlite3.connect(path, timeout=2.0)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        db.execute("CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, data TEXT, "
                   "used INTEGER NOT NULL DEFAULT 0)")
        row = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row is None:
            db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA),))
            db.commit()
        elif row[0] != str(SCHEMA):
            raise sqlite3.DatabaseError(f"cache schema {row[0]}, expected {SCHEMA}")
        return db

    @property
    def enabled(self) -> bool:
        return self._db is not None

    def key(self, path: str, content_sha256: str) -> str:
        material = f"{self.namespace}\0{path}\0{content_sha256}"
        return hashlib.sha256(material.encode("utf-8", "surrogateescape")).hexdigest()

    def get_many(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        import sqlite3

        if self._db is None:
            return {}
        wanted = list(keys)
        found: dict[str, dict[str, Any]] = {}
        try:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start:start + 500]
                marks = ",".join("?" * len(chunk))
                for key, data in self._db.execute(
                        f"SELECT key, data FROM results WHERE key IN ({marks})", chunk):
                    parsed = json.loads(data)
                    if isinstance(parsed, dict):
                        found[key] = parsed
        except (sqlite3.Error, ValueError) as error:
            self.problem = f"result cache ignored ({error})"
            return {}
        self._touched.extend(found)
        return found

    def put(self, key: str, entry: dict[str, Any]) -> None:
        if self._db is not None:
            self._pending[key] = json.dumps(entry, separators=(",", ":"))

    def flush(self) -> None:
        import sqlite3

        if self._db is None or not (self._pending or self._touched):
            return
        now = int(time.time())
        try:
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO results VALUES (?, ?, ?)",
                                     [(k, v, now) for k, v in self._pending.items()])
                self._db.executemany("UPDATE results SET used = ? WHERE key = ?",
                                     [(now, k) for k in self._touched])
                if self._pending:
                    count = self._db.execute("SELECT COUNT(*) FROM results").fetchone()[0]
                    if count > MAX_ENTRIES:
                        self._db.execute(
                            "DELETE FROM results WHERE key IN (SELECT key FROM results "
                            "ORDER BY used LIMIT ?)", (count // 5,))
        except sqlite3.Error as error:
            self.problem = f"result cache not updated ({error})"
        self._pending.clear()
        self._touched.clear()

    def close(self) -> None:
        import sqlite3

        self.flush()
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None
