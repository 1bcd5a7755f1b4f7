import copy
import math
import time

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from labhelpers.base.progress import epoch_line
from labhelpers.base.runtime import seed_everything
from labhelpers.data.batches import BPTTBatches, TensorBatches
from labhelpers.data.chars import CharCodec
from labhelpers.lessons.char_rnn import generate_text
from labhelpers.models import CharRNN, LastStepRNN
from labhelpers.training import (
    EarlyStopping,
    History,
    fit,
    fit_char_model,
    logits_accuracy,
    next_value_predictor,
    predict,
    probability_accuracy,
    run_bptt_epoch,
)

from conftest import says


def sum_task(n=256, seed=0):
    generator = torch.Generator().manual_seed(seed)
    X = torch.rand(n, 6, 1, generator=generator)
    y = (X.sum(dim=(1, 2)) > 3).long()
    return X, y


def make(seed=0, hidden=8):
    torch.manual_seed(seed)
    model = LastStepRNN(1, hidden, 2)
    return model, torch.optim.Adam(model.parameters(), lr=0.02)


def loaders(batch_size=32):
    X, y = sum_task()
    return TensorBatches(X[:192], y[:192], batch_size=batch_size, shuffle=True), TensorBatches(
        X[192:], y[192:], batch_size=64
    )


class SumTaskRun:
    """The sum task's model and optimizer (``make()``) and batches (``loaders()``); ``fit``
    trains them with the cross-entropy and no progress bar, each keyword replacing one of
    :func:`fit`'s arguments."""

    def __init__(self):
        self.model, self.optimizer = make()
        self.train, self.val = loaders()

    def fit(self, **arguments):
        defaults = {
            "model": self.model,
            "loss_fn": nn.CrossEntropyLoss(),
            "optimizer": self.optimizer,
            "train_batches": self.train,
            "val_batches": self.val,
            "progress": False,
        }
        return fit(**{**defaults, **arguments})


@pytest.fixture
def trainer():
    return SumTaskRun()


def test_fit_learns_and_reports_keras_keys(trainer):
    history = trainer.fit(epochs=30, log_every=100)
    assert isinstance(history, History) and history.epochs == 30
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy", "seconds"}
    assert all(len(values) == 30 for values in history.values())
    assert history["loss"][-1] < history["loss"][0]
    assert history["val_accuracy"][-1] > 0.8


def test_fit_matches_a_hand_written_loop_exactly(trainer):
    torch.manual_seed(5)
    history = trainer.fit(epochs=3)

    reference, ref_optimizer = make()
    torch.manual_seed(5)
    losses = []
    for _ in range(3):
        total, count = 0.0, 0
        for inputs, target in trainer.train:
            loss = nn.functional.cross_entropy(reference(inputs), target)
            ref_optimizer.zero_grad()
            loss.backward()
            ref_optimizer.step()
            total, count = total + loss.item() * len(target), count + len(target)
        losses.append(total / count)
    for ours, theirs in zip(trainer.model.parameters(), reference.parameters()):
        torch.testing.assert_close(ours, theirs, rtol=0, atol=0)
    assert history["loss"] == pytest.approx(losses, rel=1e-6)
    with torch.no_grad():
        X_val, y_val = next(iter(trainer.val))
        expected = nn.functional.cross_entropy(reference(X_val), y_val).item()
    assert history["val_loss"][-1] == pytest.approx(expected, rel=1e-6)


def test_plain_lines_every_n_epochs(capsys, trainer):
    trainer.fit(epochs=5, log_every=2)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in lines] == ["2/5", "4/5", "5/5"]
    assert "val_accuracy" in lines[0]


def test_regression_without_accuracy():
    X = torch.randn(64, 5, 1)
    y = X.sum(dim=1)
    torch.manual_seed(0)
    model = LastStepRNN(1, 8, 1)
    history = fit(
        model,
        nn.MSELoss(),
        torch.optim.Adam(model.parameters(), 0.01),
        TensorBatches(X, y, batch_size=16),
        epochs=2,
        accuracy_fn=None,
        progress=False,
    )
    assert set(history) == {"loss", "seconds"}


