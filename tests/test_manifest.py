"""Manifest discovery and strict validation: file:line:col messages, exit 2, nothing guessed."""

from __future__ import annotations

from pathlib import Path

import pytest

from secret_hygiene.manifest import ManifestError, load_manifest

from conftest import SHARED, Repo, Runner, run_process

REFERENCE = SHARED / "cases" / "_common" / "secret-manifest.yaml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "secret-manifest.yaml"
    path.write_text(text)
    return path


def problems(tmp_path: Path, text: str) -> list[tuple[int, int, str]]:
    with pytest.raises(ManifestError) as error:
        load_manifest(write(tmp_path, text))
    return error.value.problems


def test_the_reference_manifest_loads() -> None:
    manifest = load_manifest(REFERENCE)
    assert list(manifest.secrets) == ["SECRET_KEY", "DB_PASSWORD", "AUTH0_CLIENT_ID",
                                      "AUTH0_CLIENT_SECRET", "AUTH0_DOMAIN", "AUTH0_AUDIENCE"]
    key = manifest.secrets["SECRET_KEY"]
    assert key.required_in == ("production",)
    assert key.min_length == 32
    assert key.docker_secret == "secret_key"  # pragma: allowlist secret
    assert key.services == ("app",)
    assert manifest.secrets["AUTH0_DOMAIN"].sensitive is False
    auth0 = manifest.secrets["AUTH0_CLIENT_SECRET"]
    assert auth0.docker_secret == "auth0_client_secret"  # pragma: allowlist secret
    assert manifest.environment.variable == "YOSAI_ENV"
    assert manifest.policy.production_compose == ("docker-compose.prod.yml",)
    assert manifest.lookup("db-password") is manifest.secrets["DB_PASSWORD"]
    assert manifest.by_docker_secret("db_password") is manifest.secrets["DB_PASSWORD"]


@pytest.mark.parametrize(("text", "line", "column", "fragment"), [
    ("version: 1\nsecrets:\n  SECRET_KEY:\n    requried_in: [production]\n", 4, 5,
     "unknown key 'requried_in' in secrets.SECRET_KEY (did you mean 'required_in'?)"),
    ("version: 1\npolicy:\n  rotaton_days: 30\n", 3, 3, "did you mean 'rotation_days'?"),
    ("version: 1\nsecrest: {}\n", 2, 1, "did you mean 'secrets'?"),
    ("version: 1\nsecrets:\n  SECRET_KEY: {min_length: \"32\"}\n", 3, 28,
     "secrets.SECRET_KEY.min_length must be an integer, got a string"),
    ("version: 1\nsecrets:\n  SECRET_KEY: {required_in: production}\n", 3, 29,
     "must be a list of strings"),
    ("version: 1\nsecrets:\n  SECRET_KEY: {sensitive: maybe}\n", 3, 27, "must be true or false"),
    ("version: 1\nsecrets:\n  A: {}\n  A: {}\n", 4, 3, "duplicate key 'A' (first at line 3)"),
    ("version: 2\n", 1, 10, "unsupported manifest version 2"),
    ("secrets: {}\n", 1, 1, "missing required key 'version'"),
    ("version: 1\nsecrets:\n  1BAD: {}\n", 3, 3, "is not an environment variable name"),
    ("version: 1\nsecrets:\n  KEY: {}\n  key: {}\n", 4, 3, "clashes with 'KEY'"),
    ("version: 1\nbackends:\n  default: consul\n", 3, 12, "backends.default must be one of"),
    ("version: 1\nsecrets: [A, B]\n", 2, 10, "secrets must be a mapping"),
    ("- just\n- a list\n", 1, 1, "the manifest must be a mapping"),
    ("version: 1\nsecrets:\n  A: {min_length: 0}\n", 3, 19, "must be a positive integer"),
])
def test_problems_name_line_column_and_key(tmp_path: Path, text: str, line: int, column: int,
                                           fragment: str) -> None:
    found = problems(tmp_path, text)
    assert any(fragment in message and (line, column) == (at_line, at_column)
               for at_line, at_column, message in found), found


