"""Lesson 8 only: the Keras review classifiers of lab
records 001 and 002, and callbacks that measure them.

This module imports Keras (and so TensorFlow) at its top, through
:func:`labhelpers.base.runtime.import_keras`. The torch side of the IMDB lessons is
:class:`labhelpers.models.ReviewRNN`.
"""

from __future__ import annotations

import time
from itertools import pairwise

import numpy as np

from .. import noise
from ..base.checks import one_of, positive_int, positive_ints
from ..base.progress import epoch_line
from ..base.runtime import import_keras
from ..data.keras_imdb import KerasImdb, KerasLoadArgs, generated_in_keras_format
from ..data.reviews import SENTIMENT_WORDS, make_review_corpus

keras = import_keras("labhelpers.lessons.keras_imdb (lesson 8, IMDB with Keras)")

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

    def seconds_per_step_measured(self, resamples: int = 1000, seed: int = 0) -> noise.Measured:
        """:meth:`seconds_per_step` with its standard error: the spread of the median
        over ``resamples`` bootstrap resamples of the timed steps (seeded)."""
        return median_with_se(self.step_seconds[1:] or self.step_seconds, resamples, seed)


def median_with_se(values, resamples: int = 1000, seed: int = 0) -> noise.Measured:
    """The median of ``values`` with its bootstrap standard error (``resamples`` draws
    with replacement, seeded): step times are skewed, so no normal formula is assumed.
    One value gives a standard error of 0."""
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        raise ValueError("median_with_se needs at least one value")
    positive_int("resamples", resamples)
    rng = np.random.default_rng(seed)
    draws = rng.choice(values, size=(resamples, values.size), replace=True)
    se = float(np.std(np.median(draws, axis=1), ddof=1)) if values.size > 1 else 0.0
    return noise.Measured(
        float(np.median(values)), se, f"bootstrap s.e. of the median of {values.size} steps"
    )


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
    return np.array([np.mean(a != b) for a, b in pairwise(classes)])


def gradient_norms_by_review(
    model: keras.Model, ids: np.ndarray, batch_size: int = 256
) -> np.ndarray:
    """||dz/de_t|| for every review and position: shape (n, maxlen), float64.

    ``model`` is one of :func:`build_review_classifier`'s models (Embedding,
    recurrent layer, Dense); ``ids`` has shape (n, maxlen). z is the logit
    W_g h_T + b_g (before the sigmoid), e_t the embedding of the word at
    position t; the last position is read last.
    """
    import tensorflow as tf

    embedding, recurrent, dense = model.layers
    parts = []
    for start in range(0, len(ids), batch_size):
        embedded = embedding(ids[start : start + batch_size])
        with tf.GradientTape() as tape:
            tape.watch(embedded)
            h_last = recurrent(embedded, training=False)
            z = tf.reduce_sum(tf.matmul(h_last, dense.kernel) + dense.bias)
        grad = tape.gradient(z, embedded)
        parts.append(tf.norm(grad, axis=2).numpy().astype(np.float64))
    return np.concatenate(parts, axis=0)


