"""The compose rules (SH3xx), table-driven in the style of pre-commit-hooks' tests.

Every case is a minimal repository: compose files (and whatever else the rule reads), the
standard manifest unless the case says otherwise, a `.gitignore` that ignores `.env` and
`secrets/`, and one commit. Expected findings are written into the fixture itself: a line that
must carry a finding of the case's rule ends with a YAML comment `# <- SEVERITY` (`# <- error x2`
for two findings on one line). A case without markers is a corrected twin: the rule must report
nothing. The test compares the exact list of (path, line, severity) of that rule, so a missing
finding, a finding on the wrong line, a wrong severity and a duplicate all fail.

Secret-looking literals are made at run time: `@TOKEN@` in a fixture is replaced by a fresh
`conftest.token()`.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field

import pytest

from conftest import Repo, Result, Runner, token

COMPOSE = "docker-compose.yml"
PROD = "docker-compose.prod.yml"
STANDARD = "<the standard manifest>"
NO_MANIFEST = None
GITIGNORE = ".env\nsecrets/\n"
MARK = re.compile(r"#\s*<-\s*(error|warning|info)(?:\s+x(\d+))?\s*$")

IMPLEMENTED = ("SH301", "SH302", "SH303", "SH304", "SH305", "SH306", "SH307", "SH308",
               "SH309", "SH310", "SH311", "SH312", "SH313", "SH314", "SH315", "SH316",
               "SH317", "SH318", "SH319", "SH320", "SH321")

Finding = tuple[str | None, int | None, str]


@dataclass(frozen=True)
class Case:
    name: str
    rule: str
    files: Mapping[str, str | None]  # path -> text (dedented); None makes a directory
    manifest: str | None = STANDARD  # STANDARD, NO_MANIFEST or the manifest's text
    gitignore: str = GITIGNORE
    select: str = "SH3"
    notes: tuple[str, ...] = ()
    links: Mapping[str, str] = field(default_factory=dict)  # path -> relative symlink target


def build(repo: Repo, case: Case) -> dict[str, str]:
    """Write the case's repository and commit it; returns the texts as written."""
    secret = token()
    if case.manifest == STANDARD:
        repo.manifest()
    elif case.manifest is not None:
        repo.manifest(textwrap.dedent(case.manifest))
    repo.write(".gitignore", case.gitignore)
    written: dict[str, str] = {}
    for path, text in case.files.items():
        if text is None:
            (repo.path / path).mkdir(parents=True, exist_ok=True)
            repo.write(f"{path}/part.pem", "-- a file inside a directory --\n")
            continue
        body = textwrap.dedent(text).replace("@TOKEN@", secret)
        repo.write(path, body)
        written[path] = body
    for path, target in case.links.items():
        (repo.path / path).symlink_to(target)
    repo.commit("fixture")
    return written


def marked(texts: Mapping[str, str]) -> list[Finding]:
    expected: list[Finding] = []
    for path, text in texts.items():
        for number, line in enumerate(text.splitlines(), start=1):
            match = MARK.search(line)
            if match:
                expected += [(path, number, match.group(1))] * int(match.group(2) or 1)
    return sorted(expected, key=repr)


def of_rule(result: Result, rule: str) -> list[Finding]:
    return sorted(((f["path"], f["line"], f["severity"]) for f in result.findings
                   if f["rule"] == rule), key=repr)


def check(repo: Repo, run: Runner, select: str = "SH3") -> Result:
    result = run(repo.path, "check", "--format", "json", "--select", select)
    assert result.code in (0, 1), result.stderr
    assert result.report["complete"] is True
    return result


SECRETS_BLOCK = """\
secrets:
  secret_key:
    file: ./secrets/secret_key.txt
  db_password:
    file: ./secrets/db_password.txt
"""



def plus_secrets(text: str) -> str:
    """A fixture followed by the top-level declarations of the two manifest secrets."""
    return textwrap.dedent(text) + SECRETS_BLOCK


