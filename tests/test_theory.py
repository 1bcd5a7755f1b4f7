"""The NumPy RNN of labhelpers.theory against torch.nn.RNN, Keras SimpleRNN and autograd."""

import math
import sys

import numpy as np
import pytest
import torch
from torch.autograd.functional import jacobian

from labhelpers.theory import (
    RNNLayerWeights,
    bptt_grad_W_hh,
    bptt_grad_W_hh_by_lag,
    init_rnn_weights,
    jacobian_norms_by_lag,
    jacobian_product,
    jacobian_products_to,
    norm_bound_by_lag,
    random_orthogonal,
    rnn_cell_forward,
    rnn_forward,
    rnn_output,
    scale_to_spectral_norm,
    spectral_norm,
    squared_error_loss,
    step_jacobians,
    weights_from_keras,
    weights_from_torch,
)

from conftest import says

# (batch, T, input, hidden, layers): the shapes that are easy to get wrong.
SHAPES = [
    pytest.param(1, 1, 1, 1, 1, id="batch1-len1-size1"),
    pytest.param(1, 6, 3, 5, 1, id="batch1"),
    pytest.param(4, 1, 3, 5, 1, id="len1"),
    pytest.param(3, 7, 7, 4, 1, id="input-larger-than-hidden"),
    pytest.param(3, 5, 2, 6, 2, id="2-layers"),
    pytest.param(1, 1, 5, 3, 2, id="2-layers-batch1-len1"),
]


def torch_rnn(input_size, hidden, layers, seed=0, bias=True):
    torch.manual_seed(seed)
    return torch.nn.RNN(input_size, hidden, num_layers=layers, batch_first=True, bias=bias).double()


def inputs(batch, T, input_size, seed=1):
    return np.random.default_rng(seed).normal(size=(batch, T, input_size))


# --------------------------------------------------------------------------- forward pass


@pytest.mark.parametrize("batch, T, input_size, hidden, layers", SHAPES)
def test_forward_matches_torch_rnn(batch, T, input_size, hidden, layers):
    rnn = torch_rnn(input_size, hidden, layers)
    x = inputs(batch, T, input_size)
    h0 = np.random.default_rng(2).normal(size=(layers, batch, hidden)) * 0.5
    with torch.no_grad():
        output, h_n = rnn(torch.from_numpy(x), torch.from_numpy(h0))
    states, ours_h_n = rnn_forward(x, weights_from_torch(rnn.state_dict()), h0)
    assert states.shape == (layers, batch, T, hidden) and ours_h_n.shape == (layers, batch, hidden)
    np.testing.assert_allclose(states[-1], output.numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours_h_n, h_n.numpy(), rtol=0, atol=1e-12)


def test_every_layer_of_a_two_layer_stack_matches_torch():
    """states[0] (the lower layer, which torch does not
    return) equals a 1-layer RNN with its weights."""
    rnn = torch_rnn(3, 5, 2)
    lower = torch.nn.RNN(3, 5, batch_first=True).double()
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(lower, f"{name}_l0").copy_(getattr(rnn, f"{name}_l0"))
        x = inputs(2, 6, 3)
        expected, _ = lower(torch.from_numpy(x))
    states, _ = rnn_forward(x, weights_from_torch(rnn.state_dict()))
    np.testing.assert_allclose(states[0], expected.numpy(), rtol=0, atol=1e-12)


def test_forward_without_bias_and_in_float32():
    rnn = torch_rnn(3, 4, 1, bias=False).float()
    x = inputs(2, 5, 3).astype(np.float32)
    with torch.no_grad():
        output, _ = rnn(torch.from_numpy(x))
    layers = weights_from_torch(rnn.state_dict(), dtype=np.float32)
    assert np.all(layers[0].b == 0)
    states, _ = rnn_forward(x, layers)
    assert states.dtype == np.float32
    np.testing.assert_allclose(states[-1], output.numpy(), rtol=0, atol=1e-6)


def test_cell_step_matches_torch_rnn_cell():
    torch.manual_seed(0)
    cell = torch.nn.RNNCell(3, 5).double()
    rng = np.random.default_rng(0)
    x_t, h_prev = rng.normal(size=(4, 3)), rng.normal(size=(4, 5))
    with torch.no_grad():
        expected = cell(torch.from_numpy(x_t), torch.from_numpy(h_prev)).numpy()
    b = (cell.bias_ih + cell.bias_hh).detach().numpy()
    ours = rnn_cell_forward(
        x_t, h_prev, cell.weight_ih.detach().numpy(), cell.weight_hh.detach().numpy(), b
    )
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-14)


