"""Text-level judgements: placeholders (text/placeholders.py), secret-like names (text/names.py)
and the Compose interpolation grammar (text/interpolation.py)."""

from __future__ import annotations

import pytest

from secret_hygiene.text import interpolation, names, placeholders
from secret_hygiene.text.interpolation import Invalid, Literal, Reference

from conftest import token

# --- placeholders ------------------------------------------------------------------------------

PLACEHOLDER_VALUES = [
    "", "   ", '""', "''",
    "${DB_PASSWORD}", "vault:secret/data/db#password", "aws-secrets:prod/yosai/DB_PASSWORD",
    "<your password>", "<db-password>",
    "change-me", "changeme", "CHANGE-ME", "'change-me'",
    "your-token", "your_token", "your-api-key-here",
    "replace-with-a-real-key", "xxx", "XXXXXXXX", "***", "**********", "XXX-1234", "xxx123",
    "setme", "SET-ME", "fillme_later",
    # any case, and whatever a person writes after the prefix (a breaker's list)
    "Your-Token", "Your_Api_Key", "ChangeIt", "Changeit", "SetMe", "Set-Me", "FillMe",
    "ReplaceMe", "Replace-With-Your-Key", "Insert-Key-Here", "Put-Your-Key-Here",
    "Enter-Your-Password", "Xxxx-xxxx", "XXXXXXXX1234", "xxxxxxxxxxxx1234", "XXXX1234XXXX",
    "xxx123abc", "setmeplease", "changeitnow", "replacemenow", "fillmelater", "changeit!",
    "setme!", "xxx+yyy", "FillMeLaterPlease",
    # a second breaker's list: template words, "...here", masked credentials
    "set_me", "Set_Me", "Fill_Me_In", "put_your_key_here", "PutYourKeyHere",
    "EnterYourPassword", "InsertYourKeyHere", "insert.your.key", "YourKeyHere",
    "YOURAPIKEYHERE", "YourTokenGoesHere", "Replace.Me", "change.it", "ChangeThis",
    "CHANGE_THIS_IN_PRODUCTION", "ReplaceWithYourKey", "API_KEY_HERE", "not-a-real-key",
    "fake-api-key", "TO_BE_REPLACED", "FILL_IN", "AKIA" + "X" * 16, "ghp_" + "x" * 36,
    "sk-" + "x" * 16,
    "example", "my-example-key", "dummy", "dummy-value",
    "/run/secrets/db_password", "/var/run/secrets/app/token", "file:secrets/db_password.txt",
    "{{ .Values.password }}", "${{ secrets.DB_PASSWORD }}",
]


@pytest.mark.parametrize("value", PLACEHOLDER_VALUES)
def test_placeholders_are_recognised_in_every_file_kind(value: str) -> None:
    assert placeholders.is_placeholder(value)
    assert placeholders.is_placeholder(value, interpolates=False)


@pytest.mark.parametrize("value", ["XXXOBRhxoJR0mB", "xXXVInODzTDN6W", "SEtmEGos7wG5AX",
                                   "setmeQ7vT2kLp9", "YourS3cr3tKeyz", "xxxk3j9f8h2l4m5nq7",
                                   "setmeq8fk2jd9s0a", "changeitK8fLq2Zx8Pw4-a"])
def test_random_values_that_begin_like_a_placeholder_are_not_placeholders(value: str) -> None:
    # Found by a flaky test: one random 14-character value in 10,000 began with "XXX".
    assert not placeholders.is_placeholder(value)
    assert not placeholders.is_placeholder(value, interpolates=False)


def test_random_values_are_not_placeholders() -> None:
    for _ in range(50):
        value = token(20)
        assert not placeholders.is_placeholder(value)
        assert not placeholders.is_placeholder(value, interpolates=False)


@pytest.mark.parametrize("value", ["pa$word-Tq81", "s3cr3t-Zq81-value", "Zq81" * 6,
                                   "postgres-Zq81", "x" + "Zq81" * 4])
def test_literal_looking_values_are_not_placeholders(value: str) -> None:
    assert not placeholders.is_placeholder(value)


def test_unbraced_reference_counts_only_where_the_format_interpolates() -> None:
    assert placeholders.is_placeholder("$DB_PASSWORD")
    assert not placeholders.is_placeholder("$DB_PASSWORD", interpolates=False)
    assert placeholders.is_placeholder("${DB_PASSWORD}", interpolates=False)


