"""Text for the character-level RNN (lesson 12): a character codec, corpora that ship
offline, a split in order and the unigram baseline. NumPy only (the batches are in
:mod:`labhelpers.data.batches`).

Offline corpora (no network needed):

- ``"lee"``: the Lee Background Corpus, 300 ABC (Australian Broadcasting
  Corporation) news articles in English, about 360,000 characters; it ships
  with gensim as ``gensim/test/test_data/lee_background.cor`` (Lee, Pincombe
  and Welsh, 2005). Found without importing gensim.
- ``"python_docs"``: the help texts of Python's language reference that ship
  with every CPython as ``pydoc_data.topics`` (about 465,000 characters of
  English prose and code examples).

An optional download, ``"tiny_shakespeare"`` (about 1.1 million characters,
Karpathy's char-rnn data), is cached after the first success and read from the
cache offline.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..base.checks import positive_int, require
from ..base.environment import data_dir, labhelpers_cache
from ..base.files import atomic_write

TINY_SHAKESPEARE_URL = (
    "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"
)


class CharCodec:
    """The vocabulary of a text and the maps between characters and indices.

    ``idx2char`` lists the distinct characters in sorted order and
    ``char2idx[c]`` is the position of ``c`` in it, so
    ``decode(encode(s)) == s`` for every string made of known characters.
    """

    def __init__(self, text: str):
        if not isinstance(text, str):
            raise ValueError(f"text must be a string, got {type(text).__name__}")
        if not text:
            raise ValueError(
                "text is empty: a vocabulary needs at least one character (check the corpus)"
            )
        self.idx2char: list[str] = sorted(set(text))
        self.char2idx: dict[str, int] = {char: index for index, char in enumerate(self.idx2char)}

    @property
    def vocab_size(self) -> int:
        return len(self.idx2char)

    def encode(self, text: str, name: str = "text") -> np.ndarray:
        """Character indices of ``text``, shape (len(text),),
        int64; ``name`` names it in the error."""
        try:
            return np.fromiter(
                (self.char2idx[char] for char in text), dtype=np.int64, count=len(text)
            )
        except KeyError as error:
            raise ValueError(
                f"{name} contains {error.args[0]!r}, which is not in the vocabulary "
                f"of {self.vocab_size} characters"
            ) from None

    def decode(self, indices: Sequence[int] | np.ndarray) -> str:
        """The text of a sequence of indices (any 1-D sequence of ints)."""
        indices = np.asarray(indices).reshape(-1)
        if indices.size and (indices.min() < 0 or indices.max() >= self.vocab_size):
            raise ValueError(
                f"indices must lie in [0, {self.vocab_size}), got values from "
                f"{indices.min()} to {indices.max()}"
            )
        return "".join(self.idx2char[int(index)] for index in indices)

    def __repr__(self) -> str:
        return f"CharCodec({self.vocab_size} characters)"


def shifted_pair(indices) -> tuple[np.ndarray, np.ndarray]:
    """Input and one-step-shifted target of a sequence: (s_0..s_{n-2}, s_1..s_{n-1}).

    At every position the target is the character that follows the input's.
    """
    indices = np.asarray(indices).reshape(-1)
    if len(indices) < 2:
        raise ValueError(
            "a sequence needs at least 2 characters for "
            f"an input and its target, got {len(indices)}"
        )
    return indices[:-1], indices[1:]


@dataclass
class Corpus:
    """A text and where it came from."""

    name: str
    text: str
    source: str

    def __len__(self) -> int:
        return len(self.text)


def _lee_path() -> Path | None:
    spec = importlib.util.find_spec("gensim")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = (
        Path(list(spec.submodule_search_locations)[0]) / "test" / "test_data" / "lee_background.cor"
    )
    return path if path.is_file() else None


def _default_cache() -> Path:
    return data_dir() or labhelpers_cache()


def available_corpora() -> dict[str, bool]:
    """Which corpora :func:`load_corpus` can read now without the network."""
    return {
        "lee": _lee_path() is not None,
        "python_docs": importlib.util.find_spec("pydoc_data") is not None,
        "tiny_shakespeare": (_default_cache() / "tiny_shakespeare.txt").is_file(),
    }


def corpus_or_python_docs(name: str) -> str:
    """The corpus a lesson reads: ``name``, or ``"python_docs"`` when ``name`` is ``"lee"`` and
    gensim's copy is missing (lessons 12 and 4 run without gensim). When gensim is not
    installed it prints so, with the command that installs it."""
    if name != "lee" or available_corpora()["lee"]:
        return name
    try:
        require("gensim", "text", "the Lee corpus")
    except ModuleNotFoundError as missing:
        print(f"{missing}. This run uses Python's own help texts instead.")
    return "python_docs"


def load_corpus(
    name: str = "lee",
    max_chars: int | None = None,
    cache_dir: str | Path | None = None,
    download: bool = False,
    timeout: float = 10.0,
) -> Corpus:
    """Load a text corpus (see the module docstring for the three names).

    ``max_chars`` keeps only the first characters (for quick runs).
    ``"tiny_shakespeare"`` is read from ``cache_dir`` (default: the folder in
    ``LABHELPERS_DATA_DIR``, else ``~/.cache/labhelpers``); with
    ``download=True`` a missing file is fetched first, waiting at most
    ``timeout`` seconds.
    """
    if max_chars is not None:
        max_chars = positive_int("max_chars", max_chars)
    if name == "lee":
        path = _lee_path()
        if path is None:
            if importlib.util.find_spec("gensim") is None:
                require(
                    "gensim", "text", "load_corpus('lee') (without gensim use name='python_docs')"
                )
            raise FileNotFoundError(
                "the 'lee' corpus ships with gensim, but this gensim has no test/test_data/"
                "lee_background.cor; use name='python_docs', which ships with Python"
            )
        text = path.read_text(encoding="utf-8")
        source = f"Lee Background Corpus (300 ABC news articles), shipped with gensim: {path.name}"
    elif name == "python_docs":
        from pydoc_data import topics

        text = "\n\n".join(topics.topics[key] for key in sorted(topics.topics))
        source = "Python's language-reference help texts, shipped with Python as pydoc_data.topics"
    elif name == "tiny_shakespeare":
        path = Path(cache_dir) if cache_dir is not None else _default_cache()
        path = path / "tiny_shakespeare.txt"
        if not path.is_file():
            if not download:
                raise FileNotFoundError(
                    f"{path} does not exist: pass download=True "
                    "to fetch tiny Shakespeare (network needed), "
                    "or use an offline corpus, name='lee' or name='python_docs'"
                )
            _download(TINY_SHAKESPEARE_URL, path, timeout)
        text = path.read_text(encoding="utf-8")
        source = f"tiny Shakespeare (Karpathy's char-rnn data), cached at {path}"
    else:
        raise ValueError(
            f"name must be one of 'lee', 'python_docs', 'tiny_shakespeare', got {name!r}"
        )
    if max_chars is not None:
        text = text[:max_chars]
    if not text:
        raise ValueError(f"the corpus {name!r} is empty")
    return Corpus(name, text, source)


def _download(url: str, path: Path, timeout: float) -> None:
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            data = response.read()
    except OSError as error:  # URLError, timeouts and refused connections are all OSErrors
        raise ConnectionError(
            f"could not download {url} within {timeout} s ({error}); use an offline corpus, "
            "name='lee' or name='python_docs'"
        ) from None
    with atomic_write(path) as file:
        file.write(data)


def split_text(indices, train_fraction: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    """First ``train_fraction`` of an encoded text for
    training, the rest for validation (in order)."""
    indices = np.asarray(indices).reshape(-1)
    if isinstance(train_fraction, bool) or not 0 < train_fraction < 1:
        raise ValueError(
            f"train_fraction must lie strictly between 0 and 1, got {train_fraction!r}"
        )
    n_train = int(round(len(indices) * train_fraction))
    if n_train < 2 or len(indices) - n_train < 2:
        raise ValueError(
            f"train_fraction={train_fraction} of {len(indices)} characters leaves a part with "
            "fewer than 2 characters: use a longer text"
        )
    return indices[:n_train], indices[n_train:]


def unigram_cross_entropy(
    train_indices, eval_indices, vocab_size: int, smoothing: float = 1.0
) -> float:
    """Cross-entropy (nats per character) of a model that ignores context.

    p(c) = (count of c in the training text + smoothing) / (n + smoothing * V);
    returns -mean over the evaluated text of log p(c). exp() of it is the
    perplexity a character model must beat to have learned anything from context.
    """
    vocab_size = positive_int("vocab_size", vocab_size)
    if not smoothing > 0:
        raise ValueError(
            f"smoothing must be positive (it keeps unseen characters possible), got {smoothing!r}"
        )
    train_indices = np.asarray(train_indices, dtype=np.int64).reshape(-1)
    eval_indices = np.asarray(eval_indices, dtype=np.int64).reshape(-1)
    if len(eval_indices) == 0:
        raise ValueError("eval_indices is empty: there is nothing to score")
    counts = np.bincount(train_indices, minlength=vocab_size).astype(np.float64)
    if len(counts) > vocab_size:
        raise ValueError(
            f"train_indices hold index {len(counts) - 1}, outside vocab_size={vocab_size}"
        )
    probabilities = (counts + smoothing) / (counts.sum() + smoothing * vocab_size)
    return float(-np.log(probabilities[eval_indices]).mean())
