"""`history` on generated repositories: the new-lines scan against whole-blob scans, merges,
branches, pragmas that come and go, broken object stores, the cache, progress and formats."""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
from pathlib import Path
from typing import Any

import pytest

from secret_hygiene.context import open_project
from secret_hygiene.delta import NewLines, Version, new_lines_only
from secret_hygiene.findings import Finding
from secret_hygiene.progress import Progress
from secret_hygiene.rules.catalogue import RULES
from secret_hygiene.rules.history import HistoryOptions, run_history
from secret_hygiene.sources import SourceFile
from test_reports import sarif_errors

from conftest import Repo, Runner, aws_key_id, github_token, init_repo, private_key_pem, token

EVERY_RULE = {rule.id for rule in RULES}
NEXTLINE = "# pragma: allowlist nextline secret"


def key(finding: Finding) -> tuple[Any, ...]:
    extra = finding.extra
    return (finding.path, finding.line, extra["found_by"], finding.identity, extra["commit"],
            extra["in_head"], extra["reachable_from_head"])


def history(root: Path, **options: Any) -> set[tuple[Any, ...]]:
    project = open_project(root, None, None)
    report = run_history(project, EVERY_RULE,
                         HistoryOptions(cache=False, progress=False, **options))
    assert report.complete, report.skipped
    return {key(f) for f in report.findings}


def secret_line(rng: random.Random, suffix: str) -> str:
    value = token(rng.randint(20, 40))
    return {".py": f'API_TOKEN = "{value}"',
            ".ts": f"const key = 'sk_live_{token(24)}';",
            ".md": f"Use `{github_token()}` to log in.",
            ".env": f"DB_PASSWORD={value}",
            "": f"export AWS_ACCESS_KEY_ID={aws_key_id()}"}[suffix]


def plain_line(rng: random.Random, suffix: str, number: int) -> str:
    word = rng.choice(["user", "order", "cache", "route", "token", "secret", "password"])
    return {".py": f"value_{number} = compute('{word}', {number})",
            ".ts": f"  logger.info('{word}', {{ id: {number} }});",
            ".md": f"The {word} step number {number} is described here.",
            ".env": f"FEATURE_{number}={word}",
            "": f"echo {word} {number}"}[suffix]


