"""The compose project model: interpolation, env files, projects, merging, and what the report
says about deliveries. The rule-by-rule fixtures are in test_compose_rules.py."""

from __future__ import annotations

import json

import pytest

from secret_hygiene import yamlsafe
from secret_hygiene.compose import ComposeFile, parse
from secret_hygiene.compose_project import Project, find_projects, merge
from secret_hygiene.rules.compose import env_assignments
from secret_hygiene.text.interpolation import resolve, substitute

from conftest import Repo, Runner, token

ENV = {"SET": "value", "EMPTY": "", "DIR": "/run/secrets"}

# (template, expected value, variables reported unset, whether Compose stops)
GRAMMAR = [
    ("plain", "plain", [], False),
    ("$SET", "value", [], False),
    ("${SET}", "value", [], False),
    ("$SET-suffix", "value-suffix", [], False),
    ("${SET}suffix", "valuesuffix", [], False),
    ("$UNSET", "", ["UNSET"], False),
    ("${UNSET}", "", ["UNSET"], False),
    ("${EMPTY}", "", [], False),
    ("${set}", "", ["set"], False),  # names are case-sensitive lookups
    # :- (unset or empty) and - (unset only)
    ("${UNSET:-fallback}", "fallback", [], False),
    ("${EMPTY:-fallback}", "fallback", [], False),
    ("${SET:-fallback}", "value", [], False),
    ("${UNSET-fallback}", "fallback", [], False),
    ("${EMPTY-fallback}", "", [], False),
    ("${SET-fallback}", "value", [], False),
    # :+ (set and not empty) and + (set)
    ("${SET:+alternative}", "alternative", [], False),
    ("${EMPTY:+alternative}", "", [], False),
    ("${UNSET:+alternative}", "", [], False),
    ("${EMPTY+alternative}", "alternative", [], False),
    ("${UNSET+alternative}", "", [], False),
    # :? (unset or empty stops) and ? (unset stops)
    ("${SET:?needed}", "value", [], False),
    ("${EMPTY:?needed}", "", [], True),
    ("${UNSET:?needed}", "", [], True),
    ("${EMPTY?needed}", "", [], False),
    ("${UNSET?needed}", "", [], True),
    # nesting, in defaults and around text
    ("${UNSET:-${SET}}", "value", [], False),
    ("${UNSET:-${ALSO_UNSET:-deep}}/x", "deep/x", [], False),
    ("${UNSET:-$DIR/db}", "/run/secrets/db", [], False),
    ("${SET:-${UNSET}}", "value", ["UNSET"], False),  # operands are evaluated, as compose-go
    ("${SET:-${UNSET:?stop}}", "value", [], True),
    ("${DIR}/${UNSET:-db_password}", "/run/secrets/db_password", [], False),
    # $$ is a literal dollar; a $ that starts nothing is kept
    ("$$SET", "$SET", [], False),
    ("$${SET}", "${SET}", [], False),
    ("pa$$word", "pa$word", [], False),
    ("cost $5", "cost $5", [], False),
    ("trailing $", "trailing $", [], False),
    # what Compose refuses
    ("${}", "", [], True),
    ("${SET/x/y}", "", [], True),
    ("${SET:=x}", "", [], True),
    ("${UNCLOSED", "", [], True),
]


@pytest.mark.parametrize(("template", "value", "unset", "stops"), GRAMMAR,
                         ids=[g[0] for g in GRAMMAR])
def test_interpolation_follows_the_compose_grammar(template: str, value: str,
                                                    unset: list[str], stops: bool) -> None:
    result = substitute(template, ENV)
    assert (result.error is not None) == stops, result.error
    if not stops:
        assert result.value == value
    assert result.unset == unset
    assert resolve(template, ENV) == (value if not stops and not unset else None)


def test_interpolation_errors_never_carry_a_value() -> None:
    secret = token()
    result = substitute("${PASSWORD:?the password is required}${OTHER:?x}",
                        {"OTHER": "", "PASSWORD": ""})
    assert result.error is not None and "PASSWORD" in result.error
    result = substitute("${SECRET:-${MISSING:?missing}}", {"SECRET": secret})
    assert result.error is not None and secret not in result.error


def test_env_file_lines_in_both_formats() -> None:
    text = ("# comment\nexport A=1\nB = 'two words'\nC=\"quoted\" # note\nD=plain # note\n"
            "E=\nnot a line\n")
    assert list(env_assignments(text)) == [(2, "A", "1"), (3, "B", "two words"),
                                           (4, "C", "quoted"), (5, "D", "plain"), (6, "E", "")]
    raw = list(env_assignments(text, raw=True))
    assert raw[1] == (3, "B", "'two words'")
    assert raw[3] == (5, "D", "plain # note")


