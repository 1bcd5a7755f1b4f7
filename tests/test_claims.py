"""What the book says: no control characters, comparisons worded by labhelpers.noise,
answers hidden in a form every front end collapses, and rules a review found false."""

import ast
import json
import re

import nbformat
import pytest

from labhelpers import noise
from labhelpers.report import answers

from conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
IDS = [path.stem for path in NOTEBOOKS]
REFERENCES = sorted((ROOT / "tests" / "nbval").glob("*.ipynb"))

# A tab or another control character in shown text is a typo with effects:
# "\tanh" in a Python string that is not raw prints a tab and "anh".
CONTROL = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]")
# Words that compare two results; in a notebook they come only from labhelpers.noise.
# ("beat" and "gain" stay free for questions: "does it beat the baseline?")
COMPARING = re.compile(r"\b(beats|gains|costs|better|worse|outperforms)\b", re.IGNORECASE)
# Sentences with those words that compare no results: general facts, each with its reason.
GENERAL_FACTS = {
    # memory grows with the number of steps kept for backpropagation: true of any RNN
    "costs memory in proportion to its length",
}


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def _python_string_constants(source):
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value


def _text_files():
    for pattern in ("book/*.md", "notebooks/*.py", "README.md", "_toc.yml", "_config.yml"):
        yield from ROOT.glob(pattern)


