"""The lab report a student hands in, made from an executed notebook: HTML and PDF.

``python -m labhelpers lab-report EXECUTED.ipynb --name ... --register ...`` (or the
notebook's last cell, :func:`write_lab_report`) writes ``NAME.lab-report.html``
and ``NAME.lab-report.pdf``. The lab report holds a header (name, register number,
date, experiment number and title, and the run: profile, data, machine, run
time), then the notebook's sections Aim, Objectives, Algorithm, Program,
Observation and Result:

- Aim, Objectives and Algorithm: the notebook's Markdown, maths rendered;
- Program: the settings used, as one table, then every code cell the student
  ran (the Program section's cells with their printed output, then the code
  behind the Observation and the Result), without the scaffolding: the Colab
  install cell, the parameters cells and the profile table;
- Observation: its prose, tables, classification report and figures, without code;
- Result: the sentence the run displayed.

Every figure in it comes from the notebook's stored outputs and the results it
saved with :func:`labhelpers.report.report_result`; nothing is re-run or
typed in. A run that would mislead is refused, each case with an error class of
its own (:class:`NotExecuted`, :class:`StoppedWithError`, :class:`StoppedByInterrupt`,
:class:`RanOutOfOrder`).

How the PDF is made: nbconvert renders the HTML with a template of ours
(``templates/lab_report``), headless Chromium (driven by Playwright) typesets
the maths with the MathJax copy of the ``sphinx-mathjax-offline`` package
(SVG output, so the saved HTML needs no script or font to show it) and prints
the page to an A4 PDF. Chromium rather than a TeX engine because the lab report
is HTML already (pandas tables, PNG figures, MathJax maths print as they look on
screen, with no HTML-to-LaTeX conversion that would lose the tables' styling),
it works offline, and it is one package away on every platform: Debian's
``chromium`` or the browser ``python -m playwright install chromium`` fetches.
A TeX route needs a TeX distribution (hundreds of MB) and pandoc.
"""

from __future__ import annotations

import concurrent.futures
import datetime as _dt
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

from .base.environment import CHROMIUM_ENV, user_cache
from .base.files import atomic_write
from .base.machine import machine_in_words
from .base.notebook_file import (
    INJECTED_TAG,
    INSTALL_TAG,
    PARAMETERS_TAG,
    RESULTS_MIME,
    parameter_values,
    run_cells,
    saved_results,
    source_of,
    tags_of,
    title_of,
)

SECTIONS = ("Aim", "Objectives", "Algorithm", "Program", "Observation", "Result")
PARAMETERS_SECTION = "Parameters"  # its code (parameters cells, profile table) is scaffolding
# Sections of a lesson a lab report leaves out: the parameters, and the questions for the student.
LEFT_OUT = (PARAMETERS_SECTION, "Questions")
REPORT_TAG = "lab-report"  # the notebook's own lab-report cell: not part of the run it reports
SCAFFOLDING_TAGS = {PARAMETERS_TAG, INJECTED_TAG, INSTALL_TAG, REPORT_TAG}
# The install cell of notebooks saved before it carried its tag opens with this line.
UNTAGGED_INSTALL_START = "# Colab only: install labhelpers"
TEMPLATES = Path(__file__).parent / "templates"
# Chromium with no way out: the lab report loads only local files.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND",
]

# The notebook's last cell (notebooks/01_sum_classifier.py holds it verbatim; a test checks).
REPORT_CELL = """\
# Run all, save, fill in your name and register number, run: your lab report.
from labhelpers.lab_report import write_lab_report

write_lab_report(student_name="", register_number="")
"""


class ReportRefused(ValueError):
    """The stored run would give a misleading lab report; the message says why and what to do."""


class NotExecuted(ReportRefused):
    """The notebook was not executed, or not to its end."""


class StoppedWithError(ReportRefused):
    """A cell raised an error."""


class StoppedByInterrupt(ReportRefused):
    """The run was interrupted (Ctrl-C, the stop button, a kernel interrupt)."""


class RanOutOfOrder(ReportRefused):
    """The cells did not run once each, top to bottom."""


class NotThisRun(ReportRefused):
    """In a notebook: the saved file does not hold this kernel's run (not saved since)."""


_RERUN = (
    "Restart the kernel and run all cells (or run it with papermill), "
    "then make the lab report again."
)


