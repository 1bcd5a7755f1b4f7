"""The PyTorch training loops of every lesson: ``fit`` (one
epoch is ``run_epoch``), the truncated-BPTT loop, predictions.

``fit`` trains any ``nn.Module`` and returns a :class:`History` with the keys
Keras users know (``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``) plus
``seconds`` per epoch. Options: gradient-norm clipping (the norms are
recorded), early stopping with the best weights restored, and a checkpoint
written atomically after every epoch from which an interrupted run resumes.
"""

from __future__ import annotations

import copy
import math
import pickle
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .base.checks import positive_int
from .base.files import atomic_write
from .base.progress import epoch_line, epoch_summary, perplexity_epoch_line
from .base.runtime import is_interactive
from .metrics import perplexity
from .models import CharRNN, detach_state


class History(dict):
    """Per-epoch metrics: ``history["val_loss"][e]`` is epoch e+1's validation loss.

    ``history["grad_norm"]`` (only with ``clip_grad_norm``) holds one norm per
    training step, measured before clipping.
    """

    @property
    def epochs(self) -> int:
        return len(self.get("loss", ()))


def logits_accuracy(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Number of correct predictions in a batch of logits.

    ``output`` of shape (N, C) with C > 1 is scored by its argmax; shape (N,)
    or (N, 1) holds one binary logit per sample (positive when > 0).
    """
    if output.ndim == 2 and output.shape[1] > 1:
        predicted = output.argmax(dim=1)
    else:
        predicted = (output.reshape(-1) > 0).long()
    return (predicted == target.reshape(-1).long()).sum()


@dataclass
class EarlyStopping:
    """Stop when ``monitor`` has not improved for ``patience`` epochs; restore the best weights."""

    monitor: str = "val_loss"
    patience: int = 5
    min_delta: float = 0.0

    def __post_init__(self):
        positive_int("patience", self.patience)
        self.maximize = "accuracy" in self.monitor

    def improved(self, value: float, best: float | None) -> bool:
        if best is None:
            return True
        return value > best + self.min_delta if self.maximize else value < best - self.min_delta


def _learning_rate(optimizer: torch.optim.Optimizer) -> float:
    """The optimizer's (first) learning rate, or a ValueError when any group's is not positive."""
    rates = [float(group["lr"]) for group in optimizer.param_groups]
    if not all(rate > 0 for rate in rates):
        raise ValueError(
            f"the optimizer's learning rate must be positive, got {rates}: a rate of 0 trains "
            "nothing and a negative one climbs the loss"
        )
    return rates[0]


def _non_finite_advice(rate: float) -> str:
    return (
        " Usual causes: a learning rate too high (it is "
        f"{rate:g}: try 10 times lower); exploding gradients "
        "(clip them: clip_grad_norm=1.0); NaN or infinite "
        "values in the inputs or targets; a loss that takes "
        "the log of 0 (use BCEWithLogitsLoss on logits, not BCELoss on probabilities)."
    )


class NonFiniteLoss(FloatingPointError):
    """Training produced a loss or gradient that is NaN
    or infinite: the weights can no longer be trusted.

    ``step`` is the 1-based number of the first such batch in its epoch.
    """

    def __init__(self, message: str, step: int):
        super().__init__(message)
        self.step = step


def run_epoch(
    model,
    loss_fn,
    batches,
    device,
    accuracy_fn,
    optimizer=None,
    clip_grad_norm=None,
    grad_norms=None,
    name: str = "batches",
    check_finite: bool = True,
):
    """One pass over ``batches``: training when an
    ``optimizer`` is given, else evaluation without gradients.

    Each batch is ``(inputs, target)``; with ``clip_grad_norm`` the gradient norm
    before clipping is appended to ``grad_norms``. Returns ``(mean loss,
    accuracy)``, the accuracy None without ``accuracy_fn``. With
    ``check_finite``, a loss (or, with clipping, a gradient norm) that is NaN or
    infinite raises :class:`NonFiniteLoss` at the end of the pass, naming the
    first such step. ``name`` names ``batches`` in the errors. This is the step
    that :func:`fit` repeats every epoch.
    """
    training = optimizer is not None
    model.train(training)
    total_loss = torch.zeros((), device=device)
    correct = torch.zeros((), device=device, dtype=torch.long)
    # the first non-finite step, 0 for none
    first_bad = torch.zeros((), device=device, dtype=torch.long)
    count = 0
    with torch.set_grad_enabled(training):
        for step, (inputs, target) in enumerate(batches, start=1):
            inputs, target = (
                inputs.to(device, non_blocking=True),
                target.to(device, non_blocking=True),
            )
            output = model(inputs)
            loss = loss_fn(output, target)
            finite = torch.isfinite(loss.detach())
            if training:
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                if clip_grad_norm is not None:
                    norm = nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
                    grad_norms.append(norm.detach())
                    finite &= torch.isfinite(norm.detach())
                optimizer.step()
            # Accumulate on the device: one synchronisation per epoch, not per batch.
            first_bad = torch.where((first_bad == 0) & ~finite, step, first_bad)
            total_loss += loss.detach() * len(target)
            if accuracy_fn is not None:
                correct += accuracy_fn(output.detach(), target)
            count += len(target)
    if count == 0:
        raise ValueError(
            f"{name} yielded no batches: check that its dataset is not empty "
            "(and, with drop_last, not smaller than one batch)"
        )
    if check_finite and (bad := int(first_bad.item())):
        raise NonFiniteLoss(
            f"the {'loss or gradient norm' if clip_grad_norm else 'loss'} of step {bad} "
            f"of {name} is not finite",
            bad,
        )
    mean_loss = total_loss.item() / count
    return mean_loss, (correct.item() / count if accuracy_fn is not None else None)


def fit(
    model: nn.Module,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    train_batches: Iterable,
    val_batches: Iterable | None = None,
    *,
    epochs: int,
    device: torch.device | str | None = None,
    accuracy_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = logits_accuracy,
    clip_grad_norm: float | None = None,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    early_stopping: EarlyStopping | None = None,
    checkpoint_path: str | Path | None = None,
    log_every: int = 1,
    progress: bool | None = None,
    stop_on_non_finite: bool = True,
) -> History:
    """Train ``model`` for ``epochs`` epochs and return its :class:`History`.

    - ``train_batches``/``val_batches``: re-iterable sources of ``(inputs, target)``
      batches (a ``DataLoader`` or :class:`labhelpers.data.batches.TensorBatches`).
    - ``accuracy_fn(output, target)`` returns the number of correct predictions
      in a batch; pass ``None`` for regression (no accuracy keys).
    - ``clip_grad_norm``: rescale gradients whose total 2-norm exceeds it; the
      norm before clipping is recorded per step in ``history["grad_norm"]``
      (``math.inf`` records without clipping).
    - ``scheduler``: a learning-rate scheduler of ``optimizer``, stepped after
      every epoch (the rate used is recorded in ``history["lr"]``).
    - ``early_stopping``: see :class:`EarlyStopping`; the best weights are restored.
    - ``checkpoint_path``: written after every epoch (temporary file, then
      rename). If it exists when ``fit`` starts, training resumes from it,
      provided it was written by the same kind of model, optimizer settings,
      scheduler and clipping (else a ValueError says what differs).
    - ``log_every``: in batch runs, print one line every n epochs (and the last).
    - ``progress``: a tqdm bar (True) or plain lines (False); default: a bar
      when a person is watching (see :func:`labhelpers.base.runtime.is_interactive`).
    - ``stop_on_non_finite``: raise :class:`NonFiniteLoss` after the first epoch
      with a NaN or infinite loss (or clipped gradient norm), naming the epoch
      and step; False keeps training (lesson 5 shows an explosion on purpose).

    Ctrl-C (KeyboardInterrupt) stops after the current batch and returns the
    history of the finished epochs; the model keeps its latest weights.
    """
    _check_fit_settings(epochs, log_every, clip_grad_norm, early_stopping, val_batches)
    rate = _learning_rate(optimizer)
    device = usable_device(device) if device is not None else next(model.parameters()).device
    model.to(device)
    history = _empty_history(
        accuracy_fn is not None,
        val_batches is not None,
        clip_grad_norm is not None,
        scheduler is not None,
    )
    best = _Best()
    checkpoint = None
    if checkpoint_path is not None:
        checkpoint = _Checkpoint(
            Path(checkpoint_path), _run_signature(model, optimizer, scheduler, clip_grad_norm)
        )
    start_epoch = (
        checkpoint.resume(model, optimizer, scheduler, history, best, device) if checkpoint else 0
    )
    show = _EpochProgress(
        epochs, start_epoch, log_every, is_interactive() if progress is None else progress
    )
    one_epoch = _Epoch(
        model,
        loss_fn,
        optimizer,
        device,
        accuracy_fn,
        clip_grad_norm,
        scheduler,
        stop_on_non_finite,
    )
    try:
        for epoch in range(start_epoch + 1, epochs + 1):
            try:
                one_epoch.run(train_batches, val_batches, history)
            except NonFiniteLoss as error:
                raise _stopped_at(epoch, error, checkpoint, rate) from None
            show(epoch, history)
            stop = early_stopping is not None and best.update(early_stopping, history, epoch, model)
            if checkpoint:
                checkpoint.save(epoch, model, optimizer, scheduler, history, best)
            if stop:
                print(
                    f"Early stopping after epoch {epoch}: {early_stopping.monitor} has not "
                    f"improved for {early_stopping.patience} epochs (best at epoch {best.epoch})."
                )
                break
    except KeyboardInterrupt:
        print(_interrupted_line(history, checkpoint))
    finally:
        show.close()
    if best.state is not None:
        model.load_state_dict(best.state)
        print(
            f"Restored the weights of epoch {best.epoch} (best "
            f"{early_stopping.monitor} {best.value:.4f})."
        )
    return history


def _check_fit_settings(epochs, log_every, clip_grad_norm, early_stopping, val_batches) -> None:
    """Raise a ValueError naming the first setting of :func:`fit` that cannot work."""
    positive_int("epochs", epochs)
    positive_int("log_every", log_every)
    if clip_grad_norm is not None and not clip_grad_norm > 0:
        raise ValueError(
            f"clip_grad_norm must be positive (or None for no clipping), got {clip_grad_norm!r}"
        )
    if (
        early_stopping is not None
        and val_batches is None
        and early_stopping.monitor.startswith("val_")
    ):
        raise ValueError(f"early stopping on {early_stopping.monitor!r} needs val_batches")


def _stopped_at(epoch: int, error: NonFiniteLoss, checkpoint, rate) -> NonFiniteLoss:
    """The error that ends :func:`fit` at a non-finite loss: the epoch, where the last good
    weights are, and what to change."""
    return NonFiniteLoss(
        f"epoch {epoch}: {error}, so training stopped: the weights are no longer usable"
        + (
            f" (the checkpoint {checkpoint.path} holds epoch {checkpoint.saved_epoch})."
            if checkpoint and checkpoint.saved_epoch
            else "."
        )
        + _non_finite_advice(rate),
        error.step,
    )


def _interrupted_line(history: History, checkpoint) -> str:
    """What :func:`fit` says when Ctrl-C stops it: what it returns, and what the checkpoint
    holds."""
    return f"Interrupted: returning the history of {history.epochs} finished epochs" + (
        f"; the checkpoint {checkpoint.path} holds {checkpoint.saved_epoch} of them."
        if checkpoint
        else "."
    )


def _empty_history(accuracy: bool, validation: bool, clipping: bool, scheduler: bool) -> History:
    """A History with the keys a run of ``fit`` fills
    (accuracy, validation, gradient norms, learning rates)."""
    keys = ["loss", "seconds"] + ["accuracy"] * accuracy + ["val_loss"] * validation
    keys += (
        ["val_accuracy"] * (validation and accuracy) + ["grad_norm"] * clipping + ["lr"] * scheduler
    )
    return History({key: [] for key in keys})


@dataclass
class _Epoch:
    """One epoch of ``fit`` (:meth:`run`): training pass, validation pass, the scheduler step."""

    model: nn.Module
    loss_fn: Callable
    optimizer: torch.optim.Optimizer
    device: torch.device
    accuracy_fn: Callable | None
    clip_grad_norm: float | None
    scheduler: object | None
    check_finite: bool

    def run(self, train_batches, val_batches, history: History) -> None:
        """Train and validate once; the epoch's figures are appended to ``history``."""
        started = time.perf_counter()
        grad_norms: list[torch.Tensor] = []
        passes = dict(
            device=self.device, accuracy_fn=self.accuracy_fn, check_finite=self.check_finite
        )
        loss, acc = run_epoch(
            self.model,
            self.loss_fn,
            train_batches,
            optimizer=self.optimizer,
            clip_grad_norm=self.clip_grad_norm,
            grad_norms=grad_norms,
            name="train_batches",
            **passes,
        )
        epoch = {"loss": loss, "accuracy": acc}
        if val_batches is not None:
            epoch["val_loss"], epoch["val_accuracy"] = run_epoch(
                self.model, self.loss_fn, val_batches, name="val_batches", **passes
            )
        # Appended together, so that a Ctrl-C leaves every list one entry per finished epoch.
        for key, value in epoch.items():
            if value is not None:
                history[key].append(value)
        if grad_norms:
            history["grad_norm"].extend(torch.stack(grad_norms).tolist())
        history["seconds"].append(time.perf_counter() - started)
        if self.scheduler is not None:
            history["lr"].append(self.optimizer.param_groups[0]["lr"])
            self.scheduler.step()


@dataclass
class _Best:
    """The best epoch so far under early stopping: its monitored value, number and weights."""

    value: float | None = None
    epoch: int = 0
    state: dict | None = None

    def update(self, rule: EarlyStopping, history: History, epoch: int, model: nn.Module) -> bool:
        """Keep ``epoch`` if it improved on the best; True when training should stop."""
        value = history[rule.monitor][-1]
        if rule.improved(value, self.value):
            self.value, self.epoch, self.state = value, epoch, copy.deepcopy(model.state_dict())
        return epoch - self.epoch >= rule.patience


def _run_signature(model: nn.Module, optimizer, scheduler, clip_grad_norm) -> dict:
    """What a checkpoint must agree with to be resumed: the
    model's parameters, the optimizer's settings, ..."""

    def plain(value):
        value = value.item() if isinstance(value, torch.Tensor) and value.numel() == 1 else value
        return (
            value if isinstance(value, (bool, int, float, str, tuple, type(None))) else repr(value)
        )

    return {
        "model": type(model).__name__,
        "parameter shapes": {
            name: list(tensor.shape) for name, tensor in model.state_dict().items()
        },
        "optimizer": type(optimizer).__name__,
        "optimizer settings": [
            {key: plain(value) for key, value in group.items() if key != "params"}
            for group in optimizer.param_groups
        ],
        "scheduler": type(scheduler).__name__ if scheduler is not None else None,
        "clip_grad_norm": clip_grad_norm,
    }


def _differences(saved: dict, current: dict) -> list[str]:
    """The entries of two run signatures that differ,
    in words: ``what: X in the checkpoint, Y now``."""
    found = []
    for key in current:
        there, here = saved.get(key), current[key]
        if key == "parameter shapes" and there != here:
            there = there or {}
            names = [name for name in {**here, **there} if there.get(name) != here.get(name)]
            found += [
                f"parameter {name}: {there.get(name)} in the checkpoint, {here.get(name)} now"
                for name in names[:3]
            ]
            if len(names) > 3:
                found.append(f"and {len(names) - 3} more parameters of other shapes")
        elif key == "optimizer settings" and there != here:
            for i, (old, new) in enumerate(zip(there or [{}] * len(here), here)):
                found += [
                    f"optimizer {name} (group {i}): {old.get(name)!r} "
                    f"in the checkpoint, {new.get(name)!r} now"
                    for name in sorted(set(old) | set(new))
                    if old.get(name) != new.get(name)
                ]
            if len(there or []) != len(here):
                found.append(
                    f"optimizer parameter groups: {len(there or [])} "
                    f"in the checkpoint, {len(here)} now"
                )
        elif there != here:
            found.append(f"{key}: {there!r} in the checkpoint, {here!r} now")
    return found


def usable_device(device: torch.device | str) -> torch.device:
    """``device`` as a torch.device this torch can use, or a ValueError naming it and the fix
    (torch itself answers device="cuda" on a CPU-only build with an AssertionError)."""
    try:
        device = torch.device(device)
    except (RuntimeError, TypeError) as error:
        raise ValueError(
            f"device {device!r} is not a torch device ({error}); use 'cpu', 'cuda' or 'mps', "
            "or labhelpers.base.runtime.choose_device('auto')"
        ) from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device {str(device)!r}: this torch ({torch.__version__}) sees no CUDA GPU; pass "
            "device='cpu', or choose_device('auto') to take a GPU only when there is one"
        )
    mps = getattr(torch.backends, "mps", None)
    if device.type == "mps" and not (mps is not None and mps.is_available()):
        raise ValueError(
            "device 'mps': this machine has no Apple GPU (MPS); pass device='cpu' or "
            "choose_device('auto')"
        )
    return device


