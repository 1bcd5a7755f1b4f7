"""The corpus lessons 12 and 4 read: the Lee corpus where gensim ships it, else Python's help."""

import re
import sys

import pytest

from labhelpers.data import chars


def lee(available: bool):
    return lambda: {"lee": available, "python_docs": True, "tiny_shakespeare": False}


def test_the_lee_corpus_is_read_where_gensim_ships_it(monkeypatch):
    monkeypatch.setattr(chars, "available_corpora", lee(True))
    assert chars.corpus_or_python_docs("lee") == "lee"


@pytest.mark.parametrize("name", ["python_docs", "tiny_shakespeare"])
def test_other_corpora_are_read_as_asked_without_looking_for_gensim(monkeypatch, name):
    def fail():
        raise AssertionError("looked for the Lee corpus")

    monkeypatch.setattr(chars, "available_corpora", fail)
    assert chars.corpus_or_python_docs(name) == name


def test_without_gensim_it_says_how_to_install_it_and_reads_python_docs(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "gensim", None)  # as if gensim were not installed
    assert chars.corpus_or_python_docs("lee") == "python_docs"
    assert re.fullmatch(
        r"the Lee corpus needs gensim, which is not installed\. Install it with: "
        r"pip install '[^']*gensim[^']*' .*\. This run uses Python's own help texts instead\.\n",
        capsys.readouterr().out,
    )


def test_a_gensim_without_the_file_reads_python_docs_quietly(monkeypatch, capsys):
    monkeypatch.setattr(chars, "available_corpora", lee(False))
    monkeypatch.setattr(chars, "require", lambda module, extra, needed_for: object())
    assert chars.corpus_or_python_docs("lee") == "python_docs"
    assert capsys.readouterr().out == ""
