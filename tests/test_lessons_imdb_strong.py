"""labhelpers.strong_imdb: length buckets, masking against
packed sequences, the ablation steps, the baseline."""

from dataclasses import replace

import pytest

from labhelpers.lessons.imdb_strong import (
    ENCODING,
    RECORD_STEP,
    StepConfig,
    ablation_steps,
    tfidf_baseline,
    train_step,
    training_throughput,
)


def test_steps_change_one_thing_at_a_time_and_are_valid():
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
    records, _ = synthetic_splits
    result = tfidf_baseline(
        records.train["review"],
        records.train["label"],
        records.test["review"],
        records.test["label"],
    )
    assert 0.5 < result.accuracy <= 1 and result.features > 0


def test_tfidf_baseline_is_the_plain_scikit_learn_pipeline_fitted_on_training_texts_only(
    synthetic_splits,
):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    records, _ = synthetic_splits
    train, test = records.train, records.test
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
