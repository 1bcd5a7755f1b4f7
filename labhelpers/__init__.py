"""Helpers for the RNN lab book, in layers; a module imports only from its own layer or below.

1. **What a notebook calls first and last**: ``profiles`` (``notebook_settings()``: the
   settings of the running lesson), ``lesson_settings`` (every lesson's lab, quick and smoke
   values, in ``lesson_settings.toml``, and the rules that relate them), ``lab_report`` (the
   lab report a student hands in, as HTML and PDF).
2. **``lessons/``**: code a few lessons share (each module's docstring names them).
3. **The core**: ``models`` (every torch model), ``training`` (every training loop),
   ``metrics``, ``noise`` (a measured figure with its standard error, and comparisons worded
   from it), ``embeddings``, ``theory`` (the RNN in NumPy), ``plots`` (the figures),
   ``report`` (the Observation table, the Result sentence and the saved results).
4. **``data/``**: the datasets, their splits, every batcher (``data.batches``) and the text
   tokenizers (``data.text``).
5. **``base/``**: the small shared helpers: ``checks``, ``files``, ``runtime`` (device, seeds,
   batch or person), ``environment`` (the ``LABHELPERS_*`` variables and cache folders),
   ``parameters`` (a parameters cell's declarations), ``notebook_file`` (reading a notebook
   file), ``machine`` (the machine in words), ``progress`` (the line per epoch).

``tools/`` stands apart: the batch runner, the sweeps, the book build, the lesson times, the
nbval references and the Colab cells (``python -m labhelpers``); no other module imports it.
``tests/test_layout.py`` checks the layers. The book's page "Where the helpers live" lists
every module with its layer and the lessons that use it.

Importing the package is light and changes nothing: torch, TensorFlow and the other heavy
libraries are imported inside the modules that need them (``labhelpers.training`` for torch).
Import what you need from its module, for example
``from labhelpers.metrics import classification_report_table``.
"""

__version__ = "0.1.0"
