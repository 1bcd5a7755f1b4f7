"""The batch runner and the book build, end to end, on a copy of the book in a temporary folder."""

import json
import re
import shutil
import subprocess
import sys
from html import unescape

import pytest

from labhelpers.__main__ import main
from labhelpers.base.notebook_file import read, saved_results
from labhelpers.tools.book import build_book, results_page
from labhelpers.tools.runner import list_notebooks, run, select_notebooks
from labhelpers.tools.sweep import parse_value

from conftest import ROOT


@pytest.fixture(scope="module")
def book_copy(tmp_path_factory):
    root = tmp_path_factory.mktemp("book")
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(ROOT / name, root / name)
    shutil.copytree(ROOT / "book", root / "book")
    (root / "notebooks").mkdir()
    for path in list_notebooks(ROOT):
        shutil.copy2(path, root / "notebooks" / path.name)
    return root


@pytest.fixture(scope="module")
def built_book(book_copy):
    results = run("smoke", root=book_copy)
    run(
        "smoke", only=["01_sum_classifier"], grid={"seed": [0, 1]}, root=book_copy
    )  # the sweep page
    html = build_book(book_copy)
    return book_copy, json.loads(results.read_text()), html


def test_runner_collects_one_record_per_notebook(built_book):
    root, records, _ = built_book
    assert sorted(r["notebook"] for r in records) == [p.stem for p in list_notebooks(root)]
    for record in records:
        assert record["profile"] == "smoke"
        assert record["metrics"] and record["machine"]["cpu_count"] >= 1
        assert (root / "_build" / "executed" / f"{record['notebook']}.ipynb").exists()


def test_two_runs_at_once_keep_both_notebooks_results(tmp_path):
    # Two teaching assistants (or two terminals) running different lessons into the same book.
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(ROOT / name, tmp_path / name)
    (tmp_path / "notebooks").mkdir()
    for name in ("01_sum_classifier", "10_sequence_regression"):
        shutil.copy2(ROOT / "notebooks" / f"{name}.ipynb", tmp_path / "notebooks")
    runs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "labhelpers",
                "--root",
                str(tmp_path),
                "run",
                "--profile",
                "smoke",
                "--only",
                name,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name in ("01_sum_classifier", "10_sequence_regression")
    ]
    outputs = [run.communicate(timeout=600)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    records = json.loads((tmp_path / "_build" / "results.json").read_text())
    assert [record["notebook"] for record in records] == [
        "01_sum_classifier",
        "10_sequence_regression",
    ]


def test_book_has_every_lesson_and_the_results_page(built_book):
    root, records, html = built_book
    assert (html / "index.html").exists()
    lesson = (html / "notebooks" / "01_sum_classifier.html").read_text()
    assert "Classification report" in lesson or "precision" in lesson
    assert "data:image/png" in lesson or "_images/" in lesson  # the training curves
    record = next(r for r in records if r["notebook"] == "01_sum_classifier")
    assert f"{100 * record['metrics']['val_accuracy']:.2f}%" in lesson  # the Result sentence
    assert 'src="../_static/mathjax/tex-chtml.js"' in lesson  # equations render offline
    page = (html / "book" / "results.html").read_text()
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", page)).split())
    assert "Lesson 1: does the sum exceed a threshold?" in text  # the notebook's own title
    accuracy = f"{100 * record['metrics']['val_accuracy']:.2f}%"
    assert (
        f"Lesson 1 RNN(16), last state -> linear generated sum sequences smoke "
        f"validation accuracy {accuracy} 94.00%"
    ) in text


def test_book_shows_a_sample_lab_report_of_lesson_1_made_from_its_run(built_book):
    _, records, html = built_book
    page = (html / "book" / "sample_lab_report.html").read_text()
    assert 'src="../_static/lab_reports/01_sum_classifier.lab-report.html"' in page
    folder = html / "_static" / "lab_reports"
    assert (folder / "01_sum_classifier.lab-report.pdf").read_bytes().startswith(b"%PDF-")
    record = next(r for r in records if r["notebook"] == "01_sum_classifier")
    shown = (folder / "01_sum_classifier.lab-report.html").read_text()
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", shown)).split())
    assert f"accuracy {100 * record['metrics']['val_accuracy']:.2f}%" in text  # this run's Result
    assert "Profile smoke" in text and "A. Student (sample)" in text


def test_book_shows_the_last_sweep_on_a_page_of_its_own(built_book):
    root, _, html = built_book
    page = (html / "book" / "sweep.html").read_text()
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", page)).split())
    assert "The last sweep" in text and "2 of 2 points finished" in text
    for seed in (0, 1):  # each point's figure, as its executed notebook recorded it
        record = saved_results(
            read(root / "_build" / "sweeps" / "executed" / f"01_sum_classifier--seed={seed}.ipynb")
        )[0]
        assert f"01_sum_classifier {seed} {record['title']} val_accuracy" in text
        assert f"{record['metrics']['val_accuracy']:.4g}" in text
    assert 'src="../_images/sweep_seed.png"' in page
    assert (html / "_images" / "sweep_seed.png").stat().st_size > 1000


def test_runner_errors_name_the_problem(book_copy, capsys):
    with pytest.raises(ValueError, match="--only 'bogus' names no notebook"):
        select_notebooks(book_copy, ["bogus"])
    assert (
        main(["--root", str(book_copy), "run", "--profile", "smoke", "-p", "hiden_size", "3"]) == 1
    )
    assert "has no parameter 'hiden_size'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--root", str(book_copy), "run", "--profile", "fast"])


