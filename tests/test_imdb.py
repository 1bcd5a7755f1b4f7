"""labhelpers.data.imdb (finding, reading, splitting), labhelpers.data.review_data,
labhelpers.data.keras_imdb (the Keras format) and the IMDB model helpers."""

import contextlib
import csv
import gzip
import inspect
import json
import os
import re
import shutil
import socket
import sys
import threading
import time
import types
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from labhelpers.base.runtime import still_running
from labhelpers.data import imdb
from labhelpers.data import keras_imdb as kimdb
from labhelpers.data.imdb import (
    ImdbNotFoundError,
    clean_review,
    clean_reviews,
    find_imdb_csv,
    kagglehub_cached_csv,
    load_imdb,
    read_imdb_csv,
    split_imdb,
    split_official,
    split_random,
)
from labhelpers.data.keras_imdb import keras_format, load_keras_imdb
from labhelpers.data.review_data import load_review_data
from labhelpers.lessons.imdb_strong import ReviewSplits, split_reviews

from conftest import says

DATA_DIR = os.environ.get("LABHELPERS_DATA_DIR")
IMDB_CSV = Path(DATA_DIR, "imdb_50k.csv.gz") if DATA_DIR else None
needs_imdb = pytest.mark.skipif(
    IMDB_CSV is None or not IMDB_CSV.is_file(),
    reason="the IMDB CSV is absent: LABHELPERS_DATA_DIR names no folder with imdb_50k.csv.gz",
)

ROWS = [
    ("A great film.<br /><br />Loved it", "positive"),
    ("Dull, not good", "negative"),
    ('He said "wow", twice', "positive"),
    ("Boring\nand long", "negative"),
]


