"""labhelpers.data.batches: every batcher covers its data
once, in a reproducible order, and rejects bad input."""

import numpy as np
import pytest
import torch

from labhelpers.data.batches import BPTTBatches, LengthBuckets, TensorBatches
from labhelpers.data.text import review_lengths

from conftest import post_padded, says


def test_tensor_batches_cover_every_row_once_and_shuffle_by_seed():
    X = torch.arange(10)
    batches = TensorBatches(X, X * 2, batch_size=4, shuffle=True)
    assert len(batches) == 3
    torch.manual_seed(0)
    first = torch.cat([b[0] for b in batches])
    torch.manual_seed(0)
    again = torch.cat([b[0] for b in batches])
    assert sorted(first.tolist()) == list(range(10)) and first.tolist() == again.tolist()
    assert all((b[1] == 2 * b[0]).all() for b in batches)
    with pytest.raises(ValueError, match="batch_size"):
        TensorBatches(X, batch_size=0)
    with pytest.raises(ValueError, match="same first dimension"):
        TensorBatches(X, X[:3], batch_size=2)


def test_length_buckets_cover_every_review_once_and_cut_at_the_longest():
    lengths = np.random.default_rng(1).integers(1, 40, 203)
    ids = post_padded(lengths, width=45)
    labels = torch.arange(203)
    batches = LengthBuckets(ids, labels, batch_size=16, shuffle=True, pool_batches=4, seed=3)
    seen = []
    for x, y in batches:
        assert x.shape[1] == int(review_lengths(x).max())  # no all-padding column
        assert torch.equal(x, ids[y, : x.shape[1]])
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
    bucketed = LengthBuckets(
        ids, labels, batch_size=32, shuffle=True, pool_batches=50
    ).padded_fraction()
    random = LengthBuckets(
        ids, labels, batch_size=32, shuffle=True, pool_batches=1
    ).padded_fraction()
    assert bucketed < 0.1 < random


def test_length_buckets_reject_bad_input():
    with pytest.raises(ValueError, match="same length"):
        LengthBuckets(post_padded([2, 3]), torch.zeros(3), batch_size=2)
    with pytest.raises(ValueError, match="batch_size"):
        LengthBuckets(post_padded([2, 3]), torch.zeros(2), batch_size=0)
    with pytest.raises(ValueError, match="shape"):
        LengthBuckets(np.zeros(4, dtype=np.int64), np.zeros(4), batch_size=2)


def test_bptt_batches_continue_each_stream_and_target_the_next_character():
    text = np.arange(103)  # index = position, so the next character is index + 1
    batches = BPTTBatches(text, batch_size=4, seq_len=7)
    assert batches.stream_len == 25 and len(batches) == 4 and batches.n_characters == 100
    pieces = list(batches)
    assert [p[0].shape for p in pieces] == [(4, 7), (4, 7), (4, 7), (4, 4)]
    inputs = np.concatenate([p[0] for p in pieces], axis=1)
    targets = np.concatenate([p[1] for p in pieces], axis=1)
    for b in range(4):  # row b of each batch continues row b of the one before
        np.testing.assert_array_equal(inputs[b], text[25 * b : 25 * b + 25])
    np.testing.assert_array_equal(targets, inputs + 1)
    assert pieces[0][0].dtype == np.int64


def test_bptt_batches_reject_bad_input():
    with pytest.raises(ValueError, match="the encoded text is empty"):
        BPTTBatches([], 2, 5)
    with pytest.raises(ValueError, match="too few for batch_size=8"):
        BPTTBatches(np.arange(5), 8, 5)
    with pytest.raises(ValueError, match="seq_len must be a positive integer, got 0"):
        BPTTBatches(np.arange(50), 2, 0)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        BPTTBatches(np.arange(50), -1, 5)


# ---------------------------------------------------------------- closing mutants (issue 13)


def documented_order(lengths, batch_size, shuffle, pool_batches, seed, epoch):
    """The batches of row numbers that LengthBuckets' docstring describes, built here."""
    if not shuffle:
        rows = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
        return [rows[i : i + batch_size] for i in range(0, len(rows), batch_size)]
    generator = torch.Generator().manual_seed(seed * 100_003 + epoch)
    order = torch.randperm(len(lengths), generator=generator).tolist()
    batches = []
    pool_size = batch_size * pool_batches
    for start in range(0, len(order), pool_size):
        pool = sorted(order[start : start + pool_size], key=lambda i: -lengths[i])  # stable
        batches += [pool[i : i + batch_size] for i in range(0, len(pool), batch_size)]
    return [batches[i] for i in torch.randperm(len(batches), generator=generator).tolist()]


@pytest.mark.parametrize("shuffle", [False, True])
def test_length_buckets_yield_the_documented_batches_epoch_after_epoch(shuffle):
    lengths = [3, 7, 7, 1, 5, 7, 2, 2, 6, 4, 3, 7, 1]  # ties everywhere
    ids = post_padded(lengths, width=9)
    labels = torch.arange(len(lengths))
    batches = LengthBuckets(ids, labels, batch_size=3, shuffle=shuffle, pool_batches=2, seed=2)
    for epoch in range(3):
        expected = documented_order(lengths, 3, shuffle, 2, 2, epoch)
        got = list(batches)
        assert [b[1].tolist() for b in got] == expected
        for (batch_ids, _), rows in zip(got, expected):
            assert torch.equal(batch_ids, ids[rows, : max(lengths[i] for i in rows)])
        assert batches.epoch == epoch + 1


def test_length_buckets_defaults_and_messages():
    ids = post_padded([2, 5, 3])
    batches = LengthBuckets(ids, [0, 1, 0], batch_size=2)
    assert (batches.shuffle, batches.pool_batches, batches.seed, batches.epoch) == (False, 50, 0, 0)
    assert [b[1].tolist() for b in batches] == [[1, 0], [0]]  # sorted by length, longest first
    one = LengthBuckets(post_padded([4]), [1], batch_size=2)  # a single review is enough
    assert [b[0].shape for b in one] == [(1, 4)]
    with pytest.raises(ValueError, match=says("ids and labels", "same length", "got 3 and 2")):
        LengthBuckets(ids, [0, 1], batch_size=2)
    with pytest.raises(ValueError, match=says("ids", "empty")):
        LengthBuckets(np.zeros((0, 4), dtype=np.int64), [], batch_size=2)
    for name in ("batch_size", "pool_batches"):
        kwargs = {"batch_size": 2, name: 0}
        with pytest.raises(ValueError, match=says(name, "positive integer", "got 0")):
            LengthBuckets(ids, [0, 1, 0], **kwargs)
