"""A generated corpus of movie reviews: the stand-in for IMDB when IMDB cannot be had.

Every review is a few plain sentences. Its sentiment comes from one or three
*cue* sentences about an aspect of the film ("the acting was superb", "the
plot was not bad"); with three cues, two agree with the label and one
disagrees, as in a mixed review. A cue may be negated ("not good" is a
negative cue, "not bad" a positive one), so counting sentiment words is not
enough. The cues come early, and a long neutral tail ("it runs for about 97
minutes ...") follows them, so a model that reads the review to its end has to
carry the cue across many words. Some reviews have ``<br /><br />`` paragraph
breaks, as IMDB's do.

The corpus is generated from a seed: the same arguments give the same
reviews, on every machine. It has the IMDB CSV's columns (``review``,
``sentiment``), so every lesson runs on it unchanged, but its numbers are not
IMDB numbers, and the notebooks that use it say so.
"""

from __future__ import annotations

import random

import numpy as np
import pandas as pd

POSITIVE_WORDS = (
    "good",
    "great",
    "excellent",
    "wonderful",
    "superb",
    "brilliant",
    "enjoyable",
    "moving",
    "funny",
    "beautiful",
    "clever",
    "gripping",
    "charming",
    "delightful",
    "memorable",
)
NEGATIVE_WORDS = (
    "bad",
    "awful",
    "terrible",
    "boring",
    "dull",
    "poor",
    "weak",
    "clumsy",
    "tedious",
    "predictable",
    "forgettable",
    "silly",
    "painful",
    "lifeless",
    "messy",
)
NEGATIONS = ("not", "never", "hardly")
ASPECTS = (
    "acting",
    "plot",
    "script",
    "story",
    "direction",
    "music",
    "camera work",
    "dialogue",
    "ending",
    "cast",
    "pacing",
    "soundtrack",
    "photography",
    "lead actor",
    "villain",
    "editing",
    "humour",
)

_PLAIN_CUES = (
    "the {aspect} was {adj}",
    "i thought the {aspect} was {adj}",
    "the {aspect} is {adj}",
    "what a {adj} {aspect}",
    "honestly the {aspect} felt {adj}",
    "overall the {aspect} was {adj}",
)
_NEGATED_CUES = (
    "the {aspect} was {neg} {adj}",
    "i would {neg} call the {aspect} {adj}",
    "the {aspect} is {neg} {adj} at all",
    "honestly the {aspect} was {neg} {adj}",
)
_FILLERS = (
    "i watched it on a {day} with my {person}",
    "it runs for about {number} minutes",
    "it came out in {year} and i saw it on {channel}",
    "most of the story takes place in a {place}",
    "{name} travels to a {place} to find {name2}",
    "there is a long scene in a {place} near the middle",
    "my {person} had read the book before we watched it",
    "it is a {genre} film from {year}",
    "{name} meets {name2} on the first day",
    "the second half follows {name} and {name2}",
    "the film was shot in {number} days near a {place}",
    "i had heard about it from my {person}",
    "the title refers to a {place} in the story",
    "{name} works in a {place} and lives alone",
    "the credits list {number} people",
    "we stopped it once to make tea and then went on",
)
_SLOTS = {
    "day": ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    "person": (
        "brother",
        "sister",
        "friend",
        "wife",
        "husband",
        "father",
        "mother",
        "cousin",
        "neighbour",
        "students",
        "parents",
        "flatmate",
    ),
    "place": (
        "kitchen",
        "train station",
        "hospital",
        "small town",
        "castle",
        "spaceship",
        "farm",
        "courtroom",
        "submarine",
        "desert",
        "harbour",
        "school",
        "hotel",
        "forest",
    ),
    "genre": (
        "western",
        "thriller",
        "comedy",
        "musical",
        "war",
        "horror",
        "science fiction",
        "crime",
        "romance",
        "family",
        "sports",
        "mystery",
    ),
    "channel": (
        "television",
        "cable",
        "a streaming service",
        "dvd",
        "a festival",
        "the big screen",
    ),
    "name": (
        "john",
        "mary",
        "the detective",
        "the captain",
        "the old man",
        "the young woman",
        "the mayor",
        "the doctor",
        "anna",
        "peter",
        "the teacher",
        "the stranger",
    ),
}


def _pick(rng: random.Random, options):
    return options[rng.randrange(len(options))]


