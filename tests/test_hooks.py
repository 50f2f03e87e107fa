"""Every hook in .pre-commit-hooks.yaml, run by the real pre-commit (`try-repo`) in throw-away
repositories: staged files, --all-files and --files, and the manual-stage hooks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from conftest import PROJECT, SHARED, Repo, aws_key_id, init_repo, token

PRE_COMMIT = Path(sys.executable).parent / "pre-commit"
HOOK_IDS = ("secret-hygiene", "secret-hygiene-values", "secret-hygiene-gitignore",
            "secret-hygiene-compose", "secret-hygiene-validate", "secret-hygiene-history")


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """This checkout, working tree included, as one commit: pre-commit installs it once."""
    snapshot = tmp_path_factory.mktemp("hook-repo")
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], cwd=PROJECT, capture_output=True,
                            check=True).stdout.split(b"\0")
    for raw in listed:
        if not raw:
            continue
        relative = raw.decode()
        source = PROJECT / relative
        if source.is_file():
            target = snapshot / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    repo = init_repo(snapshot)
    repo.commit("snapshot")
    yield snapshot


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def try_repo(repo: Repo, hook_repo: Path, home: Path, hook: str, *args: str,
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1",
                   **(env or {})}
    return subprocess.run([str(PRE_COMMIT), "try-repo", str(hook_repo), hook, *args],
                          cwd=repo.path, capture_output=True, text=True, env=environment,
                          timeout=600)


def test_hooks_file_declares_every_hook() -> None:
    hooks = yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text())
    assert tuple(h["id"] for h in hooks) == HOOK_IDS
    by_id = {h["id"]: h for h in hooks}
    assert by_id["secret-hygiene-gitignore"]["pass_filenames"] is False
    assert by_id["secret-hygiene-gitignore"]["always_run"] is True
    assert by_id["secret-hygiene-validate"]["stages"] == ["manual"]
    assert by_id["secret-hygiene-history"]["stages"] == ["manual"]
    assert all(h["language"] == "python" and h["description"] for h in hooks)


def test_main_hook_on_staged_files(repo: Repo, hook_repo: Path, pre_commit_home: Path) -> None:
    key = aws_key_id()
    repo.write("deploy.sh", f"export AWS_ACCESS_KEY_ID={key}\n")
    repo.git("add", "deploy.sh")
    proc = try_repo(repo, hook_repo, pre_commit_home, "secret-hygiene")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert "deploy.sh:1:" in output and "SH102" in output
    assert key not in output
    repo.write("deploy.sh", "export AWS_ACCESS_KEY_ID=\"$AWS_ACCESS_KEY_ID\"\n")
    repo.git("add", "deploy.sh")
    clean = try_repo(repo, hook_repo, pre_commit_home, "secret-hygiene")
    assert clean.returncode == 0, clean.stdout + clean.stderr


def test_main_hook_all_files_and_files_catch_an_old_commit(repo: Repo, hook_repo: Path,
                                                           pre_commit_home: Path) -> None:
    value = token(30)
    repo.write("old.py", f'password = "{value}"\n')
    repo.commit("long ago")
    repo.write("new.py", "x = 1\n")
    repo.git("add", "new.py")
    staged_only = try_repo(repo, hook_repo, pre_commit_home, "secret-hygiene")
    assert staged_only.returncode == 0, staged_only.stdout  # old.py is not staged
    for args in (["--all-files"], ["--files", "old.py"]):
        proc = try_repo(repo, hook_repo, pre_commit_home, "secret-hygiene", *args)
        assert proc.returncode == 1 and "old.py:1:" in proc.stdout, proc.stdout
        assert value not in proc.stdout + proc.stderr


def test_values_hook(repo: Repo, hook_repo: Path, pre_commit_home: Path) -> None:
    repo.manifest()
    repo.write(".env.production", f"DB_PASSWORD={token(24)}\n")
    repo.git("add", "-A")
    proc = try_repo(repo, hook_repo, pre_commit_home, "secret-hygiene-values")
    assert proc.returncode == 1 and "SH101" in proc.stdout and "SH201" not in proc.stdout


def test_gitignore_hook_runs_without_matching_files(repo: Repo, hook_repo: Path,
                                                    pre_commit_home: Path) -> None:
    repo.manifest()
    repo.write(".gitignore", "secrets/*\n!secrets/*.txt\n")
    repo.write("secrets/db_password.txt", "replace-with-a-real-db-password\n")
    repo.commit("secrets")
    repo.write("README.md", "unrelated\n")
    repo.git("add", "README.md")
    proc = try_repo(repo, hook_repo, pre_commit_home, "secret-hygiene-gitignore")
    assert proc.returncode == 1
    assert "secrets/db_password.txt: SH201" in proc.stdout
    assert "secrets/db_password.txt: SH202" in proc.stdout


def test_compose_hook_runs_when_a_compose_file_changes(repo: Repo, hook_repo: Path,
                                                       pre_commit_home: Path) -> None:
    repo.write("README.md", "unrelated\n")
    repo.git("add", "README.md")
    skipped = try_repo(repo, hook_repo, pre_commit_home, "secret-hygiene-compose")
    assert skipped.returncode == 0 and "Skipped" in skipped.stdout
    repo.write("docker-compose.yml",
               "services:\n  db:\n    image: postgres:16\n    environment:\n"
               "      POSTGRES_PASSWORD_FILE: /run/secrets/db_password.txt\n"
               "    secrets: [db_password]\n"
               "secrets:\n  db_password:\n    file: ./secrets/db_password.txt\n")
    repo.write(".gitignore", "secrets/\n")
    repo.git("add", "-A")
    proc = try_repo(repo, hook_repo, pre_commit_home, "secret-hygiene-compose")
    assert proc.returncode == 1 and "docker-compose.yml:5:" in proc.stdout
    assert "SH304" in proc.stdout


def test_validate_hook_in_the_manual_stage(repo: Repo, hook_repo: Path,
                                           pre_commit_home: Path) -> None:
    repo.manifest()
    repo.commit("manifest")
    base = {"YOSAI_ENV": "production", "SECRET_BACKEND": "env"}  # pragma: allowlist secret
    for name in ("SECRET_KEY", "DB_PASSWORD", "DB_PASSWORD_FILE", "SECRET_KEY_FILE"):
        os.environ.pop(name, None)
    failing = try_repo(repo, hook_repo, pre_commit_home, "secret-hygiene-validate",
                       "--hook-stage", "manual", env=base)
    assert failing.returncode == 1 and "SH401" in failing.stdout
    key, password = token(40), token(24)
    passing = try_repo(repo, hook_repo, pre_commit_home, "secret-hygiene-validate",
                       "--hook-stage", "manual",
                       env={**base, "SECRET_KEY": key, "DB_PASSWORD": password})
    assert passing.returncode == 0, passing.stdout
    assert key not in passing.stdout and password not in passing.stdout


def test_history_hook_in_the_manual_stage(repo: Repo, hook_repo: Path,
                                          pre_commit_home: Path) -> None:
    key = aws_key_id()
    repo.write("deploy.sh", f"export AWS_ACCESS_KEY_ID={key}\n")
    repo.commit("leak")
    repo.git("rm", "-q", "deploy.sh")
    repo.commit("remove")
    proc = try_repo(repo, hook_repo, pre_commit_home, "secret-hygiene-history",
                    "--hook-stage", "manual")
    assert proc.returncode == 1 and "SH501" in proc.stdout and key not in proc.stdout


def test_the_acceptance_case_for_hooks_exists() -> None:
    # the shared hook case is run by .ci/run through ../shared/cases/run
    assert (SHARED / "cases" / "hook-all-files" / "expect.json").is_file()