def generated_history(repo: Repo, seed: int) -> None:
    """Files of several kinds edited over 30 commits: secrets in, out, moved and allowlisted,
    a nextline pragma added above a secret and later removed, a CRLF rewrite, a private key
    and a branch merged back. 80 files in the first commit, so the worker pool is used."""
    rng = random.Random(seed)
    kinds = {f"src/module_{i}.py": ".py" for i in range(40)}
    kinds.update({f"web/view_{i}.ts": ".ts" for i in range(20)})
    kinds.update({f"docs/page_{i}.md": ".md" for i in range(15)})
    kinds.update({"deploy/.env.staging": ".env", "deploy/run": "", "bin/start": "",
                  "config/app.yaml": ".yaml", "config/legacy.txt": ".txt"})
    files: dict[str, list[str]] = {}
    for path, suffix in kinds.items():
        if suffix == ".yaml":
            files[path] = ["app:", "  name: demo", "  port: 8080"]
        elif suffix == ".txt":  # an INI file in disguise: detect-secrets' INI reading applies
            files[path] = ["[db]", "host = db", "port = 5432"]
        else:
            files[path] = [plain_line(rng, suffix, n) for n in range(rng.randint(5, 30))]
    repo.manifest()
    for path, lines in files.items():
        repo.write(path, "\n".join(lines) + "\n")
    repo.commit("initial")
    branch_started = False
    for number in range(30):
        if number == 12:
            repo.git("checkout", "-q", "-b", "feature")
            branch_started = True
        if number == 20 and branch_started:
            repo.git("checkout", "-q", "main")
            repo.git("merge", "-q", "--no-ff", "-m", "merge feature", "feature")
            files = {p: repo.path.joinpath(p).read_text().splitlines() for p in files}
            branch_started = False
        for path in rng.sample(sorted(files), 4):
            suffix = kinds[path]
            lines = files[path]
            if suffix == ".yaml":
                lines.append(f"  password: {token(18)}" if rng.random() < 0.3 else
                             f"  key_{number}: {rng.randint(1, 99)}")
            elif suffix == ".txt":
                lines.append(f"password = {token(16)}" if rng.random() < 0.3 else
                             f"option_{number} = {number}")
            else:
                for _ in range(rng.randint(1, 4)):
                    at = rng.randint(0, len(lines))
                    roll = rng.random()
                    if roll < 0.2 and lines:
                        del lines[min(at, len(lines) - 1)]
                    elif roll < 0.35:
                        lines[at:at] = [NEXTLINE, secret_line(rng, suffix)]
                    elif roll < 0.45 and NEXTLINE in lines:
                        lines.remove(NEXTLINE)  # the secret below it is exposed now
                    elif roll < 0.6:
                        lines.insert(at, secret_line(rng, suffix))
                    elif roll < 0.7 and len(lines) > 3:
                        moved = lines.pop(rng.randrange(len(lines)))
                        lines.insert(rng.randint(0, len(lines)), moved)
                    else:
                        lines.insert(at, plain_line(rng, suffix, number * 100 + at))
            ending = "\r\n" if number == 25 and path.endswith(".py") else "\n"
            repo.write(path, ending.join(lines) + ending)
        if number == 8:
            repo.write("deploy/id_rsa.txt", private_key_pem())
        if number == 16:  # the key's middle edited: a different key, same first line
            pem = repo.path.joinpath("deploy/id_rsa.txt").read_text().splitlines()
            pem[3] = pem[3][::-1]
            repo.write("deploy/id_rsa.txt", "\n".join(pem) + "\n")
        repo.commit(f"change {number}")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_new_lines_scan_finds_what_whole_blob_scans_find(repo: Repo, seed: int) -> None:
    generated_history(repo, seed)
    whole = history(repo.path, whole_blobs=True, jobs=1)
    assert len(whole) >= 10  # the generator planted enough to compare
    assert history(repo.path, jobs=1) == whole
    assert history(repo.path, jobs=2) == whole


def test_a_removed_pragma_exposes_the_secret_at_that_commit(repo: Repo, run: Runner) -> None:
    value = token(30)
    repo.write("app.py", f'import os\n{NEXTLINE}\npassword = "{value}"\nDEBUG = False\n')
    repo.commit("allowlisted")
    assert run(repo.path, "history", "--format", "json").findings == []
    repo.write("app.py", f'import os\npassword = "{value}"\nDEBUG = False\n')
    repo.commit("pragma removed")
    head = repo.git("rev-parse", "HEAD").stdout.strip()
    result = run(repo.path, "history", "--format", "json")
    [finding] = result.findings
    assert (finding["path"], finding["line"], finding["commit"]) == ("app.py", 2, head)
    assert value not in result.stdout


def test_merges_report_the_branch_commit_and_conflict_resolutions(repo: Repo,
                                                                  run: Runner) -> None:
    repo.write("app.py", "A = 1\nB = 2\n")
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature")
    from_branch = github_token()
    repo.write("feature.py", f'TOKEN = "{from_branch}"\n')
    repo.write("app.py", "A = 10\nB = 2\n")
    repo.commit("feature work")
    branch_commit = repo.git("rev-parse", "HEAD").stdout.strip()
    repo.git("checkout", "-q", "main")
    repo.write("app.py", "A = 100\nB = 2\n")
    repo.commit("main work")
    repo.git("merge", "-q", "feature", check=False)  # conflicts in app.py
    resolved = token(28)
    repo.write("app.py", f'A = 1000\nB = 2\npassword = "{resolved}"\n')
    repo.commit("merge feature")
    merge_commit = repo.git("rev-parse", "HEAD").stdout.strip()
    result = run(repo.path, "history", "--format", "json")
    by_path = {f["path"]: f for f in result.findings}
    assert by_path["feature.py"]["commit"] == branch_commit
    assert by_path["app.py"]["commit"] == merge_commit and by_path["app.py"]["line"] == 3
    assert all(f["reachable_from_head"] and f["in_head"] for f in result.findings)


