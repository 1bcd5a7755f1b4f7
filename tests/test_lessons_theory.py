"""Lessons 2-6 (theory): the two kinds of truncated BPTT against autograd, the notation, and
the notebooks' links (every lesson's: a relative link outside notebooks/ breaks on Colab)."""

import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from labhelpers.theory import (
    bptt_grad_W_hh,
    bptt_grad_W_hh_by_lag,
    bptt_grad_W_hh_by_step_and_lag,
    rnn_forward,
    squared_error_loss,
    truncated_bptt_grad_W_hh,
    truncated_bptt_lags,
    weights_from_torch,
)

ROOT = Path(__file__).resolve().parents[1]
B, T, INPUT, HIDDEN, OUTPUT = 2, 8, 3, 4, 2


def relative_difference(a, b):
    return float(np.abs(a - b).max() / np.abs(b).max())


@pytest.fixture(scope="module")
def problem():
    """A float64 nn.RNN, inputs, targets, and everything the NumPy BPTT needs."""
    torch.manual_seed(3)
    rnn = torch.nn.RNN(INPUT, HIDDEN, batch_first=True).double()
    rng = np.random.default_rng(4)
    x = rng.normal(size=(B, T, INPUT))
    W_g = rng.normal(size=(OUTPUT, HIDDEN))
    targets = rng.normal(size=(B, T, OUTPUT))
    states, _ = rnn_forward(x, weights_from_torch(rnn.state_dict()))
    _, dL_dh = squared_error_loss(states[0], W_g, targets)
    W_hh = rnn.weight_hh_l0.detach().numpy().copy()
    return dict(
        rnn=rnn,
        x=x,
        W_g=W_g,
        targets=targets,
        args=(states[0], np.zeros((B, HIDDEN)), dL_dh, W_hh),
    )


def step_loss(output, W_g, target):
    """0.5 ||W_g h_t - y_t||^2 summed over the batch, from torch states (batch, hidden)."""
    return 0.5 * ((output @ torch.from_numpy(W_g).T - torch.from_numpy(target)) ** 2).sum()


def autograd_full(p):
    rnn = p["rnn"]
    rnn.zero_grad()
    output, _ = rnn(torch.from_numpy(p["x"]))
    sum(step_loss(output[:, t], p["W_g"], p["targets"][:, t]) for t in range(T)).backward()
    return rnn.weight_hh_l0.grad.numpy().copy()


def autograd_detached_every(p, n):
    """Truncated BPTT as a language model trains: run the sequence in chunks of n steps,
    carry the state from chunk to chunk, detach it at every boundary; one backward pass."""
    rnn = p["rnn"]
    rnn.zero_grad()
    x = torch.from_numpy(p["x"])
    h, loss = None, 0.0
    for start in range(0, T, n):
        output, h = rnn(x[:, start : start + n], h)
        for i in range(output.shape[1]):
            loss = loss + step_loss(output[:, i], p["W_g"], p["targets"][:, start + i])
        h = h.detach()
    loss.backward()
    return rnn.weight_hh_l0.grad.numpy().copy()


def autograd_sliding_window(p, n):
    """Truncated BPTT over a sliding window: the loss at step t runs the n steps before it
    from h_{t-n}, a constant (the state of the full forward pass)."""
    rnn = p["rnn"]
    rnn.zero_grad()
    states = p["args"][0]
    for t in range(1, T + 1):
        start = max(0, t - n)
        h_start = (
            torch.zeros(1, B, HIDDEN, dtype=torch.float64)
            if start == 0
            else torch.from_numpy(states[:, start - 1]).unsqueeze(0)
        )
        output, _ = rnn(torch.from_numpy(p["x"][:, start:t]), h_start)
        step_loss(output[:, -1], p["W_g"], p["targets"][:, t - 1]).backward()
    return rnn.weight_hh_l0.grad.numpy().copy()


def test_the_kept_lags_are_those_of_each_definition():
    window = truncated_bptt_lags(7, 3, "window")
    detach = truncated_bptt_lags(7, 3, "detach")
    assert window.shape == detach.shape == (7, 7)
    # Written out by hand: the lags m = t - k kept by the loss at step t = 1..7.
    assert [list(np.flatnonzero(row)) for row in window] == [
        [0], [0, 1], [0, 1, 2], [0, 1, 2], [0, 1, 2], [0, 1, 2], [0, 1, 2]
    ]  # fmt: skip
    assert [list(np.flatnonzero(row)) for row in detach] == [
        [0], [0, 1], [0, 1, 2], [0], [0, 1], [0, 1, 2], [0]
    ]  # fmt: skip
    for kind in ("window", "detach"):
        # n >= T: every lag that exists (m < t), the full gradient
        assert np.array_equal(truncated_bptt_lags(5, 5, kind), np.tri(5, dtype=bool))
        assert np.array_equal(truncated_bptt_lags(5, 9, kind), np.tri(5, dtype=bool))
        lag_zero = np.zeros((5, 5), dtype=bool)
        lag_zero[:, 0] = True
        assert np.array_equal(truncated_bptt_lags(5, 1, kind), lag_zero)