def gradient_by_position(model: keras.Model, ids: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Gradient norm by lag: mean over reviews of ||dz/de_t|| for each position t.

    Shape (maxlen,): the mean over reviews of :func:`gradient_norms_by_review`.
    """
    return gradient_norms_by_review(model, ids, batch_size).mean(axis=0)


def relative_gradient(norms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each position's mean gradient norm over the last position's, with its standard error.

    ``norms`` has shape (n_reviews, maxlen) (:func:`gradient_norms_by_review`).
    The ratio of means R_t = mean(x_t) / mean(x_T) over the same reviews; its
    standard error is the ratio estimator's, sqrt(var(x_t - R_t x_T) / n) / mean(x_T)
    (one review: 0). Returns (R, se), each of shape (maxlen,); R is 1 with se 0
    at the last position.
    """
    norms = np.asarray(norms, dtype=np.float64)
    if norms.ndim != 2 or norms.shape[0] == 0:
        raise ValueError(
            f"norms must have shape (n_reviews, maxlen), n_reviews >= 1, got {norms.shape}"
        )
    last = norms[:, -1]
    if not last.mean() > 0:
        raise ValueError("the last word's gradient is 0 for every review: no ratio to take")
    ratio = norms.mean(axis=0) / last.mean()
    n = norms.shape[0]
    if n < 2:
        return ratio, np.zeros_like(ratio)
    residual = norms - ratio[None, :] * last[:, None]
    se = np.sqrt(residual.var(axis=0, ddof=1) / n) / last.mean()
    return ratio, se


def lag_verdicts(
    ratio_a: np.ndarray, se_a: np.ndarray, ratio_b: np.ndarray, se_b: np.ndarray
) -> dict[int, str]:
    """For every lag 1 .. maxlen-1, where model a's relative gradient stands against b's.

    Inputs are by position (last position read last), as :func:`relative_gradient`
    returns them; the lag of position t is maxlen - 1 - t. Values are
    :func:`labhelpers.noise.verdict`'s "above", "below" or "within noise".
    """
    arrays = [np.asarray(v, dtype=np.float64) for v in (ratio_a, se_a, ratio_b, se_b)]
    if len({a.shape for a in arrays}) != 1 or arrays[0].ndim != 1:
        raise ValueError("the four arrays must have one shape, (maxlen,)")
    ratio_a, se_a, ratio_b, se_b = arrays
    last = len(ratio_a) - 1
    return {
        lag: noise.verdict(
            noise.Measured(ratio_a[last - lag], se_a[last - lag], "ratio estimator"),
            noise.Measured(ratio_b[last - lag], se_b[last - lag], "ratio estimator"),
        )
        for lag in range(1, last + 1)
    }


def lag_ranges(lags, shown: int = 6) -> str:
    """Sorted lags as ranges, ``"1-40, 45, 50-60"``; past ``shown`` ranges, the rest are counted."""
    lags = sorted(int(lag) for lag in lags)
    ranges: list[tuple[int, int]] = []
    for lag in lags:
        if ranges and lag == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], lag)
        else:
            ranges.append((lag, lag))
    parts = [f"{a}" if a == b else f"{a}-{b}" for a, b in ranges]
    if len(parts) > shown:
        return ", ".join(parts[:shown]) + f" and {len(parts) - shown} more ranges"
    return ", ".join(parts)


def reach_sentence(verdicts: dict[int, str], name_a: str, name_b: str) -> str:
    """Where model a's gradient, relative to its last word's, stands against b's, at every lag.

    ``verdicts`` is :func:`lag_verdicts`'s answer. Counts the lags of each
    verdict and lists them as ranges; says so when there is no lag to compare.
    """
    if not verdicts:
        return (
            f"The reviews are one id long: there is no lag at which to compare the "
            f"{name_a}'s gradient with the {name_b}'s."
        )
    total = len(verdicts)
    wording = {
        "above": f"above the {name_b}'s by more than {noise.NOISE_LEVEL:g} standard errors",
        "below": f"below the {name_b}'s by more than {noise.NOISE_LEVEL:g} standard errors",
        "within noise": f"within noise of the {name_b}'s",
    }
    groups = {side: [lag for lag, v in verdicts.items() if v == side] for side in wording}
    unknown = set(verdicts.values()) - set(wording)
    if unknown:
        raise ValueError(f"unknown verdicts {sorted(unknown)}")
    head = f"Relative to its last word's, the {name_a}'s gradient lies "
    present = [side for side in wording if groups[side]]
    if len(present) == 1:
        side = present[0]
        every = "the one lag" if total == 1 else f"every one of the {total} lags"
        return head + f"{wording[side]} at {every} ({lag_ranges(groups[side])})."
    parts = [
        f"{wording[side]} at {len(groups[side])} of the {total} lags ({lag_ranges(groups[side])})"
        for side in present
    ]
    return head + "; ".join(parts[:-1]) + "; and " + parts[-1] + "."


