"""Pre-trained word vectors: word2vec trained offline, GloVe files read, and the embedding matrix.

- :func:`train_word2vec` trains word vectors on tokenized texts with gensim
  (imported inside the function), deterministically for a given seed.
- :func:`read_glove` reads a GloVe text file (``word v1 v2 ... vd`` per line,
  also gzipped) without any pickle.
- :func:`download_glove` fetches GloVe vectors through gensim's downloader,
  bounded in time and read from gensim's cache when already there.
- :func:`embedding_matrix` lays the vectors out as the weight matrix of an
  embedding layer: row i is the vector of the word whose id is i.

Both sources give a :class:`WordVectors`, so a lesson does not care which it has.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .base.checks import positive_int, positive_ints, require
from .base.runtime import StillRunning, bounded


@dataclass
class WordVectors:
    """Words and their vectors: ``vectors[i]`` (shape (dim,), float32) belongs to ``words[i]``."""

    words: list[str]
    vectors: np.ndarray
    source: str = ""
    index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self):
        self.vectors = np.asarray(self.vectors, dtype=np.float32)
        if self.vectors.ndim != 2 or self.vectors.shape[0] != len(self.words):
            raise ValueError(
                f"vectors must have shape (len(words), dim) = ({len(self.words)}, dim), "
                f"got {self.vectors.shape}"
            )
        self.index = {word: i for i, word in enumerate(self.words)}
        if len(self.index) != len(self.words):
            raise ValueError("words must be distinct")

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.index

    def __getitem__(self, word: str) -> np.ndarray:
        return self.vectors[self.index[word]]

    def most_similar(self, word: str, n: int = 5) -> list[tuple[str, float]]:
        """The ``n`` words with the largest cosine similarity to ``word`` (itself excluded)."""
        if word not in self.index:
            raise KeyError(f"{word!r} has no vector")
        norms = np.linalg.norm(self.vectors, axis=1)
        norms[norms == 0] = 1
        similarity = (
            self.vectors @ self.vectors[self.index[word]] / (norms * norms[self.index[word]])
        )
        similarity[self.index[word]] = -np.inf
        # at most every other word: the word itself (last, at -inf) is never one of them
        best = np.argsort(-similarity, kind="stable")[: min(n, len(self.words) - 1)]
        return [(self.words[i], float(similarity[i])) for i in best]


def stable_hash(text: str) -> int:
    """A hash of a string that is the same in every process (Python's ``hash`` of a str is not).

    gensim seeds each word's starting vector with a hash of the word; with this
    one, the same seed gives the same vectors on every run.
    """
    return zlib.crc32(text.encode("utf-8", "surrogatepass"))


def train_word2vec(
    sentences: Sequence[Sequence[str]],
    *,
    vector_size: int = 100,
    window: int = 5,
    min_count: int = 2,
    epochs: int = 5,
    skip_gram: bool = False,
    seed: int = 0,
    workers: int = 1,
) -> WordVectors:
    """Word2vec vectors (gensim) trained on ``sentences``, each a list of words.

    CBOW by default (``skip_gram=True`` for skip-gram): a word's vector is
    trained to predict it from the mean of the vectors of the ``window`` words
    on each side. Words seen fewer than ``min_count`` times get no vector.
    With ``workers=1`` (the default) and a fixed ``seed`` the vectors are the
    same on every run; more workers are faster but not reproducible.
    Returns :class:`WordVectors` of dimension ``vector_size``.
    """
    if isinstance(sentences, (str, bytes)):
        raise TypeError(
            "sentences must be a list of tokenized texts (lists of words), got a string"
        )
    sentences = list(sentences)
    if not sentences:
        raise ValueError("sentences is empty: there is nothing to train word vectors on")
    for i, sentence in enumerate(sentences):
        if isinstance(sentence, str) or not all(isinstance(w, str) for w in sentence):
            raise TypeError(
                f"sentences must hold lists of words (str); item {i} is {type(sentence).__name__}. "
                "Tokenize first, e.g. with labhelpers.data.text.text_to_word_sequence."
            )
    positive_ints(
        vector_size=vector_size, window=window, min_count=min_count, epochs=epochs, workers=workers
    )
    gensim_models = require(
        "gensim.models",
        "text",
        "train_word2vec (word vectors of lessons 9 and 13)",
        package="gensim",
    )

    model = gensim_models.Word2Vec(
        vector_size=vector_size,
        window=window,
        min_count=min_count,
        epochs=epochs,
        sg=int(bool(skip_gram)),
        seed=seed,
        workers=workers,
        hashfxn=stable_hash,
    )
    model.build_vocab(sentences)
    if len(model.wv) == 0:
        raise ValueError(
            f"no word occurs at least min_count={min_count} "
            "times: lower min_count or give more text"
        )
    model.train(sentences, total_examples=model.corpus_count, epochs=model.epochs)
    words = list(model.wv.index_to_key)
    return WordVectors(
        words,
        model.wv.vectors.copy(),
        f"word2vec ({'skip-gram' if skip_gram else 'CBOW'}, gensim), {len(words)} words, "
        f"dimension {vector_size}, trained on {len(sentences)} texts",
    )


def read_glove(
    path: str | Path, *, vocabulary: Mapping[str, int] | Sequence[str] | None = None
) -> WordVectors:
    """Read a GloVe text file (``word v1 ... vd`` per line; ``.gz`` too) into :class:`WordVectors`.

    A first line of two integers (the word2vec text header ``count dim``) is
    skipped. With ``vocabulary`` only those words are kept (much less memory for
    the large files). Errors name the line: lines with a different number of
    values, values that are not numbers.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(
            f"GloVe path {str(path)!r} does not exist (download e.g. glove.6B.100d.txt, "
            "or leave glove_path empty to train word2vec vectors instead)"
        )
    wanted = set(vocabulary) if vocabulary is not None else None
    with open(path, "rb") as file:
        opener = gzip.open if file.read(2) == b"\x1f\x8b" else open
    words, rows, dim = [], [], None
    with opener(path, "rt", encoding="utf-8", errors="strict") as file:
        for number, line in enumerate(file, start=1):
            parts = line.rstrip("\n").rstrip(" ").split(" ")
            if number == 1 and len(parts) == 2 and all(p.isdigit() for p in parts):
                continue  # word2vec text format header
            if len(parts) < 2:
                if line.strip() == "":
                    continue
                raise ValueError(
                    f"{path} line {number}: expected a word and its values, got {line[:60]!r}"
                )
            if dim is None:
                dim = len(parts) - 1
            elif len(parts) - 1 != dim:
                raise ValueError(
                    f"{path} line {number}: {len(parts) - 1} values, but the first vector has {dim}"
                )
            if wanted is not None and parts[0] not in wanted:
                continue
            try:
                rows.append(np.array(parts[1:], dtype=np.float32))
            except ValueError:
                raise ValueError(
                    f"{path} line {number}: the values after {parts[0]!r} are not all numbers"
                ) from None
            words.append(parts[0])
    if dim is None:
        raise ValueError(f"{path} holds no vectors (it is empty)")
    vectors = np.stack(rows) if rows else np.zeros((0, dim), np.float32)
    return WordVectors(
        words, vectors, f"GloVe file {path.name}: {len(words)} words, dimension {dim}"
    )


def embedding_matrix(
    word_index: Mapping[str, int],
    vectors: WordVectors,
    num_words: int,
    *,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """The weight matrix of an embedding layer whose row i is the vector of the word with id i.

    Shape (num_words, vectors.dim), float32. Row 0 (padding) is zeros. A word
    with an id below ``num_words`` and a vector gets that vector; the other rows
    (words without a vector, the out-of-vocabulary id) are drawn from a normal
    distribution with the mean and standard deviation of the known vectors, so
    they are neither zero nor out of scale. Returns ``(matrix, found)``, where
    ``found[i]`` is True when row i came from ``vectors``.
    """
    num_words = positive_int("num_words", num_words)
    if not isinstance(vectors, WordVectors):
        raise TypeError(
            "vectors must be WordVectors (from train_word2vec "
            f"or read_glove), got {type(vectors).__name__}"
        )
    rng = np.random.default_rng(seed)
    mean = float(vectors.vectors.mean()) if len(vectors) else 0.0
    std = float(vectors.vectors.std()) if len(vectors) else 0.1
    matrix = rng.normal(mean, std or 0.1, size=(num_words, vectors.dim)).astype(np.float32)
    matrix[0] = 0.0
    found = np.zeros(num_words, dtype=bool)
    for word, i in word_index.items():
        if 0 < i < num_words and word in vectors.index:
            matrix[i] = vectors.vectors[vectors.index[word]]
            found[i] = True
    return matrix, found


def require_coverage(found: np.ndarray, source: str) -> None:
    """Stop when no word row came from the vectors (``found`` of :func:`embedding_matrix`): a
    comparison of "pre-trained" against random embeddings would then compare two random ones."""
    if not np.asarray(found)[1:].any():
        raise ValueError(
            f"no row of the embedding comes from the pre-trained vectors ({source}): none of the "
            f"{len(found) - 1} words of the vocabulary has a vector there. Check that the file "
            "is a GloVe text file of lower-case words (glove_path), or leave glove_path empty "
            "for word2vec"
        )


#: gensim's name for the 100-dimensional GloVe vectors (Wikipedia 2014 + Gigaword 5, 400k words).
GLOVE_GENSIM_NAME = "glove-wiki-gigaword-100"

#: Seconds :func:`download_glove` waits for gensim's downloader (about 128 MB to fetch).
GLOVE_TIMEOUT = 300.0


def download_glove(
    name: str = GLOVE_GENSIM_NAME,
    *,
    vocabulary: Mapping[str, int] | Sequence[str] | None = None,
    timeout: float = GLOVE_TIMEOUT,
) -> tuple[WordVectors | None, str]:
    """GloVe vectors through gensim's downloader, waited for at most ``timeout`` seconds.

    gensim keeps what it downloads in ``gensim.downloader.BASE_DIR``
    (``$GENSIM_DATA_DIR``, else ``~/gensim-data``); a file already there is
    read without any network call. The file is read with :func:`read_glove`
    (no pickle), keeping only ``vocabulary``'s words when given. Returns
    ``(vectors, what happened)``, or ``(None, why not)`` when gensim is missing,
    the network cannot be reached or gives no answer in time: the caller falls
    back to other vectors and says so.
    """
    if not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    try:
        downloader = require(
            "gensim.downloader", "text", "downloading GloVe vectors", package="gensim"
        )
    except ModuleNotFoundError as missing:
        return None, str(missing)
    cached = Path(downloader.BASE_DIR) / name / f"{name}.gz"
    if cached.is_file():
        how = f"read from gensim's cache ({cached})"
    else:
        try:
            path = bounded(
                f"gensim {name}", timeout, lambda: downloader.load(name, return_path=True)
            )
        except StillRunning:
            path = None
        except Exception as error:  # offline: gensim raises ValueError or OSError; said, not raised
            return None, (
                f"gensim could not download {name} (no network?): "
                f"{type(error).__name__}: {str(error)[:160]}"
            )
        if path is None:
            return None, (
                f"gensim's downloader gave no answer within {timeout:g} s (no network?); a "
                "download it started carries on in the background, and a later run finds it "
                "in gensim's cache"
            )
        cached = Path(path)
        how = f"downloaded by gensim to {cached}"
    vectors = read_glove(cached, vocabulary=vocabulary)
    vectors.source = f"GloVe {name} ({len(vectors)} words, dimension {vectors.dim}), {how}"
    return vectors, how
