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
#  "any" for a stop in whichever cell, None for a run that works)
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
    ("05_exploding_vanishing", {"scales": 1.0}, r"", None),  # one value for a list: [1.0]
    (
        "05_exploding_vanishing",
        {"distances": 0},
        r"every value of distances must be at least 1, got 0",
        SETTINGS_CELL,
    ),
    (
        "07_imdb_rnn_pytorch",
        {"num_words": 1},
        r"num_words must be at least 3, got 1",
        SETTINGS_CELL,
    ),
    ("07_imdb_rnn_pytorch", {"threads": -1}, r"threads must be at least 0, got -1", SETTINGS_CELL),
    (
        "07_imdb_rnn_pytorch",
        {"data_path": "imbd_typo.csv"},
        r"data_path 'imbd_typo.csv' does not exist",
        SETTINGS_CELL,
    ),
    (
        "07_imdb_rnn_pytorch",
        {"data_path": "{folder}/reviews.csv"},
        r"data is 'synthetic'.*-p data imdb",
        SETTINGS_CELL,
    ),
    (
        "07_imdb_rnn_pytorch",
        {"data": "kaggle"},
        r"data must be in \{\"imdb\", \"synthetic\", \"auto\"\}",
        SETTINGS_CELL,
    ),
    ("08_imdb_keras", {"maxlen": 0}, r"maxlen must be at least 1, got 0", SETTINGS_CELL),
    ("08_imdb_keras", {"dropout": 1.0}, r"dropout must be in \[0, 1\), got 1.0", SETTINGS_CELL),
    ("08_imdb_keras", {"num_words": 3}, r"num_words must be at least 4, got 3", SETTINGS_CELL),
    ("09_imdb_embeddings", {"cell": "transformer"}, r"cell must be in", SETTINGS_CELL),
    ("11_forecasting", {"window": 1000}, r"fewer than window=1000 \+ horizon=12", SETTINGS_CELL),
    ("11_forecasting", {"horizon": 0}, r"horizon must be at least 1, got 0", SETTINGS_CELL),
    ("11_forecasting", {"series_name": "nile"}, r"series_name must be in", SETTINGS_CELL),
    ("12_char_rnn", {"cells": "gru"}, r"", None),  # one value for a list: ["gru"]
    (
        "12_char_rnn",
        {"temperatures": 0},
        r"every value of temperatures must be above 0, got 0.0",
        SETTINGS_CELL,
    ),
    ("12_char_rnn", {"prompt": ""}, r"prompt must hold at least one character", SETTINGS_CELL),
    ("13_imdb_strong", {"epochs": -1}, r"epochs must be at least 0, got -1", SETTINGS_CELL),
    # issue 24: refused in the settings cell, naming the parameter
    ("07_imdb_rnn_pytorch", {"n_train": 1}, r"n_train=1 .*at least 3, or 0", SETTINGS_CELL),
    ("12_char_rnn", {"toy_text": ""}, r"toy_text must hold at least 2 characters", SETTINGS_CELL),
    ("12_char_rnn", {"max_chars": 100}, r"max_chars=100 leaves too little text", SETTINGS_CELL),
    (
        "09_imdb_embeddings",
        {"glove_path": "{folder}/glove.txt"},
        r"glove.txt: 0 words, dimension 3\): none of the 399 words",
        "any",  # after the vectors are read, in the cell that builds the embedding matrix
    ),
]