@pytest.mark.parametrize("path", list(_text_files()), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_control_characters_in_pages_and_sources(path):
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        assert not CONTROL.search(line), f"{path.name}:{number} holds a control character: {line!r}"


@pytest.mark.parametrize("path", NOTEBOOKS + REFERENCES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_no_control_characters_in_notebook_sources_and_outputs(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for index, cell in enumerate(notebook["cells"]):
        shown = [cell["source"]]
        for output in cell.get("outputs", []):
            # Tracebacks and stderr keep their terminal codes; what a reader is shown must not.
            if output.get("output_type") == "error" or output.get("name") == "stderr":
                continue
            shown.append(output.get("text", ""))
            shown.extend(
                value for mime, value in output.get("data", {}).items() if mime.startswith("text/")
            )
        for text in _strings(shown):
            match = CONTROL.search(text.replace("\r", "") if "\r" in text else text)
            assert not match, f"{path.name}, cell {index}: control character in {text[:120]!r}"


def test_no_tex_command_swallowed_by_an_escape_in_labhelpers_strings():
    """ "\tanh", "\frac", "\beta", "\right" in a string that is not raw become a control
    character and the rest of the word; separators such as Keras's filter "\t\n" do not."""
    swallowed = re.compile(r"[\x07\x08\x09\x0b\x0c\x0d][a-z]")
    for path in sorted((ROOT / "labhelpers").rglob("*.py")):
        for text in _python_string_constants(path.read_text(encoding="utf-8")):
            assert not swallowed.search(text), f"{path.name}: {text[:120]!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_comparison_words_come_from_the_noise_helper(path):
    """'beats', 'gains', 'costs', 'better', 'worse' are verdicts: only labhelpers.noise
    writes them, from a difference and its standard error. A notebook's code and text
    never type one, so no comparison is stated without its noise."""
    notebook = nbformat.read(path, as_version=4)
    found = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and cell.source.startswith("%%"):  # a cell magic: no Python
            texts = cell.source.splitlines()
        elif cell.cell_type == "code":
            texts = list(_python_string_constants(cell.source))
            texts += [line for line in cell.source.splitlines() if line.lstrip().startswith("#")]
        else:
            texts = [cell.source]
        for text in texts:
            for line in text.splitlines():
                if COMPARING.search(line) and not any(f in line for f in GENERAL_FACTS):
                    found.append(f"cell {index}: {line.strip()[:140]}")
    assert not found, "comparison words not from labhelpers.noise:\n" + "\n".join(found)


def test_noise_words_every_branch():
    a, b = noise.binomial(0.80, 1000), noise.binomial(0.70, 1000)
    close = noise.binomial(0.705, 1000)
    assert noise.compare("A", a, "B", b).startswith("A beats B by 10.00 ± ")
    assert noise.compare("B", b, "A", a).startswith("B is worse than A by 10.00 ± ")
    assert "within noise" in noise.compare("B", b, "C", close)
    assert noise.effect("X", b, a).startswith("X gains 10.00 ± ")
    assert noise.effect("X", a, b).startswith("X costs 10.00 ± ")
    assert "within noise" in noise.effect("X", b, close)
    # Lower is better (a loss): the smaller figure is the one that beats.
    low, high = noise.Measured(0.1, 0.01, "s"), noise.Measured(0.5, 0.01, "s")
    assert noise.compare("L", low, "H", high, percent=False, higher_is_better=False).startswith(
        "L beats H"
    )
    assert noise.verdict(high, low, higher_is_better=False) == "below"


def test_noise_threshold_is_two_standard_errors():
    # Independent computation: se of the difference = sqrt(se_a^2 + se_b^2).
    a = noise.Measured(0.50, 0.03, "s")
    se = (0.03**2 + 0.04**2) ** 0.5  # 0.05
    just_below = noise.Measured(0.50 + 2 * se - 1e-9, 0.04, "s")
    just_above = noise.Measured(0.50 + 2 * se + 1e-9, 0.04, "s")
    assert noise.verdict(just_below, a) == "within noise"
    assert noise.verdict(just_above, a) == "above"


def test_binomial_and_seed_errors_against_direct_formulas():
    assert noise.binomial(0.9, 400).se == pytest.approx((0.9 * 0.1 / 400) ** 0.5)
    values = [0.90, 0.93, 0.94, 0.91]
    mean = sum(values) / 4
    sd = (sum((v - mean) ** 2 for v in values) / 3) ** 0.5
    measured = noise.over_seeds(values)
    assert measured.value == pytest.approx(mean) and measured.se == pytest.approx(sd / 2)
    with pytest.raises(ValueError, match="at least 2 seeds"):
        noise.over_seeds([0.9])
    with pytest.raises(ValueError, match="accuracy must be a fraction"):
        noise.binomial(90.0, 100)


def test_comparison_table_marks_each_row_against_the_reference():
    table = noise.comparison_table(
        {
            "base": noise.binomial(0.70, 1000),
            "good": noise.binomial(0.80, 1000),
            "same": noise.binomial(0.71, 1000),
        },
        reference="base",
    )
    assert list(table["verdict"]) == ["", "above", "within noise"]
    assert table.loc["good", "±"] == pytest.approx(100 * (0.8 * 0.2 / 1000) ** 0.5)


def test_answers_are_a_details_block_with_markdown_inside():
    text = answers(["1: $h_t$ is the state.", "2: two."], title="Answers")
    lines = text.splitlines()
    assert lines[0] == "<details>" and lines[1] == "<summary>Answers</summary>"
    # Blank lines around the list: CommonMark ends the HTML block there and reads the list
    # as Markdown (maths included) in JupyterLab, Colab and MyST alike.
    assert lines[2] == "" and lines[-2] == "" and lines[-1] == "</details>"
    assert "- 1: $h_t$ is the state." in lines


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_answers_collapse_outside_the_book_too(path):
    """What Colab and JupyterLab receive: no MyST admonition (shown there as literal text),
    every answer cell a <details> block whose Markdown is not indented into a code block."""
    notebook = nbformat.read(path, as_version=4)
    sources = [cell.source for cell in notebook.cells]
    assert not any(":class: dropdown" in s or "{admonition}" in s for s in sources)
    static = [
        c.source for c in notebook.cells if c.cell_type == "markdown" and "<details>" in c.source
    ]
    assert static, "the lesson's answers are a <details> block"
    for source in static:
        assert source.lstrip().startswith("<details>") and source.rstrip().endswith("</details>")
        body = source.split("</summary>", 1)[1]
        assert body.startswith("\n\n"), "a blank line after <summary> makes the answers Markdown"


def numbered_items_out_of_count(markdown: str) -> list[tuple[str, int]]:
    """(number written, number shown) of each numbered list item a CommonMark renderer renumbers:
    it numbers a list from its first item on, whatever the later items say."""
    from markdown_it import MarkdownIt

    wrong, lists = [], []
    for token in MarkdownIt("commonmark").parse(markdown):
        if token.type == "ordered_list_open":
            start = token.attrGet("start")
            lists.append([1 if start is None else int(start), 0])
        elif token.type == "ordered_list_close":
            lists.pop()
        elif token.type == "list_item_open" and lists and token.info:
            first, index = lists[-1]
            if int(token.info) != first + index:
                wrong.append((token.info, first + index))
            lists[-1][1] += 1
    return wrong


def test_the_renumbering_check_reads_lists_as_commonmark_does():
    assert numbered_items_out_of_count("1. a\n2. b\n") == []
    assert numbered_items_out_of_count("0. a\n1. b\n") == []
    # lesson 1's answers as they were: "5. and 7." then 6, 8
    assert numbered_items_out_of_count("4. a\n5. and 7. b\n6. c\n8. d\n") == [("8", 7)]
    assert numbered_items_out_of_count("1. a\n5. b\n6. c\n") == [("5", 2), ("6", 3)]
    assert numbered_items_out_of_count("1. a\n\ntext\n\n5. b\n") == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_numbered_list_shows_the_numbers_it_is_written_with(path):
    """A question or answer numbered 8 must not show as 7: CommonMark renumbers a list that skips
    a number (an answers cell that says "5. and 7." once showed every later answer one lower)."""
    notebook = nbformat.read(path, as_version=4)
    wrong = [
        (index, found)
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "markdown"
        for found in numbered_items_out_of_count(cell.source)
    ]
    assert wrong == []
