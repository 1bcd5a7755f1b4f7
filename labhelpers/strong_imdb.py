"""The strong IMDB classifier of lesson 11: length buckets, masking, pooling over time, both directions.

Three pieces, each one step of the lesson:

- :class:`LengthBuckets` batches reviews of similar length together, so a batch
  is cut at its own longest review instead of a global ``maxlen``.
- :class:`PooledReviewRNN` reads reviews padded at the end ("post") with id 0,
  never lets a padded step reach a real one (``padding="masked"``: the
  backward direction reads each review reversed within its own length;
  ``padding="packed"``: PyTorch's packed sequences) and pools every hidden
  state (``pooling="max"``, ``"mean"``, ``"max+mean"``) or reads the state at
  the review's true last word (``"last"``).
- :func:`tfidf_baseline`, the bag-of-words model every IMDB result is set beside.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from .checks import one_of, positive_int
from .models import CELLS
from .training import run_epoch

POOLINGS = ("last", "max", "mean", "max+mean")
PADDINGS = ("masked", "packed")


def _as_ids(ids) -> torch.Tensor:
    ids = torch.as_tensor(np.asarray(ids))
    if ids.ndim != 2 or ids.dtype not in (torch.int32, torch.int64):
        raise ValueError(f"ids must be an integer array of shape (n_reviews, maxlen), got {tuple(ids.shape)} "
                         f"{ids.dtype}")
    return ids.long()


def review_lengths(ids: torch.Tensor) -> torch.Tensor:
    """Words per review of a post-padded id matrix: the count of non-zero ids (at least 1)."""
    return (ids != 0).sum(dim=1).clamp(min=1)


class LengthBuckets:
    """Re-iterable ``(ids, labels)`` batches of reviews of similar length, each cut at its longest review.

    ``ids``: shape (n, maxlen), padded at the end with 0 (``padding="post"``);
    ``labels``: shape (n,). With ``shuffle`` every epoch draws a new order:
    the reviews are shuffled, cut into pools of ``batch_size * pool_batches``,
    each pool is sorted by length and cut into batches, and the batches are
    shuffled. Without it (evaluation) the reviews are sorted by length once, so
    the batches hold the fewest padded positions. The order depends only on
    ``seed`` and the epoch number.
    """

    def __init__(self, ids, labels, *, batch_size: int, shuffle: bool = False, pool_batches: int = 50,
                 seed: int = 0):
        self.ids = _as_ids(ids)
        self.labels = torch.as_tensor(np.asarray(labels))
        if len(self.labels) != len(self.ids):
            raise ValueError(f"ids and labels must have the same length, got {len(self.ids)} and {len(self.labels)}")
        if len(self.ids) == 0:
            raise ValueError("ids is empty: there are no reviews to batch")
        self.batch_size = positive_int("batch_size", batch_size)
        self.pool_batches = positive_int("pool_batches", pool_batches)
        self.shuffle, self.seed, self.epoch = shuffle, seed, 0
        self.lengths = review_lengths(self.ids)

    def __len__(self) -> int:
        return -(-len(self.ids) // self.batch_size)

    def tokens(self) -> int:
        """Words (non-padded positions) in one pass."""
        return int(self.lengths.sum())

    def _batches(self, epoch: int) -> list[torch.Tensor]:
        if not self.shuffle:
            order = torch.argsort(self.lengths, descending=True, stable=True)
            return list(order.split(self.batch_size))
        generator = torch.Generator().manual_seed(self.seed * 100_003 + epoch)
        order = torch.randperm(len(self.ids), generator=generator)
        batches = []
        for pool in order.split(self.batch_size * self.pool_batches):
            pool = pool[torch.argsort(self.lengths[pool], descending=True, stable=True)]
            batches.extend(pool.split(self.batch_size))
        return [batches[i] for i in torch.randperm(len(batches), generator=generator)]

    def __iter__(self):
        self.epoch += 1
        for rows in self._batches(self.epoch - 1):
            width = int(self.lengths[rows].max())
            yield self.ids[rows, :width], self.labels[rows]

    def padded_fraction(self) -> float:
        """Share of the positions in one pass's batches that are padding (0 means none)."""
        total = sum(int(self.lengths[rows].max()) * len(rows) for rows in self._batches(self.epoch))
        return 1 - self.tokens() / total


