"""Metrics in NumPy: classification (tested against scikit-learn) and perplexity."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd


def _labels(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    y_true = np.asarray(y_true).reshape(-1)
    y_pred = np.asarray(y_pred).reshape(-1)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred must have the same length, got {y_true.size} and {y_pred.size}"
        )
    if y_true.size == 0:
        raise ValueError("y_true and y_pred are empty: there is nothing to score")
    return y_true, y_pred


def accuracy(y_true, y_pred) -> float:
    """Fraction of predictions equal to the labels."""
    y_true, y_pred = _labels(y_true, y_pred)
    return float(np.mean(y_true == y_pred))


def confusion_matrix(y_true, y_pred, n_classes: int | None = None) -> np.ndarray:
    """Counts ``C[i, j]`` of samples with label i predicted as j; shape (n_classes, n_classes)."""
    y_true, y_pred = _labels(y_true, y_pred)
    if n_classes is None:
        n_classes = int(max(y_true.max(), y_pred.max())) + 1
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (y_true.astype(np.int64), y_pred.astype(np.int64)), 1)
    return matrix


def _precision_recall_f1(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    true_positive = np.diag(matrix).astype(float)
    predicted = matrix.sum(axis=0)
    actual = matrix.sum(axis=1)
    # A class never predicted (or never present) scores 0, as scikit-learn does.
    precision = np.divide(
        true_positive, predicted, out=np.zeros_like(true_positive), where=predicted > 0
    )
    recall = np.divide(true_positive, actual, out=np.zeros_like(true_positive), where=actual > 0)
    total = precision + recall
    f1 = np.divide(2 * precision * recall, total, out=np.zeros_like(total), where=total > 0)
    return precision, recall, f1


def f1_score(y_true, y_pred, positive: int = 1) -> float:
    """Binary F1 = 2PR / (P + R) of the class ``positive``."""
    y_true, y_pred = _labels(y_true, y_pred)
    n_classes = int(max(y_true.max(), y_pred.max(), positive)) + 1
    _, _, f1 = _precision_recall_f1(confusion_matrix(y_true, y_pred, n_classes))
    return float(f1[positive])


def classification_report_table(
    y_true, y_pred, target_names: Sequence[str] | None = None
) -> pd.DataFrame:
    """Precision, recall, F1 and support per class, plus accuracy, macro and weighted averages.

    The same rows and numbers as ``sklearn.metrics.classification_report``, as a
    DataFrame that a notebook shows as a table.
    """
    y_true, y_pred = _labels(y_true, y_pred)
    n_classes = int(max(y_true.max(), y_pred.max())) + 1
    if target_names is None:
        target_names = [str(i) for i in range(n_classes)]
    if len(target_names) < n_classes:
        raise ValueError(
            f"target_names has {len(target_names)} names but the labels need {n_classes}"
        )
    n_classes = len(target_names)
    matrix = confusion_matrix(y_true, y_pred, n_classes)
    precision, recall, f1 = _precision_recall_f1(matrix)
    support = matrix.sum(axis=1)
    rows = {
        name: [precision[i], recall[i], f1[i], support[i]] for i, name in enumerate(target_names)
    }
    total = support.sum()
    rows["accuracy"] = [np.nan, np.nan, accuracy(y_true, y_pred), total]
    rows["macro avg"] = [precision.mean(), recall.mean(), f1.mean(), total]
    weights = support / total
    rows["weighted avg"] = [precision @ weights, recall @ weights, f1 @ weights, total]
    table = pd.DataFrame.from_dict(
        rows, orient="index", columns=["precision", "recall", "f1-score", "support"]
    )
    table["support"] = table["support"].astype(int)
    return table


def perplexity(mean_cross_entropy: float) -> float:
    """Perplexity = exp(mean cross-entropy per character, in nats).

    A model that spreads its probability evenly over V characters scores V.
    """
    return float(math.exp(mean_cross_entropy))
