"""The vanilla RNN from scratch in NumPy: forward pass, Jacobians and BPTT.

The equations of the theory lessons (T1, T2, T3), one function each. The
notation is the book's (see the theory page):

- hidden-state update  h_t = tanh(W_hh h_{t-1} + W_in x_t + b),  h_0 = 0;
- output               g_t = W_g h_t (+ b_g);
- one-step Jacobian    dh_i/dh_{i-1} = diag(1 - h_i^2) W_hh;
- product over a lag   dh_t/dh_k = prod_{i=t..k+1} dh_i/dh_{i-1}  (leftmost factor i = t);
- BPTT                 dL/dW_hh = sum_t sum_{k<=t}
                                  [(dh_t/dh_k)^T dL^(t)/dh_t * (1 - h_k^2)] h_{k-1}^T.

Matrices act on column vectors as in the equations (W_hh has shape
(hidden, hidden), W_in has shape (hidden, input)); arrays of many vectors keep
the batch first, as ``torch.nn.RNN(batch_first=True)`` does, so a batch of
states is ``(batch, time, hidden)``. NumPy only: the frameworks are what this
module is checked against, never what it uses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import ClassVar

import numpy as np

from .base.checks import positive_int

__all__ = [
    "RNNLayerWeights",
    "init_rnn_weights",
    "weights_from_torch",
    "weights_from_keras",
    "rnn_cell_forward",
    "rnn_forward",
    "rnn_output",
    "step_jacobians",
    "jacobian_product",
    "jacobian_products_to",
    "jacobian_norms_by_lag",
    "squared_error_loss",
    "bptt_grad_W_hh",
    "bptt_grad_W_hh_by_lag",
    "bptt_grad_W_hh_by_step_and_lag",
    "truncated_bptt_lags",
    "truncated_bptt_grad_W_hh",
    "spectral_norm",
    "random_orthogonal",
    "scale_to_spectral_norm",
    "norm_bound_by_lag",
]


# --------------------------------------------------------------------------- weights


@dataclass
class _LayerWeights:
    """What the weights of an RNN, LSTM and GRU layer share: ``W_in`` and ``W_hh`` with ``gates``
    blocks of ``hidden`` rows stacked, biases (the fields named ``b...``) of that many rows, their
    shape check, and their sizes."""

    kind: ClassVar[str]
    gates: ClassVar[int]

    W_in: np.ndarray
    W_hh: np.ndarray

    @property
    def biases(self) -> list[str]:
        return [field.name for field in fields(self) if field.name.startswith("b")]

    def __post_init__(self):
        for name in ("W_in", "W_hh", *self.biases):
            setattr(self, name, np.asarray(getattr(self, name)))
        kind, gates, W_in, W_hh = self.kind, self.gates, self.W_in, self.W_hh
        rows, stacked = (
            ("hidden", "") if gates == 1 else (f"{gates} * hidden", f", the {gates} gates stacked")
        )
        if W_hh.ndim != 2 or W_hh.shape[0] != gates * W_hh.shape[1]:
            raise ValueError(
                f"{kind} W_hh must have shape ({rows}, hidden){stacked}, got {W_hh.shape}"
            )
        hidden = W_hh.shape[1]
        if W_in.ndim != 2 or W_in.shape[0] != gates * hidden:
            raise ValueError(
                f"{kind} W_in must have shape ({rows}, input) = ({gates * hidden}, input) "
                f"to match W_hh {W_hh.shape}, got {W_in.shape}"
            )
        for name in self.biases:
            bias = getattr(self, name)
            if bias.shape != (gates * hidden,):
                raise ValueError(
                    f"{kind} {name} must have shape ({rows},) = ({gates * hidden},) "
                    f"to match W_hh {W_hh.shape}, got {bias.shape}"
                )

    @property
    def hidden_size(self) -> int:
        return self.W_hh.shape[1]

    @property
    def input_size(self) -> int:
        return self.W_in.shape[1]


def _uniform_layers(
    input_size: int, hidden_size: int, num_layers: int, seed: int, gates: int, biases: int, dtype
) -> list[list[np.ndarray]]:
    """Per layer, ``W_in``, ``W_hh`` and ``biases`` bias vectors, every entry uniform in
    [-1/sqrt(hidden), 1/sqrt(hidden)] as torch draws them; layer 1 reads ``input_size`` features,
    the layers above the ``hidden_size`` states of the layer below."""
    input_size = positive_int("input_size", input_size)
    hidden_size = positive_int("hidden_size", hidden_size)
    num_layers = positive_int("num_layers", num_layers)
    rng = np.random.default_rng(seed)
    bound = 1 / np.sqrt(hidden_size)
    layers = []
    for layer in range(num_layers):
        n_in = input_size if layer == 0 else hidden_size
        shapes = [(gates * hidden_size, n_in), (gates * hidden_size, hidden_size)]
        shapes += [(gates * hidden_size,)] * biases
        layers.append([rng.uniform(-bound, bound, shape).astype(dtype) for shape in shapes])
    return layers


@dataclass
class RNNLayerWeights(_LayerWeights):
    """The weights of one RNN layer, in the book's notation.

    - ``W_in``: (hidden, input), the input weights (torch ``weight_ih_l{k}``,
      Keras ``kernel`` transposed);
    - ``W_hh``: (hidden, hidden), the recurrent weights (torch ``weight_hh_l{k}``,
      Keras ``recurrent_kernel`` transposed);
    - ``b``: (hidden,), one bias (torch ``bias_ih_l{k} + bias_hh_l{k}``, Keras ``bias``).
    """

    kind = "RNN"
    gates = 1
    b: np.ndarray


def init_rnn_weights(
    input_size: int, hidden_size: int, num_layers: int = 1, seed: int = 0, dtype=np.float64
) -> list[RNNLayerWeights]:
    """Random weights for a ``num_layers`` RNN, drawn as ``torch.nn.RNN`` draws them.

    Every entry is uniform in [-1/sqrt(hidden), 1/sqrt(hidden)]; layer 1 reads
    ``input_size`` features, the layers above read the ``hidden_size`` states of
    the layer below. Returns one :class:`RNNLayerWeights` per layer.
    """
    return [
        RNNLayerWeights(*arrays)
        for arrays in _uniform_layers(input_size, hidden_size, num_layers, seed, 1, 1, dtype)
    ]


def weights_from_torch(state_dict: Mapping[str, object], dtype=np.float64) -> list[RNNLayerWeights]:
    """The layers of a ``torch.nn.RNN`` (tanh, unidirectional) from its ``state_dict()``.

    Reads ``weight_ih_l{k}`` (hidden, input), ``weight_hh_l{k}`` (hidden, hidden)
    and, when present, ``bias_ih_l{k} + bias_hh_l{k}`` (torch keeps two biases;
    only their sum matters). Works on any mapping of array-likes, so this module
    needs no torch: pass ``rnn.state_dict()``.
    """
    if "weight_ih_l0" not in state_dict:
        raise ValueError(
            "state_dict has no 'weight_ih_l0': pass the state_dict() "
            f"of a torch.nn.RNN, got keys {sorted(state_dict)}"
        )
    if any(key.endswith("_reverse") for key in state_dict):
        raise ValueError(
            "state_dict is of a bidirectional RNN; only unidirectional RNNs are supported"
        )
    layers = []
    k = 0
    while f"weight_ih_l{k}" in state_dict:
        W_in = np.asarray(state_dict[f"weight_ih_l{k}"], dtype=dtype)
        W_hh = np.asarray(state_dict[f"weight_hh_l{k}"], dtype=dtype)
        b = np.zeros(W_hh.shape[0], dtype=dtype)
        for name in (f"bias_ih_l{k}", f"bias_hh_l{k}"):
            if name in state_dict:
                b = b + np.asarray(state_dict[name], dtype=dtype)
        layers.append(RNNLayerWeights(W_in, W_hh, b))
        k += 1
    return layers


def weights_from_keras(
    layer_weights: Sequence[Sequence[object]], dtype=np.float64
) -> list[RNNLayerWeights]:
    """The layers of stacked Keras ``SimpleRNN`` layers from their ``get_weights()``.

    ``layer_weights`` holds one ``[kernel, recurrent_kernel, bias]`` list per
    layer. Keras multiplies row vectors (x_t @ kernel), so its ``kernel`` of
    shape (input, hidden) is W_in transposed and its ``recurrent_kernel`` is
    W_hh transposed; a layer built with ``use_bias=False`` gives two arrays.
    """
    if len(layer_weights) == 0:
        raise ValueError(
            "layer_weights is empty: pass [layer.get_weights() for each SimpleRNN layer]"
        )
    layers = []
    for number, weights in enumerate(layer_weights, start=1):
        if len(weights) not in (2, 3):
            raise ValueError(
                f"layer_weights[{number - 1}] must be [kernel, recurrent_kernel, bias] "
                f"(SimpleRNN.get_weights()), got {len(weights)} arrays"
            )
        kernel = np.asarray(weights[0], dtype=dtype)
        recurrent = np.asarray(weights[1], dtype=dtype)
        bias = (
            np.asarray(weights[2], dtype=dtype)
            if len(weights) == 3
            else np.zeros(recurrent.shape[0], dtype)
        )
        layers.append(RNNLayerWeights(W_in=kernel.T, W_hh=recurrent.T, b=bias))
    return layers


# --------------------------------------------------------------------------- forward pass


def _check_step(x_t, h_prev, layer, what: str = "h_prev") -> tuple[np.ndarray, np.ndarray]:
    """One step's input (batch, input) and previous state (batch, hidden), checked against
    ``layer``."""
    x_t, h_prev = np.asarray(x_t), np.asarray(h_prev)
    if x_t.ndim != 2 or x_t.shape[1] != layer.input_size:
        raise ValueError(
            f"x_t must have shape (batch, input) = (batch, {layer.input_size}) to match W_in "
            f"{layer.W_in.shape}, got {x_t.shape}"
        )
    if h_prev.shape != (x_t.shape[0], layer.hidden_size):
        raise ValueError(
            f"{what} must have shape (batch, hidden) = ({x_t.shape[0]}, {layer.hidden_size}), "
            f"got {h_prev.shape}"
        )
    return x_t, h_prev


def _check_sequence(x, layers: list, weights_class: type) -> tuple[np.ndarray, int]:
    """The input (batch, T, input) of a stack of ``weights_class`` layers, checked with the
    layers; returns (x, hidden)."""
    name = weights_class.__name__
    if not layers:
        raise ValueError(
            f"layers is empty: give at least one {name} "
            f"(see init_{weights_class.kind.lower()}_weights)"
        )
    for number, layer in enumerate(layers):
        if not isinstance(layer, weights_class):
            raise ValueError(f"layers[{number}] must be a {name}, got {type(layer).__name__}")
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"x must have shape (batch, time, input), got {x.shape}")
    batch, T, n_in = x.shape
    if T == 0:
        raise ValueError(
            "x has a sequence of length 0 (time dimension x.shape[1] == 0): give at least one step"
        )
    if batch == 0:
        raise ValueError("x has a batch of 0 sequences (x.shape[0] == 0)")
    hidden = layers[0].hidden_size
    for number, layer in enumerate(layers):
        expected_in = n_in if number == 0 else hidden
        if layer.hidden_size != hidden:
            raise ValueError(
                f"layers[{number}] has hidden size {layer.hidden_size}, layers[0] has {hidden}"
            )
        if layer.input_size != expected_in:
            what = (
                f"x has {n_in} input features"
                if number == 0
                else f"the layer below has {hidden} hidden units"
            )
            raise ValueError(
                f"layers[{number}].W_in has shape {layer.W_in.shape} but {what}: "
                f"it must be ({layer.W_in.shape[0]}, {expected_in})"
            )
    return x, hidden


def _initial_state(value, name: str, shape: tuple[int, ...], dtype) -> np.ndarray:
    if value is None:
        return np.zeros(shape, dtype=dtype)
    value = np.asarray(value)
    if value.shape != shape:
        raise ValueError(
            f"{name} must have shape (layers, batch, hidden) = {shape}, got {value.shape}"
        )
    return value


def rnn_cell_forward(
    x_t: np.ndarray, h_prev: np.ndarray, W_in: np.ndarray, W_hh: np.ndarray, b: np.ndarray
) -> np.ndarray:
    r"""One step of the vanilla RNN cell: $h_t = \tanh(W_{hh} h_{t-1} + W_{in} x_t + b)$.

    Shapes: ``x_t`` (batch, input), ``h_prev`` (batch, hidden), ``W_in``
    (hidden, input), ``W_hh`` (hidden, hidden), ``b`` (hidden,). Returns h_t,
    (batch, hidden). With vectors in rows, W h becomes h @ W.T.
    """
    layer = RNNLayerWeights(W_in, W_hh, b)  # checks the weight shapes
    x_t, h_prev = _check_step(x_t, h_prev, layer)
    return np.tanh(h_prev @ layer.W_hh.T + x_t @ layer.W_in.T + layer.b)


def rnn_forward(
    x: np.ndarray, layers: Sequence[RNNLayerWeights], h0: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    r"""A whole sequence through a stack of RNN layers (batch first).

    For each layer $\ell$ and step t = 1..T:
    $h^{(\ell)}_t = \tanh(W^{(\ell)}_{hh} h^{(\ell)}_{t-1}
    + W^{(\ell)}_{in} h^{(\ell-1)}_t + b^{(\ell)})$
    with $h^{(0)}_t = x_t$ and $h^{(\ell)}_0$ = ``h0[l]`` (zeros by default).

    Shapes: ``x`` (batch, T, input); ``h0`` (layers, batch, hidden) or None.
    Returns ``(states, h_n)``: ``states`` (layers, batch, T, hidden) holds every
    hidden state of every layer (``states[-1]`` is what ``torch.nn.RNN`` calls
    its output), and ``h_n`` (layers, batch, hidden) the last step's states.
    """
    layers = list(layers)
    x, hidden = _check_sequence(x, layers, RNNLayerWeights)
    batch, T = x.shape[:2]
    h0 = _initial_state(h0, "h0", (len(layers), batch, hidden), np.result_type(x, layers[0].W_hh))
    states = np.empty((len(layers), batch, T, hidden), dtype=np.result_type(x, h0, layers[0].W_hh))
    below = x
    for number, layer in enumerate(layers):
        h = h0[number]
        for t in range(T):
            h = rnn_cell_forward(below[:, t], h, layer.W_in, layer.W_hh, layer.b)
            states[number, :, t] = h
        below = states[number]
    return states, states[:, :, -1].copy()


def rnn_output(states: np.ndarray, W_g: np.ndarray, b_g: np.ndarray | None = None) -> np.ndarray:
    r"""The output read from the hidden states: $g_t = W_g h_t$ (+ $b_g$ when given).

    ``states`` (..., hidden), for example (batch, T, hidden); ``W_g`` (output,
    hidden); ``b_g`` (output,). Returns (..., output).
    """
    states, W_g = np.asarray(states), np.asarray(W_g)
    if W_g.ndim != 2 or states.shape[-1] != W_g.shape[1]:
        raise ValueError(
            f"W_g must have shape (output, hidden) = (output, {states.shape[-1]}), got {W_g.shape}"
        )
    g = states @ W_g.T
    if b_g is not None:
        b_g = np.asarray(b_g)
        if b_g.shape != (W_g.shape[0],):
            raise ValueError(f"b_g must have shape (output,) = ({W_g.shape[0]},), got {b_g.shape}")
        g = g + b_g
    return g


# --------------------------------------------------------------------------- Jacobians


def _check_states(states: np.ndarray, W_hh: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    states, W_hh = np.asarray(states), np.asarray(W_hh)
    if W_hh.ndim != 2 or W_hh.shape[0] != W_hh.shape[1]:
        raise ValueError(f"W_hh must be a square (hidden, hidden) matrix, got shape {W_hh.shape}")
    if states.ndim < 2 or states.shape[-1] != W_hh.shape[0]:
        raise ValueError(
            f"states must have shape (..., T, hidden) = (..., T, {W_hh.shape[0]}) to match W_hh, "
            f"got {states.shape}"
        )
    if states.shape[-2] == 0:
        raise ValueError(
            "states holds a sequence of length 0 (states.shape[-2] == 0): give at least one step"
        )
    return states, W_hh


def step_jacobians(states: np.ndarray, W_hh: np.ndarray) -> np.ndarray:
    r"""Every one-step Jacobian $\partial h_i / \partial
    h_{i-1} = \mathrm{diag}(1 - h_i^2)\, W_{hh}$.

    ``states`` (..., T, hidden) holds h_1..h_T of one layer (for example one
    sequence, (T, hidden), or a batch, (batch, T, hidden)). Returns
    (..., T, hidden, hidden); entry ``[..., i - 1, :, :]`` is dh_i/dh_{i-1}.
    Row a of diag(d) W is d_a times row a of W, so no diagonal matrix is built.
    """
    states, W_hh = _check_states(states, W_hh)
    return (1 - states**2)[..., :, None] * W_hh


def _check_steps(t: int, k: int, T: int) -> tuple[int, int]:
    for name, value in (("t", t), ("k", k)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"{name} must be an integer time step, got {value!r}")
    if not 1 <= t <= T:
        raise ValueError(f"t must be a time step between 1 and T = {T}, got {t}")
    if not 0 <= k <= t:
        raise ValueError(f"k must be a time step between 0 and t = {t} (k <= t), got {k}")
    return int(t), int(k)


def jacobian_product(states: np.ndarray, W_hh: np.ndarray, t: int, k: int) -> np.ndarray:
    r"""$\partial h_t / \partial h_k = \prod_{i=t}^{k+1}
    \mathrm{diag}(1 - h_i^2) W_{hh}$ (identity when k = t).

    Time steps count from 1 as in the equations: ``states[..., t - 1, :]`` is
    h_t, and k = 0 is the initial state h_0. The factors are multiplied with
    the latest step on the left: J_t J_{t-1} ... J_{k+1}.
    ``states`` (..., T, hidden); returns (..., hidden, hidden).
    """
    states, W_hh = _check_states(states, W_hh)
    t, k = _check_steps(t, k, states.shape[-2])
    product = np.broadcast_to(
        np.eye(W_hh.shape[0], dtype=np.result_type(states, W_hh)), states.shape[:-2] + W_hh.shape
    ).copy()
    if t > k:
        jacobians = step_jacobians(states[..., k:t, :], W_hh)  # J_{k+1} .. J_t
        for i in range(t - k):
            product = jacobians[..., i, :, :] @ product  # J_{k+1+i} on the left
    return product


def jacobian_products_to(states: np.ndarray, W_hh: np.ndarray, t: int | None = None) -> np.ndarray:
    r"""All products $\partial h_t / \partial h_k$ for k = t, t-1, ..., 0, by lag t - k.

    Built right to left from h_t backwards, one factor per step:
    P(lag 0) = I, P(lag m) = P(lag m-1) J_{t-m+1}. ``states`` (..., T, hidden);
    ``t`` defaults to T. Returns (..., t + 1, hidden, hidden); entry
    ``[..., lag, :, :]`` is dh_t/dh_{t - lag}.
    """
    states, W_hh = _check_states(states, W_hh)
    T = states.shape[-2]
    t, _ = _check_steps(T if t is None else t, 0, T)
    jacobians = step_jacobians(states[..., :t, :], W_hh)  # J_1 .. J_t
    hidden = W_hh.shape[0]
    products = np.empty(states.shape[:-2] + (t + 1, hidden, hidden), dtype=jacobians.dtype)
    product = np.broadcast_to(
        np.eye(hidden, dtype=jacobians.dtype), states.shape[:-2] + (hidden, hidden)
    ).copy()
    products[..., 0, :, :] = product
    for lag in range(1, t + 1):
        product = product @ jacobians[..., t - lag, :, :]  # J_{t-lag+1}
        products[..., lag, :, :] = product
    return products


def jacobian_norms_by_lag(states: np.ndarray, W_hh: np.ndarray, t: int | None = None) -> np.ndarray:
    r"""Spectral norms $\lVert \partial h_t / \partial h_{t-\text{lag}} \rVert_2$ for lag = 0..t.

    The spectral norm (largest singular value) is the most that the product can
    stretch a gradient passed back over ``lag`` steps. ``states`` (..., T,
    hidden); returns (..., t + 1), entry ``[..., lag]``.
    """
    products = jacobian_products_to(states, W_hh, t)
    return np.linalg.norm(products, ord=2, axis=(-2, -1))


# --------------------------------------------------------------------------- BPTT


def squared_error_loss(
    states: np.ndarray, W_g: np.ndarray, targets: np.ndarray
) -> tuple[float, np.ndarray]:
    r"""$L = \sum_t L^{(t)}$ with $L^{(t)} = \tfrac12 \lVert W_g h_t
    - y_t \rVert^2$, and each $\partial L^{(t)} / \partial h_t$.

    ``states`` (batch, T, hidden), ``W_g`` (output, hidden), ``targets``
    (batch, T, output). The loss sums over the batch too. Returns
    ``(L, dL_dh)`` with ``dL_dh[:, t-1] = W_g^T (g_t - y_t)``, shape
    (batch, T, hidden): the gradient that reaches h_t *directly* from its own
    output, before anything is passed back through time.
    """
    states, targets = np.asarray(states), np.asarray(targets)
    g = rnn_output(states, W_g)
    if targets.shape != g.shape:
        raise ValueError(
            f"targets must have shape (batch, T, output) = {g.shape}, got {targets.shape}"
        )
    error = g - targets
    return float(0.5 * np.sum(error**2)), error @ np.asarray(W_g)


def _bptt_inputs(states, h0, dL_dh, W_hh):
    """The checked arguments of the BPTT sums, with h_0..h_{T-1} and tanh' at steps 1..T."""
    states, W_hh = _check_states(states, W_hh)
    if states.ndim != 3:
        raise ValueError(f"states must have shape (batch, T, hidden), got {states.shape}")
    batch, T, hidden = states.shape
    h0, dL_dh = np.asarray(h0), np.asarray(dL_dh)
    if h0.shape != (batch, hidden):
        raise ValueError(f"h0 must have shape (batch, hidden) = {(batch, hidden)}, got {h0.shape}")
    if dL_dh.shape != states.shape:
        raise ValueError(
            "dL_dh must have the shape of states, (batch, "
            f"T, hidden) = {states.shape}, got {dL_dh.shape}"
        )
    previous = np.concatenate([h0[:, None, :], states[:, :-1, :]], axis=1)  # h_0 .. h_{T-1}
    derivative = 1 - states**2  # tanh' at steps 1..T
    return states, W_hh, dL_dh, previous, derivative


