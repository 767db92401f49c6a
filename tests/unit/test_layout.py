"""The package layout stays readable: no import cycles, no loose modules, no prefix-only groups.

Built on grimp, the graph library import-linter uses; the layer contracts themselves live in
pyproject.toml and run as `lint-imports`.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import grimp
import pytest
from tests.conftest import REPO_ROOT

PACKAGE = REPO_ROOT / "src" / "unideploy"
TOP_LEVEL_MODULES = {"__init__", "__main__", "errors", "exitcodes"}
# One check per file, named after its ID (ud_k8s_001_privileged.py): the shared prefix is the ID.
CHECK_FILE_PREFIX = "ud"


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Every set of modules importing each other in a circle (Tarjan's strongly connected sets)."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(start: str) -> None:
        # iterative depth-first search: the graph is deep enough to matter for recursion
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        order[start] = low[start] = len(order)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in order:
                    order[child] = low[child] = len(order)
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                elif child in on_stack:
                    low[node] = min(low[node], order[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == order[node]:
                members = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    members.append(member)
                    if member == node:
                        break
                if len(members) > 1:
                    cycles.append(sorted(members))

    for module in sorted(graph.modules):
        if module not in order:
            visit(module)
    return cycles


def test_no_module_imports_itself_through_others() -> None:
    graph = grimp.build_graph("unideploy")
    assert len(graph.modules) > 100
    assert import_cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for module in ("pkg", "pkg.a", "pkg.b", "pkg.c", "pkg.d"):
        graph.add_module(module)
    graph.add_import(importer="pkg.a", imported="pkg.b")
    graph.add_import(importer="pkg.b", imported="pkg.c")
    graph.add_import(importer="pkg.c", imported="pkg.a")
    graph.add_import(importer="pkg.d", imported="pkg.a")
    assert import_cycles(graph) == [["pkg.a", "pkg.b", "pkg.c"]]


def test_only_the_shared_base_sits_at_the_top() -> None:
    loose = {p.stem for p in PACKAGE.glob("*.py")} - TOP_LEVEL_MODULES
    assert loose == set(), f"move {sorted(loose)} into the package of their layer"


@pytest.mark.parametrize(
    "folder",
    sorted(p for p in PACKAGE.rglob("*") if p.is_dir() and p.name != "__pycache__"),
    ids=lambda p: str(p.relative_to(PACKAGE)) or ".",
)
def test_no_folder_groups_modules_by_name_prefix(folder: Path) -> None:
    groups: dict[str, list[str]] = defaultdict(list)
    for module in folder.glob("*.py"):
        prefix, sep, _ = module.stem.partition("_")
        if sep and prefix and prefix != CHECK_FILE_PREFIX:
            groups[prefix].append(module.stem)
    crowded = {prefix: names for prefix, names in groups.items() if len(names) >= 3}
    assert crowded == {}, f"{folder}: a shared prefix is a package not made yet: {crowded}"