def test_secrets_only_on_other_branches_are_not_reachable_from_head(repo: Repo,
                                                                    run: Runner) -> None:
    repo.write("README.md", "demo\n")
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "experiment")
    repo.write("notes.py", f'password = "{token(24)}"\n')
    repo.commit("experiment")
    repo.git("checkout", "-q", "main")
    result = run(repo.path, "history")
    assert result.code == 1
    assert "only on refs HEAD does not reach" in result.stdout
    data = run(repo.path, "history", "--format", "json").report
    [incident] = data["incidents"]
    assert incident["reachable_from_head"] is False and incident["in_head"] is False
    assert run(repo.path, "history", "--branch", "main", "--format", "json").findings == []
    both = run(repo.path, "history", "--branch", "main", "--branch", "experiment",
               "--format", "json")
    assert [f["path"] for f in both.findings] == ["notes.py"]
    assert run(repo.path, "history", "--since", "main", "--since", "experiment",
               "--format", "json").findings == []


def test_a_value_in_two_files_is_one_incident_with_both_paths(repo: Repo, run: Runner) -> None:
    value = github_token()
    repo.write("a.py", f'TOKEN = "{value}"\n')
    repo.commit("one")
    repo.write("b.sh", f"export GITHUB_TOKEN={value}\n")
    repo.commit("two")
    repo.git("rm", "-q", "a.py")
    repo.commit("three")
    first = repo.git("rev-list", "--max-parents=0", "HEAD").stdout.strip()
    data = run(repo.path, "history", "--format", "json").report
    assert len(data["findings"]) == 2
    [incident] = data["incidents"]
    assert incident["paths"] == ["a.py", "b.sh"] and incident["first_commit"] == first
    assert incident["in_head"] is True and len(incident["steps"]) == 4
    assert value not in json.dumps(data)


def test_in_head_follows_the_value_not_the_file(repo: Repo, run: Runner) -> None:
    repo.write("settings.py", f'SECRET = "{token(32)}"\nDEBUG = True\n')
    repo.commit("leak")
    repo.write("settings.py", f'SECRET = "{token(32)}"\nDEBUG = False\n')  # rotated in place
    repo.commit("rotate")
    findings = run(repo.path, "history", "--format", "json").findings
    assert sorted(f["in_head"] for f in findings) == [False, True]


# --- object stores that cannot answer -------------------------------------------------------

def test_a_partial_clone_is_scanned_as_far_as_it_goes_and_incomplete(repo: Repo, run: Runner,
                                                                     tmp_path: Path) -> None:
    repo.write("deploy.sh", f"export AWS_ACCESS_KEY_ID={aws_key_id()}\n")
    repo.write("old.py", f'password = "{token(24)}"\n')
    repo.commit("leak")
    repo.git("rm", "-q", "old.py")
    repo.commit("remove")
    repo.git("config", "uploadpack.allowfilter", "true")
    clone = tmp_path / "partial"
    subprocess.run(["git", "clone", "-q", "--filter=blob:none", f"file://{repo.path}",
                    str(clone)], check=True, capture_output=True)
    result = run(clone, "history", "--format", "json")
    assert result.code == 2 and result.report["complete"] is False
    assert any("partial clone" in error for error in result.report["errors"])
    skipped = {s["path"] for s in result.report["skipped"]}
    assert "old.py" in skipped  # filtered out and never fetched (no network)
    assert [f["path"] for f in result.findings] == ["deploy.sh"]  # checked out, so present


