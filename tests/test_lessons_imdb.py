"""Lessons 7-9 (IMDB): the checks behind the lessons' corrected claims.

Each test guards a statement the notebooks make from a measurement: the
record's accuracy line fails, Keras's sigmoid + binary cross-entropy is the
logits loss, the gradient norm by lag is the gradient.
"""

import contextlib
import gzip
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import torch

from labhelpers import noise
from labhelpers.base.runtime import still_running
from labhelpers.lessons.imdb_rnn import (
    baseline_sentence,
    fit_sentence,
    gradient_sentence,
    record_accuracy_line,
    selection_sentence,
    steps_table,
)


def test_the_records_accuracy_line_as_written_raises_on_a_batch_of_64():
    predicted = (torch.rand(64) > 0.5).float()
    y_batch = (torch.rand(64) > 0.5).float()
    with pytest.raises(RuntimeError, match="a Tensor with 64 elements cannot be converted"):
        (predicted == y_batch.sum()).item()  # the record's line
    # one review per batch is the only case it runs
    assert (predicted[:1] == y_batch[:1].sum()).item() in (True, False)


def test_the_variant_that_runs_counts_predictions_equal_to_the_count_of_positives():
    output = torch.tensor([0.9, 0.2, 0.8, 0.1])  # predicted 1, 0, 1, 0
    target = torch.tensor([0.0, 1.0, 0.0, 0.0])  # one positive: predictions equal to 1 count
    assert int(record_accuracy_line(output, target)) == 2


LAST_WORDS = "The gradient of the output with respect to the word 99 steps before the end"


@pytest.mark.parametrize(
    ("far", "expected"),
    [
        (0.0, "is exactly zero (it underflows in float32), while the last word's is 2.00e-01:"),
        (2e-5, "is 1.0e+04 times smaller than with respect to the last word: through"),
        (0.25, "is about as large as with respect to the last word (1.25 times it):"),
        (0.2, "is about as large as with respect to the last word (1.00 times it):"),
        (3.0, "is 1.5e+01 times larger than with respect to the last word: a small"),
    ],
    ids=["zero", "smaller", "about-equal-above", "equal", "larger"],
)
def test_the_gradient_sentence_reads_right_in_every_branch(far, expected):
    """Lesson 7 printed 'is zero (it underflows in float32) than with respect to the
    last word' on generated reviews: each branch is now a whole sentence of its own."""
    sentence = gradient_sentence(99, far, 0.2)
    assert sentence.startswith(LAST_WORDS + " " + expected)
    assert " than with" not in sentence or "times" in sentence
    assert "zero) than" not in sentence and sentence.endswith(".")
    if far == 0:
        assert "does not move the output at all" in sentence
    elif far < 0.1:
        assert "moves the output 1.0e+04 times less than" in sentence
    elif far > 0.4:
        assert "moves the output more than the same change to the last" in sentence
    else:
        assert "moves the output about as much as" in sentence


def test_the_gradient_sentence_refuses_a_last_word_without_gradient():
    with pytest.raises(ValueError, match="nothing to compare with"):
        gradient_sentence(10, 0.0, 0.0)
    with pytest.raises(ValueError, match="finite and at least 0"):
        gradient_sentence(10, float("nan"), 1.0)


def test_the_steps_table_gives_each_change_its_standard_error_and_verdict():
    steps = [
        ("0 record", "as run", "last (5)", noise.binomial(0.70, 2500)),
        ("1 + split", "held out", 3, noise.binomial(0.71, 2500)),  # +1 point: within noise
        ("2 + tokenizer", "train only", 4, noise.binomial(0.80, 2500)),  # +9: above
        ("3 + logits", "logit", 2, noise.binomial(0.74, 2500)),  # -6: below
    ]
    table = steps_table(steps)
    assert list(table.columns) == [
        "what changed",
        "epoch kept",
        "test accuracy (%)",
        "±",
        "change (points)",
        "verdict",
    ]
    assert table["verdict"].tolist() == ["", "within noise", "above", "below"]
    assert table.loc["1 + split", "change (points)"] == "+1.00 ± 1.29"
    assert table.loc["0 record", "±"] == pytest.approx(100 * (0.7 * 0.3 / 2500) ** 0.5)
    with pytest.raises(ValueError, match="at least one step"):
        steps_table([])


