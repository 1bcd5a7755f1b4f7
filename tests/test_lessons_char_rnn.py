import math

import numpy as np
import pytest
import torch
from scipy.stats import entropy as scipy_entropy

from labhelpers import noise
from labhelpers.data.batches import BPTTBatches
from labhelpers.data.chars import CharCodec
from labhelpers.lessons.char_rnn import (
    ChunkLosses,
    chunk_losses,
    entropy,
    generate_text,
    leak_sentences,
    past_only_losses,
    sample_next,
    temperature_softmax,
    validation_loss,
)
from labhelpers.models import BidirectionalCharRNN, CharRNN
from labhelpers.runtime import seed_everything
from labhelpers.training import run_bptt_epoch

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


def test_over_items_weighted_mean_and_standard_error():
    values = [2.0, 2.5, 3.5, 1.0]
    equal = noise.over_items(values, what="chunks")
    seeds = noise.over_seeds(values)
    assert equal.value == pytest.approx(seeds.value, abs=1e-15)
    assert equal.se == pytest.approx(seeds.se, rel=1e-12)
    assert equal.source == "s.e. of the mean over 4 chunks"
    weights = np.array([50.0, 50.0, 49.0, 10.0])
    x = np.array(values)
    weighted = noise.over_items(values, weights)
    mean = (weights * x).sum() / weights.sum()
    se = np.sqrt(4 / 3 * ((weights * (x - mean)) ** 2).sum()) / weights.sum()
    assert weighted.value == pytest.approx(mean, rel=1e-14)
    assert weighted.se == pytest.approx(se, rel=1e-12)
    assert noise.over_items([1.0, 1.0, 1.0]).se == 0.0
    with pytest.raises(ValueError, match="at least 2 items"):
        noise.over_items([1.0])
    with pytest.raises(ValueError, match="3 weights for 2 values"):
        noise.over_items([1.0, 2.0], [1, 1, 1])
    with pytest.raises(ValueError, match="weights must be finite and above 0"):
        noise.over_items([1.0, 2.0], [1, 0])


def _char_batches():
    codec = CharCodec("the cat sat on the mat and the dog ate the hat. " * 4)
    ids = codec.encode("the cat sat on the mat and the dog ate the hat. " * 4)
    return codec, BPTTBatches(ids, 3, 10)  # streams of 63: the last batch is 3 steps long


def test_chunk_losses_average_to_the_training_loop_loss():
    seed_everything(2)
    codec, batches = _char_batches()
    for model in (CharRNN(codec.vocab_size, 8, "gru"), BidirectionalCharRNN(codec.vocab_size, 8)):
        chunks = chunk_losses(model, batches)
        assert chunks.loss.shape == chunks.count.shape == (3 * len(batches),)
        assert set(chunks.count) == {10, 3}
        measured = chunks.measured()
        assert measured.value == pytest.approx(run_bptt_epoch(model, batches, "cpu"), rel=1e-6)
        assert measured.se > 0 and "validation chunks" in measured.source


def test_past_only_matches_teacher_forcing_for_a_causal_model_not_a_bidirectional_one():
    seed_everything(3)
    codec, batches = _char_batches()
    one = [next(iter(batches))]  # one batch: every chunk starts from zeros in both
    causal = CharRNN(codec.vocab_size, 8, "lstm")
    np.testing.assert_allclose(
        past_only_losses(causal, one).loss, chunk_losses(causal, one).loss, rtol=1e-5
    )
    both_ways = BidirectionalCharRNN(codec.vocab_size, 8, "rnn", embedding_dim=5)
    assert not np.allclose(past_only_losses(both_ways, one).loss, chunk_losses(both_ways, one).loss)
    # the scores at step t change when a later input changes: the backward direction reads it
    x = torch.as_tensor(one[0][0])
    changed = x.clone()
    changed[:, -1] = (changed[:, -1] + 1) % codec.vocab_size
    with torch.no_grad():
        assert not torch.allclose(both_ways(x)[0][:, 0], both_ways(changed)[0][:, 0])
        assert torch.allclose(causal(x)[0][:, :-1], causal(changed)[0][:, :-1])
    assert both_ways(x)[1] is None
    with pytest.raises(ValueError, match="reads each chunk from zeros"):
        both_ways(x, torch.zeros(2, 3, 8))


