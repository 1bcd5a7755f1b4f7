"""Checks of the sequence lessons (01, 08-11) that their references cannot make: one GRU
convention across the notation page and lesson 13 and what it computes, lesson 12's teacher
forcing against free running, lesson 13's bidirectional figure, and the Questions section
that ends each of these lessons."""

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pytest
import torch

from labhelpers.lessons.char_rnn import continuation_errors
from labhelpers.models import CharRNN
from labhelpers.plots import plot_bidirectional_rnn

ROOT = Path(__file__).resolve().parents[1]
# The GRU's state update, h_t = ... z_t ... h_{t-1} ..., as written in LaTeX.
GRU_UPDATE = re.compile(r"h_t = \(1 - z_t\) \\odot [^$]*?\$|h_t = [^$]*?z_t[^$]*?\$")


def normalised(path: Path) -> str:
    """The text of ``path`` with comment marks dropped and whitespace runs made one space."""
    return re.sub(
        r"\s+", " ", " ".join(line.lstrip("# ") for line in path.read_text().splitlines())
    )


def gru_updates(path: Path) -> list[tuple[int, str]]:
    """Every GRU state update written in ``path``: (position, equation), in order."""
    return [
        (m.start(), m.group(0).rstrip("$").strip()) for m in GRU_UPDATE.finditer(normalised(path))
    ]


def test_lesson_11_writes_the_gru_update_as_the_notation_page_does():
    page = [rule for _, rule in gru_updates(ROOT / "book" / "theory.md")]
    lesson_path = ROOT / "notebooks" / "13_imdb_strong.py"
    lesson = gru_updates(lesson_path)
    assert page, "book/theory.md states no GRU update h_t = ..."
    assert lesson, "lesson 13 states no GRU update h_t = ..."
    # The lesson's own rule (its first) is the page's; another form may only be shown as
    # what "some texts" write.
    assert lesson[0][1] == page[0], (lesson[0][1], page[0])
    text = normalised(lesson_path)
    for start, rule in lesson[1:]:
        if rule != page[0]:
            assert "some texts" in text[max(0, start - 80) : start], rule


def test_the_notation_pages_gru_update_is_what_nn_gru_computes():
    """h_t = (1 - z_t) * n_t + z_t * h_{t-1}, gates from PyTorch's weight chunks (r, z, n)."""
    torch.manual_seed(0)
    gru = torch.nn.GRU(3, 4, batch_first=True).double()
    x, h = torch.randn(2, 1, 3, dtype=torch.float64), torch.randn(1, 2, 4, dtype=torch.float64)
    with torch.no_grad():
        _, expected = gru(x, h)
        w_ir, w_iz, w_in = gru.weight_ih_l0.chunk(3)
        w_hr, w_hz, w_hn = gru.weight_hh_l0.chunk(3)
        b_ir, b_iz, b_in = gru.bias_ih_l0.chunk(3)
        b_hr, b_hz, b_hn = gru.bias_hh_l0.chunk(3)
        xt, hp = x[:, 0], h[0]
        r = torch.sigmoid(xt @ w_ir.T + b_ir + hp @ w_hr.T + b_hr)
        z = torch.sigmoid(xt @ w_iz.T + b_iz + hp @ w_hz.T + b_hz)
        n = torch.tanh(xt @ w_in.T + b_in + r * (hp @ w_hn.T + b_hn))
        page = (1 - z) * n + z * hp
        swapped = (1 - z) * hp + z * n
    torch.testing.assert_close(page, expected[0], rtol=0, atol=1e-12)
    assert not torch.allclose(swapped, expected[0], atol=1e-3)


def step_by_step(model, ids, start, context, steps, free):
    """One start, one character at a time: the predicted indices and the text's log-loss."""
    logits, state = model(torch.as_tensor(ids[start - context : start])[None, :])
    predicted, losses = [], []
    for k in range(steps):
        step_logits = logits[0, -1].double()
        true_next = int(ids[start + k])
        predicted.append(int(step_logits.argmax()))
        losses.append(-torch.log_softmax(step_logits, dim=0)[true_next].item())
        fed = predicted[-1] if free else true_next
        logits, state = model(torch.tensor([[fed]]), state)
    return np.array(predicted), np.array(losses)


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_continuation_errors_match_a_step_by_step_loop(cell):
    torch.manual_seed(0)
    model = CharRNN(7, 12, cell, embedding_dim=5).eval()
    ids = np.random.default_rng(1).integers(0, 7, size=120)
    context, steps, starts = 9, 6, 10
    result = continuation_errors(model, ids, context, steps, starts=starts, seed=3)
    chosen = np.sort(
        np.random.default_rng(3).choice(
            np.arange(context, len(ids) - steps + 1), size=starts, replace=False
        )
    )
    with torch.no_grad():
        for free, error, loss in (
            (False, result.teacher_error, result.teacher_loss),
            (True, result.free_error, result.free_loss),
        ):
            runs = [step_by_step(model, ids, s, context, steps, free) for s in chosen]
            wrong = np.mean([p != ids[s : s + steps] for s, (p, _) in zip(chosen, runs)], axis=0)
            np.testing.assert_allclose(error, wrong, rtol=0, atol=1e-12)
            np.testing.assert_allclose(loss, np.mean([nll for _, nll in runs], axis=0), rtol=1e-5)
    # Step 1 reads the same true context either way; later steps differ once a guess is wrong.
    assert result.teacher_error[0] == result.free_error[0]
    assert result.teacher_loss[0] == pytest.approx(result.free_loss[0], rel=1e-12)
    assert not np.allclose(result.teacher_loss, result.free_loss)


