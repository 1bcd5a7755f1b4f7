import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy.stats import entropy as scipy_entropy

from labhelpers.data.batches import BPTTBatches
from labhelpers.data.chars import CharCodec
from labhelpers.lessons.char_rnn import entropy, generate_text, sample_next, temperature_softmax
from labhelpers.metrics import perplexity
from labhelpers.models import CharRNN, detach_state
from labhelpers.runtime import seed_everything
from labhelpers.training import fit_char_model, run_bptt_epoch

pytestmark = pytest.mark.usefixtures("one_torch_thread")


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
        h = torch.tanh(rnn.weight_ih_l0 @ e + rnn.bias_ih_l0 + rnn.weight_hh_l0 @ h + rnn.bias_hh_l0)
        torch.testing.assert_close(logits[0, t], model.out.weight @ h + model.out.bias)
    torch.testing.assert_close(state[0, 0], h)


def test_model_argument_errors():
    with pytest.raises(ValueError, match="cell must be one of"):
        CharRNN(5, 4, "transformer")
    with pytest.raises(ValueError, match="vocab_size must be a positive integer, got 0"):
        CharRNN(0, 4)
    assert detach_state(None) is None


def test_evaluating_in_chunks_with_carried_state_equals_one_pass():
    # Truncation changes the gradients, never the forward pass: the mean cross-entropy
    # over BPTT batches equals the loss of reading every stream in one go.
    seed_everything(2)
    model = CharRNN(6, 8, "lstm").eval()
    text = np.random.default_rng(0).integers(0, 6, size=401)
    batches = BPTTBatches(text, batch_size=4, seq_len=9)
    ours = run_bptt_epoch(model, batches, "cpu")
    logits, _ = model(torch.from_numpy(batches.inputs))
    reference = F.cross_entropy(logits.reshape(-1, 6), torch.from_numpy(batches.targets).reshape(-1))
    assert ours == pytest.approx(reference.item(), rel=1e-5)


def test_training_learns_a_repeating_text():
    seed_everything(3)
    codec = CharCodec("abcd")
    text = codec.encode("abcd" * 100)
    model = CharRNN(codec.vocab_size, 16, "gru")
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    history = fit_char_model(model, optimizer, BPTTBatches(text, 4, 10), BPTTBatches(text, 2, 20),
                             epochs=8, log_every=8)
    assert set(history) == {"loss", "perplexity", "val_loss", "val_perplexity", "seconds"}
    assert history.epochs == 8
    assert history["perplexity"][0] > 2.0 and history["val_perplexity"][-1] < 1.1
    assert history["val_perplexity"][-1] == pytest.approx(math.exp(history["val_loss"][-1]))
    assert generate_text(model, codec, "ab", 10, temperature=0.5, seed=0) == "abcdabcdabcd"
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        fit_char_model(model, optimizer, BPTTBatches(text, 4, 20), epochs=0)


def test_perplexity_of_uniform_scores_is_the_vocabulary_size():
    assert perplexity(0.0) == 1.0
    logits = torch.zeros(10, 13)
    loss = F.cross_entropy(logits, torch.arange(10))
    assert perplexity(loss.item()) == pytest.approx(13.0)


def test_temperature_softmax_matches_numpy_and_sharpens_below_one():
    logits = torch.tensor([2.0, 1.0, 0.5, -1.0, 0.0], dtype=torch.float64)
    for temperature in (0.3, 1.0, 2.5):
        scaled = logits.numpy() / temperature
        expected = np.exp(scaled - scaled.max()) / np.exp(scaled - scaled.max()).sum()
        np.testing.assert_allclose(temperature_softmax(logits, temperature).numpy(), expected, rtol=1e-12)
    entropies = [entropy(temperature_softmax(logits, t)).item() for t in (0.25, 0.5, 1.0, 1.5, 3.0)]
    assert entropies == sorted(entropies) and entropies[0] < entropies[-1]
    assert entropies[-1] < math.log(5)  # never above uniform
    torch.testing.assert_close(temperature_softmax(logits, np.float32(0.5)), temperature_softmax(logits, 0.5))


@pytest.mark.parametrize("temperature", [0, 0.0, -1.0, float("nan"), float("inf"), True])
def test_temperature_must_be_positive(temperature):
    with pytest.raises(ValueError, match="temperature must be a positive number"):
        temperature_softmax(torch.zeros(3), temperature)


def test_entropy_matches_scipy():
    p = torch.tensor([[0.5, 0.25, 0.25, 0.0], [0.1, 0.2, 0.3, 0.4]], dtype=torch.float64)
    np.testing.assert_allclose(entropy(p).numpy(), scipy_entropy(p.numpy(), axis=1), rtol=1e-12)


def test_sampling_is_deterministic_for_a_seed_and_follows_the_distribution():
    logits = torch.log(torch.tensor([0.1, 0.6, 0.3]))
    batch = logits.repeat(20000, 1)
    first, again = sample_next(batch, 1.0, seed=5), sample_next(batch, 1.0, seed=5)
    assert torch.equal(first, again) and first.shape == (20000,)
    assert not torch.equal(first, sample_next(batch, 1.0, seed=6))
    frequencies = torch.bincount(first, minlength=3).double() / len(first)
    torch.testing.assert_close(frequencies, torch.tensor([0.1, 0.6, 0.3], dtype=torch.float64),
                               atol=0.015, rtol=0)
    cold = torch.bincount(sample_next(batch, 0.2, seed=5), minlength=3).double() / len(first)
    assert cold[1] > 0.95  # a low temperature almost always takes the most likely character
    generator = torch.Generator().manual_seed(9)
    assert sample_next(logits, 1.0, generator).shape == ()
    with pytest.raises(ValueError, match="seed must be a non-negative integer or a torch.Generator"):
        sample_next(logits, 1.0, seed=-3)


def test_generate_text_is_deterministic_for_a_seed():
    seed_everything(4)
    codec = CharCodec("the cat sat on the mat")
    model = CharRNN(codec.vocab_size, 12, "lstm")
    text = generate_text(model, codec, "the ", 40, temperature=1.0, seed=11)
    torch.manual_seed(123)  # the global random state plays no part
    assert generate_text(model, codec, "the ", 40, temperature=1.0, seed=11) == text
    assert len(text) == 44 and text.startswith("the ") and set(text) <= set(codec.idx2char)
    assert generate_text(model, codec, "the ", 40, temperature=1.0, seed=12) != text
    with pytest.raises(ValueError, match="temperature must be a positive number, got 0"):
        generate_text(model, codec, "the ", 5, temperature=0)
    with pytest.raises(ValueError, match="length must be a positive integer"):
        generate_text(model, codec, "the ", 0)
    with pytest.raises(ValueError, match="prompt must hold at least one character"):
        generate_text(model, codec, "", 5)
