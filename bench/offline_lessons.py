"""The offline book teaches too (issue 23): lessons 7, 8, 9 and 13 in the quick profile on the
generated reviews, each comparison the lesson is about checked for its direction and its noise.

On a copy of the book in a temporary folder, the four notebooks run through the batch runner with
``data="synthetic"`` (what a fresh machine without IMDB runs). From their saved results:

- lesson 7: the fixed RNN pipeline's test accuracy lies above chance (50%);
- lesson 8: the LSTM's test accuracy lies above the SimpleRNN's; on the reviews whose last cue is
  far from the end it does too, and the SimpleRNN's accuracy there lies below its accuracy on the
  reviews whose cue is near the end (its weakness is distance);
- lesson 9: the LSTM started from word2vec and fine-tuned lies above the one started at random;
- lesson 13: max+mean pooling lies above the masked last-state model, and the best model by
  validation lies above the record's model; with ``--imdb``, no step of the ablation lies above
  noise one way on one data and the other way on the other.

"Lies above" means by more than two standard errors (``labhelpers.noise.verdict``). With
``--imdb`` (and ``$LABHELPERS_DATA_DIR``) the same lessons run on IMDB too and the table shows
both columns; the IMDB column is a reference, not a check. Writes the table and the figures to
``_build/bench/offline_lessons.json`` and exits 1 when a check fails.

    python bench/offline_lessons.py [--imdb] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path

from batch_build import copy_book  # the same fresh copy of the book as the build benchmark

from labhelpers import noise
from labhelpers.base.environment import DATA_DIR_ENV
from labhelpers.base.machine import cpu_model
from labhelpers.tools.runner import find_root, run

ROOT = find_root(Path(__file__).resolve().parent)
LESSONS = ["07_imdb_rnn_pytorch", "08_imdb_keras", "09_imdb_embeddings", "13_imdb_strong"]


def lesson_metrics(root: Path) -> dict[str, dict[str, float]]:
    """Each lesson's saved metrics, by the lesson's number ("5", "6", ...)."""
    return {
        str(int(path.name[:2])): json.loads(path.read_text())[0]["metrics"]
        for path in sorted((root / "_build" / "results").glob("[0-9][0-9]_*.json"))
    }


def figure(metrics: dict, key: str, n_key: str) -> noise.Measured:
    return noise.binomial(metrics[key], int(metrics[n_key]))


# (lesson, what is compared, figure a, figure b): a must lie above b. A figure is
# (accuracy key, test-size key), or a number for a fixed level such as chance.
CHECKS = [
    ("5", "fixed RNN pipeline against chance", ("test_accuracy", "n_test"), 0.5),
    (
        "6",
        "LSTM against SimpleRNN",
        ("lstm_test_accuracy", "n_test"),
        ("simple_rnn_test_accuracy", "n_test"),
    ),
    (
        "6",
        "LSTM against SimpleRNN, last cue far from the end",
        ("lstm_far_cue_accuracy", "n_far_cue"),
        ("simple_rnn_far_cue_accuracy", "n_far_cue"),
    ),
    (
        "6",
        "SimpleRNN: cue near the end against far from it",
        ("simple_rnn_near_cue_accuracy", "n_near_cue"),
        ("simple_rnn_far_cue_accuracy", "n_far_cue"),
    ),
    (
        "7",
        "word2vec, fine-tuned, against a random start",
        ("fine_tuned_test_accuracy", "n_test"),
        ("random_test_accuracy", "n_test"),
    ),
    (
        "11",
        "max+mean pooling against the masked last state",
        ("max+mean pooling test_accuracy", "n_test"),
        ("masked, last state test_accuracy", "n_test"),
    ),
    (
        "11",
        "best model by validation against the record's model",
        ("best_test_accuracy", "n_test"),
        ("record_test_accuracy", "n_test"),
    ),
]
# Shown beside the checks, not checked: the rest of what the lessons compare.
SHOWN = [
    ("6", "LSTM, last cue near the end", ("lstm_near_cue_accuracy", "n_near_cue")),
    ("7", "word2vec, frozen", ("frozen_test_accuracy", "n_test")),
    # measured on the whole official test half, not on the lesson's n_test: no ± from n_test
    ("11", "TF-IDF + logistic regression", ("tfidf_official_test_accuracy", None)),
    ("11", "BiRNN", ("BiRNN test_accuracy", "n_test")),
]


# Lesson 13's ablation, each step against the one it changes (labhelpers.lessons.imdb_strong).
STEPS = [
    "E1 record",
    "masked, last state",
    "max+mean pooling",
    "BiRNN",
    "BiRNN + clipping",
    "BiRNN, more words, longer reviews",
    "BiRNN wider + dropout",
    "BiRNN + word2vec",
]


def step_changes(metrics: dict) -> dict[str, tuple[float, float, str]]:
    """Lesson 13: each step's change of test accuracy from the step before, with its standard
    error and verdict."""
    n = int(metrics["n_test"])
    changes = {}
    for before, after in pairwise(STEPS):
        a = noise.binomial(metrics[f"{after} test_accuracy"], n)
        b = noise.binomial(metrics[f"{before} test_accuracy"], n)
        d, se = noise.difference(a, b)
        changes[after] = (d, se, noise.verdict(a, b))
    return changes


def measured(metrics: dict, spec) -> noise.Measured | None:
    if isinstance(spec, float):
        return noise.Measured(spec, 0.0, "a fixed level")
    key, n_key = spec
    if key not in metrics or (n_key is not None and n_key not in metrics):
        return None
    if n_key is None:
        return noise.Measured(metrics[key], 0.0, "not measured here")
    return figure(metrics, key, n_key)


def run_lessons(data: str, folder: Path) -> tuple[dict, float]:
    root = copy_book(folder)
    started = time.perf_counter()
    run("quick", only=LESSONS, parameters={"data": data}, root=root, log=lambda _: None)
    return lesson_metrics(root), time.perf_counter() - started


def main() -> int:  # noqa: C901 (one branch per lesson checked, run by hand)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--imdb", action="store_true", help="also run the lessons on IMDB")
    parser.add_argument("--keep", action="store_true", help="keep the temporary books")
    args = parser.parse_args()
    if args.imdb and not os.environ.get(DATA_DIR_ENV):
        print("--imdb needs LABHELPERS_DATA_DIR (the folder of the IMDB CSV)", file=sys.stderr)
        return 2
    datasets = ["synthetic"] + (["imdb"] if args.imdb else [])
    print(f"CPU: {cpu_model()}, {os.cpu_count()} cores; lessons {', '.join(LESSONS)}, quick")
    metrics, seconds, folders = {}, {}, []
    for data in datasets:
        folder = Path(tempfile.mkdtemp(prefix=f"offline-lessons-{data}-"))
        folders.append(folder)
        metrics[data], seconds[data] = run_lessons(data, folder)
        print(f"{data}: the four lessons ran in {seconds[data]:.0f} s (2 at a time)", flush=True)
    rows, failed = [], []
    for lesson, what, a_spec, b_spec in CHECKS:
        row = {"lesson": lesson, "comparison": what}
        for data in datasets:
            found = metrics[data].get(lesson, {})
            a, b = measured(found, a_spec), measured(found, b_spec)
            if a is None or b is None:
                row[data] = "not measured"
                if data == "synthetic":
                    failed.append(f"lesson {lesson}: {what}: not recorded")
                continue
            side = noise.verdict(a, b)
            d, se = noise.difference(a, b)
            row[data] = (
                f"{a.show()} vs {b.show() if b.se else f'{100 * b.value:.0f}%'}: "
                f"{100 * d:+.2f} ± {100 * se:.2f} points, {side}"
            )
            if data == "synthetic" and side != "above":
                failed.append(f"lesson {lesson}: {what}: {side}")
        rows.append(row)
    for lesson, what, spec in SHOWN:
        row = {"lesson": lesson, "comparison": what + " (shown)"}
        for data in datasets:
            m = measured(metrics[data].get(lesson, {}), spec)
            shown = m.show() if m and m.se else m and f"{100 * m.value:.2f}%"
            row[data] = shown or "not measured"
        rows.append(row)
    header = ["lesson", "comparison", *datasets]
    print("| " + " | ".join(header) + " |")
    print("|" + " --- |" * len(header))
    for row in rows:
        print("| " + " | ".join(row[h] for h in header) + " |")
    # Lesson 13's large steps: a step above noise on both data must point the same way.
    changes = {
        data: step_changes(metrics[data]["11"]) for data in datasets if "11" in metrics[data]
    }
    print("\nLesson 11, each step against the one before (test accuracy, points):")
    print("| step | " + " | ".join(changes) + " |")
    print("| --- |" + " --- |" * len(changes))
    for step in STEPS[1:]:
        cells = [
            f"{100 * d:+.2f} ± {100 * se:.2f} ({side})"
            for d, se, side in (changes[data][step] for data in changes)
        ]
        print(f"| {step} | " + " | ".join(cells) + " |")
        sides = {changes[data][step][2] for data in changes} - {"within noise"}
        if len(sides) > 1:
            failed.append(f"lesson 13: {step} is {' on one data and '.join(sorted(sides))}")
    out = ROOT / "_build" / "bench" / "offline_lessons.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "cpu": cpu_model(),
                "seconds": seconds,
                "rows": rows,
                "lesson 13 steps": changes,
                "metrics": metrics,
            },
            indent=1,
        )
    )
    for folder in folders:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    if failed:
        print("FAILED: " + "; ".join(failed))
        return 1
    print("every comparison comes out the way the lesson says, above noise")
    return 0


if __name__ == "__main__":
    sys.exit(main())
