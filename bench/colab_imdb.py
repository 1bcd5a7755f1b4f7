"""The IMDB lessons as a student runs them on Colab, in the quick profile, on the real 50k reviews.

Builds the Colab-like kernel of tests/colab/harness.py (installed by the
notebooks' own install cell, the real kagglehub client against a stand-in
Kaggle on 127.0.0.1:7777 that serves ../shared/data's CSV), runs each IMDB
notebook with papermill and prints which data it used, its key accuracy and
its time. Slow (minutes per notebook); run by hand:

    .venv/bin/python bench/colab_imdb.py [--only 07_imdb_rnn_pytorch ...] [--colab-cache]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from colab.harness import ColabHarness, imdb_source, install_cell_seconds, results_of  # noqa: E402

NOTEBOOKS = ("07_imdb_rnn_pytorch", "08_imdb_keras", "09_imdb_embeddings", "13_imdb_strong")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=NOTEBOOKS, default=list(NOTEBOOKS))
    parser.add_argument("--profile", default="quick", choices=("smoke", "quick", "lab"))
    parser.add_argument(
        "--colab-cache",
        action="store_true",
        help="kagglehub takes Colab's cache route (the runtime mounts the dataset) "
        "instead of downloading",
    )
    args = parser.parse_args()
    if imdb_source(ROOT) is None:
        print(
            "The real IMDB CSV is neither in $LABHELPERS_DATA_DIR "
            "nor in ../shared/data: nothing to measure."
        )
        return 1
    with ColabHarness(ROOT) as harness, tempfile.TemporaryDirectory(prefix="colab-imdb-") as out:
        print(f"{harness.data_note}; harness built in {harness.timings['build']:.1f} s", flush=True)
        failed = 0
        for name in args.only:
            executed = Path(out) / f"{name}.ipynb"
            started = time.perf_counter()
            try:
                harness.execute(
                    f"notebooks/{name}.ipynb",
                    executed,
                    {"profile": args.profile},
                    colab_cache=args.colab_cache,
                    timeout=3600,
                )
            except Exception as error:  # report it and go on with the next notebook
                failed += 1
                print(
                    f"{name}: FAILED after {time.perf_counter() - started:.0f} "
                    f"s: {str(error).strip().splitlines()[-1]}"
                )
                continue
            seconds = time.perf_counter() - started
            for result in results_of(executed):
                accuracies = {
                    k: v for k, v in result["metrics"].items() if k.endswith("test_accuracy")
                }
                print(
                    f"{name}: {seconds:.0f} s (install cell "
                    f"{install_cell_seconds(executed):.1f} s); "
                    f"data: {result['data']}"
                )
                print("    " + ", ".join(f"{k} {v:.2%}" for k, v in accuracies.items()), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
