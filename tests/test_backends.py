"""`validate` against real stores: OpenBao (Vault's API) and moto's AWS Secrets Manager, both
started by these tests on 127.0.0.1. Secrets are written with the real clients (hvac, boto3)."""

from __future__ import annotations

import json
import secrets as random
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import hvac
import pytest

from secret_hygiene.backends import vault as vault_backend

from conftest import Repo, Result, Runner, distinct, token
from servers import Server, free_port, running, start_moto, start_openbao

UNSET = ("SECRET_KEY", "SECRET_KEY_FILE", "DB_PASSWORD", "DB_PASSWORD_FILE", "AUTH0_CLIENT_ID",
         "AUTH0_CLIENT_SECRET", "AUTH0_DOMAIN", "AUTH0_AUDIENCE", "AUTH0_CLIENT_ID_FILE",
         "AUTH0_CLIENT_SECRET_FILE", "AUTH0_DOMAIN_FILE", "AUTH0_AUDIENCE_FILE", "YOSAI_ENV",
         "SECRET_BACKEND", "VAULT_ADDR", "VAULT_TOKEN", "VAULT_NAMESPACE", "AWS_PROFILE",
         "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_SESSION_TOKEN",
         "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_DEFAULT_REGION",
         "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE")
AWS_TEST_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_REGION": "us-east-1"}


