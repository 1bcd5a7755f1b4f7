"""A generated corpus of movie reviews: the stand-in for IMDB when IMDB cannot be had.

Every review is a few plain sentences. Its sentiment comes from *cue* sentences about an aspect
of the film ("the acting was superb", "the plot was not bad"); in a mixed review one cue
disagrees with the label, which the others outvote. A cue may be negated ("not good" is a
negative cue, "not bad" a positive one), so counting sentiment words is not enough. Sentiment
words are common or rare, as on IMDB; a cue may name two of one side ("superb and moving"),
which gives word vectors trained on the reviews something that tells the sides apart. Neutral
sentences ("it runs for about 97 minutes ...", makers' names few reviews share) sit around the
cues: by default the cues fall anywhere in the review, so some lie near its end and some far
from it; ``cue_place="start"`` puts them first, before a tail a model must carry them across
(lesson 8). Some reviews have ``<br /><br />`` paragraph breaks, as IMDB's do.

The sizes are calibrated by measurement (``bench/offline_lessons.py``) so that each IMDB
lesson's quick profile learns them on a 2-core CPU and its comparison comes out as on IMDB.
The corpus is generated from a seed: the same arguments give the same reviews, on every
machine. It has the IMDB CSV's columns (``review``, ``sentiment``), so every lesson runs on it
unchanged, but its numbers are not IMDB numbers, and the notebooks that use it say so.
"""

from __future__ import annotations

import random

import numpy as np
import pandas as pd

# What a lesson prints under its data's description when the reviews are these, not IMDB.
GENERATED_NOTE = (
    "NOTE: these are generated reviews, not IMDB; every number below is a number about them."
)

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
# Rarer words of each side, drawn less and less often down the list (weight 1 / (rank + 2),
# the common words first): most of them occur in few reviews, as most of IMDB's sentiment words
# do, so a model that learns words from labelled reviews alone sees them a few times.
RARE_POSITIVE_WORDS = (
    "luminous",
    "riveting",
    "heartfelt",
    "stunning",
    "masterful",
    "witty",
    "tender",
    "uplifting",
    "dazzling",
    "haunting",
    "poignant",
    "sublime",
    "terrific",
    "exquisite",
    "captivating",
    "engrossing",
    "inventive",
    "joyous",
    "magnificent",
    "marvellous",
    "breathtaking",
    "compelling",
    "elegant",
    "lovely",
    "powerful",
    "sparkling",
    "thrilling",
    "touching",
    "vivid",
    "graceful",
    "hilarious",
    "inspired",
    "outstanding",
    "remarkable",
)
RARE_NEGATIVE_WORDS = (
    "dreadful",
    "dire",
    "bland",
    "clunky",
    "wooden",
    "shallow",
    "incoherent",
    "pointless",
    "stale",
    "tiresome",
    "plodding",
    "sloppy",
    "cheap",
    "hollow",
    "laughable",
    "lazy",
    "limp",
    "mediocre",
    "muddled",
    "overlong",
    "pretentious",
    "shoddy",
    "sluggish",
    "tacky",
    "tepid",
    "trite",
    "unwatchable",
    "vapid",
    "contrived",
    "grating",
    "insipid",
    "listless",
    "monotonous",
    "drab",
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
_DOUBLE_CUES = (
    "the {aspect} was {adj} and {adj2}",
    "a {adj} and {adj2} {aspect}",
    "the {aspect} is {adj}, even {adj2}",
)
_NEGATED_DOUBLE_CUES = (
    "the {aspect} was {neg} {adj} or {adj2}",
    "i found the {aspect} {neg} {adj} and {neg} {adj2}",
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
    "it was directed by {maker}",
    "{maker} plays {name}",
)
# Makers' names from syllables: a long tail of words that few reviews share, as in IMDB, so a
# tokenizer fitted on the test reviews too (lesson 7's record) takes in words that no training
# review has.
_SYLLABLES = ("ka", "lo", "mi", "ren", "tos", "va", "dur", "bel", "sha", "nik", "or", "pel", "zu")
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


_SIDES = {
    True: POSITIVE_WORDS + RARE_POSITIVE_WORDS,
    False: NEGATIVE_WORDS + RARE_NEGATIVE_WORDS,
}
# Every sentiment word the generator writes, common and rare, of both sides.
SENTIMENT_WORDS = _SIDES[True] + _SIDES[False]
_WEIGHTS = np.cumsum([1 / (rank + 2) for rank in range(len(_SIDES[True]))]).tolist()


def _sentiment_word(rng: random.Random, positive: bool, other_than: str = "") -> str:
    while True:
        word = rng.choices(_SIDES[positive], cum_weights=_WEIGHTS)[0]
        if word != other_than:
            return word


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
        maker="".join(_pick(rng, _SYLLABLES) for _ in range(3)),
        number=rng.randrange(60, 200),
        year=rng.randrange(1950, 2011),
    )


