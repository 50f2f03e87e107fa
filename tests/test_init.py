"""`init`: a manifest proposed from what the repository shows, valid, never overwriting."""

from __future__ import annotations

from secret_hygiene.manifest import load_manifest

from conftest import SHARED, Repo, Runner, copy_tree


def test_init_on_the_reference_apps_real_files(repo: Repo, run: Runner) -> None:
    copy_tree(SHARED / "real" / "yosai-2025-07-07" / "files", repo.path)
    repo.commit("real files")
    result = run(repo.path, "init")
    assert result.code == 0, result.stderr
    manifest = load_manifest(repo.path / "secret-manifest.yaml")
    assert {"SECRET_KEY", "DB_PASSWORD", "AUTH0_CLIENT_SECRET"} <= set(manifest.secrets)
    database = manifest.secrets["DB_PASSWORD"]
    assert database.docker_secret == "db_password"  # pragma: allowlist secret
    assert manifest.secrets["DB_PASSWORD"].file in ("secrets/db_password",
                                                    "secrets/db_password.txt")
    assert "app" in manifest.secrets["DB_PASSWORD"].services
    assert manifest.secrets["AUTH0_DOMAIN"].sensitive is False
    assert manifest.environment.variable == "YOSAI_ENV"
    assert set(manifest.policy.production_compose) == {"docker-compose.prod.yml",
                                                       "docker-compose.production.yml"}
    # the proposal is usable straight away
    assert run(repo.path, "check", "--format", "json").code == 1


def test_init_never_overwrites(repo: Repo, run: Runner) -> None:
    repo.manifest()
    before = (repo.path / "secret-manifest.yaml").read_text()
    result = run(repo.path, "init")
    assert result.code == 2 and "already exists" in result.stderr
    assert (repo.path / "secret-manifest.yaml").read_text() == before
    printed = run(repo.path, "init", "--stdout")
    assert printed.code == 0 and printed.stdout.startswith("# secret-hygiene manifest")
    assert (repo.path / "secret-manifest.yaml").read_text() == before
    assert run(repo.path, "init", "--force").code == 0
    load_manifest(repo.path / "secret-manifest.yaml")


def test_init_on_an_empty_repository_writes_a_valid_manifest(repo: Repo, run: Runner) -> None:
    assert run(repo.path, "init").code == 0
    manifest = load_manifest(repo.path / "secret-manifest.yaml")
    assert manifest.secrets == {}


def test_init_reads_compose_projects_as_merged(repo: Repo, run: Runner) -> None:
    """A secret declared in an included file and granted in the includer, and a secret granted
    by an extended base service, are proposed with every service that receives them."""
    repo.write("infra/db.yml", """\
services:
  db:
    image: postgres:16
    secrets: [db_password]
secrets:
  db_password: {file: ../secrets/db_password.txt}
""")
    repo.write("common.yml", """\
services:
  base:
    image: example/app:1
    secrets: [api_key]
secrets:
  api_key: {file: ./secrets/api_key.txt}
""")
    repo.write("docker-compose.yml", """\
include: [infra/db.yml]
services:
  app:
    extends: {file: common.yml, service: base}
    secrets: [db_password, api_key]
secrets:
  api_key: {file: ./secrets/api_key.txt}
""")
    repo.commit()
    result = run(repo.path, "init", "--stdout")
    assert result.code == 0, result.stderr
    repo.write("secret-manifest.yaml", result.stdout)
    manifest = load_manifest(repo.path / "secret-manifest.yaml")
    assert list(manifest.secrets["DB_PASSWORD"].services) == ["app", "db"]
    assert manifest.secrets["DB_PASSWORD"].file == "secrets/db_password.txt"
    assert list(manifest.secrets["API_KEY"].services) == ["app"]
