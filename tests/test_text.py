"""labhelpers.data.text: the word tokenizer and pad_sequences against Keras, and the disk cache."""

import os
import random
import shutil
from pathlib import Path

import numpy as np
import pytest

from labhelpers.data import text as text_module
from labhelpers.data.reviews import make_review_corpus
from labhelpers.data.text import (
    DEFAULT_FILTERS,
    WordTokenizer,
    cache_folder,
    encode_texts,
    lookup_words,
    pad_sequences,
    text_to_word_sequence,
    texts_fingerprint,
)

DATA_DIR = os.environ.get("LABHELPERS_DATA_DIR")
IMDB_CSV = Path(DATA_DIR, "imdb_50k.csv.gz") if DATA_DIR else None
needs_imdb = pytest.mark.skipif(
    IMDB_CSV is None or not IMDB_CSV.is_file(),
    reason="the IMDB CSV is absent: LABHELPERS_DATA_DIR names no folder with imdb_50k.csv.gz",
)


@pytest.fixture(scope="module")
def keras_text():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    from tensorflow.keras.preprocessing import (
        text as legacy,
    )  # the legacy copy TensorFlow 2.21 still ships

    return legacy, keras


TRICKY = [
    "Not good, at ALL!",
    "",
    "   ",
    "a\rb c\x85d  é É ΣΑΣ ς İstanbul",
    "the the the a a b",
    "supercalifragilisticexpialidocious and supercalifragilisticexpialidociouz "
    "longwordlongword12345",
    "<OOV> oov OOV",
    "émile zola's \u00a0nbsp 日本語 テキスト",
    "x" * 30 + " " + "x" * 29 + " " + "x" * 31,
    "\ud800 lone surrogate",
    "tab\there new\nline",
    "eightchr eightchs ninechars ninechart 16charsxxxxxxxxx",
    "abcdefgh" * 2 + " " + "abcdefgh" * 2 + "i",
    "<br /><br />Line breaks<br />too",
]


def corpus(n=300, seed=0):
    rng = random.Random(seed)
    words = [
        "alpha",
        "beta",
        "gamma",
        "not",
        "good",
        "bad",
        "x" * 8,
        "y" * 9,
        "z" * 16,
        "z" * 17,
        "zz",
        "Zz",
        "naïve",
        "don't",
    ]
    made = [
        " ".join(rng.choice(words) for _ in range(rng.randint(0, 30))) + rng.choice([".", "!", ""])
        for _ in range(n)
    ]
    return TRICKY + made


SETTINGS = [
    dict(),
    dict(num_words=5),
    dict(num_words=5, oov_token="<OOV>"),
    dict(oov_token="oov"),
    dict(num_words=0, oov_token="<OOV>"),
    dict(num_words=1, oov_token="<OOV>"),
    dict(num_words=1),
    dict(num_words=3, oov_token="zz"),
    dict(lower=False),
    dict(split="a"),
    dict(filters="é!", split="ζ"),
    dict(filters="", oov_token="<unk>"),
]


def test_words_are_split_as_keras_splits_them(keras_text):
    legacy, _ = keras_text
    for text in TRICKY:
        assert text_to_word_sequence(text) == legacy.text_to_word_sequence(text)
        assert text_to_word_sequence(text, lower=False, split="a") == legacy.text_to_word_sequence(
            text, lower=False, split="a"
        )


@pytest.mark.parametrize("kwargs", SETTINGS, ids=[str(s) for s in SETTINGS])
def test_ids_counts_and_texts_match_the_keras_tokenizer(keras_text, kwargs):
    legacy, keras = keras_text
    texts = corpus()
    theirs, ours = legacy.Tokenizer(**kwargs), WordTokenizer(**kwargs)
    for part in (texts[:150], texts[150:]):  # fitting twice adds up, as in Keras
        theirs.fit_on_texts(part)
        ours.fit_on_texts(part)
    assert ours.word_index == theirs.word_index
    assert list(ours.word_counts.items()) == list(theirs.word_counts.items())
    assert ours.document_count == theirs.document_count
    unseen = texts + ["unseen words here", "Alpha BETA gamma"]
    expected = theirs.texts_to_sequences(unseen)
    assert ours.texts_to_sequences(unseen) == expected
    assert ours.sequences_to_texts(expected) == theirs.sequences_to_texts(expected)
    padded = keras.utils.pad_sequences(expected, maxlen=9).tolist()  # padding 0: Keras decodes it
    assert ours.sequences_to_texts(padded) == theirs.sequences_to_texts(padded)
    for padding in ("pre", "post"):
        for truncating in ("pre", "post"):
            np.testing.assert_array_equal(
                ours.texts_to_padded(unseen, 7, padding, truncating),
                keras.utils.pad_sequences(
                    expected, maxlen=7, padding=padding, truncating=truncating
                ),
            )