def test_a_corrupt_object_is_listed_and_the_rest_still_scanned(repo: Repo, run: Runner) -> None:
    repo.write("a.py", f'password = "{token(24)}"\n')
    repo.write("b.py", "print('hello')\n")
    repo.commit("two files")
    blob = repo.git("rev-parse", "HEAD:b.py").stdout.strip()
    loose = repo.path / ".git" / "objects" / blob[:2] / blob[2:]
    loose.chmod(0o644)
    loose.write_bytes(b"this is not a zlib stream")
    result = run(repo.path, "history", "--format", "json")
    assert result.code == 2 and result.report["complete"] is False
    assert [s["path"] for s in result.report["skipped"]] == ["b.py"]
    assert [f["path"] for f in result.findings] == ["a.py"]


def test_a_truncated_pack_still_gives_a_report_that_says_so(repo: Repo, run: Runner) -> None:
    for number in range(3):
        repo.write(f"f{number}.py", f"x = {number}\n")
        repo.commit(f"c{number}")
    repo.git("repack", "-a", "-d", "-q")
    [pack] = list((repo.path / ".git" / "objects" / "pack").glob("*.pack"))
    pack.chmod(0o644)
    pack.write_bytes(pack.read_bytes()[:40])
    result = run(repo.path, "history", "--format", "json")
    assert result.code == 2 and result.report["complete"] is False
    [error] = result.report["errors"]
    assert error.startswith("history could not be listed to the end (git log failed in")
    assert "\n" not in error and "Traceback" not in result.stderr


# --- the cache, progress and the formats ----------------------------------------------------

def test_history_reuses_the_result_cache_of_check(repo: Repo, run: Runner) -> None:
    for number in range(5):
        repo.write(f"src/m{number}.py", f"value = {number}\n")
    repo.commit("files")
    run(repo.path, "check")
    first = run(repo.path, "history", "-v")
    assert "5 blobs from the result cache, 0 scanned" in first.stdout
    repo.write("src/m0.py", "value = 'changed'\n")
    repo.commit("change")
    second = run(repo.path, "history", "-v")
    assert "5 blobs from the result cache, 1 scanned" in second.stdout
    assert "engine: 1 blobs scanned for the lines they add" in second.stdout


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_draws_on_a_terminal_only() -> None:
    screen = Terminal()
    bar = Progress("history", None, stream=screen)
    bar.advance(1, 2_000_000)
    assert "1/? blobs" in screen.getvalue()
    bar.total = 4
    for _ in range(3):
        bar.advance(1, 1_000_000)
    assert "[" + "#" * 24 + "] 4/4 blobs, 5.0 MB" in screen.getvalue()
    bar.close()
    assert screen.getvalue().endswith("\r\x1b[K")
    pipe = io.StringIO()
    quiet = Progress("history", 10, stream=pipe)
    quiet.advance(5, 100)
    quiet.close()
    assert pipe.getvalue() == ""


def test_history_writes_no_progress_when_stderr_is_not_a_terminal(repo: Repo,
                                                                   run: Runner) -> None:
    repo.write("a.py", "x = 1\n")
    repo.commit("one")
    result = run(repo.path, "history")
    assert "\r" not in result.stderr and "blobs/s" not in result.stderr


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "gitlab", "junit"])
def test_history_never_prints_a_secret_in_any_format(repo: Repo, run: Runner,
                                                      fmt: str) -> None:
    password, github, key = token(26), github_token(), aws_key_id()
    repo.write("secrets/db_password.txt", password + "\n")
    repo.write("app.py", f'GITHUB_TOKEN = "{github}"\n')
    repo.write("deploy.sh", f"export AWS_ACCESS_KEY_ID={key}\n")
    repo.commit("leak")
    repo.git("rm", "-q", "-r", "secrets", "app.py")
    repo.commit("clean up")
    result = run(repo.path, "history", "--format", fmt, "-v")
    assert result.code == 1
    for value in (password, github, key):
        assert value not in result.stdout and value not in result.stderr
        assert value[4:16] not in result.stdout
    if fmt == "sarif":
        document = json.loads(result.stdout)
        assert sarif_errors(document) == []
        incidents = document["runs"][0]["properties"]["incidents"]
        assert {i["paths"][0] for i in incidents} >= {"app.py", "deploy.sh"}
    if fmt == "text":
        assert result.stdout.count("exposed:") == 3
        assert "audit the logs for use of it since" in result.stdout


