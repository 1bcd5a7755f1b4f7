"""The IMDB movie reviews (50,000, labelled positive or negative), found and loaded offline.

Where the CSV is looked for, in this order (:func:`find_imdb_csv`):

1. a path given by the caller (a file, or a folder that holds it);
2. the folder named by the environment variable ``LABHELPERS_DATA_DIR``;
3. kagglehub's cache for the versioned handle :data:`KAGGLE_HANDLE`, then
   ``kagglehub.dataset_download`` in this process (Colab's cache of Kaggle
   datasets only answers the notebook's own process), waited for at most
   :data:`KAGGLEHUB_TIMEOUT` seconds;
4. otherwise :class:`ImdbNotFoundError`, whose message names the three ways.

Two splits (:func:`split_imdb`): the lab record's random 80/20 split
(``random_state=42``) and the official 25,000/25,000 split of Maas et al. (2011), read from the
split file beside the CSV (the Kaggle CSV does not record it). Every network call is bounded in
time (:data:`KAGGLEHUB_TIMEOUT`). :func:`first_that_serves` tries an ordered list of sources,
each of which returns its data or the reason it could not: the fallback chains of
:func:`labhelpers.data.review_data.load_review_data` and
:func:`labhelpers.data.keras_imdb.load_keras_imdb`.
"""

from __future__ import annotations

import gzip
import os
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..base.checks import check_texts, require
from ..base.environment import DATA_DIR_ENV, kagglehub_cache
from ..base.runtime import StillRunning, bounded

KAGGLE_HANDLE = "lakshmi25npathi/imdb-dataset-of-50k-movie-reviews/versions/1"
KAGGLE_FILE = "IMDB Dataset.csv"
CSV_NAMES = ("imdb_50k.csv.gz", "imdb_50k.csv", KAGGLE_FILE, KAGGLE_FILE + ".gz")
SPLIT_NAMES = ("imdb_50k_meta.csv.gz", "imdb_50k_meta.csv")
# How a description names each split.
SPLIT_DESCRIPTIONS = {"random": "random 80/20 (random_state=42)", "official": "official 25k/25k"}
LABELS = {"negative": 0, "positive": 1}
# Seconds waited for an answer from kagglehub (26 MB to download).
KAGGLEHUB_TIMEOUT = 60.0

_BR_TAG = re.compile(r"<br\s*/?>", flags=re.IGNORECASE)


class ImdbNotFoundError(FileNotFoundError):
    """The IMDB CSV is in none of the places looked at; the message says where they were."""

    def also(self, what: str) -> ImdbNotFoundError:
        """This error with ``what``, another source that was tried, added to what happened."""
        return ImdbNotFoundError(f"{str(self).rstrip('.')}; {what}.")

    @property
    def what_happened(self) -> str:
        """The message's last line, what happened at each place, without its label and stop."""
        return str(self).splitlines()[-1].removeprefix("What happened: ").rstrip(".")


# --------------------------------------------------------------------------- sources in order


@dataclass
class Served:
    """What an ordered list of sources gave: the data of the first source that served (None when
    none did), that source's name, and the reason of each source before it, by name."""

    data: object
    source: str | None
    reasons: dict[str, str]


def first_that_serves(sources: Sequence[tuple[str, Callable]], request) -> Served:
    """Try ``sources``, ``(name, source)`` pairs, in order; the first that returns data serves.

    Each source is called as ``source(request, reasons)``, ``reasons`` being the
    reasons of the sources tried before it, and returns its data, or a string:
    the reason it could not serve. No source after the one that serves is tried.
    """
    reasons: dict[str, str] = {}
    for name, source in sources:
        got = source(request, reasons)
        if not isinstance(got, str):
            return Served(got, name, reasons)
        reasons[name] = got
    return Served(None, None, reasons)


def served_data(sources: Sequence[tuple[str, Callable]], request):
    """The data of the first of ``sources`` that serves (:func:`first_that_serves`); when none
    does (``data="imdb"``: the generated reviews were not asked for), the error
    ``request.not_found_error`` makes of every source's reason."""
    served = first_that_serves(sources, request)
    if served.data is None:
        raise request.not_found_error(served.reasons)
    return served.data


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
    base = Path(cache_dir) if cache_dir else kagglehub_cache()
    owner, dataset, _, version = KAGGLE_HANDLE.split("/")
    root = base / "datasets" / owner / dataset
    if not (root / f"{version}.complete").exists():
        return None
    return _csv_in_folder(root / "versions" / version)


def short_error(error: Exception, length: int = 200) -> str:
    """``Type: message`` of an exception, the message cut to ``length`` characters."""
    text = str(error)
    return f"{type(error).__name__}: {text if len(text) <= length else text[: length - 3] + '...'}"


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
        return None, f"kagglehub could not reach Kaggle (no network?): {short_error(error)}"
    except Exception as error:  # kagglehub's own errors (not found, refused, ...): said, not raised
        return None, f"kagglehub failed: {short_error(error)}"
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
    folder = os.environ.get(DATA_DIR_ENV)  # as given: the messages below quote it
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


def imdb_or_not_found(
    path, *, clean: bool, kagglehub: bool
) -> tuple[pd.DataFrame | None, ImdbNotFoundError | None]:
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


def no_split_file(csv_path: str) -> str:
    """That no split file lies beside ``csv_path``, in words."""
    return f"no split file ({' or '.join(SPLIT_NAMES)}) lies beside {csv_path}"


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
