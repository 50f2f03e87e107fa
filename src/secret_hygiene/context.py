"""The project a command runs on: its root, git repository, settings, manifest and baseline."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .config import (
    BASELINE_NAME,
    DETECT_SECRETS_BASELINE,
    Settings,
    find_baseline,
    find_manifest,
    load_settings,
)
from .manifest import Manifest, default_manifest, load_manifest
from .repo import Repo


@dataclass
class Project:
    root: Path
    repo: Repo | None
    settings: Settings
    manifest: Manifest
    baseline_path: Path | None

    def relative(self, path: Path | None) -> str | None:
        if path is None:
            return None
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return None

    def own_files(self) -> set[str]:
        """The tool's own files, never scanned: the manifest and the baselines."""
        own = {BASELINE_NAME, DETECT_SECRETS_BASELINE}
        for path in (self.manifest.path, self.baseline_path):
            relative = self.relative(path)
            if relative:
                own.add(relative)
        return own


def open_project(cwd: Path, manifest: str | None = None,
                 baseline: str | None = None) -> Project:
    """Find the repository, settings and manifest. Raises ConfigError or ManifestError."""
    repo = Repo.discover(cwd)
    root = repo.root if repo else cwd.resolve()
    settings = load_settings(root)
    manifest_path = find_manifest(root, manifest, settings)
    loaded = load_manifest(manifest_path) if manifest_path else default_manifest()
    return Project(root, repo, settings, loaded, find_baseline(root, baseline, settings))