# --- which lines of a new version are scanned -------------------------------------------------

def source(path: str, lines: list[str]) -> SourceFile:
    return SourceFile.from_text(path, "\n".join(lines) + "\n")


def encoded(lines: list[str], ending: str = "\n") -> bytes:
    return (ending.join(lines) + ending).encode()


def new_lines(new: SourceFile, old: bytes) -> NewLines | None:
    previous = Version.of_bytes(old)
    assert previous is not None
    return new_lines_only(new, previous, Version.of_text(new.text, new.lines))


def test_only_added_lines_are_scanned_and_keep_their_numbers() -> None:
    old = ["import os", "A = 1", "B = 2", "C = 3"]
    new = ["import os", "A = 1", "X = 9", "B = 2", "C = 3", "Y = 8"]
    subset = new_lines(source("app.py", new), encoded(old))
    assert subset is not None
    added = [n for n, flag in zip(subset.numbers, subset.new, strict=True) if flag]
    assert added == [3, 6]
    assert [line for line, flag in zip(subset.source.lines, subset.new, strict=True)
            if flag] == ["X = 9", "Y = 8"]


def test_moved_lines_and_line_endings_are_not_new() -> None:
    old = ["A = 1", "B = 2", "C = 3"]
    subset = new_lines(source("app.py", ["C = 3", "A = 1", "B = 2"]), encoded(old))
    assert subset is not None and not any(subset.new)
    crlf = new_lines(source("app.py", old), encoded(old, "\r\n"))
    assert crlf is not None and not any(crlf.new)


def test_a_line_below_a_pragma_that_came_or_went_is_scanned_again() -> None:
    old = ["x = 1", NEXTLINE, "TOKEN = 'abc'", "y = 2"]
    gone = new_lines(source("app.py", ["x = 1", "TOKEN = 'abc'", "y = 2"]), encoded(old))
    assert gone is not None
    assert [n for n, f in zip(gone.numbers, gone.new, strict=True) if f] == [2]
    came = new_lines(source("app.py", old), encoded(["x = 1", "TOKEN = 'abc'", "y = 2"]))
    assert came is not None
    assert [n for n, f in zip(came.numbers, came.new, strict=True) if f] == [2, 3]
    assert came.source.lines[0] == ""  # nothing above the run but a blank line


@pytest.mark.parametrize(("path", "lines"), [
    ("config.yaml", ["a:", "  b: 1"]),
    ("settings.ini", ["[db]", "password = x"]),
    ("notes.txt", ["[db]", "password = x"]),  # detect-secrets' eager INI reading parses it
    ("key.txt", ["-----BEGIN RSA PRIVATE KEY-----",  # pragma: allowlist secret
                 "abc", "-----END RSA PRIVATE KEY-----"]),
    (".env.example", ["A=1"]),
])
def test_files_read_across_lines_are_scanned_whole(path: str, lines: list[str]) -> None:
    assert new_lines(source(path, [*lines, "extra = 1"]), encoded(lines)) is None


def test_an_empty_repository_has_no_history(tmp_path: Path, run: Runner) -> None:
    repo = init_repo(tmp_path / "empty")
    result = run(repo.path, "history", "-v")
    assert result.code == 0 and "0 blobs" in result.stdout


# --- incidents ------------------------------------------------------------------------------