def _cue(rng: random.Random, positive: bool, negation_rate: float, double_rate: float) -> str:
    """A sentence whose meaning is positive or negative; negated cues use words of the other side.

    A *double* cue names two sentiment words of one side ("superb and moving"): within a
    word2vec window, words of one side then meet each other more often than the other side's,
    as in real reviews, so word vectors trained on the reviews can learn the sides.
    """
    negated = rng.random() < negation_rate
    adjective = _sentiment_word(rng, positive != negated)
    second = _sentiment_word(rng, positive != negated, other_than=adjective)
    aspect = _pick(rng, ASPECTS)
    double = rng.random() < double_rate
    if negated:
        template = _pick(rng, _NEGATED_DOUBLE_CUES if double else _NEGATED_CUES)
        return template.format(aspect=aspect, adj=adjective, adj2=second, neg=_pick(rng, NEGATIONS))
    template = _pick(rng, _DOUBLE_CUES if double else _PLAIN_CUES)
    return template.format(aspect=aspect, adj=adjective, adj2=second)


def _check_rate(name: str, value: float) -> float:
    if not (isinstance(value, (int, float, np.floating)) and 0 <= value <= 1):
        raise ValueError(f"{name} must be a number between 0 and 1, got {value!r}")
    return float(value)


def _check_range(name: str, value) -> tuple[int, int]:
    if not (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        and 0 <= value[0] <= value[1]
    ):
        raise ValueError(
            f"{name} must be two integers (low, high) with 0 <= low <= high, got {value!r}"
        )
    return int(value[0]), int(value[1])


def _sentences(rng: random.Random, polarities, neutral: int, cue_place: str, rates) -> list[str]:
    cues = [_cue(rng, polarity, *rates) for polarity in polarities]
    fillers = [_filler(rng) for _ in range(neutral)]
    if cue_place == "start":  # at most two neutral sentences before the cues, the rest after
        before = min(rng.randrange(3), neutral)
        return fillers[:before] + cues + fillers[before:]
    sentences = fillers
    for cue in cues:  # "anywhere": each cue at a uniform place among the sentences so far
        sentences.insert(rng.randrange(len(sentences) + 1), cue)
    return sentences


