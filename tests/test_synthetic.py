import numpy as np
import pytest

from labhelpers.data.synthetic import make_sum_dataset, split_in_order

from conftest import says


def test_shapes_types_and_labels_follow_the_sum():
    X, y = make_sum_dataset(300, 7, 3.5, seed=1)
    assert X.shape == (300, 7, 1) and X.dtype == np.float32
    assert y.shape == (300,) and y.dtype == np.int64
    assert ((X >= 0) & (X < 1)).all()
    np.testing.assert_array_equal(y, (X.sum(axis=(1, 2)) > 3.5).astype(int))
    assert 0.3 < y.mean() < 0.7  # threshold at half the length: roughly balanced


def test_same_seed_same_data_other_seed_other_data():
    a, _ = make_sum_dataset(50, 5, 2.5, seed=0)
    b, _ = make_sum_dataset(50, 5, 2.5, seed=0)
    c, _ = make_sum_dataset(50, 5, 2.5, seed=1)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"n_samples": 0}, "n_samples"),
        ({"n_samples": -5}, "n_samples"),
        ({"n_samples": 2.5}, "n_samples"),
        ({"seq_len": 0}, "seq_len"),
        ({"seq_len": -1}, "seq_len"),
    ],
)
def test_sizes_must_be_positive_integers(kwargs, name):
    with pytest.raises(ValueError, match=f"{name} must be a positive integer"):
        make_sum_dataset(**{"n_samples": 10, "seq_len": 10, "threshold": 5.0, **kwargs})


@pytest.mark.parametrize("threshold", [10.0, 12.0, 0.0, -1.0])
def test_a_threshold_that_empties_a_class_is_an_error(threshold):
    with pytest.raises(ValueError, match=f"threshold={threshold} makes one class empty"):
        make_sum_dataset(100, 10, threshold)


def test_a_threshold_that_empties_a_class_by_chance_is_an_error():
    with pytest.raises(ValueError, match="threshold=9.9 left every one"):
        make_sum_dataset(20, 10, 9.9)
    with pytest.raises(ValueError, match="threshold must be a finite number"):
        make_sum_dataset(20, 10, float("nan"))


def test_split_in_order_keeps_order_and_sizes():
    X, y = make_sum_dataset(1000, 10, 5.0)
    X_train, y_train, X_val, y_val = split_in_order(X, y, 0.8)
    assert len(X_train) == 800 and len(X_val) == 200
    np.testing.assert_array_equal(X_val, X[800:])
    np.testing.assert_array_equal(y_train, y[:800])
    with pytest.raises(ValueError, match="train_fraction"):
        split_in_order(X, y, 1.0)
    with pytest.raises(ValueError, match="same number of rows"):
        split_in_order(X, y[:10])
    with pytest.raises(ValueError, match="leaves one side empty"):
        split_in_order(X[:2], y[:2], 0.1)


def test_defaults_are_the_records_1000_sequences_of_10_and_threshold_5():
    X, y = make_sum_dataset()
    X_explicit, y_explicit = make_sum_dataset(1000, 10, 5.0, seed=0)
    np.testing.assert_array_equal(X, X_explicit)
    np.testing.assert_array_equal(y, y_explicit)
    X_train, _, X_val, _ = split_in_order(X, y)  # 0.8 by default
    assert len(X_train) == 800 and len(X_val) == 200


def test_a_sum_equal_to_the_threshold_is_class_0():
    X, _ = make_sum_dataset(50, 1, 0.5, seed=3)
    threshold = float(X[7, 0, 0])  # one sequence's sum exactly (float32 is exact in a float)
    _, y = make_sum_dataset(50, 1, threshold, seed=3)
    np.testing.assert_array_equal(y, (X[:, 0, 0] > threshold).astype(np.int64))
    assert y[7] == 0
    X, y = make_sum_dataset(200, 2, 0.5, seed=0)  # any threshold inside (0, seq_len) is allowed
    np.testing.assert_array_equal(y, (X.sum(axis=(1, 2)) > 0.5).astype(np.int64))


def test_sum_dataset_messages_give_the_balanced_threshold():
    with pytest.raises(
        ValueError,
        match=says("threshold=12.0", "one class empty", "inside (0, 8)", "seq_len / 2 = 4.0"),
    ):
        make_sum_dataset(100, 8, 12.0)
    with pytest.raises(
        ValueError,
        match=says("threshold=2.5", "in class 1", "more samples", "seq_len / 2 = 3.0"),
    ):
        make_sum_dataset(1, 6, 2.5, seed=0)


def test_split_in_order_messages():
    X, y = make_sum_dataset(10, 4, 2.0)
    for fraction in (0, 0.0, 1, 1.5):
        with pytest.raises(
            ValueError, match=says("train_fraction", "between 0 and 1", f"got {fraction!r}")
        ):
            split_in_order(X, y, fraction)
    with pytest.raises(
        ValueError,
        match=says("train_fraction=0.01", "one side empty", "use more samples"),
    ):
        split_in_order(X, y, 0.01)
