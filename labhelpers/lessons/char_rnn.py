"""Lesson 12 only: sampling text from a character-level model with a temperature,
teacher forcing set against free running, each validation chunk's loss (for the noise of a
comparison), a per-step bidirectional model whose teacher-forced loss leaks the answer, and the
lesson's figures of the learning curves and of teacher forcing against free running.

The model is :class:`labhelpers.models.CharRNN`, trained by
:func:`labhelpers.training.fit_char_model` on
:class:`labhelpers.data.batches.BPTTBatches`; text goes in and out through
:class:`labhelpers.data.chars.CharCodec`.
"""

from __future__ import annotations

import math
import numbers
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from .. import noise
from ..base.checks import positive_int
from ..models import BidirectionalCharRNN, CharRNN, detach_state


def temperature_softmax(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """p_i = exp(g_i / tau) / sum_j exp(g_j / tau) over the last dimension (g: the logits).

    tau < 1 sharpens the distribution (lower entropy, towards the argmax),
    tau > 1 flattens it (towards uniform); tau = 1 is the model's own softmax.
    """
    if (
        isinstance(temperature, bool)
        or not isinstance(temperature, numbers.Real)
        or not temperature > 0
        or not math.isfinite(temperature)
    ):
        raise ValueError(f"temperature must be a positive number, got {temperature!r}")
    return torch.softmax(logits / temperature, dim=-1)


def entropy(probabilities: torch.Tensor) -> torch.Tensor:
    """Shannon entropy H = -sum_i p_i log p_i (nats) over the last dimension (0 log 0 = 0)."""
    return -(torch.special.xlogy(probabilities, probabilities)).sum(dim=-1)


def _generator(seed: int | torch.Generator | None) -> torch.Generator:
    if isinstance(seed, torch.Generator):
        return seed
    generator = torch.Generator()
    if seed is None:
        generator.seed()
    elif isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer or a torch.Generator, got {seed!r}")
    else:
        generator.manual_seed(int(seed))
    return generator


def sample_next(
    logits: torch.Tensor, temperature: float = 1.0, seed: int | torch.Generator | None = None
) -> torch.Tensor:
    """Draw one index per row from softmax(logits / temperature).

    ``logits`` of shape (vocab,) or (batch, vocab); returns shape () or
    (batch,). The draw uses its own CPU generator (``seed``), so the same seed
    gives the same draw whatever else used the global random state.
    """
    probabilities = temperature_softmax(logits.detach().float().cpu(), temperature)
    flat = probabilities.reshape(-1, probabilities.shape[-1])
    drawn = torch.multinomial(flat, 1, generator=_generator(seed))[:, 0]
    return drawn.reshape(probabilities.shape[:-1])


def generate_text(
    model: CharRNN,
    codec,
    prompt: str,
    length: int,
    temperature: float = 1.0,
    seed: int | torch.Generator | None = 0,
) -> str:
    """Continue ``prompt`` by ``length`` characters, sampling one at a time.

    The prompt is read to set the hidden state; then each sampled character is
    fed back as the next input. A model that returns no state (``None``, as
    :class:`BidirectionalCharRNN` does) re-reads the whole text so far at every
    step instead. ``codec`` is a :class:`labhelpers.data.chars.CharCodec`.
    Returns prompt + continuation.
    """
    positive_int("length", length)
    if not prompt:
        raise ValueError("prompt must hold at least one character to start from")
    temperature_softmax(torch.zeros(1), temperature)  # check the temperature before any work
    generator = _generator(seed)
    device = next(model.parameters()).device
    model.eval()
    drawn = []
    with torch.no_grad():
        read = codec.encode(prompt)
        logits, state = model(torch.as_tensor(read, device=device)[None, :])
        for _ in range(length):
            index = sample_next(logits[0, -1], temperature, generator)
            drawn.append(int(index))
            if state is None:  # no state to carry: read the whole text again
                so_far = np.concatenate([read, drawn]).astype(np.int64)
                logits, state = model(torch.as_tensor(so_far, device=device)[None, :])
            else:
                logits, state = model(index.reshape(1, 1).to(device), state)
    return prompt + codec.decode(drawn)


class ContinuationErrors(NamedTuple):
    """Per-step scores of greedy continuations, each of shape (steps,); index k-1 is step k.

    ``*_error``: fraction of starts whose k-th predicted character (the argmax) differs from
    the text; ``*_loss``: mean cross-entropy of the text's k-th character (nats).
    """

    teacher_error: np.ndarray
    free_error: np.ndarray
    teacher_loss: np.ndarray
    free_loss: np.ndarray


def continuation_errors(
    model: CharRNN, ids, context: int, steps: int, starts: int = 64, seed: int = 0
) -> ContinuationErrors:
    """Teacher forcing against free running, over ``steps`` characters after a true context.

    ``ids`` is a 1-D array of character indices (for example the validation text). At each
    of ``starts`` positions s, drawn from ``ids`` with ``seed``, the model reads the
    ``context`` true characters before s, then predicts the characters s, ..., s + steps - 1:

    - teacher forcing (how the model is trained): the prediction of character s + k - 1 reads
      the true characters before it;
    - free running (how it generates): it reads the model's own greedy predictions for
      s, ..., s + k - 2, fed back one at a time.

    Step 1 reads the same true context in both, so its scores are equal. Returns a
    :class:`ContinuationErrors`.
    """
    context = positive_int("context", context)
    steps = positive_int("steps", steps)
    starts = positive_int("starts", starts)
    ids = np.asarray(ids)
    if ids.ndim != 1:
        raise ValueError(f"ids must be a 1-D array of character indices, got shape {ids.shape}")
    first, last = context, len(ids) - steps  # every start s in [first, last]
    if last < first:
        raise ValueError(
            f"ids holds {len(ids)} characters, too few for context={context} and "
            f"steps={steps} (at least {context + steps} are needed): lower them or use "
            "a longer text"
        )
    rng = np.random.default_rng(seed)
    chosen = np.sort(
        rng.choice(np.arange(first, last + 1), size=min(starts, last - first + 1), replace=False)
    )
    device = next(model.parameters()).device
    windows = np.stack([ids[s - context : s + steps] for s in chosen]).astype(np.int64)
    windows = torch.as_tensor(windows, device=device)  # (starts, context + steps)
    truth = windows[:, context:]  # (starts, steps)
    model.eval()
    with torch.no_grad():
        # Teacher forcing: one pass over the true text; the logits at position
        # context - 1 + (k - 1) predict character s + k - 1.
        logits, _ = model(windows[:, :-1])
        teacher = logits[:, context - 1 :]  # (starts, steps, vocab)
        # Free running: read the context, then feed back the argmax.
        logits, state = model(windows[:, :context])
        free = [logits[:, -1]]
        for _ in range(steps - 1):
            logits, state = model(free[-1].argmax(dim=-1)[:, None], state)
            free.append(logits[:, -1])
        free = torch.stack(free, dim=1)  # (starts, steps, vocab)

    def scores(step_logits):
        error = (step_logits.argmax(dim=-1) != truth).double().mean(dim=0)
        loss = torch.nn.functional.cross_entropy(
            step_logits.transpose(1, 2).double(), truth, reduction="none"
        ).mean(dim=0)
        return error.cpu().numpy(), loss.cpu().numpy()

    (teacher_error, teacher_loss), (free_error, free_loss) = scores(teacher), scores(free)
    return ContinuationErrors(teacher_error, free_error, teacher_loss, free_loss)


class ChunkLosses(NamedTuple):
    """Each chunk's mean cross-entropy per character (nats) and its number of characters.

    One entry per (batch, row) of the batches, batch-major. ``measured()`` is their
    character-weighted mean (the loss per character) with its standard error over chunks.
    """

    loss: np.ndarray
    count: np.ndarray

    def measured(self, what: str = "validation chunks") -> noise.Measured:
        return noise.over_items(self.loss, self.count, what=what)


def _device_of(model: nn.Module, device) -> torch.device:
    return torch.device(device) if device is not None else next(model.parameters()).device


def chunk_losses(model: nn.Module, batches, device=None) -> ChunkLosses:
    """Teacher-forced loss of every chunk (row of every batch), the state carried as in training.

    The state runs from batch to batch as in :func:`labhelpers.training.run_bptt_epoch`
    (a model that returns ``None`` carries none), so the character-weighted mean of the
    chunks' losses is that function's loss over the same batches.
    """
    device = _device_of(model, device)
    model.eval()
    losses, counts, state = [], [], None
    with torch.no_grad():
        for inputs, targets in batches:
            inputs = torch.as_tensor(inputs, device=device)
            targets = torch.as_tensor(targets, device=device)
            logits, state = model(inputs, detach_state(state))
            per_character = nn.functional.cross_entropy(
                logits.transpose(1, 2).double(), targets, reduction="none"
            )  # (batch, seq_len)
            losses.append(per_character.mean(dim=1).cpu().numpy())
            counts.append(np.full(len(inputs), inputs.shape[1]))
    if not losses:
        raise ValueError("the batches were empty: check the corpus and batch sizes")
    return ChunkLosses(np.concatenate(losses), np.concatenate(counts))


def past_only_losses(model: nn.Module, batches, device=None) -> ChunkLosses:
    """Each chunk's loss when the prediction at step t reads only x_1..x_t of its chunk.

    Every prefix of every chunk is read from a zero state and scored at its last step:
    what a model can read when it generates (the next character does not exist yet). For
    a unidirectional model reading each chunk from zeros this equals the teacher-forced
    loss; for :class:`BidirectionalCharRNN` the difference is what reading the later
    characters was worth.

    A :class:`BidirectionalCharRNN` takes two passes per chunk: on the prefix x_1..x_t its
    forward direction at step t is the whole chunk's (it reads x_1..x_t either way), and its
    backward direction, starting at the prefix's end from zeros, has read x_t alone there, so
    every x_t is also read alone. Any other model takes T forward passes per chunk of T steps,
    one per prefix.
    """
    device = _device_of(model, device)
    model.eval()
    losses, counts = [], []
    with torch.no_grad():
        for inputs, targets in batches:
            inputs = torch.as_tensor(inputs, device=device)
            targets = torch.as_tensor(targets, device=device)
            if isinstance(model, BidirectionalCharRNN):
                total = nn.functional.cross_entropy(
                    _bidirectional_prefix_logits(model, inputs).transpose(1, 2).double(),
                    targets,
                    reduction="none",
                ).sum(dim=1)
            else:
                total = torch.zeros(len(inputs), dtype=torch.float64, device=device)
                for t in range(1, inputs.shape[1] + 1):
                    logits, _ = model(inputs[:, :t])
                    total += nn.functional.cross_entropy(
                        logits[:, -1].double(), targets[:, t - 1], reduction="none"
                    )
            losses.append((total / inputs.shape[1]).cpu().numpy())
            counts.append(np.full(len(inputs), inputs.shape[1]))
    if not losses:
        raise ValueError("the batches were empty: check the corpus and batch sizes")
    return ChunkLosses(np.concatenate(losses), np.concatenate(counts))


def _bidirectional_prefix_logits(model: BidirectionalCharRNN, inputs: torch.Tensor):
    """Scores at every step t of ``inputs`` (batch, T) from the prefix x_1..x_t alone."""
    hidden = model.rnn.hidden_size
    embedded = model.embedding(inputs)  # (batch, T, embedding)
    whole, _ = model.rnn(embedded)  # forward half at t: x_1..x_t, as on the prefix
    alone, _ = model.rnn(embedded.reshape(-1, 1, embedded.shape[-1]))  # each x_t from zeros
    backward = alone.reshape(*inputs.shape, 2 * hidden)[..., hidden:]
    return model.out(torch.cat([whole[..., :hidden], backward], dim=-1))


def leak_sentences(
    name: str,
    teacher_forced: noise.Measured,
    past_only: noise.Measured,
    reference_name: str,
    reference: noise.Measured,
) -> str:
    """What the per-step bidirectional model's losses show, worded from their noise.

    ``teacher_forced`` and ``past_only`` are the bidirectional model's validation loss
    reading its whole chunk and reading only up to step t; ``reference`` a unidirectional
    model's teacher-forced loss. The leak is named only when the teacher-forced loss is
    below both at two standard errors.
    """
    against = noise.compare(
        f"Read teacher-forced, {name}",
        teacher_forced,
        reference_name,
        reference,
        percent=False,
        higher_is_better=False,
    )
    hidden = noise.effect(
        "Reading only up to step t (all that generation can read)",
        teacher_forced,
        past_only,
        f"{name}'s validation loss (nats per character)",
        percent=False,
        higher_is_better=False,
    )
    below_reference = noise.verdict(teacher_forced, reference, higher_is_better=False) == "above"
    below_own = noise.verdict(teacher_forced, past_only, higher_is_better=False) == "above"
    if below_reference and below_own:
        ending = (
            f"Its teacher-forced loss is too good: lower than that of {reference_name}, which "
            "reads only the past, and lower than its own without the later characters. At step "
            "t its backward direction reads the answer, the next character: the leak."
        )
    elif below_own:
        ending = (
            "Reading the later characters lowers its loss, but in this run not below "
            f"{reference_name}'s by two standard errors."
        )
    else:
        ending = (
            "In this run the later characters did not lower its loss by two standard errors: "
            "the leak does not show."
        )
    return f"{against} {hidden} {ending}"


def validation_loss(per_seed, chunks: ChunkLosses) -> noise.Measured:
    """A cell's validation loss with its standard error: over seeds where there are several.

    ``per_seed`` holds the final validation loss of every training of the cell (one per
    seed); ``chunks`` the chunk losses of the first. With two seeds or more the result is
    their mean with the standard error over seeds (``noise.over_seeds``), which counts the
    seed's luck; with one, the first training's loss with its standard error over the
    validation chunks (``ChunkLosses.measured``), which counts only the validation text's.
    """
    per_seed = [float(loss) for loss in per_seed]
    if not per_seed:
        raise ValueError("per_seed needs the validation loss of at least one training")
    if len(per_seed) >= 2:
        return noise.over_seeds(per_seed)
    return chunks.measured()


def check_settings(settings) -> None:
    """Lesson 12's settings that its declarations cannot state, refused in the settings cell with
    the parameter's name (later they stop a data cell with a message about the text):
    ``toy_text`` needs an input and a target character, ``prompt`` a character to continue, and
    ``max_chars`` (0: the whole corpus) room for one training batch of ``batch_size`` rows of
    ``seq_len`` steps and a validation row."""
    if len(settings["toy_text"]) < 2:
        raise ValueError(
            f"toy_text must hold at least 2 characters (an input and the target after it), got "
            f"{settings['toy_text']!r}"
        )
    if not settings["prompt"]:
        raise ValueError("prompt must hold at least one character: the samples continue it")
    fraction, rows, steps = settings["train_fraction"], settings["batch_size"], settings["seq_len"]
    needed = max(math.ceil((rows * steps + 1) / fraction), math.ceil((steps + 1) / (1 - fraction)))
    if settings["max_chars"] and settings["max_chars"] < needed:
        raise ValueError(
            f"max_chars={settings['max_chars']} leaves too little text for one training batch "
            f"({rows} rows of {steps} steps, {fraction:g} of the text) and a validation row: give "
            f"at least {needed}, or 0 for the whole corpus"
        )


def checkpoint_epochs(epochs: int) -> list[int]:
    """The epochs after which lesson 12 keeps the weights to sample from: 0 (before training),
    the first, the middle (rounded up) and the last, each once, in order."""
    epochs = positive_int("epochs", epochs)
    return sorted({0, 1, -(-epochs // 2), epochs})


def fit_with_checkpoints(
    model: CharRNN,
    optimizer: torch.optim.Optimizer,
    train_batches,
    val_batches,
    *,
    epochs: int,
    checkpoints,
    log_every: int = 1,
    **fit_options,
):
    """:func:`labhelpers.training.fit_char_model`, one epoch at a time, keeping the weights.

    Returns ``(history, weights)``: the history and printed lines of ``fit_char_model`` over
    ``epochs`` epochs (the same training: the optimizer and the model carry over from epoch to
    epoch, and an epoch draws nothing at random), and ``weights[e]``, a copy of the model's
    ``state_dict`` after epoch ``e`` for every ``e`` in ``checkpoints`` (0: before training).
    ``fit_options`` go to ``fit_char_model`` (``device``, ``clip_grad_norm``).
    """
    import contextlib
    import io

    from ..base.progress import perplexity_epoch_line
    from ..training import History, NonFiniteLoss, fit_char_model

    epochs = positive_int("epochs", epochs)
    log_every = positive_int("log_every", log_every)
    wanted = {int(epoch) for epoch in checkpoints}
    if not wanted <= set(range(epochs + 1)):
        raise ValueError(f"checkpoints must lie in 0..{epochs}, got {sorted(wanted)}")

    def copy_weights():
        return {name: value.detach().cpu().clone() for name, value in model.state_dict().items()}

    weights = {0: copy_weights()} if 0 in wanted else {}
    history = History()
    for epoch in range(1, epochs + 1):
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                one = fit_char_model(
                    model, optimizer, train_batches, val_batches, epochs=1, **fit_options
                )
        except NonFiniteLoss as error:
            message = str(error).replace("epoch 1:", f"epoch {epoch}:", 1)
            raise NonFiniteLoss(message, error.step) from None
        for key, values in one.items():
            history.setdefault(key, []).extend(values)
        if epoch % log_every == 0 or epoch == epochs:
            print(perplexity_epoch_line(history, epoch, epochs))
        if epoch in wanted:
            weights[epoch] = copy_weights()
    return history, weights


def known_word_share(text: str, words) -> tuple[int, int]:
    """``(known, total)``: how many of the words of ``text`` are in ``words``.

    A word is a run of letters (``str.isalpha``), compared in lower case; ``words`` is a set of
    lower-case words, such as :func:`words_of` the training text.
    """
    found = _words(text)
    return sum(word in words for word in found), len(found)


def _words(text: str) -> list[str]:
    found, current = [], []
    for char in text + " ":
        if char.isalpha():
            current.append(char.lower())
        elif current:
            found.append("".join(current))
            current = []
    return found


def words_of(text: str) -> set[str]:
    """The distinct words of ``text``: runs of letters, in lower case."""
    return set(_words(text))


# The properties of the text read so far that lesson 12 looks for in single hidden units.
TEXT_PROPERTIES = ("inside quotes", "letters into the word", "just read a space")


def text_properties(text: str) -> dict[str, np.ndarray]:
    """Simple properties of a text at every position t, from the characters read up to x_t.

    - ``"inside quotes"``: 1.0 where an odd number of double quotes (") have been read since
      the last newline (an opening quote is inside, its closing quote outside), else 0.0;
    - ``"letters into the word"``: how many characters have been read since the last space or
      newline (0.0 at a space or newline);
    - ``"just read a space"``: 1.0 where x_t is a space, else 0.0.

    Each is an array of shape (len(text),), aligned with the hidden state after reading x_t.
    """
    n = len(text)
    quotes, into_word, space = np.zeros(n), np.zeros(n), np.zeros(n)
    inside, run = False, 0
    for t, char in enumerate(text):
        if char == "\n":
            inside, run = False, 0
        elif char == " ":
            run = 0
        else:
            run += 1
            if char == '"':
                inside = not inside
        quotes[t], into_word[t], space[t] = float(inside), float(run), float(char == " ")
    return {
        "inside quotes": quotes,
        "letters into the word": into_word,
        "just read a space": space,
    }


def hidden_states(model: CharRNN, ids, streams: int = 1, device=None) -> tuple[np.ndarray, int]:
    """The recurrent layer's output (the hidden state h_t read by the output layer) at every
    character of ``ids``, shape (n, hidden_size), and n.

    The text is cut into ``streams`` contiguous rows of equal length, read side by side from
    zero states (the first characters of each row are read without their past), and joined
    back in text order; the last ``len(ids) % streams`` characters are dropped, so n is
    ``streams * (len(ids) // streams)``. For an LSTM this is h_t, not the cell c_t.
    """
    streams = positive_int("streams", streams)
    ids = np.asarray(ids)
    if ids.ndim != 1:
        raise ValueError(f"ids must be a 1-D array of character indices, got shape {ids.shape}")
    length = len(ids) // streams
    if length < 1:
        raise ValueError(f"{len(ids)} characters are too few for {streams} streams")
    device = _device_of(model, device)
    rows = torch.as_tensor(ids[: streams * length].reshape(streams, length), device=device)
    model.eval()
    with torch.no_grad():
        states, _ = model.rnn(model.embedding(rows))  # (streams, length, hidden)
    states = states.double().cpu().numpy()
    return states.reshape(streams * length, -1), streams * length


def unit_correlations(activations, values) -> np.ndarray:
    """Pearson's r between every column of ``activations`` (n, units) and ``values`` (n,).

    A column, or ``values``, that does not vary has no correlation: NaN.
    """
    activations = np.asarray(activations, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    if activations.ndim != 2 or values.shape != activations.shape[:1]:
        raise ValueError(
            f"activations must be (n, units) and values (n,), got {activations.shape} and "
            f"{values.shape}"
        )
    a = activations - activations.mean(axis=0)
    v = values - values.mean()
    scale = np.sqrt((a**2).sum(axis=0) * (v**2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (v @ a) / scale
    return np.where(scale > 0, r, np.nan)


def block_correlation(column, values, blocks: int) -> noise.Measured | None:
    """Pearson's r of one unit's activations with ``values``, measured in ``blocks`` contiguous
    blocks of equal length (the remainder dropped): the mean of the blocks' r, with its
    standard error over them (``noise.over_items``). Neighbouring characters are far from
    independent; blocks of many characters nearly are. Blocks where the unit or the property
    does not vary are left out; None when fewer than 2 blocks remain.
    """
    blocks = positive_int("blocks", blocks)
    column = np.asarray(column, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    size = len(values) // blocks
    if column.shape != values.shape or column.ndim != 1 or size < 2:
        raise ValueError(
            f"column and values must be two arrays of the same length of at least {2 * blocks}, "
            f"got shapes {column.shape} and {values.shape}"
        )
    rs = [
        unit_correlations(
            column[b * size : (b + 1) * size, None], values[b * size : (b + 1) * size]
        )[0]
        for b in range(blocks)
    ]
    rs = [r for r in rs if np.isfinite(r)]
    if len(rs) < 2:
        return None
    return noise.over_items(rs, what=f"blocks of {size:,} characters")


class UnitFinding(NamedTuple):
    """One property's most correlated unit, chosen on training text, and a random unit.

    ``train_r``: the chosen unit's r on the training text (its sign orients ``held_out``);
    ``held_out``: its r on held-out text times that sign, with its standard error over blocks
    (None where too few blocks vary); the same three for ``random_unit``.
    """

    name: str
    unit: int
    train_r: float
    held_out: noise.Measured | None
    random_unit: int
    random_train_r: float
    random_held_out: noise.Measured | None


def find_unit(
    name: str,
    train_activations,
    train_values,
    held_activations,
    held_values,
    blocks: int = 20,
    seed: int = 0,
) -> UnitFinding:
    """The unit whose activation correlates most (largest |r|) with a property on the training
    text, and a unit drawn at random among the others (``seed``), both measured on held-out
    text by :func:`block_correlation`, each oriented by the sign of its training r."""
    train_r = unit_correlations(train_activations, train_values)
    if not np.isfinite(train_r).any():
        raise ValueError(f"{name!r} does not vary in the training text, or no unit does")
    unit = int(np.nanargmax(np.abs(train_r)))
    others = [u for u in range(len(train_r)) if u != unit and np.isfinite(train_r[u])]
    if not others:
        raise ValueError("a random unit needs at least 2 units that vary")
    random_unit = int(np.random.default_rng(seed).choice(others))
    held_activations = np.asarray(held_activations, dtype=np.float64)

    def held_out(u):
        measured = block_correlation(held_activations[:, u], held_values, blocks)
        if measured is None:
            return None
        sign = 1.0 if train_r[u] >= 0 else -1.0
        return noise.Measured(sign * measured.value, measured.se, measured.source)

    return UnitFinding(
        name,
        unit,
        float(train_r[unit]),
        held_out(unit),
        random_unit,
        float(train_r[random_unit]),
        held_out(random_unit),
    )


def unit_sentence(finding: UnitFinding) -> str:
    """What a :class:`UnitFinding` shows, worded from the noise of the held-out correlations."""
    chosen = (
        f'For the property "{finding.name}", unit {finding.unit} has the largest correlation '
        f"on the training text (r = {finding.train_r:+.3f})"
    )
    if finding.held_out is None or finding.random_held_out is None:
        return (
            f"{chosen}; the held-out text has too few blocks where the property and both units "
            "vary to measure it there."
        )
    d, se = noise.difference(finding.held_out, finding.random_held_out)
    side = noise.verdict(finding.held_out, finding.random_held_out)
    held = (
        "on the held-out text, its sign taken from the training text, its r is "
        f"{finding.held_out.value:+.3f} ± {finding.held_out.se:.3f} ({finding.held_out.source}), "
        f"against {finding.random_held_out.value:+.3f} ± {finding.random_held_out.se:.3f} for unit "
        f"{finding.random_unit}, drawn at random (its sign taken the same way)"
    )
    if side == "above":
        ending = f"higher by {d:.3f} ± {se:.3f}, more than {noise.NOISE_LEVEL:g} standard errors."
    elif side == "below":
        ending = (
            f"lower by {-d:.3f} ± {se:.3f}, more than {noise.NOISE_LEVEL:g} standard errors: the "
            "training text's choice does not hold on held-out text."
        )
    else:
        ending = (
            f"a difference of {d:+.3f} ± {se:.3f}, within noise (under "
            f"{noise.NOISE_LEVEL:g} standard errors)."
        )
    return f"{chosen}; {held}: {ending}"


def passage_around(text: str, char: str = '"', length: int = 240, before: int = 60) -> int:
    """Where a passage of ``length`` characters starts so that it holds the first ``char`` of
    ``text`` about ``before`` characters in (0 when ``char`` is absent), kept inside the text."""
    length = positive_int("length", length)
    found = text.find(char)
    start = max(0, found - before) if found >= 0 else 0
    return max(0, min(start, len(text) - length))


# ---------------------------------------------------------------- figures


def plot_char_histories(histories, unigram_perplexity: float):
    """Each model's loss per epoch (training solid, validation dashed, one colour per model)
    and its validation perplexity beside the unigram model's (no context, dotted).

    ``histories`` maps a model's name to its history (``loss``, ``val_loss`` and
    ``val_perplexity`` per epoch). Returns the figure.
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    for name, history in histories.items():
        epochs_axis = np.arange(1, len(history["loss"]) + 1)
        (line,) = axes[0].plot(epochs_axis, history["loss"], marker="o", label=f"{name} training")
        colour = line.get_color()
        axes[0].plot(epochs_axis, history["val_loss"], marker="o", linestyle="--", color=colour,
                     label=f"{name} validation")  # fmt: skip
        axes[1].plot(epochs_axis, history["val_perplexity"], marker="o", color=colour, label=name)
    axes[1].axhline(unigram_perplexity, color="gray", linestyle=":", label="no context (unigram)")
    axes[0].set_ylabel("cross-entropy (nats per character)")
    axes[0].set_title("Loss per epoch")
    axes[1].set_ylabel("validation perplexity")
    axes[1].set_title("Validation perplexity per epoch")
    for ax in axes:
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_continuation_errors(forcing: ContinuationErrors, model_name: str):
    """Teacher forcing against free running by step k after the true context
    (:func:`continuation_errors`): the share of wrong greedy characters, and beside it the
    loss of the text's k-th character. ``model_name`` titles the first panel."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    steps = np.arange(1, len(forcing.teacher_error) + 1)
    for ax, key, label in (
        (axes[0], "error", "share of wrong greedy characters"),
        (axes[1], "loss", "cross-entropy of the true character (nats)"),
    ):
        for mode, prefix in (("teacher forcing", "teacher"), ("free running", "free")):
            ax.plot(steps, getattr(forcing, f"{prefix}_{key}"), marker="o", label=mode)
        ax.set_xlabel("step k after the true context")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend()
    axes[0].set_title(f"{model_name}: greedy continuation errors")
    axes[1].set_title("Loss of the text's k-th character")
    fig.tight_layout()
    return fig
