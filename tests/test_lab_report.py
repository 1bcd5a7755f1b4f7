"""The lab report (issue 15): from an executed notebook to HTML and A4 PDF; the runs it refuses.

Lessons 1 and 7 are executed here (smoke profile) and their lab reports rendered; the PDF is read
back with pypdf: its text (header, sections, code, Result sentence) and its images (the notebook's
figures, pixel for pixel). Whether anything is cut at the page edge is measured in Chromium at the
PDF's print width.
"""

import base64
import io
import re
import unicodedata

import nbformat
import numpy as np
import pytest
from browser import chromium_page, require_chromium

from labhelpers.__main__ import main
from labhelpers.lab_report import (
    REPORT_CELL,
    REPORT_TAG,
    NotExecuted,
    NotThisRun,
    RanOutOfOrder,
    StoppedByInterrupt,
    StoppedWithError,
    check_run,
    check_same_run,
    header_fields,
    make_lab_report,
)
from labhelpers.report import RESULTS_MIME
from labhelpers.tools.runner import NotebookFailed, execute_notebook

from conftest import ROOT

SECTIONS = ["Aim", "Objectives", "Algorithm", "Program", "Observation", "Result"]
STUDENT = {"name": "Asha Raman", "register": "21BCE1234", "date": "2026-11-30"}
A4_CONTENT_WIDTH_PX = round(
    (210 - 2 * 14) / 25.4 * 96
)  # A4 less the 14 mm margins make_lab_report prints with


def pdf_text(pdf) -> str:
    from pypdf import PdfReader

    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    return unicodedata.normalize(
        "NFKC", text
    )  # the "fi" ligature of the PDF's font back to two letters


def body_text(pdf) -> str:
    """The PDF's text without the page footers (a page may break inside a line or a sentence)."""
    return "\n".join(
        line for line in pdf_text(pdf).splitlines() if not re.search(r"page \d+ of \d+$", line)
    )


def pdf_images(pdf) -> list[np.ndarray]:
    from pypdf import PdfReader

    return [
        np.asarray(image.image.convert("RGB"))
        for page in PdfReader(pdf).pages
        for image in page.images
    ]


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def notebook_pngs(notebook) -> list[np.ndarray]:
    from PIL import Image

    return [
        np.asarray(
            Image.open(io.BytesIO(base64.b64decode(output["data"]["image/png"]))).convert("RGB")
        )
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if "image/png" in output.get("data", {})
    ]


def displayed_result(notebook) -> str:
    """The Markdown that the cell saving the run's results displayed: the Result sentence."""
    for cell in notebook.cells:
        if cell.cell_type == "code" and any(
            RESULTS_MIME in o.get("data", {}) for o in cell.outputs
        ):
            shown = [
                o["data"]["text/markdown"]
                for o in cell.outputs
                if "text/markdown" in o.get("data", {})
            ]
            return shown[-1]
    raise AssertionError("no cell displayed a Result sentence and saved the results")


def markdown_text(markdown: str) -> str:
    """Markdown's visible text: ** and ` marks removed (what the PDF shows)."""
    return re.sub(r"\*\*|`", "", markdown)


@pytest.fixture(scope="module", params=["01_sum_classifier", "07_imdb_rnn_pytorch"])
def lab_report(request, tmp_path_factory):
    """(executed notebook, html, pdf) for a lesson run in the smoke profile (its speed: bench/)."""
    require_chromium()
    folder = tmp_path_factory.mktemp(request.param)
    executed = execute_notebook(
        ROOT / "notebooks" / f"{request.param}.ipynb",
        folder / f"{request.param}.ipynb",
        {"profile": "smoke"},
    )
    if request.param == "01_sum_classifier":
        html, pdf = make_lab_report(
            executed, STUDENT["name"], STUDENT["register"], STUDENT["date"], out=folder / "out"
        )
    else:  # the command line
        assert (
            main(
                [
                    "lab-report",
                    str(executed),
                    "--name",
                    STUDENT["name"],
                    "--register",
                    STUDENT["register"],
                    "--date",
                    STUDENT["date"],
                    "--experiment",
                    "7",
                    "--out",
                    str(folder / "out"),
                ]
            )
            == 0
        )
        html, pdf = (
            folder / "out" / f"{request.param}.lab-report.{kind}" for kind in ("html", "pdf")
        )
    return nbformat.read(executed, as_version=4), html, pdf


