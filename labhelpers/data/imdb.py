"""The IMDB movie reviews (50,000, labelled positive or negative), found and loaded offline.

Where the CSV is looked for, in this order (:func:`find_imdb_csv`):

1. a path given by the caller (a file, or a folder that holds it);
2. the folder named by the environment variable ``LABHELPERS_DATA_DIR``;
3. kagglehub's cache for the versioned handle :data:`KAGGLE_HANDLE`, then
   ``kagglehub.dataset_download`` in this process (Colab's cache of Kaggle
   datasets only answers the notebook's own process), waited for at most
   :data:`KAGGLEHUB_TIMEOUT` seconds;
4. otherwise :class:`ImdbNotFoundError`, whose message names the three ways.

Two splits: the lab record's random 80/20 split (``random_state=42``) and the
official 25,000/25,000 split of Maas et al. (2011). The Kaggle CSV does not
record the official one: it is read from the split file beside the CSV, else
taken from ``keras.datasets.imdb`` when Keras is installed and the network
answers (:func:`keras_official_reviews`), else the random split is used and
the data says so (:attr:`ReviewData.split_note`). :func:`load_keras_imdb`
gives the ``keras.datasets.imdb`` format: from Keras's own loader (its
``imdb.npz`` at hand, or downloaded), else built from the CSV. Only IMDB not
found makes :func:`load_review_data` fall back to the generated corpus of
:mod:`labhelpers.data.reviews`, and it says so. Every network call is bounded
in time (:data:`KAGGLEHUB_TIMEOUT`, :data:`KERAS_TIMEOUT`).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import socket
import urllib.request
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd

from ..checks import check_texts, positive_int, require
from ..runtime import StillRunning, bounded, import_keras, tell_terminal

DATA_DIR_ENV = "LABHELPERS_DATA_DIR"
KAGGLE_HANDLE = "lakshmi25npathi/imdb-dataset-of-50k-movie-reviews/versions/1"
KAGGLE_FILE = "IMDB Dataset.csv"
CSV_NAMES = ("imdb_50k.csv.gz", "imdb_50k.csv", KAGGLE_FILE, KAGGLE_FILE + ".gz")
SPLIT_NAMES = ("imdb_50k_meta.csv.gz", "imdb_50k_meta.csv")
WORD_INDEX_NAMES = ("keras/imdb_word_index.json", "imdb_word_index.json")
KERAS_NPZ_NAMES = ("keras/imdb.npz", "imdb.npz")
KERAS_NPZ_SHA256 = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
LABELS = {"negative": 0, "positive": 1}
# Seconds waited for an answer from kagglehub (26 MB to download) and from keras.datasets.imdb (19
# MB).
KAGGLEHUB_TIMEOUT = 60.0
KERAS_TIMEOUT = 120.0
# Where keras.datasets.imdb downloads from; asked first, for at most PROBE_TIMEOUT seconds, so that
# an
# offline run does not import TensorFlow (seconds) only to learn that the download fails.
KERAS_HOST = "storage.googleapis.com"
PROBE_TIMEOUT = 5.0

_BR_TAG = re.compile(r"<br\s*/?>", flags=re.IGNORECASE)


class ImdbNotFoundError(FileNotFoundError):
    """The IMDB CSV is in none of the places looked at; the message says where they were."""


# --------------------------------------------------------------------------- finding the file


def _csv_in_folder(folder: Path) -> Path | None:
    for name in CSV_NAMES:
        if (folder / name).is_file():
            return folder / name
    return None


def kagglehub_cached_csv(cache_dir: str | Path | None = None) -> Path | None:
    """The CSV in kagglehub's cache for :data:`KAGGLE_HANDLE`, if a finished download is there.

    Reads the cache folders directly (``$KAGGLEHUB_CACHE``, default
    ``~/.cache/kagglehub``), so it never touches the network.
    """
    base = Path(
        cache_dir or os.environ.get("KAGGLEHUB_CACHE") or Path.home() / ".cache" / "kagglehub"
    )
    owner, dataset, _, version = KAGGLE_HANDLE.split("/")
    root = base / "datasets" / owner / dataset
    if not (root / f"{version}.complete").exists():
        return None
    return _csv_in_folder(root / "versions" / version)


def _short(error: Exception, length: int = 200) -> str:
    """``Type: message`` of an exception, the message cut to ``length`` characters."""
    text = str(error)
    return f"{type(error).__name__}: {text if len(text) <= length else text[: length - 3] + '...'}"


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
        return f"{host} did not answer ({_short(error)}; no network?)"
    return None


def kagglehub_download(timeout: float = KAGGLEHUB_TIMEOUT) -> tuple[Path | None, str]:
    """``kagglehub.dataset_download(KAGGLE_HANDLE)`` in this process, waited for at most ``timeout``
    seconds.

    In this process, because Colab's cache of Kaggle datasets answers only the
    notebook's own process. Only the returned folder is used: kagglehub logs
    its progress to stdout. Returns ``(csv path or None, what happened)``.
    """
    try:
        kagglehub = require("kagglehub", "text", "downloading IMDB from Kaggle")
    except ModuleNotFoundError as missing:
        return None, str(missing)
    try:
        folder = bounded(
            f"kagglehub {KAGGLE_HANDLE}", timeout, lambda: kagglehub.dataset_download(KAGGLE_HANDLE)
        )
    except StillRunning:
        return None, (
            f"kagglehub gave no answer within {timeout:g} s (no network?); a download it started "
            "carries on in the background, and a later run finds it in kagglehub's cache"
        )
    except OSError as error:  # requests' ConnectionError and timeouts are OSErrors
        return None, f"kagglehub could not reach Kaggle (no network?): {_short(error)}"
    except Exception as error:  # kagglehub's own errors (not found, refused, ...): said, not raised
        return None, f"kagglehub failed: {_short(error)}"
    found = _csv_in_folder(Path(folder)) if isinstance(folder, (str, os.PathLike)) else None
    return (
        (found, "downloaded by kagglehub")
        if found
        else (None, f"kagglehub's folder {folder!r} has no CSV")
    )


def find_imdb_csv(
    path: str | Path | None = None, *, kagglehub: bool = True, timeout: float = KAGGLEHUB_TIMEOUT
) -> Path:
    """Path of the 50k-review CSV: an explicit ``path``, else ``$LABHELPERS_DATA_DIR``, else
    kagglehub.

    ``path`` may be the CSV itself or a folder holding one of :data:`CSV_NAMES`;
    a ``path`` that does not exist is an error (it is not skipped). With
    ``kagglehub=False`` no download is tried. Raises :class:`ImdbNotFoundError`.
    """
    if path is not None and str(path) != "":
        path = Path(path).expanduser()
        if path.is_dir():
            found = _csv_in_folder(path)
            if found is None:
                raise ImdbNotFoundError(
                    f"path {str(path)!r} is a folder without any of {', '.join(CSV_NAMES)}"
                )
            return found
        if not path.exists():
            raise ImdbNotFoundError(
                f"path {str(path)!r} does not exist: give the IMDB CSV file or its folder"
            )
        return path
    tried = []
    folder = os.environ.get(DATA_DIR_ENV)
    if folder:
        found = _csv_in_folder(Path(folder).expanduser())
        if found is not None:
            return found
        tried.append(f"{DATA_DIR_ENV}={folder} has none of {', '.join(CSV_NAMES)}")
    else:
        tried.append(f"the environment variable {DATA_DIR_ENV} is not set")
    cached = kagglehub_cached_csv()
    if cached is not None:
        return cached
    if kagglehub:
        found, what = kagglehub_download(timeout)
        if found is not None:
            return found
        tried.append(f"kagglehub ({KAGGLE_HANDLE}): not in its cache, and {what}")
    else:
        tried.append(f"kagglehub ({KAGGLE_HANDLE}): not in its cache (download not tried)")
    raise ImdbNotFoundError(
        "The IMDB 50k-review CSV was not found. It is looked for in three ways:\n"
        "  1. an explicit path (the `path` argument, or the notebook's `data_path` parameter);\n"
        f"  2. the folder named by the environment variable {DATA_DIR_ENV} (for example "
        "../shared/data);\n"
        f"  3. kagglehub's cache or a kagglehub download of {KAGGLE_HANDLE}.\n"
        "What happened: " + "; ".join(tried) + "."
    )


# --------------------------------------------------------------------------- reading


def check_data_path(data: str, data_path: str | Path | None) -> None:
    """Stop a lesson before it loads anything when its ``data_path`` setting cannot be used.

    A ``data_path`` that does not exist (a typo) or a folder without the CSV is
    an error whatever ``data`` says; so is a ``data_path`` given with
    ``data="synthetic"`` (the smoke profile's choice), which would ignore it.
    An empty ``data_path`` means "look in the usual places": nothing to check.
    """
    if data_path is None or str(data_path) == "":
        return
    path = Path(data_path).expanduser()
    usual = f"or leave data_path empty to look in ${DATA_DIR_ENV} and kagglehub's cache"
    if not path.exists():
        raise FileNotFoundError(
            f"data_path {str(data_path)!r} does not exist: give the IMDB CSV file or its "
            f"folder, {usual}"
        )
    if path.is_dir() and _csv_in_folder(path) is None:
        raise FileNotFoundError(
            f"data_path {str(data_path)!r} is a folder without any of {', '.join(CSV_NAMES)}: "
            f"give the CSV file itself, {usual}"
        )
    if data == "synthetic":
        raise ValueError(
            f"data_path {str(data_path)!r} is given but data is 'synthetic' (generated reviews), "
            "which would ignore it: set data to 'imdb' (papermill -p data imdb) to use the file, "
            "or leave data_path empty"
        )


def _file_error(path: Path, error: Exception) -> ValueError:
    return ValueError(
        f"path {str(path)!r} is not a readable gzip file; it may be truncated or damaged "
        f"({type(error).__name__}: {error}). Copy or download it again."
    )


def read_imdb_csv(path: str | Path) -> pd.DataFrame:
    """Read and check an IMDB CSV: columns ``review, sentiment``, labels ``positive``/``negative``.

    Returns a DataFrame with ``review`` (str), ``sentiment`` (str) and
    ``label`` (int64: 1 positive, 0 negative), one row per review, in file
    order; ``frame.attrs["source"]`` is the path. Clear errors for a missing,
    empty or damaged file, other columns and other labels.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"path {str(path)!r} does not exist or is not a file")
    if path.stat().st_size == 0:
        raise ValueError(
            f"path {str(path)!r} is empty (0 bytes): expected a CSV with the header "
            "review,sentiment"
        )
    gzipped = _starts_with_gzip(path)
    if path.suffix == ".gz" and not gzipped:
        raise ValueError(
            f"path {str(path)!r} ends in .gz but is not a gzip file; it may be damaged"
        )
    try:
        frame = pd.read_csv(
            path, compression="gzip" if gzipped else None, dtype=str, keep_default_na=False
        )
    except pd.errors.EmptyDataError:
        raise ValueError(
            f"path {str(path)!r} holds no data: expected a CSV with the header review,sentiment"
        ) from None
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:
        raise _file_error(path, error) from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as error:
        if gzipped:
            raise _file_error(path, error) from None
        raise ValueError(
            f"path {str(path)!r} could not be read as a CSV ({type(error).__name__}: {error})"
        ) from None
    columns = [str(c) for c in frame.columns]
    if sorted(columns[:2]) != ["review", "sentiment"] or len(columns) != 2:
        raise ValueError(
            f"path {str(path)!r} has the columns {columns}; an IMDB CSV has exactly "
            "review,sentiment"
        )
    if len(frame) == 0:
        raise ValueError(f"path {str(path)!r} has a header but no reviews")
    bad = ~frame["sentiment"].isin(list(LABELS))
    if bad.any():
        values = sorted(frame.loc[bad, "sentiment"].unique())[:5]
        raise ValueError(
            f"path {str(path)!r}: sentiment must be 'positive' or 'negative', but {int(bad.sum())} "
            f"rows have other values {values} (first at row {int(np.flatnonzero(bad)[0])})"
        )
    empty = frame["review"].str.strip() == ""
    if empty.any():
        raise ValueError(
            f"path {str(path)!r}: {int(empty.sum())} reviews are empty (first at row "
            f"{int(np.flatnonzero(empty)[0])})"
        )
    frame = frame[["review", "sentiment"]].copy()
    frame["label"] = frame["sentiment"].map(LABELS).astype(np.int64)
    frame.attrs["source"] = str(path)
    return frame


