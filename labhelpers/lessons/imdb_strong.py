"""Lesson 11 only: the steps from the record's model to
a strong IMDB classifier, and the bag-of-words baseline.

- :class:`StepConfig`, :func:`ablation_steps`: one change per step (masking, pooling, both
  directions, clipping, a larger vocabulary, dropout, word vectors, GRU/LSTM), each trained by
  :func:`train_step` on :class:`labhelpers.models.PooledReviewRNN` with
  :class:`labhelpers.data.batches.LengthBuckets`.
- :func:`training_throughput`: words per second of one setting.
- :func:`tfidf_baseline`: the bag-of-words model every IMDB result is set beside.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import torch
from torch import nn

from ..checks import one_of, positive_int
from ..data.batches import LengthBuckets
from ..data.imdb import ReviewSplits
from ..models import PooledReviewRNN
from ..training import run_epoch


@dataclass
class BaselineResult:
    """The TF-IDF + logistic regression baseline: test accuracy, seconds, features."""

    accuracy: float
    seconds: float
    features: int
    description: str


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
    return BaselineResult(accuracy, seconds, train.shape[1], description)


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
    "lab record 000: RNN(64) read at its last step, 10k words, pre-padded to 200",
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
        both, name="BiRNN + clipping", clip_grad_norm=1.0, change="gradient norm clipped at 1"
    )
    longer = replace(
        clipped,
        name="BiRNN, 30k words, 800 long",
        num_words=30000,
        maxlen=800,
        change="vocabulary 10k -> 30k words, reviews cut at 800 words instead of 200",
    )
    wider = replace(
        longer,
        name="BiRNN 128 + dropout",
        embedding_dim=128,
        hidden_size=128,
        dropout=0.3,
        lr=2e-3,
        lr_decay=0.5,
        epochs=4,
        change="128 units, embedding 128, dropout 0.3; learning rate 2e-3 halved every epoch",
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
    from ..embeddings import embedding_matrix, train_word2vec
    from ..text import text_to_word_sequence

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
    from ..models import count_parameters
    from ..runtime import seed_everything
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