def test_pdf_holds_the_header_and_the_six_sections_in_order(lab_report):
    notebook, _, pdf = lab_report
    text = pdf_text(pdf)
    title = next(
        line[2:]
        for cell in notebook.cells
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if line.startswith("# ")
    )
    number, experiment = re.match(r"Lesson (\d+): (.+)", title).groups()
    for field in (
        STUDENT["name"],
        STUDENT["register"],
        "30 November 2026",
        f"Lab report: experiment {int(number)}",
        experiment[0].upper() + experiment[1:],
        "smoke",
    ):
        assert field in text
    lines = [line.strip() for line in text.splitlines()]
    positions, start = [], 0
    for section in SECTIONS:
        assert section in lines[start:], (
            f"no heading {section!r} after {SECTIONS[: len(positions)]}"
        )
        start = lines.index(section, start) + 1
        positions.append(start)
    assert positions == sorted(positions)


def test_pdf_images_are_the_notebooks_figures(lab_report):
    notebook, _, pdf = lab_report
    expected, found = notebook_pngs(notebook), pdf_images(pdf)
    assert len(expected) >= 2 and len(found) == len(expected)
    for figure, image in zip(expected, found):
        assert image.shape == figure.shape and np.array_equal(
            image, figure
        )  # same pixels, not resampled


def test_result_sentence_in_the_pdf_is_the_notebooks(lab_report):
    notebook, _, pdf = lab_report
    sentence = markdown_text(displayed_result(notebook))
    assert re.search(r"\d+\.\d\d%", sentence)  # it carries the run's numbers
    text = " ".join(
        re.sub(r"-\n", "-", body_text(pdf)).split()
    )  # a line broken after a hyphen: 71-75%
    result = text[text.rindex(" Result ") :]  # the Result section, last in the lab report

    def tight(words):  # the PDF's text puts a space after inline code: "RuntimeError ;"
        return re.sub(r" ([;:,.)])", r"\1", " ".join(words.split()))

    assert tight(sentence) in tight(result)


def test_every_program_line_is_in_the_pdf_and_nothing_is_wider_than_the_page(lab_report, tmp_path):
    notebook, html, pdf = lab_report
    text = squeezed(body_text(pdf))
    scaffolding = {"parameters", "injected-parameters", "install", REPORT_TAG}
    # The lesson's questions (and the cell that shows their answers) stay out of the lab report.
    questions = next(
        (
            i
            for i, cell in enumerate(notebook.cells)
            if cell.cell_type == "markdown" and "## Questions" in cell.source
        ),
        len(notebook.cells),
    )
    section, code = None, []  # the code of the Parameters section is scaffolding too
    for cell in notebook.cells[:questions]:
        if cell.cell_type == "markdown":
            section = ([section] + re.findall(r"^## (.+?)\s*$", cell.source, flags=re.M))[-1]
        elif not scaffolding & set(cell.metadata.get("tags", [])) and section != "Parameters":
            code.append(cell.source)
    lines = [line for source in code for line in source.splitlines() if line.strip()]
    assert len(lines) > 30 and [line for line in lines if squeezed(line) not in text] == []
    with chromium_page(tmp_path / "profile", width=A4_CONTENT_WIDTH_PX, height=1100) as (
        page,
        requests,
    ):
        page.emulate_media(media="print")
        page.goto(html.as_uri())
        wide = page.evaluate(
            """(width) => [...document.querySelectorAll('pre, img, svg, table, .jp-Cell')]
          .filter(e => e.scrollWidth > e.clientWidth + 1
                       || e.getBoundingClientRect().right > width + 1)
          .map(e => e.tagName + ': ' + e.textContent.slice(0, 60))""",
            A4_CONTENT_WIDTH_PX,
        )
        assert [url for url in requests if not url.startswith("file:")] == []  # nothing fetched
    assert wide == []


def test_maths_is_typeset_into_the_html_which_needs_no_script(lab_report):
    notebook, html, pdf = lab_report
    page = html.read_text()
    assert "<script" not in page and 'src="http' not in page
    markdown = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    algorithm = markdown[markdown.index("## Algorithm") : markdown.index("## Program")]
    formulas = re.findall(r"\$\$.+?\$\$|\$[^$\n]+\$", algorithm, flags=re.DOTALL)
    assert formulas and page.count("<mjx-container") >= len(formulas)
    assert "\\tanh" not in pdf_text(pdf) and "$" not in pdf_text(pdf).split("Program")[0]


# --- refusals -----------------------------------------------------------------------------------


def small_notebook(*sources):
    cells = [
        nbformat.v4.new_markdown_cell(
            "# Lesson 11: a small notebook\n\n## Aim\n\nA.\n\n## Objectives\n\nB."
        )
    ]
    cells += [nbformat.v4.new_markdown_cell("## Algorithm\n\nC.\n\n## Program")]
    cells += [nbformat.v4.new_code_cell(source) for source in sources]
    cells += [nbformat.v4.new_markdown_cell("## Observation\n\nD.\n\n## Result\n\nE.")]
    return nbformat.v4.new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}
        },
    )