@pytest.mark.parametrize(("value", "expected"), [
    ("vault:secret/data/db#password", True),
    ("aws-secrets:prod/db", True),
    ("/run/secrets/db_password", True),
    ("'/run/secrets/db_password'", True),
    ("file:secrets/x.txt", True),
    ("change-me", False),
    ("/etc/app/password.txt", False),
    ("secrets/db_password.txt", False),
])
def test_is_reference(value: str, expected: bool) -> None:
    assert placeholders.is_reference(value) is expected


@pytest.mark.parametrize(("path", "expected"), [
    (".env.example", True),
    ("deploy/.env.EXAMPLE", True),
    (".env.sample", True),
    ("config.sample.yaml", True),
    ("settings.template", True),
    ("app.ini.dist", True),
    ("env.sample", True),
    (".env", False),
    (".env.production", False),
    ("docker-compose.yml", False),
    ("examples/app.py", False),
    ("config/settings.yaml", False),
])
def test_is_template_file(path: str, expected: bool) -> None:
    assert placeholders.is_template_file(path) is expected


# --- secret-like names -------------------------------------------------------------------------

@pytest.mark.parametrize("name", [
    "DB_PASSWORD", "db_password", "Db_Password", "POSTGRES_PASSWD", "DB_PWD", "SECRET_KEY",
    "AUTH0_CLIENT_SECRET", "client-secret", "GITHUB_TOKEN", "npm-token", "API_KEY", "apikey",
    "STRIPE_APIKEY", "PRIVATE_KEY", "SSH_PRIVATE_KEY", "AWS_CREDENTIALS", "GCP_CREDENTIAL",
    "secret", "password",
])
def test_secret_like_names(name: str) -> None:
    assert names.is_secret_like(name)


@pytest.mark.parametrize("name", [
    # names that point at a secret or its owner, not the secret (DESIGN: _FILE, _PATH, _HOST,
    # _URL, _NAME, _USER, _ID)
    "POSTGRES_PASSWORD_FILE", "SECRET_KEY_FILE", "SECRET_PATH", "PRIVATE_KEY_PATH",
    "TOKEN_HOST", "TOKEN_URL", "SECRET_NAME", "DB_PASSWORD_USER", "API_KEY_ID",
    "AUTH0_CLIENT_ID", "CLIENT_SECRET_ID", "FILE__PASSWORD",
    # the word must sit at a boundary
    "SECRETARY", "TOKENIZER", "PASSWORDLESS_LOGIN", "KEYBOARD", "APIKEYS_ENABLED",
    # not a secret at all
    "LOG_LEVEL", "DATABASE_HOST", "AUTH0_DOMAIN", "USERNAME",
])
def test_not_secret_like_names(name: str) -> None:
    assert not names.is_secret_like(name)


@pytest.mark.parametrize(("name", "expected"), [
    ("POSTGRES_PASSWORD_FILE", True), ("secret_key_file", True), ("FILE__PASSWORD", True),
    ("DB_PASSWORD", False), ("PROFILE", False), ("FILENAME", False),
])
def test_is_file_variable(name: str, expected: bool) -> None:
    assert names.is_file_variable(name) is expected


@pytest.mark.parametrize(("name", "target"), [
    ("POSTGRES_PASSWORD_FILE", "POSTGRES_PASSWORD"), ("FILE__PASSWORD", "PASSWORD"),
    ("SECRET_KEY_FILE", "SECRET_KEY"),
])
def test_file_variable_target(name: str, target: str) -> None:
    assert names.file_variable_target(name) == target


# --- interpolation: the Compose grammar --------------------------------------------------------

def only_reference(text: str) -> Reference:
    parts = interpolation.parse(text)
    assert len(parts) == 1
    (part,) = parts
    assert isinstance(part, Reference)
    assert (part.start, part.end) == (0, len(text))
    return part


@pytest.mark.parametrize(("text", "name", "braced"), [
    ("$VAR", "VAR", False), ("${VAR}", "VAR", True), ("$_x1", "_x1", False),
    ("${lower_case}", "lower_case", True),
])
def test_plain_references(text: str, name: str, braced: bool) -> None:
    reference = only_reference(text)
    assert (reference.name, reference.braced, reference.operator) == (name, braced, None)
    assert not reference.is_fallback
    assert not reference.is_required
    assert interpolation.has_reference(text)


