"""Building the HTML lab book from executed notebooks.

The book's sources (``_config.yml``, ``_toc.yml``, ``book/``) are staged in
``_build/book_src/`` together with the notebooks the runner executed, so the
HTML shows real outputs, and the Results page is written there from
``_build/results.json``. The HTML lands in ``_build/html/``.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from ..base.machine import machine_in_words
from ..base.notebook_file import read, saved_results
from .colab import BADGE_IMAGE
from .runner import find_root, list_notebooks
from .timings import times_page

LOCAL_BADGE = "../book/images/colab-badge.svg"  # relative to a notebook in notebooks/


def _format_metric(name: str, value: float) -> str:
    if "accuracy" in name:
        return f"{100 * value:.2f}%"
    if "seconds" in name:
        return f"{value:.2f} s"
    return f"{value:.4g}"


# How the parts of a metric's key read in words, e.g. val_accuracy -> validation accuracy.
_WORDS = {
    "val": "validation",
    "mse": "MSE",
    "rmse": "RMSE",
    "f1": "F1",
    "lstm": "LSTM",
    "gru": "GRU",
    "rnn": "RNN",
    "tfidf": "TF-IDF",
    "abs": "absolute",
}


def metric_words(name: str) -> str:
    """A metric key in words: ``val_accuracy`` -> ``validation accuracy``, ``test_mse`` -> ``test
    MSE``."""
    return " ".join(_WORDS.get(part, part) for part in name.split("_"))


def lesson_label(notebook: str) -> str:
    """``Lesson 7`` for ``07_imdb_rnn_pytorch``: the number every page and file name uses (other
    names as they are)."""
    return f"Lesson {int(notebook[:2])}" if notebook[:2].isdigit() else notebook


def _lesson_of(result: dict) -> str:
    return lesson_label(result.get("notebook") or result["title"])


def data_in_words(result: dict) -> str:
    """The data of a result, short: which corpus, and for IMDB which split."""
    if result.get("source") == "imdb":
        return {
            "official": "IMDB, official 25k/25k split",
            "random": "IMDB, random 80/20 split",
        }.get(result.get("split"), "IMDB")
    if result.get("source") == "synthetic":
        return "generated reviews (not IMDB)"
    return result["data"].split(";")[0].split(" (")[0]


def summary_table(results: list[dict]) -> list[str]:
    """The cross-lesson table: lesson, model, data, profile, our figure, the lab record's figure."""
    lines = [
        "| lesson | model | data | profile | our figure | the lab record's figure |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for result in results:
        name = result.get("headline") or next(iter(result["metrics"]), None)
        if name is None:
            continue
        ours = f"{metric_words(name)} {_format_metric(name, result['metrics'][name])}"
        theirs = result.get("lab_record", {}).get(name)
        lines.append(
            f"| {_lesson_of(result)} | {result.get('model', result['title'])} | "
            f"{data_in_words(result)} | {result['profile']} | {ours} | "
            f"{_format_metric(name, theirs) if theirs is not None else 'not reported'} |"
        )
    return lines + [""]


def _baseline_line(result: dict, baseline: dict | None) -> list[str]:
    """The bag-of-words baseline on the split of an IMDB result, from the result that measured
    it."""
    if result.get("source") != "imdb" or result.get("split") is None:
        return []
    split = result["split"]
    value = (baseline or {}).get("baselines", {}).get(split)
    if value is None:
        return [
            f"Bag-of-words baseline on the {split} split: not measured in this build "
            "(lesson 13 measures it on IMDB, the random split when it trains on all the "
            "reviews, as in the lab profile).",
            "",
        ]
    return [
        f"Bag-of-words baseline on the same split ({split}; TF-IDF of words and word pairs + "
        "logistic regression, all the split's training reviews, measured by "
        f"{_lesson_of(baseline)}): **{_format_metric('accuracy', value)}** test accuracy. A "
        "recurrent model below it is reported as such.",
        "",
    ]


def results_page(results: list[dict]) -> str:
    """The Results page (MyST Markdown) for the collected results; IMDB results get the baseline
    beside them."""
    lines = [
        "# Results",
        "",
        "Every figure below was measured by the notebooks when this book was built:",
        "which notebook, which profile (`smoke`, `quick` or `lab`), which data and which machine.",
        "Timings depend on the machine. The `smoke` profile runs on tiny data and `quick` may",
        "shrink a lesson for a CPU: check a notebook's profile before comparing with a lab record.",
        "",
    ]
    if not results:
        lines.append(
            "No results were collected: run `python -m labhelpers run` before building the book."
        )
    else:
        lines += summary_table(results)
    baseline = next((r for r in results if r.get("source") == "imdb" and r.get("baselines")), None)
    for result in results:
        where = machine_in_words(result.get("machine", {}))
        lines += [
            f"## {result.get('lesson') or _lesson_of(result)}",
            "",
            f"Notebook [{result['notebook']}](../notebooks/{result['notebook']}.ipynb); "
            f"profile `{result['profile']}`; data: {result['data']}; machine: {where}; "
            f"finished {result['finished']}.",
            "",
            "| figure | value |",
            "| --- | --- |",
        ]
        lines += [
            f"| {metric_words(name)} | {_format_metric(name, value)} |"
            for name, value in result["metrics"].items()
        ]
        lines.append("")
        lines += _baseline_line(result, baseline)
    return "\n".join(lines) + "\n"


# The package's layers, top first (labhelpers/__init__.py says what each holds): a module imports
# only from its own layer or below (tests/test_layout.py); tools/ stands apart.
LAYERS = (
    (
        "1 notebook entry",
        ("labhelpers.profiles", "labhelpers.lesson_settings", "labhelpers.lab_report"),
    ),
    ("2 lessons", ("labhelpers.lessons",)),
    (
        "3 core",
        (
            "labhelpers.models",
            "labhelpers.training",
            "labhelpers.metrics",
            "labhelpers.noise",
            "labhelpers.embeddings",
            "labhelpers.theory",
            "labhelpers.plots",
            "labhelpers.report",
        ),
    ),
    ("4 data and text", ("labhelpers.data",)),
    ("5 shared helpers", ("labhelpers.base",)),
    ("tools, apart", ("labhelpers.tools", "labhelpers.__main__")),
)


def layer_of(module: str) -> str | None:
    """The name of the layer ``module`` (``labhelpers.x.y``) belongs to, None if none."""
    for name, prefixes in LAYERS:
        if any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes):
            return name
    return None


