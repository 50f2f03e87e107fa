"""Build a benchmark repository with a long history, through `git fast-import`.

The first commit is a web-app-shaped tree from bench/corpus.py; then thousands of commits edit
a few files each (lines inserted and deleted, as people do), add and delete files, run on
feature branches that are merged back (two are left unmerged), and plant secrets that later
commits remove again - in code, in .env files and as committed secret files. Deterministic for
a given seed. Usage:

    python bench/history_repo.py TARGET [--commits 3000] [--megabytes 4] [--seed 11]
"""

from __future__ import annotations

import argparse
import random
import string
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # a sibling script, not a package

START = 1_600_000_000  # commit times: one every ~3 hours from Sep 2020


@dataclass
class Branch:
    name: str
    files: dict[str, list[str]]
    mark: int = 0
    changed: set[str] = field(default_factory=set)


class Writer:
    """The fast-import stream, written to a file and fed to git at the end."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.marks = 0
        self.time = START
        self.commits = 0

    def commit(self, branch: Branch, message: str, changes: dict[str, list[str] | None],
               merge: int | None = None) -> None:
        self.marks += 1
        self.time += 3 * 3600 + self.marks % 1800
        self.commits += 1
        message_bytes = message.encode()
        out = [f"commit refs/heads/{branch.name}\nmark :{self.marks}\n".encode(),
               f"author Dev <dev@example.invalid> {self.time} +0000\n".encode(),
               f"committer Dev <dev@example.invalid> {self.time} +0000\n".encode(),
               f"data {len(message_bytes)}\n".encode(), message_bytes, b"\n"]
        if branch.mark:
            out.append(f"from :{branch.mark}\n".encode())
        if merge:
            out.append(f"merge :{merge}\n".encode())
        for path, lines in sorted(changes.items()):
            if lines is None:
                out.append(f"D {path}\n".encode())
            else:
                data = "".join(line + "\n" for line in lines).encode()
                out.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode())
                out.append(data + b"\n")
        self.parts.extend(out)
        branch.mark = self.marks

    def run(self, target: Path) -> None:
        with tempfile.TemporaryFile() as stream:
            for part in self.parts:
                stream.write(part)
            stream.seek(0)
            subprocess.run(["git", "fast-import", "--quiet"], cwd=target, stdin=stream,
                           check=True)


def secret(rng: random.Random, kind: int) -> str:
    """A planted line (generated now; nothing is stored in the repository)."""
    def chars(n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
        return "".join(rng.choice(alphabet) for _ in range(n))

    return [f'GITHUB_TOKEN = "ghp_{chars(36)}"',
            f"AWS_ACCESS_KEY_ID = '{'AKIA' + chars(16, string.ascii_uppercase + '234567')}'",
            f'DB_PASSWORD = "{chars(22)}"',
            f"const stripeKey = 'sk_live_{chars(24)}';",
            f"SLACK_HOOK = 'xoxb-{rng.randint(10**11, 10**12)}-{chars(24)}'"][kind % 5]


def build(target: Path, commits: int, megabytes: float, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tree:
        corpus.build(Path(tree), megabytes, seed)
        files = {p.relative_to(tree).as_posix(): p.read_text().splitlines()
                 for p in sorted(Path(tree).rglob("*")) if p.is_file()}
    pool = [line for lines in files.values() for line in lines if line.strip()]
    subprocess.run(["git", "init", "-q", "-b", "main", str(target)], check=True)
    writer = Writer()
    main = Branch("main", dict(files))
    writer.commit(main, "initial import", dict(files))
    planted = removed = 0
    pending: list[tuple[int, Branch, str, str]] = []  # (commit to remove at, branch, path, line)
    open_branch: Branch | None = None
    feature_count = 0

    def edit(branch: Branch) -> dict[str, list[str] | None]:
        nonlocal planted
        changes: dict[str, list[str] | None] = {}
        for path in rng.sample(sorted(branch.files), rng.randint(1, 4)):
            lines = list(branch.files[path])
            for _ in range(rng.randint(1, 4)):  # hunks, as people write them
                at = rng.randint(0, len(lines))
                roll = rng.random()
                if lines and roll < 0.25:
                    del lines[at:at + rng.randint(1, 10)]
                elif lines and roll < 0.5:
                    for offset in range(rng.randint(1, 3)):
                        if at + offset < len(lines):
                            lines[at + offset] = rng.choice(pool)
                else:
                    start = rng.randrange(len(pool))
                    lines[at:at] = pool[start:start + rng.randint(1, 25)]
            branch.files[path] = lines
            changes[path] = lines
        roll = rng.random()
        if roll < 0.04:  # a new file, copied from a pool file's shape
            path = f"src/new/{corpus.ident(rng)}_{writer.commits}.py"
            branch.files[path] = rng.sample(pool, rng.randint(20, 200))
            changes[path] = branch.files[path]
        elif roll < 0.06 and len(branch.files) > 50:
            path = rng.choice(sorted(branch.files))
            del branch.files[path]
            changes[path] = None
        if rng.random() < 0.02:  # a secret goes in; it is removed some commits later
            path = rng.choice([p for p in sorted(branch.files) if p.endswith((".py", ".ts",
                                                                               ".tsx"))])
            line = secret(rng, planted)
            branch.files[path] = branch.files[path] + [line]
            changes[path] = branch.files[path]
            pending.append((writer.commits + rng.randint(1, 60), branch, path, line))
            planted += 1
        if rng.random() < 0.003:  # a committed secret file
            path = rng.choice(["secrets/db_password.txt", "secrets/secret_key.txt",
                               "deploy/.env.production"])
            branch.files[path] = [secret(rng, 2)]
            changes[path] = branch.files[path]
            pending.append((writer.commits + rng.randint(5, 80), branch, path, ""))
            planted += 1
        branch.changed.update(changes)
        return changes

    def clean_up(branch: Branch) -> dict[str, list[str] | None]:
        nonlocal removed
        changes: dict[str, list[str] | None] = {}
        for item in [p for p in pending if p[1] is branch and p[0] <= writer.commits]:
            pending.remove(item)
            _, _, path, line = item
            if path not in branch.files:
                continue
            if not line:
                del branch.files[path]
                changes[path] = None
            elif line in branch.files[path]:
                branch.files[path] = [x for x in branch.files[path] if x != line]
                changes[path] = branch.files[path]
            removed += 1
        return changes

    while writer.commits < commits:
        if open_branch is None and rng.random() < 0.01:
            feature_count += 1
            open_branch = Branch(f"feature/{feature_count}", dict(main.files), main.mark)
        branch = open_branch if open_branch is not None and rng.random() < 0.6 else main
        changes = edit(branch)
        changes.update(clean_up(branch))
        writer.commit(branch, f"change {writer.commits}", changes)
        if open_branch is not None and len(open_branch.changed) > 25 and rng.random() < 0.1:
            if feature_count % 7 != 3:  # most branches are merged; a few never are
                merged = {p: open_branch.files.get(p) for p in open_branch.changed}
                for path, lines in merged.items():
                    if lines is None:
                        main.files.pop(path, None)
                    else:
                        main.files[path] = lines
                writer.commit(main, f"merge {open_branch.name}", merged, merge=open_branch.mark)
            open_branch = None
    writer.run(target)
    subprocess.run(["git", "checkout", "-q", "main"], cwd=target, check=True)
    return {"commits": writer.commits, "planted": planted, "removed": removed,
            "branches": feature_count}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("target", type=Path)
    parser.add_argument("--commits", type=int, default=3000)
    parser.add_argument("--megabytes", type=float, default=4.0)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    if args.target.exists() and any(args.target.iterdir()):
        print(f"{args.target}: not empty", file=sys.stderr)
        return 2
    facts = build(args.target, args.commits, args.megabytes, args.seed)
    print(f"{args.target}: {facts['commits']} commits, {facts['branches']} feature branches, "
          f"{facts['planted']} secrets planted ({facts['removed']} removed later)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
