"""The machine a result was measured on: what a run saves of it (:func:`machine_description`:
platform, CPU cores and model, GPU, versions) and one wording of it for the lab report, the
Results page and the lesson times (:func:`machine_in_words`)."""

from __future__ import annotations

import os
import platform
import sys
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


def cpu_model() -> str | None:
    """The processor's name as Linux gives it (``model name`` in /proc/cpuinfo); None elsewhere.
    Run times compare only between machines of one CPU model, whatever their core count."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.partition(":")[2].strip() or None
    except OSError:
        pass
    return None


def machine_description() -> dict[str, Any]:
    """Which machine produced a result: OS, CPU model and count, Python, torch and its device."""
    info: dict[str, Any] = {
        "platform": platform.platform(terse=True),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
    }
    if cpu := cpu_model():
        info["cpu"] = cpu
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
        if torch.cuda.is_available():
            info["gpu"] = torch.cuda.get_device_name(0)
    if "tensorflow" in sys.modules:
        tf = sys.modules["tensorflow"]
        info["tensorflow"] = tf.__version__
        # The sizes of its two thread pools; 0 is TensorFlow's default, every core.
        info["tensorflow_threads"] = {
            "intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
            "inter_op": tf.config.threading.get_inter_op_parallelism_threads(),
        }
    return info