CASES: list[Case] = [
    # --- SH301 service uses an undeclared secret ---------------------------------------------
    Case("SH301-undeclared-short-long-and-build", "SH301", {COMPOSE: """
        services:
          app:
            image: example/app:1
            secrets:
              - jwt_key  # <- error
              - source: api_key  # <- error
                target: api.key
              - db_password
            build:
              context: .
              secrets:
                - npm_token  # <- error
        secrets:
          db_password:
            file: ./secrets/db_password.txt
        """}),
    Case("SH301-undeclared-fixed", "SH301", {COMPOSE: """
        services:
          app:
            image: example/app:1
            secrets:
              - jwt_key
              - source: api_key
                target: api.key
              - db_password
            build:
              context: .
              secrets:
                - npm_token
        secrets:
          db_password:
            file: ./secrets/db_password.txt
          jwt_key:
            file: ./secrets/jwt_key.txt
          api_key:
            file: ./secrets/api_key.txt
          npm_token:
            file: ./secrets/npm_token.txt
        """}),

    # --- SH302 declared but granted to no service ---------------------------------------------
    Case("SH302-ungranted-manifest-warning-other-info", "SH302", {COMPOSE: """
        services:
          app:
            image: example/app:1
            secrets: [secret_key]
        secrets:
          secret_key:
            file: ./secrets/secret_key.txt
          db_password:  # <- warning
            file: ./secrets/db_password.txt
          cache_token:  # <- info
            file: ./secrets/cache_token.txt
        """}),
    Case("SH302-ungranted-without-manifest-is-info", "SH302", {COMPOSE: """
        services:
          app:
            image: example/app:1
        secrets:
          db_password:  # <- info
            file: ./secrets/db_password.txt
        """}, manifest=NO_MANIFEST),
    Case("SH302-granted-to-a-service-or-a-build", "SH302", {COMPOSE: """
        services:
          app:
            image: example/app:1
            secrets:
              - secret_key
              - source: db_password
                target: db.txt
            build:
              context: .
              secrets: [cache_token]
        secrets:
          secret_key:
            file: ./secrets/secret_key.txt
          db_password:
            file: ./secrets/db_password.txt
          cache_token:
            file: ./secrets/cache_token.txt
        """}),

    # --- SH303 source outside the repository --------------------------------------------------
    Case("SH303-parent-absolute-home-and-escaping", "SH303", {COMPOSE: """
        services:
          app:
            image: example/app:1
            secrets: [parent, absolute, home, escaping]
        secrets:
          parent:
            file: ../shared-secrets/db_password.txt  # <- error
          absolute:
            file: /etc/app/secret_key.txt  # <- error
          home:
            file: ~/secrets/token.txt  # <- error
          escaping:
            file: ./secrets/../../token.txt  # <- error
        """}),
    Case("SH303-inside-the-repository", "SH303", {COMPOSE: """
        services:
          app:
            image: example/app:1
            secrets: [parent, absolute, home, escaping]
        secrets:
          parent:
            file: ./secrets/db_password.txt
          absolute:
            file: secrets/secret_key.txt
          home:
            file: ./secrets/token.txt
          escaping:
            file: ./secrets/sub/../token.txt
        """}),
    Case("SH303-folder-whose-name-starts-with-dots-is-inside", "SH303", {
        COMPOSE: """
            services:
              app:
                image: example/app:1
                secrets: [data]
            secrets:
              data:
                file: ./..data/token.txt
            """,
        "..data/token.txt": "a-local-value\n"}, notes=("./..data is a folder inside the repo",)),
    Case("SH303-resolves-from-the-compose-files-folder", "SH303", {"deploy/compose.yaml": """
        services:
          app:
            image: example/app:1
            secrets: [inside, outside]
        secrets:
          inside:
            file: ../secrets/db_password.txt
          outside:
            file: ../../db_password.txt  # <- error
        """}),

    # --- SH304 a *_FILE path no granted secret is mounted at ---------------------------------
    Case("SH304-short-syntax-names-the-source-file", "SH304", {COMPOSE: """
        services:
          db:
            image: postgres:16
            secrets:
              - db_password
            environment:
              POSTGRES_PASSWORD_FILE: /run/secrets/db_password.txt  # <- error
        secrets:
          db_password:
            file: ./secrets/db_password.txt
        """}),
    Case("SH304-short-syntax-mount-point", "SH304", {COMPOSE: """
        services:
          db:
            image: postgres:16
            secrets:
              - db_password
            environment:
              POSTGRES_PASSWORD_FILE: /run/secrets/db_password
        secrets:
          db_password:
            file: ./secrets/db_password.txt
        """}),
    Case("SH304-long-syntax-relative-target", "SH304", {COMPOSE: plus_secrets("""
        services:
          app:
            image: example/app:1
            secrets:
              - source: db_password
                target: db_password.txt
              - source: secret_key
                target: app/signing.key
            environment:
              DB_PASSWORD_FILE: /run/secrets/db_password  # <- error
              SECRET_KEY_FILE: /run/secrets/signing.key  # <- error
        """)}),
    Case("SH304-long-syntax-relative-target-under-run-secrets", "SH304", {COMPOSE: plus_secrets("""
        services:
          app:
            image: example/app:1
            secrets:
              - source: db_password
                target: db_password.txt
              - source: secret_key
                target: app/signing.key
            environment:
              DB_PASSWORD_FILE: /run/secrets/db_password.txt
              SECRET_KEY_FILE: /run/secrets/app/signing.key
        """)}),
    Case("SH304-long-syntax-absolute-target-elsewhere", "SH304", {COMPOSE: plus_secrets("""
        services:
          app:
            image: example/app:1
            secrets:
              - source: db_password
                target: /etc/app/db_password
            environment:
              DB_PASSWORD_FILE: /run/secrets/db_password  # <- error
        """)}),
    Case("SH304-long-syntax-absolute-target-as-is", "SH304", {COMPOSE: plus_secrets("""
        services:
          app:
            image: example/app:1
            secrets:
              - source: db_password
                target: /run/secrets/pg/password
              - source: secret_key
                target: /etc/app/secret_key
            environment:
              DB_PASSWORD_FILE: /run/secrets/pg/password
              SECRET_KEY_FILE: /etc/app/secret_key
        """)}),
    Case("SH304-var-run-secrets-pointing-nowhere", "SH304", {COMPOSE: plus_secrets("""
        services:
          app:
            image: example/app:1
            secrets: [db_password]
            environment:
              DB_PASSWORD_FILE: /var/run/secrets/db_pass  # <- error
        """)}),
    Case("SH304-var-run-is-run", "SH304", {COMPOSE: plus_secrets("""
        services:
          app:
            image: example/app:1
            secrets:
              - db_password
              - source: secret_key
                target: /var/run/secrets/signing_key
            environment:
              DB_PASSWORD_FILE: /var/run/secrets/db_password
              SECRET_KEY_FILE: /run/secrets/signing_key
        """)}),
    Case("SH304-interpolated-default-pointing-nowhere", "SH304", {COMPOSE: plus_secrets("""
        services:
          app:
            image: example/app:1
            secrets: [db_password]
            environment:
              DB_PASSWORD_FILE: ${DB_PASSWORD_FILE:-/run/secrets/db_password.txt}  # <- error
        """)}),
    Case("SH304-interpolated-default-at-the-mount", "SH304", {COMPOSE: plus_secrets("""
        services:
          app:
            image: example/app:1
            secrets: [db_password]
            environment:
              DB_PASSWORD_FILE: ${DB_PASSWORD_FILE:-/run/secrets/db_password}
              SECRET_KEY_FILE: ${SECRET_KEY_FILE}
        """)}),
    Case("SH304-list-form-pointing-nowhere", "SH304", {COMPOSE: plus_secrets("""
        services:
          db:
            image: postgres:16
            secrets: [db_password]
            environment:
              - POSTGRES_DB=app
              - POSTGRES_PASSWORD_FILE=/run/secrets/db_password.txt  # <- error
        """)}),
    Case("SH304-list-form-at-the-mount", "SH304", {COMPOSE: plus_secrets("""
        services:
          db:
            image: postgres:16
            secrets: [db_password]
            environment:
              - POSTGRES_DB=app
              - POSTGRES_PASSWORD_FILE=/run/secrets/db_password
        """)}),
    Case("SH304-nothing-granted", "SH304", {COMPOSE: plus_secrets("""
        services:
          app:
            image: example/app:1
            environment:
              DB_PASSWORD_FILE: /run/secrets/db_password  # <- error
        """)}),
    Case("SH304-granted", "SH304", {COMPOSE: plus_secrets("""
        services:
          app:
            image: example/app:1
            secrets: [db_password]
            environment:
              DB_PASSWORD_FILE: /run/secrets/db_password
        """)}),
    Case("SH304-volume-elsewhere-does-not-cover-run-secrets", "SH304", {COMPOSE: """
        services:
          app:
            image: example/app:1
            volumes:
              - ./secrets:/run/app-secrets:ro
            environment:
              DB_PASSWORD_FILE: /run/secrets/db_password  # <- error
        """}),
    Case("SH304-directory-volume-mounted-at-run-secrets", "SH304", {COMPOSE: """
        services:
          app:
            image: example/app:1
            volumes:
              - ./secrets:/run/secrets:ro
            environment:
              DB_PASSWORD_FILE: /run/secrets/db_password
        """}, notes=("compose.md M1: the mount set includes volume targets",)),
    Case("SH304-duplicate-key-last-value-is-wrong", "SH304", {COMPOSE: plus_secrets("""
        services:
          app:
            image: example/app:1
            secrets: [db_password]
            environment:
              DB_PASSWORD_FILE: /run/secrets/db_password
              DB_PASSWORD_FILE: /run/secrets/db_password.txt  # <- error
        """)}),
    Case("SH304-duplicate-key-last-value-is-right", "SH304", {COMPOSE: plus_secrets("""
        services:
          app:
            image: example/app:1
            secrets: [db_password]
            environment:
              DB_PASSWORD_FILE: /run/secrets/db_password.txt
              DB_PASSWORD_FILE: /run/secrets/db_password
        """)}),

    # --- SH305 secrets in build args, labels, command, entrypoint, healthcheck ---------------
    Case("SH305-interpolated-warning-literal-error", "SH305", {COMPOSE: """
        services:
          app:
            image: example/app:1
            build:
              context: .
              args:
                NPM_TOKEN: ${NPM_TOKEN}  # <- warning
                API_TOKEN: @TOKEN@  # <- error
                VERSION: "1.0"
            labels:
              backup.password: "${DB_PASSWORD}"  # <- warning
              SECRET_KEY: @TOKEN@  # <- error
              team: payments
            command: ["app", "--db-password", "${DB_PASSWORD}"]  # <- warning
            entrypoint: "run --token $API_TOKEN"  # <- warning
            healthcheck:
              test: ["CMD-SHELL", "mysqladmin ping -p${MYSQL_ROOT_PASSWORD}"]  # <- warning
        """}),
    Case("SH305-list-form-build-args", "SH305", {COMPOSE: """
        services:
          app:
            image: example/app:1
            build:
              context: .
              args:
                - NPM_TOKEN=${NPM_TOKEN}  # <- warning
                - GITHUB_TOKEN  # <- warning
                - VERSION=1.0
        """}),
    Case("SH305-build-secrets-and-container-side-expansion", "SH305", {COMPOSE: """
        services:
          app:
            image: example/app:1
            build:
              context: .
              args:
                VERSION: "1.0"
              secrets: [npm_token]
            labels:
              team: payments
              auth.client-id: ${AUTH0_CLIENT_ID}
            command: ["sh", "-c", "app --db-password-file /run/secrets/db_password"]
            entrypoint: ["sh", "-c", "exec app --token $$API_TOKEN"]
            healthcheck:
              test: ["CMD-SHELL", "mysqladmin ping -p$$MYSQL_ROOT_PASSWORD"]
        secrets:
          npm_token:
            file: ./secrets/npm_token.txt
        """}),
    Case("SH305-escaped-dollar-is-not-a-literal-secret", "SH305", {COMPOSE: """
        services:
          app:
            image: example/app:1
            build:
              context: .
              args:
                NPM_TOKEN: $${NPM_TOKEN}
            labels:
              backup.password: "$${DB_PASSWORD}"
        """}, notes=("`$$` is a literal `$`: the value is the text ${VAR}, a placeholder",)),
    Case("SH305-literal-secret-in-command", "SH305", {COMPOSE: """
        services:
          app:
            image: example/app:1
            command: ["app", "--db-password=@TOKEN@"]  # <- error
        """}, notes=("DESIGN: error when literal, command included",)),

    # --- SH306 a service the manifest names does not receive a secret ----------------------
    Case("SH306-nothing-received", "SH306", {COMPOSE: """
        services:
          app:  # <- error x2
            image: example/app:1
          db:  # <- error
            image: postgres:16
          worker:
            image: example/app:1
        """}),
    Case("SH306-received-via-grant", "SH306", {COMPOSE: plus_secrets("""
        services:
          app:
            image: example/app:1
            secrets: [secret_key, db_password]
          db:
            image: postgres:16
            secrets: [db_password]
        """)}),
    Case("SH306-received-via-NAME_FILE", "SH306", {COMPOSE: """
        services:
          app:
            image: example/app:1
            secrets:
              - source: signing
              - source: pg
            environment:
              SECRET_KEY_FILE: /run/secrets/signing
              DB_PASSWORD_FILE: /run/secrets/pg
          db:
            image: postgres:16
            secrets: [pg]
            environment:
              DB_PASSWORD_FILE: /run/secrets/pg
        secrets:
          signing:
            file: ./secrets/secret_key.txt
          pg:
            file: ./secrets/db_password.txt
        """}),
    Case("SH306-received-via-env_file", "SH306", {
        COMPOSE: """
            services:
              app:
                image: example/app:1
                env_file: [app.env]
              db:
                image: postgres:16
                env_file:
                  - path: .env
                    required: false
            """,
        "app.env": "SECRET_KEY=${SECRET_KEY:?required}\nDB_PASSWORD=${DB_PASSWORD:?required}\n",
        ".env": "DB_PASSWORD=\n"}),
    Case("SH306-received-via-interpolation", "SH306", {COMPOSE: """
        services:
          app:
            image: example/app:1
            environment:
              FLASK_SECRET: ${SECRET_KEY:?required}
              DATABASE_URL: postgres://app:${DB_PASSWORD:?required}@db/app
          db:
            image: postgres:16
            environment:
              - DB_PASSWORD
        """}),
    Case("SH306-received-via-target-or-platform-name", "SH306", {COMPOSE: """
        services:
          app:
            image: example/app:1
            secrets:
              - source: signing
                target: secret_key
              - pg
          db:
            image: postgres:16
            secrets: [pg]
        secrets:
          signing:
            file: ./secrets/secret_key.txt
          pg:
            file: ./secrets/db_password.txt
            name: db_password
        """}),
    Case("SH306-services-the-project-does-not-define", "SH306", {COMPOSE: """
        services:
          worker:
            image: example/app:1
          cache:
            image: redis:7
        """}),
    Case("SH306-received-via-NAME_FILE-in-env_file", "SH306", {
        COMPOSE: """
            services:
              app:
                image: example/app:1
                secrets: [signing, pg]
                env_file: app.env
              db:
                image: postgres:16
                secrets: [pg]
                env_file: db.env
            secrets:
              signing:
                file: ./secrets/secret_key.txt
              pg:
                file: ./secrets/db_password.txt
            """,
        "app.env": """
            SECRET_KEY_FILE=/run/secrets/signing
            DB_PASSWORD_FILE=/run/secrets/pg
            """,
        "db.env": """
            DB_PASSWORD_FILE=/run/secrets/pg
            """},
        notes=("DESIGN: N or N_FILE set in its environment, also through env_file",)),
    Case("SH306-docker-secret-name-spelt-with-dashes", "SH306", {COMPOSE: """
        services:
          app:
            image: example/app:1
            secrets: [secret-key, db-password]
          db:
            image: postgres:16
            secrets: [db-password]
        secrets:
          secret-key:
            file: ./secrets/secret_key.txt
          db-password:
            file: ./secrets/db_password.txt
        """}, notes=("compose.md M21: normalise case and -/_",)),

    # --- SH307 production compose passes a required secret as plain env ---------------------
    Case("SH307-plain-env-in-production", "SH307", {PROD: """
        services:
          app:
            image: example/app:1
            environment:
              SECRET_KEY: ${SECRET_KEY:?SECRET_KEY is required}  # <- warning
              DATABASE_URL: postgres://app:${DB_PASSWORD:?required}@db/app  # <- warning
              AUTH0_CLIENT_SECRET: ${AUTH0_CLIENT_SECRET:?required}
          worker:
            image: example/app:1
            environment:
              - DB_PASSWORD  # <- warning
        """}),
    Case("SH307-docker-secrets-via-_FILE-in-production", "SH307", {PROD: plus_secrets("""
        services:
          app:
            image: example/app:1
            secrets: [secret_key, db_password]
            environment:
              SECRET_KEY_FILE: /run/secrets/secret_key
              DB_PASSWORD_FILE: ${DB_PASSWORD_FILE:-/run/secrets/db_password}
          worker:
            image: example/app:1
            secrets: [db_password]
            environment:
              - DB_PASSWORD_FILE=/run/secrets/db_password
        """)}),
    Case("SH307-plain-env-outside-production", "SH307", {COMPOSE: """
        services:
          app:
            image: example/app:1
            environment:
              SECRET_KEY: ${SECRET_KEY:?SECRET_KEY is required}
              DB_PASSWORD:
        """}),
    Case("SH307-production-file-named-by-the-manifest", "SH307", {"deploy/stack.yml": """
        services:
          app:
            image: example/app:1
            environment:
              SECRET_KEY: ${SECRET_KEY:?required}  # <- warning
        """}, manifest="""
        version: 1
        environment:
          variable: APP_ENV
          production: [prod]
        secrets:
          SECRET_KEY:
            required_in: [prod]
        policy:
          production_compose: [deploy/stack.yml]
        """),

    # --- SH308 env_file is tracked and holds secrets -----------------------------------------
    Case("SH308-tracked-env-files-with-values", "SH308", {
        COMPOSE: """
            services:
              app:
                image: example/app:1
                env_file:
                  - app.env  # <- error
                  - path: worker.env  # <- error
                    required: false
            """,
        "app.env": "SECRET_KEY=@TOKEN@\nLOG_LEVEL=debug\n",
        "worker.env": "API_TOKEN=@TOKEN@\n"}),
    Case("SH308-ignored-or-placeholder-env-files", "SH308", {
        COMPOSE: """
            services:
              app:
                image: example/app:1
                env_file:
                  - .env
                  - defaults.env
            """,
        ".env": "SECRET_KEY=@TOKEN@\n",
        "defaults.env": "SECRET_KEY=change-me\nDB_PASSWORD=${DB_PASSWORD}\nLOG_LEVEL=debug\n"}),

    # --- SH309 VAR and VAR_FILE both set ---------------------------------------------------------
    Case("SH309-both-set-for-exclusive-images", "SH309", {COMPOSE: plus_secrets("""
        services:
          db:
            image: postgres:16
            secrets: [db_password]
            environment:
              POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?required}  # <- error
              POSTGRES_PASSWORD_FILE: /run/secrets/db_password
          mysql:
            image: docker.io/library/mysql:8.4
            secrets: [db_password]
            environment:
              - MYSQL_ROOT_PASSWORD=${MYSQL_ROOT_PASSWORD:?required}  # <- error
              - MYSQL_ROOT_PASSWORD_FILE=/run/secrets/db_password
        """)}),
    Case("SH309-only-the-file-or-a-tolerant-or-unknown-image", "SH309", {COMPOSE: plus_secrets("""
        services:
          db:
            image: postgres:16
            secrets: [db_password]
            environment:
              POSTGRES_PASSWORD_FILE: /run/secrets/db_password
          wordpress:
            image: wordpress:6
            secrets: [db_password]
            environment:
              WORDPRESS_DB_PASSWORD: ${WORDPRESS_DB_PASSWORD:?required}
              WORDPRESS_DB_PASSWORD_FILE: /run/secrets/db_password
          custom:
            image: example/postgres-like:1
            secrets: [db_password]
            environment:
              POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?required}
              POSTGRES_PASSWORD_FILE: /run/secrets/db_password
        """)}),

    # --- SH310 unparseable or unsafe compose files -------------------------------------------
    Case("SH310-unclosed-flow-sequence", "SH310", {"compose.broken.yml":
                                                   "services: [unclosed  # <- error\n"}),
    Case("SH310-tab-indentation", "SH310", {COMPOSE:
                                            "services:\n  app:\n\timage: x  # <- error\n"}),
    Case("SH310-top-level-not-a-mapping", "SH310", {COMPOSE: """
        - app  # <- error
        - db
        """}),
    Case("SH310-two-documents", "SH310", {COMPOSE: """
        services: {}
        ---
        services: {}  # <- error
        """}),
    Case("SH310-anchors-and-merge-keys-are-fine", "SH310", {COMPOSE: """
        x-common: &common
          image: example/app:1
          environment: &env
            LOG_LEVEL: info
        services:
          app:
            <<: *common
            environment:
              <<: *env
              EXTRA: "1"
          worker:
            <<: *common
        """}),

    # --- SH311 list-form env value keeps its quotes ------------------------------------------
    Case("SH311-quoted-list-values", "SH311", {COMPOSE: plus_secrets("""
        services:
          app:
            image: example/app:1
            secrets: [db_password]
            environment:
              - DB_PASSWORD_FILE="/run/secrets/db_password"  # <- error
              - CONFIG_PATH='/etc/app/config.yml'  # <- error
              - GREETING="hello world"  # <- warning
        """)}),
    Case("SH311-unquoted-list-values-and-mapping-quotes", "SH311", {COMPOSE: plus_secrets("""
        services:
          app:
            image: example/app:1
            secrets: [db_password]
            environment:
              - DB_PASSWORD_FILE=/run/secrets/db_password
              - "CONFIG_PATH=/etc/app/config.yml"
              - 'GREETING=hello world'
          worker:
            image: example/app:1
            environment:
              DB_PASSWORD_FILE: "/run/secrets/db_password"
              GREETING: 'hello world'
        """)}),

    # --- SH312 source missing (ignored: info; not ignored: error) or a directory ------------
    Case("SH312-missing-and-directory-sources", "SH312", {
        COMPOSE: """
            services:
              app:
                image: example/app:1
                secrets: [ignored_missing, unignored_missing, directory]
            secrets:
              ignored_missing:
                file: ./secrets/missing.txt  # <- info
              unignored_missing:
                file: ./certs/server.key  # <- error
              directory:
                file: ./certs/bundle  # <- error
            """,
        "certs/bundle": None}),
    Case("SH312-sources-present", "SH312", {
        COMPOSE: """
            services:
              app:
                image: example/app:1
                secrets: [ignored_present, unignored_present, regular]
            secrets:
              ignored_present:
                file: ./secrets/present.txt
              unignored_present:
                file: ./certs/server.crt
              regular:
                file: ./certs/bundle/part.pem
            """,
        "secrets/present.txt": "a-local-value\n",
        "certs/server.crt": "-- certificate --\n",
        "certs/bundle": None}),
    Case("SH312-resolves-from-the-compose-files-folder", "SH312", {
        "deploy/compose.yaml": """
            services:
              app:
                image: example/app:1
                secrets: [up, here, missing]
            secrets:
              up:
                file: ../secrets/present.txt
              here:
                file: local.key
              missing:
                file: ./present.txt  # <- error
            """,
        "secrets/present.txt": "a-local-value\n",
        "deploy/local.key": "-- key --\n",
        "present.txt": "at the root, not beside the compose file\n"}),

    # --- SH313 manifest secret interpolated without a :? guard -------------------------------
    Case("SH313-unguarded-manifest-secrets", "SH313", {COMPOSE: """
        services:
          app:
            image: example/app:1
            environment:
              SECRET_KEY: ${SECRET_KEY}  # <- info
              DB_PASSWORD: $DB_PASSWORD  # <- info
              DATABASE_URL: postgres://app:${DB_PASSWORD}@db/app  # <- info
          worker:
            image: example/app:1
            environment:
              - SECRET_KEY=${SECRET_KEY}  # <- info
        """}),
    Case("SH313-guarded-escaped-or-not-a-manifest-secret", "SH313", {COMPOSE: """
        services:
          app:
            image: example/app:1
            environment:
              SECRET_KEY: ${SECRET_KEY:?SECRET_KEY is required}
              DATABASE_URL: postgres://app:${DB_PASSWORD:?required}@db/app
              OTHER_TOKEN: ${OTHER_TOKEN}
              DOMAIN: ${AUTH0_DOMAIN}
              LITERAL: $${SECRET_KEY}
        """}),
    Case("SH313-unguarded-optional-manifest-secret", "SH313", {COMPOSE: """
        services:
          app:
            image: example/app:1
            environment:
              AUTH0_CLIENT_SECRET: ${AUTH0_CLIENT_SECRET}  # <- info
        """}, notes=("DESIGN/M8: any manifest secret, not only required ones",)),
    Case("SH313-empty-default-is-no-guard", "SH313", {COMPOSE: """
        services:
          app:
            image: example/app:1
            environment:
              SECRET_KEY: ${SECRET_KEY:-}  # <- info
        """}, notes=("`:-` with an empty operand: unset becomes an empty string",)),

    # --- SH314 *_FILE the image does not read -----------------------------------------------
    Case("SH314-misspelled-or-unsupported", "SH314", {COMPOSE: plus_secrets("""
        services:
          db:
            image: postgres:16-alpine
            secrets: [db_password]
            environment:
              POSTGRES_DB_PASSWORD_FILE: /run/secrets/db_password  # <- warning
          pinned:
            image: docker.io/library/postgres:16@sha256:0123456789abcdef
            secrets: [db_password]
            environment:
              - POSTGRES_DB_PASSWORD_FILE=/run/secrets/db_password  # <- warning
          cache:
            image: redis:7
            secrets: [db_password]
            environment:
              REDIS_PASSWORD_FILE: /run/secrets/db_password  # <- warning
        """)}),
    Case("SH314-supported-or-unknown-image", "SH314", {COMPOSE: plus_secrets("""
        services:
          db:
            image: postgres:16-alpine
            secrets: [db_password]
            environment:
              POSTGRES_PASSWORD_FILE: /run/secrets/db_password
              POSTGRES_USER_FILE: /run/secrets/db_password
          bouncer:
            image: edoburu/pgbouncer:1.22
            secrets: [db_password]
            environment:
              POSTGRES_DB_PASSWORD_FILE: /run/secrets/db_password
          mirror:
            image: registry.example.com/team/postgres:16
            secrets: [db_password]
            environment:
              POSTGRES_DB_PASSWORD_FILE: /run/secrets/db_password
        """)}),

    # --- SH315 secret value written into the compose file ----------------------------------
    Case("SH315-secret-and-config-content", "SH315", {COMPOSE: """
        services:
          app:
            image: example/app:1
            secrets: [api_key]
            configs: [app_cfg]
        secrets:
          api_key:
            content: "@TOKEN@"  # <- error
        configs:
          app_cfg:
            content: "password=@TOKEN@"  # <- error
        """}),
    Case("SH315-file-sources-and-harmless-config", "SH315", {COMPOSE: """
        services:
          app:
            image: example/app:1
            secrets: [api_key]
            configs: [app_cfg, paths]
        secrets:
          api_key:
            file: ./secrets/api_key.txt
        configs:
          app_cfg:
            content: "log_level=debug"
          paths:
            content: "password_file=/run/secrets/api_key"
        """}),

    # --- SH316 external secrets ------------------------------------------------------------
    Case("SH316-external-and-external-with-keys", "SH316", {COMPOSE: """
        services:
          app:
            image: example/app:1
            secrets: [platform, conflicting, named]
        secrets:
          platform:
            external: true  # <- warning
          conflicting:
            external: true  # <- error
            file: ./secrets/conflicting.txt
          named:
            name: prod_named
            external: true  # <- warning
        """}),
    Case("SH316-legacy-external-mapping", "SH316", {COMPOSE: """
        services:
          app:
            image: example/app:1
            secrets: [legacy]
        secrets:
          legacy:
            external:  # <- warning
              name: prod_legacy
        """}, notes=("compose.md 1.1: legacy `external: {name: x}` still loads: external",)),
    Case("SH316-not-external", "SH316", {COMPOSE: """
        services:
          app:
            image: example/app:1
            secrets: [platform, conflicting]
        secrets:
          platform:
            file: ./secrets/platform.txt
          conflicting:
            external: false
            file: ./secrets/conflicting.txt
        """}),

    # --- SH318 decimal-looking or writable mode ---------------------------------------------
    Case("SH318-decimal-and-writable-modes", "SH318", {COMPOSE: """
        services:
          app:
            image: example/app:1
            secrets:
              - source: a
                mode: 400  # <- warning
              - source: b
                mode: 0644  # <- warning
              - source: c
                mode: "644"  # <- warning
        secrets:
          a: {file: ./secrets/a.txt}
          b: {file: ./secrets/b.txt}
          c: {file: ./secrets/c.txt}
        """}),
    Case("SH318-octal-and-string-modes", "SH318", {COMPOSE: """
        services:
          app:
            image: example/app:1
            secrets:
              - source: a
                mode: 0400
              - source: b
                mode: "440"
              - source: c
                mode: 0o440
              - source: d
                mode: 0444
        secrets:
          a: {environment: A_KEY}
          b: {environment: B_KEY}
          c: {environment: C_KEY}
          d: {environment: D_KEY}
        """}, notes=("environment: secrets are written into the container with their mode",)),
    Case("SH318-owner-and-mode-of-file-secrets-are-ignored-by-compose", "SH318", {COMPOSE: """
        services:
          app:
            image: example/app:1
            secrets:
              - source: a
                uid: "1000"  # <- info
                gid: "1000"  # <- info
                mode: 0400  # <- info
              - source: b
                target: b.txt
              - b_env
        secrets:
          a: {file: ./secrets/a.txt}
          b: {file: ./secrets/b.txt}
          b_env: {environment: B_KEY}
        """}, notes=("M16: a file: secret is a bind mount; uid/gid/mode are not applied",)),

    # --- SH319 two secrets on one target ---------------------------------------------------
    Case("SH319-two-secrets-one-target", "SH319", {COMPOSE: """
        services:
          app:
            image: example/app:1
            secrets:
              - source: a
                target: token
              - source: b  # <- warning
                target: token
              - source: c
                target: /run/secrets/cert
              - source: d  # <- warning
                target: /var/run/secrets/cert
              - e
              - source: f  # <- warning
                target: e
        secrets:
          a: {file: ./secrets/a.txt}
          b: {file: ./secrets/b.txt}
          c: {file: ./secrets/c.txt}
          d: {file: ./secrets/d.txt}
          e: {file: ./secrets/e.txt}
          f: {file: ./secrets/f.txt}
        """}),
    Case("SH319-distinct-targets", "SH319", {COMPOSE: """
        services:
          app:
            image: example/app:1
            secrets:
              - source: a
                target: token
              - source: b
                target: token.b
              - e
              - e
          worker:
            image: example/app:1
            secrets:
              - source: b
                target: token
        secrets:
          a: {file: ./secrets/a.txt}
          b: {file: ./secrets/b.txt}
          e: {file: ./secrets/e.txt}
        """}),

    # --- SH320 unescaped $ in a literal ---------------------------------------------------
    Case("SH320-unescaped-dollar", "SH320", {COMPOSE: """
        services:
          app:
            image: example/app:1
            environment:
              LEGACY_PASS: "pa$word1"  # <- warning
          worker:
            image: example/app:1
            environment:
              - OTHER_PASS=ab$cdef1  # <- warning
        """}),
    Case("SH320-escaped-dollar-and-references", "SH320", {COMPOSE: """
        services:
          app:
            image: example/app:1
            environment:
              LEGACY_PASS: "pa$$word1"
              HOME_DIR: $HOME
              CACHE_DIR: ${HOME}/cache
          worker:
            image: example/app:1
            environment:
              - OTHER_PASS=ab$$cdef1
        """}),

    # --- SH321 duplicate keys ------------------------------------------------------------------
    Case("SH321-duplicate-keys", "SH321", {COMPOSE: """
        services:
          app:
            image: example/app:1
            environment:
              JWT_SECRET: ${JWT_SECRET:?required}
              JWT_SECRET: ${JWT_SECRET:?required}  # <- error
          app:  # <- error
            image: example/app:2
        secrets:
          a: {file: ./secrets/a.txt}
          a: {file: ./secrets/b.txt}  # <- error
        """}),
    Case("SH321-same-keys-in-sibling-mappings", "SH321", {COMPOSE: """
        services:
          app:
            image: example/app:1
            environment:
              JWT_SECRET: ${JWT_SECRET:?required}
          worker:
            image: example/app:1
            environment:
              JWT_SECRET: ${JWT_SECRET:?required}
        secrets:
          a: {file: ./secrets/a.txt}
          b: {file: ./secrets/a.txt}
        """}),
]