def bptt_grad_W_hh_by_lag(
    states: np.ndarray, h0: np.ndarray, dL_dh: np.ndarray, W_hh: np.ndarray
) -> np.ndarray:
    r"""The terms of $\partial L / \partial W_{hh}$ grouped by their lag m = t - k.

    Entry ``[m]`` is $\sum_{t} \big[(\partial h_t / \partial h_{t-m})^{\top}
    \partial L^{(t)} / \partial h_t \odot (1 - h_{t-m}^2)\big]\, h_{t-m-1}^{\top}$: what
    the losses contribute to W_hh through its use m steps before them. Their sum
    over m is the full gradient (:func:`bptt_grad_W_hh`); the sum over m < n is
    the gradient of truncated BPTT over a sliding window of n steps (detaching
    every n steps keeps fewer terms: :func:`truncated_bptt_lags`). Same
    arguments as :func:`bptt_grad_W_hh`; returns (T, hidden, hidden).
    """
    states, W_hh, dL_dh, previous, derivative = _bptt_inputs(states, h0, dL_dh, W_hh)
    T, hidden = states.shape[1:]
    terms = np.zeros((T, hidden, hidden), dtype=np.result_type(states, W_hh, dL_dh))
    for t in range(1, T + 1):
        products = jacobian_products_to(states, W_hh, t)  # (batch, t + 1, H, H): dh_t/dh_{t-lag}
        for lag in range(t):
            k = t - lag
            # (dh_t/dh_k)^T dL^(t)/dh_t, one vector per sequence in the batch
            delta = np.einsum("bij,bi->bj", products[:, lag], dL_dh[:, t - 1])
            terms[lag] += (delta * derivative[:, k - 1]).T @ previous[:, k - 1]
    return terms