def model(path: str, text: str, environment: dict[str, str] | None = None) -> ComposeFile:
    parsed = parse(path, yamlsafe.load_all(text, path=path)[0], environment)
    assert isinstance(parsed, ComposeFile)
    return parsed


def test_env_file_forms_and_interpolated_paths() -> None:
    compose = model("deploy/compose.yaml", """\
services:
  app:
    image: example/app:${TAG:-1}
    env_file:
      - common.env
      - path: ${ENV_DIR}/secrets.env
        required: false
        format: raw
      - path: ${UNSET_DIR}/x.env
""", {"ENV_DIR": "../config"})
    app = compose.services["app"]
    assert app.image == "example/app:1"
    forms = [(f.path, f.resolved, f.required, f.raw) for f in app.env_files]
    assert forms == [("common.env", "deploy/common.env", True, False),
                     ("${ENV_DIR}/secrets.env", "config/secrets.env", False, True),
                     ("${UNSET_DIR}/x.env", None, True, False)]


def test_projects_follow_compose_discovery() -> None:
    texts = {
        "compose.yaml": "services: {app: {image: a}}\n",
        "compose.override.yaml": "services: {app: {environment: {A: b}}}\n",
        "docker-compose.prod.yml": "services: {app: {environment: {A: c}}}\n",
        "docker-compose.ci.yml": "services: {app: {image: a}}\n",
        "tools/compose.yml": "services: {tool: {image: t}}\n",
        "stack/one.yml": "services: {one: {image: o}}\n",
        "stack/two.yml": "services: {one: {environment: {B: c}}}\n",
    }
    models = {path: model(path, text) for path, text in texts.items()}
    listed = {"COMPOSE_FILE": "stack/one.yml:stack/two.yml"}
    found = find_projects(sorted(models), models, {}, listed)
    assert sorted(p.files for p in found) == sorted([
        ["stack/one.yml", "stack/two.yml"],
        ["compose.yaml", "compose.override.yaml"],
        ["compose.yaml", "docker-compose.prod.yml"],  # an overlay: no image of its own
        ["docker-compose.ci.yml"],  # complete: runs on its own
        ["tools/compose.yml"],
    ])
    separated = find_projects(sorted(models), models,
                              {"COMPOSE_FILE": "stack/one.yml;stack/two.yml",
                               "COMPOSE_PATH_SEPARATOR": ";"}, {})
    assert ["stack/one.yml", "stack/two.yml"] in [p.files for p in separated]


def test_merge_rules_for_the_fields_secrets_depend_on() -> None:
    files = {
        "compose.yaml": model("compose.yaml", """\
services:
  app:
    image: example/app:1
    environment: {A: one, B: two}
    env_file: [a.env]
    secrets: [s1, {source: s2, target: shared}]
    volumes: [./data:/data]
secrets:
  s1: {file: ./s1}
  s2: {file: ./s2}
"""),
        "compose.override.yaml": model("compose.override.yaml", """\
services:
  app:
    image: example/app:2
    environment: {B: three, C: four}
    env_file: !override [b.env]
    secrets: [{source: s3, target: /run/secrets/shared}]
    volumes: !reset []
secrets:
  s3: {environment: S3}
"""),
    }
    merged = merge(Project(list(files), "test"), files.get)
    app = merged.services["app"]
    assert app.image == "example/app:2"
    assert {e.name: e.value for e in app.environment} == {"A": "one", "B": "three", "C": "four"}
    assert [f.path for f in app.env_files] == ["b.env"]
    assert sorted((g.source, g.target) for g in app.secrets) == [
        ("s1", "/run/secrets/s1"), ("s3", "/run/secrets/shared")]  # same target: later wins
    assert app.volume_targets == set()
    assert sorted(merged.secrets) == ["s1", "s2", "s3"]
    assert [path for path, _ in merged.layers["app"]] == list(files)