def versus(
    what: str,
    name_a: str,
    a: noise.Measured,
    name_b: str,
    b: noise.Measured,
    *,
    percent: bool = True,
    unit: str = "",
) -> str:
    """One sentence placing figure a against figure b with :func:`labhelpers.noise.verdict`:
    "above", "below" or "within noise", with the difference and its standard error.

    For figures where higher is neither good nor bad (a share of flips, seconds
    per step), so no "beats" is said. ``percent`` shows fractions in points;
    otherwise values are shown with ``unit``.
    """
    d, se = noise.difference(a, b)
    side = noise.verdict(a, b)

    def show(m: noise.Measured) -> str:
        return f"{100 * m.value:.2f}%" if percent else f"{m.value:.4g}{unit}"

    if percent:
        amount = f"{100 * abs(d):.2f} ± {100 * se:.2f} points"
        signed = f"{100 * d:+.2f} ± {100 * se:.2f} points"
    else:
        amount = f"{abs(d):.3g}{unit} ± {se:.2g}{unit}"
        signed = f"{d:+.3g}{unit} ± {se:.2g}{unit}"
    if side == "within noise":
        return (
            f"{what}: {show(a)} for the {name_a} and {show(b)} for the {name_b} are within "
            f"noise of each other ({signed}, under {noise.NOISE_LEVEL:g} standard errors)."
        )
    return (
        f"{what}: {show(a)} for the {name_a} lies {side} {show(b)} for the {name_b} by "
        f"{amount} (more than {noise.NOISE_LEVEL:g} standard errors)."
    )


def describe_classifier(model: keras.Model) -> str:
    """The layers of one of :func:`build_review_classifier`'s models, read from the model.

    For example ``Embedding(10000, 128) -> LSTM(128, dropout=0.2,
    recurrent_dropout=0.2) -> Dense(1, sigmoid)``: built from the settings the
    model was made with, so a result is labelled by them.
    """
    parts = []
    for layer in model.layers:
        config = layer.get_config()
        if isinstance(layer, keras.layers.Embedding):
            parts.append(f"Embedding({config['input_dim']}, {config['output_dim']})")
        elif isinstance(layer, tuple(RECURRENT_LAYERS.values())):
            parts.append(
                f"{type(layer).__name__}({config['units']}, dropout={config['dropout']:g}, "
                f"recurrent_dropout={config['recurrent_dropout']:g})"
            )
        elif isinstance(layer, keras.layers.Dense):
            parts.append(f"Dense({config['units']}, {config['activation']})")
        else:
            parts.append(type(layer).__name__)
    return " -> ".join(parts)


def long_range_reviews(
    n_reviews: int,
    *,
    num_words: int | None = None,
    seed: int = 0,
    tail_sentences: tuple[int, int] = (0, 12),
    fallback_reason: str | None = None,
) -> KerasImdb:
    """Generated reviews whose cues sit at every distance from the end, in the
    ``keras.datasets.imdb`` format: lesson 8's stand-in for IMDB.

    Each review (:func:`labhelpers.data.reviews.make_review_corpus`, no negation, no mixed
    reviews) opens with one or two cue sentences, followed by ``tail_sentences`` neutral
    sentences: a model that reads the review to its end must carry the cues across that tail.
    Reviews with a short tail let any model learn the sentiment words; those with a long one
    show how far back each model reaches (:func:`labhelpers.data.reviews.words_after_last_cue`
    measures the distance). The first half is the training part (its word index is fitted on
    it), the second the test part. ``fallback_reason`` says why IMDB is not used.
    """
    positive_int("n_reviews", n_reviews)
    frame = make_review_corpus(
        int(n_reviews),
        seed=seed,
        cues=(1, 2),
        negation_rate=0.0,
        mixed_rate=0.0,
        neutral_sentences=tail_sentences,
        cue_place="start",
    )
    labels = (frame["sentiment"] == "positive").to_numpy().astype(np.int64)
    half = len(frame) // 2
    low, high = tail_sentences
    return generated_in_keras_format(
        frame["review"].iloc[:half].tolist(),
        frame["review"].iloc[half:].tolist(),
        labels[:half],
        labels[half:],
        what=(f", one or two cue sentences per review followed by {low} to {high} neutral ones"),
        seed=seed,
        fallback_reason=fallback_reason,
        args=KerasLoadArgs(num_words=num_words),
    )


def steps_after_last_cue(imdb: KerasImdb, x: np.ndarray) -> np.ndarray:
    """For each review of ``x`` (ids padded and cut as ``pad_sequences`` does, at the start),
    how many ids follow its last sentiment word of the generated corpus: the steps a model that
    reads to the end must carry that cue. -1 for a review whose sentiment words were cut away."""
    cue_ids = [
        imdb.word_index[word] + imdb.index_from
        for word in SENTIMENT_WORDS
        if word in imdb.word_index
    ]
    is_cue = np.isin(np.asarray(x), cue_ids)
    steps = np.argmax(is_cue[:, ::-1], axis=1)  # the first cue from the end
    return np.where(is_cue.any(axis=1), steps, -1)


