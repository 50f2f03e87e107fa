"""SH201-SH203 on real git repositories: tracked, staged, not ignored, readable by others."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import Repo, Runner, private_key_pem, token


def check(run: Runner, repo: Repo) -> dict[str, set[str]]:
    result = run(repo.path, "check", "--select", "SH2", "--format", "json")
    found: dict[str, set[str]] = {}
    for finding in result.findings:
        found.setdefault(finding["rule"], set()).add(finding["path"])
    return found


def test_negation_reincludes_committed_secret_files(repo: Repo, run: Runner) -> None:
    repo.manifest()
    repo.write(".gitignore", "secrets/*\n!secrets/\n!secrets/*.txt\n!secrets/README.md\n")
    repo.write("secrets/db_password.txt", "replace-with-a-real-db-password\n")
    repo.write("secrets/README.md", "docker secrets live here\n")
    repo.commit()
    found = check(run, repo)
    assert found["SH201"] == {"secrets/db_password.txt"}
    assert {"secrets/db_password.txt", "secrets/secret_key.txt"} <= found["SH202"]
    assert "secrets/README.md" not in found.get("SH201", set()) | found["SH202"]
    result = run(repo.path, "check", "--select", "SH202", "--format", "json")
    [message] = [f["message"] for f in result.findings if f["path"] == "secrets/db_password.txt"]
    assert "'!secrets/*.txt' (.gitignore:3) re-includes it" in message


def test_ignored_and_untracked_is_clean(repo: Repo, run: Runner) -> None:
    repo.manifest()
    repo.write(".gitignore", "secrets/\n.env\n")
    repo.write("secrets/db_password.txt", "x\n", mode=0o600)
    repo.write(".env", f"DB_PASSWORD={token()}\n", mode=0o600)
    repo.commit()
    assert check(run, repo) == {}


def test_tracked_although_ignored_is_sh201_only(repo: Repo, run: Runner) -> None:
    repo.manifest()
    repo.write(".env", f"SECRET_KEY={token()}\n", mode=0o600)
    repo.commit()
    repo.write(".gitignore", ".env\nsecrets/\n")
    repo.commit()
    assert check(run, repo) == {"SH201": {".env"}}


def test_staged_secret_file_is_reported_before_the_commit(repo: Repo, run: Runner) -> None:
    repo.manifest()
    repo.write(".gitignore", "secrets/\n")
    repo.write("secrets/secret_key.txt", "x\n", mode=0o600)
    repo.git("add", "-f", "secrets/secret_key.txt")
    result = run(repo.path, "check", "--select", "SH201", "--format", "json")
    [finding] = result.findings
    assert finding["path"] == "secrets/secret_key.txt" and "staged" in finding["message"]
    assert finding["line"] is None and finding["column"] is None


def test_declared_paths_without_files_are_checked_against_gitignore(repo: Repo,
                                                                      run: Runner) -> None:
    repo.manifest()
    repo.commit()
    found = check(run, repo)
    assert found == {"SH202": {"secrets/db_password.txt", "secrets/secret_key.txt"}}


def test_compose_sources_and_policy_globs(repo: Repo, run: Runner) -> None:
    repo.write("docker-compose.yml", "services:\n  app:\n    image: x\n    secrets: [tls]\n"
                                     "secrets:\n  tls:\n    file: ./certs/tls.key\n")
    repo.write("certs/tls.key", "not a key, but declared as a secret source\n")
    repo.write("secrets/api_token", "x\n")
    repo.commit()
    found = check(run, repo)
    assert {"certs/tls.key", "secrets/api_token"} <= found["SH201"]


def test_private_key_files_are_secret_files(repo: Repo, run: Runner) -> None:
    repo.write("deploy/server.pem", private_key_pem())
    repo.write("deploy/ca.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    repo.write("keys/id_ed25519", "opaque\n")
    repo.commit()
    found = check(run, repo)
    assert found["SH201"] == {"deploy/server.pem", "keys/id_ed25519"}


def test_env_template_is_not_a_secret_file(repo: Repo, run: Runner) -> None:
    repo.manifest()
    repo.write(".gitignore", "secrets/\n")
    repo.write(".env.example", "SECRET_KEY=change-me\nDB_PASSWORD=\n")
    repo.write(".env.production", f"DB_PASSWORD={token()}\n")
    repo.commit()
    found = check(run, repo)
    assert found["SH201"] == {".env.production"}


@pytest.mark.parametrize(("mode", "severity"), [(0o644, "info"), (0o666, "warning"),
                                                (0o600, None), (0o640, None)])
def test_permissions_of_secret_files(repo: Repo, run: Runner, mode: int,
                                     severity: str | None) -> None:
    repo.manifest()
    repo.write(".gitignore", "secrets/\n")
    repo.write("secrets/db_password.txt", "x\n", mode=mode)
    repo.commit()
    result = run(repo.path, "check", "--select", "SH203", "--format", "json")
    severities = [f["severity"] for f in result.findings]
    assert severities == ([severity] if severity else [])


def test_outside_git_the_git_checks_say_why_they_were_skipped(tmp_path: Path,
                                                             run: Runner) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "secrets").mkdir()
    (folder / "secrets" / "db_password.txt").write_text("x\n")
    result = run(folder, "check", "--format", "json")
    assert "SH201" not in result.rules() and "SH202" not in result.rules()
    assert any("not a git repository" in note for note in result.report["notes"])
    assert result.report["complete"] is True
