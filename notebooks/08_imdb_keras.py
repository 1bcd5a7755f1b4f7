# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 8: IMDB sentiment in Keras, SimpleRNN against LSTM
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/rnn-lab-book/rnn-lab-book/blob/main/notebooks/08_imdb_keras.ipynb)
#
# Experiment E2 of the lab catalogue (lab records 001 and 002).

# %% tags=["install", "remove-cell"] language="bash"
# # Colab only: install labhelpers and the packages the lessons use that Colab lacks.
# [ -z "$COLAB_RELEASE_TAG" ] || python -m pip show -q labhelpers ||
#   python -m pip install -q "labhelpers[colab] @ git+https://github.com/rnn-lab-book/rnn-lab-book@main"

# %% [markdown]
# ## Aim
#
# Classify IMDB reviews as positive or negative with Keras, once with a
# `SimpleRNN` and once with an `LSTM` of the same width, with the records'
# settings, and compare their accuracy, their loss, their speed and the shape
# of their learning curves.
#
# ## Objectives
#
# - load IMDB in the `keras.datasets.imdb` format (word ids by frequency rank;
#   0 padding, 1 start, 2 unknown word) and pad it to 200 ids;
# - train Embedding -> SimpleRNN -> Dense(1, sigmoid) and the same with an
#   LSTM of the same width (128 units in the records), binary cross-entropy,
#   Adam, `validation_split=0.2`;
# - measure test accuracy and loss, each accuracy with its standard error,
#   and seconds per training step on this machine;
# - draw both learning curves in one figure; measure how jumpy each
#   validation curve is and how far back each model's gradient reaches;
# - see when Keras turns sigmoid + binary cross-entropy into the logits
#   loss, when it does not, and the rule that does not depend on it.
#
# ## Parameters
#
# Pick a profile with `profile`; a parameter left at `None` takes its
# profile's value (`lab`, `quick` or `smoke`, all in
# `labhelpers/lesson_settings.toml`), and the cell after the parameters shows
# the values used. `lab` is the records' settings on the
# full official split (25,000 training and 25,000 test reviews, 5 epochs; the
# LSTM with recurrent dropout is the slow part, and the Observation times it;
# the book's page *How long each lesson takes* gives each profile's time).
# `quick` keeps the models but trains on the first 3,000 training reviews for
# 3 epochs and tests on the first 3,000 test reviews. `smoke` runs a tiny model
# on generated reviews. Without IMDB the lesson runs on generated reviews made
# for its question (`long_range_reviews`): each opens with one or two cue
# sentences, followed by 0 to 12 neutral ones, so a model that reads to the
# end must carry the cues across them; the reviews with a short tail let any
# model learn the sentiment words, the long ones show how far back each model
# reaches (the Observation measures accuracy by that distance). With
# papermill:
# `papermill 08_imdb_keras.ipynb out.ipynb -p profile lab`.

# %% tags=["parameters"]
from labhelpers.profiles import notebook_settings

profile = "quick"  # type: str  Profile for every setting left at None: "smoke" (seconds, tests), "quick" (CPU book build) or "lab" (the records' settings).
data = None  # type: str in {"imdb", "synthetic", "auto"}  "imdb", "synthetic" (generated reviews) or "auto" (IMDB when it is found, else the generated reviews, said so in the output).
data_path = None  # type: str  The IMDB CSV or its folder; empty: $LABHELPERS_DATA_DIR, then kagglehub's cache.
n_train = None  # type: int, at least 0  Training reviews used, the first of the shuffled official training half; 0 uses all 25000.
n_test = None  # type: int, at least 0  Test reviews used, the first of the shuffled official test half; 0 uses all 25000.
n_synthetic = None  # type: int, at least 1  Number of generated reviews when the generated corpus is used.
num_words = None  # type: int, at least 4  Ids kept: words ranked below num_words.
maxlen = None  # type: int, at least 1  Ids per review after pad_sequences (Keras defaults: pad and cut at the start).
embedding_dim = None  # type: int, at least 1  Size of the word embeddings.
units = None  # type: int, at least 1  Units of the SimpleRNN and of the LSTM.
dropout = None  # type: float in [0, 1)  Dropout on the recurrent layers' inputs.
recurrent_dropout = None  # type: float in [0, 1)  Dropout on the LSTM's hidden state between steps.
epochs = None  # type: int, at least 1  Passes over the training reviews.
batch_size = None  # type: int, at least 1  Reviews per training step.
validation_split = None  # type: float in (0, 1)  Share of the training reviews (the last ones) Keras holds out for validation.
seed = None  # type: int, at least 0  Seed of TensorFlow, Keras and NumPy.

# %%
settings = notebook_settings()

# %% [markdown]
# ## Algorithm
#
# Both models read the padded ids $x_1, \dots, x_{200}$ through an embedding,
# $e_t = E[x_t]$, and classify from their last hidden state. In the symbols of
# the notation page (Keras's `kernel` is $W_{in}^\top$, its
# `recurrent_kernel` is $W_{hh}^\top$, its `bias` is $b$):
#
# - SimpleRNN: $h_t = \tanh(W_{in} e_t + W_{hh} h_{t-1} + b)$;
# - LSTM: one such set of weights per gate (Keras stacks the four side by
#   side in `kernel` and `recurrent_kernel`): gates
#   $i_t, f_t, o_t = \sigma(W_{in}^{(i,f,o)} e_t + W_{hh}^{(i,f,o)} h_{t-1}
#   + b^{(i,f,o)})$, cell
#   $c_t = f_t \odot c_{t-1} + i_t \odot \tanh(W_{in}^{(c)} e_t
#   + W_{hh}^{(c)} h_{t-1} + b^{(c)})$, and $h_t = o_t \odot \tanh(c_t)$.
#
# Then $p = \sigma(z)$ with the logit $z = W_g h_{200} + b_g$ (the `Dense`
# layer), and the loss is the binary cross-entropy. The LSTM's cell state is
# updated by addition, gated by $f_t$: when $f_t \approx 1$ its gradient
# passes back through many steps without shrinking, where the SimpleRNN's is
# multiplied by $\mathrm{diag}(1 - h_t^2)\,W_{hh}$ at every step. The
# Observation measures how much of the gradient reaches early words in each.
#
# ```text
# (x_train, y_train), (x_test, y_test) = imdb.load_data(num_words=10000)
# pad_sequences(x, maxlen=200)                 # pad and cut at the start (Keras defaults)
# for cell in (SimpleRNN(128, dropout=0.2), LSTM(128, dropout=0.2, recurrent_dropout=0.2)):
#     model = Sequential([Embedding(10000, 128), cell, Dense(1, sigmoid)])
#     model.compile(binary_crossentropy, adam, accuracy)
#     model.fit(x_train, y_train, epochs=5, batch_size=64, validation_split=0.2)
#     model.evaluate(x_test, y_test)
# ```