@dataclass
class _Checkpoint:
    """Everything ``fit`` needs to resume exactly where
    it stopped, written atomically after every epoch.

    ``signature`` (see :func:`_run_signature`) is saved with it; a checkpoint
    is resumed only by a run with the same one. ``saved_epoch`` is the last
    epoch it holds.
    """

    path: Path
    signature: dict
    saved_epoch: int = 0

    def __post_init__(self):
        # Checked before training, so that a bad path does not cost the first epoch.
        folder = self.path.parent
        if self.path.is_dir():
            raise ValueError(
                f"checkpoint_path {self.path} is a folder: give a file name inside it, "
                f"for example {self.path / 'checkpoint.pt'}"
            )
        if not folder.exists():
            raise ValueError(
                f"checkpoint_path {self.path}: the folder {folder} does not exist; create it first "
                f"(Path({str(folder)!r}).mkdir(parents=True)) or choose another path"
            )
        if not folder.is_dir():
            raise ValueError(
                f"checkpoint_path {self.path}: {folder} is "
                "a file, not a folder; choose another path"
            )
        # Write a file there: os.access says yes to root on a read-only mount, and the first
        # epoch's save would fail after the epoch's work.
        try:
            with tempfile.TemporaryFile(dir=folder, prefix=".fit-writable-"):
                pass
        except OSError as error:
            raise ValueError(
                f"checkpoint_path {self.path}: the folder {folder} is not writable "
                f"({error.strerror or error}); choose another path"
            ) from None

    def save(self, epoch: int, model, optimizer, scheduler, history: History, best: _Best) -> None:
        # a crash or Ctrl-C leaves the previous checkpoint intact
        with atomic_write(self.path) as file:
            torch.save(
                {
                    "signature": self.signature,
                    "model": model.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "scheduler": scheduler.state_dict() if scheduler is not None else None,
                    "history": dict(history),
                    "rng": torch.get_rng_state(),
                    "epoch": epoch,
                    "best_value": best.value,
                    "best_epoch": best.epoch,
                    "best_model": best.state,
                },
                file,
            )
        self.saved_epoch = epoch

    def resume(self, model, optimizer, scheduler, history: History, best: _Best, device) -> int:
        """Load the checkpoint into the arguments when it
        exists; returns the number of finished epochs."""
        if not self.path.exists():
            return 0
        fresh = f"delete {self.path} (or pass another checkpoint_path) to start fresh"
        try:
            state = torch.load(self.path, map_location=device, weights_only=True)
        except (RuntimeError, OSError, EOFError, pickle.UnpicklingError) as error:
            raise ValueError(
                f"cannot read the checkpoint {self.path} "
                f"({type(error).__name__}: {error}); it may be "
                f"cut short (an interrupted copy, a full disk) or not a checkpoint: {fresh}"
            ) from None
        if not isinstance(state, dict) or "signature" not in state:
            raise ValueError(f"{self.path} is not a checkpoint written by fit: {fresh}")
        differences = _differences(state["signature"], self.signature)
        if differences:
            raise ValueError(
                f"the checkpoint {self.path} was written by another run; what differs:\n- "
                + "\n- ".join(differences)
                + f"\nResume with the settings it was written with, or {fresh}."
            )
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        if scheduler is not None:
            scheduler.load_state_dict(state["scheduler"])
        history.update(state["history"])
        torch.set_rng_state(state["rng"])
        best.value, best.epoch, best.state = (
            state["best_value"],
            state["best_epoch"],
            state["best_model"],
        )
        self.saved_epoch = state["epoch"]
        print(f"Resuming from {self.path} after epoch {state['epoch']}.")
        return state["epoch"]


