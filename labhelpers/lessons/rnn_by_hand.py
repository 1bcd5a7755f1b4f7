"""Lesson 4 only: a character-level vanilla RNN in NumPy, every gradient by hand, trained with
Adam written out.

The model is lesson 2's forward pass (:func:`labhelpers.theory.rnn_forward` on one-hot
characters) with a softmax read-out, in lesson 3's notation:

- $a_t = W_{hh} h_{t-1} + W_{in} x_t + b$, $h_t = \\tanh(a_t)$ ($x_t$ the one-hot character);
- $g_t = W_g h_t + b_g$ (one score per character), $p_t = \\mathrm{softmax}(g_t)$;
- $L = -\\frac{1}{N} \\sum_t \\log p_{t, y_t}$ over the N characters of a batch (nats per
  character).

:func:`forward`, :func:`backward`, :func:`adam_update` and :func:`sample` are the model (one
screen); :func:`clip_gradients`, :func:`streams`, :func:`mean_loss` and :func:`train` run it on a
text, and the rest are the lesson's checks and sentences. Parameters travel in a dict with the
keys of :data:`PARAMETERS`; gradients in a dict with those keys and ``"h0"``, the gradient of the
loss with respect to the initial state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
from threadpoolctl import threadpool_limits

from .. import noise, theory
from ..base.checks import positive_int

PARAMETERS = ("W_in", "W_hh", "b", "W_g", "b_g")


def init_params(vocab_size: int, hidden_size: int, seed: int = 0) -> dict[str, np.ndarray]:
    """W_in, W_hh, b drawn as ``torch.nn.RNN`` draws them (:func:`theory.init_rnn_weights`), W_g
    uniform in the same range, b_g zero; float64."""
    vocab_size = positive_int("vocab_size", vocab_size)
    (layer,) = theory.init_rnn_weights(vocab_size, hidden_size, seed=seed)
    bound = 1 / np.sqrt(layer.hidden_size)
    W_g = np.random.default_rng(seed + 1).uniform(-bound, bound, (vocab_size, layer.hidden_size))
    return {
        "W_in": layer.W_in,
        "W_hh": layer.W_hh,
        "b": layer.b,
        "W_g": W_g,
        "b_g": np.zeros(vocab_size),
    }


# ----------------------------------------------------------------- the model, on one screen


def forward(params, inputs, targets, h0):
    """Loss (nats per character) of ``targets`` (batch, T) after ``inputs`` (batch, T), from
    ``h0`` (batch, hidden); returns ``(loss, cache)`` for :func:`backward`."""
    x = np.eye(params["W_in"].shape[1])[inputs]  # (batch, T, V): one-hot x_t
    layer = theory.RNNLayerWeights(params["W_in"], params["W_hh"], params["b"])
    states = theory.rnn_forward(x, [layer], h0[None])[0][0]  # (batch, T, H): h_1..h_T, lesson 2
    g = theory.rnn_output(states, params["W_g"], params["b_g"])  # (batch, T, V): scores g_t
    p = np.exp(g - g.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)  # p_t = softmax(g_t)
    p_target = np.take_along_axis(p, targets[..., None], axis=-1)[..., 0]
    return float(-np.log(p_target).mean()), (x, h0, states, p, targets)


def backward(params, cache):
    """Every gradient of the loss, by hand, in one sweep back through time: a dict with the keys
    of :data:`PARAMETERS` and ``"h0"``."""
    x, h0, states, p, targets = cache
    dg = p.copy()  # dL/dg_t = (p_t - onehot(y_t)) / N
    np.put_along_axis(dg, targets[..., None], np.take_along_axis(p, targets[..., None], -1) - 1, -1)
    dg /= targets.size
    grads = {"W_g": np.tensordot(dg, states, axes=([0, 1], [0, 1])), "b_g": dg.sum(axis=(0, 1))}
    dL_dh = dg @ params["W_g"]  # (batch, T, H): dL^(t)/dh_t, each output's own share
    previous = np.concatenate([h0[:, None], states[:, :-1]], axis=1)  # h_0..h_{T-1}
    da = np.empty_like(states)  # dL/da_t
    carried = np.zeros_like(h0)  # dL/dh_t from the steps after t
    for t in reversed(range(states.shape[1])):
        da[:, t] = (dL_dh[:, t] + carried) * (1 - states[:, t] ** 2)  # tanh' = 1 - h_t^2
        carried = da[:, t] @ params["W_hh"]  # (dh_t/dh_{t-1})^T dL/dh_t = W_hh^T dL/da_t
    grads["W_in"] = np.tensordot(da, x, axes=([0, 1], [0, 1]))
    grads["W_hh"] = np.tensordot(da, previous, axes=([0, 1], [0, 1]))
    grads["b"] = da.sum(axis=(0, 1))
    grads["h0"] = carried  # dL/dh_0
    return grads


def adam_update(params, grads, state, lr=3e-3, betas=(0.9, 0.999), eps=1e-8):
    """One step of Adam (Kingma and Ba, 2015), in place; ``state`` starts as ``{}``."""
    state["t"] = t = state.get("t", 0) + 1
    for name in PARAMETERS:
        grad, (beta1, beta2) = grads[name], betas
        m = state[f"m_{name}"] = beta1 * state.get(f"m_{name}", 0) + (1 - beta1) * grad
        v = state[f"v_{name}"] = beta2 * state.get(f"v_{name}", 0) + (1 - beta2) * grad**2
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)  # bias-corrected moments
        params[name] -= lr * m_hat / (np.sqrt(v_hat) + eps)


def sample(params, h, first: int, length: int, rng, temperature: float = 1.0) -> list[int]:
    """``length`` characters drawn one at a time after ``first``, from the state ``h``
    (hidden,); each drawn character is the next input."""
    indices, index = [], first
    for _ in range(length):
        x = np.eye(params["W_in"].shape[1])[[index]]  # (1, V)
        h = theory.rnn_cell_forward(x, h[None], params["W_in"], params["W_hh"], params["b"])[0]
        g = theory.rnn_output(h, params["W_g"], params["b_g"]) / temperature
        p = np.exp(g - g.max())
        index = int(rng.choice(len(p), p=p / p.sum()))
        indices.append(index)
    return indices


# ----------------------------------------------------------------- training on a text


def clip_gradients(grads: dict, max_norm: float) -> float:
    """Scale the parameters' gradients in place so that their joint L2 norm is at most
    ``max_norm`` (as ``torch.nn.utils.clip_grad_norm_``); returns the norm before clipping."""
    if not max_norm > 0:
        raise ValueError(f"max_norm must be above 0, got {max_norm!r}")
    norm = float(np.sqrt(sum(np.sum(grads[name] ** 2) for name in PARAMETERS)))
    if norm > max_norm:
        for name in PARAMETERS:
            grads[name] = grads[name] * (max_norm / norm)
    return norm


def streams(indices, batch_size: int) -> np.ndarray:
    """The text cut into ``batch_size`` streams of equal length, one per row (the tail that does
    not fill a row is dropped), as lesson 12 reads its corpus."""
    indices = np.asarray(indices).reshape(-1)
    batch_size = positive_int("batch_size", batch_size)
    length = len(indices) // batch_size
    if length < 2:
        raise ValueError(
            f"a text of {len(indices)} characters cut into {batch_size} streams leaves fewer "
            "than 2 characters per stream: use a longer text or a smaller batch_size"
        )
    return indices[: length * batch_size].reshape(batch_size, length)


def _chunk_losses(params, indices, batch_size: int, seq_len: int):
    """(mean loss, targets, characters) of each chunk of a text read as :func:`train` reads it."""
    rows = streams(indices, batch_size)
    h = np.zeros((rows.shape[0], params["W_hh"].shape[0]))
    with threadpool_limits(1):
        for start in range(0, rows.shape[1] - 1, seq_len):
            targets = rows[:, start + 1 : start + seq_len + 1]
            inputs = rows[:, start : start + targets.shape[1]]
            loss, cache = forward(params, inputs, targets, h)
            h = cache[2][:, -1]
            yield loss, targets


def mean_loss(params, indices, batch_size: int, seq_len: int) -> float:
    """Cross-entropy (nats per character) of the model on a text read in ``batch_size`` streams,
    ``seq_len`` steps at a time, the state carried from chunk to chunk."""
    total, count = 0.0, 0
    for loss, targets in _chunk_losses(params, indices, batch_size, seq_len):
        total, count = total + loss * targets.size, count + targets.size
    return total / count


def unigram_probabilities(train_indices, vocab_size: int, smoothing: float = 1.0) -> np.ndarray:
    """The unigram model of :func:`labhelpers.data.chars.unigram_cross_entropy`: each
    character's frequency in the training text, add-``smoothing``."""
    counts = np.bincount(np.asarray(train_indices).reshape(-1), minlength=vocab_size)
    return (counts + smoothing) / (counts.sum() + smoothing * vocab_size)


