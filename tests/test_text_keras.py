"""labhelpers.data.text against the real Keras classes, on the cases the Keras team tests them with.

The cases follow what keras-preprocessing's ``tests/text_test.py`` and
``tests/sequence_test.py`` and Keras 3's ``keras/src/utils/sequence_utils_test.py``
check (``Tokenizer`` and ``pad_sequences``), written here as our own tests: every
case is run through ``tf.keras.preprocessing.text.Tokenizer`` (the legacy copy
TensorFlow still ships) or ``keras.utils.pad_sequences`` and through ours, and the
two answers must be equal, so a difference fails. The differences we keep on
purpose (documented in the docstrings) each have a test that shows both answers.
"""

import numpy as np
import pytest

from labhelpers.data.text import WordTokenizer, pad_sequences


@pytest.fixture(scope="module")
def Tokenizer(keras):
    legacy = pytest.importorskip(
        "tensorflow.keras.preprocessing.text",
        reason="TensorFlow's legacy Keras Tokenizer is not installed",
    )
    return legacy.Tokenizer


def same_answer(ours, theirs):
    """Both raise the same exception type, or both return equal arrays (same dtype and shape)."""
    outcomes = []
    for function in (ours, theirs):
        try:
            outcomes.append(("value", function()))
        except Exception as error:  # compared below
            outcomes.append(("error", type(error)))
    (kind_a, a), (kind_b, b) = outcomes
    assert kind_a == kind_b, f"labhelpers: {kind_a} {a!r:.200}; Keras: {kind_b} {b!r:.200}"
    if kind_a == "error":
        assert a is b
    else:
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    return a


# --------------------------------------------------------------------------- pad_sequences

INTS = [[5], [5, 6], [5, 6, 7], [], [8, 9, 10, 11]]
FLOATS = [[0.5], [1.25, -2.5], [3.75, 4.5, 5.0]]
STRINGS = [["x"], ["x", "yy"], ["x", "yy", "zzz"]]
VECTORS = [[[1, 1]], [[2, 1], [2, 2]], [], [[3, 1], [3, 2], [3, 3]]]
CASES = {
    "ints": (INTS, {}),
    "floats": (FLOATS, dict(dtype="float32")),
    "floats cut to int32": (FLOATS, {}),
    "strings, object": (STRINGS, dict(dtype=object, value="pad")),
    "strings, <U3": (STRINGS, dict(dtype="<U3", value="pad")),
    "vectors": (VECTORS, {}),
    "vectors, float value": (VECTORS, dict(dtype="float64", value=0.5)),
    "arrays of vectors": ([np.ones((n, 2, 3)) * n for n in (1, 4, 2)], dict(dtype="float32")),
    "a 2-D array": (np.arange(12).reshape(3, 4), {}),
    "arrays": ([np.array([3, 4]), np.array([5])], dict(dtype="int64")),
    "all empty": ([[], []], {}),
    "no sequences, maxlen given": ([], dict(maxlen=3)),
}


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("maxlen", [None, 1, 2, 3, 5])
def test_pad_sequences_gives_kerass_answer(keras, name, maxlen):
    sequences, options = CASES[name]
    options = {"maxlen": maxlen, **options}
    for padding in ("pre", "post"):
        for truncating in ("pre", "post"):
            kwargs = dict(options, padding=padding, truncating=truncating)
            same_answer(
                lambda kwargs=kwargs: pad_sequences(sequences, **kwargs),
                lambda kwargs=kwargs: keras.utils.pad_sequences(sequences, **kwargs),
            )


def test_pad_sequences_pads_vectors_with_their_shape(keras):
    """The case of the issue: sequences of word vectors, which labhelpers refused."""
    padded = same_answer(
        lambda: pad_sequences(VECTORS, maxlen=2, truncating="post"),
        lambda: keras.utils.pad_sequences(VECTORS, maxlen=2, truncating="post"),
    )
    assert padded.shape == (4, 2, 2)
    assert padded[1].tolist() == [[2, 1], [2, 2]] and padded[2].tolist() == [[0, 0], [0, 0]]
    assert padded[3].tolist() == [[3, 1], [3, 2]]  # cut at the end: its first two steps


