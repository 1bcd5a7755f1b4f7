"""Lesson 6 only: the Keras review classifiers of lab
records 001 and 002, and callbacks that measure them.

This module imports Keras (and so TensorFlow) at its top, through
:func:`labhelpers.runtime.import_keras`. The torch side of the IMDB lessons is
:class:`labhelpers.models.ReviewRNN`.
"""

from __future__ import annotations

import time

import numpy as np

from ..checks import one_of, positive_int, positive_ints
from ..data.imdb import KerasImdb, KerasLoadArgs, generated_in_keras_format
from ..data.reviews import make_review_corpus
from ..report import epoch_line
from ..runtime import import_keras

keras = import_keras("labhelpers.lessons.keras_imdb (lesson 6, IMDB with Keras)")

RECURRENT_LAYERS = {
    "simple_rnn": keras.layers.SimpleRNN,
    "lstm": keras.layers.LSTM,
    "gru": keras.layers.GRU,
}


def build_review_classifier(
    cell: str,
    num_words: int,
    embedding_dim: int,
    units: int,
    *,
    maxlen: int | None = None,
    dropout: float = 0.2,
    recurrent_dropout: float = 0.0,
    learning_rate: float = 0.001,
) -> keras.Model:
    """Embedding(num_words, embedding_dim) ->
    SimpleRNN/LSTM/GRU(units) -> Dense(1, sigmoid), compiled.

    The records' models (E2): binary cross-entropy, Adam, accuracy. Input ids
    of shape (batch, maxlen); output shape (batch, 1), the probability that the
    review is positive. ``dropout`` drops inputs of the recurrent layer,
    ``recurrent_dropout`` drops its hidden state between steps.
    """
    one_of("cell", cell, sorted(RECURRENT_LAYERS))
    positive_ints(num_words=num_words, embedding_dim=embedding_dim, units=units)
    for name, value in (("dropout", dropout), ("recurrent_dropout", recurrent_dropout)):
        if not 0 <= value < 1:
            raise ValueError(f"{name} must lie in [0, 1), got {value!r}")
    model = keras.Sequential(
        [
            keras.Input(shape=(maxlen,), dtype="int32"),
            keras.layers.Embedding(int(num_words), int(embedding_dim)),
            RECURRENT_LAYERS[cell](
                int(units), dropout=dropout, recurrent_dropout=recurrent_dropout
            ),
            keras.layers.Dense(1, activation="sigmoid"),
        ],
        name=cell,
    )
    model.compile(
        loss="binary_crossentropy",
        optimizer=keras.optimizers.Adam(learning_rate),
        metrics=["accuracy"],
    )
    return model


class StepTimer(keras.callbacks.Callback):
    """Seconds of every training step (``step_seconds``) and of every epoch (``epoch_seconds``).

    A step is one batch: forward, backward and the optimizer update. The first
    step of a run also builds the graph; :meth:`seconds_per_step` leaves it out.
    """

    def on_train_begin(self, logs=None):
        self.step_seconds: list[float] = []
        self.epoch_seconds: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_started = time.perf_counter()

    def on_train_batch_begin(self, batch, logs=None):
        self._step_started = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.step_seconds.append(time.perf_counter() - self._step_started)

    def on_epoch_end(self, epoch, logs=None):
        self.epoch_seconds.append(time.perf_counter() - self._epoch_started)

    def seconds_per_step(self) -> float:
        """Median seconds per training step, the first (graph-building) step left out."""
        steps = self.step_seconds[1:] or self.step_seconds
        return float(np.median(steps))


class EpochLog(keras.callbacks.Callback):
    """One plain line per epoch, in the format of
    ``labhelpers.training.fit`` (timings as ``1.23 s``)."""

    def __init__(self, epochs: int):
        super().__init__()
        self.epochs = epochs

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        shown = {
            key: logs[key]
            for key in ("loss", "accuracy", "val_loss", "val_accuracy")
            if key in logs
        }
        print(epoch_line(epoch + 1, self.epochs, shown, time.perf_counter() - self._started))