def refused(notebook, path, error):
    """make_lab_report on ``notebook`` (saved at ``path``) raises ``error`` and writes nothing."""
    nbformat.write(notebook, path)
    with pytest.raises(error) as caught:
        make_lab_report(path, **STUDENT, out=path.parent / "out")
    assert not (path.parent / "out").exists()
    return str(caught.value)


def test_an_unexecuted_notebook_is_refused(tmp_path):
    lesson = nbformat.read(
        ROOT / "notebooks" / "01_sum_classifier.ipynb", as_version=4
    )  # the source, not run
    message = refused(lesson, tmp_path / "01.ipynb", NotExecuted)
    assert "was not executed" in message and "run all" in message


def test_a_notebook_that_stopped_with_an_error_is_refused(tmp_path):
    executed = tmp_path / "01.ipynb"
    with pytest.raises(NotebookFailed):
        execute_notebook(
            ROOT / "notebooks" / "01_sum_classifier.ipynb",
            executed,
            {"profile": "smoke", "epochs": 0},
        )
    message = refused(nbformat.read(executed, as_version=4), executed, StoppedWithError)
    assert "stopped with an error" in message and "epochs" in message


def test_an_interrupted_notebook_is_refused(tmp_path):
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = small_notebook("x = 1", "import time\ntime.sleep(60)", "print(x)")
    client = NotebookClient(notebook, timeout=3, interrupt_on_timeout=True, kernel_name="python3")
    with pytest.raises(CellExecutionError):
        client.execute()  # the kernel is interrupted in the second cell, as the stop button does
    message = refused(notebook, tmp_path / "interrupted.ipynb", StoppedByInterrupt)
    assert "interrupted in cell 4 (In [2])" in message


def test_a_notebook_run_out_of_order_is_refused(tmp_path):
    from nbclient import NotebookClient

    notebook = small_notebook("x = 1", "x = x + 1", "print(x)")
    client = NotebookClient(notebook, kernel_name="python3")
    with client.setup_kernel():
        for index in (2, 3, 3, 4):  # the second code cell run twice
            client.execute_cell(notebook.cells[index], index)
    assert (
        notebook.cells[4].outputs[0]["text"] == "3\n"
    )  # the state no single top-to-bottom run gives
    message = refused(notebook, tmp_path / "out_of_order.ipynb", RanOutOfOrder)
    assert "did not run top to bottom once" in message


def test_a_run_that_stopped_before_the_end_is_refused():
    notebook = small_notebook("x = 1", "y = 2", "print(x)")
    for count, cell in enumerate(notebook.cells[2:4], start=1):
        cell.execution_count = count
    with pytest.raises(NotExecuted, match="did not reach the end; cell 5 never ran"):
        check_run(notebook)


@pytest.mark.parametrize(
    "cpu, words", [("AMD EPYC", "2 CPU cores (AMD EPYC)"), (None, "2 CPU cores")]
)
def test_the_machine_line_names_the_cpu_model_when_the_results_have_it(cpu, words):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Lesson 1: an RNN")])
    machine = {"platform": "Linux-6", "cpu_count": 2, "python": "3.11.7", "torch": "2.13.0"}
    if cpu:
        machine["cpu"] = cpu
    fields = header_fields(notebook, {"machine": machine}, "A", "R1", "2026-12-06", None)
    assert fields["run"]["Machine"] == f"Linux-6, {words}; python 3.11.7, torch 2.13.0"


def test_bad_header_fields_are_named(lab_report, tmp_path):
    notebook, *_ = lab_report
    path = tmp_path / "run.ipynb"
    nbformat.write(notebook, path)
    with pytest.raises(ValueError, match="name must be given"):
        make_lab_report(path, " ", "21BCE1234")
    with pytest.raises(ValueError, match="date must be written YYYY-MM-DD"):
        make_lab_report(path, "A", "21BCE1234", date="30/11/2026")


def test_the_command_line_reports_a_refusal(tmp_path, capsys):
    assert (
        main(
            [
                "lab-report",
                str(ROOT / "notebooks" / "02_rnn_cell.ipynb"),
                "--name",
                "A",
                "--register",
                "1",
                "--out",
                str(tmp_path),
            ]
        )
        == 1
    )
    assert "was not executed" in capsys.readouterr().err and list(tmp_path.iterdir()) == []


# --- the notebook's own cell --------------------------------------------------------------------


def test_lesson_01_ends_with_the_lab_report_cell_which_does_nothing_in_a_batch_run():
    lesson = nbformat.read(ROOT / "notebooks" / "01_sum_classifier.ipynb", as_version=4)
    last = lesson.cells[-1]
    assert last.metadata.get("tags") == [REPORT_TAG] and last.source == REPORT_CELL.rstrip("\n")
    assert max(len(line) for line in REPORT_CELL.splitlines()) <= 79
    reference = nbformat.read(ROOT / "tests" / "nbval" / "01_sum_classifier.ipynb", as_version=4)
    assert [
        o.get("text", "") for o in reference.cells[-1].outputs
    ] == [  # in a batch run, only this
        "To make your lab report: run the whole notebook, save it, then fill in student_name and "
        "register_number in this cell and run it.\n"
    ]


