"""Small recurrent models shared by the lessons."""

from __future__ import annotations

import torch
from torch import nn

from .checks import positive_int

CELLS = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


class LastStepRNN(nn.Module):
    """A recurrent layer read at its last time step, then a linear layer.

    h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)  (for ``cell="rnn"``),
    output = W_out h_T + b_out.

    Input shape (batch, seq_len, input_size); output shape (batch, output_size).
    The hidden state starts at zeros for every batch.
    """

    def __init__(self, input_size: int, hidden_size: int, output_size: int,
                 num_layers: int = 1, cell: str = "rnn"):
        super().__init__()
        for name, value in (("input_size", input_size), ("hidden_size", hidden_size),
                            ("output_size", output_size), ("num_layers", num_layers)):
            positive_int(name, value)
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
        self.rnn = CELLS[cell](input_size, hidden_size, num_layers=num_layers, batch_first=True)
        self.out = nn.Linear(hidden_size, output_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        states, _ = self.rnn(x)          # (batch, seq_len, hidden_size): every h_t
        return self.out(states[:, -1])   # read only h_T


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
