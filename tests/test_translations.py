"""The translations: every language says everything en.json says, and no more.

en.json is the source. Each other language must have exactly its keys, a
non-empty string wherever en.json has one, and the same placeholders in every
string, so a key added to en.json fails here until each language has it.
"""

from __future__ import annotations

import json
from pathlib import Path
import string

import pytest

from custom_components.excelsense.motion import REASON_CHOSEN, MotionSource
from custom_components.excelsense.push import PushReason

FOLDER = (
    Path(__file__).resolve().parent.parent
    / "custom_components"
    / "excelsense"
    / "translations"
)
SOURCE = "en"
LANGUAGES = ("de", "es", "fr", "it", "nl")

type Strings = dict[str, str]


def _reject_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """A JSON object, refusing a key given twice (json keeps the last silently)."""
    keys = [key for key, _ in pairs]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    assert not duplicates, f"duplicate keys: {duplicates}"
    return dict(pairs)


def _load(language: str) -> dict[str, object]:
    raw = (FOLDER / f"{language}.json").read_bytes()
    text = raw.decode("utf-8")  # strict: a byte that is not UTF-8 fails here
    data = json.loads(text, object_pairs_hook=_reject_duplicates)
    assert isinstance(data, dict)
    return data


def _flatten(node: dict[str, object], prefix: str = "") -> dict[str, object]:
    """Every leaf by its dotted path (config.step.user.data.host)."""
    leaves: dict[str, object] = {}
    for key, value in node.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            leaves.update(_flatten(value, f"{path}."))
        else:
            leaves[path] = value
    return leaves


def _strings(language: str) -> Strings:
    leaves = _flatten(_load(language))
    not_text = sorted(
        path for path, value in leaves.items() if not (isinstance(value, str) and value)
    )
    assert not not_text, f"{language}.json: not a non-empty string: {not_text}"
    return {path: str(value) for path, value in leaves.items()}


def _placeholders(text: str) -> set[str]:
    """The {names} a string is formatted with (unbalanced braces fail)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.fixture(scope="module")
def source() -> Strings:
    """en.json, flattened."""
    return _strings(SOURCE)


def test_every_language_file_is_tested() -> None:
    """A new language file needs its place in LANGUAGES, a removed one fails."""
    files = {path.stem for path in FOLDER.glob("*.json")}
    assert files == {SOURCE, *LANGUAGES}


@pytest.mark.parametrize(
    "language",
    [pytest.param(language, id=language) for language in (SOURCE, *LANGUAGES)],
)
def test_file_format(language: str) -> None:
    """UTF-8 without a byte order mark, valid JSON, one final newline."""
    raw = (FOLDER / f"{language}.json").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "byte order mark"
    assert raw.endswith(b"\n"), "no newline at the end"
    assert not raw.endswith(b"\n\n"), "blank line at the end"
    _strings(language)


@pytest.mark.parametrize(
    "language", [pytest.param(language, id=language) for language in LANGUAGES]
)
def test_same_keys_as_english(source: Strings, language: str) -> None:
    """Nothing missing, nothing en.json does not have."""
    strings = _strings(language)
    missing = sorted(source.keys() - strings.keys())
    extra = sorted(strings.keys() - source.keys())
    assert not missing, f"{language}.json lacks: {missing}"
    assert not extra, f"{language}.json has keys en.json does not: {extra}"


@pytest.mark.parametrize(
    "language", [pytest.param(language, id=language) for language in LANGUAGES]
)
def test_same_placeholders_as_english(source: Strings, language: str) -> None:
    """Every string keeps each {placeholder} of its English text, adds none.

    The frontend formats flow and entity strings as ICU messages, where an
    apostrophe right before a brace starts quoted text and hides the
    placeholder ("l'{name}"), so that is refused too.
    """
    strings = _strings(language)
    wrong = {
        path: (sorted(_placeholders(text)), sorted(_placeholders(source[path])))
        for path, text in strings.items()
        if path in source and _placeholders(text) != _placeholders(source[path])
    }
    assert not wrong, f"{language}.json placeholders (has, en.json has): {wrong}"
    quoted = sorted(path for path, text in strings.items() if "'{" in text)
    assert not quoted, f"{language}.json: apostrophe before a placeholder: {quoted}"


def test_attribute_values_the_integration_writes_are_translated(
    source: Strings,
) -> None:
    """Values of the motion attributes show in the user's language, not as codes."""
    sensor = "entity.sensor.motion_source.state_attributes.reason.state"
    via = "entity.event.alarm.state_attributes.via.state"
    wanted = {f"{sensor}.{reason}" for reason in (*PushReason, REASON_CHOSEN)} | {
        f"{via}.{kind}" for kind in MotionSource
    }
    assert sorted(wanted - set(source)) == []
