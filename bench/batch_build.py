"""The teaching assistant's builds: sequential against parallel, a rebuild, and a sweep (issue 16's
targets).

On a copy of the book in a temporary folder, with the IMDB data of ``$LABHELPERS_DATA_DIR``:

0. a teaching assistant's first build: a fresh copy with no ``_build`` at all (no remembered
   run times: the runner orders by the committed lesson times), in parallel with the runner's
   defaults, then the HTML; target: at most 8 minutes;
1. the whole quick build as the runner did it before (one notebook at a time, the libraries'
   own thread counts: ``--jobs 1 --threads 0``), then the HTML;
2. the whole quick build in parallel (the runner's defaults), then the HTML, from a clean
   ``_build`` that keeps the run times the earlier steps remembered (a TA's second build);
   target: at most 8 minutes and at least 1.6 times faster than 1;
3. a rebuild after editing one Markdown cell of lesson 1: target at most lesson 1's run time
   plus the HTML build (nothing else executed);
4. a 3 x 5 sweep of lesson 1 (hidden size x seeds), quick profile: target under 3 minutes.

Names the CPU, prints every figure with the machine's load (``os.getloadavg``) before and after
each step, writes them to ``_build/bench/batch_build.json`` and exits with status 1 when a target
is missed (2 when the IMDB data is missing).

    python bench/batch_build.py [--only-steps 0,1,2,3,4] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from labhelpers.base.environment import DATA_DIR_ENV
from labhelpers.base.machine import cpu_model
from labhelpers.tools.book import build_book
from labhelpers.tools.runner import find_root, run
from labhelpers.tools.timings import measurements

ROOT = find_root(Path(__file__).resolve().parent)
WHOLE_BUILD_LIMIT = 8 * 60
SPEED_UP = 1.6
SWEEP_LIMIT = 3 * 60


def load() -> str:
    return "/".join(f"{value:.2f}" for value in os.getloadavg())


def copy_book(folder: Path) -> Path:
    """The book's sources as a fresh clone has them: no ``_build``, so no remembered run times
    (the runner then orders by the committed ``book/lesson_times.json``)."""
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(ROOT / name, folder / name)
    shutil.copytree(ROOT / "book", folder / "book")
    shutil.copytree(ROOT / "notebooks", folder / "notebooks")
    return folder


def timed(step: str, figures: dict, function, *args, **kwargs):
    before = load()
    started = time.perf_counter()
    value = function(*args, **kwargs)
    seconds = time.perf_counter() - started
    figures[step] = {"seconds": round(seconds, 1), "load before": before, "load after": load()}
    print(f"{step}: {seconds:.1f} s (load 1/5/15 min before {before}, after {load()})", flush=True)
    return value


def notebook_seconds(root: Path, step: str) -> dict[str, float]:
    """Each executed notebook's run time, from papermill's metadata. The executed notebooks are
    kept in ``_build/bench/executed-STEP/`` for ``python -m labhelpers times --save --executed``."""
    executed = root / "_build" / "executed"
    shutil.copytree(executed, ROOT / "_build" / "bench" / f"executed-{step}", dirs_exist_ok=True)
    return {m["notebook"]: m["seconds"] for m in measurements(executed)}


def longest_cells(executed: Path, count: int = 5) -> list[tuple[float, str]]:
    """Where a notebook's time goes: its longest cells, with their first line."""
    cells = nbformat.read(executed, as_version=4).cells
    timed_cells = [
        (
            round(cell.metadata.get("papermill", {}).get("duration") or 0, 1),
            cell.source.strip().splitlines()[0][:70] if cell.source.strip() else "",
        )
        for cell in cells
        if cell.cell_type == "code"
    ]
    return sorted(timed_cells, reverse=True)[:count]


def clean_build(root: Path) -> None:
    """A clean build's ``_build``: everything goes but the run times the runner remembered."""
    for built in (root / "_build").iterdir():
        if built.name != "cache":
            shutil.rmtree(built) if built.is_dir() else built.unlink()