def _starts_with_gzip(path: Path) -> bool:
    with open(path, "rb") as file:
        return file.read(2) == b"\x1f\x8b"


def _found_imdb(path, clean: bool, kagglehub: bool) -> tuple[pd.DataFrame | None, Exception | None]:
    """:func:`load_imdb`, or None and why IMDB was not found; a wrong ``path`` that the user gave
    is an error, never replaced."""
    try:
        return load_imdb(path, clean=clean, kagglehub=kagglehub), None
    except ImdbNotFoundError as error:
        if path is not None:
            raise
        return None, error


def load_imdb(
    path: str | Path | None = None, *, clean: bool = False, kagglehub: bool = True
) -> pd.DataFrame:
    """Find (:func:`find_imdb_csv`) and read (:func:`read_imdb_csv`) the 50k reviews.

    ``clean=True`` replaces the ``<br />`` tags by spaces (:func:`clean_reviews`).
    Returns the DataFrame of :func:`read_imdb_csv`, shape (50000, 3) for the full file.
    """
    frame = read_imdb_csv(find_imdb_csv(path, kagglehub=kagglehub))
    if clean:
        frame["review"] = clean_reviews(frame["review"])
    frame.attrs["cleaned"] = bool(clean)
    return frame


def clean_review(text: str) -> str:
    """Replace the HTML line breaks (``<br />``, ``<br/>``, ``<br>``) of a review by a space."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, got {type(text).__name__}")
    return _BR_TAG.sub(" ", text)


def clean_reviews(texts: Sequence[str]) -> list[str]:
    """:func:`clean_review` for every text."""
    return [clean_review(text) for text in check_texts(texts)]


# --------------------------------------------------------------------------- splits


def drop_duplicate_reviews(
    train: pd.DataFrame, test: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, int, int]:
    """``train`` and ``test`` without repeated reviews: the first copy of each text is kept,
    training copies first, so no test review is also a training review. Returns the two parts,
    how many rows were dropped, and how many of those were test copies of a training review.
    (The IMDB CSV holds 418 repeated reviews, 123 of them on both sides of the official split.)
    """
    both = pd.concat([train.assign(_part=0), test.assign(_part=1)])
    repeated = both.duplicated("review", keep="first")
    in_train = set(train["review"])
    leaked = int((repeated & (both["_part"] == 1) & both["review"].isin(in_train)).sum())
    kept = both[~repeated]
    parts = (kept[kept["_part"] == part].drop(columns="_part") for part in (0, 1))
    new_train, new_test = parts
    for part, old in ((new_train, train), (new_test, test)):
        part.attrs.update(old.attrs)
    return new_train, new_test, int(repeated.sum()), leaked


def split_random(
    frame: pd.DataFrame, test_size: float = 0.2, random_state: int = 42
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The lab record's split: ``train_test_split(test_size=0.2, random_state=42)`` of the rows.

    Returns ``(train, test)`` in the order scikit-learn gives them (40,000 and
    10,000 rows for the full file).
    """
    from sklearn.model_selection import train_test_split

    if not 0 < test_size < 1:
        raise ValueError(f"test_size must lie strictly between 0 and 1, got {test_size!r}")
    train, test = train_test_split(frame, test_size=test_size, random_state=random_state)
    return train, test