def module_map(root: Path) -> list[tuple[str, str, list[str]]]:
    """``(module, the first line of its docstring, the lessons that import it)`` for every module of
    labhelpers."""
    package = root / "labhelpers"
    uses: dict[str, set[str]] = {}
    for source in sorted((root / "notebooks").glob("[0-9][0-9]_*.py")):
        text = source.read_text()
        names = re.findall(r"^\s*(?:from|import) (labhelpers(?:\.\w+)+)", text, flags=re.M)
        names += [
            f"labhelpers.{module}"
            for module in re.findall(r"^\s*from labhelpers import (\w+)", text, flags=re.M)
        ]
        for name in names:
            uses.setdefault(name, set()).add(lesson_label(source.stem))
    rows = []
    for path in sorted(package.rglob("*.py")):
        if path.name in ("__init__.py", "__main__.py"):
            continue
        name = ".".join(("labhelpers", *path.relative_to(package).with_suffix("").parts))
        docstring = ast.get_docstring(ast.parse(path.read_text())) or ""
        lessons = sorted(uses.get(name, ()), key=lambda label: int(label.split()[-1]))
        rows.append((name, " ".join(docstring.split("\n\n")[0].split()), lessons))
    return rows


def module_map_page(root: Path) -> str:
    """The book's page that says where each helper lives and which lessons use it (MyST
    Markdown)."""
    lines = [
        "# Where the helpers live",
        "",
        "Every module of `labhelpers`, its layer, what it holds (the first paragraph of its "
        "docstring) and the lessons whose notebooks import it. Written by the book build from "
        "the code itself.",
        "",
        "The layers, top first; a module imports only from its own layer or below: 1, what a "
        "notebook calls first and last (its settings, its lab report); 2, `lessons/`, code a few "
        "lessons share; 3, the core (models, training, metrics, noise, figures, the report); 4, "
        "`data/`, the datasets, batchers and tokenizers; 5, `base/`, the small shared helpers. "
        "`tools/` (the runner, the book build, `python -m labhelpers`) stands apart: no other "
        "module imports it.",
        "",
        "| module | layer | what it holds | lessons |",
        "| --- | --- | --- | --- |",
    ]
    for name, summary, lessons in module_map(root):
        users = ", ".join(lessons) or (
            "the command line, `python -m labhelpers`"
            if name.startswith("labhelpers.tools")
            else "none: other modules use it"
        )
        layer = layer_of(name) or "none"
        lines.append(f"| `{name}` | {layer} | {summary.replace('|', '/')} | {users} |")
    return "\n".join(lines) + "\n"