# %% [markdown]
# ## Program
#
# ### Data

# %%
from labhelpers.base.runtime import import_keras

# TensorFlow's start-up lines on stderr are not errors: they are kept out
keras = import_keras()
import numpy as np
import tensorflow as tf

from labhelpers.base.runtime import seed_everything
from labhelpers.data.keras_imdb import load_keras_imdb
from labhelpers.data.reviews import GENERATED_NOTE
from labhelpers.lessons.keras_imdb import long_range_reviews

# TensorFlow is imported: seeds it and asks for deterministic ops
seed_everything(settings.seed)
if settings.data == "synthetic":
    imdb = long_range_reviews(
        settings.n_synthetic, num_words=settings.num_words, seed=settings.seed
    )
else:
    imdb = load_keras_imdb(
        settings.num_words,
        settings.data_path or None,
        data=settings.data,
        n_synthetic=settings.n_synthetic,
        synthetic_seed=settings.seed,
    )
    if not imdb.is_imdb:
        # the generated reviews this lesson needs: one word far from the end
        imdb = long_range_reviews(
            settings.n_synthetic,
            num_words=settings.num_words,
            seed=settings.seed,
            fallback_reason=imdb.fallback_reason,
        )
print(imdb.description)
if not imdb.is_imdb:
    print(GENERATED_NOTE)
print(
    f"TensorFlow {tf.__version__}, Keras {keras.__version__}, devices: "
    f"{[d.device_type for d in tf.config.list_physical_devices()]}"
)


def first(n, part):
    return part if not n else part[:n]


x_train_ids, y_train = (
    first(settings.n_train, imdb.x_train),
    first(settings.n_train, imdb.y_train),
)
x_test_ids, y_test = (
    first(settings.n_test, imdb.x_test),
    first(settings.n_test, imdb.y_test),
)
print(
    f"training reviews: {len(x_train_ids)} of {len(imdb.x_train)}, "
    f"test reviews: {len(x_test_ids)} of {len(imdb.x_test)}"
)
print(
    f"positive: {y_train.mean():.1%} of training, {y_test.mean():.1%} of test"
)
print("first training review, ids:", x_train_ids[0][:16], "...")
print("decoded:", imdb.decode(x_train_ids[0][:16]), "...")

# %%
x_train = keras.utils.pad_sequences(x_train_ids, maxlen=settings.maxlen)
x_test = keras.utils.pad_sequences(x_test_ids, maxlen=settings.maxlen)
lengths = np.array([len(x) for x in x_train_ids])
print(f"x_train {x_train.shape}, x_test {x_test.shape}")
print(
    f"review length in ids: median {np.median(lengths):.0f}; "
    f"{np.mean(lengths > settings.maxlen):.1%} of the "
    "training reviews are longer than "
    f"{settings.maxlen} and lose their start"
)
# where Keras cuts validation_split
split_at = int(np.floor(len(x_train) * (1 - settings.validation_split)))
print(
    f"Keras trains on the first {split_at} and validates on "
    f"the last {len(x_train) - split_at} training reviews"
)

# %% [markdown]
# ### Sigmoid + binary cross-entropy: when Keras recovers the logits
#
# The records' models end in `Dense(1, activation="sigmoid")` and train with
# `binary_crossentropy`: the pairing that lesson 7 calls a defect in PyTorch
# (`Sigmoid` + `BCELoss`), because a saturated probability loses the loss's
# gradient. Keras 3 with the TensorFlow backend (used here) undoes the pairing
# in some cases, not all. Its `binary_crossentropy` first calls `_get_logits`
# (in `keras/src/backend/tensorflow/nn.py`), which finds logits in one of two
# ways:
#
# 1. through the attribute `_keras_logits` of the output tensor: Keras's
#    `sigmoid` (`keras.activations.sigmoid`, which
#    `Dense(activation="sigmoid")` calls) stores its input there;
# 2. without that attribute, in graph mode only (inside a `tf.function`, as
#    `model.fit` and `model.evaluate` run), from the input of the TensorFlow
#    `Sigmoid` op that made the output. An eager tensor has no op to read.
#
# When it finds them it computes `tf.nn.sigmoid_cross_entropy_with_logits` on
# the logits; otherwise it clips the probability to
# $[\epsilon, 1 - \epsilon]$ ($\epsilon$ = `keras.config.epsilon()`) and takes
# its log. (Keras's PyTorch and JAX backends have no such step: they always
# clip.) Measured on negative reviews with logits $z$, as in lesson 7's table:
# the loss and its gradient $\partial L / \partial z$ for a probability from
# Keras's `sigmoid`, for the logits with `from_logits=True`, and for a
# probability from `tf.math.sigmoid` (which sets no `_keras_logits`), eagerly
# and inside a `tf.function`:

# %%
import pandas as pd

z = tf.constant([[-120.0], [-40.0], [-20.0], [0.0], [20.0], [40.0], [120.0]])
y_neg = tf.zeros_like(z)


def loss_and_gradient(to_output, graph=False, **options):
    def run(z):
        with tf.GradientTape() as tape:
            tape.watch(z)
            loss = keras.losses.binary_crossentropy(
                y_neg, to_output(z), **options
            )
        return loss, tape.gradient(loss, z)

    loss, grad = (tf.function(run) if graph else run)(z)
    return loss.numpy().ravel(), grad.numpy().ravel()


