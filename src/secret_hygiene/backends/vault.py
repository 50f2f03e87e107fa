"""The `vault` backend: HashiCorp Vault (or OpenBao, the same API) through hvac.

`VAULT_ADDR`, `VAULT_TOKEN` (else `~/.vault-token`) and `VAULT_NAMESPACE` as Vault's own CLI
reads them. KV v2 by default (`backends.vault.kv_version: 1` for v1). A secret lives at the
manifest's `backends.vault` mount and path, in the field named like the secret, or where its
own `vault: path#field` says; a reference `vault:secret/data/yosai#SECRET_KEY` names the mount,
the path (with or without KV v2's `data/`) and the field. Rotation age is the current version's
`created_time` (KV v2 only).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path

from ..manifest import Manifest, SecretSpec
from . import BackendError, Lookup

INSTALL = "pip install 'secret-hygiene[vault]'"
TIMEOUT = (3.05, 10)  # connect, read (seconds)


def parse_location(reference: str, default_mount: str, kv_version: int,
                   default_field: str) -> tuple[str, str, str]:
    """`secret/data/yosai#SECRET_KEY` -> (mount `secret`, path `yosai`, field `SECRET_KEY`).

    The first segment is the mount; KV v2's API form (`mount/data/path`) and the CLI form
    (`mount/path`) both work. A bare `path#field` (no mount) uses the manifest's mount.
    """
    location, _, field = reference.strip().partition("#")
    parts = [p for p in location.strip("/").split("/") if p]
    if len(parts) >= 2:
        mount, rest = parts[0], parts[1:]
    else:
        mount, rest = default_mount, parts
    if kv_version == 2 and len(rest) >= 2 and rest[0] == "data":
        rest = rest[1:]
    return mount, "/".join(rest), field or default_field


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
        self.address = environ.get("VAULT_ADDR", "").strip()
        if not self.address:
            raise BackendError("VAULT_ADDR is not set: it names the Vault server",
                               "export VAULT_ADDR=https://vault.example:8200 where validate runs")
        token = environ.get("VAULT_TOKEN") or _token_file(environ)
        if not token:
            raise BackendError("no Vault token: VAULT_TOKEN is unset and ~/.vault-token "
                               "does not exist", "give the job a token that may read the "
                               "secrets (VAULT_TOKEN)")
        self.mount = manifest.backends.vault_mount
        self.path = manifest.backends.vault_path
        self.kv_version = manifest.backends.vault_kv_version
        session = requests.Session()
        retry = Retry(total=2, connect=2, read=1, backoff_factor=0.2,
                      status_forcelist=(500, 502, 503, 504), allowed_methods=("GET",))
        session.mount("http://", HTTPAdapter(max_retries=retry))
        session.mount("https://", HTTPAdapter(max_retries=retry))
        self.client = hvac.Client(url=self.address, token=token,
                                  namespace=environ.get("VAULT_NAMESPACE") or None,
                                  timeout=TIMEOUT, session=session)
        self.exceptions = hvac.exceptions
        self.down: str | None = None

    def fetch(self, spec: SecretSpec) -> Lookup:
        if spec.vault:
            return self.resolve(spec.vault, spec.name)
        location = f"{self.mount}/{self.path}" if self.path else self.mount
        return self.resolve(f"{location}#{spec.name}", spec.name)

    def resolve(self, reference: str, default_field: str) -> Lookup:
        """The value a `vault:` reference (or a manifest `vault:` location) names."""
        mount, path, field = parse_location(reference, self.mount, self.kv_version,
                                            default_field)
        shown = f"{mount}/{path}#{field}"
        if self.down:
            raise BackendError(self.down)
        if not path:
            raise BackendError(f"Vault location {reference!r} names no secret path",
                               "set backends.vault.path in the manifest (or the secret's own "
                               "vault: mount/path#field)")
        try:
            if self.kv_version == 2:
                response = self.client.secrets.kv.v2.read_secret_version(
                    path=path, mount_point=mount, raise_on_deleted_version=True)
                data = response["data"]["data"] or {}
                created = response["data"].get("metadata", {}).get("created_time")
            else:
                response = self.client.secrets.kv.v1.read_secret(path=path, mount_point=mount)
                data, created = response["data"] or {}, None
        except Exception as error:
            return self._failure(error, shown, f"{mount}/{path}")
        if field not in data:
            return Lookup(None, "vault", shown,
                          detail=f"Vault secret {mount}/{path} has no field {field}")
        value = data[field]
        if not isinstance(value, str):
            raise BackendError(f"Vault field {shown} is not a string")
        changed = _timestamp(created)
        return Lookup(value, "vault", shown, changed=changed,
                      changed_how="the KV version's created_time" if changed else "")

    def _failure(self, error: Exception, shown: str, secret: str) -> Lookup:
        errors = self.exceptions
        if isinstance(error, errors.InvalidPath):
            return Lookup(None, "vault", shown,
                          detail=f"Vault has no secret at {secret} (read as KV "
                                 f"v{self.kv_version})")
        if isinstance(error, (errors.Forbidden, errors.Unauthorized)):
            raise BackendError(f"Vault at {self.address} refused {secret}: permission denied "
                               "(a wrong or expired token, or a policy without read)",
                               "give the job a valid token whose policy may read this path")
        if isinstance(error, errors.VaultError):
            raise BackendError(f"Vault at {self.address} failed on {secret}: "
                               f"{type(error).__name__}")
        self.down = f"Vault at {self.address} did not answer: {_describe(error)}"
        raise BackendError(self.down, "check VAULT_ADDR and that the server is reachable "
                                      "from here")


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
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


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
    if _timed_out(error):
        return "timed out waiting for an answer"
    kind = type(error).__name__
    known = {"ConnectionError": "cannot connect", "ConnectTimeout": "timed out connecting",
             "ReadTimeout": "timed out waiting for an answer", "SSLError": "TLS failed",
             "MaxRetryError": "cannot connect", "InvalidURL": "VAULT_ADDR is not a valid URL",
             "MissingSchema": "VAULT_ADDR is not a valid URL (no http:// or https://)"}
    return known.get(kind, kind)
