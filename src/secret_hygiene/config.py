"""Project settings: `[tool.secret-hygiene]` in pyproject.toml, and where the manifest is."""

from __future__ import annotations

import difflib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

from .fsread import read_text, reason
from .manifest import MANIFEST_NAMES

BASELINE_NAME = ".secret-hygiene-baseline.json"
DETECT_SECRETS_BASELINE = ".secrets.baseline"
SETTINGS_KEYS = ("manifest", "exclude", "baseline")


class ConfigError(Exception):
    """Settings that cannot be used; the message names the file."""


@dataclass(frozen=True)
class Settings:
    pyproject: Path | None = None
    manifest: str | None = None
    exclude: tuple[str, ...] = ()
    baseline: str | None = None


def load_settings(root: Path) -> Settings:
    pyproject = root / "pyproject.toml"
    if not pyproject.exists():
        return Settings()
    try:
        data = tomllib.loads(read_text(pyproject))
    except OSError as error:
        raise ConfigError(f"{pyproject}: cannot read: {reason(error)}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{pyproject}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{pyproject}: invalid TOML: {error}") from None
    tool = data.get("tool", {})
    section = tool.get("secret-hygiene") if isinstance(tool, dict) else None
    if section is None:
        return Settings(pyproject=pyproject)
    if not isinstance(section, dict):
        raise ConfigError(f"{pyproject}: [tool.secret-hygiene] must be a table")
    for key in section:
        if key not in SETTINGS_KEYS:
            close = difflib.get_close_matches(key, SETTINGS_KEYS, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else \
                f"allowed: {', '.join(SETTINGS_KEYS)}"
            raise ConfigError(f"{pyproject}: unknown key '{key}' in [tool.secret-hygiene] "
                              f"({hint})")
    return Settings(
        pyproject=pyproject,
        manifest=_string(section, "manifest", pyproject),
        exclude=_strings(section, "exclude", pyproject),
        baseline=_string(section, "baseline", pyproject),
    )


def _string(section: dict[str, Any], key: str, path: Path) -> str | None:
    value = section.get(key)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{path}: [tool.secret-hygiene] {key} must be a string")
    return value


def _strings(section: dict[str, Any], key: str, path: Path) -> tuple[str, ...]:
    value = section.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path}: [tool.secret-hygiene] {key} must be a list of strings")
    return tuple(value)


def find_manifest(root: Path, explicit: str | None, settings: Settings) -> Path | None:
    """The manifest to use: --manifest, then pyproject's setting, then the repository root."""
    if explicit:
        path = Path(explicit)
        if not path.is_absolute():
            path = Path.cwd() / path
        if not path.exists():
            raise ConfigError(f"{explicit}: manifest not found")
        return path
    if settings.manifest:
        path = root / settings.manifest
        if not path.exists():
            raise ConfigError(f"{settings.pyproject}: [tool.secret-hygiene] manifest = "
                              f"'{settings.manifest}' does not exist")
        return path
    for name in MANIFEST_NAMES:
        candidate = root / name
        if candidate.exists() or candidate.is_symlink():
            return candidate  # whatever it is: loading says what is wrong with it
    return None


def find_baseline(root: Path, explicit: str | None, settings: Settings) -> Path | None:
    if explicit:
        path = Path(explicit)
        return path if path.is_absolute() else Path.cwd() / path
    if settings.baseline:
        return root / settings.baseline
    for name in (BASELINE_NAME, DETECT_SECRETS_BASELINE):
        if (root / name).is_file():
            return root / name
    return None