def test_the_terms_by_step_and_lag_add_up_to_the_lags_and_to_autograd(problem):
    terms = bptt_grad_W_hh_by_step_and_lag(*problem["args"])
    assert terms.shape == (T, T, HIDDEN, HIDDEN)
    assert not np.any(terms[np.triu_indices(T, 1)])  # m >= t: before step 1
    np.testing.assert_allclose(
        terms.sum(axis=0), bptt_grad_W_hh_by_lag(*problem["args"]), rtol=1e-12, atol=1e-15
    )
    assert relative_difference(terms.sum(axis=(0, 1)), autograd_full(problem)) < 1e-8


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
def test_detaching_every_n_steps_matches_autograd_with_detached_chunks(problem, n):
    ours = truncated_bptt_grad_W_hh(*problem["args"], n=n, kind="detach")
    assert relative_difference(ours, autograd_detached_every(problem, n)) < 1e-8


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
def test_a_sliding_window_matches_autograd_and_the_lags_below_n(problem, n):
    ours = truncated_bptt_grad_W_hh(*problem["args"], n=n, kind="window")
    assert relative_difference(ours, autograd_sliding_window(problem, n)) < 1e-8
    lags = bptt_grad_W_hh_by_lag(*problem["args"])
    np.testing.assert_allclose(ours, lags[:n].sum(axis=0), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(
        ours, bptt_grad_W_hh(*problem["args"], truncate=n), rtol=1e-12, atol=1e-15
    )


def test_the_two_truncations_differ_except_at_the_ends(problem):
    full = autograd_full(problem)
    for n in (2, 3, 5):
        window = truncated_bptt_grad_W_hh(*problem["args"], n=n, kind="window")
        detach = truncated_bptt_grad_W_hh(*problem["args"], n=n, kind="detach")
        assert relative_difference(window, detach) > 1e-3, n
        assert relative_difference(detach, full) > 1e-3, n
    for n in (T, T + 3):  # nothing cut
        for kind in ("window", "detach"):
            assert (
                relative_difference(truncated_bptt_grad_W_hh(*problem["args"], n, kind), full)
                < 1e-8
            )
    # n = 1: both keep lag 0 only
    np.testing.assert_allclose(
        truncated_bptt_grad_W_hh(*problem["args"], n=1, kind="window"),
        truncated_bptt_grad_W_hh(*problem["args"], n=1, kind="detach"),
        rtol=1e-12,
    )


def test_bad_truncation_arguments_are_named():
    with pytest.raises(ValueError, match="kind must be one of"):
        truncated_bptt_lags(5, 2, "chunks")
    with pytest.raises(ValueError, match="n must be a positive integer"):
        truncated_bptt_lags(5, 0, "window")
    with pytest.raises(ValueError, match="T must be a positive integer"):
        truncated_bptt_lags(0, 2, "detach")


# --------------------------------------------------------------------------- notation

THEORY_FILES = [
    "book/theory.md",
    "labhelpers/theory.py",
    "notebooks/02_rnn_cell.py",
    "notebooks/03_bptt.py",
    "notebooks/05_exploding_vanishing.py",
]
# Other names of the book's W_in and W_g (and of W_hh, as the records write it): allowed only
# in a paragraph that says that the lab records write them.
OTHER_NAMES = re.compile(
    r"\bW_(\{)?(ih|o|y|xh|hy|x|h)\b(?(1)\})"  # W_ih, W_{o}, ...
    r"|\$[^$]*(?<![\\A-Za-z])U(?![A-Za-z])[^$]*\$"  # a matrix U in maths
)


def paragraphs(text: str) -> list[str]:
    """Blocks of lines between blank lines (or lines that are only a comment sign)."""
    return [block for block in re.split(r"\n\s*#?\s*\n", text) if block.strip()]


@pytest.mark.parametrize("path", THEORY_FILES)
def test_the_theory_lessons_name_each_matrix_as_the_notation_page(path):
    text = (ROOT / path).read_text(encoding="utf-8")
    assert "W_in" in text or "W_{in}" in text
    found = [
        OTHER_NAMES.search(block).group(0) + " in: " + " ".join(block.split())[:200]
        for block in paragraphs(text)
        if OTHER_NAMES.search(block) and "record" not in block
    ]
    assert not found, (
        f"{path} names a matrix otherwise than book/theory.md (W_in, W_hh, W_g, b): {found}"
    )


def test_the_notation_check_finds_another_name():
    text = "The records write $W_y$.\n\n# the weights W_ih of\n# the input\n"
    assert [OTHER_NAMES.search(block).group(0) for block in paragraphs(text)] == ["W_y", "W_ih"]
    assert OTHER_NAMES.search("$W_{o} h_t$") and not OTHER_NAMES.search("W_in, W_hh, W_g")
    assert OTHER_NAMES.search("$h_t = \\tanh(W x_t + U h_{t-1})$")
    assert not OTHER_NAMES.search("$\\Upsilon$ and U-turns")


# --------------------------------------------------------------------------- links

LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?[^)]*\)|(?:href|src)=[\"']([^\"']+)[\"']")
REPOSITORY = re.compile(r"^\s*url:\s*(\S+)", re.MULTILINE)


