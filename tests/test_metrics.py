import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn import metrics as sk

from labhelpers.metrics import (
    accuracy,
    classification_report_table,
    confusion_matrix,
    f1_score,
    perplexity,
)

from conftest import says


@pytest.mark.parametrize("seed", range(5))
def test_against_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, 2, 97)
    y_pred = np.where(rng.random(97) < 0.7, y_true, 1 - y_true)
    assert accuracy(y_true, y_pred) == pytest.approx(sk.accuracy_score(y_true, y_pred))
    assert f1_score(y_true, y_pred) == pytest.approx(sk.f1_score(y_true, y_pred))
    np.testing.assert_array_equal(
        confusion_matrix(y_true, y_pred), sk.confusion_matrix(y_true, y_pred)
    )
    ours = classification_report_table(y_true, y_pred, ["neg", "pos"])
    theirs = sk.classification_report(y_true, y_pred, target_names=["neg", "pos"], output_dict=True)
    for row in ("neg", "pos", "macro avg", "weighted avg"):
        for column in ("precision", "recall", "f1-score", "support"):
            assert ours.loc[row, column] == pytest.approx(theirs[row][column]), (row, column)
    assert ours.loc["accuracy", "f1-score"] == pytest.approx(theirs["accuracy"])


def test_three_classes_and_a_class_never_predicted():
    y_true = np.array([0, 1, 2, 2, 1, 0, 2])
    # class 1 never predicted: precision 0, as scikit-learn
    y_pred = np.array([0, 0, 2, 2, 0, 0, 2])
    ours = classification_report_table(y_true, y_pred)
    theirs = sk.classification_report(y_true, y_pred, output_dict=True, zero_division=0)
    for row in ("0", "1", "2", "macro avg", "weighted avg"):
        assert ours.loc[row, "precision"] == pytest.approx(theirs[row]["precision"])
        assert ours.loc[row, "f1-score"] == pytest.approx(theirs[row]["f1-score"])


def test_bad_input():
    with pytest.raises(ValueError, match="same length"):
        accuracy([0, 1], [1])
    with pytest.raises(ValueError, match="empty"):
        f1_score([], [])
    with pytest.raises(ValueError, match="target_names has 1 names"):
        classification_report_table([0, 1], [1, 1], ["only"])


def test_perplexity_of_uniform_scores_is_the_vocabulary_size():
    assert perplexity(0.0) == 1.0
    logits = torch.zeros(10, 13)
    loss = F.cross_entropy(logits, torch.arange(10))
    assert perplexity(loss.item()) == pytest.approx(13.0)


def report_matches_scikit_learn(ours, y_true, y_pred, names, labels):
    theirs = sk.classification_report(
        y_true, y_pred, labels=labels, target_names=names, output_dict=True, zero_division=0
    )
    assert list(ours.index) == [*names, "accuracy", "macro avg", "weighted avg"]
    assert list(ours.columns) == ["precision", "recall", "f1-score", "support"]
    assert ours["support"].dtype == np.int64
    for row in (*names, "macro avg", "weighted avg"):
        for column in ("precision", "recall", "f1-score", "support"):
            assert ours.loc[row, column] == pytest.approx(theirs[row][column], abs=1e-12), (
                row,
                column,
            )
    assert ours.loc["accuracy", "f1-score"] == pytest.approx(sk.accuracy_score(y_true, y_pred))
    assert ours.loc["accuracy", "support"] == len(y_true)
    assert np.isnan(ours.loc["accuracy", "precision"]) and np.isnan(ours.loc["accuracy", "recall"])


def test_three_classes_every_column_against_scikit_learn():
    rng = np.random.default_rng(7)
    y_true = rng.integers(0, 3, 61)
    y_pred = np.where(rng.random(61) < 0.6, y_true, rng.integers(0, 3, 61))
    ours = classification_report_table(y_true, y_pred, ["a", "b", "c"])
    report_matches_scikit_learn(ours, y_true, y_pred, ["a", "b", "c"], [0, 1, 2])
    y_pred[y_pred == 1] = 0  # class b never predicted
    y_true[:3] = 0
    ours = classification_report_table(y_true, y_pred, ["a", "b", "c"])
    report_matches_scikit_learn(ours, y_true, y_pred, ["a", "b", "c"], [0, 1, 2])


