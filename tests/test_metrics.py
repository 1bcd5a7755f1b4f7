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
