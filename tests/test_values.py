"""SH101 (literal value assigned to a manifest secret) and SH103 (literal fallback for a secret).

Table-driven: each row is one file type or form. Every secret is made at run time: the rows
carry the sentinel `<V>` (a placeholder, so this file stays clean under secret-hygiene), which is
replaced by a fresh random value before the file is written; `<B64V>` is that value in base64
(Kubernetes `Secret` data). Each positive row has twins that must NOT be reported: reading the
secret through code or interpolation, references, placeholders, paths and empty values.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest

from secret_hygiene.manifest import load_manifest
from secret_hygiene.rules import values
from secret_hygiene.sources import SourceFile

from conftest import SHARED, Repo, Result, Runner, token

Expected = list[tuple[str, int]]


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def fill(template: str, value: str) -> str:
    return template.replace("<B64V>", b64(value)).replace("<V>", value)


def scan(repo: Repo, run: Runner, files: dict[str, str], *planted: str,
         fmt: str = "json") -> Result:
    """Write the manifest and ``files``, run the content rules, and check no planted value leaks
    into the output."""
    repo.manifest()
    for name, text in files.items():
        repo.write(name, text)
    result = run(repo.path, "check", "--format", fmt, "--select", "SH1")
    assert result.code in (0, 1), result.stderr
    for value in planted:
        assert value not in result.stdout
        assert value not in result.stderr
    return result


def content_findings(result: Result, path: str) -> list[dict[str, Any]]:
    return [f for f in result.findings if f["path"] == path]


def rule_lines(result: Result, path: str) -> Expected:
    return sorted((f["rule"], f["line"]) for f in content_findings(result, path))


def check_located(result: Result, path: str, text: str, value: str) -> None:
    """Every finding carries the planted value's hash and length and points at its column."""
    lines = text.splitlines()
    for finding in content_findings(result, path):
        assert finding["secret"] is not None
        assert finding["secret"]["sha256"] == sha256(value)
        assert finding["secret"]["length"] == len(value)
        line = lines[finding["line"] - 1]
        written = b64(value) if b64(value) in line else value
        assert finding["column"] == line.index(written) + 1, (finding, line)


# --- SH101: literal values, one row per file type / form ---------------------------------------

