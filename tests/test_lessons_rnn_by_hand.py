"""Lesson 4's RNN by hand: its gradients against autograd and finite differences, Adam against
torch.optim.Adam, clipping against clip_grad_norm_, sampling, training and the sentences."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from labhelpers import noise, theory
from labhelpers.data.chars import unigram_cross_entropy
from labhelpers.lessons import rnn_by_hand as R
from labhelpers.plots import plot_loss_against_baselines

NAMES = (*R.PARAMETERS, "h0")


def problem(vocab=7, hidden=5, batch=3, steps=6, seed=1):
    params = R.init_params(vocab, hidden, seed=seed)
    rng = np.random.default_rng(seed)
    params["b_g"] = rng.normal(size=vocab) * 0.3  # not zero, so that its use is checked
    inputs = rng.integers(0, vocab, (batch, steps))
    targets = rng.integers(0, vocab, (batch, steps))
    h0 = rng.normal(size=(batch, hidden)) * 0.5
    return params, inputs, targets, h0


def test_hand_gradients_equal_nn_rnn_autograd_on_the_same_weights():
    params, inputs, targets, h0 = problem()
    loss, cache = R.forward(params, inputs, targets, h0)
    grads = R.backward(params, cache)
    torch_loss, reference = R.torch_gradients(params, inputs, targets, h0)
    assert loss == pytest.approx(torch_loss, rel=1e-13)
    assert set(grads) == set(reference) == set(NAMES)
    for name in NAMES:
        assert grads[name].shape == reference[name].shape, name
        assert R.relative_difference(grads[name], reference[name]) < 1e-10, name
        assert np.abs(reference[name]).max() > 1e-3, name  # every gradient is really checked


def test_hand_gradients_equal_finite_differences():
    params, inputs, targets, h0 = problem(vocab=5, hidden=4, batch=2, steps=5, seed=3)
    grads = R.backward(params, R.forward(params, inputs, targets, h0)[1])
    numeric = R.numerical_gradients(params, inputs, targets, h0)
    for name in NAMES:
        assert R.relative_difference(grads[name], numeric[name]) < 1e-6, name


def test_numerical_gradients_restore_the_weights_and_match_a_one_entry_difference():
    params, inputs, targets, h0 = problem(vocab=4, hidden=3, batch=1, steps=3)
    saved = {name: value.copy() for name, value in params.items()}
    numeric = R.numerical_gradients(params, inputs, targets, h0, eps=1e-6)
    for name in params:
        np.testing.assert_array_equal(params[name], saved[name])
    shifted = {name: value.copy() for name, value in params.items()}
    shifted["W_hh"][1, 2] += 1e-6
    up = R.forward(shifted, inputs, targets, h0)[0]
    shifted["W_hh"][1, 2] -= 2e-6
    down = R.forward(shifted, inputs, targets, h0)[0]
    assert numeric["W_hh"][1, 2] == pytest.approx((up - down) / 2e-6, rel=1e-12)


def test_a_planted_mistake_in_backward_is_caught_by_both_checks(monkeypatch):
    """The checks can fail: tanh' written as 1 - h (not 1 - h^2) moves every recurrent gradient."""
    params, inputs, targets, h0 = problem()
    cache = R.forward(params, inputs, targets, h0)[1]
    x, start, states, p, y = cache
    wrong = R.backward(params, (x, start, np.sqrt(np.abs(states)) * np.sign(states), p, y))
    _, reference = R.torch_gradients(params, inputs, targets, h0)
    assert R.relative_difference(wrong["W_hh"], reference["W_hh"]) > 1e-3


def test_forward_uses_lesson_2s_forward_pass_and_a_softmax_cross_entropy():
    params, inputs, targets, h0 = problem()
    loss, (x, _, states, p, _) = R.forward(params, inputs, targets, h0)
    layer = theory.RNNLayerWeights(params["W_in"], params["W_hh"], params["b"])
    expected_states = theory.rnn_forward(np.eye(7)[inputs], [layer], h0[None])[0][0]
    np.testing.assert_array_equal(states, expected_states)
    g = expected_states @ params["W_g"].T + params["b_g"]
    log_p = g - np.log(np.exp(g).sum(axis=-1, keepdims=True))
    expected = -np.mean(np.take_along_axis(log_p, targets[..., None], -1))
    assert loss == pytest.approx(expected, rel=1e-14)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-14)


