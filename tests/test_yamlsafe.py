"""The located, bounded YAML loader: positions, merges, duplicates, and refusing bombs."""

from __future__ import annotations

import time

import pytest

from secret_hygiene import yamlsafe


def test_nodes_keep_one_based_positions() -> None:
    doc = yamlsafe.load("services:\n  db:\n    environment:\n      X_FILE: /run/secrets/x\n")
    assert doc.root is not None
    env = doc.root.get("services").get("db").get("environment")  # type: ignore[union-attr]
    value = env.get("X_FILE")  # type: ignore[union-attr]
    assert value is not None
    assert (value.line, value.column) == (4, 15)
    key = env.key_node("X_FILE")  # type: ignore[union-attr]
    assert key is not None and (key.line, key.column) == (4, 7)


def test_quoted_scalars_keep_their_style() -> None:
    doc = yamlsafe.load('a: "x"\nb: \'y\'\nc: z\n')
    assert doc.root is not None
    assert [doc.root.get(k).style for k in "abc"] == ['"', "'", None]  # type: ignore[union-attr]


def test_merge_keys_explicit_wins_and_earlier_source_wins() -> None:
    text = "x-a: &a {K: 1, L: 1}\nx-b: &b {K: 2, M: 2}\nsvc:\n  <<: [*a, *b]\n  L: 3\n"
    doc = yamlsafe.load(text)
    assert doc.root is not None
    svc = doc.root.get("svc")
    assert svc is not None
    values = {k.value: v.value for k, v in svc.entries()}
    assert values == {"L": "3", "K": "1", "M": "2"}
    # merged keys point at the line that holds them (the anchor)
    assert svc.key_node("M").line == 2  # type: ignore[union-attr]


def test_duplicate_keys_are_recorded_and_last_wins() -> None:
    doc = yamlsafe.load("env:\n  A: one\n  A: two\n")
    assert doc.root is not None
    assert doc.root.get("env").get("A").value == "two"  # type: ignore[union-attr]
    [duplicate] = doc.duplicates
    assert (duplicate.key, duplicate.line, duplicate.first_line) == ("A", 3, 2)


def test_custom_tags_survive_composition() -> None:
    doc = yamlsafe.load("services:\n  app:\n    ports: !reset []\n    image: !override x\n")
    assert doc.root is not None
    app = doc.root.get("services").get("app")  # type: ignore[union-attr]
    assert app.get("ports").tag == "!reset"  # type: ignore[union-attr]
    assert app.get("image").tag == "!override"  # type: ignore[union-attr]


def merge_bomb(levels: int) -> str:
    lines = ["x-a0: &a0 {k: v}"]
    for i in range(1, levels + 1):
        prev = f"*a{i - 1}"
        lines.append(f"x-a{i}: &a{i}\n  <<: [{prev}, {prev}, {prev}, {prev}]\n  k{i}: v")
    return "\n".join(lines) + "\n"


def alias_bomb(levels: int) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("text", [merge_bomb(15), alias_bomb(9)], ids=["merge", "alias"])
def test_bombs_are_refused_without_expanding(text: str) -> None:
    started = time.process_time()
    with pytest.raises(yamlsafe.YAMLProblem) as problem:
        yamlsafe.load(text)
    assert "alias" in problem.value.message
    assert problem.value.line >= 1
    # it is refused by counting, not by expanding: far below the 1e9 nodes it describes
    assert time.process_time() - started < 60


def test_a_few_anchors_are_fine() -> None:
    doc = yamlsafe.load(merge_bomb(2))
    assert doc.root is not None and doc.expanded_nodes < 1000


def test_recursive_alias_is_refused() -> None:
    with pytest.raises(yamlsafe.YAMLProblem, match="recursive"):
        yamlsafe.load("a: &x [*x]\n")


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(yamlsafe.YAMLProblem, match="nesting"):
        yamlsafe.load("a: " + "[" * 300 + "]" * 300 + "\n")


def test_syntax_error_names_its_line() -> None:
    with pytest.raises(yamlsafe.YAMLProblem) as problem:
        yamlsafe.load("a: 1\nservices: [unclosed\n")
    assert problem.value.line == 2


def test_multi_document_files() -> None:
    docs = yamlsafe.load_all("a: 1\n---\nb: 2\n---\n")
    assert [d.root.kind if d.root else None for d in docs][:2] == ["map", "map"]
    with pytest.raises(yamlsafe.YAMLProblem, match="several"):
        yamlsafe.load("a: 1\n---\nb: 2\n")


def test_walk_visits_shared_nodes_once() -> None:
    doc = yamlsafe.load(alias_bomb(2))
    assert doc.root is not None
    visited = list(yamlsafe.walk(doc.root))
    # the root, 3 sequences and the 9 scalars of the first: each once, however often aliased
    assert len(visited) == 1 + 3 + 9


def test_excessive_aliasing_follows_go_yaml() -> None:
    assert not yamlsafe.excessive_aliasing(decoded=5000, aliased=50)
    assert yamlsafe.excessive_aliasing(decoded=5000, aliased=4990)
    assert not yamlsafe.excessive_aliasing(decoded=5000, aliased=2000)
