import math
from collections import Counter
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest

from labhelpers.data import chars
from labhelpers.data.chars import (
    CharCodec,
    available_corpora,
    load_corpus,
    shifted_pair,
    split_text,
    unigram_cross_entropy,
)

from conftest import says

TEXT = "hello world, hello rnn!\nThe quick brown fox."


def test_codec_round_trips_and_orders_the_vocabulary():
    codec = CharCodec(TEXT)
    assert codec.idx2char == sorted(set(TEXT))
    assert all(codec.idx2char[codec.char2idx[c]] == c for c in set(TEXT))
    encoded = codec.encode(TEXT)
    assert encoded.dtype == np.int64 and encoded.shape == (len(TEXT),)
    assert codec.decode(encoded) == TEXT
    assert codec.decode(list(encoded[:5])) == TEXT[:5]
    assert codec.encode("").shape == (0,) and codec.decode([]) == ""
    assert (
        codec.vocab_size == len(set(TEXT))
        and repr(codec) == f"CharCodec({len(set(TEXT))} characters)"
    )


def test_codec_errors_speak_plainly():
    with pytest.raises(ValueError, match="text is empty"):
        CharCodec("")
    with pytest.raises(ValueError, match="text must be a string"):
        CharCodec(["a", "b"])
    codec = CharCodec("abc")
    with pytest.raises(ValueError, match=says("text contains 'z'", "not in the vocabulary")):
        codec.encode("abz")
    with pytest.raises(ValueError, match=r"indices must lie in \[0, 3\)"):
        codec.decode([0, 3])


def test_shifted_pair_targets_the_next_character():
    codec = CharCodec(TEXT)
    inputs, targets = shifted_pair(codec.encode("hello"))
    assert codec.decode(inputs) == "hell" and codec.decode(targets) == "ello"
    with pytest.raises(ValueError, match="at least 2 characters"):
        shifted_pair([1])


def test_offline_corpora_load():
    assert available_corpora()["python_docs"]
    docs = load_corpus("python_docs")
    assert len(docs) > 100_000 and "assert" in docs.text and "pydoc_data" in docs.source
    short = load_corpus("python_docs", max_chars=500)
    assert short.text == docs.text[:500]


def test_lee_corpus_ships_with_gensim():
    if not available_corpora()["lee"]:
        pytest.skip("gensim, which ships the Lee corpus, is not installed")
    lee = load_corpus("lee")
    assert len(lee) == 360_082  # bytes of lee_background.cor, all ASCII
    assert lee.text.startswith("Hundreds of people have been forced to vacate their homes")


def test_corpus_errors(tmp_path, monkeypatch):
    with pytest.raises(
        ValueError,
        match=says("name", "one of 'lee', 'python_docs', 'tiny_shakespeare'", "got 'war'"),
    ):
        load_corpus("war")
    with pytest.raises(ValueError, match="max_chars must be a positive integer, got 0"):
        load_corpus("python_docs", max_chars=0)
    with pytest.raises(FileNotFoundError, match="pass download=True"):
        load_corpus("tiny_shakespeare", cache_dir=tmp_path)
    # nothing listens there
    monkeypatch.setattr(chars, "TINY_SHAKESPEARE_URL", "http://127.0.0.1:9/input.txt")
    with pytest.raises(ConnectionError, match="could not download .* use an offline corpus"):
        load_corpus("tiny_shakespeare", cache_dir=tmp_path, download=True, timeout=2)
    assert not (tmp_path / "tiny_shakespeare.txt").exists()


def test_tiny_shakespeare_is_downloaded_once_then_read_from_the_cache(tmp_path, monkeypatch):
    source = tmp_path / "source.txt"
    source.write_text("First Citizen:\nBefore we proceed any further, hear me speak.\n")
    monkeypatch.setattr(chars, "TINY_SHAKESPEARE_URL", source.as_uri())
    cache = tmp_path / "cache"
    first = load_corpus("tiny_shakespeare", cache_dir=cache, download=True)
    assert first.text == source.read_text() and (cache / "tiny_shakespeare.txt").is_file()
    source.unlink()  # the cached copy is read without fetching again
    assert load_corpus("tiny_shakespeare", cache_dir=cache).text == first.text
    monkeypatch.setenv("LABHELPERS_DATA_DIR", str(cache))
    assert available_corpora()["tiny_shakespeare"]


