"""`make run`'s example: its planted problems are reported, and only those."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import PROJECT, run_process

DEMO = PROJECT / "examples" / "yosai" / "demo.py"

PLANTED = {
    ("SH304", "docker-compose.prod.yml", 26),
    ("SH201", "secrets/db_password.txt", None),
    ("SH202", "secrets/db_password.txt", None),
    ("SH201", "secrets/secret_key.txt", None),
    ("SH202", "secrets/secret_key.txt", None),
    ("SH103", "app/config.py", 8),
    ("SH102", "deploy/sync.sh", 3),
    ("SH101", "k8s/db-secret.yaml", 8),
    ("SH002", "docs/secret_management.md", None),
}


def build(tmp_path: Path) -> Path:
    sys.path.insert(0, str(DEMO.parent))
    try:
        import demo  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    repo: Path = demo.build(tmp_path)
    return repo


def test_example_reports_the_planted_problems_and_only_those(tmp_path: Path) -> None:
    repo = build(tmp_path)
    result = run_process(repo, "check", "--format", "json")
    assert result.code == 1
    findings = json.loads(result.stdout)["findings"]
    serious = {(f["rule"], f["path"], f["line"]) for f in findings
               if f["severity"] in ("error", "warning")}
    assert serious == PLANTED
    infos = {(f["rule"], f["path"]) for f in findings if f["severity"] == "info"}
    assert infos == {("SH203", "secrets/db_password.txt"), ("SH203", "secrets/secret_key.txt")}


def test_demo_script_runs_end_to_end() -> None:
    proc = subprocess.run([sys.executable, str(DEMO)], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "SECRET_HYGIENE_DEMO_CLEANUP": "1"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "exit code 1 (findings, as planted)" in proc.stdout
    assert "docker-compose.prod.yml:26:31: SH304 error" in proc.stdout