def _label(cell: dict, index: int) -> str:
    count = cell.get("execution_count")
    return f"cell {index + 1} (In [{count}])" if count is not None else f"cell {index + 1}"


def check_run(notebook: dict, name: str = "the notebook") -> None:
    """Raise a :class:`ReportRefused` subclass unless the stored run is one clean run in order.

    In this order: no cell ran (:class:`NotExecuted`); an error output
    (:class:`StoppedByInterrupt` for ``KeyboardInterrupt``, else :class:`StoppedWithError`;
    papermill's own failure flag counts too); cells that never ran after
    others did (:class:`NotExecuted`); execution counts that are not 1, 2, 3, ...
    down the notebook (:class:`RanOutOfOrder`).
    """
    cells = run_cells(notebook, {REPORT_TAG})
    ran = [
        (i, cell)
        for i, cell in cells
        if cell.get("execution_count") is not None or cell.get("outputs")
    ]
    if not ran:
        raise NotExecuted(
            f"{name} was not executed: none of its {len(cells)} code cells has run. "
            f"Run it first: {_RERUN}"
        )
    for i, cell in cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            where = f"{_label(cell, i)}: {output.get('ename')}: {output.get('evalue')}"
            if output.get("ename") == "KeyboardInterrupt":
                raise StoppedByInterrupt(
                    f"{name} was interrupted in {where}; the cells after it did not run. {_RERUN}"
                )
            raise StoppedWithError(
                f"{name} stopped with an error in {where}. Fix the cause, then: {_RERUN}"
            )
    if notebook.get("metadata", {}).get("papermill", {}).get("exception"):
        raise StoppedWithError(
            f"{name} stopped with an error (papermill marked the run as failed). {_RERUN}"
        )
    missing = [i for i, cell in cells if cell.get("execution_count") is None]
    if missing:
        last = max(i for i, _ in ran)
        kind = "did not reach the end" if any(i > last for i in missing) else "skipped cells"
        raise NotExecuted(
            f"{name} was not executed to the end: the run {kind}; "
            f"{', '.join(f'cell {i + 1}' for i in missing[:5])}"
            f"{' ...' if len(missing) > 5 else ''} never ran. {_RERUN}"
        )
    counts = [cell["execution_count"] for _, cell in cells]
    if counts != list(range(1, len(counts) + 1)):
        first = next(k for k, count in enumerate(counts) if count != k + 1)
        i, cell = cells[first]
        raise RanOutOfOrder(
            f"{name} did not run top to bottom once: {_label(cell, i)} has execution count "
            f"{counts[first]} where a single run in order gives {first + 1} (counts "
            f"{counts[: first + 3]}...). A cell was run twice, skipped or run out of "
            f"order, so the outputs may not belong together. {_RERUN}"
        )


# --- reading the notebook -------------------------------------------------------------------------


def _split_markdown(source: str) -> list[tuple[str | None, str]]:
    """``(heading, text)`` pieces of a Markdown cell, cut before each ``## heading`` line."""
    pieces: list[tuple[str | None, str]] = []
    heading, lines = None, []
    for line in source.splitlines():
        match = re.match(r"^## (.+?)\s*$", line)
        if match:
            if heading is not None or "".join(lines).strip():
                pieces.append((heading, "\n".join(lines).strip()))
            heading, lines = match.group(1), []
        else:
            lines.append(line)
    if heading is not None or "".join(lines).strip():
        pieces.append((heading, "\n".join(lines).strip()))
    return pieces


def _is_scaffolding(cell: dict, section: str | None) -> bool:
    return (
        bool(set(tags_of(cell)) & SCAFFOLDING_TAGS)
        or source_of(cell).lstrip().startswith(UNTAGGED_INSTALL_START)
        or section == PARAMETERS_SECTION
    )


def settings_used(notebook: dict, results: dict | None) -> dict[str, Any]:
    """The run's settings: the parameters (papermill's injected values first), then the profile's.

    A parameter left at None takes its profile's value, which the run recorded
    in its results' ``settings``.
    """
    parameters = parameter_values(notebook)
    recorded = (results or {}).get("settings", {})
    merged = {name: value for name, value in parameters.items() if value is not None}
    merged.update(recorded)
    if "profile" in merged:
        merged = {"profile": merged.pop("profile"), **merged}
    return merged


