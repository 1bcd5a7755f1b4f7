"""labhelpers' WordTokenizer against the Keras Tokenizer on all 50,000 IMDB reviews.

Both do the same work, in one process, on the same texts: fit on every review
(``num_words=10000``, ``oov_token="<OOV>"``, as lab record 000 does), turn
every review into ids, and pad or truncate to 200 ids (``truncating="post"``).
The script checks that the two padded arrays are identical, prints the seconds
of each (the median of ``--repeats`` runs) and their ratio, and exits with
status 1 when labhelpers is less than 5 times as fast.

    python bench/tokenizer_speed.py [--data-dir ../shared/data] [--repeats 3]

Without the IMDB file (no ``--data-dir``, no ``LABHELPERS_DATA_DIR``) it says
so and stops, unless ``--synthetic N`` asks for N generated reviews instead.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

LIMIT = 5.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data-dir",
        default=None,
        help="folder with imdb_50k.csv.gz (default: $LABHELPERS_DATA_DIR)",
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="runs of each tokenizer; the median is compared"
    )
    parser.add_argument(
        "--synthetic", type=int, default=0, help="use this many generated reviews instead of IMDB"
    )
    args = parser.parse_args(argv)

    from labhelpers.data.text import WordTokenizer

    if args.synthetic:
        from labhelpers.data.reviews import make_review_corpus

        texts = make_review_corpus(args.synthetic, seed=0)["review"].tolist()
        source = f"{len(texts)} generated reviews (NOT IMDB)"
    else:
        from labhelpers.data.imdb import ImdbNotFoundError, load_imdb

        try:
            frame = load_imdb(args.data_dir, kagglehub=False)
        except ImdbNotFoundError as error:
            print(
                f"No IMDB file: {error}\nRun with --data-dir ../shared/data, or --synthetic 50000."
            )
            return 2
        texts = frame["review"].tolist()
        source = f"{len(texts)} IMDB reviews from {frame.attrs['source']}"

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    from tensorflow.keras.preprocessing.text import Tokenizer

    def with_keras():
        tokenizer = Tokenizer(num_words=10000, oov_token="<OOV>")
        tokenizer.fit_on_texts(texts)
        return keras.utils.pad_sequences(
            tokenizer.texts_to_sequences(texts), maxlen=200, truncating="post"
        )

    def with_labhelpers():
        tokenizer = WordTokenizer(num_words=10000, oov_token="<OOV>")
        tokenizer.fit_on_texts(texts)
        return tokenizer.texts_to_padded(texts, maxlen=200, truncating="post")

    print(f"Data: {source}")
    times = {"keras": [], "labhelpers": []}
    results = {}
    for repeat in range(args.repeats):  # alternate, so that a busy moment hits both
        for name, run in (("labhelpers", with_labhelpers), ("keras", with_keras)):
            started = time.perf_counter()
            results[name] = run()
            times[name].append(time.perf_counter() - started)
            print(f"  run {repeat + 1}: {name:10s} {times[name][-1]:.2f} s", flush=True)
    same = (
        results["keras"].shape == results["labhelpers"].shape
        and (results["keras"] == results["labhelpers"]).all()
    )
    keras_s, ours_s = statistics.median(times["keras"]), statistics.median(times["labhelpers"])
    ratio = keras_s / ours_s
    print(f"Keras Tokenizer + pad_sequences: {keras_s:.2f} s (median of {args.repeats})")
    print(f"labhelpers WordTokenizer:        {ours_s:.2f} s (median of {args.repeats})")
    print(f"identical ids: {bool(same)}; shape {results['labhelpers'].shape}")
    print(f"ratio (Keras / labhelpers): {ratio:.1f}x faster (target at least {LIMIT:.0f}x)")
    print(f"machine: {os.cpu_count()} CPU cores")
    return 0 if same and ratio >= LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
