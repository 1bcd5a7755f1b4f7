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