def stage_sources(root: Path) -> Path:
    """Copy the book's sources and the executed notebooks into ``_build/book_src``."""
    executed_dir = root / "_build" / "executed"
    missing = [p.name for p in list_notebooks(root) if not (executed_dir / p.name).exists()]
    if missing:
        raise FileNotFoundError(
            f"no executed copy of {', '.join(missing)} in {executed_dir}: "
            "run `python -m labhelpers run --profile quick` first"
        )
    stage = root / "_build" / "book_src"
    if stage.exists():
        shutil.rmtree(stage)
    shutil.copytree(root / "book", stage / "book")
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(root / name, stage / name)
    (stage / "notebooks").mkdir()
    for path in list_notebooks(root):
        # The badge image ships with the book, so it shows offline too.
        text = (executed_dir / path.name).read_text(encoding="utf-8")
        (stage / "notebooks" / path.name).write_text(
            text.replace(BADGE_IMAGE, LOCAL_BADGE), encoding="utf-8"
        )
    results_path = root / "_build" / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else []
    (stage / "book" / "results.md").write_text(results_page(results))
    (stage / "book" / "modules.md").write_text(module_map_page(root))
    (stage / "book" / "sample_lab_report.md").write_text(
        sample_lab_report_page(executed_dir, stage)
    )
    (stage / "book" / "lesson_times.md").write_text(times_page(root, executed_dir))
    stage_sweep(root, stage)
    return stage


SAMPLE_LESSON = "01_sum_classifier"
SAMPLE_STUDENT = {"name": "A. Student (sample)", "register": "SAMPLE-0001"}


def sample_lab_report_page(executed_dir: Path, stage: Path) -> str:
    """The page that shows lesson 1's lab report, made from this build's run (MyST Markdown).

    The report's HTML and PDF go to the book's ``_static/lab_reports/``. Where no
    Chromium can print the PDF, the page says so (and why) instead of showing a report.
    """
    from ..lab_report import make_lab_report

    executed = executed_dir / f"{SAMPLE_LESSON}.ipynb"
    lines = [
        "# A sample lab report",
        "",
        "The lab report that `python -m labhelpers lab-report` (or the last cell of Lesson 1)",
        "makes from a run: a header with the student's name, register number and date, the",
        "run's profile, data, machine and time, then Aim, Objectives, Algorithm, Program,",
        "Observation and Result, every figure taken from the run itself. This one was made",
        "by the book's build from its own run of Lesson 1, for a made-up student. The README",
        "says how to make yours.",
        "",
    ]
    results = next(iter(saved_results(read(executed))), {})
    date = str(results.get("finished", ""))[:10] or None
    try:
        html, pdf = make_lab_report(
            executed,
            SAMPLE_STUDENT["name"],
            SAMPLE_STUDENT["register"],
            date=date,
            out=stage / "_static" / "lab_reports",
        )
    except RuntimeError as error:  # no Chromium or MathJax copy here: the page says so
        print(f"warning: the sample lab report was not made: {error}", file=sys.stderr)
        return "\n".join(lines + [f"**Not made in this build:** {error}", ""])
    lines += [
        f"The report as [PDF (A4)](../_static/lab_reports/{pdf.name}) and as "
        f"[HTML](../_static/lab_reports/{html.name}) (it opens offline).",
        "",
        f'<iframe src="../_static/lab_reports/{html.name}" title="Sample lab report of Lesson 1" '
        'style="width: 100%; height: 80vh; border: 1px solid #999;"></iframe>',
        "",
    ]
    return "\n".join(lines)


def stage_sweep(root: Path, stage: Path) -> None:
    """The last sweep's page (``book/sweep.md``, its plots beside it), listed after the Results,
    when one exists."""
    import yaml

    from .sweep import sweep_page

    folder = root / "_build" / "sweeps" / "last"
    page = sweep_page(folder)
    if page is None:
        return
    (stage / "book" / "sweep").mkdir()
    for plot in folder.glob("sweep_*.png"):
        shutil.copy2(plot, stage / "book" / "sweep" / plot.name)
    (stage / "book" / "sweep.md").write_text(page)
    toc = yaml.safe_load((stage / "_toc.yml").read_text())
    toc["parts"][-1]["chapters"].append({"file": "book/sweep"})
    (stage / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False))


def build_book(root: Path | None = None) -> Path:
    """Stage the sources and run Jupyter Book; any Sphinx warning fails the build. Returns the HTML
    folder."""
    root = find_root(root)
    stage = stage_sources(root)
    command = [
        str(Path(sys.executable).parent / "jupyter-book"),
        "build",
        str(stage),
        "--path-output",
        str(root),
        "--warningiserror",
        "--keep-going",
        "--quiet",
    ]
    completed = subprocess.run(command, capture_output=True, text=True)
    if completed.returncode != 0:
        raise RuntimeError(
            "the book did not build (every warning counts as an error):\n"
            + completed.stdout[-4000:]
            + completed.stderr[-4000:]
        )
    return root / "_build" / "html"
