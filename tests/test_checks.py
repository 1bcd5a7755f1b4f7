import importlib
import sys

import numpy as np
import pytest

from labhelpers.base.checks import as_list, one_of, positive_int

from conftest import says


def test_positive_int_accepts_python_and_numpy_integers():
    assert positive_int("n", 3) == 3 and positive_int("n", np.int64(2)) == 2
    assert positive_int("n", None, allow_none=True) is None


@pytest.mark.parametrize("bad", [0, -2, 1.5, "3", True, None])
def test_positive_int_names_the_argument(bad):
    with pytest.raises(ValueError, match=f"hidden_size must be a positive integer, got {bad!r}"):
        positive_int("hidden_size", bad)


def test_one_of_lists_the_choices():
    assert one_of("padding", "pre", ("pre", "post")) == "pre"
    with pytest.raises(ValueError, match="padding must be one of 'pre', 'post'; got 'middle'"):
        one_of("padding", "middle", ("pre", "post"))


def test_as_list_takes_any_iterable_but_not_one_string():
    assert as_list((n for n in "ab"), "texts", "a sequence", "fix") == ["a", "b"]
    for one in ("ab", b"ab"):
        with pytest.raises(
            TypeError,
            match=says("texts", "a sequence", f"got a single {type(one).__name__}", "fix"),
        ):
            as_list(one, "texts", "a sequence", "fix")
    with pytest.raises(TypeError, match="^texts must be a sequence, got int$"):
        as_list(3, "texts", "a sequence", "fix")


# --------------------------------------------------------------------------- optional packages


def install(package, extra):
    """The fix a missing-package message gives: the pip command and labhelpers' extra."""
    return f"pip install '{package}", f"optional group '{extra}'"


def test_require_returns_the_module():
    import json

    from labhelpers.base.checks import require

    assert require("json", "text", "a test") is json


def test_require_says_what_needs_a_missing_module_and_how_to_install_it(monkeypatch):
    from labhelpers.base.checks import require

    monkeypatch.setitem(sys.modules, "gensim", None)  # as if gensim were not installed
    with pytest.raises(
        ModuleNotFoundError,
        match=says("lesson 9 needs gensim", *install("gensim", "text")),
    ) as error:
        require("gensim", "text", "lesson 9")
    assert error.value.name == "gensim"


def test_require_keeps_the_error_of_a_dependency_of_the_module(tmp_path, monkeypatch):
    from labhelpers.base.checks import require

    (tmp_path / "half_installed.py").write_text("import labhelpers_missing_dependency\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(
        ModuleNotFoundError, match="No module named 'labhelpers_missing_dependency'"
    ):
        require("half_installed", "text", "a test")


def test_word2vec_without_gensim(monkeypatch):
    from labhelpers.embeddings import train_word2vec

    monkeypatch.setitem(sys.modules, "gensim", None)
    monkeypatch.setitem(sys.modules, "gensim.models", None)
    with pytest.raises(
        ModuleNotFoundError,
        match=says("train_word2vec", "needs gensim.models", *install("gensim", "text")),
    ):
        train_word2vec([["a", "b"], ["a", "b"]])


def test_the_lee_corpus_without_gensim(monkeypatch):
    from labhelpers.data.chars import available_corpora, load_corpus

    monkeypatch.setitem(sys.modules, "gensim", None)
    assert available_corpora()["lee"] is False
    with pytest.raises(
        ModuleNotFoundError,
        match=says(
            "load_corpus('lee')", "name='python_docs'", "needs gensim", *install("gensim", "text")
        ),
    ):
        load_corpus("lee")


def test_measured_series_without_statsmodels(monkeypatch):
    from labhelpers.data.series import load_statsmodels_series

    monkeypatch.setitem(sys.modules, "statsmodels", None)
    monkeypatch.setitem(sys.modules, "statsmodels.datasets", None)
    with pytest.raises(
        ModuleNotFoundError,
        match=says(
            "load_statsmodels_series",
            "needs statsmodels.datasets",
            *install("statsmodels", "series"),
        ),
    ):
        load_statsmodels_series("co2")


def test_the_keras_models_without_tensorflow(monkeypatch):
    # Both names, so that no half-imported TensorFlow is left behind for later tests.
    monkeypatch.setitem(sys.modules, "tensorflow", None)
    monkeypatch.setitem(sys.modules, "keras", None)
    monkeypatch.delitem(sys.modules, "labhelpers.lessons.keras_imdb", raising=False)
    with pytest.raises(
        ModuleNotFoundError,
        match=says("labhelpers.lessons.keras_imdb", "needs keras", *install("tensorflow", "keras")),
    ):
        importlib.import_module("labhelpers.lessons.keras_imdb")
