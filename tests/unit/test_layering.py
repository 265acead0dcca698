"""The layering rules, enforced: every import points down, and no module imports itself back.

Layers, from the top (a module imports its own layer's modules and lower layers only):

    routes                       the HTTP edge and the CLI: talk to services only
    services.app, .container     wiring: builds the domain facades
    services.operator            what the admin API does across domains
    services.gmail               Gmail API push: mailboxes, Pub/Sub pushes, the sync
    services.delivery            ingest, the queue, the workers
    services.offload             R2 copies of delivery links
    services.documents           the config documents
    services.access              sign-in, magic links, the ingress token, the audit log
    services.net                 outbound HTTP behind the SSRF guard
    services.metrics, .errors    shared by every service
    preferences                  the preferences model
    email_processing             pure analysis: no I/O, nothing of ours above it
    config                       settings, keys, Redis, logging
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("config", "email_processing", "preferences", "services", "routes")
LAYERS: tuple[tuple[str, ...], ...] = (
    ("config",),
    ("email_processing",),
    ("preferences",),
    ("services.metrics", "services.errors"),
    ("services.net",),
    ("services.access",),
    ("services.documents",),
    ("services.offload",),
    ("services.delivery",),
    ("services.gmail",),
    ("services.operator",),
    ("services.app", "services.container"),
    ("routes",),
)


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            found[module_name(path)] = path
    del found["services"]  # empty (see test_services_init_is_empty): a namespace, no layer
    return found


def _type_checking_only(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imported(path: Path, known: set[str]) -> Iterator[str]:
    """Our modules a file imports (anywhere in it, bar `if TYPE_CHECKING:` blocks)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {
        id(n) for block in ast.walk(tree) if _type_checking_only(block) for n in ast.walk(block)
    }
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            if name in known:
                yield name


def layer(module: str) -> int:
    for index, members in enumerate(LAYERS):
        if any(module == m or module.startswith(m + ".") for m in members):
            return index
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS")


GRAPH = {name: sorted(set(imported(path, set(modules())))) for name, path in modules().items()}


def test_every_module_has_a_layer():
    for name in GRAPH:
        layer(name)


def test_no_import_points_up():
    upward = [
        f"{source} -> {target}"
        for source, targets in GRAPH.items()
        for target in targets
        if layer(target) > layer(source)
    ]
    assert upward == []


def test_routes_talk_to_services_only():
    skipped = [
        f"{source} -> {target}"
        for source, targets in GRAPH.items()
        if source.startswith("routes")
        for target in targets
        if target.startswith(("email_processing", "preferences"))
    ]
    assert skipped == []


def test_services_init_is_empty():
    assert (ROOT / "services" / "__init__.py").read_text(encoding="utf-8").strip() == ""


def test_no_module_imports_itself_back():
    cycles = find_cycles(GRAPH)
    assert cycles == []


def find_cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph.get(root, ())))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
            elif child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(graph.get(child, ()))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return groups


@pytest.mark.parametrize(
    ("graph", "cycles"),
    [
        ({"a": ["b"], "b": ["c"], "c": []}, []),
        ({"a": ["b"], "b": ["a"], "c": ["a"]}, [["a", "b"]]),
        ({"a": ["b"], "b": ["c"], "c": ["a"]}, [["a", "b", "c"]]),
    ],
)
def test_the_cycle_finder_finds_cycles(graph, cycles):
    assert find_cycles(graph) == cycles


def test_an_upward_import_is_caught():
    assert layer("routes.api_admin") > layer("services.operator.records") > layer("config.keys")
