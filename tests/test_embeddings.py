"""labhelpers.embeddings: word2vec training, GloVe reading and the embedding matrix."""

import gzip
import subprocess
import sys

import numpy as np
import pytest

from labhelpers.data.reviews import make_review_corpus
from labhelpers.data.text import text_to_word_sequence
from labhelpers.embeddings import (
    WordVectors,
    embedding_matrix,
    read_glove,
    stable_hash,
    train_word2vec,
)

from conftest import says

GLOVE_LINES = ["the 0.1 0.2 -0.3", "film -1.5 2.0 0.25", "good 1e-3 4 5", "naïve 0 0 1"]


@pytest.fixture(scope="module")
def sentences():
    return [text_to_word_sequence(t) for t in make_review_corpus(300, seed=0)["review"]]


def test_word_vectors_look_up_and_compare():
    vectors = WordVectors(["a", "b", "c"], [[1, 0], [0.9, 0.1], [-1, 0]])
    assert vectors.dim == 2 and len(vectors) == 3 and "a" in vectors and "z" not in vectors
    np.testing.assert_array_equal(vectors["b"], np.float32([0.9, 0.1]))
    assert [w for w, _ in vectors.most_similar("a", 2)] == ["b", "c"]
    with pytest.raises(KeyError, match="'z' has no vector"):
        vectors.most_similar("z")
    with pytest.raises(ValueError, match=r"vectors must have shape \(len\(words\), dim\)"):
        WordVectors(["a"], [[1, 2], [3, 4]])
    with pytest.raises(ValueError, match="words must be distinct"):
        WordVectors(["a", "a"], [[1], [2]])


def test_stable_hash_does_not_depend_on_the_process():
    code = "from labhelpers.embeddings import stable_hash; print(stable_hash('good film'))"
    seen = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        ).stdout
        for seed in ("1", "2")
    }
    assert seen == {f"{stable_hash('good film')}\n"}


def test_word2vec_matches_gensim_and_is_reproducible(sentences):
    from gensim.models import Word2Vec

    ours = train_word2vec(sentences, vector_size=12, window=3, min_count=2, epochs=2, seed=7)
    direct = Word2Vec(
        sentences,
        vector_size=12,
        window=3,
        min_count=2,
        epochs=2,
        seed=7,
        workers=1,
        hashfxn=stable_hash,
    )
    assert ours.words == list(direct.wv.index_to_key)
    np.testing.assert_allclose(ours.vectors, direct.wv.vectors, rtol=1e-5, atol=1e-6)
    again = train_word2vec(sentences, vector_size=12, window=3, min_count=2, epochs=2, seed=7)
    np.testing.assert_array_equal(ours.vectors, again.vectors)
    assert "word2vec (CBOW, gensim)" in ours.source and ours.dim == 12


def test_word2vec_is_the_same_in_another_process(sentences):
    code = (
        "import sys; from labhelpers.embeddings import train_word2vec; "
        "from labhelpers.data.text import text_to_word_sequence;"
        "from labhelpers.data.reviews import make_review_corpus;"
        "s = [text_to_word_sequence(t) for t in make_review_corpus(300, seed=0)['review']];"
        "v = train_word2vec(s, vector_size=8, epochs=1, "
        "seed=3); sys.stdout.write(repr(v.vectors[:3].tolist()))"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        ).stdout
        for seed in ("11", "12")
    }
    assert len(runs) == 1


def test_word2vec_checks_its_input(sentences):
    with pytest.raises(TypeError, match="sentences must be a list of tokenized texts"):
        train_word2vec("a text")
    with pytest.raises(TypeError, match="item 0 is str"):
        train_word2vec(["not tokenized"])
    with pytest.raises(ValueError, match="sentences is empty"):
        train_word2vec([])
    with pytest.raises(ValueError, match="vector_size must be a positive integer"):
        train_word2vec(sentences, vector_size=0)
    with pytest.raises(ValueError, match="no word occurs at least min_count=50 times"):
        train_word2vec([["a", "b"]], min_count=50)


