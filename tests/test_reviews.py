"""labhelpers.data.reviews: the generated review corpus that stands in for IMDB."""

import hashlib
import inspect
import re

import numpy as np
import pandas as pd
import pytest

from labhelpers.data.reviews import (
    NEGATIONS,
    NEGATIVE_WORDS,
    POSITIVE_WORDS,
    RARE_NEGATIVE_WORDS,
    RARE_POSITIVE_WORDS,
    describe_corpus,
    make_review_corpus,
    words_after_last_cue,
)
from labhelpers.data.text import text_to_word_sequence

from conftest import says

WORD_SIGN = {
    **{w: 1 for w in POSITIVE_WORDS + RARE_POSITIVE_WORDS},
    **{w: -1 for w in NEGATIVE_WORDS + RARE_NEGATIVE_WORDS},
}


def cue_signs(review: str) -> list[int]:
    """An independent reading of the cues: +1/-1 per
    sentence with a sentiment word, negation flips it."""
    signs = []
    for sentence in re.split(r"[.!]|<br />", review):
        words = text_to_word_sequence(sentence)
        judged = [WORD_SIGN[w] for w in words if w in WORD_SIGN]
        if judged:
            signs.append(judged[0] * (-1 if any(n in words for n in NEGATIONS) else 1))
    return signs


def test_same_seed_same_reviews_other_seed_other_reviews():
    a, b, c = (
        make_review_corpus(50, seed=3),
        make_review_corpus(50, seed=3),
        make_review_corpus(50, seed=4),
    )
    pd.testing.assert_frame_equal(a, b)
    assert not a["review"].equals(c["review"])


def test_the_corpus_has_the_imdb_csvs_columns_and_balanced_labels():
    frame = make_review_corpus(101, seed=0)
    assert list(frame.columns) == ["review", "sentiment"] and len(frame) == 101
    assert set(frame["sentiment"]) == {"positive", "negative"}
    assert (frame["sentiment"] == "positive").sum() == 50
    assert frame.attrs["generator"]["n_reviews"] == 101


def test_every_label_follows_the_majority_of_its_cues_negation_included():
    frame = make_review_corpus(400, seed=1, cues=(1, 3), mixed_rate=0.5)
    counts = []
    for review, sentiment in zip(frame["review"], frame["sentiment"]):
        signs = cue_signs(review)
        counts.append(len(signs))
        assert (sum(signs) > 0) == (sentiment == "positive"), review
    # 1 to 3 agreeing cues, and a mixed review has at least 2 of them and 1 more that disagrees
    assert set(counts) == {1, 2, 3, 4}


def test_negation_and_mixed_reviews_occur_at_the_rates_asked():
    frame = make_review_corpus(1000, seed=2, cues=(1, 1), negation_rate=0.3, mixed_rate=0.5)
    signs = [cue_signs(r) for r in frame["review"]]
    assert 0.4 < np.mean([len(s) == 3 for s in signs]) < 0.6  # mixed: 2 agree, 1 disagrees
    single = frame["review"][[len(s) == 1 for s in signs]]
    negated = single.str.contains(r"\b(?:not|never|hardly)\b")
    assert 0.25 < negated.mean() < 0.35
    none = make_review_corpus(200, seed=2, negation_rate=0.0)
    assert not none["review"].str.contains(r"\b(?:not|never|hardly)\b").any()


def test_double_cues_name_two_words_of_one_side():
    frame = make_review_corpus(300, seed=4, cues=(1, 1), mixed_rate=0.0, double_rate=1.0)
    for review in frame["review"]:
        words = [w for w in text_to_word_sequence(review.replace("<br />", " ")) if w in WORD_SIGN]
        assert len(words) == 2 and len({WORD_SIGN[w] for w in words}) == 1, review
    single = make_review_corpus(300, seed=4, cues=(1, 1), mixed_rate=0.0, double_rate=0.0)
    assert all(sum(w in WORD_SIGN for w in text_to_word_sequence(r)) == 1 for r in single["review"])


def test_rare_words_are_rarer_down_the_list():
    reviews = make_review_corpus(3000, seed=6)["review"]
    words = [w for review in reviews for w in text_to_word_sequence(review)]
    counts = {w: words.count(w) for w in ("good", "excellent", "stunning", "remarkable")}
    assert counts["good"] > counts["excellent"] > counts["stunning"] > counts["remarkable"] > 0


def test_cues_at_the_start_sit_far_from_the_end():
    frame = make_review_corpus(300, seed=3, neutral_sentences=(6, 10), cue_place="start")
    distances = [words_after_last_cue(review) for review in frame["review"]]
    # at most two of the 6+ neutral sentences come before the cues, each of 5+ words
    assert min(distances) >= 20


def test_cues_anywhere_sit_at_every_distance_from_the_end():
    frame = make_review_corpus(300, seed=3)
    distances = np.array([words_after_last_cue(review) for review in frame["review"]])
    assert (distances == 0).any() and (distances > 30).any()


def test_the_corpus_is_described_from_its_generator_arguments():
    assert describe_corpus(make_review_corpus(4).attrs["generator"]) == (
        "3-5 cue sentences per review at random places among 2-8 neutral ones; 25% of cues "
        "negated (word counting misreads them), 25% of reviews mixed (one cue against the "
        "label), 50% of cues with two sentiment words of one side, drawn from common and rare "
        "words"
    )
    start = make_review_corpus(
        4,
        cues=(1, 2),
        neutral_sentences=(0, 12),
        cue_place="start",
        negation_rate=0,
        mixed_rate=0,
        double_rate=1,
    )
    assert describe_corpus(start.attrs["generator"]).startswith(
        "1-2 cue sentences per review after at most two of, and before the rest of, 0-12 "
        "neutral ones; 0% of cues negated"
    )


