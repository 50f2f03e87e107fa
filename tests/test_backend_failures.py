"""`validate` against stores that misbehave: servers that never answer or drip their answer,
answers of the wrong shape, redirects, unusable settings. The servers are tiny python ones on
127.0.0.1 started by each test; the store deadline is shortened so each test stays fast."""

from __future__ import annotations

import json
import secrets as random
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from secret_hygiene.backends import StoreTimeout, bounded, check_url, shown_url
from secret_hygiene.backends.aws import AwsBackend
from secret_hygiene.backends.stores import reference_of
from secret_hygiene.manifest import Manifest, SecretSpec
from test_backends import AWS_TEST_CREDENTIALS, UNSET, project_for, statuses

from conftest import Repo, Result, Runner, token
from servers import Behaviour, answer, drip, drip_headers, fake_http, free_port, silent

DEADLINE = "1"  # seconds per store request in these tests (SECRET_HYGIENE_STORE_TIMEOUT)
SECRETS = ("SECRET_KEY", "DB_PASSWORD", "AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET",
           "AUTH0_DOMAIN", "AUTH0_AUDIENCE")


def validate(run: Runner, repo: Repo, **env: str) -> Result:
    return run(repo.path, "validate", "--format", "json", "--env", "production",
               env={"SECRET_HYGIENE_STORE_TIMEOUT": DEADLINE, **env}, unset=UNSET)


def vault_token() -> str:
    return "dev-" + random.token_hex(12)


def vault_env(url: str, vault: str | None = None) -> dict[str, str]:
    return {"SECRET_BACKEND": "vault", "VAULT_ADDR": url,  # pragma: allowlist secret
            "VAULT_TOKEN": vault or vault_token()}


def aws_env(url: str) -> dict[str, str]:
    return {"SECRET_BACKEND": "aws", "AWS_ENDPOINT_URL": url,  # pragma: allowlist secret
            **AWS_TEST_CREDENTIALS}


def failed(result: Result) -> None:
    """The run is a failure to read, never a pass: SH405, exit 2, incomplete, no traceback."""
    assert result.code == 2, result.stderr
    assert result.report["complete"] is False
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert "SH405" in result.rules()


@pytest.fixture
def vault_project(repo: Repo) -> Repo:
    return project_for(repo, "  vault: {mount: secret, path: app}\n")




# --- no hang ---------------------------------------------------------------------------------

@pytest.mark.parametrize("store", ["vault", "aws"])
@pytest.mark.parametrize("behaviour", [silent, drip, drip_headers],
                         ids=["silent", "drip", "headers-drip"])
def test_a_server_that_never_finishes_answering_times_out(vault_project: Repo, run: Runner,
                                                          store: str,
                                                          behaviour: Behaviour) -> None:
    """Read timeouts bound one read; a drip never trips them. The overall deadline ends the
    request, and the rest of the store's secrets fail at once."""
    for server in fake_http(behaviour):
        env = vault_env(server.url) if store == "vault" else aws_env(server.url)
        started = time.monotonic()
        result = validate(run, vault_project, **env)
        elapsed = time.monotonic() - started
        failed(result)
        assert elapsed < 3, elapsed
        name = "Vault" if store == "vault" else "AWS Secrets Manager"
        assert result.report["errors"] == [
            f"{name} at {server.url} did not answer: timed out after 1 s"]
        assert {s for s, _source, _where in statuses(result).values()} == {"unchecked"}
        hints = {f["hint"] for f in result.findings}
        assert len(hints) == 1 and "reachable" in hints.pop()  # the specific hint, every time
        # the first secret's request (a retry inside the deadline may resend it once); the
        # other five secrets never asked again
        assert 1 <= len(server.requests) <= 2


def test_bounded_call_gives_up_and_passes_errors_through() -> None:
    with pytest.raises(StoreTimeout, match=r"timed out after 0\.2 s"):
        bounded(lambda: time.sleep(5), 0.2)
    empty: dict[str, int] = {}
    with pytest.raises(KeyError):
        bounded(lambda: empty["x"], 1)
    assert bounded(lambda: 7, 1) == 7


# --- Vault: answers of the wrong shape -------------------------------------------------------

def kv2(data: object, metadata: object = None) -> str:
    created = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.123456789Z")
    meta = {"created_time": created, "version": 1} if metadata is None else metadata
    return json.dumps({"data": {"data": data, "metadata": meta}})


