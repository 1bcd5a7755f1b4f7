"""labhelpers.strong_imdb: length buckets, masking against
packed sequences, the ablation steps, the baseline."""

from dataclasses import fields, replace
from types import SimpleNamespace

import pytest

from labhelpers.lessons.imdb_strong import (
    ENCODING,
    RECORD_STEP,
    SETTING_LABELS,
    StepConfig,
    ablation_steps,
    changes_from,
    compared_with,
    describe_step,
    direct_gradient_share,
    step_comparisons,
    step_effects,
    tfidf_baseline,
    train_step,
    training_throughput,
)


def test_steps_are_valid():
    steps = ablation_steps()
    assert len({step.name for step in steps}) == len(steps)
    assert (
        RECORD_STEP.batching == "fixed" and RECORD_STEP.epochs == 20 and RECORD_STEP.maxlen == 200
    )
    for step in steps:
        assert step.num_words <= ENCODING["num_words"] and step.maxlen <= ENCODING["maxlen"]
        assert step.change
    assert {step.cell for step in steps} == {"rnn", "gru", "lstm"}
    with pytest.raises(ValueError, match="record's model"):
        StepConfig("x", batching="fixed", bidirectional=True)
    with pytest.raises(ValueError, match="batching"):
        StepConfig("x", batching="sorted")


@pytest.mark.parametrize(
    "step", [RECORD_STEP, ablation_steps()[-3], ablation_steps()[-1]], ids=lambda s: s.name
)
def test_train_step_measures_what_it_reports(synthetic_splits, step, one_torch_thread):
    _, splits = synthetic_splits
    step = replace(
        step,
        num_words=500,
        maxlen=60,
        embedding_dim=8,
        hidden_size=8,
        epochs=2,
        word2vec=min(step.word2vec, 1),
    )
    result = train_step(step, splits, progress=False)
    assert 0 <= result.test_accuracy <= 1 and result.epochs == 2
    assert result.val_accuracy == max(result.history["val_accuracy"])
    assert (
        result.tokens_per_second > 0 and result.wall_seconds >= 2 * result.seconds_per_epoch * 0.5
    )
    assert training_throughput(step, splits, batches=2, threads=1) > 0


def test_tfidf_baseline_learns_the_generated_reviews(synthetic_splits):
    reviews, _ = synthetic_splits
    result = tfidf_baseline(
        reviews.train["review"],
        reviews.train["label"],
        reviews.test["review"],
        reviews.test["label"],
    )
    assert 0.5 < result.accuracy <= 1 and result.features > 0
    assert result.n_test == len(reviews.test)


def test_tfidf_baseline_is_the_plain_scikit_learn_pipeline_fitted_on_training_texts_only(
    synthetic_splits,
):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    reviews, _ = synthetic_splits
    train, test = reviews.train, reviews.test
    result = tfidf_baseline(
        train["review"], train["label"], test["review"], test["label"], ngrams=2, min_df=2, C=4.0
    )
    pipeline = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
        LogisticRegression(C=4.0, max_iter=1000),
    ).fit(train["review"], train["label"])
    assert result.accuracy == pipeline.score(test["review"], test["label"])
    assert result.features == len(pipeline[0].vocabulary_)


@pytest.mark.parametrize("step", [RECORD_STEP, ablation_steps()[-1]], ids=lambda s: s.name)
def test_train_step_scores_the_test_split_once_and_counts_only_real_words(
    synthetic_splits, step, monkeypatch, one_torch_thread
):
    import numpy as np

    import labhelpers.training
    from labhelpers.lessons.imdb_strong import step_batches

    _, splits = synthetic_splits
    step = replace(
        step, num_words=500, maxlen=60, embedding_dim=8, hidden_size=8, epochs=2, word2vec=0
    )
    scored = []
    real_predict = labhelpers.training.predict

    def spy(model, batches, device=None):
        scored.append(real_predict(model, batches, device))
        return scored[-1]

    monkeypatch.setattr(labhelpers.training, "predict", spy)
    result = train_step(step, splits, progress=False)
    [(logits, target)] = scored  # one prediction pass: the test split, once
    assert sorted(target.tolist()) == sorted(splits.labels["test"].tolist())
    assert result.test_accuracy == pytest.approx(
        ((logits > 0).float() == target).float().mean().item()
    )
    # Words per second: the training reviews' words (not their padding) per second of an epoch.
    ids = splits.inputs("train", step.num_words, step.maxlen, step.batching)
    words = sum(int(np.count_nonzero(review)) for review in ids)
    assert result.tokens_per_second * result.seconds_per_epoch == pytest.approx(words)
    slots = sum(x.numel() for x, _ in step_batches(step, splits, "train"))
    assert result.padded_fraction == pytest.approx(1 - words / slots)


def _differing(a, b):
    return [
        f.name
        for f in fields(a)
        if f.name not in ("name", "change") and getattr(a, f.name) != getattr(b, f.name)
    ]


def test_each_row_lists_every_setting_it_changes_from_the_row_it_is_compared_with():
    """'Each row changes one thing' was false (the wider row changes six settings): the
    table lists every change, computed from the settings."""
    steps = [RECORD_STEP, *ablation_steps()]
    parents = compared_with(steps)
    names = [s.name for s in steps]
    assert parents[0] is None
    # Gated cells change the cell of the last tanh row; the others the row above.
    assert parents[names.index("BiGRU + word2vec")] == names.index("BiRNN + word2vec")
    assert parents[names.index("BiLSTM + word2vec")] == names.index("BiRNN + word2vec")
    assert parents[names.index("BiRNN")] == names.index("max+mean pooling")
    for step, parent in zip(steps[1:], parents[1:]):
        listed = changes_from(steps[parent], step).split("; ")
        differing = _differing(steps[parent], step)
        assert len(listed) == len(differing) >= 1, (step.name, listed)
        for name, item in zip(differing, listed):
            assert item.startswith(SETTING_LABELS[name] + " ")
    wider = steps[names.index("BiRNN wider + dropout")]
    assert len(changes_from(steps[names.index(wider.name) - 1], wider).split("; ")) == 6
    assert "epochs 20 -> 10" in changes_from(RECORD_STEP, steps[1])
    assert changes_from(steps[2], replace(steps[2])).startswith("no setting")


