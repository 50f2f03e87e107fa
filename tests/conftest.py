"""Shared fixtures: throw-away git repositories, the CLI (in-process and as a real process),
run-time test secrets, and the shared reference material."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import string
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from secret_hygiene import cli
from secret_hygiene.findings import REDACTION

PROJECT = Path(__file__).resolve().parents[1]
TOOL = Path(sys.executable).parent / "secret-hygiene"


def shared_dir() -> Path:
    """../shared beside the checkout (or SECRET_HYGIENE_SHARED). Tests need it: never skipped."""
    candidates = [os.environ.get("SECRET_HYGIENE_SHARED"), PROJECT.parent / "shared",
                  "/work/shared"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "cases").is_dir():
            return Path(candidate)
    raise RuntimeError("the shared folder (../shared) is missing; set SECRET_HYGIENE_SHARED")


SHARED = shared_dir()


# --- test secrets, made at run time -------------------------------------------------------------

def token(length: int = 32, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def distinct(length: int) -> str:
    """A random value of ``length`` different characters: its entropy is log2(length), so
    entropy checks on it are deterministic."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.SystemRandom().sample(alphabet, length))


def aws_key_id() -> str:
    return "AKIA" + token(16, string.ascii_uppercase + "234567")


def github_token() -> str:
    return "ghp_" + token(36)


def private_key_pem() -> str:
    """A real RSA private key in PEM form, generated now (never stored in the repository)."""
    proc = subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                           "rsa_keygen_bits:1024"], capture_output=True, text=True, check=True)
    return proc.stdout


# --- repositories ------------------------------------------------------------------------------

@dataclass
class Repo:
    path: Path

    def git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", *args], cwd=self.path, capture_output=True, text=True,
                              check=check)

    def write(self, relative: str, text: str, mode: int | None = None) -> Path:
        target = self.path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        if mode is not None:
            target.chmod(mode)
        return target

    def commit(self, message: str = "commit", *paths: str) -> None:
        self.git("add", "-A", *paths) if not paths else self.git("add", *paths)
        self.git("commit", "-q", "--allow-empty", "-m", message)

    def manifest(self, text: str | None = None) -> None:
        self.write("secret-manifest.yaml", text if text is not None else
                   (SHARED / "cases" / "_common" / "secret-manifest.yaml").read_text())


def init_repo(path: Path) -> Repo:
    path.mkdir(parents=True, exist_ok=True)
    repo = Repo(path)
    repo.git("init", "-q", "-b", "main")
    repo.git("config", "user.email", "tests@example.invalid")
    repo.git("config", "user.name", "Tests")
    repo.git("config", "commit.gpgsign", "false")
    return repo


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return init_repo(tmp_path / "repo")


# --- running the tool --------------------------------------------------------------------------

@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def report(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.stdout)
        return data

    @property
    def findings(self) -> list[dict[str, Any]]:
        return list(self.report["findings"])

    def rules(self) -> list[str]:
        return [f["rule"] for f in self.findings]

    def at(self, rule: str) -> list[tuple[str | None, int | None]]:
        return [(f["path"], f["line"]) for f in self.findings if f["rule"] == rule]


Runner = Callable[..., Result]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Runner:
    """The CLI in-process (fast): run(cwd, *args, env={...})."""

    def runner(cwd: Path, *args: str, env: dict[str, str] | None = None,
               unset: tuple[str, ...] = ()) -> Result:
        monkeypatch.chdir(cwd)
        for name in unset:
            monkeypatch.delenv(name, raising=False)
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("NO_COLOR", "1")
        capsys.readouterr()
        code = cli.main(list(args))
        out = capsys.readouterr()
        return Result(code, out.out, out.err)

    return runner


def run_process(cwd: Path, *args: str, env: dict[str, str] | None = None,
                timeout: float = 120) -> Result:
    """The installed console script as a real process (what users and pre-commit run)."""
    environment = {**os.environ, "NO_COLOR": "1", **(env or {})}
    proc = subprocess.run([str(TOOL), *args], cwd=cwd, capture_output=True, text=True,
                          env=environment, timeout=timeout)
    return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture(autouse=True)
def _own_cache(tmp_path_factory: pytest.TempPathFactory,
               monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets an empty result cache of its own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(autouse=True)
def _fresh_redaction() -> Iterator[None]:
    REDACTION.clear()
    yield
    REDACTION.clear()


def copy_tree(source: Path, target: Path) -> None:
    shutil.copytree(source, target, dirs_exist_ok=True)