@pytest.mark.parametrize(
    ("baseline", "expected"),
    [
        (0.85, "The bag-of-words baseline beats the RNN by 10.00"),
        (0.755, "The bag-of-words baseline and the RNN are within noise of each other"),
        (0.60, "The bag-of-words baseline is worse than the RNN by 15.00"),
    ],
    ids=["above", "within-noise", "below"],
)
def test_the_baseline_sentence_reads_right_in_every_branch(baseline, expected):
    sentence = baseline_sentence(noise.binomial(baseline, 2000), noise.binomial(0.75, 2000))
    assert sentence.startswith(expected)
    follow = {
        "above": "does not make up",
        "within-noise": "no measurable advantage",
        "below": "do not give the baseline",
    }
    side = noise.verdict(noise.binomial(baseline, 2000), noise.binomial(0.75, 2000))
    assert follow[side.replace(" ", "-")] in sentence


@pytest.mark.parametrize(
    ("train", "expected"),
    [
        (0.95, "The model fits the training reviews more closely than new ones"),
        (0.81, "The run shows no overfitting yet"),
        (0.60, "Validation accuracy is above training accuracy"),
    ],
    ids=["above", "within-noise", "below"],
)
def test_the_fit_sentence_reads_right_in_every_branch(train, expected):
    sentence = fit_sentence(noise.binomial(train, 4000), noise.binomial(0.80, 1000), 5, 3)
    assert sentence.startswith(expected)
    assert "(3 of 5; gap" in sentence


def test_the_selection_sentence_reads_right_when_the_last_epoch_is_best_or_not():
    assert selection_sentence([0.60, 0.62, 0.6132]) == (
        "Here the highest test accuracy over the epochs was 62.00% (epoch 2) against "
        "61.32% after the last epoch (3): a figure chosen on the test curve reads "
        "0.68 points higher."
    )
    assert selection_sentence([0.60, 0.6132]) == (
        "Here the last epoch (2) also had the highest test accuracy (61.32%), so in this "
        "run the choice and the last epoch coincide."
    )
    with pytest.raises(ValueError, match="one test accuracy per epoch"):
        selection_sentence([])


def test_a_keras_sigmoid_output_trains_on_the_logits_loss(keras):
    """Lesson 8: Dense(1, sigmoid) + binary_crossentropy in model.evaluate gives the
    logits loss at z = 120 (120), not the clipped probability's (-log(1e-7) = 16.12)."""
    model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy")
    model.layers[0].set_weights([np.array([[120.0]], np.float32), np.zeros(1, np.float32)])
    loss = model.evaluate(np.ones((1, 1), np.float32), np.zeros((1, 1)), verbose=0)
    np.testing.assert_allclose(loss, 120.0, rtol=1e-6)
    clipped = -np.log(keras.config.epsilon())
    assert abs(loss - clipped) > 100


def test_gradient_by_position_equals_finite_differences(keras):
    """Lesson 8: the gradient norm by lag is ||dz/de_t||, z the logit before the sigmoid."""
    from labhelpers.lessons.keras_imdb import build_review_classifier, gradient_by_position

    keras.utils.set_random_seed(0)
    model = build_review_classifier("simple_rnn", 20, 3, 4, maxlen=5, dropout=0.0)
    ids = np.array([[3, 5, 7, 2, 9], [0, 0, 4, 11, 6]], dtype="int32")
    ours = gradient_by_position(model, ids)

    embedding, recurrent, dense = model.layers
    kernel, bias = (np.asarray(w, np.float64) for w in dense.get_weights())

    def logit(e):
        h = np.asarray(recurrent(e.astype(np.float32)), np.float64)
        return (h @ kernel + bias).ravel()

    e0 = np.asarray(embedding(ids), np.float64)
    step = 1e-2
    grad = np.zeros_like(e0)
    for t in range(e0.shape[1]):
        for k in range(e0.shape[2]):
            up, down = e0.copy(), e0.copy()
            up[:, t, k] += step
            down[:, t, k] -= step
            grad[:, t, k] = (logit(up) - logit(down)) / (2 * step)
    expected = np.linalg.norm(grad, axis=2).mean(axis=0)
    np.testing.assert_allclose(ours, expected, rtol=2e-3, atol=1e-6)


# ---------------------------------------------------------------- lesson 9: GloVe through gensim


@contextlib.contextmanager
def server_that_never_answers():
    """A local HTTP address that accepts connections and never replies: its port."""
    server = socket.create_server(("127.0.0.1", 0))
    held = []

    def accept():
        with contextlib.suppress(OSError):
            while True:
                held.append(server.accept()[0])

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield server.getsockname()[1]
    finally:
        server.close()
        for connection in held:
            connection.close()


@pytest.fixture
def gensim_downloader(tmp_path, monkeypatch):
    downloader = pytest.importorskip("gensim.downloader", reason="gensim is not installed")
    monkeypatch.setattr(downloader, "BASE_DIR", str(tmp_path / "gensim-data"))
    return downloader


