"""`history`: every blob once, where a secret entered, and incomplete history is never clean."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import Repo, Runner, aws_key_id, github_token, init_repo, token


def planted(repo: Repo) -> tuple[str, str]:
    repo.manifest()
    value = token(30)
    key = aws_key_id()
    repo.write("secrets/db_password.txt", token(20) + "\n")
    repo.write("settings.py", f'DB_PASSWORD = "{value}"\n')
    repo.write("deploy.sh", f"export AWS_ACCESS_KEY_ID={key}\n")
    repo.commit("leak")
    repo.git("rm", "-q", "secrets/db_password.txt")
    repo.write("settings.py", 'import os\nDB_PASSWORD = os.environ["DB_PASSWORD"]\n')
    repo.write(".gitignore", "secrets/\n")
    repo.commit("clean up")
    return value, key


def test_removed_secrets_are_still_in_history(repo: Repo, run: Runner) -> None:
    value, key = planted(repo)
    first = repo.git("rev-list", "--max-parents=0", "HEAD").stdout.strip()
    in_tree = run(repo.path, "check", "--format", "json", "--select", "SH1")
    assert in_tree.at("SH102") == [("deploy.sh", 1)] and len(in_tree.findings) == 1
    result = run(repo.path, "history", "--format", "json")
    assert result.code == 1
    by_path = {f["path"]: f for f in result.findings}
    assert set(by_path) == {"secrets/db_password.txt", "settings.py", "deploy.sh"}
    assert all(f["rule"] == "SH501" and f["commit"] == first for f in result.findings)
    assert all(f["reachable_from_head"] is True for f in result.findings)
    assert by_path["settings.py"]["in_head"] is False
    assert by_path["deploy.sh"]["in_head"] is True
    assert by_path["settings.py"]["line"] == 1
    assert value not in result.stdout and key not in result.stdout
    incidents = result.report["incidents"]
    assert len(incidents) == 3
    assert all(len(i["steps"]) == 4 and "rotate" in i["steps"][0] for i in incidents)


def test_each_blob_is_scanned_once_across_renames_and_branches(repo: Repo, run: Runner) -> None:
    repo.write("a.env", f"GITHUB_TOKEN={github_token()}\n")
    repo.commit("add")
    first = repo.git("rev-parse", "HEAD").stdout.strip()
    repo.git("mv", "a.env", "b.env")
    repo.commit("rename")
    renamed = repo.git("rev-parse", "HEAD").stdout.strip()
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("feature.py", f'password = "{token()}"\n')
    repo.commit("feature leak")
    repo.git("checkout", "-q", "main")
    result = run(repo.path, "history", "--format", "json")
    by_path = {f["path"]: f for f in result.findings if f["line"]}
    assert sorted(by_path) == ["a.env", "b.env", "feature.py"]  # the value is in both names
    assert (by_path["a.env"]["commit"], by_path["b.env"]["commit"]) == (first, renamed)
    assert (by_path["a.env"]["in_head"], by_path["b.env"]["in_head"]) == (False, True)
    token_incident = [i for i in result.report["incidents"] if "b.env" in i["paths"]]
    assert [i["paths"] for i in token_incident] == [["a.env", "b.env"]]
    assert token_incident[0]["first_commit"] == first
    assert by_path["feature.py"]["reachable_from_head"] is False
    verbose = run(repo.path, "history", "-v", "--no-cache")
    assert "in 2 blobs" in verbose.stdout  # the renamed blob is not scanned again
    only_main = run(repo.path, "history", "--format", "json", "--branch", "main")
    assert sorted(f["path"] for f in only_main.findings if f["line"]) == ["a.env", "b.env"]


def test_since_narrows_the_range(repo: Repo, run: Runner) -> None:
    planted(repo)
    head = repo.git("rev-parse", "HEAD").stdout.strip()
    repo.write("late.py", f'password = "{token()}"\n')
    repo.commit("late")
    result = run(repo.path, "history", "--format", "json", "--since", head)
    assert [f["path"] for f in result.findings] == ["late.py"]


def test_a_missing_object_makes_history_incomplete(repo: Repo, run: Runner) -> None:
    planted(repo)
    blob = repo.git("rev-parse", "HEAD~1:settings.py").stdout.strip()
    loose = repo.path / ".git" / "objects" / blob[:2] / blob[2:]
    assert loose.exists()
    loose.unlink()
    result = run(repo.path, "history", "--format", "json")
    assert result.code == 2
    assert result.report["complete"] is False
    assert any(s["path"] == "settings.py" and blob[:12] in s["reason"] and
               "missing" in s["reason"] for s in result.report["skipped"])
    # what could be read is still reported
    assert {"deploy.sh", "secrets/db_password.txt"} <= {f["path"] for f in result.findings}


def test_a_shallow_clone_is_incomplete(repo: Repo, run: Runner, tmp_path: Path) -> None:
    planted(repo)
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.path}", str(clone)],
                   check=True, capture_output=True)
    result = run(clone, "history", "--format", "json")
    assert result.code == 2 and result.report["complete"] is False
    assert any("shallow" in error for error in result.report["errors"])


def test_history_needs_git(tmp_path: Path, run: Runner) -> None:
    result = run(tmp_path, "history")
    assert result.code == 2 and "needs a git repository" in result.stderr


def test_empty_repository(tmp_path: Path, run: Runner) -> None:
    repo = init_repo(tmp_path / "empty")
    result = run(repo.path, "history", "--format", "json")
    assert result.code == 0
    assert result.findings == [] and result.report["complete"] is True
