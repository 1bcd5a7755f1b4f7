"""labhelpers.models: every model against its equation or an
independent implementation, its shapes and its errors."""

import numpy as np
import pytest
import torch
from torch import nn

from labhelpers.base.runtime import seed_everything
from labhelpers.data.text import review_lengths
from labhelpers.models import (
    ActivationLSTM,
    CharRNN,
    LastStepActivationLSTM,
    LastStepRNN,
    PooledReviewRNN,
    ReviewRNN,
    count_parameters,
    detach_state,
    reverse_within_length,
)

from conftest import post_padded, says

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_last_step_rnn_shapes_and_errors():
    for cell in ("rnn", "gru", "lstm"):
        model = LastStepRNN(3, 5, 2, num_layers=2, cell=cell)
        assert model(torch.zeros(4, 7, 3)).shape == (4, 2)
    assert count_parameters(LastStepRNN(1, 16, 2)) == 16 * 1 + 16 * 16 + 2 * 16 + 16 * 2 + 2
    with pytest.raises(ValueError, match="hidden_size must be a positive integer"):
        LastStepRNN(1, 0, 2)
    with pytest.raises(ValueError, match="cell must be one of"):
        LastStepRNN(1, 4, 2, cell="transformer")


def test_reverse_within_length_keeps_padding_in_place():
    x = torch.tensor([[1, 2, 3, 0], [4, 5, 0, 0]])
    reversed_ = reverse_within_length(x, review_lengths(x))
    assert reversed_.tolist() == [[3, 2, 1, 0], [5, 4, 0, 0]]
    assert torch.equal(reverse_within_length(reversed_, review_lengths(x)), x)


def copy_into_packed(masked: PooledReviewRNN, packed: PooledReviewRNN) -> None:
    """Give the packed model the masked model's weights (its layer i, direction d)."""
    packed.embedding.load_state_dict(masked.embedding.state_dict())
    packed.out.load_state_dict(masked.out.state_dict())
    with torch.no_grad():
        for i, layer in enumerate(masked.layers):
            for d, module in enumerate(layer):
                suffix = "_reverse" if d else ""
                for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                    getattr(packed.rnn, f"{name}_l{i}{suffix}").copy_(getattr(module, f"{name}_l0"))


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("pooling", ["last", "max", "mean", "max+mean"])
def test_masked_padding_gives_the_packed_sequences_result(cell, pooling):
    torch.manual_seed(0)
    kwargs = dict(cell=cell, layers=2, bidirectional=True, pooling=pooling)
    masked = PooledReviewRNN(50, 6, 5, padding="masked", **kwargs).eval()
    packed = PooledReviewRNN(50, 6, 5, padding="packed", **kwargs).eval()
    copy_into_packed(masked, packed)
    ids = post_padded([7, 3, 1, 7, 5], width=9)  # two columns of padding beyond the longest review
    assert torch.allclose(masked(ids), packed(ids), atol=1e-6)


@pytest.mark.parametrize("padding", ["masked", "packed"])
def test_padding_changes_nothing_not_even_the_gradient(padding):
    torch.manual_seed(0)
    model = PooledReviewRNN(
        50, 6, 5, cell="gru", bidirectional=True, pooling="max+mean", padding=padding
    )
    model.eval()
    ids = post_padded([4, 6, 2])
    longer = torch.cat([ids, torch.zeros(3, 5, dtype=torch.long)], dim=1)
    grads = []
    for x in (ids, longer):
        model.zero_grad()
        output = model(x)
        output.sum().backward()
        grads.append(model.embedding.weight.grad.clone())
    assert torch.allclose(model(ids), model(longer), atol=1e-6)
    assert torch.allclose(grads[0], grads[1], atol=1e-6)
    assert grads[0][0].abs().sum() == 0  # the padding id's embedding gets no gradient


def test_pooled_model_checks_its_arguments():
    with pytest.raises(ValueError, match="pooling"):
        PooledReviewRNN(10, 4, 4, pooling="sum")
    with pytest.raises(ValueError, match="dropout"):
        PooledReviewRNN(10, 4, 4, dropout=1.0)
    with pytest.raises(ValueError, match="embedding_weights"):
        PooledReviewRNN(10, 4, 4, embedding_weights=np.zeros((10, 5)))


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