def notebook_case(
    name: str, parameters: dict, expected: str, cell: int | str | None, folder: Path
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
            and (cell == "any" or int(stopped.group(1)) == cell)
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

    def run_on(device):
        torch.manual_seed(0)
        model = LastStepRNN(1, 8, 2)
        optimizer = torch.optim.Adam(model.parameters())
        return fit(model, nn.CrossEntropyLoss(), optimizer, batches, epochs=1, device=device,
                   progress=False)  # fmt: skip

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
            "fit(device='cuda') on a torch without CUDA",
            r"device 'cuda': this torch .* sees no CUDA GPU"
            if not torch.cuda.is_available()
            else r"^$",
            lambda: run_on("cuda"),
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


# ---------------------------------------------------------------- the command line (issue 24)

# A refusal of a bad option must come within this many seconds.
REFUSAL_SECONDS = 30


@contextlib.contextmanager
def servers():
    """Two local TCP servers that are no Dask scheduler: one silent (a web server waiting for its
    request, as the dashboard's port), one that speaks first in another protocol."""
    import socket
    import threading

    listeners = []

    def serve(greeting: bytes) -> str:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listeners.append(listener)

        def loop():
            while True:
                try:
                    connection, _ = listener.accept()
                except OSError:
                    return
                listeners.append(connection)
                if greeting:
                    connection.sendall(greeting)

        threading.Thread(target=loop, daemon=True).start()
        return f"tcp://127.0.0.1:{listener.getsockname()[1]}"

    try:
        yield serve(b""), serve(b"SSH-2.0-OpenSSH_9.2\r\n")
    finally:
        for listener in listeners:
            listener.close()


def book_copy(folder: Path) -> Path:
    """A copy of the book's sources to break things in (notebooks, README, times, config)."""
    import shutil

    root = folder / "book-copy"
    if not root.exists():
        shutil.copytree(ROOT / "notebooks", root / "notebooks")
        shutil.copytree(ROOT / "book", root / "book")
        for name in ("README.md", "_config.yml", "_toc.yml"):
            shutil.copy2(ROOT / name, root / name)
    return root


def cli_cases(folder: Path, silent: str, other: str) -> list[tuple[str, list[str], str, int]]:
    """(what, arguments of python -m labhelpers, regex of the answer, exit status)."""
    copy = book_copy(folder)
    (folder / "tabs.yml").write_text("hidden_size:\n\t- 16\n")
    (folder / "broken.yml").write_text("hidden_size: [16, 32\n")
    stale = copy / "notebooks" / "01_sum_classifier.py"
    stale.write_text(stale.read_text().replace("## Aim", "## Aim (edited in the .py)"))
    damaged = folder / "damaged-executed"
    damaged.mkdir(exist_ok=True)
    (damaged / "01_sum_classifier.ipynb").write_text('{"cells": [')
    no_block = folder / "no-block"
    if not no_block.exists():
        import shutil

        shutil.copytree(copy, no_block)
        (no_block / "README.md").write_text("# no table here\n")
    (folder / "notes.ipynb").write_text("my notes\n")
    (folder / "taken").write_text("a file\n")
    lesson = ["run", "--only", "01_sum_classifier"]
    return [
        ("run --scheduler not-an-address", [*lesson, "--scheduler", "not-an-address"],
         r"--scheduler 'not-an-address': not an address of the form tcp://HOST:PORT", 1),
        ("run --scheduler at a silent server (a dashboard port)", [*lesson, "--scheduler", silent],
         r"sent no Dask greeting within 5 s", 1),
        ("run --scheduler at a server of another protocol", [*lesson, "--scheduler", other],
         r"not a Dask scheduler", 1),
        ("run --grid profile=smoke,quick", [*lesson, "--grid", "profile=smoke,quick"],
         r"--grid profile=\.\.\.: the profile is chosen with --profile", 1),
        ("run -p profile lab", [*lesson, "-p", "profile", "lab"],
         r"-p profile: the profile is chosen with --profile", 1),
        ("run --grid seed=0:100000", [*lesson, "--grid", "seed=0:100000"],
         r"100,000 points .*--max-points 100000", 1),
        ("run --grid prompt='a b',\"a'b\"",
         ["run", "--only", "12_char_rnn", "--grid", "prompt=a b,a'b"],
         r"would both be written to 12_char_rnn--prompt=a_b", 1),
        ("run --sweep with a tab-indented YAML", [*lesson, "--sweep", str(folder / "tabs.yml")],
         r"tabs.yml: not valid YAML at line 2, column 1", 1),
        ("run --sweep with a malformed YAML", [*lesson, "--sweep", str(folder / "broken.yml")],
         r"broken.yml: not valid YAML at line 2", 1),
        ("run after editing the .py twin only", ["--root", str(copy), *lesson],
         r"01_sum_classifier.py is newer.*jupytext --sync", 1),
        ("times --executed with a folder that does not exist",
         ["times", "--executed", str(folder / "nope")], r"--executed .*nope: no such folder", 1),
        ("times --executed with a damaged executed copy", ["times", "--executed", str(damaged)],
         r"01_sum_classifier.ipynb is damaged .*--only 01_sum_classifier", 0),
        ("times --save with a README without its block",
         ["--root", str(no_block), "times", "--save", "--executed", str(ROOT / "tests" / "nbval")],
         r"README.md has no .* block to rewrite: .*nothing was saved", 1),
        ("lab-report of a text file", ["lab-report", str(folder / "notes.ipynb"), "--name", "A",
                                       "--register", "1"],
         r"notes.ipynb is not a Jupyter notebook", 1),
        ("lab-report --out naming a file", ["lab-report", str(ROOT / "tests" / "nbval" /
                                                              "01_sum_classifier.ipynb"),
                                            "--name", "A", "--register", "1", "--out",
                                            str(folder / "taken")],
         r"out .*taken is a file: give a folder", 1),
        ("lab-report with a name of 200 characters", ["lab-report", str(ROOT / "tests" / "nbval" /
                                                                        "01_sum_classifier.ipynb"),
                                                      "--name", "A" * 200, "--register", "1"],
         r"name is 200 characters long", 1),
    ]  # fmt: skip


def cli_case(arguments: list[str], expected: str, status: int) -> tuple[bool, str]:
    """Run ``python -m labhelpers ARGUMENTS``: the answer as expected, in time, and no lock or
    temporary file left in _build."""
    import subprocess

    before = set((ROOT / "_build").rglob(".*.lock")) if (ROOT / "_build").exists() else set()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "labhelpers", *arguments],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=REFUSAL_SECONDS,
        )
    except subprocess.TimeoutExpired:
        return False, f"no answer within {REFUSAL_SECONDS} s"
    answer = " ".join((done.stderr.strip() or done.stdout.strip()).splitlines()[-3:])
    after = set((ROOT / "_build").rglob(".*.lock")) if (ROOT / "_build").exists() else set()
    left = after - before
    good = done.returncode == status and bool(re.search(expected, done.stderr + done.stdout))
    if left:
        good, answer = False, f"{answer} (left behind: {', '.join(map(str, left))})"
    return good, answer


