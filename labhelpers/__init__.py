"""Helpers for the RNN lab book: one module for each concern.

- ``checks``, ``files``, ``environment`` (the ``LABHELPERS_*`` variables and cache folders),
  ``runtime`` (device, seeds, batch or person, a quiet TensorFlow), ``profiles``,
  ``notebook_file`` (reading a notebook file), ``machine`` (the machine in words);
- ``theory`` (the RNN in NumPy), ``models`` (every torch model), ``training`` (every training loop),
  ``progress`` (its line per epoch);
- ``text``, ``embeddings``, ``metrics``, ``plots``, ``report`` (the lab record's Observation and
  Result), ``lab_report`` (the lab report a student hands in, as HTML and PDF);
- ``data/``: the datasets, their splits and every batcher (``data.batches``);
- ``lessons/``: code that exists for one lesson, named after it;
- ``tools/``: the batch runner, the sweeps, the book build, the nbval references and the Colab
  cells (``python -m labhelpers``).

The book's page "Where the helpers live" lists every module with the lessons that use it.
Importing the package is light and changes nothing: torch, TensorFlow and the
other heavy libraries are imported inside the modules that need them
(``labhelpers.training`` for torch). Import what you need from its module, for
example ``from labhelpers.metrics import classification_report_table``.
"""

__version__ = "0.1.0"
