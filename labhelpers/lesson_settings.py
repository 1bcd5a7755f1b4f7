"""Every lesson's settings (lesson_settings.toml: the lab's values, and the few that the quick and
smoke profiles change) and the rules that relate them.

A notebook declares its parameters (each ``None`` until given) in its ``parameters`` cell and
reads them with one line, ``settings = notebook_settings()``
(:func:`labhelpers.profiles.notebook_settings`), which finds its lesson here by the names of
those parameters. ``lab`` holds the course's settings (the lab record's, where it ran the
lesson); ``quick`` (the book's build on a 2-core CPU) and ``smoke`` (the tests) list only what
they change. ``rules`` are the checks that relate two settings or look at the data, run before
any data is loaded.
"""

from __future__ import annotations

from importlib.resources import files

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from .profiles import Lesson


def _truncate_within_sequence(settings) -> None:
    if settings.truncate > settings.seq_len:
        raise ValueError(
            f"truncate ({settings.truncate}) must be at most seq_len ({settings.seq_len}): "
            "a window cannot be longer than the sequence it cuts"
        )


def _data_path_usable(settings) -> None:
    from .data.imdb import check_data_path

    check_data_path(settings.data, settings.data_path)


def _split_sizes_usable(settings) -> None:
    from .lessons.imdb_rnn import check_split_sizes

    check_split_sizes(settings.n_train, settings.validation_fraction)


def _windows_fit_the_series(settings) -> None:
    from .data.series import check_windows, load_statsmodels_series

    check_windows(settings.sine_points, settings.sine_window, names=("sine_window", "horizon"))
    check_windows(
        len(load_statsmodels_series(settings.series_name).values),
        settings.window,
        settings.horizon,
        settings.train_fraction,
    )


def _char_rnn_settings_usable(settings) -> None:
    from .lessons.char_rnn import check_settings

    check_settings(settings)  # toy_text, prompt and max_chars, before any data


# The rules of each lesson that has some, by its name in lesson_settings.toml.
RULES = {
    "bptt": (_truncate_within_sequence,),
    "imdb_rnn_pytorch": (_data_path_usable, _split_sizes_usable),
    "imdb_keras": (_data_path_usable,),
    "imdb_embeddings": (_data_path_usable,),
    "forecasting": (_windows_fit_the_series,),
    "char_rnn": (_char_rnn_settings_usable,),
    "imdb_strong": (_data_path_usable,),
}


def _lessons() -> tuple[Lesson, ...]:
    tables = tomllib.loads(files("labhelpers").joinpath("lesson_settings.toml").read_text())
    unknown = sorted(set(RULES) - set(tables))
    if unknown:
        raise ValueError(f"rules for lessons that lesson_settings.toml lacks: {unknown}")
    return tuple(
        Lesson(
            name,
            lab=table["lab"],
            quick=table.get("quick", {}),
            smoke=table.get("smoke", {}),
            rules=RULES.get(name, ()),
        )
        for name, table in tables.items()
    )


# In reading order.
LESSONS = _lessons()