OVERRIDE = "docker-compose.override.yml"

# The project model: several files merged as Compose merges them, include, extends, profiles,
# anchors, interpolation from the project .env, env_file forms. Markers may sit in any file:
# a finding points at the file and line that hold the problem.
CASES += [
    Case("SH301-override-grants-what-the-main-file-declares", "SH301", {
        COMPOSE: plus_secrets("""
            services:
              app:
                image: example/app:1
            """),
        OVERRIDE: """
            services:
              app:
                secrets: [secret_key, db_password]
            """}),
    Case("SH301-override-grants-what-nobody-declares", "SH301", {
        COMPOSE: plus_secrets("""
            services:
              app:
                image: example/app:1
            """),
        OVERRIDE: """
            services:
              app:
                secrets:
                  - secret_key
                  - jwt_key  # <- error
            """}),
    Case("SH301-extended-service-grants-a-secret-the-extending-file-does-not-declare", "SH301", {
        COMPOSE: """
            services:
              app:
                image: example/app:1
                extends: {file: common/base.yml, service: web}  # <- error
            """,
        "common/base.yml": plus_secrets("""
            services:
              web:
                image: example/app:1
                secrets:
                  - secret_key
            """)}, notes=("M3: extends does not import the base file's resources: the "
                          "extending file is where the declaration is missing",)),
    Case("SH301-extended-service-with-the-secret-declared-where-it-is-used", "SH301", {
        COMPOSE: plus_secrets("""
            services:
              app:
                image: example/app:1
                extends: {file: common/base.yml, service: web}
            """),
        "common/base.yml": plus_secrets("""
            services:
              web:
                image: example/app:1
                secrets: [secret_key]
            """)}),
    Case("SH301-included-project-declares-the-secret", "SH301", {
        COMPOSE: """
            include:
              - infra/secrets.yml
            services:
              app:
                image: example/app:1
                secrets: [secret_key, db_password]
            """,
        "infra/secrets.yml": SECRETS_BLOCK}),
    Case("SH301-compose-file-list-is-one-project", "SH301", {
        "deploy/base.yml": plus_secrets("""
            services:
              app:
                image: example/app:1
            """),
        "deploy/extra.yml": """
            services:
              app:
                secrets: [secret_key, db_password]
            """,
        ".env": "COMPOSE_FILE=deploy/base.yml:deploy/extra.yml\n"}),
    Case("SH301-granted-in-a-file-used-on-its-own", "SH301", {
        "deploy/base.yml": plus_secrets("""
            services:
              app:
                image: example/app:1
            """),
        "deploy/compose.extra.yml": """
            services:
              app:
                image: example/app:1
                secrets:
                  - secret_key  # <- error
            """}, notes=("a complete variant file runs on its own: no declarations reach it",)),
    Case("SH302-declared-in-an-included-file-granted-by-the-includer", "SH302", {
        COMPOSE: """
            include:
              - path: infra/secrets.yml
            services:
              app:
                image: example/app:1
                secrets: [secret_key]
            """,
        "infra/secrets.yml": """
            secrets:
              secret_key:
                file: ../secrets/secret_key.txt
              db_password:  # <- warning
                file: ../secrets/db_password.txt
            """}),
    Case("SH304-path-interpolated-from-the-project-env", "SH304", {
        COMPOSE: plus_secrets("""
            services:
              app:
                image: example/app:1
                secrets: [secret_key]
                environment:
                  SECRET_KEY_FILE: ${SECRETS_DIR}/secret-key  # <- error
                  DB_PASSWORD_FILE: ${SECRETS_DIR:?set it}/db_password  # <- error
            """),
        ".env": "SECRETS_DIR=/run/secrets\n"}),
    Case("SH304-path-depending-on-an-unset-variable-is-not-judged", "SH304", {
        COMPOSE: plus_secrets("""
            services:
              app:
                image: example/app:1
                secrets: [secret_key]
                environment:
                  SECRET_KEY_FILE: ${UNSET_SECRETS_DIR}/secret-key
                  DB_PASSWORD_FILE: ${SECRETS_DIR:+/run/secrets}/secret_key
            """),
        ".env": "SECRETS_DIR=\n"}),
    Case("SH304-in-a-profiled-service-and-through-an-anchor", "SH304", {
        COMPOSE: plus_secrets("""
            x-common: &common
              environment:
                SECRET_KEY_FILE: /run/secrets/secret-key  # <- error x2
            services:
              app:
                <<: *common
                image: example/app:1
                secrets: [secret_key]
                profiles: [debug]
              worker:
                <<: *common
                image: example/app:1
                secrets: [secret_key]
            """)}, notes=("every service is linted whatever its profile; the anchor holds the "
                          "line",)),
    Case("SH304-merged-environment-and-grants-from-two-files", "SH304", {
        COMPOSE: plus_secrets("""
            services:
              app:
                image: example/app:1
                environment:
                  SECRET_KEY_FILE: /run/secrets/secret_key
                  DB_PASSWORD_FILE: /run/secrets/db_password  # <- error
            """),
        OVERRIDE: """
            services:
              app:
                secrets: [secret_key]
            """}),
    Case("SH306-delivered-by-the-override-file", "SH306", {
        COMPOSE: plus_secrets("""
            services:
              app:
                image: example/app:1
              db:
                image: postgres:16
                secrets: [db_password]
            """),
        OVERRIDE: """
            services:
              app:
                secrets: [secret_key, db_password]
            """}),
    Case("SH306-override-resets-the-grants", "SH306", {
        COMPOSE: plus_secrets("""
            services:
              app:  # <- error x2
                image: example/app:1
                secrets: [secret_key, db_password]
              db:
                image: postgres:16
                secrets: [db_password]
            """),
        OVERRIDE: """
            services:
              app:
                secrets: !reset []
            """}),
    Case("SH309-image-interpolated-with-a-default", "SH309", {COMPOSE: plus_secrets("""
        services:
          db:
            image: postgres:${PG_TAG:-16}
            secrets: [db_password]
            environment:
              POSTGRES_PASSWORD: ${DB_PASSWORD:?required}  # <- error
              POSTGRES_PASSWORD_FILE: /run/secrets/db_password
        """)}),
    Case("SH309-image-from-an-unset-variable-is-not-judged", "SH309", {COMPOSE: plus_secrets("""
        services:
          db:
            image: ${DB_IMAGE}
            secrets: [db_password]
            environment:
              POSTGRES_PASSWORD: ${DB_PASSWORD:?required}
              POSTGRES_PASSWORD_FILE: /run/secrets/db_password
        """)}),
    Case("SH310-include-missing-looping-or-unusable", "SH310", {
        COMPOSE: """
            include:
              - infra/missing.yml  # <- error
              - infra/loop.yml
              - path: [infra/broken.yml]  # <- error
            services:
              app:
                image: example/app:1
            """,
        "infra/loop.yml": """
            include:
              - ../docker-compose.yml  # <- error
            """,
        "infra/broken.yml": "services: [unclosed\n"}),
    Case("SH310-extends-a-service-that-does-not-exist", "SH310", {COMPOSE: """
        services:
          app:
            image: example/app:1
            extends: {service: nowhere}  # <- error
          worker:
            extends: worker  # <- error
        """}),
    Case("SH310-include-and-extends-that-resolve", "SH310", {
        COMPOSE: """
            include:
              - infra/db.yml
            services:
              app:
                extends: {file: infra/db.yml, service: db}
            """,
        "infra/db.yml": """
            services:
              db:
                image: postgres:16
            """}),
    Case("SH311-in-the-override-file", "SH311", {
        COMPOSE: """
            services:
              app:
                image: example/app:1
            """,
        OVERRIDE: """
            services:
              app:
                environment:
                  - SECRET_KEY_FILE="/run/secrets/secret_key"  # <- error
            """}),
    Case("SH312-required-env-files-missing", "SH312", {COMPOSE: """
        services:
          app:
            image: example/app:1
            env_file:
              - config/app.env  # <- error
              - path: .env  # <- info
                required: true
              - path: ./optional.env
                required: false
              - path: "${ENV_DIR:-config}/raw.env"  # <- error
                format: raw
        """}),
    Case("SH312-env-files-present", "SH312", {
        COMPOSE: """
            services:
              app:
                image: example/app:1
                env_file:
                  - config/app.env
                  - path: ${ENV_DIR:-config}/raw.env
                    format: raw
                  - path: ${UNSET_ENV_DIR}/app.env
            """,
        "config/app.env": "LOG_LEVEL=info\n",
        "config/raw.env": "GREETING='hello $name'\n"}),
    Case("SH308-raw-format-env-file", "SH308", {
        COMPOSE: """
            services:
              app:
                image: example/app:1
                env_file:
                  - path: config/app.env  # <- error
                    format: raw
            """,
        "config/app.env": "API_TOKEN=@TOKEN@\n"}),
    Case("SH317-unset-or-committed-variable-and-read-only-service", "SH317", {
        COMPOSE: """
            services:
              app:
                image: example/app:1
                read_only: true  # <- error x2
                secrets: [api_key, session_key]
            secrets:
              api_key:
                environment: API_KEY  # <- warning
              session_key:
                environment: SESSION_KEY  # <- warning
            """,
        ".env": "SESSION_KEY=@TOKEN@\n"}, gitignore="secrets/\n",
        notes=("M15",)),
    Case("SH317-variable-from-an-uncommitted-env", "SH317", {
        COMPOSE: """
            services:
              app:
                image: example/app:1
                secrets: [session_key]
            secrets:
              session_key:
                environment: SESSION_KEY
            """,
        ".env": "SESSION_KEY=@TOKEN@\n"}),
    Case("SH319-override-drops-a-needed-secret", "SH319", {
        COMPOSE: plus_secrets("""
            services:
              app:
                image: example/app:1
                secrets: [secret_key, db_password]
              db:
                image: postgres:16
                secrets: [db_password]
            """),
        OVERRIDE: """
            services:
              app:
                secrets: !override  # <- warning
                  - secret_key
              db:
                secrets: !reset []  # <- warning
            """}, notes=("M18",)),
    Case("SH319-override-adds-to-the-grants", "SH319", {
        COMPOSE: plus_secrets("""
            services:
              app:
                image: example/app:1
                secrets: [secret_key]
            """),
        OVERRIDE: """
            services:
              app:
                secrets: [db_password]
            """}),
]