def test_gradient_clipping_records_the_norm_before_clipping(trainer):
    history = trainer.fit(val_batches=None, epochs=2, clip_grad_norm=1e-3)
    assert len(history["grad_norm"]) == 2 * len(trainer.train)
    assert min(history["grad_norm"]) > 1e-3  # measured before clipping
    total = torch.linalg.vector_norm(
        torch.stack([p.grad.norm() for p in trainer.model.parameters()])
    )
    assert total.item() <= 1e-3 * 1.0001  # the last step's gradient was clipped


def test_infinite_clip_records_norms_without_clipping(trainer):
    history = trainer.fit(val_batches=None, epochs=1, clip_grad_norm=math.inf)
    total = torch.linalg.vector_norm(
        torch.stack([p.grad.norm() for p in trainer.model.parameters()])
    )
    assert history["grad_norm"][-1] == pytest.approx(total.item(), rel=1e-5)


def test_early_stopping_restores_the_best_weights(capsys, trainer):
    for group in trainer.optimizer.param_groups:
        group["lr"] = 0.5  # too large on purpose: validation loss soon gets worse
    history = trainer.fit(
        epochs=60, log_every=100, early_stopping=EarlyStopping("val_loss", patience=3)
    )
    best_epoch = min(range(history.epochs), key=lambda e: history["val_loss"][e])
    assert history.epochs == best_epoch + 1 + 3
    _, val_loss = _evaluate(trainer.model, trainer.val)
    assert val_loss == pytest.approx(history["val_loss"][best_epoch], rel=1e-5)
    assert "Early stopping" in capsys.readouterr().out


def _evaluate(model, batches):
    logits, target = predict(model, batches)
    return logits_accuracy(logits, target).item(), nn.functional.cross_entropy(
        logits, target
    ).item()


def test_checkpoint_resume_gives_the_same_model_as_one_run(tmp_path, trainer):
    torch.manual_seed(1)
    straight = trainer.fit(epochs=4)

    path = tmp_path / "run.pt"
    first, first_optimizer = make()
    torch.manual_seed(1)
    fit(
        first,
        nn.CrossEntropyLoss(),
        first_optimizer,
        trainer.train,
        trainer.val,
        epochs=2,
        progress=False,
        checkpoint_path=path,
    )
    assert path.exists() and not list(tmp_path.glob("*.partial"))
    torch.manual_seed(999)  # a new session: other RNG state, fresh model
    resumed_model, resumed_optimizer = make(seed=7)
    resumed = fit(
        resumed_model,
        nn.CrossEntropyLoss(),
        resumed_optimizer,
        trainer.train,
        trainer.val,
        epochs=4,
        progress=False,
        checkpoint_path=path,
    )
    assert resumed["loss"] == pytest.approx(straight["loss"], rel=1e-6)
    for ours, theirs in zip(resumed_model.parameters(), trainer.model.parameters()):
        torch.testing.assert_close(ours, theirs)


def test_scheduler_steps_each_epoch_and_resumes_from_the_checkpoint(tmp_path):
    train, val = loaders()

    def run(epochs, path, seed=0):
        model, optimizer = make(seed)
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
        torch.manual_seed(1)
        return model, fit(
            model,
            nn.CrossEntropyLoss(),
            optimizer,
            train,
            val,
            epochs=epochs,
            scheduler=scheduler,
            progress=False,
            checkpoint_path=path,
        )

    model, straight = run(4, None)
    assert straight["lr"] == pytest.approx([0.02, 0.01, 0.005, 0.0025])
    path = tmp_path / "run.pt"
    run(2, path)
    resumed_model, resumed = run(4, path, seed=7)
    assert resumed["lr"] == straight["lr"]
    for ours, theirs in zip(resumed_model.parameters(), model.parameters()):
        torch.testing.assert_close(ours, theirs)


class InterruptingBatches:
    def __init__(self, batches, after):
        self.batches, self.after, self.seen = batches, after, 0

    def __len__(self):
        return len(self.batches)

    def __iter__(self):
        for batch in self.batches:
            self.seen += 1
            if self.seen > self.after:
                raise KeyboardInterrupt
            yield batch