LITERALS: list[tuple[str, str, Expected]] = [
    # code
    ("app.py", 'SECRET_KEY = "<V>"\n', [("SH101", 1)]),
    ("single.py", "SECRET_KEY = '<V>'\n", [("SH101", 1)]),
    ("annotated.py", 'SECRET_KEY: str = "<V>"\n', [("SH101", 1)]),
    ("dict.py", 'CONFIG = {"SECRET_KEY": "<V>"}\n', [("SH101", 1)]),
    ("item.py", 'app.config["SECRET_KEY"] = "<V>"\n', [("SH101", 1)]),
    ("kwargs.py", 'app.config.update(SECRET_KEY="<V>")\n', [("SH101", 1)]),
    ("plain_fstring.py", 'SECRET_KEY = f"<V>"\n', [("SH101", 1)]),
    ("auth.py", 'AUTH0_CLIENT_SECRET = "<V>"\n', [("SH101", 1)]),
    ("config.js", 'export const SECRET_KEY = "<V>";\n', [("SH101", 1)]),
    ("config.go", 'const DB_PASSWORD = "<V>"\n', [("SH101", 1)]),
    ("config.rb", 'SECRET_KEY = "<V>"\n', [("SH101", 1)]),
    # .env and shell
    (".env", "DB_PASSWORD=<V>\n", [("SH101", 1)]),
    (".env.production", "# prod\nSECRET_KEY=<V>\n", [("SH101", 2)]),
    ("deploy.sh", "export DB_PASSWORD=<V>\n", [("SH101", 1)]),
    ("quoted.sh", "DB_PASSWORD='<V>'\n", [("SH101", 1)]),
    (".envrc", "export SECRET_KEY=<V>\n", [("SH101", 1)]),
    # config formats
    ("settings.ini", "[db]\ndb_password = <V>\n", [("SH101", 2)]),
    ("colon.ini", "[app]\nSECRET_KEY: <V>\n", [("SH101", 2)]),
    ("db.properties", "db.password=<V>\n", [("SH101", 1)]),
    ("config.toml", '[app]\nSECRET_KEY = "<V>"\n', [("SH101", 2)]),
    ("flat.json", '{"DB_PASSWORD": "<V>"}\n', [("SH101", 1)]),
    ("nested.json", '{\n  "database": {\n    "DB_PASSWORD": "<V>"\n  }\n}\n', [("SH101", 3)]),
    ("config.yaml", "app:\n  SECRET_KEY: <V>\n", [("SH101", 2)]),
    ("lower.yaml", 'app:\n  secret_key: "<V>"\n', [("SH101", 2)]),
    ("Makefile", "DB_PASSWORD := <V>\n", [("SH101", 1)]),
    ("Dockerfile", "FROM python:3.12\nENV SECRET_KEY=<V>\n", [("SH101", 2)]),
    ("build/Dockerfile", "FROM python:3.12\nENV SECRET_KEY <V>\n", [("SH101", 2)]),
    ("arg.dockerfile", "FROM python:3.12\nARG DB_PASSWORD=<V>\n", [("SH101", 2)]),
    # compose-style YAML lists, CI files, prose
    ("compose.yaml", "services:\n  app:\n    image: app\n    environment:\n"
                     "      - DB_PASSWORD=<V>\n", [("SH101", 5)]),
    (".github/workflows/ci.yml", "jobs:\n  test:\n    env:\n      DB_PASSWORD: <V>\n",
     [("SH101", 4)]),
    (".gitlab-ci.yml", 'variables:\n  DB_PASSWORD: "<V>"\n', [("SH101", 2)]),
    (".gitlab-ci.yml", "test:\n  script:\n    - export DB_PASSWORD=<V>\n", [("SH101", 3)]),
    ("README.md", "```\nSECRET_KEY=<V>\n```\n", [("SH101", 2)]),
    # Kubernetes Secret: data is base64-decoded, stringData is plain
    ("k8s/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ndata:\n"
                        "  DB_PASSWORD: <B64V>\n", [("SH101", 6)]),
    ("k8s/dashed.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ndata:\n"
                        "  db-password: <B64V>\n", [("SH101", 6)]),
    ("k8s/string.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\nstringData:\n"
                        "  DB_PASSWORD: <V>\n", [("SH101", 6)]),
    ("k8s/multi.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n"
                       "  LOG_LEVEL: info\n---\napiVersion: v1\nkind: Secret\nmetadata:\n"
                       "  name: app\ndata:\n  SECRET_KEY: <B64V>\n", [("SH101", 13)]),
]


@pytest.mark.parametrize(("filename", "template", "expected"), LITERALS,
                         ids=[f"{row[0]}:{i}" for i, row in enumerate(LITERALS)])
def test_literal_value_of_a_manifest_secret_is_sh101(repo: Repo, run: Runner, filename: str,
                                                     template: str, expected: Expected) -> None:
    value = token(24)
    text = fill(template, value)
    result = scan(repo, run, {filename: text}, value, b64(value))
    assert rule_lines(result, filename) == expected
    assert result.code == 1
    check_located(result, filename, text, value)
    finding = content_findings(result, filename)[0]
    assert finding["severity"] == "error"
    assert finding["secret"]["redacted"] == value[:2] + "…"


# --- SH103: literal fallbacks ------------------------------------------------------------------

