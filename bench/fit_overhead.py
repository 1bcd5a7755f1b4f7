"""Overhead of labhelpers.training.fit against a bare hand-written loop.

Both train the same model on the same batches for the same epochs, in
alternating repeats; the script prints the median seconds of each and their
ratio, and exits with status 1 when fit is more than 5% slower.

    python bench/fit_overhead.py [--device cpu|cuda] [--repeats 7]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import sys
import time

import torch
from torch import nn

from labhelpers.base.runtime import choose_device, describe_device
from labhelpers.data.batches import TensorBatches
from labhelpers.models import LastStepRNN
from labhelpers.training import fit

LIMIT = 1.05


def bare_loop(model, optimizer, train, val, epochs, device):
    """What a student writes: train, then validate, loss and accuracy per epoch."""
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(epochs):
        model.train()
        total, correct, count = 0.0, 0, 0
        for inputs, target in train:
            inputs, target = inputs.to(device), target.to(device)
            output = model(inputs)
            loss = loss_fn(output, target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(target)
            correct += (output.argmax(1) == target).sum().item()
            count += len(target)
        model.eval()
        with torch.no_grad():
            val_total, val_correct, val_count = 0.0, 0, 0
            for inputs, target in val:
                inputs, target = inputs.to(device), target.to(device)
                output = model(inputs)
                val_total += loss_fn(output, target).item() * len(target)
                val_correct += (output.argmax(1) == target).sum().item()
                val_count += len(target)
        summary = (total / count, correct / count, val_total / val_count, val_correct / val_count)
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    device = choose_device(args.device)
    torch.manual_seed(0)
    X = torch.rand(4096, 50, 1)
    y = (X.sum(dim=(1, 2)) > 25).long()
    train = TensorBatches(X[:3072], y[:3072], batch_size=64, shuffle=True)
    val = TensorBatches(X[3072:], y[3072:], batch_size=256)

    def fresh():
        torch.manual_seed(1)
        model = LastStepRNN(1, 64, 2).to(device)
        return model, torch.optim.Adam(model.parameters(), lr=1e-3)

    def time_fit():
        model, optimizer = fresh()
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):  # fit's closing line
            fit(
                model,
                nn.CrossEntropyLoss(),
                optimizer,
                train,
                val,
                epochs=args.epochs,
                device=device,
                progress=False,
                log_every=10**9,
            )
        return time.perf_counter() - started

    def time_bare():
        model, optimizer = fresh()
        started = time.perf_counter()
        bare_loop(model, optimizer, train, val, args.epochs, device)
        return time.perf_counter() - started

    time_fit(), time_bare()  # warm-up
    fit_times, bare_times = [], []
    for _ in range(args.repeats):
        fit_times.append(time_fit())
        bare_times.append(time_bare())
    fit_s, bare_s = statistics.median(fit_times), statistics.median(bare_times)
    ratio = fit_s / bare_s
    print(
        f"device: {describe_device(device)}; RNN(1->64) on 3072 sequences of 50 steps, batch 64, "
        f"{args.epochs} epochs, median of {args.repeats}"
    )
    print(
        f"bare loop {bare_s:.3f} s, fit {fit_s:.3f} s, ratio fit/bare {ratio:.3f} (limit {LIMIT})"
    )
    return 0 if ratio <= LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
