"""The lab report under bad input: a hostile notebook, a wrong --out, a file that is no notebook,
a name too long for the header or in a script no font draws. Checked before Chromium's work."""

import nbformat
import pytest

from labhelpers import lab_report
from labhelpers.__main__ import main
from labhelpers.lab_report import (
    clean_html,
    header_fields,
    lab_report_html,
    lab_report_notebook,
    make_lab_report,
)

HOSTILE = (
    "# Lesson 11: a hostile notebook\n\n## Aim\n\n"
    '<img src=x onerror="alert(1)"> <a href="javascript:alert(2)">click</a> '
    '<script>alert(3)</script><iframe src="https://example.com"></iframe>\n\n'
    "Maths stays: $a < b$ and $h_t = \\tanh(x)$.\n\n"
    "<details>\n<summary>Answers</summary>\n\n- one\n\n</details>\n\n"
    "## Objectives\n\nB.\n\n## Algorithm\n\nC."
)


def executed_notebook():
    cells = [
        nbformat.v4.new_markdown_cell(HOSTILE),
        nbformat.v4.new_markdown_cell("## Program"),
        nbformat.v4.new_code_cell("x = 1  # a comment", execution_count=1),
        nbformat.v4.new_markdown_cell("## Observation\n\nD.\n\n## Result\n\nE."),
    ]
    cells[2].outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={
                "text/html": '<table class="dataframe"><tr><td onmouseover="alert(4)">1</td></tr>'
                "</table>",
                "text/plain": "1",
            },
        )
    ]
    return nbformat.v4.new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )


def test_the_lab_reports_html_keeps_no_active_content_from_the_notebook():
    notebook = executed_notebook()
    header = header_fields(notebook, None, "A. Student", "21BCE1234", "2026-12-07", None)
    html = lab_report_html(
        lab_report_notebook(notebook, None), header, "file:///mathjax/tex-svg.js"
    )
    for active in ("onerror", "javascript:", "alert(3)", "<iframe", "onmouseover"):
        assert active not in html, active
    # the template's own MathJax script stays; nothing else runs
    assert html.count("<script") == 2
    assert "$a &lt; b$" in html and "\\tanh(x)" in html
    assert "<details>" in html and "<summary>Answers</summary>" in html
    assert '<table class="dataframe">' in html and "<td>1</td>" in html
    assert 'class="c1"' in html  # the code's highlighting (a comment) is kept


def test_clean_html_keeps_figures_and_links_and_drops_handlers():
    kept = clean_html(
        '<p><img src="data:image/png;base64,AAAA" alt="f"> <a href="https://x.org">x</a></p>'
    )
    assert 'src="data:image/png;base64,AAAA"' in kept and 'href="https://x.org"' in kept
    svg = clean_html(
        '<svg viewBox="0 0 1 1" onload="alert(1)"><path d="M0 0"/><script>a()</script></svg>'
    )
    assert "onload" not in svg and "<script" not in svg and "<path" in svg


def test_a_file_that_is_no_notebook_is_named(tmp_path):
    text = tmp_path / "notes.ipynb"
    text.write_text("these are my notes\n")
    with pytest.raises(ValueError, match=r"notes.ipynb is not a Jupyter notebook .*executed"):
        make_lab_report(text, "A", "1")


@pytest.fixture
def lesson_run(tmp_path, monkeypatch):
    """A notebook that passes every check; Chromium's work replaced by a marker, to see what runs
    before it."""
    path = tmp_path / "run.ipynb"
    nbformat.write(executed_notebook(), path)
    printed = []
    monkeypatch.setattr(lab_report, "mathjax_script", lambda: tmp_path / "tex-svg.js")
    monkeypatch.setattr(
        lab_report,
        "print_lab_report",
        lambda html, folder, footer: printed.append(1) or ("<html>", b"%PDF"),
    )
    return path, printed


def test_out_naming_a_file_is_refused_before_printing(lesson_run, tmp_path):
    path, printed = lesson_run
    (tmp_path / "taken").write_text("x")
    with pytest.raises(ValueError, match=r"out .*taken is a file: give a folder"):
        make_lab_report(path, "A", "1", out=tmp_path / "taken")
    assert printed == []


def test_out_that_cannot_be_written_is_refused_before_printing(lesson_run, tmp_path, monkeypatch):
    import tempfile

    path, printed = lesson_run

    def read_only(*args, **kwargs):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(tempfile, "TemporaryFile", read_only)
    with pytest.raises(ValueError, match=r"cannot be written \(Read-only file system\)"):
        make_lab_report(path, "A", "1", out=tmp_path / "reports")
    assert printed == []


def test_a_name_longer_than_the_header_holds_is_refused(lesson_run):
    path, printed = lesson_run
    with pytest.raises(ValueError, match=r"name is 200 characters long.*shorten it"):
        make_lab_report(path, "A" * 200, "1")
    assert printed == []
    html, pdf = make_lab_report(path, "A" * 80, "1")  # at the limit
    assert printed == [1] and html.exists() and pdf.exists()


def test_a_name_no_font_can_draw_is_warned_about(lesson_run, monkeypatch):
    path, printed = lesson_run
    monkeypatch.setattr(lab_report, "glyphs_without_font", lambda text: ["王"])
    with pytest.warns(UserWarning, match=r"'王'.*no installed font.*fonts-noto-cjk"):
        make_lab_report(path, "王小明", "1")


@pytest.mark.skipif(not lab_report.shutil.which("fc-list"), reason="fontconfig (fc-list) is absent")
def test_fontconfig_is_asked_per_character():
    assert lab_report.glyphs_without_font("Asha Raman") == []  # Latin: never asked
    # A private-use character no font has
    assert lab_report.glyphs_without_font("\ue000") == ["\ue000"]


def test_the_command_line_names_a_bad_out(lesson_run, tmp_path, capsys):
    path, _ = lesson_run
    (tmp_path / "taken").write_text("x")
    code = main(
        [
            "lab-report",
            str(path),
            "--name",
            "A",
            "--register",
            "1",
            "--out",
            str(tmp_path / "taken"),
        ]
    )
    assert code == 1 and "is a file: give a folder" in capsys.readouterr().err