def test_output_matches_torch_linear():
    torch.manual_seed(0)
    linear = torch.nn.Linear(5, 3).double()
    states = np.random.default_rng(0).normal(size=(2, 4, 5))
    with torch.no_grad():
        expected = linear(torch.from_numpy(states)).numpy()
    W_g, b_g = linear.weight.detach().numpy(), linear.bias.detach().numpy()
    np.testing.assert_allclose(rnn_output(states, W_g, b_g), expected, rtol=0, atol=1e-14)
    np.testing.assert_allclose(rnn_output(states, W_g), expected - b_g, rtol=0, atol=1e-14)


def test_init_rnn_weights_shapes_range_and_seed():
    layers = init_rnn_weights(7, 4, num_layers=3, seed=5)
    assert [(l.W_in.shape, l.W_hh.shape, l.b.shape) for l in layers] == [
        ((4, 7), (4, 4), (4,)),
        ((4, 4), (4, 4), (4,)),
        ((4, 4), (4, 4), (4,)),
    ]
    assert all(np.abs(w).max() <= 0.5 for l in layers for w in (l.W_in, l.W_hh, l.b))  # 1/sqrt(4)
    again = init_rnn_weights(7, 4, num_layers=3, seed=5)
    assert all(np.array_equal(a.W_hh, b.W_hh) for a, b in zip(layers, again))
    assert not np.array_equal(layers[0].W_hh, init_rnn_weights(7, 4, num_layers=3, seed=6)[0].W_hh)


# --------------------------------------------------------------------------- Keras


@pytest.mark.parametrize("batch, T, input_size, hidden, layers", SHAPES)
def test_forward_matches_keras_simple_rnn(keras_float64, batch, T, input_size, hidden, layers):
    keras_float64.utils.set_random_seed(0)
    rnn_layers = [
        keras_float64.layers.SimpleRNN(
            hidden, return_sequences=True, dtype="float64", bias_initializer="glorot_uniform"
        )
        for _ in range(layers)
    ]
    model = keras_float64.Sequential(
        [keras_float64.Input((T, input_size), dtype="float64"), *rnn_layers]
    )
    x = inputs(batch, T, input_size)
    expected = np.asarray(model(x))
    states, _ = rnn_forward(x, weights_from_keras([layer.get_weights() for layer in rnn_layers]))
    assert states.dtype == np.float64
    np.testing.assert_allclose(states[-1], expected, rtol=0, atol=1e-12)


def test_keras_weights_are_transposed_and_checked():
    kernel, recurrent, bias = np.ones((3, 5)), np.eye(5), np.arange(5.0)
    (layer,) = weights_from_keras([[kernel, recurrent, bias]])
    assert layer.W_in.shape == (5, 3) and np.array_equal(layer.b, bias)
    with pytest.raises(
        ValueError, match=says("layer_weights[0]", "[kernel, recurrent_kernel, bias]")
    ):
        weights_from_keras([[kernel]])
    with pytest.raises(ValueError, match="layer_weights is empty"):
        weights_from_keras([])


# --------------------------------------------------------------------------- Jacobians


def one_sequence(T=6, input_size=3, hidden=4, seed=0):
    rnn = torch_rnn(input_size, hidden, 1, seed=seed)
    x = torch.from_numpy(inputs(1, T, input_size, seed=seed + 1))
    (layer,) = weights_from_torch(rnn.state_dict())
    states, _ = rnn_forward(x.numpy(), [layer])
    return rnn, x, layer, states[0, 0]  # states of the one sequence: (T, hidden)


def autograd_jacobian(rnn, x, states, t, k):
    """dh_t/dh_k by autograd: run the torch RNN from h_k over steps k+1..t and differentiate."""
    hidden = states.shape[-1]
    start = torch.zeros(hidden, dtype=torch.float64) if k == 0 else torch.from_numpy(states[k - 1])
    if t == k:
        return np.eye(hidden)

    def forward(h_k):
        output, _ = rnn(x[:, k:t], h_k.reshape(1, 1, hidden))
        return output[0, -1]

    return jacobian(forward, start).numpy()


