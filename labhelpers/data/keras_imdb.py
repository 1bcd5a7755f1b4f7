"""IMDB in the ``keras.datasets.imdb`` format (lesson 8), from the best source there is.

:func:`load_keras_imdb` tries its sources in the order of :data:`KERAS_IMDB_SOURCES`: Keras's
own loader on the genuine ``imdb.npz`` found here; the format built offline
(:func:`keras_format`) from the IMDB CSV with its official split file and word index; Keras's
own loader downloading its file (bounded in time, :data:`KERAS_TIMEOUT`); the format built from
the CSV alone; the generated reviews of :mod:`labhelpers.data.reviews`, and it says so.
:func:`keras_official_reviews` gives the official split as texts, decoded from Keras's word ids.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import urllib.request
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from functools import cached_property
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd

from ..base.checks import check_texts
from ..base.environment import data_dir
from ..base.runtime import StillRunning, bounded, import_keras, tell_terminal
from .imdb import (
    LABELS,
    SPLIT_DESCRIPTIONS,
    ImdbNotFoundError,
    find_split_file,
    imdb_or_not_found,
    no_split_file,
    served_data,
    short_error,
    split_official,
    split_random,
)

WORD_INDEX_NAMES = ("keras/imdb_word_index.json", "imdb_word_index.json")
KERAS_NPZ_NAMES = ("keras/imdb.npz", "imdb.npz")
KERAS_NPZ_SHA256 = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
# Seconds waited for keras.datasets.imdb's answer (19 MB to download).
KERAS_TIMEOUT = 120.0
# Where keras.datasets.imdb downloads from; asked first, for at most PROBE_TIMEOUT seconds, so
# that an offline run does not import TensorFlow (seconds) only to learn that the download fails.
KERAS_HOST = "storage.googleapis.com"
PROBE_TIMEOUT = 5.0


def _unreachable(host: str, port: int = 443, timeout: float = PROBE_TIMEOUT) -> str | None:
    """None when a connection to ``host`` opens within ``timeout`` seconds (name lookup included),
    else why not."""
    if urllib.request.getproxies().get("https"):
        return None  # only the proxy can tell; the download itself is bounded anyway

    def connect():
        socket.create_connection((host, port), timeout=timeout).close()

    try:
        bounded(f"connect {host}:{port}", timeout, connect)
    except StillRunning as error:  # the name lookup hangs
        return f"{host} did not answer ({error}; no network?)"
    except OSError as error:  # the name lookup failed, the connection was refused or timed out
        return f"{host} did not answer ({short_error(error)}; no network?)"
    return None


def find_word_index(csv_path: str | Path | None = None) -> Path | None:
    """The official ``imdb_word_index.json`` beside the CSV or in ``$LABHELPERS_DATA_DIR``, or
    None."""
    folders = [Path(csv_path).parent] if csv_path else []
    if folder := data_dir():
        folders.append(folder)
    for folder in folders:
        for name in WORD_INDEX_NAMES:
            if (folder / name).is_file():
                return folder / name
    return None


def load_word_index(path: str | Path) -> dict[str, int]:
    """The Keras IMDB word index (word -> frequency rank, ``the`` = 1) from its JSON file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"word index path {str(path)!r} does not exist")
    try:
        index = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"word index {path} is not valid JSON ({error})") from None
    if not isinstance(index, dict) or not all(
        isinstance(v, int) and v >= 1 for v in index.values()
    ):
        raise ValueError(f"word index {path} must map words to positive integers")
    return index


def find_genuine_keras_npz(csv_path: str | Path | None = None) -> Path | None:
    """Keras's own ``imdb.npz``, if present (beside the CSV, in the data folder or Keras's cache)
    with the right SHA-256."""
    candidates = []
    folders = [Path(csv_path).parent] if csv_path else []
    if folder := data_dir():
        folders.append(folder)
    for folder in folders:
        candidates += [folder / name for name in KERAS_NPZ_NAMES]
    candidates.append(keras_datasets_folder() / "imdb.npz")
    for candidate in candidates:
        if (
            candidate.is_file()
            and candidate.stat().st_size == 17_464_789
            and hashlib.sha256(candidate.read_bytes()).hexdigest() == KERAS_NPZ_SHA256
        ):
            return candidate
    return None