def make_review_corpus(
    n_reviews: int = 2000,
    *,
    seed: int = 0,
    cues: tuple[int, int] = (3, 5),
    negation_rate: float = 0.25,
    mixed_rate: float = 0.25,
    double_rate: float = 0.5,
    neutral_sentences: tuple[int, int] = (2, 8),
    cue_place: str = "anywhere",
    label_noise: float = 0.0,
) -> pd.DataFrame:
    """``n_reviews`` generated reviews with columns ``review`` and ``sentiment``.

    - half the reviews are positive, half negative (one more negative when odd);
    - a review has between ``cues[0]`` and ``cues[1]`` cue sentences that agree with its label;
      a *mixed* review (probability ``mixed_rate``) has one more that disagrees, and at least
      two that agree, so the label is always the majority's;
    - each cue is negated with probability ``negation_rate`` ("not bad"), and names two
      sentiment words of one side with probability ``double_rate``;
    - between ``neutral_sentences[0]`` and ``neutral_sentences[1]`` neutral sentences;
      ``cue_place="anywhere"`` puts every cue at a random place among them,
      ``"start"`` puts the cues after at most two of them and every other one after the cues
      (a model that reads to the end must carry the cues across that tail);
    - ``label_noise``: the share of labels flipped at random (0: none).

    ``frame.attrs["generator"]`` records the arguments. Same arguments, same reviews.
    """
    if isinstance(n_reviews, bool) or not isinstance(n_reviews, (int, np.integer)) or n_reviews < 2:
        raise ValueError(
            f"n_reviews must be an integer of at least 2 (one review per class), got {n_reviews!r}"
        )
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    low_cues, high_cues = _check_range("cues", cues)
    if low_cues < 1:
        raise ValueError(f"cues must start at 1 or more (a review needs a cue), got {cues!r}")
    rates = {
        name: _check_rate(name, value)
        for name, value in (
            ("negation_rate", negation_rate),
            ("mixed_rate", mixed_rate),
            ("double_rate", double_rate),
            ("label_noise", label_noise),
        )
    }
    low, high = _check_range("neutral_sentences", neutral_sentences)
    if cue_place not in ("anywhere", "start"):
        raise ValueError(f"cue_place must be 'anywhere' or 'start', got {cue_place!r}")

    rng = random.Random(int(seed))  # Python's Mersenne Twister: the same reviews on every platform
    labels = [i < n_reviews // 2 for i in range(int(n_reviews))]  # True: positive
    rng.shuffle(labels)
    reviews = []
    for positive in labels:
        agreeing = rng.randint(low_cues, high_cues)
        polarities = [positive] * agreeing
        if rng.random() < rates["mixed_rate"]:
            polarities = [positive] * max(agreeing, 2) + [not positive]
            rng.shuffle(polarities)
        sentences = _sentences(
            rng,
            polarities,
            rng.randint(low, high),
            cue_place,
            (rates["negation_rate"], rates["double_rate"]),
        )
        text = ""
        for i, sentence in enumerate(sentences):
            sentence = sentence[0].upper() + sentence[1:] + _pick(rng, (".", ".", ".", "!"))
            if i and rng.random() < 0.12:
                text += "<br /><br />"
            elif i:
                text += " "
            text += sentence
        reviews.append(text)
    labels = np.array([label != (rng.random() < rates["label_noise"]) for label in labels])
    frame = pd.DataFrame({"review": reviews, "sentiment": np.where(labels, "positive", "negative")})
    frame.attrs["generator"] = {
        "n_reviews": int(n_reviews),
        "seed": int(seed),
        "cues": [low_cues, high_cues],
        **{name: rates[name] for name in ("negation_rate", "mixed_rate", "double_rate")},
        "neutral_sentences": [low, high],
        "cue_place": cue_place,
        "label_noise": rates["label_noise"],
    }
    frame.attrs["source"] = "synthetic"
    return frame


def describe_corpus(generator: dict) -> str:
    """The generated corpus in words, from ``frame.attrs["generator"]``: what each review holds
    and so what it tests."""
    low, high = generator["cues"]
    neutral_low, neutral_high = generator["neutral_sentences"]
    where = (
        "at random places among"
        if generator["cue_place"] == "anywhere"
        else "after at most two of, and before the rest of,"
    )
    return (
        f"{low}-{high} cue sentences per review {where} {neutral_low}-{neutral_high} neutral "
        f"ones; {generator['negation_rate']:.0%} of cues negated (word counting misreads them), "
        f"{generator['mixed_rate']:.0%} of reviews mixed (one cue against the label), "
        f"{generator['double_rate']:.0%} of cues with two sentiment words of one side, drawn "
        "from common and rare words"
    )


def words_after_last_cue(review: str) -> int:
    """How many words of ``review`` follow its last sentiment word (0: the review ends on one).

    The distance a model that reads to the end carries the review's last cue. Words are
    split as :func:`labhelpers.data.text.text_to_word_sequence` does, ``<br />`` removed.
    """
    from .text import text_to_word_sequence

    words = text_to_word_sequence(review.replace("<br />", " "))
    sentiment = set(SENTIMENT_WORDS)
    last = max((i for i, word in enumerate(words) if word in sentiment), default=None)
    if last is None:
        raise ValueError("the review holds no sentiment word of the generated corpus")
    return len(words) - 1 - last
