"""Located, bounded YAML.

Every YAML file the tool reads (the manifest, compose files, Kubernetes manifests, generic YAML)
goes through here. The file is *composed* (PyYAML's node graph, libyaml when available), never
constructed, so custom tags such as Compose's ``!reset`` survive and nothing is executed. The
graph is then converted into :class:`Node` objects that keep 1-based line and column numbers.

Aliases are never expanded: an alias is the same :class:`Node` object as its anchor. The size the
document *would* have if a consumer expanded it is computed anyway (memoised, so in linear time)
and a document that expands beyond a bound, or trips the excessive-aliasing rule Docker Compose's
YAML library applies, is refused with :class:`YAMLProblem`. So are recursive aliases and
nesting deeper than any real configuration needs.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

import yaml

MERGE_TAG = "tag:yaml.org,2002:merge"
STR_TAG = "tag:yaml.org,2002:str"
NULL_TAG = "tag:yaml.org,2002:null"

MAX_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 200
MAX_EXPANDED_NODES = 1_000_000

try:  # libyaml is faster and composes deep flow nesting without recursing in Python
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

Kind = Literal["map", "seq", "scalar"]


class YAMLProblem(Exception):
    """The text cannot be read as (safe) YAML. ``line``/``column`` are 1-based."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass(eq=False)
class Node:
    """One YAML node with its position. Scalars keep their source text in ``value``."""

    kind: Kind
    tag: str
    line: int
    column: int
    value: str = ""
    style: str | None = None
    items: list[Node] = field(default_factory=list)
    pairs: list[tuple[Node, Node]] = field(default_factory=list)
    merged: list[tuple[Node, Node]] = field(default_factory=list)
    end_line: int = 0
    path: str = ""  # the file the node was read from (findings point there)

    @property
    def is_map(self) -> bool:
        return self.kind == "map"

    @property
    def is_seq(self) -> bool:
        return self.kind == "seq"

    @property
    def is_scalar(self) -> bool:
        return self.kind == "scalar"

    @property
    def is_null(self) -> bool:
        return self.kind == "scalar" and self.tag == NULL_TAG

    @property
    def is_custom_tag(self) -> bool:
        return self.tag.startswith("!")

    def entries(self) -> Iterator[tuple[Node, Node]]:
        """Key/value pairs as a consumer sees them: explicit keys, then merged-in keys.

        A duplicated explicit key yields only its last occurrence (what PyYAML and most
        consumers keep); :class:`Document.duplicates` records the others.
        """
        last: dict[str, int] = {}
        for index, (key, _value) in enumerate(self.pairs):
            last[key.value] = index
        for index, (key, value) in enumerate(self.pairs):
            if last.get(key.value) == index:
                yield key, value
        yield from self.merged

    def get(self, key: str) -> Node | None:
        for k, v in self.entries():
            if k.value == key:
                return v
        return None

    def key_node(self, key: str) -> Node | None:
        for k, _v in self.entries():
            if k.value == key:
                return k
        return None

    def text(self) -> str | None:
        """The scalar's text, or None for non-scalars and nulls."""
        if self.kind != "scalar" or self.tag == NULL_TAG:
            return None
        return self.value


@dataclass
class DuplicateKey:
    key: str
    line: int
    column: int
    first_line: int


@dataclass
class Document:
    root: Node | None
    duplicates: list[DuplicateKey] = field(default_factory=list)
    expanded_nodes: int = 0


def excessive_aliasing(decoded: int, aliased: int) -> bool:
    """go-yaml's rule, which Docker Compose inherits: refuse documents made mostly of aliases."""
    if aliased <= 100 or decoded <= 1000:
        return False
    if decoded <= 400_000:
        allowed = 0.99
    elif decoded >= 4_000_000:
        allowed = 0.10
    else:
        allowed = 0.10 + 0.89 * (1 - (decoded - 400_000) / 3_600_000)
    return aliased / decoded > allowed