FALLBACKS: list[tuple[str, str, Expected]] = [
    ("getenv.py", 'DB_PASSWORD = os.getenv("DB_PASSWORD", "<V>")\n', [("SH103", 1)]),
    ("environ_get.py", 'key = os.environ.get("SECRET_KEY", "<V>")\n', [("SH103", 1)]),
    ("or.py", 'key = os.getenv("SECRET_KEY") or "<V>"\n', [("SH103", 1)]),
    ("setdefault.py", 'os.environ.setdefault("DB_PASSWORD", "<V>")\n', [("SH103", 1)]),
    ("config.js", 'const key = process.env.SECRET_KEY || "<V>";\n', [("SH103", 1)]),
    ("nullish.ts", 'const pw = process.env.DB_PASSWORD ?? "<V>";\n', [("SH103", 1)]),
    ("settings.rb", 'DB_PASSWORD = ENV.fetch("DB_PASSWORD", "<V>")\n', [("SH103", 1)]),
    (".env", "DB_PASSWORD=${DB_PASSWORD:-<V>}\n", [("SH103", 1)]),
    (".env.local", "SECRET_KEY=${SECRET_KEY-<V>}\n", [("SH103", 1)]),
    ("entry.sh", 'export DB_PASSWORD="${DB_PASSWORD:-<V>}"\n', [("SH103", 1)]),
    ("assign.sh", ': "${SECRET_KEY:=<V>}"\n', [("SH103", 1)]),
    ("Dockerfile", "FROM python:3.12\nENV DB_PASSWORD=${DB_PASSWORD:-<V>}\n", [("SH103", 2)]),
    ("compose.yaml", "services:\n  app:\n    image: app\n    environment:\n"
                     "      DB_PASSWORD: ${DB_PASSWORD-<V>}\n", [("SH103", 5)]),
    ("compose.list.yaml", "services:\n  app:\n    image: app\n    environment:\n"
                          "      - SECRET_KEY=${SECRET_KEY:-<V>}\n", [("SH103", 5)]),
    # a secret-like variable outside the manifest
    (".env.ci", "API_TOKEN=${API_TOKEN:-<V>}\n", [("SH103", 1)]),
    # the manifest secret is the key; the variable read is another one
    ("config.yaml", "app:\n  DB_PASSWORD: ${PG_PASS:-<V>}\n", [("SH103", 2)]),
    (".env.keyed", "DB_PASSWORD=${PG_PASS:-<V>}\n", [("SH103", 1)]),
    ("keyed.sh", 'export DB_PASSWORD="${PG_PASS:-<V>}"\n', [("SH103", 1)]),
]


@pytest.mark.parametrize(("filename", "template", "expected"), FALLBACKS,
                         ids=[row[0] for row in FALLBACKS])
def test_literal_fallback_is_sh103(repo: Repo, run: Runner, filename: str, template: str,
                                   expected: Expected) -> None:
    value = token(24)
    text = fill(template, value)
    result = scan(repo, run, {filename: text}, value)
    assert rule_lines(result, filename) == expected
    check_located(result, filename, text, value)
    assert content_findings(result, filename)[0]["severity"] == "warning"


# --- twins that are not literals ---------------------------------------------------------------