UNEXPECTED = [
    answer("200 OK", kv2("some string")),
    answer("200 OK", kv2(["x"])),
    answer("200 OK", json.dumps({"data": None})),
    answer("200 OK", kv2({"SECRET_KEY": "x"}, metadata="none")),
    answer("200 OK", json.dumps({"data": {"data": {}, "metadata": None}})),
    answer("200 OK", "<html><body>sign in</body></html>", content_type="text/html"),
    answer("200 OK", "[1, 2]"),
]


@pytest.mark.parametrize("behaviour", UNEXPECTED,
                         ids=["data-string", "data-list", "data-null", "metadata-string",
                              "metadata-null", "html", "json-list"])
def test_vault_answers_of_the_wrong_shape(vault_project: Repo, run: Runner,
                                          behaviour: Behaviour) -> None:
    for server in fake_http(behaviour):
        result = validate(run, vault_project, **vault_env(server.url))
        failed(result)
        assert result.report["errors"] == [
            f"unexpected response from Vault at {server.url} for secret/app"]
        # about the answer, not the reachability: every secret was asked
        assert len(server.requests) == len(SECRETS)


@pytest.mark.parametrize(("status", "body", "expected"), [
    ("503 Service Unavailable", {"errors": ["Vault is sealed"]}, "is sealed (HTTP 503)"),
    ("500 Internal Server Error", {"errors": ["boom"]}, "failed on secret/app: HTTP 500"),
    ("502 Bad Gateway", {"errors": []}, "failed on secret/app: HTTP 502"),
    ("429 Too Many Requests", {"errors": []}, "failed on secret/app: HTTP 429"),
])
def test_vault_status_errors_say_what_happened(vault_project: Repo, run: Runner, status: str,
                                               body: dict[str, Any], expected: str) -> None:
    for server in fake_http(answer(status, json.dumps(body))):
        result = validate(run, vault_project, **vault_env(server.url))
        failed(result)
        [error] = result.report["errors"]
        assert error.startswith(f"Vault at {server.url} {expected}"), error
        assert "did not answer" not in result.stdout


@pytest.mark.parametrize(("value", "kind"), [(1234567, "a number"), (True, "a boolean"),
                                             ({"a": "b"}, "an object"), (None, "null"),
                                             (["x"], "an array")])
def test_vault_field_that_is_not_a_string(vault_project: Repo, run: Runner, value: object,
                                          kind: str) -> None:
    good = token(40)
    body = kv2({"SECRET_KEY": value, "DB_PASSWORD": good})
    for server in fake_http(answer("200 OK", body)):
        result = validate(run, vault_project, **vault_env(server.url))
        failed(result)
        [finding] = [f for f in result.findings if f["rule"] == "SH405"]
        assert finding["message"] == (f"SECRET_KEY: Vault secret secret/app field SECRET_KEY "
                                      f"holds {kind}, not a string")
        assert "as a string" in finding["hint"]
        assert statuses(result)["DB_PASSWORD"][0] == "ok"  # the store is not "down"
    assert good not in result.stdout


def test_vault_redirect_to_another_address_is_refused(vault_project: Repo,
                                                      run: Runner) -> None:
    """The token goes to VAULT_ADDR only: a redirect elsewhere is reported, never followed."""
    secret = vault_token()
    for target in fake_http(answer("200 OK", kv2({"SECRET_KEY": token(40)}))):
        location = f"http://someone:pw-{random.token_hex(4)}@127.0.0.1:{target.port}/v1/x"
        for server in fake_http(answer("307 Temporary Redirect", "",
                                       (f"Location: {location}",))):
            result = validate(run, vault_project, **vault_env(server.url, secret))
            failed(result)
            assert target.requests == []
            assert result.report["errors"] == [
                f"Vault at {server.url} redirected to another address "
                f"(http://127.0.0.1:{target.port}); set VAULT_ADDR to it"]
            assert "pw-" not in result.stdout and secret not in result.stdout


# --- Vault: settings that cannot work --------------------------------------------------------