class _Converter:
    def __init__(self, max_depth: int, max_expanded: int, path: str = "") -> None:
        self.path = path
        self.max_depth = max_depth
        self.max_expanded = max_expanded
        self.done: dict[int, Node] = {}
        self.size: dict[int, int] = {}
        self.active: set[int] = set()
        self.duplicates: list[DuplicateKey] = []
        self.decoded = 0
        self.aliased = 0

    def convert(self, node: yaml.Node, depth: int = 0) -> Node:
        key = id(node)
        if key in self.done:  # an alias: shared, never expanded
            self._count_alias(node)
            return self.done[key]
        if key in self.active:
            raise YAMLProblem("recursive alias: a node contains itself", *_pos(node))
        if depth > self.max_depth:
            raise YAMLProblem(f"nesting deeper than {self.max_depth} levels", *_pos(node))
        self.active.add(key)
        line, column = _pos(node)
        before = self.decoded
        self.decoded += 1
        if isinstance(node, yaml.ScalarNode):
            out = Node("scalar", node.tag, line, column, value=str(node.value),
                       style=node.style or None)
        elif isinstance(node, yaml.SequenceNode):
            out = Node("seq", node.tag, line, column)
            out.items = [self.convert(child, depth + 1) for child in node.value]
        else:
            assert isinstance(node, yaml.MappingNode)
            out = Node("map", node.tag, line, column)
            self._convert_mapping(node, out, depth)
        out.end_line = node.end_mark.line + 1 if node.end_mark is not None else line
        out.path = self.path
        self.active.discard(key)
        self.size[key] = self.decoded - before
        self.done[key] = out
        self._check_bounds(node)
        return out

    def _convert_mapping(self, node: yaml.MappingNode, out: Node, depth: int) -> None:
        seen: dict[str, int] = {}
        sources: list[Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:
                self.decoded += 1
                value = self.convert(value_node, depth + 1)
                candidates = value.items if value.is_seq else [value]
                for candidate in candidates:
                    if not candidate.is_map:
                        raise YAMLProblem("merge key '<<' needs a mapping or a list of mappings",
                                          *_pos(value_node))
                    sources.append(candidate)
                continue
            key = self.convert(key_node, depth + 1)
            value = self.convert(value_node, depth + 1)
            if key.is_scalar:
                if key.value in seen:
                    self.duplicates.append(
                        DuplicateKey(key.value, key.line, key.column, seen[key.value]))
                else:
                    seen[key.value] = key.line
            out.pairs.append((key, value))
        explicit = {k.value for k, _ in out.pairs}
        for source in sources:  # earlier merge sources win; explicit keys win over all
            for k, v in source.entries():
                if k.value not in explicit:
                    explicit.add(k.value)
                    out.merged.append((k, v))

    def _count_alias(self, node: yaml.Node) -> None:
        expanded = self.size.get(id(node), 1)
        self.decoded += expanded
        self.aliased += expanded
        self._check_bounds(node)

    def _check_bounds(self, node: yaml.Node) -> None:
        if self.decoded > self.max_expanded:
            raise YAMLProblem(
                f"alias/merge expansion exceeds {self.max_expanded:,} nodes "
                "(a YAML bomb); refusing to expand it", *_pos(node))
        if excessive_aliasing(self.decoded, self.aliased):
            raise YAMLProblem(
                "document contains excessive aliasing (Docker Compose refuses it too)",
                *_pos(node))


def _pos(node: yaml.Node) -> tuple[int, int]:
    mark = node.start_mark
    if mark is None:
        return 1, 1
    return mark.line + 1, mark.column + 1


def _marked(error: yaml.YAMLError, text: str) -> YAMLProblem:
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "invalid YAML"
        if mark is not None:
            last_line = max(1, text.count("\n") + (0 if text.endswith("\n") else 1))
            return YAMLProblem(problem, min(mark.line + 1, last_line), mark.column + 1)
        return YAMLProblem(problem)
    return YAMLProblem(str(error).splitlines()[0] if str(error) else "invalid YAML")


def load_all(text: str, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH,
             max_expanded: int = MAX_EXPANDED_NODES, path: str = "") -> list[Document]:
    """Every document of a (possibly multi-document) YAML text, located and bounded."""
    if len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise YAMLProblem(f"file larger than {max_bytes // (1024 * 1024)} MiB: not parsed as YAML")
    documents: list[Document] = []
    collecting = gc.isenabled()
    gc.disable()  # building a node graph is all allocation: cyclic GC passes would cost 3x
    try:
        for raw in yaml.compose_all(text, Loader=_Loader):
            converter = _Converter(max_depth, max_expanded, path)
            root = converter.convert(raw) if raw is not None else None
            documents.append(Document(root, converter.duplicates, converter.decoded))
    except yaml.YAMLError as error:
        raise _marked(error, text) from None
    except RecursionError:
        raise YAMLProblem(f"nesting deeper than {max_depth} levels") from None
    except (ValueError, TypeError) as error:  # e.g. NUL bytes rejected by the reader
        raise YAMLProblem(f"not readable as YAML: {error}") from None
    finally:
        if collecting:
            gc.enable()
    return documents


def load(text: str, *, path: str = "", **limits: int) -> Document:
    """A single-document YAML text. An empty text is a document with no root."""
    documents = load_all(text, path=path, **limits)
    if not documents:
        return Document(None)
    if len(documents) > 1:
        second = documents[1].root
        raise YAMLProblem("expected one YAML document, found several",
                          second.line if second else 1)
    return documents[0]


def walk(root: Node) -> Iterator[tuple[Node | None, Node | None, Node]]:
    """Every node once, as (parent, key, node); key is None for list items and the root.

    Shared (aliased) nodes are visited once, so a walk costs the size of the file, not of
    its expansion.
    """
    seen: set[int] = set()
    stack: list[tuple[Node | None, Node | None, Node]] = [(None, None, root)]
    while stack:
        parent, key, node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield parent, key, node
        if node.is_map:
            for k, v in reversed(node.pairs):
                stack.append((node, k, v))
        elif node.is_seq:
            for item in reversed(node.items):
                stack.append((node, None, item))
