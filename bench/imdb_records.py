"""The IMDB lessons (E1, E2, E7) in their lab profiles on
the real data: test accuracy, epochs, seconds per epoch.

Each notebook is executed with papermill (``labhelpers.tools.runner.execute_notebook``)
into ``_build/bench/``; its recorded results are read back and printed as one
table, and added to ``_build/bench/imdb_records.json``. A notebook that does
not find IMDB would fall back to generated reviews, so the script refuses to
start without the data (``--data-dir`` or ``LABHELPERS_DATA_DIR``).

    # all three, lab profile (long)
    python bench/imdb_records.py --data-dir ../shared/data
    # one of them, a parameter changed
    python bench/imdb_records.py --only 07_imdb_rnn_pytorch -p threads 1
    # the book build's settings
    python bench/imdb_records.py --profile quick

The lab profiles take long on a CPU (E1 alone: two 20-epoch trainings on
40,000 reviews); on a 2-core machine run them overnight or on a GPU.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from labhelpers.base.environment import DATA_DIR_ENV

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ("07_imdb_rnn_pytorch", "08_imdb_keras", "09_imdb_embeddings")

# The lab profiles' test accuracy must reach the reference figures measured on these machines
# (../shared/LABS.md) less a margin for seeds and library versions: the script exits 1 below them.
TARGETS = {  # (notebook, accuracy key): (reference, what it reproduces)
    ("07_imdb_rnn_pytorch", "record_pipeline_test_accuracy"): (0.714, "record 000's pipeline"),
    ("08_imdb_keras", "simple_rnn_test_accuracy"): (0.768, "records 001/002's SimpleRNN(128)"),
    ("08_imdb_keras", "lstm_test_accuracy"): (0.850, "record 002's LSTM(128)"),
}
MARGIN = 0.03

# For each notebook: (model, test accuracy key, seconds-per-epoch key) as the notebook records them.
MODELS = {
    "07_imdb_rnn_pytorch": [
        (
            "RNN, the record's pipeline (accuracy line fixed)",
            "record_pipeline_test_accuracy",
            "record_seconds_per_epoch",
        ),
        ("RNN, the fixed pipeline", "test_accuracy", "seconds_per_epoch"),
    ],
    "08_imdb_keras": [
        ("SimpleRNN(128)", "simple_rnn_test_accuracy", "simple_rnn_seconds_per_epoch"),
        ("LSTM(128, recurrent dropout)", "lstm_test_accuracy", "lstm_seconds_per_epoch"),
    ],
    "09_imdb_embeddings": [
        ("LSTM, random embedding", "random_test_accuracy", "seconds_per_epoch"),
        ("LSTM, pre-trained frozen", "frozen_test_accuracy", "seconds_per_epoch"),
        ("LSTM, pre-trained fine-tuned", "fine_tuned_test_accuracy", "seconds_per_epoch"),
    ],
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data-dir",
        default=None,
        help="folder with imdb_50k.csv.gz (default: $LABHELPERS_DATA_DIR)",
    )
    parser.add_argument("--profile", default="lab", choices=("smoke", "quick", "lab"))
    parser.add_argument(
        "--only", action="append", choices=NOTEBOOKS, help="run only this notebook (repeatable)"
    )
    parser.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("KEY", "VALUE"),
        help="a notebook parameter for every notebook run, e.g. -p threads 1",
    )
    args = parser.parse_args(argv)

    from labhelpers.base.notebook_file import read, saved_results
    from labhelpers.tools.runner import execute_notebook
    from labhelpers.tools.sweep import parse_value

    data_dir = Path(args.data_dir or os.environ.get(DATA_DIR_ENV) or "").expanduser()
    if not (data_dir / "imdb_50k.csv.gz").is_file():
        print(
            "The IMDB data were not found: pass --data-dir "
            "../shared/data or set LABHELPERS_DATA_DIR. "
            "(Without them the notebooks would fall back to generated reviews.)"
        )
        return 2
    os.environ[DATA_DIR_ENV] = str(data_dir.resolve())
    parameters = {
        "profile": args.profile,
        "data": "imdb",
        **{key: parse_value(value) for key, value in args.parameter},
    }
    out = ROOT / "_build" / "bench"
    rows, records = [], {}
    for name in args.only or NOTEBOOKS:
        print(f"Executing {name} (profile {args.profile}) ...", flush=True)
        started = time.perf_counter()
        executed = execute_notebook(
            ROOT / "notebooks" / f"{name}.ipynb", out / f"{name}.ipynb", parameters
        )
        wall = time.perf_counter() - started
        record = saved_results(read(executed))[-1]
        records[name] = {**record, "wall_seconds": wall}
        metrics = record["metrics"]
        for model, accuracy_key, seconds_key in MODELS[name]:
            rows.append(
                (name, model, metrics[accuracy_key], int(metrics["epochs"]), metrics[seconds_key])
            )
        print(f"  done in {wall:.0f} s; data: {record['data']}", flush=True)
    print()
    print(f"{'notebook':22s} {'model':50s} {'test acc.':>9s} {'epochs':>6s} {'s/epoch':>8s}")
    for name, model, accuracy, epochs, seconds in rows:
        print(f"{name:22s} {model:50s} {accuracy:9.2%} {epochs:6d} {seconds:8.1f}")
    machine = next(iter(records.values()))["machine"] if records else {}
    print(
        f"machine: {machine.get('cpu_count')} CPU cores, "
        f"torch threads {machine.get('torch_threads', '-')}, "
        f"{machine.get('gpu', 'no GPU')}; profile {args.profile}"
    )
    out.mkdir(parents=True, exist_ok=True)
    saved = out / "imdb_records.json"  # notebooks not run this time keep their earlier record
    previous = json.loads(saved.read_text()) if saved.exists() else {}
    saved.write_text(json.dumps({**previous, **records}, indent=2) + "\n")
    return check_targets(records, args.profile)


def check_targets(records: dict, profile: str) -> int:
    """1 when a lab-profile accuracy is below its reference less MARGIN (misses printed), else 0."""
    if profile != "lab":
        print(f"No accuracy targets for the {profile} profile: only the lab profile has them.")
        return 0
    missed = 0
    for (name, key), (reference, what) in TARGETS.items():
        if name in records:
            accuracy = records[name]["metrics"][key]
            ok = accuracy >= reference - MARGIN
            missed += not ok
            print(
                f"{'ok' if ok else 'TARGET MISSED'}: {what} {accuracy:.2%} "
                f"(reference {reference:.1%}, at least {reference - MARGIN:.1%})"
            )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