def test_step_jacobians_are_diag_derivative_times_W_hh():
    rnn, x, layer, states = one_sequence()
    J = step_jacobians(states, layer.W_hh)
    assert J.shape == (6, 4, 4)
    for i in range(1, 7):
        np.testing.assert_allclose(
            J[i - 1], autograd_jacobian(rnn, x, states, i, i - 1), rtol=0, atol=1e-13
        )
        np.testing.assert_allclose(
            J[i - 1], np.diag(1 - states[i - 1] ** 2) @ layer.W_hh, rtol=0, atol=1e-15
        )


@pytest.mark.parametrize("t, k", [(1, 0), (1, 1), (6, 0), (6, 5), (5, 2), (4, 4)])
def test_jacobian_product_matches_autograd(t, k):
    rnn, x, layer, states = one_sequence()
    np.testing.assert_allclose(
        jacobian_product(states, layer.W_hh, t, k),
        autograd_jacobian(rnn, x, states, t, k),
        rtol=0,
        atol=1e-13,
    )


def test_jacobian_products_to_every_earlier_step_match_autograd():
    rnn, x, layer, states = one_sequence(T=7, input_size=2, hidden=3)
    for t in (1, 4, 7):
        products = jacobian_products_to(states, layer.W_hh, t)
        assert products.shape == (t + 1, 3, 3)
        for lag in range(t + 1):
            np.testing.assert_allclose(
                products[lag], autograd_jacobian(rnn, x, states, t, t - lag), rtol=0, atol=1e-13
            )


def test_jacobians_of_a_batch_are_those_of_each_sequence():
    rnn = torch_rnn(3, 4, 1)
    (layer,) = weights_from_torch(rnn.state_dict())
    states, _ = rnn_forward(inputs(3, 5, 3), [layer])
    batch_products = jacobian_products_to(states[0], layer.W_hh)
    assert batch_products.shape == (3, 6, 4, 4)
    for b in range(3):
        np.testing.assert_array_equal(
            batch_products[b], jacobian_products_to(states[0, b], layer.W_hh)
        )
        np.testing.assert_allclose(
            jacobian_product(states[0], layer.W_hh, 5, 1)[b],
            jacobian_product(states[0, b], layer.W_hh, 5, 1),
            rtol=0,
            atol=1e-15,
        )


def test_norms_by_lag_are_spectral_norms_of_the_autograd_jacobians():
    rnn, x, layer, states = one_sequence()
    norms = jacobian_norms_by_lag(states, layer.W_hh)
    expected = [
        torch.linalg.matrix_norm(
            torch.from_numpy(autograd_jacobian(rnn, x, states, 6, 6 - lag)), ord=2
        ).item()
        for lag in range(7)
    ]
    np.testing.assert_allclose(norms, expected, rtol=1e-12)
    assert norms[0] == pytest.approx(1.0)


def test_the_bound_holds_and_is_a_power_of_the_largest_singular_value():
    rng = np.random.default_rng(0)
    W_hh = scale_to_spectral_norm(rng.normal(size=(6, 6)), 1.3)
    layer = RNNLayerWeights(rng.normal(size=(6, 2)), W_hh, np.zeros(6))
    states, _ = rnn_forward(rng.normal(size=(5, 30, 2)), [layer])
    bound = norm_bound_by_lag(W_hh, 30)
    np.testing.assert_allclose(bound, 1.3 ** np.arange(31), rtol=1e-12)
    assert np.all(jacobian_norms_by_lag(states[0], W_hh) <= bound * (1 + 1e-12))


# --------------------------------------------------------------------------- BPTT


def autograd_loss_and_grads(rnn, x, h0, W_g, targets):
    rnn.zero_grad()
    output, _ = rnn(torch.from_numpy(x), torch.from_numpy(h0))
    g = output @ torch.from_numpy(W_g).T
    loss = 0.5 * ((g - torch.from_numpy(targets)) ** 2).sum()
    loss.backward()
    return loss.item(), {name: p.grad.numpy().copy() for name, p in rnn.named_parameters()}


def relative_difference(ours, theirs):
    return np.abs(ours - theirs).max() / np.abs(theirs).max()


