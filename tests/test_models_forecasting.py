import numpy as np
import pytest
import torch
from torch import nn

from labhelpers.models import ActivationLSTM, LastStepActivationLSTM
from labhelpers.runtime import seed_everything
from labhelpers.training import next_value_predictor

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_tanh_activation_is_exactly_nn_lstm():
    seed_everything(0)
    ours = ActivationLSTM(3, 5, activation="tanh")
    reference = nn.LSTM(3, 5, batch_first=True)
    with torch.no_grad():
        reference.weight_ih_l0.copy_(ours.weight_ih)
        reference.weight_hh_l0.copy_(ours.weight_hh)
        reference.bias_ih_l0.copy_(ours.bias_ih)
        reference.bias_hh_l0.copy_(ours.bias_hh)
    x = torch.randn(4, 7, 3)
    states, (h, c) = ours(x)
    expected, (h_ref, c_ref) = reference(x)
    torch.testing.assert_close(states, expected)
    torch.testing.assert_close(h, h_ref[0])
    torch.testing.assert_close(c, c_ref[0])


def test_relu_activation_matches_keras_lstm_relu():
    keras = pytest.importorskip("keras", reason="Keras (TensorFlow) is not installed")
    seed_everything(1)
    ours = ActivationLSTM(2, 6, activation="relu")
    x = torch.rand(3, 5, 2) * 4  # positive, unscaled inputs as in record 003
    layer = keras.layers.LSTM(6, activation="relu", return_sequences=True)
    layer.build((None, 5, 2))
    # Keras stores W^T with the same gate order (i, f, c, o) and a single bias.
    layer.set_weights([ours.weight_ih.detach().numpy().T, ours.weight_hh.detach().numpy().T,
                       (ours.bias_ih + ours.bias_hh).detach().numpy()])
    expected = np.asarray(layer(x.numpy()))
    states, _ = ours(x)
    np.testing.assert_allclose(states.detach().numpy(), expected, atol=1e-5)


def test_last_step_model_shapes_and_errors():
    model = LastStepActivationLSTM(1, 8, 2)
    assert model(torch.randn(5, 3, 1)).shape == (5, 2)
    with pytest.raises(ValueError, match="activation must be one of"):
        ActivationLSTM(1, 4, activation="gelu")
    with pytest.raises(ValueError, match="hidden_size must be a positive integer, got 0"):
        ActivationLSTM(1, 0)
    with pytest.raises(ValueError, match="output_size must be a positive integer"):
        LastStepActivationLSTM(1, 4, 0)
    with pytest.raises(ValueError, match=r"x must have shape \(batch, seq_len, 1\)"):
        model(torch.randn(5, 3))


def test_next_value_predictor_runs_the_model_in_chunks():
    seed_everything(2)
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 1))
    windows = np.random.default_rng(0).normal(size=(10, 4, 1))
    predict = next_value_predictor(model, batch_size=3)
    expected = model(torch.as_tensor(windows, dtype=torch.float32)).detach().numpy()
    got = predict(windows)
    assert got.shape == (10, 1) and got.dtype == np.float64
    np.testing.assert_allclose(got, expected, rtol=1e-6)