def test_parameter_values_are_python_literals():
    assert parse_value("3") == 3 and parse_value("0.01") == 0.01 and parse_value("None") is None
    assert parse_value("lab") == "lab" and parse_value("[1, 2]") == [1, 2]


def imdb_record(notebook, data, source=None, split=None, baselines=None, **metrics):
    return {
        "title": notebook,
        "notebook": notebook,
        "profile": "lab",
        "data": data,
        "metrics": metrics,
        "source": source,
        "split": split,
        "baselines": baselines or {},
        "machine": {},
        "finished": "now",
    }


def test_results_page_sets_the_baseline_of_the_same_split_beside_every_imdb_result():
    # The page reads the records' fields, not their prose: the data lines here say nothing of the
    # split.
    strong = imdb_record(
        "13_imdb_strong",
        "IMDB reviews",
        "imdb",
        "official",
        {"official": 0.9071, "random": 0.9152},
        best_test_accuracy=0.9,
    )
    e1 = imdb_record("07_imdb_rnn_pytorch", "IMDB reviews", "imdb", "random", test_accuracy=0.75)
    e2 = imdb_record(
        "08_imdb_keras",
        "IMDB in the keras.datasets.imdb format",
        "imdb",
        "official",
        test_accuracy=0.8,
    )
    generated = imdb_record(
        "09_imdb_embeddings", "SYNTHETIC reviews", "synthetic", "official", test_accuracy=0.6
    )
    other = imdb_record("01_sum_classifier", "generated sum sequences", val_accuracy=0.93)
    page = results_page([e1, e2, generated, other, strong])
    sections = page.split("\n## ")
    assert (
        "**91.52%**" in sections[1]
        and "(random;" in sections[1]
        and "measured by Lesson 13" in sections[1]
    )
    assert "**90.71%**" in sections[2] and "(official;" in sections[2]
    assert "baseline" not in sections[3] and "baseline" not in sections[4]
    without = results_page([e1])
    assert "Bag-of-words baseline on the random split: not measured in this build" in without
    only_random = imdb_record(
        "13_imdb_strong", "IMDB reviews", "imdb", "random", {"random": 0.9152}, x=1.0
    )
    assert "official split: not measured in this build" in results_page([e2, only_random])


def test_results_page_without_results_says_what_to_run():
    assert "python -m labhelpers run" in results_page([])


def test_results_page_opens_with_one_table_in_words():
    e1 = {
        **imdb_record(
            "07_imdb_rnn_pytorch",
            "IMDB, 50000 reviews",
            "imdb",
            "random",
            test_accuracy=0.75,
            seconds_per_epoch=3.5,
        ),
        "model": "PyTorch RNN(64)",
        "headline": "test_accuracy",
        "lab_record": {"test_accuracy": 0.71},
    }
    e3 = {
        **imdb_record(
            "10_sequence_regression", "generated noisy sine sequences (seed 0)", test_mse=0.0196
        ),
        "model": "2-layer RNN(32)",
        "headline": "test_mse",
        "lab_record": {},
    }
    page = results_page([e1, e3])
    table = page.split("\n## ")[0]
    assert (
        "| Lesson 7 | PyTorch RNN(64) | IMDB, random 80/20 split | lab | test accuracy 75.00% | "
        "71.00% |" in table
    )
    assert (
        "| Lesson 10 | 2-layer RNN(32) | generated noisy sine sequences | lab | test MSE 0.0196 | "
        "not reported |" in table
    )
    assert (
        "| seconds per epoch | 3.50 s |" in page
    )  # every metric in words in the lesson's own table


# -------------------------------------------------------------- the built book in headless Chromium

from browser import (  # noqa: E402
    broken_images,
    chromium_page,
    cut_code,
    is_external,
    raw_tex,
    serve_folder,
    unrendered_maths,
    wait_for_mathjax,
)

SCREENSHOTS = ("notebooks/05_exploding_vanishing.html", "book/results.html")
REDIRECT = '<meta http-equiv="Refresh" content="0; url='


