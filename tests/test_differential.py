"""Differential test: our SH102 set against plain `detect-secrets scan -n --all-files`.

On a generated corpus (tests/corpus_gen.py: every plugin type, YAML/INI/.env/JSON/source,
CRLF, `ſecret` folding, pragmas), the set of (file, line, type, hash) we report equals the one
detect-secrets reports, apart from a written list of intended differences. Every difference must
be explained by one of them, by name; the prefilter is exact, so it explains nothing.
"""

from __future__ import annotations

import json
import re
import string
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from secret_hygiene import contentscan
from secret_hygiene.manifest import default_manifest
from secret_hygiene.rules import leaks
from secret_hygiene.sources import is_lock_file, source_from_bytes
from secret_hygiene.text.placeholders import is_placeholder, is_template_file

from conftest import token
from corpus_gen import generate

# Why our set may differ from detect-secrets'. Each is a DESIGN.md rule or a fixed fault.
INTENDED = {
    "placeholder": "placeholders are never leaks (DESIGN: change-me, ${VAR}, <...>, ...)",
    "template file": "template files report only known token formats",
    "lock file": "lock files beyond detect-secrets' list (pnpm-lock.yaml, ...) are not scanned",
    "not a leak": "a *_FILE name, a command substitution, `secrets:`/`rev:` references",
    "most specific": "one finding per occurrence: the most specific plugin (or SH103) wins",
    "kubernetes decoded": "Kubernetes Secret data is scanned base64-decoded",
    "connection string": "our connection-string password detector",
    "undecodable file": "files that do not decode are still scanned (#641/#870)",
    "indirect reference": "`= f(...)` elsewhere on a line no longer hides its secrets (#857)",
    "eager pass": "the eager INI pass runs even when the first pass found something",
    "earlier line": "the same value is first found on an earlier line (one of the fixes above)",
    "line corrected": "a value is reported on the line that holds it (detect-secrets' YAML "
                      "transformer can be a line off; a private key on its BEGIN line)",
    "nextline pragma": "`pragma: allowlist nextline secret` also works in YAML (detect-secrets "
                       "loses it with the comment, #435)",
}
DS_SCRIPT = r"""
import json, sys
from detect_secrets import SecretsCollection
from detect_secrets.settings import default_settings
found = []
with default_settings():
    for name in sys.argv[1:]:
        collection = SecretsCollection()
        collection.scan_file(name)
        for filename, secret in collection:
            found.append([filename, secret.line_number, secret.type, secret.secret_hash,
                          secret.secret_value])
print(json.dumps(found))
"""
INDIRECT = re.compile(r"([^\v=!:]*)\s*(:=?|[!=]{1,3})\s*([\w.-]+[\[\(][^\v]*[\]\)])")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    root = tmp_path_factory.mktemp("corpus")
    return root, generate(root, seed=7)


def detect_secrets_plain(root: Path, files: list[str]) -> list[list[Any]]:
    proc = subprocess.run([sys.executable, "-c", DS_SCRIPT, *files], cwd=root,
                          capture_output=True, text=True, check=True)
    result: list[list[Any]] = json.loads(proc.stdout)
    return result


def test_the_reference_script_is_detect_secrets_scan(corpus: tuple[Path, list[str]]) -> None:
    root, files = corpus
    cli = subprocess.run([str(Path(sys.executable).parent / "detect-secrets"), "scan",
                          "--all-files", "-n"], cwd=root, capture_output=True, text=True,
                         check=True)
    baseline = json.loads(cli.stdout)
    from_cli = {(name, r["line_number"], r["type"], r["hashed_secret"])
                for name, results in baseline["results"].items() for r in results}
    from_script = {(f, line, kind, digest)
                   for f, line, kind, digest, _v in detect_secrets_plain(root, files)}
    assert from_cli == from_script and len(from_cli) > 150


def _ours(root: Path, files: list[str]) -> list[tuple[str, Any]]:
    manifest = default_manifest()
    found = []
    for name in files:
        outcome = contentscan.scan_bytes(name, (root / name).read_bytes(), manifest)
        found += [(name, f) for f in outcome.findings if f.rule in ("SH101", "SH102", "SH103")]
    return found


def _lines(root: Path, name: str) -> list[str]:
    source = source_from_bytes(name, (root / name).read_bytes())
    return source.lines if not isinstance(source, type(None)) and hasattr(source, "lines") \
        else []