def markdown_links(notebook: Path) -> list[str]:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    links = []
    for cell in cells:
        if cell["cell_type"] == "markdown":
            for match in LINK.finditer("".join(cell["source"])):
                links.append(match.group(1) or match.group(2))
    return links


def test_the_link_pattern_finds_every_form():
    text = "[a](../book/theory.md) ![b](<img/x.png>) <a href='../c.md'>c</a> [d](#top 'title')"
    assert [m.group(1) or m.group(2) for m in LINK.finditer(text)] == [
        "../book/theory.md",
        "img/x.png",
        "../c.md",
        "#top",
    ]


@pytest.mark.parametrize(
    "notebook", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda path: path.stem
)
def test_no_notebook_links_outside_notebooks_by_a_relative_path(notebook):
    """Colab opens a notebook alone: a relative link to ../book/... or /... leads nowhere.
    Link the repository file on GitHub; a link to this repository must name a file in it."""
    repository = REPOSITORY.search((ROOT / "_config.yml").read_text(encoding="utf-8")).group(1)
    bad = []
    for link in markdown_links(notebook):
        target = link.split("#")[0].split("?")[0]
        if not target or re.match(r"^[a-z][a-z0-9+.-]*:", target):
            if target.startswith(f"{repository}/blob/"):
                path = target.removeprefix(f"{repository}/blob/").split("/", 1)[1]
                if not (ROOT / path).exists():
                    bad.append(f"{link} (no file {path} in the repository)")
            continue
        resolved = (notebook.parent / target).resolve()
        if target.startswith("/") or not resolved.is_relative_to(notebook.parent):
            bad.append(f"{link} (outside notebooks/: broken on Colab)")
    assert not bad, (
        f"{notebook.name} links {bad}: link the file on GitHub instead "
        f"({repository}/blob/main/PATH)"
    )


# --------------------------------------------------------------------------- questions

THEORY_LESSONS = ["02_rnn_cell", "03_bptt", "05_exploding_vanishing"]


@pytest.mark.parametrize("name", THEORY_LESSONS)
def test_the_lesson_ends_with_questions_and_collapsed_answers(name):
    """5-8 questions and 2-3 'try this' exercises naming a parameter, before the lab-report
    cell; answers in a <details> block, static and generated."""
    cells = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))["cells"]
    sources = ["".join(cell["source"]) for cell in cells]
    report = next(
        i for i, cell in enumerate(cells) if "lab-report" in cell["metadata"].get("tags", [])
    )
    assert report == len(cells) - 1, "the lab-report cell must be the last"
    starts = [i for i, text in enumerate(sources) if text.startswith("## Questions")]
    assert len(starts) == 1 and cells[starts[0]]["cell_type"] == "markdown"
    questions = sources[starts[0]]
    asked = re.findall(r"^\d+\. ", questions.split("**Try this**")[0], re.MULTILINE)
    assert len(asked) >= 12, len(asked)  # issue 25: at least 12 per lesson
    exercises = re.findall(r"^- `-p \w+ [^`]+`", questions.split("**Try this**")[1], re.MULTILINE)
    assert 2 <= len(exercises) <= 3, exercises
    # Collapsed in JupyterLab, Colab and the book alike (issue 22): a <details> block.
    answers = [
        text
        for text in sources[starts[0] : report]
        if text.startswith("<details>\n<summary>Answers</summary>\n\n")
    ]
    assert len(answers) == 1 and answers[0].rstrip().endswith("</details>")
    # the numeric answers are displayed by a code cell, collapsed by labhelpers.report.answers
    assert any(
        cell["cell_type"] == "code" and "answers(" in text
        for cell, text in zip(cells[starts[0] : report], sources[starts[0] : report])
    )
