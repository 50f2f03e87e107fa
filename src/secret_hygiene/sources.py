"""Reading the files a scan covers: which ones, how they decode, what kind of file each is."""

from __future__ import annotations

import codecs
import enum
import os
import re
import stat
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import lru_cache
from pathlib import Path, PurePosixPath

from . import ownreports
from .findings import Skipped
from .fsread import describe, read_regular, reason
from .text.placeholders import is_template_file

BINARY_PROBE = 8192
SKIP_DIRS = frozenset({".git", ".hg", ".svn"})
# Outside git there is no ignore file to ask: leave out what is never the project's own code.
NON_PROJECT_DIRS = frozenset({"node_modules", ".venv", "venv", "__pycache__", ".tox", ".nox",
                              ".mypy_cache", ".pytest_cache", ".ruff_cache", ".eggs",
                              "site-packages", ".cache", ".terraform", "bower_components"})


class Kind(enum.Enum):
    YAML = "yaml"
    JSON = "json"
    TOML = "toml"
    INI = "ini"
    ENV = "env"
    DOCKERFILE = "dockerfile"
    SHELL = "shell"
    MAKE = "make"
    PYTHON = "python"
    CODE = "code"
    PROSE = "prose"
    OTHER = "other"

    @property
    def quotes_required(self) -> bool:
        """In source code an unquoted right-hand side is an expression, not a literal."""
        return self in (Kind.PYTHON, Kind.CODE, Kind.JSON, Kind.TOML)

    @property
    def interpolates(self) -> bool:
        """Whether `$VAR` in a value is expanded by whatever reads the file."""
        return self in (Kind.YAML, Kind.ENV, Kind.SHELL, Kind.DOCKERFILE, Kind.MAKE,
                        Kind.OTHER, Kind.PROSE, Kind.INI)


CODE_SUFFIXES = frozenset({
    ".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs", ".go", ".java", ".kt", ".kts", ".rb", ".php",
    ".cs", ".swift", ".rs", ".scala", ".groovy", ".gradle", ".c", ".h", ".cc", ".cpp", ".hpp",
    ".m", ".tf", ".hcl", ".lua", ".pl", ".r", ".dart", ".ex", ".exs", ".erl", ".clj", ".vue",
    ".svelte", ".sql", ".ps1", ".psm1",
})
PROSE_SUFFIXES = frozenset({".md", ".markdown", ".rst", ".txt", ".adoc", ".html", ".htm",
                            ".xml"})
SHELL_SUFFIXES = frozenset({".sh", ".bash", ".zsh", ".ksh", ".fish"})
SHELL_NAMES = frozenset({".envrc", ".bashrc", ".bash_profile", ".profile", ".zshrc"})
INI_SUFFIXES = frozenset({".ini", ".cfg", ".conf", ".properties", ".cnf"})
SHEBANG = re.compile(r"^#!.*\b(?:sh|bash|zsh|ksh|dash)\b")


# kinds a shebang line turns into SHELL (the kinds decided after the shell check)
SHEBANG_OVERRIDES = frozenset({Kind.MAKE, Kind.INI, Kind.PYTHON, Kind.CODE, Kind.PROSE,
                               Kind.OTHER})


def kind_of(path: str, first_line: str = "") -> Kind:
    kind = _kind_of_name(path)
    if kind in SHEBANG_OVERRIDES and first_line.startswith("#!") and SHEBANG.match(first_line):
        return Kind.SHELL
    return kind


@lru_cache(maxsize=8192)
def _kind_of_name(path: str) -> Kind:
    """The kind a file's name gives it (history asks once per path, not once per version)."""
    name = PurePosixPath(path).name
    lower = name.lower()
    if is_template_file(lower):
        for marker in (".example", ".sample", ".template", ".dist", "-example", "_example",
                       "-sample", "_sample"):
            lower = lower.replace(marker, "")
        if not lower or lower in ("env", "."):
            lower = ".env"
    suffix = PurePosixPath(lower).suffix
    if suffix in (".yaml", ".yml", ".eyaml"):
        return Kind.YAML
    if suffix in (".json", ".jsonc", ".json5"):
        return Kind.JSON
    if suffix == ".toml":
        return Kind.TOML
    if lower == ".env" or lower.startswith(".env.") or suffix == ".env" or lower == "env":
        return Kind.ENV
    if lower in ("dockerfile", "containerfile") or lower.startswith("dockerfile.") \
            or suffix == ".dockerfile":
        return Kind.DOCKERFILE
    if suffix in SHELL_SUFFIXES or lower in SHELL_NAMES:
        return Kind.SHELL
    if lower in ("makefile", "gnumakefile") or suffix == ".mk":
        return Kind.MAKE
    if suffix in INI_SUFFIXES:
        return Kind.INI
    if suffix in (".py", ".pyw", ".pyi"):
        return Kind.PYTHON
    if suffix in CODE_SUFFIXES:
        return Kind.CODE
    if suffix in PROSE_SUFFIXES:
        return Kind.PROSE
    return Kind.OTHER


def normal_lines(text: str) -> tuple[str, list[str]]:
    """The text with `\n` line ends and no byte-order mark, and its lines (no line ends)."""
    normal = text.replace("\r\n", "\n").replace("\r", "\n")
    if normal.startswith("\ufeff"):
        normal = normal[1:]
    lines = normal.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return normal, lines


