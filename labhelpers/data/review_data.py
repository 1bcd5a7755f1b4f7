"""The reviews of lessons 7, 9 and 13: IMDB split for training and test, or generated reviews.

:func:`load_review_data` tries the sources of :data:`REVIEW_SOURCES` in order: the IMDB CSV
(:mod:`labhelpers.data.imdb`) with the split asked for; for the official split without its
split file, the split and its texts from ``keras.datasets.imdb``
(:func:`labhelpers.data.keras_imdb.keras_official_reviews`), else the CSV's random split; only
when IMDB is not found, the generated corpus of :mod:`labhelpers.data.reviews`, and it says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..base.runtime import tell_terminal
from .imdb import (
    LABELS,
    SPLIT_DESCRIPTIONS,
    ImdbNotFoundError,
    clean_reviews,
    drop_duplicate_reviews,
    find_split_file,
    imdb_or_not_found,
    no_split_file,
    served_data,
    split_official,
    split_random,
)
from .keras_imdb import (
    find_word_index,
    keras_datasets_folder,
    keras_official_reviews,
    load_word_index,
)


@dataclass
class ReviewData:
    """Training and test reviews, and where they come from.

    ``train`` and ``test`` are DataFrames with ``review``, ``sentiment`` and
    ``label``; ``source`` is ``"imdb"`` or ``"synthetic"``; ``description`` is
    one line for a notebook's output, which names the split used; ``split`` is
    the split used (``"random"`` or ``"official"``), which is not always the one
    asked for; ``split_note`` says why, or where the official split came from
    when not from the split file (None when the split asked for came from its
    usual place); ``fallback_reason`` says why IMDB was not used (None when it
    was, or when the synthetic corpus was asked for).
    """

    train: pd.DataFrame
    test: pd.DataFrame
    source: str
    description: str
    split: str
    path: str | None = None
    fallback_reason: str | None = None
    split_note: str | None = None

    @property
    def is_imdb(self) -> bool:
        return self.source == "imdb"

    def subset(self, n_train: int | None, n_test: int | None, seed: int = 0) -> ReviewData:
        """The first ``n_train`` / ``n_test`` rows of a random shuffle of each part (None: all of
        it)."""

        def take(part: pd.DataFrame, n: int | None) -> pd.DataFrame:
            if n is None or n >= len(part):
                return part
            if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
                raise ValueError(
                    f"subset sizes must be integers of at least 2 (or None), got {n!r}"
                )
            return part.sample(n=int(n), random_state=seed)

        train, test = take(self.train, n_train), take(self.test, n_test)
        if len(train) == len(self.train) and len(test) == len(self.test):
            return self
        description = (
            self.description
            + f"; a random subset of {len(train)} training and {len(test)} test reviews"
        )
        return replace(self, train=train, test=test, description=description)


def _from_csv(
    frame: pd.DataFrame,
    train: pd.DataFrame,
    test: pd.DataFrame,
    split: str,
    clean: bool,
    split_note: str | None = None,
) -> ReviewData:
    # Repeated reviews go before training: a test review that is also a training review
    # measures memory, not generalisation.
    train, test, dropped, leaked = drop_duplicate_reviews(train, test)
    repeated = (
        f"; {dropped} repeated reviews dropped (the first copy of each kept"
        + (f"; {leaked} of them were test copies of training reviews)" if leaked else ")")
        if dropped
        else ""
    )
    description = (
        f"IMDB, {len(frame)} reviews from {frame.attrs['source']}; "
        f"{SPLIT_DESCRIPTIONS[split]} split: {len(train)} training, {len(test)} test reviews"
        + repeated
        + ("; <br /> tags removed" if clean else "")
    )
    if split_note:
        description += f". NOTE: {split_note}"
    return ReviewData(
        train, test, "imdb", description, split, frame.attrs["source"], None, split_note
    )


def load_review_data(
    data: str = "auto",
    path: str | Path | None = None,
    *,
    split: str = "random",
    clean: bool = False,
    n_synthetic: int = 2000,
    seed: int = 0,
    kagglehub: bool = True,
    use_keras: bool = True,
    corpus: Mapping | None = None,
) -> ReviewData:
    """IMDB reviews split for training and test, or the generated corpus when IMDB cannot be had.

    - ``data="imdb"``: IMDB or an error; ``"synthetic"``: the generated corpus
      (:func:`labhelpers.data.reviews.make_review_corpus`, ``n_synthetic``
      reviews, ``seed``, and the generator's other arguments in ``corpus``, for a lesson that
      needs its own); ``"auto"``: IMDB when found, else the generated corpus,
      with the reason in ``fallback_reason`` and in ``description``.
    - ``split``: ``"random"`` (80/20, ``random_state=42``) or ``"official"``
      (25k/25k). The official split comes from the split file beside the CSV;
      without one (the Kaggle CSV), from ``keras.datasets.imdb``
      (:func:`labhelpers.data.keras_imdb.keras_official_reviews`, its texts decoded from word
      ids; also when the CSV is not found), unless ``use_keras=False``; when that fails
      too, the random split is used: ``split`` says which split was used, and
      ``split_note`` and ``description`` say why. For the generated corpus,
      "official" cuts it in two halves.

    The sources are tried in the order of :data:`REVIEW_SOURCES`.
    """
    if data not in ("auto", "imdb", "synthetic"):
        raise ValueError(f"data must be 'auto', 'imdb' or 'synthetic', got {data!r}")
    if split not in ("random", "official"):
        raise ValueError(f"split must be 'random' or 'official', got {split!r}")
    if data == "synthetic":
        return _synthetic_reviews(n_synthetic, seed, corpus, clean, split, None)
    frame, not_found = imdb_or_not_found(path, clean=clean, kagglehub=kagglehub)
    request = ReviewRequest(
        frame, not_found, data, split, clean, use_keras, n_synthetic, seed, corpus
    )
    return served_data(REVIEW_SOURCES, request)


@dataclass
class ReviewRequest:
    """What :func:`load_review_data` was asked for, and the IMDB CSV it found (or why not)."""

    frame: pd.DataFrame | None
    not_found: ImdbNotFoundError | None
    data: str
    split: str
    clean: bool
    use_keras: bool
    n_synthetic: int
    seed: int
    corpus: Mapping | None = None

    def not_found_error(self, reasons: dict[str, str]) -> ImdbNotFoundError:
        """Why IMDB was not found: the places of the CSV, and ``keras.datasets.imdb`` when the
        official split asked it."""
        if self.split == "official":
            return self.not_found.also(reasons[KERAS_OFFICIAL])
        return self.not_found


CSV_AS_ASKED = "the IMDB CSV, split as asked"
KERAS_OFFICIAL = "the official split from keras.datasets.imdb"
NO_CSV = "the IMDB CSV was not found"


def _csv_as_asked(request: ReviewRequest, reasons: dict[str, str]) -> ReviewData | str:
    frame = request.frame
    if frame is None:
        return NO_CSV
    if request.split == "random":
        return _from_csv(frame, *split_random(frame), "random", request.clean)
    split_file = find_split_file(frame.attrs["source"])
    if split_file is None:
        return no_split_file(frame.attrs["source"])
    return _from_csv(frame, *split_official(frame, split_file), "official", request.clean)


def _keras_official(request: ReviewRequest, reasons: dict[str, str]) -> ReviewData | str:
    if request.split != "official":
        return "the random split was asked for"
    if not request.use_keras:
        return "keras.datasets.imdb was not asked (use_keras=False)"
    index_path = find_word_index(
        request.frame.attrs["source"] if request.frame is not None else None
    )
    parts, what = keras_official_reviews(load_word_index(index_path) if index_path else None)
    if parts is None:
        return what
    train, test = parts
    note = (
        f"{reasons[CSV_AS_ASKED]}, so the official split and its texts come from "
        f"keras.datasets.imdb ({what})"
    )
    description = (
        "IMDB from keras.datasets.imdb (word ids decoded back to words: lower case, "
        f"no punctuation); official 25k/25k split: {len(train)} training, "
        f"{len(test)} test reviews. NOTE: {note}"
    )
    npz = keras_datasets_folder() / "imdb.npz"
    path = str(npz) if npz.is_file() else None
    return ReviewData(train, test, "imdb", description, "official", path, None, note)


def _csv_random_instead(request: ReviewRequest, reasons: dict[str, str]) -> ReviewData | str:
    frame = request.frame
    if frame is None:
        return NO_CSV
    note = (
        f"the official 25k/25k split was asked for, but {reasons[CSV_AS_ASKED]} and "
        f"{reasons[KERAS_OFFICIAL]}; so this is the lab record's random 80/20 split "
        "(random_state=42)"
    )
    return _from_csv(frame, *split_random(frame), "random", request.clean, note)


def _generated(request: ReviewRequest, reasons: dict[str, str]) -> ReviewData | str:
    if request.data == "imdb":
        return "data='imdb' asks for IMDB only"
    reason = request.not_found_error(reasons).what_happened
    n, seed, corpus = request.n_synthetic, request.seed, request.corpus
    return _synthetic_reviews(n, seed, corpus, request.clean, request.split, reason)


# Where load_review_data takes its reviews from, best first: each source returns the data, or the
# reason it could not serve (a string), and the first that serves wins. The official split
# without its split file asks keras.datasets.imdb before it falls back to the random split.
REVIEW_SOURCES = (
    (CSV_AS_ASKED, _csv_as_asked),
    (KERAS_OFFICIAL, _keras_official),
    ("the IMDB CSV, the random split in place of the official one", _csv_random_instead),
    ("the generated reviews", _generated),
)


def _synthetic_reviews(
    n_synthetic: int, seed: int, corpus: Mapping | None, clean: bool, split: str, reason
) -> ReviewData:
    """:func:`load_review_data`'s generated corpus, split as asked; ``reason``, why IMDB was not
    used (None when the corpus was asked for), is said in its description and on the terminal."""
    from .reviews import describe_corpus, make_review_corpus

    frame = make_review_corpus(n_synthetic, seed=seed, **(corpus or {}))
    if clean:
        frame["review"] = clean_reviews(frame["review"])
    frame["label"] = frame["sentiment"].map(LABELS).astype(np.int64)
    if split == "official":
        half = len(frame) // 2
        train, test = frame.iloc[:half], frame.iloc[half:]
    else:
        train, test = split_random(frame)
    description = (
        f"SYNTHETIC reviews generated by labhelpers (not IMDB): {len(frame)} reviews, seed {seed}; "
        f"{len(train)} training, {len(test)} test; {describe_corpus(frame.attrs['generator'])}"
    )
    if reason:
        description += f". IMDB was not found ({reason}), so this run falls back to them"
        tell_terminal(f"labhelpers NOTE: {description}")
    return ReviewData(train, test, "synthetic", description, split, None, reason)