NOT_LITERALS: list[tuple[str, str]] = [
    # reading the secret through code
    ("environ.py", 'SECRET_KEY = os.environ["SECRET_KEY"]\n'),
    ("getenv.py", 'DB_PASSWORD = os.getenv("DB_PASSWORD")\n'),
    ("environ_get.py", 'SECRET_KEY = os.environ.get("SECRET_KEY")\n'),
    ("attribute.py", "SECRET_KEY = settings.SECRET_KEY\n"),
    ("call.py", 'DB_PASSWORD = read_secret("DB_PASSWORD")\n'),
    ("fstring.py", 'SECRET_KEY = f"{prefix}{suffix}"\n'),
    ("template.js", "const SECRET_KEY = `${prefix}-key`;\nconst k = process.env.SECRET_KEY;\n"),
    ("empty_default.py", 'DB_PASSWORD = os.getenv("DB_PASSWORD", "")\n'),
    ("none_default.py", 'DB_PASSWORD = os.getenv("DB_PASSWORD", None)\n'),
    ("other_default.py", 'level = os.getenv("LOG_LEVEL", "debug")\n'),
    # placeholders and references in code
    ("change_me.py", 'DB_PASSWORD = "change-me"\n'),
    ("changeme.py", 'DB_PASSWORD = "changeme"\n'),
    ("your.py", 'DB_PASSWORD = "your-db-password"\n'),
    ("angle.py", 'DB_PASSWORD = "<db password>"\n'),
    ("xxx.py", 'DB_PASSWORD = "xxx"\n'),
    ("stars.py", 'DB_PASSWORD = "***"\n'),
    ("empty.py", 'DB_PASSWORD = ""\n'),
    ("braced.py", 'SECRET_KEY = "${SECRET_KEY}"\n'),
    ("vault.py", 'DB_PASSWORD = "vault:secret/data/db#password"\n'),
    ("file_var.py", 'DB_PASSWORD_FILE = "/run/secrets/db_password"\n'),
    ("placeholder_default.py", 'key = os.environ.get("SECRET_KEY", "your-secret-key")\n'),
    # .env
    (".env", "DB_PASSWORD=\n"),
    (".env.ref", "SECRET_KEY=${SECRET_KEY}\nDB_PASSWORD=$DB_PASSWORD\n"),
    (".env.file", "SECRET_KEY_FILE=/run/secrets/secret_key\nDB_PASSWORD_FILE=secrets/db.txt\n"),
    (".env.placeholder", "DB_PASSWORD=change-me\nSECRET_KEY=<secret key>\n"
                         "AUTH0_CLIENT_SECRET=***\n"),
    (".env.stores", "DB_PASSWORD=vault:secret/data/yosai#DB_PASSWORD\n"
                    "SECRET_KEY=aws-secrets:prod/yosai/SECRET_KEY\n"),
    (".env.mount", "DB_PASSWORD=/run/secrets/db_password\n"),
    (".env.guarded", "DB_PASSWORD=${DB_PASSWORD:?required}\nSECRET_KEY=${SECRET_KEY:-}\n"
                     "DB_PASSWORD=${DB_PASSWORD:-change-me}\nDB_PASSWORD=${DB_PASSWORD:-${PG}}\n"),
    # shell
    ("cat.sh", "DB_PASSWORD=$(cat /run/secrets/db_password)\n"),
    ("cat_quoted.sh",
     'export DB_PASSWORD="$(cat /run/secrets/db_password)"\n'),  # pragma: allowlist secret
    ("backticks.sh",
     "DB_PASSWORD=`cat /run/secrets/db_password`\n"),  # pragma: allowlist secret
    ("guard.sh", 'export SECRET_KEY="${SECRET_KEY:?SECRET_KEY is required}"\n'),
    # YAML
    ("config.yaml", "app:\n  SECRET_KEY: ${SECRET_KEY}\n  DB_PASSWORD_FILE: /run/secrets/db\n"
                    "  DB_PASSWORD: ''\n  AUTH0_CLIENT_SECRET: ~\n"),
    ("helm.yaml", 'secretKey: "{{ .Values.secretKey }}"\nSECRET_KEY: "{{ .Values.key }}"\n'),
    ("store.yaml", "DB_PASSWORD: vault:secret/data/db#password\nSECRET_KEY: /run/secrets/key\n"),
    ("compose.yaml", "services:\n  app:\n    image: app\n    environment:\n"
                     "      - SECRET_KEY_FILE=/run/secrets/secret_key\n"
                     "      - DB_PASSWORD=${DB_PASSWORD}\n"),
    ("workflow.yml", "jobs:\n  t:\n    env:\n      SECRET_KEY: ${{ secrets.SECRET_KEY }}\n"),
    # JSON, TOML, INI, Dockerfile
    ("config.json", '{"DB_PASSWORD": "", "SECRET_KEY": "${SECRET_KEY}", '
                    '"DB_PASSWORD_FILE": "/run/secrets/db_password"}\n'),
    ("config.toml", 'DB_PASSWORD = ""\nSECRET_KEY = "your-secret-key"\n'),
    ("app.ini", "[app]\nsecret_key = <set me>\ndb_password = %(DB_PASS)s\n"),
    ("Dockerfile", "FROM python:3.12\nARG DB_PASSWORD\nENV SECRET_KEY=${SECRET_KEY}\n"
                   "ENV DB_PASSWORD_FILE=/run/secrets/db_password\n"),
    # Kubernetes: placeholder after decoding, empty data
    ("k8s/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ndata:\n"
                        f"  SECRET_KEY: {b64('change-me')}\n  DB_PASSWORD: ''\n"),
]


@pytest.mark.parametrize(("filename", "text"), NOT_LITERALS,
                         ids=[f"{row[0]}:{i}" for i, row in enumerate(NOT_LITERALS)])