def test_invalid_yaml_is_a_manifest_error(tmp_path: Path) -> None:
    [(line, _col, message)] = problems(tmp_path, "version: 1\nsecrets: {A: [\n")
    assert message.startswith("invalid YAML") and line >= 2


def test_empty_and_null_secret_entries(tmp_path: Path) -> None:
    manifest = load_manifest(write(tmp_path, "version: 1\nsecrets:\n  API_TOKEN:\n"))
    assert manifest.secrets["API_TOKEN"].docker_secret == "api_token"  # pragma: allowlist secret
    assert problems(tmp_path, "") == [(1, 1, "manifest is empty: it needs at least "
                                             "'version: 1'")]


def test_cli_reports_every_problem_and_exits_2(repo: Repo, run: Runner) -> None:
    repo.manifest("version: 1\nsecrets:\n  SECRET_KEY:\n    requried_in: [production]\n"
                  "    min_lenght: 32\n")
    result = run(repo.path, "check")
    assert result.code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2
    assert all(":" in line and "secret-manifest.yaml:" in line for line in lines)
    assert "secret-manifest.yaml:4:5: unknown key 'requried_in'" in lines[0]
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_json_report_of_an_invalid_manifest(repo: Repo, run: Runner) -> None:
    repo.manifest("version: 1\nsecrets:\n  SECRET_KEY: {min_length: x}\n")
    result = run(repo.path, "check", "--format", "json")
    assert result.code == 2
    assert result.report["complete"] is False
    assert [(f["rule"], f["line"]) for f in result.findings] == [("SH001", 3)]


def test_manifest_option_and_pyproject_setting(repo: Repo, run: Runner) -> None:
    repo.write("deploy/policy.yaml", REFERENCE.read_text())
    repo.write(".env", "SECRET_KEY=" + "Qz8" * 12 + "\n")
    repo.commit()
    assert run(repo.path, "check", "--format", "json").at("SH101") == []  # no manifest found
    result = run(repo.path, "check", "--format", "json", "--manifest", "deploy/policy.yaml")
    assert result.at("SH101") == [(".env", 1)]
    repo.write("pyproject.toml", '[tool.secret-hygiene]\nmanifest = "deploy/policy.yaml"\n')
    assert run(repo.path, "check", "--format", "json").at("SH101") == [(".env", 1)]


def test_missing_manifest_paths_are_errors(repo: Repo, run: Runner) -> None:
    result = run(repo.path, "check", "--manifest", "nope.yaml")
    assert result.code == 2 and "nope.yaml: manifest not found" in result.stderr
    repo.write("pyproject.toml", '[tool.secret-hygiene]\nmanifest = "gone.yaml"\n')
    result = run(repo.path, "check")
    assert result.code == 2 and "gone.yaml" in result.stderr and "pyproject.toml" in result.stderr


def test_broken_pyproject_is_a_one_line_error(repo: Repo, run: Runner) -> None:
    repo.write("pyproject.toml", "[tool.secret-hygiene\n")
    result = run(repo.path, "check")
    assert result.code == 2
    assert result.stderr.count("\n") == 1 and "pyproject.toml" in result.stderr
    repo.write("pyproject.toml", '[tool.secret-hygiene]\nmanifets = "x"\n')
    result = run(repo.path, "check")
    assert result.code == 2 and "unknown key 'manifets'" in result.stderr


def test_a_broken_manifest_changes_nothing_on_disk(repo: Repo) -> None:
    repo.manifest("version: 1\nsecrets: {A: {bogus: 1}}\n")
    repo.commit()
    before = sorted(p.relative_to(repo.path) for p in repo.path.rglob("*") if ".git" not in
                    p.parts)
    result = run_process(repo.path, "baseline")
    assert result.code == 2 and "Traceback" not in result.stderr
    after = sorted(p.relative_to(repo.path) for p in repo.path.rglob("*") if ".git" not in
                   p.parts)
    assert before == after
