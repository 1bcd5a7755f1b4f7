"""Lesson 5 only: lab record 000's accuracy line, kept
to show its defect, and saliency by word position.

The record's model is :class:`labhelpers.models.ReviewRNN`.
"""

from __future__ import annotations

import numpy as np
import torch

from ..models import ReviewRNN


def record_accuracy_line(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """The record's accuracy line, parenthesis misplaced, made to run:
    predictions compared with ``y_batch.sum()``.

    The record writes ``(predicted == y_batch.sum()).item()``, which raises a
    ``RuntimeError`` on any batch of more than one review (lesson 5 runs it).
    This is the variant that runs: ``(predicted == y_batch.sum()).sum()`` counts
    the predictions (0 or 1) that equal the number of positive reviews in the
    batch, which is almost never 0 or 1, so the "accuracy" is close to zero
    whatever the model does. The right line is ``(predicted == y_batch).sum()``
    (:func:`probability_accuracy`).
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
    # cuDNN RNNs give no input gradients in eval mode
    with torch.backends.cudnn.flags(enabled=False):
        for start in range(0, len(ids), batch_size):
            batch = ids[start : start + batch_size].to(device)
            embedded = model.embedding(batch).detach().requires_grad_(True)
            states, _ = model.rnn(embedded)
            z = model.out(states[:, -1]).sum()
            (grad,) = torch.autograd.grad(z, embedded)
            total += grad.norm(dim=2).sum(dim=0).double().cpu()
    return (total / len(ids)).numpy()