def write_csv(path: Path, rows=ROWS, header=("review", "sentiment"), compress=None):
    opener = gzip.open if (compress if compress is not None else path.suffix == ".gz") else open
    with opener(path, "wt", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_split(folder: Path, splits, sentiments):
    rows = [
        (i, s, 100 + i, 8 if label == "positive" else 2, label)
        for i, (s, label) in enumerate(zip(splits, sentiments))
    ]
    with gzip.open(folder / "imdb_50k_meta.csv.gz", "wt", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(("row", "split", "acl_id", "rating", "sentiment"))
        writer.writerows(rows)


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No data folder, empty kagglehub and Keras caches, kagglehub pointed at a local address that
    refuses,
    and keras.datasets.imdb's host replaced by a name that never resolves (RFC 6761: .invalid)."""
    monkeypatch.delenv("LABHELPERS_DATA_DIR", raising=False)
    monkeypatch.setenv("KAGGLEHUB_CACHE", str(tmp_path / "kagglehub-empty"))
    monkeypatch.setenv(
        "KAGGLE_API_ENVIRONMENT", "LOCALHOST"
    )  # http://localhost: never the real Kaggle
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    monkeypatch.setattr(kimdb, "KERAS_HOST", "keras-origin.invalid")
    return tmp_path


def small_imdb(folder: Path, n: int = 60) -> Path:
    """A CSV of n short reviews, half of them positive, in ``folder``, with no split file beside
    it."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [
        (
            f"review {i}: {'a good fine film' if i % 2 else 'a bad dull film'} number{i % 7}",
            "positive" if i % 2 else "negative",
        )
        for i in range(n)
    ]
    return write_csv(folder / "IMDB Dataset.csv", rows=rows)


@pytest.fixture
def fake_kagglehub(monkeypatch):
    """A module object standing in for kagglehub, for the contract tests of kagglehub_download only:
    the real client is tested offline below and in the Colab harness. Its dataset_download runs the
    test's ``behave(handle)``; a hanging one is released when the test ends."""
    release, calls = threading.Event(), []
    module = types.ModuleType("kagglehub")

    def dataset_download(handle):
        calls.append((handle, os.getpid(), threading.current_thread().name))
        return module.behave(handle)

    module.dataset_download, module.release, module.calls = dataset_download, release, calls
    monkeypatch.setitem(sys.modules, "kagglehub", module)
    yield module
    release.set()
    thread = still_running(f"kagglehub {imdb.KAGGLE_HANDLE}")
    if thread is not None:
        thread.join(10)


# --------------------------------------------------------------------------- finding


def test_an_explicit_file_or_folder_is_used(tmp_path):
    path = write_csv(tmp_path / "imdb_50k.csv.gz")
    assert find_imdb_csv(path) == path
    assert find_imdb_csv(tmp_path) == path


def test_a_missing_explicit_path_is_an_error_not_skipped(tmp_path, monkeypatch):
    monkeypatch.setenv("LABHELPERS_DATA_DIR", str(tmp_path))
    write_csv(tmp_path / "imdb_50k.csv.gz")
    with pytest.raises(ImdbNotFoundError, match="path .*nowhere.csv' does not exist"):
        find_imdb_csv(tmp_path / "nowhere.csv")
    with pytest.raises(ImdbNotFoundError, match="is a folder without any of"):
        find_imdb_csv(tmp_path / "..")


def test_a_mistyped_data_path_stops_the_lesson_instead_of_falling_back(tmp_path, monkeypatch):
    # `-p data_path imbd_typo.csv` in the default profile (data="auto") used to train on generated
    # reviews.
    monkeypatch.setenv("LABHELPERS_DATA_DIR", str(tmp_path))
    write_csv(tmp_path / "imdb_50k.csv.gz")
    for load in (
        lambda: load_review_data("auto", tmp_path / "imbd_typo.csv", kagglehub=False),
        lambda: load_keras_imdb(100, tmp_path / "imbd_typo.csv", data="auto", kagglehub=False),
    ):
        with pytest.raises(ImdbNotFoundError, match="imbd_typo.csv' does not exist"):
            load()
    assert load_review_data(
        "auto", kagglehub=False
    ).is_imdb  # without a path the data folder is used


def test_the_data_folder_comes_second(tmp_path, monkeypatch):
    write_csv(tmp_path / "IMDB Dataset.csv")
    monkeypatch.setenv("LABHELPERS_DATA_DIR", str(tmp_path))
    assert find_imdb_csv() == tmp_path / "IMDB Dataset.csv"


def test_kagglehubs_cache_is_read_without_the_network(offline):
    base = (
        offline
        / "kagglehub-empty"
        / "datasets"
        / "lakshmi25npathi"
        / "imdb-dataset-of-50k-movie-reviews"
    )
    (base / "versions" / "1").mkdir(parents=True)
    write_csv(base / "versions" / "1" / "IMDB Dataset.csv")
    assert kagglehub_cached_csv() is None  # no completion marker: an unfinished download
    (base / "1.complete").touch()
    assert kagglehub_cached_csv() == base / "versions" / "1" / "IMDB Dataset.csv"
    assert find_imdb_csv() == base / "versions" / "1" / "IMDB Dataset.csv"


def test_nothing_found_names_the_three_ways(offline):
    with pytest.raises(ImdbNotFoundError) as error:
        find_imdb_csv()
    message = str(error.value)
    assert (
        "explicit path" in message and "LABHELPERS_DATA_DIR" in message and "kagglehub" in message
    )
    assert imdb.KAGGLE_HANDLE in message


def test_contract_kagglehub_is_called_in_this_process_and_only_its_return_value_is_used(
    fake_kagglehub, tmp_path
):
    folder = tmp_path / "kaggle-folder"
    small_imdb(folder)

    def behave(
        handle,
    ):  # what kagglehub does: progress lines on stdout, then the folder as its return value
        print(
            f"Downloading to {tmp_path}/elsewhere ...\nExtracting files...\n100%|##########| "
            "26.7M/26.7M"
        )
        return str(folder)

    fake_kagglehub.behave = behave
    found, what = imdb.kagglehub_download(timeout=30)
    assert found == folder / "IMDB Dataset.csv" and what == "downloaded by kagglehub"
    assert fake_kagglehub.calls[0][:2] == (
        imdb.KAGGLE_HANDLE,
        os.getpid(),
    )  # this process, the versioned handle


def test_contract_a_kagglehub_that_hangs_is_waited_for_only_the_timeout(fake_kagglehub):
    fake_kagglehub.behave = lambda handle: fake_kagglehub.release.wait(60) and "/nowhere"
    started = time.perf_counter()
    found, what = imdb.kagglehub_download(timeout=0.5)
    waited = time.perf_counter() - started
    assert (
        found is None
        and "no answer within 0.5 s" in what
        and "carries on in the background" in what
    )
    # It returned while the call it started was still running, after waiting at least the timeout.
    assert not fake_kagglehub.release.is_set() and len(fake_kagglehub.calls) == 1 and waited >= 0.5
    # Asked again while that call runs: it waits for the same call instead of starting a second
    # download.
    assert imdb.kagglehub_download(timeout=0.2)[0] is None and len(fake_kagglehub.calls) == 1


def test_contract_kagglehubs_errors_are_said_not_raised(fake_kagglehub):
    import requests

    def refuse(handle):
        raise requests.exceptions.ConnectionError("Failed to resolve 'api.kaggle.com'")

    fake_kagglehub.behave = refuse
    assert imdb.kagglehub_download(timeout=30) == (
        None,
        "kagglehub could not reach Kaggle (no network?): ConnectionError: Failed to resolve "
        "'api.kaggle.com'",
    )
    fake_kagglehub.behave = lambda handle: (_ for _ in ()).throw(ValueError("bad handle"))
    assert imdb.kagglehub_download(timeout=30) == (None, "kagglehub failed: ValueError: bad handle")


def test_the_real_kagglehub_client_offline_is_refused_not_timed_out(offline):
    pytest.importorskip("kagglehub", reason="kagglehub is not installed")
    found, what = imdb.kagglehub_download()
    assert found is None and what.startswith(
        "kagglehub could not reach Kaggle (no network?): ConnectionError"
    )


@contextlib.contextmanager
def kaggle_that_never_answers():
    """A server on kagglesdk's TEST address (localhost:7777) that accepts connections and never
    replies."""
    server = socket.create_server(("127.0.0.1", 7777))
    held = []

    def accept():
        with contextlib.suppress(OSError):
            while True:
                held.append(server.accept()[0])

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield
    finally:
        server.close()
        for connection in held:
            connection.close()


def test_the_real_kagglehub_client_is_given_up_at_the_configured_limit(offline, monkeypatch):
    pytest.importorskip("kagglehub", reason="kagglehub is not installed")
    monkeypatch.setenv("KAGGLE_API_ENVIRONMENT", "TEST")  # http://localhost:7777
    try:
        with kaggle_that_never_answers():
            found, what = imdb.kagglehub_download(timeout=1.5)
    except OSError as error:  # port taken: the Colab harness's stand-in runs in another process
        pytest.skip(f"127.0.0.1:7777 is in use ({error}), so no silent Kaggle can stand there")
    finally:
        thread = still_running(f"kagglehub {imdb.KAGGLE_HANDLE}")
        if thread is not None:
            thread.join(30)  # the connection is closed: the call it left running ends
    assert found is None and what.startswith("kagglehub gave no answer within 1.5 s"), what


def test_without_kagglehub_installed_the_message_says_how_to_install_it(offline, monkeypatch):
    monkeypatch.setitem(sys.modules, "kagglehub", None)
    with pytest.raises(ImdbNotFoundError) as error:
        find_imdb_csv()
    assert (
        "downloading IMDB from Kaggle needs kagglehub, which is not installed. Install it with: "
        "pip install "
        "'kagglehub" in str(error.value)
    )


def test_without_kagglehub_no_download_is_tried(offline, monkeypatch):
    monkeypatch.setattr(
        imdb, "kagglehub_download", lambda timeout: pytest.fail("a download was tried")
    )
    with pytest.raises(ImdbNotFoundError, match="download not tried"):
        find_imdb_csv(kagglehub=False)


# --------------------------------------------------------------------------- reading


def test_reading_a_good_file(tmp_path):
    frame = read_imdb_csv(write_csv(tmp_path / "imdb_50k.csv.gz"))
    assert list(frame.columns) == ["review", "sentiment", "label"]
    assert frame["review"].tolist() == [r for r, _ in ROWS]
    assert frame["label"].tolist() == [1, 0, 1, 0] and frame["label"].dtype == np.int64
    assert frame.attrs["source"].endswith("imdb_50k.csv.gz")
    plain = read_imdb_csv(write_csv(tmp_path / "IMDB Dataset.csv"))
    assert plain["review"].tolist() == frame["review"].tolist()


def test_a_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_imdb_csv(tmp_path / "absent.csv")


def test_an_empty_file(tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(ValueError, match=r"is empty \(0 bytes\)"):
        read_imdb_csv(tmp_path / "empty.csv")
    with gzip.open(tmp_path / "empty.csv.gz", "wb"):
        pass
    with pytest.raises(ValueError, match="holds no data"):
        read_imdb_csv(tmp_path / "empty.csv.gz")
    write_csv(tmp_path / "header.csv", rows=[])
    with pytest.raises(ValueError, match="has a header but no reviews"):
        read_imdb_csv(tmp_path / "header.csv")


def test_wrong_columns(tmp_path):
    write_csv(tmp_path / "x.csv", header=("text", "label"))
    with pytest.raises(
        ValueError, match=says("columns ['text', 'label']", "exactly review,sentiment")
    ):
        read_imdb_csv(tmp_path / "x.csv")


def test_labels_other_than_positive_or_negative(tmp_path):
    write_csv(tmp_path / "x.csv", rows=ROWS + [("meh", "neutral"), ("ok", "Positive")])
    with pytest.raises(
        ValueError,
        match=says(
            "sentiment", "'positive' or 'negative'", "2 rows", "'Positive', 'neutral'", "row 4"
        ),
    ):
        read_imdb_csv(tmp_path / "x.csv")


def test_empty_reviews(tmp_path):
    write_csv(tmp_path / "x.csv", rows=ROWS + [("", "positive")])
    with pytest.raises(ValueError, match="1 reviews are empty"):
        read_imdb_csv(tmp_path / "x.csv")


@pytest.mark.parametrize("damage", ["truncated", "flipped", "not_gzip"])
def test_a_corrupted_gzip(tmp_path, damage):
    path = write_csv(tmp_path / "imdb_50k.csv.gz", rows=ROWS * 500)
    data = bytearray(path.read_bytes())
    if damage == "truncated":
        data = data[: len(data) // 2]
    elif damage == "flipped":
        for i in range(len(data) // 3, len(data) // 3 + 40):
            data[i] ^= 0xFF
    else:
        data = bytearray(b"review,sentiment\nplain text pretending to be gzip,positive\n")
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="gzip"):
        read_imdb_csv(path)


def test_cleaning_removes_the_html_line_breaks():
    assert clean_review("a<br /><br />b<br/>c<BR>d") == "a  b c d"
    assert clean_reviews(["x<br />y", "z"]) == ["x y", "z"]
    with pytest.raises(TypeError, match="text must be a string"):
        clean_review(None)
    with pytest.raises(TypeError, match="texts must be a sequence of strings"):
        clean_reviews("one string")


def test_load_imdb_cleans_when_asked(tmp_path):
    path = write_csv(tmp_path / "imdb_50k.csv.gz")
    assert "<br />" in load_imdb(path)["review"][0]
    frame = load_imdb(path, clean=True)
    assert "<br />" not in frame["review"][0] and frame.attrs["cleaned"]


# --------------------------------------------------------------------------- splits


def test_the_random_split_is_scikit_learns_with_random_state_42(tmp_path):
    from sklearn.model_selection import train_test_split

    rows = [(f"review {i}", "positive" if i % 2 else "negative") for i in range(50)]
    frame = read_imdb_csv(write_csv(tmp_path / "x.csv", rows=rows))
    train, test = split_random(frame)
    X_train, X_test = train_test_split(np.arange(50), test_size=0.2, random_state=42)
    assert train.index.tolist() == X_train.tolist() and test.index.tolist() == X_test.tolist()
    with pytest.raises(ValueError, match="test_size must lie strictly between 0 and 1"):
        split_random(frame, test_size=1.5)


def test_the_official_split_comes_from_the_split_file(tmp_path):
    frame = read_imdb_csv(write_csv(tmp_path / "imdb_50k.csv.gz"))
    write_split(tmp_path, ["train", "test", "test", "train"], [s for _, s in ROWS])
    train, test = split_official(frame)
    assert train.index.tolist() == [0, 3] and test.index.tolist() == [1, 2]
    assert split_imdb(frame, "official")[0].index.tolist() == [0, 3]


def test_the_official_split_without_a_split_file_is_a_clear_error(tmp_path):
    frame = read_imdb_csv(write_csv(tmp_path / "imdb_50k.csv.gz"))
    with pytest.raises(FileNotFoundError, match="not recorded in the Kaggle CSV"):
        split_official(frame)
    with pytest.raises(ValueError, match="split must be 'random'"):
        split_imdb(frame, "kaggle")


def test_a_split_file_of_another_csv_is_refused(tmp_path):
    frame = read_imdb_csv(write_csv(tmp_path / "imdb_50k.csv.gz"))
    write_split(
        tmp_path,
        ["train", "test", "test", "train"],
        ["negative", "positive", "positive", "negative"],
    )
    with pytest.raises(ValueError, match="disagrees with the CSV's labels"):
        split_official(frame)
    write_split(tmp_path, ["train", "test"], ["positive", "negative"])
    with pytest.raises(ValueError, match="does not belong to this CSV"):
        split_official(frame)


# --------------------------------------------------------------------------- with a fallback


def test_the_generated_corpus_is_used_and_said_to_be_used(offline):
    reviews = load_review_data("auto", n_synthetic=100, kagglehub=False)
    assert reviews.source == "synthetic" and not reviews.is_imdb
    assert "SYNTHETIC" in reviews.description and "IMDB was not found" in reviews.description
    assert "LABHELPERS_DATA_DIR" in reviews.fallback_reason
    assert len(reviews.train) == 80 and len(reviews.test) == 20
    asked = load_review_data("synthetic", n_synthetic=100, split="official")
    assert asked.fallback_reason is None and len(asked.train) == 50
    with pytest.raises(ImdbNotFoundError):
        load_review_data("imdb", kagglehub=False)
    with pytest.raises(ValueError, match="data must be 'auto', 'imdb' or 'synthetic'"):
        load_review_data("kaggle")


def test_the_fallback_is_told_to_the_terminal_too(offline, capfd):
    load_review_data("auto", n_synthetic=100, kagglehub=False)
    assert (
        "labhelpers NOTE: SYNTHETIC reviews generated by labhelpers (not IMDB)"
        in capfd.readouterr().err
    )
    load_review_data("synthetic", n_synthetic=100)  # asked for: nothing to tell
    assert capfd.readouterr().err == ""


SHARED_CSV = Path("/work/shared/data/imdb_50k.csv.gz")  # the real data, when this machine has it


@pytest.mark.parametrize("csv_file", ["small", "shared"])
def test_official_without_a_split_file_falls_back_to_the_random_split_and_says_why(
    offline, csv_file
):
    from sklearn.model_selection import train_test_split

    folder = offline / "kaggle"
    if csv_file == "shared":
        if not SHARED_CSV.is_file():
            pytest.skip(f"the real IMDB CSV is absent: {SHARED_CSV} does not exist")
        folder.mkdir()
        path = Path(shutil.copy(SHARED_CSV, folder))  # without its split file
    else:
        path = small_imdb(folder)
    started = time.perf_counter()
    reviews = load_review_data("auto", path, split="official", kagglehub=False)
    print(f"official split asked, no split file, offline: {time.perf_counter() - started:.2f} s")
    assert reviews.is_imdb and reviews.split == "random" and reviews.fallback_reason is None
    assert (
        "no split file" in reviews.split_note
        and "keras.datasets.imdb was not tried" in reviews.split_note
    )
    assert "keras-origin.invalid did not answer" in reviews.split_note
    assert "random 80/20 (random_state=42) split" in reviews.description
    assert reviews.description.endswith("NOTE: " + reviews.split_note)
    texts = pd.read_csv(path)["review"].tolist()
    train_rows, test_rows = train_test_split(np.arange(len(texts)), test_size=0.2, random_state=42)
    seen = set()

    def first_copies(rows):  # a repeated text stays only at its first place, training first
        kept = []
        for row in rows:
            if texts[row] not in seen:
                seen.add(texts[row])
                kept.append(row)
        return kept

    assert reviews.train.index.tolist() == first_copies(train_rows)
    assert reviews.test.index.tolist() == first_copies(test_rows)
    assert "review_id" not in reviews.train
    without = load_review_data("imdb", path, split="official", kagglehub=False, use_keras=False)
    assert without.split == "random" and "use_keras=False" in without.split_note
    assert without.train.index.equals(reviews.train.index)
    asked = load_review_data("imdb", path, split="random", kagglehub=False)
    assert asked.split == "random" and asked.split_note is None and "NOTE" not in asked.description


def test_a_subset_keeps_the_split_and_its_note(offline):
    reviews = load_review_data(
        "imdb", small_imdb(offline / "kaggle"), split="official", kagglehub=False
    )
    part = reviews.subset(10, 5)
    assert (part.split, part.split_note, part.path) == (
        reviews.split,
        reviews.split_note,
        reviews.path,
    )


def test_with_the_split_file_the_official_split_has_no_note(tmp_path):
    path = write_csv(tmp_path / "imdb_50k.csv.gz")
    write_split(tmp_path, ["train", "test", "test", "train"], [s for _, s in ROWS])
    reviews = load_review_data("imdb", path, split="official", kagglehub=False)
    assert reviews.split == "official" and reviews.split_note is None
    assert reviews.train.index.tolist() == [0, 3] and reviews.train["review_id"].tolist() == [
        100,
        103,
    ]


def test_imdb_not_found_with_the_official_split_asks_keras_then_falls_back(offline):
    reviews = load_review_data("auto", split="official", kagglehub=False, n_synthetic=40)
    assert reviews.source == "synthetic" and reviews.split == "official"
    assert "; keras.datasets.imdb was not tried" in reviews.fallback_reason
    with pytest.raises(ImdbNotFoundError, match="keras-origin.invalid did not answer"):
        load_review_data("imdb", split="official", kagglehub=False)


def test_the_keras_route_fails_fast_when_its_host_does_not_answer(offline):
    started = time.perf_counter()
    parts, what = kimdb.keras_official_reviews()
    took = time.perf_counter() - started
    print(f"keras.datasets.imdb offline: {took:.3f} s")
    assert parts is None and what.startswith(
        "keras.datasets.imdb was not tried: keras-origin.invalid did not answer"
    )
    assert "keras" not in sys.modules or took < kimdb.PROBE_TIMEOUT  # no download attempt, no wait


def test_the_real_keras_client_offline_fails_fast_and_is_said(offline, monkeypatch, keras):
    """Keras's own downloader, through a proxy that refuses (so no host probe, and no network even
    if there is one)."""
    monkeypatch.setattr(kimdb, "KERAS_HOST", "storage.googleapis.com")
    monkeypatch.setenv("https_proxy", "http://127.0.0.1:9")
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    started = time.perf_counter()
    parts, what = kimdb.keras_official_reviews(timeout=60)
    took = time.perf_counter() - started
    print(f"keras.datasets.imdb through a refusing proxy: {took:.2f} s")
    assert parts is None and what.startswith("keras.datasets.imdb failed: ") and "imdb" in what
    assert took < 60  # refused: the answer came before the bound


def load_data_defaults(keras) -> dict:
    """The defaults of the installed ``keras.datasets.imdb.load_data`` but ``path``."""
    parameters = inspect.signature(keras.datasets.imdb.load_data).parameters.values()
    return {p.name: p.default for p in parameters if p.name != "path" and p.kind != p.VAR_KEYWORD}


def test_keras_load_args_are_load_datas_with_its_defaults(keras):
    assert asdict(kimdb.KerasLoadArgs()) == load_data_defaults(keras)


def test_contract_the_official_split_from_keras_decodes_its_word_ids(offline, monkeypatch, keras):
    """Our decoding of Keras's ids back into words. Keras's loader is replaced by the arrays it
    returns: the real
    one accepts only its genuine 17 MB file (it checks the hash), which only the network gives."""
    word_index = {"the": 1, "film": 2, "good": 3, "bad": 4}
    calls = []

    def load_data(
        **arguments,
    ):  # the arrays keras.datasets.imdb.load_data returns: start 1, ids rank + 3
        calls.append(arguments)
        return (
            (np.array([[1, 4, 5, 6], [1, 7, 2, 5]], dtype=object), np.array([1, 0])),
            (np.array([[1, 5, 7]], dtype=object), np.array([0])),
        )

    (offline / "keras-home" / "datasets").mkdir(parents=True)
    (offline / "keras-home" / "datasets" / "imdb.npz").write_bytes(b"cached")  # so no host is asked
    defaults = load_data_defaults(keras)
    monkeypatch.setattr(keras.datasets.imdb, "load_data", load_data)
    (train, test), what = kimdb.keras_official_reviews(word_index)
    # every word kept (ids below 4 + 4), load_data's other arguments its defaults
    assert calls == [{**defaults, "num_words": 8}]
    assert what == "read from Keras's cache"
    assert train["review"].tolist() == ["the film good", "bad film"] and train[
        "label"
    ].tolist() == [1, 0]
    assert train["sentiment"].tolist() == ["positive", "negative"] and test.index.tolist() == [2]
    assert train.index.tolist() == [0, 1] and train.attrs["source"] == "keras.datasets.imdb"
    assert test["review"].tolist() == ["film bad"]
    path = small_imdb(offline / "kaggle")
    (path.parent / "imdb_word_index.json").write_text(
        json.dumps(word_index)
    )  # found beside the CSV
    reviews = load_review_data("imdb", path, split="official", kagglehub=False)
    assert reviews.split == "official" and reviews.is_imdb and len(reviews.train) == 2
    why = f"no split file (imdb_50k_meta.csv.gz or imdb_50k_meta.csv) lies beside {path}"
    assert reviews.split_note == (
        f"{why}, so the official split and its texts come from keras.datasets.imdb "
        "(read from Keras's cache)"
    )
    assert reviews.description == (
        "IMDB from keras.datasets.imdb (word ids decoded back to words: lower case, no "
        "punctuation); official 25k/25k split: 2 training, 1 test reviews. NOTE: "
        + reviews.split_note
    )
    assert reviews.path == str(offline / "keras-home" / "datasets" / "imdb.npz")
    assert reviews.test["review"].tolist() == ["film bad"]
    index_only = offline / "index-only"  # a data folder with the word index and no CSV
    index_only.mkdir()
    shutil.copy(path.parent / "imdb_word_index.json", index_only)
    monkeypatch.setenv("LABHELPERS_DATA_DIR", str(index_only))
    without_csv = load_review_data("imdb", split="official", kagglehub=False)
    assert without_csv.split_note == (
        "the IMDB CSV was not found, so the official split and its texts come from "
        "keras.datasets.imdb (read from Keras's cache)"
    )


def test_a_subset_is_random_and_reproducible():
    reviews = load_review_data("synthetic", n_synthetic=200)
    a, b = reviews.subset(50, 10, seed=1), reviews.subset(50, 10, seed=1)
    assert len(a.train) == 50 and len(a.test) == 10 and a.train.index.equals(b.train.index)
    assert reviews.subset(None, None) is reviews
    with pytest.raises(ValueError, match="subset sizes must be integers"):
        reviews.subset(1, 5)


# --------------------------------------------------------------------------- the Keras format


def test_keras_format_from_texts_and_a_word_index():
    word_index = {"the": 1, "film": 2, "good": 3, "bad": 4}
    (x_train, y_train), (x_test, y_test) = keras_format(
        ["The film, good!", "bad bad unknown"],
        ["the end"],
        [1, 0],
        [1],
        word_index,
        num_words=6,
        seed=113,
    )
    order = np.arange(2)
    np.random.RandomState(113).shuffle(order)  # Keras shuffles the training half with seed 113 ...
    # "good" is 3 + 3 = 6 >= num_words: out of vocabulary (2); words not in the index are left out
    expected = [[1, 4, 5, 2], [1, 2, 2]]
    assert [expected[i] for i in order] == [list(x) for x in x_train]
    assert y_train.tolist() == [[1, 0][i] for i in order]
    assert [list(x) for x in x_test] == [[1, 4]] and y_test.tolist() == [1]


TRAIN_TEXTS = [
    "the film was good, the end",
    "a bad bad film",
    "not good not bad",
    "the the the film",
    "an unseen word",
    "good film good cast good plot",
    "",
    "plot twist",
]
TEST_TEXTS = [
    "the film was good",
    "a brand new word",
    "bad cast, bad plot!",
    "film",
    "twist twist twist",
]
# What the training reviews hold ("an unseen word" is not in it).
WORD_INDEX = {
    "the": 1,
    "good": 2,
    "film": 3,
    "bad": 4,
    "not": 5,
    "a": 6,
    "plot": 7,
    "was": 8,
    "end": 9,
    "cast": 10,
    "twist": 11,
}
LOAD_DATA_ARGUMENTS = [
    {},
    dict(num_words=6),
    dict(num_words=8, skip_top=5),
    dict(num_words=6, oov_char=None),
    dict(skip_top=2),
    dict(maxlen=5),
    dict(maxlen=6, num_words=9),
    dict(seed=3),
    dict(start_char=None, num_words=13),
    dict(start_char=None, index_from=0, num_words=10),
    dict(index_from=1, oov_char=0),
    dict(start_char=7, skip_top=8),
    dict(num_words=0),
    dict(maxlen=0, index_from=5, num_words=12, oov_char=None, start_char=2),
]


def stored_ranks(texts):
    """What the genuine imdb.npz stores for a review: its words' ranks (others left out)."""
    from labhelpers.data.text import text_to_word_sequence

    x = np.empty(len(texts), dtype=object)
    for i, text in enumerate(texts):
        x[i] = [WORD_INDEX[w] for w in text_to_word_sequence(text) if w in WORD_INDEX]
    return x


def test_keras_format_gives_what_kerass_own_load_data_gives(tmp_path, monkeypatch):
    """Keras's own load_data (its code, with every argument) reads a file in the genuine format.

    The file holds the ranks of the reviews' words, as the genuine imdb.npz; only Keras's download
    (get_file, which would check the genuine file's hash) is replaced by the path of this file.
    """
    pytest.importorskip("keras", reason="Keras is not installed: nothing to compare with")
    keras_imdb = pytest.importorskip(
        "keras.src.datasets.imdb", reason="this Keras has no keras.src.datasets.imdb"
    )
    y_train, y_test = np.array([1, 0, 0, 1, 1, 1, 0, 1]), np.array([1, 0, 0, 1, 1])
    npz = tmp_path / "imdb.npz"
    np.savez(
        npz,
        x_train=stored_ranks(TRAIN_TEXTS),
        y_train=y_train,
        x_test=stored_ranks(TEST_TEXTS),
        y_test=y_test,
    )
    monkeypatch.setattr(keras_imdb, "get_file", lambda fname, origin, file_hash: str(npz))
    for arguments in LOAD_DATA_ARGUMENTS:
        (kx_train, ky_train), (kx_test, ky_test) = keras_imdb.load_data(**arguments)
        (x_train, y_train_ours), (x_test, y_test_ours) = keras_format(
            TRAIN_TEXTS, TEST_TEXTS, y_train, y_test, WORD_INDEX, **arguments
        )
        assert [list(x) for x in x_train] == [list(x) for x in kx_train], arguments
        assert [list(x) for x in x_test] == [list(x) for x in kx_test], arguments
        assert y_train_ours.tolist() == ky_train.tolist()
        assert y_test_ours.tolist() == ky_test.tolist()


def test_words_outside_the_vocabulary_are_left_out_and_words_cut_by_num_words_become_2():
    """The genuine file's convention (issue 12): only num_words/skip_top make oov_char."""
    (x_train, _), (x_test, _) = keras_format(
        ["good film"],
        ["good brand new film"],
        [1],
        [1],
        {"good": 1, "film": 2},
        num_words=5,
        seed=0,
    )
    # brand, new: not in the index, left out; film: 2 + 3 = 5 >= num_words, so 2
    assert [list(x) for x in x_test] == [[1, 4, 2]]
    assert [list(x) for x in x_train] == [[1, 4, 2]]


def test_maxlen_that_keeps_no_review_is_a_clear_error():
    with pytest.raises(ValueError, match="maxlen=2 keeps no review of the training half"):
        keras_format(["good film"], ["good"], [1], [1], {"good": 1, "film": 2}, maxlen=2)


@pytest.mark.parametrize(
    "name, value",
    [
        ("skip_top", -1),
        ("maxlen", 2.5),
        ("seed", None),
        ("oov_char", "2"),
        ("index_from", True),
        ("start_char", -1),
    ],
)
def test_load_data_arguments_are_checked_by_name(name, value):
    with pytest.raises(ValueError, match=f"{name} must be an integer >= 0"):
        keras_format(["a"], ["a"], [1], [0], {"a": 1}, **{name: value})
    with pytest.raises(ValueError, match=f"{name} must be an integer >= 0"):
        load_keras_imdb(10, data="synthetic", **{name: value})


def test_load_keras_imdb_applies_every_load_data_argument_offline(offline):
    """The generated corpus in the Keras format, with load_data's arguments, as keras_format."""
    arguments = dict(
        num_words=30, skip_top=4, maxlen=120, seed=5, start_char=3, oov_char=1, index_from=4
    )
    data = load_keras_imdb(data="synthetic", n_synthetic=80, synthetic_seed=2, **arguments)
    reviews = load_review_data("synthetic", split="official", n_synthetic=80, seed=2)
    (x_train, y_train), (x_test, y_test) = keras_format(
        reviews.train["review"].tolist(),
        reviews.test["review"].tolist(),
        reviews.train["label"],
        reviews.test["label"],
        data.word_index,
        **arguments,
    )
    assert [list(x) for x in data.x_train] == [list(x) for x in x_train] and len(x_train) > 0
    assert [list(x) for x in data.x_test] == [list(x) for x in x_test]
    assert max(len(x) for x in data.x_train) < 120
    assert all(x[0] == 1 for x in data.x_train)  # start_char 3 < skip_top 4: oov_char
    assert (data.start_char, data.oov_char, data.index_from) == (3, 1, 4)
    first_word = min(data.word_index, key=data.word_index.get)
    assert data.decode([3, 1, 5]) == "<START> <OOV> " + first_word


def test_keras_format_checks_its_inputs():
    with pytest.raises(ValueError, match="got 2 texts but 1 labels"):
        keras_format(["a", "b"], ["c"], [1], [0], {"a": 1})
    with pytest.raises(ValueError, match="num_words must be an integer >= 0 or None, got -1"):
        keras_format(["a"], ["c"], [1], [0], {"a": 1}, num_words=-1)


def test_the_keras_format_falls_back_to_generated_reviews(offline):
    data = load_keras_imdb(50, data="auto", n_synthetic=60, kagglehub=False)
    assert data.source == "synthetic" and not data.is_imdb and "SYNTHETIC" in data.description
    assert len(data.x_train) == 30 and all(x[0] == 1 for x in data.x_train)
    assert max(max(x) for x in data.x_train) < 50
    assert data.decode([0, 1, 2, 4]) == "<START> <OOV> " + min(
        data.word_index, key=data.word_index.get
    )


def test_load_keras_imdb_with_only_a_csv_uses_the_random_split_and_a_fitted_word_index(offline):
    from labhelpers.data.text import WordTokenizer, text_to_word_sequence

    path = small_imdb(offline / "kaggle")
    started = time.perf_counter()
    data = load_keras_imdb(None, path, data="imdb", kagglehub=False)
    print(f"load_keras_imdb, only a CSV, offline: {time.perf_counter() - started:.2f} s")
    assert data.source == "imdb" and data.is_imdb and data.split == "random"
    assert (
        "no split file" in data.split_note
        and "keras-origin.invalid did not answer" in data.split_note
    )
    assert "a word index fitted on its 48 training reviews" in data.description
    assert data.description.endswith("NOTE: " + data.split_note)
    reviews = load_review_data(
        "imdb", path, kagglehub=False
    )  # the record's random split of the same CSV
    assert (
        data.word_index == WordTokenizer().fit_on_texts(reviews.train["review"].tolist()).word_index
    )
    order = np.arange(len(reviews.train))
    np.random.RandomState(113).shuffle(order)  # Keras's shuffle of the training half
    # num_words=None is, as in Keras, num_words = the largest id: that one word is out of vocabulary
    rarest = max(data.word_index, key=data.word_index.get)
    for row, ids, label in zip(order, data.x_train, data.y_train):
        review = reviews.train.iloc[row]
        words = ["<OOV>" if w == rarest else w for w in text_to_word_sequence(review["review"])]
        assert data.decode(ids).split() == ["<START>"] + words
        assert label == review["label"]
    assert len(data.x_test) == 12


def test_load_keras_imdb_with_a_csv_and_the_word_index_but_no_split_file(offline):
    path = small_imdb(offline / "kaggle")
    word_index = {"a": 1, "film": 2, "good": 3}
    (path.parent / "imdb_word_index.json").write_text(json.dumps(word_index))
    data = load_keras_imdb(None, path, data="imdb", kagglehub=False)
    assert data.split == "random" and data.word_index == word_index
    assert f"the official word index {path.parent / 'imdb_word_index.json'}" in data.description
    without_keras = load_keras_imdb(None, path, data="imdb", kagglehub=False, genuine=False)
    assert "genuine=False" in without_keras.split_note


def test_contract_load_keras_imdb_asks_keras_when_the_split_file_is_missing(
    offline, monkeypatch, keras
):
    """Which source load_keras_imdb takes; Keras's loader is replaced by the arrays it returns (see
    above)."""
    calls = []

    def load_data(num_words=None, **options):
        calls.append((num_words, options))
        return (np.array([[1, 4, 5]], dtype=object), np.array([1])), (
            np.array([[1, 5]], dtype=object),
            np.array([0]),
        )

    path = small_imdb(offline / "kaggle")
    (path.parent / "imdb_word_index.json").write_text(json.dumps({"the": 1, "film": 2}))
    (offline / "keras-home" / "datasets").mkdir(parents=True)
    (offline / "keras-home" / "datasets" / "imdb.npz").write_bytes(b"cached")  # so no host is asked
    monkeypatch.setattr(keras.datasets.imdb, "load_data", load_data)
    data = load_keras_imdb(100, path, kagglehub=False, skip_top=5, oov_char=None)
    options = dict(skip_top=5, maxlen=None, seed=113, start_char=1, oov_char=None, index_from=3)
    assert calls == [(100, options)] and data.source == "keras"
    assert data.split == "official" and data.split_note is None
    assert data.description.startswith(
        "IMDB from keras.datasets.imdb.load_data(num_words=100) (read from Keras's cache)"
    )
    assert data.decode(data.x_train[0]) == "<START> the film" and data.y_test.tolist() == [0]


def test_load_keras_imdb_with_nothing_says_why_in_its_fallback(offline):
    data = load_keras_imdb(50, data="auto", n_synthetic=60, kagglehub=False)
    assert (
        data.source == "synthetic" and "keras-origin.invalid did not answer" in data.fallback_reason
    )
    with pytest.raises(ImdbNotFoundError, match="; keras.datasets.imdb was not tried"):
        load_keras_imdb(50, data="imdb", kagglehub=False)


def test_a_file_with_the_wrong_hash_is_not_taken_for_keras_imdb_npz(tmp_path, monkeypatch):
    (tmp_path / "keras").mkdir()
    (tmp_path / "keras" / "imdb.npz").write_bytes(b"\0" * 1000)
    monkeypatch.setenv("LABHELPERS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    assert kimdb.find_genuine_keras_npz() is None


def test_the_genuine_keras_file_is_read_by_keras_itself(monkeypatch, tmp_path, keras_models):
    import keras

    npz = tmp_path / "imdb.npz"
    npz.write_bytes(b"stand-in")
    calls = []

    def fake_load_data(path, num_words, **options):
        calls.append((path, num_words, options))
        return (np.array([[1, 14]], dtype=object), np.array([1])), (
            np.array([[1, 20]], dtype=object),
            np.array([0]),
        )

    monkeypatch.setattr(kimdb, "find_genuine_keras_npz", lambda csv_path=None: npz)
    monkeypatch.setattr(keras.datasets.imdb, "load_data", fake_load_data)
    data = load_keras_imdb(100, kagglehub=False, maxlen=50, seed=7, index_from=2, start_char=None)
    options = dict(skip_top=0, maxlen=50, seed=7, start_char=None, oov_char=2, index_from=2)
    assert calls == [(str(npz.resolve()), 100, options)]
    assert data.source == "keras" and data.is_imdb and "Keras's own imdb.npz" in data.description
    assert list(data.x_train[0]) == [1, 14]
    assert (data.start_char, data.oov_char, data.index_from) == (None, 2, 2)


@needs_imdb
def test_the_real_files():
    frame = load_imdb(IMDB_CSV)
    assert frame.shape == (50000, 3) and frame["label"].sum() == 25000
    assert frame["review"][0].startswith("One of the other reviewers has mentioned")
    train, test = split_official(frame)
    assert len(train) == len(test) == 25000 and train["label"].sum() == test["label"].sum() == 12500
    train, test = split_random(frame)
    assert len(train) == 40000 and len(test) == 10000


@needs_imdb
def test_the_keras_format_built_from_the_real_files():
    data = load_keras_imdb(10000, IMDB_CSV, data="imdb", kagglehub=False)
    assert data.source == "imdb" and len(data.x_train) == len(data.x_test) == 25000
    assert all(x[0] == 1 for x in data.x_train[:100])
    assert max(max(x) for x in data.x_train) == 9999
    assert data.word_index["the"] == 1 and data.word_index["br"] == 7
    first = data.decode(data.x_train[0])
    assert first.startswith("<START> ") and len(first.split()) == len(data.x_train[0])
    from labhelpers.data.text import text_to_word_sequence

    # The test reviews in Keras's order (one RandomState(113) shuffles training, then test):
    # their ids are the words found in the word index, rank + 3, 2 for rank + 3 >= 10000;
    # other words left out.
    frame = load_imdb(IMDB_CSV)
    test_texts = split_official(frame)[1]["review"].tolist()
    rng = np.random.RandomState(113)
    rng.shuffle(np.arange(25000))
    order = np.arange(25000)
    rng.shuffle(order)
    index = data.word_index
    for k in range(300):
        words = [w for w in text_to_word_sequence(test_texts[order[k]]) if w in index]
        expected = [index[w] + 3 if index[w] + 3 < 10000 else 2 for w in words]
        assert list(data.x_test[k]) == [1] + expected


# -------------------------------------------------------------------------- the torch model helpers


def test_review_rnn_equals_an_embedding_and_nn_rnn_read_at_the_last_step():
    import torch
    from torch import nn

    from labhelpers.models import ReviewRNN

    torch.manual_seed(0)
    model = ReviewRNN(30, 5, 7, sigmoid=True)
    ids = torch.randint(0, 30, (4, 9))
    rnn = nn.RNN(5, 7, batch_first=True)
    rnn.load_state_dict(model.rnn.state_dict())
    _, h_last = rnn(model.embedding.weight[ids])
    expected = torch.sigmoid(h_last[0] @ model.out.weight.T + model.out.bias).squeeze(-1)
    torch.testing.assert_close(model(ids), expected)
    model.sigmoid = False  # now the logit z itself, for BCEWithLogitsLoss
    assert model(ids).shape == (4,)
    torch.testing.assert_close(torch.sigmoid(model(ids)), expected)


def test_review_rnn_starts_from_pre_trained_vectors_frozen_or_not():
    import torch

    from labhelpers.models import ReviewRNN

    weights = np.arange(30, dtype=np.float32).reshape(10, 3)
    frozen = ReviewRNN(10, 3, 4, cell="lstm", embedding_weights=weights, freeze_embedding=True)
    tuned = ReviewRNN(10, 3, 4, cell="gru", embedding_weights=weights)
    np.testing.assert_array_equal(frozen.embedding.weight.detach().numpy(), weights)
    assert not frozen.embedding.weight.requires_grad and tuned.embedding.weight.requires_grad
    tuned.embedding.weight.data += 1
    assert weights[0, 0] == 0  # the caller's array is not changed
    with pytest.raises(
        ValueError,
        match=says("embedding_weights", "(vocab_size, embedding_dim) = (10, 4)"),
    ):
        ReviewRNN(10, 4, 4, embedding_weights=weights)
    with pytest.raises(ValueError, match="freeze_embedding=True needs embedding_weights"):
        ReviewRNN(10, 3, 4, freeze_embedding=True)
    with pytest.raises(ValueError, match="hidden_size must be a positive integer"):
        ReviewRNN(10, 3, 0)
    with pytest.raises(ValueError, match="cell must be one of"):
        ReviewRNN(10, 3, 4, cell="transformer")
    assert torch.is_tensor(frozen(torch.zeros(2, 5, dtype=torch.long)))


def test_the_records_accuracy_line_compares_with_the_batch_sum():
    import torch

    from labhelpers.lessons.imdb_rnn import record_accuracy_line
    from labhelpers.training import probability_accuracy

    output = torch.tensor([0.9, 0.2, 0.7, 0.4])
    target = torch.tensor([1.0, 0.0, 0.0, 0.0])  # one positive: y_batch.sum() == 1
    assert int(probability_accuracy(output, target)) == 3
    assert (
        int(record_accuracy_line(output, target)) == 2
    )  # the two predictions equal to 1 "match" the sum
    assert (
        int(record_accuracy_line(output, torch.tensor([1.0, 1.0, 0.0, 0.0]))) == 0
    )  # the sum is 2


def test_saliency_by_position_is_the_mean_gradient_norm_per_position():
    import torch

    from labhelpers.lessons.imdb_rnn import saliency_by_position
    from labhelpers.models import ReviewRNN

    torch.manual_seed(1)
    model = ReviewRNN(20, 4, 6)
    ids = torch.randint(0, 20, (5, 8))
    norms = []
    for row in ids:
        embedded = model.embedding(row[None]).detach().requires_grad_(True)
        states, _ = model.rnn(embedded)
        model.out(states[:, -1]).sum().backward()
        norms.append(embedded.grad[0].norm(dim=1))
    expected = torch.stack(norms).mean(dim=0).double().numpy()
    np.testing.assert_allclose(saliency_by_position(model, ids, batch_size=2), expected, rtol=1e-5)


# -------------------------------------------------------------------------- the Keras model helpers


@pytest.fixture(scope="module")
def keras_models():
    from labhelpers.lessons import keras_imdb

    return keras_imdb


def test_the_keras_classifier_and_its_callbacks(keras_models, capsys):
    import keras

    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).integers(0, 50, (40, 12))
    y = (x[:, -1] > 25).astype(np.int64)
    model = keras_models.build_review_classifier("simple_rnn", 50, 4, 3, maxlen=12)
    assert [type(layer).__name__ for layer in model.layers] == ["Embedding", "SimpleRNN", "Dense"]
    assert model.output_shape == (None, 1)
    timer, watcher = keras_models.StepTimer(), keras_models.ValidationPredictions(x[32:])
    fitted = model.fit(
        x,
        y,
        epochs=3,
        batch_size=8,
        validation_split=0.2,
        verbose=0,
        callbacks=[timer, keras_models.EpochLog(3), watcher],
    )
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and lines[0].startswith("epoch 1/3  loss ") and lines[0].endswith(" s)")
    assert (
        len(timer.step_seconds) == 3 * 4
        and len(timer.epoch_seconds) == 3
        and timer.seconds_per_step() > 0
    )
    assert len(watcher.predictions) == 3 and watcher.predictions[0].shape == (8,)
    np.testing.assert_allclose(
        watcher.predictions[-1], model.predict(x[32:], verbose=0).reshape(-1), rtol=1e-5
    )
    history = keras_models.history_of(fitted, timer)
    assert (
        set(history) >= {"loss", "accuracy", "val_loss", "val_accuracy", "seconds"}
        and len(history["loss"]) == 3
    )
    lstm = keras_models.build_review_classifier("lstm", 50, 4, 3, maxlen=12, recurrent_dropout=0.2)
    assert type(lstm.layers[1]).__name__ == "LSTM" and lstm.layers[1].recurrent_dropout == 0.2


def test_the_keras_classifier_checks_its_arguments(keras_models):
    with pytest.raises(ValueError, match="cell must be one of"):
        keras_models.build_review_classifier("rnn", 10, 2, 2)
    with pytest.raises(ValueError, match="units must be a positive integer"):
        keras_models.build_review_classifier("lstm", 10, 2, 0)
    with pytest.raises(ValueError, match=r"dropout must lie in \[0, 1\)"):
        keras_models.build_review_classifier("lstm", 10, 2, 2, dropout=1.0)


def test_flip_rates_count_reviews_changing_class(keras_models):
    predictions = [
        np.array([0.1, 0.6, 0.7, 0.2]),
        np.array([0.6, 0.6, 0.4, 0.2]),
        np.array([0.6, 0.6, 0.4, 0.2]),
    ]
    np.testing.assert_allclose(keras_models.flip_rates(predictions), [0.5, 0.0])


def test_split_reviews_carves_validation_from_training(synthetic_splits):
    reviews, splits = synthetic_splits
    assert len(splits.ids["train"]) + len(splits.ids["val"]) == len(reviews.train)
    assert len(splits.ids["test"]) == len(reviews.test)
    assert len(splits.train_texts) == len(splits.ids["train"])
    fixed = splits.inputs("train", 100, 30, "fixed")
    post = splits.inputs("train", 100, 30, "buckets")
    assert fixed.max() < 100 and fixed.shape == post.shape == (len(post), 30)
    # the same words, moved to the end
    for row_fixed, row_post in zip(fixed[:20], post[:20]):
        assert row_fixed[row_fixed != 0].tolist() == row_post[row_post != 0].tolist()
        assert (row_post != 0).sum() == 0 or row_fixed[-1] != 0
    with pytest.raises(ValueError, match="maxlen"):
        splits.inputs("train", 100, 61, "buckets")


def test_validation_is_a_block_of_review_ids_per_label_when_ids_are_known():
    import pandas as pd

    from labhelpers.lessons.imdb_strong import validation_rows

    frame = pd.DataFrame({"label": [0, 1] * 10, "review_id": list(range(20))[::-1]})
    rows = validation_rows(frame, 4)
    assert sorted(frame.iloc[rows]["review_id"]) == [
        16,
        17,
        18,
        19,
    ]  # the highest ids, two of each label
    assert frame.iloc[rows]["label"].sum() == 2
    random_rows = validation_rows(frame.drop(columns="review_id"), 4, seed=1)
    assert len(set(random_rows)) == 4 and random_rows.max() < 20


def test_split_reviews_without_review_ids_draws_validation_at_random_and_says_so(
    tmp_path, monkeypatch
):
    """The official split asked for, the Kaggle CSV without a split file, offline: the random split,
    no review ids."""
    import csv

    monkeypatch.delenv("LABHELPERS_DATA_DIR", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    monkeypatch.setattr(kimdb, "KERAS_HOST", "keras-origin.invalid")  # never resolves: no network
    with open(tmp_path / "IMDB Dataset.csv", "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(("review", "sentiment"))
        writer.writerows(
            (
                f"review {i} {'good fine' if i % 2 else 'bad dull'} film",
                "positive" if i % 2 else "negative",
            )
            for i in range(100)
        )
    reviews = load_review_data("imdb", tmp_path, split="official", kagglehub=False)
    assert reviews.split == "random" and "review_id" not in reviews.train
    splits = split_reviews(reviews, num_words=50, maxlen=10, n_val=16, seed=3, cache=False)
    expected = np.sort(
        np.random.default_rng(3).permutation(80)[:16]
    )  # validation_rows' seeded draw
    assert (
        splits.labels["val"].tolist()
        == reviews.train["label"].to_numpy()[expected].astype(np.float32).tolist()
    )
    assert splits.train_texts == [
        t for i, t in enumerate(reviews.train["review"]) if i not in set(expected)
    ]
    assert (
        "16 validation (a random draw, seed 3: this split has no review ids" in splits.description
    )
    assert "NOTE: the official 25k/25k split was asked for" in splits.description


def test_a_data_path_that_cannot_be_used_is_refused_before_loading(tmp_path):
    from labhelpers.data.imdb import check_data_path

    csv_file = small_imdb(tmp_path / "data")
    check_data_path("imdb", csv_file)
    check_data_path("auto", csv_file.parent)
    check_data_path("synthetic", "")  # empty: the usual places
    with pytest.raises(
        FileNotFoundError, match=says("data_path 'imbd_typo.csv'", "does not exist", "IMDB CSV")
    ):
        check_data_path(
            "synthetic", "imbd_typo.csv"
        )  # a typo is an error whatever the data setting
    with pytest.raises(FileNotFoundError, match="is a folder without any of"):
        check_data_path("imdb", tmp_path)
    with pytest.raises(
        ValueError, match=says("data is 'synthetic'", "would ignore it", "set data to 'imdb'")
    ):
        check_data_path("synthetic", csv_file)


# --------------------------------------------------------------------------- load_review_data whole


def test_load_review_data_without_arguments_is_2000_generated_reviews_of_seed_0_split_80_20(
    offline,
):
    """The documented defaults: data "auto", the random split, 2,000 generated reviews of seed 0
    uncleaned, kagglehub asked; against make_review_corpus and scikit-learn called directly."""
    from sklearn.model_selection import train_test_split

    from labhelpers.data.reviews import describe_corpus, make_review_corpus

    reviews = load_review_data()
    corpus = make_review_corpus(2000, seed=0)
    train, test = train_test_split(corpus, test_size=0.2, random_state=42)
    assert reviews.train["review"].tolist() == train["review"].tolist()
    assert reviews.test["review"].tolist() == test["review"].tolist()
    assert any("<br />" in review for review in reviews.train["review"])  # not cleaned
    assert reviews.train["label"].dtype == np.int64
    assert reviews.train["label"].tolist() == [int(s == "positive") for s in train["sentiment"]]
    with pytest.raises(ImdbNotFoundError) as raised:
        load_review_data("imdb")
    last_line = str(raised.value).splitlines()[-1]
    assert last_line.startswith("What happened: ") and last_line.endswith(".")
    assert reviews.fallback_reason == last_line[len("What happened: ") :].rstrip(".")
    assert "kagglehub" in reviews.fallback_reason  # asked by default
    assert reviews.fallback_reason != load_review_data(kagglehub=False).fallback_reason
    assert reviews.description == (
        "SYNTHETIC reviews generated by labhelpers (not IMDB): 2000 reviews, seed 0; "
        f"1600 training, 400 test; {describe_corpus(make_review_corpus(4).attrs['generator'])}. "
        f"IMDB was not found ({reviews.fallback_reason}), so this run falls back to them"
    )
    cleaned = load_review_data("synthetic", n_synthetic=40, seed=3, clean=True)
    expected = clean_reviews(make_review_corpus(40, seed=3)["review"])
    assert sorted([*cleaned.train["review"], *cleaned.test["review"]]) == sorted(expected)
    assert cleaned.description == (
        "SYNTHETIC reviews generated by labhelpers (not IMDB): 40 reviews, seed 3; "
        f"32 training, 8 test; {describe_corpus(make_review_corpus(4).attrs['generator'])}"
    )
    with pytest.raises(ValueError, match=r"^split must be 'random' or 'official', got 'kaggle'$"):
        load_review_data("synthetic", split="kaggle")


@pytest.mark.parametrize("split", ["random", "official"])
def test_clean_reaches_the_imdb_reviews_of_either_split_and_the_description_says_so(
    tmp_path, split
):
    path = write_csv(tmp_path / "imdb_50k.csv.gz")
    write_split(tmp_path, ["train", "test", "test", "train"], [s for _, s in ROWS])
    plain = load_review_data("imdb", path, split=split, kagglehub=False)
    cleaned = load_review_data("imdb", path, split=split, clean=True, kagglehub=False)
    texts = [*plain.train["review"], *plain.test["review"]]
    assert any("<br />" in text for text in texts)
    assert [*cleaned.train["review"], *cleaned.test["review"]] == clean_reviews(texts)
    name = {"random": "random 80/20 (random_state=42)", "official": "official 25k/25k"}[split]
    sizes = {"random": (3, 1), "official": (2, 2)}[split]
    assert plain.description == (
        f"IMDB, 4 reviews from {path}; {name} split: {sizes[0]} training, {sizes[1]} test reviews"
    )
    assert cleaned.description == plain.description + "; <br /> tags removed"


def test_the_random_fallback_of_the_official_split_says_why_in_one_sentence(offline):
    path = small_imdb(offline / "kaggle")
    _, what = kimdb.keras_official_reviews()
    reviews = load_review_data("imdb", path, split="official", kagglehub=False, clean=True)
    why = f"no split file (imdb_50k_meta.csv.gz or imdb_50k_meta.csv) lies beside {path}"
    assert reviews.split_note == (
        f"the official 25k/25k split was asked for, but {why} and {what}; so this is the lab "
        "record's random 80/20 split (random_state=42)"
    )
    assert (
        "<br />" not in " ".join(reviews.train["review"]) and "tags removed" in reviews.description
    )
    with pytest.raises(ImdbNotFoundError) as raised:
        load_review_data("imdb", split="official", kagglehub=False)
    with pytest.raises(ImdbNotFoundError) as plain:
        load_review_data("imdb", kagglehub=False)
    assert str(raised.value) == f"{str(plain.value).rstrip('.')}; {what}."


def test_load_keras_imdb_says_where_its_arrays_come_from_in_whole_sentences(offline, capfd):
    path = small_imdb(offline / "kaggle")
    _, what = kimdb._keras_download(kimdb.KerasLoadArgs(), None, kimdb.KERAS_TIMEOUT)
    data = load_keras_imdb(None, path, data="imdb", kagglehub=False)
    assert data.split_note == (
        "keras.datasets.imdb has the official 25k/25k split, but no split file "
        f"(imdb_50k_meta.csv.gz or imdb_50k_meta.csv) lies beside {path} and {what}; so this is "
        "the lab record's random 80/20 split (random_state=42)"
    )
    assert data.description == (
        f"IMDB in the keras.datasets.imdb format, built offline from {path} with a word index "
        "fitted on its 48 training reviews (the official keras/imdb_word_index.json or "
        "imdb_word_index.json is not here); random 80/20 (random_state=42) split: 48 training, "
        f"12 test reviews. NOTE: {data.split_note}"
    )
    not_asked = load_keras_imdb(None, path, data="imdb", kagglehub=False, genuine=False)
    assert not_asked.split_note.endswith(
        "and Keras's own loader was not asked (genuine=False); so this is the lab record's "
        "random 80/20 split (random_state=42)"
    )
    capfd.readouterr()
    default = load_keras_imdb()  # nothing found: 2,000 generated reviews of seed 0, halved
    assert "kagglehub" in default.fallback_reason  # asked by default
    assert default.description == (
        "SYNTHETIC reviews generated by labhelpers (not IMDB) in the keras.datasets.imdb format: "
        f"1000 training, 1000 test reviews, seed 0. IMDB was not found ({default.fallback_reason}),"
        " so this run falls back to them"
    )
    assert capfd.readouterr().err == f"labhelpers NOTE: {default.description}\n"
    halves = load_review_data("synthetic", split="official")
    expected = kimdb.generated_in_keras_format(
        halves.train["review"].tolist(),
        halves.test["review"].tolist(),
        halves.train["label"],
        halves.test["label"],
        what="",
        seed=0,
    )
    assert all(np.array_equal(a, b) for a, b in zip(default.x_train, expected.x_train))
    assert np.array_equal(default.y_test, expected.y_test)
    with pytest.raises(ImdbNotFoundError) as raised:
        load_keras_imdb(data="imdb", kagglehub=False)
    with pytest.raises(ImdbNotFoundError) as plain:
        load_review_data("imdb", kagglehub=False)
    assert str(raised.value) == f"{str(plain.value).rstrip('.')}; {what}."
    with pytest.raises(ValueError, match=r"^data must be 'auto', 'imdb' or 'synthetic', got 'x'$"):
        load_keras_imdb(data="x")


def test_split_reviews_is_the_tokenizer_on_training_reviews_padded_at_the_end_and_carved(
    tmp_path, monkeypatch
):
    """Against the tokenizer called directly (fitted on the training reviews, OOV token, padded
    and cut at the end) and the validation draw of validation_rows."""
    from labhelpers.data.text import WordTokenizer
    from labhelpers.lessons.imdb_strong import validation_rows

    monkeypatch.setenv("LABHELPERS_CACHE_DIR", str(tmp_path / "cache"))
    reviews = load_review_data("synthetic", n_synthetic=60, seed=2)
    splits = split_reviews(reviews, num_words=30, maxlen=8, n_val=10)  # seed 0, cached
    train_texts, test_texts = reviews.train["review"].tolist(), reviews.test["review"].tolist()
    tokenizer = WordTokenizer(num_words=30, oov_token="<OOV>").fit_on_texts(train_texts)

    def padded(texts):
        return np.array([(s[:8] + [0] * 8)[:8] for s in tokenizer.texts_to_sequences(texts)])

    val = validation_rows(reviews.train, 10, 0)
    rest = np.setdiff1d(np.arange(48), val)
    assert np.array_equal(splits.ids["train"], padded(train_texts)[rest])
    assert np.array_equal(splits.ids["val"], padded(train_texts)[val])
    assert np.array_equal(splits.ids["test"], padded(test_texts))
    labels = reviews.train["label"].to_numpy()
    assert splits.labels["train"].dtype == splits.labels["test"].dtype == np.float32
    assert splits.labels["val"].tolist() == labels[val].tolist()
    assert splits.labels["test"].tolist() == reviews.test["label"].tolist()
    assert splits.word_index == tokenizer.word_index and "<OOV>" in splits.word_index
    assert splits.description == (
        f"{reviews.description}; 38 training, 10 validation (random, carved from the training "
        "reviews), 12 test"
    )
    assert list((tmp_path / "cache").rglob("strong-synthetic-random-*.npz"))  # cached by default
    with pytest.raises(ValueError, match=r"^n_val=48 leaves no training reviews \(there are 48\)$"):
        split_reviews(reviews, num_words=30, maxlen=8, n_val=48)
    with pytest.raises(ValueError, match=r"^n_val must be a positive integer, got 0$"):
        split_reviews(reviews, num_words=30, maxlen=8, n_val=0)
    path = write_csv(tmp_path / "imdb_50k.csv.gz")
    write_split(tmp_path, ["train", "test", "train", "train"], [s for _, s in ROWS])
    official = load_review_data("imdb", path, split="official", kagglehub=False)
    carved = split_reviews(official, num_words=30, maxlen=8, n_val=1, cache=False)
    assert "1 validation (a block of review ids: other movies, carved" in carved.description


def test_split_imdb_is_split_random_or_split_official(tmp_path):
    from sklearn.model_selection import train_test_split

    path = write_csv(tmp_path / "imdb_50k.csv.gz")
    write_split(tmp_path, ["train", "test", "test", "train"], [s for _, s in ROWS])
    frame = read_imdb_csv(path)
    train, test = split_imdb(frame)
    expected = train_test_split(np.arange(4), test_size=0.2, random_state=42)
    assert [train.index.tolist(), test.index.tolist()] == [e.tolist() for e in expected]
    train, test = split_imdb(frame, test_size=0.5, random_state=7)
    expected = train_test_split(np.arange(4), test_size=0.5, random_state=7)
    assert [train.index.tolist(), test.index.tolist()] == [e.tolist() for e in expected]
    train, test = split_imdb(frame, "official", split_path=tmp_path / "imdb_50k_meta.csv.gz")
    assert train.index.tolist() == [0, 3] and test.index.tolist() == [1, 2]
    with pytest.raises(ValueError, match=r"got 'kaggle'$"):
        split_imdb(frame, "kaggle")


def test_review_splits_inputs_against_a_loop_over_each_review():
    """Ids at or above num_words become the OOV id 1; the first maxlen ids are kept; "fixed" pads
    in front (the record's layout), "buckets" at the end."""
    encoded = np.array([[5, 2, 9, 7, 0, 0], [3, 8, 4, 6, 1, 2], [0, 0, 0, 0, 0, 0]])
    splits = ReviewSplits({"train": encoded}, {}, {}, [], "")
    for num_words, maxlen in ((6, 4), (10, 6), (3, 1)):
        for batching in ("fixed", "buckets"):
            expected = []
            for row in encoded:
                words = [1 if w >= num_words else int(w) for w in row[:maxlen] if w != 0]
                pad = [0] * (maxlen - len(words))
                expected.append(pad + words if batching == "fixed" else words + pad)
            got = splits.inputs("train", num_words, maxlen, batching)
            assert got.dtype == np.int64 and got.tolist() == expected, (num_words, maxlen)
    with pytest.raises(ValueError) as raised:
        splits.inputs("train", 10, 7, "fixed")
    assert str(raised.value) == (
        "maxlen 7 is longer than the encoded reviews (6): encode with a larger maxlen"
    )


def test_a_subset_of_each_part_and_its_description():
    reviews = load_review_data("synthetic", n_synthetic=50)
    assert reviews.subset(40, 10) is reviews and reviews.subset(None, 99) is reviews
    part = reviews.subset(None, 5, seed=4)
    assert part.train is reviews.train
    assert part.test.index.tolist() == reviews.test.sample(n=5, random_state=4).index.tolist()
    assert part.description == (
        reviews.description + "; a random subset of 40 training and 5 test reviews"
    )
    assert len(reviews.subset(2, 2).train) == 2
    for size in (1, 2.5, True):
        with pytest.raises(ValueError) as raised:
            reviews.subset(size, None)
        assert str(raised.value) == (
            f"subset sizes must be integers of at least 2 (or None), got {size!r}"
        )


def test_a_word_index_file_is_checked_with_whole_messages(tmp_path):
    from labhelpers.data.keras_imdb import load_word_index

    path = tmp_path / "imdb_word_index.json"
    with pytest.raises(FileNotFoundError) as raised:
        load_word_index(path)
    assert str(raised.value) == f"word index path {str(path)!r} does not exist"
    path.write_text("{not json")
    with pytest.raises(ValueError, match=rf"^word index {path} is not valid JSON \(Expecting"):
        load_word_index(path)
    for content in ({"the": 0}, {"the": "1"}, ["the"]):
        path.write_text(json.dumps(content))
        with pytest.raises(ValueError) as raised:
            load_word_index(path)
        assert str(raised.value) == f"word index {path} must map words to positive integers"
    path.write_text(json.dumps({"the": 1, "café": 2}), encoding="utf-8")
    assert load_word_index(path) == {"the": 1, "café": 2}


def test_contract_the_keras_download_says_whether_it_read_the_cache_downloaded_failed_or_waited(
    offline, monkeypatch, keras
):
    """_keras_download with Keras's two loaders replaced (see above): "read from Keras's cache"
    only when both imdb.npz and its word index are cached; a failure and a wait past the bound
    are said, not raised."""
    arrays = (
        (np.array([[1, 4]], dtype=object), np.array([1])),
        (
            np.array([[1, 5]], dtype=object),
            np.array([0]),
        ),
    )
    index = {"the": 1, "film": 2}
    calls, release = [], threading.Event()

    def load_data(**arguments):
        calls.append(arguments)
        return arrays

    monkeypatch.setattr(keras.datasets.imdb, "load_data", load_data)
    monkeypatch.setattr(keras.datasets.imdb, "get_word_index", lambda: index)
    monkeypatch.setattr(kimdb, "_unreachable", lambda host: None)  # as if online
    datasets = offline / "keras-home" / "datasets"
    datasets.mkdir(parents=True)
    (datasets / "imdb.npz").write_bytes(b"cached")
    args = kimdb.KerasLoadArgs(num_words=50)
    got, what = kimdb._keras_download(args, None, 10)
    assert what == "downloaded by keras.datasets.imdb"  # no word index in the cache: fetched
    assert got[2] == index and calls[-1]["num_words"] == 50
    (datasets / "imdb_word_index.json").write_text(json.dumps(index))
    assert kimdb._keras_download(args, None, 10)[1] == "read from Keras's cache"
    assert kimdb._keras_download(args, None, 10, all_words=True)[0] is not None
    assert calls[-1]["num_words"] == 6  # every word: the largest rank + 4

    def broken(**arguments):
        raise OSError("the download was cut")

    monkeypatch.setattr(keras.datasets.imdb, "load_data", broken)
    got, what = kimdb._keras_download(args, index, 10)
    assert got is None and what == "keras.datasets.imdb failed: OSError: the download was cut"

    def hanging(**arguments):
        release.wait(30)
        return arrays

    monkeypatch.setattr(keras.datasets.imdb, "load_data", hanging)
    try:
        got, what = kimdb._keras_download(args, index, 0.2)
    finally:
        release.set()
    assert got is None and what == (
        "keras.datasets.imdb gave no answer within 0.2 s; a download it started carries on in "
        "the background, and a later run finds it in Keras's cache"
    )


def test_keras_load_rules_name_the_half_maxlen_empties_and_keep_reviews_oov_empties():
    from labhelpers.data.keras_imdb import KerasLoadArgs, keras_load_rules

    train = ([1, 2, 3, 1], [3, 1], [1, 0])  # ranks one after the other, lengths, labels
    test = ([5, 6, 7, 8], [2, 2], [0, 1])
    with pytest.raises(ValueError) as raised:
        keras_load_rules(train, test, KerasLoadArgs(maxlen=3))
    assert str(raised.value) == (
        "maxlen=3 keeps no review of the test half: every one has 3 ids or more (the start "
        "mark counts); increase maxlen"
    )
    # without a start mark and OOV id, a review whose ids all fall out of the vocabulary is kept
    # empty, in its place
    args = KerasLoadArgs(num_words=6, start_char=None, oov_char=None, seed=0)
    (x_train, y_train), (x_test, y_test) = keras_load_rules(train, test, args)
    order_train, order_test = np.arange(2), np.arange(2)
    rng = np.random.RandomState(0)
    rng.shuffle(order_train)
    rng.shuffle(order_test)
    reviews_train = [[r + 3 for r in [1, 2, 3] if r + 3 < 6], [r + 3 for r in [1] if r + 3 < 6]]
    reviews_test = [[r + 3 for r in [5, 6] if r + 3 < 6], [r + 3 for r in [7, 8] if r + 3 < 6]]
    assert [list(x) for x in x_train] == [reviews_train[i] for i in order_train]
    assert [list(x) for x in x_test] == [reviews_test[i] for i in order_test]
    assert y_train.dtype == np.int64 and y_test.tolist() == [[0, 1][i] for i in order_test]


def test_repeated_reviews_are_dropped_and_counted_before_training(offline):
    """A CSV in which every review appears twice: no test review is also a training review,
    and the description says how many were dropped."""
    folder = offline / "twice"
    path = small_imdb(folder)
    frame = pd.read_csv(path)
    pd.concat([frame, frame]).to_csv(path, index=False)
    data = load_review_data("imdb", path, split="random", kagglehub=False)
    assert not set(data.test["review"]) & set(data.train["review"])
    assert len(data.train) + len(data.test) == len(frame)
    # independent count: test rows whose text is among the training rows' texts
    train_rows, test_rows = split_random(pd.concat([frame, frame]).reset_index(drop=True))
    leaked = int(test_rows["review"].isin(set(train_rows["review"])).sum())
    assert (
        f"{len(frame)} repeated reviews dropped (the first copy of each kept; {leaked} of them "
        "were test copies of training reviews)"
    ) in data.description


def test_a_damaged_split_file_is_named(offline):
    path = small_imdb(offline / "kaggle")
    frame = pd.read_csv(path)
    write_split(path.parent, ["train", "test"] * (len(frame) // 2), frame["sentiment"])
    split_file = path.parent / "imdb_50k_meta.csv.gz"
    split_file.write_bytes(split_file.read_bytes()[:40])  # cut short
    with pytest.raises(ValueError, match=rf"split file {re.escape(str(split_file))} "):
        load_review_data("imdb", path, split="official", kagglehub=False)