def find_split_file(csv_path: str | Path) -> Path | None:
    """The official-split file beside ``csv_path`` (one of :data:`SPLIT_NAMES`), or None."""
    folder = Path(csv_path).parent
    for name in SPLIT_NAMES:
        if (folder / name).is_file():
            return folder / name
    return None


def read_split_file(split_path: str | Path, frame: pd.DataFrame) -> pd.Series:
    """``"train"`` or ``"test"`` for every row of ``frame``, from the split file, checked against
    it."""
    split_path = Path(split_path)
    try:
        meta = pd.read_csv(split_path, dtype={"split": str, "sentiment": str})
    except (gzip.BadGzipFile, EOFError, zlib.error, OSError, UnicodeDecodeError) as error:
        raise ValueError(
            f"split file {split_path} cannot be read ({type(error).__name__}: {error}); it may be "
            "truncated or damaged: copy it again, or move it away to use the random split"
        ) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise ValueError(
            f"split file {split_path} is not a CSV of row,split,sentiment ({error}): copy it "
            "again, or move it away to use the random split"
        ) from None
    missing = {"row", "split", "sentiment"} - set(meta.columns)
    if missing:
        raise ValueError(f"split file {split_path} lacks the columns {sorted(missing)}")
    if len(meta) != len(frame) or not np.array_equal(meta["row"].to_numpy(), np.arange(len(frame))):
        raise ValueError(
            f"split file {split_path} has {len(meta)} rows numbered differently from the "
            f"{len(frame)} reviews of the CSV: it does not belong to this CSV"
        )
    if not np.array_equal(meta["sentiment"].to_numpy(), frame["sentiment"].to_numpy()):
        raise ValueError(
            f"split file {split_path} disagrees with the CSV's labels: it belongs to a CSV "
            "with another row order (for example the original Kaggle file)"
        )
    if not meta["split"].isin(["train", "test"]).all():
        raise ValueError(f"split file {split_path}: split must be 'train' or 'test' on every row")
    return pd.Series(meta["split"].to_numpy(), index=frame.index, name="split")