@pytest.mark.parametrize(
    "batch, T, input_size, hidden, layers", [s for s in SHAPES if s.values[4] == 1]
)
def test_bptt_grad_W_hh_matches_autograd(batch, T, input_size, hidden, layers):
    rnn = torch_rnn(input_size, hidden, 1)
    rng = np.random.default_rng(3)
    x, h0 = inputs(batch, T, input_size), rng.normal(size=(1, batch, hidden)) * 0.5
    W_g, targets = rng.normal(size=(2, hidden)), rng.normal(size=(batch, T, 2))
    expected_loss, grads = autograd_loss_and_grads(rnn, x, h0, W_g, targets)
    states, _ = rnn_forward(x, weights_from_torch(rnn.state_dict()), h0)
    loss, dL_dh = squared_error_loss(states[0], W_g, targets)
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    grad = bptt_grad_W_hh(states[0], h0[0], dL_dh, rnn.weight_hh_l0.detach().numpy())
    assert grad.shape == (hidden, hidden)
    assert relative_difference(grad, grads["weight_hh_l0"]) < 1e-8


def test_bptt_grad_W_hh_of_each_layer_of_a_two_layer_rnn_matches_autograd():
    """The lower layer's direct gradient dL/dh^(1)_t is what
    the upper layer passes down (autograd gives it)."""
    rnn = torch_rnn(2, 5, 2)
    rng = np.random.default_rng(4)
    x, h0 = inputs(3, 6, 2), np.zeros((2, 3, 5))
    W_g, targets = rng.normal(size=(1, 5)), rng.normal(size=(3, 6, 1))
    _, grads = autograd_loss_and_grads(rnn, x, h0, W_g, targets)
    layers = weights_from_torch(rnn.state_dict())
    states, _ = rnn_forward(x, layers)

    _, dL_dh_upper = squared_error_loss(states[1], W_g, targets)
    upper = bptt_grad_W_hh(states[1], h0[1], dL_dh_upper, layers[1].W_hh)
    assert relative_difference(upper, grads["weight_hh_l1"]) < 1e-8

    upper_rnn = torch.nn.RNN(5, 5, batch_first=True).double()
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(upper_rnn, f"{name}_l0").copy_(getattr(rnn, f"{name}_l1"))
    lower_states = torch.from_numpy(states[0]).requires_grad_(True)
    output, _ = upper_rnn(lower_states)
    (0.5 * ((output @ torch.from_numpy(W_g).T - torch.from_numpy(targets)) ** 2).sum()).backward()
    lower = bptt_grad_W_hh(states[0], h0[0], lower_states.grad.numpy(), layers[0].W_hh)
    assert relative_difference(lower, grads["weight_hh_l0"]) < 1e-8


def autograd_truncated_grad(rnn, x, states, W_g, targets, truncate):
    """Truncated BPTT by hand: the loss at step t
    back-propagates only to h_{t-truncate}, detached there."""
    rnn.zero_grad()
    T, hidden = x.shape[1], states.shape[-1]
    for t in range(1, T + 1):
        start = max(0, t - truncate)
        h_start = (
            torch.zeros(1, x.shape[0], hidden, dtype=torch.float64)
            if start == 0
            else torch.from_numpy(states[:, start - 1]).unsqueeze(0)
        )
        output, _ = rnn(torch.from_numpy(x[:, start:t]), h_start)
        g = output[:, -1] @ torch.from_numpy(W_g).T
        (0.5 * ((g - torch.from_numpy(targets[:, t - 1])) ** 2).sum()).backward()
    return rnn.weight_hh_l0.grad.numpy().copy()


@pytest.mark.parametrize("truncate", [1, 2, 5])
def test_truncated_bptt_matches_autograd_with_a_detached_state(truncate):
    rnn = torch_rnn(3, 4, 1)
    rng = np.random.default_rng(5)
    x, W_g, targets = inputs(2, 8, 3), rng.normal(size=(2, 4)), rng.normal(size=(2, 8, 2))
    states, _ = rnn_forward(x, weights_from_torch(rnn.state_dict()))
    _, dL_dh = squared_error_loss(states[0], W_g, targets)
    ours = bptt_grad_W_hh(
        states[0], np.zeros((2, 4)), dL_dh, rnn.weight_hh_l0.detach().numpy(), truncate=truncate
    )
    assert (
        relative_difference(
            ours, autograd_truncated_grad(rnn, x, states[0], W_g, targets, truncate)
        )
        < 1e-8
    )
    full = bptt_grad_W_hh(states[0], np.zeros((2, 4)), dL_dh, rnn.weight_hh_l0.detach().numpy())
    assert not np.allclose(ours, full)  # the truncation does change the gradient
    np.testing.assert_allclose(
        bptt_grad_W_hh(
            states[0], np.zeros((2, 4)), dL_dh, rnn.weight_hh_l0.detach().numpy(), truncate=8
        ),
        full,
    )


