"""detect-secrets' known faults, fixed in our layer: each test shows plain detect-secrets 1.5.0
getting it wrong on the same input, then us getting it right."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import Repo, Runner, aws_key_id, github_token, token

PLAIN = r"""
import json, sys
from detect_secrets import SecretsCollection
from detect_secrets.settings import default_settings
found = []
with default_settings():
    collection = SecretsCollection()
    collection.scan_file(sys.argv[1])
    for filename, secret in collection:
        found.append([secret.line_number, secret.type, secret.secret_hash])
print(json.dumps(found))
"""


def plain(folder: Path, name: str, env: dict[str, str] | None = None) -> list[list[Any]]:
    proc = subprocess.run([sys.executable, "-c", PLAIN, name], cwd=folder, check=True,
                          capture_output=True, text=True, env={**os.environ, **(env or {})})
    result: list[list[Any]] = json.loads(proc.stdout)
    return result


def ours(run: Runner, repo: Repo) -> list[dict[str, Any]]:
    result = run(repo.path, "check", "--format", "json", "--select", "SH102")
    return [f for f in result.findings if f["rule"] == "SH102"]


def test_858_two_github_tokens_are_two_findings(repo: Repo, run: Runner) -> None:
    first, second = github_token(), github_token()
    repo.write("tokens.py", f'a = "{first}"\nb = "{second}"\n')
    github = [row for row in plain(repo.path, "tokens.py") if row[1] == "GitHub Token"]
    assert len(github) == 1  # detect-secrets hashes the prefix: the second token is hidden
    mine = [f for f in ours(run, repo) if f["type"] == "GitHub Token"]
    assert [f["line"] for f in mine] == [1, 2]
    assert len({f["secret"]["sha256"] for f in mine}) == 2


def test_857_a_call_on_the_line_no_longer_hides_a_secret(repo: Repo, run: Runner) -> None:
    stripe = "sk_live_" + token(24)
    repo.write("client.py", f'client = Client(api_key="{stripe}")\n')
    assert plain(repo.path, "client.py") == []  # `= f(...)` drops the whole line
    assert [f["type"] for f in ours(run, repo)] == ["Stripe Access Key"]


def test_641_files_that_do_not_decode_are_still_scanned(repo: Repo, run: Runner) -> None:
    key = aws_key_id()
    (repo.path / "legacy.cfg").write_bytes(b"# caf\xe9\naws = " + key.encode() + b"\n")
    assert plain(repo.path, "legacy.cfg") == []  # UnicodeDecodeError: skipped, silently
    assert [f["line"] for f in ours(run, repo)] == [2]


def test_870_utf8_under_a_non_utf8_locale(repo: Repo, run: Runner) -> None:
    key = aws_key_id()
    repo.write("north.py", f"# 北\naws = '{key}'\n")
    c_locale = {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0",
                "PYTHONIOENCODING": "utf-8"}
    assert plain(repo.path, "north.py", c_locale) == []
    result = run(repo.path, "check", "--format", "json", env=c_locale)
    assert result.at("SH102") == [("north.py", 2)]


def test_eager_pass_no_longer_masks_a_second_secret(repo: Repo, run: Runner) -> None:
    repo.write(".env", f"AWS_KEY={aws_key_id()}\nAPI_PASSWORD={token(16)}\n")
    assert [row[1] for row in plain(repo.path, ".env")] == ["AWS Access Key"]
    assert sorted(f["type"] for f in ours(run, repo)) == ["AWS Access Key", "Secret Keyword"]