@pytest.fixture(scope="session")
def openbao(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from running(start_openbao(tmp_path_factory.mktemp("openbao-home")))


@pytest.fixture(scope="session")
def moto() -> Iterator[Server]:
    yield from running(start_moto())


def vault_client(server: Server, token: str | None = None) -> hvac.Client:
    return hvac.Client(url=server.url, token=token or server.token)


def aws_client(server: Server) -> Any:
    return boto3.client("secretsmanager", endpoint_url=server.url, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def project_for(repo: Repo, backends: str) -> Repo:
    """The standard manifest with extra `backends:` settings (indented two spaces)."""
    repo.manifest()
    text = (repo.path / "secret-manifest.yaml").read_text()
    repo.manifest(text.replace("  docker_secrets_dir: /run/secrets\n",
                               "  docker_secrets_dir: ./run-secrets\n" + backends))
    repo.write(".gitignore", "run-secrets/\n")
    repo.commit()
    return repo


def validate(run: Runner, repo: Repo, *args: str, **env: str) -> Result:
    return run(repo.path, "validate", "--format", "json", "--env", "production", *args,
               env=env, unset=UNSET)


def statuses(result: Result) -> dict[str, tuple[str, str | None, str | None]]:
    return {s["name"]: (s["status"], s["source"], s["where"]) for s in result.report["secrets"]}


def rules_for(result: Result, name: str) -> list[str]:
    return sorted(f["rule"] for f in result.findings if f["message"].startswith(name))


def never_shown(result: Result, *values: str) -> None:
    for value in values:
        assert value not in result.stdout + result.stderr


# --- Vault (OpenBao) -------------------------------------------------------------------------

def vault_env(server: Server, token: str | None = None) -> dict[str, str]:
    return {"SECRET_BACKEND": "vault", "VAULT_ADDR": server.url,  # pragma: allowlist secret
            "VAULT_TOKEN": token or server.token}


@pytest.fixture
def vault_path() -> str:
    return f"yosai-{random.token_hex(4)}"


def test_vault_present_too_short_and_placeholder(repo: Repo, run: Runner, openbao: Server,
                                                 vault_path: str) -> None:
    good, short = token(40), distinct(20)  # SECRET_KEY needs 32 characters
    vault_client(openbao).secrets.kv.v2.create_or_update_secret(
        path=vault_path, mount_point="secret",
        secret={"SECRET_KEY": short, "DB_PASSWORD": good, "AUTH0_CLIENT_SECRET": "change-me"})
    project = project_for(repo, f"  vault: {{mount: secret, path: {vault_path}}}\n")
    result = validate(run, project, **vault_env(openbao))
    assert result.code == 1, result.stderr
    found = statuses(result)
    assert found["DB_PASSWORD"] == ("ok", "vault", f"secret/{vault_path}#DB_PASSWORD")
    assert found["SECRET_KEY"][0] == "too short"
    assert rules_for(result, "SECRET_KEY") == ["SH402"]
    assert found["AUTH0_CLIENT_SECRET"][0] == "weak"
    assert rules_for(result, "AUTH0_CLIENT_SECRET") == ["SH403"]
    assert rules_for(result, "AUTH0_DOMAIN") == ["SH406"]  # not there, not required
    assert result.report["complete"] is True
    never_shown(result, good, short, openbao.token)


def test_vault_missing_required_secret(repo: Repo, run: Runner, openbao: Server,
                                       vault_path: str) -> None:
    vault_client(openbao).secrets.kv.v2.create_or_update_secret(
        path=vault_path, mount_point="secret", secret={"SECRET_KEY": token(40)})
    project = project_for(repo, f"  vault: {{mount: secret, path: {vault_path}}}\n")
    result = validate(run, project, **vault_env(openbao))
    assert result.code == 1
    [missing] = [f for f in result.findings if f["rule"] == "SH401"]
    assert missing["message"].startswith("DB_PASSWORD is required in production but missing")
    assert f"secret/{vault_path} has no field DB_PASSWORD" in missing["message"]


def test_vault_rotation_age_from_the_version_created_time(repo: Repo, run: Runner,
                                                           openbao: Server,
                                                           vault_path: str) -> None:
    vault_client(openbao).secrets.kv.v2.create_or_update_secret(
        path=vault_path, mount_point="secret",
        secret={"SECRET_KEY": token(40), "DB_PASSWORD": token(30)})
    project = project_for(repo, f"  vault: {{mount: secret, path: {vault_path}}}\n")
    now = validate(run, project, **vault_env(openbao))
    assert "SH404" not in now.rules()
    later = (datetime.now(timezone.utc) + timedelta(days=200)).date().isoformat()
    result = validate(run, project, "--as-of", later, **vault_env(openbao))
    stale = [f for f in result.findings if f["rule"] == "SH404"]
    assert sorted(f["message"].split()[0] for f in stale) == ["DB_PASSWORD", "SECRET_KEY"]
    assert "created_time" in stale[0]["message"] and "90 days" in stale[0]["message"]
    assert statuses(result)["SECRET_KEY"][0] == "due for rotation"
    assert result.report["as_of"].startswith(later)


def test_per_secret_locations_and_kv_version_1(repo: Repo, run: Runner, openbao: Server,
                                               vault_path: str) -> None:
    client = vault_client(openbao)
    mount = f"kv1-{vault_path}"
    client.sys.enable_secrets_engine("kv", path=mount, options={"version": "1"})
    client.secrets.kv.v1.create_or_update_secret(path="app", mount_point=mount,
                                                 secret={"key": token(40)})
    client.secrets.kv.v1.create_or_update_secret(path="db", mount_point=mount,
                                                 secret={"password": token(30)})
    repo.manifest()
    text = (repo.path / "secret-manifest.yaml").read_text()
    text = text.replace("    docker_secret: secret_key\n",
                        f"    docker_secret: secret_key\n    vault: {mount}/app#key\n")
    text = text.replace("    docker_secret: db_password\n",
                        f"    docker_secret: db_password\n    vault: {mount}/db#password\n")
    text = text.replace("  docker_secrets_dir: /run/secrets\n",
                        f"  docker_secrets_dir: ./run-secrets\n  vault: {{mount: {mount}, "
                        "kv_version: 1}\n")
    repo.manifest(text)
    repo.commit()
    result = validate(run, repo, **vault_env(openbao))
    found = statuses(result)
    assert found["SECRET_KEY"] == ("ok", "vault", f"{mount}/app#key")
    assert found["DB_PASSWORD"] == ("ok", "vault", f"{mount}/db#password")
    assert "SH404" not in result.rules()  # KV v1 keeps no version times, and says so:
    assert "rotation age not judged for SECRET_KEY, DB_PASSWORD" in " ".join(
        result.report["notes"])


def test_references_in_the_environment_are_read_from_the_store(repo: Repo, run: Runner,
                                                               openbao: Server, moto: Server,
                                                               vault_path: str) -> None:
    key, password = token(40), token(30)
    vault_client(openbao).secrets.kv.v2.create_or_update_secret(
        path=vault_path, mount_point="secret", secret={"SECRET_KEY": key})
    aws_client(moto).create_secret(Name=f"{vault_path}/db",
                                   SecretString=json.dumps({"password": password}))
    project = project_for(repo, "")
    env = {**vault_env(openbao), **AWS_TEST_CREDENTIALS, "AWS_ENDPOINT_URL": moto.url,
           "SECRET_BACKEND": "env",  # pragma: allowlist secret
           "SECRET_KEY": f"vault:secret/data/{vault_path}#SECRET_KEY",
           "DB_PASSWORD": f"aws-secrets:{vault_path}/db#password"}
    result = validate(run, project, **env)
    found = statuses(result)
    assert found["SECRET_KEY"] == (
        "ok", "vault", f"secret/{vault_path}#SECRET_KEY, referenced by env SECRET_KEY")
    assert found["DB_PASSWORD"] == (
        "ok", "aws", f"{vault_path}/db#password, referenced by env DB_PASSWORD")
    assert not [f for f in result.findings if f["rule"] != "SH406"]
    never_shown(result, key, password)
    dangling = validate(run, project, **{**env, "DB_PASSWORD": f"aws-secrets:{vault_path}/gone"})
    assert dangling.code == 2 and dangling.report["complete"] is False
    [broken] = [f for f in dangling.findings if f["rule"] == "SH405"]
    assert "AWS Secrets Manager has no secret" in broken["message"]


@pytest.mark.parametrize("how", ["wrong token", "no read policy"])
def test_refused_token_is_sh405_and_never_shown(repo: Repo, run: Runner, openbao: Server,
                                                vault_path: str, how: str) -> None:
    client = vault_client(openbao)
    client.secrets.kv.v2.create_or_update_secret(path=vault_path, mount_point="secret",
                                                 secret={"SECRET_KEY": token(40)})
    if how == "wrong token":
        refused = "dev-" + random.token_hex(16)
    else:
        client.sys.create_or_update_policy(name=f"none-{vault_path}",
                                           policy='path "sys/*" { capabilities = ["deny"] }')
        refused = client.auth.token.create(policies=[f"none-{vault_path}"],
                                           ttl="10m")["auth"]["client_token"]
    project = project_for(repo, f"  vault: {{mount: secret, path: {vault_path}}}\n")
    result = validate(run, project, **vault_env(openbao, refused))
    assert result.code == 2
    assert result.report["complete"] is False
    assert rules_for(result, "SECRET_KEY") == ["SH405"]
    assert "permission denied" in result.findings[0]["message"]
    assert "valid token" in result.findings[0]["hint"]
    never_shown(result, refused, openbao.token)


def test_server_stopped_mid_run(repo: Repo, run: Runner, tmp_path: Path, vault_path: str,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The server answers the first secret, then stops: the rest are SH405 without waiting
    for each in turn, and the report is incomplete."""
    server = start_openbao(tmp_path / "home")
    try:
        vault_client(server).secrets.kv.v2.create_or_update_secret(
            path=vault_path, mount_point="secret",
            secret={"SECRET_KEY": token(40), "DB_PASSWORD": token(30)})
        original = vault_backend.VaultBackend._read

        def then_stop(self: vault_backend.VaultBackend, mount: str, path: str,
                      field: str) -> Any:
            lookup = original(self, mount, path, field)
            server.stop()
            return lookup

        monkeypatch.setattr(vault_backend.VaultBackend, "_read", then_stop)
        project = project_for(repo, f"  vault: {{mount: secret, path: {vault_path}}}\n")
        result = validate(run, project, **vault_env(server))
    finally:
        server.stop()
    found = statuses(result)
    assert found["SECRET_KEY"][0] == "ok"
    assert {name: status for name, (status, _s, _w) in found.items() if name != "SECRET_KEY"} \
        == dict.fromkeys(("DB_PASSWORD", "AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET",
                          "AUTH0_DOMAIN", "AUTH0_AUDIENCE"), "unchecked")
    assert result.code == 2 and result.report["complete"] is False
    assert any("did not answer" in error for error in result.report["errors"])
    assert result.report["summary"]["seconds"] < 60  # bounded: not a hang (sanity, not speed)


def test_unreachable_vault_and_missing_settings(repo: Repo, run: Runner) -> None:
    project = project_for(repo, "  vault: {path: app}\n")
    closed = f"http://127.0.0.1:{free_port()}"
    result = validate(run, project, SECRET_BACKEND="vault",  # pragma: allowlist secret
                      VAULT_ADDR=closed, VAULT_TOKEN="dev-" + random.token_hex(8))
    assert result.code == 2 and result.report["complete"] is False
    assert f"Vault at {closed} did not answer: cannot connect" in result.report["errors"]
    unset = validate(run, project, SECRET_BACKEND="vault")  # pragma: allowlist secret
    assert "VAULT_ADDR is not set: it names the Vault server" in unset.report["errors"]


def test_missing_extra_names_the_install_command(repo: Repo, run: Runner,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    project = project_for(repo, "")
    monkeypatch.setitem(sys.modules, "hvac", None)  # as if hvac were not installed
    monkeypatch.setitem(sys.modules, "boto3", None)
    vault = validate(run, project, SECRET_BACKEND="vault")  # pragma: allowlist secret
    assert vault.report["errors"] == [
        "the vault backend needs hvac: pip install hvac (or install secret-hygiene with its "
        "[vault] extra)"]
    aws = validate(run, project, SECRET_BACKEND="aws")  # pragma: allowlist secret
    assert aws.report["errors"] == [
        "the aws backend needs boto3: pip install boto3 (or install secret-hygiene with its "
        "[aws] extra)"]
    assert vault.code == aws.code == 2
    assert "additional_dependencies: [hvac]" in vault.findings[0]["hint"]


def test_location_forms() -> None:
    parse = vault_backend.parse_location
    assert parse("secret/data/yosai#SECRET_KEY", "kv", 2, "X") == ("secret", "yosai",
                                                                   "SECRET_KEY")
    assert parse("secret/yosai/app", "kv", 2, "X") == ("secret", "yosai/app", "X")
    assert parse("yosai#k", "kv", 2, "X") == ("kv", "yosai", "k")
    assert parse("kv/data/x", "kv", 1, "X") == ("kv", "data/x", "X")  # v1 has no data/


# --- AWS Secrets Manager (moto) --------------------------------------------------------------

def aws_env(server: Server) -> dict[str, str]:
    return {"SECRET_BACKEND": "aws", "AWS_ENDPOINT_URL": server.url,  # pragma: allowlist secret
            **AWS_TEST_CREDENTIALS}


def test_aws_present_missing_key_selector_and_stale(repo: Repo, run: Runner, moto: Server,
                                                    vault_path: str) -> None:
    prefix = f"{vault_path}/"
    key, password = token(40), token(30)
    client = aws_client(moto)
    client.create_secret(Name=f"{prefix}SECRET_KEY", SecretString=key)
    client.create_secret(Name=f"{prefix}database",
                         SecretString=json.dumps({"password": password, "user": "app"}))
    repo.manifest()
    text = (repo.path / "secret-manifest.yaml").read_text()
    text = text.replace("    docker_secret: db_password\n",
                        f"    docker_secret: db_password\n    aws_id: {prefix}database#password\n")
    text = text.replace("  docker_secrets_dir: /run/secrets\n",
                        f"  docker_secrets_dir: ./run-secrets\n  aws: {{prefix: {prefix}}}\n")
    repo.manifest(text)
    repo.commit()
    result = validate(run, repo, **aws_env(moto))
    found = statuses(result)
    assert found["SECRET_KEY"] == ("ok", "aws", f"{prefix}SECRET_KEY")
    assert found["DB_PASSWORD"] == ("ok", "aws", f"{prefix}database#password")
    assert rules_for(result, "AUTH0_CLIENT_SECRET") == ["SH406"]
    assert result.code == 0 and result.report["complete"] is True
    never_shown(result, key, password)
    later = (datetime.now(timezone.utc) + timedelta(days=120)).isoformat()
    stale = validate(run, repo, "--as-of", later, **aws_env(moto))
    assert sorted(f["message"].split()[0] for f in stale.findings if f["rule"] == "SH404") \
        == ["DB_PASSWORD", "SECRET_KEY"]
    client.delete_secret(SecretId=f"{prefix}SECRET_KEY", ForceDeleteWithoutRecovery=True)
    gone = validate(run, repo, **aws_env(moto))
    [missing] = [f for f in gone.findings if f["rule"] == "SH401"]
    assert f"AWS Secrets Manager has no secret {prefix}SECRET_KEY" in missing["message"]


def test_aws_unreachable_is_sh405_quickly(repo: Repo, run: Runner) -> None:
    project = project_for(repo, "")
    closed = f"http://127.0.0.1:{free_port()}"
    result = validate(run, project, **{**aws_env(Server(closed, None)),  # type: ignore[arg-type]
                                       "AWS_ENDPOINT_URL": closed})
    assert result.code == 2 and result.report["complete"] is False
    assert result.report["errors"] == [
        f"AWS Secrets Manager at {closed} did not answer: cannot connect"]
    assert {status for status, _s, _w in statuses(result).values()} == {"unchecked"}
    anonymous = validate(run, project, SECRET_BACKEND="aws",  # pragma: allowlist secret
                         AWS_REGION="us-east-1", AWS_ENDPOINT_URL=closed,
                         AWS_SHARED_CREDENTIALS_FILE=str(project.path / "none"),
                         AWS_CONFIG_FILE=str(project.path / "none"),
                         AWS_EC2_METADATA_DISABLED="true")  # no instance-role lookup
    assert anonymous.report["errors"] == [
        "cannot use AWS Secrets Manager: no AWS credentials found"]


# --- what the breaker found: real stores ------------------------------------------------------

def test_vault_without_a_path_reads_nothing(repo: Repo, run: Runner, openbao: Server) -> None:
    """A secret at the mount's root has no path: without backends.vault.path nothing is read,
    even when a secret happens to live at `secret/secret`."""
    vault_client(openbao).secrets.kv.v2.create_or_update_secret(
        path="secret", mount_point="secret", secret={"SECRET_KEY": token(40)})
    for backends in ("", '  vault: {mount: secret, path: "/"}\n'):
        project = project_for(repo, backends)
        result = validate(run, project, **vault_env(openbao))
        assert result.code == 2 and result.report["complete"] is False
        assert result.report["errors"] == [
            "Vault location 'secret' names no secret path (backends.vault.path is not set)"]
        assert "backends.vault.path" in result.findings[0]["hint"]


@pytest.mark.parametrize("actual", [1, 2])
def test_vault_kv_version_mismatch_is_named(repo: Repo, run: Runner, openbao: Server,
                                            vault_path: str, actual: int) -> None:
    client = vault_client(openbao)
    mount = f"kv{actual}-{vault_path}"
    client.sys.enable_secrets_engine("kv", path=mount, options={"version": str(actual)})
    store = client.secrets.kv.v1 if actual == 1 else client.secrets.kv.v2
    store.create_or_update_secret(path="app", mount_point=mount,
                                  secret={"SECRET_KEY": token(40)})
    project = project_for(repo, f"  vault: {{mount: {mount}, path: app, "
                                f"kv_version: {3 - actual}}}\n")
    result = validate(run, project, **vault_env(openbao))
    assert result.code == 2 and result.report["complete"] is False
    assert result.report["errors"] == [
        f"Vault mount {mount} is KV v{actual}, but it is read as KV v{3 - actual}"]
    assert f"kv_version: {actual}" in result.findings[0]["hint"]


def test_vault_namespace_that_does_not_exist(repo: Repo, run: Runner, openbao: Server,
                                             vault_path: str) -> None:
    project = project_for(repo, f"  vault: {{mount: secret, path: {vault_path}}}\n")
    result = validate(run, project, VAULT_NAMESPACE=f"ns-{vault_path}", **vault_env(openbao))
    assert result.code == 2 and result.report["complete"] is False
    assert result.report["errors"] == [
        f"Vault at {openbao.url} has no namespace ns-{vault_path} (VAULT_NAMESPACE)"]


def test_vault_reference_loop_is_named_once(repo: Repo, run: Runner, openbao: Server,
                                            moto: Server, vault_path: str) -> None:
    vault_client(openbao).secrets.kv.v2.create_or_update_secret(
        path=vault_path, mount_point="secret",
        secret={"SECRET_KEY": f"aws-secrets:{vault_path}/loop"})
    aws_client(moto).create_secret(Name=f"{vault_path}/loop",
                                   SecretString=f"vault:secret/{vault_path}#SECRET_KEY")
    project = project_for(repo, "")
    env = {**vault_env(openbao), **AWS_TEST_CREDENTIALS, "AWS_ENDPOINT_URL": moto.url,
           "SECRET_BACKEND": "env",  # pragma: allowlist secret
           "SECRET_KEY": f"vault:secret/{vault_path}#SECRET_KEY", "DB_PASSWORD": token(30)}
    result = validate(run, project, **env)
    assert result.code == 2
    [finding] = [f for f in result.findings if f["rule"] == "SH405"]
    where = f"vault secret/{vault_path}#SECRET_KEY"
    assert finding["message"] == (f"SECRET_KEY: reference loop: env SECRET_KEY -> {where} -> "
                                  f"aws {vault_path}/loop -> {where}")
    assert statuses(result)["DB_PASSWORD"][0] == "ok"


def test_as_of_before_the_secret_was_written(repo: Repo, run: Runner, openbao: Server,
                                             vault_path: str) -> None:
    vault_client(openbao).secrets.kv.v2.create_or_update_secret(
        path=vault_path, mount_point="secret",
        secret={"SECRET_KEY": token(40), "DB_PASSWORD": token(30)})
    project = project_for(repo, f"  vault: {{mount: secret, path: {vault_path}}}\n")
    result = validate(run, project, "--as-of", "2001-01-01", **vault_env(openbao))
    assert "SH404" not in result.rules()
    assert ("rotation age not judged for SECRET_KEY, DB_PASSWORD: the as-of date 2001-01-01 "
            "precedes their last change") in result.report["notes"]


def aws_project(repo: Repo, prefix: str, db_id: str) -> Repo:
    repo.manifest()
    text = (repo.path / "secret-manifest.yaml").read_text()
    text = text.replace("    docker_secret: db_password\n",
                        f"    docker_secret: db_password\n    aws_id: '{db_id}'\n")
    text = text.replace("  docker_secrets_dir: /run/secrets\n",
                        f"  docker_secrets_dir: ./run-secrets\n  aws: {{prefix: {prefix}}}\n")
    repo.manifest(text)
    repo.commit()
    return repo


def test_aws_empty_secret_id_is_about_that_secret(repo: Repo, run: Runner, moto: Server,
                                                  vault_path: str) -> None:
    password = token(30)
    aws_client(moto).create_secret(Name=f"{vault_path}/db",
                                   SecretString=json.dumps({"password": password}))
    project = project_for(repo, "")
    env = {**AWS_TEST_CREDENTIALS, "AWS_ENDPOINT_URL": moto.url,
           "SECRET_BACKEND": "env", "SECRET_KEY": "aws-secrets:",  # pragma: allowlist secret
           "DB_PASSWORD": f"aws-secrets:{vault_path}/db#password"}
    result = validate(run, project, **env)
    assert result.code == 2 and result.report["complete"] is False
    assert result.report["errors"] == ["empty AWS secret id in reference 'aws-secrets:'"]
    assert statuses(result)["DB_PASSWORD"][0] == "ok"
    manifest = aws_project(repo, f"{vault_path}/", "#password")
    result = validate(run, manifest, **aws_env(moto))
    assert "empty AWS secret id in aws_id '#password'" in result.report["errors"]
    assert "did not answer" not in result.stdout


@pytest.mark.parametrize(("stored", "expected"), [
    ({"password": {"nested": "x"}}, "key password holds an object, not a string"),
    ({"password": None}, "key password holds null, not a string"),
    ({"password": 1234567}, "key password holds a number, not a string"),
    ({"password": True}, "key password holds a boolean, not a string"),
    ("not json", "is not JSON, so it has no key password"),
    (["password"], "is a JSON array, not an object, so it has no key password"),
])
def test_aws_key_that_holds_no_string(repo: Repo, run: Runner, moto: Server,
                                      vault_path: str, stored: object, expected: str) -> None:
    text = stored if isinstance(stored, str) else json.dumps(stored)
    aws_client(moto).create_secret(Name=f"{vault_path}/db", SecretString=text)
    aws_client(moto).create_secret(Name=f"{vault_path}/SECRET_KEY", SecretString=token(40))
    project = aws_project(repo, f"{vault_path}/", f"{vault_path}/db#password")
    result = validate(run, project, **aws_env(moto))
    assert result.code == 2 and result.report["complete"] is False
    [finding] = [f for f in result.findings if f["rule"] == "SH405"]
    assert finding["message"] == (f"DB_PASSWORD: AWS Secrets Manager secret {vault_path}/db "
                                  f"{expected}")
    assert "password" in finding["hint"]
    assert statuses(result)["SECRET_KEY"][0] == "ok"


def test_aws_secret_scheduled_for_deletion(repo: Repo, run: Runner, moto: Server,
                                           vault_path: str) -> None:
    client = aws_client(moto)
    client.create_secret(Name=f"{vault_path}/SECRET_KEY", SecretString=token(40))
    client.delete_secret(SecretId=f"{vault_path}/SECRET_KEY", RecoveryWindowInDays=7)
    project = project_for(repo, f"  aws: {{prefix: {vault_path}/}}\n")
    result = validate(run, project, **aws_env(moto))
    assert result.code == 2
    [finding] = [f for f in result.findings if f["message"].startswith("SECRET_KEY")]
    assert finding["message"] == (f"SECRET_KEY: AWS Secrets Manager secret "
                                  f"{vault_path}/SECRET_KEY is scheduled for deletion")
    assert (f"aws secretsmanager restore-secret --secret-id {vault_path}/SECRET_KEY"
            in finding["hint"])


def test_aws_age_comes_from_the_current_version(repo: Repo, run: Runner, moto: Server,
                                                vault_path: str) -> None:
    aws_client(moto).create_secret(Name=f"{vault_path}/SECRET_KEY", SecretString=token(40))
    project = project_for(repo, f"  aws: {{prefix: {vault_path}/}}\n")
    later = (datetime.now(timezone.utc) + timedelta(days=120)).date().isoformat()
    result = validate(run, project, "--as-of", later, **aws_env(moto))
    [stale] = [f for f in result.findings if f["rule"] == "SH404"]
    assert "the current version's CreatedDate" in stale["message"]


def test_vault_mount_that_does_not_exist(repo: Repo, run: Runner, openbao: Server,
                                         vault_path: str) -> None:
    project = project_for(repo, f"  vault: {{mount: none-{vault_path}, path: app}}\n")
    result = validate(run, project, **vault_env(openbao))
    assert result.code == 2 and result.report["complete"] is False
    assert result.report["errors"] == [
        f"Vault at {openbao.url} has no mount none-{vault_path} (reading "
        f"none-{vault_path}/app)"]


def test_aws_id_that_is_no_secret_id_is_about_that_secret(repo: Repo, run: Runner,
                                                          moto: Server, vault_path: str) -> None:
    aws_client(moto).create_secret(Name=f"{vault_path}/SECRET_KEY", SecretString=token(40))
    project = aws_project(repo, f"{vault_path}/", "prod db#password")
    result = validate(run, project, **aws_env(moto))
    assert result.code == 2 and result.report["complete"] is False
    assert result.report["errors"] == [
        "the AWS secret id is not a valid secret name or ARN (1-512 of A-Z a-z 0-9 / _ + = . @ -)"]
    assert statuses(result)["SECRET_KEY"][0] == "ok"