def bptt_grad_W_hh_by_step_and_lag(
    states: np.ndarray, h0: np.ndarray, dL_dh: np.ndarray, W_hh: np.ndarray
) -> np.ndarray:
    r"""Every term of $\partial L / \partial W_{hh}$, by the step t of its loss and its lag m.

    Entry ``[t - 1, m]`` is $\big[(\partial h_t / \partial h_{t-m})^{\top}
    \partial L^{(t)} / \partial h_t \odot (1 - h_{t-m}^2)\big]\, h_{t-m-1}^{\top}$,
    summed over the batch: what the loss at step t contributes to W_hh through
    its use at step k = t - m. Entries with m >= t (before step 1) are zero. The
    sum over t is :func:`bptt_grad_W_hh_by_lag`; keeping some (t, m) and not
    others is what the two kinds of truncated BPTT do
    (:func:`truncated_bptt_lags`). Same arguments as :func:`bptt_grad_W_hh`;
    returns (T, T, hidden, hidden).
    """
    states, W_hh, dL_dh, previous, derivative = _bptt_inputs(states, h0, dL_dh, W_hh)
    T, hidden = states.shape[1:]
    terms = np.zeros((T, T, hidden, hidden), dtype=np.result_type(states, W_hh, dL_dh))
    for t in range(1, T + 1):
        products = jacobian_products_to(states, W_hh, t)  # (batch, t + 1, H, H): dh_t/dh_{t-lag}
        # (dh_t/dh_k)^T dL^(t)/dh_t for every k = t - lag, one vector per sequence
        deltas = np.einsum("blij,bi->blj", products[:, :t], dL_dh[:, t - 1])
        for lag in range(t):
            k = t - lag
            terms[t - 1, lag] = (deltas[:, lag] * derivative[:, k - 1]).T @ previous[:, k - 1]
    return terms