class ValidationPredictions(keras.callbacks.Callback):
    """The model's probabilities on ``x_val`` after every
    epoch: ``predictions[e]`` has shape (len(x_val),)."""

    def __init__(self, x_val: np.ndarray, batch_size: int = 256):
        super().__init__()
        self.x_val, self.batch_size = x_val, batch_size
        self.predictions: list[np.ndarray] = []

    def on_epoch_end(self, epoch, logs=None):
        # Called directly rather than with model.predict, which would trace one more graph.
        parts = [
            np.asarray(self.model(self.x_val[i : i + self.batch_size], training=False)).reshape(-1)
            for i in range(0, len(self.x_val), self.batch_size)
        ]
        self.predictions.append(np.concatenate(parts) if parts else np.zeros(0, np.float32))


def history_of(
    history: keras.callbacks.History, timer: StepTimer | None = None
) -> dict[str, list[float]]:
    """A Keras ``History`` as the dict that
    :func:`labhelpers.plots.plot_history` draws (plus ``seconds``)."""
    result = {key: [float(v) for v in values] for key, values in history.history.items()}
    if timer is not None:
        result["seconds"] = list(timer.epoch_seconds)
    return result


def flip_rates(predictions: list[np.ndarray]) -> np.ndarray:
    """Share of reviews whose predicted class (p > 0.5) changes
    from one epoch to the next; shape (epochs - 1,)."""
    classes = [p > 0.5 for p in predictions]
    return np.array([np.mean(a != b) for a, b in zip(classes[:-1], classes[1:])])


def gradient_by_position(model: keras.Model, ids: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Gradient norm by lag: mean over reviews of ||dz/de_t|| for each position t.

    ``model`` is one of :func:`build_review_classifier`'s models (Embedding,
    recurrent layer, Dense); ``ids`` has shape (n, maxlen); returns shape
    (maxlen,). z is the logit W_g h_T + b_g (before the sigmoid), e_t the
    embedding of the word at position t; the last position is read last.
    """
    import tensorflow as tf

    embedding, recurrent, dense = model.layers
    total = np.zeros(ids.shape[1])
    for start in range(0, len(ids), batch_size):
        embedded = embedding(ids[start : start + batch_size])
        with tf.GradientTape() as tape:
            tape.watch(embedded)
            h_last = recurrent(embedded, training=False)
            z = tf.reduce_sum(tf.matmul(h_last, dense.kernel) + dense.bias)
        grad = tape.gradient(z, embedded)
        total += tf.norm(grad, axis=2).numpy().astype(np.float64).sum(axis=0)
    return total / len(ids)


def long_range_reviews(
    n_reviews: int,
    *,
    num_words: int | None = None,
    seed: int = 0,
    tail_sentences: tuple[int, int] = (2, 8),
    fallback_reason: str | None = None,
) -> KerasImdb:
    """Generated reviews whose label is one word far from the end, in the ``keras.datasets.imdb``
    format: lesson 6's stand-in for IMDB.

    Each review (:func:`labhelpers.data.reviews.make_review_corpus`, no
    negation, no mixed reviews) holds one cue sentence with a sentiment word,
    followed by ``tail_sentences`` neutral sentences: a model that reads the
    review to its end must carry that one word across the tail. The first half
    is the training part (its word index is fitted on it), the second the test
    part. ``fallback_reason`` says why IMDB is not used.
    """
    positive_int("n_reviews", n_reviews)
    frame = make_review_corpus(
        int(n_reviews),
        seed=seed,
        negation_rate=0.0,
        mixed_rate=0.0,
        tail_sentences=tail_sentences,
    )
    labels = (frame["sentiment"] == "positive").to_numpy().astype(np.int64)
    half = len(frame) // 2
    low, high = tail_sentences
    return generated_in_keras_format(
        frame["review"].iloc[:half].tolist(),
        frame["review"].iloc[half:].tolist(),
        labels[:half],
        labels[half:],
        what=(f", one sentiment word per review followed by {low} to {high} neutral sentences"),
        seed=seed,
        fallback_reason=fallback_reason,
        args=KerasLoadArgs(num_words=num_words),
    )
