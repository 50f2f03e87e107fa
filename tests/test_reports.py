"""Report formats end to end: SARIF, JSON, GitHub annotations, GitLab, JUnit and text, the
`--output` option and its exit codes, and the rule that no secret value ever reaches any output.

Every secret is made at run time; nothing secret-looking is stored in this file.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import json
import os
import pty
import re
import secrets
import string
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from conftest import (
    SHARED,
    TOOL,
    Repo,
    Result,
    Runner,
    aws_key_id,
    github_token,
    init_repo,
    private_key_pem,
    run_process,
)

FORMATS = ("text", "json", "sarif", "github", "gitlab", "junit")
SEVERITIES = ("error", "warning", "info")
SARIF_LEVELS = {"error": "error", "warning": "warning", "info": "note"}
GITHUB_COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}
GITLAB_SEVERITIES = ("Info", "Unknown", "Low", "Medium", "High", "Critical")
FINDING_KEYS = ("rule", "severity", "path", "line", "column", "message", "hint", "fingerprint",
                "secret")
SUMMARY_KEYS = ("errors", "warnings", "infos", "files", "seconds")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")


# --- run-time values and helpers ------------------------------------------------------------

def distinct_token(length: int) -> str:
    """Random, with no repeated character: its entropy is log2(length), never 'weak' by chance."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.SystemRandom().sample(alphabet, length))


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def gh_escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def gh_escape_property(text: str) -> str:
    return gh_escape_data(text).replace(":", "%3A").replace(",", "%2C")


def gh_unescape(text: str) -> str:
    return (text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":")
            .replace("%2C", ",").replace("%25", "%"))