def test_references_placeholders_and_paths_are_not_literals(repo: Repo, run: Runner,
                                                            filename: str, text: str) -> None:
    result = scan(repo, run, {filename: text})
    assert content_findings(result, filename) == []


def test_a_twin_with_a_real_value_is_reported_where_the_placeholder_is_not(
        repo: Repo, run: Runner) -> None:
    value = token(24)
    result = scan(repo, run, {".env": "DB_PASSWORD=change-me\n",
                              ".env.production": f"DB_PASSWORD={value}\n"}, value)
    assert result.at("SH101") == [(".env.production", 1)]


# --- most specific wins; one finding per occurrence --------------------------------------------

def test_sh103_wins_over_sh101_and_sh102_on_one_value(repo: Repo, run: Runner) -> None:
    value = token(48)  # high entropy: detect-secrets also matches it
    text = f'DB_PASSWORD = os.getenv("DB_PASSWORD", "{value}")\n'
    result = scan(repo, run, {"app.py": text}, value)
    assert rule_lines(result, "app.py") == [("SH103", 1)]


def test_sh101_wins_over_sh102_on_one_value(repo: Repo, run: Runner) -> None:
    value = token(48)
    result = scan(repo, run, {"app.py": f'DB_PASSWORD = "{value}"\n',
                              ".env": f"SECRET_KEY={value}\n"}, value)
    assert rule_lines(result, "app.py") == [("SH101", 1)]
    assert rule_lines(result, ".env") == [("SH101", 1)]


def test_the_same_value_on_two_lines_is_two_findings(repo: Repo, run: Runner) -> None:
    value = token(24)
    text = f'DB_PASSWORD = "{value}"\n\nDB_PASSWORD = "{value}"\nSECRET_KEY = "{value}"\n'
    result = scan(repo, run, {"app.py": text}, value)
    assert rule_lines(result, "app.py") == [("SH101", 1), ("SH101", 3), ("SH101", 4)]
    check_located(result, "app.py", text, value)
    fingerprints = {f["fingerprint"] for f in result.findings}
    assert len(fingerprints) == 3


def test_two_values_on_one_line_are_two_findings(repo: Repo, run: Runner) -> None:
    first, second = token(24), token(24)
    text = f'SECRET_KEY = "{first}"; DB_PASSWORD = "{second}"\n'
    result = scan(repo, run, {"app.py": text}, first, second)
    found = content_findings(result, "app.py")
    assert [(f["rule"], f["line"]) for f in found] == [("SH101", 1), ("SH101", 1)]
    assert {f["secret"]["sha256"] for f in found} == {sha256(first), sha256(second)}


# --- sensitive: false --------------------------------------------------------------------------

IDENTIFIERS: list[tuple[str, str]] = [
    ("auth.py", 'AUTH0_CLIENT_ID = "<V>"\nAUTH0_DOMAIN = "tenant.eu.auth0.com"\n'),
    (".env", "AUTH0_CLIENT_ID=<V>\nAUTH0_AUDIENCE=https://api.yosai.invalid\n"),
    ("config.yaml", "auth0:\n  AUTH0_CLIENT_ID: <V>\n  AUTH0_DOMAIN: tenant.auth0.com\n"),
    ("k8s.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: auth\ndata:\n"
                 "  AUTH0_CLIENT_ID: <B64V>\n"),
]


@pytest.mark.parametrize(("filename", "template"), IDENTIFIERS, ids=[r[0] for r in IDENTIFIERS])
def test_sensitive_false_identifiers_are_not_leaks(repo: Repo, run: Runner, filename: str,
                                                   template: str) -> None:
    value = token(48)  # would be a high-entropy SH102 finding if it were not an identifier
    result = scan(repo, run, {filename: fill(template, value)}, value)
    assert content_findings(result, filename) == []


def test_the_same_identifier_is_reported_once_the_manifest_marks_it_sensitive(
        repo: Repo, run: Runner) -> None:
    value = token(24)
    repo.manifest()
    manifest = (repo.path / "secret-manifest.yaml").read_text()
    marked = "AUTH0_CLIENT_ID: {description: Auth0 application identifier, sensitive: false}"
    assert marked in manifest
    repo.manifest(manifest.replace(marked, "AUTH0_CLIENT_ID: {description: now a secret}"))
    repo.write("auth.py", f'AUTH0_CLIENT_ID = "{value}"\n')
    result = run(repo.path, "check", "--format", "json", "--select", "SH1")
    assert value not in result.stdout
    assert result.at("SH101") == [("auth.py", 1)]


