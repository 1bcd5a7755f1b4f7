"""Lesson 13's models trained from scratch on the official
IMDB split, with the E1 record configuration beside them.

For every step of ``labhelpers.lessons.imdb_strong.ablation_steps()`` (and the record
configuration, lab record 000's model for 20 epochs) it trains on the 22,500
training reviews (2,500 more carved off for validation; no other text), keeps
the epoch with the best validation accuracy, and prints: test accuracy, epochs,
seconds per epoch, training words per second, wall time, and wall time as a
multiple of the record configuration's. Before that, a speed section measures
training words per second of one model with packed sequences against masked
padding, with and without length buckets, at 1 and 2 torch threads.

    python bench/imdb_strong.py --data-dir ../shared/data  # everything (about 1.5 h on 2 cores)
    python bench/imdb_strong.py --only "BiRNN + word2vec" --jobs 1  # one model
    python bench/imdb_strong.py --speed-only

``--jobs 2`` (the default) trains two models at a time, each with one torch
thread: the speed section shows why (a recurrent layer's small matrix products
gain little from a second thread). Results go to ``_build/bench/imdb_strong.json``
(written to a temporary file, then renamed). Exits with status 1 when a target
of the lesson is missed: a vanilla RNN at or above 88.0%, the best model at or
above the TF-IDF baseline, every model within 20 minutes, the strongest vanilla
RNN at its best epoch no later than the record configuration's 20 epochs end.
The column "x record" is a model's wall time over the record configuration's.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, replace
from pathlib import Path

import torch

from labhelpers.base.environment import BATCH_ENV, DATA_DIR_ENV
from labhelpers.base.files import atomic_write
from labhelpers.base.machine import machine_description
from labhelpers.data.review_data import load_review_data
from labhelpers.lessons.imdb_strong import (
    ENCODING,
    RECORD_STEP,
    StepConfig,
    ablation_steps,
    split_reviews,
    tfidf_baseline,
    train_step,
    training_throughput,
)

ROOT = Path(__file__).resolve().parents[1]
VANILLA_TARGET, MINUTES_LIMIT = 0.88, 20.0


def load_splits(data_dir: str):
    os.environ[DATA_DIR_ENV] = data_dir
    reviews = load_review_data("imdb", split="official", clean=True)
    return reviews, split_reviews(reviews, **ENCODING)


WORKER_SPLITS = None  # a worker process's encoded reviews, loaded once by start_worker


def start_worker(data_dir: str, threads: int) -> None:
    """Set up a worker process: ``threads`` torch threads,
    batch-mode logging, the reviews read once."""
    global WORKER_SPLITS
    torch.set_num_threads(threads)
    os.environ[BATCH_ENV] = "1"
    _, WORKER_SPLITS = load_splits(data_dir)


def train_one(config: dict, seed: int) -> dict:
    """Run in a worker process: train one model on the worker's reviews."""
    result = train_step(StepConfig(**config), WORKER_SPLITS, seed=seed, progress=False)
    return {
        **result.row(),
        "padded fraction": result.padded_fraction,
        "history": result.history,
        "config": result.config,
    }