def test_descriptions_come_from_the_settings():
    wider = next(s for s in ablation_steps() if s.name == "BiRNN wider + dropout")
    text = describe_step(wider)
    assert text.startswith("bidirectional tanh RNN(128), max+mean pooling, first 800 words")
    assert "dropout 0.3" in text and "Adam lr 0.002 x 0.5 per epoch, 4 epochs" in text
    # A capped profile, or a -p sweep, gets its own description.
    small = replace(wider, hidden_size=16, embedding_dim=16, maxlen=120, cell="gru")
    assert describe_step(small).startswith("bidirectional GRU(16), max+mean pooling, first 120")
    assert describe_step(RECORD_STEP).startswith("tanh RNN(64), read at its last step, 200 words")
    assert "dropout" not in describe_step(RECORD_STEP)


def _results(*accuracies):
    return [SimpleNamespace(name=f"m{i}", test_accuracy=a) for i, a in enumerate(accuracies)]


def test_step_comparisons_give_every_row_its_noise_and_verdict():
    steps = [RECORD_STEP, *ablation_steps()[:3]]
    n = 1000
    # above (+10 points), within noise (+0.5), below (-10)
    results = _results(0.70, 0.80, 0.805, 0.705)
    table = step_comparisons(steps, results, n)
    assert list(table["verdict"]) == ["", "above", "within noise", "below"]
    assert table.loc["m1", "±"] == pytest.approx(100 * (0.8 * 0.2 / n) ** 0.5)
    se = 100 * ((0.8 * 0.2 + 0.7 * 0.3) / n) ** 0.5
    assert table.loc["m1", "difference (points)"] == f"+10.00 ± {se:.2f}"
    assert table.loc["m1", "compared with"] == "m0"
    assert table.loc["m2", "changes"] == changes_from(steps[1], steps[2])
    effects = step_effects(steps, results, n)
    assert [round(d, 3) for d, _ in effects] == [0.1, 0.005, -0.1]
    assert " gains 10.00 ± " in effects[0][1] and "within noise" in effects[1][1]
    assert " costs 10.00 ± " in effects[2][1] and "against *m2*" in effects[2][1]
    with pytest.raises(ValueError, match="4 steps but 3 results"):
        step_comparisons(steps, results[:3], n)


@pytest.mark.parametrize(
    "pooling, bidirectional", [("max", False), ("max+mean", True), ("last", False), ("last", True)]
)
def test_direct_gradient_share_is_the_arg_max_step_under_max_pooling(pooling, bidirectional):
    """'Every word gets a gradient of its own size' under max pooling was false: only each
    unit's arg-max step gets that unit's gradient; mean pooling reaches every step."""
    import torch

    from labhelpers.models import PooledReviewRNN

    torch.manual_seed(0)
    hidden, length = 6, 12
    model = PooledReviewRNN(50, 5, hidden, pooling=pooling, bidirectional=bidirectional)
    ids = torch.randint(1, 50, (4, length))
    ids[1, 9:] = 0  # one shorter review: padding is not a word
    words = int((ids != 0).sum())
    share = direct_gradient_share(model, ids)
    assert share["reviews"] == 4
    assert model.training and all(p.grad is None for p in model.parameters())
    units = hidden * (2 if bidirectional else 1)
    if pooling == "max":
        # Independently: the arg-max step of each unit, among the real words.
        with torch.no_grad():
            states = model._states_masked(model.embedding(ids), (ids != 0).sum(1))
        states[ids == 0] = float("-inf")
        arg = states.argmax(dim=1)  # (reviews, units)
        distinct = sum(len(set(row.tolist())) for row in arg)
        assert share["pairs"] == pytest.approx(len(ids) * units / (words * units))
        assert share["words"] == pytest.approx(distinct / words) and share["words"] < 1
        assert share["max_words"] == pytest.approx(share["words"])
    elif pooling == "max+mean":
        assert share["words"] == 1.0 and share["pairs"] == 1.0 and share["max_words"] < 1
    else:  # one step per direction and review
        per_review = 2 if bidirectional else 1
        assert share["words"] == pytest.approx(per_review * len(ids) / words)


def test_lesson_11_states_no_rule_the_review_found_false():
    """Issue 22: a bidirectional encoder of a finished window can forecast (lesson 11); max
    pooling does not give every word a gradient; the rows do not each change one thing;
    the sources of the bidirectional RNN and of dropout in RNNs are cited."""
    import re

    from conftest import ROOT

    text = re.sub(
        r"\s+",
        " ",
        " ".join(
            line.lstrip("# ")
            for line in (ROOT / "notebooks" / "13_imdb_strong.py").read_text().splitlines()
        ),
    )
    for false in (
        r"(cannot|can't|must not|may not) (be used to )?forecast",
        r"Forecasting \(lesson 11\) and generation \(lesson 12\) are different",
        r"when lessons 11 and 12 must not",
        r"gradient of its own size",
        r"changes one thing",
        r"one change at a time",
    ):
        assert not re.search(false, text, re.IGNORECASE), false
    assert "a bidirectional encoder of that window reads only the past, so it can forecast" in text
    assert "per-step prediction, generation, streaming" in text
    assert "Schuster & Paliwal, 1997" in text and "Gal & Ghahramani (2016)" in text
