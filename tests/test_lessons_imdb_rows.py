"""Lessons 7 and 9's shared data cell (labhelpers.lessons.imdb_rnn): the rows each lesson draws,
the reviews and labels it hands on, and the tokenizing with and without the record's leak."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch

from labhelpers.data.review_data import ReviewData
from labhelpers.lessons.imdb_rnn import (
    encode_reviews,
    load_lesson_reviews,
    pick_rows,
    review_batches,
    rows_used,
)


def test_pick_rows_draws_sorted_distinct_positions_the_same_for_a_seed():
    rows = pick_rows(100, 30, seed=4)
    assert len(rows) == 30 and len(set(rows.tolist())) == 30
    assert rows.tolist() == sorted(rows.tolist())
    assert rows.min() >= 0 and rows.max() < 100
    assert np.array_equal(rows, pick_rows(100, 30, seed=4))
    assert not np.array_equal(rows, pick_rows(100, 30, seed=5))
    # the first 30 of that seed's permutation, in order of position
    expected = sorted(np.random.default_rng(4).permutation(100)[:30].tolist())
    assert rows.tolist() == expected


@pytest.mark.parametrize("n_wanted", [0, 100, 250])
def test_pick_rows_takes_every_row_for_0_or_more_than_there_are(n_wanted):
    assert pick_rows(100, n_wanted, seed=1).tolist() == list(range(100))


def settings_of(**changes):
    values = dict(
        seed=3,
        threads=0,
        data="synthetic",
        data_path="",
        n_synthetic=200,
        n_train=50,
        n_test=20,
        device="cpu",
        num_words=60,
        maxlen=12,
        cache=False,
    )
    return SimpleNamespace(**{**values, **changes})


def test_load_lesson_reviews_hands_on_the_drawn_rows_and_their_labels(capsys):
    settings = settings_of()
    reviews, train_rows, test_rows, y_train, y_test = load_lesson_reviews(settings, "random")
    printed = capsys.readouterr().out
    assert reviews.description in printed
    assert "NOTE: these are generated reviews, not IMDB" in printed
    assert "device: " in printed
    assert np.array_equal(train_rows, pick_rows(len(reviews.train), 50, seed=4))
    assert np.array_equal(test_rows, pick_rows(len(reviews.test), 20, seed=5))
    labels = [1.0 if s == "positive" else 0.0 for s in reviews.train["sentiment"].iloc[train_rows]]
    assert y_train.dtype == np.float32 and y_train.tolist() == labels
    assert y_test.tolist() == reviews.test["label"].iloc[test_rows].astype(float).tolist()


def test_load_lesson_reviews_splits_as_asked():
    reviews = load_lesson_reviews(settings_of(n_train=0, n_test=0), "official").reviews
    # the generated corpus's "official" split is its two halves, in order
    assert reviews.split == "official" and len(reviews.train) == len(reviews.test) == 100
    assert reviews.train.index.tolist() == list(range(100))


def two_reviews(train_text, test_text):
    def part(text):
        return pd.DataFrame({"review": [text], "sentiment": ["positive"], "label": [1]})

    return ReviewData(part(train_text), part(test_text), "synthetic", "two reviews", "random")


def test_encode_reviews_fits_on_the_test_reviews_only_with_the_records_leak():
    reviews = two_reviews("good film good acting", "good zebra")
    settings = settings_of(maxlen=4)
    clean = encode_reviews(reviews, settings, "clean-test")
    leaky = encode_reviews(reviews, settings, "leaky-test", fit_on_test=True)
    assert "zebra" not in clean.tokenizer.word_index
    assert clean.arrays["test"][0].tolist() == [0, 0, clean.tokenizer.word_index["good"], 1]
    assert leaky.arrays["test"][0].tolist() == [0, 0] + [
        leaky.tokenizer.word_index[w] for w in ("good", "zebra")
    ]


@pytest.mark.parametrize(("truncating", "kept"), [("pre", ["c", "d"]), ("post", ["a", "b"])])
def test_encode_reviews_cuts_a_long_review_at_the_end_asked(truncating, kept):
    reviews = two_reviews("a b c d", "a")
    encoded = encode_reviews(reviews, settings_of(maxlen=2), "cut-test", truncating=truncating)
    index = encoded.tokenizer.word_index
    assert encoded.arrays["train"][0].tolist() == [index[w] for w in kept]


def test_rows_used_takes_the_drawn_rows_of_each_part():
    encoded = SimpleNamespace(
        arrays={"train": np.arange(10)[:, None], "test": -np.arange(5)[:, None]}
    )
    X_train, X_test = rows_used(encoded, np.array([1, 7]), np.array([4]))
    assert X_train.tolist() == [[1], [7]] and X_test.tolist() == [[-4]]


def test_review_batches_give_int64_ids_and_the_labels_in_batches_of_the_size_asked():
    X = np.arange(10, dtype=np.int32).reshape(5, 2)
    y = np.array([1, 0, 1, 1, 0], dtype=np.float32)
    batches = list(review_batches(X, y, batch_size=2, shuffle=False))
    assert [len(ids) for ids, _ in batches] == [2, 2, 1]
    assert all(ids.dtype == torch.int64 for ids, _ in batches)
    assert torch.cat([ids for ids, _ in batches]).tolist() == X.tolist()
    assert torch.cat([labels for _, labels in batches]).tolist() == y.tolist()
