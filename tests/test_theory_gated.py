"""The NumPy LSTM and GRU of labhelpers.theory against torch and Keras, and lesson 6's gradient by
lag."""

import numpy as np
import pytest
import torch

from labhelpers.lessons.gated_cells import gradient_norms_by_lag, open_gates
from labhelpers.models import LastStepRNN
from labhelpers.theory import (
    GRULayerWeights,
    LSTMLayerWeights,
    gru_cell_forward,
    gru_forward,
    gru_weights_from_keras,
    gru_weights_from_torch,
    init_gru_weights,
    init_lstm_weights,
    jacobian_products_to,
    lstm_cell_forward,
    lstm_forward,
    lstm_weights_from_keras,
    lstm_weights_from_torch,
    rnn_forward,
    sigmoid,
    weights_from_torch,
)

TOLERANCE = 1e-6  # what the lesson asserts; float64 agreement is some 1e-16
# (batch, T, input, hidden, layers)
SHAPES = [
    pytest.param(1, 1, 1, 1, 1, id="batch1-len1-size1"),
    pytest.param(3, 7, 4, 5, 1, id="one-layer"),
    pytest.param(2, 6, 7, 3, 1, id="input-larger-than-hidden"),
    pytest.param(3, 5, 2, 4, 2, id="2-layers"),
]


def inputs(batch, T, size, seed=1):
    return np.random.default_rng(seed).normal(size=(batch, T, size))


def initial(layers, batch, hidden, seed):
    return np.random.default_rng(seed).normal(size=(layers, batch, hidden)) * 0.5


