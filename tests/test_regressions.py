"""Bad input that once hung, crashed, leaked or passed silently: each stays fixed."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from secret_hygiene import repo as repo_module
from secret_hygiene import sources
from secret_hygiene.hooks import run as hook_run

from conftest import (
    Repo,
    Runner,
    aws_key_id,
    distinct,
    github_token,
    init_repo,
    run_process,
    token,
)


def test_fifos_and_devices_are_never_read(repo: Repo, run: Runner, tmp_path: Path) -> None:
    repo.manifest()
    os.mkfifo(repo.path / "server.pem")  # a "private key file" that would block a reader
    os.mkfifo(repo.path / "notes.txt")
    (repo.path / "docs.md").symlink_to("/dev/zero")
    text = (repo.path / "secret-manifest.yaml").read_text()
    repo.manifest(text + "docs: docs.md\n")
    fifo = tmp_path / "key"
    os.mkfifo(fifo)
    result = run(repo.path, "check", "--format", "json")  # would block forever on a read
    assert result.code in (0, 1, 2) and result.report is not None
    result = run(repo.path, "validate", "--format", "json", env={"SECRET_KEY_FILE": str(fifo)},
                 unset=("SECRET_KEY",))
    [missing] = [f for f in result.findings if "SECRET_KEY" in f["message"]]
    assert "not a regular file" in missing["message"]
    baseline = run(repo.path, "check", "--baseline", str(fifo))
    assert baseline.code == 2 and "not a regular file" in baseline.stderr


def test_output_never_replaces_devices_folders_or_fifos(repo: Repo, run: Runner,
                                                      tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "folder").mkdir()
    for target in (tmp_path / "pipe", tmp_path / "folder"):
        result = run(repo.path, "check", "--output", str(target))
        assert result.code == 2 and "not a regular file" in result.stderr
    assert (tmp_path / "pipe").is_fifo()
    real = tmp_path / "real.json"
    (tmp_path / "link.json").symlink_to(real)
    assert run(repo.path, "check", "--format", "json", "--output",
               str(tmp_path / "link.json")).code == 0
    assert (tmp_path / "link.json").is_symlink() and real.read_text().startswith("{")
    assert oct(real.stat().st_mode & 0o777) != "0o600"  # a report to share, not a secret


def test_history_revisions_are_never_options(repo: Repo, run: Runner, tmp_path: Path) -> None:
    repo.commit("one")
    target = tmp_path / "pwned"
    result = run(repo.path, "history", f"--branch=--output={target}")
    assert result.code == 2 and "not a revision" in result.stderr and not target.exists()
    result = run(repo.path, "history", "--since", "no-such-ref")
    assert result.code == 2 and "no such branch, tag or commit" in result.stderr


def test_hook_file_names_that_look_like_options_stay_files(repo: Repo,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]
                                                            ) -> None:
    repo.write("--output=app.py", f'password = "{token()}"\n')
    repo.write("app.py", "x = 1\n")
    repo.commit()
    monkeypatch.chdir(repo.path)
    code = hook_run(["check", "--from-hook"], ["--output=app.py"])
    assert code == 1
    assert (repo.path / "app.py").read_text() == "x = 1\n"
    assert "--output=app.py:1:" in capsys.readouterr().out


def test_file_names_that_are_not_utf8(repo: Repo) -> None:
    name = os.fsdecode(b"bad\xffname.py")
    (repo.path / name).write_text(f'DB_PASSWORD = "{token()}"\n')
    repo.manifest()
    repo.commit()
    result = run_process(repo.path, "check", "--format", "json")
    assert result.code == 1 and "internal error" not in result.stderr
    assert "SH101" in result.stdout


@pytest.mark.parametrize("content", ['tool = "x"\n', "[tool]\nsecret-hygiene = 3\n"])
def test_odd_pyproject_files_are_named_errors(repo: Repo, run: Runner, content: str) -> None:
    repo.write("pyproject.toml", content)
    result = run(repo.path, "check")
    assert "internal error" not in result.stderr
    if "secret-hygiene = 3" in content:
        assert result.code == 2 and "pyproject.toml" in result.stderr


def test_a_broken_git_repository_is_an_error_not_a_plain_folder(repo: Repo, run: Runner) -> None:
    repo.write("secrets/db_password.txt", "x\n")
    repo.commit()
    (repo.path / ".git" / "HEAD").write_text("garbage\n")
    result = run(repo.path, "check")
    assert result.code == 2 and ".git" in result.stderr and "git cannot use" in result.stderr


def test_unreadable_folders_make_the_scan_incomplete(repo: Repo, run: Runner,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    real = repo_module.run_git

    def fake(cwd: Path, args: list[str], **kwargs: object) -> subprocess.CompletedProcess[bytes]:
        proc = real(cwd, args, **kwargs)  # type: ignore[arg-type]
        if "--others" in args:
            proc.stderr += b"warning: could not open directory 'priv/': Permission denied\n"
        return proc

    monkeypatch.setattr(repo_module, "run_git", fake)
    result = run(repo.path, "check", "--format", "json")
    assert result.code == 2 and result.report["complete"] is False
    assert {"path": "priv/", "reason": "cannot read folder: Permission denied"} in \
        result.report["skipped"]


def test_a_manifest_that_is_not_a_file_is_an_error(repo: Repo, run: Runner) -> None:
    (repo.path / "secret-manifest.yaml").mkdir()
    result = run(repo.path, "check")
    assert result.code == 2 and "secret-manifest.yaml" in result.stderr
    assert "not a regular file" in result.stderr


def test_a_staged_file_deleted_from_the_tree_is_scanned_from_the_index(repo: Repo,
                                                                         run: Runner) -> None:
    key = aws_key_id()
    repo.write("deploy.sh", f"export AWS_ACCESS_KEY_ID={key}\n")
    repo.git("add", "deploy.sh")
    (repo.path / "deploy.sh").unlink()
    result = run(repo.path, "check", "--format", "json")
    assert result.at("SH102") == [("deploy.sh", 1)] and key not in result.stdout


def test_compose_files_that_are_symlinks_or_not_text(repo: Repo, run: Runner) -> None:
    repo.write("deploy/prod.yml", "services:\n  app:\n    image: x\n    secrets: [ghost]\n")
    (repo.path / "docker-compose.yml").symlink_to("deploy/prod.yml")
    (repo.path / "compose.utf16.yaml").write_bytes("services: {}\n".encode("utf-16-le"))
    repo.commit()
    result = run(repo.path, "check", "--format", "json", "--select", "SH3")
    assert ("docker-compose.yml", 4) in result.at("SH301")
    assert ("compose.utf16.yaml", 1) in result.at("SH310")


def test_kubernetes_data_that_is_not_base64(repo: Repo, run: Runner) -> None:
    value = github_token()
    repo.write("k8s/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: x}\ndata:\n"
                                  f"  token: {value}\n")
    repo.commit()
    result = run(repo.path, "check", "--format", "json")
    assert ("k8s/secret.yaml", 5) in result.at("SH310")
    assert ("k8s/secret.yaml", 5) in result.at("SH102")


def test_utf16_text_files_are_scanned(repo: Repo, run: Runner) -> None:
    key = aws_key_id()
    (repo.path / "legacy.ps1").write_bytes(f"$key = '{key}'\n".encode("utf-16"))
    repo.commit()
    assert run(repo.path, "check", "--format", "json").at("SH102") == [("legacy.ps1", 1)]


def test_check_a_project_by_its_path_from_elsewhere(repo: Repo, tmp_path: Path,
                                                    run: Runner) -> None:
    repo.write("app.py", f'password = "{token()}"\n')
    repo.commit()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "noise.py").write_text(f'password = "{token()}"\n')
    result = run(elsewhere, "check", "--format", "json", str(repo.path))
    assert [f["path"] for f in result.findings] == ["app.py"]


def test_reset_tags_and_wrong_types_in_compose(repo: Repo, run: Runner) -> None:
    repo.write("compose.override.yaml", "services: !reset null\nsecrets: !reset null\n")
    repo.write("compose.yaml", "services:\n  app:\n    image: x\n    environment: 5\n"
                               "    secrets: db_password\n")
    repo.commit()
    result = run(repo.path, "check", "--format", "json", "--select", "SH3")
    assert not [f for f in result.findings if f["path"] == "compose.override.yaml"]
    assert {line for path, line in result.at("SH310") if path == "compose.yaml"} == {4, 5}


def test_init_writes_names_it_can_read_back(repo: Repo, run: Runner) -> None:
    repo.write("docker-compose.yml", "services:\n  app:\n    image: x\n    secrets: [db-password]\n"
                                     "secrets:\n  db-password:\n    file: './secrets/a: b#c'\n")
    repo.commit()
    assert run(repo.path, "init").code == 0
    from secret_hygiene.manifest import load_manifest

    manifest = load_manifest(repo.path / "secret-manifest.yaml")
    database = manifest.secrets["DB_PASSWORD"]
    assert database.docker_secret == "db-password"  # pragma: allowlist secret
    assert database.file == "secrets/a: b#c"


def test_output_in_a_terminal_that_is_not_utf8(repo: Repo) -> None:
    repo.write("app.py", f'password = "{token()}"\n')
    repo.commit()
    result = run_process(repo.path, "check", env={"PYTHONIOENCODING": "ascii"})
    assert result.code == 1 and "internal error" not in result.stderr


def test_baseline_options_select_output_and_no_baseline(repo: Repo, run: Runner,
                                                        tmp_path: Path) -> None:
    repo.manifest()
    repo.write("app.py", f'DB_PASSWORD = "{token()}"\n')
    repo.commit()
    assert run(repo.path, "baseline").code == 0
    baseline = repo.path / ".secret-hygiene-baseline.json"
    before = baseline.read_text()
    assert run(repo.path, "baseline", "--select", "SH2").code == 0
    assert baseline.read_text() == before  # SH1 entries kept
    assert run(repo.path, "check").code == 0
    assert run(repo.path, "check", "--no-baseline").code == 1
    elsewhere = tmp_path / "other.json"
    assert run(repo.path, "baseline", "--output", str(elsewhere)).code == 0
    assert elsewhere.read_text() == before
    repo.write("app.py", "import os\nDB_PASSWORD = os.environ['DB_PASSWORD']\n")
    result = run(repo.path, "check", "--format", "json")
    assert any("no longer match anything" in note for note in result.report["notes"])


def test_history_reports_a_value_once_at_its_origin(repo: Repo, run: Runner) -> None:
    key = aws_key_id()
    repo.write("deploy.sh", f"export AWS_ACCESS_KEY_ID={key}\n")
    repo.commit("one")
    first = repo.git("rev-parse", "HEAD").stdout.strip()
    repo.write("deploy.sh", f"export AWS_ACCESS_KEY_ID={key}\necho done\n")
    repo.commit("two")
    result = run(repo.path, "history", "--format", "json")
    [finding] = result.findings
    assert finding["commit"] == first and finding["in_head"] is True


def test_ignoring_a_rule_does_not_turn_its_findings_into_another(repo: Repo, run: Runner) -> None:
    repo.manifest()
    repo.write(".gitignore", "secrets/\n")
    repo.write("app.py", f'DB_PASSWORD = "{token()}"\n')
    repo.commit()
    assert run(repo.path, "check", "--format", "json", "--ignore", "SH101").findings == []


def test_pinned_revisions_and_gitleaks_allow_comments(repo: Repo, run: Runner) -> None:
    sha = token(40, "0123456789abcdef")
    repo.write(".pre-commit-config.yaml", f"repos:\n  - repo: https://example.invalid/x\n"
                                          f"    rev: {sha}\n")
    repo.write("a.py", f'key = "{aws_key_id()}"  # gitleaks:allow\n')
    repo.commit()
    assert run(repo.path, "check", "--format", "json").findings == []


def test_sh304_suggests_granting_the_declared_secret(repo: Repo, run: Runner) -> None:
    repo.write("docker-compose.yml",
               "services:\n  web:\n    image: x\n    environment:\n"
               "      DB_PASSWORD_FILE: /run/secrets/db_password\n    secrets: [secret_key]\n"
               "secrets:\n  db_password: {file: ./a}\n  secret_key: {file: ./b}\n")
    repo.commit()
    result = run(repo.path, "check", "--format", "json", "--select", "SH304")
    [finding] = result.findings
    assert "not granted secret db_password" in finding["message"]
    assert finding["hint"] == "grant it to the service: secrets: [db_password]"


def test_deleted_working_directory(tmp_path: Path) -> None:
    folder = tmp_path / "gone"
    folder.mkdir()
    script = ("import os, sys; from secret_hygiene import cli; os.chdir(sys.argv[1]); "
              "os.rmdir(sys.argv[1]); sys.exit(cli.main(['check']))")
    proc = subprocess.run([sys.executable, "-c", script, str(folder)], capture_output=True,
                          text=True)
    assert proc.returncode == 2 and "working directory" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_outside_git_dependency_folders_are_not_scanned(tmp_path: Path, run: Runner) -> None:
    (tmp_path / "node_modules" / "x").mkdir(parents=True)
    (tmp_path / "node_modules" / "x" / "a.js").write_text(f"k = '{aws_key_id()}'\n")
    (tmp_path / "app.js").write_text(f"k = '{aws_key_id()}'\n")
    result = run(tmp_path, "check", "--format", "json")
    assert result.at("SH102") == [("app.js", 1)]


def test_sources_read_regular_files_only(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    skipped = sources.read_source(tmp_path, "pipe")
    assert isinstance(skipped, sources.Skipped) and "FIFO" in skipped.reason
    assert not skipped.incomplete


def test_empty_repository_history_and_check(tmp_path: Path, run: Runner) -> None:
    empty = init_repo(tmp_path / "empty")
    assert run(empty.path, "check").code == 0


def test_settings_about_secrets_are_not_secrets(repo: Repo, run: Runner) -> None:
    """The backend selector and GitLab's report key, as the CI examples write them, are not
    leaks; a real value under a secret name on the next line still is."""
    value = token(32)
    repo.write(".gitlab-ci.yml", "validate:\n  variables:\n    SECRET_BACKEND: aws\n"
                                 "    SECRET_TYPE: opaque\n"
                                 "  artifacts:\n    reports: {secret_detection: gl-report.json}\n"
                                 f"    API_SECRET: {value}\n")
    repo.commit()
    result = run(repo.path, "check", "--format", "json", "--select", "SH102")
    assert result.at("SH102") == [(".gitlab-ci.yml", 7)]


def test_scrubbing_many_values_finds_every_occurrence() -> None:
    from secret_hygiene.findings import _Redaction

    values = [distinct(random.randint(16, 40)) for _ in range(3000)]  # each kept by remember()
    shown = values[::7]
    text = "\n".join(f"line {i}: {'x' * (i % 5)}{v}{'y' * (i % 3)} end" for i, v in
                     enumerate(shown)) * 3
    redaction = _Redaction()
    for value in values:
        redaction.remember(value)
    assert len(values) * len(text) > 20_000_000  # the indexed path
    scrubbed = redaction.scrub(text)
    assert not any(value in scrubbed for value in shown)
    assert scrubbed.count("[redacted]") == 3 * len(shown)


def test_scrubbing_a_report_that_repeats_every_value_is_one_pass() -> None:
    """A report quoting thousands of remembered strings (a scanned earlier report's hashes)
    was rescanned once per value: minutes for a 14 MB report. Every occurrence still goes."""
    from secret_hygiene.findings import _Redaction

    values = [distinct(random.randint(16, 40)) for _ in range(4000)]  # each kept by remember()
    text = "".join(f"{i}:{v};" for i, v in enumerate(values)) * 5
    redaction = _Redaction()
    for value in values:
        redaction.remember(value)
    scrubbed = redaction.scrub(text)
    assert scrubbed == "".join(f"{i}:[redacted];" for i in range(len(values))) * 5


@pytest.mark.parametrize("limit", [0, 10**12], ids=["indexed", "direct"])
def test_overlapping_values_are_scrubbed_whole(monkeypatch: pytest.MonkeyPatch,
                                               limit: int) -> None:
    from secret_hygiene import findings

    monkeypatch.setattr(findings, "SCRUB_DIRECT_LIMIT", limit)
    first, second, third = distinct(12), distinct(12), distinct(12)  # each kept by remember()
    redaction = findings._Redaction()
    for value in (first + second, second + third, third):
        redaction.remember(value)
    text = f"a {first}{second}{third} b {third}{third} c {second} d"
    assert redaction.scrub(text) == f"a [redacted] b [redacted] c {second} d"


def test_values_that_contain_each_other_are_scrubbed_in_one_span() -> None:
    """A thousand values that each contain the shorter ones, repeated over the text: every
    overlapping occurrence used to be recorded (seconds and gigabytes); the longest covers
    them and the text is one redaction."""
    from secret_hygiene.findings import _Redaction

    piece = token(8)
    redaction = _Redaction()
    for count in range(1, 1001):
        redaction._values.add(piece * count)
    assert redaction.scrub(piece * 5000 + " tail") == "[redacted] tail"


def test_thousands_of_secrets_in_one_file_are_each_reported(repo: Repo, run: Runner) -> None:
    lines = [f'password{i} = "{token(14)}"' for i in range(3000)]
    repo.write("many.py", "\n".join(lines) + "\n")
    repo.commit("many")
    result = run(repo.path, "check", "--format", "json", "--select", "SH102")
    assert len(result.findings) == 3000
    assert "[redacted]" not in result.stdout and lines[0].split('"')[1] not in result.stdout


def test_machine_reports_of_undecodable_file_names_are_strict_unicode(repo: Repo,
                                                                       run: Runner) -> None:
    name = os.fsdecode(b"bad\xffname py#1.py")
    (repo.path / name).write_text(f'DB_PASSWORD = "{token()}"\n')
    repo.manifest()
    repo.commit()
    for fmt in ("json", "sarif", "gitlab"):
        result = run_process(repo.path, "check", "--format", fmt)
        assert "\\udc" not in result.stdout and "\udcff" not in result.stdout
        assert "bad\ufffdname" in result.stdout or "bad%FFname" in result.stdout
        result.stdout.encode("utf-8")  # strict: no lone surrogates
    sarif = json.loads(run_process(repo.path, "check", "--format", "sarif").stdout)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in sarif["runs"][0]["results"] if r["locations"]}
    assert "bad%FFname%20py%231.py" in uris  # a URI reference: bytes and spaces encoded


def test_the_tools_own_reports_in_the_checkout_are_scanned_without_false_findings(
        repo: Repo, run: Runner) -> None:
    """A report written into the checkout is full of hashes (and SARIF's rule help quotes
    example credentials); the next run used to report dozens of them, and history would once
    it was committed. Reports are still scanned, in any encoding a shell writes them."""
    repo.write("app.py", f'password = "{token(24)}"\n')
    repo.commit("app")
    for name in ("json", "sarif", "gitlab"):
        result = run(repo.path, "check", "--format", name)
        assert result.code == 1
        repo.write(f"report.{name}", result.stdout)
    for name in ("json", "sarif"):  # history's reports add commit ids
        repo.write(f"history.{name}", run(repo.path, "history", "--format", name).stdout)
    sarif = (repo.path / "report.sarif").read_text()
    (repo.path / "utf16.sarif").write_bytes(sarif.encode("utf-16"))  # PowerShell 5's `>`
    (repo.path / "bom.json").write_bytes(b"\xef\xbb\xbf" + (repo.path / "report.json")
                                         .read_bytes())
    repo.write("teed.json", (repo.path / "report.json").read_text() + "check: 1 error\n")
    repo.write("echoed.sarif", "Running secret-hygiene...\n" + sarif)
    repo.write("reformatted.json", json.dumps(json.loads((repo.path / "report.json")
                                                          .read_text()), indent=None))
    repo.commit("reports")
    result = run(repo.path, "check", "--format", "json")
    assert [(f["path"], f["rule"]) for f in result.findings] == [("app.py", "SH102")]
    assert result.report["complete"] is True and result.report["skipped"] == []
    assert "[redacted]" not in result.stdout  # the new report's own hashes are intact
    history = run(repo.path, "history", "--format", "json")
    assert {f["path"] for f in history.findings if f["rule"] == "SH501"} == {"app.py"}


def test_a_secret_pasted_into_a_report_is_still_found(repo: Repo, run: Runner) -> None:
    """Only the report's own hashes and rule texts are passed over: a value added by hand, or
    by a tool that enriches reports with code snippets, is a finding like anywhere else."""
    value, pasted = token(24), github_token()
    repo.write("app.py", f'password = "{token(24)}"\n')
    repo.commit("app")
    sarif = json.loads(run(repo.path, "check", "--format", "sarif").stdout)
    region = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    region["snippet"] = {"text": f"export GITHUB_TOKEN={pasted}"}
    repo.write("enriched.sarif", json.dumps(sarif, indent=2))
    repo.write("hand.json", json.dumps({"tool": "secret-hygiene", "findings": [],
                                        "password": value}, indent=2))
    repo.commit("reports")
    result = run(repo.path, "check", "--format", "json", "--select", "SH102")
    assert sorted(path for path, _ in result.at("SH102")) == ["app.py", "enriched.sarif",
                                                             "hand.json"]
    assert value not in result.stdout and pasted not in result.stdout


def test_a_value_in_a_file_name_is_scrubbed_in_every_escaped_form(repo: Repo,
                                                                   run: Runner) -> None:
    """Reports escape file names (SARIF and GitHub percent-encode, JUnit XML-escapes, JSON
    escapes tabs); scrubbing runs on the rendered report, so each escaped form is scrubbed."""
    value = distinct(10) + "&<>:,% \t" + distinct(6)
    repo.write(f"amp/{value}.py", f'password = "{value}"\n')
    repo.commit()
    for name in ("text", "json", "sarif", "github", "gitlab", "junit"):
        result = run(repo.path, "check", "--format", name, "--select", "SH102")
        assert result.code == 1, name
        shown = result.stdout + result.stderr
        for piece in (value, value[:10] + "%26", value[:10] + "&amp;", value[-6:]):
            assert piece not in shown, (name, piece)
