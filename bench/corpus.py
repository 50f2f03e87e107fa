"""Build a benchmark corpus: a web-app-shaped tree of about 13 MB and 3,000 files.

Real Python source (the running interpreter's standard library) plus generated TypeScript,
YAML (compose, Kubernetes, CI, config), JSON and Markdown, and a few dozen planted secrets of
every kind. Deterministic for a given seed and Python installation. Usage:

    python bench/corpus.py TARGET [--megabytes 13] [--seed 7] [--git]
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import string
import subprocess
import sys
import sysconfig
from pathlib import Path

WORDS = ("user", "account", "order", "invoice", "payment", "session", "token", "cache", "route",
         "view", "model", "service", "report", "event", "metric", "alert", "config", "client",
         "server", "queue", "worker", "job", "task", "schedule", "profile", "search", "filter",
         "export", "import", "upload", "download", "widget", "panel", "chart", "table",
         "dashboard", "door", "badge", "site", "zone", "camera", "sensor", "access", "visit")


def stdlib_files() -> list[Path]:
    root = Path(sysconfig.get_paths()["stdlib"])
    found = [p for p in root.rglob("*.py")
             if "site-packages" not in p.parts and "__pycache__" not in p.parts]
    return sorted(found, key=lambda p: (p.stat().st_size, p.as_posix()))  # many small files


def ident(rng: random.Random) -> str:
    return rng.choice(WORDS) + rng.choice(WORDS).capitalize()


def typescript(rng: random.Random) -> str:
    name = ident(rng)
    lines = [f"import {{ {ident(rng)} }} from './{rng.choice(WORDS)}';",
             f"import type {{ {ident(rng)}Props }} from '../types';", ""]
    lines.append(f"export interface {name}State {{")
    lines += [f"  {ident(rng)}: {rng.choice(['string', 'number', 'boolean'])};"
              for _ in range(rng.randint(3, 9))]
    lines += ["}", "", f"export function {name[0].lower() + name[1:]}(props: {name}State) {{"]
    for _ in range(rng.randint(20, 70)):
        choice = rng.random()
        if choice < 0.3:
            lines.append(f"  const {ident(rng)} = props.{ident(rng)} ?? '{rng.choice(WORDS)}';")
        elif choice < 0.5:
            lines.append(f"  if (props.{ident(rng)} > {rng.randint(0, 999)}) {{ "
                         f"return fetch(`/api/{rng.choice(WORDS)}/${{props.id}}`); }}")
        elif choice < 0.7:
            lines.append(f"  // {' '.join(rng.choice(WORDS) for _ in range(rng.randint(4, 12)))}")
        else:
            lines.append(f"  logger.info('{rng.choice(WORDS)} {rng.choice(WORDS)}', "
                         f"{{ {ident(rng)}: props.{ident(rng)} }});")
    lines += ["  return null;", "}", ""]
    return "\n".join(lines)


def compose(rng: random.Random) -> str:
    service = rng.choice(WORDS)
    return (f"services:\n  {service}:\n    image: example/{service}:{rng.randint(1, 9)}.0\n"
            f"    environment:\n      LOG_LEVEL: info\n      {service.upper()}_HOST: db\n"
            f"      DB_PASSWORD: ${{DB_PASSWORD:?required}}\n    ports:\n"
            f"      - \"{rng.randint(3000, 9000)}:8080\"\n    secrets: [db_password]\n"
            "secrets:\n  db_password:\n    file: ./secrets/db_password.txt\n")


def kubernetes(rng: random.Random) -> str:
    name = rng.choice(WORDS)
    docs = [f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n"
            f"spec:\n  replicas: {rng.randint(1, 5)}\n  template:\n    spec:\n      containers:\n"
            f"        - name: {name}\n"
            f"          image: registry.example/{name}:1.{rng.randint(0, 40)}\n"
            "          env:\n" + "".join(f"            - name: {w.upper()}_MODE\n"
                                        f"              value: \"{rng.choice(WORDS)}\"\n"
                                        for w in rng.sample(WORDS, 6))]
    docs.append(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}-config\ndata:\n"
                + "".join(f"  {w}: \"{rng.choice(WORDS)}-{rng.randint(1, 99)}\"\n"
                          for w in rng.sample(WORDS, 10)))
    return "---\n".join(docs)


def config_yaml(rng: random.Random) -> str:
    out = []
    for section in rng.sample(WORDS, rng.randint(4, 10)):
        out.append(f"{section}:")
        for key in rng.sample(WORDS, rng.randint(3, 10)):
            value = rng.choice([str(rng.randint(0, 10000)), rng.choice(WORDS), "true",
                                f"https://{rng.choice(WORDS)}.example.com/{rng.choice(WORDS)}"])
            out.append(f"  {key}_{rng.choice(WORDS)}: {value}  # {rng.choice(WORDS)}")
    return "\n".join(out) + "\n"


def json_file(rng: random.Random) -> str:
    data = {f"{rng.choice(WORDS)}.{rng.choice(WORDS)}": " ".join(
        rng.choice(WORDS) for _ in range(rng.randint(2, 9))) for _ in range(rng.randint(30, 120))}
    return json.dumps(data, indent=2) + "\n"


def markdown(rng: random.Random) -> str:
    lines = [f"# {ident(rng)}", ""]
    for _ in range(rng.randint(10, 40)):
        lines.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20))) + ".")
        if rng.random() < 0.2:
            lines += ["", "```sh", f"curl https://api.example.com/{rng.choice(WORDS)}", "```"]
        lines.append("")
    return "\n".join(lines)


def planted(rng: random.Random) -> dict[str, str]:
    """Secrets of every kind, generated now (none is stored in the repository)."""
    def chars(n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
        return "".join(rng.choice(alphabet) for _ in range(n))

    aws = "AKIA" + chars(16, string.ascii_uppercase + "234567")
    files = {
        "deploy/aws.sh": f"export AWS_ACCESS_KEY_ID={aws}\nexport AWS_SECRET_ACCESS_KEY="
                         f"\"{chars(40)}\"\n",
        "src/integrations/github.py": f'GITHUB_TOKEN = "ghp_{chars(36)}"\n',
        "src/integrations/stripe.ts": f"const key = 'sk_live_{chars(24)}';\n",
        "config/legacy.yaml": f"database:\n  password: {chars(18)}\n",
        "k8s/db-secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n"
                              f"  DB_PASSWORD: {base64.b64encode(chars(20).encode()).decode()}\n",
        ".env.staging": f"DB_PASSWORD={chars(22)}\nSECRET_KEY={chars(48)}\n",
        "src/settings/local.py": f'SECRET_KEY = "{chars(50)}"\n',
        "docs/connection.md": "Server=db;Database=app;User Id=sa;"  # pragma: allowlist secret
                              f"Password={chars(14)};\n",
        "scripts/db_url.txt": f"postgres://app:{chars(16)}@db:5432/app\n",
        "src/client/slack.js": f"const hook = 'xoxb-{rng.randint(10**11, 10**12)}-{chars(24)}';\n",
    }
    for i in range(20):
        files[f"src/legacy/module_{i}.py"] = f'API_KEY_{i} = "{chars(32)}"\n'
    return files


def build(target: Path, megabytes: float, seed: int) -> tuple[int, int]:
    rng = random.Random(seed)
    budget = int(megabytes * 1024 * 1024)
    written = files = 0

    def put(relative: str, text: str) -> None:
        nonlocal written, files
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written += len(text.encode())
        files += 1

    for relative, text in planted(rng).items():
        put(relative, text)
    generators = [("web/src/components/{}.tsx", typescript, 0.16),
                  ("deploy/compose/docker-compose.{}.yml", compose, 0.002),
                  ("deploy/k8s/{}.yaml", kubernetes, 0.012),
                  ("config/{}.yaml", config_yaml, 0.012),
                  ("web/src/i18n/{}.json", json_file, 0.06),
                  ("docs/{}.md", markdown, 0.04)]
    for pattern, generator, share in generators:
        spent = 0
        while spent < budget * share:
            text = generator(rng)
            put(pattern.format(f"{rng.choice(WORDS)}_{files}"), text)
            spent += len(text)
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    for source in stdlib_files():
        if written >= budget:
            break
        try:
            text = source.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        put(f"backend/{source.relative_to(stdlib).as_posix()}", text)
    return files, written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("target", type=Path)
    parser.add_argument("--megabytes", type=float, default=13.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--git", action="store_true", help="make it a git repository, committed")
    args = parser.parse_args(argv)
    if args.target.exists() and any(args.target.iterdir()):
        print(f"{args.target}: not empty", file=sys.stderr)
        return 2
    files, written = build(args.target, args.megabytes, args.seed)
    if args.git:
        for command in (["init", "-q", "-b", "main"], ["add", "-A"],
                        ["-c", "user.email=bench@example.invalid", "-c", "user.name=bench",
                         "commit", "-q", "-m", "corpus"]):
            subprocess.run(["git", *command], cwd=args.target, check=True)
    print(f"{args.target}: {files} files, {written / 1024 / 1024:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