def test_relu_activation_matches_keras_lstm_relu(keras):
    seed_everything(1)
    ours = ActivationLSTM(2, 6, activation="relu")
    x = torch.rand(3, 5, 2) * 4  # positive, unscaled inputs as in record 003
    layer = keras.layers.LSTM(6, activation="relu", return_sequences=True)
    layer.build((None, 5, 2))
    # Keras stores W^T with the same gate order (i, f, c, o) and a single bias.
    layer.set_weights(
        [
            ours.weight_ih.detach().numpy().T,
            ours.weight_hh.detach().numpy().T,
            (ours.bias_ih + ours.bias_hh).detach().numpy(),
        ]
    )
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


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_carrying_the_state_equals_reading_the_whole_sequence(cell):
    seed_everything(0)
    model = CharRNN(11, 8, cell, embedding_dim=5).eval()
    x = torch.randint(0, 11, (3, 12))
    whole, _ = model(x)
    first, state = model(x[:, :5])
    second, _ = model(x[:, 5:], detach_state(state))
    assert whole.shape == (3, 12, 11)
    torch.testing.assert_close(torch.cat([first, second], dim=1), whole)


def test_rnn_cell_follows_its_equation():
    seed_everything(1)
    model = CharRNN(7, 4, "rnn").eval()
    x = torch.tensor([[3, 0, 6, 2]])
    logits, state = model(x)
    rnn = model.rnn
    h = torch.zeros(4)
    for t in range(4):  # h_t = tanh(W_ih e_t + b_ih + W_hh h_{t-1} + b_hh)
        e = model.embedding.weight[x[0, t]]
        h = torch.tanh(
            rnn.weight_ih_l0 @ e + rnn.bias_ih_l0 + rnn.weight_hh_l0 @ h + rnn.bias_hh_l0
        )
        torch.testing.assert_close(logits[0, t], model.out.weight @ h + model.out.bias)
    torch.testing.assert_close(state[0, 0], h)


def test_model_argument_errors():
    with pytest.raises(ValueError, match="cell must be one of"):
        CharRNN(5, 4, "transformer")
    with pytest.raises(ValueError, match="vocab_size must be a positive integer, got 0"):
        CharRNN(0, 4)
    assert detach_state(None) is None


# ------------------------------------------------ against nn.GRU / nn.LSTM, review by review


@pytest.mark.parametrize("cell, reference", [("rnn", nn.RNN), ("gru", nn.GRU), ("lstm", nn.LSTM)])
def test_review_rnn_reads_the_last_state_of_torchs_own_cell(cell, reference):
    torch.manual_seed(0)
    model = ReviewRNN(30, 4, 6, cell=cell).eval()
    rnn = reference(4, 6, batch_first=True)
    rnn.load_state_dict(model.rnn.state_dict())
    ids = torch.randint(1, 30, (5, 8))
    with torch.no_grad():
        _, final = rnn(model.embedding(ids))
        h_T = final[0] if cell == "lstm" else final  # (layers, batch, hidden): h_n, not c_n
        expected = h_T[-1] @ model.out.weight.T + model.out.bias
        torch.testing.assert_close(model(ids), expected.squeeze(-1))
        model.sigmoid = True  # the record's variant: a probability
        torch.testing.assert_close(model(ids), torch.sigmoid(expected.squeeze(-1)))


def test_last_step_activation_lstm_is_nn_lstm_read_at_its_last_step():
    torch.manual_seed(2)
    model = LastStepActivationLSTM(3, 5, 2, activation="tanh")
    reference = nn.LSTM(3, 5, batch_first=True)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(reference, f"{name}_l0").copy_(getattr(model.rnn, name))
    x = torch.randn(4, 6, 3)
    _, (h_n, _) = reference(x)
    torch.testing.assert_close(model(x), model.out(h_n[0]))


def pooled_by_hand(model: PooledReviewRNN, review: torch.Tensor) -> torch.Tensor:
    """The features of one review, unpadded, computed without masks, packing or reversal helpers."""
    x = model.embedding(review[None])  # (1, L, E)
    if model.padding == "packed":
        states, _ = model.rnn(x)  # the review alone: nothing to pack
    else:
        for layer in model.layers:
            forward, _ = layer[0](x)
            parts = [forward]
            if model.directions == 2:
                backward, _ = layer[1](x.flip(1))
                parts.append(backward.flip(1))
            x = torch.cat(parts, dim=2)
        states = x
    states = states[0]  # (L, directions * hidden)
    hidden = states.shape[1] // model.directions
    if (
        model.pooling == "last"
    ):  # forward: after the last word; backward: after reading back to the first
        return (
            torch.cat([states[-1, :hidden], states[0, hidden:]])
            if model.directions == 2
            else states[-1]
        )
    pooled = {
        "max": [states.max(dim=0).values],
        "mean": [states.mean(dim=0)],
        "max+mean": [states.max(dim=0).values, states.mean(dim=0)],
    }[model.pooling]
    return torch.cat(pooled)