def run_seconds(notebook: dict) -> float | None:
    """The run's wall time: papermill's duration, else the sum of the cells' timings."""
    duration = notebook.get("metadata", {}).get("papermill", {}).get("duration")
    if duration is not None:
        return float(duration)
    total, found = 0.0, False
    for _, cell in run_cells(notebook, {REPORT_TAG}):
        meta = cell.get("metadata", {})
        timing = meta.get("execution", {})
        if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            start = _dt.datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
            end = _dt.datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
            total, found = total + (end - start).total_seconds(), True
        elif "elapsed" in meta.get("executionInfo", {}):  # Colab, in milliseconds
            total, found = total + meta["executionInfo"]["elapsed"] / 1000, True
    return total if found else None


def _when(iso: str) -> str:
    """``2026-11-30T01:09:53+00:00`` as ``2026-11-30 01:09 UTC`` (other forms as they are)."""
    try:
        moment = _dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.utcoffset() is not None:
        return moment.astimezone(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return moment.strftime("%Y-%m-%d %H:%M")


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _value_in_words(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def lab_report_notebook(notebook: dict, results: dict | None) -> dict:
    """The lab report's body as a notebook (nbformat 4 dict): headings, prose, code, outputs.

    Cells tagged ``report-output-only`` show their outputs without code,
    ``report-code-only`` their code without outputs (nbconvert's
    TagRemovePreprocessor reads the tags).
    """
    found: dict[str, list[dict]] = {name: [] for name in SECTIONS}
    later_code: list[dict] = []  # code of the sections after the Program: listed in the Program
    section: str | None = None
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            for heading, text in _split_markdown(cell["source"]):
                if heading is not None and (heading in SECTIONS or heading in LEFT_OUT):
                    section = heading
                elif (
                    heading is not None and section in SECTIONS
                ):  # a part of a section: "Defect 1: ..."
                    text = f"### {heading}\n\n{text}"
                if section in SECTIONS and text:
                    found[section].append({"cell_type": "markdown", "metadata": {}, "source": text})
        elif cell["cell_type"] == "code" and cell["source"].strip():
            if _is_scaffolding(cell, section) or section not in SECTIONS:
                continue
            code = {
                "cell_type": "code",
                "metadata": {},
                "source": cell["source"],
                "execution_count": cell.get("execution_count"),
                "outputs": _shown_outputs(cell),
            }
            if section in ("Program", "Aim", "Objectives", "Algorithm"):
                found["Program"].append(code)
            else:
                later_code.append({**code, "metadata": {"tags": ["report-code-only"]}})
                found[section].append({**code, "metadata": {"tags": ["report-output-only"]}})
    missing = [name for name in SECTIONS if not found[name]]
    if missing:
        raise ValueError(
            f"the notebook has no '## {missing[0]}' section (a lab report needs all of "
            f"{', '.join(SECTIONS)}): is it one of the lab book's lessons?"
        )
    settings = settings_used(notebook, results)
    table = ["### Settings used", "", "| setting | value |", "| --- | --- |"]
    table += [f"| {name} | `{_value_in_words(value)}` |" for name, value in settings.items()]
    cells: list[dict] = []
    for name in SECTIONS:
        cells.append({"cell_type": "markdown", "metadata": {}, "source": f"## {name}"})
        if name == "Program" and settings:
            cells.append({"cell_type": "markdown", "metadata": {}, "source": "\n".join(table)})
        cells += found[name]
        if name == "Program" and later_code:
            cells.append(
                {
                    "cell_type": "markdown",
                    "metadata": {},
                    "source": "### The code behind the Observation and the Result",
                }
            )
            cells += later_code
    cells = [{**cell, "id": f"report-{k}"} for k, cell in enumerate(cells)]
    return {
        "cells": cells,
        "metadata": {
            k: v
            for k, v in notebook.get("metadata", {}).items()
            if k in ("kernelspec", "language_info")
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _shown_outputs(cell: dict) -> list[dict]:
    """A cell's outputs for the lab report: stderr and the saved-results output are left out."""
    shown = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            continue
        if RESULTS_MIME in output.get("data", {}):
            continue
        shown.append(output)
    return shown


def result_sentences(notebook: dict) -> list[str]:
    """The Markdown the Result section's cells displayed: the sentence(s) the run produced."""
    section, sentences = None, []
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            for heading, _ in _split_markdown(cell["source"]):
                if heading in SECTIONS or heading in LEFT_OUT:
                    section = heading
        elif section == "Result" and REPORT_TAG not in cell.get("metadata", {}).get("tags", []):
            for output in cell.get("outputs", []):
                text = output.get("data", {}).get("text/markdown")
                if text:
                    sentences.append("".join(text) if isinstance(text, list) else text)
    return sentences


# --- the header -----------------------------------------------------------------------------------


def _parse_date(date: str | _dt.date | None) -> _dt.date:
    if date is None:
        return _dt.date.today()
    if isinstance(date, _dt.date):
        return date
    try:
        return _dt.date.fromisoformat(str(date).strip())
    except ValueError:
        raise ValueError(
            f"date must be written YYYY-MM-DD, e.g. 2026-11-30; got {date!r}"
        ) from None


# The header's fields fit their cells of an A4 page up to this many characters.
FIELD_LIMIT = 80


def _required_text(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be given (a non-empty text), got {value!r}")
    text = " ".join(value.split())
    if len(text) > FIELD_LIMIT:
        raise ValueError(
            f"{name} is {len(text)} characters long, more than the lab report's header holds "
            f"({FIELD_LIMIT}): shorten it (initials for middle names, for example)"
        )
    return text


def glyphs_without_font(text: str) -> list[str]:
    """The characters of ``text`` that no installed font can draw (Chromium prints them as empty
    boxes), asked of fontconfig (``fc-list``); [] when fontconfig is absent, as it cannot say."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return []
    missing = []
    for char in dict.fromkeys(text):
        if ord(char) < 0x250 or char.isspace():  # Latin: every font has it
            continue
        found = subprocess.run(
            [fc_list, f":charset={ord(char):x}", "family"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        if found.returncode == 0 and not found.stdout.strip():
            missing.append(char)
    return missing


def header_fields(
    notebook: dict,
    results: dict | None,
    name: str,
    register: str,
    date: str | _dt.date | None,
    experiment: int | str | None,
) -> dict[str, Any]:
    """The header's fields, each a string: the student's, the experiment's and the run's."""
    title = title_of(notebook)
    if title is None:
        raise ValueError(
            "the notebook has no '# title' line in a Markdown cell: "
            "a lab report needs the experiment's title"
        )
    match = re.match(r"Lesson (\d+):\s*(.+)", title)
    if experiment is None:
        if not match:
            raise ValueError(
                f"experiment must be given: the title {title!r} holds no lesson number to use"
            )
        experiment = match.group(1)
    experiment = _required_text("experiment", str(experiment))
    seconds = run_seconds(notebook)
    machine = (results or {}).get("machine")
    run = {
        "Profile": str(settings_used(notebook, results).get("profile", "not recorded")),
        "Data": (results or {}).get("data", "not recorded"),
        "Machine": machine_in_words(machine, versions=True) if machine else "not recorded",
        "Run time": f"{seconds:.1f} s (whole notebook)" if seconds is not None else "not recorded",
        "Finished": _when(results.get("finished"))
        if results and results.get("finished")
        else "not recorded",
    }
    return {
        "name": _required_text("name", name),
        "register": _required_text("register", register),
        "date": _parse_date(date).strftime("%d %B %Y").lstrip("0"),
        "experiment": experiment,
        "title": _capitalised(match.group(2) if match else title),
        "lesson": title,
        "run": run,
    }


# --- rendering ------------------------------------------------------------------------------------


def mathjax_script() -> Path:
    """MathJax 3's ``tex-svg.js`` from the ``sphinx-mathjax-offline`` package (the book's copy)."""
    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is None or spec.origin is None:
        raise RuntimeError(
            "the lab report renders maths with the MathJax copy of the package "
            "sphinx-mathjax-offline, which is not installed: pip install 'labhelpers[lab-report]'"
        )
    script = Path(spec.origin).parent / "static" / "mathjax" / "tex-svg.js"
    if not script.is_file():
        raise RuntimeError(f"{script} is missing: reinstall sphinx-mathjax-offline")
    return script


def clean_html(html: str | bytes) -> str:
    """The notebook's HTML (Markdown cells, HTML outputs, highlighted code) without active content.

    A notebook is a student's file, and a teaching assistant opens the lab report in a browser:
    event handlers (``onerror``), ``javascript:`` links, scripts, iframes and forms go; text,
    maths (TeX stays text until MathJax typesets it), tables, figures (``data:`` images), code
    highlighting (``class``) and the answers' ``<details>`` stay. nh3 is the Rust sanitizer
    ammonia; nbconvert's own filter uses bleach, which is no longer developed.
    """
    import nh3

    html = html.decode("utf-8") if isinstance(html, bytes) else str(html)
    if html.lstrip().startswith(("<svg", "<?xml")):
        # An SVG figure: its drawing elements are no HTML, so only its active parts go.
        return nh3.clean(html, tags=_SVG_TAGS, attributes={"*": _SVG_ATTRIBUTES}, url_schemes=set())
    return nh3.clean(
        html,
        tags=nh3.ALLOWED_TAGS | {"details", "summary", "figure", "figcaption"},
        attributes={
            **nh3.ALLOWED_ATTRIBUTES,
            "*": {"class", "id", "title", "align", "style"},
            "img": {"src", "alt", "width", "height"},
            "td": {"colspan", "rowspan"},
            "th": {"colspan", "rowspan"},
        },
        url_schemes={"http", "https", "mailto", "data"},
    )


_SVG_TAGS = {
    "svg", "g", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text",
    "tspan", "defs", "clipPath", "use", "title", "desc", "image", "linearGradient",
    "radialGradient", "stop", "symbol", "pattern", "mask",
}  # fmt: skip
_SVG_ATTRIBUTES = {
    "id", "class", "d", "x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "rx", "ry", "width",
    "height", "viewBox", "transform", "fill", "stroke", "stroke-width", "style", "points",
    "clip-path", "font-size", "font-family", "text-anchor", "opacity", "version", "xmlns",
    "offset", "stop-color", "preserveAspectRatio", "href",
}  # fmt: skip


def lab_report_html(notebook: dict, header: dict, mathjax_url: str) -> str:
    """The lab report as HTML (nbconvert, template ``lab_report``); MathJax yet to run in a browser.
    Everything from the notebook passes :func:`clean_html`."""
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(
        template_name="lab_report",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        sanitize_html=True,
    )
    exporter.register_filter("clean_html", clean_html)
    exporter.register_preprocessor(
        TagRemovePreprocessor(
            remove_input_tags={"report-output-only"}, remove_all_outputs_tags={"report-code-only"}
        ),
        enabled=True,
    )
    css = (TEMPLATES / "lab_report" / "lab_report.css").read_text(encoding="utf-8")
    body = nbformat.from_dict(notebook)
    html, _ = exporter.from_notebook_node(
        body,
        resources={
            "metadata": {"name": header["lesson"]},
            "lab_report": {**header, "css": css, "mathjax_url": mathjax_url},
        },
    )
    return html


def chromium_executable() -> str | None:
    """The Chromium to drive: ``$LABHELPERS_CHROMIUM``, a system one, else Playwright's (None)."""
    chosen = os.environ.get(CHROMIUM_ENV)
    if chosen:
        if not Path(chosen).is_file():
            raise RuntimeError(f"{CHROMIUM_ENV} names {chosen}, which does not exist")
        return chosen
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if (
            found and "snap" not in Path(found).resolve().parts
        ):  # Ubuntu's snap stub cannot be driven
            return found
    return None


_TYPESET_JS = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  const pending = [...document.querySelectorAll('mjx-merror, .mjx-merror')].length;
  document.querySelectorAll('script').forEach(s => s.remove());
  return pending;
}"""

_FOOTER = (
    '<div style="font-size:8px; width:100%; margin:0 14mm; display:flex;'
    " justify-content:space-between;"
    ' font-family:sans-serif; color:#444"><span>{left}</span>'
    '<span>page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>'
)


def print_lab_report(html: str, folder: Path, footer: str) -> tuple[str, bytes]:
    """Typeset the maths in headless Chromium; return the final HTML (no scripts) and the A4 PDF."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise RuntimeError(
            "the PDF is printed by Chromium through Playwright, which is not installed: "
            "pip install 'labhelpers[lab-report]'"
        ) from None
    page_file = folder / "lab_report.html"
    page_file.write_text(html, encoding="utf-8")
    with sync_playwright() as playwright:
        executable = chromium_executable()
        try:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        except PlaywrightError as error:
            raise RuntimeError(
                "no Chromium to print the PDF with. On Debian `apt-get install chromium` "
                f"(or set {CHROMIUM_ENV} to a Chromium or Chrome), elsewhere and on Colab "
                "`python -m playwright install --with-deps chromium`. "
                f"Playwright said: {str(error)[:300]}"
            ) from None
        try:
            page = browser.new_page()
            page.goto(page_file.as_uri(), wait_until="load")
            errors = page.evaluate(_TYPESET_JS)
            if errors:
                raise RuntimeError(
                    f"MathJax could not typeset {errors} formula(s) of the notebook's Markdown"
                )
            final = "<!DOCTYPE html>\n" + page.evaluate("() => document.documentElement.outerHTML")
            pdf = page.pdf(
                format="A4",
                print_background=True,
                display_header_footer=True,
                header_template="<span></span>",
                footer_template=_FOOTER.format(left=footer),
                margin={"top": "14mm", "bottom": "16mm", "left": "14mm", "right": "14mm"},
            )
        finally:
            browser.close()
    return final, pdf


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _check_out_folder(folder: Path) -> None:
    """``out`` must be a folder this process can write (made when missing)."""
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"out {folder} is a file: give a folder for the lab report's two files")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder, prefix=".lab-report-writable-"):
            pass
    except OSError as error:
        raise ValueError(
            f"out {folder} cannot be written ({error.strerror or error}): give another folder"
        ) from None


