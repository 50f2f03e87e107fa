"""The leak engine's speed machinery changes nothing but speed: the result cache, worker
processes, the long-line windows, and the transformer shortcuts."""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

from secret_hygiene import cache, contentscan
from secret_hygiene.manifest import default_manifest

from conftest import Repo, Runner, aws_key_id, github_token, run_process, token


def many_files(repo: Repo, count: int = 40) -> list[str]:
    planted = []
    for index in range(count):
        value = github_token()
        planted.append(value)
        repo.write(f"src/module_{index}.py", f'"""Module {index}."""\n\nTOKEN = "{value}"\n'
                                             + "x = 1\n" * 1000)
    repo.write("deploy/values.yaml", f"db:\n  password: {token(20)}\n  host: db\n")
    repo.write(".env.staging", f"API_PASSWORD={token(16)}\n")
    repo.commit()
    return planted


def signature(result: dict[str, object]) -> list[tuple[object, ...]]:
    findings = result["findings"]
    assert isinstance(findings, list)
    return sorted((f["rule"], f["path"], f["line"], f["column"], f["fingerprint"],
                   str(f["secret"])) for f in findings)


def test_cached_results_equal_fresh_ones_and_hold_no_value(repo: Repo, run: Runner) -> None:
    planted = many_files(repo)
    cold = run(repo.path, "check", "--format", "json", "-v")
    warm = run(repo.path, "check", "--format", "json")
    fresh = run(repo.path, "check", "--format", "json", "--no-cache")
    assert signature(cold.report) == signature(warm.report) == signature(fresh.report)
    assert len(cold.findings) >= 40
    text = run(repo.path, "check", "-v").stdout
    assert "engine: 42 files from the result cache, 0 scanned" in text
    database = cache.cache_dir() / "results-v1.sqlite"
    content = database.read_bytes() + b"".join(p.read_bytes() for p in
                                               database.parent.glob("*-wal"))
    for value in planted:
        assert value.encode() not in content and value[:8].encode() not in content


def test_a_changed_file_is_scanned_again(repo: Repo, run: Runner) -> None:
    many_files(repo, 3)
    run(repo.path, "check", "--format", "json")
    value = aws_key_id()
    repo.write("src/module_1.py", f"KEY = '{value}'\n")
    result = run(repo.path, "check", "--format", "json", "-v")
    assert ("src/module_1.py", 1) in result.at("SH102")
    text = run(repo.path, "check", "-v").stdout
    assert "engine: 5 files from the result cache, 0 scanned" in text
    assert ("src/module_1.py", 1) in run(repo.path, "check", "--format", "json").at("SH102")


def test_a_corrupt_or_foreign_cache_is_rebuilt(repo: Repo, run: Runner) -> None:
    many_files(repo, 3)
    reference = signature(run(repo.path, "check", "--format", "json", "--no-cache").report)
    database = cache.cache_dir() / "results-v1.sqlite"
    database.parent.mkdir(parents=True, exist_ok=True)
    database.write_bytes(b"this is not a database" * 100)
    assert signature(run(repo.path, "check", "--format", "json").report) == reference
    with sqlite3.connect(database) as db:  # another schema version
        db.execute("UPDATE meta SET value = '999' WHERE key = 'schema'")
    assert signature(run(repo.path, "check", "--format", "json").report) == reference
    with sqlite3.connect(database) as db:  # an entry that is not JSON
        db.execute("UPDATE results SET data = 'garbage'")
    assert signature(run(repo.path, "check", "--format", "json").report) == reference


def test_an_unwritable_cache_only_costs_speed(repo: Repo, run: Runner, tmp_path: Path) -> None:
    many_files(repo, 3)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be")
    result = run(repo.path, "check", "--format", "json", env={"XDG_CACHE_HOME": str(blocked)})
    assert result.code == 1 and result.report["complete"] is True
    assert any("result cache disabled" in note for note in result.report["notes"])


def test_workers_give_the_same_results_as_one_process(repo: Repo, run: Runner) -> None:
    many_files(repo, 60)
    serial = run(repo.path, "check", "--format", "json", "--no-cache", "--jobs", "1")
    parallel = run_process(repo.path, "check", "--format", "json", "--no-cache", "--jobs", "2",
                           "-v")
    assert signature(serial.report) == signature(parallel.report)
    text = run_process(repo.path, "check", "--no-cache", "--jobs", "2", "-v").stdout
    assert "scanned by 2 worker processes" in text


def test_jobs_must_be_positive(repo: Repo, run: Runner) -> None:
    import pytest

    with pytest.raises(SystemExit) as exit_info:
        run(repo.path, "check", "--jobs", "0")
    assert exit_info.value.code == 2


def test_long_lines_are_scanned_in_windows(repo: Repo) -> None:
    value = aws_key_id()
    repo.write("dist/app.min.js", "var a=1;" * 20000 + f"var k='{value}';" + "b=2;" * 20000
               + "\n")
    repo.write("slow.py", "DB_PASSWORD: a" + " " * 100_000 + "b\n")
    repo.commit()
    result = run_process(repo.path, "check", "--format", "json", "--no-cache", timeout=120)
    assert ("dist/app.min.js", 1) in result.at("SH102") and value not in result.stdout


def test_big_yaml_is_read_line_by_line(repo: Repo) -> None:
    value = github_token()
    body = "".join(f"key_{i}: value {i}\n" for i in range(120_000))
    repo.write("data/huge.yaml", body + f"token: {value}\n")
    repo.commit()
    result = run_process(repo.path, "check", "--format", "json", "--no-cache", timeout=300)
    assert ("data/huge.yaml", 120_001) in result.at("SH102")


def test_scan_bytes_is_what_workers_run() -> None:
    value = github_token()
    outcome = contentscan.scan_bytes("a.py", f'x = "{value}"\n'.encode(), default_manifest())
    assert [f.rule for f in outcome.findings] == ["SH102"] and value in outcome.values
    binary = contentscan.scan_bytes("b.bin", b"\x00\x01" * 10, default_manifest())
    assert binary.skipped is not None and binary.skipped.reason == "binary"


def test_the_hook_does_not_import_detect_secrets_for_clean_files(repo: Repo) -> None:
    repo.write("plain.py", "def add(a, b):\n    return a + b\n")
    repo.commit()
    script = ("import sys; from secret_hygiene.hooks.check import main; code = main(["
              "'plain.py']); print('detect_secrets' in sys.modules); sys.exit(code)")
    import subprocess

    proc = subprocess.run([sys.executable, "-c", script], cwd=repo.path, capture_output=True,
                          text=True, env={**os.environ, "NO_COLOR": "1"})
    assert proc.returncode == 0 and proc.stdout.strip().endswith("False")
