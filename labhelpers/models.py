"""Every PyTorch model of the lessons, with the choices they share.

- :class:`LastStepRNN`: a recurrent layer read at its last step, then a linear layer
  (lessons 1, 5, 10).
- :class:`ReviewRNN`: embedding, recurrent layer, last state, one output unit
  (lab record 000; lessons 7, 9).
- :class:`PooledReviewRNN`: the strong review classifier, masked or packed padding, pooling over
  time (lesson 13).
- :class:`ActivationLSTM` and :class:`LastStepActivationLSTM`: an LSTM with a choosable activation
  (lesson 11).
- :class:`CharRNN`: a character-level language model that carries its state (lesson 12).

``CELLS`` maps ``"rnn"``, ``"gru"``, ``"lstm"`` to the torch layers every model accepts.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from .base.checks import one_of, positive_int, positive_ints
from .data.text import review_lengths

CELLS = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


def _recurrent_layer(
    cell: str, input_size: int, hidden_size: int, num_layers: int = 1
) -> nn.Module:
    """The batch-first torch layer of ``cell``, its sizes and name checked."""
    positive_ints(input_size=input_size, hidden_size=hidden_size, num_layers=num_layers)
    one_of("cell", cell, sorted(CELLS))
    return CELLS[cell](input_size, hidden_size, num_layers=num_layers, batch_first=True)


def _pretrained(weights: np.ndarray | torch.Tensor, vocab_size: int, embedding_dim: int):
    """``embedding_weights`` as a float32 tensor, checked to be (vocab_size, embedding_dim)."""
    weights = torch.as_tensor(np.asarray(weights), dtype=torch.float32)
    if tuple(weights.shape) != (vocab_size, embedding_dim):
        raise ValueError(
            f"embedding_weights must have shape (vocab_size, embedding_dim) = "
            f"({vocab_size}, {embedding_dim}), got {tuple(weights.shape)}"
        )
    return weights


class LastStepRNN(nn.Module):
    """A recurrent layer read at its last time step, then a linear layer.

    h_t = tanh(W_hh h_{t-1} + W_in x_t + b)  (for ``cell="rnn"``; torch stores W_in as
    ``weight_ih_l0`` and b as ``bias_ih_l0 + bias_hh_l0``), output g = W_g h_T + b_g.

    Input shape (batch, seq_len, input_size); output shape (batch, output_size).
    The hidden state starts at zeros for every batch.

    ``bidirectional=True`` adds a second layer that reads the window from its last
    step to its first; the output layer reads the forward state at the last step
    and the backward state at the first step (each has then read the whole
    window), concatenated: ``2 * hidden_size`` features. Lesson 11 uses it as a
    forecaster: the window holds only the past, so reading it both ways uses no
    value after the forecast origin.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        output_size: int,
        num_layers: int = 1,
        cell: str = "rnn",
        bidirectional: bool = False,
    ):
        super().__init__()
        positive_int("output_size", output_size)
        if bidirectional:
            positive_ints(input_size=input_size, hidden_size=hidden_size, num_layers=num_layers)
            one_of("cell", cell, sorted(CELLS))
            self.rnn = CELLS[cell](
                input_size, hidden_size, num_layers=num_layers, batch_first=True, bidirectional=True
            )
        else:
            # nn.RNN for cell="rnn" (nn.GRU, nn.LSTM), batch first: x is (batch, seq_len, input)
            self.rnn = _recurrent_layer(cell, input_size, hidden_size, num_layers)
        self.bidirectional = bidirectional
        self.out = nn.Linear(hidden_size * (2 if bidirectional else 1), output_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        states, _ = self.rnn(x)  # (batch, seq_len, hidden_size): every h_t
        if self.bidirectional:  # forward half at the last step, backward half at the first
            hidden = states.shape[2] // 2
            return self.out(torch.cat([states[:, -1, :hidden], states[:, 0, hidden:]], dim=1))
        return self.out(states[:, -1])  # read only h_T


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


State = torch.Tensor | tuple[torch.Tensor, torch.Tensor] | None


class CharRNN(nn.Module):
    """Embedding -> recurrent layer -> Linear: next-character scores at every step.

    For ``cell="rnn"``: e_t = E[x_t], h_t = tanh(W_hh h_{t-1} + W_in e_t + b),
    logits_t = W_g h_t + b_g (scores for the character that follows x_t).

    ``forward(x, state)`` takes indices of shape (batch, seq_len) and an
    optional state (``None`` means zeros; for an LSTM a pair (h, c), each of
    shape (num_layers, batch, hidden_size)); it returns logits of shape
    (batch, seq_len, vocab_size) and the final state, to pass to the next call.
    """

    def __init__(
        self,
        vocab_size: int,
        hidden_size: int,
        cell: str = "rnn",
        embedding_dim: int | None = None,
        num_layers: int = 1,
    ):
        super().__init__()
        embedding_dim = hidden_size if embedding_dim is None else embedding_dim
        positive_ints(vocab_size=vocab_size, hidden_size=hidden_size, embedding_dim=embedding_dim)
        one_of("cell", cell, sorted(CELLS))
        self.cell = cell
        self.embedding = nn.Embedding(vocab_size, embedding_dim)  # created in this order: the
        self.rnn = self._layer(cell, embedding_dim, hidden_size, num_layers)  # seed gives the
        directions = 2 if self.rnn.bidirectional else 1  # same weights in either class
        self.out = nn.Linear(directions * hidden_size, vocab_size)

    @staticmethod
    def _layer(cell: str, embedding_dim: int, hidden_size: int, num_layers: int) -> nn.Module:
        return _recurrent_layer(cell, embedding_dim, hidden_size, num_layers)

    def forward(self, x: torch.Tensor, state: State = None) -> tuple[torch.Tensor, State]:
        states, state = self.rnn(self.embedding(x), state)  # states: (batch, seq_len, hidden_size)
        return self.out(states), state


class BidirectionalCharRNN(CharRNN):
    """Embedding -> bidirectional recurrent layer -> Linear(2 hidden, vocab): per-step scores.

    The forward direction's state at step t reads x_1..x_t, the backward direction's
    x_t..x_T, so the scores at step t read the whole chunk, x_{t+1} included: the very
    character they are trained to predict. A teacher-forced loss lets the model copy it
    (the leak lesson 12 measures). Each call reads its chunk alone: both directions start
    at zeros, and ``forward(x)`` returns ``(logits, None)``, so
    :func:`labhelpers.training.run_bptt_epoch` carries no state between chunks and
    :func:`labhelpers.lessons.char_rnn.generate_text` re-reads the whole text at every step.
    Shapes as :class:`CharRNN`.
    """

    def __init__(
        self, vocab_size: int, hidden_size: int, cell: str = "rnn", embedding_dim: int | None = None
    ):
        super().__init__(vocab_size, hidden_size, cell, embedding_dim)

    @staticmethod
    def _layer(cell: str, embedding_dim: int, hidden_size: int, num_layers: int) -> nn.Module:
        return CELLS[cell](embedding_dim, hidden_size, batch_first=True, bidirectional=True)

    def forward(self, x: torch.Tensor, state=None) -> tuple[torch.Tensor, None]:
        if state is not None:
            raise ValueError(
                "a bidirectional model reads each chunk from zeros: its backward direction "
                "has no state to carry from the text before"
            )
        states, _ = self.rnn(self.embedding(x))  # (batch, seq_len, 2 * hidden_size)
        return self.out(states), None


def detach_state(state: State) -> State:
    """The same state cut from the autograd graph: gradients stop here (truncated BPTT)."""
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(part.detach() for part in state)
    return state.detach()


class ReviewRNN(nn.Module):
    """Embedding -> recurrent layer -> its last hidden state -> Linear(hidden, 1) [-> Sigmoid].

    e_t = E[x_t];  h_t = tanh(W_hh h_{t-1} + W_in e_t + b)  (``cell="rnn"``);
    z = w_g . h_T + b_g;  output z (``sigmoid=False``) or sigmoid(z).

    Input: ids of shape (batch, seq_len), int64. Output: shape (batch,), one
    logit or probability per review. ``embedding_weights`` (vocab_size,
    embedding_dim) starts the embedding from pre-trained vectors;
    ``freeze_embedding`` keeps them fixed during training. ``padding_idx``
    (for example 0) makes that id's row all zeros and keeps it out of training,
    random or pre-trained, frozen or not, so every variant reads padding alike;
    None (the default, and record 000's model) leaves the row an ordinary word's.
    """

    def __init__(
        self,
        vocab_size: int,
        embedding_dim: int,
        hidden_size: int,
        *,
        cell: str = "rnn",
        sigmoid: bool = False,
        embedding_weights: np.ndarray | torch.Tensor | None = None,
        freeze_embedding: bool = False,
        padding_idx: int | None = None,
    ):
        super().__init__()
        positive_ints(vocab_size=vocab_size, embedding_dim=embedding_dim, hidden_size=hidden_size)
        one_of("cell", cell, sorted(CELLS))
        if padding_idx is not None and not (
            isinstance(padding_idx, int) and 0 <= padding_idx < vocab_size
        ):
            raise ValueError(
                f"padding_idx must be None or an id in [0, {vocab_size}), got {padding_idx!r}"
            )
        if embedding_weights is not None:
            weights = _pretrained(embedding_weights, vocab_size, embedding_dim).clone()
            if padding_idx is not None:
                weights[padding_idx] = 0.0
            self.embedding = nn.Embedding.from_pretrained(
                weights, freeze=freeze_embedding, padding_idx=padding_idx
            )
        else:
            if freeze_embedding:
                raise ValueError(
                    "freeze_embedding=True needs embedding_weights: freezing a random embedding "
                    "would leave it random"
                )
            self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=padding_idx)
        # nn.RNN for cell="rnn" (nn.GRU, nn.LSTM), batch first: it reads (batch, seq_len, embedding)
        self.rnn = _recurrent_layer(cell, embedding_dim, hidden_size)
        self.out = nn.Linear(hidden_size, 1)
        self.sigmoid = sigmoid

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        states, _ = self.rnn(self.embedding(ids))  # (batch, seq_len, hidden): every h_t
        z = self.out(states[:, -1]).squeeze(-1)  # read only the last one, h_T
        return torch.sigmoid(z) if self.sigmoid else z


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
        positive_ints(input_size=input_size, hidden_size=hidden_size)
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
            raise ValueError(
                f"x must have shape (batch, seq_len, {self.input_size}), got {tuple(x.shape)}"
            )
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

    def __init__(
        self, input_size: int, hidden_size: int, output_size: int, activation: str = "relu"
    ):
        super().__init__()
        positive_int("output_size", output_size)
        self.rnn = ActivationLSTM(input_size, hidden_size, activation)
        self.out = nn.Linear(hidden_size, output_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        states, _ = self.rnn(x)
        return self.out(states[:, -1])


POOLINGS = ("last", "max", "mean", "max+mean")


PADDINGS = ("masked", "packed")


def reverse_within_length(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Reverse each row's first ``lengths[i]`` steps,
    leave its padding where it is (batch-first)."""
    steps = torch.arange(x.shape[1], device=x.device)
    index = torch.where(steps < lengths[:, None], lengths[:, None] - 1 - steps, steps)
    if x.ndim == 3:
        index = index.unsqueeze(-1).expand(-1, -1, x.shape[2])
    return x.gather(1, index)


class PooledReviewRNN(nn.Module):
    """Embedding -> recurrent layers (one or both directions)
    -> pooling over time -> Linear(., 1), one logit.

    Input: ids of shape (batch, seq_len) padded at the end with 0; the
    lengths are the counts of non-zero ids. Output: shape (batch,), a logit.

    - ``cell``: ``"rnn"`` (tanh), ``"gru"`` or ``"lstm"``; ``layers`` stacked.
    - ``padding="masked"``: every layer runs over the padded batch, but
      padding comes after the words, so no padded step reaches a real one; the
      backward direction reads each review reversed within its length, and
      pooling ignores the padded positions. ``"packed"``: packed sequences
      (padded steps are never computed; slower on a CPU, see the lesson).
    - ``pooling``: ``"last"`` reads h at each review's last word (and, backward,
      at its first); ``"max"`` / ``"mean"`` over every word's hidden state;
      ``"max+mean"`` both, concatenated.
    - ``dropout``: on the embeddings, between layers and before the output layer.
    - ``embedding_weights``: start the embedding from word vectors (fine-tuned).
    """

    def __init__(
        self,
        vocab_size: int,
        embedding_dim: int,
        hidden_size: int,
        *,
        layers: int = 1,
        bidirectional: bool = True,
        pooling: str = "max",
        padding: str = "masked",
        dropout: float = 0.0,
        embedding_weights: np.ndarray | torch.Tensor | None = None,
        cell: str = "rnn",
    ):
        super().__init__()
        positive_ints(
            vocab_size=vocab_size,
            embedding_dim=embedding_dim,
            hidden_size=hidden_size,
            layers=layers,
        )
        one_of("cell", cell, sorted(CELLS))
        one_of("pooling", pooling, POOLINGS)
        one_of("padding", padding, PADDINGS)
        if not 0 <= dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=0)
        if embedding_weights is not None:
            with torch.no_grad():
                self.embedding.weight.copy_(
                    _pretrained(embedding_weights, vocab_size, embedding_dim)
                )
        self.directions = 2 if bidirectional else 1
        self.cell, self.pooling, self.padding = cell, pooling, padding
        rnn = CELLS[cell]
        if padding == "packed":
            self.rnn = rnn(
                embedding_dim,
                hidden_size,
                num_layers=layers,
                batch_first=True,
                bidirectional=bidirectional,
                dropout=dropout if layers > 1 else 0.0,
            )
        else:  # one unidirectional module per layer and direction
            width = hidden_size * self.directions
            self.layers = nn.ModuleList(
                nn.ModuleList(
                    rnn(embedding_dim if i == 0 else width, hidden_size, batch_first=True)
                    for _ in range(self.directions)
                )
                for i in range(layers)
            )
        self.dropout = nn.Dropout(dropout)
        features = hidden_size * self.directions * (2 if pooling == "max+mean" else 1)
        self.out = nn.Linear(features, 1)

    def _states_masked(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        for i, layer in enumerate(self.layers):
            if i > 0:
                x = self.dropout(x)
            outputs = [layer[0](x)[0]]
            if self.directions == 2:
                backward, _ = layer[1](reverse_within_length(x, lengths))
                outputs.append(reverse_within_length(backward, lengths))
            x = torch.cat(outputs, dim=2) if len(outputs) == 2 else outputs[0]
        return x

    def _states_packed(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        states, _ = self.rnn(packed)
        states, _ = pad_packed_sequence(states, batch_first=True, total_length=x.shape[1])
        return states

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        lengths = review_lengths(ids)
        x = self.dropout(self.embedding(ids))
        states = (self._states_masked if self.padding == "masked" else self._states_packed)(
            x, lengths
        )
        mask = (torch.arange(ids.shape[1], device=ids.device) < lengths[:, None]).unsqueeze(-1)
        if self.pooling == "last":
            hidden = states.shape[2] // self.directions
            last = states[torch.arange(len(ids), device=ids.device), lengths - 1, :hidden]
            features = (
                torch.cat([last, states[:, 0, hidden:]], dim=1) if self.directions == 2 else last
            )
        else:
            pooled = []
            if self.pooling in ("max", "max+mean"):
                pooled.append(states.masked_fill(~mask, float("-inf")).amax(dim=1))
            if self.pooling in ("mean", "max+mean"):
                pooled.append((states * mask).sum(dim=1) / lengths[:, None])
            features = torch.cat(pooled, dim=1)
        return self.out(self.dropout(features)).squeeze(-1)