def test_init_params_draw_like_torch_and_start_the_output_bias_at_zero():
    params = R.init_params(6, 4, seed=2)
    (layer,) = theory.init_rnn_weights(6, 4, seed=2)
    np.testing.assert_array_equal(params["W_in"], layer.W_in)
    np.testing.assert_array_equal(params["W_hh"], layer.W_hh)
    assert params["W_g"].shape == (6, 4) and np.abs(params["W_g"]).max() <= 0.5
    np.testing.assert_array_equal(params["b_g"], np.zeros(6))
    with pytest.raises(ValueError, match="vocab_size must be"):
        R.init_params(0, 4)


def test_adam_update_equals_torch_adam_over_three_steps():
    params, inputs, targets, h0 = problem()
    tensors = {name: torch.tensor(params[name], requires_grad=True) for name in R.PARAMETERS}
    optimiser = torch.optim.Adam(tensors.values(), lr=0.01, betas=(0.9, 0.999), eps=1e-8)
    state = {}
    for _ in range(3):
        grads = R.backward(params, R.forward(params, inputs, targets, h0)[1])
        for name, tensor in tensors.items():
            tensor.grad = torch.tensor(grads[name])
        optimiser.step()
        R.adam_update(params, grads, state, lr=0.01)
        for name, tensor in tensors.items():
            np.testing.assert_allclose(params[name], tensor.detach().numpy(), rtol=1e-12)
    assert state["t"] == 3


def test_clip_gradients_matches_clip_grad_norm_and_leaves_small_ones_alone():
    params, inputs, targets, h0 = problem()
    grads = R.backward(params, R.forward(params, inputs, targets, h0)[1])
    tensors = [torch.tensor(grads[name], requires_grad=True) for name in R.PARAMETERS]
    for tensor, name in zip(tensors, R.PARAMETERS):
        tensor.grad = torch.tensor(grads[name])
    full = float(np.sqrt(sum((grads[name] ** 2).sum() for name in R.PARAMETERS)))
    limit = full / 4
    torch_norm = torch.nn.utils.clip_grad_norm_(tensors, limit)
    h0_grad, before = grads["h0"].copy(), {name: grads[name].copy() for name in R.PARAMETERS}
    assert R.clip_gradients(grads, limit) == pytest.approx(float(torch_norm), rel=1e-13)
    for tensor, name in zip(tensors, R.PARAMETERS):
        np.testing.assert_allclose(grads[name], before[name] / 4, rtol=1e-13)
        # torch divides by the norm + 1e-6: the same up to 1e-6 / norm
        np.testing.assert_allclose(grads[name], tensor.grad.numpy(), rtol=1e-5)
    np.testing.assert_array_equal(grads["h0"], h0_grad)  # h0 is not a parameter
    small = {name: value.copy() for name, value in grads.items()}
    R.clip_gradients(small, 10 * limit)
    for name in R.PARAMETERS:
        np.testing.assert_array_equal(small[name], grads[name])
    with pytest.raises(ValueError, match="max_norm must be above 0"):
        R.clip_gradients(grads, 0)


def test_sample_draws_from_the_softmax_of_each_step():
    params = R.init_params(5, 3, seed=0)
    h = np.zeros(3)
    drawn = R.sample(params, h, first=2, length=4, rng=np.random.default_rng(7))
    # the same draws by hand: one cell step, the softmax, one rng.choice each
    rng, index, h, expected = np.random.default_rng(7), 2, np.zeros(3), []
    for _ in range(4):
        h = np.tanh(params["W_hh"] @ h + params["W_in"][:, index] + params["b"])
        g = params["W_g"] @ h + params["b_g"]
        index = int(rng.choice(5, p=np.exp(g) / np.exp(g).sum()))
        expected.append(index)
    assert drawn == expected
    # a low temperature draws the most likely character
    params["b_g"][4] = 5.0
    assert set(R.sample(params, np.zeros(3), 0, 20, np.random.default_rng(0), 0.05)) == {4}


def test_streams_cut_the_text_into_rows():
    rows = R.streams(np.arange(11), 3)
    np.testing.assert_array_equal(rows, [[0, 1, 2], [3, 4, 5], [6, 7, 8]])
    with pytest.raises(ValueError, match="fewer than 2 characters per stream"):
        R.streams(np.arange(5), 3)