def loss_against_unigram(
    params, indices, probabilities, batch_size: int, seq_len: int
) -> tuple[noise.Measured, noise.Measured]:
    """The model's loss on a text and its difference from the unigram model's on the same
    characters (model minus unigram), each a mean over the chunks weighted by their characters
    with its standard error (:func:`labhelpers.noise.over_items`): the difference is paired,
    chunk by chunk."""
    losses, gaps, counts = [], [], []
    for loss, targets in _chunk_losses(params, indices, batch_size, seq_len):
        losses.append(loss)
        gaps.append(loss + float(np.log(probabilities[targets]).mean()))
        counts.append(targets.size)
    what = f"chunks of {batch_size} x {seq_len} characters"
    return noise.over_items(losses, counts, what=what), noise.over_items(gaps, counts, what=what)


def train(
    params,
    indices,
    *,
    steps: int,
    batch_size: int,
    seq_len: int,
    lr: float,
    max_norm: float,
    on_step: Callable[[int, dict], None] | None = None,
) -> dict[str, list[float]]:
    """Train ``params`` in place on a text with Adam and gradient clipping, truncated BPTT that
    carries the state between chunks (lesson 3's "detach every n steps", n = ``seq_len``); back to
    a zero state at the end of the text.

    Returns the history: per step the loss before the update (nats per character), the gradient
    norm before clipping and whether it was clipped. ``on_step(step, params)`` runs after every
    update (steps count from 1), for sampling as it trains.
    """
    steps, seq_len = positive_int("steps", steps), positive_int("seq_len", seq_len)
    rows = streams(indices, batch_size)
    if rows.shape[1] < seq_len + 1:
        raise ValueError(
            f"streams of {rows.shape[1]} characters are shorter than seq_len + 1 = "
            f"{seq_len + 1}: use a longer text, a smaller batch_size or a smaller seq_len"
        )
    history: dict[str, list[float]] = {"loss": [], "grad_norm": [], "clipped": []}
    state: dict = {}
    h, start = np.zeros((rows.shape[0], params["W_hh"].shape[0])), 0
    with threadpool_limits(1):  # small products: one BLAS thread is faster on a shared CPU
        for step in range(1, steps + 1):
            if start + seq_len + 1 > rows.shape[1]:
                h, start = np.zeros_like(h), 0  # the end of the text: start again
            inputs = rows[:, start : start + seq_len]
            targets = rows[:, start + 1 : start + seq_len + 1]
            loss, cache = forward(params, inputs, targets, h)
            grads = backward(params, cache)
            norm = clip_gradients(grads, max_norm)
            adam_update(params, grads, state, lr=lr)
            history["loss"].append(loss)
            history["grad_norm"].append(norm)
            history["clipped"].append(float(norm > max_norm))
            h, start = cache[2][:, -1], start + seq_len  # the state goes on, its gradient not
            if on_step is not None:
                on_step(step, params)
    return history


