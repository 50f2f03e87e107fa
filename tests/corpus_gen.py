"""A generated corpus for the differential test against plain detect-secrets.

Every detect-secrets 1.5.0 plugin type, in many file formats (source code, YAML with block
scalars, escapes, flow mappings, anchors and comments, INI with and without sections, .env,
JSON, TOML, Markdown, shell, Dockerfile), CRLF line endings, Unicode case folding (`ſecret`),
allowlist pragmas, indirect references, templates, lock files, a file that is not UTF-8 and a
very long line. Every value is generated from the seed; nothing secret is stored here.
"""

from __future__ import annotations

import base64
import json
import random
import string
from pathlib import Path

ALNUM = string.ascii_letters + string.digits
B64 = ALNUM + "+/"
HEX = "0123456789abcdef"


class Values:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def chars(self, n: int, alphabet: str = ALNUM) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def aws(self) -> str:
        return "AKIA" + self.chars(16, string.ascii_uppercase + "234567")

    def aws_secret(self) -> str:
        return self.chars(40, B64)

    def github(self) -> str:
        return self.rng.choice(["ghp", "gho", "ghs"]) + "_" + self.chars(36)

    def gitlab(self) -> str:
        return "glpat-" + self.chars(20)

    def jwt(self) -> str:
        def part(data: dict[str, object]) -> str:
            return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
        return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part({'sub': self.chars(8)})}." \
               f"{self.chars(43, ALNUM + '-_')}"

    def slack(self) -> str:
        return f"xoxb-{self.rng.randint(10**11, 10**12)}-{self.chars(24, HEX)}"

    def stripe(self) -> str:
        return "sk_live_" + self.chars(24)

    def sendgrid(self) -> str:
        return f"SG.{self.chars(22)}.{self.chars(43)}"

    def twilio(self) -> str:
        return "SK" + self.chars(32, string.ascii_lowercase + string.digits)

    def square(self) -> str:
        return "sq0csp-" + self.chars(43)

    def telegram(self) -> str:
        return f"{self.rng.randint(10**8, 10**9)}:{self.chars(35, ALNUM + '_-')}"

    def mailchimp(self) -> str:
        return self.chars(32, string.ascii_lowercase + string.digits) + "-us12"

    def openai(self) -> str:
        return f"sk-{self.chars(20)}T3BlbkFJ{self.chars(20)}"

    def pypi(self) -> str:
        return "pypi-AgEIcHlwaS5vcmc" + self.chars(72, ALNUM + "-_")

    def discord(self) -> str:
        return f"M{self.chars(23)}.{self.chars(6)}.{self.chars(27)}"

    def azure(self) -> str:
        return "AccountKey=" + self.chars(86, B64) + "=="

    def artifactory(self) -> str:
        return "AKC" + self.chars(16)

    def npm(self) -> str:
        return "npm_" + self.chars(36)

    def hex40(self) -> str:
        return self.chars(40, HEX)

    def b64(self) -> str:
        return self.chars(40, B64)

    def password(self) -> str:
        return self.chars(14) + "!"

    def pem_header(self) -> str:
        return self.rng.choice(["-----BEGIN RSA PRIVATE KEY-----",  # pragma: allowlist secret
                                "-----BEGIN OPENSSH PRIVATE KEY-----",  # pragma: allowlist secret
                                "-----BEGIN PRIVATE KEY-----"])  # pragma: allowlist secret


def _noise(rng: random.Random, comment: str) -> list[str]:
    words = ["key", "cache_key", "primary_key", "keyboard", "password_reset", "bypass",
             "secret_santa", "token_count", "passenger"]
    return [f"{comment} {rng.choice(words)} handling, step {rng.randint(1, 99)}",
            f"{rng.choice(words)}_total = compute({rng.randint(1, 9)})"]


