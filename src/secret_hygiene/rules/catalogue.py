"""The rule catalogue: ids, default severities and the explanation `secret-hygiene rules ID` prints.

This table is the single source: the CLI, the SARIF rule metadata and the README's rule table
are generated from it (a test keeps the README in step).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..findings import Severity

E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO  # noqa: E741


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    title: str
    why: str
    example: str
    fix: str

    @property
    def name(self) -> str:
        """A short CamelCase name (SARIF's `rule.name`)."""
        return NAMES[self.id]

    @property
    def family(self) -> str:
        return {"0": "manifest", "1": "values", "2": "files", "3": "compose",
                "4": "production", "5": "history"}[self.id[2]]


RULES: tuple[Rule, ...] = (
    Rule("SH001", E, "manifest invalid (schema, types, duplicate keys)",
         "Every other check reads the manifest; a typo such as `requried_in` would silently turn "
         "a production requirement off, so the manifest is validated strictly.",
         "secrets:\n  SECRET_KEY:\n    requried_in: [production]",
         "Fix the key the message names (it suggests the closest valid one)."),
    Rule("SH002", W, "docs and manifest disagree on the list of secrets",
         "Operators provision secrets from the documentation; a secret missing there is a "
         "secret missing in production.",
         "docs/secret_management.md lists SECRET_KEY and DB_PASSWORD; the manifest also "
         "requires AUTH0_CLIENT_SECRET.",
         "Add the missing names to the document (or remove the stale ones)."),
    Rule("SH101", E, "literal value assigned to a manifest secret",
         "A value written into a tracked file is in every clone and in history forever.",
         'SECRET_KEY = "9f7c2d..."   # settings.py\n'  # pragma: allowlist secret
         "DB_PASSWORD=hunter2-prod  # .env",  # pragma: allowlist secret
         "Read the value at run time (os.environ['SECRET_KEY'], a /run/secrets file or the "
         "secret store), remove it from the file, and rotate it: it is in history."),
    Rule("SH102", E, "secret detected by a detect-secrets plugin or a credential pattern",
         "Cloud keys, tokens, private keys and passwords in connection strings grant access to "
         "whoever reads the repository.",
         'aws_secret_access_key = "wJalr..."\n'  # pragma: allowlist secret
         "DATABASE_URL=postgres://app:s3cret@db/app",  # pragma: allowlist secret
         "Move the credential to the secret store, revoke and rotate it, and reference it by "
         "name. If it is a false positive, add it to the baseline."),
    Rule("SH103", W, "literal fallback for a secret",
         "A default such as os.getenv('SECRET_KEY', 'dev-key') ships a "  # pragma: allowlist secret
         "usable secret in the code and hides a missing production value: the app starts "
         "with the known default.",
         'os.getenv("SECRET_KEY", "dev-only-key")\n'  # pragma: allowlist secret
         "DB_PASSWORD: ${DB_PASSWORD:-postgres}",  # pragma: allowlist secret
         "Drop the default and fail when the value is missing: os.environ['SECRET_KEY'], or "
         "${DB_PASSWORD:?DB_PASSWORD is required} in compose files."),
    Rule("SH201", E, "secret file tracked by git or staged",
         "A committed secret file is in every clone and stays in history after it is deleted.",
         "git ls-files secrets/\nsecrets/db_password.txt",
         "git rm --cached the file, make sure .gitignore ignores it, and rotate the secret."),
    Rule("SH202", E, "secret file path not ignored by git",
         "A secret file that git does not ignore is one `git add .` away from being committed. "
         "Negation patterns (`!secrets/*.txt`) are a common cause.",
         "secrets/*\n!secrets/*.txt      # re-includes every secret file",
         "Ignore the path in .gitignore and remove negations that re-include it "
         "(check with `git check-ignore -v PATH`)."),
    Rule("SH203", I, "secret file on disk readable by others (warning if writable by others)",
         "Docker Compose bind-mounts file secrets with the host file's permissions.",
         "-rw-r--r--  secrets/db_password.txt",
         "chmod 600 the file (or 640 with the group the container user needs)."),
    Rule("SH301", E, "service uses a secret that is not declared at top level",
         "Compose refuses the project: `service app refers to undefined secret jwt_key`.",
         "services:\n  app:\n    secrets: [jwt_key]\n# no top-level secrets.jwt_key",
         "Declare the secret under the top-level `secrets:` with its `file:` or "
         "`environment:` source."),
    Rule("SH302", W, "secret declared but granted to no service (info if not in the manifest)",
         "Declaring a secret grants nothing; a service must list it. A manifest secret declared "
         "but never granted is a secret the app will not find.",
         "secrets:\n  secret_key:\n    file: ./secrets/secret_key.txt\n# no service lists it",
         "Add the secret to the `secrets:` of the services that need it, or remove it."),
    Rule("SH303", E, "secret source file outside the repository",
         "Paths resolve from the first compose file's folder; a source outside the project ties "
         "the deployment to one machine's layout and escapes the repository's checks.",
         "secrets:\n  db_password:\n    file: ../shared-secrets/db_password.txt",
         "Keep secret sources inside the project (git-ignored), or use an external secret."),
    Rule("SH304", E, "`*_FILE` variable points to a path no granted secret is mounted at",
         "The short syntax mounts secret N at /run/secrets/N whatever the source file is "
         "called; the image then fails to read the path (postgres exits at start-up).",
         "environment:\n  POSTGRES_PASSWORD_FILE: /run/secrets/db_password.txt\n"
         "secrets: [db_password]     # mounted at /run/secrets/db_password",
         "Point the variable at the mount (/run/secrets/db_password) or give the secret a "
         "`target:` that matches."),
    Rule("SH305", E, "secret passed through build args, labels, command, entrypoint or healthcheck",
         "Compose expands these at deploy time: the value lands in image history, `docker "
         "inspect` or the process list (warning when interpolated, error when literal).",
         "build:\n  args:\n    NPM_TOKEN: ${NPM_TOKEN}\nlabels:\n  backup.password: "
         "${DB_PASSWORD}",
         "Use build secrets (`build.secrets` + RUN --mount=type=secret) or read the "
         "/run/secrets file at run time; write $$VAR to let the container's shell expand it."),
    Rule("SH306", E, "service in the manifest's `services:` does not receive a secret it needs",
         "The manifest says the service needs the secret; nothing in the compose model "
         "delivers it, so the service starts without it.",
         "# manifest: DB_PASSWORD services: [db]\nservices:\n  db:\n    image: postgres:16",
         "Grant the docker secret (secrets: [db_password]) or set NAME_FILE to its mount."),
    Rule("SH307", W, "production compose passes a required secret as a plain environment variable",
         "Environment variables leak through `docker inspect`, crash dumps and child processes; "
         "production secrets belong in docker secrets.",
         "environment:\n  SECRET_KEY: ${SECRET_KEY}     # docker-compose.prod.yml",
         "Grant the docker secret and have the app read NAME_FILE (/run/secrets/name)."),
    Rule("SH308", E, "`env_file` points at a tracked file that holds secret values",
         "The env file is committed, so its values are in every clone.",
         "env_file: [.env]     # .env is tracked and holds SECRET_KEY=...",
         "git rm --cached the file, ignore it, commit a .env.example with placeholders, and "
         "rotate the values."),
    Rule("SH309", E, "both `VAR` and `VAR_FILE` set for an image whose entrypoint rejects that",
         "The postgres, mysql, mariadb and mongo entrypoints exit when both are set.",
         "POSTGRES_PASSWORD: x\nPOSTGRES_PASSWORD_FILE: /run/secrets/pg",
         "Keep only the `_FILE` variable."),
    Rule("SH310", E, "compose or Kubernetes file unparseable or unsafe YAML",
         "Compose refuses the file; unsafe YAML (alias or merge bombs, cycles) could also hang "
         "tools that expand it. Its text is still scanned line by line for values.",
         "services: [unclosed",
         "Fix the YAML error the message names; replace exponential anchors with plain values."),
    Rule("SH311", E, "list-form environment value keeps its quotes",
         "In `- KEY=\"value\"` the quotes are part of the value: the image reads the path "
         "with quote characters and fails.",
         '- POSTGRES_PASSWORD_FILE="/run/secrets/db_password"',
         "Drop the quotes (- KEY=value) or use the mapping form (KEY: \"value\")."),
    Rule("SH312", E, "secret source file is a directory, or missing and not git-ignored",
         "Compose cannot mount a missing or directory source (info when the path is ignored: "
         "absent from clones by design).",
         "secrets:\n  tls_key:\n    file: ./certs/server.key     # not in the repository",
         "Create the file at deploy time and make sure .gitignore covers it."),
    Rule("SH313", I, "manifest secret interpolated without a `:?` guard",
         "An unset variable becomes an empty string with only a warning.",
         "SECRET_KEY: ${SECRET_KEY}",
         "Write ${SECRET_KEY:?SECRET_KEY is required}."),
    Rule("SH314", W, "`*_FILE` variable the image does not read",
         "The convention belongs to each image's entrypoint; a misspelled or unsupported "
         "variable is ignored silently (postgres then starts without a password).",
         "POSTGRES_DB_PASSWORD_FILE: /run/secrets/db_password",
         "Use a variable the image documents (POSTGRES_PASSWORD_FILE)."),
    Rule("SH315", E, "secret value written into the compose file (`content:`)",
         "`content:` puts the value in the compose file itself; secrets do not support it and "
         "config content is world-readable.",
         "secrets:\n  api_key:\n    content: sk_live_...",
         "Use `file:` or `environment:` as the secret source."),
    Rule("SH316", W, "`external` secret under plain compose, or `external` with other keys",
         "docker compose refuses external secrets outside Swarm; external with other keys is "
         "invalid (error).",
         "secrets:\n  db_pw:\n    external: true\n    file: ./x",
         "Use a file or environment source under docker compose."),
    Rule("SH317", W, "environment-sourced secret whose variable is unset, committed or read-only",
         "A secret with `environment:` takes the project environment's value; unset fails, a "
         "committed .env leaks it, a read_only service cannot receive it.",
         "secrets:\n  token:\n    environment: API_TOKEN",
         "Provide the variable at deploy time from an uncommitted source."),
    Rule("SH318", W, "secret `mode` that reads as decimal or sets a write bit",
         "`mode: 400` is decimal 400, i.e. 0o620; octal needs a leading 0 or 0o. (Info: "
         "docker compose ignores uid/gid/mode for a file: secret, which is bind-mounted with "
         "the host file's owner and mode.)",
         "secrets:\n  - source: key\n    mode: 400",
         "Write mode: 0400 (or \"0400\")."),
    Rule("SH319", W, "two secrets on one target, or an override drops a needed secret",
         "Secrets merge by target: the later one silently replaces the earlier. Across files, "
         "an override's `!reset`/`!override` (or a new secret on the same target) removes a "
         "grant an earlier file made, and the service the manifest says needs it no longer "
         "gets it.",
         "secrets:\n  - {source: a, target: token}\n  - {source: b, target: token}\n"
         "# or, in docker-compose.override.yml:\nservices:\n  app:\n    secrets: !reset []",
         "Give each secret its own target; grant the secret again in the later file, or drop "
         "the !reset/!override."),
    Rule("SH320", W, "unescaped `$` inside a literal value",
         "Compose interpolates `$word` in literals whatever the YAML quoting: `pa$word1` "
         "becomes `pa`.",
         'LEGACY_PASS: "pa$word1"',
         "Write $$ for a literal dollar sign."),
    Rule("SH321", E, "duplicate key in a compose mapping",
         "Compose rejects the file; other YAML readers silently keep the last value.",
         "environment:\n  JWT_SECRET: ${JWT_SECRET}\n  JWT_SECRET: dev-secret",
         "Remove one of the keys."),
    Rule("SH401", E, "required secret missing in the target environment",
         "The manifest requires the secret in this environment; the app would refuse to start "
         "or run without it.",
         "YOSAI_ENV=production, DB_PASSWORD unset, no DB_PASSWORD_FILE, no /run/secrets/"
         "db_password",
         "Provide it through the variable, NAME_FILE, the docker secret, or the store."),
    Rule("SH402", E, "secret shorter than `min_length`",
         "Short keys and passwords are guessable.",
         "SECRET_KEY of 16 characters, min_length: 32",
         "Generate a longer value, e.g. python -c 'import secrets; print(secrets.token_urlsafe"
         "(48))'."),
    Rule("SH403", E, "secret is a placeholder, a known default, or too weak",
         "Placeholders (change-me, your-...), defaults (postgres, admin), dev/test words and "
         "low-entropy values are the first thing an attacker tries.",
         "SECRET_KEY=your-signing-key-goes-here",
         "Generate a random value and store it in the secret store."),
    Rule("SH404", W, "secret older than its rotation period",
         "Long-lived credentials accumulate exposure; the policy rotates them.",
         "DB_PASSWORD last changed 140 days ago, rotation_days: 90",
         "Rotate: generate a new value, update the store, redeploy, revoke the old one."),
    Rule("SH405", E, "secret backend unreachable or refused",
         "A store that does not answer means the secrets were not checked; the run is "
         "incomplete, never clean.",
         "SECRET_BACKEND=vault, VAULT_ADDR unreachable",
         "Check the backend's address and credentials (the token is never printed)."),
    Rule("SH406", W, "expected (not required) secret missing",
         "The manifest lists the secret but does not require it here; the feature that needs "
         "it may fail.",
         "AUTH0_CLIENT_SECRET unset in development",
         "Provide it, or ignore the warning where the feature is not used."),
    Rule("SH501", E, "secret present in git history",
         "Removing a secret from the tree does not remove it from history: every clone has "
         "it. It must be rotated.",
         "secrets/db_password.txt added in 1a2b3c4, removed in 5d6e7f8",
         "Rotate the secret now, revoke the old credential, audit its use since the first "
         "commit, then rewrite history if required."),
)

NAMES = {
    "SH001": "InvalidManifest", "SH002": "DocsDisagreeWithManifest",
    "SH101": "LiteralManifestSecret", "SH102": "DetectedSecret", "SH103": "LiteralFallback",
    "SH201": "SecretFileTracked", "SH202": "SecretFileNotIgnored",
    "SH203": "SecretFilePermissions", "SH301": "UndeclaredSecret", "SH302": "UngrantedSecret",
    "SH303": "SecretSourceOutsideRepository", "SH304": "FileVariableNotMounted",
    "SH305": "SecretInConfiguration", "SH306": "SecretNotDelivered",
    "SH307": "PlainEnvironmentSecretInProduction", "SH308": "TrackedEnvFileWithSecrets",
    "SH309": "VariableAndFileVariableBothSet", "SH310": "UnusableYaml",
    "SH311": "QuotedListValue", "SH312": "MissingSecretSource", "SH313": "UnguardedSecret",
    "SH314": "UnsupportedFileVariable", "SH315": "SecretContentInCompose",
    "SH316": "ExternalSecretMisuse", "SH317": "EnvironmentSecretProblem",
    "SH318": "SecretModeMistake", "SH319": "SecretTargetConflict",
    "SH320": "UnescapedDollar", "SH321": "DuplicateComposeKey",
    "SH401": "RequiredSecretMissing", "SH402": "SecretTooShort", "SH403": "WeakSecret",
    "SH404": "RotationOverdue", "SH405": "BackendUnavailable",
    "SH406": "ExpectedSecretMissing", "SH501": "SecretInHistory",
}
BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}
assert set(NAMES) == set(BY_ID), "every rule needs a name"


def get(rule_id: str) -> Rule:
    return BY_ID[rule_id.upper()]


def matching(patterns: list[str]) -> set[str]:
    """Rule ids selected by ids or prefixes (`SH3`, `SH30`, `SH304`), case-insensitive."""
    chosen: set[str] = set()
    for pattern in patterns:
        prefix = pattern.strip().upper()
        chosen.update(rule.id for rule in RULES if rule.id.startswith(prefix))
    return chosen


def unknown(patterns: list[str]) -> list[str]:
    return [p for p in patterns if not matching([p])]


def markdown_table() -> str:
    """The README's rule table (a test keeps README.md in step with this catalogue)."""
    rows = ["| id | default | what it finds |", "| --- | --- | --- |"]
    for rule in RULES:
        title = rule.title.replace("|", "\\|")
        rows.append(f"| {rule.id} | {rule.severity.label} | {title} |")
    return "\n".join(rows)
