"""The machine a result was measured on, in words: one wording for the lab report, the Results
page and the lesson times.

The words are made from the machine a run recorded
(:func:`labhelpers.report.machine_description`: platform, CPU cores and model, GPU, versions).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

VERSIONED = ("python", "torch", "tensorflow")


def machine_in_words(machine: Mapping[str, Any], versions: bool = False) -> str:
    """``Linux-6.8, 2 CPU cores (AMD EPYC 7B13), GPU NVIDIA H100``: the platform (where the
    description names one), the cores and the CPU model, the GPU where there was one; with
    ``versions``, then ``; python 3.12.3, torch 2.13.0``."""
    cores = f"{machine.get('cpu_count', '?')} CPU cores"
    if machine.get("cpu"):
        cores += f" ({machine['cpu']})"
    parts = [machine["platform"]] if "platform" in machine else []
    parts.append(cores)
    if machine.get("gpu"):
        parts.append(f"GPU {machine['gpu']}")
    words = ", ".join(parts)
    found = [f"{name} {machine[name]}" for name in VERSIONED if name in machine]
    return words + (f"; {', '.join(found)}" if versions and found else "")