class _EpochProgress:
    """A tqdm bar when a person watches, else one plain
    line every ``log_every`` epochs (and the last)."""

    def __init__(self, epochs: int, start_epoch: int, log_every: int, bar: bool):
        self.epochs, self.log_every, self.bar = epochs, log_every, None
        if bar and start_epoch < epochs:
            from tqdm.auto import tqdm

            # the bar keeps its width next to the long postfix of figures
            self.bar = tqdm(
                total=epochs, initial=start_epoch, unit="epoch", desc="training", dynamic_ncols=True
            )

    def __call__(self, epoch: int, history: History) -> None:
        shown = {
            key: history[key][-1]
            for key in ("loss", "accuracy", "val_loss", "val_accuracy")
            if key in history
        }
        if self.bar is not None:
            self.bar.set_postfix_str(epoch_summary(shown))
            self.bar.update(1)
        elif epoch % self.log_every == 0 or epoch == self.epochs:
            print(epoch_line(epoch, self.epochs, shown, history["seconds"][-1]))

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def predict(
    model: nn.Module, batches: Iterable, device: torch.device | str | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Run ``model`` over ``(inputs, target)`` batches;
    return (outputs, targets), concatenated on the CPU."""
    device = usable_device(device) if device is not None else next(model.parameters()).device
    model.eval()
    outputs, targets = [], []
    with torch.no_grad():
        for inputs, target in batches:
            outputs.append(model(inputs.to(device)).cpu())
            targets.append(target)
    return torch.cat(outputs), torch.cat(targets)


def run_bptt_epoch(
    model: CharRNN,
    batches: Iterable,
    device: torch.device | str,
    optimizer: torch.optim.Optimizer | None = None,
    clip_grad_norm: float | None = None,
) -> float:
    """One pass over truncated-BPTT batches; trains when an optimizer is given.

    The hidden state starts at zeros, is carried from each batch to the next
    and detached in between, so a loss at step t of a batch reaches back t - 1 steps: at most
    ``seq_len`` - 1, from a batch's last step. Returns the mean cross-entropy per character
    (nats).
    """
    training = optimizer is not None
    model.train(training)
    loss_fn = nn.CrossEntropyLoss(reduction="sum")
    total, count, state = torch.zeros((), device=device), 0, None
    with torch.set_grad_enabled(training):
        for inputs, targets in batches:
            inputs = torch.as_tensor(inputs, device=device)
            targets = torch.as_tensor(targets, device=device)
            logits, state = model(inputs, detach_state(state))
            loss = loss_fn(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
            if training:
                optimizer.zero_grad(set_to_none=True)
                (loss / targets.numel()).backward()
                if clip_grad_norm is not None:
                    nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
                optimizer.step()
            total += loss.detach()
            count += targets.numel()
    if count == 0:
        raise ValueError("the batches were empty: check the corpus and batch sizes")
    return total.item() / count


def fit_char_model(
    model: CharRNN,
    optimizer: torch.optim.Optimizer,
    train_batches: Iterable,
    val_batches: Iterable | None = None,
    *,
    epochs: int,
    device: torch.device | str | None = None,
    clip_grad_norm: float | None = 1.0,
    log_every: int = 1,
) -> History:
    """Train with :func:`run_bptt_epoch` for ``epochs`` epochs.

    Returns a :class:`labhelpers.training.History` with ``loss``, ``perplexity``
    (and ``val_loss``, ``val_perplexity`` with validation batches) and
    ``seconds`` per epoch; prints one line every ``log_every`` epochs.
    """
    positive_int("epochs", epochs)
    rate = _learning_rate(optimizer)
    device = usable_device(device) if device is not None else next(model.parameters()).device
    model.to(device)
    history = History(loss=[], perplexity=[], seconds=[])
    if val_batches is not None:
        history.update(val_loss=[], val_perplexity=[])
    for epoch in range(1, epochs + 1):
        started = time.perf_counter()
        loss = run_bptt_epoch(model, train_batches, device, optimizer, clip_grad_norm)
        if not math.isfinite(loss):
            raise NonFiniteLoss(
                f"epoch {epoch}: the training loss is not finite, so training stopped: the "
                "weights are no longer usable." + _non_finite_advice(rate),
                0,
            )
        history["loss"].append(loss)
        history["perplexity"].append(perplexity(loss))
        if val_batches is not None:
            val_loss = run_bptt_epoch(model, val_batches, device)
            history["val_loss"].append(val_loss)
            history["val_perplexity"].append(perplexity(val_loss))
        history["seconds"].append(time.perf_counter() - started)
        if epoch % log_every == 0 or epoch == epochs:
            print(perplexity_epoch_line(history, epoch, epochs))
    return history


def probability_accuracy(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Correct predictions in a batch of probabilities (predicted positive when > 0.5)."""
    return ((output.reshape(-1) > 0.5).long() == target.reshape(-1).long()).sum()


def next_value_predictor(
    model: nn.Module, device: torch.device | str | None = None, batch_size: int = 4096
) -> Callable[[np.ndarray], np.ndarray]:
    """A NumPy function windows (pairs, window, 1) -> next values (pairs, 1) from a one-step model.

    The model runs in evaluation mode without gradients, ``batch_size`` windows
    at a time.
    """
    device = torch.device(device) if device is not None else next(model.parameters()).device

    def predict_next(windows: np.ndarray) -> np.ndarray:
        model.eval()
        outputs = []
        with torch.no_grad():
            for start in range(0, len(windows), batch_size):
                chunk = torch.as_tensor(
                    np.asarray(windows[start : start + batch_size], dtype=np.float32), device=device
                )
                outputs.append(model(chunk)[:, :1].cpu().numpy())
        return np.concatenate(outputs).astype(np.float64)

    return predict_next