@pytest.mark.parametrize("padding", ["masked", "packed"])
@pytest.mark.parametrize("pooling", ["last", "max", "mean", "max+mean"])
@pytest.mark.parametrize("bidirectional", [True, False])
def test_pooling_of_a_padded_batch_equals_each_review_alone(padding, pooling, bidirectional):
    torch.manual_seed(3)
    model = PooledReviewRNN(
        50,
        5,
        4,
        cell="gru",
        layers=2,
        bidirectional=bidirectional,
        pooling=pooling,
        padding=padding,
    ).eval()
    ids = post_padded([6, 2, 9, 1, 4], width=11)
    with torch.no_grad():
        logits = model(ids)
        for i, length in enumerate(review_lengths(ids).tolist()):
            expected = model.out(pooled_by_hand(model, ids[i, :length]))
            torch.testing.assert_close(logits[i], expected[0], atol=1e-6, rtol=1e-5)


# ---------------------------------------------------------------- closing mutants (issue 13)


@pytest.mark.parametrize("freeze", [False, True])
def test_review_rnn_starts_from_a_copy_of_pretrained_vectors(freeze):
    weights = np.arange(12, dtype=np.float64).reshape(6, 2) / 10
    model = ReviewRNN(6, 2, 3, embedding_weights=weights, freeze_embedding=freeze)
    assert model.embedding.weight.dtype == torch.float32
    assert torch.equal(model.embedding.weight, torch.tensor(weights, dtype=torch.float32))
    assert model.embedding.weight.requires_grad is not freeze
    single = weights.astype(np.float32)
    copied = ReviewRNN(6, 2, 3, embedding_weights=single, freeze_embedding=freeze)
    single[0] = 99.0  # the model holds its own copy, even of float32 vectors
    assert torch.equal(copied.embedding.weight, torch.tensor(weights, dtype=torch.float32))
    assert isinstance(model.rnn, nn.RNN) and model.sigmoid is False  # cell "rnn", logits
    assert model.out.in_features == 3 and model.out.out_features == 1
    assert model(torch.tensor([[1, 2, 3], [4, 5, 0]])).shape == (2,)


@pytest.mark.parametrize("model_class", [ReviewRNN, PooledReviewRNN])
@pytest.mark.parametrize("position", [0, 1, 2])
def test_review_models_name_a_size_that_is_not_positive(model_class, position):
    name = ("vocab_size", "embedding_dim", "hidden_size")[position]
    sizes = [6, 2, 3]
    sizes[position] = 0
    with pytest.raises(ValueError, match=says(name, "positive integer", "got 0")):
        model_class(*sizes)


def test_review_rnn_messages():
    with pytest.raises(ValueError, match=says("cell", "one of 'gru', 'lstm', 'rnn'", "got 'RNN'")):
        ReviewRNN(6, 2, 3, cell="RNN")
    with pytest.raises(
        ValueError,
        match=says("embedding_weights", "(vocab_size, embedding_dim) = (6, 2)", "got (6, 3)"),
    ):
        ReviewRNN(6, 2, 3, embedding_weights=np.zeros((6, 3)))
    with pytest.raises(
        ValueError,
        match=says("freeze_embedding=True", "needs embedding_weights"),
    ):
        ReviewRNN(6, 2, 3, freeze_embedding=True)


@pytest.mark.parametrize(
    "options",
    [{}, {"pretrained": True, "freeze_embedding": True}, {"pretrained": True}],
    ids=["random", "frozen", "fine-tuned"],
)
def test_review_rnn_padding_row_is_zero_and_never_trained_in_every_variant(options):
    """Lesson 9's three embeddings read padding alike: with padding_idx=0 row 0 is
    zeros, a pre-trained row 0 included, and a training step leaves it zeros."""
    options = dict(options)
    if options.pop("pretrained", False):
        options["embedding_weights"] = np.arange(1, 13, dtype=np.float32).reshape(6, 2)
    torch.manual_seed(0)
    model = ReviewRNN(6, 2, 3, padding_idx=0, **options)
    assert model.embedding.padding_idx == 0
    assert torch.equal(model.embedding.weight[0], torch.zeros(2))
    if "embedding_weights" in options:  # the other rows are the vectors given
        given = torch.tensor(options["embedding_weights"][1:])
        assert torch.equal(model.embedding.weight[1:], given)
    loss = model(torch.tensor([[0, 0, 1, 2], [0, 3, 4, 5]])).square().sum()
    loss.backward()
    if model.embedding.weight.requires_grad:
        assert model.embedding.weight.grad[0].abs().sum() == 0
        assert model.embedding.weight.grad[1:].abs().sum() > 0
    torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=1.0).step()
    assert torch.equal(model.embedding.weight[0], torch.zeros(2))