def test_ctrl_c_returns_the_finished_epochs_and_keeps_the_checkpoint(tmp_path, capsys, trainer):
    path = tmp_path / "run.pt"
    history = trainer.fit(
        train_batches=InterruptingBatches(trainer.train, after=2 * len(trainer.train) + 1),
        epochs=5,
        checkpoint_path=path,
    )
    assert history.epochs == 2
    assert torch.load(path, weights_only=True)["epoch"] == 2
    assert "Interrupted" in capsys.readouterr().out


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"epochs": 0}, "epochs must be a positive integer"),
        ({"epochs": 2, "log_every": 0}, "log_every"),
        ({"epochs": 2, "clip_grad_norm": 0}, "clip_grad_norm must be positive"),
        (
            {"epochs": 2, "val_batches": None, "early_stopping": EarlyStopping()},
            "needs val_batches",
        ),
    ],
)
def test_bad_arguments(kwargs, message, trainer):
    with pytest.raises(ValueError, match=message):
        trainer.fit(**{"val_batches": trainer.val, **kwargs})


def test_an_empty_loader_is_named(trainer):
    with pytest.raises(ValueError, match="train_batches yielded no batches"):
        trainer.fit(train_batches=[], val_batches=None, epochs=1)
    with pytest.raises(ValueError, match="val_batches yielded no batches"):
        trainer.fit(val_batches=[], epochs=1)


def test_a_learning_rate_of_zero_is_refused_before_training():
    model, _ = make()
    before = [p.detach().clone() for p in model.parameters()]
    train, val = loaders()
    with pytest.raises(ValueError, match=r"learning rate must be positive, got \[0.0\]"):
        fit(
            model,
            nn.CrossEntropyLoss(),
            torch.optim.SGD(model.parameters(), lr=0.0),
            train,
            val,
            epochs=1,
        )
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))


def poisoned(batches, epoch, step):
    """``batches`` whose ``step``-th batch of the ``epoch``-th pass has a NaN input."""
    passes = []

    class Poisoned:
        def __len__(self):
            return len(batches)

        def __iter__(self):
            passes.append(1)
            for i, (inputs, target) in enumerate(batches, start=1):
                if len(passes) == epoch and i == step:
                    inputs = inputs.clone()
                    inputs[0, 0, 0] = float("nan")
                yield inputs, target

    return Poisoned()


def test_a_nan_loss_stops_training_naming_the_epoch_and_the_step(tmp_path, capsys, trainer):
    path = tmp_path / "run.pt"
    with pytest.raises(
        FloatingPointError,
        match=says(
            "epoch 3",
            "step 2 of train_batches is not finite",
            "holds epoch 2",
            "learning rate too high (it is 0.02",
        ),
    ):
        trainer.fit(
            train_batches=poisoned(trainer.train, epoch=3, step=2), epochs=6, checkpoint_path=path
        )
    # the last good epoch, not the poisoned one
    assert torch.load(path, weights_only=True)["epoch"] == 2
    assert capsys.readouterr().out.count("epoch ") == 2  # epochs 3 to 6 did not run


def test_a_non_finite_gradient_norm_stops_a_clipped_run(trainer):
    # sqrt at 0: the loss is 0, its gradient is not finite
    def finite_loss_nan_gradient(output, target):
        return torch.sqrt(output.sum() * 0.0)

    with pytest.raises(FloatingPointError, match="epoch 1: the loss or gradient norm of step 1"):
        trainer.fit(
            loss_fn=finite_loss_nan_gradient,
            val_batches=None,
            epochs=2,
            clip_grad_norm=1.0,
            accuracy_fn=None,
        )


def test_the_bptt_loop_stops_at_a_non_finite_loss():
    codec = CharCodec("abcabcabc")
    model = CharRNN(codec.vocab_size, 8)
    with torch.no_grad():
        model.embedding.weight[0, 0] = float("nan")
    batches = BPTTBatches(codec.encode("abcabcabc" * 20), batch_size=2, seq_len=5)
    with pytest.raises(
        FloatingPointError, match="epoch 1: the training loss is not finite.*learning rate"
    ):
        fit_char_model(model, torch.optim.Adam(model.parameters(), lr=0.01), batches, epochs=2)


def test_a_run_may_keep_going_through_non_finite_losses_when_asked(trainer):
    history = trainer.fit(
        train_batches=poisoned(trainer.train, epoch=1, step=1),
        val_batches=None,
        epochs=2,
        stop_on_non_finite=False,
    )
    assert history.epochs == 2 and not math.isfinite(history["loss"][0])


