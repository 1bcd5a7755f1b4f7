"""The machine in words: one wording for the lab report, the Results page and the lesson times."""

from labhelpers.base.machine import machine_in_words

MACHINE = {
    "platform": "Linux-6.8",
    "cpu_count": 16,
    "cpu": "AMD EPYC 7B13",
    "gpu": "NVIDIA H100",
    "python": "3.11.7",
    "torch": "2.13.0",
}


def test_the_words_name_what_the_description_holds():
    assert machine_in_words(MACHINE) == "Linux-6.8, 16 CPU cores (AMD EPYC 7B13), GPU NVIDIA H100"
    assert machine_in_words(MACHINE, versions=True) == (
        "Linux-6.8, 16 CPU cores (AMD EPYC 7B13), GPU NVIDIA H100; python 3.11.7, torch 2.13.0"
    )


def test_what_a_description_lacks_is_left_out():
    assert machine_in_words({"cpu_count": 2}) == "2 CPU cores"
    assert machine_in_words({"cpu_count": 2, "cpu": None, "gpu": None}, versions=True) == (
        "2 CPU cores"
    )
    assert machine_in_words({}) == "? CPU cores"