columns = [f"z={v:g}" for v in z.numpy().ravel()]
bce_rows = {}
for name, to_output, graph, options in (
    ("keras sigmoid + BCE", keras.activations.sigmoid, False, {}),
    ("logits, from_logits=True", lambda v: v, False, {"from_logits": True}),
    ("tf.math.sigmoid + BCE, eager", tf.math.sigmoid, False, {}),
    ("tf.math.sigmoid + BCE, tf.function", tf.math.sigmoid, True, {}),
):
    loss, grad = loss_and_gradient(to_output, graph, **options)
    bce_rows[f"{name}: loss"] = loss
    bce_rows[f"{name}: dloss/dz"] = grad
bce_table = pd.DataFrame(bce_rows, index=columns).T
# Keras's sigmoid output gives the logits loss exactly
np.testing.assert_array_equal(
    bce_table.loc["keras sigmoid + BCE: loss"],
    bce_table.loc["logits, from_logits=True: loss"],
)
bce_table.round(4)

# %% [markdown]
# The records' model trains in graph mode with a `Dense` layer's own
# `sigmoid`, so route 1 applies. Both routes need the loss to receive the
# sigmoid's own output tensor. Under mixed precision
# (`keras.mixed_precision.set_global_policy("mixed_float16")`) the `Dense`
# layer returns float16, and the loss first converts its prediction to
# float32 (`Loss.__call__` in `keras/src/losses/loss.py`): a new tensor, made
# by a `Cast` op, with no `_keras_logits`. The loss `model.evaluate` gives
# one negative review with $z = 120$ (`output_layer_loss`), for the records'
# output layer in float32 and under `mixed_float16`, and for the same layer
# without activation, compiled with `BinaryCrossentropy(from_logits=True)`:

# %%
from IPython.display import Markdown, display

from labhelpers.lessons.keras_imdb import output_layer_loss

confident = 120.0
sigmoid_layer = 'Dense(1, activation="sigmoid") + BCE'
logits_layer = "Dense(1) + BCE(from_logits=True)"
# the float32 logits case is the table's from_logits row above
policy_losses = pd.Series(
    {
        ("float32", sigmoid_layer): output_layer_loss(confident, "float32"),
        ("mixed_float16", sigmoid_layer): output_layer_loss(
            confident, "mixed_float16"
        ),
        ("mixed_float16", logits_layer): output_layer_loss(
            confident, "mixed_float16", from_logits=True
        ),
    },
    name=f"loss at z={confident:g} (model.evaluate)",
)
policy_losses.index.names = ["dtype policy", "output layer and loss"]
display(policy_losses.round(2).to_frame())
lost = policy_losses["mixed_float16", sigmoid_layer]
kept = policy_losses["mixed_float16", logits_layer]
# the confident mistake's row of the table above, by short names
at_120 = {
    "keras": bce_table.loc["keras sigmoid + BCE: loss", "z=120"],
    "keras grad": bce_table.loc["keras sigmoid + BCE: dloss/dz", "z=120"],
    "eager": bce_table.loc["tf.math.sigmoid + BCE, eager: loss", "z=120"],
    "eager grad": bce_table.loc[
        "tf.math.sigmoid + BCE, eager: dloss/dz", "z=120"
    ],
    "graph": bce_table.loc[
        "tf.math.sigmoid + BCE, tf.function: loss", "z=120"
    ],
}
display(
    Markdown(
        "With Keras's `sigmoid` the loss of the confident mistake at "
        f"$z = {confident:g}$ is "
        f"{at_120['keras']:.1f} "
        "with gradient "
        f"{at_120['keras grad']:g}, "
        "the same as the logits loss. A probability from `tf.math.sigmoid` "
        "gives "
        f"{at_120['eager']:.2f} "
        "with gradient "
        f"{at_120['eager grad']:g} "
        "eagerly (lesson 7's defect), and "
        f"{at_120['graph']:.1f} "
        "inside a `tf.function`, where the `Sigmoid` op is read. Under "
        f"`mixed_float16` the records' output layer gives {lost:.2f}, "
        f"where its logits with `from_logits=True` give {kept:.1f}: the "
        "logits are lost again.\n\n"
        "**The rule.** Whether Keras finds the logits depends on the "
        "activation, the execution mode and the dtype policy. Do not rely "
        "on it: end the model with `Dense(1)` (no activation), compile with "
        "`keras.losses.BinaryCrossentropy(from_logits=True)`, and apply the "
        "sigmoid only to read probabilities."
    )
)

# %% [markdown]
# ### The two models and their training
#
# `labhelpers.lessons.keras_imdb.build_review_classifier` builds the records' model
# for a given recurrent layer. `StepTimer` times every training step;
# `ValidationPredictions` keeps the validation predictions of every epoch, for
# the Observation.

# %%
import inspect

from labhelpers.lessons.keras_imdb import (
    EpochLog,
    StepTimer,
    ValidationPredictions,
    build_review_classifier,
    describe_classifier,
    flip_rates,
    history_of,
)

print(inspect.getsource(build_review_classifier))


def train(cell, recurrent_rate):
    # the same initial weights and batch order for a given seed
    keras.utils.set_random_seed(settings.seed)
    model = build_review_classifier(
        cell,
        settings.num_words,
        settings.embedding_dim,
        settings.units,
        maxlen=settings.maxlen,
        dropout=settings.dropout,
        recurrent_dropout=recurrent_rate,
    )
    timer, watcher = StepTimer(), ValidationPredictions(x_train[split_at:])
    fitted = model.fit(
        x_train,
        y_train,
        epochs=settings.epochs,
        batch_size=settings.batch_size,
        validation_split=settings.validation_split,
        verbose=0,
        callbacks=[timer, EpochLog(settings.epochs), watcher],
    )
    test_loss, test_accuracy = model.evaluate(
        x_test, y_test, batch_size=256, verbose=0
    )
    print(
        f"{describe_classifier(model)}: {model.count_params()} parameters; "
        f"test accuracy {test_accuracy:.4f}, test loss {test_loss:.4f}"
    )
    return dict(
        model=model,
        description=describe_classifier(model),
        history=history_of(fitted, timer),
        timer=timer,
        predictions=watcher.predictions,
        test_accuracy=float(test_accuracy),
        test_loss=float(test_loss),
    )