def test_split_text_in_order():
    train, val = split_text(np.arange(100), 0.9)
    np.testing.assert_array_equal(train, np.arange(90))
    np.testing.assert_array_equal(val, np.arange(90, 100))
    with pytest.raises(ValueError, match="train_fraction must lie strictly between 0 and 1"):
        split_text(np.arange(100), 0)
    with pytest.raises(ValueError, match="fewer than 2 characters"):
        split_text(np.arange(3), 0.5)


def test_unigram_cross_entropy_matches_counting_by_hand():
    train, evaluated = "abracadabra", "cabbage"
    codec = CharCodec(train + evaluated)
    counts = Counter(train)
    total = len(train) + codec.vocab_size  # add-one smoothing
    expected = -sum(math.log((counts[c] + 1) / total) for c in evaluated) / len(evaluated)
    got = unigram_cross_entropy(codec.encode(train), codec.encode(evaluated), codec.vocab_size)
    assert got == pytest.approx(expected, rel=1e-12)
    uniform = unigram_cross_entropy(np.arange(5), np.arange(5), 5)
    assert math.exp(uniform) == pytest.approx(5.0)  # every character equally likely: perplexity = V
    with pytest.raises(ValueError, match="eval_indices is empty"):
        unigram_cross_entropy([0, 1], [], 2)
    with pytest.raises(ValueError, match="outside vocab_size=2"):
        unigram_cross_entropy([0, 5], [0], 2)


def test_encode_names_the_text_with_a_character_outside_the_vocabulary():
    with pytest.raises(ValueError, match=says("prompt contains 'z'", "not in the vocabulary")):
        CharCodec("abc").encode("abz", name="prompt")


def test_shifted_pair_flattens_and_accepts_two_characters():
    inputs, targets = shifted_pair(np.array([[4, 5], [6, 7]]))
    np.testing.assert_array_equal(inputs, [4, 5, 6])
    np.testing.assert_array_equal(targets, [5, 6, 7])
    inputs, targets = shifted_pair([8, 9])
    assert inputs.tolist() == [8] and targets.tolist() == [9]
    with pytest.raises(ValueError, match=says("at least 2 characters", "got 1")):
        shifted_pair([1])


def test_split_text_boundaries_and_messages():
    train, val = split_text(np.arange(20).reshape(4, 5))  # flattened, 0.9 by default
    np.testing.assert_array_equal(train, np.arange(18))
    np.testing.assert_array_equal(val, [18, 19])
    train, val = split_text(np.arange(4), 0.5)  # two characters on each side is enough
    assert train.tolist() == [0, 1] and val.tolist() == [2, 3]
    for fraction in (0, 1, 1.5, True):
        with pytest.raises(
            ValueError, match=says("train_fraction", "between 0 and 1", f"got {fraction!r}")
        ):
            split_text(np.arange(100), fraction)
    for n, fraction in ((3, 0.5), (5, 0.2), (5, 0.7)):
        with pytest.raises(
            ValueError,
            match=says(
                f"train_fraction={fraction} of {n} characters", "fewer than 2", "longer text"
            ),
        ):
            split_text(np.arange(n), fraction)


def test_unigram_cross_entropy_takes_any_shape_and_integral_floats():
    train = np.array([[0.0, 0.0], [1.0, 0.0]])  # counts 3, 1, 0 over a vocabulary of 3
    evaluated = np.array([[2.0], [0.0]])
    expected = -(math.log(1 / 7) + math.log(4 / 7)) / 2  # add-one: (count + 1) / (4 + 3)
    assert unigram_cross_entropy(train, evaluated, 3) == pytest.approx(expected, rel=1e-12)
    half = -(math.log(0.5 / 5.5) + math.log(3.5 / 5.5)) / 2  # smoothing 0.5 over V = 3
    assert unigram_cross_entropy(train, evaluated, 3, smoothing=0.5) == pytest.approx(
        half, rel=1e-12
    )