@pytest.mark.parametrize(
    "where, message",
    [
        ("missing/run.pt", r"the folder .*missing does not exist; create it first"),
        ("file/run.pt", r"file is a file, not a folder"),
        (".", r"is a folder: give a file name inside it"),
    ],
)
def test_a_checkpoint_path_that_cannot_be_written_stops_before_the_first_epoch(
    tmp_path, where, message, capsys, trainer
):
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(ValueError, match=message):
        trainer.fit(epochs=2, checkpoint_path=tmp_path / where)
    assert "epoch 1" not in capsys.readouterr().out


def checkpointed(path, hidden=8, lr=0.02, epochs=1, clip=None):
    torch.manual_seed(0)
    model = LastStepRNN(1, hidden, 2)
    train, val = loaders()
    return fit(
        model,
        nn.CrossEntropyLoss(),
        torch.optim.Adam(model.parameters(), lr=lr),
        train,
        val,
        epochs=epochs,
        progress=False,
        checkpoint_path=path,
        clip_grad_norm=clip,
    )


@pytest.mark.parametrize(
    "changed, message",
    [
        ({"lr": 0.001}, r"optimizer lr \(group 0\): 0.02 in the checkpoint, 0.001 now"),
        ({"hidden": 16}, r"parameter rnn.weight_hh_l0: \[8, 8\] in the checkpoint, \[16, 16\] now"),
        ({"clip": 1.0}, r"clip_grad_norm: None in the checkpoint, 1.0 now"),
    ],
)
def test_a_checkpoint_of_another_run_says_what_differs_and_how_to_start_fresh(
    tmp_path, changed, message
):
    path = tmp_path / "run.pt"
    checkpointed(path)
    with pytest.raises(ValueError, match=message) as error:
        checkpointed(path, epochs=2, **changed)
    assert f"delete {path}" in str(error.value)
    assert checkpointed(path, epochs=2).epochs == 2  # the same settings resume


def test_a_truncated_checkpoint_is_named(tmp_path):
    path = tmp_path / "run.pt"
    checkpointed(path)
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match=f"cannot read the checkpoint {path} .*cut short"):
        checkpointed(path, epochs=2)


def test_ctrl_c_while_saving_leaves_no_partial_file_and_says_which_epoch_is_saved(
    tmp_path, capsys, monkeypatch
):
    path = tmp_path / "run.pt"
    real_save = torch.save
    saves = []

    def interrupted_save(obj, file):
        saves.append(1)
        if len(saves) == 2:
            raise KeyboardInterrupt
        real_save(obj, file)

    monkeypatch.setattr(torch, "save", interrupted_save)
    history = checkpointed(path, epochs=4)
    assert history.epochs == 2  # the second epoch finished; its checkpoint did not
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.pt"]
    assert torch.load(path, weights_only=True)["epoch"] == 1
    assert "returning the history of 2 finished epochs; the checkpoint" in capsys.readouterr().out


def test_logits_accuracy_binary_and_multiclass():
    assert logits_accuracy(torch.tensor([[2.0, 1.0], [0.0, 3.0]]), torch.tensor([0, 0])).item() == 1
    assert (
        logits_accuracy(torch.tensor([0.3, -2.0, 1.0]), torch.tensor([1.0, 0.0, 0.0])).item() == 2
    )


def test_next_value_predictor_runs_the_model_in_chunks():
    seed_everything(2)
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 1))
    windows = np.random.default_rng(0).normal(size=(10, 4, 1))
    predict = next_value_predictor(model, batch_size=3)
    expected = model(torch.as_tensor(windows, dtype=torch.float32)).detach().numpy()
    got = predict(windows)
    assert got.shape == (10, 1) and got.dtype == np.float64
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_evaluating_in_chunks_with_carried_state_equals_one_pass():
    # Truncation changes the gradients, never the forward pass: the mean cross-entropy
    # over BPTT batches equals the loss of reading every stream in one go.
    seed_everything(2)
    model = CharRNN(6, 8, "lstm").eval()
    text = np.random.default_rng(0).integers(0, 6, size=401)
    batches = BPTTBatches(text, batch_size=4, seq_len=9)
    ours = run_bptt_epoch(model, batches, "cpu")
    logits, _ = model(torch.from_numpy(batches.inputs))
    reference = F.cross_entropy(
        logits.reshape(-1, 6), torch.from_numpy(batches.targets).reshape(-1)
    )
    assert ours == pytest.approx(reference.item(), rel=1e-5)