print("SimpleRNN(dropout) - records 001 and 002")
simple = train("simple_rnn", recurrent_rate=0.0)

# %%
print("LSTM(dropout, recurrent_dropout) - record 002")
lstm = train("lstm", recurrent_rate=settings.recurrent_dropout)

# %% [markdown]
# ## Observation

# %%
import pandas as pd
from IPython.display import Markdown, display

from labhelpers import noise

if not imdb.is_imdb:
    display(
        Markdown(
            "**These runs used generated reviews, "
            f"not IMDB** ({imdb.description}). "
            "Their numbers say how the models behave on "
            "that corpus, not what they reach on IMDB."
        )
    )
runs = {"SimpleRNN": simple, "LSTM": lstm}
for name, run in runs.items():
    print(f"{name}: {run['description']}")
n_val = len(x_train) - split_at
# one run per model (one seed): the ± of an accuracy is its binomial standard
# error on the reviews it was measured on, the test sample's luck only
test_accuracy = {
    name: noise.binomial(run["test_accuracy"], len(y_test))
    for name, run in runs.items()
}
summary = pd.DataFrame(
    {
        name: {
            "test accuracy": 100 * test_accuracy[name].value,
            "± (points)": 100 * test_accuracy[name].se,
            "test loss": run["test_loss"],
            "final val accuracy": 100 * run["history"]["val_accuracy"][-1],
            "best val accuracy": 100 * max(run["history"]["val_accuracy"]),
            "val ± (points)": 100
            * noise.binomial(run["history"]["val_accuracy"][-1], n_val).se,
            "parameters": run["model"].count_params(),
        }
        for name, run in runs.items()
    }
).T
summary["parameters"] = summary["parameters"].astype(int)
print(
    "accuracies in %; ±: binomial standard error on "
    f"{len(y_test)} test or {n_val} validation reviews (one seed per model)"
)
summary.round(2)

# %%
# two standard errors of an accuracy of 50% on these test reviews
chance_band = 2 * np.sqrt(0.25 / len(y_test))
at_chance = {
    name: abs(run["test_accuracy"] - 0.5) < chance_band
    for name, run in runs.items()
}
if all(at_chance.values()):
    verdict = (
        "**Both models are at chance** (test accuracy within "
        f"{chance_band:.2%} of 50%, two standard errors on {len(y_test)} "
        "reviews): nothing about SimpleRNN against LSTM can be concluded "
        "from this run."
    )
elif any(at_chance.values()):
    failed = next(name for name, low in at_chance.items() if low)
    learned = next(name for name, low in at_chance.items() if not low)
    verdict = (
        f"The {failed} is at chance (within {chance_band:.2%} of 50%, two "
        f"standard errors on {len(y_test)} reviews) while the {learned} "
        f"reaches {runs[learned]['test_accuracy']:.2%}."
    )
else:
    verdict = (
        "Both models are above chance (by more than two standard errors, "
        f"{chance_band:.2%}, on {len(y_test)} reviews)."
    )
accuracy_sentence = noise.compare(
    "In test accuracy, the LSTM",
    test_accuracy["LSTM"],
    "the SimpleRNN",
    test_accuracy["SimpleRNN"],
)
verdict += (
    f" {accuracy_sentence} Each model was trained once "
    "(one seed): the ± is the binomial standard error of the test sample "
    "only, and the spread between seeds (lesson 1 measures it) comes on "
    "top of it."
)
display(Markdown(verdict))

# %%
for name, run in runs.items():
    steps = len(run["timer"].step_seconds) // settings.epochs
    print(
        f"{name:9s}: {run['timer'].seconds_per_step():.4f} s "
        f"per step (median, batch {settings.batch_size}), "
        f"{np.mean(run['timer'].epoch_seconds):.2f} "
        f"s per epoch of {steps} steps"
    )
ratio = lstm["timer"].seconds_per_step() / simple["timer"].seconds_per_step()
print(
    f"per step, the LSTM needs {ratio:.2f} s for every 1.00 s the "
    "SimpleRNN needs (the records, on Colab: 0.60 s and 0.14 s)"
)

# %% [markdown]
# Where does the LSTM's time go? Two things differ from the SimpleRNN: four
# blocks of gate weights instead of one, and `recurrent_dropout` (dropout on
# the hidden state between steps, one mask per sequence, as proposed by Gal
# and Ghahramani, 2016). Keras's
# documentation of `LSTM` lists `recurrent_dropout == 0` among the conditions
# for its fast cuDNN implementation, which it uses only on a GPU with the
# TensorFlow backend; on a CPU every LSTM runs Keras's step-by-step loop. The
# same LSTM with `recurrent_dropout=0`, timed over a few training steps on
# this machine:

# %% tags=["nbval-ignore-output"]
timing_steps = 12
n_timed = min(len(x_train), timing_steps * settings.batch_size)
keras.utils.set_random_seed(settings.seed)
no_rd_model = build_review_classifier(
    "lstm",
    settings.num_words,
    settings.embedding_dim,
    settings.units,
    maxlen=settings.maxlen,
    dropout=settings.dropout,
    recurrent_dropout=0.0,
)
no_rd_timer = StepTimer()
no_rd_model.fit(
    x_train[:n_timed],
    y_train[:n_timed],
    epochs=1,
    batch_size=settings.batch_size,
    verbose=0,
    callbacks=[no_rd_timer],
)
rd_name = f"LSTM, recurrent_dropout={settings.recurrent_dropout}"
# median seconds per step, with the bootstrap standard error of the median
step_time = {
    "SimpleRNN": simple["timer"].seconds_per_step_measured(),
    rd_name: lstm["timer"].seconds_per_step_measured(),
    "LSTM, recurrent_dropout=0": no_rd_timer.seconds_per_step_measured(),
}
per_step_seconds = {name: m.value for name, m in step_time.items()}