def test_library_marks_identifiers_without_a_rule() -> None:
    manifest = load_manifest(SHARED / "cases" / "_common" / "secret-manifest.yaml")
    ident, secret = token(24), token(24)
    source = SourceFile.from_text(
        "auth.py", f'AUTH0_CLIENT_ID = "{ident}"\nAUTH0_CLIENT_SECRET = "{secret}"\n')
    hits = {hit.name: hit for hit in values.scan_lines(source, manifest)}
    assert hits["AUTH0_CLIENT_ID"].rule == ""
    assert hits["AUTH0_CLIENT_ID"].value == ident
    assert hits["AUTH0_CLIENT_SECRET"].rule == "SH101"
    assert hits["AUTH0_CLIENT_SECRET"].value == secret
    assert (hits["AUTH0_CLIENT_SECRET"].line, hits["AUTH0_CLIENT_SECRET"].column) == (2, 24)
    assert hits["AUTH0_CLIENT_SECRET"].end_column == 24 + len(secret)


# --- Kubernetes --------------------------------------------------------------------------------

def test_kubernetes_secret_data_is_decoded_before_hashing(repo: Repo, run: Runner) -> None:
    value = token(24)
    text = ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ntype: Opaque\ndata:\n"
            f"  SECRET_KEY: {b64(value)}\n  LOG_LEVEL: {b64('debug')}\n")
    result = scan(repo, run, {"secret.yaml": text}, value, b64(value))
    found = content_findings(result, "secret.yaml")
    assert [(f["rule"], f["line"], f["column"]) for f in found] == [("SH101", 7, 15)]
    assert found[0]["secret"]["sha256"] == sha256(value)
    assert found[0]["secret"]["sha256"] != sha256(b64(value))
    assert found[0]["secret"]["length"] == len(value)


def test_every_document_of_a_multi_document_kubernetes_file_is_read(repo: Repo,
                                                                   run: Runner) -> None:
    first, second = token(24), token(24)
    text = ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: one\ndata:\n"
            f"  SECRET_KEY: {b64(first)}\n---\n"
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: two\ndata:\n"
            f"  DB_PASSWORD: {b64(second)}\n")
    result = scan(repo, run, {"secrets.yaml": text}, first, second)
    found = content_findings(result, "secrets.yaml")
    assert [(f["rule"], f["line"]) for f in found] == [("SH101", 6), ("SH101", 13)]
    assert [f["secret"]["sha256"] for f in found] == [sha256(first), sha256(second)]


def test_configmap_data_is_not_base64_decoded(repo: Repo, run: Runner) -> None:
    value = token(24)
    text = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n"
            f"  SECRET_KEY: {value}\n")
    result = scan(repo, run, {"configmap.yaml": text}, value)
    found = content_findings(result, "configmap.yaml")
    assert [(f["rule"], f["line"]) for f in found] == [("SH101", 6)]
    assert found[0]["secret"]["sha256"] == sha256(value)


# --- template files ----------------------------------------------------------------------------

TEMPLATES: list[tuple[str, str, str]] = [
    (".env.example", ".env", "SECRET_KEY=<V>\nDB_PASSWORD=${DB_PASSWORD:-<V>}\n"),
    (".env.sample", ".env.local", "DB_PASSWORD=<V>\n"),
    ("config.yaml.template", "config.yaml", "app:\n  SECRET_KEY: <V>\n"),
    ("config.sample.yaml", "config.prod.yaml", "app:\n  DB_PASSWORD: <V>\n"),
    ("settings.ini.dist", "settings.ini", "[app]\nsecret_key = <V>\n"),
    ("settings.py.example", "settings.py", 'SECRET_KEY = "<V>"\n'),
]


@pytest.mark.parametrize(("template_name", "real_name", "template"), TEMPLATES,
                         ids=[r[0] for r in TEMPLATES])