def make_lab_report(
    executed_ipynb: str | Path,
    name: str,
    register: str,
    date: str | _dt.date | None = None,
    experiment: int | str | None = None,
    out: str | Path | None = None,
) -> tuple[Path, Path]:
    """Write the lab report of an executed notebook as HTML and PDF; return ``(html, pdf)``.

    ``name`` and ``register`` are the student's; ``date`` is ``YYYY-MM-DD``
    (default today); ``experiment`` defaults to the lesson number of the title;
    ``out`` is the folder (default: the notebook's), and the files are named
    after the notebook: ``01_sum_classifier.lab-report.html`` and ``.pdf``. A run
    that would mislead raises a :class:`ReportRefused` subclass and writes nothing.
    """
    import nbformat

    path = Path(executed_ipynb)
    if not path.is_file():
        raise FileNotFoundError(f"executed_ipynb: no notebook at {path}")
    try:
        notebook = nbformat.read(path, as_version=4)
    except (ValueError, UnicodeDecodeError, AttributeError, KeyError) as error:
        raise ValueError(
            f"{path} is not a Jupyter notebook ({type(error).__name__}): give the executed "
            ".ipynb file (Restart and run all, save, then this)"
        ) from None
    check_run(notebook, path.name)
    results = next(iter(saved_results(notebook)), None)
    header = header_fields(notebook, results, name, register, date, experiment)
    body = lab_report_notebook(notebook, results)
    folder = Path(out) if out is not None else path.parent
    _check_out_folder(folder)  # before Chromium's work, not after it
    unprintable = glyphs_without_font(header["name"] + header["register"])
    if unprintable:
        warnings.warn(
            f"the name or register number holds {''.join(unprintable)!r}, which no installed "
            "font can draw: the PDF shows empty boxes there. Install a font that has them "
            "(Debian: fonts-noto-cjk for Chinese, Japanese and Korean, fonts-noto-color-emoji "
            "for emoji) and make the lab report again",
            stacklevel=2,
        )
    stem = path.name.removesuffix(".ipynb")
    footer = _escape(
        f"{header['name']} ({header['register']}): experiment {header['experiment']}, "
        f"{header['title']}"
    )[:160]
    with tempfile.TemporaryDirectory(prefix="lab-report-") as scratch:
        html = lab_report_html(body, header, mathjax_script().as_uri())
        final, pdf = print_lab_report(html, Path(scratch), footer)
    html_path, pdf_path = folder / f"{stem}.lab-report.html", folder / f"{stem}.lab-report.pdf"
    with atomic_write(html_path, "w") as file:
        file.write(final)
    with atomic_write(pdf_path, "wb") as file:
        file.write(pdf)
    return html_path, pdf_path