def test_review_rnn_without_padding_idx_trains_row_0_as_record_000_did():
    torch.manual_seed(0)
    model = ReviewRNN(6, 2, 3)
    assert model.embedding.padding_idx is None and model.embedding.weight[0].abs().sum() > 0
    model(torch.tensor([[0, 0, 1, 2]])).sum().backward()
    assert model.embedding.weight.grad[0].abs().sum() > 0
    with pytest.raises(ValueError, match=says("padding_idx", "None or an id in [0, 6)", "got 6")):
        ReviewRNN(6, 2, 3, padding_idx=6)


def test_reverse_within_length_builds_its_index_on_the_device_of_its_input():
    x = torch.tensor([[1, 2, 3, 0], [4, 5, 0, 0]])
    lengths = review_lengths(x)
    with torch.device("meta"):  # tensors made without a device would land on "meta"
        reversed_ = reverse_within_length(x, lengths)
    assert reversed_.device == x.device and reversed_.tolist() == [[3, 2, 1, 0], [5, 4, 0, 0]]


def test_pooled_review_rnn_defaults_padding_row_and_pretrained_start():
    model = PooledReviewRNN(10, 4, 3)
    assert (model.cell, model.pooling, model.padding, model.directions) == (
        "rnn",
        "max",
        "masked",
        2,
    )
    assert len(model.layers) == 1 and model.dropout.p == 0.0
    assert model.embedding.padding_idx == 0
    assert torch.equal(model.embedding.weight[0], torch.zeros(4))
    weights = np.arange(40, dtype=np.float64).reshape(10, 4) / 8
    started = PooledReviewRNN(10, 4, 3, embedding_weights=weights)
    assert torch.equal(started.embedding.weight, torch.tensor(weights, dtype=torch.float32))


@pytest.mark.parametrize("layers, dropout", [(1, 0.3), (2, 0.3), (3, 0.0)])
def test_packed_layers_get_dropout_only_between_layers(layers, dropout):
    model = PooledReviewRNN(10, 4, 3, layers=layers, padding="packed", dropout=dropout)
    assert model.rnn.num_layers == layers
    assert model.rnn.dropout == (dropout if layers > 1 else 0.0)


class CountingDropout(nn.Module):
    def __init__(self):
        super().__init__()
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        return x


@pytest.mark.parametrize("layers", [1, 2, 3])
def test_masked_dropout_on_embeddings_between_layers_and_before_the_output(layers):
    model = PooledReviewRNN(10, 4, 3, layers=layers)
    model.dropout = CountingDropout()
    model(post_padded([3, 5, 2], vocab=10))
    assert model.dropout.calls == 1 + (layers - 1) + 1


@pytest.mark.parametrize("pooling", ["last", "max+mean"])
def test_pooled_review_rnn_makes_its_index_tensors_on_the_device_of_its_input(pooling):
    torch.manual_seed(0)
    model = PooledReviewRNN(10, 4, 3, pooling=pooling).eval()
    ids = post_padded([3, 5, 2], vocab=10)
    with torch.no_grad():
        expected = model(ids)
        with torch.device("meta"):  # tensors made without a device would land on "meta"
            got = model(ids)
    assert got.device == ids.device and torch.equal(got, expected)


def test_pooled_review_rnn_messages():
    with pytest.raises(ValueError, match=says("layers", "positive integer", "got 0")):
        PooledReviewRNN(6, 2, 3, layers=0)
    for name, value, choices in (
        ("cell", "RNN", "'gru', 'lstm', 'rnn'"),
        ("pooling", "sum", "'last', 'max', 'mean', 'max+mean'"),
        ("padding", "pad", "'masked', 'packed'"),
    ):
        with pytest.raises(ValueError, match=says(name, f"one of {choices}", f"got {value!r}")):
            PooledReviewRNN(6, 2, 3, **{name: value})
