"""Character-level language models in PyTorch (E5): the model, training with
truncated backpropagation through time, perplexity, and sampling with a
temperature.

Batches come from :class:`labhelpers.data.chars.BPTTBatches`; text goes in and
out through :class:`labhelpers.data.chars.CharCodec`.
"""

from __future__ import annotations

import math
import numbers
import time
from typing import Iterable, Union

import numpy as np
import torch
from torch import nn

from .checks import positive_int
from .report import epoch_line
from .training import History

CELLS = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}
State = Union[torch.Tensor, tuple[torch.Tensor, torch.Tensor], None]


class CharRNN(nn.Module):
    """Embedding -> recurrent layer -> Linear: next-character scores at every step.

    For ``cell="rnn"``: e_t = E[x_t], h_t = tanh(W_ih e_t + b_ih + W_hh h_{t-1} + b_hh),
    logits_t = W_out h_t + b_out (scores for the character that follows x_t).

    ``forward(x, state)`` takes indices of shape (batch, seq_len) and an
    optional state (``None`` means zeros; for an LSTM a pair (h, c), each of
    shape (num_layers, batch, hidden_size)); it returns logits of shape
    (batch, seq_len, vocab_size) and the final state, to pass to the next call.
    """

    def __init__(self, vocab_size: int, hidden_size: int, cell: str = "rnn",
                 embedding_dim: int | None = None, num_layers: int = 1):
        super().__init__()
        embedding_dim = hidden_size if embedding_dim is None else embedding_dim
        for name, value in (("vocab_size", vocab_size), ("hidden_size", hidden_size),
                            ("embedding_dim", embedding_dim), ("num_layers", num_layers)):
            positive_int(name, value)
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
        self.cell = cell
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.rnn = CELLS[cell](embedding_dim, hidden_size, num_layers=num_layers, batch_first=True)
        self.out = nn.Linear(hidden_size, vocab_size)

    def forward(self, x: torch.Tensor, state: State = None) -> tuple[torch.Tensor, State]:
        states, state = self.rnn(self.embedding(x), state)  # states: (batch, seq_len, hidden_size)
        return self.out(states), state


def detach_state(state: State) -> State:
    """The same state cut from the autograd graph: gradients stop here (truncated BPTT)."""
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(part.detach() for part in state)
    return state.detach()


def perplexity(mean_cross_entropy: float) -> float:
    """Perplexity = exp(mean cross-entropy per character, in nats).

    A model that spreads its probability evenly over V characters scores V.
    """
    return float(math.exp(mean_cross_entropy))