def test_continuation_errors_need_enough_text_and_a_1d_array():
    model = CharRNN(5, 4, "rnn")
    with pytest.raises(ValueError, match="too few for context=10 and steps=5"):
        continuation_errors(model, np.zeros(14, dtype=int), 10, 5)
    with pytest.raises(ValueError, match="ids must be a 1-D array"):
        continuation_errors(model, np.zeros((3, 20), dtype=int), 2, 2)
    with pytest.raises(ValueError, match="steps"):
        continuation_errors(model, np.zeros(20, dtype=int), 2, 0)
    # Fewer positions than starts: every position is used once.
    result = continuation_errors(model, np.arange(12) % 5, 10, 2, starts=50)
    assert result.teacher_error.shape == (2,) and set(result.free_error * 1) <= {0.0, 1.0}


def test_bidirectional_figure_names_both_directions_marks_the_future_and_saves_png(tmp_path):
    fig = plot_bidirectional_rnn(steps=5, focus=2, path=tmp_path / "bidirectional.png")
    shown = " ".join(t.get_text() for t in fig.findobj(matplotlib.text.Text))
    for symbol in (
        r"$x_{1}$",
        r"$x_{5}$",
        r"$\overrightarrow{h}_0$",
        r"$\overleftarrow{h}_{6}$",
        r"$\overrightarrow{h}_{3}$",
        r"$\overleftarrow{h}_{3}$",
        r"$g_{2}$",
        r"W_g\,[\overrightarrow{h}_t;\,\overleftarrow{h}_t]",
        "reads the past",
        "reads the future",
        r"$x_{3}, \dots, x_{5}$, the inputs after step 2",
    ):
        assert symbol in shown, symbol
    assert fig.axes[0].get_title() == "A bidirectional RNN: every output reads the whole sequence"
    # Red outlines: the inputs after focus (tests/test_plots_theory.py checks every marking).
    red = [
        patch
        for patch in fig.axes[0].patches
        if isinstance(patch, matplotlib.patches.FancyBboxPatch)
        and matplotlib.colors.to_hex(patch.get_edgecolor()) == "#b22222"
    ]
    assert len(red) == 3
    assert (tmp_path / "bidirectional.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    plt.close("all")
    with pytest.raises(ValueError, match="steps must be an integer from 2 to 8"):
        plot_bidirectional_rnn(steps=1)
    with pytest.raises(ValueError, match="focus must be a step from 1 to steps - 1 = 3"):
        plot_bidirectional_rnn(steps=4, focus=4)


@pytest.mark.parametrize(
    "name",
    [
        "01_sum_classifier",
        "10_sequence_regression",
        "11_forecasting",
        "12_char_rnn",
        "13_imdb_strong",
    ],
)
def test_lesson_ends_with_questions_and_collapsed_answers_before_the_lab_report_cell(name):
    cells = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4).cells
    report = next(i for i, c in enumerate(cells) if "lab-report" in c.metadata.get("tags", []))
    assert report == len(cells) - 1
    start = next(
        i for i, c in enumerate(cells) if c.cell_type == "markdown" and "## Questions" in c.source
    )
    questions, answers = cells[start].source, cells[start + 1].source
    numbered = re.findall(r"^(\d+)\. ", questions, flags=re.M)
    assert len(numbered) >= 12 and numbered == [str(i + 1) for i in range(len(numbered))]
    tries = re.findall(r"^- `-p \w+ ", questions.split("**Try this**")[1], flags=re.M)
    assert 2 <= len(tries) <= 3
    # Collapsed in JupyterLab, Colab and the book alike (issue 22): a <details> block.
    assert answers.startswith("<details>\n<summary>Answers</summary>\n\n")
    assert answers.rstrip().endswith("</details>")
    # The numeric answers come from the run: a code cell between the answers and the lab report,
    # shown collapsed by labhelpers.report.answers.
    numeric = [c for c in cells[start + 2 : report] if c.cell_type == "code"]
    assert numeric and "answers(" in numeric[0].source
