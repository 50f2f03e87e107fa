"""`validate`: live values from the environment, NAME_FILE and the Docker secrets folder."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest

from conftest import Repo, Result, Runner, distinct, token

UNSET = ("SECRET_KEY", "SECRET_KEY_FILE", "DB_PASSWORD", "DB_PASSWORD_FILE", "AUTH0_CLIENT_ID",
         "AUTH0_CLIENT_SECRET", "AUTH0_DOMAIN", "AUTH0_AUDIENCE", "AUTH0_CLIENT_ID_FILE",
         "AUTH0_CLIENT_SECRET_FILE", "AUTH0_DOMAIN_FILE", "AUTH0_AUDIENCE_FILE", "YOSAI_ENV",
         "SECRET_BACKEND")


@pytest.fixture
def project(repo: Repo) -> Repo:
    repo.manifest()
    text = (repo.path / "secret-manifest.yaml").read_text()
    repo.manifest(text.replace("docker_secrets_dir: /run/secrets",
                               "docker_secrets_dir: ./run-secrets"))
    (repo.path / "run-secrets").mkdir()
    repo.write(".gitignore", "run-secrets/\nsecrets/\n")
    repo.commit()
    return repo


def validate(run: Runner, repo: Repo, *args: str, **env: str) -> Result:
    return run(repo.path, "validate", "--format", "json", *args, env=env, unset=UNSET)


def statuses(result: Result) -> dict[str, tuple[str, str | None]]:
    return {s["name"]: (s["status"], s["source"]) for s in result.report["secrets"]}


def test_required_secret_missing_in_production(project: Repo, run: Runner) -> None:
    result = validate(run, project, YOSAI_ENV="production", SECRET_KEY=token(40))
    assert result.code == 1
    [missing] = [f for f in result.findings if f["rule"] == "SH401"]
    assert "DB_PASSWORD" in missing["message"]
    assert missing["path"] == "secret-manifest.yaml" and missing["line"] == 14
    assert missing["secret"] is None
    warnings = {f["message"].split()[0] for f in result.findings if f["rule"] == "SH406"}
    assert warnings == {"AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET", "AUTH0_DOMAIN",
                        "AUTH0_AUDIENCE"}


def test_missing_outside_production_is_a_warning(project: Repo, run: Runner) -> None:
    result = validate(run, project)  # YOSAI_ENV unset: the manifest's default, development
    assert result.code == 0
    assert {f["rule"] for f in result.findings} == {"SH406"}
    assert result.report["environment"] == "development"


def test_sources_in_order_env_then_file_then_docker(project: Repo, run: Runner,
                                                    tmp_path: Path) -> None:
    secret_file = tmp_path / "key"
    secret_file.write_text(token(40) + "\n")
    (project.path / "run-secrets" / "db_password").write_text(distinct(24) + "\n")
    result = validate(run, project, "--env", "production", SECRET_KEY_FILE=str(secret_file),
                      AUTH0_DOMAIN="tenant.eu.auth0.com")
    found = statuses(result)
    assert found["SECRET_KEY"] == ("ok", "file")
    assert found["DB_PASSWORD"] == ("ok", "docker")
    assert found["AUTH0_DOMAIN"] == ("ok", "env")
    assert not [f for f in result.findings if f["rule"] in ("SH401", "SH402", "SH403")]
    both = validate(run, project, "--env", "production", SECRET_KEY=token(40),
                    SECRET_KEY_FILE=str(secret_file))
    assert statuses(both)["SECRET_KEY"] == ("ok", "env")


def test_a_file_variable_pointing_nowhere_is_missing(project: Repo, run: Runner) -> None:
    result = validate(run, project, "--env", "production", SECRET_KEY_FILE="/nonexistent/key",
                      DB_PASSWORD=token(40))
    [finding] = [f for f in result.findings if f["rule"] == "SH401"]
    assert "SECRET_KEY_FILE points to /nonexistent/key, which does not exist" in \
        finding["message"]


def test_one_trailing_newline_is_not_part_of_the_value(project: Repo, run: Runner) -> None:
    value = token(32)  # exactly min_length
    (project.path / "run-secrets" / "secret_key").write_text(value + "\n")
    result = validate(run, project, "--env", "production", DB_PASSWORD=token(40))
    assert "SH402" not in result.rules()


@pytest.mark.parametrize(("value", "rule", "words"), [
    ("your-signing-key-goes-here-" + "x" * 8, "SH403", "placeholder"),
    ("changeme", "SH403", "placeholder"),
    ("postgres", "SH403", "well-known default"),
    ("Zk4-dev-" + "Qw81LmNc0PqRsTuVwXyZ12345", "SH403", "development/test word"),
    ("ab" * 20, "SH403", "too little entropy"),
])
def test_weak_values_in_production(project: Repo, run: Runner, value: str, rule: str,
                                   words: str) -> None:
    result = validate(run, project, "--env", "production", SECRET_KEY=value,
                      DB_PASSWORD=token(40))
    [finding] = [f for f in result.findings if f["rule"] == rule and
                 f["message"].startswith("SECRET_KEY")]
    assert words in finding["message"]
    assert value not in result.stdout and value not in result.stderr
    assert hashlib.sha256(value.encode()).hexdigest() not in result.stdout


def test_short_value(project: Repo, run: Runner) -> None:
    result = validate(run, project, "--env", "production", SECRET_KEY=distinct(20),
                      DB_PASSWORD=token(40))
    [finding] = [f for f in result.findings if f["rule"] == "SH402"]
    assert "shorter than min_length 32" in finding["message"]
    assert "20" not in finding["message"]  # not even the length of a live value


def test_a_short_weak_value_is_both_too_short_and_weak(project: Repo, run: Runner) -> None:
    result = validate(run, project, "--env", "production", SECRET_KEY="a" * 6,
                      DB_PASSWORD=token(40))
    rules = sorted(f["rule"] for f in result.findings if f["message"].startswith("SECRET_KEY"))
    assert rules == ["SH402", "SH403"]
    assert statuses(result)["SECRET_KEY"][0] == "too short"


def test_quality_checks_do_not_apply_to_identifiers(project: Repo, run: Runner) -> None:
    result = validate(run, project, "--env", "production", SECRET_KEY=token(40),
                      DB_PASSWORD=token(40), AUTH0_DOMAIN="dev", AUTH0_CLIENT_ID="test")
    assert [f for f in result.findings if f["rule"] in ("SH402", "SH403")] == []


def test_rotation_age_from_a_docker_secret_file(project: Repo, run: Runner) -> None:
    path = project.path / "run-secrets" / "db_password"
    path.write_text(distinct(24))
    old = time.time() - 120 * 86400
    os.utime(path, (old, old))
    result = validate(run, project, "--env", "production", SECRET_KEY=token(40))
    [finding] = [f for f in result.findings if f["rule"] == "SH404"]
    assert "DB_PASSWORD last changed 120 days ago" in finding["message"]
    assert "approximate" in finding["message"] and "90 days" in finding["message"]


def test_unknown_backend_is_a_usage_error(project: Repo, run: Runner) -> None:
    result = validate(run, project, SECRET_BACKEND="consul")  # pragma: allowlist secret
    assert result.code == 2 and result.stdout == ""
    assert "unknown secret backend 'consul' (from SECRET_BACKEND)" in result.stderr


@pytest.mark.parametrize("how", ["selector", "reference"])
def test_unconfigured_stores_are_incomplete_not_clean(project: Repo, run: Runner,
                                                          how: str) -> None:
    selector = {"SECRET_BACKEND": "vault"}  # pragma: allowlist secret
    reference = {"SECRET_KEY": "vault:secret/data/yosai#SECRET_KEY", "DB_PASSWORD": token(40)}
    env = selector if how == "selector" else reference
    result = validate(run, project, "--env", "production", **env)
    assert result.code == 2
    assert result.report["complete"] is False
    assert "SH405" in result.rules()


def test_validate_needs_a_manifest(repo: Repo, run: Runner) -> None:
    result = run(repo.path, "validate")
    assert result.code == 2 and "validate needs a manifest" in result.stderr