def bptt_grad_W_hh(
    states: np.ndarray,
    h0: np.ndarray,
    dL_dh: np.ndarray,
    W_hh: np.ndarray,
    truncate: int | None = None,
) -> np.ndarray:
    r"""$\partial L / \partial W_{hh}$ of one RNN layer, assembled as the sum over earlier steps.

    $$\frac{\partial L}{\partial W_{hh}} = \sum_{t=1}^{T} \sum_{k=1}^{t}
      \Big[\big(\tfrac{\partial h_t}{\partial h_k}\big)^{\!\top}
      \tfrac{\partial L^{(t)}}{\partial h_t} \odot (1 - h_k^2)\Big]\, h_{k-1}^{\top}$$

    Step k's own use of W_hh contributes (1 - h_k^2) h_{k-1}^T; the loss at a
    later step t reaches it through the Jacobian product dh_t/dh_k. This is
    the textbook double sum, O(T^2) products, written out to be read; the
    backward pass of a framework gets the same number in O(T) by passing one
    vector back.

    - ``states`` (batch, T, hidden): h_1..h_T; ``h0`` (batch, hidden): h_0;
    - ``dL_dh`` (batch, T, hidden): dL^(t)/dh_t, the direct gradient of each
      step's loss (see :func:`squared_error_loss`);
    - ``truncate``: truncated BPTT over a sliding window, keep only the terms
      with t - k < truncate (None: the full sum); for the other kind, detaching
      every n steps, see :func:`truncated_bptt_grad_W_hh`.

    Returns (hidden, hidden), summed over the batch.
    """
    if truncate is not None:
        truncate = positive_int("truncate", truncate)
    terms = bptt_grad_W_hh_by_lag(states, h0, dL_dh, W_hh)
    return terms[:truncate].sum(axis=0)