def keras_datasets_folder() -> Path:
    """Where ``keras.datasets`` keeps its downloads: ``$KERAS_HOME/datasets``, by default
    ``~/.keras/datasets``."""
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")).expanduser() / "datasets"


def _keras_download(
    args: KerasLoadArgs,
    word_index: dict[str, int] | None,
    timeout: float,
    *,
    all_words: bool = False,
) -> tuple[tuple | None, str]:
    """``keras.datasets.imdb.load_data(**args)`` and its word index, waited for at most
    ``timeout`` seconds.

    ``word_index`` given: used instead of ``get_word_index()``. ``all_words``:
    every word kept, whatever ``args.num_words`` (``load_data(num_words=None)``
    turns the rarest word into the out-of-vocabulary id).
    Returns ``(((x_train, y_train), (x_test, y_test), word_index) or None,
    what happened)``; never raises for a missing Keras or
    network.
    """
    cached = (keras_datasets_folder() / "imdb.npz").is_file() and (
        word_index is not None or (keras_datasets_folder() / "imdb_word_index.json").is_file()
    )
    if not cached:
        unreachable = _unreachable(KERAS_HOST)
        if unreachable:
            return None, f"keras.datasets.imdb was not tried: {unreachable}"
    try:
        keras = import_keras("the official split from keras.datasets.imdb")
    except ModuleNotFoundError as missing:
        return None, str(missing)

    def fetch():
        index = word_index if word_index is not None else keras.datasets.imdb.get_word_index()
        # ids are ranks + 3 (0 padding, 1 start, 2 out of vocabulary); load_data keeps ids below
        # num_words
        keep = max(index.values()) + 4 if all_words else args.num_words
        return keras.datasets.imdb.load_data(**{**asdict(args), "num_words": keep}), index

    key = f"keras.datasets.imdb {all_words} {args}"
    try:
        (train, test), index = bounded(key, timeout, fetch)
    except StillRunning:
        return None, (
            f"keras.datasets.imdb gave no answer within {timeout:g} s; a download it started "
            "carries on in the background, and a later run finds it in Keras's cache"
        )
    except Exception as error:  # a failed download, a damaged file: said, not raised
        return None, f"keras.datasets.imdb failed: {short_error(error)}"
    return (train, test, index), (
        "read from Keras's cache" if cached else "downloaded by keras.datasets.imdb"
    )


def keras_official_reviews(
    word_index: dict[str, int] | None = None, timeout: float = KERAS_TIMEOUT
) -> tuple[tuple[pd.DataFrame, pd.DataFrame] | None, str]:
    """The official 25k/25k split as texts, from ``keras.datasets.imdb`` (its cache, or a download
    bounded in time).

    Each review's word ids are decoded through the word index (``word_index``,
    else ``keras.datasets.imdb.get_word_index()``): id ``rank + 3`` is the word
    of that rank; the start marker (1) is dropped. So the texts are lower case
    and without punctuation, in Keras's shuffled order. Returns ``((train,
    test) or None, what happened)``, DataFrames with ``review``, ``sentiment``
    and ``label`` (train rows numbered from 0, test rows after them); never
    raises for a missing Keras or network.
    """
    got, what = _keras_download(KerasLoadArgs(), word_index, timeout, all_words=True)
    if got is None:
        return None, what
    (x_train, y_train), (x_test, y_test), index = got
    words = [""] * (max(index.values()) + 4)
    for word, rank in index.items():
        words[rank + 3] = word

    def frame(ids, labels, start):
        labels = np.asarray(labels, dtype=np.int64)
        texts = [
            " ".join([words[i] for i in review if i > 2]) for review in ids
        ]  # 1 start, 2 unknown: no word
        part = pd.DataFrame(
            {
                "review": texts,
                "sentiment": np.where(labels == 1, "positive", "negative"),
                "label": labels,
            },
            index=pd.RangeIndex(start, start + len(labels)),
        )
        part.attrs["source"] = "keras.datasets.imdb"
        return part

    return (frame(x_train, y_train, 0), frame(x_test, y_test, len(y_train))), what


