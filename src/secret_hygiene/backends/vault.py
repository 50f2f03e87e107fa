"""The `vault` backend: HashiCorp Vault (or OpenBao, the same API) through hvac.

`VAULT_ADDR`, `VAULT_TOKEN` (else `~/.vault-token`) and `VAULT_NAMESPACE` as Vault's own CLI
reads them. KV v2 by default (`backends.vault.kv_version: 1` for v1). A secret lives at the
manifest's `backends.vault` mount and path, in the field named like the secret, or where its
own `vault: path#field` says; a reference `vault:secret/data/yosai#SECRET_KEY` names the mount,
the path (with or without KV v2's `data/`) and the field. Rotation age is the current version's
`created_time` (KV v2 only).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..fsread import reason
from ..manifest import Manifest, SecretSpec
from . import BackendError, Lookup, StoreTimeout, bounded, check_url, deadline, json_type

INSTALL = "pip install hvac (or install secret-hygiene with its [vault] extra)"
TIMEOUT = (3.05, 10)  # connect, read (seconds), each also within the overall deadline
HEADER_SAFE = re.compile(r"[!-~]+")  # printable ASCII, no whitespace: what a header can carry
REACH_HINT = "check VAULT_ADDR and that the server is reachable from here"
PATH_HINT = ("set backends.vault.path in the manifest (or the secret's own vault: "
             "mount/path#field)")


def parse_location(reference: str, default_mount: str, kv_version: int,
                   default_field: str) -> tuple[str, str, str]:
    """`secret/data/yosai#SECRET_KEY` -> (mount `secret`, path `yosai`, field `SECRET_KEY`).

    The first segment is the mount; KV v2's API form (`mount/data/path`) and the CLI form
    (`mount/path`) both work. A bare `path#field` (no mount) uses the manifest's mount. A
    location with `.`/`..` segments or an empty field after `#` is refused (BackendError).
    """
    location, hashed, field = reference.strip().partition("#")
    if hashed and not field.strip():
        raise BackendError(f"Vault location {location}# has an empty field after #",
                           "name the field after # (mount/path#FIELD), or drop the #")
    parts = [p for p in location.strip("/").split("/") if p]
    check_segments(location, parts)
    if len(parts) >= 2:
        mount, rest = parts[0], parts[1:]
    else:
        mount, rest = default_mount, parts
    if kv_version == 2 and len(rest) >= 2 and rest[0] == "data":
        rest = rest[1:]
    return mount, "/".join(rest), field.strip() or default_field


def check_segments(location: str, parts: list[str]) -> None:
    for dots in ("..", "."):
        if dots in parts:
            raise BackendError(f"Vault path {location} has '{dots}' segments",
                               "name the secret by its plain path (mount/path#field)")


class VaultBackend:
    name = "vault"

    def __init__(self, manifest: Manifest, environ: Mapping[str, str]) -> None:
        try:
            import hvac
            import requests
            from requests.adapters import HTTPAdapter
            from urllib3.util.retry import Retry
        except ImportError:
            raise BackendError(f"the vault backend needs hvac: {INSTALL}",
                               f"{INSTALL} (in a pre-commit hook: additional_dependencies: "
                               "[hvac])") from None
        address = environ.get("VAULT_ADDR", "").strip()
        if not address:
            raise BackendError("VAULT_ADDR is not set: it names the Vault server",
                               "export VAULT_ADDR=https://vault.example:8200 where validate runs")
        self.address = check_url(address, "VAULT_ADDR")  # as messages show it
        token = environ.get("VAULT_TOKEN") or _token_file(environ)
        if not token:
            raise BackendError("no Vault token: VAULT_TOKEN is unset and ~/.vault-token "
                               "does not exist", "give the job a token that may read the "
                               "secrets (VAULT_TOKEN)")
        if not HEADER_SAFE.fullmatch(token):
            origin = "VAULT_TOKEN" if environ.get("VAULT_TOKEN") else "~/.vault-token"
            raise BackendError(f"{origin} is not a valid token (whitespace or non-ASCII)",
                               "give the job the token exactly, without spaces or newlines")
        namespace = environ.get("VAULT_NAMESPACE") or None
        if namespace is not None and not HEADER_SAFE.fullmatch(namespace):
            raise BackendError("VAULT_NAMESPACE is not a valid namespace (whitespace or "
                               "non-ASCII)", "set VAULT_NAMESPACE to the namespace's path, or "
                               "unset it")
        self.namespace = namespace
        self.mount = manifest.backends.vault_mount.strip("/")
        self.path = manifest.backends.vault_path.strip("/")
        self.kv_version = manifest.backends.vault_kv_version
        self.deadline = deadline(environ)
        session = requests.Session()
        session.max_redirects = 0  # never carry the token to another address
        retry = Retry(total=2, connect=2, read=1, status=2, backoff_factor=0.2,
                      status_forcelist=(500, 502, 503, 504), allowed_methods=("GET",),
                      raise_on_status=False, respect_retry_after_header=False)
        session.mount("http://", HTTPAdapter(max_retries=retry))
        session.mount("https://", HTTPAdapter(max_retries=retry))
        timeout = (min(TIMEOUT[0], self.deadline), min(TIMEOUT[1], self.deadline))
        self.client = hvac.Client(url=address, token=token, namespace=namespace,
                                  timeout=timeout, session=session)
        self.exceptions = hvac.exceptions
        self.requests = requests
        self.down: BackendError | None = None  # once the server does not answer, do not wait
        self.mounts: dict[str, tuple[str, int] | None] = {}

    def fetch(self, spec: SecretSpec) -> Lookup:
        if spec.vault:
            return self.resolve(spec.vault, spec.name)
        check_segments(self.mount, self.mount.split("/"))
        parts = [p for p in self.path.split("/") if p]
        check_segments(self.path, parts)
        if not parts:
            raise BackendError(f"Vault location '{self.mount}' names no secret path "
                               "(backends.vault.path is not set)", PATH_HINT)
        if self.kv_version == 2 and len(parts) >= 2 and parts[0] == "data":
            parts = parts[1:]
        return self._read(self.mount, "/".join(parts), spec.name)

    def resolve(self, reference: str, default_field: str) -> Lookup:
        """The value a `vault:` reference (or a manifest `vault:` location) names."""
        if self.down:
            raise BackendError(str(self.down), self.down.hint)
        mount, path, field = parse_location(reference, self.mount, self.kv_version,
                                            default_field)
        if not path:
            raise BackendError(f"Vault location {reference!r} names no secret path",
                               PATH_HINT)
        return self._read(mount, path, field)

    def _call(self, call: Callable[[], Any]) -> Any:
        return bounded(call, self.deadline)

    def _read(self, mount: str, path: str, field: str) -> Lookup:
        if self.down:
            raise BackendError(str(self.down), self.down.hint)
        shown = f"{mount}/{path}#{field}"
        secret = f"{mount}/{path}"
        kv = self.client.secrets.kv
        try:
            if self.kv_version == 2:
                response = self._call(lambda: kv.v2.read_secret_version(
                    path=path, mount_point=mount, raise_on_deleted_version=True))
            else:
                response = self._call(lambda: kv.v1.read_secret(path=path, mount_point=mount))
        except Exception as error:
            return self._failure(error, shown, secret, mount, field)
        data, created = self._shape(response, secret)
        if field not in data:
            return Lookup(None, "vault", shown,
                          detail=f"Vault secret {secret} has no field {field}")
        value = data[field]
        if not isinstance(value, str):
            raise BackendError(f"Vault secret {secret} field {field} holds "
                               f"{json_type(value, True)}, not a string",
                               f"store {field} as a string (the text the deployment reads)")
        changed = _timestamp(created)
        return Lookup(value, "vault", shown, changed=changed,
                      changed_how="the KV version's created_time" if changed else "")

    def _shape(self, response: object, secret: str) -> tuple[dict[str, Any], object]:
        """The secret's fields and, for KV v2, the version's created_time; BackendError when
        the answer is not shaped like a KV read (a proxy's page, another API)."""
        unexpected = BackendError(f"unexpected response from Vault at {self.address} for "
                                  f"{secret}", "check that VAULT_ADDR is the Vault server "
                                  "itself (not a proxy or web page) and the mount is KV")
        body = response.get("data") if isinstance(response, dict) else None
        if not isinstance(body, dict):
            raise unexpected
        if self.kv_version == 1:
            return body, None
        data, metadata = body.get("data"), body.get("metadata")
        if not isinstance(data, dict) or not isinstance(metadata, dict):
            raise unexpected
        return data, metadata.get("created_time")

    def _mount_kind(self, mount: str) -> tuple[str, int] | None:
        """(engine type, KV version) from Vault's mount info, None when it will not say."""
        if mount not in self.mounts:
            self.mounts[mount] = None
            try:
                answer = bounded(lambda: self.client.adapter.get(
                    f"/v1/sys/internal/ui/mounts/{mount}"), min(self.deadline, 3))
                info = answer.get("data") if isinstance(answer, dict) else None
                if isinstance(info, dict) and isinstance(info.get("type"), str):
                    options = info.get("options")
                    version = options.get("version") if isinstance(options, dict) else None
                    self.mounts[mount] = (info["type"], 2 if version == "2" else 1)
            except Exception:  # no permission, an old server: the kind stays unknown
                pass
        return self.mounts[mount]

    def _missing(self, shown: str, secret: str, mount: str, field: str) -> Lookup:
        kind = self._mount_kind(mount)
        if kind is not None and kind[0] != "kv":
            raise BackendError(f"Vault mount {mount} is a {kind[0]} engine, not KV",
                               "point the manifest (or the reference) at a KV mount")
        if kind is not None and kind[1] != self.kv_version:
            raise BackendError(f"Vault mount {mount} is KV v{kind[1]}, but it is read as KV "
                               f"v{self.kv_version}",
                               f"set backends.vault.kv_version: {kind[1]} in the manifest")
        where = f" in namespace {self.namespace}" if self.namespace else ""
        detail = f"Vault has no secret at {secret}{where} (read as KV v{self.kv_version}"
        if kind is None:
            detail += f"; is {mount} a KV v{self.kv_version} mount?"
        hint = f"write {field} to Vault at {secret}{where}"
        if self.namespace:
            hint += ", or check VAULT_NAMESPACE"
        return Lookup(None, "vault", shown, detail=detail + ")", hint=hint)

    def _failure(self, error: Exception, shown: str, secret: str, mount: str,
                 field: str) -> Lookup:
        errors, web = self.exceptions, self.requests.exceptions
        at = f"Vault at {self.address}"
        said = " ".join(str(e) for e in getattr(error, "errors", None) or []).lower()
        if isinstance(error, errors.InvalidPath):
            if "namespace not found" in said:
                raise BackendError(f"{at} has no namespace {self.namespace} (VAULT_NAMESPACE)",
                                   "set VAULT_NAMESPACE to an existing namespace, or unset it")
            if "no handler for route" in said:
                raise BackendError(f"{at} has no mount {mount} (reading {secret})",
                                   "check the mount: backends.vault.mount, or the first segment "
                                   "of the secret's vault: location or reference")
            return self._missing(shown, secret, mount, field)
        if isinstance(error, (errors.Forbidden, errors.Unauthorized)):
            raise BackendError(f"{at} refused {secret}: permission denied "
                               "(a wrong or expired token, or a policy without read)",
                               "give the job a valid token whose policy may read this path")
        if isinstance(error, errors.VaultDown):
            if "sealed" in said:
                raise BackendError(f"{at} is sealed (HTTP 503)",
                                   "unseal it (vault operator unseal), or point VAULT_ADDR at "
                                   "an unsealed node")
            raise BackendError(f"{at} is unavailable (HTTP 503) for {secret}",
                               "try again later, or point VAULT_ADDR at an active node")
        statuses = {errors.InvalidRequest: "HTTP 400, invalid request",
                    errors.RateLimitExceeded: "HTTP 429, rate limited",
                    errors.InternalServerError: "HTTP 500, server error",
                    errors.VaultNotInitialized: "HTTP 501, not initialized",
                    errors.BadGateway: "HTTP 502, bad gateway",
                    errors.UnexpectedError: "an unexpected HTTP status"}
        for kind, status in statuses.items():
            if isinstance(error, kind):
                raise BackendError(f"{at} failed on {secret}: {status}",
                                   "check the server's health and logs")
        if isinstance(error, web.TooManyRedirects):
            target = _origin(getattr(getattr(error, "response", None), "headers", {}))
            raise BackendError(f"{at} redirected to another address{target}; set VAULT_ADDR "
                               "to it", "set VAULT_ADDR to the address Vault redirects to "
                               "(the token is never sent along a redirect)")
        if isinstance(error, (web.InvalidHeader, UnicodeError)):
            raise BackendError("VAULT_TOKEN or VAULT_NAMESPACE cannot be sent (whitespace or "
                               "non-ASCII)", "give the job the token exactly")
        if isinstance(error, (web.InvalidURL, web.InvalidSchema, web.MissingSchema)):
            raise BackendError(f"VAULT_ADDR ({self.address}) is not a usable http:// or "
                               "https:// URL", "set VAULT_ADDR to the server's URL")
        if isinstance(error, (StoreTimeout, web.ConnectionError, web.Timeout,
                              web.ChunkedEncodingError)):
            self.down = BackendError(f"{at} did not answer: {_describe(error)}", REACH_HINT)
            raise BackendError(str(self.down), self.down.hint)
        raise BackendError(f"unexpected response from {at} for {secret}",
                           "check that VAULT_ADDR is the Vault server itself (not a proxy or "
                           "web page)")


def _origin(headers: Any) -> str:
    """` (http://host:port)` of a redirect's target, without any user:password@ part."""
    try:
        parts = urlsplit(str(headers.get("Location") or ""))
        if parts.scheme in ("http", "https") and parts.hostname:
            port = f":{parts.port}" if parts.port else ""
            host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
            return f" ({parts.scheme}://{host}{port})"
    except (ValueError, AttributeError):
        pass
    return ""


def _timed_out(error: BaseException) -> bool:
    """requests wraps a read timeout in ConnectionError(MaxRetryError(ReadTimeoutError))."""
    seen: list[BaseException] = []
    pending: list[object] = [error]
    while pending and len(seen) < 10:
        current = pending.pop()
        if not isinstance(current, BaseException) or current in seen:
            continue
        seen.append(current)
        if "Timeout" in type(current).__name__:
            return True
        pending.extend([*current.args, getattr(current, "reason", None),
                        current.__cause__, current.__context__])
    return False


def _token_file(environ: Mapping[str, str]) -> str | None:
    home = environ.get("HOME")
    if not home:
        return None
    path = Path(home) / ".vault-token"
    if not path.exists():
        return None
    if not path.is_file():
        raise BackendError(f"{path} is not a file (VAULT_TOKEN is unset, so the token is read "
                           "from it)", "give the job a token in VAULT_TOKEN or ~/.vault-token")
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except (OSError, UnicodeError) as error:
        why = reason(error) if isinstance(error, OSError) else "not UTF-8 text"
        raise BackendError(f"cannot read {path}: {why}",
                           "give the job a token in VAULT_TOKEN or ~/.vault-token") from None


def _timestamp(text: object) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    cleaned = text.rstrip("Z")
    whole, _, fraction = cleaned.partition(".")
    try:
        parsed = datetime.fromisoformat(whole + (f".{fraction[:6]}" if fraction else ""))
    except ValueError:
        return None
    return parsed.replace(tzinfo=timezone.utc)


def _describe(error: BaseException) -> str:
    if isinstance(error, StoreTimeout):
        return str(error)
    if _timed_out(error):
        return "timed out waiting for an answer"
    kind = type(error).__name__
    known = {"ConnectionError": "cannot connect", "ConnectTimeout": "timed out connecting",
             "ReadTimeout": "timed out waiting for an answer", "SSLError": "TLS failed",
             "MaxRetryError": "cannot connect", "InvalidURL": "VAULT_ADDR is not a valid URL",
             "MissingSchema": "VAULT_ADDR is not a valid URL (no http:// or https://)"}
    return known.get(kind, kind)
