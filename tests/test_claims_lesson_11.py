"""Lesson 11's claims (issue 22): a bidirectional encoder of a past window forecasts, and lesson 11
scores one; the sine LSTM validates on training windows, never the test windows; the tanh
model's output bound is for given weights; and the block-bootstrap standard error its
comparisons use when a profile trains one seed."""

import ast
import json
import math
import re

import numpy as np
import pytest

from labhelpers import noise

from conftest import ROOT

LESSON = ROOT / "notebooks" / "11_forecasting.py"
REFERENCE = ROOT / "tests" / "nbval" / "11_forecasting.ipynb"

# "cannot forecast", "can not be used to forecast", "a bidirectional RNN ... not ... forecast"
# in one sentence: the false rule the issue removes (a window of the past, read both ways,
# holds no value after the forecast origin).
CANNOT_FORECAST = [
    re.compile(r"\b(cannot|can ?not|can't|could not|unable to)\s+(be used to\s+)?forecast", re.I),
    re.compile(r"\bbidirectional\b[^.?!]{0,120}\bnot\b[^.?!]{0,40}\bforecast", re.I),
    re.compile(
        r"\bforecast\w*\b[^.?!]{0,40}\b(impossible|ruled out)\b[^.?!]{0,60}\bbidirectional", re.I
    ),
    # the glossary's first wording: "suits classifying a finished text but not forecasting"
    re.compile(r"\b(but|and|or) not (for )?forecast", re.I),
    # lesson 13's first wording: "Forecasters ... read only the past (unidirectional, or causal)"
    re.compile(r"\bforecast\w*[^.?!;]{0,80}\b(unidirectional|causal)\b", re.I),
]


def _prose(path):
    """The file's text with comment marks dropped and whitespace runs made one space."""
    lines = (line.lstrip("# ") for line in path.read_text(encoding="utf-8").splitlines())
    return re.sub(r"\s+", " ", " ".join(lines))


def _pages():
    return sorted(ROOT.glob("notebooks/*.py")) + sorted(ROOT.glob("book/*.md"))


