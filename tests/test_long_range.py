"""The long-range task generator and the one-hot encoding."""

import numpy as np
import pytest

from labhelpers.data.long_range import make_long_range_dataset, one_hot

from conftest import says


@pytest.mark.parametrize("shared", [False, True])
def test_label_is_the_token_distance_steps_before_the_last(shared):
    tokens, labels = make_long_range_dataset(
        101, 7, n_keys=3, n_distractors=5, shared_tokens=shared, seed=1
    )
    assert tokens.shape == (101, 8) and labels.shape == (101,)
    assert tokens.dtype == np.int64 and labels.dtype == np.int64
    np.testing.assert_array_equal(tokens[:, -1 - 7], labels)
    assert set(labels) == {0, 1, 2}
    assert np.bincount(labels).max() - np.bincount(labels).min() <= 1  # balanced
    distractors = tokens[:, 1:]
    if shared:
        # keys appear among the distractors too
        assert distractors.min() == 0 and distractors.max() == 7
    else:
        assert distractors.min() == 3 and distractors.max() == 7  # never a key
    # the distractors carry no information about the label
    for key in range(3):
        assert abs(np.mean(distractors[labels == key]) - np.mean(distractors)) < 0.5


def test_same_seed_same_data_other_seed_other_data():
    a = make_long_range_dataset(50, 4, seed=3)
    b = make_long_range_dataset(50, 4, seed=3)
    c = make_long_range_dataset(50, 4, seed=4)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[0], c[0])


def test_prefix_puts_the_key_after_random_tokens_and_the_marker_flags_it():
    tokens, labels = make_long_range_dataset(40, 5, shared_tokens=True, prefix=3, seed=2)
    assert tokens.shape == (40, 9)
    np.testing.assert_array_equal(tokens[:, 3], labels)
    np.testing.assert_array_equal(tokens[:, -1 - 5], labels)
    assert len(np.unique(tokens[:, :3])) > 4  # the prefix is random, keys included
    encoded = one_hot(tokens, 8, mark_position=3)
    assert encoded.shape == (40, 9, 9)
    np.testing.assert_array_equal(encoded[..., :8].argmax(axis=-1), tokens)
    np.testing.assert_array_equal(encoded[..., 8].sum(axis=0), [0, 0, 0, 40, 0, 0, 0, 0, 0])
    with pytest.raises(ValueError, match=r"mark_position must be a step index in \[0, 9\), got 9"):
        one_hot(tokens, 8, mark_position=9)
    with pytest.raises(ValueError, match="prefix must be a non-negative integer, got -1"):
        make_long_range_dataset(4, 2, prefix=-1)


def test_distance_one_and_one_sample():
    tokens, labels = make_long_range_dataset(1, 1, seed=0)
    assert tokens.shape == (1, 2) and tokens[0, 0] == labels[0]


@pytest.mark.parametrize(
    "argument, value",
    [
        ("n_samples", 0),
        ("distance", 0),
        ("distance", 2.5),
        ("n_keys", 1),
        ("n_distractors", 0),
        ("distance", True),
    ],
)
def test_bad_arguments_are_named(argument, value):
    kwargs = dict(n_samples=10, distance=3, n_keys=4, n_distractors=4)
    kwargs[argument] = value
    with pytest.raises(ValueError, match=argument):
        make_long_range_dataset(**kwargs)
    if argument != "n_keys":
        with pytest.raises(ValueError, match=says(argument, "positive integer", f"got {value!r}")):
            make_long_range_dataset(**kwargs)


def test_long_range_defaults():
    tokens, labels = make_long_range_dataset(30, 3)
    explicit = make_long_range_dataset(
        30, 3, n_keys=4, n_distractors=4, shared_tokens=False, prefix=0, seed=0
    )
    np.testing.assert_array_equal(tokens, explicit[0])
    np.testing.assert_array_equal(labels, explicit[1])


def test_one_hot():
    tokens = np.array([[0, 2], [1, 1]])
    encoded = one_hot(tokens, 3)
    assert encoded.shape == (2, 2, 3) and encoded.dtype == np.float32
    np.testing.assert_array_equal(encoded.argmax(axis=-1), tokens)
    np.testing.assert_array_equal(encoded.sum(axis=-1), np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"tokens must lie in \[0, vocab_size\) = \[0, 2\)"):
        one_hot(tokens, 2)
    with pytest.raises(ValueError, match="tokens must be integers"):
        one_hot(np.array([0.5]), 2)
    with pytest.raises(ValueError, match="vocab_size must be a positive integer"):
        one_hot(tokens, 0)


