"""The fallback chains as ordered lists of sources: labhelpers.data.imdb.first_that_serves, and
the sources of load_review_data and load_keras_imdb in their documented order."""

import gzip

import pytest

from labhelpers.data import keras_imdb, review_data
from labhelpers.data.imdb import first_that_serves, imdb_or_not_found


def test_a_source_that_fails_gives_its_reason_and_the_next_one_serves():
    called = []

    def source(name, answer):
        def give(request, reasons):
            called.append((name, dict(reasons)))
            return answer

        return name, give

    sources = (source("a", "a is missing"), source("b", ["data"]), source("c", ["never"]))
    served = first_that_serves(sources, None)
    assert (served.data, served.source, served.reasons) == (["data"], "b", {"a": "a is missing"})
    # each source sees the reasons of those before it; none after the one that serves is tried
    assert called == [("a", {}), ("b", {"a": "a is missing"})]
    nothing = first_that_serves((source("a", "no a"), source("b", "no b")), None)
    assert (nothing.data, nothing.source, nothing.reasons) == (
        None,
        None,
        {"a": "no a", "b": "no b"},
    )


@pytest.fixture
def no_imdb(monkeypatch, tmp_path):
    """No data folder, an empty kagglehub cache: the IMDB CSV is found nowhere."""
    monkeypatch.delenv("LABHELPERS_DATA_DIR", raising=False)
    monkeypatch.setenv("KAGGLEHUB_CACHE", str(tmp_path / "kagglehub-empty"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))


def test_the_reviews_are_taken_from_their_sources_in_the_documented_order(no_imdb):
    assert [name for name, _ in review_data.REVIEW_SOURCES] == [
        "the IMDB CSV, split as asked",
        "the official split from keras.datasets.imdb",
        "the IMDB CSV, the random split in place of the official one",
        "the generated reviews",
    ]
    frame, not_found = imdb_or_not_found(None, clean=False, kagglehub=False)
    request = review_data.ReviewRequest(frame, not_found, "auto", "official", False, False, 40, 0)
    served = first_that_serves(review_data.REVIEW_SOURCES, request)
    assert served.source == "the generated reviews" and served.data.source == "synthetic"
    assert served.reasons == {
        "the IMDB CSV, split as asked": "the IMDB CSV was not found",
        "the official split from keras.datasets.imdb": (
            "keras.datasets.imdb was not asked (use_keras=False)"
        ),
        "the IMDB CSV, the random split in place of the official one": (
            "the IMDB CSV was not found"
        ),
    }
    # the reason the reviews say they fall back for: every place of the CSV, then Keras's
    assert served.data.fallback_reason.endswith(
        "; keras.datasets.imdb was not asked (use_keras=False)"
    )
    assert served.data.fallback_reason.startswith("the environment variable LABHELPERS_DATA_DIR")


def test_with_data_imdb_no_source_serves_and_the_error_names_every_reason(no_imdb):
    with pytest.raises(FileNotFoundError, match="(?s)not found.*What happened.*use_keras=False"):
        review_data.load_review_data("imdb", split="official", kagglehub=False, use_keras=False)


def test_the_keras_format_is_taken_from_its_sources_in_the_documented_order(no_imdb, tmp_path):
    assert [name for name, _ in keras_imdb.KERAS_IMDB_SOURCES] == [
        "Keras's own loader on the genuine imdb.npz found here",
        "built offline from the CSV, its official split file and word index",
        "keras.datasets.imdb.load_data downloading its file",
        "built offline from the CSV alone",
        "the generated reviews",
    ]
    csv = tmp_path / "imdb_50k.csv.gz"
    rows = [
        f"review {i} {('bad', 'good')[i % 2]} film,{('negative', 'positive')[i % 2]}"
        for i in range(20)
    ]
    with gzip.open(csv, "wt") as file:
        file.write("review,sentiment\n" + "\n".join(rows) + "\n")
    request = keras_imdb.KerasRequest(keras_imdb.KerasLoadArgs(), csv, "auto", False, False, 40, 0)
    served = first_that_serves(keras_imdb.KERAS_IMDB_SOURCES, request)
    assert served.source == "built offline from the CSV alone" and served.data.source == "imdb"
    not_asked = "Keras's own loader was not asked (genuine=False)"
    assert served.reasons == {
        "Keras's own loader on the genuine imdb.npz found here": not_asked,
        "built offline from the CSV, its official split file and word index": (
            "the official split file or word index is missing"
        ),
        "keras.datasets.imdb.load_data downloading its file": not_asked,
    }
    # the reason of the download's source is the one the random split's note gives
    assert served.data.split == "random" and not_asked in served.data.split_note
    assert len(served.data.y_train) == 16 and len(served.data.y_test) == 4