@pytest.mark.parametrize("path", _pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_page_says_a_bidirectional_rnn_cannot_forecast(path):
    text = _prose(path)
    for pattern in CANNOT_FORECAST:
        match = pattern.search(text)
        assert match is None, (
            f"{path.name} says: ...{text[max(0, match.start() - 80) : match.end() + 40]}..."
        )


def test_the_phrase_check_catches_the_old_wording():
    for sentence in (
        "a model trained with them would be reading its own answer. It cannot forecast.",
        "8. Why can a bidirectional RNN not be used to forecast?",
        "A bidirectional RNN can not forecast the next value.",
        "so it suits classifying a finished text but not forecasting or generating.",
        "Forecasters and generators read only the past (unidirectional, or *causal*, RNNs)",
    ):
        assert any(p.search(sentence) for p in CANNOT_FORECAST), sentence
    for sentence in (
        "a bidirectional encoder of a past window is a valid forecaster",
        "Why is it still a forecaster here, and where may a bidirectional RNN not be used?",
        "8. Why can a bidirectional RNN not generate text?",
    ):
        assert not any(p.search(sentence) for p in CANNOT_FORECAST), sentence


def _tree():
    return ast.parse(LESSON.read_text(encoding="utf-8"))


def test_lesson_9_trains_a_bidirectional_window_model_beside_the_others():
    """In the source, for every profile: one of the networks is LastStepRNN(bidirectional=True)."""
    layouts = [
        node
        for node in ast.walk(_tree())
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", None) == "dict"
        and any(
            k.arg == "bidirectional" and getattr(k.value, "value", None) is True
            for k in node.keywords
        )
    ]
    assert layouts, "lesson 11 no longer trains a bidirectional window model"
    assert "profile" not in ast.unparse(layouts[0])


def _reference_outputs(mime):
    """Every output of the nbval reference in ``mime`` (a stream's text for "stream")."""
    notebook = json.loads(REFERENCE.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            text = output.get("text") if mime == "stream" else output.get("data", {}).get(mime)
            if text:
                yield "".join(text)


def test_lesson_9_scores_the_bidirectional_model_with_its_noise_against_the_baselines():
    """The nbval reference (smoke profile): the one-step table has the bidirectional LSTM, a ±
    column and the baselines; the Result compares it, worded by labhelpers.noise."""
    plain = list(_reference_outputs("text/plain"))
    markdown = "\n".join(_reference_outputs("text/markdown"))
    tables = [t for t in plain if "bidirectional LSTM" in t and "naive (last value)" in t]
    assert len(tables) >= 2, "one-step and multi-step tables with the bidirectional LSTM"
    assert all("±" in t and "seasonal naive" in t and "s.e. from" in t for t in tables)
    sentences = re.findall(r"^- The bidirectional LSTM\S* .*$", markdown, flags=re.M)
    assert len(sentences) >= 4, "against the reference baseline and the LSTM, 1 and H steps ahead"
    worded = re.compile(
        r"(beats|is worse than) .* by [\d.]+ ± [\d.]+ \(more than 2 standard errors\)\.$"
        r"|are within noise of each other \([+-][\d.e-]+ ± [\d.e-]+, under 2 standard errors\)\.$"
    )
    assert all(worded.search(s) for s in sentences), sentences


def test_no_model_in_lesson_9_is_fitted_with_test_windows():
    """Validation during training comes from the training period: no fit(...) argument reads a
    test split (the sine LSTM once validated on sine.X_test)."""
    calls = [
        node
        for node in ast.walk(_tree())
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "fit"
    ]
    assert len(calls) >= 3
    for call in calls:
        names = {
            getattr(n, "id", None) or getattr(n, "attr", None)
            for arg in [*call.args, *(k.value for k in call.keywords)]
            for n in ast.walk(arg)
        }
        assert not any(name and "test" in name.lower() for name in names), ast.unparse(call)


def _lesson_function(name):
    node = next(n for n in ast.walk(_tree()) if isinstance(n, ast.FunctionDef) and n.name == name)
    namespace = {}
    exec(compile(ast.Module([node], type_ignores=[]), str(LESSON), "exec"), namespace)
    return namespace[name]


def test_the_tanh_bound_is_for_given_weights_and_read_right_on_both_sides():
    text = _prose(LESSON)
    assert "however long it trains" not in text
    assert "for given weights" in text.lower()
    sentence = _lesson_function("bound_sentence")
    outside = sentence((-3.25, 3.28), (-5.16, 5.30), 14, 60)
    assert (
        "[-3.25, 3.28]" in outside and "[-5.16, 5.30]" in outside and "after 60 epochs" in outside
    )
    assert "half-width 3.26, then 5.23" in outside
    assert (
        "14 lies outside the trained interval, so no input makes these weights answer it."
        in outside
    )
    inside = sentence((-3.0, 3.0), (-20.0, 20.0), 14, 1000)
    assert "14 lies inside the trained interval" in inside and "outside" not in inside
    edge = sentence((-1.0, 1.0), (0.0, 14.0), 14, 5)
    assert "14 lies inside" in edge


# The block bootstrap of labhelpers.noise


def test_block_bootstrap_of_independent_errors_matches_the_delta_method():
    """Blocks of 1 on independent errors: s.e.(RMSE) ~ sd(e^2) / (2 RMSE sqrt(n))."""
    errors = np.random.default_rng(1).normal(0.0, 2.0, size=4000)
    figure = noise.rmse_block_bootstrap(errors, block=1, draws=2000, seed=3)
    rmse = math.sqrt(np.mean(errors**2))
    delta = np.std(errors**2, ddof=1) / (2 * rmse * math.sqrt(len(errors)))
    assert figure.value == pytest.approx(rmse, rel=1e-12)
    assert figure.se == pytest.approx(delta, rel=0.1)
    assert figure.source == "block-bootstrap s.e. of 4000 test windows (blocks of 1)"


def test_block_bootstrap_widens_for_correlated_errors_and_is_seeded():
    rng = np.random.default_rng(0)
    shocks = rng.normal(size=3000)
    correlated = np.convolve(shocks, np.ones(20) / math.sqrt(20), mode="valid")
    one = noise.rmse_block_bootstrap(correlated, block=1, seed=0)
    blocks = noise.rmse_block_bootstrap(correlated, block=50, seed=0)
    assert blocks.se > 2 * one.se
    assert noise.rmse_block_bootstrap(correlated, block=50, seed=0) == blocks
    assert noise.rmse_block_bootstrap(correlated, block=50, seed=1).se != blocks.se


def test_block_bootstrap_reads_windows_by_steps_ahead_as_rows():
    errors = np.arange(24.0).reshape(6, 4)
    figure = noise.rmse_block_bootstrap(errors, block=2, seed=0)
    assert figure.value == pytest.approx(math.sqrt(np.mean(errors**2)))
    assert "6 test windows" in figure.source
    constant = noise.rmse_block_bootstrap(np.full(10, 0.5), block=3)
    assert constant.value == pytest.approx(0.5) and constant.se == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize(
    "errors, block, message",
    [
        (np.zeros(5), 6, "block=6 is longer than the 5 test windows"),
        (np.zeros(1), 1, "at least 2 windows"),
        (np.zeros((2, 2, 2)), 1, "at least 2 windows"),
        (np.array([0.0, np.nan]), 1, "finite"),
        (np.zeros(5), 0, "block"),
    ],
)
def test_block_bootstrap_refuses_what_it_cannot_resample(errors, block, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        noise.rmse_block_bootstrap(errors, block=block)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_the_bidirectional_window_model_reads_both_final_states(cell):
    """Forward state after the last step and backward state after the first (each has read the
    whole window), side by side: torch's h_n of the last layer, both directions."""
    import torch

    from labhelpers.models import LastStepRNN

    torch.manual_seed(0)
    model = LastStepRNN(1, 5, 2, num_layers=2, cell=cell, bidirectional=True)
    x = torch.randn(3, 7, 1)
    _, state = model.rnn(x)
    h_n = state[0] if cell == "lstm" else state
    expected = model.out(torch.cat([h_n[-2], h_n[-1]], dim=1))
    torch.testing.assert_close(model(x), expected)
    one_way = LastStepRNN(1, 5, 2, num_layers=2, cell=cell)
    assert not one_way.bidirectional and one_way.out.in_features == 5
    # A later value in the window changes the output: the backward half reads it first.
    later = x.clone()
    later[:, -1] += 1.0
    assert not torch.allclose(model(later), model(x))
