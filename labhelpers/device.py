"""Choosing where torch computes: a CUDA GPU, Apple's MPS, or the CPU."""

from __future__ import annotations

_KNOWN = ("auto", "cuda", "mps", "cpu")


def choose_device(prefer: str = "auto"):
    """Return a ``torch.device``.

    ``prefer="auto"`` takes CUDA when available, then MPS, then the CPU. Naming
    a device that is not available is an error rather than a silent fallback, so
    a Colab run without a GPU runtime says so instead of crawling on the CPU.
    """
    import torch

    if prefer not in _KNOWN:
        raise ValueError(f"device must be one of {', '.join(_KNOWN)}; got {prefer!r}")
    cuda = torch.cuda.is_available()
    mps = getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    if prefer == "auto":
        return torch.device("cuda" if cuda else "mps" if mps else "cpu")
    if prefer == "cuda" and not cuda:
        raise RuntimeError(
            "device='cuda' was asked for but torch sees no CUDA GPU. On Colab choose "
            "Runtime > Change runtime type > GPU, or pass device='auto'."
        )
    if prefer == "mps" and not mps:
        raise RuntimeError("device='mps' was asked for but MPS is not available; pass device='auto'.")
    return torch.device(prefer)


def describe_device(device) -> str:
    """A short human description, such as ``cpu (2 threads)`` or ``cuda (NVIDIA H100)``."""
    import torch

    device = torch.device(device)
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    if device.type == "cpu":
        return f"cpu ({torch.get_num_threads()} threads)"
    return device.type