TRUNCATIONS = ("window", "detach")


def truncated_bptt_lags(T: int, n: int, kind: str) -> np.ndarray:
    """Which terms of dL/dW_hh truncated BPTT with ``n`` steps keeps: (T, T) booleans.

    Entry ``[t - 1, m]`` is True when the loss at step t keeps its term of lag
    m = t - k (W_hh's use at step k). Two different methods go by the name:

    - ``"window"``: every loss looks back over a sliding window of ``n`` steps,
      lags m < n (the loss at step t is computed from h_{t-n}, detached);
    - ``"detach"``: the sequence is cut into chunks of ``n`` steps (1..n,
      n+1..2n, ...) and the hidden state is carried from chunk to chunk but
      detached at every boundary (``h = h.detach()``, as a language model
      trained on a long text does). The loss at step t reaches back only to
      the first step of its chunk: lags m <= (t - 1) mod n. Only the last
      step of a chunk keeps n lags; its first keeps one.

    Lags m >= t lie before step 1 and are never kept. With n >= T both kinds
    keep every term (the full gradient).
    """
    T = positive_int("T", T)
    n = positive_int("n", n)
    if kind not in TRUNCATIONS:
        raise ValueError(
            f"kind must be one of {TRUNCATIONS} ('window': lags below n for every loss; "
            f"'detach': the state detached every n steps), got {kind!r}"
        )
    t = np.arange(1, T + 1)[:, None]
    m = np.arange(T)[None, :]
    reach = np.minimum(n - 1, t - 1) if kind == "window" else (t - 1) % n
    return m <= reach


def truncated_bptt_grad_W_hh(
    states: np.ndarray,
    h0: np.ndarray,
    dL_dh: np.ndarray,
    W_hh: np.ndarray,
    n: int,
    kind: str,
) -> np.ndarray:
    """dL/dW_hh of truncated BPTT with ``n`` steps, of either kind (:func:`truncated_bptt_lags`).

    The sum of the terms of :func:`bptt_grad_W_hh_by_step_and_lag` that the
    truncation keeps. ``kind="window"`` gives ``bptt_grad_W_hh(..., truncate=n)``;
    ``kind="detach"`` what autograd gives when the state is detached every
    ``n`` steps. Same other arguments as :func:`bptt_grad_W_hh`; returns
    (hidden, hidden).
    """
    terms = bptt_grad_W_hh_by_step_and_lag(states, h0, dL_dh, W_hh)
    kept = truncated_bptt_lags(terms.shape[0], n, kind)
    return np.einsum("tm,tmij->ij", kept.astype(terms.dtype), terms)


# --------------------------------------------------------------------------- scaling W_hh


def spectral_norm(W: np.ndarray) -> float:
    """The largest singular value of a matrix, ||W||_2."""
    W = np.asarray(W)
    if W.ndim != 2 or W.size == 0:
        raise ValueError(f"W must be a non-empty matrix, got shape {W.shape}")
    return float(np.linalg.norm(W, ord=2))


def random_orthogonal(hidden_size: int, seed: int = 0) -> np.ndarray:
    """A random orthogonal (hidden, hidden) matrix: every singular value is exactly 1.

    Scaled by s it has every singular value (and every eigenvalue's modulus)
    equal to s, so s alone decides whether W_hh shrinks or stretches a
    vector: the cleanest W_hh on which to watch gradients vanish or explode.
    (The QR factor of a Gaussian matrix, signs fixed so that it is uniformly
    distributed.)
    """
    hidden_size = positive_int("hidden_size", hidden_size)
    rng = np.random.default_rng(seed)
    Q, R = np.linalg.qr(rng.normal(size=(hidden_size, hidden_size)))
    return Q * np.where(np.diag(R) < 0, -1.0, 1.0)


def scale_to_spectral_norm(W_hh: np.ndarray, scale: float) -> np.ndarray:
    r"""W_hh rescaled so that its largest singular value is
    ``scale``: $W_{hh} \cdot s / \lVert W_{hh} \rVert_2$.

    Since $\lVert \mathrm{diag}(1 - h^2) W_{hh} \rVert_2 \le \lVert W_{hh} \rVert_2$, the scale
    bounds the norm of every one-step Jacobian. Returns a new (hidden, hidden) array.
    """
    if isinstance(scale, bool) or not isinstance(scale, (int, float, np.integer, np.floating)):
        raise ValueError(f"scale must be a positive finite number, got {scale!r}")
    if not np.isfinite(scale) or scale <= 0:
        raise ValueError(f"scale must be a positive finite number, got {scale!r}")
    W_hh = np.asarray(W_hh)
    if W_hh.ndim != 2 or W_hh.shape[0] != W_hh.shape[1]:
        raise ValueError(f"W_hh must be a square (hidden, hidden) matrix, got shape {W_hh.shape}")
    current = spectral_norm(W_hh)
    if current == 0 or not np.isfinite(current):
        raise ValueError(
            f"W_hh must have a positive finite largest singular value to be rescaled, got {current}"
        )
    return W_hh * (float(scale) / current)