# --- from inside a notebook -----------------------------------------------------------------------


def _on_colab() -> bool:
    return "google.colab" in sys.modules


def _colab_prepare() -> None:
    """On Colab: install what the lab report needs (Playwright, its Chromium, MathJax, the nh3
    sanitizer) when missing."""
    wanted = [
        package
        for package, module in (
            ("playwright", "playwright"),
            ("sphinx-mathjax-offline", "sphinx-mathjax-offline"),
            ("nh3", "nh3"),
        )
        if importlib.util.find_spec(module) is None
    ]
    if wanted:
        print(f"Installing {', '.join(wanted)} for the PDF (once per Colab session)...", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *wanted], check=True)
        importlib.invalidate_caches()  # so that this process finds the packages just installed
    marker = user_cache() / "labhelpers-lab-report-chromium"
    if not marker.exists():
        print(
            "Installing Chromium for the PDF (once per Colab session, about a minute)...",
            flush=True,
        )
        subprocess.run(
            [sys.executable, "-m", "playwright", "install", "--with-deps", "chromium"],
            check=True,
            capture_output=True,
        )
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()


def _this_notebook(scratch: Path) -> Path:
    """The running notebook as a file: Colab's live copy, else the saved file Jupyter names."""
    if _on_colab():
        import nbformat
        from google.colab import (
            _message,
        )  # Colab's own front-end call, the one way to read the live notebook

        live = _message.blocking_request("get_ipynb", timeout_sec=60)["ipynb"]
        name = Path(
            live.get("metadata", {}).get("colab", {}).get("name") or "lab_report.ipynb"
        ).name
        path = scratch / (name if name.endswith(".ipynb") else "lab_report.ipynb")
        nbformat.write(nbformat.from_dict(live), str(path))
        return path
    from IPython import get_ipython

    shell = get_ipython()
    candidates = [
        (shell.user_ns.get("__vsc_ipynb_file__") if shell else None),
        os.environ.get("JPY_SESSION_NAME"),
    ]
    for candidate in candidates:
        if candidate and Path(candidate).suffix == ".ipynb" and Path(candidate).is_file():
            return Path(candidate)
    raise RuntimeError(
        "could not tell which notebook this is: save it, then call "
        "make_lab_report('NOTEBOOK.ipynb', name, register) from labhelpers.lab_report"
    )