def test_deliveries_are_reported_in_json_sarif_and_verbose_text(repo: Repo, run: Runner) -> None:
    repo.manifest()
    repo.write(".gitignore", ".env\nsecrets/\n")
    repo.write("docker-compose.yml", """\
services:
  app:
    image: example/app:1
    secrets: [secret_key]
    environment:
      DB_PASSWORD: ${DB_PASSWORD:?required}
  db:
    image: postgres:16
    secrets: [db_password]
    environment:
      POSTGRES_PASSWORD_FILE: /run/secrets/db_password
secrets:
  secret_key: {file: ./secrets/secret_key.txt}
  db_password: {file: ./secrets/db_password.txt}
""")
    repo.commit()
    result = run(repo.path, "check", "--format", "json", "--select", "SH306")
    assert result.code == 0, result.stdout
    deliveries = {(d["service"], d["secret"]): d["how"] for d in result.report["deliveries"]}
    assert deliveries == {
        ("app", "SECRET_KEY"): "docker secret secret_key at /run/secrets/secret_key",
        ("app", "DB_PASSWORD"): "environment DB_PASSWORD",
        ("db", "DB_PASSWORD"): "docker secret db_password at /run/secrets/db_password",
    }
    sarif = run(repo.path, "check", "--format", "sarif", "--select", "SH306")
    assert len(json.loads(sarif.stdout)["runs"][0]["properties"]["deliveries"]) == 3
    text = run(repo.path, "check", "-v", "--select", "SH306")
    assert "delivered: SECRET_KEY to service app by docker secret secret_key at " \
           "/run/secrets/secret_key (docker-compose.yml)" in text.stdout
    quiet = run(repo.path, "check", "--select", "SH306")
    assert "delivered:" not in quiet.stdout


def test_an_unusable_included_file_leaves_the_rest_of_the_project_checked(repo: Repo,
                                                                           run: Runner) -> None:
    levels = ["x-a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    levels += [f"x-a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 30)]
    repo.manifest()
    repo.write(".gitignore", ".env\nsecrets/\n")
    repo.write("infra/bomb.yml", "\n".join(levels) + "\nservices: {x: {labels: *a29}}\n")
    repo.write("infra/not-a-mapping.yml", "- just\n- a list\n")
    repo.write("docker-compose.yml", """\
include:
  - infra/bomb.yml
  - infra/not-a-mapping.yml
services:
  app:
    image: example/app:1
    secrets: [secret_key]
    environment:
      SECRET_KEY_FILE: /run/secrets/secret-key
  worker:
    extends: {file: infra/bomb.yml, service: x}
secrets:
  secret_key: {file: ./secrets/secret_key.txt}
""")
    repo.commit()
    result = run(repo.path, "check", "--format", "json", "--select", "SH3")
    assert result.code == 1
    problems = {(f["path"], f["line"]): f["message"] for f in result.findings
                if f["rule"] == "SH310"}
    assert sorted(problems) == [("docker-compose.yml", 2), ("docker-compose.yml", 3),
                                ("docker-compose.yml", 11)]
    assert "infra/bomb.yml" in problems[("docker-compose.yml", 2)]
    assert "line" in problems[("docker-compose.yml", 2)]
    assert "not a mapping" in problems[("docker-compose.yml", 3)]
    assert "cannot be used" in problems[("docker-compose.yml", 11)]
    assert "excessive aliasing" in problems[("docker-compose.yml", 11)]
    assert result.at("SH304") == [("docker-compose.yml", 9)]
    assert result.report["complete"] is True


def test_deliveries_say_when_the_way_in_is_broken(repo: Repo, run: Runner) -> None:
    """A `_FILE` path at nothing, or a grant of an undeclared secret, is not a working delivery:
    SH304/SH301 report it, and the delivery says so rather than claiming success."""
    repo.manifest()
    repo.write(".gitignore", ".env\nsecrets/\n")
    repo.write("docker-compose.yml", """\
services:
  app:
    image: example/app:1
    secrets: [secret_key]
    environment:
      DB_PASSWORD_FILE: /run/secrets/db_password
""")
    repo.commit()
    result = run(repo.path, "check", "--format", "json", "--select", "SH3")
    deliveries = {(d["service"], d["secret"]): d["how"] for d in result.report["deliveries"]}
    assert deliveries[("app", "DB_PASSWORD")] == \
        "environment DB_PASSWORD_FILE (but nothing is mounted at that path: SH304)"
    assert deliveries[("app", "SECRET_KEY")] == \
        "docker secret secret_key at /run/secrets/secret_key (not declared: SH301)"
    assert sorted(f["rule"] for f in result.findings) == ["SH301", "SH304"]


def test_an_extending_service_is_named_as_itself(repo: Repo, run: Runner) -> None:
    repo.manifest()
    repo.write(".gitignore", ".env\nsecrets/\n")
    repo.write("common.yml", """\
services:
  base:
    image: example/app:1
    secrets: [secret_key]
secrets:
  secret_key: {file: ./secrets/secret_key.txt}
""")
    repo.write("docker-compose.yml", """\
services:
  app:
    extends: {file: common.yml, service: base}
    environment:
      SECRET_KEY_FILE: /run/secrets/secret_key.txt
secrets:
  secret_key: {file: ./secrets/secret_key.txt}
""")
    repo.commit()
    result = run(repo.path, "check", "--format", "json", "--select", "SH304,SH306")
    [finding] = [f for f in result.findings if f["rule"] == "SH304"]
    assert finding["line"] == 5
    assert "service app mounts secret_key at /run/secrets/secret_key" in finding["message"]
    deliveries = {(d["service"], d["secret"]) for d in result.report["deliveries"]}
    assert ("app", "SECRET_KEY") in deliveries