@pytest.mark.parametrize(("text", "operator", "operand", "fallback", "required"), [
    ("${VAR:-default}", ":-", "default", True, False),
    ("${VAR-default}", "-", "default", True, False),
    ("${VAR:?VAR is required}", ":?", "VAR is required", False, True),
    ("${VAR?missing}", "?", "missing", False, True),
    ("${VAR:+alternative}", ":+", "alternative", False, False),
    ("${VAR+alternative}", "+", "alternative", False, False),
    ("${VAR:-}", ":-", "", True, False),
    ("${VAR:?}", ":?", "", False, True),
    ("${VAR:-a b:c}", ":-", "a b:c", True, False),
])
def test_operators(text: str, operator: str, operand: str, fallback: bool,
                   required: bool) -> None:
    reference = only_reference(text)
    assert reference.name == "VAR"
    assert reference.operator == operator
    assert reference.operand_text() == operand
    assert text[reference.operand_start:reference.operand_end] == operand
    assert reference.is_fallback is fallback
    assert reference.is_required is required


def test_nested_operands() -> None:
    text = "${A:-${B:?${C-lit}}}"
    outer = only_reference(text)
    found = interpolation.references(interpolation.parse(text))
    assert [(r.name, r.operator) for r in found] == [("A", ":-"), ("B", ":?"), ("C", "-")]
    assert outer.operand_text() == "${B:?${C-lit}}"
    inner = found[2]
    assert text[inner.operand_start:inner.operand_end] == "lit"
    assert inner.is_fallback and found[1].is_required


def test_a_default_that_is_itself_a_reference() -> None:
    reference = only_reference("${DB_PASSWORD:-${PG_PASS}}")
    assert [r.name for r in interpolation.references(reference.operand)] == ["PG_PASS"]


def test_references_inside_text_keep_their_offsets() -> None:
    text = "postgres://${USER}:$PASS@db/${DB:-app}"
    found = interpolation.references(interpolation.parse(text))
    assert [(r.name, text[r.start:r.end]) for r in found] == \
        [("USER", "${USER}"), ("PASS", "$PASS"), ("DB", "${DB:-app}")]
    literals = [p.text for p in interpolation.parse(text) if isinstance(p, Literal)]
    assert literals == ["postgres://", ":", "@db/"]


@pytest.mark.parametrize(("text", "literal"), [
    ("$$", "$"), ("$$VAR", "$VAR"), ("$${VAR}", "${VAR}"), ("pa$$word", "pa$word"),
])
def test_double_dollar_is_a_literal_dollar(text: str, literal: str) -> None:
    parts = interpolation.parse(text)
    assert interpolation.references(parts) == []
    assert interpolation.literal_text(parts) == literal
    assert not interpolation.has_reference(text)


def test_double_dollar_before_a_reference() -> None:
    parts = interpolation.parse("$$$VAR")
    assert [r.name for r in interpolation.references(parts)] == ["VAR"]
    assert interpolation.literal_text(parts) == "$"


def test_double_dollar_inside_a_default() -> None:
    reference = only_reference("${VAR:-pa$$word}")
    assert reference.operand_text() == "pa$word"
    assert interpolation.references(reference.operand) == []


@pytest.mark.parametrize("text", ["${", "${}", "${1VAR}", "${VAR:-unclosed", "${VAR!x}"])
def test_invalid_references(text: str) -> None:
    parts = interpolation.parse(text)
    assert any(isinstance(p, Invalid) for p in parts)
    assert interpolation.references(parts) == []
    assert not interpolation.has_reference(text)


@pytest.mark.parametrize("text", ["plain text", "$", "cost: 5$", "$1", "a $ b"])
def test_text_without_references(text: str) -> None:
    assert interpolation.references(interpolation.parse(text)) == []
    assert not interpolation.has_reference(text)


def test_lower_case_dollar_word_inside_a_value_is_not_a_reference() -> None:
    assert not interpolation.has_reference("pa$word1")
    assert interpolation.has_reference("$word")
    assert interpolation.has_reference("pa${word}1")


@pytest.mark.parametrize(("text", "expected"), [
    ("${VAR}", True), (" ${VAR:-x} ", True), ("$VAR", False), ("${A}${B}", False),
    ("x${VAR}", False),
])
def test_is_single_reference(text: str, expected: bool) -> None:
    assert interpolation.is_single_reference(text) is expected


@pytest.mark.parametrize("text", ["${VAR}", "$VAR", "${A:-${B-x}}", "a${X}b$Y c",
                                  "${VAR:?must be set}"])
def test_render_gives_back_the_source(text: str) -> None:
    assert interpolation.render(interpolation.parse(text)) == text