def test_generate_text_rereads_the_text_for_a_model_without_state():
    seed_everything(5)
    codec = CharCodec("the cat sat on the mat")
    model = BidirectionalCharRNN(codec.vocab_size, 6, "gru")
    text = generate_text(model, codec, "the ", 12, temperature=1.0, seed=3)
    assert generate_text(model, codec, "the ", 12, temperature=1.0, seed=3) == text
    generator = torch.Generator().manual_seed(3)
    expected = "the "
    with torch.no_grad():
        for _ in range(12):
            logits, _ = model(torch.as_tensor(codec.encode(expected))[None, :])
            expected += codec.decode([int(sample_next(logits[0, -1], 1.0, generator))])
    assert text == expected


def _loss(value, se=0.01):
    return noise.Measured(value, se, "test")


@pytest.mark.parametrize(
    "teacher, past, reference, says",
    [
        (1.0, 2.0, 1.8, "the leak."),
        (1.7, 2.0, 1.7, "but in this run not below the GRU(8)'s"),
        (2.0, 2.0, 1.8, "the leak does not show"),
        (2.5, 2.0, 1.8, "the leak does not show"),
    ],
)
def test_leak_sentences_read_right_in_every_branch(teacher, past, reference, says):
    text = leak_sentences(
        "the BiGRU(8)", _loss(teacher), _loss(past), "the GRU(8)", _loss(reference)
    )
    assert says in text
    if says != "the leak.":
        assert "the leak." not in text and "too good" not in text
    assert text.startswith("Read teacher-forced, the BiGRU(8) ")
    assert "Reading only up to step t (all that generation can read) " in text
    assert " the BiGRU(8)'s validation loss (nats per character)" in text


def test_validation_loss_is_over_seeds_where_there_are_several():
    chunks = ChunkLosses(np.array([2.0, 2.2, 2.4]), np.array([10, 10, 5]))
    one = validation_loss([2.1], chunks)
    assert one == chunks.measured() and "3 validation chunks" in one.source
    several = validation_loss([2.1, 2.3, 2.0], chunks)
    assert several == noise.over_seeds([2.1, 2.3, 2.0]) and "3 seeds" in several.source
    with pytest.raises(ValueError, match="at least one training"):
        validation_loss([], chunks)


def test_lesson_10_says_what_it_counts_and_what_it_compares():
    """Issue 22: the truncation counted as lesson 3 counts lags, the free-running error's
    one reference, teacher forcing cited, and the bidirectional restriction stated."""
    from conftest import ROOT

    text = " ".join((ROOT / "notebooks" / "10_char_rnn.py").read_text().split())
    assert "gradients flow back at most $T$ steps" not in text
    assert "reaches back $t - 1$ steps" in text and "back the most, $T - 1$ steps" in text
    assert "divergence from one reference continuation" in text
    assert "**teacher forcing** (Williams & Zipser, 1989)" in text
    assert "cannot generate text" not in text
    assert "per-step prediction" in text and "streaming" in text
    assert "bidirectional encoder of lesson 9's past window" in text


def test_lesson_10_settings_that_cannot_work_are_named():
    from labhelpers.lessons.char_rnn import check_settings

    good = dict(toy_text="hello world", prompt="The ", max_chars=0, train_fraction=0.9,
                batch_size=32, seq_len=50)  # fmt: skip
    check_settings(good)
    check_settings({**good, "max_chars": 1779})  # 32 x 50 + 1 = 1601 training characters
    for change, message in [
        ({"toy_text": ""}, r"toy_text must hold at least 2 characters .*got ''"),
        ({"toy_text": "a"}, r"toy_text must hold at least 2 characters"),
        ({"prompt": ""}, r"prompt must hold at least one character"),
        ({"max_chars": 100}, r"max_chars=100 leaves too little text .*at least 1779, or 0"),
        ({"max_chars": 1778}, r"max_chars=1778 .*at least 1779"),
    ]:
        with pytest.raises(ValueError, match=message):
            check_settings({**good, **change})