def seconds(measured):
    return f"{measured.value:.4f} s ± {measured.se:.4f} s"


recurrent_parameters = {
    "SimpleRNN": simple["model"].layers[1].count_params(),
    rd_name: lstm["model"].layers[1].count_params(),
    "LSTM, recurrent_dropout=0": no_rd_model.layers[1].count_params(),
}
parameter_ratio = (
    recurrent_parameters[rd_name] // recurrent_parameters["SimpleRNN"]
)
speed = pd.DataFrame(
    {
        "s per step (median)": per_step_seconds,
        "±": {name: m.se for name, m in step_time.items()},
        "recurrent layer's parameters": recurrent_parameters,
    }
)
speed["relative to SimpleRNN"] = (
    speed["s per step (median)"] / per_step_seconds["SimpleRNN"]
)
gpus = tf.config.list_physical_devices("GPU")
print(
    f"timed on {'a GPU' if gpus else 'the CPU'}; the LSTM without "
    f"recurrent dropout over {len(no_rd_timer.step_seconds)} steps; ±: "
    "bootstrap standard error of the median step"
)
speed.round(4)

# %%
import matplotlib.pyplot as plt

from labhelpers.plots import plot_model_histories

plot_model_histories(
    {name: run["history"] for name, run in runs.items()},
    title="SimpleRNN against LSTM, same data and settings",
)
plt.show()

# %% [markdown]
# ### How jumpy are the validation curves, and how far back does each model reach?
#
# Three measurements per model, on the validation reviews: how much
# validation accuracy moves between epochs, how many validation reviews
# change their predicted class from one epoch to the next, and how many
# predictions sit near the 0.5 threshold. The ± are binomial standard errors:
# of one validation accuracy (the scale of its change), of the share of flips
# over every review and pair of epochs (counted as independent draws, which
# the same review in two pairs is not: a lower bound), and of the share near
# the threshold.

# %%
n_pairs = max(settings.epochs - 1, 1)
flips = {
    name: noise.binomial(
        float(np.mean(flip_rates(run["predictions"])))
        if settings.epochs > 1
        else 0.0,
        n_val * n_pairs,
    )
    for name, run in runs.items()
}
near = {
    name: noise.binomial(
        float(np.mean(np.abs(run["predictions"][-1] - 0.5) < 0.1)), n_val
    )
    for name, run in runs.items()
}
jumps = pd.DataFrame(
    {
        name: {
            "mean |change| of val accuracy (%)": 100
            * float(np.mean(np.abs(np.diff(run["history"]["val_accuracy"]))))
            if settings.epochs > 1
            else 0.0,
            "± one val accuracy": 100
            * noise.binomial(run["history"]["val_accuracy"][-1], n_val).se,
            "reviews changing class per epoch (%)": 100 * flips[name].value,
            "± flips": 100 * flips[name].se,
            "predictions within 0.4-0.6, last epoch (%)": 100
            * near[name].value,
            "± near": 100 * near[name].se,
        }
        for name, run in runs.items()
    }
).T
jumps.round(2)

# %% [markdown]
# How far back does each model's gradient reach? The gradient norm by lag:
# the mean over validation reviews of $\lVert \partial z / \partial e_t
# \rVert$ for the word $t$ steps before the end, relative to the last word's
# (`gradient_norms_by_review`, `relative_gradient`), with its standard error
# over the reviews. Every lag is compared, in the figure and in the sentence
# under it; the table shows a few.

# %%
from labhelpers.lessons.keras_imdb import (
    gradient_norms_by_review,
    lag_verdicts,
    reach_sentence,
    relative_gradient,
    versus,
)
from labhelpers.plots import plot_relative_gradient_by_lag

probe = x_train[split_at:][:500]
T = settings.maxlen
lags = [lag for lag in (0, 10, 25, 50, 100, 199) if lag < T]
relative = {
    name: relative_gradient(gradient_norms_by_review(run["model"], probe))
    for name, run in runs.items()
}
verdicts = lag_verdicts(*relative["SimpleRNN"], *relative["LSTM"])
reach = pd.DataFrame(
    {
        f"{lag} steps before the end": {
            "SimpleRNN": relative["SimpleRNN"][0][T - 1 - lag],
            "± SimpleRNN": relative["SimpleRNN"][1][T - 1 - lag],
            "LSTM": relative["LSTM"][0][T - 1 - lag],
            "± LSTM": relative["LSTM"][1][T - 1 - lag],
            "SimpleRNN against LSTM": verdicts.get(lag, ""),
        }
        for lag in lags
    }
).T
plot_relative_gradient_by_lag(relative, len(probe))
plt.show()
reach_text = reach_sentence(verdicts, "SimpleRNN", "LSTM")
display(Markdown(reach_text))
reach.map(lambda v: v if isinstance(v, str) else f"{v:.2e}")

# %% [markdown]
# On the generated reviews the distance of each review's last cue from its
# end is known, so the reach can also be read in accuracy: each model's test
# accuracy on the reviews whose last sentiment word lies near the end and on
# those where it lies far back (`steps_after_last_cue`,
# `accuracy_by_distance`; ± binomial, per group). IMDB's reviews carry no
# such label, so on IMDB this cell says so and shows nothing.

# %%
from labhelpers.lessons.keras_imdb import (
    accuracy_by_distance,
    distance_sentence,
    nearest_and_farthest,
    steps_after_last_cue,
)
from labhelpers.plots import plot_accuracy_by_distance

distance_metrics = {}
if imdb.is_imdb:
    display(Markdown("IMDB's reviews have no known cue positions: skipped."))