def line_starts(lines: list[str]) -> list[int]:
    """The offset of each line in ``"\n".join(lines)``."""
    starts: list[int] = []
    position = 0
    for line in lines:
        starts.append(position)
        position += len(line) + 1
    return starts


@dataclass
class SourceFile:
    path: str  # repository-relative, with forward slashes
    text: str
    lines: list[str]
    kind: Kind
    template: bool
    replaced_bytes: bool = False
    notes: list[str] = field(default_factory=list)
    line_based: bool = False  # only some lines kept (see delta.py): no whole-file transformers

    @classmethod
    def from_text(cls, path: str, text: str) -> SourceFile:
        """A file whose text is already in memory (a git blob, a decoded Kubernetes value)."""
        normal, lines = normal_lines(text)
        first = lines[0] if lines else ""
        return cls(path, normal, lines, kind_of(path, first), is_template_file(path))


LOCK_FILES = frozenset({
    "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lock",
    "bun.lockb", "deno.lock", "pipfile.lock", "poetry.lock", "pdm.lock", "uv.lock",
    "cargo.lock", "composer.lock", "gemfile.lock", "podfile.lock", "go.sum", "flake.lock",
    "mix.lock", "pubspec.lock", "packages.lock.json", "gradle.lockfile", "package.resolved",
    "conda-lock.yml", "conda-lock.yaml", "gopkg.lock", "paket.lock", "cartfile.resolved",
})


def is_lock_file(path: str) -> bool:
    """Dependency lock files: their hashes and integrity strings are never secrets."""
    return PurePosixPath(path).name.lower() in LOCK_FILES


def decode(data: bytes) -> tuple[str, bool]:
    """UTF-8 text, with undecodable bytes replaced (never a silent skip). True if replaced."""
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace"), True


def is_binary(data: bytes) -> bool:
    return b"\0" in data[:BINARY_PROBE]


def read_source(root: Path, path: str) -> SourceFile | Skipped:
    """Read one repository file, or say why it was skipped.

    Symlinks are not followed (their targets inside the repository are scanned in their own
    right; targets outside it are out of scope). Binary files are skipped. A file that cannot
    be read makes the scan incomplete.
    """
    data = read_bytes(root, path)
    return data if isinstance(data, Skipped) else source_from_bytes(path, data)


def read_bytes(root: Path, path: str) -> bytes | Skipped:
    """A repository file's bytes, or why they were not read (see read_source)."""
    full = root / path
    try:
        info = full.lstat()
    except FileNotFoundError:
        return Skipped(path, "deleted from the working tree", incomplete=False)
    except OSError as error:
        return Skipped(path, f"cannot stat: {error.strerror}", incomplete=True)
    if stat.S_ISLNK(info.st_mode):
        try:
            target = full.resolve(strict=False)
            inside = target.is_relative_to(root.resolve())
        except (OSError, RuntimeError):
            inside = False
        why = "symlink (its target is scanned in place)" if inside else \
            "symlink pointing outside the repository (not followed)"
        return Skipped(path, why, incomplete=False)
    if stat.S_ISDIR(info.st_mode):
        return Skipped(path, "directory (a git submodule or nested repository)",
                       incomplete=False)
    if not stat.S_ISREG(info.st_mode):
        return Skipped(path, f"{describe(info.st_mode)}, not a regular file", incomplete=False)
    try:
        return read_regular(full)
    except OSError as error:
        return Skipped(path, f"cannot read: {reason(error)}", incomplete=True)


def source_from_bytes(path: str, data: bytes) -> SourceFile | Skipped:
    """The text of a file's bytes: UTF-8 (undecodable bytes replaced) or UTF-16 with a BOM;
    binary content (a NUL in the first 8 KiB) is skipped."""
    utf16 = data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    if is_binary(data) and not utf16:
        return Skipped(path, "binary", incomplete=False)
    if utf16:
        text, replaced = data.decode("utf-16", "replace"), False
    else:
        text, replaced = decode(data)
    report = ownreports.masked(text)  # our own report: its hashes are not secrets
    source = SourceFile.from_text(path, text if report is None else report)
    source.replaced_bytes = replaced
    if replaced:
        source.notes.append("not valid UTF-8: undecodable bytes replaced, file still scanned")
    return source


def walk_directory(root: Path) -> list[str]:
    """Every file under ``root`` when there is no git to ask (version-control, dependency and
    cache folders left out)."""
    found: list[str] = []
    for directory, subdirs, files in os.walk(root, followlinks=False):
        subdirs[:] = sorted(d for d in subdirs
                            if d not in SKIP_DIRS and d not in NON_PROJECT_DIRS)
        base = Path(directory)
        for name in sorted(files):
            found.append((base / name).relative_to(root).as_posix())
        for name in subdirs:
            if (base / name).is_symlink():
                found.append((base / name).relative_to(root).as_posix())
    return found


def glob_match(path: str, pattern: str) -> bool:
    """Glob with `*` inside one path segment and `**` across segments."""
    return bool(_glob_regex(pattern).match(path))


@lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    pattern = pattern.strip().lstrip("/")
    if pattern.startswith("./"):
        pattern = pattern[2:]
    if pattern.endswith("/"):
        pattern += "**"
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def excluded(path: str, patterns: tuple[str, ...]) -> bool:
    return any(glob_match(path, p) or fnmatchcase(path, p) for p in patterns)