def test_check_gives_the_rotation_steps_per_exposed_secret(repo: Repo, run: Runner) -> None:
    repo.manifest()
    key = aws_key_id()
    repo.write("deploy.sh", f"export AWS_ACCESS_KEY_ID={key}\n")
    repo.write("secrets/db_password.txt", token(24) + "\n")
    repo.commit("leaks")
    data = run(repo.path, "check", "--format", "json").report
    kinds = sorted((i["found_by"], i["paths"][0]) for i in data["incidents"])
    assert kinds == [("AWS Access Key", "deploy.sh"), ("secret file", "secrets/db_password.txt")]
    assert all(i["first_commit"] is None and len(i["steps"]) == 4 for i in data["incidents"])
    text = run(repo.path, "check").stdout
    assert "exposed: AWS Access Key value AK… (20 chars) in deploy.sh" in text
    assert "for each exposed secret (2):" in text and text.count("1. rotate it now") == 1
    assert key not in text


def test_accepted_findings_are_no_incidents(repo: Repo, run: Runner) -> None:
    repo.write("deploy.sh", f"export AWS_ACCESS_KEY_ID={aws_key_id()}\n")
    repo.commit("leak")
    assert run(repo.path, "baseline").code == 0
    repo.commit("baseline")
    assert run(repo.path, "check", "--format", "json").report["incidents"] == []
    history = run(repo.path, "history", "--format", "json")  # an accepted value stays accepted
    assert history.findings == [] and history.report["incidents"] == []
    assert run(repo.path, "history", "--no-baseline", "--format", "json").report["incidents"]


def test_a_key_in_a_committed_key_file_is_one_incident(repo: Repo, run: Runner) -> None:
    repo.write("deploy/id_rsa", private_key_pem())
    repo.commit("key")
    for command in ("check", "history"):
        data = run(repo.path, command, "--format", "json").report
        assert len(data["findings"]) >= 2  # the file and the key in it
        [incident] = data["incidents"]
        assert incident["what"].startswith("Private Key value")
        assert incident["paths"] == ["deploy/id_rsa"] and incident["findings"] >= 2


def test_quiet_still_says_where_the_report_went(repo: Repo, run: Runner,
                                               tmp_path: Path) -> None:
    repo.write("a.py", "x = 1\n")
    repo.commit("one")
    result = run(repo.path, "history", "-q", "--output", str(tmp_path / "report.txt"))
    assert result.code == 0 and f"-> {tmp_path / 'report.txt'}" in result.stderr


# --- what a breaker found ----------------------------------------------------------------------

def test_a_blob_renamed_into_another_kind_of_file_is_scanned_again(repo: Repo,
                                                                    run: Runner) -> None:
    import base64

    repo.manifest()
    secret = base64.b64encode(token(24).encode()).decode()
    text = ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\ndata:\n"
            f"  DB_PASSWORD: {secret}\n")
    repo.write("notes.txt", text)
    repo.commit("notes")
    repo.git("mv", "notes.txt", "k8s-secret.yaml")
    repo.commit("it is a manifest")
    renamed = repo.git("rev-parse", "HEAD").stdout.strip()
    assert run(repo.path, "check", "--format", "json").at("SH101") == [("k8s-secret.yaml", 7)]
    result = run(repo.path, "history", "--format", "json")
    [finding] = [f for f in result.findings if f["path"] == "k8s-secret.yaml"]
    assert finding["commit"] == renamed and finding["in_head"] is True


def test_a_copied_file_is_reported_at_both_paths(repo: Repo, run: Runner) -> None:
    repo.write("c1.py", f'TOKEN = "{github_token()}"\n')
    repo.commit("one")
    repo.write("c2.py", repo.path.joinpath("c1.py").read_text())
    repo.commit("copy")
    [incident] = run(repo.path, "history", "--format", "json").report["incidents"]
    assert incident["paths"] == ["c1.py", "c2.py"]