def test_sh102_equals_detect_secrets_apart_from_intended_differences(
        corpus: tuple[Path, list[str]]) -> None:
    root, files = corpus
    theirs = detect_secrets_plain(root, files)
    ours = _ours(root, files)
    ds_first = {}
    ds_value = {}
    for name, line, kind, digest, value in theirs:
        ds_first[(name, kind, digest)] = line
        ds_value[(name, kind, digest)] = value
    our_first: dict[tuple[str, str, str], int] = {}
    our_findings: dict[tuple[str, str, str], Any] = {}
    for name, finding in ours:
        kind = finding.extra.get("type", finding.rule)
        key = (name, kind, finding.legacy_sha1 or "")
        if key not in our_first or finding.line < our_first[key]:
            our_first[key] = finding.line
            our_findings[key] = finding
    ds_files_with_findings = {name for name, *_ in theirs}
    reasons: Counter[str] = Counter()
    unexplained: list[str] = []

    def ours_only_reason(key: tuple[str, str, str], line: int) -> str | None:
        name, kind, _digest = key
        finding = our_findings[key]
        raw = _lines(root, name)[line - 1] if line <= len(_lines(root, name)) else ""
        if finding.rule in ("SH101", "SH103"):
            return "most specific"
        if kind == leaks.CONNECTION_STRING:
            return "connection string"
        if finding.decoded:
            return "kubernetes decoded"
        try:
            (root / name).read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            return "undecodable file"
        if len(raw) <= 1000 and INDIRECT.search(raw):
            return "indirect reference"
        if name in ds_files_with_findings:
            return "eager pass"
        return None

    for key, line in our_first.items():
        if ds_first.get(key) == line:
            continue
        reason = ours_only_reason(key, line)
        if key in ds_first and abs(ds_first[key] - line) <= 3:
            reason = "line corrected"
        if reason is None:
            unexplained.append(f"ours only: {key} line {line}")
        else:
            reasons[reason] += 1
    for key, line in ds_first.items():
        if our_first.get(key) == line:
            continue
        name, kind, _digest = key
        value = ds_value[key]
        lines = _lines(root, name)
        raw = lines[line - 1] if line <= len(lines) else ""
        column = raw.find(value) + 1
        reason = None
        if key in our_first and abs(our_first[key] - line) <= 3:
            reason = "line corrected"
        elif key in our_first and our_first[key] < line:
            reason = "earlier line"
        elif line >= 2 and "pragma: allowlist nextline secret" in lines[line - 2]:
            reason = "nextline pragma"
        elif is_lock_file(name):
            reason = "lock file"
        elif is_template_file(name):
            reason = "template file"
        elif is_placeholder(value, interpolates=False) or is_placeholder(value):
            reason = "placeholder"
        elif "kind: Secret" in "\n".join(lines):
            reason = "kubernetes decoded"
        elif any(n == name and f.line == line and column and
                 leaks.overlaps(f.column or 0, f.end_column or 10**9, column,
                                column + len(value)) for n, f in ours):
            reason = "most specific"
        else:
            leak = leaks.Leak(line, max(column, 1), max(column, 1) + len(value), kind, value,
                              "")
            if leaks._not_a_leak(leaks._engine(), leak, lines, interpolates=True):
                reason = "not a leak"
        if reason is None:
            unexplained.append(f"detect-secrets only: {key} line {line}")
        else:
            reasons[reason] += 1
    assert set(reasons) <= set(INTENDED)
    assert not unexplained, "\n".join(unexplained[:20])
    # the intended differences are real and exercised, and most findings are identical
    shared = sum(1 for key, line in ds_first.items() if our_first.get(key) == line)
    assert shared > 100 and {"placeholder", "indirect reference", "eager pass",
                             "lock file", "undecodable file"} <= set(reasons), reasons


@pytest.mark.parametrize("prefilter_on", [True, False], ids=["prefilter", "every line"])
def test_the_prefilter_changes_nothing(corpus: tuple[Path, list[str]],
                                       monkeypatch: pytest.MonkeyPatch,
                                       prefilter_on: bool) -> None:
    """Exactness: the same findings with the prefilter as with every line scanned."""
    root, files = corpus
    engine = leaks._engine()
    assert engine.prefilter is not None
    if not prefilter_on:
        monkeypatch.setattr(engine, "prefilter", None)
        monkeypatch.setattr(leaks, "_static_prefilter", lambda: None)
    result = sorted((name, f.rule, f.line, f.column, f.identity) for name, f in _ours(root, files))
    baseline_file = root.parent / "prefilter-reference.json"
    if prefilter_on:
        baseline_file.write_text(json.dumps(result))
    else:
        assert json.loads(baseline_file.read_text()) == [list(r) for r in result]