# ----------------------------------------------------------------- checks


def numerical_gradients(params, inputs, targets, h0, eps: float = 1e-5) -> dict[str, np.ndarray]:
    """Central differences (L(w + eps) - L(w - eps)) / (2 eps) of :func:`forward`'s loss for
    every entry of every parameter and of ``h0``: the check that needs no derivation."""
    values = {**params, "h0": h0}
    numeric = {}
    for name, array in values.items():
        numeric[name] = np.zeros_like(array)
        for position in np.ndindex(array.shape):
            saved = array[position]
            losses = []
            for shift in (eps, -eps):
                array[position] = saved + shift
                weights = {key: values[key] for key in PARAMETERS}
                losses.append(forward(weights, inputs, targets, values["h0"])[0])
            array[position] = saved
            numeric[name][position] = (losses[0] - losses[1]) / (2 * eps)
    return numeric


def torch_gradients(params, inputs, targets, h0) -> tuple[float, dict[str, np.ndarray]]:
    """The loss and its gradients by autograd, from ``torch.nn.RNN`` and ``torch.nn.Linear``
    holding the same weights (float64): the independent check of :func:`backward`. ``b`` goes
    into torch's ``bias_ih_l0`` and ``bias_hh_l0`` is 0, so both get the gradient of ``b``."""
    import torch

    vocab, hidden = params["W_g"].shape
    rnn = torch.nn.RNN(params["W_in"].shape[1], hidden, batch_first=True).double()
    readout = torch.nn.Linear(hidden, vocab).double()
    with torch.no_grad():
        for tensor, value in (
            (rnn.weight_ih_l0, params["W_in"]),
            (rnn.weight_hh_l0, params["W_hh"]),
            (rnn.bias_ih_l0, params["b"]),
            (rnn.bias_hh_l0, np.zeros_like(params["b"])),
            (readout.weight, params["W_g"]),
            (readout.bias, params["b_g"]),
        ):
            tensor.copy_(torch.from_numpy(np.asarray(value, dtype=np.float64)))
    start = torch.tensor(h0, dtype=torch.float64)[None].requires_grad_(True)
    inputs, targets = torch.as_tensor(inputs), torch.as_tensor(targets)
    x = torch.nn.functional.one_hot(inputs, params["W_in"].shape[1]).double()
    states, _ = rnn(x, start)
    scores = readout(states)  # (batch, T, V)
    loss = torch.nn.functional.cross_entropy(scores.reshape(-1, vocab), targets.reshape(-1))
    loss.backward()
    grads = {
        "W_in": rnn.weight_ih_l0.grad,
        "W_hh": rnn.weight_hh_l0.grad,
        "b": rnn.bias_ih_l0.grad,
        "W_g": readout.weight.grad,
        "b_g": readout.bias.grad,
        "h0": start.grad[0],
    }
    return loss.item(), {name: grad.numpy() for name, grad in grads.items()}