def speed_section(splits) -> list[dict]:
    base = next(step for step in ablation_steps() if step.name == "BiRNN + word2vec")
    variants = [
        ("length buckets, masked padding", base),
        ("length buckets, packed sequences", replace(base, padding="packed")),
        ("no buckets (random batches)", replace(base, bucket_batches=1)),
    ]
    rows = []
    for label, config in variants:
        for threads in (1, 2):
            speed = training_throughput(config, splits, batches=15, threads=threads)
            rows.append({"input": label, "threads": threads, "words / s": speed})
            print(
                f"  {label:42s} {threads} "
                f"thread{'s' if threads > 1 else ' '}  {speed:9.0f} words/s",
                flush=True,
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data-dir",
        default=None,
        help="folder with imdb_50k.csv.gz (default: $LABHELPERS_DATA_DIR)",
    )
    parser.add_argument(
        "--only", action="append", help="train only this model (its name in the table; repeatable)"
    )
    parser.add_argument(
        "--jobs", type=int, default=2, help="models trained at the same time (processes)"
    )
    parser.add_argument("--threads", type=int, default=1, help="torch threads per model")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--speed-only", action="store_true", help="only the speed section")
    parser.add_argument("--no-speed", action="store_true", help="skip the speed section")
    args = parser.parse_args(argv)

    data_dir = Path(args.data_dir or os.environ.get(DATA_DIR_ENV) or "").expanduser()
    if not (data_dir / "imdb_50k.csv.gz").is_file():
        print(
            "The IMDB data were not found: pass --data-dir "
            "../shared/data or set LABHELPERS_DATA_DIR."
        )
        return 2
    data_dir = str(data_dir.resolve())

    started = time.perf_counter()
    reviews, splits = load_splits(data_dir)
    print(splits.description, flush=True)
    report = {
        "machine": machine_description(),
        "torch": torch.__version__,
        "data": splits.description,
        "jobs": args.jobs,
        "threads_per_job": args.threads,
    }
    if not args.no_speed:
        print("Speed (training words per second, one model alone):", flush=True)
        report["speed"] = speed_section(splits)
    if args.speed_only:
        return save(report)

    baseline = tfidf_baseline(
        reviews.train["review"],
        reviews.train["label"],
        reviews.test["review"],
        reviews.test["label"],
    )
    print(
        f"Baseline: {baseline.description}: {baseline.accuracy:.2%} "
        f"test accuracy, {baseline.seconds:.0f} s",
        flush=True,
    )
    report["baseline"] = {
        "test accuracy": baseline.accuracy,
        "seconds": baseline.seconds,
        "description": baseline.description,
    }

    steps = [RECORD_STEP, *ablation_steps()]
    if args.only:
        unknown = set(args.only) - {step.name for step in steps}
        if unknown:
            print(
                f"Unknown model(s) {sorted(unknown)}; the "
                f"models are: {[step.name for step in steps]}"
            )
            return 2
        steps = [step for step in steps if step.name in args.only]
    print(
        f"Training {len(steps)} models, {args.jobs} at a "
        f"time, {args.threads} torch thread(s) each ...",
        flush=True,
    )
    results = {}
    with ProcessPoolExecutor(
        max_workers=args.jobs, initializer=start_worker, initargs=(data_dir, args.threads)
    ) as pool:
        futures = {step.name: pool.submit(train_one, asdict(step), args.seed) for step in steps}
        for name, future in futures.items():
            results[name] = future.result()
            row = results[name]
            print(
                f"  {name:28s} {row['test accuracy']:7.2%}  best "
                f"epoch {row['best epoch']}/{row['epochs']}  "
                f"{row['s / epoch']:6.0f} s/epoch  {row['tokens / s']:7.0f} "
                f"words/s  {row['wall s']:6.0f} s wall",
                flush=True,
            )
    report["models"] = results
    report["wall_seconds"] = time.perf_counter() - started
    print_table(results, baseline.accuracy)
    save(report)
    return check_targets(results, baseline.accuracy)


def print_table(results: dict, baseline: float) -> None:
    record = results.get(RECORD_STEP.name)
    print()
    print(
        f"{'model':28s} {'test acc.':>9s} {'epochs':>7s} "
        f"{'s/epoch':>8s} {'words/s':>8s} {'wall s':>7s} "
        f"{'to best':>7s} {'x record':>8s} {'params':>9s}"
    )
    for name, row in results.items():
        ratio = f"{row['wall s'] / record['wall s']:8.2f}" if record else f"{'-':>8s}"
        print(
            f"{name:28s} {row['test accuracy']:9.2%} {row['best epoch']:>3d}/{row['epochs']:<3d} "
            f"{row['s / epoch']:8.1f} {row['tokens / s']:8.0f} "
            f"{row['wall s']:7.0f} {row['s to best epoch']:7.0f} {ratio} "
            f"{row['parameters']:9d}"
        )
    print(f"{'TF-IDF + logistic regression':28s} {baseline:9.2%}")


def check_targets(results: dict, baseline: float) -> int:
    failures = []
    vanilla = {
        name: row
        for name, row in results.items()
        if StepConfig(**row["config"]).cell == "rnn" and name != RECORD_STEP.name
    }
    if vanilla and max(row["test accuracy"] for row in vanilla.values()) < VANILLA_TARGET:
        failures.append(f"no vanilla RNN reaches {VANILLA_TARGET:.1%}")
    if results and max(row["test accuracy"] for row in results.values()) < baseline:
        failures.append(f"no model reaches the TF-IDF baseline {baseline:.2%}")
    slow = [name for name, row in results.items() if row["wall s"] > MINUTES_LIMIT * 60]
    if slow:
        failures.append(f"over {MINUTES_LIMIT:.0f} minutes: {slow}")
    record = results.get(RECORD_STEP.name)
    if record and vanilla:
        best = max(vanilla.values(), key=lambda row: row["test accuracy"])
        if best["s to best epoch"] > record["wall s"]:
            failures.append(
                "the strongest vanilla RNN reached its accuracy "
                f"after {best['s to best epoch']:.0f} s, "
                f"the record configuration took {record['wall s']:.0f} s"
            )
    for failure in failures:
        print("TARGET MISSED:", failure)
    return 1 if failures else 0


def save(report: dict) -> int:
    out = ROOT / "_build" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    path = out / "imdb_strong.json"
    previous = json.loads(path.read_text()) if path.exists() else {}
    report = {**previous, **report}  # a --speed-only run keeps the models of the last full run
    with atomic_write(path, "w") as file:
        file.write(json.dumps(report, indent=2) + "\n")
    print(f"saved {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
