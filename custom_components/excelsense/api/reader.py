"""Typed values of a reply block: numbers as a camera writes them, flags, texts.

A key the reply leaves out may take its default; a value that is there but
cannot be read makes the reply malformed (``ExcelSenseResponseError``).
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from .exceptions import ExcelSenseResponseError

if TYPE_CHECKING:
    from .kv import KVBlock


class Reader:
    """Typed access to a reply block; a missing required key means a bad reply."""

    def __init__(self, block: KVBlock, what: str) -> None:
        """Read ``block``, a reply of ``what`` (named in errors)."""
        self.block = block
        self.what = what

    def _malformed(self, key: str, problem: str) -> ExcelSenseResponseError:
        return ExcelSenseResponseError(
            None, f"Malformed {self.what} reply: {key} {problem}"
        )

    def text(self, key: str, default: str | None = None) -> str:
        """A text value."""
        value = self.block.get(key)
        if value is None:
            if default is None:
                raise self._malformed(key, "missing")
            return default
        return value

    # A key the reply leaves out may take its default; a value that is there
    # but cannot be read (empty, another script's digits, a word) makes the
    # reply malformed: its entities are unavailable, never shown a default.

    def _value(self, key: str, default: object) -> str | None:
        """The value; None when the key is absent and a default is allowed."""
        value = self.block.get(key)
        if value is None and default is None:
            raise self._malformed(key, "missing")
        return value

    def integer(self, key: str, default: int | None = None) -> int:
        """A whole number (1.0 and 1e2 too, as numbers a camera writes)."""
        value = self._value(key, default)
        if value is None:
            return default  # type: ignore[return-value]  # checked by _value
        if value.isascii() and value.isdigit() and len(value) < _PLAIN_DIGITS:
            return int(value)  # the common case, without a float on the way
        number = parse_number(value)
        if number is None or not number.is_integer():
            raise self._malformed(key, "is not a whole number")
        return int(number)

    def number(self, key: str, default: float | None = None) -> float:
        """A finite number."""
        value = self._value(key, default)
        if value is None:
            return default  # type: ignore[return-value]  # checked by _value
        number = parse_number(value)
        if number is None:
            raise self._malformed(key, "is not a number")
        return number

    def flag(self, key: str, *, default: bool | None = None) -> bool:
        """A 1/0 flag; ``true``/``false`` as the vendor's own tools write them."""
        value = self._value(key, default)
        if value is None:
            return default  # type: ignore[return-value]  # checked by _value
        text = value.strip().casefold()
        if text in _TRUE_WORDS:
            return True
        if text in _FALSE_WORDS:
            return False
        number = parse_number(text)
        if number is None:
            raise self._malformed(key, "is not a flag")
        return number != 0

    def optional_int(self, key: str) -> int | None:
        """A whole number the camera may leave out or empty (None then)."""
        value = self.block.get(key)
        return None if value in (None, "") else self.integer(key)

    def informative_int(self, key: str, default: int) -> int:
        """A number nothing is built on (shown in diagnostics only): lenient."""
        value = self.block.get(key)
        number = None if value is None else parse_number(value)
        if number is None or not number.is_integer():
            return default
        return int(number)


# The vendor's change_timeout.py writes IOAlarm booleans as true/false.
_TRUE_WORDS = frozenset({"true", "on", "yes"})
_FALSE_WORDS = frozenset({"false", "off", "no"})
# Beyond what any field of the device means; keeps int() and float() finite.
_NUMBER_LIMIT = 2.0**53


# ASCII digits only: Python's float() and int() also read other scripts'
# digits (full-width, Arabic-Indic), underscores, "nan" and "inf", none of
# which a camera means.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


# Plain digits shorter than this stay under _NUMBER_LIMIT.
_PLAIN_DIGITS = 16


def parse_number(text: str) -> float | None:
    """A finite number from a reply value (ASCII digits), or None."""
    if text.isascii() and text.isdigit() and len(text) < _PLAIN_DIGITS:
        return float(text)  # the common case
    text = text.strip()
    if not _NUMBER.fullmatch(text):
        return None
    number = float(text)
    if not math.isfinite(number) or abs(number) > _NUMBER_LIMIT:
        return None
    return number