else:
    steps = steps_after_last_cue(imdb, x_test)
    correct = {
        name: (run["model"].predict(x_test, verbose=0)[:, 0] > 0.5) == y_test
        for name, run in runs.items()
    }
    by_distance = accuracy_by_distance(
        steps[steps >= 0],
        {name: right[steps >= 0] for name, right in correct.items()},
    )
    plot_accuracy_by_distance(
        np.arange(len(by_distance)),
        {
            name: [row[name].value for _, _, row in by_distance]
            for name in runs
        },
        chance=0.5,
        labels=[label for label, _, _ in by_distance],
        xlabel="words after the review's last cue",
        title="Test accuracy by the distance of the last cue from the end",
    )
    plt.show()
    distance_metrics = nearest_and_farthest(by_distance)
    distance_text = distance_sentence(by_distance, "LSTM", "SimpleRNN")
    display(Markdown(distance_text))
    display(
        pd.DataFrame(
            {
                label: {
                    "reviews": n,
                    **{f"{name}": m.show() for name, m in row.items()},
                }
                for label, n, row in by_distance
            }
        ).T
    )

# %%
j = jumps.loc
flip_text = versus(
    "Reviews changing class per epoch",
    "SimpleRNN",
    flips["SimpleRNN"],
    "LSTM",
    flips["LSTM"],
)
near_text = versus(
    "Last predictions within 0.1 of the threshold",
    "SimpleRNN",
    near["SimpleRNN"],
    "LSTM",
    near["LSTM"],
)
text = (
    "**Reading the run.** From one epoch to the next the SimpleRNN's "
    "validation accuracy moves by "
    f"{j['SimpleRNN', 'mean |change| of val accuracy (%)']:.2f} points on "
    "average and the LSTM's by "
    f"{j['LSTM', 'mean |change| of val accuracy (%)']:.2f} (one validation "
    "accuracy has a binomial standard error of about "
    f"{j['SimpleRNN', '± one val accuracy']:.2f} points). {flip_text} "
    f"{near_text} {reach_text} These measurements sit side by side: none "
    "of them measures what makes a validation curve jump, which would need "
    "an experiment that changes one thing, for example the same comparison "
    "on reviews short enough for both models to read whole (try "
    "`-p maxlen 20`), or several seeds per model. "
)
text += (
    f"A training step on {'a GPU' if gpus else 'this CPU'} took "
    f"{seconds(step_time['SimpleRNN'])} for the SimpleRNN, "
    f"{seconds(step_time[rd_name])} for the LSTM with "
    f"recurrent_dropout={settings.recurrent_dropout} and "
    f"{seconds(step_time['LSTM, recurrent_dropout=0'])} for "
    "the LSTM with recurrent_dropout=0; the LSTM's recurrent layer has "
    f"{parameter_ratio}"
    " times the SimpleRNN's parameters. "
)
if not settings.recurrent_dropout:
    text += (
        "This profile uses no recurrent dropout: the two LSTM figures "
        "are the same model, and their difference is timing noise. "
    )
else:
    text += (
        versus(
            "Seconds per step",
            f"LSTM with recurrent_dropout={settings.recurrent_dropout}",
            step_time[rd_name],
            "LSTM with recurrent_dropout=0",
            step_time["LSTM, recurrent_dropout=0"],
            percent=False,
            unit=" s",
        )
        + " (The ± counts the spread of the steps within each run, not "
        "a change in this machine's load between the runs.) "
    )
if not gpus:
    text += (
        "On a CPU Keras uses cuDNN for no LSTM; on a GPU it would run an "
        "LSTM without recurrent dropout on cuDNN, which this machine "
        "cannot measure."
    )
display(Markdown(text))

# %% [markdown]
# ## Result

# %%
from labhelpers.report import report_result

per_step = {
    name: run["timer"].seconds_per_step() for name, run in runs.items()
}
far_lag = min(50, T - 1)
on_what = (
    f"{len(y_test)} {'IMDB' if imdb.is_imdb else 'generated'} test reviews"
)
sentence = (
    f"On {on_what}, after {settings.epochs} epochs, the "
    f"SimpleRNN ({simple['description']}) reached "
    f"{test_accuracy['SimpleRNN'].show()} points test accuracy (loss "
    f"{simple['test_loss']:.4f}) and the LSTM ({lstm['description']}) "
    f"{test_accuracy['LSTM'].show()} points (loss "
    f"{lstm['test_loss']:.4f}; ±: binomial standard error, one seed "
    "each); a training step took "
    f"{per_step['SimpleRNN']:.4f} s and {per_step['LSTM']:.4f} s "
    "on this machine. The records reported 68.15% "
    "(loss 0.584) and 83.48% (loss 0.395), "
    f"with 0.14 s and 0.60 s per step on Colab."
)
sentence += " " + verdict.replace("**", "")
if not imdb.is_imdb:
    sentence += " These are numbers on generated reviews, not on IMDB."
report_result(
    sentence,
    settings,
    title="E2 IMDB SimpleRNN vs LSTM (Keras)",
    data=imdb.description,
    metrics={
        "simple_rnn_test_accuracy": simple["test_accuracy"],
        "simple_rnn_test_loss": simple["test_loss"],
        "lstm_test_accuracy": lstm["test_accuracy"],
        "lstm_test_loss": lstm["test_loss"],
        "simple_rnn_seconds_per_step": per_step["SimpleRNN"],
        "lstm_seconds_per_step": per_step["LSTM"],
        "lstm_no_recurrent_dropout_seconds_per_step": per_step_seconds[
            "LSTM, recurrent_dropout=0"
        ],
        "simple_rnn_test_accuracy_se": test_accuracy["SimpleRNN"].se,
        "lstm_test_accuracy_se": test_accuracy["LSTM"].se,
        # relative gradient norm at lag far_lag (50, or the last lag of
        # shorter reviews), and the count of lags of each verdict
        "far_lag": far_lag,
        "simple_rnn_gradient_ratio_far": float(
            relative["SimpleRNN"][0][T - 1 - far_lag]
        ),
        "lstm_gradient_ratio_far": float(relative["LSTM"][0][T - 1 - far_lag]),
        "lags_simple_rnn_gradient_above_lstm": sum(
            v == "above" for v in verdicts.values()
        ),
        "lags_simple_rnn_gradient_below_lstm": sum(
            v == "below" for v in verdicts.values()
        ),
        "lags_within_noise": sum(
            v == "within noise" for v in verdicts.values()
        ),
        "simple_rnn_seconds_per_epoch": float(
            np.mean(simple["timer"].epoch_seconds)
        ),
        "lstm_seconds_per_epoch": float(np.mean(lstm["timer"].epoch_seconds)),
        "epochs": settings.epochs,
        "uses_imdb": float(imdb.is_imdb),
        "simple_rnn_at_chance": float(at_chance["SimpleRNN"]),
        "lstm_at_chance": float(at_chance["LSTM"]),
        "n_test": len(y_test),
        # generated reviews only: accuracy by the distance of the last cue
        **distance_metrics,
    },
    # read from the trained models: the settings actually used
    model=f"Keras {lstm['description']} (and {simple['description']})",
    headline="lstm_test_accuracy",
    lab_record={
        "simple_rnn_test_accuracy": 0.6815,
        "simple_rnn_test_loss": 0.584,
        "lstm_test_accuracy": 0.8348,
        "lstm_test_loss": 0.395,
    }
    if imdb.is_imdb
    else None,
    source="imdb" if imdb.is_imdb else imdb.source,
    split=imdb.split,
)