def _filler(rng: random.Random) -> str:
    template = _pick(rng, _FILLERS)
    name = _pick(rng, _SLOTS["name"])
    name2 = _pick(rng, [n for n in _SLOTS["name"] if n != name])
    return template.format(
        day=_pick(rng, _SLOTS["day"]),
        person=_pick(rng, _SLOTS["person"]),
        place=_pick(rng, _SLOTS["place"]),
        genre=_pick(rng, _SLOTS["genre"]),
        channel=_pick(rng, _SLOTS["channel"]),
        name=name,
        name2=name2,
        number=rng.randrange(60, 200),
        year=rng.randrange(1950, 2011),
    )


def _cue(rng: random.Random, positive: bool, negation_rate: float) -> str:
    """A sentence whose meaning is positive or negative;
    negated cues use a word of the other side."""
    negated = rng.random() < negation_rate
    word_is_positive = positive != negated
    adjective = _pick(rng, POSITIVE_WORDS if word_is_positive else NEGATIVE_WORDS)
    aspect = _pick(rng, ASPECTS)
    if negated:
        return _pick(rng, _NEGATED_CUES).format(
            aspect=aspect, adj=adjective, neg=_pick(rng, NEGATIONS)
        )
    return _pick(rng, _PLAIN_CUES).format(aspect=aspect, adj=adjective)


def _check_rate(name: str, value: float) -> float:
    if not (isinstance(value, (int, float, np.floating)) and 0 <= value <= 1):
        raise ValueError(f"{name} must be a number between 0 and 1, got {value!r}")
    return float(value)


def make_review_corpus(
    n_reviews: int = 2000,
    *,
    seed: int = 0,
    negation_rate: float = 0.3,
    mixed_rate: float = 0.5,
    tail_sentences: tuple[int, int] = (4, 14),
    label_noise: float = 0.0,
) -> pd.DataFrame:
    """``n_reviews`` generated reviews with columns
    ``review`` and ``sentiment`` (positive/negative).

    - half the reviews are positive, half negative (one more negative when odd);
    - a review has one cue sentence, or three (with probability ``mixed_rate``):
      two that agree with its label and one that disagrees;
    - each cue is negated with probability ``negation_rate`` ("not bad");
    - the cues sit near the start; after them come between ``tail_sentences[0]``
      and ``tail_sentences[1]`` neutral sentences;
    - ``label_noise``: the share of labels flipped at random (0: none).

    ``frame.attrs["generator"]`` records the arguments. Same arguments, same reviews.
    """
    if isinstance(n_reviews, bool) or not isinstance(n_reviews, (int, np.integer)) or n_reviews < 2:
        raise ValueError(
            f"n_reviews must be an integer of at least 2 (one review per class), got {n_reviews!r}"
        )
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    negation_rate = _check_rate("negation_rate", negation_rate)
    mixed_rate = _check_rate("mixed_rate", mixed_rate)
    label_noise = _check_rate("label_noise", label_noise)
    low, high = tail_sentences
    if not (isinstance(low, int) and isinstance(high, int) and 0 <= low <= high):
        raise ValueError(
            "tail_sentences must be two integers (low, high) "
            f"with 0 <= low <= high, got {tail_sentences!r}"
        )

    rng = random.Random(int(seed))  # Python's Mersenne Twister: the same reviews on every platform
    labels = [i < n_reviews // 2 for i in range(int(n_reviews))]  # True: positive
    rng.shuffle(labels)
    reviews = []
    for positive in labels:
        if rng.random() < mixed_rate:
            polarities = [positive, positive, not positive]
            rng.shuffle(polarities)
        else:
            polarities = [positive]
        sentences = [_filler(rng) for _ in range(rng.randrange(3))]
        for polarity in polarities:
            sentences.append(_cue(rng, polarity, negation_rate))
            sentences += [_filler(rng) for _ in range(rng.randrange(2))]
        sentences += [_filler(rng) for _ in range(rng.randint(low, high))]
        text = ""
        for i, sentence in enumerate(sentences):
            sentence = sentence[0].upper() + sentence[1:] + _pick(rng, (".", ".", ".", "!"))
            if i and rng.random() < 0.12:
                text += "<br /><br />"
            elif i:
                text += " "
            text += sentence
        reviews.append(text)
    labels = np.array([label != (rng.random() < label_noise) for label in labels])
    frame = pd.DataFrame({"review": reviews, "sentiment": np.where(labels, "positive", "negative")})
    frame.attrs["generator"] = {
        "n_reviews": int(n_reviews),
        "seed": int(seed),
        "negation_rate": negation_rate,
        "mixed_rate": mixed_rate,
        "tail_sentences": [low, high],
        "label_noise": label_noise,
    }
    frame.attrs["source"] = "synthetic"
    return frame
