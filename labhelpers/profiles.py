"""Profiles: named sets of notebook settings (smoke, quick, lab).

Every notebook keeps a table ``{profile name: {setting: value}}`` beside its
parameters cell. Parameters left at ``None`` take the profile's value; a
parameter given explicitly (by editing the cell or with ``papermill -p``)
overrides it.
"""

from __future__ import annotations

from typing import Any, Mapping

PROFILE_NAMES = ("smoke", "quick", "lab")
PROFILE_HELP = {
    "smoke": "seconds, tiny data: what the tests run",
    "quick": "a few minutes per notebook on a 2-core CPU: the default book build",
    "lab": "the lab record's own settings, for a Colab GPU or an overnight run",
}


def check_profile(profile: str) -> str:
    """Return ``profile`` if it names a profile, else raise a ValueError that lists them."""
    if profile not in PROFILE_NAMES:
        choices = "; ".join(f"{name!r} ({PROFILE_HELP[name]})" for name in PROFILE_NAMES)
        raise ValueError(f"profile must be one of {choices}. Got {profile!r}.")
    return profile


def resolve_settings(
    profile: str,
    table: Mapping[str, Mapping[str, Any]],
    overrides: Mapping[str, Any],
) -> dict[str, Any]:
    """Merge a profile's settings with the parameters given explicitly.

    ``table`` maps each profile name to its settings; ``overrides`` maps setting
    names to the notebook's parameter values, where ``None`` means "take the
    profile's value". Returns the settings to use.
    """
    check_profile(profile)
    missing = [name for name in PROFILE_NAMES if name not in table]
    if missing:
        raise ValueError(f"the profile table has no entry for {missing}; every notebook needs all of {PROFILE_NAMES}")
    settings = dict(table[profile])
    unknown = sorted(set(overrides) - set(settings))
    if unknown:
        raise ValueError(
            f"unknown setting(s) {unknown}: the {profile!r} profile has {sorted(settings)}"
        )
    settings.update({key: value for key, value in overrides.items() if value is not None})
    return settings