@pytest.mark.parametrize(
    "sequences, options",
    [
        (INTS, dict(maxlen=0, truncating="post")),  # defined in Keras: shape (n, 0)
        ([[], []], dict(maxlen=0)),
        ([[1, 2], [3]], dict(value=0.75)),  # a float value in an int array: cut to 0, as NumPy does
        (STRINGS, dict(value="pad")),  # a string value needs dtype=object: ValueError in both
        ([[[1, 2]], [[1, 2, 3]]], {}),  # steps of other shapes: ValueError in both
        ([[1, 2], [[1, 2]]], {}),
        (
            [[], [[1, 2]], [[3, 4], [5, 6]]],
            dict(maxlen=1),
        ),  # the step shape of the first non-empty one
        ([[2**40]], {}),  # too large for int32: OverflowError in both
    ],
)
def test_pad_sequences_edges_give_kerass_answer(keras, sequences, options):
    same_answer(
        lambda: pad_sequences(sequences, **options),
        lambda: keras.utils.pad_sequences(sequences, **options),
    )


def test_pad_sequences_messages_name_the_fix():
    with pytest.raises(ValueError, match="pass dtype=object"):
        pad_sequences(STRINGS, value="pad")
    with pytest.raises(ValueError, match=r"sequences\[1\] has steps of shape \(3,\), but"):
        pad_sequences([[[1, 2]], [[1, 2, 3]]])
    with pytest.raises(TypeError, match="item 1 is a NoneType .*every item must be a list or"):
        pad_sequences([[1], None])
    with pytest.raises(TypeError, match="item 0 is a str .*to pad strings, give lists of strings"):
        pad_sequences(["ab"], dtype=object)


@pytest.mark.parametrize("item", [None, 5])
def test_deliberate_difference_an_item_that_is_no_sequence_is_a_type_error(keras, item):
    with pytest.raises(TypeError, match="sequences must hold sequences"):
        pad_sequences([[1], item])
    with pytest.raises(ValueError, match="must be a list of iterables"):
        keras.utils.pad_sequences([[1], item])


def test_deliberate_difference_maxlen_0_cuts_everything_with_either_truncating(keras):
    assert pad_sequences(INTS, maxlen=0, truncating="pre").shape == (5, 0)
    with pytest.raises(ValueError, match="could not broadcast"):  # s[-0:] is the whole sequence
        keras.utils.pad_sequences(INTS, maxlen=0, truncating="pre")


def test_deliberate_difference_no_sequences_give_an_empty_array(keras):
    assert pad_sequences([]).shape == (0, 0)
    with pytest.raises(ValueError):
        keras.utils.pad_sequences([])


@pytest.mark.parametrize("sequences", ["abc", ["abc", "de"], [[1], b"xy"]])
def test_deliberate_difference_strings_are_not_sequences(keras, sequences):
    with pytest.raises(TypeError, match="string|item 1 is a bytes"):
        pad_sequences(sequences, dtype=object)
    try:
        answer = keras.utils.pad_sequences(sequences, dtype=object)
    except Exception:
        return  # Keras fails inside NumPy
    assert answer.tolist() != [list(s) for s in sequences]  # or pads each string whole


@pytest.mark.parametrize("maxlen", [-1, 2.0])
def test_deliberate_difference_a_bad_maxlen_is_named(keras, maxlen):
    with pytest.raises(ValueError, match="maxlen must be an integer >= 0"):
        pad_sequences(INTS, maxlen=maxlen)
    with pytest.raises((ValueError, TypeError)) as raised:  # NumPy's words, about shapes
        keras.utils.pad_sequences(INTS, maxlen=maxlen)
    assert "maxlen" not in str(raised.value)


def test_deliberate_difference_a_generator_is_taken(keras):
    assert pad_sequences(iter([[1], [2, 3]])).tolist() == [[0, 1], [2, 3]]
    with pytest.raises(ValueError, match="must be iterable"):
        keras.utils.pad_sequences(iter([[1], [2, 3]]))


# --------------------------------------------------------------------------- Tokenizer