def test_one_hot_with_a_marker_equals_the_encoding_built_by_hand():
    tokens = np.array([[2, 0, 1], [1, 1, 0]])
    expected = np.zeros((2, 3, 4), dtype=np.float32)
    for row in range(2):
        for step in range(3):
            expected[row, step, tokens[row, step]] = 1.0
    expected[:, 0, 3] = 1.0  # the first step flagged on the extra channel
    encoded = one_hot(tokens, 3, mark_position=0)
    assert encoded.dtype == np.float32
    np.testing.assert_array_equal(encoded, expected)
    # one sequence alone (1-D tokens) and a batch of batches (3-D) flag the last axis
    np.testing.assert_array_equal(one_hot(tokens[0], 3, mark_position=2)[:, 3], [0, 0, 1])
    stacked = one_hot(np.stack([tokens] * 4), 3, mark_position=2)
    assert stacked.shape == (4, 2, 3, 4)
    np.testing.assert_array_equal(stacked[..., 3].sum(axis=(0, 1)), [0, 0, 8])


@pytest.mark.parametrize(
    "tokens, mark, length",
    [
        (np.array([[0, 1, 2]]), 3, 3),
        (np.array([[0, 1, 2]]), -1, 3),
        (np.array([[0, 1, 2]]), True, 3),
        (np.array([[0, 1, 2]]), 1.0, 3),
        (np.array(1), 0, 0),  # one token, no step axis: nothing to flag
    ],
)
def test_a_mark_position_that_is_no_step_index_is_refused(tokens, mark, length):
    with pytest.raises(
        ValueError, match=says("mark_position", f"step index in [0, {length})", f"got {mark!r}")
    ):
        one_hot(tokens, 3, mark_position=mark)


def test_long_range_messages_name_the_parameter_and_the_fix():
    with pytest.raises(ValueError, match=says("prefix", "non-negative integer", "got -1")):
        make_long_range_dataset(4, 2, prefix=-1)
    for prefix in (True, 1.0):
        with pytest.raises(
            ValueError, match=says("prefix", "non-negative integer", f"got {prefix!r}")
        ):
            make_long_range_dataset(4, 2, prefix=prefix)
    with pytest.raises(
        ValueError,
        match=says("n_keys", "at least 2", "got 1"),
    ):
        make_long_range_dataset(4, 2, n_keys=1)
    with pytest.raises(ValueError, match=says("n_keys", "positive integer", "got 0")):
        make_long_range_dataset(4, 2, n_keys=0)
    with pytest.raises(
        ValueError,
        match=says("tokens", "[0, vocab_size) = [0, 2)", "got values from 0 to 2"),
    ):
        one_hot(np.array([[0, 2], [1, 1]]), 2)
    with pytest.raises(
        ValueError,
        match=says("tokens", "[0, vocab_size) = [0, 3)", "got values from -1 to 1"),
    ):
        one_hot(np.array([-1, 1]), 3)
    with pytest.raises(ValueError, match=says("tokens", "integers", "got dtype float64")):
        one_hot(np.array([0.5]), 2)


@pytest.mark.parametrize(
    "n_keys, n_distractors, prefix, shared",
    [
        (2, 1, 0, False),
        (2, 3, 2, True),
        (5, 2, 1, False),
        (3, 1, 4, True),
    ],
)
def test_long_range_keys_are_balanced_and_the_other_tokens_span_their_symbols(
    n_keys, n_distractors, prefix, shared
):
    n = 4 * n_keys + 1
    tokens, labels = make_long_range_dataset(
        n,
        30,
        n_keys=n_keys,
        n_distractors=n_distractors,
        prefix=prefix,
        shared_tokens=shared,
        seed=5,
    )
    assert tokens.shape == (n, prefix + 31) and tokens.dtype == np.int64
    np.testing.assert_array_equal(tokens[:, prefix], labels)
    # n = 4 n_keys + 1: key 0 once more than the others (n_samples / n_keys, up to one)
    np.testing.assert_array_equal(np.bincount(labels, minlength=n_keys), [5] + [4] * (n_keys - 1))
    assert not np.array_equal(labels, np.arange(n) % n_keys)  # shuffled, not in cycle order
    others = np.delete(tokens, prefix, axis=1)
    symbols = (
        set(range(n_keys + n_distractors)) if shared else set(range(n_keys, n_keys + n_distractors))
    )
    assert set(np.unique(others)) == symbols
