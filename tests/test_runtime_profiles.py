import random

import numpy as np
import pytest
import torch

from labhelpers.profiles import PROFILE_NAMES, check_profile, resolve_settings
from labhelpers.runtime import choose_device, describe_device, seed_everything


def draw():
    return random.random(), np.random.rand(), torch.rand(1).item()


def test_same_seed_same_numbers_in_every_library():
    seed_everything(3)
    first = draw()
    seed_everything(3)
    assert draw() == first
    seed_everything(4)
    assert draw() != first


@pytest.mark.parametrize("bad", [-1, 1.5, "0", True])
def test_seed_must_be_a_non_negative_integer(bad):
    with pytest.raises(ValueError, match="seed"):
        seed_everything(bad)


def test_auto_device_is_cpu_without_a_gpu():
    expected = (
        "cuda"
        if torch.cuda.is_available()
        else "mps"
        if torch.backends.mps.is_available()
        else "cpu"
    )
    assert choose_device().type == expected
    assert describe_device("cpu").startswith("cpu (")


def test_unknown_or_missing_device_is_a_clear_error():
    with pytest.raises(ValueError, match="device must be one of"):
        choose_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="Change runtime type"):
            choose_device("cuda")


TABLE = {name: {"epochs": i + 1, "hidden_size": 16} for i, name in enumerate(PROFILE_NAMES)}


def test_profile_values_and_explicit_overrides():
    assert resolve_settings("lab", TABLE, {"epochs": None, "hidden_size": None}) == {
        "epochs": 3,
        "hidden_size": 16,
    }
    assert resolve_settings("smoke", TABLE, {"epochs": 7, "hidden_size": None}) == {
        "epochs": 7,
        "hidden_size": 16,
    }


def test_unknown_profile_names_the_choices():
    with pytest.raises(
        ValueError, match=r"profile must be one of .*'smoke'.*'quick'.*'lab'.*Got 'fast'"
    ):
        check_profile("fast")
    with pytest.raises(ValueError, match="profile must be one of"):
        resolve_settings("fast", TABLE, {})


def test_unknown_setting_and_incomplete_table_are_errors():
    with pytest.raises(ValueError, match=r"unknown setting\(s\) \['epoch'\]"):
        resolve_settings("quick", TABLE, {"epoch": 3})
    with pytest.raises(ValueError, match="no entry for"):
        resolve_settings("quick", {"quick": {}}, {})