def python(v: Values) -> str:
    rng = v.rng
    lines = ['"""Settings."""', "import os", ""]
    forms = [
        f'AWS_ACCESS_KEY_ID = "{v.aws()}"',
        f'aws_secret_access_key = "{v.aws_secret()}"',
        f'GITHUB_TOKEN = "{v.github()}"',
        f'tokens = ["{v.github()}", "{v.github()}"]',
        f'db_password = "{v.password()}"',
        f'password: str = "{v.password()}"',
        f'client = Client(api_key="{v.stripe()}")',
        f'value = lookup(name); token = "{v.gitlab()}"',
        'secret = get_secret_key()',
        f'headers = {{"Authorization": "Bearer {v.jwt()}"}}',
        f'SLACK = "{v.slack()}"',
        f'ſecret = "{v.password()}"',
        f'paſſword = "{v.password()}"',
        f'api_\u212aey = "{v.password()}"',
        f'session_id = "{v.b64()}"',
        f'checksum = "{v.hex40()}"',
        f'blob = "{v.b64()}"',
        f'DATABASE_URL = "postgres://app:{v.password()}@db:5432/app"',
        f'secret = "{v.password()}"  # pragma: allowlist secret',
        "# pragma: allowlist nextline secret",
        f'password = "{v.password()}"',
        f'if password == "{v.password()}":',
        f'    PRIVATE = """{v.pem_header()}',
        f'{v.chars(64, B64)}"""',
        f'SENDGRID = "{v.sendgrid()}"',
        f'TWILIO = "{v.twilio()}"',
        f'OPENAI_KEY = "{v.openai()}"',
        'password = "change-me"',
        'token = os.environ["TOKEN"]',
        f'password = os.getenv("PASSWORD", "{v.password()}")',
    ]
    rng.shuffle(forms)
    for form in forms[:rng.randint(8, len(forms))]:
        lines += _noise(rng, "#")
        lines.append(form)
    return "\n".join(lines) + "\n"


def javascript(v: Values) -> str:
    rng = v.rng
    forms = [
        f"const stripe = '{v.stripe()}';",
        f'const config = {{ apiKey: "{v.password()}", region: "eu" }};',
        f"export const token = process.env.TOKEN || '{v.password()}';",
        f"const hook = 'https://hooks.slack.com/services/T{v.chars(8)}/B{v.chars(8)}/{v.chars(24)}';",
        f'const jwt = "{v.jwt()}";',
        f'let password = "{v.password()}";',
        f"const key = `{v.b64()}`;",
        f'const mailchimp = "{v.mailchimp()}";',
        f'const discord = "{v.discord()}";',
        f'const square = "{v.square()}";',
        f'// secret: "{v.password()}"',
    ]
    rng.shuffle(forms)
    lines: list[str] = []
    for form in forms[:rng.randint(5, len(forms))]:
        lines += _noise(rng, "//")
        lines.append(form)
    return "\n".join(lines) + "\n"


def go(v: Values) -> str:
    return "\n".join([
        "package main", "",
        f'var password := "{v.password()}"',
        f'secret := "{v.password()}"',
        f'const githubToken = "{v.github()}"',
        f'url := "https://deploy:{v.password()}@registry.example.com"',
        "func main() {}", ""])


def java(v: Values) -> str:
    return "\n".join([
        "class Config {",
        f'  String password = "{v.password()}";',
        f'  private static final String API_KEY = "{v.b64()}";',
        f'  String conn = "Server=db;Database=app;User Id=sa;Password={v.password()};";',
        "}", ""])


def yaml_file(v: Values) -> str:
    rng = v.rng
    blocks = [
        f"aws:\n  access_key_id: {v.aws()}\n  secret_access_key: \"{v.aws_secret()}\"\n",
        f"database:\n  password: {v.password()}\n  host: db  # primary key store\n",
        f"github:\n  token: '{v.github()}'\n",
        f"escaped: \"\\x41KIA{v.chars(16, string.ascii_uppercase)}\"\n",
        f"folded: >\n  first line {v.b64()}\n  second line\n",
        f"literal: |\n  {v.pem_header()}\n  {v.chars(64, B64)}\n",
        f"flow: {{user: admin, password: {v.password()}}}\n",
        f"base: &base\n  api_key: {v.password()}\nderived:\n  <<: *base\n  name: x\n",
        f"list:\n  - {v.b64()}\n  - plain\n",
        f"slack: {v.slack()}  # comment password: {v.password()}\n",
        f"hexvalue: \"{v.hex40()}\"\n",
        f"entropy: {v.b64()}\n",
        f"jwt: {v.jwt()}\n",
        "secret: change-me\n",
        f"url: https://svc:{v.password()}@example.com/path\n",
        f"# pragma: allowlist nextline secret\nquiet_password: {v.password()}\n",
        "number_password: 12345678\n",
        f"npm: //registry.npmjs.org/:_authToken={v.npm()}\n",
    ]
    rng.shuffle(blocks)
    return "".join(blocks[:rng.randint(4, len(blocks))])


def ini(v: Values, sections: bool) -> str:
    body = [f"password = {v.password()}", f"api_key: {v.b64()}", "host = db",
            f"token = {v.github()}", f"; password = {v.password()}",
            f"secret_key = \"{v.password()}\"", f"multi = first\n    {v.b64()}"]
    v.rng.shuffle(body)
    text = "\n".join(body) + "\n"
    return ("[main]\n" + text + "[other]\n" + f"db_pass = {v.password()}\n") if sections \
        else text