def test_tags_of_blobs_and_trees_are_scanned(repo: Repo, run: Runner) -> None:
    repo.write("README.md", "demo\n")
    repo.commit("base")
    blob_file = repo.path.parent / "loose.py"
    blob_file.write_text(f'password = "{token(24)}"\n')
    blob = repo.git("hash-object", "-w", str(blob_file)).stdout.strip()
    repo.git("tag", "by-blob", blob)
    tree = subprocess.run(["git", "mktree"], cwd=repo.path, capture_output=True, text=True,
                          input=f"100644 blob {blob}\tconfig.py\n", check=True).stdout.strip()
    repo.git("tag", "-a", "-m", "a tree", "by-tree", tree)
    data = run(repo.path, "history", "--format", "json").report
    assert sorted((f["path"], f["commit"]) for f in data["findings"]) == [
        ("config.py", "refs/tags/by-tree"), ("refs/tags/by-blob", "refs/tags/by-blob")]
    assert data["complete"] is True


@pytest.mark.parametrize("hide", ["replace-graft", "replace-commit", "grafts-file"])
def test_replace_refs_and_grafts_do_not_hide_commits(repo: Repo, run: Runner,
                                                      hide: str) -> None:
    repo.write("README.md", "demo\n")
    repo.commit("clean")
    clean = repo.git("rev-parse", "HEAD").stdout.strip()
    repo.write("leak.py", f'password = "{token(24)}"\n')
    repo.commit("leak")
    leak = repo.git("rev-parse", "HEAD").stdout.strip()
    repo.git("rm", "-q", "leak.py")
    repo.commit("remove")
    if hide == "replace-graft":
        repo.git("replace", "--graft", "HEAD", clean)
    elif hide == "replace-commit":
        repo.git("replace", "-f", leak, clean)
    else:
        head = repo.git("rev-parse", "HEAD").stdout.strip()
        (repo.path / ".git" / "info" / "grafts").write_text(head + "\n")
    [finding] = run(repo.path, "history", "--format", "json").findings
    assert finding["path"] == "leak.py" and finding["commit"] == leak


def test_a_blob_head_holds_is_reachable_whichever_commit_showed_it_first(repo: Repo,
                                                                         run: Runner) -> None:
    repo.write("README.md", "demo\n")
    repo.commit("base")
    text = f'password = "{token(24)}"\n'
    repo.git("checkout", "-q", "-b", "side")
    repo.write("s.py", text)
    repo.commit("side")
    repo.git("checkout", "-q", "main")
    repo.write("s.py", text)
    repo.commit("main too")
    [finding] = run(repo.path, "history", "--format", "json").findings
    assert finding["in_head"] is True and finding["reachable_from_head"] is True


def test_in_head_is_about_head_whatever_range_was_scanned(repo: Repo, run: Runner) -> None:
    repo.write("s.py", f'password = "{token(24)}"\n')
    repo.commit("leak")
    repo.git("checkout", "-q", "-b", "feat")
    repo.write("s.py", repo.path.joinpath("s.py").read_text() + "f = 1\n")
    repo.commit("feat")
    repo.git("checkout", "-q", "main")
    repo.write("s.py", repo.path.joinpath("s.py").read_text() + "m = 1\n")
    repo.commit("main")
    [finding] = run(repo.path, "history", "--branch", "feat", "--format", "json").findings
    assert finding["in_head"] is True


def test_a_value_allowlisted_later_is_still_in_head(repo: Repo, run: Runner) -> None:
    value = token(24)
    repo.write("s.py", f'password = "{value}"\n')
    repo.commit("leak")
    repo.write("s.py", f'password = "{value}"  # pragma: allowlist secret\n')
    repo.commit("allowlist it")
    [finding] = run(repo.path, "history", "--format", "json").findings
    assert finding["in_head"] is True