def test_training_learns_a_repeating_text():
    seed_everything(3)
    codec = CharCodec("abcd")
    text = codec.encode("abcd" * 100)
    model = CharRNN(codec.vocab_size, 16, "gru")
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    history = fit_char_model(
        model, optimizer, BPTTBatches(text, 4, 10), BPTTBatches(text, 2, 20), epochs=8, log_every=8
    )
    assert set(history) == {"loss", "perplexity", "val_loss", "val_perplexity", "seconds"}
    assert history.epochs == 8
    assert history["perplexity"][0] > 2.0 and history["val_perplexity"][-1] < 1.1
    assert history["val_perplexity"][-1] == pytest.approx(math.exp(history["val_loss"][-1]))
    assert generate_text(model, codec, "ab", 10, temperature=0.5, seed=0) == "abcdabcdabcd"
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        fit_char_model(model, optimizer, BPTTBatches(text, 4, 20), epochs=0)


@pytest.mark.parametrize(
    "monitor, min_delta, best, value, improved",
    [
        ("val_loss", 0.0, 0.50, 0.49, True),
        ("val_loss", 0.0, 0.50, 0.51, False),
        ("val_loss", 0.0, 0.50, 0.50, False),
        ("val_loss", 0.05, 0.50, 0.46, False),
        ("val_loss", 0.05, 0.50, 0.44, True),
        ("val_accuracy", 0.0, 0.80, 0.81, True),
        ("val_accuracy", 0.0, 0.80, 0.79, False),
        ("val_accuracy", 0.0, 0.80, 0.80, False),
        ("val_accuracy", 0.02, 0.80, 0.81, False),
        ("val_accuracy", 0.02, 0.80, 0.83, True),
        ("accuracy", 0.0, 0.5, 0.6, True),
        ("loss", 0.0, 0.5, 0.6, False),
        ("val_loss", 0.0, None, 9.9, True),
        ("val_accuracy", 0.0, None, 0.1, True),
    ],
)
def test_early_stopping_improves_in_the_monitors_direction_by_more_than_min_delta(
    monitor, min_delta, best, value, improved
):
    assert EarlyStopping(monitor, patience=2, min_delta=min_delta).improved(value, best) is improved


def test_early_stopping_on_accuracy_keeps_the_most_accurate_epoch(capsys, trainer):
    history = trainer.fit(epochs=12, early_stopping=EarlyStopping("val_accuracy", patience=12))
    best = int(np.argmax(history["val_accuracy"]))  # the first epoch with the highest accuracy
    accuracy, _ = _evaluate(trainer.model, trainer.val)
    assert accuracy / 64 == pytest.approx(history["val_accuracy"][best])
    assert f"Restored the weights of epoch {best + 1} (best val_accuracy" in capsys.readouterr().out


# ---------------------------------------------------------------- closing mutants (issue 13)


def test_a_nan_loss_message_is_whole_and_names_its_step(trainer):
    with pytest.raises(FloatingPointError) as error:
        trainer.fit(
            train_batches=poisoned(trainer.train, epoch=1, step=2), val_batches=None, epochs=2
        )
    assert str(error.value) == (
        "epoch 1: the loss of step 2 of train_batches is not finite, so training stopped: "
        "the weights are no longer usable. Usual causes: a learning rate too high (it is "
        "0.02: try 10 times lower); exploding gradients (clip them: clip_grad_norm=1.0); "
        "NaN or infinite values in the inputs or targets; a loss that takes the log of 0 "
        "(use BCEWithLogitsLoss on logits, not BCELoss on probabilities)."
    )
    assert error.value.step == 2


def test_probability_accuracy_counts_probabilities_above_one_half_as_positive():
    output = torch.tensor([[0.9], [0.5], [0.51], [0.1], [0.7], [0.2]])
    target = torch.tensor([1.0, 0.0, 0.0, 0.0, 1.0, 1.0])
    expected = sum(
        int((p > 0.5) == (t == 1)) for p, t in zip(output.reshape(-1).tolist(), target.tolist())
    )
    assert probability_accuracy(output, target).item() == expected == 4