def main() -> int:  # noqa: C901 (one branch per benchmark step, run by hand)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only-steps", default="0,1,2,3,4", help="which steps to run, e.g. 0,2")
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary book (its path is printed)"
    )
    args = parser.parse_args()
    steps = {int(step) for step in args.only_steps.split(",")}
    if not os.environ.get(DATA_DIR_ENV):
        print(
            "LABHELPERS_DATA_DIR is not set: the targets are for a build with the IMDB data",
            file=sys.stderr,
        )
        return 2
    folder = Path(tempfile.mkdtemp(prefix="batch-build-"))
    root = copy_book(folder)
    figures: dict = {"cpu": cpu_model(), "cores": os.cpu_count(), "load at start": load()}
    print(f"CPU: {figures['cpu']}, {figures['cores']} cores", flush=True)
    quiet = figures.setdefault("lines", []).append
    missed = []
    try:
        if 0 in steps:
            timed("0 first build notebooks", figures, run, "quick", root=root, log=quiet)
            figures["0 notebook seconds"] = notebook_seconds(root, "first")
            timed("0 first build HTML", figures, build_book, root)
            first = (
                figures["0 first build notebooks"]["seconds"]
                + figures["0 first build HTML"]["seconds"]
            )
            figures["0 whole first build seconds"] = round(first, 1)
            if first > WHOLE_BUILD_LIMIT:
                missed.append(f"first build {first:.0f} s > {WHOLE_BUILD_LIMIT} s")
            clean_build(root)
        if 1 in steps:
            timed(
                "1 sequential notebooks",
                figures,
                run,
                "quick",
                root=root,
                jobs=1,
                threads=0,
                force=True,
                log=quiet,
            )
            figures["1 notebook seconds"] = notebook_seconds(root, "sequential")
            timed("1 sequential HTML", figures, build_book, root)
            clean_build(root)
        if 2 in steps:
            figures["2 run times remembered"] = (
                root / "_build" / "cache" / "run_seconds.json"
            ).exists()
            timed("2 parallel notebooks", figures, run, "quick", root=root, force=True, log=quiet)
            figures["2 notebook seconds"] = notebook_seconds(root, "parallel")
            figures["2 lesson 13 longest cells"] = longest_cells(
                root / "_build" / "executed" / "13_imdb_strong.ipynb"
            )
            timed("2 parallel HTML", figures, build_book, root)
            whole = (
                figures["2 parallel notebooks"]["seconds"] + figures["2 parallel HTML"]["seconds"]
            )
            figures["2 whole parallel build seconds"] = round(whole, 1)
            if whole > WHOLE_BUILD_LIMIT:
                missed.append(f"whole parallel build {whole:.0f} s > {WHOLE_BUILD_LIMIT} s")
            if 1 in steps:
                sequential = (
                    figures["1 sequential notebooks"]["seconds"]
                    + figures["1 sequential HTML"]["seconds"]
                )
                figures["speed-up"] = round(sequential / whole, 2)
                if sequential / whole < SPEED_UP:
                    missed.append(f"speed-up {sequential / whole:.2f} < {SPEED_UP}")
        if 3 in steps and (root / "_build" / "executed").exists():
            path = root / "notebooks" / "01_sum_classifier.ipynb"
            notebook = nbformat.read(path, as_version=4)
            cell = next(
                cell
                for cell in notebook.cells
                if cell.cell_type == "markdown" and "## Aim" in cell.source
            )
            cell.source += "\n\nThis sentence was added by the benchmark."
            nbformat.write(notebook, path)
            lines: list[str] = []
            timed("3 rebuild notebooks", figures, run, "quick", root=root, log=lines.append)
            timed("3 rebuild HTML", figures, build_book, root)
            figures["3 lines"] = lines
            rebuild = (
                figures["3 rebuild notebooks"]["seconds"] + figures["3 rebuild HTML"]["seconds"]
            )
            allowed = (
                figures["2 notebook seconds"]["01_sum_classifier"]
                + figures["2 parallel HTML"]["seconds"]
            )
            figures["3 rebuild allowed seconds"] = round(allowed, 1)
            executed_again = [line for line in lines if ": done in " in line]
            if executed_again != [line for line in executed_again if "01_sum_classifier" in line]:
                missed.append(f"the rebuild executed other notebooks: {executed_again}")
            if rebuild > allowed:
                missed.append(f"rebuild {rebuild:.0f} s > lesson 1 + HTML {allowed:.0f} s")
        if 4 in steps:
            from labhelpers.tools.sweep import points

            grid = {"hidden_size": [16, 32, 64], "seed": list(range(5))}
            timed(
                "4 sweep 3 x 5 of lesson 1",
                figures,
                run,
                "quick",
                only=["01_sum_classifier"],
                root=root,
                grid=grid,
                force=True,
                log=quiet,
            )
            assert len(points(grid)) == 15
            if figures["4 sweep 3 x 5 of lesson 1"]["seconds"] > SWEEP_LIMIT:
                missed.append(
                    f"sweep {figures['4 sweep 3 x 5 of lesson 1']['seconds']:.0f} s > "
                    f"{SWEEP_LIMIT} s"
                )
    finally:
        figures["missed"] = missed
        out = ROOT / "_build" / "bench" / "batch_build.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(figures, indent=2) + "\n")
        print(
            json.dumps({key: value for key, value in figures.items() if key != "lines"}, indent=2)
        )
        if args.keep:
            print(f"The book and its _build: {root}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    for line in missed:
        print(f"MISSED: {line}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
