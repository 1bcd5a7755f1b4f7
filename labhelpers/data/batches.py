"""Every batcher of the lessons: tensors in shuffled
batches, reviews in length buckets, text for truncated BPTT.

- :class:`TensorBatches`: ``(inputs, targets)`` tensors cut into (shuffled) batches.
- :class:`LengthBuckets`: padded reviews grouped with others of similar length,
  each batch cut at its longest review (lesson 13).
- :class:`BPTTBatches`: one long encoded text cut into parallel streams and
  windows for truncated backpropagation through time (lesson 12).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import torch

from ..base.checks import positive_int
from .text import review_lengths


class TensorBatches:
    """Mini-batches sliced from in-memory tensors: a much lighter DataLoader.

    Shuffling draws from torch's global generator, like DataLoader does, so a
    seeded run (and a run resumed from a checkpoint) sees the same batches.
    """

    def __init__(self, *tensors: torch.Tensor, batch_size: int, shuffle: bool = False):
        if not tensors:
            raise ValueError("TensorBatches needs at least one tensor")
        n = len(tensors[0])
        if any(len(t) != n for t in tensors):
            raise ValueError(
                f"all tensors must have the same first dimension, got {[len(t) for t in tensors]}"
            )
        positive_int("batch_size", batch_size)
        self.tensors, self.batch_size, self.shuffle = tensors, batch_size, shuffle

    def __len__(self) -> int:
        return math.ceil(len(self.tensors[0]) / self.batch_size)

    def __iter__(self):
        n = len(self.tensors[0])
        if self.shuffle:
            order = torch.randperm(n)
            tensors = [t[order] for t in self.tensors]
        else:
            tensors = self.tensors
        for start in range(0, n, self.batch_size):
            yield tuple(t[start : start + self.batch_size] for t in tensors)


def _as_ids(ids) -> torch.Tensor:
    ids = torch.as_tensor(np.asarray(ids))
    if ids.ndim != 2 or ids.dtype not in (torch.int32, torch.int64):
        raise ValueError(
            f"ids must be an integer array of shape (n_reviews, maxlen), got {tuple(ids.shape)} "
            f"{ids.dtype}"
        )
    return ids.long()


class LengthBuckets:
    """Re-iterable ``(ids, labels)`` batches of reviews
    of similar length, each cut at its longest review.

    ``ids``: shape (n, maxlen), padded at the end with 0 (``padding="post"``);
    ``labels``: shape (n,). With ``shuffle`` every epoch draws a new order:
    the reviews are shuffled, cut into pools of ``batch_size * pool_batches``,
    each pool is sorted by length and cut into batches, and the batches are
    shuffled. Without it (evaluation) the reviews are sorted by length once, so
    the batches hold the fewest padded positions. The order depends only on
    ``seed`` and the epoch number.
    """

    def __init__(
        self,
        ids,
        labels,
        *,
        batch_size: int,
        shuffle: bool = False,
        pool_batches: int = 50,
        seed: int = 0,
    ):
        self.ids = _as_ids(ids)
        self.labels = torch.as_tensor(np.asarray(labels))
        if len(self.labels) != len(self.ids):
            raise ValueError(
                "ids and labels must have the same length, "
                f"got {len(self.ids)} and {len(self.labels)}"
            )
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


class BPTTBatches:
    """Batches for truncated backpropagation through time, with a state that can be carried over.

    The encoded text s_0..s_{n-1} is cut into ``batch_size`` contiguous streams
    of L = (n - 1) // batch_size characters each (the remainder is dropped);
    stream b reads s_{bL}..s_{bL+L-1} and its target is the same stream shifted
    by one, s_{bL+1}..s_{bL+L}. Batch k holds columns k*seq_len to
    (k+1)*seq_len - 1 of every stream (the last batch may be shorter), so row b
    of batch k+1 continues row b of batch k: a model may keep its hidden state
    from one batch to the next (detached from the graph, which is the
    truncation). Yields ``(inputs, targets)``, both int64 of shape
    (batch_size, <= seq_len).
    """

    def __init__(self, indices, batch_size: int, seq_len: int):
        self.batch_size = positive_int("batch_size", batch_size)
        self.seq_len = positive_int("seq_len", seq_len)
        indices = np.asarray(indices, dtype=np.int64).reshape(-1)
        if len(indices) == 0:
            raise ValueError("the encoded text is empty: there is nothing to batch")
        self.stream_len = (len(indices) - 1) // self.batch_size
        if self.stream_len < 1:
            raise ValueError(
                f"{len(indices)} characters are too few for batch_size={batch_size} streams "
                "(each needs at least 2): lower batch_size or use a longer text"
            )
        used = self.batch_size * self.stream_len
        self.inputs = indices[:used].reshape(self.batch_size, self.stream_len)
        # targets[b, j] = indices[b L + j + 1]: the character after inputs[b, j].
        self.targets = indices[1 : used + 1].reshape(self.batch_size, self.stream_len)

    def __len__(self) -> int:
        return -(-self.stream_len // self.seq_len)

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for start in range(0, self.stream_len, self.seq_len):
            yield (
                self.inputs[:, start : start + self.seq_len],
                self.targets[:, start : start + self.seq_len],
            )

    @property
    def n_characters(self) -> int:
        """How many (input, target) character pairs one pass covers."""
        return self.batch_size * self.stream_len