def run_bptt_epoch(model: CharRNN, batches: Iterable, device: torch.device | str,
                   optimizer: torch.optim.Optimizer | None = None,
                   clip_grad_norm: float | None = None) -> float:
    """One pass over truncated-BPTT batches; trains when an optimizer is given.

    The hidden state starts at zeros, is carried from each batch to the next
    and detached in between, so gradients flow back at most one batch
    (``seq_len`` steps). Returns the mean cross-entropy per character (nats).
    """
    training = optimizer is not None
    model.train(training)
    loss_fn = nn.CrossEntropyLoss(reduction="sum")
    total, count, state = torch.zeros((), device=device), 0, None
    with torch.set_grad_enabled(training):
        for inputs, targets in batches:
            inputs = torch.as_tensor(inputs, device=device)
            targets = torch.as_tensor(targets, device=device)
            logits, state = model(inputs, detach_state(state))
            loss = loss_fn(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
            if training:
                optimizer.zero_grad(set_to_none=True)
                (loss / targets.numel()).backward()
                if clip_grad_norm is not None:
                    nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
                optimizer.step()
            total += loss.detach()
            count += targets.numel()
    if count == 0:
        raise ValueError("the batches were empty: check the corpus and batch sizes")
    return total.item() / count


def fit_char_model(model: CharRNN, optimizer: torch.optim.Optimizer, train_batches: Iterable,
                   val_batches: Iterable | None = None, *, epochs: int,
                   device: torch.device | str | None = None, clip_grad_norm: float | None = 1.0,
                   log_every: int = 1) -> History:
    """Train with :func:`run_bptt_epoch` for ``epochs`` epochs.

    Returns a :class:`labhelpers.training.History` with ``loss``, ``perplexity``
    (and ``val_loss``, ``val_perplexity`` with validation batches) and
    ``seconds`` per epoch; prints one line every ``log_every`` epochs.
    """
    positive_int("epochs", epochs)
    device = torch.device(device) if device is not None else next(model.parameters()).device
    model.to(device)
    history = History(loss=[], perplexity=[], seconds=[])
    if val_batches is not None:
        history.update(val_loss=[], val_perplexity=[])
    for epoch in range(1, epochs + 1):
        started = time.perf_counter()
        loss = run_bptt_epoch(model, train_batches, device, optimizer, clip_grad_norm)
        history["loss"].append(loss)
        history["perplexity"].append(perplexity(loss))
        if val_batches is not None:
            val_loss = run_bptt_epoch(model, val_batches, device)
            history["val_loss"].append(val_loss)
            history["val_perplexity"].append(perplexity(val_loss))
        history["seconds"].append(time.perf_counter() - started)
        if epoch % log_every == 0 or epoch == epochs:
            shown = {key: history[key][-1] for key in ("loss", "perplexity", "val_loss", "val_perplexity")
                     if key in history}
            print(epoch_line(epoch, epochs, shown, history["seconds"][-1]))
    return history


def temperature_softmax(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """p_i = exp(z_i / T) / sum_j exp(z_j / T) over the last dimension.

    T < 1 sharpens the distribution (lower entropy, towards the argmax),
    T > 1 flattens it (towards uniform); T = 1 is the model's own softmax.
    """
    if isinstance(temperature, bool) or not isinstance(temperature, numbers.Real) or not temperature > 0 \
            or not math.isfinite(temperature):
        raise ValueError(f"temperature must be a positive number, got {temperature!r}")
    return torch.softmax(logits / temperature, dim=-1)


def entropy(probabilities: torch.Tensor) -> torch.Tensor:
    """Shannon entropy H = -sum_i p_i log p_i (nats) over the last dimension (0 log 0 = 0)."""
    return -(torch.special.xlogy(probabilities, probabilities)).sum(dim=-1)


def _generator(seed: int | torch.Generator | None) -> torch.Generator:
    if isinstance(seed, torch.Generator):
        return seed
    generator = torch.Generator()
    if seed is None:
        generator.seed()
    elif isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer or a torch.Generator, got {seed!r}")
    else:
        generator.manual_seed(int(seed))
    return generator


def sample_next(logits: torch.Tensor, temperature: float = 1.0,
                seed: int | torch.Generator | None = None) -> torch.Tensor:
    """Draw one index per row from softmax(logits / temperature).

    ``logits`` of shape (vocab,) or (batch, vocab); returns shape () or
    (batch,). The draw uses its own CPU generator (``seed``), so the same seed
    gives the same draw whatever else used the global random state.
    """
    probabilities = temperature_softmax(logits.detach().float().cpu(), temperature)
    flat = probabilities.reshape(-1, probabilities.shape[-1])
    drawn = torch.multinomial(flat, 1, generator=_generator(seed))[:, 0]
    return drawn.reshape(probabilities.shape[:-1])


def generate_text(model: CharRNN, codec, prompt: str, length: int, temperature: float = 1.0,
                  seed: int | torch.Generator | None = 0) -> str:
    """Continue ``prompt`` by ``length`` characters, sampling one at a time.

    The prompt is read to set the hidden state; then each sampled character is
    fed back as the next input. ``codec`` is a
    :class:`labhelpers.data.chars.CharCodec`. Returns prompt + continuation.
    """
    positive_int("length", length)
    if not prompt:
        raise ValueError("prompt must hold at least one character to start from")
    temperature_softmax(torch.zeros(1), temperature)  # check the temperature before any work
    generator = _generator(seed)
    device = next(model.parameters()).device
    model.eval()
    drawn = []
    with torch.no_grad():
        inputs = torch.as_tensor(codec.encode(prompt), device=device)[None, :]
        logits, state = model(inputs)
        for _ in range(length):
            index = sample_next(logits[0, -1], temperature, generator)
            drawn.append(int(index))
            logits, state = model(index.reshape(1, 1).to(device), state)
    return prompt + codec.decode(drawn)