PETS = ["The cat sat on the mat.", "The dog sat on the log.", "Dogs and cats living together."]
WORD_LISTS = [["The", "cat", "is", "sitting"], ["The", "dog", "is", "standing"]]
KNOWN = ["This text has only known words this text"]
UNKNOWN = ["This text has some unknown words"]
TURKISH = ["ali veli kırk dokuz elli", "ali veli kırk dokuz elli veli kırk dokuz"]
AWKWARD_LISTS = [["", "a b", "x,y", "The", "the", "ÉTÉ"], ["a", "b", "x", "y", ""]]


def fitted_pair(Tokenizer, fits, **options):
    theirs, ours = Tokenizer(**options), WordTokenizer(**options)
    for texts in fits:
        theirs.fit_on_texts(texts)
        ours.fit_on_texts(texts)
    return theirs, ours


def assert_same_state(theirs, ours):
    assert ours.word_index == theirs.word_index
    assert ours.index_word == theirs.index_word
    assert list(ours.word_counts.items()) == list(theirs.word_counts.items())
    assert ours.document_count == theirs.document_count


TOKENIZER_CASES = {
    "pets, num_words=10": ([PETS], dict(num_words=10)),
    "pets, num_words=10, oov": ([PETS], dict(num_words=10, oov_token="<unk>")),
    "texts then lists of words": ([PETS, WORD_LISTS], {}),
    "lists of words, oov": ([WORD_LISTS], dict(oov_token="<unk>")),
    "lists of words, not lowered": ([WORD_LISTS, PETS], dict(lower=False)),
    "awkward words in lists, then texts": ([AWKWARD_LISTS, PETS + ["a b x y the été"]], {}),
    "texts, then awkward lists": ([PETS, AWKWARD_LISTS, ["x,y a b"]], dict(oov_token="<unk>")),
    "unicode, num_words=5": ([TURKISH], dict(num_words=5)),
    "known words": ([KNOWN], {}),
    "known words, oov": ([KNOWN], dict(oov_token="<unk>")),
    "known words, num_words=3, oov": ([KNOWN], dict(num_words=3, oov_token="<unk>")),
    "known words, num_words=3": ([KNOWN], dict(num_words=3)),
    "num_words=0 keeps every word": ([PETS], dict(num_words=0)),
    "num_words=0, oov": ([PETS], dict(num_words=0, oov_token="<unk>")),
    "num_words=1, oov: all oov": ([PETS], dict(num_words=1, oov_token="<unk>")),
    "oov token that is also a word": ([["the oov oov word"]], dict(oov_token="oov", num_words=3)),
    "split on a word": ([["hello!stop?world!", "ali!stopveli?stopkırk"]], dict(split="stop")),
}


@pytest.mark.parametrize("name", list(TOKENIZER_CASES))
def test_tokenizer_gives_kerass_answers(Tokenizer, name):
    fits, options = TOKENIZER_CASES[name]
    theirs, ours = fitted_pair(Tokenizer, fits, **options)
    assert_same_state(theirs, ours)
    for texts in fits + [UNKNOWN, PETS, WORD_LISTS, AWKWARD_LISTS, [[], "", ["UNSEEN"]]]:
        expected = theirs.texts_to_sequences(texts)
        assert ours.texts_to_sequences(texts) == expected
        padded = [[0, 0] + ids for ids in expected]
        for sequences in (expected, padded, [[0, 1, 2, 3, 99, -1, 2.0, np.int64(3)]]):
            assert ours.sequences_to_texts(sequences) == theirs.sequences_to_texts(sequences)


def test_sequences_to_texts_writes_the_oov_token_for_padding(Tokenizer):
    """The case of the issue: with an oov_token, Keras decodes id 0 as that token."""
    theirs, ours = fitted_pair(Tokenizer, [KNOWN], oov_token="<unk>")
    assert ours.sequences_to_texts([[0, 0, 2]]) == theirs.sequences_to_texts([[0, 0, 2]])
    assert ours.sequences_to_texts([[0, 0, 2]]) == ["<unk> <unk> this"]
    assert WordTokenizer().fit_on_texts(KNOWN).sequences_to_texts([[0, 0, 1]]) == ["this"]