def test_the_first_exposure_is_the_earliest_moment_not_the_smallest_string(
        repo: Repo, run: Runner) -> None:
    value = github_token()
    env = {"GIT_AUTHOR_DATE": "2022-01-01T10:00:00+09:00"}  # 01:00 UTC
    repo.write("a.py", f'TOKEN = "{value}"\n')
    repo.git("add", "a.py")
    subprocess.run(["git", "commit", "-q", "-m", "a"], cwd=repo.path, check=True,
                   env={**os.environ, **env})
    first = repo.git("rev-parse", "HEAD").stdout.strip()
    repo.write("b.py", f'TOKEN = "{value}"\n')
    repo.git("add", "b.py")
    subprocess.run(["git", "commit", "-q", "-m", "b"], cwd=repo.path, check=True,
                   env={**os.environ, "GIT_AUTHOR_DATE": "2022-01-01T05:00:00+00:00"})
    [incident] = run(repo.path, "history", "--format", "json").report["incidents"]
    assert incident["first_commit"] == first
    assert incident["since"] == "2022-01-01T10:00:00+09:00"


def test_a_bad_ref_gives_a_report_that_says_so(repo: Repo, run: Runner) -> None:
    repo.write("s.py", f'password = "{token(24)}"\n')
    repo.commit("leak")
    (repo.path / ".git" / "refs" / "heads" / "bogus").write_text("1" * 40 + "\n")
    result = run(repo.path, "history", "--format", "json")
    assert result.code == 2 and result.report["complete"] is False
    assert any("could not be listed" in e for e in result.report["errors"])


def test_a_bare_mirror_is_scanned(repo: Repo, run: Runner, tmp_path: Path) -> None:
    repo.write("s.py", f'password = "{token(24)}"\n')
    repo.commit("leak")
    mirror = tmp_path / "mirror.git"
    subprocess.run(["git", "clone", "-q", "--mirror", str(repo.path), str(mirror)], check=True)
    result = run(mirror, "history", "--format", "json")
    assert result.code == 1 and [f["path"] for f in result.findings] == ["s.py"]


def test_a_clone_with_a_promisor_remote_but_every_object_is_complete(repo: Repo, run: Runner,
                                                                     tmp_path: Path) -> None:
    repo.write("a.py", "x = 1\n")
    repo.commit("one")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", f"file://{repo.path}", str(clone)], check=True)
    subprocess.run(["git", "config", "remote.origin.promisor", "true"], cwd=clone, check=True)
    result = run(clone, "history", "--format", "json")
    assert result.code == 0 and result.report["complete"] is True


def test_binary_blobs_are_listed_as_skipped(repo: Repo, run: Runner) -> None:
    (repo.path / "bin.dat").write_bytes(b"\0\1\2binary")
    repo.commit("binary")
    data = run(repo.path, "history", "--format", "json").report
    assert [(s["path"], s["reason"]) for s in data["skipped"]] == [("bin.dat", "binary")]
    assert data["complete"] is True


def test_the_progress_line_fits_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "30")
    screen = Terminal()
    bar = Progress("history", 1000, stream=screen)
    bar.advance(10, 10_000)
    drawn = screen.getvalue().split("\r")[-1].replace("\x1b[K", "")
    assert 10 <= len(drawn) <= 29


def test_a_second_history_reads_its_results_from_the_cache(repo: Repo, run: Runner) -> None:
    generated_history(repo, 4)
    first = run(repo.path, "history", "--format", "json")
    again = run(repo.path, "history", "--format", "json")
    assert first.findings == again.findings and first.report["incidents"] == \
        again.report["incidents"]
    assert len(first.findings) >= 10
    verbose = run(repo.path, "history", "-v").stdout
    cached = int(verbose.split("engine: ")[1].split(" blobs from the result cache")[0])
    blobs = int(verbose.rsplit(" in ", 1)[1].split(" blobs")[0])
    assert cached >= blobs  # every blob of history from the cache (HEAD's files are rescanned)
