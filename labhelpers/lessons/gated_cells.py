"""Lesson 12 only: how far back the loss at the last step reaches in an RNN, an LSTM and a GRU.

The model is :class:`labhelpers.models.LastStepRNN` (one recurrent layer read at
its last step, then a linear layer). :func:`gradient_norms_by_lag` runs it
one step at a time so that autograd keeps the gradient of the loss with respect
to every state; :func:`open_gates` starts a gated cell remembering.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..models import LastStepRNN


def _state_tensors(state) -> tuple[torch.Tensor, ...]:
    return state if isinstance(state, tuple) else (state,)


def gradient_norms_by_lag(model: LastStepRNN, X: torch.Tensor, y: torch.Tensor) -> np.ndarray:
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