def test_download_glove_gives_up_at_its_timeout_when_the_network_never_answers(
    gensim_downloader, monkeypatch
):
    from labhelpers import embeddings

    with server_that_never_answers() as port:
        # gensim's downloader first fetches its list of models, with no timeout
        monkeypatch.setattr(
            gensim_downloader,
            "urlopen",
            lambda url: urllib.request.urlopen(f"http://127.0.0.1:{port}/list.json"),
        )
        started = time.perf_counter()
        vectors, why = embeddings.download_glove("glove-test-1", timeout=1.0)
        waited = time.perf_counter() - started
    thread = still_running("gensim glove-test-1")
    if thread is not None:
        thread.join(30)  # the server is closed: the call left running ends
    assert vectors is None
    assert why.startswith("gensim's downloader gave no answer within 1 s"), why
    assert 1.0 <= waited < 10


def test_download_glove_offline_fails_fast_with_the_reason(gensim_downloader, monkeypatch):
    from labhelpers.embeddings import download_glove

    def no_network(url):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(gensim_downloader, "urlopen", no_network)
    started = time.perf_counter()
    vectors, why = download_glove("glove-test-2", timeout=60)
    assert vectors is None and time.perf_counter() - started < 5
    assert why.startswith("gensim could not download glove-test-2 (no network?)"), why


def test_download_glove_reads_gensims_cache_without_the_network(gensim_downloader, monkeypatch):
    from labhelpers.embeddings import download_glove

    monkeypatch.setattr(
        gensim_downloader, "urlopen", lambda url: pytest.fail("the network was used")
    )
    folder = Path(gensim_downloader.BASE_DIR) / "glove-test-3"
    folder.mkdir(parents=True)
    with gzip.open(folder / "glove-test-3.gz", "wt") as file:  # word2vec text format
        file.write("3 2\ngood 1.0 0.5\nbad -1.0 0.25\nfilm 0.0 2.0\n")
    vectors, how = download_glove("glove-test-3", vocabulary=["good", "film"], timeout=5)
    assert how.startswith("read from gensim's cache")
    assert vectors.words == ["good", "film"]
    np.testing.assert_array_equal(vectors.vectors, [[1.0, 0.5], [0.0, 2.0]])
    assert vectors.source.startswith("GloVe glove-test-3 (2 words, dimension 2)")


def test_download_glove_rejects_a_timeout_that_is_not_positive():
    from labhelpers.embeddings import download_glove

    with pytest.raises(ValueError, match="timeout must be a positive number of seconds"):
        download_glove(timeout=0)


# ---------------------------------------------------------------- lesson 8: its generated reviews


def test_long_range_reviews_open_with_cues_of_the_label_at_every_distance_from_the_end(keras):
    from labhelpers.data.reviews import (
        NEGATIVE_WORDS,
        POSITIVE_WORDS,
        RARE_NEGATIVE_WORDS,
        RARE_POSITIVE_WORDS,
    )
    from labhelpers.lessons.keras_imdb import long_range_reviews, steps_after_last_cue

    positive, negative = POSITIVE_WORDS + RARE_POSITIVE_WORDS, NEGATIVE_WORDS + RARE_NEGATIVE_WORDS
    data = long_range_reviews(400, seed=3)
    assert data.source == "synthetic" and not data.is_imdb
    assert len(data.x_train) == len(data.x_test) == 200
    distances = []
    for ids, label in zip(data.x_train, data.y_train):
        words = data.decode(ids).split()
        cues = [i for i, w in enumerate(words) if w in positive + negative]
        assert 1 <= len(cues) <= 4, words  # one or two cue sentences, no negation
        assert all((words[i] in positive) == bool(label) for i in cues), words
        distances.append(len(words) - 1 - cues[-1])
    # a test review's rare sentiment word may be missing from the training reviews' word index
    for ids, label in zip(data.x_test, data.y_test):
        words = data.decode(ids).split()
        assert all((w in positive) == bool(label) for w in words if w in positive + negative)
    # reviews that end on a cue and reviews whose cue sits many sentences back
    assert min(distances) == 0 and max(distances) >= 60
    assert np.mean(data.y_train) == pytest.approx(0.5, abs=0.1)
    # steps_after_last_cue reads the same distances from the padded ids
    padded = np.zeros((len(data.x_train), 300), dtype=np.int64)
    for row, ids in zip(padded, data.x_train):
        row[-len(ids) :] = ids
    assert steps_after_last_cue(data, padded).tolist() == distances


def test_steps_after_last_cue_is_minus_one_where_the_cues_were_cut_away(keras):
    from labhelpers.lessons.keras_imdb import long_range_reviews, steps_after_last_cue

    data = long_range_reviews(40, seed=1)
    no_cue = np.full((1, 5), data.word_index["the"] + data.index_from)
    assert steps_after_last_cue(data, no_cue).tolist() == [-1]