# Found by trying to break the model (each once a false finding or a missed one).
CASES += [
    Case("SH301-override-resets-the-top-level-secrets", "SH301", {
        COMPOSE: """
            services:
              app:
                image: example/app:1
                secrets:
                  - db_password  # <- error
                  - secret_key
            secrets:
              db_password: {file: ./secrets/db_password.txt}
            """,
        OVERRIDE: """
            secrets: !override
              secret_key: {file: ./secrets/secret_key.txt}
            """}),
    Case("SH309-override-resets-the-plain-variable", "SH309", {
        COMPOSE: """
            services:
              db:
                image: postgres:16
                environment:
                  POSTGRES_PASSWORD: ${DB_PASSWORD:?required}
            """,
        OVERRIDE: plus_secrets("""
            services:
              db:
                secrets: [db_password]
                environment:
                  POSTGRES_PASSWORD: !reset null
                  POSTGRES_PASSWORD_FILE: /run/secrets/db_password
            """)}),
    Case("SH310-reset-service-and-env-file-are-not-problems", "SH310", {
        COMPOSE: """
            services:
              app:
                image: example/app:1
                env_file: [config/app.env]
              debug:
                image: example/app:1
            """,
        OVERRIDE: """
            services:
              debug: !reset null
              app:
                env_file: !reset []
            """}),
    Case("SH312-reset-env-file-is-not-read", "SH312", {
        COMPOSE: """
            services:
              app:
                image: example/app:1
            """,
        OVERRIDE: """
            services:
              app:
                env_file: !reset [config/missing.env]
            """}),
    Case("SH312-env-file-that-is-a-directory", "SH312", {
        COMPOSE: """
            services:
              app:
                image: example/app:1
                env_file: [config]  # <- error
            """,
        "config": None}),
    Case("SH301-include-path-interpolated-from-the-project-env", "SH301", {
        COMPOSE: """
            include: ["${INFRA_DIR}/secrets.yml"]
            services:
              app:
                image: example/app:1
                secrets: [secret_key, db_password]
            """,
        "infra/secrets.yml": SECRETS_BLOCK,
        ".env": "INFRA_DIR=infra\n"}),
    Case("SH301-include-through-a-symlink", "SH301", {
        COMPOSE: """
            include: [secrets.yml]
            services:
              app:
                image: example/app:1
                secrets: [secret_key, db_password]
            """,
        "infra/secrets.yml": SECRETS_BLOCK}, links={"secrets.yml": "infra/secrets.yml"}),
    Case("SH312-compose-file-list-paths-resolve-from-the-first-files-folder", "SH312", {
        COMPOSE: """
            services:
              app:
                image: example/app:1
            """,
        "deploy/prod.yml": """
            services:
              app:
                secrets: [s, t]
            secrets:
              s: {file: ./config/s.txt}
              t: {file: ./deploy/t.txt}  # <- error
            """,
        "config/s.txt": "-- present --\n",
        ".env": "COMPOSE_FILE=docker-compose.yml:deploy/prod.yml\n"}),
    Case("SH318-modes-compose-cannot-read", "SH318", {COMPOSE: """
        services:
          app:
            image: example/app:1
            secrets:
              - source: a
                mode: 0x1FF  # <- warning
              - source: b
                mode: abc  # <- warning
              - source: c
                mode: "0o440"  # <- warning
              - source: d
                mode: 0999  # <- warning
              - source: e
                mode: ${SECRET_MODE}
        secrets:
          a: {environment: A_KEY}
          b: {environment: B_KEY}
          c: {environment: C_KEY}
          d: {environment: D_KEY}
          e: {environment: E_KEY}
        """}, notes=("0x1FF is 0o777 (Go base 0); strings are base 8 without a prefix",)),
    Case("SH310-interpolation-compose-cannot-read", "SH310", {COMPOSE: """
        x-note: &note "costs ${"  # <- error
        services:
          app:
            image: example/app:${TAG:=1}  # <- error
            labels: [*note]
            environment:
              GREETING: ${NAME/a/b}  # <- error
              NESTED: ${A:-${B:=x}}  # <- error
        """}),
    Case("SH310-interpolation-compose-reads", "SH310", {COMPOSE: """
        services:
          app:
            image: example/app:${TAG:-1}
            command: ["sh", "-c", "echo $$HOME costs $5 ${A:-${B:+x}} ${C?required}"]
            environment:
              GREETING: ${NAME:-hello}-$$
        """}),
    Case("SH316-external-null-is-not-external", "SH316", {COMPOSE: """
        services:
          app:
            image: example/app:1
            secrets: [a]
        secrets:
          a:
            external: null
            file: ./secrets/a.txt
        """}),
]