def test_parity_on_the_generated_reviews_with_the_records_settings(keras_text):
    legacy, keras = keras_text
    frame = make_review_corpus(3000, seed=5)
    train, test = frame["review"][:2400].tolist(), frame["review"][2400:].tolist()
    theirs = legacy.Tokenizer(num_words=300, oov_token="<OOV>")
    theirs.fit_on_texts(train)
    ours = WordTokenizer(num_words=300, oov_token="<OOV>").fit_on_texts(train)
    assert ours.word_index == theirs.word_index
    for part in (train, test):
        np.testing.assert_array_equal(
            ours.texts_to_padded(part, 60, truncating="post"),
            keras.utils.pad_sequences(
                theirs.texts_to_sequences(part), maxlen=60, truncating="post"
            ),
        )


@needs_imdb
def test_parity_with_the_keras_tokenizer_on_the_imdb_training_reviews(keras_text):
    from labhelpers.data.imdb import load_imdb, split_official

    legacy, keras = keras_text
    train, test = split_official(load_imdb(IMDB_CSV))
    train_texts, test_texts = train["review"].tolist(), test["review"].tolist()[:5000]
    theirs = legacy.Tokenizer(num_words=10000, oov_token="<OOV>")
    theirs.fit_on_texts(train_texts)
    ours = WordTokenizer(num_words=10000, oov_token="<OOV>").fit_on_texts(train_texts)
    assert ours.word_index == theirs.word_index
    assert list(ours.word_counts.items()) == list(theirs.word_counts.items())
    for part in (train_texts, test_texts):
        np.testing.assert_array_equal(
            ours.texts_to_padded(part, 200, truncating="post"),
            keras.utils.pad_sequences(
                theirs.texts_to_sequences(part), maxlen=200, truncating="post"
            ),
        )


def test_the_numpy_path_agrees_with_the_plain_python_path_across_batches(monkeypatch):
    """Words of 8 to 40 bytes that differ in one middle byte, coded in many small batches."""
    rng = random.Random(1)
    alphabet = "abcdefgh"
    words = [
        "".join(rng.choice(alphabet) for _ in range(n)) for n in range(1, 41) for _ in range(30)
    ]
    texts = [" ".join(rng.choice(words) for _ in range(50)) for _ in range(200)] + TRICKY
    monkeypatch.setattr(text_module, "_BATCH_BYTES", 512)  # dozens of batches
    fast = text_module._code_texts_fast(texts, DEFAULT_FILTERS, True, " ", ["seeded", "words"])
    slow = text_module._code_texts_python(texts, DEFAULT_FILTERS, True, " ", ["seeded", "words"])
    np.testing.assert_array_equal(fast.codes, slow.codes)
    np.testing.assert_array_equal(fast.doc_lengths, slow.doc_lengths)
    assert fast.words(range(fast.n_codes)) == slow.words(range(slow.n_codes))


def test_transforming_the_fitted_texts_reuses_their_codes_and_gives_the_same_ids():
    texts = corpus()
    fitted = WordTokenizer(num_words=20, oov_token="<OOV>").fit_on_texts(texts)
    reused = fitted.texts_to_ragged(texts)  # the very strings just fitted: no second tokenization
    fresh = WordTokenizer.from_config(fitted.get_config()).texts_to_ragged(list(map(str, texts)))
    for a, b in zip(reused, fresh):
        np.testing.assert_array_equal(a, b)


def test_config_round_trip_keeps_the_vocabulary():
    tokenizer = WordTokenizer(num_words=10, oov_token="<OOV>").fit_on_texts(corpus())
    again = WordTokenizer.from_config(tokenizer.get_config())
    assert again.word_index == tokenizer.word_index and again.word_counts == tokenizer.word_counts
    assert again.texts_to_sequences(corpus()[:20]) == tokenizer.texts_to_sequences(corpus()[:20])