def test_accuracy_by_distance_groups_the_reviews_and_gives_each_group_its_binomial_error(keras):
    from labhelpers import noise
    from labhelpers.lessons.keras_imdb import accuracy_by_distance, nearest_and_farthest

    steps = np.array([0, 3, 9, 10, 29, 75, 80, 200])
    right = np.array([1, 1, 0, 1, 0, 0, 1, 0], dtype=bool)
    rows = accuracy_by_distance(steps, {"LSTM": right, "SimpleRNN": ~right})
    assert [(label, n) for label, n, _ in rows] == [("0-9", 3), ("10-29", 2), ("60 or more", 3)]
    assert rows[0][2]["LSTM"] == noise.binomial(2 / 3, 3)
    assert rows[2][2]["SimpleRNN"] == noise.binomial(2 / 3, 3)
    assert nearest_and_farthest(rows) == {
        "n_near_cue": 3,
        "n_far_cue": 3,
        "lstm_near_cue_accuracy": 2 / 3,
        "simple_rnn_near_cue_accuracy": 1 / 3,
        "lstm_far_cue_accuracy": 1 / 3,
        "simple_rnn_far_cue_accuracy": 2 / 3,
    }
    assert nearest_and_farthest([]) == {}


def test_the_distance_sentence_reads_right_in_every_branch(keras):
    from labhelpers import noise
    from labhelpers.lessons.keras_imdb import distance_sentence

    near = ("0-9", 500, {"A": noise.binomial(0.9, 500), "B": noise.binomial(0.89, 500)})
    far = ("60 or more", 400, {"A": noise.binomial(0.9, 400), "B": noise.binomial(0.5, 400)})
    both = distance_sentence([near, far], "A", "B")
    assert both.startswith("On the 500 test reviews whose last cue lies 0-9 words from the end")
    assert "the A and the B are within noise of each other" in both
    far_part = "On the 400 test reviews whose last cue lies 60 or more words from the end, the A "
    assert far_part in both
    assert "the A beats the B by 40.00" in both
    assert distance_sentence([near], "A", "B").count("On the") == 1
    assert distance_sentence([], "A", "B") == "No test review holds a cue the models could read."


# ---------------------------------------------------------------- the notebooks' text

LESSONS = ("07_imdb_rnn_pytorch", "08_imdb_keras", "09_imdb_embeddings")
NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


@pytest.mark.parametrize("name", LESSONS)
def test_the_lessons_maths_uses_the_notation_pages_names(name):
    """book/theory.md: W_in, W_hh, b, W_g, b_g; not the records' U, W_ih or w^T h + b_out."""
    source = (NOTEBOOKS / f"{name}.py").read_text(encoding="utf-8")
    for other in (
        r"(?<![\w`'\"-])U(?![\w`'\"-])",  # U alone: the records' recurrent matrix
        r"U_\{",
        r"W_\{ih\}",
        r"w\^\\top h",
        r"b_\{out\}",
    ):
        assert not re.search(other, source), f"{name} writes {other}"


@pytest.mark.parametrize("name", LESSONS)
def test_every_lesson_ends_with_questions_and_collapsed_answers_before_the_lab_report(name):
    source = (NOTEBOOKS / f"{name}.py").read_text(encoding="utf-8")
    questions = source.index("# ## Questions")
    report = source.index('# %% tags=["lab-report"]')
    # the answers: a static <details> cell or a generated one (labhelpers.report.answers)
    starts = [
        source.find(marker, questions)
        for marker in ("# <details>\n# <summary>Answers", "Markdown(answers(")
    ]
    answers = min(start for start in starts if start >= 0)
    assert questions < answers < report
    assert ":::{admonition}" not in source and ":class: dropdown" not in source
    block = source[questions:answers]
    asked = [line for line in block.splitlines() if re.match(r"# \d+\. ", line)]
    assert len(asked) >= 12, asked  # issue 25: at least 12 questions per lesson
    tries = [line for line in block.splitlines() if line.startswith("# - `-p ")]
    assert 2 <= len(tries) <= 3, tries


@pytest.mark.parametrize(
    "n_train, fraction, smallest",
    [(1, 0.2, 3), (2, 0.2, 3), (1, 0.5, 2), (4, 0.9, 5)],
)
def test_lesson_5_refuses_a_sample_with_an_empty_split(n_train, fraction, smallest):
    from labhelpers.lessons.imdb_rnn import check_split_sizes

    with pytest.raises(ValueError, match=rf"n_train={n_train} .*at least {smallest}, or 0"):
        check_split_sizes(n_train, fraction)
    n_val = round(fraction * smallest)  # the suggestion itself works
    assert 1 <= n_val < smallest
    check_split_sizes(smallest, fraction)
    check_split_sizes(0, fraction)