def test_terms_by_lag_add_up_to_the_full_and_the_truncated_gradients():
    rnn = torch_rnn(2, 3, 1)
    rng = np.random.default_rng(6)
    x, h0 = inputs(2, 5, 2), rng.normal(size=(2, 3))
    W_g, targets = rng.normal(size=(1, 3)), rng.normal(size=(2, 5, 1))
    states, _ = rnn_forward(x, weights_from_torch(rnn.state_dict()), h0[None])
    _, dL_dh = squared_error_loss(states[0], W_g, targets)
    W_hh = rnn.weight_hh_l0.detach().numpy()
    terms = bptt_grad_W_hh_by_lag(states[0], h0, dL_dh, W_hh)
    assert terms.shape == (5, 3, 3)
    _, grads = autograd_loss_and_grads(rnn, x, h0[None], W_g, targets)
    assert relative_difference(terms.sum(axis=0), grads["weight_hh_l0"]) < 1e-8
    for n in (1, 3):
        np.testing.assert_allclose(
            terms[:n].sum(axis=0),
            bptt_grad_W_hh(states[0], h0, dL_dh, W_hh, truncate=n),
            rtol=1e-12,
            atol=1e-15,
        )
    # lag 0 alone: each step's immediate use of W_hh, (dL^(t)/dh_t * (1 - h_t^2)) h_{t-1}^T
    previous = np.concatenate([h0[:, None], states[0, :, :-1]], axis=1)
    immediate = sum((dL_dh[:, t] * (1 - states[0, :, t] ** 2)).T @ previous[:, t] for t in range(5))
    np.testing.assert_allclose(terms[0], immediate, rtol=1e-12, atol=1e-15)


# --------------------------------------------------------------------------- scaling W_hh


def test_spectral_norm_and_scaling():
    W = np.random.default_rng(0).normal(size=(5, 5))
    assert spectral_norm(W) == pytest.approx(np.linalg.svd(W, compute_uv=False)[0], rel=1e-12)
    assert spectral_norm(W) == pytest.approx(
        torch.linalg.matrix_norm(torch.from_numpy(W), ord=2).item(), rel=1e-12
    )
    for scale in (0.5, 1.0, 1.5):
        scaled = scale_to_spectral_norm(W, scale)
        assert spectral_norm(scaled) == pytest.approx(scale, rel=1e-12)
        # direction kept
        np.testing.assert_allclose(
            scaled / np.linalg.norm(scaled), W / np.linalg.norm(W), rtol=1e-12
        )


def test_random_orthogonal_has_every_singular_value_one():
    Q = random_orthogonal(6, seed=0)
    np.testing.assert_allclose(np.linalg.svd(Q, compute_uv=False), np.ones(6), rtol=1e-12)
    np.testing.assert_allclose(Q @ Q.T, np.eye(6), atol=1e-12)
    np.testing.assert_array_equal(Q, random_orthogonal(6, seed=0))
    assert not np.allclose(Q, random_orthogonal(6, seed=1))


# --------------------------------------------------------------------------- bad input


def test_mismatched_weight_shapes_are_named():
    with pytest.raises(ValueError, match=r"RNN W_hh must have shape \(hidden, hidden\), got"):
        RNNLayerWeights(np.ones((3, 2)), np.ones((3, 4)), np.ones(3))
    with pytest.raises(ValueError, match=r"W_in must have shape \(hidden, input\) = \(3, input\)"):
        RNNLayerWeights(np.ones((2, 3)), np.ones((3, 3)), np.ones(3))
    with pytest.raises(ValueError, match=r"b must have shape \(hidden,\) = \(3,\)"):
        RNNLayerWeights(np.ones((3, 2)), np.ones((3, 3)), np.ones(4))
    layer = RNNLayerWeights(np.ones((3, 2)), np.eye(3), np.zeros(3))
    with pytest.raises(
        ValueError, match=says("layers[0].W_in has shape (3, 2)", "x has 5 input features")
    ):
        rnn_forward(np.ones((1, 4, 5)), [layer])
    with pytest.raises(
        ValueError,
        match=says("layers[1].W_in has shape (3, 2)", "layer below has 3 hidden units"),
    ):
        rnn_forward(np.ones((1, 4, 2)), [layer, layer])
    with pytest.raises(ValueError, match=r"x_t must have shape \(batch, input\) = \(batch, 2\)"):
        rnn_cell_forward(np.ones((1, 5)), np.zeros((1, 3)), layer.W_in, layer.W_hh, layer.b)
    with pytest.raises(ValueError, match=r"h_prev must have shape"):
        rnn_cell_forward(np.ones((2, 2)), np.zeros((1, 3)), layer.W_in, layer.W_hh, layer.b)
    with pytest.raises(ValueError, match=says("h0", "(layers, batch, hidden) = (1, 1, 3)")):
        rnn_forward(np.ones((1, 4, 2)), [layer], h0=np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"W_g must have shape \(output, hidden\) = \(output, 3\)"):
        rnn_output(np.ones((2, 3)), np.ones((1, 4)))
    with pytest.raises(ValueError, match=r"state_dict has no 'weight_ih_l0'"):
        weights_from_torch({"weight": np.ones(2)})
    bidirectional = torch.nn.RNN(2, 3, bidirectional=True)
    with pytest.raises(ValueError, match="bidirectional"):
        weights_from_torch(bidirectional.state_dict())