def test_words_after_last_cue_counts_as_an_independent_reading():
    review = "The plot was not good.<br /><br />It runs for about 90 minutes!"
    assert words_after_last_cue(review) == 6
    assert words_after_last_cue("A superb film") == 1
    with pytest.raises(ValueError, match="no sentiment word"):
        words_after_last_cue("it runs for about 90 minutes")


def test_line_breaks_appear_as_in_imdb():
    assert make_review_corpus(200, seed=0)["review"].str.contains("<br /><br />").mean() > 0.5


def test_label_noise_flips_that_share_of_labels():
    clean = make_review_corpus(2000, seed=5)
    noisy = make_review_corpus(2000, seed=5, label_noise=0.1)
    assert clean["review"].equals(noisy["review"])
    assert 0.07 < (clean["sentiment"] != noisy["sentiment"]).mean() < 0.13


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n_reviews": 1}, "n_reviews must be an integer of at least 2"),
        ({"n_reviews": 10.0}, "n_reviews must be an integer"),
        ({"seed": -1}, "seed must be a non-negative integer"),
        ({"negation_rate": 1.5}, "negation_rate must be a number between 0 and 1"),
        ({"mixed_rate": -0.1}, "mixed_rate must be a number between 0 and 1"),
        ({"label_noise": "a"}, "label_noise must be a number between 0 and 1"),
        ({"neutral_sentences": (5, 2)}, "neutral_sentences must be two integers"),
        ({"cues": (0, 2)}, "cues must start at 1 or more"),
        ({"cues": (3, 2)}, "cues must be two integers"),
        ({"double_rate": 2}, "double_rate must be a number between 0 and 1"),
        ({"cue_place": "end"}, "cue_place must be 'anywhere' or 'start'"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_review_corpus(**{"n_reviews": 10, **kwargs})


# ---------------------------------------------------------------- closing mutants (issue 13)


def test_the_same_arguments_give_the_same_reviews_on_every_machine():
    # The docstring's promise across machines and versions, checked against reviews recorded
    # from this generator (Python's Mersenne Twister): a change to the generator changes
    # every synthetic number of the book, so it must be deliberate and change this digest.
    frame = make_review_corpus(
        40, seed=3, label_noise=0.2, negation_rate=0.5, mixed_rate=0.6, neutral_sentences=(1, 5)
    )
    text = "\n".join(frame.review + "\t" + frame.sentiment)
    assert hashlib.sha256(text.encode()).hexdigest() == (
        "41072bb638aab07a57065fb6bcb8729ce2ca064c05e174d266a8dcd4d8b1b502"
    )


def test_the_generator_records_its_arguments_and_defaults():
    frame = make_review_corpus(7, seed=2, negation_rate=1, mixed_rate=0.0, neutral_sentences=(0, 0))
    assert frame.attrs == {
        "generator": {
            "n_reviews": 7,
            "seed": 2,
            "cues": [3, 5],
            "negation_rate": 1.0,
            "mixed_rate": 0.0,
            "double_rate": 0.5,
            "neutral_sentences": [0, 0],
            "cue_place": "anywhere",
            "label_noise": 0.0,
        },
        "source": "synthetic",
    }
    assert (frame.sentiment == "negative").sum() == 4  # one more negative when odd
    defaults = {
        name: parameter.default
        for name, parameter in inspect.signature(make_review_corpus).parameters.items()
    }
    assert defaults == {
        "n_reviews": 2000,
        "seed": 0,
        "cues": (3, 5),
        "negation_rate": 0.25,
        "mixed_rate": 0.25,
        "double_rate": 0.5,
        "neutral_sentences": (2, 8),
        "cue_place": "anywhere",
        "label_noise": 0.0,
    }


@pytest.mark.parametrize(
    "kwargs, rule",
    [
        ({"n_reviews": 1}, "integer of at least 2"),
        ({"n_reviews": True}, "integer of at least 2"),
        ({"seed": -1}, "non-negative integer"),
        ({"seed": 1.0}, "non-negative integer"),
        ({"seed": False}, "non-negative integer"),
        ({"negation_rate": 1.5}, "number between 0 and 1"),
        ({"mixed_rate": -0.1}, "number between 0 and 1"),
        ({"label_noise": "a"}, "number between 0 and 1"),
        ({"neutral_sentences": (5, 2)}, "two integers (low, high) with 0 <= low <= high"),
        ({"neutral_sentences": (-1, 2)}, "two integers (low, high) with 0 <= low <= high"),
        ({"neutral_sentences": (1.0, 2)}, "two integers (low, high) with 0 <= low <= high"),
    ],
)
def test_a_bad_argument_is_named_with_its_rule_and_value(kwargs, rule):
    ((name, value),) = kwargs.items()
    with pytest.raises(ValueError, match=says(name, rule, f"got {value!r}")):
        make_review_corpus(**{"n_reviews": 10, **kwargs})


def test_rates_at_their_bounds_are_allowed():
    for rate in (0, 1, 0.0, 1.0, np.float64(0.5)):
        frame = make_review_corpus(4, negation_rate=rate, mixed_rate=rate, label_noise=rate)
        assert frame.attrs["generator"]["negation_rate"] == float(rate)
    two = make_review_corpus(2, neutral_sentences=(3, 3))  # the smallest corpus: one per class
    assert sorted(two.sentiment) == ["negative", "positive"]