def check_same_run(notebook: dict, history: list[str], name: str) -> None:
    """Raise :class:`NotThisRun` unless each run cell's code is what this kernel ran as its number.

    ``history`` is IPython's ``In`` list (``In[n]`` is the code run as ``In [n]``).
    Cells with magics (``%``, ``!``) are passed over: IPython stores them rewritten.
    """
    for i, cell in run_cells(notebook, {REPORT_TAG}):
        count, code = cell.get("execution_count"), cell["source"].strip()
        if count is None or re.search(r"^\s*[%!]", code, flags=re.MULTILINE):
            continue
        if count >= len(history) or history[count].strip() != code:
            raise NotThisRun(
                f"{name} as saved does not hold this kernel's run: cell {i + 1} (In [{count}]) "
                "is not the code this kernel ran under that number. Save the notebook "
                "(Ctrl+S) after running it, then run this cell again."
            )


def write_lab_report(
    student_name: str,
    register_number: str,
    date: str | None = None,
    experiment: int | None = None,
    out: str | Path | None = None,
) -> tuple[Path, Path] | None:
    """The notebook's last cell: make the lab report of this run; on Colab, download it too.

    With ``student_name`` or ``register_number`` empty it only prints how to use it (so a
    batch run or a regression test passes over it). Outside Colab it reads the
    notebook's saved file: save the notebook after running it.
    """
    if not (isinstance(student_name, str) and student_name.strip()) or not (
        isinstance(register_number, str) and register_number.strip()
    ):
        print(
            "To make your lab report: run the whole notebook, save it, then fill in student_name "
            "and register_number in this cell and run it."
        )
        return None
    import nbformat
    from IPython import get_ipython

    if _on_colab():
        _colab_prepare()
    with tempfile.TemporaryDirectory(prefix="lab-report-") as scratch:
        source = _this_notebook(Path(scratch))
        shell = get_ipython()
        if shell is not None:
            check_same_run(
                nbformat.read(source, as_version=4), list(shell.user_ns.get("In", [])), source.name
            )
        folder = Path(out) if out is not None else (Path.cwd() if _on_colab() else source.parent)
        # In a kernel an asyncio loop is running, where Playwright's sync API refuses to work:
        # the lab report is made in a thread of its own.
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            html, pdf = pool.submit(
                make_lab_report,
                source,
                student_name,
                register_number,
                date,
                experiment,
                folder,
            ).result()
    print(f"Lab report written: {html} and {pdf}")
    if _on_colab():
        from google.colab import files

        files.download(str(html))
        files.download(str(pdf))
    return html, pdf