def test_fit_on_lists_of_words_counts_them_as_keras_does(Tokenizer):
    """The case of the issue: lists of words are taken as they are (only lower-cased)."""
    theirs, ours = fitted_pair(Tokenizer, [WORD_LISTS], lower=True)
    assert list(ours.word_counts.items()) == [
        ("the", 2),
        ("cat", 1),
        ("is", 2),
        ("sitting", 1),
        ("dog", 1),
        ("standing", 1),
    ]
    assert_same_state(theirs, ours)
    words = [["A", "b,c", "CAT"]]
    assert ours.texts_to_sequences(words) == theirs.texts_to_sequences(words)


def test_the_numpy_path_keeps_the_codes_of_words_no_text_can_make(Tokenizer):
    """Words from lists ("", "a b", "x,y") stay out of the byte buffer the texts are split in."""
    theirs, ours = fitted_pair(Tokenizer, [AWKWARD_LISTS, ["x,y a b " * 3 + "ÉTÉ été"]])
    assert_same_state(theirs, ours)
    texts = ["x,y a b été the", "zzz"]
    assert ours.texts_to_ragged(texts)[0].tolist() == sum(theirs.texts_to_sequences(texts), [])


def test_deliberate_difference_keras_only_features_are_absent(Tokenizer):
    for name in ("char_level", "analyzer"):
        with pytest.raises(TypeError, match=name):
            WordTokenizer(**{name: None})
        Tokenizer(**{name: None})
    for method in (
        "fit_on_sequences",
        "texts_to_matrix",
        "sequences_to_matrix",
        "to_json",
        "word_docs",
    ):
        assert hasattr(Tokenizer(), method) and not hasattr(WordTokenizer(), method)


def test_deliberate_difference_one_string_is_not_a_list_of_texts(Tokenizer):
    with pytest.raises(TypeError, match="got a single str; wrap it in a list"):
        WordTokenizer().fit_on_texts("the cat")
    keras_tokenizer = Tokenizer()
    keras_tokenizer.fit_on_texts("the cat")
    assert keras_tokenizer.document_count == 7  # one text per character


def test_deliberate_difference_converting_before_fitting_is_an_error(Tokenizer):
    with pytest.raises(ValueError, match="call fit_on_texts"):
        WordTokenizer(oov_token="<unk>").texts_to_sequences(["a b"])
    assert Tokenizer(oov_token="<unk>").texts_to_sequences(["a b"]) == [[None, None]]


def test_deliberate_difference_negative_num_words_is_an_error(Tokenizer):
    with pytest.raises(ValueError, match="num_words must be an integer >= 0"):
        WordTokenizer(num_words=-2, oov_token="<unk>")
    keras_tokenizer = Tokenizer(num_words=-2, oov_token="<unk>")
    keras_tokenizer.fit_on_texts(PETS)
    assert keras_tokenizer.texts_to_sequences(["the cat"]) == [[1, 1]]  # every word: the oov id
    with pytest.raises(ValueError, match="num_words must be an integer >= 0"):
        WordTokenizer(num_words=2.5)
    Tokenizer(num_words=2.5)


def test_deliberate_difference_the_oov_token_is_a_string(Tokenizer):
    with pytest.raises(TypeError, match="oov_token must be a string or None, got int"):
        WordTokenizer(oov_token=5)
    keras_tokenizer = Tokenizer(oov_token=5)
    keras_tokenizer.fit_on_texts(["a"])
    assert keras_tokenizer.word_index == {5: 1, "a": 2}


def test_deliberate_difference_items_that_are_not_text_are_named(Tokenizer):
    with pytest.raises(TypeError, match="item 1 is a NoneType"):
        WordTokenizer().fit_on_texts(["fine", None])
    with pytest.raises(AttributeError):
        Tokenizer().fit_on_texts(["fine", None])


# --------------------------------------------------------------------------- without Keras
# What the Keras team's tests assert, as facts, so that they are checked where Keras is absent too.