def sarif_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(
        (SHARED / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    return schema


def sarif_errors(document: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft4Validator(sarif_schema())
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def manifest_with_relative_secrets_dir() -> str:
    text = (SHARED / "cases" / "_common" / "secret-manifest.yaml").read_text()
    assert "docker_secrets_dir: /run/secrets" in text
    return text.replace("docker_secrets_dir: /run/secrets", "docker_secrets_dir: ./run-secrets")


@dataclass
class Mixed:
    """A repository with several kinds of findings, and what was planted where."""

    github: str
    settings_line: int
    settings_column: int
    db_file_value: str


def plant_mixed(repo: Repo) -> Mixed:
    """Value findings with a line (SH102, SH103 warning), a repo-level finding without a line
    (SH201 on a committed secrets/db_password.txt), compose findings (SH304 error, SH302 info),
    an info on a readable secret file (SH203) and a binary file."""
    repo.manifest()
    repo.write(".gitignore", ".env\nsecrets/\n")
    gh = github_token()
    fallback = "-".join(("fallback", "signing", "key", "for", "local", "runs"))
    settings = [
        "import os",
        "",
        "",
        f'GITHUB_TOKEN = "{gh}"',
        f'SECRET_KEY = os.getenv("SECRET_KEY", "{fallback}")',
        "",
    ]
    repo.write("app/settings.py", "\n".join(settings))
    repo.write("docker-compose.prod.yml", "\n".join([
        "services:",
        "  app:",
        "    image: example/app:1.0",
        "    environment:",
        "      DB_PASSWORD_FILE: /run/secrets/db_password.txt",
        "      SECRET_KEY_FILE: /run/secrets/secret_key",
        "    secrets: [db_password, secret_key]",
        "  db:",
        "    image: postgres:16",
        "    environment:",
        "      POSTGRES_PASSWORD_FILE: /run/secrets/db_password",
        "    secrets: [db_password]",
        "secrets:",
        "  db_password:",
        "    file: ./secrets/db_password.txt",
        "  secret_key:",
        "    file: ./secrets/secret_key.txt",
        "  spare_token:",
        "    file: ./secrets/spare_token.txt",
        "",
    ]))
    db_value = distinct_token(24)
    secret_file = repo.write("secrets/db_password.txt", db_value + "\n")
    secret_file.chmod(0o644)
    repo.write("secrets/secret_key.txt", distinct_token(40) + "\n", mode=0o600)
    repo.write("secrets/spare_token.txt", distinct_token(30) + "\n", mode=0o600)
    (repo.path / "assets").mkdir()
    (repo.path / "assets" / "logo.bin").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + os.urandom(512))
    repo.git("add", "-f", "secrets/db_password.txt")
    repo.commit("mixed findings")
    return Mixed(gh, 4, settings[3].index(gh) + 1, db_value)


def plant_clean(repo: Repo) -> None:
    repo.manifest()
    repo.write(".gitignore", ".env\nsecrets/\n")
    repo.write("app.py", 'import os\n\nSECRET_KEY = os.environ["SECRET_KEY"]\n')
    repo.commit("clean")


def plant_incomplete(repo: Repo) -> None:
    """A tracked file that cannot be read: its folder was replaced by a plain file."""
    plant_clean(repo)
    repo.write("sub/notes.txt", "nothing to see\n")
    repo.commit("notes")
    for child in (repo.path / "sub").iterdir():
        child.unlink()
    (repo.path / "sub").rmdir()
    (repo.path / "sub").write_text("now a file\n")


def plant_bad_manifest(repo: Repo) -> None:
    plant_clean(repo)
    text = (repo.path / "secret-manifest.yaml").read_text()
    repo.manifest(text + "surprise_key: true\n")
    repo.commit("bad manifest")


def by_fingerprint(findings: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {f["fingerprint"]: f for f in findings}


# --- 1. SARIF ---------------------------------------------------------------------------------

def test_sarif_of_a_mixed_repository_is_valid_and_consistent(repo: Repo, run: Runner) -> None:
    mixed = plant_mixed(repo)
    findings = run(repo.path, "check", "--format", "json").findings
    result = run(repo.path, "check", "--format", "sarif")
    assert result.code == 1
    document = json.loads(result.stdout)
    assert sarif_errors(document) == []
    assert document["version"] == "2.1.0"
    assert len(document["runs"]) == 1
    sarif_run = document["runs"][0]
    rules = sarif_run["tool"]["driver"]["rules"]
    ids = [rule["id"] for rule in rules]
    assert len(ids) == len(set(ids))
    results = sarif_run["results"]
    assert len(results) == len(findings)
    expected = by_fingerprint(findings)
    seen = set()
    for item in results:
        assert 0 <= item["ruleIndex"] < len(rules)
        assert rules[item["ruleIndex"]]["id"] == item["ruleId"]
        fingerprints = item["partialFingerprints"]
        assert fingerprints and all(isinstance(v, str) and v for v in fingerprints.values())
        (fingerprint,) = [v for v in fingerprints.values() if v in expected]
        seen.add(fingerprint)
        finding = expected[fingerprint]
        assert item["ruleId"] == finding["rule"]
        assert item["level"] == SARIF_LEVELS[finding["severity"]]
        location = item["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == finding["path"]
        if finding["line"] is None:
            assert "region" not in location
        else:
            assert location["region"]["startLine"] == finding["line"]
            if finding["column"] is not None:
                assert location["region"]["startColumn"] == finding["column"]
    assert seen == set(expected)
    assert {item["level"] for item in results} == {"error", "warning", "note"}
    assert sarif_run["invocations"][0]["executionSuccessful"] is True

    rule_paths = {(item["ruleId"], item["locations"][0]["physicalLocation"]["artifactLocation"]
                   ["uri"]): item for item in results}
    token_result = rule_paths[("SH102", "app/settings.py")]
    assert token_result["locations"][0]["physicalLocation"]["region"] == {
        "startLine": mixed.settings_line, "startColumn": mixed.settings_column}
    repo_level = rule_paths[("SH201", "secrets/db_password.txt")]
    assert "region" not in repo_level["locations"][0]["physicalLocation"]
    assert ("SH304", "docker-compose.prod.yml") in rule_paths
    assert mixed.github not in result.stdout


def test_sarif_of_an_incomplete_scan_says_execution_failed(repo: Repo, run: Runner) -> None:
    plant_incomplete(repo)
    result = run(repo.path, "check", "--format", "sarif")
    assert result.code == 2
    document = json.loads(result.stdout)
    assert sarif_errors(document) == []
    invocation = document["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    texts = [n["message"]["text"] for n in invocation.get("toolExecutionNotifications", [])]
    assert any("sub/notes.txt" in text for text in texts)


def test_sarif_of_an_invalid_manifest_is_valid_and_unsuccessful(repo: Repo,
                                                                 run: Runner) -> None:
    plant_bad_manifest(repo)
    result = run(repo.path, "check", "--format", "sarif")
    assert result.code == 2
    document = json.loads(result.stdout)
    assert sarif_errors(document) == []
    sarif_run = document["runs"][0]
    assert sarif_run["invocations"][0]["executionSuccessful"] is False
    assert [r["ruleId"] for r in sarif_run["results"]] == ["SH001"]


def test_sarif_of_validate_is_valid(repo: Repo, run: Runner, tmp_path: Path) -> None:
    live = plant_validate(repo, tmp_path)
    result = run(repo.path, "validate", "--format", "sarif", env=live.env, unset=live.unset)
    assert result.code == 1
    document = json.loads(result.stdout)
    assert sarif_errors(document) == []
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    found = {r["ruleId"] for r in document["runs"][0]["results"]}
    assert {"SH402", "SH403"} <= found
    for item in document["runs"][0]["results"]:
        assert rules[item["ruleIndex"]]["id"] == item["ruleId"]
        assert item["partialFingerprints"]


# --- 2. JSON ----------------------------------------------------------------------------------

def test_json_report_has_the_documented_shape(repo: Repo, run: Runner) -> None:
    mixed = plant_mixed(repo)
    result = run(repo.path, "check", "--format", "json")
    assert result.code == 1
    report = result.report
    assert report["tool"] == "secret-hygiene"
    assert report["version"] == importlib.metadata.version("secret-hygiene")
    assert report["complete"] is True
    assert isinstance(report["skipped"], list)
    for item in report["skipped"]:
        assert set(item) >= {"path", "reason"}
    assert {"path": "assets/logo.bin", "reason": "binary"} in report["skipped"]
    findings = report["findings"]
    assert findings
    for finding in findings:
        assert set(FINDING_KEYS) <= set(finding)
        assert re.fullmatch(r"SH\d{3}", finding["rule"])
        assert finding["severity"] in SEVERITIES
        assert isinstance(finding["path"], str)
        assert finding["line"] is None or (isinstance(finding["line"], int)
                                           and finding["line"] >= 1)
        assert finding["column"] is None or (isinstance(finding["column"], int)
                                             and finding["column"] >= 1)
        if finding["line"] is None:
            assert finding["column"] is None
        assert isinstance(finding["message"], str) and finding["message"]
        assert isinstance(finding["hint"], str)
        assert isinstance(finding["fingerprint"], str) and finding["fingerprint"]
        secret = finding["secret"]
        assert secret is None or set(secret) == {"redacted", "length", "sha256"}
    assert len({f["fingerprint"] for f in findings}) == len(findings)
    summary = report["summary"]
    assert set(SUMMARY_KEYS) <= set(summary)
    assert summary["errors"] == sum(f["severity"] == "error" for f in findings)
    assert summary["warnings"] == sum(f["severity"] == "warning" for f in findings)
    assert summary["infos"] == sum(f["severity"] == "info" for f in findings)
    assert isinstance(summary["files"], int) and summary["files"] >= 3
    assert isinstance(summary["seconds"], (int, float)) and summary["seconds"] >= 0

    (token_finding,) = [f for f in findings
                        if f["rule"] == "SH102" and f["path"] == "app/settings.py"]
    assert (token_finding["line"], token_finding["column"]) == (mixed.settings_line,
                                                                mixed.settings_column)
    assert token_finding["severity"] == "error"
    assert token_finding["secret"] == {"redacted": mixed.github[:2] + "…",
                                       "length": len(mixed.github),
                                       "sha256": sha256(mixed.github)}
    (repo_level,) = [f for f in findings
                     if f["rule"] == "SH201" and f["path"] == "secrets/db_password.txt"]
    assert repo_level["line"] is None and repo_level["column"] is None
    assert repo_level["secret"] is None
    assert any(f["rule"] == "SH103" and f["severity"] == "warning" for f in findings)


def test_json_line_and_column_are_one_based(repo: Repo, run: Runner) -> None:
    repo.manifest()
    repo.write(".gitignore", ".env\nsecrets/\n")
    gh = github_token()
    repo.write("tokens.txt", gh + "\n")
    repo.commit()
    result = run(repo.path, "check", "--format", "json")
    assert result.code == 1
    (finding,) = [f for f in result.findings if f["rule"] == "SH102"]
    assert (finding["path"], finding["line"], finding["column"]) == ("tokens.txt", 1, 1)


def test_json_fingerprint_survives_lines_inserted_above(repo: Repo, run: Runner) -> None:
    repo.manifest()
    repo.write(".gitignore", ".env\nsecrets/\n")
    gh = github_token()
    repo.write("app/client.py", f'TOKEN = "{gh}"\n')
    repo.commit()
    before = [f for f in run(repo.path, "check", "--format", "json").findings
              if f["path"] == "app/client.py"]
    assert [(f["rule"], f["line"]) for f in before] == [("SH102", 1)]
    repo.write("app/client.py", f'"""Client."""\n\nimport os\n\nTOKEN = "{gh}"\n')
    repo.commit("edit above")
    after = [f for f in run(repo.path, "check", "--format", "json").findings
             if f["path"] == "app/client.py"]
    assert [(f["rule"], f["line"]) for f in after] == [("SH102", 5)]
    assert after[0]["fingerprint"] == before[0]["fingerprint"]
    assert after[0]["secret"]["sha256"] == before[0]["secret"]["sha256"] == sha256(gh)


def test_json_two_copies_of_one_value_are_two_findings(repo: Repo, run: Runner) -> None:
    repo.manifest()
    repo.write(".gitignore", ".env\nsecrets/\n")
    gh = github_token()
    repo.write("app/tokens.py", f'PRIMARY = "{gh}"\n\nBACKUP = "{gh}"\n')
    repo.commit()
    result = run(repo.path, "check", "--format", "json")
    copies = [f for f in result.findings if f["path"] == "app/tokens.py"]
    assert sorted(f["line"] for f in copies) == [1, 3]
    assert all(f["rule"] == "SH102" for f in copies)
    assert copies[0]["fingerprint"] != copies[1]["fingerprint"]
    assert copies[0]["secret"]["sha256"] == copies[1]["secret"]["sha256"] == sha256(gh)


def test_json_report_of_an_incomplete_scan(repo: Repo, run: Runner) -> None:
    plant_incomplete(repo)
    result = run(repo.path, "check", "--format", "json")
    assert result.code == 2
    assert result.report["complete"] is False
    assert "sub/notes.txt" in [s["path"] for s in result.report["skipped"]]


def test_invalid_manifest_findings_name_it_like_every_other_path(repo: Repo,
                                                                 run: Runner) -> None:
    """SH001 findings point at the manifest relative to the repository root, as every other
    finding does (CI annotations and SARIF locations resolve paths from the checkout)."""
    plant_bad_manifest(repo)
    result = run(repo.path, "check", "--format", "json")
    assert result.code == 2
    assert result.report["complete"] is False
    assert [(f["rule"], f["path"]) for f in result.findings] == [("SH001",
                                                                  "secret-manifest.yaml")]
    sarif = json.loads(run(repo.path, "check", "--format", "sarif").stdout)
    (item,) = sarif["runs"][0]["results"]
    uri = item["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "secret-manifest.yaml"


# --- 3. GitHub annotations --------------------------------------------------------------------

ANNOTATION = re.compile(r"^::(?P<command>error|warning|notice) (?P<props>[^:]*)::(?P<msg>.*)$")


def parse_annotations(stdout: str) -> list[tuple[str, dict[str, str], str]]:
    parsed = []
    for line in stdout.split("\n"):
        if not line:
            continue
        match = ANNOTATION.match(line)
        assert match, f"not a workflow command: {line!r}"
        props = {}
        for pair in match["props"].split(","):
            key, _, value = pair.partition("=")
            assert ":" not in value, f"unescaped ':' in property {pair!r}"
            props[key] = value
        parsed.append((match["command"], props, match["msg"]))
    return parsed


def test_github_annotations_match_the_findings(repo: Repo, run: Runner) -> None:
    plant_mixed(repo)
    findings = run(repo.path, "check", "--format", "json").findings
    result = run(repo.path, "check", "--format", "github")
    assert result.code == 1
    assert "\r" not in result.stdout
    annotations = parse_annotations(result.stdout)
    for finding in findings:
        wanted = {"file": gh_escape_property(finding["path"])}
        if finding["line"] is not None:
            wanted["line"] = str(finding["line"])
            if finding["column"] is not None:
                wanted["col"] = str(finding["column"])
        matches = [(command, props, msg) for command, props, msg in annotations
                   if all(props.get(k) == v for k, v in wanted.items())
                   and finding["rule"] in gh_unescape(props.get("title", ""))
                   and gh_unescape(msg).startswith(finding["message"])]
        assert matches, f"no annotation for {finding}"
        assert {command for command, _, _ in matches} == {GITHUB_COMMANDS[finding["severity"]]}
    value_line = [props for _, props, _ in annotations
                  if props.get("file") == "app/settings.py" and "line" in props]
    assert value_line and all(set(p) >= {"file", "line", "col", "title"} for p in value_line)


def test_github_escapes_data_and_properties(repo: Repo, run: Runner) -> None:
    repo.write(".gitignore", "spare.txt\n")
    gh = github_token()
    odd_path = "odd/we,ird:na%me.py"
    repo.write(odd_path, f'TOKEN = "{gh}"\n')
    repo.write("docker-compose.yml", "\n".join([
        "services:",
        '  "we\\rird\\nname%50":',
        "    image: example/app:1.0",
        "    secrets: [undeclared]",
        "",
    ]))
    repo.commit()
    findings = run(repo.path, "check", "--format", "json").findings
    (odd_message,) = [f["message"] for f in findings if f["rule"] == "SH301"]
    assert "\r" in odd_message and "\n" in odd_message and "%" in odd_message
    result = run(repo.path, "check", "--format", "github")
    assert result.code == 1
    assert "\r" not in result.stdout
    annotations = parse_annotations(result.stdout)

    escaped_path = gh_escape_property(odd_path)
    assert escaped_path == "odd/we%2Cird%3Ana%25me.py"
    (token_props,) = [props for _, props, _ in annotations if props.get("file") == escaped_path]
    assert token_props["line"] == "1"
    assert token_props["col"] == str(f'TOKEN = "{gh}"'.index(gh) + 1)
    assert f"file={escaped_path}," in result.stdout

    (compose_msg,) = [msg for _, props, msg in annotations
                      if "SH301" in props.get("title", "")]
    assert gh_escape_data(odd_message) in compose_msg
    assert gh_unescape(compose_msg).startswith(odd_message)
    assert "%" not in gh_unescape(compose_msg).replace(odd_message, "")
    assert gh not in result.stdout


# --- 4. GitLab --------------------------------------------------------------------------------

def test_gitlab_secret_detection_report(repo: Repo, run: Runner) -> None:
    plant_mixed(repo)
    findings = run(repo.path, "check", "--format", "json").findings
    result = run(repo.path, "check", "--format", "gitlab")
    assert result.code == 1
    report = json.loads(result.stdout)
    assert isinstance(report["version"], str)
    assert re.fullmatch(r"\d+\.\d+\.\d+", report["version"])
    vulnerabilities = report["vulnerabilities"]
    assert len(vulnerabilities) == len(findings)
    assert len({v["id"] for v in vulnerabilities}) == len(vulnerabilities)
    rank = {name: i for i, name in enumerate(GITLAB_SEVERITIES)}
    by_severity: dict[str, set[int]] = {s: set() for s in SEVERITIES}
    remaining = list(findings)
    for vulnerability in vulnerabilities:
        assert vulnerability["category"] == "secret_detection"
        assert vulnerability["severity"] in GITLAB_SEVERITIES
        identifiers = vulnerability["identifiers"]
        assert identifiers and all({"type", "name", "value"} <= set(i) for i in identifiers)
        rule = next(i["value"] for i in identifiers if re.fullmatch(r"SH\d{3}", i["value"]))
        location = vulnerability["location"]
        match = next(f for f in remaining if f["rule"] == rule and f["path"] == location["file"]
                     and f["line"] == location.get("start_line"))
        remaining.remove(match)
        if match["line"] is None:
            assert "start_line" not in location
        by_severity[match["severity"]].add(rank[vulnerability["severity"]])
    assert remaining == []
    assert min(by_severity["error"]) > max(by_severity["warning"]) > max(by_severity["info"])
    scan = report["scan"]
    assert scan["type"] == "secret_detection"
    assert scan["status"] == "success"
    assert STAMP.match(scan["start_time"]) and STAMP.match(scan["end_time"])
    assert scan["start_time"] <= scan["end_time"]
    for part in ("analyzer", "scanner"):
        assert {"id", "name", "version"} <= set(scan[part])
        assert scan[part]["vendor"]["name"]


def test_gitlab_report_of_an_incomplete_scan_fails(repo: Repo, run: Runner) -> None:
    plant_incomplete(repo)
    result = run(repo.path, "check", "--format", "gitlab")
    assert result.code == 2
    scan = json.loads(result.stdout)["scan"]
    assert scan["status"] == "failure"
    assert STAMP.match(scan["start_time"]) and STAMP.match(scan["end_time"])


# --- 5. JUnit ---------------------------------------------------------------------------------

def junit_counts(xml_text: str) -> tuple[int, int, list[ET.Element]]:
    root = ET.fromstring(xml_text)
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    assert suites
    cases = [case for suite in suites for case in suite.findall("testcase")]
    declared = sum(int(suite.get("failures", "0")) for suite in suites)
    actual = sum(len(case.findall("failure")) for case in cases)
    return declared, actual, cases


@pytest.mark.parametrize("fail_on", SEVERITIES)
def test_junit_counts_failures_at_or_above_fail_on(repo: Repo, run: Runner,
                                                    fail_on: str) -> None:
    plant_mixed(repo)
    findings = run(repo.path, "check", "--format", "json").findings
    counted = SEVERITIES[: SEVERITIES.index(fail_on) + 1]
    expected = sum(f["severity"] in counted for f in findings)
    result = run(repo.path, "check", "--format", "junit", "--fail-on", fail_on)
    assert result.code == 1
    declared, actual, cases = junit_counts(result.stdout)
    assert declared == actual == expected
    assert len(cases) == len(findings)
    assert expected < len(findings) or fail_on == "info"


def test_junit_clean_run_has_a_passing_testcase(repo: Repo, run: Runner) -> None:
    plant_clean(repo)
    result = run(repo.path, "check", "--format", "junit")
    assert result.code == 0
    declared, actual, cases = junit_counts(result.stdout)
    assert declared == actual == 0
    assert cases
    assert all(not case.findall("failure") and not case.findall("error") for case in cases)


# --- 6. Text ----------------------------------------------------------------------------------

FINDING_LINE = re.compile(r"^(?P<path>[^\s:]+)(?::(?P<line>\d+):(?P<col>\d+))?: "
                          r"(?P<rule>SH\d{3}) (?P<severity>error|warning|info) (?P<msg>.+)$")
SUMMARY_LINE = re.compile(r"^check: (?P<errors>\d+) errors?, (?P<warnings>\d+) warnings?, "
                          r"(?P<infos>\d+) infos?\b.*\((?P<seconds>\d+(?:\.\d+)?) ?s\)")


def test_text_lists_findings_hints_and_a_summary(repo: Repo, run: Runner) -> None:
    plant_mixed(repo)
    findings = run(repo.path, "check", "--format", "json").findings
    result = run(repo.path, "check")
    assert result.code == 1
    lines = result.stdout.rstrip("\n").split("\n")
    for finding in findings:
        if finding["line"] is None:
            continue
        head = (f"{finding['path']}:{finding['line']}:{finding['column']}: {finding['rule']} "
                f"{finding['severity']} {finding['message']}")
        (index,) = [i for i, line in enumerate(lines) if line.startswith(head)]
        assert FINDING_LINE.match(lines[index])
        if finding["hint"]:
            assert lines[index + 1] == f"    hint: {finding['hint']}"
    parsed = [m for m in map(FINDING_LINE.match, lines) if m]
    assert len(parsed) == len(findings)
    summary = SUMMARY_LINE.match(lines[-1])
    assert summary, lines[-1]
    assert int(summary["errors"]) == sum(f["severity"] == "error" for f in findings)
    assert int(summary["warnings"]) == sum(f["severity"] == "warning" for f in findings)
    assert int(summary["infos"]) == sum(f["severity"] == "info" for f in findings)
    assert not ANSI.search(result.stdout)


def test_text_quiet_shows_only_failing_findings_and_the_summary(repo: Repo,
                                                                run: Runner) -> None:
    plant_mixed(repo)
    findings = run(repo.path, "check", "--format", "json").findings
    failing = [f for f in findings if f["severity"] == "error"]
    assert len(failing) < len(findings)
    result = run(repo.path, "check", "-q")
    assert result.code == 1
    lines = result.stdout.rstrip("\n").split("\n")
    assert SUMMARY_LINE.match(lines[-1])
    parsed = [FINDING_LINE.match(line) for line in lines[:-1]]
    assert all(parsed), lines
    assert sorted(m["rule"] for m in parsed if m) == sorted(f["rule"] for f in failing)
    assert {m["severity"] for m in parsed if m} == {"error"}


def test_text_verbose_lists_skipped_files(repo: Repo, run: Runner) -> None:
    plant_mixed(repo)
    normal = run(repo.path, "check")
    verbose = run(repo.path, "check", "-v")
    assert normal.code == verbose.code == 1
    assert "assets/logo.bin" not in normal.stdout
    (line,) = [line for line in verbose.stdout.split("\n") if "assets/logo.bin" in line]
    assert "binary" in line


def tool_output(cwd: Path, *args: str, tty: bool, no_color: bool) -> str:
    """Run the console script with stdout on a pseudo-terminal or a pipe; NO_COLOR as asked."""
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env["TERM"] = "xterm-256color"
    if no_color:
        env["NO_COLOR"] = "1"
    if not tty:
        proc = subprocess.run([str(TOOL), *args], cwd=cwd, env=env, capture_output=True,
                              text=True, timeout=120)
        return proc.stdout
    master, slave = pty.openpty()
    try:
        with subprocess.Popen([str(TOOL), *args], cwd=cwd, env=env, stdout=slave,
                              stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL) as proc:
            os.close(slave)
            slave = -1
            chunks = []
            while True:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                chunks.append(chunk)
            proc.wait(timeout=120)
    finally:
        if slave >= 0:
            os.close(slave)
        os.close(master)
    return b"".join(chunks).decode("utf-8", "replace")


def test_text_is_coloured_on_a_terminal_without_no_color(repo: Repo) -> None:
    plant_mixed(repo)
    out = tool_output(repo.path, "check", tty=True, no_color=False)
    assert "SH102" in out
    assert ANSI.search(out)


@pytest.mark.parametrize(("args", "tty", "no_color"), [
    (("check",), True, True),
    (("check", "--no-color"), True, False),
    (("check",), False, False),
], ids=["NO_COLOR-on-a-tty", "--no-color-on-a-tty", "not-a-tty"])
def test_text_has_no_colour_codes(repo: Repo, args: tuple[str, ...], tty: bool,
                                  no_color: bool) -> None:
    plant_mixed(repo)
    out = tool_output(repo.path, *args, tty=tty, no_color=no_color)
    assert "SH102" in out
    assert "\x1b[" not in out


# --- 7. --output ------------------------------------------------------------------------------

SCENARIOS = {"clean": (plant_clean, 0), "findings": (plant_mixed, 1),
             "invalid-manifest": (plant_bad_manifest, 2), "incomplete": (plant_incomplete, 2)}
VOLATILE = {"seconds", "start_time", "end_time", "time"}


def normalise(text: str, fmt: str) -> Any:
    """A report without its timings, so two runs of one scan compare equal."""
    if not text:
        return None
    if fmt in ("json", "sarif", "gitlab"):
        def strip(node: Any) -> Any:
            if isinstance(node, dict):
                return {k: strip(v) for k, v in node.items() if k not in VOLATILE}
            if isinstance(node, list):
                return [strip(v) for v in node]
            return node
        return strip(json.loads(text))
    if fmt == "junit":
        root = ET.fromstring(text)
        for element in root.iter():
            element.attrib.pop("time", None)
        return ET.tostring(root, encoding="unicode")
    return re.sub(r"\(\d+(?:\.\d+)? s\)", "(s)", text)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_output_file_never_changes_the_exit_code(repo: Repo, run: Runner, tmp_path: Path,
                                                  scenario: str, fmt: str) -> None:
    plant, expected_code = SCENARIOS[scenario]
    plant(repo)
    plain = run(repo.path, "check", "--format", fmt)
    assert plain.code == expected_code, plain.stderr
    target = tmp_path / "reports" / f"report.{fmt}"
    target.parent.mkdir()
    written = run(repo.path, "check", "--format", fmt, "--output", str(target))
    assert written.code == plain.code
    assert "Traceback" not in written.stderr
    content = target.read_text(encoding="utf-8") if target.exists() else ""
    assert normalise(content, fmt) == normalise(plain.stdout, fmt)
    if scenario != "invalid-manifest" or fmt != "text":
        assert content
    if content:
        assert written.stdout.strip() == ""


def validate_scenario(repo: Repo, tmp_path: Path, scenario: str) -> tuple[Live, int]:
    if scenario == "findings":
        return plant_validate(repo, tmp_path), 1
    live = plant_validate_ok(repo)
    if scenario == "unreachable-backend":
        vault_credential = ".".join(("hvs", distinct_token(24)))
        live.env["SECRET_BACKEND"] = "vault"  # pragma: allowlist secret
        live.env.update({"VAULT_ADDR": "http://127.0.0.1:9", "VAULT_TOKEN": vault_credential})
        live.values.append(vault_credential)
        return live, 2
    return live, 0


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("scenario", ["ok", "findings", "unreachable-backend"])
def test_output_file_never_changes_the_exit_code_of_validate(repo: Repo, run: Runner,
                                                             tmp_path: Path, scenario: str,
                                                             fmt: str) -> None:
    live, expected_code = validate_scenario(repo, tmp_path, scenario)
    plain = run(repo.path, "validate", "--format", fmt, env=live.env, unset=live.unset)
    assert plain.code == expected_code, plain.stdout + plain.stderr
    target = tmp_path / f"validate.{fmt}"
    written = run(repo.path, "validate", "--format", fmt, "--output", str(target),
                  env=live.env, unset=live.unset)
    assert written.code == plain.code
    content = target.read_text(encoding="utf-8")
    assert normalise(content, fmt) == normalise(plain.stdout, fmt)
    canaries = validate_canaries(live.values)
    assert len(canaries.leaks(plain.stdout, plain.stderr, written.stdout, written.stderr,
                              content)) == 0


def test_output_relative_path_is_written_from_the_working_directory(repo: Repo,
                                                                    run: Runner) -> None:
    plant_mixed(repo)
    result = run(repo.path, "check", "--format", "json", "--output", "report.json")
    assert result.code == 1
    report = json.loads((repo.path / "report.json").read_text(encoding="utf-8"))
    assert any(f["rule"] == "SH102" for f in report["findings"])


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_output_into_a_missing_folder_is_a_one_line_error(repo: Repo, fmt: str) -> None:
    plant_mixed(repo)
    result = run_process(repo.path, "check", "--format", fmt, "--output",
                         "no-such-folder/deeper/report.out")
    assert result.code == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "no-such-folder" in lines[0]
    assert not (repo.path / "no-such-folder").exists()


def test_output_onto_a_folder_fails_cleanly_and_leaves_nothing_behind(repo: Repo,
                                                                     tmp_path: Path) -> None:
    plant_mixed(repo)
    reports = tmp_path / "reports"
    (reports / "taken").mkdir(parents=True)
    before = sorted(p.name for p in reports.iterdir())
    result = run_process(repo.path, "check", "--format", "json", "--output",
                         str(reports / "taken"))
    assert result.code == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert sorted(p.name for p in reports.iterdir()) == before
    assert list((reports / "taken").iterdir()) == []


# --- 8. no secret value in any output ---------------------------------------------------------

@dataclass
class Canaries:
    """Strings that must never appear in any output."""

    forbidden: list[str] = field(default_factory=list)
    forbidden_lower: list[str] = field(default_factory=list)  # hashes, matched case-insensitively

    def leaks(self, *texts: str) -> list[str]:
        found = []
        for text in texts:
            lower = text.lower()
            found += [c for c in self.forbidden if c in text]
            found += [c for c in self.forbidden_lower if c.lower() in lower]
        return found


def plant_check_secrets(repo: Repo) -> tuple[Canaries, set[str]]:
    repo.manifest()
    repo.write(".gitignore", "secrets/\n")
    aws = aws_key_id()
    gh = github_token()
    pem = private_key_pem()
    db_password = distinct_token(22)
    k8s_value = "Prod-" + distinct_token(24)
    repo.write("app/cloud.py", f'AWS_ACCESS_KEY_ID = "{aws}"\nGITHUB = "{gh}"\n')
    repo.write("deploy/server.key", pem)
    repo.write(".env", f"DB_PASSWORD={db_password}\nDB_HOST=db\n")
    repo.write("k8s/secrets.yaml", "\n".join([
        "apiVersion: v1",
        "kind: Secret",
        "metadata:",
        "  name: yosai-db",
        "type: Opaque",
        "data:",
        f"  DB_PASSWORD: {b64(k8s_value)}",
        "---",
        "apiVersion: v1",
        "kind: Secret",
        "metadata:",
        "  name: gateway-tls",
        "type: kubernetes.io/tls",
        "data:",
        '  tls.crt: ""',
        f"  tls.key: {b64(pem)}",
        "",
    ]))
    repo.commit("planted secrets")
    values = [aws, gh, db_password, k8s_value, pem.strip()]
    forbidden = list(values) + [b64(v) for v in values]
    body = [line for line in pem.splitlines() if line and not line.startswith("-----")]
    assert len(body) > 3
    forbidden += body
    forbidden.append(b64(pem)[:60])
    return Canaries(forbidden=forbidden), {"SH101", "SH102", "SH201"}


def run_every_format(run: Runner, cwd: Path, tmp_path: Path, *args: str,
                     env: dict[str, str] | None = None,
                     unset: tuple[str, ...] = ()) -> list[tuple[str, Result, str]]:
    outputs = []
    for fmt in FORMATS:
        for extra in ((), ("-v",)):
            plain = run(cwd, *args, "--format", fmt, *extra, env=env, unset=unset)
            outputs.append((f"{fmt} {' '.join(extra)} stdout", plain, ""))
            target = tmp_path / f"out-{fmt}{'-v' if extra else ''}.report"
            written = run(cwd, *args, "--format", fmt, *extra, "--output", str(target),
                          env=env, unset=unset)
            content = target.read_text(encoding="utf-8")
            assert content, f"{fmt}: nothing written to {target}"
            assert written.code == plain.code
            outputs.append((f"{fmt} {' '.join(extra)} --output", written, content))
    return outputs


def test_check_never_prints_a_secret_value_in_any_format(repo: Repo, run: Runner,
                                                         tmp_path: Path) -> None:
    canaries, rules = plant_check_secrets(repo)
    found = run(repo.path, "check", "--format", "json")
    assert found.code == 1
    assert rules <= set(found.rules())
    assert {p for p, _ in found.at("SH101")} >= {".env", "k8s/secrets.yaml"}
    assert {p for p, _ in found.at("SH102")} >= {"app/cloud.py", "deploy/server.key"}
    outputs = run_every_format(run, repo.path, tmp_path, "check")
    for label, result, content in outputs:
        assert result.code == 1, label
        leaked = canaries.leaks(result.stdout, result.stderr, content)
        assert len(leaked) == 0, f"{label}: leaked {len(leaked)} value(s)"


@dataclass
class Live:
    env: dict[str, str]
    unset: tuple[str, ...]
    values: list[str]


def plant_validate(repo: Repo, tmp_path: Path) -> Live:
    """Live values from the environment (too short), a NAME_FILE file (weak) and the
    relative docker secrets dir (fine)."""
    repo.manifest(manifest_with_relative_secrets_dir())
    repo.write(".gitignore", ".env\nsecrets/\nrun-secrets/\n")
    repo.commit("manifest")
    secret_key = distinct_token(20)           # SH402: shorter than min_length 32
    weak_value = "test-" + distinct_token(18)  # SH403: a test word
    client_secret = distinct_token(40)        # read from ./run-secrets, accepted
    outside = tmp_path / "mounted" / "db_password"
    outside.parent.mkdir(parents=True)
    outside.write_text(weak_value + "\n")
    repo.write("run-secrets/auth0_client_secret", client_secret + "\n")
    env = {"YOSAI_ENV": "production", "SECRET_KEY": secret_key,
           "DB_PASSWORD_FILE": str(outside)}
    unset = ("DB_PASSWORD", "SECRET_BACKEND", "SECRET_KEY_FILE", "AUTH0_CLIENT_SECRET",
             "AUTH0_CLIENT_SECRET_FILE", "AUTH0_CLIENT_ID", "AUTH0_DOMAIN", "AUTH0_AUDIENCE")
    return Live(env, unset, [secret_key, weak_value, client_secret])


def validate_canaries(values: list[str]) -> Canaries:
    forbidden: list[str] = []
    hashes: list[str] = []
    for value in values:
        forbidden += [value, b64(value), value[:2] + "…"]
        for variant in (value, value + "\n"):
            data = variant.encode()
            hashes += [hashlib.sha256(data).hexdigest(), hashlib.sha1(data).hexdigest()]
    return Canaries(forbidden=forbidden, forbidden_lower=hashes)


def test_validate_never_prints_a_live_value_or_its_hash(repo: Repo, run: Runner,
                                                       tmp_path: Path) -> None:
    live = plant_validate(repo, tmp_path)
    found = run(repo.path, "validate", "--format", "json", env=live.env, unset=live.unset)
    assert found.code == 1
    assert set(found.rules()) >= {"SH402", "SH403"}
    assert "SH401" not in found.rules()
    assert all(f["secret"] is None for f in found.findings)
    # each source was really read: the env value is too short, the NAME_FILE value weak, and
    # the value in the relative docker secrets dir is found and accepted
    assert [f["message"].split()[0] for f in found.findings if f["rule"] == "SH402"] == [
        "SECRET_KEY"]
    assert [f["message"].split()[0] for f in found.findings if f["rule"] == "SH403"] == [
        "DB_PASSWORD"]
    assert not any("AUTH0_CLIENT_SECRET" in f["message"] for f in found.findings)
    canaries = validate_canaries(live.values)
    outputs = run_every_format(run, repo.path, tmp_path, "validate", env=live.env,
                               unset=live.unset)
    for label, result, content in outputs:
        assert result.code == 1, label
        leaked = canaries.leaks(result.stdout, result.stderr, content)
        assert len(leaked) == 0, f"{label}: leaked {len(leaked)} value(s), prefix(es) or hash(es)"
        if label.startswith("sarif"):
            document = json.loads(content or result.stdout)
            for item in document["runs"][0]["results"]:
                assert "secret" not in item.get("properties", {}), label


def test_validate_as_a_real_process_leaks_nothing(repo: Repo, tmp_path: Path) -> None:
    live = plant_validate(repo, tmp_path)
    canaries = validate_canaries(live.values)
    env = {k: v for k, v in os.environ.items() if k not in live.unset}
    env.update(live.env)
    for fmt in FORMATS:
        proc = subprocess.run([str(TOOL), "validate", "--format", fmt], cwd=repo.path, env=env,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 1, proc.stderr
        assert len(canaries.leaks(proc.stdout, proc.stderr)) == 0, fmt


def test_check_as_a_real_process_leaks_nothing(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "proc")
    canaries, _ = plant_check_secrets(repo)
    for fmt in FORMATS:
        result = run_process(repo.path, "check", "--format", fmt, "-v")
        assert result.code == 1, result.stderr
        assert len(canaries.leaks(result.stdout, result.stderr)) == 0, fmt


def plant_validate_ok(repo: Repo) -> Live:
    """Every required secret present and strong: SECRET_KEY from the environment, DB_PASSWORD
    from the relative docker secrets dir, AUTH0_CLIENT_SECRET from the environment."""
    repo.manifest(manifest_with_relative_secrets_dir())
    repo.write(".gitignore", ".env\nsecrets/\nrun-secrets/\n")
    repo.commit("manifest")
    secret_key = distinct_token(40)
    from_dir = distinct_token(24)
    client_secret = distinct_token(32)
    repo.write("run-secrets/db_password", from_dir + "\n")
    env = {"YOSAI_ENV": "production", "SECRET_KEY": secret_key,
           "AUTH0_CLIENT_SECRET": client_secret}
    unset = ("DB_PASSWORD", "DB_PASSWORD_FILE", "SECRET_BACKEND", "SECRET_KEY_FILE",
             "AUTH0_CLIENT_SECRET_FILE", "AUTH0_CLIENT_ID", "AUTH0_DOMAIN", "AUTH0_AUDIENCE")
    return Live(env, unset, [secret_key, from_dir, client_secret])


def test_validate_does_not_quote_a_weak_live_value(repo: Repo, run: Runner,
                                                   tmp_path: Path) -> None:
    """A live value that is nothing but a development word is still the value: the message
    says why it is weak without repeating it."""
    live = plant_validate_ok(repo)
    weak = "demo"
    live.env["DB_PASSWORD"] = weak
    found = run(repo.path, "validate", "--format", "json", env=live.env, unset=live.unset)
    assert found.code == 1
    (finding,) = [f for f in found.findings if f["rule"] == "SH403"]
    assert "DB_PASSWORD" in finding["message"]
    for label, result, content in run_every_format(run, repo.path, tmp_path, "validate",
                                                   env=live.env, unset=live.unset):
        for text in (result.stdout, result.stderr, content):
            assert f"'{weak}'" not in text, label


def test_check_never_prints_part_of_a_value_with_a_dollar_sign(repo: Repo, run: Runner,
                                                              tmp_path: Path) -> None:
    """A compose literal with an unescaped `$` (SH320): neither the whole value nor any
    fragment of it beyond the redacted two characters appears in a report."""
    repo.manifest()
    repo.write(".gitignore", ".env\nsecrets/\n")
    # a letter after the `$`, so Compose reads a variable name there
    value = distinct_token(4) + "$" + secrets.choice(string.ascii_letters) + distinct_token(13)
    repo.write("docker-compose.yml", "\n".join([
        "services:",
        "  app:",
        "    image: example/app:1.0",
        "    environment:",
        f'      API_SECRET: "{value}"',
        "",
    ]))
    repo.commit()
    found = run(repo.path, "check", "--format", "json")
    assert "SH320" in found.rules()
    fragments = {value[i:i + 8] for i in range(len(value) - 7)}
    for label, result, content in run_every_format(run, repo.path, tmp_path, "check"):
        for text in (result.stdout, result.stderr, content):
            shown = sorted(f for f in fragments if f in text)
            assert len(shown) == 0, f"{label}: {len(shown)} fragment(s) of the value shown"
