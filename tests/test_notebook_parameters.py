"""A notebook's parameters as papermill passes them: unknown names stop the run, values take their declared type."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from labhelpers.profiles import check_parameters, convert_parameter, declared_parameters

from conftest import ROOT

PARAMETERS_CELL = '''profile = "quick"  # type: str  Profile.
hidden_size = None  # type: int  Hidden units.
learning_rate = None  # type: float  Adam's learning rate.
scales = None  # type: list  Scales to compare.
cache = None  # type: bool  Keep arrays on disk.
'''


def test_declared_parameters_are_read_from_the_type_comments():
    assert declared_parameters(PARAMETERS_CELL) == {
        "profile": "str", "hidden_size": "int", "learning_rate": "float", "scales": "list", "cache": "bool"}


@pytest.mark.parametrize("value, type_name, expected", [
    ("1e-3", "float", 0.001), (3, "float", 3.0), ("32", "int", 32), (32.0, "int", 32), ("1e3", "int", 1000),
    ("true", "bool", True), ("False", "bool", False), ("[0.5, 1.5]", "list", [0.5, 1.5]), ((1, 2), "list", [1, 2]),
    (None, "int", None), ("lab", "str", "lab"), (7, "str", "7"),
])
def test_values_are_converted_to_their_declared_type(value, type_name, expected):
    converted = convert_parameter("x", value, type_name)
    assert converted == expected and type(converted) is type(expected)


@pytest.mark.parametrize("value, type_name", [("abc", "float"), (2.5, "int"), (True, "int"), ("maybe", "bool"),
                                              ("1.5", "list"), (1.0, "list")])
def test_values_that_cannot_be_converted_are_rejected_by_name(value, type_name):
    with pytest.raises(ValueError, match=f"parameter x must be of type {type_name}, got"):
        convert_parameter("x", value, type_name)


def test_check_parameters_names_the_unknown_one_and_converts_the_rest():
    namespace = {"profile": "smoke", "hidden_size": "8", "learning_rate": "1e-3", "scales": None, "cache": None}
    assert check_parameters(PARAMETERS_CELL, '# Parameters\nhidden_size = "8"\n', namespace)["hidden_size"] == "int"
    assert namespace["hidden_size"] == 8 and namespace["learning_rate"] == 0.001
    with pytest.raises(ValueError, match=r"no parameter 'hiden_size' \(did you mean 'hidden_size'\?\)\. "
                                         r"Its parameters are: profile, hidden_size"):
        check_parameters(PARAMETERS_CELL, "# Parameters\nhiden_size = 32\n", dict(namespace))
    with pytest.raises(ValueError, match="no parameter 'colour'"):
        check_parameters(PARAMETERS_CELL, "# Parameters\ncolour = 'red'\n", dict(namespace))


def papermill(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess:
    """papermill's own command line, as a teaching assistant types it: no LABHELPERS_BATCH, no CI."""
    env = {k: v for k, v in os.environ.items() if k not in ("LABHELPERS_BATCH", "CI")}
    command = [str(Path(sys.executable).parent / "papermill"), str(ROOT / "notebooks" / "01_sum_classifier.ipynb"),
               str(tmp_path / "out.ipynb"), "--cwd", str(ROOT / "notebooks"), "-p", "profile", "smoke", *arguments]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)


def test_plain_papermill_saves_plain_lines_and_takes_yaml_strings_by_their_type(tmp_path):
    done = papermill(tmp_path, "-y", "learning_rate: 1e-3")  # YAML reads 1e-3 as a string
    assert done.returncode == 0, done.stderr[-2000:]
    notebook = json.loads((tmp_path / "out.ipynb").read_text())
    outputs = [o for cell in notebook["cells"] if cell["cell_type"] == "code" for o in cell["outputs"]]
    assert not [o for o in outputs if any("widget" in mime for mime in o.get("data", {}))]
    text = "".join("".join(o.get("text", "")) for o in outputs)
    assert "epoch 20/20  loss" in text  # the plain progress lines
    settings = next(cell for cell in notebook["cells"] if "notebook_settings(PROFILES)" in "".join(cell["source"]))
    assert "'learning_rate': 0.001" in "".join(settings["outputs"][0]["data"]["text/plain"])


def test_a_misspelt_parameter_stops_papermill_naming_the_right_one(tmp_path):
    done = papermill(tmp_path, "-p", "hiden_size", "32")
    assert done.returncode != 0
    assert "no parameter 'hiden_size' (did you mean 'hidden_size'?)" in done.stderr