def dotenv(v: Values) -> str:
    body = [f"AWS_ACCESS_KEY_ID={v.aws()}", f"DB_PASSWORD={v.password()}",
            f"API_SECRET={v.b64()}", "DEBUG=true", f"STRIPE_KEY={v.stripe()}",
            f"export GH_TOKEN={v.github()}", f"# SECRET={v.password()}",
            "PASSWORD_FILE=/run/secrets/db_password", f"TELEGRAM={v.telegram()}"]
    v.rng.shuffle(body)
    return "\n".join(body[:v.rng.randint(2, len(body))]) + "\n"


def json_file(v: Values) -> str:
    data = {"name": "app", "password": v.password(), "apiKey": v.b64(),
            "nested": {"secret": v.password(), "token": v.gitlab()},
            "ibm_cloud_iam_api_key": v.chars(44, ALNUM + "_-"),
            "artifactory": f" {v.artifactory()} "}
    return json.dumps(data, indent=2) + "\n"


def toml(v: Values) -> str:
    return (f'[tool.app]\npassword = "{v.password()}"\nkey = "{v.b64()}"\n'
            f'softlayer_api_key = "{v.chars(64, string.ascii_lowercase + string.digits)}"\n')


def markdown(v: Values) -> str:
    return (f"# Setup\n\nexport AWS_ACCESS_KEY_ID={v.aws()}\n\n"
            f"Use `password: \"{v.password()}\"` in dev.\n\n"
            f"See https://user:{v.password()}@example.com\n")


def shell(v: Values) -> str:
    return ("#!/bin/sh\n"
            f"export PASSWORD='{v.password()}'\n"
            f"curl -H 'Authorization: token {v.github()}' https://api.github.com\n"
            'export TOKEN="$(cat /run/secrets/token)"\n'
            f"cloudant=https://acct:{v.chars(64, HEX)}@acct.cloudant.com\n")


def dockerfile(v: Values) -> str:
    return (f"FROM python:3.11\nENV API_KEY={v.b64()}\nARG PASSWORD={v.password()}\n"
            f"ENV SECRET \"{v.password()}\"\n")


def generate(root: Path, seed: int = 7, per_kind: int = 6) -> list[str]:
    """Write the corpus under ``root``; returns the relative paths written."""
    rng = random.Random(seed)
    v = Values(rng)
    makers = [("app/settings_{}.py", python), ("web/src/config_{}.js", javascript),
              ("cmd/main_{}.go", go), ("src/Config{}.java", java),
              ("deploy/values_{}.yaml", yaml_file), ("deploy/ci_{}.yml", yaml_file),
              ("config/app_{}.ini", lambda x: ini(x, True)),
              ("config/loose_{}.cfg", lambda x: ini(x, False)),
              ("env/service_{}.env", dotenv), ("data/settings_{}.json", json_file),
              ("config/pyproject_{}.toml", toml), ("docs/setup_{}.md", markdown),
              ("scripts/deploy_{}.sh", shell), ("docker/Dockerfile.{}", dockerfile)]
    written: list[str] = []

    def put(relative: str, text: str | bytes) -> None:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
        written.append(relative)

    for pattern, maker in makers:
        for index in range(per_kind):
            text = maker(v)
            if index % 3 == 2:
                put(pattern.format(f"{index}_crlf"), text.replace("\n", "\r\n").encode())
            else:
                put(pattern.format(index), text)
    put(".env.example", f"DB_PASSWORD={v.password()}\nAWS_ACCESS_KEY_ID={v.aws()}\n")
    put("pnpm-lock.yaml", "lockfileVersion: '6.0'\npackages:\n  /left-pad@1.3.0:\n"
                          f"    resolution: {{integrity: sha512-{v.chars(86, B64)}==}}\n")
    put("package-lock.json", json.dumps({"packages": {"node_modules/x": {
        "integrity": "sha512-" + v.chars(86, B64) + "=="}}}, indent=2) + "\n")
    put("legacy/latin1.py", ("# caf\xe9\n" + f'password = "{v.password()}"\n').encode("latin-1"))
    put("assets/minified.js", "var a=1;" * 1200 + f'var password="{v.password()}";' +
        "var b=2;" * 1200 + "\n")
    put("deploy/k8s.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\ndata:\n"
        f"  token: {base64.b64encode(v.github().encode()).decode()}\n")
    return written