def test_a_sequence_of_length_zero_is_refused_by_name():
    layer = RNNLayerWeights(np.ones((3, 2)), np.eye(3), np.zeros(3))
    with pytest.raises(ValueError, match=r"x has a sequence of length 0"):
        rnn_forward(np.ones((2, 0, 2)), [layer])
    with pytest.raises(ValueError, match=r"states holds a sequence of length 0"):
        jacobian_norms_by_lag(np.ones((0, 3)), np.eye(3))
    with pytest.raises(ValueError, match=r"x has a batch of 0 sequences"):
        rnn_forward(np.ones((0, 4, 2)), [layer])
    with pytest.raises(ValueError, match=r"x must have shape \(batch, time, input\)"):
        rnn_forward(np.ones((4, 2)), [layer])
    with pytest.raises(ValueError, match="layers is empty"):
        rnn_forward(np.ones((1, 4, 2)), [])


@pytest.mark.parametrize("scale", [math.nan, math.inf, -math.inf, 0.0, -1.0, True, "1.0", None])
def test_a_bad_scale_is_refused_by_name(scale):
    with pytest.raises(ValueError, match=r"scale must be a positive finite number, got"):
        scale_to_spectral_norm(np.eye(3), scale)


def test_other_bad_arguments_are_named():
    states = np.zeros((4, 3))
    with pytest.raises(ValueError, match=r"t must be a time step between 1 and T = 4, got 5"):
        jacobian_product(states, np.eye(3), 5, 0)
    with pytest.raises(ValueError, match=says("k must be", "between 0 and t = 2", "got 3")):
        jacobian_product(states, np.eye(3), 2, 3)
    with pytest.raises(ValueError, match=r"t must be an integer time step"):
        jacobian_product(states, np.eye(3), 2.0, 1)
    with pytest.raises(ValueError, match=says("states", "(..., T, hidden) = (..., T, 2)")):
        step_jacobians(states, np.eye(2))
    with pytest.raises(ValueError, match=r"dL_dh must have the shape of states"):
        bptt_grad_W_hh(np.zeros((1, 4, 3)), np.zeros((1, 3)), np.zeros((1, 4, 2)), np.eye(3))
    with pytest.raises(ValueError, match=r"h0 must have shape \(batch, hidden\)"):
        bptt_grad_W_hh(np.zeros((1, 4, 3)), np.zeros((3,)), np.zeros((1, 4, 3)), np.eye(3))
    with pytest.raises(ValueError, match=r"truncate must be a positive integer, got 0"):
        bptt_grad_W_hh(
            np.zeros((1, 4, 3)), np.zeros((1, 3)), np.zeros((1, 4, 3)), np.eye(3), truncate=0
        )
    with pytest.raises(ValueError, match=r"targets must have shape \(batch, T, output\)"):
        squared_error_loss(np.zeros((1, 4, 3)), np.ones((2, 3)), np.zeros((1, 4, 3)))
    with pytest.raises(ValueError, match=r"max_lag must be a non-negative integer"):
        norm_bound_by_lag(np.eye(3), -1)
    with pytest.raises(
        ValueError, match=r"W_hh must have a positive finite largest singular value"
    ):
        scale_to_spectral_norm(np.zeros((3, 3)), 1.0)
    with pytest.raises(ValueError, match=r"hidden_size must be a positive integer, got 0"):
        init_rnn_weights(3, 0)
    with pytest.raises(ValueError, match=r"hidden_size must be a positive integer, got 0"):
        random_orthogonal(0)


