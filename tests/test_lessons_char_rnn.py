import math

import numpy as np
import pytest
import torch
from scipy.stats import entropy as scipy_entropy

from labhelpers.data.chars import CharCodec
from labhelpers.lessons.char_rnn import entropy, generate_text, sample_next, temperature_softmax
from labhelpers.models import CharRNN
from labhelpers.runtime import seed_everything

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_temperature_softmax_matches_numpy_and_sharpens_below_one():
    logits = torch.tensor([2.0, 1.0, 0.5, -1.0, 0.0], dtype=torch.float64)
    for temperature in (0.3, 1.0, 2.5):
        scaled = logits.numpy() / temperature
        expected = np.exp(scaled - scaled.max()) / np.exp(scaled - scaled.max()).sum()
        np.testing.assert_allclose(
            temperature_softmax(logits, temperature).numpy(), expected, rtol=1e-12
        )
    entropies = [entropy(temperature_softmax(logits, t)).item() for t in (0.25, 0.5, 1.0, 1.5, 3.0)]
    assert entropies == sorted(entropies) and entropies[0] < entropies[-1]
    assert entropies[-1] < math.log(5)  # never above uniform
    torch.testing.assert_close(
        temperature_softmax(logits, np.float32(0.5)), temperature_softmax(logits, 0.5)
    )


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
    torch.testing.assert_close(
        frequencies, torch.tensor([0.1, 0.6, 0.3], dtype=torch.float64), atol=0.015, rtol=0
    )
    cold = torch.bincount(sample_next(batch, 0.2, seed=5), minlength=3).double() / len(first)
    assert cold[1] > 0.95  # a low temperature almost always takes the most likely character
    generator = torch.Generator().manual_seed(9)
    assert sample_next(logits, 1.0, generator).shape == ()
    with pytest.raises(
        ValueError, match="seed must be a non-negative integer or a torch.Generator"
    ):
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