def test_deep_interpolation_nesting_is_bounded_everywhere(repo: Repo, run: Runner) -> None:
    """5,000 nested `${A:-` in a compose value and in code: read as invalid, never recursed
    into until the stack runs out; the scan finishes and reports normally."""
    nested = "${A:-" * 5000 + "x" + "}" * 5000
    repo.manifest()
    repo.write(".gitignore", ".env\nsecrets/\n")
    repo.write("app.py", f'GREETING = "{nested}"\n')
    repo.write("docker-compose.yml", "services:\n  app:\n    image: example/app:1\n"
                                     f"    environment:\n      GREETING: \"{nested}\"\n")
    repo.commit()
    result = run(repo.path, "check", "--format", "json")
    assert result.code in (0, 1), result.stderr
    assert result.report["complete"] is True
    assert substitute(nested, {}).error is not None


def test_includes_reached_by_many_paths_are_read_once(repo: Repo, run: Runner) -> None:
    """40 levels of two files each including both files of the next level: 2**40 include paths,
    which only finishes if each file is taken in once."""
    levels, width = 40, 2
    repo.manifest()
    repo.write(".gitignore", ".env\nsecrets/\n")
    first = ", ".join(f"l1_{j}.yml" for j in range(width))
    repo.write("docker-compose.yml", f"include: [{first}]\nservices:\n  app:\n"
                                     "    image: example/app:1\n    secrets: [secret_key]\n")
    for level in range(1, levels + 1):
        for j in range(width):
            below = ", ".join(f"l{level + 1}_{k}.yml" for k in range(width))
            include = f"include: [{below}]\n" if level < levels else \
                "secrets:\n  secret_key: {file: ./secrets/secret_key.txt}\n"
            repo.write(f"l{level}_{j}.yml", include + f"services:\n  s{level}_{j}:\n"
                                                      "    image: example/app:1\n")
    repo.commit()
    result = run(repo.path, "check", "--format", "json", "--select", "SH301,SH310")
    assert result.code == 0, result.stdout
    assert result.findings == []


def test_long_include_and_extends_chains_are_not_loops(repo: Repo, run: Runner) -> None:
    repo.manifest()
    repo.write(".gitignore", ".env\nsecrets/\n")
    repo.write("docker-compose.yml", "include: [c1.yml]\nservices:\n  s0:\n"
                                     "    image: example/app:1\n" +
                                     "".join(f"  s{i}:\n    extends: s{i - 1}\n"
                                             for i in range(1, 30)))
    for i in range(1, 30):
        repo.write(f"c{i}.yml", (f"include: [c{i + 1}.yml]\n" if i < 29 else "") +
                   f"services:\n  c{i}:\n    image: example/app:1\n")
    repo.commit()
    result = run(repo.path, "check", "--format", "json", "--select", "SH310")
    assert result.findings == []
    repo.write("c29.yml", "include: [c1.yml]\nservices:\n  c29:\n    image: example/app:1\n")
    repo.commit()
    looped = run(repo.path, "check", "--format", "json", "--select", "SH310")
    assert [(f["path"], f["line"]) for f in looped.findings] == [("c29.yml", 1)]
    assert "loops back" in looped.findings[0]["message"]


@pytest.mark.parametrize("output", ["text", "json", "sarif", "github", "gitlab", "junit"])
def test_values_of_secret_variables_never_reach_a_report(repo: Repo, run: Runner,
                                                          output: str) -> None:
    """A secret variable used in an interpolated path, target or env_file name: the path is
    not computed from it, and its value is scrubbed from every format."""
    secret = token()
    repo.manifest()
    repo.write(".gitignore", ".env\nsecrets/\n")
    repo.write(".env", f"DB_PASSWORD={secret}\nAPI_TOKEN={secret}\n")
    repo.write("docker-compose.yml", """\
services:
  app:
    image: postgres:16
    secrets: [{source: db, target: "${DB_PASSWORD}"}]
    environment:
      POSTGRES_PASSWORD_FILE: "/run/secrets/${DB_PASSWORD}x"
      SECRET_KEY_FILE: /run/secrets/${API_TOKEN}
    env_file: ["${DB_PASSWORD}.env"]
secrets:
  db: {file: "./${API_TOKEN}.txt"}
""")
    repo.commit()
    result = run(repo.path, "check", "-v", "--format", output)
    assert result.code in (0, 1), result.stderr
    assert secret not in result.stdout + result.stderr
    assert secret[:8] not in result.stdout + result.stderr
