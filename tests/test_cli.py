"""The command line: exit codes, selection, bad input, baselines, inline suppressions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secret_hygiene import cli, sources

from conftest import Repo, Runner, aws_key_id, run_process, token


def leak_repo(repo: Repo) -> str:
    value = token(28)
    repo.manifest()
    repo.write(".gitignore", "secrets/\n.env\n")
    repo.write("settings.py", f'DB_PASSWORD = "{value}"\n')
    repo.commit()
    return value


def test_exit_codes_and_fail_on(repo: Repo, run: Runner) -> None:
    repo.manifest()
    repo.write(".gitignore", "secrets/\n")
    repo.write("app.py", 'import os\nSECRET_KEY = os.getenv("SECRET_KEY", "dev-fallback-01")\n')
    repo.commit()
    assert run(repo.path, "check").code == 0  # SH103 is a warning
    assert run(repo.path, "check", "--fail-on", "warning").code == 1
    repo.write("app.py", 'import os\nSECRET_KEY = os.environ["SECRET_KEY"]\n')
    assert run(repo.path, "check", "--fail-on", "info").code == 0


def test_select_and_ignore_take_prefixes(repo: Repo, run: Runner) -> None:
    leak_repo(repo)
    assert set(run(repo.path, "check", "--format", "json").rules()) == {"SH101"}
    assert run(repo.path, "check", "--format", "json", "--ignore", "SH1").rules() == []
    assert run(repo.path, "check", "--format", "json", "--select", "SH2,SH3").rules() == []
    assert run(repo.path, "check", "--format", "json", "--select", "sh10").rules() == ["SH101"]
    bad = run(repo.path, "check", "--select", "SH999")
    assert bad.code == 2 and "unknown rule 'SH999'" in bad.stderr


def test_usage_errors_exit_2(repo: Repo, run: Runner) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["check", "--format", "xml"])
    assert exit_info.value.code == 2
    result = run(repo.path, "check", "missing.py")
    assert result.code == 2 and "missing.py: no such file" in result.stderr
    repo.write("a.py", "x = 1\n")
    result = run(repo.path, "check", "a.py", "/etc/hostname")
    assert result.code == 2 and "outside the repository" in result.stderr


def test_rules_command_explains_a_rule(repo: Repo, run: Runner) -> None:
    listing = run(repo.path, "rules")
    assert listing.code == 0 and listing.stdout.count("\n") == 36
    explained = run(repo.path, "rules", "sh304")
    assert explained.code == 0
    assert explained.stdout.startswith("SH304 (error):")
    assert "Example:" in explained.stdout and "Fix:" in explained.stdout
    assert run(repo.path, "rules", "SH999").code == 2


def test_paths_limit_content_checks_but_not_repo_checks(repo: Repo, run: Runner) -> None:
    leak_repo(repo)
    repo.write("other.py", f'DB_PASSWORD = "{token()}"\n')
    repo.write("secrets/../.gitignore", "")  # .gitignore no longer ignores secrets/
    repo.commit()
    result = run(repo.path, "check", "--format", "json", "other.py")
    assert result.at("SH101") == [("other.py", 1)]
    assert ("secrets/db_password.txt", None) in result.at("SH202")
    assert result.report["summary"]["files"] == 1


def test_binary_files_are_skipped_and_listed(repo: Repo, run: Runner) -> None:
    repo.write("logo.png", "")
    (repo.path / "blob.dat").write_bytes(b"\x00\x01\x02 password = 'x'")
    repo.commit()
    result = run(repo.path, "check", "--format", "json")
    assert {"path": "blob.dat", "reason": "binary"} in result.report["skipped"]
    assert result.report["complete"] is True and result.code == 0


def test_text_that_is_not_utf8_is_still_scanned(repo: Repo, run: Runner) -> None:
    key = aws_key_id()
    (repo.path / "legacy.cfg").write_bytes(b"caf\xe9 = 1\naws_key = " + key.encode() + b"\n")
    repo.commit()
    result = run(repo.path, "check", "--format", "json")
    assert ("legacy.cfg", 2) in result.at("SH102")
    assert any("not valid UTF-8" in note for note in result.report["notes"])
    assert key not in result.stdout


def test_symlinks_are_not_followed_out_of_the_repository(repo: Repo, run: Runner,
                                                        tmp_path: Path) -> None:
    outside = tmp_path / "outside.env"
    outside.write_text(f"DB_PASSWORD={token()}\n")
    (repo.path / "linked.env").symlink_to(outside)
    repo.commit()
    result = run(repo.path, "check", "--format", "json")
    assert result.findings == [] or all(f["path"] != "linked.env" for f in result.findings)
    [skipped] = [s for s in result.report["skipped"] if s["path"] == "linked.env"]
    assert "outside the repository" in skipped["reason"]


def test_unreadable_file_makes_the_scan_incomplete(repo: Repo, run: Runner,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    value = leak_repo(repo)
    repo.write("locked.py", "x = 1\n")
    repo.commit()
    real = sources.read_regular

    def deny(path: Path, **kwargs: object) -> bytes:
        if path.name == "locked.py":
            raise PermissionError(13, "Permission denied")
        return real(path, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sources, "read_regular", deny)
    result = run(repo.path, "check", "--format", "json")
    assert result.code == 2  # findings or not: an incomplete scan is never clean
    assert result.report["complete"] is False
    assert {"path": "locked.py", "reason": "cannot read: Permission denied"} in \
        result.report["skipped"]
    assert result.at("SH101") == [("settings.py", 1)]  # what could be read is still reported
    assert value not in result.stdout
    text = run(repo.path, "check")
    assert text.code == 2 and "could not read locked.py" in text.stdout
    assert "INCOMPLETE" in text.stdout


def test_internal_errors_are_one_line_and_scrubbed(repo: Repo, run: Runner,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    value = leak_repo(repo)
    from secret_hygiene.rules import content

    original = content.check_content

    def explode(source, *args, **kwargs):  # type: ignore[no-untyped-def]
        result = original(source, *args, **kwargs)
        if source.path == "settings.py":  # after the value has been read and handled
            raise RuntimeError(f"boom while handling {value}")
        return result

    monkeypatch.setattr(content, "check_content", explode)
    result = run(repo.path, "check")
    assert result.code == 2
    assert result.stderr.count("\n") == 1 and "internal error: RuntimeError" in result.stderr
    assert value not in result.stderr and "Traceback" not in result.stderr
    debug = run(repo.path, "check", "--debug")
    assert "Traceback" in debug.stderr and value not in debug.stderr


def test_inline_suppressions_silence_one_line(repo: Repo, run: Runner) -> None:
    repo.manifest()
    repo.write(".gitignore", "secrets/\n")
    repo.write("a.py",
               f'DB_PASSWORD = "{token()}"  # pragma: allowlist secret\n'
               f'SECRET_KEY = "{token(40)}"  # secret-hygiene: ignore[SH101]\n'
               f'AUTH0_CLIENT_SECRET = "{token()}"  # secret-hygiene: ignore[SH3]\n'
               "# pragma: allowlist nextline secret\n"
               f'DB_PASSWORD = "{token()}"\n')
    repo.commit()
    result = run(repo.path, "check", "--format", "json")
    assert result.at("SH101") == [("a.py", 3)]


def test_baseline_suppresses_by_value_not_by_line(repo: Repo, run: Runner) -> None:
    value = leak_repo(repo)
    written = run(repo.path, "baseline")
    assert written.code == 0
    baseline = repo.path / ".secret-hygiene-baseline.json"
    content = baseline.read_text()
    assert value not in content and "line_number" not in content and '"line"' not in content
    assert run(repo.path, "check").code == 0
    # an edit above moves the value: still suppressed, and the baseline does not change
    repo.write("settings.py", f'"""Settings."""\n\nDB_PASSWORD = "{value}"\n')
    result = run(repo.path, "check", "--format", "json")
    assert result.code == 0 and result.report["summary"]["suppressed"] == 1
    assert run(repo.path, "baseline").code == 0
    assert baseline.read_text() == content
    # a new value on the suppressed line is reported
    repo.write("settings.py", f'"""Settings."""\n\nDB_PASSWORD = "{token(30)}"\n')
    assert run(repo.path, "check", "--format", "json").at("SH101") == [("settings.py", 3)]


def test_detect_secrets_baseline_is_read_and_audited_real_never_suppresses(
        repo: Repo, run: Runner) -> None:
    import hashlib

    value = leak_repo(repo)
    digest = hashlib.sha1(value.encode()).hexdigest()
    entry = {"type": "Secret Keyword", "filename": "settings.py", "hashed_secret": digest,
             "is_verified": False, "line_number": 1}
    ds_baseline = {"version": "1.5.0", "plugins_used": [], "filters_used": [],
                   "results": {"settings.py": [entry]}, "generated_at": "2025-07-01T00:00:00Z"}
    repo.write(".secrets.baseline", json.dumps(ds_baseline))
    assert run(repo.path, "check").code == 0
    entry["is_secret"] = True
    repo.write(".secrets.baseline", json.dumps(ds_baseline))
    assert run(repo.path, "check", "--format", "json").at("SH101") == [("settings.py", 1)]


@pytest.mark.parametrize("content", ["{not json", "[]", '{"format": "secret-hygiene-baseline", '
                                     '"version": 9, "entries": []}',
                                     '{"version": "0.12", "results": {}}'])
def test_broken_baselines_are_clear_errors(repo: Repo, run: Runner, content: str) -> None:
    leak_repo(repo)
    repo.write("accepted.json", content)
    result = run(repo.path, "check", "--baseline", "accepted.json")
    assert result.code == 2
    assert "accepted.json" in result.stderr and result.stderr.count("\n") == 1


def test_missing_explicit_baseline_is_an_error(repo: Repo, run: Runner) -> None:
    leak_repo(repo)
    result = run(repo.path, "check", "--baseline", "nope.json")
    assert result.code == 2 and "nope.json: baseline not found" in result.stderr


def test_the_console_script_and_module_entry_points(repo: Repo) -> None:
    leak_repo(repo)
    assert run_process(repo.path, "check", "--format", "json").code == 1
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "secret_hygiene", "--version"],
                          capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("secret-hygiene 0.1.0")