def test_unicode_folding_reaches_the_keyword_detector(tmp_path: Path) -> None:
    value = token(20)
    for spelling in ("ſecret", "paſſword", "api_\u212aey", "SECRET"):
        source = source_from_bytes("a.py", f'{spelling} = "{value}"\n'.encode())
        assert not isinstance(source, type(None))
        outcome = contentscan.scan_bytes("a.py", f'{spelling} = "{value}"\n'.encode(),
                                         default_manifest())
        assert [f.extra.get("type") for f in outcome.findings] == ["Secret Keyword"], spelling


def test_a_changed_plugin_switches_the_prefilter_off(monkeypatch: pytest.MonkeyPatch) -> None:
    from secret_hygiene.rules import prefilter

    engine = leaks._engine()
    monkeypatch.setattr(prefilter, "DETECT_SECRETS_150", "something else")
    assert prefilter.build(list(engine.get_plugins())) is None


def _keyword_spellings() -> list[str]:
    """Every word of KeywordDetector's denylist, with and without its optional underscore, in
    several cases and with the letters re.IGNORECASE folds (ſ, K, ı), plus near misses."""
    from detect_secrets.plugins.keyword import DENYLIST

    words: list[str] = []
    for pattern in DENYLIST:
        for word in {pattern.replace("_?", "_"), pattern.replace("_?", "")}:
            words += [word, word.upper(), word.title(), word.replace("s", "ſ"),
                      word.replace("k", "\u212a"), word.replace("i", "ı")]
    return [*words, "key", "pass", "pw", "token", "keypass", "monkey_password", "secretary"]


def test_the_keyword_gate_and_per_line_plugins_change_nothing(monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    """The KeywordDetector gate is its denylist, and each line is run through the plugins that
    can find something there: every denylist spelling in every assignment form gives the same
    findings as every line through every plugin."""
    value = token(20)
    lines = []
    for word in _keyword_spellings():
        lines += [f'{word} = "{value}"', f"{word}: {value}", f'my_{word}_x := "{value}"',
                  f'if x == "{value}" and {word}:', f'"{word}": "{value}";']
    # the Cloudant, IBM Cloud IAM and SoftLayer assignment forms and their secret shapes
    shapes = [token(24, string.ascii_lowercase), token(44, string.ascii_letters + "_-"),
              token(64, "0123456789abcdef"), token(64, string.ascii_lowercase + string.digits)]
    for prefix in ("cl_", "cloudant-api", "ibm_cloud_iam_", "iam-api", "sl", "softlayer_api",
                   "", "CL_", "Softlayer-"):
        for word in ("key", "pwd", "pw", "password", "pass", "token", "KEY", "Token"):
            for shape in shapes:
                lines += [f"{prefix}{word}={shape}", f'["{prefix}{word}"] => "{shape}"',
                          f"x {prefix}{word}   :: '{shape}'", f"{prefix}{word}  {shape}"]
    files = {"a.py": lines, "b.yaml": [f"{w}: {value}" for w in _keyword_spellings()],
             "c.txt": lines, "d.go": lines[:600]}

    def scan_all() -> list[tuple[str, int, str | None]]:
        found = []
        for name, text in files.items():
            outcome = contentscan.scan_bytes(name, ("\n".join(text) + "\n").encode(),
                                             default_manifest())
            found += [(name, f.line or 0, f.extra.get("type")) for f in outcome.findings]
        return sorted(found, key=str)

    engine = leaks._engine()
    assert engine.prefilter is not None
    with_prefilter = scan_all()
    monkeypatch.setattr(engine, "prefilter", None)
    monkeypatch.setattr(leaks, "_static_prefilter", lambda: None)
    assert scan_all() == with_prefilter
    assert len({line for name, line, _ in with_prefilter if name == "a.py"}) > 100
    assert {"Cloudant Credentials", "IBM Cloud IAM Key", "SoftLayer Credentials"} <= {
        kind for _, _, kind in with_prefilter}