@pytest.mark.parametrize("compressed", [False, True])
@pytest.mark.parametrize("header", [False, True])
def test_read_glove_agrees_with_gensim(tmp_path, compressed, header):
    from gensim.models import KeyedVectors

    lines = (["4 3"] if header else []) + GLOVE_LINES
    path = tmp_path / ("glove.txt.gz" if compressed else "glove.txt")
    with (gzip.open if compressed else open)(path, "wt", encoding="utf-8") as file:
        file.write("\n".join(lines) + "\n")
    ours = read_glove(path)
    theirs = KeyedVectors.load_word2vec_format(str(path), binary=False, no_header=not header)
    assert ours.words == list(theirs.index_to_key)
    np.testing.assert_allclose(ours.vectors, theirs.vectors)
    kept = read_glove(path, vocabulary={"film": 5, "good": 2, "absent": 3})
    assert kept.words == ["film", "good"] and kept.dim == 3


def test_read_glove_names_the_bad_line(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text("a 1 2 3\nb 1 2\n")
    with pytest.raises(ValueError, match="line 2: 2 values, but the first vector has 3"):
        read_glove(path)
    path.write_text("a 1 2 3\nb 1 x 3\n")
    with pytest.raises(ValueError, match="line 2: the values after 'b' are not all numbers"):
        read_glove(path)
    path.write_text("")
    with pytest.raises(ValueError, match="holds no vectors"):
        read_glove(path)
    with pytest.raises(FileNotFoundError, match="GloVe path .* does not exist"):
        read_glove(tmp_path / "missing.txt")


def test_embedding_matrix_rows_follow_the_word_ids():
    vectors = WordVectors(["film", "good", "rare"], np.float32([[1, 2], [3, 4], [5, 6]]))
    word_index = {"<OOV>": 1, "the": 2, "film": 3, "good": 4, "rare": 9}
    matrix, found = embedding_matrix(word_index, vectors, num_words=6, seed=0)
    assert matrix.shape == (6, 2) and matrix.dtype == np.float32
    np.testing.assert_array_equal(matrix[0], [0, 0])
    np.testing.assert_array_equal(matrix[3], [1, 2])
    np.testing.assert_array_equal(matrix[4], [3, 4])
    # "rare" has id 9 >= num_words
    assert found.tolist() == [
        False,
        False,
        False,
        True,
        True,
        False,
    ]
    assert np.all(matrix[[1, 2, 5]] != 0)  # random rows, not zeros
    again, _ = embedding_matrix(word_index, vectors, num_words=6, seed=0)
    np.testing.assert_array_equal(matrix, again)
    big = WordVectors(
        [f"w{i}" for i in range(500)], np.random.default_rng(0).normal(2.0, 3.0, (500, 4))
    )
    filled, found = embedding_matrix({}, big, num_words=2000)
    assert not found.any() and abs(filled[1:].mean() - big.vectors.mean()) < 0.2
    assert abs(filled[1:].std() - big.vectors.std()) < 0.2


def test_embedding_matrix_checks_its_arguments():
    vectors = WordVectors(["a"], [[1.0]])
    with pytest.raises(ValueError, match="num_words must be a positive integer"):
        embedding_matrix({"a": 1}, vectors, num_words=0)
    with pytest.raises(TypeError, match="vectors must be WordVectors"):
        embedding_matrix({"a": 1}, {"a": [1.0]}, num_words=3)


# ---------------------------------------------------------------- closing mutants (issue 13)


def test_most_similar_is_cosine_similarity_ranked_stably_without_the_word_itself():
    rng = np.random.default_rng(0)
    base = rng.normal(size=(5, 3))
    rows = np.concatenate([base[rng.integers(0, 5, 40)], np.zeros((1, 3))])  # ties, a zero vector
    words = [f"w{i}" for i in range(len(rows))]
    vectors = WordVectors(words, rows)
    stored = vectors.vectors.astype(np.float64)
    for word in ("w0", "w40"):
        query = stored[vectors.index[word]]
        scores = {}
        for other, row in zip(words, stored):
            if other != word:
                norms = (np.linalg.norm(row) or 1.0) * (np.linalg.norm(query) or 1.0)
                scores[other] = float(row @ query) / norms
        ranked = sorted(scores, key=lambda w: (-scores[w], words.index(w)))
        got = vectors.most_similar(word, 12)
        assert [w for w, _ in got] == ranked[:12]
        np.testing.assert_allclose(
            [s for _, s in got], [scores[w] for w in ranked[:12]], rtol=1e-5, atol=1e-6
        )
        assert len(vectors.most_similar(word)) == 5  # n = 5 by default
    # asked for more words than there are: every other word, never the word itself
    assert vectors.most_similar("w1", 100)[-1][0] != "w1"
    assert [w for w, _ in WordVectors(["a", "b"], [[1, 0], [1, 1]]).most_similar("a")] == ["b"]


def glove_file(tmp_path, lines, name="vectors.txt"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_read_glove_keeps_number_words_blank_lines_and_one_value_vectors(tmp_path):
    lines = ["2 1", "1999 0.5", "", "a\u00a0b -1", "the 2  ", "", "end 3"]
    read = read_glove(glove_file(tmp_path, lines))
    # word2vec header skipped, blank lines skipped (not the end), trailing spaces ignored,
    # a word with a non-breaking space kept whole (only " " separates fields)
    assert read.words == ["1999", "a\u00a0b", "the", "end"]
    np.testing.assert_array_equal(read.vectors, np.float32([[0.5], [-1], [2], [3]]))
    assert read.source == "GloVe file vectors.txt: 4 words, dimension 1"
    numbers = read_glove(glove_file(tmp_path, ["100 1 2", "7 3 4"], "numbers.txt"))
    assert numbers.words == ["100", "7"]  # a first line of three numbers is a vector
    none = read_glove(glove_file(tmp_path, GLOVE_LINES, "none.txt"), vocabulary=["absent"])
    assert none.words == [] and none.vectors.shape == (0, 3) and none.vectors.dtype == np.float32
    assert none.source == "GloVe file none.txt: 0 words, dimension 3"


def test_read_glove_messages_name_the_file_and_line(tmp_path):
    missing = tmp_path / "missing.txt"
    with pytest.raises(
        FileNotFoundError,
        match=says(
            f"GloVe path {str(missing)!r} does not exist", "glove.6B.100d.txt", "glove_path empty"
        ),
    ):
        read_glove(missing)
    long_word = "x" * 70
    path = glove_file(tmp_path, ["the 1 2", long_word])
    with pytest.raises(
        ValueError,
        match=says(
            f"{path} line 2", "a word and its values", f"got {(long_word + chr(10))[:60]!r}"
        ),
    ):
        read_glove(path)
    path = glove_file(tmp_path, ["the 1 2 X"], "stray.txt")
    with pytest.raises(ValueError, match=says(f"{path} line 1", "after 'the'", "not all numbers")):
        read_glove(path)
    path = tmp_path / "latin1.txt"
    path.write_bytes("caf\u00e9 1 2\n".encode("latin-1"))
    with pytest.raises(UnicodeDecodeError):  # strict UTF-8: no silently mangled words
        read_glove(path)


def test_embedding_matrix_draws_the_other_rows_from_the_known_vectors_statistics():
    vectors = WordVectors(
        ["one", "last", "pad", "beyond"], np.float32([[1, 2], [3, 5], [7, 7], [0, 1]])
    )
    word_index = {"pad": 0, "one": 1, "last": 5, "beyond": 6, "unknown": 2}
    matrix, found = embedding_matrix(word_index, vectors, num_words=6)  # seed 0 by default
    stored = vectors.vectors
    expected = (
        np.random.default_rng(0)
        .normal(float(stored.mean()), float(stored.std()), size=(6, 2))
        .astype(np.float32)
    )
    expected[0] = 0.0  # padding stays zero even when a word claims id 0
    expected[1], expected[5] = stored[0], stored[1]
    np.testing.assert_array_equal(matrix, expected)
    assert found.dtype == bool and found.tolist() == [False, True, False, False, False, True]


@pytest.mark.parametrize(
    "rows, mean, std",
    [
        (np.zeros((0, 3)), 0.0, 0.1),  # no vectors at all: N(0, 0.1)
        (np.full((2, 3), 0.5), 0.5, 0.1),  # no spread: N(mean, 0.1)
    ],
)
def test_embedding_matrix_without_statistics_falls_back_to_a_small_spread(rows, mean, std):
    words = [f"w{i}" for i in range(len(rows))]
    matrix, _ = embedding_matrix({}, WordVectors(words, rows), num_words=4, seed=3)
    expected = np.random.default_rng(3).normal(mean, std, size=(4, 3)).astype(np.float32)
    expected[0] = 0.0
    np.testing.assert_array_equal(matrix, expected)


def test_embedding_matrix_message_names_the_wrong_type():
    with pytest.raises(
        TypeError,
        match=says("vectors", "WordVectors", "train_word2vec or read_glove", "got dict"),
    ):
        embedding_matrix({"a": 1}, {"a": [1.0]}, num_words=3)


def test_word2vec_defaults_and_skip_gram_are_gensims(sentences):
    from collections import Counter

    from gensim.models import Word2Vec

    texts = sentences[:40]
    ours = train_word2vec(texts)
    direct = Word2Vec(texts, vector_size=100, window=5, min_count=2, epochs=5, seed=0, workers=1)
    counts = Counter(word for text in texts for word in text)
    assert set(ours.words) == {word for word, n in counts.items() if n >= 2}
    assert ours.words == list(direct.wv.index_to_key)
    np.testing.assert_allclose(ours.vectors, direct.wv.vectors, rtol=1e-5, atol=1e-6)
    skip = train_word2vec(texts, vector_size=6, epochs=1, skip_gram=True, seed=2)
    direct = Word2Vec(texts, vector_size=6, epochs=1, sg=1, seed=2, workers=1, min_count=2)
    np.testing.assert_allclose(skip.vectors, direct.wv.vectors, rtol=1e-5, atol=1e-6)
    assert skip.source == (
        f"word2vec (skip-gram, gensim), {len(skip.words)} words, dimension 6, trained on 40 texts"
    )


def test_word2vec_messages_name_the_argument_and_the_fix():
    with pytest.raises(
        TypeError,
        match=says("sentences", "list of tokenized texts", "got a string"),
    ):
        train_word2vec("a b c")
    with pytest.raises(ValueError, match=says("sentences", "empty")):
        train_word2vec([])
    with pytest.raises(
        TypeError,
        match=says("sentences", "item 1 is str", "Tokenize first", "text_to_word_sequence"),
    ):
        train_word2vec([["a"], "b c"])
    for name in ("vector_size", "window", "min_count", "epochs", "workers"):
        with pytest.raises(ValueError, match=says(name, "positive integer", "got 0")):
            train_word2vec([["a", "a"]], **{name: 0})


def test_vectors_that_share_no_word_are_refused_before_any_conclusion():
    from labhelpers.embeddings import require_coverage

    words = ["alpha", "beta"]
    vectors = WordVectors(words, np.ones((2, 3), dtype=np.float32), source="glove.txt")
    _, found = embedding_matrix({"film": 1, "good": 2}, vectors, num_words=3)
    with pytest.raises(ValueError, match=r"\(glove.txt\): none of the 2 words .*glove_path"):
        require_coverage(found, vectors.source)
    _, found = embedding_matrix({"alpha": 1, "good": 2}, vectors, num_words=3)
    require_coverage(found, vectors.source)  # one word is enough to be used
