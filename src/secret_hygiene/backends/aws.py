"""The `aws` backend: AWS Secrets Manager through boto3.

Credentials, region and endpoint come the standard AWS way (environment variables, shared
config and credentials files, instance roles; `AWS_ENDPOINT_URL_SECRETS_MANAGER` or
`AWS_ENDPOINT_URL` for another endpoint). A secret's id is `backends.aws.prefix` + its name,
or its own `aws_id`; `id#key` picks one key of a JSON secret. Rotation age comes from the
store: the current version's `CreatedDate`, else `LastChangedDate`/`LastRotatedDate`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from ..manifest import Manifest, SecretSpec
from . import BackendError, Lookup, StoreTimeout, bounded, check_url, deadline, json_type

INSTALL = "pip install boto3 (or install secret-hygiene with its [aws] extra)"
STORE = "AWS Secrets Manager"
SETUP_ERRORS = frozenset({"NoCredentialsError", "PartialCredentialsError", "NoRegionError",
                          "ProfileNotFound"})
SETUP_HINT = ("give the job AWS credentials and a region the standard way (AWS_ACCESS_KEY_ID/"
              "AWS_SECRET_ACCESS_KEY or a profile or role, AWS_REGION or backends.aws.region)")
DENIED = frozenset({"AccessDeniedException", "UnrecognizedClientException",
                    "InvalidSignatureException", "ExpiredTokenException",
                    "InvalidClientTokenId", "AccessDenied", "SignatureDoesNotMatch"})
# network failures: the store is down for the rest of the run (botocore's own classes, by name)
UNREACHABLE = frozenset({"EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError",
                         "ConnectionClosedError", "SSLError", "ProxyConnectionError",
                         "ConnectionError", "HTTPClientError"})
SECRET_ID = re.compile(r"[A-Za-z0-9/_+=.@:!-]{1,2048}")  # a name (512 at most) or an ARN
REACH_HINT = ("check that the endpoint is reachable from here (AWS_ENDPOINT_URL, the network, "
              "a proxy)")


def split_selector(reference: str, origin: str = "") -> tuple[str, str | None]:
    """`prod/db#password` -> (`prod/db`, `password`); BackendError for an empty id or key.
    ``origin`` says where the id was written, for messages."""
    secret_id, hashed, key = reference.strip().partition("#")
    if not secret_id:
        origin = origin or f"reference 'aws-secrets:{reference}'"
        raise BackendError(f"empty AWS secret id in {origin}",
                           "name the secret before the # (aws-secrets:ID#key, or aws_id)")
    if hashed and not key:
        raise BackendError(f"empty JSON key after # in AWS reference {secret_id}#",
                           "name the key after # (ID#key), or drop the #")
    if not SECRET_ID.fullmatch(secret_id) or (len(secret_id) > 512
                                              and not secret_id.startswith("arn:")):
        raise BackendError("the AWS secret id is not a valid secret name or ARN (1-512 of "
                           "A-Z a-z 0-9 / _ + = . @ -)", "fix the secret's aws_id or reference")
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
        variable = ("AWS_ENDPOINT_URL_SECRETS_MANAGER"
                    if environ.get("AWS_ENDPOINT_URL_SECRETS_MANAGER") else "AWS_ENDPOINT_URL")
        endpoint = environ.get(variable, "").strip() or None
        self.endpoint = check_url(endpoint, variable) if endpoint else None  # as shown
        self.deadline = deadline(environ)
        config = Config(connect_timeout=min(5, self.deadline),
                        read_timeout=min(10, self.deadline),
                        retries={"max_attempts": 3, "mode": "standard"})
        try:
            session = boto3.session.Session(
                aws_access_key_id=environ.get("AWS_ACCESS_KEY_ID") or None,
                aws_secret_access_key=environ.get("AWS_SECRET_ACCESS_KEY") or None,
                aws_session_token=environ.get("AWS_SESSION_TOKEN") or None,
                profile_name=environ.get("AWS_PROFILE") or None, region_name=region)
            self.client = session.client("secretsmanager", endpoint_url=endpoint,
                                         config=config)
        except Exception as error:  # botocore raises many kinds (no region, bad profile)
            raise BackendError(f"cannot use {STORE}: {_describe(error)}", SETUP_HINT) from None
        self.down: BackendError | None = None  # once the store does not answer, do not wait

    def fetch(self, spec: SecretSpec) -> Lookup:
        if spec.aws_id is not None:
            return self.resolve(spec.aws_id, origin=f"aws_id {spec.aws_id!r}")
        return self.resolve(f"{self.prefix}{spec.name}")

    def _call(self, call: Callable[[], Any]) -> Any:
        return bounded(call, self.deadline)

    def resolve(self, reference: str, default_field: str = "", origin: str = "") -> Lookup:
        """The value an `aws-secrets:` reference (or a secret id) names; `#key` picks a key of
        a JSON secret (without it the whole secret string is the value)."""
        if self.down:
            raise BackendError(str(self.down), self.down.hint)
        secret_id, key = split_selector(reference, origin)
        where = f"{secret_id}#{key}" if key else secret_id
        try:
            response = self._call(lambda: self.client.get_secret_value(SecretId=secret_id))
        except Exception as error:
            missing = _error_code(error) == "ResourceNotFoundException"
            if missing:
                return Lookup(None, "aws", where, detail=f"{STORE} has no secret {secret_id}")
            raise self._failure(error, secret_id) from None
        if not isinstance(response, dict):
            raise BackendError(f"unexpected response from {STORE} for secret {secret_id}")
        text = response.get("SecretString")
        if text is None:
            raise BackendError(f"{STORE} secret {secret_id} holds binary data, not text",
                               "store the value as SecretString (text)")
        if not isinstance(text, str):
            raise BackendError(f"unexpected response from {STORE} for secret {secret_id}")
        if key is not None:
            value = _json_key(text, key, secret_id)
            if value is None:
                return Lookup(None, "aws", where,
                              detail=f"{STORE} secret {secret_id} has no JSON key {key}",
                              hint=f"add the key {key} to the JSON secret {secret_id} in "
                                   f"{STORE}")
            text = value
        changed, how = response.get("CreatedDate"), "the current version's CreatedDate"
        if changed is None:
            changed, how = self._changed(secret_id), \
                "the store's LastChangedDate/LastRotatedDate"
        return Lookup(text, "aws", where, changed=changed, changed_how=how)

    def _changed(self, secret_id: str) -> Any:
        try:
            described = self._call(lambda: self.client.describe_secret(SecretId=secret_id))
        except Exception as error:
            raise self._failure(error, secret_id) from None
        return described.get("LastChangedDate") or described.get("LastRotatedDate")

    def _scheduled_for_deletion(self, error: Exception, secret_id: str) -> bool:
        said = str(getattr(error, "response", {}).get("Error", {}).get("Message", "")).lower()
        if "delet" in said:
            return True
        try:
            described = self._call(lambda: self.client.describe_secret(SecretId=secret_id))
        except Exception:
            return False
        return isinstance(described, dict) and described.get("DeletedDate") is not None

    def _failure(self, error: Exception, secret_id: str) -> BackendError:
        code = _error_code(error)
        if code in DENIED:
            return BackendError(f"{STORE} refused secret {secret_id}: {code}",
                                "check the credentials and that their policy allows "
                                "secretsmanager:GetSecretValue and DescribeSecret")
        if code == "InvalidRequestException" and self._scheduled_for_deletion(error, secret_id):
            return BackendError(f"{STORE} secret {secret_id} is scheduled for deletion",
                                "restore it if it is still needed: aws secretsmanager "
                                f"restore-secret --secret-id {secret_id}")
        if code:
            return BackendError(f"{STORE} failed on secret {secret_id}: {code}")
        kind = type(error).__name__
        if kind in SETUP_ERRORS:
            self.down = BackendError(f"cannot use {STORE}: {_describe(error)}", SETUP_HINT)
            return BackendError(str(self.down), self.down.hint)
        where = f" at {self.endpoint}" if self.endpoint else ""
        if kind == "ParamValidationError":
            return BackendError(f"{STORE} rejected the secret id {secret_id}: not a valid "
                                "secret name or ARN", "fix the secret's aws_id or reference")
        if isinstance(error, StoreTimeout) or kind in UNREACHABLE:
            self.down = BackendError(f"{STORE}{where} did not answer: {_describe(error)}",
                                     REACH_HINT)
            return BackendError(str(self.down), self.down.hint)
        return BackendError(f"unexpected response from {STORE}{where} for secret {secret_id}",
                            "check that the endpoint is AWS Secrets Manager (AWS_ENDPOINT_URL)")


def _json_key(text: str, key: str, secret_id: str) -> str | None:
    """One key of a JSON secret (the console's key/value form); None when there is none,
    BackendError when the secret is not a JSON object or the key holds no string."""
    try:
        data = json.loads(text)
    except ValueError:
        raise BackendError(f"{STORE} secret {secret_id} is not JSON, so it has no key {key}",
                           f"store the secret as a JSON object with the key {key}, or drop "
                           f"#{key} to use the whole secret") from None
    if not isinstance(data, dict):
        raise BackendError(f"{STORE} secret {secret_id} is a JSON {json_type(data)}, not an "
                           f"object, so it has no key {key}",
                           f"store the secret as a JSON object with the key {key}")
    if key not in data:
        return None
    value = data[key]
    if not isinstance(value, str):
        raise BackendError(f"{STORE} secret {secret_id} key {key} holds {json_type(value, True)}, "
                           "not a string", f"store {key} as a JSON string")
    return value


def _error_code(error: Exception) -> str | None:
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return str(code) if code else None
    return None


def _describe(error: Exception) -> str:
    """The kind of failure, without anything the error might quote (URLs with keys, bodies)."""
    if isinstance(error, StoreTimeout):
        return str(error)
    kind = type(error).__name__
    known = {"EndpointConnectionError": "cannot connect", "ConnectTimeoutError": "timed out "
             "connecting", "ReadTimeoutError": "timed out waiting for an answer",
             "NoCredentialsError": "no AWS credentials found", "PartialCredentialsError":
             "the AWS credentials are incomplete", "NoRegionError": "no AWS region "
             "set (AWS_REGION or backends.aws.region)", "ProfileNotFound": "the AWS profile "
             "does not exist", "ConnectionClosedError": "the connection was closed"}
    return known.get(kind, kind)