def test_unigram_cross_entropy_messages():
    with pytest.raises(ValueError, match=says("vocab_size", "positive integer", "got 0")):
        unigram_cross_entropy([0], [0], 0)
    for smoothing in (0, -1.0):
        with pytest.raises(ValueError, match=says("smoothing", "positive", f"got {smoothing!r}")):
            unigram_cross_entropy([0], [0], 2, smoothing=smoothing)
    with pytest.raises(ValueError, match=says("eval_indices", "empty")):
        unigram_cross_entropy([0, 1], [], 2)
    with pytest.raises(ValueError, match=says("train_indices", "index 5", "outside vocab_size=2")):
        unigram_cross_entropy([0, 5], [0], 2)


def test_lee_is_the_default_corpus_read_from_gensims_test_data():
    try:  # found through gensim's installed files, without importing it (slow)
        path = Path(
            metadata.distribution("gensim").locate_file("gensim/test/test_data/lee_background.cor")
        )
    except metadata.PackageNotFoundError:
        pytest.skip("gensim, which ships the Lee corpus, is not installed")
    corpus = load_corpus(max_chars=80)  # name="lee" by default
    assert corpus == chars.Corpus(
        "lee",
        path.read_text(encoding="utf-8")[:80],
        "Lee Background Corpus (300 ABC news articles), shipped with gensim: lee_background.cor",
    )
    assert available_corpora()["lee"]


def test_lee_without_its_file_says_where_else_to_look(monkeypatch, tmp_path):
    fake = tmp_path / "gensim"
    fake.mkdir()
    monkeypatch.setattr(
        chars.importlib.util,
        "find_spec",
        lambda name: type("Spec", (), {"submodule_search_locations": [str(fake)]})(),
    )
    assert not available_corpora()["lee"]  # a gensim without test/test_data/lee_background.cor
    with pytest.raises(
        FileNotFoundError,
        match=says("'lee'", "lee_background.cor", "use name='python_docs'"),
    ):
        load_corpus("lee")


def test_python_docs_are_the_help_topics_in_sorted_order():
    from pydoc_data import topics

    corpus = load_corpus("python_docs")
    assert corpus.name == "python_docs"
    assert corpus.text == "\n\n".join(topics.topics[key] for key in sorted(topics.topics))
    assert corpus.source == (
        "Python's language-reference help texts, shipped with Python as pydoc_data.topics"
    )


def test_tiny_shakespeare_cache_places_timeout_and_messages(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("LABHELPERS_DATA_DIR", raising=False)
    cached = home / ".cache" / "labhelpers" / "tiny_shakespeare.txt"
    assert not available_corpora()["tiny_shakespeare"]
    cached.parent.mkdir(parents=True)
    cached.write_text("To be", encoding="utf-8")
    assert available_corpora()["tiny_shakespeare"]  # ~/.cache/labhelpers without the variable
    assert load_corpus("tiny_shakespeare") == chars.Corpus(
        "tiny_shakespeare",
        "To be",
        f"tiny Shakespeare (Karpathy's char-rnn data), cached at {cached}",
    )
    cached.write_text("", encoding="utf-8")
    with pytest.raises(ValueError, match=says("'tiny_shakespeare'", "empty")):
        load_corpus("tiny_shakespeare")
    missing = tmp_path / "elsewhere" / "tiny_shakespeare.txt"
    with pytest.raises(
        FileNotFoundError,
        match=says(f"{missing} does not exist", "download=True", "offline corpus"),
    ):
        load_corpus("tiny_shakespeare", cache_dir=missing.parent)
    waits = []

    def refuse(url, timeout):
        waits.append(timeout)
        raise OSError("refused")

    import urllib.request

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    with pytest.raises(
        ConnectionError,
        match=says(chars.TINY_SHAKESPEARE_URL, "10.0 s", "refused", "offline corpus"),
    ):
        load_corpus("tiny_shakespeare", cache_dir=missing.parent, download=True)
    assert waits == [10.0]  # the default bound reaches urlopen


def test_unigram_cross_entropy_of_a_single_index():
    # one evaluated character given as a plain integer: p(1) = (1 + 1) / (2 + 2)
    assert unigram_cross_entropy([0, 1], 1, 2) == pytest.approx(-math.log(0.5), rel=1e-12)