def norm_bound_by_lag(W_hh: np.ndarray, max_lag: int) -> np.ndarray:
    r"""The bound $\lVert \partial h_t / \partial h_{t-m} \rVert_2
    \le \lVert W_{hh} \rVert_2^{\,m}$ for m = 0..max_lag.

    Each factor diag(1 - h_i^2) W_hh has norm at most ||W_hh||_2 because
    |1 - h^2| <= 1, and the norm of a product is at most the product of the
    norms. Below 1 the product must shrink geometrically (vanishing); above 1
    it *may* grow (exploding), unless tanh saturation (small 1 - h^2) holds it
    down. Returns (max_lag + 1,).
    """
    if isinstance(max_lag, bool) or not isinstance(max_lag, (int, np.integer)) or max_lag < 0:
        raise ValueError(f"max_lag must be a non-negative integer, got {max_lag!r}")
    return spectral_norm(W_hh) ** np.arange(int(max_lag) + 1, dtype=np.float64)


# ------------------------------------------------------------------- gated cells (lesson 6)
#
# LSTM, gates stacked in PyTorch's (and Keras's) order input, forget, cell, output:
#   i_t = sigma(W_in^i x_t + W_hh^i h_{t-1} + b^i)    f_t = sigma(W_in^f x_t + W_hh^f h_{t-1} + b^f)
#   c~_t = tanh(W_in^c x_t + W_hh^c h_{t-1} + b^c)    o_t = sigma(W_in^o x_t + W_hh^o h_{t-1} + b^o)
#   c_t = f_t * c_{t-1} + i_t * c~_t                  h_t = o_t * tanh(c_t)
# GRU, the book's convention (PyTorch's, and Keras's reset_after=True), gates in the order
# reset, update, new:
#   r_t = sigma(W_in^r x_t + b_in^r + W_hh^r h_{t-1} + b_hh^r)
#   z_t = sigma(W_in^z x_t + b_in^z + W_hh^z h_{t-1} + b_hh^z)
#   n_t = tanh(W_in^n x_t + b_in^n + r_t * (W_hh^n h_{t-1} + b_hh^n))
#   h_t = (1 - z_t) * n_t + z_t * h_{t-1}
# Keras reset_after=False (Cho et al. 2014) resets the state before the product:
#   n_t = tanh(W_in^n x_t + W_hh^n (r_t * h_{t-1}) + b_in^n)      (no b_hh)

__all__ += [
    "LSTMLayerWeights",
    "GRULayerWeights",
    "init_lstm_weights",
    "init_gru_weights",
    "lstm_weights_from_torch",
    "gru_weights_from_torch",
    "lstm_weights_from_keras",
    "gru_weights_from_keras",
    "sigmoid",
    "lstm_cell_forward",
    "lstm_forward",
    "gru_cell_forward",
    "gru_forward",
]

LSTM_GATES = ("input", "forget", "cell", "output")
GRU_GATES = ("reset", "update", "new")


@dataclass
class LSTMLayerWeights(_LayerWeights):
    """The weights of one LSTM layer, its four gates stacked: input, forget, cell, output.

    - ``W_in``: (4 hidden, input) = [W_in^i; W_in^f; W_in^c; W_in^o] (torch ``weight_ih_l{k}``,
      Keras ``kernel`` transposed);
    - ``W_hh``: (4 hidden, hidden), the recurrent weights of the same gates (torch
      ``weight_hh_l{k}``, Keras ``recurrent_kernel`` transposed);
    - ``b``: (4 hidden,) (torch ``bias_ih_l{k} + bias_hh_l{k}``, Keras ``bias``).
    """

    kind = "LSTM"
    gates = 4
    b: np.ndarray


@dataclass
class GRULayerWeights(_LayerWeights):
    """The weights of one GRU layer, the three gates stacked in the order reset, update, new.

    - ``W_in``: (3 hidden, input) = [W_in^r; W_in^z; W_in^n] (torch ``weight_ih_l{k}``; Keras
      ``kernel`` transposed, its gates reordered from update, reset, new);
    - ``W_hh``: (3 hidden, hidden) (torch ``weight_hh_l{k}``, Keras ``recurrent_kernel``);
    - ``b_in``, ``b_hh``: (3 hidden,) each. The GRU needs both: b_hh^n sits inside the reset
      gate's product, so it is not interchangeable with b_in^n (torch ``bias_ih_l{k}`` and
      ``bias_hh_l{k}``; Keras ``bias[0]`` and ``bias[1]``);
    - ``reset_after``: True for the book's (PyTorch's, Keras's default) candidate
      n_t = tanh(W_in^n x_t + b_in^n + r_t * (W_hh^n h_{t-1} + b_hh^n)); False for Keras's
      ``reset_after=False``, n_t = tanh(W_in^n x_t + W_hh^n (r_t * h_{t-1}) + b_in^n), whose
      ``b_hh`` must be zero (that layer has one bias).
    """

    kind = "GRU"
    gates = 3
    b_in: np.ndarray
    b_hh: np.ndarray
    reset_after: bool = True

    def __post_init__(self):
        super().__post_init__()
        if not isinstance(self.reset_after, (bool, np.bool_)):
            raise ValueError(f"reset_after must be True or False, got {self.reset_after!r}")
        if not self.reset_after and np.any(self.b_hh != 0):
            raise ValueError(
                "b_hh must be zero with reset_after=False (that GRU has one bias, b_in); "
                "add b_hh to b_in for the reset and update gates, or use reset_after=True"
            )


def init_lstm_weights(
    input_size: int, hidden_size: int, num_layers: int = 1, seed: int = 0, dtype=np.float64
) -> list[LSTMLayerWeights]:
    """Random LSTM weights, each uniform in [-1/sqrt(hidden), 1/sqrt(hidden)] (as torch)."""
    return [
        LSTMLayerWeights(*arrays)
        for arrays in _uniform_layers(input_size, hidden_size, num_layers, seed, 4, 1, dtype)
    ]


def init_gru_weights(
    input_size: int,
    hidden_size: int,
    num_layers: int = 1,
    seed: int = 0,
    dtype=np.float64,
    reset_after: bool = True,
) -> list[GRULayerWeights]:
    """Random GRU weights, uniform in [-1/sqrt(hidden), 1/sqrt(hidden)].

    ``b_hh`` is zero with ``reset_after=False`` (that GRU has one bias).
    """
    layers = []
    for W_in, W_hh, b_in, b_hh in _uniform_layers(
        input_size, hidden_size, num_layers, seed, 3, 2, dtype
    ):
        layers.append(
            GRULayerWeights(
                W_in, W_hh, b_in, b_hh if reset_after else 0 * b_hh, reset_after=reset_after
            )
        )
    return layers