# %% [markdown]
# ## Questions
#
# 1. Write the SimpleRNN's update with the notation page's names. Which Keras
#    weight holds $W_{hh}$, and why is it transposed?
# 2. How does Keras with the TensorFlow backend compute the logits loss for
#    `Dense(1, activation="sigmoid")` with `binary_crossentropy`, when
#    `Sigmoid` + `BCELoss` is a defect in PyTorch? What does a probability
#    from `tf.math.sigmoid` give for a negative review at $z = 120$, eagerly
#    and inside a `tf.function`, and what happens under `mixed_float16`?
#    Which way of writing the model does not depend on any of this?
# 3. `pad_sequences` pads and cuts at the start by default. Which words of a
#    long review do these models read, and which does the lesson 7 record
#    read?
# 4. Which reviews does `validation_split=0.2` hold out, and why does that
#    matter if the data are sorted?
# 5. At which lags does the SimpleRNN's gradient, relative to its last
#    word's, lie above the LSTM's, below it, or within noise, measured here?
# 6. Why does the LSTM take longer per step than the SimpleRNN on this
#    machine, and what changes on a GPU when `recurrent_dropout=0`?
# 7. The SimpleRNN's validation accuracy moved from epoch to epoch. Which
#    measurements in this lesson describe that, and which experiment would
#    show its cause?
#
# Beyond this run:
#
# 8. Along the cell state, what is $\partial c_t / \partial c_{t-1}$ when
#    the path through $h_{t-1}$ is left out, and what is the SimpleRNN's
#    $\partial h_t / \partial h_{t-1}$? Why can the first stay near 1 over
#    many steps when the second shrinks?
# 9. Keras initialises the forget gate's bias $b^{(f)}$ at 1
#    (`unit_forget_bias=True`). Near what value does $f_t$ start, and why
#    does a start above $\sigma(0) = 0.5$ help the cell and its gradient
#    last over the first epochs?
# 10. What does `recurrent_dropout` multiply by its mask, and how often is a
#     new mask drawn? What does `dropout` drop instead? Why can cuDNN's fused
#     LSTM not run with `recurrent_dropout` above 0?
# 11. Dropout is on in `fit` and off in `evaluate` and `predict`. What does
#     Keras do so that a unit's expected input is the same in both, and why
#     can the training accuracy of an epoch lie below its validation accuracy?
# 12. Following the rule, you end the model with `Dense(1)` and compile with
#     `BinaryCrossentropy(from_logits=True)` and `metrics=["accuracy"]`.
#     What does `predict` now return, which threshold on $z$ matches
#     $p > 0.5$, and what does the `"accuracy"` metric compute on those
#     outputs?
# 13. `fit(..., shuffle=True)` shuffles the training reviews every epoch.
#     Why does that not change which reviews validate, and how would you
#     hold out a random 20% instead? What does the validation accuracy
#     estimate if the last reviews differ from the rest (other films, other
#     years, one class)?
# 14. On the generated reviews, the test accuracy is grouped by the number of
#     words after the last cue. What does this measure that the gradient norm
#     by lag does not? Why are reviews whose cues were cut away left out, and
#     why can the same measurement not be made on IMDB?
#
# **Try this**
#
# - `-p recurrent_dropout 0.0`: how do the LSTM's step time and test
#   accuracy change?
# - `-p maxlen 50`: does the gap between SimpleRNN and LSTM shrink when every
#   review is short?
# - `-p units 32`: how do parameters, step time and accuracy scale?

