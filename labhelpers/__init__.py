"""Helpers for the RNN lab book.

Importing the package is light and changes nothing: torch, TensorFlow and the
other heavy libraries are imported inside the modules that need them
(``labhelpers.training`` for torch). Import what you need from its module, for
example ``from labhelpers.metrics import classification_report_table``.
"""

__version__ = "0.1.0"
