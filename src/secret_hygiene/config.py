"""Project settings: `[tool.secret-hygiene]` in pyproject.toml, and where the manifest is."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

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
    if not pyproject.is_file():
        return Settings()
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{pyproject}: cannot read: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{pyproject}: invalid TOML: {error}") from None
    section = data.get("tool", {}).get("secret-hygiene")
    if section is None:
        return Settings(pyproject=pyproject)
    if not isinstance(section, dict):
        raise ConfigError(f"{pyproject}: [tool.secret-hygiene] must be a table")
    for key in section:
        if key not in SETTINGS_KEYS:
            raise ConfigError(f"{pyproject}: unknown key '{key}' in [tool.secret-hygiene] "
                              f"(allowed: {', '.join(SETTINGS_KEYS)})")
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
        if not path.is_file():
            raise ConfigError(f"{explicit}: manifest not found")
        return path
    if settings.manifest:
        path = root / settings.manifest
        if not path.is_file():
            raise ConfigError(f"{settings.pyproject}: [tool.secret-hygiene] manifest = "
                              f"'{settings.manifest}' does not exist")
        return path
    for name in MANIFEST_NAMES:
        if (root / name).is_file():
            return root / name
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
