"""labhelpers.embeddings: word2vec training, GloVe reading and the embedding matrix."""

import gzip
import subprocess
import sys

import numpy as np
import pytest

from labhelpers.data.reviews import make_review_corpus
from labhelpers.embeddings import (
    WordVectors,
    embedding_matrix,
    read_glove,
    stable_hash,
    train_word2vec,
)
from labhelpers.text import text_to_word_sequence

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
        "from labhelpers.text import text_to_word_sequence;"
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