def test_every_lab_report_cell_is_the_template_and_the_last_cell():
    # Lesson 1 has it; the other lessons get the same cell (copied from REPORT_CELL) later.
    sources = {path.stem: path.read_text() for path in (ROOT / "notebooks").glob("[0-9][0-9]_*.py")}
    having = sorted(name for name, source in sources.items() if REPORT_TAG in source)
    assert "01_sum_classifier" in having
    cell = f'# %% tags=["{REPORT_TAG}"]\n{REPORT_CELL}'
    assert [name for name in having if not sources[name].endswith(cell)] == []


def test_a_saved_file_that_is_not_this_kernels_run_is_refused():
    notebook = small_notebook("x = 1", "y = 2")
    for count, cell in enumerate(notebook.cells[2:4], start=1):
        cell.execution_count = count
    check_same_run(notebook, ["", "x = 1", "y = 2", "write_lab_report(...)"], "run.ipynb")
    with pytest.raises(NotThisRun, match="Save the notebook"):
        check_same_run(
            notebook, ["", "x = 1", "y = 3"], "run.ipynb"
        )  # the file is older than the run


def test_the_lab_report_cell_reports_the_saved_run_inside_the_kernel(tmp_path, monkeypatch):
    from nbclient import NotebookClient

    require_chromium()
    notebook = small_notebook("x = 6 * 7", "print(f'the answer is {x}')")
    report_cell = nbformat.v4.new_code_cell(
        REPORT_CELL.replace('student_name=""', 'student_name="Asha Raman"').replace(
            'register_number=""', 'register_number="21BCE1234"'
        )
    )
    report_cell.metadata["tags"] = [REPORT_TAG]
    notebook.cells.append(report_cell)
    path = tmp_path / "lesson.ipynb"
    monkeypatch.setenv(
        "JPY_SESSION_NAME", str(path)
    )  # as the Jupyter server tells a kernel its notebook
    client = NotebookClient(notebook, kernel_name="python3", timeout=120)
    with client.setup_kernel():
        for index in (2, 3):  # Run All, then Save
            client.execute_cell(notebook.cells[index], index)
        nbformat.write(notebook, path)
        client.execute_cell(
            report_cell, len(notebook.cells) - 1
        )  # the student fills in the cell and runs it
    printed = "".join(output.get("text", "") for output in report_cell.outputs)
    assert [
        o for o in report_cell.outputs if o.output_type == "error"
    ] == [] and "Lab report written" in printed
    assert "the answer is 42" in pdf_text(tmp_path / "lesson.lab-report.pdf")


def test_the_questions_at_a_lessons_end_stay_out_of_the_lab_report():
    from labhelpers.lab_report import lab_report_notebook, result_sentences

    def markdown(text):
        return {"cell_type": "markdown", "metadata": {}, "source": text}

    def code(text):
        return {
            "cell_type": "code",
            "metadata": {},
            "source": text,
            "outputs": [],
            "execution_count": 1,
        }

    cells = [markdown(f"## {name}\n\n{name} text") for name in ("Aim", "Objectives", "Algorithm")]
    cells += [
        markdown("## Program"),
        code("x = 1"),
        markdown("## Observation\n\nseen"),
        code("x"),
        markdown("## Result\n\nthe result"),
        code("print(x)"),
        markdown("## Questions\n\n1. Why?"),
        code("answer = 42"),
        markdown("Answers: 42"),
    ]
    cells[-2]["outputs"] = [
        {
            "output_type": "display_data",
            "metadata": {},
            "data": {"text/markdown": "The answer from this run: 42."},
        }
    ]
    body = lab_report_notebook({"cells": cells, "metadata": {}}, None)
    text = "\n".join(cell["source"] for cell in body["cells"])
    assert (
        "the result" in text
        and "Why?" not in text
        and "answer = 42" not in text
        and "42" not in text
    )
    assert not any("42" in sentence for sentence in result_sentences({"cells": cells}))


def test_the_install_cell_stays_out_by_its_tag_or_in_an_older_file_by_its_first_line():
    from labhelpers.lab_report import lab_report_notebook

    tagged = "%%bash\n# Colab only: install labhelpers ...\npip install labhelpers"
    untagged = "# Colab only: install labhelpers and the packages the lessons use\nimport sys"
    notebook = small_notebook(tagged, untagged, "x = 6 * 7")
    notebook.cells[2].metadata["tags"] = ["install", "remove-cell"]
    shown = [
        cell["source"]
        for cell in lab_report_notebook(notebook, None)["cells"]
        if cell["cell_type"] == "code"
    ]
    assert shown == ["x = 6 * 7"]
