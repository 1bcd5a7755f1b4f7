"""The nbval references: each notebook executed in the smoke profile, kept in ``tests/nbval/``.

``python -m labhelpers references [--only NAME]`` (or ``make references``)
executes the notebooks with :func:`labhelpers.tools.runner.execute_notebook`
and writes each as the reference ``pytest --nbval`` compares a fresh run
with, listing the compared lines that changed.
"""

from __future__ import annotations

import configparser
import difflib
import re
from collections.abc import Iterable
from pathlib import Path

from ..base.files import atomic_write
from .runner import execute_notebook, find_root, select_notebooks


def strip_for_reference(executed: Path, reference: Path) -> None:
    """Copy an executed notebook as an nbval reference, without stderr outputs.

    A papermill run records stderr lines (warnings, TensorFlow's start-up logs)
    that nbval's own kernel does not produce.
    """
    import nbformat

    notebook = nbformat.read(executed, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = [
                o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stderr")
            ]
    with atomic_write(reference, "w") as file:
        nbformat.write(notebook, file)


def compared_lines(notebook_path: Path, sanitize: Path | None = None) -> list[str]:
    """The output lines nbval compares in a notebook, after the rules of ``sanitize``.

    Text of the code cells' outputs (streams, text/plain, text/markdown), cells
    tagged ``nbval-ignore-output`` left out, each line rewritten by the regex
    rules of the sanitize file (tests/nbval_sanitize.cfg: timings and the like).
    """
    import nbformat

    rules = []
    if sanitize is not None and sanitize.exists():
        parser = configparser.ConfigParser(interpolation=None)
        parser.read(sanitize)
        rules = [
            (re.compile(parser[name]["regex"]), parser[name]["replace"])
            for name in parser.sections()
        ]
    lines = []
    for cell in nbformat.read(notebook_path, as_version=4).cells:
        if cell.cell_type != "code" or "nbval-ignore-output" in cell.metadata.get("tags", []):
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            text = output.get("text", "") or data.get("text/plain", "") + data.get(
                "text/markdown", ""
            )
            for line in text.splitlines():
                for pattern, replacement in rules:
                    line = pattern.sub(replacement, line)
                lines.append(line)
    return lines


def make_references(
    only: Iterable[str] | None = None, root: Path | None = None
) -> dict[Path, list[str]]:
    """Regenerate the nbval references (smoke profile) in ``tests/nbval/``.

    Returns each reference written with the compared lines that changed
    (``- old`` / ``+ new``, after the sanitize rules), so that a change that
    moves a compared number is seen, and said in its commit, not accepted silently.
    """
    root = find_root(root)
    sanitize = root / "tests" / "nbval_sanitize.cfg"
    made = {}
    for path in select_notebooks(root, only):
        print(f"Executing {path.name} (profile smoke) for its reference", flush=True)
        executed = execute_notebook(
            path, root / "_build" / "references" / path.name, {"profile": "smoke"}
        )
        reference = root / "tests" / "nbval" / path.name
        before = compared_lines(reference, sanitize) if reference.exists() else []
        strip_for_reference(executed, reference)
        after = compared_lines(reference, sanitize)
        made[reference] = [
            line
            for line in difflib.unified_diff(before, after, lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))
        ]
    return made
