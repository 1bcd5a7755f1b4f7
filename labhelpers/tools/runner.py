"""The batch runner: execute notebooks with papermill and collect their results.

``python -m labhelpers run --profile quick [--only NAME] [-p key value]``
executes ``notebooks/*.ipynb`` into ``_build/executed/`` and collects every
notebook's recorded results (see :func:`labhelpers.report.record_results`)
into ``_build/results.json``.
"""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..files import atomic_write
from ..profiles import check_profile
from ..report import RESULTS_MIME


class NotebookFailed(RuntimeError):
    """A notebook raised an error; the message names it and shows the failing cell's error."""


def find_root(start: str | Path | None = None) -> Path:
    """The lab book's root: the nearest folder (from ``start``, default the working directory) with ``_config.yml`` and ``notebooks/``."""
    start = Path(start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / "_config.yml").is_file() and (folder / "notebooks").is_dir():
            return folder
    raise FileNotFoundError(
        f"no lab book found at or above {start}: run this from the repository folder "
        "(the one with _config.yml and notebooks/) or pass --root"
    )


def list_notebooks(root: Path) -> list[Path]:
    """The book's notebooks, in lesson order (their names start with the lesson number)."""
    return sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def select_notebooks(root: Path, only: Iterable[str] | None = None) -> list[Path]:
    """All notebooks, or those whose name (with or without ``.ipynb``) is in ``only``."""
    notebooks = list_notebooks(root)
    if not only:
        return notebooks
    by_name = {path.stem: path for path in notebooks}
    chosen = []
    for name in only:
        stem = Path(name).name.removesuffix(".ipynb").removesuffix(".py")
        if stem not in by_name:
            raise ValueError(
                f"--only {name!r} names no notebook; the notebooks are {sorted(by_name)}"
            )
        chosen.append(by_name[stem])
    return chosen


def lesson_title(path: Path) -> str:
    """The notebook's title, its first Markdown heading without the ``#``: ``Lesson 1: does the sum ...``."""
    import nbformat

    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return path.stem


def parse_value(text: str) -> Any:
    """A ``-p key value`` value: a Python literal (3, 0.01, True, None, "x") or else the plain string."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def notebook_parameters(path: Path) -> dict[str, Any]:
    """The parameters a notebook declares in its ``parameters`` cell, by name."""
    import papermill as pm

    return pm.inspect_notebook(str(path))


def reject_unknown_parameters(path: Path, parameters: Mapping[str, Any]) -> None:
    """Raise a ValueError naming any parameter the notebook does not declare."""
    known = notebook_parameters(path)
    unknown = sorted(set(parameters) - set(known))
    if unknown:
        raise ValueError(
            f"{path.name} has no parameter {', '.join(map(repr, unknown))}; "
            f"its parameters are: {', '.join(sorted(known))}"
        )


def execute_notebook(source: Path, output: Path, parameters: Mapping[str, Any]) -> Path:
    """Execute ``source`` into ``output`` with papermill; raise :class:`NotebookFailed` on error."""
    import papermill as pm

    output.parent.mkdir(parents=True, exist_ok=True)
    # Training loops print plain lines instead of progress bars in batch runs.
    os.environ["LABHELPERS_BATCH"] = "1"
    try:
        pm.execute_notebook(
            str(source),
            str(output),
            parameters=dict(parameters),
            kernel_name="python3",
            cwd=str(source.parent),
            progress_bar=False,
            request_save_on_cell_execute=False,
        )
    except pm.PapermillExecutionError as error:
        trace = "\n".join(error.traceback[-8:]) if error.traceback else ""
        raise NotebookFailed(
            f"{source.name} failed in cell {error.exec_count} with {error.ename}: {error.evalue}\n"
            f"{trace}\nThe executed notebook, with every output up to the error, is {output}"
        ) from None
    return output


def results_of(executed: Path) -> list[dict]:
    """The records a notebook displayed with :func:`labhelpers.report.record_results`."""
    import nbformat

    notebook = nbformat.read(executed, as_version=4)
    return [
        output["data"][RESULTS_MIME]
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if RESULTS_MIME in output.get("data", {})
    ]


def write_json_atomically(path: Path, data: Any) -> None:
    with atomic_write(path, "w") as file:
        file.write(json.dumps(data, indent=2) + "\n")


def run(
    profile: str,
    only: Iterable[str] | None = None,
    parameters: Mapping[str, Any] | None = None,
    root: Path | None = None,
) -> Path:
    """Execute the chosen notebooks in ``profile`` and collect their results.

    Returns the path of ``_build/results.json``. Each notebook's records are
    written to a file of its own (``_build/results/NAME.json``) as soon as it
    finishes, and ``results.json`` is assembled from all of them: ``--only``
    updates one lesson, a failure keeps what finished, and two runs at once
    (different notebooks) do not drop each other's results.
    """
    check_profile(profile)
    root = find_root(root)
    notebooks = select_notebooks(root, only)
    parameters = dict(parameters or {})
    for path in notebooks:  # fail before running anything
        reject_unknown_parameters(path, {**parameters, "profile": profile})
    executed_dir = root / "_build" / "executed"
    for path in notebooks:
        print(f"Executing {path.name} (profile {profile})", flush=True)
        executed = execute_notebook(
            path, executed_dir / path.name, {**parameters, "profile": profile}
        )
        found = results_of(executed)
        if not found:
            raise NotebookFailed(
                f"{path.name} ran but recorded no results: it must call record_results"
            )
        write_json_atomically(
            root / "_build" / "results" / f"{path.stem}.json",
            [{"notebook": path.stem, "lesson": lesson_title(path), **record} for record in found],
        )
        collect_results(root)  # keep what finished if a later notebook fails
    return collect_results(root)


def collect_results(root: Path) -> Path:
    """Write ``_build/results.json``: every notebook's records (``_build/results/*.json``), in lesson order."""
    records = [
        record
        for path in sorted((root / "_build" / "results").glob("[0-9][0-9]_*.json"))
        for record in json.loads(path.read_text())
    ]
    results_path = root / "_build" / "results.json"
    write_json_atomically(results_path, records)
    return results_path


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


def make_references(only: Iterable[str] | None = None, root: Path | None = None) -> list[Path]:
    """Regenerate the nbval references (smoke profile) in ``tests/nbval/``."""
    root = find_root(root)
    made = []
    for path in select_notebooks(root, only):
        print(f"Executing {path.name} (profile smoke) for its reference", flush=True)
        executed = execute_notebook(
            path, root / "_build" / "references" / path.name, {"profile": "smoke"}
        )
        reference = root / "tests" / "nbval" / path.name
        strip_for_reference(executed, reference)
        made.append(reference)
    return made
