import numpy as np
import pytest

from labhelpers.checks import one_of, positive_int


def test_positive_int_accepts_python_and_numpy_integers():
    assert positive_int("n", 3) == 3 and positive_int("n", np.int64(2)) == 2
    assert positive_int("n", None, allow_none=True) is None


@pytest.mark.parametrize("bad", [0, -2, 1.5, "3", True, None])
def test_positive_int_names_the_argument(bad):
    with pytest.raises(ValueError, match=f"hidden_size must be a positive integer, got {bad!r}"):
        positive_int("hidden_size", bad)


def test_one_of_lists_the_choices():
    assert one_of("padding", "pre", ("pre", "post")) == "pre"
    with pytest.raises(ValueError, match="padding must be one of 'pre', 'post'; got 'middle'"):
        one_of("padding", "middle", ("pre", "post"))