def test_theory_module_imports_no_framework():
    import subprocess

    code = (
        "import labhelpers.theory, labhelpers.data.long_range, labhelpers.plots, sys; "
        "assert 'torch' not in sys.modules and 'tensorflow' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------- closing mutants (issue 13)


def test_init_rnn_weights_draws_w_in_w_hh_b_in_order_from_one_generator():
    rng = np.random.default_rng(4)
    bound = 1 / np.sqrt(3)
    layers = init_rnn_weights(2, 3, num_layers=2, seed=4, dtype=np.float32)
    for layer, n_in in zip(layers, (2, 3)):
        expected = [rng.uniform(-bound, bound, shape) for shape in ((3, n_in), (3, 3), 3)]
        for got, want in zip((layer.W_in, layer.W_hh, layer.b), expected):
            assert got.dtype == np.float32
            np.testing.assert_array_equal(got, want.astype(np.float32))
    default = init_rnn_weights(2, 3)  # one layer, seed 0, float64
    explicit = init_rnn_weights(2, 3, num_layers=1, seed=0, dtype=np.float64)
    assert len(default) == 1
    for name in ("W_in", "W_hh", "b"):
        np.testing.assert_array_equal(getattr(default[0], name), getattr(explicit[0], name))
    for name, args in (("input_size", (0, 3)), ("num_layers", (2, 3, 0))):
        with pytest.raises(ValueError, match=says(name, "positive integer", "got 0")):
            init_rnn_weights(*args)


@pytest.mark.parametrize(
    "states_dtype, w_dtype",
    [
        (np.float32, np.float32),
        (np.float64, np.float32),
        (np.float32, np.float64),
    ],
)
def test_jacobian_product_keeps_the_dtype_of_its_inputs(states_dtype, w_dtype):
    rng = np.random.default_rng(0)
    states = np.tanh(rng.normal(size=(2, 4, 3))).astype(states_dtype)
    W_hh = rng.normal(size=(3, 3)).astype(w_dtype)
    expected = np.result_type(states_dtype, w_dtype)
    for t, k in ((3, 1), (2, 2)):
        product = jacobian_product(states, W_hh, t, k)
        assert product.dtype == expected and product.shape == (2, 3, 3)
    # k == t: the identity, once for each sequence of the batch
    np.testing.assert_array_equal(jacobian_product(states, W_hh, 2, 2), np.stack([np.eye(3)] * 2))


def test_jacobian_norms_up_to_an_earlier_step():
    rng = np.random.default_rng(1)
    states = np.tanh(rng.normal(size=(5, 3)))
    W_hh = rng.normal(size=(3, 3))
    norms = jacobian_norms_by_lag(states, W_hh, 3)
    expected = [np.linalg.norm(jacobian_product(states, W_hh, 3, 3 - lag), 2) for lag in range(4)]
    np.testing.assert_allclose(norms, expected, rtol=1e-12)


def test_spectral_norm_orthogonal_and_bound_corner_cases():
    assert spectral_norm(np.array([[-3.0]])) == 3.0  # a 1 x 1 matrix
    for shape in ((3,), (0, 0)):
        with pytest.raises(
            ValueError, match=says("W must be", "non-empty matrix", f"got shape {shape}")
        ):
            spectral_norm(np.ones(shape))
    # the QR factor with R's diagonal made positive: Q^T M is upper triangular, diagonal > 0
    Q = random_orthogonal(8, seed=3)
    R = Q.T @ np.random.default_rng(3).normal(size=(8, 8))
    np.testing.assert_allclose(np.tril(R, -1), 0, atol=1e-12)
    assert (np.diag(R) > 0).all()
    np.testing.assert_array_equal(random_orthogonal(4), random_orthogonal(4, seed=0))
    with pytest.raises(
        ValueError, match=says("W_hh", "square (hidden, hidden) matrix", "got shape (2, 3)")
    ):
        scale_to_spectral_norm(np.ones((2, 3)), 1.0)
    np.testing.assert_array_equal(norm_bound_by_lag(np.array([[0.5]]), 0), [1.0])
    for lag in (True, 2.0, -1):
        with pytest.raises(
            ValueError, match=says("max_lag", "non-negative integer", f"got {lag!r}")
        ):
            norm_bound_by_lag(np.eye(2), lag)


def test_weights_from_a_state_dict_take_the_dtype_asked_for():
    rng = np.random.default_rng(0)
    state = {
        "weight_ih_l0": rng.normal(size=(3, 2)),
        "weight_hh_l0": rng.normal(size=(3, 3)),
        "bias_ih_l0": rng.normal(size=3),
        "bias_hh_l0": rng.normal(size=3),
    }
    (single,) = weights_from_torch(state, dtype=np.float32)
    for got, want in (
        (single.W_in, state["weight_ih_l0"]),
        (single.W_hh, state["weight_hh_l0"]),
        (single.b, state["bias_ih_l0"].astype(np.float32) + state["bias_hh_l0"].astype(np.float32)),
    ):
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, want.astype(np.float32))
    (double,) = weights_from_torch({k: v.astype(np.float32) for k, v in state.items()})
    assert {a.dtype for a in (double.W_in, double.W_hh, double.b)} == {np.dtype(np.float64)}
    (no_bias,) = weights_from_torch(
        {k: state[k] for k in ("weight_ih_l0", "weight_hh_l0")}, dtype=np.float32
    )
    assert no_bias.b.dtype == np.float32 and no_bias.b.tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(
        ValueError,
        match=says("state_dict has no 'weight_ih_l0'", "torch.nn.RNN", "got keys ['weight']"),
    ):
        weights_from_torch({"weight": np.zeros(1)})
    with pytest.raises(
        ValueError,
        match=says("state_dict", "bidirectional", "only unidirectional"),
    ):
        weights_from_torch({**state, "weight_ih_l0_reverse": state["weight_ih_l0"]})