class LastValueTwice(nn.Module):
    """No parameters: the window's last value, and twice it as a second column."""

    def forward(self, windows):
        last = windows[:, -1]
        return torch.cat([last, 2 * last], dim=1)


def test_next_value_predictor_keeps_the_first_column_on_the_device_it_is_given():
    windows = np.arange(12, dtype=np.float64).reshape(4, 3, 1)
    predict = next_value_predictor(LastValueTwice(), device="cpu")  # a model without parameters
    with torch.device("meta"):  # tensors made without a device would land on "meta"
        got = predict(windows)
    np.testing.assert_array_equal(got, [[2.0], [5.0], [8.0], [11.0]])
    linear = nn.Sequential(nn.Flatten(), nn.Linear(3, 1))
    with torch.device("meta"):
        got = next_value_predictor(linear)(windows)  # the device of the model's parameters
    expected = linear(torch.as_tensor(windows, dtype=torch.float32)).detach().numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def char_setup(seed=0):
    torch.manual_seed(seed)
    model = CharRNN(5, 6, "gru")
    text = np.random.default_rng(seed).integers(0, 5, 161)
    return model, BPTTBatches(text[:121], 3, 8), BPTTBatches(text[120:], 2, 8)


def test_a_bptt_epoch_is_the_hand_written_truncated_loop():
    model, batches, _ = char_setup()
    twin = copy.deepcopy(model)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    twin_optimizer = torch.optim.SGD(twin.parameters(), lr=0.5)
    with torch.device("meta"):  # tensors made without a device would land on "meta"
        loss = run_bptt_epoch(model, batches, "cpu", optimizer, 0.1)
    total, count, state = 0.0, 0, None
    for inputs, targets in batches:
        inputs, targets = torch.as_tensor(inputs), torch.as_tensor(targets)
        state = None if state is None else state.detach()
        logits, state = twin(inputs, state)
        mean = F.cross_entropy(logits.reshape(-1, 5), targets.reshape(-1))
        twin_optimizer.zero_grad()
        mean.backward()
        nn.utils.clip_grad_norm_(twin.parameters(), 0.1)
        twin_optimizer.step()
        total += mean.item() * targets.numel()
        count += targets.numel()
    assert loss == pytest.approx(total / count, rel=1e-6)
    for ours, theirs in zip(model.parameters(), twin.parameters()):
        torch.testing.assert_close(ours, theirs)
    single = run_bptt_epoch(model, [(np.array([[1]]), np.array([[2]]))], "cpu")  # one character
    expected = F.cross_entropy(model(torch.tensor([[1]]))[0].reshape(-1, 5), torch.tensor([2]))
    assert single == pytest.approx(expected.item(), rel=1e-6)
    with pytest.raises(ValueError, match=says("batches", "empty", "corpus and batch sizes")):
        run_bptt_epoch(model, [], "cpu")


def test_fit_char_model_repeats_the_epoch_clips_at_1_and_logs_every_log_every(capsys):
    model, train, val = char_setup(1)
    twin = copy.deepcopy(model)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    twin_optimizer = torch.optim.SGD(twin.parameters(), lr=0.5)
    started = time.perf_counter()
    with torch.device("meta"):  # tensors made without a device would land on "meta"
        history = fit_char_model(model, optimizer, train, val, epochs=3, log_every=2)
    wall = time.perf_counter() - started
    expected = {"loss": [], "val_loss": []}
    for _ in range(3):
        expected["loss"].append(run_bptt_epoch(twin, train, "cpu", twin_optimizer, 1.0))
        expected["val_loss"].append(run_bptt_epoch(twin, val, "cpu"))
    assert history["loss"] == expected["loss"] and history["val_loss"] == expected["val_loss"]
    assert history["perplexity"] == [math.exp(v) for v in expected["loss"]]
    assert history["val_perplexity"] == [math.exp(v) for v in expected["val_loss"]]
    assert all(0 < s <= wall for s in history["seconds"])
    lines = [
        epoch_line(
            epoch,
            3,
            {
                key: history[key][epoch - 1]
                for key in ("loss", "perplexity", "val_loss", "val_perplexity")
            },
            history["seconds"][epoch - 1],
        )
        for epoch in (2, 3)
    ]
    assert capsys.readouterr().out.splitlines() == lines
    history = fit_char_model(model, optimizer, train, epochs=2)  # every epoch by default
    assert len(capsys.readouterr().out.splitlines()) == 2 and "val_loss" not in history