def test_mean_loss_weights_every_character_once():
    params = R.init_params(4, 3, seed=0)
    text = np.random.default_rng(0).integers(0, 4, 23)
    rows = R.streams(text, 2)  # 2 rows of 11: 10 targets each, chunks of 4, 4, 2
    h, total = np.zeros((2, 3)), 0.0
    for start in (0, 4, 8):
        targets = rows[:, start + 1 : start + 5]
        loss, cache = R.forward(params, rows[:, start : start + targets.shape[1]], targets, h)
        total, h = total + loss * targets.size, cache[2][:, -1]
    assert R.mean_loss(params, text, 2, 4) == pytest.approx(total / 20, rel=1e-14)


def test_train_lowers_the_loss_clips_and_calls_back():
    text = np.tile(np.array([0, 1, 2, 3, 2, 1]), 40)
    params = R.init_params(4, 8, seed=0)
    before = R.mean_loss(params, text, 4, 5)
    seen = []
    history = R.train(params, text, steps=120, batch_size=4, seq_len=5, lr=0.02, max_norm=0.5,
                      on_step=lambda step, p: seen.append(step))  # fmt: skip
    assert seen == list(range(1, 121))
    assert len(history["loss"]) == len(history["grad_norm"]) == len(history["clipped"]) == 120
    assert history["clipped"] == [float(n > 0.5) for n in history["grad_norm"]]
    assert R.mean_loss(params, text, 4, 5) < before / 4
    with pytest.raises(ValueError, match="shorter than seq_len"):
        R.train(params, text[:20], steps=1, batch_size=4, seq_len=5, lr=0.01, max_norm=1.0)


def test_train_carries_the_state_and_restarts_at_the_end_of_the_text():
    """Three chunks fit in the streams: step 4 starts again from a zero state at the start."""
    text = np.random.default_rng(1).integers(0, 5, 2 * 16)
    losses = R.train(R.init_params(5, 4, seed=0), text, steps=4, batch_size=2, seq_len=5,
                     lr=0.0, max_norm=1.0)["loss"]  # fmt: skip
    params, rows = R.init_params(5, 4, seed=0), R.streams(text, 2)
    h, expected = np.zeros((2, 4)), []
    for start in (0, 5, 10):
        loss, cache = R.forward(
            params, rows[:, start : start + 5], rows[:, start + 1 : start + 6], h
        )
        expected.append(loss)
        h = cache[2][:, -1]
    expected.append(expected[0])
    np.testing.assert_allclose(losses, expected, rtol=1e-14)


def test_relative_difference():
    assert R.relative_difference([1.0, -2.0], [1.0, -4.0]) == 0.5
    assert R.relative_difference([0.0], [0.0]) == 0.0
    assert R.relative_difference([1e-9], [0.0]) == float("inf")


def test_known_word_share_and_smoothed():
    assert R.known_word_share('the cat, "sat" qzx', {"the", "cat", "sat"}) == 0.75
    assert R.known_word_share("  ... ", {"the"}) == 0.0
    np.testing.assert_allclose(R.smoothed([1, 2, 3, 4], 2), [1, 1.5, 2.5, 3.5])
    with pytest.raises(ValueError, match="window must be"):
        R.smoothed([1.0], 0)


def test_unigram_probabilities_are_unigram_cross_entropys_model():
    train, held = np.array([0, 0, 1, 2, 0]), np.array([1, 0, 3])
    probabilities = R.unigram_probabilities(train, 4)
    np.testing.assert_allclose(probabilities, [4 / 9, 2 / 9, 2 / 9, 1 / 9])
    expected = unigram_cross_entropy(train, held, 4)
    assert -np.log(probabilities[held]).mean() == pytest.approx(expected, rel=1e-14)


def test_loss_against_unigram_pairs_the_chunks():
    params = R.init_params(4, 3, seed=0)
    text = np.random.default_rng(0).integers(0, 4, 23)
    probabilities = R.unigram_probabilities(text[:10], 4)
    loss, gap = R.loss_against_unigram(params, text, probabilities, 2, 4)
    rows, h = R.streams(text, 2), np.zeros((2, 3))
    losses, gaps, counts = [], [], []
    for start in (0, 4, 8):
        targets = rows[:, start + 1 : start + 5]
        value, cache = R.forward(params, rows[:, start : start + targets.shape[1]], targets, h)
        h = cache[2][:, -1]
        losses.append(value)
        gaps.append(value - np.mean(-np.log(probabilities[targets])))
        counts.append(targets.size)
    assert loss == noise.over_items(losses, counts, what="chunks of 2 x 4 characters")
    assert gap.value == pytest.approx(np.average(gaps, weights=counts), rel=1e-12)
    assert gap.se == pytest.approx(noise.over_items(gaps, counts).se, rel=1e-12)
    assert loss.value == pytest.approx(R.mean_loss(params, text, 2, 4), rel=1e-14)