# Each real-world mistake of ../shared/reference/compose.md (M1-M21): the case that shows the
# finding, and its corrected twin that must be quiet.
MISTAKES: dict[str, tuple[str, str]] = {
    "M1": ("SH304-short-syntax-names-the-source-file", "SH304-granted"),
    "M2": ("SH311-quoted-list-values", "SH311-unquoted-list-values-and-mapping-quotes"),
    "M3": ("SH301-extended-service-grants-a-secret-the-extending-file-does-not-declare",
           "SH301-extended-service-with-the-secret-declared-where-it-is-used"),
    "M4": ("SH302-ungranted-manifest-warning-other-info", "SH302-granted-to-a-service-or-a-build"),
    "M5": ("SH312-missing-and-directory-sources", "SH312-sources-present"),
    "M6": ("SH308-tracked-env-files-with-values", "SH308-ignored-or-placeholder-env-files"),
    "M8": ("SH313-unguarded-manifest-secrets", "SH313-guarded-escaped-or-not-a-manifest-secret"),
    "M9": ("SH309-both-set-for-exclusive-images",
           "SH309-only-the-file-or-a-tolerant-or-unknown-image"),
    "M10": ("SH314-misspelled-or-unsupported", "SH314-supported-or-unknown-image"),
    "M11": ("SH305-interpolated-warning-literal-error",
            "SH305-build-secrets-and-container-side-expansion"),
    "M12": ("SH305-list-form-build-args", "SH305-build-secrets-and-container-side-expansion"),
    "M13": ("SH315-secret-and-config-content", "SH315-file-sources-and-harmless-config"),
    "M14": ("SH316-external-and-external-with-keys", "SH316-not-external"),
    "M15": ("SH317-unset-or-committed-variable-and-read-only-service",
            "SH317-variable-from-an-uncommitted-env"),
    "M16": ("SH318-owner-and-mode-of-file-secrets-are-ignored-by-compose",
            "SH318-octal-and-string-modes"),
    "M17": ("SH318-decimal-and-writable-modes", "SH318-octal-and-string-modes"),
    "M18": ("SH319-override-drops-a-needed-secret", "SH319-override-adds-to-the-grants"),
    "M19": ("SH320-unescaped-dollar", "SH320-escaped-dollar-and-references"),
    "M20": ("SH321-duplicate-keys", "SH321-same-keys-in-sibling-mappings"),
    "M21": ("SH306-nothing-received", "SH306-received-via-grant"),
}
# M7 (a literal secret in environment:) and M16's host file mode are content and file rules
# (SH101/SH102, SH203): tests/test_leaks.py and tests/test_files_rules.py cover them.