def test_a_non_finite_char_loss_is_step_0_with_the_whole_advice():
    model, train, _ = char_setup()
    with torch.no_grad():
        model.embedding.weight[0, 0] = float("nan")
    with pytest.raises(FloatingPointError) as error:
        fit_char_model(model, torch.optim.SGD(model.parameters(), lr=0.5), train, epochs=1)
    assert error.value.step == 0
    assert str(error.value).startswith(
        "epoch 1: the training loss is not finite, so training stopped: the weights are no "
        "longer usable. Usual causes: a learning rate too high (it is 0.5: try 10 times lower)"
    )


class Doubler(nn.Module):
    def forward(self, x):
        return 2 * x


def test_predict_and_logits_accuracy_by_hand():
    batches = [
        (torch.tensor([[1.0], [2.0]]), torch.tensor([0, 1])),
        (torch.tensor([[3.0]]), torch.tensor([1])),
    ]
    with torch.device("meta"):  # tensors made without a device would land on "meta"
        outputs, targets = predict(Doubler(), batches, device="cpu")  # no parameters
    assert outputs.tolist() == [[2.0], [4.0], [6.0]] and targets.tolist() == [0, 1, 1]
    logits = torch.tensor([[2.0], [0.0], [0.5], [-1.0], [0.0]])
    target = torch.tensor([1, 0, 1, 0, 1])
    expected = sum(
        int((z > 0) == (t == 1)) for z, t in zip(logits.reshape(-1).tolist(), target.tolist())
    )
    assert logits_accuracy(logits, target).item() == expected == 4
    with pytest.raises(ValueError, match=says("patience", "positive integer", "got 0")):
        EarlyStopping(patience=0)


class NotATensor:
    """Anything torch.load would only unpickle with weights_only=False."""


def test_checkpoint_messages_name_the_path_and_the_fix_and_resuming_says_so(tmp_path, capsys):
    train, val = loaders()

    def run(path, epochs=2, lr=0.02, clip=None, batches=train):
        model, _ = make()
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
        return fit(
            model,
            nn.CrossEntropyLoss(),
            optimizer,
            batches,
            val,
            epochs=epochs,
            progress=False,
            checkpoint_path=path,
            clip_grad_norm=clip,
        )

    with pytest.raises(
        ValueError,
        match=says(
            f"checkpoint_path {tmp_path} is a folder", "file name", str(tmp_path / "checkpoint.pt")
        ),
    ):
        run(tmp_path)
    missing = tmp_path / "absent" / "run.pt"
    with pytest.raises(
        ValueError,
        match=says(
            f"checkpoint_path {missing}",
            f"{missing.parent} does not exist",
            f"Path({str(missing.parent)!r}).mkdir(parents=True)",
            "another path",
        ),
    ):
        run(missing)
    for name, content in (("dict.pt", {"epoch": 1}), ("object.pt", NotATensor())):
        path = tmp_path / name
        torch.save(content, path)
        with pytest.raises(ValueError) as error:
            run(path)
        if name == "dict.pt":  # a dict without a signature
            error.match(
                says(f"{path} is not a checkpoint written by fit", f"delete {path}", "start fresh")
            )
        else:  # refused by weights_only loading, not unpickled
            error.match(says(f"cannot read the checkpoint {path}", "Weights only load failed"))
    path = tmp_path / "run.pt"
    run(path, epochs=1)
    with pytest.raises(
        ValueError,
        match=says(
            f"the checkpoint {path}",
            "another run",
            "- optimizer lr (group 0): 0.02 in the checkpoint, 0.05 now\n",
            "- clip_grad_norm: None in the checkpoint, 1.0 now\n",
            "Resume with the settings",
            f"delete {path}",
        ),
    ):
        run(path, lr=0.05, clip=1.0)
    capsys.readouterr()
    with pytest.raises(
        FloatingPointError,
        match=says(
            "epoch 2", "step 1 of train_batches is not finite", f"checkpoint {path} holds epoch 1"
        ),
    ):
        run(path, epochs=3, batches=poisoned(train, epoch=1, step=1))
    assert capsys.readouterr().out == f"Resuming from {path} after epoch 1.\n"


