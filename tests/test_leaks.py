"""SH102: secrets found by detect-secrets' plugins and by our connection-string/URL detection.

Table-driven. Every secret is made at run time: rows carry sentinels (`<AWS>`, `<GH>`, `<PEM>`,
`<V>`, `<B64>`, `<HEX>`, `<B64AWS>`), which are placeholders (`<...>`) so this file stays clean
under secret-hygiene, and are replaced by fresh values before a file is written.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import re
from typing import Any

import pytest

from secret_hygiene.rules import leaks

from conftest import Repo, Result, Runner, aws_key_id, github_token, private_key_pem, token

# A scan must never see the same key twice, but RSA generation is slow: one pair per session.
_PEMS: list[str] = []


def pem_block(index: int = 0) -> str:
    while len(_PEMS) <= index:
        _PEMS.append(private_key_pem().strip())
    return _PEMS[index]


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def high_entropy_token(length: int) -> str:
    """A random value detect-secrets' base64 detector always reports: above its 4.5 bits per
    character by a margin, and not starting like an Artifactory token (`AKC`, `AP0`..)."""
    while True:
        value = "b" + token(length - 1)
        if _entropy(value) > 4.6:
            return value


def _entropy(value: str) -> float:
    return -sum(value.count(c) / len(value) * math.log2(value.count(c) / len(value))
                for c in set(value))


def make_values() -> dict[str, str]:
    aws = aws_key_id()
    return {
        "AWS": aws,
        "B64AWS": b64(aws),
        "GH": github_token(),
        "GH2": github_token(),
        "PEM": pem_block(),
        # a lower-case first letter: a random value starting `AKC`/`AP0` is also an
        # Artifactory token, which made rows expecting another detector flaky
        "V": "v" + token(23),
        "B64": high_entropy_token(48),
        "HEX": token(40, "0123456789abcdef"),
    }


SENTINEL = re.compile(r"<(AWS|B64AWS|GH2|GH|PEM|V|B64|HEX)>")


def fill(template: str, values: dict[str, str]) -> str:
    return SENTINEL.sub(lambda m: values[m.group(1)], template)


def scan(repo: Repo, run: Runner, files: dict[str, str | bytes],
         planted: list[str] | tuple[str, ...] = ()) -> Result:
    """Write the manifest and ``files``, run the content rules, and check that no planted value
    (nor any line of a planted key) appears in the output."""
    repo.manifest()
    for name, content in files.items():
        if isinstance(content, bytes):
            target = repo.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        else:
            repo.write(name, content)
    result = run(repo.path, "check", "--format", "json", "--select", "SH1")
    assert result.code in (0, 1), result.stderr
    for value in planted:
        for piece in [value, *value.splitlines()[1:-1]]:
            assert piece not in result.stdout
            assert piece not in result.stderr
    return result


def findings_in(result: Result, path: str) -> list[dict[str, Any]]:
    return [f for f in result.findings if f["path"] == path]


def shown_on(line: str, value: str) -> int:
    """0-based column where ``value`` (or its base64 form, or a key's first line) is written."""
    for form in (value, b64(value), value.splitlines()[0]):
        if form in line:
            return line.index(form)
    raise AssertionError(f"value not written on line {line!r}")


# --- one row per detector and file form --------------------------------------------------------

Expected = list[tuple[int, str, str]]  # (line, detect-secrets type, sentinel whose value it is)
AWS, GH, PK, KW = "AWS Access Key", "GitHub Token", "Private Key", "Secret Keyword"
B64, HEX = "Base64 High Entropy String", "Hex High Entropy String"
URL, CONN = "Basic Auth Credentials", "Connection String Password"

LEAKS: list[tuple[str, str, Expected]] = [
    ("config.py", 'aws_access_key_id = "<AWS>"\n', [(1, AWS, "AWS")]),
    ("settings.yaml", "aws:\n  access_key_id: <AWS>\n", [(2, AWS, "AWS")]),
    (".env", "AWS_ACCESS_KEY_ID=<AWS>\n", [(1, AWS, "AWS")]),
    ("main.tf", 'provider "aws" {\n  access_key = "<AWS>"\n}\n', [(2, AWS, "AWS")]),
    ("deploy.sh", "export GITHUB_TOKEN=<GH>\n", [(1, GH, "GH")]),
    ("ci.json", '{"token": "<GH>"}\n', [(1, GH, "GH")]),
    ("id_rsa", "<PEM>\n", [(1, PK, "PEM")]),
    ("keys.py", 'KEY = """<PEM>\n"""\n', [(1, PK, "PEM")]),
    ("app.py", 'api_password = "<V>"\n', [(1, KW, "V")]),
    ("config.yaml", "database:\n  password: <V>\n", [(2, KW, "V")]),
    ("settings.ini", "[db]\npassword = <V>\n", [(2, KW, "V")]),
    ("api.json", '{"api_key": "<V>"}\n', [(1, KW, "V")]),
    (".env.ci", "API_PASSWORD=<V>\n", [(1, KW, "V")]),
    ("blob.py", 'blob = "<B64>"\n', [(1, B64, "B64")]),
    ("blob.yaml", "blob: <B64>\n", [(1, B64, "B64")]),
    ("digest.py", 'digest = "<HEX>"\n', [(1, HEX, "HEX")]),
    ("db.py", 'DSN = "postgres://admin:<V>@db.internal:5432/app"\n', [(1, URL, "V")]),
    ("database.yaml", "db:\n  url: mysql://root:<V>@localhost:3306/app\n", [(2, URL, "V")]),
    ("app.cs", 'var cs = "Server=db;Database=app;User Id=sa;Password=<V>;";\n',
     [(1, CONN, "V")]),
    ("appsettings.json", '{"ConnectionStrings": {"Default": '
                         '"Server=db;Database=app;User Id=sa;Password=<V>;"}}\n', [(1, CONN, "V")]),
    ("conn.txt", "Data Source=db;Initial Catalog=app;User ID=sa;Pwd=<V>;\n", [(1, CONN, "V")]),
    ("k8s/aws.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: aws\ndata:\n"
                     "  access_key_id: <B64AWS>\n", [(6, AWS, "AWS")]),
]


@pytest.mark.parametrize(("filename", "template", "expected"), LEAKS,
                         ids=[f"{row[0]}:{i}" for i, row in enumerate(LEAKS)])
def test_leak_is_reported_as_sh102(repo: Repo, run: Runner, filename: str, template: str,
                                   expected: Expected) -> None:
    values = make_values()
    text = fill(template, values)
    result = scan(repo, run, {filename: text}, list(values.values()))
    found = findings_in(result, filename)
    assert [(f["rule"], f["line"], f.get("type")) for f in found] == \
        [("SH102", line, kind) for line, kind, _ in expected]
    assert result.code == 1
    lines = text.splitlines()
    for finding, (line, _kind, name) in zip(found, expected, strict=True):
        value = values[name]
        assert finding["severity"] == "error"
        assert finding["secret"]["sha256"] == sha256(value)
        assert finding["secret"]["length"] == len(value)
        assert finding["column"] == shown_on(lines[line - 1], value) + 1


# --- whole values, one finding per occurrence --------------------------------------------------

@pytest.mark.parametrize("template", ['tokens = ["<GH>", "<GH2>"]\n',
                                      'first = "<GH>"\nsecond = "<GH2>"\n',
                                      "<GH> <GH2>\n"],
                         ids=["one line", "two lines", "bare"])
def test_two_github_tokens_are_two_findings_with_their_own_hashes(repo: Repo, run: Runner,
                                                                  template: str) -> None:
    values = make_values()
    text = fill(template, values)
    result = scan(repo, run, {"tokens.py": text}, [values["GH"], values["GH2"]])
    found = findings_in(result, "tokens.py")
    assert [(f["rule"], f.get("type")) for f in found] == [("SH102", GH), ("SH102", GH)]
    assert [f["secret"]["sha256"] for f in found] == [sha256(values["GH"]), sha256(values["GH2"])]
    assert all(f["secret"]["length"] == 40 for f in found)
    assert sha256("ghp") not in {f["secret"]["sha256"] for f in found}
    assert len({f["fingerprint"] for f in found}) == 2


@pytest.mark.parametrize(("filename", "template", "kind"), [
    ("keys.py", 'a = "<AWS>"\nb = "<AWS>"\n', AWS),
    ("same_line.py", 'pair = "<AWS> <AWS>"\n', AWS),
    ("settings.py", 'password = "<V>"\n\nold_password = "<V>"\n', KW),
    ("urls.txt", "postgres://app:<V>@db1/app\npostgres://app:<V>@db2/app\n", URL),
])
def test_the_same_value_twice_is_two_findings(repo: Repo, run: Runner, filename: str,
                                              template: str, kind: str) -> None:
    values = make_values()
    text = fill(template, values)
    result = scan(repo, run, {filename: text}, list(values.values()))
    found = findings_in(result, filename)
    assert [(f["rule"], f.get("type")) for f in found] == [("SH102", kind), ("SH102", kind)]
    assert len({f["secret"]["sha256"] for f in found}) == 1
    positions = {(f["line"], f["column"]) for f in found}
    assert len(positions) == 2
    assert len({f["fingerprint"] for f in found}) == 2


PEM_FORMS: list[tuple[str, str, int]] = [
    ("id_ed25519", "<PEM>\n", 1),
    ("keys.py", '# deploy key\nKEY = """<PEM>\n"""\n', 2),
    (".env", 'DEPLOY_KEY="<PEM>"\n', 1),
    ("tls.yaml", "tls:\n  key: |\n<INDENTED>", 3),
]


@pytest.mark.parametrize(("filename", "template", "begin_line"), PEM_FORMS,
                         ids=[r[0] for r in PEM_FORMS])
def test_private_key_hash_covers_the_whole_pem_block(repo: Repo, run: Runner, filename: str,
                                                     template: str, begin_line: int) -> None:
    block = pem_block()
    indented = "".join(f"    {line}\n" for line in block.splitlines())
    text = fill(template.replace("<INDENTED>", indented), {"PEM": block})
    result = scan(repo, run, {filename: text}, [block])
    found = findings_in(result, filename)
    assert [(f["rule"], f.get("type")) for f in found] == [("SH102", PK)]
    header = block.splitlines()[0]
    assert found[0]["secret"]["sha256"] == sha256(block)
    assert found[0]["secret"]["sha256"] != sha256(header)
    assert found[0]["line"] == begin_line


def test_two_private_keys_in_one_file_have_different_hashes(repo: Repo, run: Runner) -> None:
    first, second = pem_block(0), pem_block(1)
    assert first != second
    result = scan(repo, run, {"keys.pem": f"{first}\n{second}\n"}, [first, second])
    found = findings_in(result, "keys.pem")
    assert [(f["line"], f.get("type")) for f in found] == \
        [(1, PK), (len(first.splitlines()) + 1, PK)]
    assert [f["secret"]["sha256"] for f in found] == [sha256(first), sha256(second)]


def test_library_returns_whole_tokens_with_columns() -> None:
    first, second = github_token(), github_token()
    line = f'pair = ("{first}", "{second}")'
    found = leaks.scan_lines("pair.py", [line])
    assert [(leak.type, leak.value) for leak in found] == [(GH, first), (GH, second)]
    assert [leak.column for leak in found] == [line.index(first) + 1, line.index(second) + 1]
    assert [leak.end_column - leak.column for leak in found] == [40, 40]


# --- placeholders and references are never reported --------------------------------------------

PLACEHOLDERS: list[tuple[str, str]] = [
    ("change_me.py", 'api_password = "change-me"\n'),
    ("changeme.py", 'password = "changeme"\n'),
    ("your.py", 'api_key = "your-api-key"\nclient_secret = "your_client_secret"\n'),
    ("angle.py", 'password = "<password>"\n'),
    ("braced.py", 'password = "${DB_PASS}"\n'),
    ("xxx.py", 'password = "xxxxxxxxxxxx"\n'),
    ("stars.py", 'password = "********"\n'),
    ("empty.py", 'password = ""\n'),
    ("example.py", 'api_key = "example-key-for-docs"\nsecret = "dummy-secret"\n'),
    ("vault.py", 'password = "vault:secret/data/db#password"\n'),
    ("mount.py", 'password = "/run/secrets/db_password"\n'),
    ("environ.py", 'password = os.environ["DB_PASS"]\napi_key = os.getenv("API_KEY")\n'),
    (".env", "API_PASSWORD=\n"
             "API_SECRET=${API_SECRET}\n"
             "API_TOKEN=$API_TOKEN\n"),
    (".env.files", "API_PASSWORD_FILE=/run/secrets/api_password\n"  # pragma: allowlist secret
                   "DB_PASSWORD_FILE=secrets/db_password.txt\n"),
    ("config.yaml", "db:\n  password: change-me\n  api_key: <api key>\n  secret: '***'\n"),
    ("urls.py", 'a = "postgres://admin:<password>@db/app"\n'
                'b = "postgres://admin:${DB_PASS}@db/app"\n'
                'c = "https://user:change-me@example.invalid/"\n'),
    ("conn.cs", 'var a = "Server=db;User Id=sa;Password=${DB_PASS};";\n'
                'var b = "Server=db;Database=app;Password=change-me;";\n'
                'var c = "Server=db;Database=app;Password=;";\n'),
]


@pytest.mark.parametrize(("filename", "text"), PLACEHOLDERS, ids=[r[0] for r in PLACEHOLDERS])
def test_placeholders_are_never_reported(repo: Repo, run: Runner, filename: str,
                                         text: str) -> None:
    result = scan(repo, run, {filename: text})
    assert findings_in(result, filename) == []


# --- template files: only known token formats --------------------------------------------------

TEMPLATE_LINES: list[tuple[str, str | None]] = [
    ("AWS_ACCESS_KEY_ID=<AWS>\n", AWS),
    ("GITHUB_TOKEN=<GH>\n", GH),
    ('DEPLOY_KEY="<PEM>"\n', PK),
    ("API_PASSWORD=<V>\n", None),
    ("DATABASE_URL=postgres://app:<V>@db/app\n", None),
    ('BLOB="<B64>"\n', None),
    ('DIGEST="<HEX>"\n', None),
    ("MSSQL=Server=db;Database=app;User Id=sa;Password=<V>;\n", None),
]


@pytest.mark.parametrize("template_name", [".env.example", "settings.sample", "env.template",
                                           "app.env.dist"])
@pytest.mark.parametrize(("template", "kind"), TEMPLATE_LINES,
                         ids=[r[1] or r[0].split("=")[0] for r in TEMPLATE_LINES])
def test_template_files_report_only_known_token_formats(repo: Repo, run: Runner,
                                                        template_name: str, template: str,
                                                        kind: str | None) -> None:
    values = make_values()
    text = fill(template, values)
    result = scan(repo, run, {template_name: text, ".env.production": text},
                  list(values.values()))
    assert findings_in(result, ".env.production"), "the same line outside a template is reported"
    found = [(f["rule"], f["line"], f.get("type")) for f in findings_in(result, template_name)]
    assert found == ([("SH102", 1, kind)] if kind else [])


# --- most specific wins ------------------------------------------------------------------------

SPECIFIC: list[tuple[str, str, str, str]] = [
    ("settings.py", 'SECRET_KEY = "<GH>"\n', "SH101", "GH"),
    (".env", "DB_PASSWORD=<B64>\n", "SH101", "B64"),
    ("app.py", 'DB_PASSWORD = "<V>"\n', "SH101", "V"),
    ("config.yaml", "app:\n  DB_PASSWORD: <AWS>\n", "SH101", "AWS"),
    ("k8s.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n"
                 "  DB_PASSWORD: <B64AWS>\n", "SH101", "AWS"),
    ("getenv.py", 'pw = os.getenv("DB_PASSWORD", "<B64>")\n', "SH103", "B64"),
]


@pytest.mark.parametrize(("filename", "template", "rule", "name"), SPECIFIC,
                         ids=[r[0] for r in SPECIFIC])
def test_only_the_most_specific_rule_reports_a_value(repo: Repo, run: Runner, filename: str,
                                                     template: str, rule: str,
                                                     name: str) -> None:
    values = make_values()
    text = fill(template, values)
    result = scan(repo, run, {filename: text}, list(values.values()))
    found = findings_in(result, filename)
    last = len(text.splitlines())
    assert [(f["rule"], f["line"]) for f in found] == [(rule, last)]
    assert found[0]["secret"]["sha256"] == sha256(values[name])


def test_another_value_on_the_line_is_still_sh102(repo: Repo, run: Runner) -> None:
    values = make_values()
    text = fill('SECRET_KEY = "<V>"; aws_key = "<AWS>"\n', values)
    result = scan(repo, run, {"app.py": text}, list(values.values()))
    found = findings_in(result, "app.py")
    assert [(f["rule"], f["secret"]["sha256"]) for f in found] == \
        [("SH101", sha256(values["V"])), ("SH102", sha256(values["AWS"]))]


# --- detect-secrets' own gaps ------------------------------------------------------------------

def test_a_keyword_is_found_in_a_file_that_also_holds_a_token(repo: Repo, run: Runner) -> None:
    values = make_values()
    alone = fill("API_PASSWORD=<V>\n", values)
    both = fill("AWS_ACCESS_KEY_ID=<AWS>\nAPI_PASSWORD=<V>\n", values)
    result = scan(repo, run, {"alone.env": alone, "both.env": both}, list(values.values()))
    assert [(f["line"], f.get("type")) for f in findings_in(result, "alone.env")] == [(1, KW)]
    assert [(f["line"], f.get("type")) for f in findings_in(result, "both.env")] == \
        [(1, AWS), (2, KW)]


def test_a_token_on_a_line_with_a_call_is_reported(repo: Repo, run: Runner) -> None:
    values = make_values()
    text = fill('s3 = boto3.client("s3", aws_access_key_id="<AWS>")\n', values)
    result = scan(repo, run, {"storage.py": text}, list(values.values()))
    found = findings_in(result, "storage.py")
    assert [(f["rule"], f["line"], f.get("type")) for f in found] == [("SH102", 1, AWS)]
    assert found[0]["secret"]["sha256"] == sha256(values["AWS"])


# --- inline suppressions -----------------------------------------------------------------------

SUPPRESSED: list[tuple[str, str, list[int]]] = [
    ("pragma.py", 'aws = "<AWS>"  # pragma: allowlist secret\n', []),
    ("pragma.yaml", "aws: <AWS>  # pragma: allowlist secret\n", []),
    ("nextline.py", '# pragma: allowlist nextline secret\naws = "<AWS>"\n', []),
    ("ours.py", 'aws = "<AWS>"  # secret-hygiene: ignore[SH102]\n', []),
    ("one_line.py", 'aws = "<AWS>"  # pragma: allowlist secret\ngh = "<GH>"\n', [2]),
    ("other_rule.py", 'aws = "<AWS>"  # secret-hygiene: ignore[SH101]\n', [1]),
]


@pytest.mark.parametrize(("filename", "template", "lines"), SUPPRESSED,
                         ids=[r[0] for r in SUPPRESSED])
def test_inline_comments_silence_sh102_on_their_line(repo: Repo, run: Runner, filename: str,
                                                     template: str, lines: list[int]) -> None:
    values = make_values()
    result = scan(repo, run, {filename: fill(template, values)}, list(values.values()))
    assert [f["line"] for f in findings_in(result, filename)] == lines


# --- files never flagged, files always scanned -------------------------------------------------

def integrity() -> str:
    return "sha512-" + base64.b64encode(os.urandom(64)).decode("ascii")


def digest() -> str:
    return hashlib.sha256(os.urandom(16)).hexdigest()


def detect_secrets_baseline() -> str:
    entries = [{"type": "Hex High Entropy String", "filename": "src/app.py",
                "hashed_secret": hashlib.sha1(token().encode()).hexdigest(),
                "is_verified": False, "line_number": n} for n in (3, 9)]
    return json.dumps({"version": "1.5.0", "plugins_used": [{"name": "AWSKeyDetector"}],
                       "filters_used": [], "results": {"src/app.py": entries},
                       "generated_at": "2025-01-01T00:00:00Z"}, indent=2) + "\n"


def lock_files() -> dict[str, str]:
    return {
        "package-lock.json": json.dumps({"packages": {"node_modules/left-pad": {
            "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz",
            "integrity": integrity()}}}, indent=2) + "\n",
        "yarn.lock": f'left-pad@^1.3.0:\n  version "1.3.0"\n  integrity {integrity()}\n',
        "pnpm-lock.yaml": f"packages:\n  /left-pad@1.3.0:\n"
                          f"    resolution: {{integrity: {integrity()}}}\n",
        "poetry.lock": f'[[package]]\nname = "six"\nfiles = [\n'
                       f'  {{file = "six.whl", hash = "sha256:{digest()}"}},\n]\n',
        "Pipfile.lock": json.dumps({"default": {"six": {"hashes": [f"sha256:{digest()}"]}}},
                                   indent=2) + "\n",
        "Cargo.lock": f'[[package]]\nname = "libc"\nchecksum = "{digest()}"\n',
        "composer.lock": json.dumps({"packages": [{"name": "a/b",
                                                   "dist": {"shasum": digest()}}]}) + "\n",
        ".secrets.baseline": detect_secrets_baseline(),
    }


@pytest.mark.parametrize("filename", sorted(lock_files()))
def test_lock_files_and_the_detect_secrets_baseline_are_never_flagged(
        repo: Repo, run: Runner, filename: str) -> None:
    result = scan(repo, run, {filename: lock_files()[filename]})
    assert findings_in(result, filename) == []
    assert result.report["complete"] is True


@pytest.mark.parametrize(("lock", "copy"), [("package-lock.json", "vendor/snapshot.json"),
                                            ("pnpm-lock.yaml", "vendor/snapshot.yaml"),
                                            (".secrets.baseline", "audit/old-baseline.json")])
def test_the_same_hashes_outside_a_lock_file_are_flagged(repo: Repo, run: Runner, lock: str,
                                                         copy: str) -> None:
    text = lock_files()[lock]
    result = scan(repo, run, {copy: text})
    assert findings_in(result, copy), "the lock-file twin shows the hashes are detectable"


def test_a_file_that_is_not_valid_utf8_is_still_scanned(repo: Repo, run: Runner) -> None:
    values = make_values()
    text = fill('# caf\xe9 cr\xe8me\naws_key = "<AWS>"\napi_password = "<V>"  # \xff\n', values)
    result = scan(repo, run, {"legacy.py": text.encode("latin-1")}, list(values.values()))
    found = findings_in(result, "legacy.py")
    assert [(f["rule"], f["line"], f.get("type")) for f in found] == \
        [("SH102", 2, AWS), ("SH102", 3, KW)]
    assert [f["secret"]["sha256"] for f in found] == [sha256(values["AWS"]), sha256(values["V"])]
    assert result.code == 1

