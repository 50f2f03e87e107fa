"""SH201-SH203: secret files - committed, staged, not ignored, or readable by others.

A secret file is a path the manifest names (`file:`), a compose secret's `file:` source, a path
matching `policy.secret_files` (default `secrets/*`), an env file holding secret values, or a
private-key file. Git itself judges tracking and ignoring.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..compose import ComposeFile, inside_repository, normalise_path
from ..findings import Finding, Severity
from ..manifest import Manifest
from ..repo import IgnoreMatch
from ..sources import glob_match
from ..text.placeholders import is_template_file
from .catalogue import get

KEEP_FILES = frozenset({"readme", "readme.md", "readme.txt", "readme.rst", ".gitkeep", ".keep",
                        ".gitignore", ".dockerignore"})
KEY_FILE_NAMES = frozenset({"id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk",
                            "id_ed25519_sk"})
KEY_FILE_SUFFIXES = frozenset({".p12", ".pfx", ".jks", ".keystore", ".ppk"})
PEM_CANDIDATE_SUFFIXES = frozenset({".pem", ".key"})
PRIVATE_KEY_HEADER = re.compile(rb"-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----")


@dataclass
class Candidate:
    path: str
    why: str


def is_env_file(path: str) -> bool:
    name = path.rsplit("/", 1)[-1].lower()
    if "env" not in name or is_template_file(name):
        return False
    return name == ".env" or name.startswith(".env.") or name.endswith(".env")


def is_key_file(path: str, read_head: Callable[[str], bytes | None]) -> bool:
    name = path.rsplit("/", 1)[-1].lower()
    suffix = name[name.rfind("."):] if "." in name[1:] else ""
    if name in KEY_FILE_NAMES or suffix in KEY_FILE_SUFFIXES:
        return True
    if suffix in PEM_CANDIDATE_SUFFIXES:
        head = read_head(path)
        return bool(head and PRIVATE_KEY_HEADER.search(head))
    return False


def _policy_matches(root: Path, pattern: str, listed: list[str]) -> set[str]:
    """Files matching a policy glob: listed ones, plus ignored ones on disk under its folder."""
    found = {p for p in listed if glob_match(p, pattern)}
    literal = []
    for part in pattern.strip("/").split("/"):
        if any(c in part for c in "*?["):
            break
        literal.append(part)
    if not literal:
        return found
    base = root.joinpath(*literal)
    try:
        inside = base.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):
        inside = False
    if not inside or any(root.joinpath(*literal[:i]).is_symlink()
                         for i in range(1, len(literal) + 1)):
        return found  # never walk out of the repository, nor through a symlink
    if base.is_file():
        found.add("/".join(literal))
        return found
    if not base.is_dir():
        return found
    for directory, subdirs, files in os.walk(base):
        subdirs[:] = [d for d in subdirs if d != ".git"]
        for name in files:
            relative = (Path(directory) / name).relative_to(root).as_posix()
            if glob_match(relative, pattern):
                found.add(relative)
    return found


def collect_candidates(root: Path, manifest: Manifest, listed: list[str],
                       composes: list[ComposeFile], env_secrets: Callable[[str], list[str]],
                       read_head: Callable[[str], bytes | None]) -> dict[str, Candidate]:
    """Every secret-file path the repository shows, with the reason it counts."""
    found: dict[str, Candidate] = {}

    def add(path: str, why: str) -> None:
        if not inside_repository(path) or path.rsplit("/", 1)[-1].lower() in KEEP_FILES:
            return
        found.setdefault(path, Candidate(path, why))

    for spec in manifest.secrets.values():
        if spec.file:
            add(normalise_path(spec.file), f"the manifest's file: for {spec.name}")
    for compose in composes:
        for name, secret in compose.secrets.items():
            source = compose.secret_source(secret)
            if source is not None and source[1] is not None:
                add(source[1], f"source of compose secret {name} ({compose.path}:"
                               f"{source[0].line})")
    for pattern in manifest.policy.secret_files:
        for path in sorted(_policy_matches(root, pattern, listed)):
            add(path, f"policy.secret_files '{pattern}'")
    for path in listed:
        if is_env_file(path):
            names = env_secrets(path)
            if names:
                add(path, f"env file holding {', '.join(names[:3])}"
                          f"{'…' if len(names) > 3 else ''}")
        elif is_key_file(path, read_head):
            add(path, "private key file")
    if (root / ".env").is_file() and ".env" not in found:
        names = env_secrets(".env")
        if names:
            add(".env", f"env file holding {', '.join(names[:3])}")
    return found


def check_files(root: Path, candidates: dict[str, Candidate], selected: set[str],
                tracked: set[str] | None, committed: set[str],
                ignore: dict[str, IgnoreMatch]) -> list[Finding]:
    findings: list[Finding] = []

    def emit(rule_id: str, path: str, message: str, hint: str,
             severity: Severity | None = None) -> None:
        if rule_id in selected:
            rule = get(rule_id)
            findings.append(Finding(rule.id, severity or rule.severity, path, None, None,
                                    message, hint, subject=f"{rule_id}:{path}"))

    for path, candidate in sorted(candidates.items()):
        if tracked is not None and path in tracked:
            state = "committed" if path in committed else "staged"
            emit("SH201", path, f"secret file ({candidate.why}) is {state} in git",
                 f"git rm --cached {path}, ignore it in .gitignore"
                 + (", and rotate the secret: it is in history" if state == "committed"
                    else " before committing"))
        match = ignore.get(path)
        if tracked is not None and match is not None and not match.ignored:
            emit("SH202", path, f"secret file ({candidate.why}) is not ignored by git: "
                 f"{match.describe()}",
                 f"add '{path}' to .gitignore (and remove any '!' pattern that re-includes it); "
                 f"check with: git check-ignore -v {path}")
        _permissions(emit, root, path)
    return findings


def _permissions(emit: Callable[..., None], root: Path, path: str) -> None:
    if os.name != "posix":
        return
    try:
        info = (root / path).lstat()
    except OSError:
        return
    if not stat.S_ISREG(info.st_mode):
        return
    mode = stat.S_IMODE(info.st_mode)
    if mode & stat.S_IWOTH:
        emit("SH203", path, f"secret file is writable by others (mode {mode:04o})",
             f"chmod 600 {path}", Severity.WARNING)
    elif mode & stat.S_IROTH:
        emit("SH203", path, f"secret file is readable by others (mode {mode:04o})",
             f"chmod 600 {path} (or 640 with the group the container user needs)")