def redirect_target(page) -> str | None:
    """Where a page that only redirects (index.html) sends the reader; None for a page of its
    own."""
    text = page.read_text().strip()
    return (
        text[len(REDIRECT) :].split('"')[0]
        if text.startswith(REDIRECT) and "\n" not in text
        else None
    )


@pytest.fixture(scope="module")
def book_in_chromium(built_book, tmp_path_factory):
    """Every page of the built book, served on 127.0.0.1 and read by headless Chromium: what each
    shows."""
    _, _, html = built_book
    shots = tmp_path_factory.mktemp("book-screenshots")
    names = sorted(
        path.relative_to(html).as_posix()
        for path in html.rglob("*.html")
        if not path.relative_to(html).parts[0].startswith("_")
    )
    # index.html only redirects to the first page, which is visited in its own right.
    names = [name for name in names if redirect_target(html / name) is None]
    seen = {}
    with (
        serve_folder(html) as base,
        chromium_page(tmp_path_factory.mktemp("chromium-profile")) as (page, requests),
    ):
        for name in names:
            first = len(requests)
            page.goto(base + name)
            seen[name] = {
                "mathjax": wait_for_mathjax(page),
                "maths": unrendered_maths(page),
                "broken images": broken_images(page),
                "raw tex": raw_tex(page),
                "external requests": [url for url in requests[first:] if is_external(url)],
                "cut code": cut_code(page),
                "answers": answers_blocks(page),
            }
            if name in SCREENSHOTS:
                page.screenshot(
                    path=shots / name.replace("/", "_").replace(".html", ".png"), full_page=True
                )
    return seen, shots


def answers_blocks(page) -> dict:
    """The page's <details> blocks (the lessons' answers): how many, and the summaries of
    those open or showing more than their summary before any click."""
    return page.evaluate("""() => {
      const blocks = [...document.querySelectorAll('main details')];
      const shown = blocks.filter(d => d.open || [...d.children].some(
        c => c.tagName !== 'SUMMARY' && c.checkVisibility()));
      return {count: blocks.length,
              shown: shown.map(d => (d.querySelector('summary') || d).innerText.slice(0, 60))};
    }""")


def pages_with(seen, key) -> str:
    """One line per page that has something under ``key``: empty when no page has."""
    return "\n".join(f"{name}: {found[key]}" for name, found in seen.items() if found[key])


def test_book_pages_render_their_maths_offline(built_book, book_in_chromium):
    seen, _ = book_in_chromium
    first = redirect_target(built_book[2] / "index.html")
    assert {first, "notebooks/01_sum_classifier.html", "book/results.html"} <= seen.keys()
    assert seen["book/theory.html"]["maths"][0] > 10  # the notation page is mostly maths
    assert not pages_with(seen, "mathjax"), pages_with(seen, "mathjax")
    unrendered = "\n".join(
        f"{name}: {found['maths'][1]} of {found['maths'][0]} maths elements"
        for name, found in seen.items()
        if found["maths"][1]
    )
    assert not unrendered, f"maths left without MathJax output:\n{unrendered}"


def test_book_pages_show_no_raw_tex(book_in_chromium):
    # Sentences a notebook builds in Python and shows with display(Markdown(...)) hold
    # maths too; the book must render them like the notebook's own Markdown.
    seen, shots = book_in_chromium
    raw = pages_with(seen, "raw tex")
    assert not raw, f"TeX shown as text (screenshots in {shots}):\n{raw}"


def test_book_images_load_offline(book_in_chromium):
    seen, _ = book_in_chromium
    broken = pages_with(seen, "broken images")
    assert not broken, f"images that did not load:\n{broken}"


def test_book_requests_nothing_but_its_own_server(book_in_chromium):
    seen, _ = book_in_chromium
    external = pages_with(seen, "external requests")
    assert not external, f"requests to other hosts (the book must work offline):\n{external}"


def test_book_code_cells_fit_the_code_column(book_in_chromium):
    # The notebooks' code is formatted to 79 columns (notebooks/ruff.toml); at the default 1280 px
    # window of these tests the book's CSS must show them whole, without a sideways scroll.
    seen, _ = book_in_chromium
    cut = pages_with(seen, "cut code")
    assert not cut, f"code cells wider than the page's code column:\n{cut}"


def test_every_lesson_page_has_its_answers_collapsed(book_in_chromium):
    # Each lesson ends with questions whose answers are <details> blocks: closed, nothing but
    # the summary visible until a click (tests/test_answers_browser.py clicks them open).
    seen, _ = book_in_chromium
    lessons = {
        name: found["answers"] for name, found in seen.items() if name.startswith("notebooks/")
    }
    assert len(lessons) == len(list_notebooks(ROOT))
    missing = [name for name, answers in lessons.items() if not answers["count"]]
    assert not missing, f"lesson pages without a <details> answers block: {missing}"
    shown = {name: answers["shown"] for name, answers in lessons.items() if answers["shown"]}
    assert not shown, f"answers shown before a click: {shown}"
