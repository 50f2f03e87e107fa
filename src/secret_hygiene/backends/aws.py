"""The `aws` backend: AWS Secrets Manager through boto3.

Credentials, region and endpoint come the standard AWS way (environment variables, shared
config and credentials files, instance roles; `AWS_ENDPOINT_URL_SECRETS_MANAGER` or
`AWS_ENDPOINT_URL` for another endpoint). A secret's id is `backends.aws.prefix` + its name,
or its own `aws_id`; `id#key` picks one key of a JSON secret. Rotation age comes from the
store: `LastRotatedDate`, else `LastChangedDate`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..manifest import Manifest, SecretSpec
from . import BackendError, Lookup

INSTALL = "pip install 'secret-hygiene[aws]'"
STORE = "AWS Secrets Manager"
SETUP_ERRORS = frozenset({"NoCredentialsError", "PartialCredentialsError", "NoRegionError",
                          "ProfileNotFound"})
SETUP_HINT = ("give the job AWS credentials and a region the standard way (AWS_ACCESS_KEY_ID/"
              "AWS_SECRET_ACCESS_KEY or a profile or role, AWS_REGION or backends.aws.region)")
DENIED = frozenset({"AccessDeniedException", "UnrecognizedClientException",
                    "InvalidSignatureException", "ExpiredTokenException",
                    "InvalidClientTokenId", "AccessDenied", "SignatureDoesNotMatch"})


def split_selector(reference: str) -> tuple[str, str | None]:
    """`prod/db#password` -> (`prod/db`, `password`)."""
    secret_id, _, key = reference.partition("#")
    return secret_id, key or None


class AwsBackend:
    name = "aws"

    def __init__(self, manifest: Manifest, environ: Mapping[str, str]) -> None:
        try:
            import boto3
            from botocore.config import Config
        except ImportError:
            raise BackendError(f"the aws backend needs boto3: {INSTALL}",
                               f"{INSTALL} (in a pre-commit hook: additional_dependencies: "
                               "[boto3])") from None
        self.prefix = manifest.backends.aws_prefix
        region = (manifest.backends.aws_region or environ.get("AWS_REGION")
                  or environ.get("AWS_DEFAULT_REGION"))
        self.endpoint = (environ.get("AWS_ENDPOINT_URL_SECRETS_MANAGER")
                         or environ.get("AWS_ENDPOINT_URL"))
        config = Config(connect_timeout=5, read_timeout=10,
                        retries={"max_attempts": 3, "mode": "standard"})
        try:
            session = boto3.session.Session(
                aws_access_key_id=environ.get("AWS_ACCESS_KEY_ID") or None,
                aws_secret_access_key=environ.get("AWS_SECRET_ACCESS_KEY") or None,
                aws_session_token=environ.get("AWS_SESSION_TOKEN") or None,
                profile_name=environ.get("AWS_PROFILE") or None, region_name=region)
            self.client = session.client("secretsmanager", endpoint_url=self.endpoint,
                                         config=config)
        except Exception as error:  # botocore raises many kinds (no region, bad profile)
            raise BackendError(f"cannot use {STORE}: {_describe(error)}", SETUP_HINT) from None
        self.down: str | None = None  # once the store does not answer, do not wait again

    def fetch(self, spec: SecretSpec) -> Lookup:
        return self.resolve(spec.aws_id or f"{self.prefix}{spec.name}")

    def resolve(self, reference: str, default_field: str = "") -> Lookup:
        """The value an `aws-secrets:` reference (or a secret id) names; `#key` picks a key of
        a JSON secret (without it the whole secret string is the value)."""
        secret_id, key = split_selector(reference)
        where = f"{secret_id}#{key}" if key else secret_id
        if self.down:
            raise BackendError(self.down)
        try:
            response = self.client.get_secret_value(SecretId=secret_id)
        except Exception as error:
            missing = _error_code(error) == "ResourceNotFoundException"
            if missing:
                return Lookup(None, "aws", where, detail=f"{STORE} has no secret {secret_id}")
            raise self._failure(error, secret_id) from None
        text = response.get("SecretString")
        if text is None:
            raise BackendError(f"{STORE} secret {secret_id} holds binary data, not text")
        if key is not None:
            value = _json_key(text, key)
            if value is None:
                return Lookup(None, "aws", where,
                              detail=f"{STORE} secret {secret_id} has no JSON key {key}")
            text = value
        return Lookup(text, "aws", where, changed=self._changed(secret_id),
                      changed_how="the store's LastRotatedDate/LastChangedDate")

    def _changed(self, secret_id: str) -> Any:
        try:
            described = self.client.describe_secret(SecretId=secret_id)
        except Exception as error:
            raise self._failure(error, secret_id) from None
        return described.get("LastRotatedDate") or described.get("LastChangedDate")

    def _failure(self, error: Exception, secret_id: str) -> BackendError:
        code = _error_code(error)
        if code in DENIED:
            return BackendError(f"{STORE} refused secret {secret_id}: {code}",
                                "check the credentials and that their policy allows "
                                "secretsmanager:GetSecretValue and DescribeSecret")
        if code:
            return BackendError(f"{STORE} failed on secret {secret_id}: {code}")
        if type(error).__name__ in SETUP_ERRORS:
            self.down = f"cannot use {STORE}: {_describe(error)}"
            return BackendError(self.down, SETUP_HINT)
        where = f" at {self.endpoint}" if self.endpoint else ""
        self.down = f"{STORE}{where} did not answer: {_describe(error)}"
        return BackendError(self.down, "check that the endpoint is reachable from here "
                                       "(AWS_ENDPOINT_URL, the network, a proxy)")


def _json_key(text: str, key: str) -> str | None:
    """One key of a JSON secret (the console's key/value form); None when there is none."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or key not in data:
        return None
    value = data[key]
    return value if isinstance(value, str) else json.dumps(value)


def _error_code(error: Exception) -> str | None:
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return str(code) if code else None
    return None


def _describe(error: Exception) -> str:
    """The kind of failure, without anything the error might quote (URLs with keys, bodies)."""
    kind = type(error).__name__
    known = {"EndpointConnectionError": "cannot connect", "ConnectTimeoutError": "timed out "
             "connecting", "ReadTimeoutError": "timed out waiting for an answer",
             "NoCredentialsError": "no AWS credentials found", "PartialCredentialsError":
             "the AWS credentials are incomplete", "NoRegionError": "no AWS region "
             "set (AWS_REGION or backends.aws.region)", "ProfileNotFound": "the AWS profile "
             "does not exist", "ConnectionClosedError": "the connection was closed"}
    return known.get(kind, kind)