@pytest.mark.parametrize(
    "gap, expected",
    [
        (-0.5, "1.500 nats per character, is 0.500 ± 0.100 below the unigram model's 2.000 on "
         "the same characters (more than 2 standard errors)"),
        (-0.15, "1.500 nats per character, is within noise of the unigram model's 1.650 on the "
         "same characters (-0.150 ± 0.100, under 2 standard errors)"),
        (0.0, "is within noise of the unigram model's 1.500"),
        (0.25, "1.500 nats per character, is 0.250 ± 0.100 above the unigram model's 1.250"),
    ],
)  # fmt: skip
def test_baseline_reading_every_branch(gap, expected):
    sentence = R.baseline_reading(
        noise.Measured(1.5, 0.01, "test"), noise.Measured(gap, 0.1, "test"), "the loss"
    )
    assert sentence.startswith("the loss, ") and expected in sentence
    zero = R.baseline_reading(noise.Measured(1.5, 0, "t"), noise.Measured(0.0, 0.0, "t"), "L")
    assert "within noise" in zero


@pytest.mark.parametrize(
    "clipped, expected",
    [
        ([0, 0, 0], "no gradient norm reached 5: clipping changed none of the 3 steps"),
        ([0, 1, 0], "clipping (norm 5) changed one step of 3, step 2"),
        ([1, 0, 1, 1], "clipping (norm 5) changed 3 steps of 4 (75%), the first at step 1 and "
         "the last at step 4"),
    ],
)  # fmt: skip
def test_clipping_reading_every_branch(clipped, expected):
    assert R.clipping_reading(clipped, 5.0) == expected


@pytest.mark.parametrize(
    "shares, expected",
    [
        ({10: 0.5}, "one sample, at step 10: 50% of its words are in the text"),
        ({1: 0.0, 5: 0.2, 9: 0.4}, "rose from 0% at step 1 to 40% at step 9"),
        ({1: 0.5, 9: 0.25}, "fell from 50% at step 1 to 25% at step 9"),
        ({1: 0.5, 9: 0.5}, "stayed at 50% from step 1 to step 9"),
    ],
)
def test_word_share_reading_every_branch(shares, expected):
    assert R.word_share_reading(shares).endswith(expected)
    with pytest.raises(ValueError, match="shares is empty"):
        R.word_share_reading({})


def test_loss_against_baselines_draws_curves_and_dashed_baselines(tmp_path):
    fig = plot_loss_against_baselines(
        {"training": ([1, 2, 3], [3.0, 2.5, 2.0]), "validation": ([3], [2.2])},
        {"unigram, training text": 2.8},
        path=tmp_path / "loss.png",
    )
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines["training"].get_ydata()) == [3.0, 2.5, 2.0]
    assert lines["validation"].get_marker() == "o"
    assert list(lines["unigram, training text"].get_ydata()) == [2.8, 2.8]
    assert lines["unigram, training text"].get_linestyle() == "--"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["training", "validation", "unigram, training text"]
    assert "nats per character" in ax.get_ylabel() and "step" in ax.get_xlabel()
    assert (tmp_path / "loss.png").read_bytes()[:4] == b"\x89PNG"
    plt.close("all")
    with pytest.raises(ValueError, match="curves is empty"):
        plot_loss_against_baselines({}, {})
    with pytest.raises(ValueError, match=r"curves\['a'\] must be two non-empty"):
        plot_loss_against_baselines({"a": ([1, 2], [1.0])}, {})


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a$b_c$", "`a$b_c$`"),
        ("x`y", "``x`y``"),
        ("``a", "``` ``a ```"),
        ("say\nso", "`say\\nso`"),
        ("", "(no text)"),
    ],
)
def test_code_span_shows_a_sample_as_it_is(text, expected):
    assert R.code_span(text) == expected