def split_official(
    frame: pd.DataFrame, split_path: str | Path | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The official 25,000/25,000 train/test split of Maas et al. (2011), in file order.

    The split puts all the reviews of a movie on the same side. When the split
    file has the column ``acl_id`` (the review's number in the original files,
    where the reviews of a movie are numbered together), the frames get it as
    ``review_id``.

    The split is read from ``split_path``, by default the split file beside the
    CSV that ``frame`` was read from. The Kaggle CSV does not record it, so
    without a split file this is an error.
    """
    if split_path is None:
        source = frame.attrs.get("source")
        split_path = find_split_file(source) if source else None
        if split_path is None:
            raise FileNotFoundError(
                "the official train/test split is not recorded in the Kaggle CSV, and no "
                f"split file ({' or '.join(SPLIT_NAMES)}) lies beside {source or 'this data'}. "
                "Use split='random' (the lab record's 80/20 split) or pass split_path."
            )
    split = read_split_file(split_path, frame)
    ids = pd.read_csv(split_path, usecols=lambda column: column == "acl_id")
    if (
        "acl_id" in ids.columns
    ):  # the review's number in Maas et al.'s files: a movie's reviews are numbered together
        frame = frame.assign(review_id=ids["acl_id"].to_numpy())
    return frame[split == "train"], frame[split == "test"]


def split_imdb(
    frame: pd.DataFrame,
    split: str = "random",
    *,
    test_size: float = 0.2,
    random_state: int = 42,
    split_path: str | Path | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``split="random"`` (:func:`split_random`) or ``"official"`` (:func:`split_official`)."""
    if split == "random":
        return split_random(frame, test_size, random_state)
    if split == "official":
        return split_official(frame, split_path)
    raise ValueError(
        f"split must be 'random' (the record's 80/20 split) or 'official' (25k/25k), got {split!r}"
    )


# --------------------------------------------------------------------------- with a fallback


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


_SPLIT_NAMES = {"random": "random 80/20 (random_state=42)", "official": "official 25k/25k"}


def _no_split_file(csv_path: str) -> str:
    return f"no split file ({' or '.join(SPLIT_NAMES)}) lies beside {csv_path}"


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
        f"IMDB, {len(frame)} reviews from {frame.attrs['source']}; {_SPLIT_NAMES[split]} split: "
        f"{len(train)} training, {len(test)} test reviews"
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
      (:func:`keras_official_reviews`, its texts decoded from word ids; also
      when the CSV is not found), unless ``use_keras=False``; when that fails
      too, the random split is used: ``split`` says which split was used, and
      ``split_note`` and ``description`` say why. For the generated corpus,
      "official" cuts it in two halves.
    """
    if data not in ("auto", "imdb", "synthetic"):
        raise ValueError(f"data must be 'auto', 'imdb' or 'synthetic', got {data!r}")
    if split not in ("random", "official"):
        raise ValueError(f"split must be 'random' or 'official', got {split!r}")
    reason = None
    if data in ("auto", "imdb"):
        frame, not_found = _found_imdb(path, clean, kagglehub)
        if frame is not None and split == "random":
            return _from_csv(frame, *split_random(frame), "random", clean)
        source = frame.attrs["source"] if frame is not None else None
        split_file = find_split_file(source) if source else None
        if split_file is not None:
            return _from_csv(frame, *split_official(frame, split_file), "official", clean)
        if split == "official":
            why = _no_split_file(source) if source else "the IMDB CSV was not found"
            index_path = find_word_index(source)
            parts, what = (
                keras_official_reviews(load_word_index(index_path) if index_path else None)
                if use_keras
                else (None, "keras.datasets.imdb was not asked (use_keras=False)")
            )
            if parts is not None:
                train, test = parts
                note = (
                    f"{why}, so the official split and its texts come from "
                    f"keras.datasets.imdb ({what})"
                )
                description = (
                    "IMDB from keras.datasets.imdb (word ids decoded back to words: lower case, "
                    f"no punctuation); official 25k/25k split: {len(train)} training, "
                    f"{len(test)} test reviews. NOTE: {note}"
                )
                npz = _keras_datasets() / "imdb.npz"
                return ReviewData(
                    train,
                    test,
                    "imdb",
                    description,
                    "official",
                    str(npz) if npz.is_file() else None,
                    None,
                    note,
                )
            if frame is not None:
                note = (
                    f"the official 25k/25k split was asked for, but {why} and {what}; so this is "
                    "the lab record's random 80/20 split (random_state=42)"
                )
                return _from_csv(frame, *split_random(frame), "random", clean, note)
            not_found = ImdbNotFoundError(f"{str(not_found).rstrip('.')}; {what}.")
        if data == "imdb":
            raise not_found
        reason = str(not_found).splitlines()[-1].removeprefix("What happened: ").rstrip(".")
    return _synthetic_reviews(n_synthetic, seed, corpus, clean, split, reason)


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


# --------------------------------------------------------------------------- the Keras format


def find_word_index(csv_path: str | Path | None = None) -> Path | None:
    """The official ``imdb_word_index.json`` beside the CSV or in ``$LABHELPERS_DATA_DIR``, or
    None."""
    folders = [Path(csv_path).parent] if csv_path else []
    if os.environ.get(DATA_DIR_ENV):
        folders.append(Path(os.environ[DATA_DIR_ENV]).expanduser())
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
    if os.environ.get(DATA_DIR_ENV):
        folders.append(Path(os.environ[DATA_DIR_ENV]).expanduser())
    for folder in folders:
        candidates += [folder / name for name in KERAS_NPZ_NAMES]
    candidates.append(_keras_datasets() / "imdb.npz")
    for candidate in candidates:
        if (
            candidate.is_file()
            and candidate.stat().st_size == 17_464_789
            and hashlib.sha256(candidate.read_bytes()).hexdigest() == KERAS_NPZ_SHA256
        ):
            return candidate
    return None


def _keras_datasets() -> Path:
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
    cached = (_keras_datasets() / "imdb.npz").is_file() and (
        word_index is not None or (_keras_datasets() / "imdb_word_index.json").is_file()
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
        return None, f"keras.datasets.imdb failed: {_short(error)}"
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
    from ..text import lookup_words

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

    In this order:

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

    reason = None
    if data != "synthetic":
        csv_hint = path if path and Path(path).is_file() else None
        npz = find_genuine_keras_npz(csv_hint)
        if npz is not None and genuine:
            keras = import_keras("reading Keras's imdb.npz")
            train, test = keras.datasets.imdb.load_data(path=str(npz.resolve()), **asdict(args))
            index_path = find_word_index(csv_hint)
            word_index = load_word_index(index_path) if index_path else {}
            return KerasImdb.made_by(
                args,
                train,
                test,
                word_index,
                f"IMDB from Keras's own imdb.npz ({npz}), official 25k/25k split: "
                f"{len(train[0])} training, {len(test[0])} test reviews",
                "keras",
            )
        frame, not_found = _found_imdb(path, False, kagglehub)
        source = frame.attrs["source"] if frame is not None else None
        split_file = find_split_file(source) if source else None
        index_path = find_word_index(source)
        word_index = load_word_index(index_path) if index_path else None
        what = "Keras's own loader was not asked (genuine=False)"
        if genuine and (split_file is None or word_index is None):
            got, what = _keras_download(args, word_index, KERAS_TIMEOUT)
            if got is not None:
                train, test, word_index = got
                return KerasImdb.made_by(
                    args,
                    train,
                    test,
                    word_index,
                    f"IMDB from keras.datasets.imdb.load_data(num_words={num_words}) ({what}), "
                    f"official 25k/25k split: {len(train[0])} training, {len(test[0])} test "
                    "reviews",
                    "keras",
                )
        if frame is not None:
            return _keras_from_csv(frame, split_file, index_path, word_index, what, args)
        if genuine:  # Keras's loader was tried too
            not_found = ImdbNotFoundError(f"{str(not_found).rstrip('.')}; {what}.")
        if data == "imdb":
            raise not_found
        reason = str(not_found).splitlines()[-1].removeprefix("What happened: ").rstrip(".")
    return _keras_synthetic(n_synthetic, synthetic_seed, reason, args)


def _keras_synthetic(n_synthetic: int, seed: int, reason: str | None, args) -> KerasImdb:
    """:func:`load_keras_imdb`'s generated corpus, cut in two halves; ``reason``, why IMDB was not
    used (None when the corpus was asked for), is said on the terminal too."""
    reviews = load_review_data("synthetic", split="official", n_synthetic=n_synthetic, seed=seed)
    generated = generated_in_keras_format(
        reviews.train["review"].tolist(),
        reviews.test["review"].tolist(),
        reviews.train["label"],
        reviews.test["label"],
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
    from ..text import WordTokenizer

    source = frame.attrs["source"]
    note = None
    if split_file is not None:
        (train, test), split = split_official(frame, split_file), "official"
    else:
        (train, test), split = split_random(frame), "random"
        note = (
            "keras.datasets.imdb has the official 25k/25k split, but "
            f"{_no_split_file(source)} and "
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
        f"{index_text}; {_SPLIT_NAMES[split]} split: {len(built[0][0])} training, "
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
    from ..text import WordTokenizer

    word_index = WordTokenizer().fit_on_texts(train_texts).word_index
    built = keras_format(train_texts, test_texts, y_train, y_test, word_index, **asdict(args))
    description = (
        f"SYNTHETIC reviews generated by labhelpers (not IMDB){what}: {len(built[0][0])} "
        f"training, {len(built[1][0])} test reviews, seed {seed}"
    )
    if fallback_reason:
        description += f". IMDB was not found ({fallback_reason}), so this run falls back to them"
    return KerasImdb.made_by(args, *built, word_index, description, "synthetic", fallback_reason)


@dataclass
class ReviewSplits:
    """Reviews encoded once at the largest vocabulary and length, cut down per step by :meth:`ids`.

    ``ids[part]`` has shape (n, maxlen), padded and truncated at the end;
    ``labels[part]`` float32. Parts: ``"train"``, ``"val"`` (carved from the
    training reviews), ``"test"``. ``train_texts`` are the texts of the
    ``"train"`` part, for word2vec.
    """

    ids: dict
    labels: dict
    word_index: dict
    train_texts: list
    description: str

    @property
    def maxlen(self) -> int:
        return self.ids["train"].shape[1]

    def inputs(self, part: str, num_words: int, maxlen: int, batching: str) -> np.ndarray:
        """Ids of a part with words ranked ``num_words`` or below mapped to the OOV id 1, first
        ``maxlen`` words.

        ``batching="fixed"``: padded in front to exactly ``maxlen`` (the record's
        layout); ``"buckets"``: padded at the end.
        """
        if maxlen > self.maxlen:
            raise ValueError(
                f"maxlen {maxlen} is longer than the encoded reviews ({self.maxlen}): "
                "encode with a larger maxlen"
            )
        ids = self.ids[part][:, :maxlen]
        ids = np.where(ids >= num_words, 1, ids).astype(np.int64)
        if batching == "fixed":  # move each review's words to the end: "pre" padding
            lengths = (ids != 0).sum(axis=1)
            shift = (maxlen - lengths)[:, None]
            columns = (np.arange(maxlen)[None, :] - shift) % maxlen
            ids = np.take_along_axis(ids, columns, axis=1)
        return ids


def validation_rows(train, n_val: int, seed: int = 0) -> np.ndarray:
    """Positions of the validation reviews in the training frame ``train``.

    The official split keeps each movie's reviews on one side, so a test review
    is about a movie the model never read about. A random validation part would
    share movies (names, plots) with the training part and score higher than
    the test set. With ``review_id`` (Maas et al.'s numbering, where a movie's
    reviews are numbered together) the validation part is, for each label, the
    reviews with the highest numbers: a block of whole movies but the one at
    its edge. Without it (the random split, the official split taken from
    ``keras.datasets.imdb``, generated reviews), a random draw seeded by ``seed``.
    """
    if "review_id" not in train:
        return np.sort(np.random.default_rng(seed).permutation(len(train))[:n_val])
    labels = train["label"].to_numpy()
    ids = train["review_id"].to_numpy()
    rows = []
    for label, share in zip((0, 1), (n_val // 2, n_val - n_val // 2)):
        candidates = np.flatnonzero(labels == label)
        rows.append(
            candidates[np.argsort(ids[candidates], kind="stable")[len(candidates) - share :]]
        )
    return np.sort(np.concatenate(rows))


def split_reviews(
    records, *, num_words: int, maxlen: int, n_val: int, seed: int = 0, cache: bool = True
) -> ReviewSplits:
    """Tokenize ``records`` (:class:`labhelpers.data.imdb.ReviewData`) on the training reviews;
    carve a validation part."""
    from ..text import encode_texts

    positive_int("n_val", n_val)
    train_texts, test_texts = records.train["review"].tolist(), records.test["review"].tolist()
    if n_val >= len(train_texts):
        raise ValueError(f"n_val={n_val} leaves no training reviews (there are {len(train_texts)})")
    encoded = encode_texts(
        train_texts,
        {"train": train_texts, "test": test_texts},
        num_words=num_words,
        oov_token="<OOV>",
        maxlen=maxlen,
        padding="post",
        truncating="post",
        name=f"strong-{records.source}-{records.split}",
        cache=cache,
    )
    val = validation_rows(records.train, n_val, seed)
    if "review_id" in records.train:
        carve = "a block of review ids: other movies"
    elif records.is_imdb:
        carve = (
            f"a random draw, seed {seed}: this split has no review ids, so validation may share "
            "movies with training"
        )
    else:
        carve = "random"  # generated reviews are about no movie
    train = np.setdiff1d(np.arange(len(train_texts)), val)
    labels = records.train["label"].to_numpy().astype(np.float32)
    return ReviewSplits(
        ids={
            "train": encoded.arrays["train"][train],
            "val": encoded.arrays["train"][val],
            "test": encoded.arrays["test"],
        },
        labels={
            "train": labels[train],
            "val": labels[val],
            "test": records.test["label"].to_numpy().astype(np.float32),
        },
        word_index=encoded.tokenizer.word_index,
        train_texts=[train_texts[i] for i in train],
        description=(
            f"{records.description}; {len(train)} training, {n_val} validation ({carve}, "
            f"carved from the training reviews), {len(test_texts)} test"
        ),
    )
