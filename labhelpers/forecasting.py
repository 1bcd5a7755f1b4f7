"""PyTorch pieces of the forecasting lesson (E4).

- :class:`ActivationLSTM`: an LSTM whose cell activation can be chosen, as in
  Keras' ``LSTM(units, activation="relu")`` (lab record 003); ``nn.LSTM`` always
  uses tanh.
- :class:`LastStepActivationLSTM`: that LSTM read at its last step, then a
  linear layer (the record's ``LSTM(50, activation="relu")`` + ``Dense(1)``).
- :func:`next_value_predictor`: wraps a trained one-step model as the NumPy
  function that :func:`labhelpers.data.series.recursive_forecast` calls.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch
from torch import nn

from .checks import positive_int

ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "tanh": torch.tanh,
    "relu": torch.relu,
    "linear": lambda x: x,
}


class ActivationLSTM(nn.Module):
    """A one-layer LSTM with a chosen cell activation phi (tanh, relu or linear).

    With sigma the logistic sigmoid, for each step t (gate order i, f, g, o as
    in ``nn.LSTM``, whose weight layout this module shares):

        i_t = sigma(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)
        f_t = sigma(W_if x_t + b_if + W_hf h_{t-1} + b_hf)
        g_t = phi  (W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)
        o_t = sigma(W_io x_t + b_io + W_ho h_{t-1} + b_ho)
        c_t = f_t * c_{t-1} + i_t * g_t
        h_t = o_t * phi(c_t)

    ``activation="tanh"`` is exactly ``nn.LSTM``; ``"relu"`` is Keras'
    ``LSTM(activation="relu")``. Input (batch, seq_len, input_size); returns
    every h_t, shape (batch, seq_len, hidden_size), and the final ``(h_T, c_T)``.
    h_0 = c_0 = 0. The loop over time runs in Python: fine for short windows.
    """

    def __init__(self, input_size: int, hidden_size: int, activation: str = "relu"):
        super().__init__()
        for name, value in (("input_size", input_size), ("hidden_size", hidden_size)):
            positive_int(name, value)
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        self.input_size, self.hidden_size, self.activation = input_size, hidden_size, activation
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size))
        bound = 1 / math.sqrt(hidden_size)  # nn.LSTM's initialisation
        for weight in self.parameters():
            nn.init.uniform_(weight, -bound, bound)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        if x.ndim != 3 or x.shape[2] != self.input_size:
            raise ValueError(f"x must have shape (batch, seq_len, {self.input_size}), got {tuple(x.shape)}")
        phi = ACTIVATIONS[self.activation]
        h = x.new_zeros(x.shape[0], self.hidden_size)
        c = x.new_zeros(x.shape[0], self.hidden_size)
        inputs = x @ self.weight_ih.T + self.bias_ih + self.bias_hh  # all steps at once
        states = []
        for t in range(x.shape[1]):
            i, f, g, o = (inputs[:, t] + h @ self.weight_hh.T).chunk(4, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * phi(g)
            h = torch.sigmoid(o) * phi(c)
            states.append(h)
        return torch.stack(states, dim=1), (h, c)


class LastStepActivationLSTM(nn.Module):
    """:class:`ActivationLSTM` read at its last step, then ``nn.Linear(hidden_size, output_size)``.

    Input (batch, seq_len, input_size); output (batch, output_size).
    """

    def __init__(self, input_size: int, hidden_size: int, output_size: int, activation: str = "relu"):
        super().__init__()
        positive_int("output_size", output_size)
        self.rnn = ActivationLSTM(input_size, hidden_size, activation)
        self.out = nn.Linear(hidden_size, output_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        states, _ = self.rnn(x)
        return self.out(states[:, -1])


def next_value_predictor(model: nn.Module, device: torch.device | str | None = None,
                         batch_size: int = 4096) -> Callable[[np.ndarray], np.ndarray]:
    """A NumPy function windows (pairs, window, 1) -> next values (pairs, 1) from a one-step model.

    The model runs in evaluation mode without gradients, ``batch_size`` windows
    at a time.
    """
    device = torch.device(device) if device is not None else next(model.parameters()).device

    def predict_next(windows: np.ndarray) -> np.ndarray:
        model.eval()
        outputs = []
        with torch.no_grad():
            for start in range(0, len(windows), batch_size):
                chunk = torch.as_tensor(np.asarray(windows[start:start + batch_size], dtype=np.float32), device=device)
                outputs.append(model(chunk)[:, :1].cpu().numpy())
        return np.concatenate(outputs).astype(np.float64)

    return predict_next
