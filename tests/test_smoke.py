from __future__ import annotations

from conftest import Repo, Runner


def test_a_committed_env_file_is_reported(repo: Repo, run: Runner) -> None:
    repo.manifest()
    repo.write(".env", "SECRET_KEY=" + "k" * 3 + "Zq81" * 8 + "\n")
    repo.commit()
    result = run(repo.path, "check", "--format", "json")
    assert result.code == 1
    assert (".env", 1) in result.at("SH101")
    assert (".env", None) in result.at("SH201")
