"""Bad inputs as a new user types them, and what each now answers, with the time to the answer.

Each case runs a notebook with papermill (smoke profile, the parameters given)
or calls labhelpers directly, and expects an error that names the problem in
our own words, or a run that works. The script prints one Markdown table row
per case and exits with status 1 when any answer differs from the expected one
(an error from inside a library, a silent acceptance, a late stop).

    LABHELPERS_DATA_DIR=../shared/data python bench/bad_inputs.py [--only SUBSTRING]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETTINGS_CELL = 4  # the install cell, the parameters, papermill's injected cell, the settings

# (notebook, parameters, regex the answer must match, the cell it must stop in;
#  None for a run that works)
NOTEBOOK_CASES = [
    (
        "01_sum_classifier",
        {"learning_rate": -0.1},
        r"learning_rate must be above 0, got -0.1",
        SETTINGS_CELL,
    ),
    (
        "01_sum_classifier",
        {"learning_rate": 0},
        r"learning_rate must be above 0, got 0.0",
        SETTINGS_CELL,
    ),
    (
        "01_sum_classifier",
        {"hiden_size": 32},
        r"no parameter 'hiden_size' \(did you mean 'hidden_size'\?\)",
        SETTINGS_CELL,
    ),
    ("01_sum_classifier", {"profile": "fast"}, r"profile must be one of", SETTINGS_CELL),
    ("01_sum_classifier", {"epochs": 0}, r"epochs must be at least 1, got 0", SETTINGS_CELL),
    (
        "01_sum_classifier",
        {"train_fraction": 1.5},
        r"train_fraction must be in \(0, 1\), got 1.5",
        SETTINGS_CELL,
    ),
    (
        "01_sum_classifier",
        {"batch_size": -1},
        r"batch_size must be at least 0, got -1",
        SETTINGS_CELL,
    ),
    (
        "01_sum_classifier",
        {"hidden_size": "big"},
        r"parameter hidden_size must be of type int, got 'big'",
        SETTINGS_CELL,
    ),
    ("01_sum_classifier", {"learning_rate": "1e-3"}, r"", None),  # a YAML string: converted, works
    (
        "03_bptt",
        {"truncate": 50, "seq_len": 8},
        r"truncate \(50\) must be at most seq_len \(8\)",
        SETTINGS_CELL,
    ),
    ("04_exploding_vanishing", {"scales": 1.0}, r"", None),  # one value for a list: [1.0]
    (
        "04_exploding_vanishing",
        {"distances": 0},
        r"every value of distances must be at least 1, got 0",
        SETTINGS_CELL,
    ),
    (
        "05_imdb_rnn_pytorch",
        {"num_words": 1},
        r"num_words must be at least 3, got 1",
        SETTINGS_CELL,
    ),
    ("05_imdb_rnn_pytorch", {"threads": -1}, r"threads must be at least 0, got -1", SETTINGS_CELL),
    (
        "05_imdb_rnn_pytorch",
        {"data_path": "imbd_typo.csv"},
        r"data_path 'imbd_typo.csv' does not exist",
        SETTINGS_CELL,
    ),
    (
        "05_imdb_rnn_pytorch",
        {"data_path": "{folder}/reviews.csv"},
        r"data is 'synthetic'.*-p data imdb",
        SETTINGS_CELL,
    ),
    (
        "05_imdb_rnn_pytorch",
        {"data": "kaggle"},
        r"data must be in \{\"imdb\", \"synthetic\", \"auto\"\}",
        SETTINGS_CELL,
    ),
    ("06_imdb_keras", {"maxlen": 0}, r"maxlen must be at least 1, got 0", SETTINGS_CELL),
    ("06_imdb_keras", {"dropout": 1.0}, r"dropout must be in \[0, 1\), got 1.0", SETTINGS_CELL),
    ("06_imdb_keras", {"num_words": 3}, r"num_words must be at least 4, got 3", SETTINGS_CELL),
    ("07_imdb_embeddings", {"cell": "transformer"}, r"cell must be in", SETTINGS_CELL),
    ("09_forecasting", {"window": 1000}, r"fewer than window=1000 \+ horizon=12", SETTINGS_CELL),
    ("09_forecasting", {"horizon": 0}, r"horizon must be at least 1, got 0", SETTINGS_CELL),
    ("09_forecasting", {"series_name": "nile"}, r"series_name must be in", SETTINGS_CELL),
    ("10_char_rnn", {"cells": "gru"}, r"", None),  # one value for a list: ["gru"]
    (
        "10_char_rnn",
        {"temperatures": 0},
        r"every value of temperatures must be above 0, got 0.0",
        SETTINGS_CELL,
    ),
    ("10_char_rnn", {"prompt": ""}, r"prompt must hold at least one character", SETTINGS_CELL),
    ("11_imdb_strong", {"epochs": -1}, r"epochs must be at least 0, got -1", SETTINGS_CELL),
]


def notebook_case(
    name: str, parameters: dict, expected: str, cell: int | None, folder: Path
) -> tuple[bool, str]:
    from labhelpers.tools.runner import NotebookFailed, execute_notebook

    parameters = {
        key: value.replace("{folder}", str(folder)) if isinstance(value, str) else value
        for key, value in parameters.items()
    }
    try:
        execute_notebook(
            ROOT / "notebooks" / f"{name}.ipynb",
            folder / f"{name}.ipynb",
            {"profile": "smoke", **parameters},
        )
    except NotebookFailed as failure:
        first = str(failure).splitlines()
        answer = " ".join(first[:3])
        stopped = re.search(r"failed in cell (\d+)", first[0])
        good = (
            cell is not None
            and bool(re.search(expected, str(failure)))
            and stopped is not None
            and int(stopped.group(1)) == cell
        )
        return good, answer
    return cell is None, "runs"


def fit_cases(folder: Path) -> list[tuple[str, str, object]]:
    """(what, regex of the expected error, a function that makes it) for fit's faults."""
    import torch
    from torch import nn

    from labhelpers.data.batches import TensorBatches
    from labhelpers.models import LastStepRNN
    from labhelpers.training import fit

    X = torch.rand(64, 5, 1)
    y = (X.sum(dim=(1, 2)) > 2.5).long()
    batches = TensorBatches(X, y, batch_size=16)
    nan_X = X.clone()
    nan_X[3, 2, 0] = float("nan")

    def run(lr=0.01, data=batches, val=None, epochs=2, checkpoint=None, hidden=8):
        torch.manual_seed(0)
        model = LastStepRNN(1, hidden, 2)
        return fit(
            model,
            nn.CrossEntropyLoss(),
            torch.optim.Adam(model.parameters(), lr=lr),
            data,
            val,
            epochs=epochs,
            progress=False,
            checkpoint_path=checkpoint,
        )

    (folder / "a_file").write_text("")
    truncated = folder / "truncated.pt"
    run(checkpoint=truncated, epochs=1)
    truncated.write_bytes(truncated.read_bytes()[:64])
    other = folder / "other.pt"
    run(checkpoint=other, epochs=1)
    return [
        ("fit, learning rate 0", r"learning rate must be positive", lambda: run(lr=0.0)),
        (
            "fit, a NaN in the inputs",
            r"epoch 1: the loss of step 1 of train_batches is not finite",
            lambda: run(data=TensorBatches(nan_X, y, batch_size=16)),
        ),
        (
            "fit, a checkpoint path under a file",
            r"a_file is a file, not a folder",
            lambda: run(checkpoint=folder / "a_file" / "run.pt"),
        ),
        (
            "fit, a truncated checkpoint",
            r"cannot read the checkpoint .*truncated.pt",
            lambda: run(checkpoint=truncated),
        ),
        (
            "fit, a checkpoint of another learning rate",
            r"optimizer lr \(group 0\): 0.01 in the checkpoint, 0.001 now",
            lambda: run(lr=0.001, checkpoint=other),
        ),
        (
            "fit, a checkpoint of another model size",
            r"parameter rnn.weight_ih_l0: \[8, 1\] in the checkpoint",
            lambda: run(hidden=16, checkpoint=other),
        ),
        ("fit, an empty validation loader", r"val_batches yielded no batches", lambda: run(val=[])),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", default="", help="run only the cases whose description holds this text"
    )
    args = parser.parse_args()
    failures = 0
    print("| input | answer | seconds | as expected |\n| --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        (folder / "reviews.csv").write_text(
            "review,sentiment\na fine film,positive\na dull film,negative\n"
        )
        for name, parameters, expected, cell in NOTEBOOK_CASES:
            what = f"{name} " + " ".join(f"-p {key} {value!r}" for key, value in parameters.items())
            if args.only not in what:
                continue
            started = time.perf_counter()
            good, answer = notebook_case(name, parameters, expected, cell, folder)
            failures += not good
            print(
                f"| `{what}` | {answer[:300]} | {time.perf_counter() - started:.1f} "
                f"| {'yes' if good else 'NO'} |",
                flush=True,
            )
        for what, expected, make in fit_cases(folder):
            if args.only not in what:
                continue
            started = time.perf_counter()
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    make()
                good, answer = False, "accepted"
            except (ValueError, FloatingPointError) as error:
                answer = " ".join(str(error).splitlines())
                good = bool(re.search(expected, answer))
            failures += not good
            print(
                f"| {what} | {answer[:300]} | {time.perf_counter() - started:.2f} "
                f"| {'yes' if good else 'NO'} |"
            )
    print(f"\n{failures} answer(s) not as expected")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