def _torch_layers(state_dict: Mapping[str, object], kind: str, dtype) -> list[list[np.ndarray]]:
    """``[W_in, W_hh, bias_ih, bias_hh]`` per layer of a torch recurrent module's state_dict."""
    if "weight_ih_l0" not in state_dict:
        raise ValueError(
            f"state_dict has no 'weight_ih_l0': pass the state_dict() of a torch.nn.{kind}, "
            f"got keys {sorted(state_dict)}"
        )
    if any(key.endswith("_reverse") for key in state_dict):
        raise ValueError(
            f"state_dict is of a bidirectional {kind}; only unidirectional layers are supported"
        )
    if any(key.startswith("weight_hr") for key in state_dict):
        raise ValueError(
            "state_dict is of an LSTM with proj_size > 0; only proj_size=0 is supported"
        )
    layers, k = [], 0
    while f"weight_ih_l{k}" in state_dict:
        W_in = np.asarray(state_dict[f"weight_ih_l{k}"], dtype=dtype)
        W_hh = np.asarray(state_dict[f"weight_hh_l{k}"], dtype=dtype)
        biases = [
            np.asarray(state_dict[name], dtype=dtype)
            if name in state_dict
            else np.zeros(W_hh.shape[0], dtype=dtype)
            for name in (f"bias_ih_l{k}", f"bias_hh_l{k}")
        ]
        layers.append([W_in, W_hh, *biases])
        k += 1
    return layers


def lstm_weights_from_torch(
    state_dict: Mapping[str, object], dtype=np.float64
) -> list[LSTMLayerWeights]:
    """The layers of a ``torch.nn.LSTM`` (unidirectional, no projection) from its ``state_dict()``.

    torch stacks the gates as input, forget, cell, output, the book's order, and keeps two
    biases whose sum is b.
    """
    return [
        LSTMLayerWeights(W_in, W_hh, b_ih + b_hh)
        for W_in, W_hh, b_ih, b_hh in _torch_layers(state_dict, "LSTM", dtype)
    ]


def gru_weights_from_torch(
    state_dict: Mapping[str, object], dtype=np.float64
) -> list[GRULayerWeights]:
    """The layers of a ``torch.nn.GRU`` (unidirectional) from its ``state_dict()``.

    torch stacks the gates as reset, update, new (the book's order) and computes the candidate
    with the reset gate applied after the product, the book's convention (``reset_after=True``).
    """
    return [
        GRULayerWeights(W_in, W_hh, b_ih, b_hh, reset_after=True)
        for W_in, W_hh, b_ih, b_hh in _torch_layers(state_dict, "GRU", dtype)
    ]


def _keras_arrays(layer_weights, kind: str, dtype) -> list[list[np.ndarray]]:
    if len(layer_weights) == 0:
        raise ValueError(
            f"layer_weights is empty: pass [layer.get_weights() for each {kind} layer]"
        )
    layers = []
    for number, weights in enumerate(layer_weights):
        if len(weights) not in (2, 3):
            raise ValueError(
                f"layer_weights[{number}] must be [kernel, recurrent_kernel, bias] "
                f"({kind}.get_weights()), got {len(weights)} arrays"
            )
        layers.append([np.asarray(w, dtype=dtype) for w in weights])
    return layers


def lstm_weights_from_keras(
    layer_weights: Sequence[Sequence[object]], dtype=np.float64
) -> list[LSTMLayerWeights]:
    """The layers of stacked Keras ``LSTM`` layers from their ``get_weights()``.

    Keras stacks the gates as torch does (input, forget, cell, output) along the columns of
    ``kernel`` (input, 4 hidden) and ``recurrent_kernel`` (hidden, 4 hidden): W_in and W_hh
    are their transposes. ``use_bias=False`` layers give two arrays.
    """
    layers = []
    for arrays in _keras_arrays(layer_weights, "LSTM", dtype):
        kernel, recurrent = arrays[0], arrays[1]
        bias = arrays[2] if len(arrays) == 3 else np.zeros(recurrent.shape[1], dtype=dtype)
        layers.append(LSTMLayerWeights(kernel.T, recurrent.T, bias))
    return layers


def _keras_gru_order(array: np.ndarray) -> np.ndarray:
    """Rows stacked (update, reset, new) as Keras keeps them, restacked (reset, update, new)."""
    update, reset, new = np.split(array, 3, axis=0)
    return np.concatenate([reset, update, new], axis=0)


def gru_weights_from_keras(
    layer_weights: Sequence[Sequence[object]], reset_after: bool | None = None, dtype=np.float64
) -> list[GRULayerWeights]:
    """The layers of stacked Keras ``GRU`` layers from their ``get_weights()``.

    Keras stacks the gates as update, reset, new (torch: reset, update, new) along the columns
    of ``kernel`` (input, 3 hidden) and ``recurrent_kernel`` (hidden, 3 hidden); they are
    transposed and reordered here. With ``reset_after=True`` (Keras's default) ``bias`` has
    shape (2, 3 hidden): the input bias, then the recurrent bias; with ``reset_after=False``
    it is one (3 hidden,) vector. ``reset_after`` is read from the bias's shape; give it for
    layers built with ``use_bias=False``.
    """
    layers = []
    for number, arrays in enumerate(_keras_arrays(layer_weights, "GRU", dtype)):
        kernel, recurrent = arrays[0], arrays[1]
        zeros = np.zeros(recurrent.shape[1], dtype=dtype)
        if len(arrays) == 3:
            bias = arrays[2]
            found = bias.ndim == 2
            if reset_after is not None and reset_after != found:
                raise ValueError(
                    f"layer_weights[{number}] has a bias of shape {bias.shape}, which is a "
                    f"reset_after={found} GRU, but reset_after={reset_after} was given"
                )
            b_in, b_hh = (bias[0], bias[1]) if found else (bias, zeros)
            layer_reset_after = found
        elif reset_after is None:
            raise ValueError(
                f"layer_weights[{number}] has no bias (use_bias=False): give reset_after=True "
                "or False as the layer was built"
            )
        else:
            b_in, b_hh, layer_reset_after = zeros, zeros, reset_after
        layers.append(
            GRULayerWeights(
                _keras_gru_order(kernel.T),
                _keras_gru_order(recurrent.T),
                _keras_gru_order(b_in),
                _keras_gru_order(b_hh),
                reset_after=bool(layer_reset_after),
            )
        )
    return layers


def sigmoid(a: np.ndarray) -> np.ndarray:
    r"""The logistic function $\sigma(a) = 1 / (1 + e^{-a})$, without overflow for large |a|."""
    a = np.asarray(a)
    return np.where(
        a >= 0, 1 / (1 + np.exp(-np.abs(a))), np.exp(-np.abs(a)) / (1 + np.exp(-np.abs(a)))
    )