def test_pad_sequences_answers_the_upstream_tests_assert():
    rows = [[4], [4, 5], [4, 5, 6]]
    post = [[4, 0, 0], [4, 5, 0], [4, 5, 6]]
    assert pad_sequences(rows, maxlen=3, padding="post").tolist() == post
    assert pad_sequences(rows, maxlen=2, truncating="post").tolist() == [[0, 4], [4, 5], [4, 5]]
    assert pad_sequences(rows, maxlen=3, value=9).tolist() == [[9, 9, 4], [9, 4, 5], [4, 5, 6]]
    words = [["a"], ["a", "b"]]
    padded = pad_sequences(words, maxlen=2, value="-", dtype=object)
    assert padded.tolist() == [["-", "a"], ["a", "b"]]
    padded = pad_sequences(words, value="-", dtype="<U1", padding="post")
    assert padded.tolist() == [["a", "-"], ["a", "b"]]
    vectors = pad_sequences([[[1, 2]], [[3, 4], [5, 6], [7, 8]]], maxlen=2)
    assert vectors.tolist() == [[[0, 0], [1, 2]], [[5, 6], [7, 8]]]


def test_tokenizer_answers_the_upstream_tests_assert():
    ours = WordTokenizer().fit_on_texts(KNOWN)
    assert len(ours.texts_to_sequences(UNKNOWN)[0]) == 4  # "some", "unknown" dropped
    assert ours.sequences_to_texts(ours.texts_to_sequences(UNKNOWN)) == ["this text has words"]
    ours = WordTokenizer(oov_token="<unk>").fit_on_texts(KNOWN)
    assert len(ours.texts_to_sequences(UNKNOWN)[0]) == 6  # marked in place
    back = ours.sequences_to_texts(ours.texts_to_sequences(UNKNOWN))
    assert back == ["this text has <unk> <unk> words"]
    ours = WordTokenizer(num_words=3, oov_token="<unk>").fit_on_texts(KNOWN)
    back = ours.sequences_to_texts(ours.texts_to_sequences(UNKNOWN))
    assert back == ["this <unk> <unk> <unk> <unk> <unk>"]
    ours = WordTokenizer(num_words=3).fit_on_texts(KNOWN)
    assert ours.sequences_to_texts(ours.texts_to_sequences(UNKNOWN)) == ["this text"]
    ours = WordTokenizer(num_words=10, oov_token="<unk>").fit_on_texts(PETS)
    assert ours.sequences_to_texts(ours.texts_to_sequences(PETS)) == [
        "the cat sat on the mat",
        "the dog sat on the log",
        "dogs <unk> <unk> <unk> <unk>",
    ]
    assert len(WordTokenizer(num_words=5).fit_on_texts(TURKISH).word_counts) == 5
    ours = WordTokenizer().fit_on_texts(PETS).fit_on_texts(WORD_LISTS)
    assert ours.document_count == 5
    assert ours.word_counts["the"] == 6 and ours.word_counts["is"] == 2


def test_pad_sequences_messages_are_whole_and_string_dtypes_take_a_string_value():
    cases = [
        (
            "abc",
            "sequences must be a list of sequences, got a single str; to pad strings, pass a "
            "list of lists of strings and dtype=object",
        ),
        (
            [[1], "ab"],
            "sequences must hold sequences (lists or arrays); item 1 is a str ('ab'): to pad "
            "strings, give lists of strings",
        ),
        (
            [[1], 3],
            "sequences must hold sequences (lists or arrays); item 1 is a int (3): every item "
            "must be a list or an array",
        ),
    ]
    for sequences, message in cases:
        with pytest.raises(TypeError) as raised:
            pad_sequences(sequences)
        assert str(raised.value) == message
    with pytest.raises(ValueError) as raised:
        pad_sequences([[1]], value="x")
    assert str(raised.value) == (
        "value 'x' is a string, but dtype is int32: to pad with strings pass dtype=object (or a "
        "string dtype such as '<U10')"
    )
    for dtype in ("<U3", "S3", object):
        padded = pad_sequences([["a"], ["b", "c"]], maxlen=3, dtype=dtype, value="-")
        expected = np.array([["-", "-", "a"], ["-", "b", "c"]], dtype=dtype)
        assert padded.dtype == np.dtype(dtype) and np.array_equal(padded, expected)