@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_compose_rule(case: Case, repo: Repo, run: Runner) -> None:
    texts = build(repo, case)
    result = check(repo, run, case.select)
    reported = [(f["path"], f["line"], f["severity"], f["message"]) for f in result.findings
                if f["rule"] == case.rule]
    assert of_rule(result, case.rule) == marked(texts), (reported, *case.notes)


def test_every_rule_has_a_finding_case_and_a_clean_twin() -> None:
    """The table itself: each implemented rule is shown firing and shown quiet."""
    names = [case.name for case in CASES]
    assert len(names) == len(set(names))
    for case in CASES:
        assert case.name.startswith(case.rule + "-"), case.name
    for rule in IMPLEMENTED:
        cases = [case for case in CASES if case.rule == rule]
        texts = [{p: textwrap.dedent(t) for p, t in c.files.items() if t} for c in cases]
        assert any(marked(t) for t in texts), f"{rule}: no case that must report it"
        assert any(not marked(t) for t in texts), f"{rule}: no corrected twin"


# --- semantics that need more than one rule or one file ------------------------------------

def test_file_variable_pointing_nowhere_is_sh304_only_not_sh306(repo: Repo, run: Runner) -> None:
    repo.manifest()
    repo.write(".gitignore", GITIGNORE)
    repo.write(COMPOSE, textwrap.dedent("""\
        services:
          app:
            image: example/app:1
            secrets: [secret_key]
            environment:
              DB_PASSWORD_FILE: /run/secrets/db_password
          db:
            image: postgres:16
            secrets: [db_password]
        """) + SECRETS_BLOCK)
    repo.commit()
    result = check(repo, run)
    assert result.at("SH304") == [(COMPOSE, 6)]
    assert result.at("SH306") == []


