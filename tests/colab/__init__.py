"""A Colab-like kernel for running the book's notebooks (see :mod:`colab.harness`)."""
