"""The architecture stays as ARCHITECTURE.md and docs/DEVELOPING.md describe it:

- the import contracts (pyproject.toml [tool.importlinter]) are kept;
- no import cycle among application modules, imports inside functions included;
- few imports inside function bodies (each says why in a comment on its line);
- no file over 400 lines and no function over 80 lines, except those listed with a reason in
  pyproject.toml [tool.saae.limits.exceptions] (tests, migrations and bench are not checked).
Complexity (ruff C901, max 12) is checked by `ruff check .` itself (pyproject.toml).
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOT_APPLICATION = {"tests", "migrations", "bench", "scripts", "docs"}
APPLICATION = sorted(p.parent.name for p in ROOT.glob("*/__init__.py")
                     if p.parent.name not in NOT_APPLICATION)


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


LIMITS = _pyproject()["tool"]["saae"]["limits"]
EXCEPTIONS: dict[str, str] = LIMITS.get("exceptions", {})


# -- import contracts ------------------------------------------------------------------------

def test_import_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    cmd = [str(lint)] if lint.exists() else [sys.executable, "-m", "importlinter.cli"]
    result = subprocess.run(cmd + ["--no-cache"], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "0 broken" in report, report


def test_every_area_is_under_contract():
    config = _pyproject()["tool"]["importlinter"]
    assert set(APPLICATION) <= set(config["root_packages"])
    independent = next(c for c in config["contracts"] if c["type"] == "independence")
    # render is a library every area may use (like core), so it is not one of the independent areas
    assert set(independent["modules"]) == set(APPLICATION) - {"core", "saae", "render"}


def test_every_area_with_pages_is_mounted_by_the_composition_root():
    from saae import app

    mounted = {views.__name__.split(".")[0] for views in app.AREAS}
    with_views = {p for p in APPLICATION if (ROOT / p / "views").exists()
                  or (ROOT / p / "views.py").exists()} - {"saae"}
    assert with_views == mounted


# -- import cycles ---------------------------------------------------------------------------

@cache
def _graph() -> grimp.ImportGraph:
    return grimp.build_graph(*APPLICATION, include_external_packages=False, cache_dir=None)


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph.modules):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


@pytest.mark.parametrize("package", APPLICATION)
def test_no_import_cycle(package):
    cycles = [c for c in _cycles(_graph()) if any(m.split(".")[0] == package for m in c)]
    assert not cycles, f"import cycles (imports inside functions count): {cycles}"


# -- imports inside function bodies ----------------------------------------------------------

def _python_files(package: str) -> Iterator[Path]:
    yield from sorted((ROOT / package).rglob("*.py"))


@cache
def _tree(path: Path) -> tuple[ast.Module, list[str]]:
    text = path.read_text()
    return ast.parse(text), text.splitlines()


def _function_body_imports(path: Path) -> Iterator[ast.stmt]:
    tree, _ = _tree(path)

    def walk(node: ast.AST, in_function: bool) -> Iterator[ast.stmt]:
        for child in ast.iter_child_nodes(node):
            if in_function and isinstance(child, (ast.Import, ast.ImportFrom)):
                yield child
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            yield from walk(child, inside)

    yield from walk(tree, False)


def _says_why(lines: list[str], node: ast.stmt) -> bool:
    first, last = node.lineno - 1, (node.end_lineno or node.lineno) - 1
    return ("#" in lines[first] or "#" in lines[last]
            or (first > 0 and lines[first - 1].strip().startswith("#")))


def test_few_imports_inside_function_bodies():
    found = [f"{path.relative_to(ROOT)}:{node.lineno}" for package in APPLICATION
             for path in _python_files(package) for node in _function_body_imports(path)]
    assert len(found) <= LIMITS["function_body_imports"], (len(found), found)


@pytest.mark.parametrize("package", APPLICATION)
def test_every_import_inside_a_function_says_why(package):
    silent = [f"{path.relative_to(ROOT)}:{node.lineno}" for path in _python_files(package)
              for node in _function_body_imports(path)
              if not _says_why(_tree(path)[1], node)]
    assert not silent, f"imports inside functions without a comment saying why: {silent}"


# -- file and function length ----------------------------------------------------------------

def _long_functions(path: Path) -> Iterator[tuple[str, int]]:
    tree, _ = _tree(path)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > LIMITS["function_lines"]:
                yield node.name, length


@pytest.mark.parametrize("package", APPLICATION)
def test_files_and_functions_are_short(package):
    too_long = []
    for path in _python_files(package):
        name = str(path.relative_to(ROOT))
        lines = len(_tree(path)[1])
        if lines > LIMITS["file_lines"] and name not in EXCEPTIONS:
            too_long.append(f"{name}: {lines} lines")
        too_long += [f"{name}::{fn}: {n} lines" for fn, n in _long_functions(path)
                     if f"{name}::{fn}" not in EXCEPTIONS]
    assert not too_long, f"over the limits, not in [tool.saae.limits.exceptions]: {too_long}"


def test_every_listed_exception_exists():
    for key, reason in EXCEPTIONS.items():
        assert reason.strip(), f"{key}: say why"
        file, _, function = key.partition("::")
        assert (ROOT / file).exists(), key
        if function:
            assert any(fn == function for fn, _ in _long_functions(ROOT / file)), key