@pytest.mark.parametrize("double", ["none", "states", "W_hh", "dL_dh"])
def test_bptt_terms_and_jacobian_products_keep_the_widest_dtype(double):
    rng = np.random.default_rng(2)
    arrays = {
        "states": np.tanh(rng.normal(size=(2, 3, 2))),
        "W_hh": rng.normal(size=(2, 2)),
        "dL_dh": rng.normal(size=(2, 3, 2)),
    }
    arrays = {k: v if k == double else v.astype(np.float32) for k, v in arrays.items()}
    h0 = np.zeros((2, 2), dtype=np.float32)
    terms = bptt_grad_W_hh_by_lag(arrays["states"], h0, arrays["dL_dh"], arrays["W_hh"])
    assert terms.dtype == (np.float32 if double == "none" else np.float64)
    products = jacobian_products_to(arrays["states"], arrays["W_hh"])
    assert products.dtype == np.result_type(arrays["states"], arrays["W_hh"])


def test_more_theory_messages_name_the_argument_and_the_rule():
    states = np.zeros((2, 3, 2))
    with pytest.raises(
        ValueError, match=says("W_hh", "square (hidden, hidden) matrix", "got shape (2, 3)")
    ):
        step_jacobians(states, np.zeros((2, 3)))
    with pytest.raises(
        ValueError, match=says("W_hh", "square (hidden, hidden) matrix", "got shape (2,)")
    ):
        step_jacobians(states, np.zeros(2))
    with pytest.raises(
        ValueError,
        match=says("states", "length 0", "at least one step"),
    ):
        step_jacobians(np.zeros((2, 0, 2)), np.eye(2))
    with pytest.raises(ValueError, match=says("k must be", "integer time step", "got 1.5")):
        jacobian_product(states, np.eye(2), 2, 1.5)
    with pytest.raises(
        ValueError, match=says("W_g", "(output, hidden) = (output, 2)", "got (4, 3)")
    ):
        rnn_output(states, np.zeros((4, 3)))
    with pytest.raises(ValueError, match=says("b_g", "(output,) = (4,)", "got (2,)")):
        rnn_output(states, np.zeros((4, 2)), np.zeros(2))
    with pytest.raises(ValueError, match=says("states", "(batch, T, hidden)", "got (3, 2)")):
        bptt_grad_W_hh_by_lag(states[0], np.zeros((2, 2)), states[0], np.eye(2))
    with pytest.raises(
        ValueError,
        match=says("dL_dh", "shape of states", "(batch, T, hidden) = (2, 3, 2)", "got (2, 2, 2)"),
    ):
        bptt_grad_W_hh_by_lag(states, np.zeros((2, 2)), states[:, :2], np.eye(2))