def test_more_names_than_labels_reports_the_absent_classes_as_zero():
    y_true, y_pred = np.array([0, 1, 1, 0, 1]), np.array([0, 1, 0, 0, 1])
    ours = classification_report_table(y_true, y_pred, ["neg", "pos", "unused"])
    report_matches_scikit_learn(ours, y_true, y_pred, ["neg", "pos", "unused"], [0, 1, 2])
    assert ours.loc["unused"].tolist() == [0.0, 0.0, 0.0, 0]


def test_labels_of_any_shape_are_flattened():
    y_true = np.array([[0, 1, 2], [1, 1, 0]])
    y_pred = np.array([[0, 2, 2], [1, 0, 0]])
    assert accuracy(y_true, y_pred) == pytest.approx(4 / 6)
    flat_true, flat_pred = y_true.reshape(-1), y_pred.reshape(-1)
    np.testing.assert_array_equal(
        confusion_matrix(y_true, y_pred), sk.confusion_matrix(flat_true, flat_pred)
    )
    per_class = sk.f1_score(flat_true, flat_pred, average=None)
    assert f1_score(y_true, y_pred) == pytest.approx(per_class[1])
    table = classification_report_table(y_true, y_pred)
    report_matches_scikit_learn(table, flat_true, flat_pred, ["0", "1", "2"], [0, 1, 2])


def test_confusion_matrix_with_more_classes_and_f1_of_either_class():
    y_true, y_pred = [0, 1, 1, 2], [1, 1, 0, 2]
    np.testing.assert_array_equal(
        confusion_matrix(y_true, y_pred, n_classes=5),
        sk.confusion_matrix(y_true, y_pred, labels=range(5)),
    )
    binary_true, binary_pred = [0, 0, 1, 1, 0], [0, 1, 1, 1, 1]
    for positive in (0, 1):
        assert f1_score(binary_true, binary_pred, positive=positive) == pytest.approx(
            sk.f1_score(binary_true, binary_pred, pos_label=positive)
        )
    # the positive class appears nowhere: F1 0, as scikit-learn with zero_division=0
    assert f1_score([0, 0], [0, 0], positive=3) == sk.f1_score(
        [0, 0], [0, 0], labels=[3], average="macro", zero_division=0
    )


def test_metric_messages():
    with pytest.raises(ValueError, match=says("y_true and y_pred", "same length", "got 2 and 1")):
        accuracy([0, 1], [1])
    with pytest.raises(ValueError, match=says("y_true and y_pred", "empty")):
        f1_score([], [])
    with pytest.raises(ValueError, match=says("target_names has 1 names", "labels need 2")):
        classification_report_table([0, 1], [1, 1], ["only"])


def test_perplexity_is_the_exponential():
    for value in (0.5, math.log(7), 3.25):
        assert perplexity(value) == math.exp(value)


def test_many_small_label_sets_against_scikit_learn():
    # Small sets reach every corner: classes predicted or present once, never, P + R <= 1.
    rng = np.random.default_rng(11)
    for _ in range(12):
        y_true, y_pred = rng.integers(0, 3, 6), rng.integers(0, 3, 6)
        precision, recall, f1, support = sk.precision_recall_fscore_support(
            y_true, y_pred, labels=[0, 1, 2], zero_division=0
        )
        ours = classification_report_table(y_true, y_pred, ["a", "b", "c"])
        np.testing.assert_allclose(
            ours.loc[["a", "b", "c"]].to_numpy(dtype=float),
            np.stack([precision, recall, f1, support], axis=1),
            rtol=1e-12,
            atol=1e-12,
        )
        matrix = confusion_matrix(y_true, y_pred, n_classes=3)
        assert matrix.dtype == np.int64
        np.testing.assert_array_equal(matrix, sk.confusion_matrix(y_true, y_pred, labels=[0, 1, 2]))
        for positive in (0, 1, 2):
            assert f1_score(y_true, y_pred, positive=positive) == pytest.approx(f1[positive])
