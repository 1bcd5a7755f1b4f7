"""Lesson 13 only: the steps from the record's model to
a strong IMDB classifier, and the bag-of-words baseline.

- :func:`split_reviews`: the reviews encoded once (:class:`ReviewSplits`), with a validation
  part carved from the training reviews (:func:`validation_rows`).
- :class:`StepConfig`, :func:`ablation_steps`: one change per step (masking, pooling, both
  directions, clipping, a larger vocabulary, dropout, word vectors, GRU/LSTM), each trained by
  :func:`train_step` on :class:`labhelpers.models.PooledReviewRNN` with
  :class:`labhelpers.data.batches.LengthBuckets`.
- :func:`training_throughput`: words per second of one setting.
- :func:`describe_step`, :func:`changes_from`, :func:`compared_with`: each model and each
  row's changes written from the settings it ran with, never typed.
- :func:`direct_gradient_share`: which words' hidden states the logit reaches in one step
  (max pooling: only each unit's arg-max step; mean: every step; last state: one).
- :func:`step_comparisons`: every row against the row it changes, with binomial standard
  errors and the verdict of :mod:`labhelpers.noise`.
- :func:`tfidf_baseline`: the bag-of-words model every IMDB result is set beside.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import torch
from torch import nn

from ..base.checks import one_of, positive_int
from ..data.batches import LengthBuckets
from ..models import PooledReviewRNN
from ..training import run_epoch


@dataclass
class ReviewSplits:
    """Reviews encoded once at the largest vocabulary and length, cut down per step by :meth:`ids`.

    ``ids[part]`` has shape (n, maxlen), padded and truncated at the end;
    ``labels[part]`` float32. Parts: ``"train"``, ``"val"`` (carved from the
    training reviews), ``"test"``. ``train_texts`` are the texts of the
    ``"train"`` part, for word2vec.
    """

    ids: dict
    labels: dict
    word_index: dict
    train_texts: list
    description: str

    @property
    def maxlen(self) -> int:
        return self.ids["train"].shape[1]

    def inputs(self, part: str, num_words: int, maxlen: int, batching: str) -> np.ndarray:
        """Ids of a part with words ranked ``num_words`` or below mapped to the OOV id 1, first
        ``maxlen`` words.

        ``batching="fixed"``: padded in front to exactly ``maxlen`` (the record's
        layout); ``"buckets"``: padded at the end.
        """
        if maxlen > self.maxlen:
            raise ValueError(
                f"maxlen {maxlen} is longer than the encoded reviews ({self.maxlen}): "
                "encode with a larger maxlen"
            )
        ids = self.ids[part][:, :maxlen]
        ids = np.where(ids >= num_words, 1, ids).astype(np.int64)
        if batching == "fixed":  # move each review's words to the end: "pre" padding
            lengths = (ids != 0).sum(axis=1)
            shift = (maxlen - lengths)[:, None]
            columns = (np.arange(maxlen)[None, :] - shift) % maxlen
            ids = np.take_along_axis(ids, columns, axis=1)
        return ids


def validation_rows(train, n_val: int, seed: int = 0) -> np.ndarray:
    """Positions of the validation reviews in the training frame ``train``.

    The official split keeps each movie's reviews on one side, so a test review
    is about a movie the model never read about. A random validation part would
    share movies (names, plots) with the training part and score higher than
    the test set. With ``review_id`` (Maas et al.'s numbering, where a movie's
    reviews are numbered together) the validation part is, for each label, the
    reviews with the highest numbers: a block of whole movies but the one at
    its edge. Without it (the random split, the official split taken from
    ``keras.datasets.imdb``, generated reviews), a random draw seeded by ``seed``.
    """
    if "review_id" not in train:
        return np.sort(np.random.default_rng(seed).permutation(len(train))[:n_val])
    labels = train["label"].to_numpy()
    ids = train["review_id"].to_numpy()
    rows = []
    for label, share in zip((0, 1), (n_val // 2, n_val - n_val // 2)):
        candidates = np.flatnonzero(labels == label)
        rows.append(
            candidates[np.argsort(ids[candidates], kind="stable")[len(candidates) - share :]]
        )
    return np.sort(np.concatenate(rows))


def split_reviews(
    reviews, *, num_words: int, maxlen: int, n_val: int, seed: int = 0, cache: bool = True
) -> ReviewSplits:
    """Tokenize ``reviews`` (:class:`labhelpers.data.review_data.ReviewData`) on the training
    reviews; carve a validation part."""
    from ..data.text import encode_texts

    positive_int("n_val", n_val)
    train_texts, test_texts = reviews.train["review"].tolist(), reviews.test["review"].tolist()
    if n_val >= len(train_texts):
        raise ValueError(f"n_val={n_val} leaves no training reviews (there are {len(train_texts)})")
    encoded = encode_texts(
        train_texts,
        {"train": train_texts, "test": test_texts},
        num_words=num_words,
        oov_token="<OOV>",
        maxlen=maxlen,
        padding="post",
        truncating="post",
        name=f"strong-{reviews.source}-{reviews.split}",
        cache=cache,
    )
    val = validation_rows(reviews.train, n_val, seed)
    if "review_id" in reviews.train:
        carve = "a block of review ids: other movies"
    elif reviews.is_imdb:
        carve = (
            f"a random draw, seed {seed}: this split has no review ids, so validation may share "
            "movies with training"
        )
    else:
        carve = "random"  # generated reviews are about no movie
    train = np.setdiff1d(np.arange(len(train_texts)), val)
    labels = reviews.train["label"].to_numpy().astype(np.float32)
    return ReviewSplits(
        ids={
            "train": encoded.arrays["train"][train],
            "val": encoded.arrays["train"][val],
            "test": encoded.arrays["test"],
        },
        labels={
            "train": labels[train],
            "val": labels[val],
            "test": reviews.test["label"].to_numpy().astype(np.float32),
        },
        word_index=encoded.tokenizer.word_index,
        train_texts=[train_texts[i] for i in train],
        description=(
            f"{reviews.description}; {len(train)} training, {n_val} validation ({carve}, "
            f"carved from the training reviews), {len(test_texts)} test"
        ),
    )


@dataclass
class BaselineResult:
    """The TF-IDF + logistic regression baseline: test accuracy, seconds, features, and the
    number of test texts (for the accuracy's binomial standard error)."""

    accuracy: float
    seconds: float
    features: int
    description: str
    n_test: int


def tfidf_baseline(
    train_texts,
    train_labels,
    test_texts,
    test_labels,
    *,
    ngrams: int = 2,
    min_df: int = 2,
    C: float = 4.0,
    max_iter: int = 1000,
) -> BaselineResult:
    """TF-IDF of word 1..``ngrams``-grams (sublinear counts) +
    logistic regression, fitted on the training texts only."""
    positive_int("ngrams", ngrams)
    positive_int("min_df", min_df)
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    started = time.perf_counter()
    vectorizer = TfidfVectorizer(ngram_range=(1, ngrams), min_df=min_df, sublinear_tf=True)
    train = vectorizer.fit_transform(train_texts)
    classifier = LogisticRegression(C=C, max_iter=max_iter).fit(train, np.asarray(train_labels))
    accuracy = float(
        (classifier.predict(vectorizer.transform(test_texts)) == np.asarray(test_labels)).mean()
    )
    seconds = time.perf_counter() - started
    description = (
        f"TF-IDF of word 1-{ngrams}-grams (min_df={min_df}, sublinear tf), "
        f"logistic regression C={C}"
    )
    return BaselineResult(accuracy, seconds, train.shape[1], description, len(test_labels))


# ---------------------------------------------------------------------- one step of the ablation


@dataclass(frozen=True)
class StepConfig:
    """Everything one row of the lesson's ablation table changes.

    ``bucket_batches``: the batches sorted together (:class:`LengthBuckets`'s
    ``pool_batches``; 1 means no buckets: random batches, each cut at its
    longest review). ``batching="fixed"`` is lab record 000's input: every review cut to its
    first ``maxlen`` words and padded in front ("pre") to exactly ``maxlen``,
    read by :class:`labhelpers.models.ReviewRNN` at its last step;
    ``"buckets"`` is :class:`LengthBuckets` + :class:`PooledReviewRNN`.
    ``lr_decay``: the learning rate is multiplied by it after every epoch.
    ``word2vec``: start the embedding from word2vec vectors trained on the
    training reviews (0: random; else the number of word2vec passes).
    """

    name: str
    change: str = ""
    batching: str = "buckets"
    cell: str = "rnn"
    embedding_dim: int = 128
    hidden_size: int = 128
    layers: int = 1
    bidirectional: bool = True
    pooling: str = "max"
    padding: str = "masked"
    num_words: int = 30000
    maxlen: int = 800
    dropout: float = 0.3
    weight_decay: float = 0.0
    clip_grad_norm: float | None = 1.0
    lr: float = 2e-3
    lr_decay: float = 1.0
    batch_size: int = 64
    bucket_batches: int = 50
    epochs: int = 5
    word2vec: int = 0

    def __post_init__(self):
        one_of("batching", self.batching, ("fixed", "buckets"))
        for name in (
            "embedding_dim",
            "hidden_size",
            "layers",
            "num_words",
            "maxlen",
            "batch_size",
            "bucket_batches",
            "epochs",
        ):
            positive_int(name, getattr(self, name))
        if self.batching == "fixed" and (
            self.bidirectional or self.pooling != "last" or self.layers != 1
        ):
            raise ValueError(
                "batching='fixed' is the record's model: one layer, one direction, pooling='last'"
            )
        if not 0 < self.lr_decay <= 1:
            raise ValueError(
                f"lr_decay must be in (0, 1] (1: a constant learning rate), got {self.lr_decay!r}"
            )


# The record's model, lab record 000 (E1), with the fixed pipeline's logits loss, on the
# official split.
RECORD_STEP = StepConfig(
    "E1 record",
    "lab record 000's model: a tanh RNN read at its last step, reviews cut and padded in front",
    batching="fixed",
    embedding_dim=64,
    hidden_size=64,
    bidirectional=False,
    pooling="last",
    num_words=10000,
    maxlen=200,
    dropout=0.0,
    clip_grad_norm=None,
    lr=1e-3,
    epochs=20,
)

# Encode once with the largest vocabulary and length any step uses; each step cuts it down.
ENCODING = {"num_words": 30000, "maxlen": 800, "n_val": 2500}


def ablation_steps() -> list[StepConfig]:
    """The lesson's steps, each one change on top of the previous (the cells swap in at the end)."""
    masked = replace(
        RECORD_STEP,
        name="masked, last state",
        batching="buckets",
        epochs=10,
        change="padding at the end, length buckets, the state at each review's true last word",
    )
    pooled = replace(
        masked,
        name="max+mean pooling",
        pooling="max+mean",
        change="max and mean over every word's hidden state instead of the last one",
    )
    both = replace(
        pooled, name="BiRNN", bidirectional=True, change="a second direction, reading backwards"
    )
    clipped = replace(
        both, name="BiRNN + clipping", clip_grad_norm=1.0, change="the gradient's norm clipped"
    )
    longer = replace(
        clipped,
        name="BiRNN, more words, longer reviews",
        num_words=30000,
        maxlen=800,
        change="a larger vocabulary, and more of each review kept",
    )
    wider = replace(
        longer,
        name="BiRNN wider + dropout",
        embedding_dim=128,
        hidden_size=128,
        dropout=0.3,
        lr=2e-3,
        lr_decay=0.5,
        epochs=4,
        change="wider layers, dropout, a learning rate that decays every epoch",
    )
    word2vec = replace(
        wider,
        name="BiRNN + word2vec",
        word2vec=5,
        change="embedding started from word2vec trained on the training reviews",
    )
    gru = replace(
        word2vec, name="BiGRU + word2vec", cell="gru", epochs=3, change="GRU cells instead of tanh"
    )
    lstm = replace(
        word2vec,
        name="BiLSTM + word2vec",
        cell="lstm",
        epochs=3,
        change="LSTM cells instead of tanh",
    )
    return [masked, pooled, both, clipped, longer, wider, word2vec, gru, lstm]


@dataclass
class StepResult:
    """What one trained step measured. Accuracies are
    fractions; seconds are wall time on this machine.

    ``wall_seconds`` runs from the start (word vectors included) to the test
    accuracy; ``seconds_to_best`` from the start to the end of the best epoch,
    when the tested weights existed. An epoch's seconds include its validation pass.
    """

    name: str
    change: str
    test_accuracy: float
    val_accuracy: float
    best_epoch: int
    epochs: int
    seconds_per_epoch: float
    tokens_per_second: float
    wall_seconds: float
    seconds_to_best: float
    parameters: int
    padded_fraction: float
    history: dict = field(repr=False)
    config: dict = field(repr=False)
    direct_gradient: dict | None = None

    def row(self) -> dict:
        return {
            "model": self.name,
            "change": self.change,
            "test accuracy": self.test_accuracy,
            "validation accuracy": self.val_accuracy,
            "best epoch": self.best_epoch,
            "epochs": self.epochs,
            "s / epoch": self.seconds_per_epoch,
            "tokens / s": self.tokens_per_second,
            "wall s": self.wall_seconds,
            "s to best epoch": self.seconds_to_best,
            "parameters": self.parameters,
        }


# ----------------------------------------------------- each row described from its settings

# How each setting of StepConfig is named in a description or a list of changes.
SETTING_LABELS = {
    "batching": "input",
    "cell": "cell",
    "embedding_dim": "embedding size",
    "hidden_size": "hidden size",
    "layers": "layers",
    "bidirectional": "directions",
    "pooling": "read-out",
    "padding": "padding",
    "num_words": "vocabulary",
    "maxlen": "words kept per review",
    "dropout": "dropout",
    "weight_decay": "weight decay",
    "clip_grad_norm": "gradient clipping",
    "lr": "learning rate",
    "lr_decay": "learning-rate factor per epoch",
    "batch_size": "batch size",
    "bucket_batches": "batches per length bucket",
    "epochs": "epochs",
    "word2vec": "word2vec passes",
}
_CELL_NAMES = {"rnn": "tanh RNN", "gru": "GRU", "lstm": "LSTM"}


def _shown(name: str, value) -> str:
    if name == "batching":
        return {"fixed": "fixed length, padded in front", "buckets": "length buckets"}[value]
    if name == "bidirectional":
        return "2" if value else "1"
    if name == "cell":
        return _CELL_NAMES.get(value, value)
    if name == "pooling":
        return "last state" if value == "last" else f"{value} pooling"
    if name == "clip_grad_norm":
        return "none" if value is None else f"norm {value:g}"
    if name == "word2vec":
        return "none" if not value else str(value)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def describe_step(config: StepConfig) -> str:
    """A model's description from its settings, e.g. ``bidirectional tanh RNN(128), ...``."""
    read = (
        f"read at its last step, {config.maxlen:,} words kept and padded in front"
        if config.batching == "fixed"
        else f"{_shown('pooling', config.pooling)}, first {config.maxlen:,} words, length buckets"
    )
    parts = [
        f"{'bidirectional ' if config.bidirectional else ''}{_CELL_NAMES[config.cell]}"
        f"({config.hidden_size})" + (f" x {config.layers} layers" if config.layers > 1 else ""),
        read,
        f"embedding {config.embedding_dim}"
        + (
            f" from word2vec ({config.word2vec} pass{'es' if config.word2vec != 1 else ''})"
            if config.word2vec
            else ""
        ),
        f"{config.num_words:,} words",
    ]
    if config.dropout:
        parts.append(f"dropout {config.dropout:g}")
    if config.clip_grad_norm is not None:
        parts.append(f"clipped at norm {config.clip_grad_norm:g}")
    parts.append(
        f"Adam lr {config.lr:g}"
        + (f" x {config.lr_decay:g} per epoch" if config.lr_decay != 1 else "")
        + f", {config.epochs} epoch{'s' if config.epochs != 1 else ''}"
    )
    return ", ".join(parts)


def changes_from(before: StepConfig, after: StepConfig) -> str:
    """Every setting ``after`` changes from ``before``, from their values:
    ``"epochs 20 -> 10; ..."``, or a sentence saying that none differs."""
    changed = [
        f"{label} {_shown(name, getattr(before, name))} -> {_shown(name, getattr(after, name))}"
        for name, label in SETTING_LABELS.items()
        if getattr(before, name) != getattr(after, name)
    ]
    return "; ".join(changed) if changed else "no setting (the profile's caps made them equal)"


def compared_with(steps) -> list[int | None]:
    """For each step, the index of the step it changes: the row above, except a gated
    cell (GRU, LSTM), which changes the cell of the last tanh row before it."""
    parents: list[int | None] = []
    for i, step in enumerate(steps):
        if i == 0:
            parents.append(None)
        elif step.cell != "rnn":
            tanh = [j for j in range(i) if steps[j].cell == "rnn"]
            parents.append(tanh[-1] if tanh else i - 1)
        else:
            parents.append(i - 1)
    return parents


def step_comparisons(steps, results, n_test: int):
    """One row per step: its test accuracy with the binomial standard error of ``n_test``
    reviews, the row it changes, every setting changed, the difference and its standard
    error in points, and :func:`labhelpers.noise.verdict` of it.

    The binomial error counts the test sample's luck, not the seed's (one seed per row):
    it is a lower bound on the noise between two trainings.
    """
    import pandas as pd

    from .. import noise

    if len(steps) != len(results):
        raise ValueError(f"{len(steps)} steps but {len(results)} results")
    measured = [noise.binomial(r.test_accuracy, n_test) for r in results]
    rows = []
    for step, result, figure, parent in zip(steps, results, measured, compared_with(steps)):
        row = {
            "model": result.name,
            "test accuracy (%)": 100 * figure.value,
            "±": 100 * figure.se,
        }
        if parent is None:
            row.update(
                {"compared with": "", "changes": "", "difference (points)": "", "verdict": ""}
            )
        else:
            d, se = noise.difference(figure, measured[parent])
            row.update(
                {
                    "compared with": results[parent].name,
                    "changes": changes_from(steps[parent], step),
                    "difference (points)": f"{100 * d:+.2f} ± {100 * se:.2f}",
                    "verdict": noise.verdict(figure, measured[parent]),
                }
            )
        rows.append(row)
    return pd.DataFrame(rows).set_index("model")


def step_effects(steps, results, n_test: int) -> list[tuple[float, str]]:
    """For every step after the first: (difference in test accuracy, the sentence
    :func:`labhelpers.noise.effect` writes for its changes against the row it changes)."""
    from .. import noise

    effects = []
    for i, parent in enumerate(compared_with(steps)):
        if parent is None:
            continue
        before = noise.binomial(results[parent].test_accuracy, n_test)
        after = noise.binomial(results[i].test_accuracy, n_test)
        sentence = noise.effect(
            f"*{results[i].name}* ({changes_from(steps[parent], steps[i])}, against "
            f"*{results[parent].name}*)",
            before,
            after,
        )
        effects.append((after.value - before.value, sentence))
    return effects


# ------------------------------------------------------ which words the logit reaches directly


def direct_gradient_share(model: PooledReviewRNN, ids: torch.Tensor) -> dict:
    """Which real words' hidden states receive a gradient from the logit directly, through
    the pooling alone (not through the recurrence), on the reviews ``ids``.

    Returns ``{"words": share of real words whose state gets a nonzero gradient in at least
    one unit, "pairs": share of (word, unit) pairs that get one, "max_words": share of real
    words that are the arg-max step of at least one unit, "reviews": how many reviews}``.
    Max pooling passes each unit's gradient to its arg-max step only ("max_words" is what it
    reaches, whatever the read-out); mean pooling to every step (1/T each); the last state
    to one step per direction.
    """
    from ..data.text import review_lengths

    method = "_states_masked" if model.padding == "masked" else "_states_packed"
    original = getattr(model, method)
    kept = {}

    def keep(x, lengths):
        states = original(x, lengths)
        states.retain_grad()
        kept["states"] = states
        return states

    was_training = model.training
    setattr(model, method, keep)
    try:
        model.eval()
        model.zero_grad()
        model(ids).sum().backward()
    finally:
        delattr(model, method)
        model.train(was_training)
        model.zero_grad()
    grad = kept["states"].grad
    lengths = review_lengths(ids)
    real = torch.arange(ids.shape[1], device=ids.device)[None, :] < lengths[:, None]
    reached = (grad != 0) & real[:, :, None]
    words = int(real.sum())
    peaks = kept["states"].detach().masked_fill(~real[:, :, None], float("-inf")).argmax(dim=1)
    at_a_peak = sum(len(set(row.tolist())) for row in peaks)
    return {
        "words": float(reached.any(dim=2).sum()) / words,
        "pairs": float(reached.sum()) / (words * grad.shape[2]),
        "max_words": at_a_peak / words,
        "reviews": len(ids),
    }


def build_step_model(config: StepConfig, embedding_weights=None) -> nn.Module:
    if config.batching == "fixed":
        from ..models import ReviewRNN

        return ReviewRNN(
            config.num_words,
            config.embedding_dim,
            config.hidden_size,
            cell=config.cell,
            embedding_weights=embedding_weights,
        )
    return PooledReviewRNN(
        config.num_words,
        config.embedding_dim,
        config.hidden_size,
        cell=config.cell,
        layers=config.layers,
        bidirectional=config.bidirectional,
        pooling=config.pooling,
        padding=config.padding,
        dropout=config.dropout,
        embedding_weights=embedding_weights,
    )


def step_batches(config: StepConfig, splits: ReviewSplits, part: str, seed: int = 0):
    """The batches of one part for a step: :class:`LengthBuckets`,
    or the record's fixed-length batches."""
    from ..data.batches import TensorBatches

    ids = splits.inputs(part, config.num_words, config.maxlen, config.batching)
    training = part == "train"
    batch_size = config.batch_size if training else 256
    if config.batching == "fixed":
        return TensorBatches(
            torch.from_numpy(ids),
            torch.from_numpy(splits.labels[part]),
            batch_size=batch_size,
            shuffle=training,
        )
    return LengthBuckets(
        ids,
        splits.labels[part],
        batch_size=batch_size,
        shuffle=training,
        pool_batches=config.bucket_batches,
        seed=seed,
    )


def word2vec_weights(config: StepConfig, splits: ReviewSplits, seed: int = 0) -> np.ndarray:
    """An embedding matrix from word2vec (CBOW) trained on the training part's texts."""
    from ..data.text import text_to_word_sequence
    from ..embeddings import embedding_matrix, train_word2vec

    sentences = [text_to_word_sequence(text) for text in splits.train_texts]
    vectors = train_word2vec(
        sentences, vector_size=config.embedding_dim, min_count=2, epochs=config.word2vec, seed=seed
    )
    matrix, _ = embedding_matrix(splits.word_index, vectors, config.num_words, seed=seed)
    return matrix


def train_step(
    config: StepConfig,
    splits: ReviewSplits,
    *,
    seed: int = 0,
    device=None,
    progress: bool | None = None,
) -> StepResult:
    """Train one step's model from scratch; the epoch
    with the best validation accuracy is kept and tested.

    Wall time counts everything the step adds to the shared encoding: word
    vectors, training, validation and test passes.
    """
    from ..base.runtime import seed_everything
    from ..models import count_parameters
    from ..training import EarlyStopping, fit, logits_accuracy, predict

    started = time.perf_counter()
    seed_everything(seed)
    weights = word2vec_weights(config, splits, seed) if config.word2vec else None
    model = build_step_model(config, weights)
    if device is not None:
        model.to(device)
    train, val, test = (
        step_batches(config, splits, part, seed) for part in ("train", "val", "test")
    )
    prepared = time.perf_counter() - started
    optimizer = (
        torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
        if config.weight_decay
        else torch.optim.Adam(model.parameters(), lr=config.lr)
    )
    scheduler = (
        torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=config.lr_decay)
        if config.lr_decay != 1
        else None
    )
    history = fit(
        model,
        nn.BCEWithLogitsLoss(),
        optimizer,
        train,
        val,
        epochs=config.epochs,
        clip_grad_norm=config.clip_grad_norm,
        scheduler=scheduler,
        progress=progress,
        early_stopping=EarlyStopping("val_accuracy", patience=config.epochs),
    )
    output, target = predict(model, test)
    test_accuracy = float(logits_accuracy(output, target)) / len(target)
    direct = None
    if isinstance(model, PooledReviewRNN):  # on the first validation batch, best weights
        ids, _ = next(iter(val))
        direct = direct_gradient_share(model, ids.to(next(model.parameters()).device))
    best_epoch = int(np.argmax(history["val_accuracy"])) + 1
    tokens = (
        sum(int((x != 0).sum()) for x, _ in train) if config.batching == "fixed" else train.tokens()
    )
    seconds = float(np.mean(history["seconds"]))
    padded = (
        1 - tokens / sum(x.numel() for x, _ in train)
        if config.batching == "fixed"
        else train.padded_fraction()
    )
    return StepResult(
        config.name,
        config.change,
        test_accuracy,
        float(history["val_accuracy"][best_epoch - 1]),
        best_epoch,
        history.epochs,
        seconds,
        tokens / seconds,
        time.perf_counter() - started,
        prepared + sum(history["seconds"][:best_epoch]),
        count_parameters(model),
        padded,
        dict(history),
        asdict(config),
        direct,
    )


def training_throughput(
    config: StepConfig,
    splits: ReviewSplits,
    *,
    batches: int = 20,
    threads: int | None = None,
    seed: int = 0,
) -> float:
    """Training words per second of a step's model (forward,
    backward, clipping, Adam) over ``batches`` batches.

    ``threads`` sets torch's CPU threads for the measurement and restores them
    after. The first batch is a warm-up and not timed.
    """
    positive_int("batches", batches)
    previous = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(positive_int("threads", threads))
    try:
        torch.manual_seed(seed)
        model = build_step_model(config)
        optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
        timed = list(itertools.islice(step_batches(config, splits, "train", seed), batches + 1))

        def train_on(part):  # the training step of fit, on these batches only
            run_epoch(
                model,
                nn.BCEWithLogitsLoss(),
                part,
                torch.device("cpu"),
                None,
                optimizer,
                config.clip_grad_norm,
                [],
            )

        train_on(timed[:1])
        started = time.perf_counter()
        train_on(timed[1:])
        seconds = time.perf_counter() - started
        return sum(int((ids != 0).sum()) for ids, _ in timed[1:]) / seconds
    finally:
        torch.set_num_threads(previous)
