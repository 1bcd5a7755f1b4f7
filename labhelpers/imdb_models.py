"""PyTorch pieces of the IMDB lessons: the review classifier, the record's accuracy line, saliency by position.

The classifier is lab record 000's model: an embedding layer, a recurrent
layer read at its last time step, and one output unit, either a probability
(Sigmoid, for ``nn.BCELoss``, as the record has it) or a logit (for the
numerically stable ``nn.BCEWithLogitsLoss``).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .checks import one_of, positive_int
from .models import CELLS


class ReviewRNN(nn.Module):
    """Embedding -> recurrent layer -> its last hidden state -> Linear(hidden, 1) [-> Sigmoid].

    e_t = E[x_t];  h_t = tanh(W_ih e_t + b_ih + W_hh h_{t-1} + b_hh)  (``cell="rnn"``);
    z = w_out . h_T + b_out;  output z (``sigmoid=False``) or sigmoid(z).

    Input: ids of shape (batch, seq_len), int64. Output: shape (batch,), one
    logit or probability per review. ``embedding_weights`` (vocab_size,
    embedding_dim) starts the embedding from pre-trained vectors;
    ``freeze_embedding`` keeps them fixed during training.
    """

    def __init__(self, vocab_size: int, embedding_dim: int, hidden_size: int, *, cell: str = "rnn",
                 sigmoid: bool = False, embedding_weights: np.ndarray | torch.Tensor | None = None,
                 freeze_embedding: bool = False):
        super().__init__()
        for name, value in (("vocab_size", vocab_size), ("embedding_dim", embedding_dim),
                            ("hidden_size", hidden_size)):
            positive_int(name, value)
        one_of("cell", cell, sorted(CELLS))
        if embedding_weights is not None:
            weights = torch.as_tensor(np.asarray(embedding_weights), dtype=torch.float32)
            if tuple(weights.shape) != (vocab_size, embedding_dim):
                raise ValueError(f"embedding_weights must have shape (vocab_size, embedding_dim) = "
                                 f"({vocab_size}, {embedding_dim}), got {tuple(weights.shape)}")
            self.embedding = nn.Embedding.from_pretrained(weights.clone(), freeze=freeze_embedding)
        else:
            if freeze_embedding:
                raise ValueError("freeze_embedding=True needs embedding_weights: freezing a random embedding "
                                 "would leave it random")
            self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.rnn = CELLS[cell](embedding_dim, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, 1)
        self.sigmoid = sigmoid

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        states, _ = self.rnn(self.embedding(ids))  # (batch, seq_len, hidden): every h_t
        z = self.out(states[:, -1]).squeeze(-1)     # read only the last one, h_T
        return torch.sigmoid(z) if self.sigmoid else z


def probability_accuracy(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Correct predictions in a batch of probabilities (predicted positive when > 0.5)."""
    return ((output.reshape(-1) > 0.5).long() == target.reshape(-1).long()).sum()


def record_accuracy_line(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """The record's accuracy line, parenthesis misplaced: predictions compared with ``y_batch.sum()``.

    ``(predicted == y_batch.sum()).sum()`` counts the predictions (0 or 1) that
    equal the number of positive reviews in the batch, which is almost never 0
    or 1, so the "accuracy" is close to zero whatever the model does. The right
    line is ``(predicted == y_batch).sum()`` (:func:`probability_accuracy`).
    """
    predicted = (output.reshape(-1) > 0.5).float()
    y_batch = target.reshape(-1).float()
    return (predicted == y_batch.sum()).sum()


def saliency_by_position(model: ReviewRNN, ids: torch.Tensor, batch_size: int = 256) -> np.ndarray:
    """How much the output moves with the word at each position: mean over reviews of ||dz/de_t||.

    ``ids`` has shape (n, seq_len); returns shape (seq_len,). z is the output
    before any Sigmoid; e_t the embedding of the word at position t. A
    last-state RNN whose values fall towards position 0 cannot use the start
    of a review (the gradient vanishes across the steps between).
    """
    model.eval()
    device = next(model.parameters()).device
    total = torch.zeros(ids.shape[1], dtype=torch.float64)
    with torch.backends.cudnn.flags(enabled=False):  # cuDNN RNNs give no input gradients in eval mode
        for start in range(0, len(ids), batch_size):
            batch = ids[start:start + batch_size].to(device)
            embedded = model.embedding(batch).detach().requires_grad_(True)
            states, _ = model.rnn(embedded)
            z = model.out(states[:, -1]).sum()
            (grad,) = torch.autograd.grad(z, embedded)
            total += grad.norm(dim=2).sum(dim=0).double().cpu()
    return (total / len(ids)).numpy()
