"""The package's layout: one home per concern, checked from the code itself."""

import ast
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import labhelpers
from labhelpers.tools.book import LAYERS, layer_of, lesson_label, module_map, module_map_page

from conftest import ROOT

PACKAGE = ROOT / "labhelpers"
SOURCES = sorted(PACKAGE.rglob("*.py"))


def imported_modules(tree: ast.AST) -> set[str]:
    """Every ``labhelpers`` module a notebook's code imports, read by the Python parser."""
    found = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.split(".")[0] == "labhelpers"
        ):
            if node.module == "labhelpers":
                found |= {f"labhelpers.{alias.name}" for alias in node.names}
            else:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("labhelpers.")}
    return found


def test_the_module_map_lists_every_module_and_the_lessons_that_import_it():
    modules = {
        info.name
        for info in pkgutil.walk_packages(labhelpers.__path__, "labhelpers.")
        if not info.ispkg
    }
    rows = {name: lessons for name, _, lessons in module_map(ROOT)}
    assert set(rows) == modules - {"labhelpers.__main__"}
    expected = {}
    for source in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py")):
        for name in imported_modules(ast.parse(source.read_text())):
            expected.setdefault(name, []).append(lesson_label(source.stem))
    assert {name: lessons for name, lessons in rows.items() if lessons} == expected
    page = module_map_page(ROOT)
    assert "| `labhelpers.models` | 3 core | Every PyTorch model of the lessons" in page


@pytest.mark.parametrize(
    "path", sorted((PACKAGE / "lessons").glob("[a-z]*.py")), ids=lambda p: p.stem
)
def test_a_lesson_module_names_the_lessons_it_serves(path):
    # "Lesson 5 only: ..." or "Lessons 5 and 6: ...": exactly the lessons whose notebooks
    # import it.
    name = f"labhelpers.lessons.{path.stem}"
    lessons = dict((n, lessons) for n, _, lessons in module_map(ROOT))[name]
    assert lessons, f"{name} serves no lesson"
    opening = re.match(r"Lessons? [\d, and]+", ast.get_docstring(ast.parse(path.read_text())))
    assert opening, "the docstring opens with the lessons it serves"
    named = [int(number) for number in re.findall(r"\d+", opening.group())]
    assert sorted(named) == sorted(int(label.split()[-1]) for label in lessons), opening.group()


def test_torch_models_live_in_models_py():
    outside = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.ClassDef)
                and path.name != "models.py"
                and any(
                    ast.unparse(base) in ("nn.Module", "torch.nn.Module") for base in node.bases
                )
            ):
                outside.append(f"{path.relative_to(ROOT)}:{node.name}")
    assert outside == []


def test_no_module_imports_another_modules_private_names():
    private = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (
                node.level or (node.module or "").startswith("labhelpers")
            ):
                private += [
                    f"{path.relative_to(ROOT)}: {alias.name}"
                    for alias in node.names
                    if alias.name.startswith("_")
                ]
    assert private == []


def test_ruff_finds_nothing():
    ruff = Path(sys.executable).parent / "ruff"
    done = subprocess.run(
        [str(ruff), "check", "."],  # the whole tree (pyproject.toml's exclusions apply)
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-3000:]


def test_ruff_format_leaves_the_whole_tree_as_it_is():
    # the package, tests, benchmarks, the notebooks' code cells and the book's code blocks
    ruff = Path(sys.executable).parent / "ruff"
    done = subprocess.run(
        [str(ruff), "format", "--check", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]


def labhelpers_imports(path: Path) -> set[str]:
    """The ``labhelpers`` modules a module of the package imports (relative imports resolved),
    at its top or inside its functions."""
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = list(package[: len(package) - node.level + 1]) if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            names = [f"{module}.{alias.name}" for alias in node.names]
            found |= {module, *names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {name for name in found if name.startswith("labhelpers")}


def test_tools_are_imported_by_no_other_module_and_the_sweep_not_by_the_runners_reverse():
    outside = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in SOURCES
        if "tools" not in path.parts and path.name != "__main__.py"
        for name in labhelpers_imports(path)
        if name.startswith("labhelpers.tools")
    }
    assert outside == set()
    sweep = labhelpers_imports(PACKAGE / "tools" / "sweep.py")
    assert not [name for name in sweep if name.startswith("labhelpers.tools.runner")]
    assert "labhelpers.tools.sweep" in labhelpers_imports(PACKAGE / "tools" / "runner.py")
    assert "labhelpers.report" not in labhelpers_imports(PACKAGE / "training.py")


def test_each_module_imports_only_from_its_layer_or_below():
    order = [name for name, _ in LAYERS]
    upward = []
    for path in SOURCES:
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        if module == "labhelpers":  # the package's docstring, no import
            continue
        layer = layer_of(module)
        assert layer is not None, f"{module} belongs to no layer of labhelpers.tools.book.LAYERS"
        for name in labhelpers_imports(path):
            imported = layer_of(name)
            if imported is None or name == "labhelpers":
                continue
            if layer != "tools, apart" and order.index(imported) < order.index(layer):
                upward.append(f"{module} ({layer}) imports {name} ({imported})")
    assert upward == []
    # the crossings the review found, each gone
    assert not labhelpers_imports(PACKAGE / "models.py") & {"labhelpers.data.batches"}
    assert "labhelpers.report" not in labhelpers_imports(PACKAGE / "training.py")