def test_sh304_points_at_the_value_and_names_the_mount(repo: Repo, run: Runner) -> None:
    """The DESIGN.md report example: line, column of the value, the mount in message and hint."""
    repo.manifest()
    repo.write(".gitignore", GITIGNORE)
    repo.write(COMPOSE, textwrap.dedent("""\
        services:
          db:
            image: postgres:15
            environment:
              POSTGRES_PASSWORD_FILE: /run/secrets/db_password.txt
            secrets:
              - db_password
        secrets:
          db_password:
            file: secrets/db_password.txt
        """))
    repo.commit()
    result = check(repo, run, "SH304")
    [finding] = result.findings
    assert (finding["line"], finding["column"], finding["severity"]) == (5, 31, "error")
    assert "/run/secrets/db_password" in finding["hint"]
    assert "db_password.txt" in finding["hint"]
    assert "service db" in finding["message"]
    assert result.code == 1


def bomb_by_merge_keys(levels: int) -> str:
    lines = ["x-a0: &a0 {k: v}"]
    for i in range(1, levels + 1):
        previous = f"*a{i - 1}"
        lines.append(f"x-a{i}: &a{i}\n  <<: [{previous}, {previous}, {previous}, {previous}]"
                     f"\n  k{i}: v")
    lines.append(f"services:\n  app:\n    <<: *a{levels}\n    image: example/app:1")
    return "\n".join(lines) + "\n"