def test_lookup_words_gives_positions_and_minus_one_for_unknown_words():
    positions, lengths = lookup_words(
        ["Good film, bad plot", "", "plot twist"], ["plot", "good", "x,y", "film"]
    )
    np.testing.assert_array_equal(positions, [1, 3, -1, 0, 0, -1])
    np.testing.assert_array_equal(lengths, [4, 0, 2])


@pytest.mark.parametrize("sequences", [[[1, 2, 3], [4], [], [5, 6, 7, 8, 9]], [[7]], []])
@pytest.mark.parametrize("maxlen", [None, 1, 3, 6])
def test_pad_sequences_matches_keras(keras_text, sequences, maxlen):
    _, keras = keras_text
    for padding in ("pre", "post"):
        for truncating in ("pre", "post"):
            ours = pad_sequences(
                sequences, maxlen=maxlen, padding=padding, truncating=truncating, value=-1
            )
            if not sequences:
                assert ours.shape == (0, maxlen or 0)
                continue
            theirs = keras.utils.pad_sequences(
                sequences, maxlen=maxlen, padding=padding, truncating=truncating, value=-1
            )
            np.testing.assert_array_equal(ours, theirs)
            assert ours.dtype == theirs.dtype


def test_pad_sequences_example_of_the_docstring():
    np.testing.assert_array_equal(pad_sequences([[1, 2, 3], [4]], maxlen=2), [[2, 3], [0, 4]])


@pytest.mark.parametrize("num_words", [-3, 2.5, True, "100"])
def test_num_words_must_be_an_integer_of_at_least_0(num_words):
    with pytest.raises(ValueError, match=r"num_words must be an integer >= 0 or None \(None and 0"):
        WordTokenizer(num_words=num_words)


@pytest.mark.parametrize("maxlen", [-1, 1.5, True])
def test_maxlen_must_be_an_integer_of_at_least_0(maxlen):
    with pytest.raises(ValueError, match="maxlen must be an integer >= 0, or None for the longest"):
        pad_sequences([[1, 2]], maxlen=maxlen)
    tokenizer = WordTokenizer().fit_on_texts(["a b"])
    with pytest.raises(ValueError, match="maxlen must be an integer >= 0"):
        tokenizer.texts_to_padded(["a b"], maxlen=maxlen)


@pytest.mark.parametrize("name", ["padding", "truncating"])
def test_padding_and_truncating_must_be_pre_or_post(name):
    with pytest.raises(ValueError, match=f"{name} must be one of 'pre', 'post'; got 'middle'"):
        pad_sequences([[1, 2]], maxlen=2, **{name: "middle"})
    with pytest.raises(ValueError, match=f"{name} must be one of 'pre', 'post'"):
        WordTokenizer().fit_on_texts(["a"]).texts_to_padded(["a"], 3, **{name: "both"})


@pytest.mark.parametrize(
    "texts, found",
    [
        (["fine", None], "item 1 is a NoneType"),
        (["fine", float("nan")], "item 1 is a float"),
        ([b"bytes"], "item 0 is a bytes"),
        ("one string", "got a single str"),
        (42, "got int"),
        ([["words", 3]], "item 0 is a list"),
        ([("a", "tuple")], "item 0 is a tuple"),
    ],
)
def test_texts_must_be_strings(texts, found):
    with pytest.raises(TypeError, match=f"texts must .*{found}"):
        WordTokenizer().fit_on_texts(texts)


def test_converting_before_fitting_is_a_clear_error():
    with pytest.raises(ValueError, match="call fit_on_texts"):
        WordTokenizer().texts_to_sequences(["a"])


