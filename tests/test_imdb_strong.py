"""labhelpers.strong_imdb: length buckets, masking against packed sequences, the ablation steps, the baseline."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from labhelpers.data.batches import LengthBuckets, review_lengths
from labhelpers.data.imdb import load_review_data, split_reviews
from labhelpers.lessons.imdb_strong import (
    ENCODING,
    RECORD_STEP,
    StepConfig,
    ablation_steps,
    tfidf_baseline,
    train_step,
    training_throughput,
)
from labhelpers.models import PooledReviewRNN, reverse_within_length


def post_padded(lengths, vocab=50, width=None, seed=0):
    rng = np.random.default_rng(seed)
    width = width or max(lengths)
    ids = np.zeros((len(lengths), width), dtype=np.int64)
    for row, n in enumerate(lengths):
        ids[row, :n] = rng.integers(1, vocab, n)
    return torch.from_numpy(ids)


def test_length_buckets_cover_every_review_once_and_cut_at_the_longest():
    lengths = np.random.default_rng(1).integers(1, 40, 203)
    ids = post_padded(lengths, width=45)
    labels = torch.arange(203)
    batches = LengthBuckets(ids, labels, batch_size=16, shuffle=True, pool_batches=4, seed=3)
    seen = []
    for x, y in batches:
        assert x.shape[1] == int(review_lengths(x).max())  # no all-padding column
        assert torch.equal(x, ids[y, :x.shape[1]])
        seen.extend(y.tolist())
    assert sorted(seen) == list(range(203))
    assert len(batches) == 13
    assert batches.tokens() == int(lengths.sum())


def test_length_buckets_shuffle_differently_each_epoch_and_reproducibly():
    ids, labels = post_padded([5, 9, 3, 7] * 20), torch.arange(80)
    def orders(seed):
        batches = LengthBuckets(ids, labels, batch_size=8, shuffle=True, seed=seed)
        return [torch.cat([y for _, y in batches]).tolist() for _ in range(2)]
    first, second = orders(0)
    assert first != second
    assert orders(0) == [first, second]


def test_buckets_pad_less_than_random_batches():
    lengths = np.random.default_rng(0).integers(1, 300, 2000)
    ids, labels = post_padded(lengths), torch.zeros(2000)
    bucketed = LengthBuckets(ids, labels, batch_size=32, shuffle=True, pool_batches=50).padded_fraction()
    random = LengthBuckets(ids, labels, batch_size=32, shuffle=True, pool_batches=1).padded_fraction()
    assert bucketed < 0.1 < random


def test_length_buckets_reject_bad_input():
    with pytest.raises(ValueError, match="same length"):
        LengthBuckets(post_padded([2, 3]), torch.zeros(3), batch_size=2)
    with pytest.raises(ValueError, match="batch_size"):
        LengthBuckets(post_padded([2, 3]), torch.zeros(2), batch_size=0)
    with pytest.raises(ValueError, match="shape"):
        LengthBuckets(np.zeros(4, dtype=np.int64), np.zeros(4), batch_size=2)


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
    model = PooledReviewRNN(50, 6, 5, cell="gru", bidirectional=True, pooling="max+mean", padding=padding)
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


def test_steps_change_one_thing_at_a_time_and_are_valid():
    steps = ablation_steps()
    assert len({step.name for step in steps}) == len(steps)
    assert RECORD_STEP.batching == "fixed" and RECORD_STEP.epochs == 20 and RECORD_STEP.maxlen == 200
    for step in steps:
        assert step.num_words <= ENCODING["num_words"] and step.maxlen <= ENCODING["maxlen"]
        assert step.change
    assert {step.cell for step in steps} == {"rnn", "gru", "lstm"}
    with pytest.raises(ValueError, match="record's model"):
        StepConfig("x", batching="fixed", bidirectional=True)
    with pytest.raises(ValueError, match="batching"):
        StepConfig("x", batching="sorted")


@pytest.fixture(scope="module")
def synthetic_splits():
    records = load_review_data("synthetic", split="official", n_synthetic=400)
    return records, split_reviews(records, num_words=500, maxlen=60, n_val=40, cache=False)


def test_split_reviews_carves_validation_from_training(synthetic_splits):
    records, splits = synthetic_splits
    assert len(splits.ids["train"]) + len(splits.ids["val"]) == len(records.train)
    assert len(splits.ids["test"]) == len(records.test)
    assert len(splits.train_texts) == len(splits.ids["train"])
    fixed = splits.inputs("train", 100, 30, "fixed")
    post = splits.inputs("train", 100, 30, "buckets")
    assert fixed.max() < 100 and fixed.shape == post.shape == (len(post), 30)
    # the same words, moved to the end
    for row_fixed, row_post in zip(fixed[:20], post[:20]):
        assert row_fixed[row_fixed != 0].tolist() == row_post[row_post != 0].tolist()
        assert (row_post != 0).sum() == 0 or row_fixed[-1] != 0
    with pytest.raises(ValueError, match="maxlen"):
        splits.inputs("train", 100, 61, "buckets")


@pytest.mark.parametrize("step", [RECORD_STEP, ablation_steps()[-3], ablation_steps()[-1]], ids=lambda s: s.name)
def test_train_step_measures_what_it_reports(synthetic_splits, step, one_torch_thread):
    _, splits = synthetic_splits
    step = replace(step, num_words=500, maxlen=60, embedding_dim=8, hidden_size=8, epochs=2,
                   word2vec=min(step.word2vec, 1))
    result = train_step(step, splits, progress=False)
    assert 0 <= result.test_accuracy <= 1 and result.epochs == 2
    assert result.val_accuracy == max(result.history["val_accuracy"])
    assert result.tokens_per_second > 0 and result.wall_seconds >= 2 * result.seconds_per_epoch * 0.5
    assert training_throughput(step, splits, batches=2, threads=1) > 0


def test_tfidf_baseline_learns_the_generated_reviews(synthetic_splits):
    records, _ = synthetic_splits
    result = tfidf_baseline(records.train["review"], records.train["label"], records.test["review"],
                            records.test["label"])
    assert 0.5 < result.accuracy <= 1 and result.features > 0


def test_validation_is_a_block_of_review_ids_per_label_when_ids_are_known():
    import pandas as pd

    from labhelpers.data.imdb import validation_rows

    frame = pd.DataFrame({"label": [0, 1] * 10, "review_id": list(range(20))[::-1]})
    rows = validation_rows(frame, 4)
    assert sorted(frame.iloc[rows]["review_id"]) == [16, 17, 18, 19]  # the highest ids, two of each label
    assert frame.iloc[rows]["label"].sum() == 2
    random_rows = validation_rows(frame.drop(columns="review_id"), 4, seed=1)
    assert len(set(random_rows)) == 4 and random_rows.max() < 20


def test_split_reviews_without_review_ids_draws_validation_at_random_and_says_so(tmp_path, monkeypatch):
    """The official split asked for, the Kaggle CSV without a split file, offline: the random split, no review ids."""
    import csv

    from labhelpers.data import imdb

    monkeypatch.delenv("LABHELPERS_DATA_DIR", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    monkeypatch.setattr(imdb, "KERAS_HOST", "keras-origin.invalid")  # never resolves: no network
    with open(tmp_path / "IMDB Dataset.csv", "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(("review", "sentiment"))
        writer.writerows((f"review {i} {'good fine' if i % 2 else 'bad dull'} film",
                          "positive" if i % 2 else "negative") for i in range(100))
    records = load_review_data("imdb", tmp_path, split="official", kagglehub=False)
    assert records.split == "random" and "review_id" not in records.train
    splits = split_reviews(records, num_words=50, maxlen=10, n_val=16, seed=3, cache=False)
    expected = np.sort(np.random.default_rng(3).permutation(80)[:16])  # validation_rows' seeded draw
    assert splits.labels["val"].tolist() == records.train["label"].to_numpy()[expected].astype(np.float32).tolist()
    assert splits.train_texts == [t for i, t in enumerate(records.train["review"]) if i not in set(expected)]
    assert "16 validation (a random draw, seed 3: this split has no review ids" in splits.description
    assert "NOTE: the official 25k/25k split was asked for" in splits.description