@pytest.mark.parametrize(("address", "expected"), [
    ("127.0.0.1:18200", "VAULT_ADDR must start with http:// or https://"),
    ("http://127.0.0.1:99999", "VAULT_ADDR (http://127.0.0.1:99999) has an invalid host or "
                               "port"),
    ("http://", "VAULT_ADDR (http://) names no host"),
])
def test_vault_address_that_is_not_a_url(vault_project: Repo, run: Runner, address: str,
                                         expected: str) -> None:
    result = validate(run, vault_project, **vault_env(address))
    failed(result)
    assert result.report["errors"] == [expected]


def test_vault_address_never_shows_its_user_and_password(vault_project: Repo,
                                                         run: Runner) -> None:
    userinfo = "pw-" + random.token_hex(6)
    port = free_port()
    result = validate(run, vault_project,
                      **vault_env(f"http://user:{userinfo}@127.0.0.1:{port}"))
    failed(result)
    assert result.report["errors"] == [
        f"Vault at http://127.0.0.1:{port} did not answer: cannot connect"]
    assert userinfo not in result.stdout + result.stderr
    assert shown_url(f"https://u:{userinfo}@[::1]:8200/x") == "https://[::1]:8200/x"
    assert check_url("http://host:1/", "X") == "http://host:1/"


@pytest.mark.parametrize("how", ["newline", "leading space", "non-ASCII"])
def test_vault_token_that_cannot_be_a_header(vault_project: Repo, run: Runner,
                                             how: str) -> None:
    secret = vault_token()
    bad = {"newline": secret + "\n", "leading space": " " + secret,
           "non-ASCII": secret + "\u00e9"}[how]
    for server in fake_http(silent):
        result = validate(run, vault_project, **vault_env(server.url, bad))
        failed(result)
        assert result.report["errors"] == [
            "VAULT_TOKEN is not a valid token (whitespace or non-ASCII)"]
        assert server.requests == []
    assert secret not in result.stdout + result.stderr


def test_vault_namespace_that_cannot_be_a_header(vault_project: Repo, run: Runner) -> None:
    result = validate(run, vault_project, VAULT_NAMESPACE="ns1\nX-Other: 1",
                      **vault_env(f"http://127.0.0.1:{free_port()}"))
    failed(result)
    assert result.report["errors"] == [
        "VAULT_NAMESPACE is not a valid namespace (whitespace or non-ASCII)"]


def test_vault_token_file_that_is_a_directory(vault_project: Repo, run: Runner,
                                              tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".vault-token").mkdir(parents=True)
    result = validate(run, vault_project, SECRET_BACKEND="vault",  # pragma: allowlist secret
                      VAULT_ADDR=f"http://127.0.0.1:{free_port()}", HOME=str(home))
    failed(result)
    [error] = result.report["errors"]
    assert error.startswith(f"{home / '.vault-token'} is not a file")


@pytest.mark.parametrize(("reference", "expected"), [
    ("vault:secret/../../sys/mounts", "Vault path secret/../../sys/mounts has '..' segments"),
    ("vault:secret/app#", "Vault location secret/app# has an empty field after #"),
    ("vault:", "Vault location '' names no secret path"),
])
def test_unusable_vault_references_are_refused_unasked(vault_project: Repo, run: Runner,
                                                       reference: str, expected: str) -> None:
    for server in fake_http(answer("200 OK", kv2({"DB_PASSWORD": token(30)}))):
        result = validate(run, vault_project, SECRET_KEY=reference,
                          **{**vault_env(server.url),
                             "SECRET_BACKEND": "env"})  # pragma: allowlist secret
        failed(result)
        assert result.report["errors"] == [expected]
        assert server.requests == []


def test_manifest_vault_path_with_dot_dot_is_refused(repo: Repo, run: Runner) -> None:
    project = project_for(repo, "  vault: {mount: secret, path: ../x}\n")
    for server in fake_http(silent):
        result = validate(run, project, **vault_env(server.url))
        failed(result)
        assert result.report["errors"] == ["Vault path ../x has '..' segments"]
        assert server.requests == []


def test_empty_vault_mount_is_a_manifest_error(repo: Repo, run: Runner) -> None:
    project = project_for(repo, '  vault: {mount: "", path: app}\n')
    result = validate(run, project, SECRET_BACKEND="vault")  # pragma: allowlist secret
    assert result.code == 2
    [finding] = result.findings
    assert finding["rule"] == "SH001"
    assert "backends.vault.mount must name a mount" in finding["message"]


