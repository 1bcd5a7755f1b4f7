import math

import numpy as np
import pytest
import torch
from scipy.stats import entropy as scipy_entropy

from labhelpers import noise
from labhelpers.base.runtime import seed_everything
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


def test_past_only_of_a_bidirectional_model_equals_reading_every_prefix():
    """Issue 27: two passes per chunk instead of T, the same losses as one pass per prefix."""
    seed_everything(8)
    codec, batches = _char_batches()
    for cell in ("rnn", "gru", "lstm"):
        model = BidirectionalCharRNN(codec.vocab_size, 6, cell, embedding_dim=4)
        fast = past_only_losses(model, batches)
        by_prefix = []
        with torch.no_grad():
            for inputs, targets in batches:
                inputs, targets = torch.as_tensor(inputs), torch.as_tensor(targets)
                per_step = [
                    torch.nn.functional.cross_entropy(
                        model(inputs[:, :t])[0][:, -1].double(), targets[:, t - 1], reduction="none"
                    )
                    for t in range(1, inputs.shape[1] + 1)
                ]
                by_prefix.append(torch.stack(per_step, dim=1).mean(dim=1).numpy())
        np.testing.assert_allclose(fast.loss, np.concatenate(by_prefix), rtol=1e-5, atol=1e-6)
        assert set(fast.count) == {10, 3}


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

    text = " ".join((ROOT / "notebooks" / "12_char_rnn.py").read_text().split())
    assert "gradients flow back at most $T$ steps" not in text
    assert "reaches back $t - 1$ steps" in text and "back the most, $T - 1$ steps" in text
    assert "divergence from one reference continuation" in text
    assert "**teacher forcing** (Williams & Zipser, 1989)" in text
    assert "cannot generate text" not in text
    assert "per-step prediction" in text and "streaming" in text
    assert "bidirectional encoder of lesson 11's past window" in text


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


def test_checkpoint_epochs_are_before_first_middle_and_last():
    from labhelpers.lessons.char_rnn import checkpoint_epochs

    assert checkpoint_epochs(1) == [0, 1]
    assert checkpoint_epochs(2) == [0, 1, 2]
    assert checkpoint_epochs(5) == [0, 1, 3, 5]
    assert checkpoint_epochs(6) == [0, 1, 3, 6]
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        checkpoint_epochs(0)


def test_fit_with_checkpoints_trains_as_fit_char_model_and_keeps_the_weights(capsys):
    """Issue 25: samples from several points of the lesson's own training, no extra training."""
    from labhelpers.lessons.char_rnn import fit_with_checkpoints
    from labhelpers.training import fit_char_model

    codec, batches = _char_batches()

    def fresh():
        torch.manual_seed(7)
        model = CharRNN(codec.vocab_size, 8, "gru", embedding_dim=4)
        return model, torch.optim.Adam(model.parameters(), lr=0.01)

    model, optimizer = fresh()
    expected = fit_char_model(model, optimizer, batches, batches, epochs=3, device="cpu")
    printed = capsys.readouterr().out
    again, optimizer = fresh()
    start = {name: value.clone() for name, value in again.state_dict().items()}
    history, weights = fit_with_checkpoints(
        again, optimizer, batches, batches, epochs=3, checkpoints=[0, 1, 3], device="cpu"
    )
    lines = capsys.readouterr().out
    assert sorted(weights) == [0, 1, 3]
    for key in ("loss", "val_loss", "perplexity", "val_perplexity"):
        assert history[key] == expected[key]
    assert history.epochs == 3 and len(history["seconds"]) == 3
    strip = [line.rsplit("(", 1)[0] for line in printed.splitlines()]  # seconds differ
    assert [line.rsplit("(", 1)[0] for line in lines.splitlines()] == strip
    assert len(strip) == 3 and strip[0].startswith("epoch 1/3")
    for name, value in model.state_dict().items():
        torch.testing.assert_close(weights[3][name], value, rtol=0, atol=0)
        torch.testing.assert_close(weights[0][name], start[name], rtol=0, atol=0)
    assert not torch.equal(weights[1]["out.weight"], weights[3]["out.weight"])
    # a copy, not the live tensors
    weights[3]["out.weight"].add_(1.0)
    assert not torch.equal(weights[3]["out.weight"], again.state_dict()["out.weight"])
    _, quiet = fit_with_checkpoints(
        fresh()[0], fresh()[1], batches, None, epochs=4, checkpoints=[2], log_every=2, device="cpu"
    )
    assert sorted(quiet) == [2]
    assert [line.split()[1] for line in capsys.readouterr().out.splitlines()] == ["2/4", "4/4"]
    with pytest.raises(ValueError, match=r"checkpoints must lie in 0..2, got \[3\]"):
        fit_with_checkpoints(model, optimizer, batches, None, epochs=2, checkpoints=[3])