DISTANCE_BINS = ((0, 9), (10, 29), (30, 59), (60, None))


def accuracy_by_distance(
    steps: np.ndarray, correct: dict[str, np.ndarray], bins=DISTANCE_BINS
) -> list[tuple[str, int, dict[str, noise.Measured]]]:
    """Test accuracy of each model on the reviews whose last cue lies ``low``..``high`` steps
    from the end (``high`` None: no upper end), with its binomial standard error.

    ``correct`` maps a model's name to one boolean per review (its prediction was right).
    Rows: (the range in words, the number of reviews, {model: accuracy}); empty bins left out.
    """
    steps = np.asarray(steps)
    rows = []
    for low, high in bins:
        inside = (steps >= low) & (steps <= (steps.max() if high is None else high))
        if not inside.any():
            continue
        label = f"{low}-{high}" if high is not None else f"{low} or more"
        rows.append(
            (
                label,
                int(inside.sum()),
                {
                    name: noise.binomial(
                        float(np.mean(np.asarray(right)[inside])), int(inside.sum())
                    )
                    for name, right in correct.items()
                },
            )
        )
    return rows


def nearest_and_farthest(rows) -> dict[str, float]:
    """The recorded figures of :func:`accuracy_by_distance`: each model's accuracy on the nearest
    and on the farthest group (``simple_rnn_near_cue_accuracy``...), and the groups' sizes."""
    if not rows:
        return {}
    figures = {"n_near_cue": rows[0][1], "n_far_cue": rows[-1][1]}
    for where, (_, _, accuracy) in (("near", rows[0]), ("far", rows[-1])):
        for name, measured in accuracy.items():
            key = name.lower().replace("simplernn", "simple_rnn")
            figures[f"{key}_{where}_cue_accuracy"] = measured.value
    return figures


def distance_sentence(rows, name_a: str, name_b: str) -> str:
    """The nearest and the farthest rows of :func:`accuracy_by_distance`, model a against b."""
    if not rows:
        return "No test review holds a cue the models could read."
    parts = []
    for label, n, accuracy in (rows[0], rows[-1]) if len(rows) > 1 else rows[:1]:
        parts.append(
            f"On the {n} test reviews whose last cue lies {label} words from the end, "
            + noise.compare(f"the {name_a}", accuracy[name_a], f"the {name_b}", accuracy[name_b])
        )
    return " ".join(parts)


def output_layer_loss(z: float, dtype: str = "float32", *, from_logits: bool = False) -> float:
    """The loss ``model.evaluate`` gives one negative review whose logit is ``z``, for the
    records' output layer ``Dense(1, activation="sigmoid")`` and ``binary_crossentropy``.

    ``dtype`` is the layer's dtype policy ("float32", or "mixed_float16" as under
    ``keras.mixed_precision.set_global_policy("mixed_float16")``). With
    ``from_logits=True`` the layer has no activation and the loss is
    ``BinaryCrossentropy(from_logits=True)``: the rule that does not depend on
    Keras recovering the logits. The logits loss of a negative review is
    log(1 + e^z), about z for a large z.
    """
    import tensorflow as tf

    layer = keras.layers.Dense(1, activation=None if from_logits else "sigmoid", dtype=dtype)
    inputs = keras.Input(shape=(1,))
    model = keras.Model(inputs, layer(inputs))
    layer.set_weights([np.ones((1, 1), np.float32), np.zeros(1, np.float32)])
    model.compile(loss=keras.losses.BinaryCrossentropy(from_logits=from_logits))
    # Each new model traces its own evaluation function; TensorFlow's warning about
    # repeated tracing says nothing about the loss, so it is kept out for this call.
    logger = tf.get_logger()
    level = logger.level
    logger.setLevel("ERROR")
    try:
        return float(
            model.evaluate(np.full((1, 1), z, np.float32), np.zeros((1, 1), np.float32), verbose=0)
        )
    finally:
        logger.setLevel(level)
