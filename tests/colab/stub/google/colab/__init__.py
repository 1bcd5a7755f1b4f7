"""Stand-in for Colab's ``google.colab`` package, imported at kernel start as Colab does.

Only its presence matters to the notebooks (their install cell tests
``"google.colab" in sys.modules``). ``google`` stays a namespace package (no
``google/__init__.py`` beside this folder) so that ``google.protobuf`` and the
other ``google.*`` packages of the environment still import.
"""

HARNESS = True  # lets a test tell this stand-in from the real package