def test_template_files_do_not_report_literal_values(repo: Repo, run: Runner,
                                                     template_name: str, real_name: str,
                                                     template: str) -> None:
    value = token(24)
    text = fill(template, value)
    result = scan(repo, run, {template_name: text, real_name: text}, value)
    assert content_findings(result, template_name) == []
    assert content_findings(result, real_name), "the same text outside a template is reported"


# --- inline suppressions -----------------------------------------------------------------------

SUPPRESSIONS: list[tuple[str, str, Expected]] = [
    ("pragma.py", 'SECRET_KEY = "<V>"  # pragma: allowlist secret\n', []),
    ("ours.py", 'SECRET_KEY = "<V>"  # secret-hygiene: ignore[SH101]\n', []),
    ("list.py", 'SECRET_KEY = "<V>"  # secret-hygiene: ignore[SH102,SH101]\n', []),
    ("bare.py", 'SECRET_KEY = "<V>"  # secret-hygiene: ignore\n', []),
    ("other_rule.py", 'SECRET_KEY = "<V>"  # secret-hygiene: ignore[SH103]\n', [("SH101", 1)]),
    ("fallback.py", 'pw = os.getenv("DB_PASSWORD", "<V>")  # secret-hygiene: ignore[SH103]\n', []),
    ("fallback_other.py", 'pw = os.getenv("DB_PASSWORD", "<V>")  # secret-hygiene: ignore[SH101]\n',
     [("SH103", 1)]),
    ("nextline.py", '# pragma: allowlist nextline secret\nSECRET_KEY = "<V>"\n', []),
    ("above.py", '# pragma: allowlist secret\nSECRET_KEY = "<V>"\n', [("SH101", 2)]),
    ("one_line.py", 'SECRET_KEY = "<V>"  # pragma: allowlist secret\nDB_PASSWORD = "<V>"\n',
     [("SH101", 2)]),
    (".env", "DB_PASSWORD=<V> # pragma: allowlist secret\nSECRET_KEY=<V>\n", [("SH101", 2)]),
    ("config.yaml", "app:\n  SECRET_KEY: <V>  # pragma: allowlist secret\n  DB_PASSWORD: <V>\n",
     [("SH101", 3)]),
    ("app.ini", "[app]\ndb_password = <V> ; pragma: allowlist secret\nsecret_key = <V>\n",
     [("SH101", 3)]),
]


@pytest.mark.parametrize(("filename", "template", "expected"), SUPPRESSIONS,
                         ids=[r[0] for r in SUPPRESSIONS])
def test_inline_comments_silence_one_line(repo: Repo, run: Runner, filename: str,
                                          template: str, expected: Expected) -> None:
    value = token(24)
    result = scan(repo, run, {filename: fill(template, value)}, value)
    assert rule_lines(result, filename) == expected


# --- output never carries the value ------------------------------------------------------------

def test_the_json_secret_field_is_redacted_length_and_hash(repo: Repo, run: Runner) -> None:
    value = token(30)
    result = scan(repo, run, {".env": f"SECRET_KEY={value}\n"}, value)
    (finding,) = content_findings(result, ".env")
    assert finding["secret"] == {"redacted": value[:2] + "…", "length": 30,
                                 "sha256": sha256(value)}
    assert value[:3] not in finding["message"] + finding["hint"]
    assert "SECRET_KEY" in finding["message"]
    assert (finding["line"], finding["column"]) == (1, 12)


def test_text_output_does_not_carry_the_value(repo: Repo, run: Runner) -> None:
    value = token(30)
    result = scan(repo, run, {"app.py": f'SECRET_KEY = "{value}"\n'}, value, fmt="text")
    assert result.code == 1
    assert "app.py:1:15: SH101" in result.stdout


def test_without_a_manifest_generic_detection_still_runs(repo: Repo, run: Runner) -> None:
    value = token(24)
    repo.write("app.py", f'SECRET_KEY = "{value}"\n')
    result = run(repo.path, "check", "--format", "json", "--select", "SH1")
    assert value not in result.stdout
    assert result.at("SH101") == []  # no manifest, no manifest secrets
    assert result.at("SH102") == [("app.py", 1)]
    assert result.findings[0]["secret"]["sha256"] == sha256(value)