def reverse_within_length(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Reverse each row's first ``lengths[i]`` steps, leave its padding where it is (batch-first)."""
    steps = torch.arange(x.shape[1], device=x.device)
    index = torch.where(steps < lengths[:, None], lengths[:, None] - 1 - steps, steps)
    if x.ndim == 3:
        index = index.unsqueeze(-1).expand(-1, -1, x.shape[2])
    return x.gather(1, index)


class PooledReviewRNN(nn.Module):
    """Embedding -> recurrent layers (one or both directions) -> pooling over time -> Linear(., 1), one logit.

    Input: ids of shape (batch, seq_len) padded at the end with 0; the
    lengths are the counts of non-zero ids. Output: shape (batch,), a logit.

    - ``cell``: ``"rnn"`` (tanh), ``"gru"`` or ``"lstm"``; ``layers`` stacked.
    - ``padding="masked"``: every layer runs over the padded batch, but
      padding comes after the words, so no padded step reaches a real one; the
      backward direction reads each review reversed within its length, and
      pooling ignores the padded positions. ``"packed"``: packed sequences
      (padded steps are never computed; slower on a CPU, see the lesson).
    - ``pooling``: ``"last"`` reads h at each review's last word (and, backward,
      at its first); ``"max"`` / ``"mean"`` over every word's hidden state;
      ``"max+mean"`` both, concatenated.
    - ``dropout``: on the embeddings, between layers and before the output layer.
    - ``embedding_weights``: start the embedding from word vectors (fine-tuned).
    """

    def __init__(self, vocab_size: int, embedding_dim: int, hidden_size: int, *, cell: str = "rnn",
                 layers: int = 1, bidirectional: bool = True, pooling: str = "max", padding: str = "masked",
                 dropout: float = 0.0, embedding_weights: np.ndarray | torch.Tensor | None = None):
        super().__init__()
        for name, value in (("vocab_size", vocab_size), ("embedding_dim", embedding_dim),
                            ("hidden_size", hidden_size), ("layers", layers)):
            positive_int(name, value)
        one_of("cell", cell, sorted(CELLS))
        one_of("pooling", pooling, POOLINGS)
        one_of("padding", padding, PADDINGS)
        if not 0 <= dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=0)
        if embedding_weights is not None:
            weights = torch.as_tensor(np.asarray(embedding_weights), dtype=torch.float32)
            if tuple(weights.shape) != (vocab_size, embedding_dim):
                raise ValueError(f"embedding_weights must have shape (vocab_size, embedding_dim) = "
                                 f"({vocab_size}, {embedding_dim}), got {tuple(weights.shape)}")
            with torch.no_grad():
                self.embedding.weight.copy_(weights)
        self.directions = 2 if bidirectional else 1
        self.cell, self.pooling, self.padding = cell, pooling, padding
        rnn = CELLS[cell]
        if padding == "packed":
            self.rnn = rnn(embedding_dim, hidden_size, num_layers=layers, batch_first=True,
                           bidirectional=bidirectional, dropout=dropout if layers > 1 else 0.0)
        else:  # one unidirectional module per layer and direction
            width = hidden_size * self.directions
            self.layers = nn.ModuleList(
                nn.ModuleList(rnn(embedding_dim if i == 0 else width, hidden_size, batch_first=True)
                              for _ in range(self.directions))
                for i in range(layers))
        self.dropout = nn.Dropout(dropout)
        features = hidden_size * self.directions * (2 if pooling == "max+mean" else 1)
        self.out = nn.Linear(features, 1)

    def _states_masked(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        for i, layer in enumerate(self.layers):
            if i > 0:
                x = self.dropout(x)
            outputs = [layer[0](x)[0]]
            if self.directions == 2:
                backward, _ = layer[1](reverse_within_length(x, lengths))
                outputs.append(reverse_within_length(backward, lengths))
            x = torch.cat(outputs, dim=2) if len(outputs) == 2 else outputs[0]
        return x

    def _states_packed(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        states, _ = self.rnn(packed)
        states, _ = pad_packed_sequence(states, batch_first=True, total_length=x.shape[1])
        return states

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        lengths = review_lengths(ids)
        x = self.dropout(self.embedding(ids))
        states = (self._states_masked if self.padding == "masked" else self._states_packed)(x, lengths)
        mask = (torch.arange(ids.shape[1], device=ids.device) < lengths[:, None]).unsqueeze(-1)
        if self.pooling == "last":
            hidden = states.shape[2] // self.directions
            last = states[torch.arange(len(ids), device=ids.device), lengths - 1, :hidden]
            features = torch.cat([last, states[:, 0, hidden:]], dim=1) if self.directions == 2 else last
        else:
            pooled = []
            if self.pooling in ("max", "max+mean"):
                pooled.append(states.masked_fill(~mask, float("-inf")).amax(dim=1))
            if self.pooling in ("mean", "max+mean"):
                pooled.append((states * mask).sum(dim=1) / lengths[:, None])
            features = torch.cat(pooled, dim=1)
        return self.out(self.dropout(features)).squeeze(-1)


@dataclass
class BaselineResult:
    """The TF-IDF + logistic regression baseline: test accuracy, seconds, features."""

    accuracy: float
    seconds: float
    features: int
    description: str


def tfidf_baseline(train_texts, train_labels, test_texts, test_labels, *, ngrams: int = 2,
                   min_df: int = 2, C: float = 4.0, max_iter: int = 1000) -> BaselineResult:
    """TF-IDF of word 1..``ngrams``-grams (sublinear counts) + logistic regression, fitted on the training texts only."""
    positive_int("ngrams", ngrams)
    positive_int("min_df", min_df)
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    started = time.perf_counter()
    vectorizer = TfidfVectorizer(ngram_range=(1, ngrams), min_df=min_df, sublinear_tf=True)
    train = vectorizer.fit_transform(train_texts)
    classifier = LogisticRegression(C=C, max_iter=max_iter).fit(train, np.asarray(train_labels))
    accuracy = float((classifier.predict(vectorizer.transform(test_texts)) == np.asarray(test_labels)).mean())
    seconds = time.perf_counter() - started
    description = (f"TF-IDF of word 1-{ngrams}-grams (min_df={min_df}, sublinear tf), logistic regression C={C}")
    return BaselineResult(accuracy, seconds, train.shape[1], description)


# --------------------------------------------------------------------------- one step of the ablation


@dataclass(frozen=True)
class StepConfig:
    """Everything one row of the lesson's ablation table changes.

    ``bucket_batches``: the batches sorted together (:class:`LengthBuckets`'s
    ``pool_batches``; 1 means no buckets: random batches, each cut at its
    longest review). ``batching="fixed"`` is lab record 000's input: every review cut to its
    first ``maxlen`` words and padded in front ("pre") to exactly ``maxlen``,
    read by :class:`labhelpers.imdb_models.ReviewRNN` at its last step;
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
        for name in ("embedding_dim", "hidden_size", "layers", "num_words", "maxlen", "batch_size", "bucket_batches",
                     "epochs"):
            positive_int(name, getattr(self, name))
        if self.batching == "fixed" and (self.bidirectional or self.pooling != "last" or self.layers != 1):
            raise ValueError("batching='fixed' is the record's model: one layer, one direction, pooling='last'")
        if not 0 < self.lr_decay <= 1:
            raise ValueError(f"lr_decay must be in (0, 1] (1: a constant learning rate), got {self.lr_decay!r}")


# The record's model, lab record 000 (E1), with the fixed pipeline's logits loss, on the official split.
RECORD_STEP = StepConfig(
    "E1 record", "lab record 000: RNN(64) read at its last step, 10k words, pre-padded to 200",
    batching="fixed", embedding_dim=64, hidden_size=64, bidirectional=False, pooling="last", num_words=10000,
    maxlen=200, dropout=0.0, clip_grad_norm=None, lr=1e-3, epochs=20)

# Encode once with the largest vocabulary and length any step uses; each step cuts it down.
ENCODING = {"num_words": 30000, "maxlen": 800, "n_val": 2500}


def ablation_steps() -> list[StepConfig]:
    """The lesson's steps, each one change on top of the previous (the cells swap in at the end)."""
    masked = replace(RECORD_STEP, name="masked, last state", batching="buckets", epochs=10,
                     change="padding at the end, length buckets, the state at each review's true last word")
    pooled = replace(masked, name="max+mean pooling", pooling="max+mean",
                     change="max and mean over every word's hidden state instead of the last one")
    both = replace(pooled, name="BiRNN", bidirectional=True, change="a second direction, reading backwards")
    clipped = replace(both, name="BiRNN + clipping", clip_grad_norm=1.0, change="gradient norm clipped at 1")
    longer = replace(clipped, name="BiRNN, 30k words, 800 long", num_words=30000, maxlen=800,
                     change="vocabulary 10k -> 30k words, reviews cut at 800 words instead of 200")
    wider = replace(longer, name="BiRNN 128 + dropout", embedding_dim=128, hidden_size=128, dropout=0.3,
                    lr=2e-3, lr_decay=0.5, epochs=4,
                    change="128 units, embedding 128, dropout 0.3; learning rate 2e-3 halved every epoch")
    word2vec = replace(wider, name="BiRNN + word2vec", word2vec=5,
                       change="embedding started from word2vec trained on the training reviews")
    gru = replace(word2vec, name="BiGRU + word2vec", cell="gru", epochs=3, change="GRU cells instead of tanh")
    lstm = replace(word2vec, name="BiLSTM + word2vec", cell="lstm", epochs=3, change="LSTM cells instead of tanh")
    return [masked, pooled, both, clipped, longer, wider, word2vec, gru, lstm]


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
        """Ids of a part with words ranked ``num_words`` or below mapped to the OOV id 1, first ``maxlen`` words.

        ``batching="fixed"``: padded in front to exactly ``maxlen`` (the record's
        layout); ``"buckets"``: padded at the end.
        """
        if maxlen > self.maxlen:
            raise ValueError(f"maxlen {maxlen} is longer than the encoded reviews ({self.maxlen}): "
                             "encode with a larger maxlen")
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
        rows.append(candidates[np.argsort(ids[candidates], kind="stable")[len(candidates) - share:]])
    return np.sort(np.concatenate(rows))


def split_reviews(records, *, num_words: int, maxlen: int, n_val: int, seed: int = 0,
                  cache: bool = True) -> ReviewSplits:
    """Tokenize ``records`` (:class:`labhelpers.data.imdb.ReviewData`) on the training reviews; carve a validation part."""
    from .text import encode_texts

    positive_int("n_val", n_val)
    train_texts, test_texts = records.train["review"].tolist(), records.test["review"].tolist()
    if n_val >= len(train_texts):
        raise ValueError(f"n_val={n_val} leaves no training reviews (there are {len(train_texts)})")
    encoded = encode_texts(train_texts, {"train": train_texts, "test": test_texts}, num_words=num_words,
                           oov_token="<OOV>", maxlen=maxlen, padding="post", truncating="post",
                           name=f"strong-{records.source}-{records.split}", cache=cache)
    val = validation_rows(records.train, n_val, seed)
    if "review_id" in records.train:
        carve = "a block of review ids: other movies"
    elif records.is_imdb:
        carve = f"a random draw, seed {seed}: this split has no review ids, so validation may share movies with training"
    else:
        carve = "random"  # generated reviews are about no movie
    train = np.setdiff1d(np.arange(len(train_texts)), val)
    labels = records.train["label"].to_numpy().astype(np.float32)
    return ReviewSplits(
        ids={"train": encoded.arrays["train"][train], "val": encoded.arrays["train"][val],
             "test": encoded.arrays["test"]},
        labels={"train": labels[train], "val": labels[val],
                "test": records.test["label"].to_numpy().astype(np.float32)},
        word_index=encoded.tokenizer.word_index,
        train_texts=[train_texts[i] for i in train],
        description=f"{records.description}; {len(train)} training, {n_val} validation ({carve}, carved from "
                    f"the training reviews), {len(test_texts)} test")


@dataclass
class StepResult:
    """What one trained step measured. Accuracies are fractions; seconds are wall time on this machine.

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
        return {"model": self.name, "change": self.change, "test accuracy": self.test_accuracy,
                "validation accuracy": self.val_accuracy, "best epoch": self.best_epoch, "epochs": self.epochs,
                "s / epoch": self.seconds_per_epoch, "tokens / s": self.tokens_per_second,
                "wall s": self.wall_seconds, "s to best epoch": self.seconds_to_best, "parameters": self.parameters}


def build_step_model(config: StepConfig, embedding_weights=None) -> nn.Module:
    if config.batching == "fixed":
        from .imdb_models import ReviewRNN

        return ReviewRNN(config.num_words, config.embedding_dim, config.hidden_size, cell=config.cell,
                         embedding_weights=embedding_weights)
    return PooledReviewRNN(config.num_words, config.embedding_dim, config.hidden_size, cell=config.cell,
                           layers=config.layers, bidirectional=config.bidirectional, pooling=config.pooling,
                           padding=config.padding, dropout=config.dropout, embedding_weights=embedding_weights)


def step_batches(config: StepConfig, splits: ReviewSplits, part: str, seed: int = 0):
    """The batches of one part for a step: :class:`LengthBuckets`, or the record's fixed-length batches."""
    from .training import TensorBatches

    ids = splits.inputs(part, config.num_words, config.maxlen, config.batching)
    training = part == "train"
    batch_size = config.batch_size if training else 256
    if config.batching == "fixed":
        return TensorBatches(torch.from_numpy(ids), torch.from_numpy(splits.labels[part]),
                             batch_size=batch_size, shuffle=training)
    return LengthBuckets(ids, splits.labels[part], batch_size=batch_size, shuffle=training,
                         pool_batches=config.bucket_batches, seed=seed)


def word2vec_weights(config: StepConfig, splits: ReviewSplits, seed: int = 0) -> np.ndarray:
    """An embedding matrix from word2vec (CBOW) trained on the training part's texts."""
    from .embeddings import embedding_matrix, train_word2vec
    from .text import text_to_word_sequence

    sentences = [text_to_word_sequence(text) for text in splits.train_texts]
    vectors = train_word2vec(sentences, vector_size=config.embedding_dim, min_count=2, epochs=config.word2vec,
                             seed=seed)
    matrix, _ = embedding_matrix(splits.word_index, vectors, config.num_words, seed=seed)
    return matrix


def train_step(config: StepConfig, splits: ReviewSplits, *, seed: int = 0, device=None,
               progress: bool | None = None) -> StepResult:
    """Train one step's model from scratch; the epoch with the best validation accuracy is kept and tested.

    Wall time counts everything the step adds to the shared encoding: word
    vectors, training, validation and test passes.
    """
    from .models import count_parameters
    from .seeding import seed_everything
    from .training import EarlyStopping, fit, logits_accuracy, predict

    started = time.perf_counter()
    seed_everything(seed)
    weights = word2vec_weights(config, splits, seed) if config.word2vec else None
    model = build_step_model(config, weights)
    if device is not None:
        model.to(device)
    train, val, test = (step_batches(config, splits, part, seed) for part in ("train", "val", "test"))
    prepared = time.perf_counter() - started
    optimizer = (torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
                 if config.weight_decay else torch.optim.Adam(model.parameters(), lr=config.lr))
    scheduler = (torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=config.lr_decay)
                 if config.lr_decay != 1 else None)
    history = fit(model, nn.BCEWithLogitsLoss(), optimizer, train, val, epochs=config.epochs,
                  clip_grad_norm=config.clip_grad_norm, scheduler=scheduler, progress=progress,
                  early_stopping=EarlyStopping("val_accuracy", patience=config.epochs))
    output, target = predict(model, test)
    test_accuracy = float(logits_accuracy(output, target)) / len(target)
    best_epoch = int(np.argmax(history["val_accuracy"])) + 1
    tokens = sum(int((x != 0).sum()) for x, _ in train) if config.batching == "fixed" else train.tokens()
    seconds = float(np.mean(history["seconds"]))
    padded = 1 - tokens / sum(x.numel() for x, _ in train) if config.batching == "fixed" else train.padded_fraction()
    return StepResult(config.name, config.change, test_accuracy, float(history["val_accuracy"][best_epoch - 1]),
                      best_epoch, history.epochs, seconds, tokens / seconds, time.perf_counter() - started,
                      prepared + sum(history["seconds"][:best_epoch]), count_parameters(model), padded,
                      dict(history), asdict(config))


def training_throughput(config: StepConfig, splits: ReviewSplits, *, batches: int = 20, threads: int | None = None,
                        seed: int = 0) -> float:
    """Training words per second of a step's model (forward, backward, clipping, Adam) over ``batches`` batches.

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
            run_epoch(model, nn.BCEWithLogitsLoss(), part, torch.device("cpu"), None, optimizer,
                       config.clip_grad_norm, [])

        train_on(timed[:1])
        started = time.perf_counter()
        train_on(timed[1:])
        seconds = time.perf_counter() - started
        return sum(int((ids != 0).sum()) for ids, _ in timed[1:]) / seconds
    finally:
        torch.set_num_threads(previous)