def test_fingerprint_changes_with_the_texts_and_their_boundaries():
    assert texts_fingerprint(["ab", "c"]) == texts_fingerprint(["ab", "c"])
    assert texts_fingerprint(["ab", "c"]) != texts_fingerprint(["a", "bc"])
    assert texts_fingerprint(["ab"], ["c"]) != texts_fingerprint(["ab", "c"])


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("LABHELPERS_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def encode(train, test, **kwargs):
    options = dict(num_words=50, oov_token="<OOV>", maxlen=12, truncating="post", name="unit")
    options.update(kwargs)
    return encode_texts(train, {"train": train, "test": test}, **options)


def test_the_cache_is_written_once_then_read_back(cache_dir):
    texts = corpus(60)
    first = encode(texts[:50], texts[50:])
    assert (
        not first.from_cache and first.path.parent == cache_dir / "tokens" and first.path.exists()
    )
    second = encode(list(texts[:50]), list(texts[50:]))
    assert second.from_cache and "read from the cache" in second.note
    for name in ("train", "test"):
        np.testing.assert_array_equal(first.arrays[name], second.arrays[name])
        np.testing.assert_array_equal(first.lengths[name], second.lengths[name])
    assert second.tokenizer.word_index == first.tokenizer.word_index
    expected = (
        WordTokenizer(50, "<OOV>")
        .fit_on_texts(texts[:50])
        .texts_to_padded(texts[50:], 12, truncating="post")
    )
    np.testing.assert_array_equal(second.arrays["test"], expected)
    assert [p.name for p in first.path.parent.iterdir()] == [
        first.path.name
    ]  # no temporary file left


def test_other_settings_use_another_file(cache_dir):
    texts = corpus(40)
    assert encode(texts, texts).path != encode(texts, texts, maxlen=13).path


def test_a_stale_cache_is_detected_and_rebuilt(cache_dir):
    texts = corpus(60)
    first = encode(texts[:50], texts[50:])
    changed = texts[:49] + ["a review that was edited"]
    again = encode(changed, texts[50:])
    assert again.path == first.path and not again.from_cache and "stale" in again.note
    expected = (
        WordTokenizer(50, "<OOV>")
        .fit_on_texts(changed)
        .texts_to_padded(changed, 12, truncating="post")
    )
    np.testing.assert_array_equal(again.arrays["train"], expected)
    assert encode(changed, texts[50:]).from_cache  # the rebuilt file serves the next run


@pytest.mark.parametrize("damage", ["garbage", "truncate", "empty"])
def test_a_damaged_cache_is_detected_and_rebuilt(cache_dir, damage):
    texts = corpus(60)
    first = encode(texts[:50], texts[50:])
    data = first.path.read_bytes()
    first.path.write_bytes(
        {"garbage": b"not a zip file at all", "truncate": data[: len(data) // 2], "empty": b""}[
            damage
        ]
    )
    again = encode(texts[:50], texts[50:])
    assert not again.from_cache and "damaged" in again.note
    np.testing.assert_array_equal(again.arrays["train"], first.arrays["train"])
    assert encode(texts[:50], texts[50:]).from_cache


def test_no_cache_writes_nothing(cache_dir):
    result = encode(corpus(20), corpus(20), cache=False)
    assert result.path is None and not cache_dir.exists()


def test_the_default_cache_folder_is_in_the_home_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("LABHELPERS_CACHE_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache_folder() == tmp_path / ".cache" / "labhelpers"
    monkeypatch.setenv("LABHELPERS_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert cache_folder() == tmp_path / "elsewhere"


def test_encode_texts_checks_its_arguments(cache_dir):
    with pytest.raises(ValueError, match="maxlen must be a positive integer"):
        encode(["a"], ["b"], maxlen=0)  # an array of width 0 is no use in a cache
    with pytest.raises(ValueError, match="num_words must be an integer >= 0"):
        encode(["a"], ["b"], num_words=-1)
    with pytest.raises(TypeError, match=r"texts\['test'\] must contain only strings"):
        encode_texts(["a"], {"test": [None]}, num_words=5, maxlen=3)


def test_encode_texts_records_its_settings_names_its_file_and_says_what_it_did(cache_dir, tmp_path):
    """Its defaults (no OOV token, padded and cut in front, lower case, Keras's filters, name
    "texts", cached under the cache folder), against the tokenizer and pad_sequences called
    directly; the file name made of the name and the settings' hash; each note whole."""
    import hashlib
    import json

    from labhelpers.data.text import CACHE_VERSION, DEFAULT_FILTERS, pad_sequences

    fit = ["The film was GOOD, good and long", "a Bad film; bad bad", "long long LONG film"]
    test = ["Good film, long and good and bad and long", "unseen words only"]
    result = encode_texts(fit, {"train": fit, "test": test}, num_words=6, maxlen=4)
    settings = {
        "num_words": 6,
        "oov_token": None,
        "maxlen": 4,
        "padding": "pre",
        "truncating": "pre",
        "lower": True,
        "filters": DEFAULT_FILTERS,
        "groups": ["test", "train"],
    }
    assert result.settings == settings
    tokenizer = WordTokenizer(6).fit_on_texts(fit)
    for name, texts in (("train", fit), ("test", test)):
        sequences = tokenizer.texts_to_sequences(texts)
        expected = pad_sequences(sequences, 4, padding="pre", truncating="pre")
        np.testing.assert_array_equal(result.arrays[name], expected)
        assert result.arrays[name].dtype == np.int32
        assert result.lengths[name].tolist() == [len(s) for s in sequences]
    key = json.dumps({"version": CACHE_VERSION, "name": "texts", **settings}, sort_keys=True)
    name = f"texts-{hashlib.sha256(key.encode()).hexdigest()[:16]}.npz"
    assert result.path == cache_dir / "tokens" / name and result.path.is_file()
    assert (result.from_cache, result.note) == (False, f"tokenized and cached in {result.path}")
    again = encode_texts(fit, {"train": fit, "test": test}, num_words=6, maxlen=4)
    assert (again.from_cache, again.path, again.settings) == (True, result.path, settings)
    assert again.note == f"read from the cache {result.path}"
    edited = encode_texts(fit[:2] + ["edited"], {"train": fit, "test": test}, num_words=6, maxlen=4)
    assert edited.note == (
        f"the cache file {result.path} was stale (the texts have changed since it was written): "
        "rebuilt it"
    )
    upper = encode_texts(fit, {"train": fit}, num_words=6, maxlen=4, lower=False, cache=False)
    expected = WordTokenizer(6, lower=False).fit_on_texts(fit).texts_to_padded(fit, 4)
    np.testing.assert_array_equal(upper.arrays["train"], expected)
    assert (upper.path, upper.note, upper.settings["lower"]) == (
        None,
        "tokenized (no cache)",
        False,
    )
    named = encode_texts(
        fit, {"train": fit}, num_words=6, maxlen=4, name="strong imdb/official " * 3
    )
    assert named.path.name.startswith("strong_imdb_official_strong_imdb_officia-")  # 40 characters
    elsewhere = encode_texts(fit, {"train": fit}, num_words=6, maxlen=4, cache_dir=tmp_path / "x")
    assert elsewhere.path.parent == tmp_path / "x"
    (tmp_path / "a_file").write_text("")
    unwritable = encode_texts(
        fit, {"train": fit}, num_words=6, maxlen=4, cache_dir=tmp_path / "a_file"
    )
    assert unwritable.path is None and unwritable.note.startswith("could not write the cache (")
    for texts in ({}, [fit]):
        with pytest.raises(TypeError) as raised:
            encode_texts(fit, texts, num_words=6, maxlen=4)
        assert str(raised.value) == (
            "texts must be a non-empty dict of group name -> list of texts, e.g. "
            "{'train': ..., 'test': ...}"
        )
    with pytest.raises(TypeError, match=r"^fit_texts must contain only strings"):
        encode_texts([1], {"train": fit}, num_words=6, maxlen=4)


def test_a_cache_file_of_other_settings_or_shapes_is_named_stale_or_damaged(cache_dir):
    texts = corpus(30)
    first = encode(texts[:20], texts[20:])
    other = encode(texts[:20], texts[20:], maxlen=13)
    shutil.copy(other.path, first.path)  # another run's file under this run's name
    again = encode(texts[:20], texts[20:])
    assert again.note == (
        f"the cache file {first.path} was stale (made with other settings): rebuilt it"
    )
    with np.load(first.path) as stored:
        damaged = {name: stored[name] for name in stored.files}
    damaged["x_train"] = damaged["x_train"][:, :5]
    np.savez(first.path, **damaged)
    assert encode(texts[:20], texts[20:]).note == (
        f"the cache file {first.path} was damaged (its arrays do not have the shapes it records): "
        "rebuilt it"
    )
    first.path.write_bytes(b"not a zip file")  # np.load would take it for a pickle: refused
    note = encode(texts[:20], texts[20:]).note
    assert note.startswith(f"the cache file {first.path} was damaged (ValueError: ")
    assert "allow_pickle" in note and note.endswith("): rebuilt it")