# %% [markdown]
# <details>
# <summary>Answers</summary>
#
# 1. $h_t = \tanh(W_{in} e_t + W_{hh} h_{t-1} + b)$. Keras's
#    `recurrent_kernel` is $W_{hh}^\top$: Keras multiplies row vectors,
#    $h_{t-1}^\top K$.
# 2. Its `binary_crossentropy` looks for logits before it clips: in the
#    output tensor's `_keras_logits` attribute, which Keras's `sigmoid` (the
#    `Dense` layer's activation) sets, or, in graph mode only, in the input
#    of the `Sigmoid` op that made the output. Eagerly, a probability from
#    `tf.math.sigmoid` has neither, so it is clipped to
#    $[\epsilon, 1 - \epsilon]$: a bounded loss with gradient 0 at
#    $z = 120$; inside a `tf.function` the op is read and the loss is the
#    logits loss. Under `mixed_float16` the loss converts the float16 output
#    to float32, a new tensor with neither, and the clipped loss comes back.
#    The rule: end with `Dense(1)` and use
#    `BinaryCrossentropy(from_logits=True)`. The run's figures are in the
#    answers from this run.
# 3. Their last `maxlen` ids; lesson 7's record cuts with
#    `truncating="post"` and reads the first 200 words.
# 4. The last 20% of the training reviews, taken before any shuffling: if
#    the data were sorted (by label, say), the validation part would not look
#    like the training part.
# 5. The run's counts and lag ranges are in the answers from this run.
# 6. It computes four gate blocks per step (its recurrent layer has four
#    times the SimpleRNN's parameters), and recurrent dropout draws a mask
#    for the hidden state. On a GPU Keras uses cuDNN for the LSTM only when
#    `recurrent_dropout` is 0 (among other conditions); on a CPU it never
#    does.
# 7. The mean change of validation accuracy between epochs, the share of
#    validation reviews that change class, and the share of predictions near
#    0.5, each with its standard error. A cause needs an experiment that
#    changes one thing, e.g. the same comparison with `maxlen` short enough
#    that both models read every word, over several seeds.
# 8. $c_t = f_t \odot c_{t-1} + i_t \odot \tilde c_t$, so that part is
#    $\mathrm{diag}(f_t)$: no weight matrix and no $\tanh$ derivative, and
#    close to the identity when the forget gates are near 1. The SimpleRNN's
#    is $\mathrm{diag}(1 - h_t^2)\, W_{hh}$ at every step; a product of
#    many of them shrinks when their norms are below 1, which saturated
#    units ($1 - h_t^2 \approx 0$) make likely. The LSTM can learn to keep
#    $f_t \approx 1$ for the units that must remember.
# 9. Near $\sigma(1) \approx 0.73$ (the weights' contribution starts
#    small and spreads it around that). After $k$ steps a cell keeps a share
#    $\prod f_t$ of what was written: $0.73^{10} \approx 0.04$ against
#    $0.5^{10} \approx 0.001$, so more of the cell, and of its gradient,
#    survives from early words until training moves the gates. Jozefowicz
#    et al. (2015) recommend this start.
# 10. The previous hidden state $h_{t-1}$ where it enters the recurrent
#     weights (with a separate mask for each gate's product in Keras's
#     LSTM); the mask is drawn once per batch and used at every step, as Gal
#     and Ghahramani (2016) propose, so the same units are silenced along
#     the whole review. `dropout` drops components of the input $e_t$, also
#     with one mask per batch. cuDNN runs the whole recurrence in one fused
#     call, with no place to multiply $h_{t-1}$ by a mask between steps, so
#     Keras falls back to its own step-by-step loop.
# 11. Inverted dropout: during training the kept values are divided by
#     $1 - \text{rate}$, so their expectation equals the value without
#     dropout, and nothing is rescaled at test time. The history's training
#     accuracy is the mean over the epoch's batches, made with dropout on
#     and with weights that were still changing; the validation accuracy
#     is measured after the epoch, without dropout, by the final weights.
# 12. The logit $z$, not a probability: apply `keras.ops.sigmoid` to read
#     $p$; $p > 0.5$ exactly when $z > 0$. The `"accuracy"` metric becomes
#     `BinaryAccuracy` with its default threshold 0.5, applied to $z$: it
#     counts a review positive only when $z > 0.5$, that is $p > \sigma(0.5)
#     \approx 0.62$. Use `keras.metrics.BinaryAccuracy(threshold=0.0)`.
# 13. Keras cuts the validation part off the end of the arrays before it
#     shuffles anything, and shuffles only the training part. Shuffle the
#     indices yourself (with a seed) and pass `validation_data=`, or shuffle
#     the arrays before `fit`. The validation accuracy then estimates the
#     accuracy on reviews like the last ones, not like the test reviews: a
#     choice made on it can be fitted to the wrong kind of review.
# 14. It measures whether the trained model classifies right when the
#     evidence lies far back, which is what reach is for; the gradient norm
#     measures only how much a small change of a word's embedding moves
#     $z$, which need not decide the class. A review whose sentiment words
#     were all cut off by `pad_sequences` has no cue to carry: no model can
#     do more than guess on it. IMDB's reviews carry no label of where their
#     sentiment is stated, and it is often stated in many places, so there
#     is no single distance to group by.
#
# </details>

# %%
from labhelpers.report import answers

far = f"{far_lag} steps before the end"
display(
    Markdown(
        answers(
            [
                "2: at $z = 120$ the loss is "
                f"{at_120['keras']:.1f} "
                "with gradient "
                f"{at_120['keras grad']:g}"
                " for Keras's `sigmoid`; "
                f"{at_120['eager']:.2f}"
                " with gradient "
                f"{at_120['eager grad']:g}"
                " for `tf.math.sigmoid` eagerly and "
                f"{at_120['graph']:.1f}"
                " inside a `tf.function`; under `mixed_float16` the records' "
                f"output layer gives {lost:.2f}, the logits {kept:.1f}.",
                f"3: the last {settings.maxlen} ids (here "
                f"{np.mean(lengths > settings.maxlen):.1%} of the "
                "training reviews lose their start).",
                f"4: the last {len(x_train) - split_at} of the "
                f"{len(x_train)} training reviews.",
                f"5: {reach_text} At {far}: SimpleRNN "
                f"{reach.loc[far, 'SimpleRNN']:.1e} "
                f"± {reach.loc[far, '± SimpleRNN']:.1e}, LSTM "
                f"{reach.loc[far, 'LSTM']:.1e} "
                f"± {reach.loc[far, '± LSTM']:.1e} of the last word's "
                "gradient."
                if far in reach.index
                else f"5: {reach_text}",
                "6: a step took "
                f"{seconds(step_time[rd_name])} with "
                f"recurrent_dropout={settings.recurrent_dropout}, "
                f"{seconds(step_time['LSTM, recurrent_dropout=0'])} without, "
                "and the SimpleRNN's "
                f"{seconds(step_time['SimpleRNN'])}; the LSTM's "
                "recurrent layer has "
                f"{parameter_ratio}"
                " times the parameters.",
                "7: mean change of validation accuracy "
                f"{j['SimpleRNN', 'mean |change| of val accuracy (%)']:.2f} "
                "points (SimpleRNN) and "
                f"{j['LSTM', 'mean |change| of val accuracy (%)']:.2f} "
                f"(LSTM). {flip_text}",
            ]
        )
    )
)


# %% tags=["lab-report"]
# Run all, save, fill in your name and register number, run: your lab report.
from labhelpers.lab_report import write_lab_report

write_lab_report(student_name="", register_number="")