def lstm_cell_forward(
    x_t: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray, layer: LSTMLayerWeights
) -> tuple[np.ndarray, np.ndarray]:
    r"""One LSTM step: returns $(h_t, c_t)$.

    $$i_t = \sigma(W^i_{in} x_t + W^i_{hh} h_{t-1} + b^i),\quad
      f_t = \sigma(W^f_{in} x_t + W^f_{hh} h_{t-1} + b^f),\quad
      o_t = \sigma(W^o_{in} x_t + W^o_{hh} h_{t-1} + b^o),$$
    $$\tilde c_t = \tanh(W^c_{in} x_t + W^c_{hh} h_{t-1} + b^c),\quad
      c_t = f_t \odot c_{t-1} + i_t \odot \tilde c_t,\quad h_t = o_t \odot \tanh(c_t).$$

    Shapes: ``x_t`` (batch, input), ``h_prev`` and ``c_prev`` (batch, hidden); returns two
    (batch, hidden) arrays. One product per weight matrix computes all four gates at once.
    """
    if not isinstance(layer, LSTMLayerWeights):
        raise ValueError(
            f"layer must be an LSTMLayerWeights (see init_lstm_weights), got {type(layer).__name__}"
        )
    x_t, h_prev = _check_step(x_t, h_prev, layer)
    _, c_prev = _check_step(x_t, c_prev, layer, "c_prev")
    a = x_t @ layer.W_in.T + h_prev @ layer.W_hh.T + layer.b  # (batch, 4 hidden)
    a_i, a_f, a_c, a_o = np.split(a, 4, axis=1)
    c_t = sigmoid(a_f) * c_prev + sigmoid(a_i) * np.tanh(a_c)
    return sigmoid(a_o) * np.tanh(c_t), c_t


def gru_cell_forward(x_t: np.ndarray, h_prev: np.ndarray, layer: GRULayerWeights) -> np.ndarray:
    r"""One GRU step: returns $h_t$.

    $$r_t = \sigma(W^r_{in} x_t + b^r_{in} + W^r_{hh} h_{t-1} + b^r_{hh}),\quad
      z_t = \sigma(W^z_{in} x_t + b^z_{in} + W^z_{hh} h_{t-1} + b^z_{hh}),$$
    $$n_t = \tanh(W^n_{in} x_t + b^n_{in} + r_t \odot (W^n_{hh} h_{t-1} + b^n_{hh})),\quad
      h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}.$$

    With ``layer.reset_after`` False (Keras's other convention) the candidate is
    $n_t = \tanh(W^n_{in} x_t + W^n_{hh} (r_t \odot h_{t-1}) + b^n_{in})$.
    Shapes: ``x_t`` (batch, input), ``h_prev`` (batch, hidden); returns (batch, hidden).
    """
    if not isinstance(layer, GRULayerWeights):
        raise ValueError(
            f"layer must be a GRULayerWeights (see init_gru_weights), got {type(layer).__name__}"
        )
    x_t, h_prev = _check_step(x_t, h_prev, layer)
    hidden = layer.hidden_size
    from_x = x_t @ layer.W_in.T + layer.b_in  # (batch, 3 hidden)
    from_h = h_prev @ layer.W_hh[: 2 * hidden].T + layer.b_hh[: 2 * hidden]
    r_t = sigmoid(from_x[:, :hidden] + from_h[:, :hidden])
    z_t = sigmoid(from_x[:, hidden : 2 * hidden] + from_h[:, hidden:])
    W_hn = layer.W_hh[2 * hidden :]
    if layer.reset_after:
        recurrent = r_t * (h_prev @ W_hn.T + layer.b_hh[2 * hidden :])
    else:
        recurrent = (r_t * h_prev) @ W_hn.T
    n_t = np.tanh(from_x[:, 2 * hidden :] + recurrent)
    return (1 - z_t) * n_t + z_t * h_prev


def lstm_forward(
    x: np.ndarray,
    layers: Sequence[LSTMLayerWeights],
    h0: np.ndarray | None = None,
    c0: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""A whole sequence through a stack of LSTM layers (batch first).

    :func:`lstm_cell_forward` at each step.

    Layer $\ell$ reads the hidden states $h^{(\ell-1)}_t$ of the layer below ($h^{(0)}_t = x_t$).
    ``x`` (batch, T, input); ``h0``, ``c0`` (layers, batch, hidden) or None (zeros). Returns
    ``(states, h_n, c_n)``: ``states`` (layers, batch, T, hidden) every h_t of every layer
    (``states[-1]`` is torch's ``output``), ``h_n`` and ``c_n`` (layers, batch, hidden).
    """
    layers = list(layers)
    x, hidden = _check_sequence(x, layers, LSTMLayerWeights)
    dtype = np.result_type(x, layers[0].W_hh)
    shape = (len(layers), x.shape[0], hidden)
    h0, c0 = _initial_state(h0, "h0", shape, dtype), _initial_state(c0, "c0", shape, dtype)
    states = np.empty(
        (len(layers), x.shape[0], x.shape[1], hidden), dtype=np.result_type(dtype, h0, c0)
    )
    c_n = np.empty(shape, dtype=states.dtype)
    below = x
    for number, layer in enumerate(layers):
        h, c = h0[number], c0[number]
        for t in range(x.shape[1]):
            h, c = lstm_cell_forward(below[:, t], h, c, layer)
            states[number, :, t] = h
        c_n[number] = c
        below = states[number]
    return states, states[:, :, -1].copy(), c_n


def gru_forward(
    x: np.ndarray, layers: Sequence[GRULayerWeights], h0: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    r"""A whole sequence through a stack of GRU layers (batch first).

    :func:`gru_cell_forward` at each step.

    ``x`` (batch, T, input); ``h0`` (layers, batch, hidden) or None (zeros). Returns
    ``(states, h_n)``: ``states`` (layers, batch, T, hidden), ``h_n`` (layers, batch, hidden).
    """
    layers = list(layers)
    x, hidden = _check_sequence(x, layers, GRULayerWeights)
    dtype = np.result_type(x, layers[0].W_hh)
    h0 = _initial_state(h0, "h0", (len(layers), x.shape[0], hidden), dtype)
    states = np.empty(
        (len(layers), x.shape[0], x.shape[1], hidden), dtype=np.result_type(dtype, h0)
    )
    below = x
    for number, layer in enumerate(layers):
        h = h0[number]
        for t in range(x.shape[1]):
            h = gru_cell_forward(below[:, t], h, layer)
            states[number, :, t] = h
        below = states[number]
    return states, states[:, :, -1].copy()
