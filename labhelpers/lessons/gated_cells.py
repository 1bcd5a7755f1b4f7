"""Lessons 5 and 6: gated cells started remembering, and how far back their gradient reaches.

:func:`open_gates` starts an LSTM or a GRU remembering (its gates' biases opened): lesson 5
trains such cells on its long-range task, lesson 6 measures their gradients. The rest serves
lesson 6: how far back the loss at the last step reaches in an RNN, an LSTM and a GRU.

The model is :class:`labhelpers.models.LastStepRNN` (one recurrent layer read at
its last step, then a linear layer). :func:`gradient_norms_by_lag` runs it
one step at a time so that autograd keeps the gradient of the loss with respect
to every state (in float64 when asked: a float32 gradient that falls below
1e-45 becomes 0); :func:`share_at_lag` and :func:`compared_with_rnn` turn
those norms into the share of the gradient that reaches a lag, with its
standard error, and into words.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import torch
from torch import nn

from .. import noise
from ..models import LastStepRNN


def open_gates(model: LastStepRNN, value: float) -> None:
    """Start a gated cell remembering: its gates' biases set so that sigma(value) keeps the state.

    LSTM: forget gate bias ``value`` and input gate bias ``-value``; GRU: update
    gate bias ``value`` (h_t = (1 - z_t) n_t + z_t h_{t-1}, so z_t near 1 keeps
    h_{t-1}). torch stacks the biases in chunks of hidden_size, LSTM (input,
    forget, cell, output) and GRU (reset, update, new), and keeps two per gate
    (``bias_ih``, ``bias_hh``) whose sum acts: the first gets the value, the
    second zero. A vanilla RNN is left as it is.
    """
    if not isinstance(model, LastStepRNN):
        raise ValueError(
            f"model must be a labhelpers.models.LastStepRNN, got {type(model).__name__}"
        )
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"value must be a finite number, got {value!r}")
    size = model.rnn.hidden_size
    if isinstance(model.rnn, nn.LSTM):
        chunks = {1: value, 0: -value}
    elif isinstance(model.rnn, nn.GRU):
        chunks = {1: value}
    else:
        return
    with torch.no_grad():
        for layer in range(model.rnn.num_layers):
            for chunk, bias in chunks.items():
                getattr(model.rnn, f"bias_ih_l{layer}")[chunk * size : (chunk + 1) * size] = bias
                getattr(model.rnn, f"bias_hh_l{layer}")[chunk * size : (chunk + 1) * size] = 0.0


def _state_tensors(state) -> tuple[torch.Tensor, ...]:
    return state if isinstance(state, tuple) else (state,)


def gradient_norms_by_lag(
    model: LastStepRNN, X: torch.Tensor, y: torch.Tensor, dtype: torch.dtype | None = None
) -> np.ndarray:
    r"""$\lVert \partial L / \partial s_{T-\mathrm{lag}} \rVert$ for every sequence and lag = 0..T.

    $L$ is the cross-entropy of the model's last-step output $g_T = W_g h_T + b_g$
    against the labels ``y``, summed over the batch, so that the gradient with
    respect to one sequence's states comes from that sequence's loss alone. The
    state $s_k$ is $h_k$ for an RNN and a GRU, and $(h_k, c_k)$ for an LSTM (the
    norm of both together): everything that step $k$ passes on to step $k+1$.
    $s_0$ is the initial state (zeros).

    ``X`` (batch, T, input), ``y`` (batch,) class indices; the model must have
    one layer. Returns (batch, T + 1) float64, entry ``[b, lag]``. The model's
    own weights are used, stepped once per time step, and left unchanged.
    With ``dtype`` (e.g. ``torch.float64``) a copy of the model in that type
    computes the gradients, so that norms far below float32's smallest number
    (about 1e-45) are measured instead of becoming 0.
    """
    if not isinstance(model, LastStepRNN):
        raise ValueError(
            f"model must be a labhelpers.models.LastStepRNN, got {type(model).__name__}"
        )
    if model.rnn.num_layers != 1:
        raise ValueError(
            f"model must have one recurrent layer (num_layers=1), got {model.rnn.num_layers}"
        )
    if X.ndim != 3 or X.shape[1] == 0:
        raise ValueError(f"X must have shape (batch, T, input) with T >= 1, got {tuple(X.shape)}")
    if y.shape != (X.shape[0],):
        raise ValueError(
            f"y must hold one class index per sequence, shape ({X.shape[0]},), got {tuple(y.shape)}"
        )
    if dtype is not None:
        model = copy.deepcopy(model).to(dtype)
    parameter = next(model.parameters())
    X = X.to(device=parameter.device, dtype=parameter.dtype)
    zeros = torch.zeros(1, X.shape[0], model.rnn.hidden_size, dtype=X.dtype, device=X.device)
    state = (zeros, zeros.clone()) if isinstance(model.rnn, nn.LSTM) else zeros
    states = []
    was_training = model.training
    model.eval()
    try:
        with torch.enable_grad():
            for tensor in _state_tensors(state):
                tensor.requires_grad_(True)
            states.append(state)
            for t in range(X.shape[1]):
                _, state = model.rnn(X[:, t : t + 1], state)
                for tensor in _state_tensors(state):
                    tensor.retain_grad()
                states.append(state)
            logits = model.out(_state_tensors(state)[0][0])  # h_T, as the model reads it
            loss = nn.functional.cross_entropy(logits, y.to(X.device), reduction="sum")
            model.zero_grad(set_to_none=True)
            loss.backward()
    finally:
        model.zero_grad(set_to_none=True)
        model.train(was_training)
    norms = np.empty((X.shape[0], X.shape[1] + 1))
    for k, step_state in enumerate(states):
        # c_T reaches no loss: autograd leaves its gradient empty, which is zero
        gradient = torch.cat(
            [
                torch.zeros_like(tensor[0]) if tensor.grad is None else tensor.grad[0]
                for tensor in _state_tensors(step_state)
            ],
            dim=1,
        )
        norms[:, X.shape[1] - k] = gradient.norm(dim=1).detach().cpu().double().numpy()
    return norms


def share_at_lag(norms: np.ndarray, lag: int) -> tuple[noise.Measured, int]:
    r"""The share of the gradient left at ``lag``, as a mean of $\log_{10}$ over sequences.

    ``norms`` is :func:`gradient_norms_by_lag`'s (batch, T + 1) array. For each
    sequence the share is ``norms[b, lag] / norms[b, 0]``; the result is the
    mean of its $\log_{10}$ (the $\log_{10}$ of the geometric mean) with the
    standard error of that mean over the sequences, and the number of
    sequences left out because a norm was exactly 0 (underflow: no logarithm).
    Nothing is floored.
    """
    norms = np.asarray(norms, dtype=float)
    if norms.ndim != 2 or not 0 <= lag < norms.shape[1]:
        raise ValueError(
            f"norms must be (batch, T + 1) and lag in 0..T, got shape {norms.shape} and lag {lag}"
        )
    positive = (norms[:, lag] > 0) & (norms[:, 0] > 0)
    zeros = int(np.sum(~positive))
    logs = np.log10(norms[positive, lag]) - np.log10(norms[positive, 0])
    if len(logs) == 0:
        raise ValueError(
            f"every sequence's gradient norm at lag {lag} or 0 is 0: nothing to measure"
        )
    source = f"s.e. of the mean log10 over {len(logs)} sequences"
    if len(logs) == 1:
        return noise.Measured(float(logs[0]), 0.0, source), zeros
    return noise.Measured(
        float(logs.mean()), float(logs.std(ddof=1) / math.sqrt(len(logs))), source
    ), zeros


def _times(log10_factor: float) -> str:
    factor = 10.0**log10_factor
    return f"{factor:.3g}" if factor < 1000 else f"{factor:.1e}"


def compared_with_rnn(name: str, gated: noise.Measured, plain: noise.Measured) -> str:
    """A gated cell's share at the key against the vanilla RNN's, both as :func:`share_at_lag`
    gives them (log10), in words worded by ``labhelpers.noise.verdict``."""
    d, se = noise.difference(gated, plain)
    side = noise.verdict(gated, plain)
    span = f"{d:+.2f} ± {se:.2f} in log10"
    if side == "within noise":
        return f"the {name}'s share is within noise of the RNN's ({span})"
    if side == "above":
        return f"the {name} kept {_times(d)} times the RNN's share ({span})"
    return f"the {name} kept 1/{_times(-d)} of the RNN's share ({span})"


def plot_gradients_beside_lesson_4(
    lesson4_norms, lesson4_bounds, gradients, seq_len: int, hidden: int, distance: int
):
    """The lesson's gradient figure: lesson 5's vanilla-RNN norms and bounds by lag (first
    panel), then one panel per moment of ``gradients`` (moment -> {cell name: norm by lag}),
    each with a dotted line at the key's lag ``distance``. Returns the figure."""
    import matplotlib.pyplot as plt

    from ..plots import plot_norms_by_lag

    fig, axes = plt.subplots(2, 2, figsize=(13, 9))
    title = f"Lesson 5: vanilla RNN, T = {seq_len}, hidden {hidden}"
    plot_norms_by_lag(lesson4_norms, lesson4_bounds, title, ylim=(1e-20, 1e12), ax=axes[0, 0])
    ylabel = r"$\|\partial L/\partial s_{T-\mathrm{lag}}\|$ (log scale)"
    for ax, moment in zip(axes.flat[1:], gradients):
        title = f"{moment}: RNN, LSTM, GRU (hidden {hidden})"
        plot_norms_by_lag(gradients[moment], title=title, ylabel=ylabel, ax=ax)
        ax.axvline(distance, color="grey", linestyle=":", linewidth=1)
    fig.tight_layout()
    return fig