def test_known_word_share_counts_runs_of_letters():
    from labhelpers.lessons.char_rnn import known_word_share, words_of

    words = words_of('The fire, "the fire" burns.\nRain fell in 2001.')
    assert words == {"the", "fire", "burns", "rain", "fell", "in"}
    assert known_word_share("the Fire xqz burnz, rain.", words) == (3, 5)
    assert known_word_share("", words) == (0, 0)
    assert known_word_share("...  ,", words) == (0, 0)


def test_text_properties_by_hand():
    from labhelpers.lessons.char_rnn import TEXT_PROPERTIES, text_properties

    text = 'He said "no, go" now\n"open'
    assert len(text) == 26
    found = text_properties(text)
    assert tuple(found) == TEXT_PROPERTIES
    # fmt: off
    #        H  e  _  s  a  i  d  _  "  n  o  ,  _  g  o  "  _  n  o  w  \n "  o  p  e  n
    quotes = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]
    into   = [1, 2, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 4, 5]
    space  = [0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    # fmt: on
    np.testing.assert_array_equal(found["inside quotes"], quotes)
    np.testing.assert_array_equal(found["letters into the word"], into)
    np.testing.assert_array_equal(found["just read a space"], space)


def test_hidden_states_are_the_recurrent_layers_output_read_in_streams():
    from labhelpers.lessons.char_rnn import hidden_states

    seed_everything(6)
    codec, _ = _char_batches()
    ids = codec.encode("the cat sat on the mat and the dog ate the hat")  # 46 characters
    for cell in ("rnn", "gru", "lstm"):
        model = CharRNN(codec.vocab_size, 5, cell, embedding_dim=3)
        states, n = hidden_states(model, ids)
        assert states.shape == (46, 5) and n == 46
        # an independent reading: the RNN cell by hand for "rnn", the layer step by step else
        if cell == "rnn":
            rnn, h, by_hand = model.rnn, torch.zeros(5), []
            with torch.no_grad():
                for index in ids:
                    e = model.embedding.weight[index]
                    h = torch.tanh(
                        rnn.weight_ih_l0 @ e
                        + rnn.bias_ih_l0
                        + rnn.weight_hh_l0 @ h
                        + rnn.bias_hh_l0
                    )
                    by_hand.append(h.numpy().copy())
            np.testing.assert_allclose(states, np.array(by_hand), rtol=1e-5, atol=1e-6)
        with torch.no_grad():
            state, steps = None, []
            for index in ids:
                out, state = model.rnn(model.embedding(torch.tensor([[index]])), state)
                steps.append(out[0, 0].numpy())
        np.testing.assert_allclose(states, np.array(steps), rtol=1e-5, atol=1e-6)
        # three streams of 15: each row read from zeros; the last character dropped
        rows, n = hidden_states(model, ids, streams=3)
        assert rows.shape == (45, 5) and n == 45
        for row in range(3):
            alone, _ = hidden_states(model, ids[15 * row : 15 * (row + 1)])
            np.testing.assert_allclose(rows[15 * row : 15 * (row + 1)], alone, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="too few for 50 streams"):
        hidden_states(model, ids, streams=50)


def test_unit_correlations_match_numpy_corrcoef():
    from labhelpers.lessons.char_rnn import unit_correlations

    rng = np.random.default_rng(0)
    values = rng.integers(0, 2, size=200).astype(float)
    activations = rng.normal(size=(200, 4))
    activations[:, 1] += 2 * values  # correlated
    activations[:, 2] = -activations[:, 1] + 0.1 * rng.normal(size=200)  # anti-correlated
    activations[:, 3] = 0.5  # constant: no correlation
    r = unit_correlations(activations, values)
    for unit in range(3):
        assert r[unit] == pytest.approx(np.corrcoef(activations[:, unit], values)[0, 1], rel=1e-12)
    assert np.isnan(r[3]) and r[1] > 0.5 and r[2] < -0.5
    assert np.isnan(unit_correlations(activations, np.ones(200))).all()
    with pytest.raises(ValueError, match=r"activations must be \(n, units\)"):
        unit_correlations(activations, values[:-1])


def test_block_correlation_is_the_mean_of_the_blocks_r_with_its_standard_error():
    from labhelpers.lessons.char_rnn import block_correlation

    rng = np.random.default_rng(1)
    values = rng.integers(0, 2, size=103).astype(float)
    column = values + rng.normal(size=103)
    measured = block_correlation(column, values, blocks=4)  # blocks of 25, 3 dropped
    rs = [
        np.corrcoef(column[25 * b : 25 * (b + 1)], values[25 * b : 25 * (b + 1)])[0, 1]
        for b in range(4)
    ]
    assert measured.value == pytest.approx(np.mean(rs), rel=1e-12)
    assert measured.se == pytest.approx(np.std(rs, ddof=1) / 2, rel=1e-10)
    assert measured.source == "s.e. of the mean over 4 blocks of 25 characters"
    flat = values.copy()
    flat[:75] = 1.0  # the property does not vary in the first three blocks
    assert block_correlation(column, flat, blocks=4) is None
    flat[:50] = values[:50]  # the first two vary again: three blocks with the last
    three = block_correlation(column, flat, blocks=4)
    assert three.value == pytest.approx(np.mean([rs[0], rs[1], rs[3]]), rel=1e-12)
    assert three.source == "s.e. of the mean over 3 blocks of 25 characters"
    with pytest.raises(ValueError, match="same length of at least 8"):
        block_correlation(column[:7], values[:7], blocks=4)


def test_find_unit_chooses_on_training_text_and_orients_held_out_by_its_sign():
    from labhelpers.lessons.char_rnn import block_correlation, find_unit

    rng = np.random.default_rng(2)
    train_values = rng.integers(0, 2, size=400).astype(float)
    held_values = rng.integers(0, 2, size=400).astype(float)
    train = rng.normal(size=(400, 6))
    held = rng.normal(size=(400, 6))
    train[:, 4] -= 3 * train_values  # unit 4: strongly, negatively correlated
    held[:, 4] -= 3 * held_values
    train[:, 1] += 1 * train_values  # unit 1: weaker, positive
    found = find_unit("p", train, train_values, held, held_values, blocks=5, seed=3)
    assert found.unit == 4 and found.train_r < -0.5
    assert found.train_r == pytest.approx(np.corrcoef(train[:, 4], train_values)[0, 1])
    plain = block_correlation(held[:, 4], held_values, 5)
    assert found.held_out.value == pytest.approx(-plain.value) and found.held_out.value > 0.5
    assert found.held_out.se == plain.se
    assert found.random_unit != 4 and found.random_unit in range(6)
    assert found.random_unit == find_unit("p", train, train_values, held, held_values, 5, 3)[4]
    sign = np.sign(found.random_train_r)
    random_plain = block_correlation(held[:, found.random_unit], held_values, 5)
    assert found.random_held_out.value == pytest.approx(sign * random_plain.value)
    with pytest.raises(ValueError, match="does not vary in the training text"):
        find_unit("p", train, np.zeros(400), held, held_values)


def _finding(held, random_held):
    from labhelpers.lessons.char_rnn import UnitFinding

    return UnitFinding(
        "inside quotes", 7, 0.61, held and _loss(held, 0.02), 3, -0.05,
        random_held and _loss(random_held, 0.02),
    )  # fmt: skip


@pytest.mark.parametrize(
    "held, random_held, says",
    [
        (0.55, 0.03, "higher by 0.520 ± 0.028, more than 2 standard errors."),
        (0.04, 0.03, "a difference of +0.010 ± 0.028, within noise (under 2 standard errors)."),
        (0.01, 0.30, "lower by 0.290 ± 0.028, more than 2 standard errors: the training text"),
        (None, 0.03, "too few blocks where the property and both units vary"),
        (0.55, None, "too few blocks where the property and both units vary"),
    ],
)
def test_unit_sentence_reads_right_in_every_branch(held, random_held, says):
    from labhelpers.lessons.char_rnn import unit_sentence

    text = unit_sentence(_finding(held, random_held))
    assert text.startswith(
        'For the property "inside quotes", unit 7 has the largest correlation on the training '
        "text (r = +0.610)"
    )
    assert says in text and text.endswith(".")
    if held and random_held:
        assert f"{held:+.3f} ± 0.020 (test), against {random_held:+.3f} ± 0.020 for unit 3," in text


def test_passage_around_holds_the_first_quote():
    from labhelpers.lessons.char_rnn import passage_around

    text = "a" * 500 + '"' + "b" * 500
    assert passage_around(text, length=240, before=60) == 440
    assert passage_around('"' + "b" * 500, length=240) == 0
    assert passage_around("a" * 300 + '"', length=240) == 61  # kept inside the text
    assert passage_around("no quote here" * 30, length=240) == 0


def test_unit_activations_figure_colours_every_character(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from labhelpers.plots import plot_unit_activations

    text = 'He said "go"\nnow'
    values = np.linspace(-1, 1, len(text))
    fig = plot_unit_activations(
        text, {"unit 3": values, "unit 9": -values}, width=5, title="t", path=tmp_path / "u.png"
    )
    panels = [ax for ax in fig.axes if ax.get_title(loc="left")]
    assert [ax.get_title(loc="left") for ax in panels] == ["unit 3", "unit 9"]
    assert len(fig.axes) == 3 and fig.axes[2].get_ylabel() == "activation"  # the colour bar
    for ax, sign in zip(panels, (1, -1)):
        (image,) = ax.get_images()
        grid = np.ma.filled(image.get_array(), np.nan)
        assert grid.shape == (4, 5)  # 16 characters wrapped every 5
        np.testing.assert_allclose(grid.reshape(-1)[:16], sign * values)
        assert np.isnan(grid.reshape(-1)[16:]).all()
        assert image.get_clim() == (-1.0, 1.0) and image.get_cmap().name == "RdBu_r"
        texts = ax.texts
        assert "".join(t.get_text() for t in texts) == 'He·said·"go"¶now'
        assert [t.get_position() for t in texts][7] == (2, 1)  # the 8th character: row 1, col 2
        # each character's cell is coloured by its own value
        colours = image.cmap(image.norm(grid.reshape(-1)[:16]))
        assert not np.allclose(colours[0], colours[-1])
        # white on the dark cells, beyond 0.6 in size
        white = [t.get_color() == "white" for t in texts]
        assert white == list(np.abs(values) > 0.6)
    assert (tmp_path / "u.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match=r"activations\['x'\] has shape \(3,\), the text 16"):
        plot_unit_activations(text, {"x": [0.0, 1.0, 2.0]})
    with pytest.raises(ValueError, match="text is empty"):
        plot_unit_activations("", {"x": []})