def keras_format(
    train_texts: Sequence[str],
    test_texts: Sequence[str],
    y_train: Sequence[int],
    y_test: Sequence[int],
    word_index: dict[str, int],
    **load_data_args,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Reviews in the ``keras.datasets.imdb.load_data`` format, built from texts and a word index.

    Two steps, as the genuine data is made. First each review becomes the
    ranks (``word_index`` values) of its words, split as the Keras
    ``Tokenizer`` splits them (lower case, default filters): what the genuine
    ``imdb.npz`` stores. A word that is not in ``word_index`` is left out, as
    the genuine file leaves out the test words its training vocabulary lacks
    (``keras.datasets.imdb`` says so; its word index is the training reviews'
    vocabulary). Then :func:`keras_load_rules` applies ``load_data``'s
    arguments (``load_data_args``, see :class:`KerasLoadArgs`), with its
    defaults: shuffled with ``seed``, ``start_char`` (1) first, ranks +
    ``index_from`` (3), so 0 is padding, 1 the start, 2 ``oov_char`` for the
    words cut by ``num_words``/``skip_top``, and ``the`` (rank 1) is 4.
    Returns ``(x_train, y_train), (x_test, y_test)``: object arrays of int
    lists and int64 label arrays.
    """
    from .text import lookup_words

    args = KerasLoadArgs(**load_data_args)
    vocabulary = sorted(word_index, key=word_index.__getitem__)
    ranks = np.fromiter((word_index[w] for w in vocabulary), dtype=np.int64, count=len(vocabulary))

    def stored(texts, labels):
        texts = check_texts(texts)
        labels = np.asarray(labels, dtype=np.int64)
        if len(labels) != len(texts):
            raise ValueError(f"got {len(texts)} texts but {len(labels)} labels")
        positions, lengths = lookup_words(texts, vocabulary)
        known = positions >= 0
        review = np.repeat(np.arange(len(texts)), lengths)
        return ranks[positions[known]], np.bincount(review[known], minlength=len(texts)), labels

    return keras_load_rules(stored(train_texts, y_train), stored(test_texts, y_test), args)


def _optional_int(name: str, value, low: int, allow_none: bool = True) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        or_none = " or None" if allow_none else ""
        raise ValueError(f"{name} must be an integer >= {low}{or_none}, got {value!r}")
    return int(value)


@dataclass(frozen=True)
class KerasLoadArgs:
    """``keras.datasets.imdb.load_data``'s arguments but ``path``, with its defaults, checked:
    integers >= 0, or None where Keras allows it."""

    num_words: int | None = None
    skip_top: int = 0
    maxlen: int | None = None
    seed: int = 113
    start_char: int | None = 1
    oov_char: int | None = 2
    index_from: int = 3

    def __post_init__(self):
        may_be_none = ("num_words", "maxlen", "start_char", "oov_char")
        for field in fields(self):
            value = _optional_int(
                field.name, getattr(self, field.name), 0, field.name in may_be_none
            )
            object.__setattr__(self, field.name, value)


def keras_load_rules(
    train: tuple[np.ndarray, np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray, np.ndarray],
    args: KerasLoadArgs = KerasLoadArgs(),
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """What ``keras.datasets.imdb.load_data`` does to the stored ranks, with its arguments
    ``args``.

    ``train`` and ``test`` are ``(ranks, lengths, labels)``: every review's word
    ranks one after the other, each review's length, its labels. In order:

    1. each half is shuffled with one ``np.random.RandomState(seed)``, the
       training half first;
    2. every rank becomes rank + ``index_from``, and ``start_char`` (unless
       None) is put in front of every review;
    3. ``maxlen`` (not None or 0): reviews of ``maxlen`` ids or more (the
       start counted) are removed, not cut; an error if a half has none left;
    4. an id below ``skip_top`` or of ``num_words`` or more becomes
       ``oov_char``, or is removed when ``oov_char`` is None. As in Keras,
       ``num_words`` None (or 0) means the largest id of both halves, so that
       this one id (the rarest word's) becomes ``oov_char`` too (where
       Keras fails on an empty review without ``start_char``, this takes the
       largest id there is), and ``skip_top`` counts ids, the start mark
       included.

    Returns ``(x_train, y_train), (x_test, y_test)``: object arrays of int
    lists and int64 labels.
    """
    num_words, skip_top, maxlen, seed, start_char, oov_char, index_from = asdict(args).values()
    rng = np.random.RandomState(seed)
    halves = []
    for name, (ranks, lengths, labels) in (("training", train), ("test", test)):
        ids, lengths = np.asarray(ranks, np.int64) + index_from, np.asarray(lengths, np.int64)
        order = np.arange(len(lengths))
        rng.shuffle(order)  # applied to the lists at the end: every step below is per review
        if start_char is not None:
            ids, lengths = np.insert(ids, np.cumsum(lengths) - lengths, start_char), lengths + 1
        kept = np.ones(len(lengths), dtype=bool)
        if maxlen:
            kept = lengths < maxlen
            if not kept.any():
                raise ValueError(
                    f"maxlen={maxlen} keeps no review of the {name} half: every "
                    f"one has {maxlen} ids or more (the start mark counts); "
                    "increase maxlen"
                )
            ids, lengths = ids[np.repeat(kept, lengths)], lengths[kept]
        order = order[kept[order]]  # the kept reviews, in shuffled order
        halves.append([ids, lengths, np.asarray(labels, np.int64), kept, order])
    limit = num_words or max((int(ids.max()) for ids, *_ in halves if len(ids)), default=0)
    x_y = []
    for ids, lengths, labels, kept, order in halves:
        inside = (ids >= skip_top) & (ids < limit)
        if oov_char is not None:
            ids = np.where(inside, ids, oov_char)
        else:
            review = np.repeat(np.arange(len(lengths)), lengths)
            ids, lengths = ids[inside], np.bincount(review[inside], minlength=len(lengths))
        bounds = np.concatenate([[0], np.cumsum(lengths)]).tolist()
        flat = ids.tolist()
        x = np.empty(len(kept), dtype=object)  # indexed by stored position; only kept ones filled
        for i, (a, b) in zip(np.flatnonzero(kept).tolist(), pairwise(bounds)):
            x[i] = flat[a:b]  # one by one: lists of equal lengths must not make a 2-D array
        x_y.append((x[order], labels[order]))
    return x_y[0], x_y[1]


@dataclass
class KerasImdb:
    """Reviews in the ``keras.datasets.imdb`` format: id lists, labels, the word index, and their
    origin.

    ``x_train``/``x_test`` are object arrays of int lists (with ``load_data``'s
    defaults 1 = start, 2 = out of vocabulary, word index rank + 3 for a word;
    ``start_char``, ``oov_char`` and ``index_from`` record the values used);
    ``y_*`` int64 labels (1 positive). ``word_index`` maps a word to its rank
    (add ``index_from`` for its id). ``source`` is ``"keras"`` (Keras's own
    loader), ``"imdb"`` (built from the CSV) or ``"synthetic"``. ``split`` is
    the split used (``"official"`` or ``"random"``); ``split_note`` says why
    it is not the official one.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    word_index: dict[str, int]
    description: str
    source: str
    fallback_reason: str | None = None
    split: str = "official"
    split_note: str | None = None
    start_char: int | None = 1
    oov_char: int | None = 2
    index_from: int = 3

    @classmethod
    def made_by(
        cls, args: KerasLoadArgs, train: tuple, test: tuple, word_index: dict[str, int], *info
    ) -> KerasImdb:
        """From ``load_data``'s ``(x_train, y_train), (x_test, y_test)`` made with ``args``, the
        labels as int64; ``info`` are the fields from ``description`` on."""
        (x_train, y_train), (x_test, y_test) = train, test
        y_train, y_test = np.asarray(y_train, dtype=np.int64), np.asarray(y_test, dtype=np.int64)
        marks = dict(start_char=args.start_char, oov_char=args.oov_char, index_from=args.index_from)
        return cls(x_train, y_train, x_test, y_test, word_index, *info, **marks)

    @property
    def is_imdb(self) -> bool:
        return self.source in ("keras", "imdb")

    def decode(self, ids: Sequence[int], index_from: int | None = None) -> str:
        """Ids back to words: 0 left out, ``start_char`` as ``<START>``, ``oov_char`` ``<OOV>``."""
        index_from = self.index_from if index_from is None else index_from
        words = {i + index_from: w for w, i in self.word_index.items()}
        marks = ((self.start_char, "<START>"), (self.oov_char, "<OOV>"))
        words.update({mark: name for mark, name in marks if mark is not None})
        return " ".join(words.get(int(i), "<?>") for i in ids if int(i) != 0)


def load_keras_imdb(
    num_words: int | None = None,
    path: str | Path | None = None,
    *,
    skip_top: int = 0,
    maxlen: int | None = None,
    seed: int = 113,
    start_char: int | None = 1,
    oov_char: int | None = 2,
    index_from: int = 3,
    data: str = "auto",
    genuine: bool = True,
    n_synthetic: int = 2000,
    synthetic_seed: int = 0,
    kagglehub: bool = True,
) -> KerasImdb:
    """IMDB in the ``keras.datasets.imdb`` format (:class:`KerasImdb`), from the best source there
    is.

    The sources of :data:`KERAS_IMDB_SOURCES`, in this order:

    1. Keras's own ``imdb.load_data(num_words=...)`` on the genuine
       ``imdb.npz`` (checked by its SHA-256) found on this machine;
    2. built offline (:func:`keras_format`) from the IMDB CSV, its official
       split file and the official word index;
    3. Keras's own ``imdb.load_data(num_words=...)`` downloading its file
       (bounded in time; what the course's Keras records did on Colab);
    4. built from the CSV alone: the official split when its file is there,
       else the lab record's random 80/20 split; the official word index when
       found, else one fitted on the training reviews;
    5. with ``data="auto"``, or asked for with ``data="synthetic"``: the
       generated corpus cut in two halves, with a word index fitted on the first.

    ``num_words``, ``skip_top``, ``maxlen``, ``seed``, ``start_char``,
    ``oov_char`` and ``index_from`` are ``keras.datasets.imdb.load_data``'s,
    with its defaults and meaning (:func:`keras_load_rules`): Keras's loader
    gets them all, and the offline builds apply them the same way. ``path`` is
    the IMDB CSV or its folder (not Keras's ``imdb.npz``). ``genuine=False``
    skips Keras's own loader (1 and 3). ``synthetic_seed`` seeds the generated
    corpus. ``description`` says which source, split and word index were used;
    ``split`` and ``split_note`` say which split and why.
    """
    if data not in ("auto", "imdb", "synthetic"):
        raise ValueError(f"data must be 'auto', 'imdb' or 'synthetic', got {data!r}")
    args = KerasLoadArgs(num_words, skip_top, maxlen, seed, start_char, oov_char, index_from)
    if data == "synthetic":
        return _keras_synthetic(n_synthetic, synthetic_seed, None, args)
    request = KerasRequest(args, path, data, genuine, kagglehub, n_synthetic, synthetic_seed)
    return served_data(KERAS_IMDB_SOURCES, request)


@dataclass
class KerasRequest:
    """What :func:`load_keras_imdb` was asked for, and what its sources share: the IMDB CSV, its
    split file and word index, each looked for once, when a source first needs it."""

    args: KerasLoadArgs
    path: str | Path | None
    data: str
    genuine: bool
    kagglehub: bool
    n_synthetic: int
    synthetic_seed: int

    @cached_property
    def found(self) -> tuple[pd.DataFrame | None, ImdbNotFoundError | None]:
        return imdb_or_not_found(self.path, clean=False, kagglehub=self.kagglehub)

    @property
    def frame(self) -> pd.DataFrame | None:
        return self.found[0]

    @cached_property
    def split_file(self) -> Path | None:
        return find_split_file(self.frame.attrs["source"]) if self.frame is not None else None

    @cached_property
    def index_path(self) -> Path | None:
        return find_word_index(self.frame.attrs["source"] if self.frame is not None else None)

    @cached_property
    def word_index(self) -> dict[str, int] | None:
        return load_word_index(self.index_path) if self.index_path else None

    def not_found_error(self, reasons: dict[str, str]) -> ImdbNotFoundError:
        """Why IMDB was not found: the places of the CSV, and Keras's loader when it was asked."""
        if self.genuine:
            return self.found[1].also(reasons[KERAS_DOWNLOAD])
        return self.found[1]


NOT_ASKED = "Keras's own loader was not asked (genuine=False)"
KERAS_DOWNLOAD = "keras.datasets.imdb.load_data downloading its file"


def _from_genuine_npz(request: KerasRequest, reasons: dict[str, str]) -> KerasImdb | str:
    if not request.genuine:
        return NOT_ASKED
    path = request.path
    csv_hint = path if path and Path(path).is_file() else None
    npz = find_genuine_keras_npz(csv_hint)
    if npz is None:
        return f"no {' or '.join(KERAS_NPZ_NAMES)} with Keras's SHA-256 here or in Keras's cache"
    keras = import_keras("reading Keras's imdb.npz")
    train, test = keras.datasets.imdb.load_data(path=str(npz.resolve()), **asdict(request.args))
    index_path = find_word_index(csv_hint)
    word_index = load_word_index(index_path) if index_path else {}
    description = (
        f"IMDB from Keras's own imdb.npz ({npz}), official 25k/25k split: "
        f"{len(train[0])} training, {len(test[0])} test reviews"
    )
    return KerasImdb.made_by(request.args, train, test, word_index, description, "keras")


def _built_from_official_files(request: KerasRequest, reasons: dict[str, str]) -> KerasImdb | str:
    if request.frame is not None and (request.split_file is None or request.word_index is None):
        return "the official split file or word index is missing"
    return _built_from_the_csv(request, "")


def _downloaded(request: KerasRequest, reasons: dict[str, str]) -> KerasImdb | str:
    if not request.genuine:
        return NOT_ASKED
    got, what = _keras_download(request.args, request.word_index, KERAS_TIMEOUT)
    if got is None:
        return what
    train, test, word_index = got
    description = (
        f"IMDB from keras.datasets.imdb.load_data(num_words={request.args.num_words}) ({what}), "
        f"official 25k/25k split: {len(train[0])} training, {len(test[0])} test reviews"
    )
    return KerasImdb.made_by(request.args, train, test, word_index, description, "keras")


def _built_from_csv(request: KerasRequest, reasons: dict[str, str]) -> KerasImdb | str:
    # ``reasons[KERAS_DOWNLOAD]``: why Keras's loader gave no official split
    return _built_from_the_csv(request, reasons.get(KERAS_DOWNLOAD, ""))


def _built_from_the_csv(request: KerasRequest, what: str) -> KerasImdb | str:
    if request.frame is None:
        return "the IMDB CSV was not found"
    split_file, index_path, word_index = request.split_file, request.index_path, request.word_index
    return _keras_from_csv(request.frame, split_file, index_path, word_index, what, request.args)


def _generated(request: KerasRequest, reasons: dict[str, str]) -> KerasImdb | str:
    if request.data == "imdb":
        return "data='imdb' asks for IMDB only"
    reason = request.not_found_error(reasons).what_happened
    return _keras_synthetic(request.n_synthetic, request.synthetic_seed, reason, request.args)


# Where load_keras_imdb takes IMDB from, best first: each source returns the data, or the reason
# it could not serve (a string), and the first that serves wins.
KERAS_IMDB_SOURCES = (
    ("Keras's own loader on the genuine imdb.npz found here", _from_genuine_npz),
    (
        "built offline from the CSV, its official split file and word index",
        _built_from_official_files,
    ),
    (KERAS_DOWNLOAD, _downloaded),
    ("built offline from the CSV alone", _built_from_csv),
    ("the generated reviews", _generated),
)


def _keras_synthetic(n_synthetic: int, seed: int, reason: str | None, args) -> KerasImdb:
    """:func:`load_keras_imdb`'s generated corpus, cut in two halves; ``reason``, why IMDB was not
    used (None when the corpus was asked for), is said on the terminal too."""
    from .reviews import make_review_corpus

    frame = make_review_corpus(n_synthetic, seed=seed)
    texts, labels = frame["review"].tolist(), frame["sentiment"].map(LABELS).to_numpy(np.int64)
    half = len(frame) // 2
    generated = generated_in_keras_format(
        texts[:half],
        texts[half:],
        labels[:half],
        labels[half:],
        what=" in the keras.datasets.imdb format",
        seed=seed,
        fallback_reason=reason,
        args=args,
    )
    if reason:
        tell_terminal(f"labhelpers NOTE: {generated.description}")
    return generated


def _keras_from_csv(frame, split_file, index_path, word_index, what: str, args) -> KerasImdb:
    """:func:`load_keras_imdb`'s offline build from the CSV ``frame``: the official split when
    ``split_file`` is there (else the random one, and ``what`` says why Keras's loader gave no
    split), the official word index when found (else one fitted on the training reviews)."""
    from .text import WordTokenizer

    source = frame.attrs["source"]
    note = None
    if split_file is not None:
        (train, test), split = split_official(frame, split_file), "official"
    else:
        (train, test), split = split_random(frame), "random"
        note = (
            "keras.datasets.imdb has the official 25k/25k split, but "
            f"{no_split_file(source)} and "
            f"{what}; so this is the lab record's random 80/20 split (random_state=42)"
        )
    if word_index is not None:
        index_text = f"the official word index {index_path}"
    else:
        word_index = WordTokenizer().fit_on_texts(train["review"].tolist()).word_index
        index_text = (
            f"a word index fitted on its {len(train)} training reviews (the official "
            f"{' or '.join(WORD_INDEX_NAMES)} is not here)"
        )
    built = keras_format(
        train["review"].tolist(),
        test["review"].tolist(),
        train["label"],
        test["label"],
        word_index,
        **asdict(args),
    )
    description = (
        f"IMDB in the keras.datasets.imdb format, built offline from {source} with "
        f"{index_text}; {SPLIT_DESCRIPTIONS[split]} split: {len(built[0][0])} training, "
        f"{len(built[1][0])} test reviews"
    )
    if note:
        description += f". NOTE: {note}"
    return KerasImdb.made_by(args, *built, word_index, description, "imdb", None, split, note)


def generated_in_keras_format(
    train_texts: list[str],
    test_texts: list[str],
    y_train: Sequence[int],
    y_test: Sequence[int],
    *,
    what: str,
    seed: int,
    fallback_reason: str | None = None,
    args: KerasLoadArgs = KerasLoadArgs(),
) -> KerasImdb:
    """Generated reviews as :class:`KerasImdb`, with a word index fitted on the training texts.

    ``what`` (its start included: ", one ..." or " in ...") and ``seed`` describe them in the
    ``description``, with ``fallback_reason``, why IMDB is not used.
    """
    from .text import WordTokenizer

    word_index = WordTokenizer().fit_on_texts(train_texts).word_index
    built = keras_format(train_texts, test_texts, y_train, y_test, word_index, **asdict(args))
    description = (
        f"SYNTHETIC reviews generated by labhelpers (not IMDB){what}: {len(built[0][0])} "
        f"training, {len(built[1][0])} test reviews, seed {seed}"
    )
    if fallback_reason:
        description += f". IMDB was not found ({fallback_reason}), so this run falls back to them"
    return KerasImdb.made_by(args, *built, word_index, description, "synthetic", fallback_reason)