def relative_difference(ours, reference) -> float:
    """Largest absolute difference over the largest absolute reference entry (0 when both are
    zero)."""
    ours, reference = np.asarray(ours, dtype=float), np.asarray(reference, dtype=float)
    scale = np.abs(reference).max(initial=0.0)
    difference = np.abs(ours - reference).max(initial=0.0)
    return 0.0 if difference == 0 else float(difference / scale) if scale > 0 else float("inf")


def known_word_share(text: str, words: set[str]) -> float:
    """Share of the whitespace-separated words of ``text`` (punctuation at their ends removed)
    that are in ``words``; 0 when ``text`` has no word."""
    found = [word.strip(".,;:!?\"'()") for word in text.split()]
    found = [word for word in found if word]
    return sum(word in words for word in found) / len(found) if found else 0.0


def smoothed(values: Sequence[float], window: int) -> np.ndarray:
    """Running mean over the last ``window`` values (fewer at the start)."""
    values = np.asarray(values, dtype=float)
    window = positive_int("window", window)
    sums = np.cumsum(np.concatenate([[0.0], values]))
    starts = np.maximum(np.arange(1, len(values) + 1) - window, 0)
    return (sums[1:] - sums[starts]) / (np.arange(1, len(values) + 1) - starts)


# ----------------------------------------------------------------- sentences


def baseline_reading(loss: noise.Measured, gap: noise.Measured, what: str) -> str:
    """Where a loss stands against the unigram model's on the same characters, worded from the
    paired difference ``gap`` (loss minus unigram) and its standard error: under
    ``noise.NOISE_LEVEL`` standard errors it reads "within noise". ``what`` names the loss."""
    unigram = loss.value - gap.value
    head = f"{what}, {loss.value:.3f} nats per character,"
    if abs(gap.value) < noise.NOISE_LEVEL * gap.se or gap.value == 0:
        return (
            f"{head} is within noise of the unigram model's {unigram:.3f} on the same characters "
            f"({gap.value:+.3f} ± {gap.se:.3f}, under {noise.NOISE_LEVEL:g} standard errors)"
        )
    side = "below" if gap.value < 0 else "above"
    return (
        f"{head} is {abs(gap.value):.3f} ± {gap.se:.3f} {side} the unigram model's "
        f"{unigram:.3f} on the same characters (more than {noise.NOISE_LEVEL:g} standard errors)"
    )


def clipping_reading(clipped: Sequence[float], max_norm: float) -> str:
    """How many updates clipping changed, in words."""
    clipped = [bool(value) for value in clipped]
    count, steps = sum(clipped), len(clipped)
    if count == 0:
        return f"no gradient norm reached {max_norm:g}: clipping changed none of the {steps} steps"
    first = clipped.index(True) + 1
    last = steps - clipped[::-1].index(True)
    if count == 1:
        return f"clipping (norm {max_norm:g}) changed one step of {steps}, step {first}"
    return (
        f"clipping (norm {max_norm:g}) changed {count} steps of {steps} ({count / steps:.0%}), "
        f"the first at step {first} and the last at step {last}"
    )


def word_share_reading(shares: Mapping[int, float]) -> str:
    """How the share of real words in the samples moved from the first sample to the last."""
    if not shares:
        raise ValueError("shares is empty: sample at least once")
    (first_step, first), (last_step, last) = [*shares.items()][0], [*shares.items()][-1]
    if len(shares) == 1:
        return f"one sample, at step {first_step}: {first:.0%} of its words are in the text"
    if last == first:
        return (
            f"the share of sampled words found in the training text stayed at {first:.0%} from "
            f"step {first_step} to step {last_step}"
        )
    trend = "rose" if last > first else "fell"
    return (
        f"the share of sampled words found in the training text {trend} from {first:.0%} at "
        f"step {first_step} to {last:.0%} at step {last_step}"
    )


def code_span(text: str) -> str:
    """``text`` as a Markdown code span, shown as it is: its newlines written ``\\n``, fenced by
    more backticks than any run inside it (and padded when it starts or ends with one), so that
    a sampled ``$`` or ``*`` is never read as maths or emphasis; "(no text)" for ``""``."""
    if not text:
        return "(no text)"
    text = text.replace("\n", "\\n")
    runs = [len(run) for run in "".join(c if c == "`" else " " for c in text).split()]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"
