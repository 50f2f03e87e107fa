"""Build the example repository in a temporary folder and run secret-hygiene on it.

Used by `make run`. Secrets are generated here at run time; none is stored in the example.
Prints the report, then where the repository is so it can be explored. Exits 0 when the check
found the planted problems (exit code 1), non-zero otherwise.
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import string
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def build(target: Path) -> Path:
    repo = target / "yosai"
    shutil.copytree(HERE, repo, ignore=shutil.ignore_patterns("demo.py", "README.md",
                                                             "__pycache__"))
    (repo / "gitignore").rename(repo / ".gitignore")
    alphabet = string.ascii_uppercase + "234567"
    key_id = "AKIA" + "".join(secrets.choice(alphabet) for _ in range(16))
    (repo / "deploy").mkdir()
    (repo / "deploy" / "sync.sh").write_text(
        "#!/bin/sh\n# Planted problem: a committed AWS access key.\n"
        f"export AWS_ACCESS_KEY_ID={key_id}\n"
        "aws s3 sync ./dist s3://yosai-assets\n")
    password = "Prod-" + secrets.token_urlsafe(18)
    encoded = base64.b64encode(password.encode()).decode()
    (repo / "k8s").mkdir()
    (repo / "k8s" / "db-secret.yaml").write_text(
        "# Planted problem: base64 is not encryption.\n"
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: yosai-db\ntype: Opaque\ndata:\n"
        f"  DB_PASSWORD: {encoded}\n")
    for path in (repo / "secrets").iterdir():
        path.chmod(0o644)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "demo@example.invalid")
    git(repo, "config", "user.name", "Demo")
    git(repo, "config", "commit.gpgsign", "false")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Yosai dashboard, state with planted problems")
    return repo


def main() -> int:
    tool = os.environ.get("SECRET_HYGIENE", str(Path(sys.executable).parent / "secret-hygiene"))
    target = Path(tempfile.mkdtemp(prefix="secret-hygiene-example-"))
    repo = build(target)
    print(f"$ cd {repo} && secret-hygiene check\n", flush=True)
    code = subprocess.run([tool, "check", *sys.argv[1:]], cwd=repo).returncode
    print(f"\nexit code {code} ({'findings, as planted' if code == 1 else 'unexpected'}).")
    if os.environ.get("SECRET_HYGIENE_DEMO_CLEANUP"):
        shutil.rmtree(target)
    else:
        print(f"The example repository is at {repo}; explore it, then delete {target}.")
    return 0 if code == 1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