def test_run_signature_and_its_differences_in_words():
    from labhelpers import training

    model = nn.Linear(2, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=torch.tensor(0.1))
    optimizer.param_groups[0]["custom"] = [1, 2]  # not a plain value: kept as its repr
    optimizer.param_groups[0]["pair"] = torch.tensor([1.0, 2.0])
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 3)
    signature = training._run_signature(model, optimizer, scheduler, 0.5)
    settings = signature.pop("optimizer settings")
    assert signature == {
        "model": "Linear",
        "parameter shapes": {"weight": [1, 2], "bias": [1]},
        "optimizer": "SGD",
        "scheduler": "StepLR",
        "clip_grad_norm": 0.5,
    }
    assert settings[0]["lr"] == pytest.approx(0.1) and isinstance(settings[0]["lr"], float)
    assert settings[0]["custom"] == "[1, 2]"
    assert settings[0]["pair"] == repr(torch.tensor([1.0, 2.0]))
    assert settings[0]["nesterov"] is False and "params" not in settings[0]
    assert training._run_signature(model, optimizer, None, None)["scheduler"] is None

    saved = {
        "model": "A",
        "parameter shapes": {f"w{i}": [i] for i in range(1, 6)},
        "optimizer settings": [{"lr": 0.1, "eps": 1e-8}],
        "clip_grad_norm": None,
    }
    current = {
        "model": "A",
        "parameter shapes": {**{f"w{i}": [9] for i in range(1, 5)}, "w5": [5], "w6": [6]},
        "optimizer settings": [{"lr": 0.2, "momentum": 0.9}, {"lr": 0.3}],
        "clip_grad_norm": 1.0,
    }
    assert training._differences(saved, current) == [
        "parameter w1: [1] in the checkpoint, [9] now",
        "parameter w2: [2] in the checkpoint, [9] now",
        "parameter w3: [3] in the checkpoint, [9] now",
        "and 2 more parameters of other shapes",  # w4 and w6, not w5
        "optimizer eps (group 0): 1e-08 in the checkpoint, None now",
        "optimizer lr (group 0): 0.1 in the checkpoint, 0.2 now",
        "optimizer momentum (group 0): None in the checkpoint, 0.9 now",
        "optimizer parameter groups: 1 in the checkpoint, 2 now",
        "clip_grad_norm: None in the checkpoint, 1.0 now",
    ]
    three = {"parameter shapes": {"a": [1], "b": [2], "c": [3]}, "optimizer settings": [{"lr": 1}]}
    assert training._differences({}, three) == [
        "parameter a: None in the checkpoint, [1] now",
        "parameter b: None in the checkpoint, [2] now",
        "parameter c: None in the checkpoint, [3] now",
        "optimizer lr (group 0): None in the checkpoint, 1 now",
        "optimizer parameter groups: 0 in the checkpoint, 1 now",
    ]


def test_a_checkpoint_folder_that_refuses_a_file_stops_before_the_first_epoch(
    tmp_path, monkeypatch, capsys, trainer
):
    """A read-only mount: os.access says yes to root, so fit tries a file there (here refused as
    a read-only file system would) before the first epoch's work."""
    import tempfile

    def read_only(*args, **kwargs):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(tempfile, "TemporaryFile", read_only)
    with pytest.raises(ValueError, match=r"is not writable \(Read-only file system\)"):
        trainer.fit(epochs=1, checkpoint_path=tmp_path / "run.pt")
    assert "epoch 1" not in capsys.readouterr().out


@pytest.mark.skipif(torch.cuda.is_available(), reason="this torch sees a CUDA GPU")
def test_a_device_this_torch_lacks_is_named_with_the_fix(trainer):
    with pytest.raises(
        ValueError,
        match=says("device 'cuda'", "no CUDA GPU", "device='cpu'"),
    ):
        trainer.fit(epochs=1, device="cuda")
    with pytest.raises(ValueError, match=r"device 'gpu' is not a torch device"):
        trainer.fit(epochs=1, device="gpu")