# --- references: what counts as one ----------------------------------------------------------

def test_reference_prefixes_are_exact() -> None:
    value = token(40)
    assert reference_of(f"vault:secret/app#{'K'}") == ("vault", "secret/app#K")
    assert reference_of("aws-secrets:prod/db#password") == ("aws", "prod/db#password")
    assert reference_of("aws-secrets:") == ("aws", "")
    assert reference_of("vault:secret/app\n") == ("vault", "secret/app")
    for plain in (f"Vault:{value}", f"VAULT:{value}", f"AWS-Secrets:{value}",
                  f"  vault:{value}", f"vault:{value}+/{value}#x y", f"aws-secrets:{value} x",
                  f"vault:{value}#a#b", "vault:\u00e9t\u00e9"):
        assert reference_of(plain) is None, plain


@pytest.mark.parametrize("prefix", ["Vault:", "AWS-Secrets:", " vault:", "vault: "])
def test_a_value_that_looks_like_a_reference_is_judged_as_a_value(repo: Repo, run: Runner,
                                                                  prefix: str) -> None:
    value = prefix + token(40)
    project = project_for(repo, "")
    result = validate(run, project, SECRET_KEY=value, DB_PASSWORD=token(30),
                      SECRET_BACKEND="env")  # pragma: allowlist secret
    found = statuses(result)
    assert found["SECRET_KEY"] == ("ok", "env", "SECRET_KEY")
    assert value[len(prefix):] not in result.stdout + result.stderr


# --- AWS: settings and answers ---------------------------------------------------------------

@pytest.mark.parametrize(("endpoint", "expected"), [
    ("127.0.0.1:15000", "AWS_ENDPOINT_URL must start with http:// or https://"),
    ("http://127.0.0.1:99999", "AWS_ENDPOINT_URL (http://127.0.0.1:99999) has an invalid "
                               "host or port"),
])
def test_aws_endpoint_that_is_not_a_url(vault_project: Repo, run: Runner, endpoint: str,
                                        expected: str) -> None:
    result = validate(run, vault_project, **aws_env(endpoint))
    failed(result)
    assert result.report["errors"] == [expected]


def test_aws_endpoint_never_shows_its_user_and_password(vault_project: Repo,
                                                        run: Runner) -> None:
    userinfo = "pw-" + random.token_hex(6)
    port = free_port()
    result = validate(run, vault_project, **aws_env(f"http://u:{userinfo}@127.0.0.1:{port}"))
    failed(result)
    assert result.report["errors"] == [
        f"AWS Secrets Manager at http://127.0.0.1:{port} did not answer: cannot connect"]
    assert userinfo not in result.stdout + result.stderr


class StubClient:
    """get_secret_value/describe_secret answers as Secrets Manager gives them."""

    def __init__(self, value: dict[str, Any], described: dict[str, Any]) -> None:
        self.value, self.described = value, described
        self.described_calls = 0

    def get_secret_value(self, SecretId: str) -> dict[str, Any]:  # noqa: N803 - boto3's name
        return self.value

    def describe_secret(self, SecretId: str) -> dict[str, Any]:  # noqa: N803
        self.described_calls += 1
        return self.described


def test_aws_age_is_the_current_versions_created_date(monkeypatch: pytest.MonkeyPatch) -> None:
    """put_secret_value leaves LastRotatedDate old: the current version's CreatedDate is when
    the value last changed."""
    recent = datetime(2026, 5, 1, tzinfo=timezone.utc)
    old = datetime(2024, 1, 1, tzinfo=timezone.utc)
    backend = AwsBackend(Manifest(None), {**AWS_TEST_CREDENTIALS})
    stub = StubClient({"SecretString": token(40), "CreatedDate": recent},
                      {"LastRotatedDate": old, "LastChangedDate": old})
    monkeypatch.setattr(backend, "client", stub)
    lookup = backend.fetch(SecretSpec(name="SECRET_KEY", line=1))
    assert lookup.changed == recent and "CreatedDate" in lookup.changed_how
    assert stub.described_calls == 0
    stub.value = {"SecretString": token(40)}  # an answer without CreatedDate: the metadata's
    lookup = backend.fetch(SecretSpec(name="SECRET_KEY", line=1))
    assert lookup.changed == old and "LastChangedDate" in lookup.changed_how