def data_cases(folder: Path) -> list[tuple[str, str, object]]:
    """(what, regex of the expected answer, a function that raises or returns it) for the data."""
    import gzip

    import pandas as pd

    from labhelpers.data.review_data import load_review_data

    twice = folder / "twice" / "reviews.csv"
    twice.parent.mkdir(exist_ok=True)
    rows = [(f"review {i}: {'a fine' if i % 2 else 'a dull'} film", "positive" if i % 2
             else "negative") for i in range(120)]  # fmt: skip
    pd.DataFrame(rows * 2, columns=["review", "sentiment"]).to_csv(twice, index=False)
    damaged = folder / "damaged-split" / "reviews.csv"
    damaged.parent.mkdir(exist_ok=True)
    pd.DataFrame(rows, columns=["review", "sentiment"]).to_csv(damaged, index=False)
    with gzip.open(damaged.parent / "imdb_50k_meta.csv.gz", "wt") as file:
        file.write("row,split,sentiment\n" + "".join(f"{i},train,x\n" for i in range(120)))
    split_file = damaged.parent / "imdb_50k_meta.csv.gz"
    split_file.write_bytes(split_file.read_bytes()[:30])
    return [
        (
            "an IMDB CSV with every review twice",
            r"120 repeated reviews dropped",
            lambda: load_review_data("imdb", twice, kagglehub=False).description,
        ),
        (
            "a damaged split file beside the CSV",
            r"split file .*imdb_50k_meta.csv.gz cannot be read",
            lambda: load_review_data("imdb", damaged, split="official", kagglehub=False),
        ),
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
        (folder / "glove.txt").write_text("zzqx 0.1 0.2 0.3\nqqzx 0.3 0.2 0.1\n")
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
        with servers() as (silent, other):
            for what, arguments, expected, status in cli_cases(folder, silent, other):
                if args.only not in what:
                    continue
                started = time.perf_counter()
                good, answer = cli_case(arguments, expected, status)
                failures += not good
                print(
                    f"| `{what}` | {answer[:300]} | {time.perf_counter() - started:.1f} "
                    f"| {'yes' if good else 'NO'} |",
                    flush=True,
                )
        for what, expected, make in [*fit_cases(folder), *data_cases(folder)]:
            if args.only not in what:
                continue
            started = time.perf_counter()
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    said = make()
                answer = said if isinstance(said, str) else "accepted"
                good = isinstance(said, str) and bool(re.search(expected, said))
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