def bomb_by_aliases(levels: int) -> str:
    lines = ["x-a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels + 1):
        lines.append(f"x-a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]")
    lines.append(f"services:\n  app:\n    image: example/app:1\n    labels: *a{levels}")
    return "\n".join(lines) + "\n"


def test_yaml_bombs_are_sh310_with_a_line_and_are_never_expanded(repo: Repo,
                                                                  run: Runner) -> None:
    """4**40 merged keys and 9**30 aliased items: expanding either would never finish, so the
    run completing at all shows neither was expanded. The ordinary file is still analysed."""
    merge_bomb, alias_bomb = bomb_by_merge_keys(40), bomb_by_aliases(30)
    repo.manifest()
    repo.write(".gitignore", GITIGNORE)
    repo.write("docker-compose.override.yml", merge_bomb)
    repo.write("compose.aliases.yaml", alias_bomb)
    repo.write(COMPOSE, "services:\n  app:\n    image: example/app:1\n"
                        "    environment:\n      SECRET_KEY: ${SECRET_KEY}\n")
    repo.commit()
    result = check(repo, run)
    assert result.code == 1
    by_path = {str(path): line for path, line in result.at("SH310")}
    assert sorted(by_path) == ["compose.aliases.yaml", "docker-compose.override.yml"]
    assert len(result.at("SH310")) == 2
    for path, text in (("docker-compose.override.yml", merge_bomb),
                       ("compose.aliases.yaml", alias_bomb)):
        line = by_path[path]
        assert isinstance(line, int)
        assert 1 <= line <= len(text.splitlines())
    assert result.at("SH313") == [(COMPOSE, 5)]


def test_recursive_alias_is_sh310(repo: Repo, run: Runner) -> None:
    text = "services:\n  app: &x\n    image: example/app:1\n    labels: [*x]\n"
    repo.write(COMPOSE, text)
    repo.commit()
    result = check(repo, run, "SH310")
    [(path, line)] = result.at("SH310")
    assert path == COMPOSE
    assert line in (2, 3, 4)


def test_sh310_names_the_line_of_a_section_that_is_not_a_mapping(repo: Repo,
                                                                 run: Runner) -> None:
    repo.write(COMPOSE, "name: demo\nservices:\n  - app\n")
    repo.write("compose.other.yaml", "name: demo\nservices:\n  app:\n    image: x\n"
                                     "secrets:\n  - token\n")
    repo.commit()
    result = check(repo, run, "SH310")
    found = dict(result.at("SH310"))
    assert set(found) == {COMPOSE, "compose.other.yaml"}
    assert found[COMPOSE] in (2, 3)  # `services:` or its value, not line 1
    assert found["compose.other.yaml"] in (5, 6)


def test_unparseable_compose_text_is_still_scanned_for_values(repo: Repo, run: Runner) -> None:
    repo.manifest()
    repo.write(".gitignore", GITIGNORE)
    repo.write(COMPOSE, "services:\n  app:\n    environment:\n"
                        f"      SECRET_KEY: {token()}\n\t  broken: [\n")
    repo.commit()
    result = check(repo, run, "SH1,SH310")
    assert result.at("SH310") == [(COMPOSE, 5)]
    assert result.at("SH101") == [(COMPOSE, 4)]


def test_compose_files_are_found_by_name_anywhere_and_through_the_manifest(
        repo: Repo, run: Runner) -> None:
    unguarded = "services:\n  app:\n    image: example/app:1\n" \
                "    environment:\n      SECRET_KEY: ${SECRET_KEY}\n"
    found = ["compose.yaml", "compose.dev.yml", "docker-compose.yaml",
             "deploy/docker-compose.prod.yml", "sub/dir/compose.override.yaml",
             "ops/stack.yml"]
    ignored = ["stack.yml", "mycompose.yml", "docker-compose.yml.bak", "compose.json"]
    repo.manifest(textwrap.dedent("""\
        version: 1
        secrets:
          SECRET_KEY:
            required_in: [production]
        policy:
          production_compose: [ops/stack.yml]
        """))
    for path in found + ignored:
        repo.write(path, unguarded)
    repo.commit()
    result = check(repo, run)
    assert sorted(str(path) for path, _ in result.at("SH313")) == sorted(found)
    assert result.at("SH307") == [("ops/stack.yml", 5)]


def test_every_compose_mistake_has_a_case_and_a_corrected_twin() -> None:
    by_name = {case.name: case for case in CASES}
    assert sorted(MISTAKES, key=lambda m: int(m[1:])) == [f"M{n}" for n in range(1, 22)
                                                          if n != 7]
    for mistake, (fires, quiet) in MISTAKES.items():
        fired, twin = by_name[fires], by_name[quiet]
        assert fired.rule == twin.rule, mistake
        assert marked({p: textwrap.dedent(t) for p, t in fired.files.items() if t}), mistake
        assert not marked({p: textwrap.dedent(t) for p, t in twin.files.items() if t}), mistake