def randomise_biases(module, seed=0):
    """torch initialises biases like weights; draw them wider so that a bias mix-up cannot hide."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, parameter in module.named_parameters():
            if name.startswith("bias"):
                parameter.copy_(
                    torch.rand(parameter.shape, generator=generator, dtype=parameter.dtype) * 2 - 1
                )


# --------------------------------------------------------------------------- torch


@pytest.mark.parametrize("batch, T, input_size, hidden, layers", SHAPES)
def test_lstm_forward_matches_torch_lstm(batch, T, input_size, hidden, layers):
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(input_size, hidden, num_layers=layers, batch_first=True).double()
    randomise_biases(lstm)
    x, h0, c0 = (
        inputs(batch, T, input_size),
        initial(layers, batch, hidden, 2),
        initial(layers, batch, hidden, 3),
    )
    with torch.no_grad():
        output, (h_n, c_n) = lstm(torch.from_numpy(x), (torch.from_numpy(h0), torch.from_numpy(c0)))
    states, ours_h, ours_c = lstm_forward(x, lstm_weights_from_torch(lstm.state_dict()), h0, c0)
    assert states.shape == (layers, batch, T, hidden)
    assert np.max(np.abs(states[-1] - output.numpy())) < TOLERANCE
    assert np.max(np.abs(ours_h - h_n.numpy())) < TOLERANCE
    assert np.max(np.abs(ours_c - c_n.numpy())) < TOLERANCE


@pytest.mark.parametrize("batch, T, input_size, hidden, layers", SHAPES)
def test_gru_forward_matches_torch_gru(batch, T, input_size, hidden, layers):
    torch.manual_seed(0)
    gru = torch.nn.GRU(input_size, hidden, num_layers=layers, batch_first=True).double()
    randomise_biases(gru)
    x, h0 = inputs(batch, T, input_size), initial(layers, batch, hidden, 2)
    with torch.no_grad():
        output, h_n = gru(torch.from_numpy(x), torch.from_numpy(h0))
    states, ours_h = gru_forward(x, gru_weights_from_torch(gru.state_dict()), h0)
    assert np.max(np.abs(states[-1] - output.numpy())) < TOLERANCE
    assert np.max(np.abs(ours_h - h_n.numpy())) < TOLERANCE


def test_one_step_matches_torch_cells():
    torch.manual_seed(0)
    x, h, c = inputs(1, 4, 3)[0], inputs(1, 4, 5, seed=2)[0], inputs(1, 4, 5, seed=3)[0]
    lstm_cell, gru_cell = torch.nn.LSTMCell(3, 5).double(), torch.nn.GRUCell(3, 5).double()
    randomise_biases(lstm_cell)
    randomise_biases(gru_cell)
    with torch.no_grad():
        torch_h, torch_c = lstm_cell(
            torch.from_numpy(x), (torch.from_numpy(h), torch.from_numpy(c))
        )
        torch_gru = gru_cell(torch.from_numpy(x), torch.from_numpy(h))
    state = {f"{name}_l0": value for name, value in lstm_cell.state_dict().items()}
    ours_h, ours_c = lstm_cell_forward(x, h, c, lstm_weights_from_torch(state)[0])
    assert np.max(np.abs(ours_h - torch_h.numpy())) < TOLERANCE
    assert np.max(np.abs(ours_c - torch_c.numpy())) < TOLERANCE
    state = {f"{name}_l0": value for name, value in gru_cell.state_dict().items()}
    assert (
        np.max(np.abs(gru_cell_forward(x, h, gru_weights_from_torch(state)[0]) - torch_gru.numpy()))
        < TOLERANCE
    )


def test_the_two_gru_conventions_differ_and_reset_after_false_has_one_bias():
    x = inputs(2, 5, 3)
    (after,) = init_gru_weights(3, 4, seed=0)
    before = GRULayerWeights(
        after.W_in, after.W_hh, after.b_in, np.zeros_like(after.b_hh), reset_after=False
    )
    after_no_bias = GRULayerWeights(after.W_in, after.W_hh, after.b_in, np.zeros_like(after.b_hh))
    # r * (W h) and W (r * h) are different functions: the flag must change the states
    assert np.max(np.abs(gru_forward(x, [before])[0] - gru_forward(x, [after_no_bias])[0])) > 1e-3
    with pytest.raises(ValueError, match="b_hh must be zero with reset_after=False"):
        GRULayerWeights(after.W_in, after.W_hh, after.b_in, after.b_hh, reset_after=False)
    assert np.all(init_gru_weights(3, 4, reset_after=False)[0].b_hh == 0)


# --------------------------------------------------------------------------- Keras


def keras_stack(keras, make_layer, layers, T, input_size):
    stacked = [make_layer(n) for n in range(layers)]
    model = keras.Sequential([keras.Input((T, input_size), dtype="float64"), *stacked])
    return model, stacked


@pytest.mark.parametrize("layers", [1, 2])
def test_lstm_forward_matches_keras_lstm(keras_float64, layers):
    keras_float64.utils.set_random_seed(0)
    x = inputs(3, 6, 4)

    def make(n):
        return keras_float64.layers.LSTM(
            5,
            return_sequences=True,
            dtype="float64",
            unit_forget_bias=False,
            bias_initializer=keras_float64.initializers.RandomUniform(-1, 1, seed=n),
        )

    model, stacked = keras_stack(keras_float64, make, layers, 6, 4)
    states, _, _ = lstm_forward(
        x, lstm_weights_from_keras([layer.get_weights() for layer in stacked])
    )
    assert np.max(np.abs(states[-1] - np.asarray(model(x)))) < TOLERANCE


@pytest.mark.parametrize("reset_after", [True, False], ids=["reset_after", "reset_before"])
@pytest.mark.parametrize("layers", [1, 2])
def test_gru_forward_matches_keras_gru_in_both_conventions(keras_float64, layers, reset_after):
    keras_float64.utils.set_random_seed(0)
    x = inputs(3, 6, 4)

    def make(n):
        return keras_float64.layers.GRU(
            5,
            return_sequences=True,
            dtype="float64",
            reset_after=reset_after,
            bias_initializer=keras_float64.initializers.RandomUniform(-1, 1, seed=n),
        )

    model, stacked = keras_stack(keras_float64, make, layers, 6, 4)
    weights = gru_weights_from_keras([layer.get_weights() for layer in stacked])
    assert [layer.reset_after for layer in weights] == [reset_after] * layers
    states, _ = gru_forward(x, weights)
    assert np.max(np.abs(states[-1] - np.asarray(model(x)))) < TOLERANCE


def test_keras_gru_without_bias_needs_its_convention(keras_float64):
    keras_float64.utils.set_random_seed(0)
    x = inputs(2, 4, 3)
    layer = keras_float64.layers.GRU(
        4, return_sequences=True, dtype="float64", use_bias=False, reset_after=False
    )
    expected = np.asarray(layer(x))
    with pytest.raises(ValueError, match="give reset_after=True or False"):
        gru_weights_from_keras([layer.get_weights()])
    states, _ = gru_forward(x, gru_weights_from_keras([layer.get_weights()], reset_after=False))
    assert np.max(np.abs(states[-1] - expected)) < TOLERANCE
    with_bias = keras_float64.layers.GRU(4, dtype="float64", reset_after=True)
    with_bias(x)
    with pytest.raises(ValueError, match=r"reset_after=True GRU, but reset_after=False was given"):
        gru_weights_from_keras([with_bias.get_weights()], reset_after=False)


# --------------------------------------------------------------------------- checks and helpers


def test_sigmoid_equals_torch_and_does_not_overflow():
    a = np.array([-800.0, -30.0, -1.5, 0.0, 2.0, 40.0, 800.0])
    with np.errstate(over="raise"):
        ours = sigmoid(a)
    assert np.max(np.abs(ours - torch.sigmoid(torch.from_numpy(a)).numpy())) < 1e-15


def test_init_draws_torch_shapes_and_range():
    (lstm,) = init_lstm_weights(3, 5)
    assert (lstm.W_in.shape, lstm.W_hh.shape, lstm.b.shape) == ((20, 3), (20, 5), (20,))
    gru_layers = init_gru_weights(3, 5, num_layers=2)
    assert gru_layers[1].W_in.shape == (15, 5) and gru_layers[1].b_hh.shape == (15,)
    bound = 1 / np.sqrt(5)
    assert 0.9 * bound < np.max(np.abs(lstm.W_hh)) <= bound


def test_bad_shapes_and_inputs_are_named():
    (lstm,) = init_lstm_weights(3, 5)
    with pytest.raises(ValueError, match=r"LSTM W_in must have shape \(4 \* hidden, input\)"):
        LSTMLayerWeights(lstm.W_in[:10], lstm.W_hh, lstm.b)
    with pytest.raises(ValueError, match=r"GRU W_hh must have shape \(3 \* hidden, hidden\)"):
        GRULayerWeights(lstm.W_in, lstm.W_hh, lstm.b, lstm.b)
    with pytest.raises(ValueError, match="c_prev must have shape"):
        lstm_cell_forward(np.zeros((2, 3)), np.zeros((2, 5)), np.zeros((2, 4)), lstm)
    with pytest.raises(ValueError, match="x_t must have shape"):
        lstm_cell_forward(np.zeros((2, 4)), np.zeros((2, 5)), np.zeros((2, 5)), lstm)
    with pytest.raises(ValueError, match="layers\\[0\\] must be a GRULayerWeights"):
        gru_forward(np.zeros((1, 2, 3)), [lstm])
    with pytest.raises(ValueError, match="x has 4 input features"):
        lstm_forward(np.zeros((1, 2, 4)), [lstm])
    with pytest.raises(ValueError, match=r"c0 must have shape \(layers, batch, hidden\)"):
        lstm_forward(np.zeros((1, 2, 3)), [lstm], c0=np.zeros((1, 2, 5)))
    with pytest.raises(ValueError, match="bidirectional"):
        lstm_weights_from_torch(torch.nn.LSTM(3, 5, bidirectional=True).state_dict())
    with pytest.raises(ValueError, match="state_dict has no 'weight_ih_l0'"):
        gru_weights_from_torch({"weight": np.zeros(3)})


# ---------------------------------------------------------------------- lesson 6's gradient by lag


def numpy_last_step_loss(cell, layer, W_g, b_g, x_rest, state, label):
    """Cross-entropy of one sequence's last output, run in NumPy from state s_k over the steps after
    k."""
    if cell == "lstm":
        hidden = layer.hidden_size
        h, c = state[None, :hidden], state[None, hidden:]
        if x_rest.shape[0]:
            _, h_n, _ = lstm_forward(x_rest[None], [layer], h[None], c[None])
            h = h_n[0]
    else:
        h = state[None]
        if x_rest.shape[0]:
            forward = gru_forward if cell == "gru" else rnn_forward
            h = forward(x_rest[None], [layer], h[None])[1][0]
    logits = h[0] @ W_g.T + b_g
    return float(np.log(np.sum(np.exp(logits - logits.max()))) + logits.max() - logits[label])


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_state_gradient_norms_match_finite_differences_of_the_numpy_forward(cell):
    torch.manual_seed(0)
    model = LastStepRNN(3, 4, 3, cell=cell).double()
    X = torch.from_numpy(inputs(2, 5, 3))
    y = torch.tensor([2, 0])
    norms = gradient_norms_by_lag(model, X, y)
    assert norms.shape == (2, 6)
    read = {
        "rnn": weights_from_torch,
        "lstm": lstm_weights_from_torch,
        "gru": gru_weights_from_torch,
    }[cell]
    layer = read(model.rnn.state_dict())[0]
    W_g, b_g = model.out.weight.detach().numpy(), model.out.bias.detach().numpy()
    x = X.numpy()
    for b in range(2):
        for k in range(6):
            if cell == "lstm":
                _, h_k, c_k = (
                    lstm_forward(x[b : b + 1, :k], [layer])
                    if k
                    else (None, np.zeros((1, 1, 4)), np.zeros((1, 1, 4)))
                )
                state = np.concatenate([h_k[0, 0], c_k[0, 0]])
            else:
                forward = gru_forward if cell == "gru" else rnn_forward
                state = forward(x[b : b + 1, :k], [layer])[1][0, 0] if k else np.zeros(4)
            gradient = np.empty_like(state)
            for i in range(len(state)):
                step = np.zeros_like(state)
                step[i] = 1e-6
                up = numpy_last_step_loss(cell, layer, W_g, b_g, x[b, k:], state + step, y[b])
                down = numpy_last_step_loss(cell, layer, W_g, b_g, x[b, k:], state - step, y[b])
                gradient[i] = (up - down) / 2e-6
            assert norms[b, 5 - k] == pytest.approx(np.linalg.norm(gradient), rel=1e-6, abs=1e-9)


def test_rnn_state_gradient_is_the_jacobian_product_of_lesson_3():
    torch.manual_seed(1)
    model = LastStepRNN(2, 6, 4).double()
    X, y = torch.from_numpy(inputs(3, 8, 2)), torch.tensor([0, 3, 1])
    norms = gradient_norms_by_lag(model, X, y)
    layer = weights_from_torch(model.rnn.state_dict())[0]
    states, _ = rnn_forward(X.numpy(), [layer])
    logits = (
        states[0, :, -1] @ model.out.weight.detach().numpy().T + model.out.bias.detach().numpy()
    )
    probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    dL_dh_T = (
        probabilities - np.eye(4)[y.numpy()]
    ) @ model.out.weight.detach().numpy()  # (batch, hidden)
    products = jacobian_products_to(states[0], layer.W_hh)  # (batch, T + 1, H, H): dh_T/dh_(T-lag)
    expected = np.linalg.norm(np.einsum("blij,bi->blj", products, dL_dh_T), axis=2)
    assert np.max(np.abs(norms - expected)) < 1e-12


def test_state_gradient_leaves_the_model_as_it_was():
    torch.manual_seed(0)
    model = LastStepRNN(3, 4, 2, cell="lstm")
    before = {name: value.clone() for name, value in model.state_dict().items()}
    model.train()
    gradient_norms_by_lag(model, torch.randn(2, 3, 3), torch.tensor([0, 1]))
    assert model.training and all(p.grad is None for p in model.parameters())
    assert all(torch.equal(before[name], value) for name, value in model.state_dict().items())
    with pytest.raises(ValueError, match="one recurrent layer"):
        gradient_norms_by_lag(
            LastStepRNN(3, 4, 2, num_layers=2), torch.randn(2, 3, 3), torch.tensor([0, 1])
        )
    with pytest.raises(ValueError, match=r"y must hold one class index per sequence, shape \(2,\)"):
        gradient_norms_by_lag(model, torch.randn(2, 3, 3), torch.tensor([0, 1, 1]))


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_open_gates_sets_the_gates_that_keep_the_state(cell):
    torch.manual_seed(0)
    model = LastStepRNN(3, 4, 2, cell=cell).double()
    before = {name: value.clone() for name, value in model.state_dict().items()}
    open_gates(model, 3.0)
    state = model.rnn.state_dict()
    if cell == "lstm":
        b = lstm_weights_from_torch(state)[0].b  # input, forget, cell, output
        assert np.all(b[:4] == -3.0) and np.all(b[4:8] == 3.0)
        assert np.array_equal(
            b[8:], (before["rnn.bias_ih_l0"] + before["rnn.bias_hh_l0"])[8:].numpy()
        )
    elif cell == "gru":
        layer = gru_weights_from_torch(state)[0]  # reset, update, new
        assert np.all(layer.b_in[4:8] == 3.0) and np.all(layer.b_hh[4:8] == 0.0)
        assert np.array_equal(layer.b_in[:4], before["rnn.bias_ih_l0"][:4].numpy())
    else:
        assert all(torch.equal(before[name], value) for name, value in model.state_dict().items())
