"""The README is part of the product: its first commands and its rule table stay true."""

from __future__ import annotations

import re

from secret_hygiene.rules.catalogue import RULES, markdown_table

from conftest import PROJECT

README = (PROJECT / "README.md").read_text()


def test_readme_starts_with_the_two_commands() -> None:
    first_lines = README.splitlines()[:8]
    assert any(line.startswith("make run") for line in first_lines)
    assert any(line.startswith("make test") for line in first_lines)


def test_rule_table_matches_the_catalogue() -> None:
    match = re.search(r"<!-- rules:start -->\n(.*?)\n<!-- rules:end -->", README, re.DOTALL)
    assert match, "README lost its rule table markers"
    assert match.group(1) == markdown_table()


def test_every_rule_explains_itself() -> None:
    for rule in RULES:
        assert rule.why and rule.example and rule.fix, rule.id
        assert re.fullmatch(r"SH\d{3}", rule.id)


def test_makefile_targets_the_readme_names_exist() -> None:
    makefile = (PROJECT / "Makefile").read_text()
    for target in ("run", "test", "cases", "self-check"):
        assert re.search(rf"^{target}:", makefile, re.MULTILINE), target
