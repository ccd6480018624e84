"""Input checks run before any request is sent (ranges and rules of the spec)."""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING

from .exceptions import ExcelSenseValidationError

if TYPE_CHECKING:
    from collections.abc import Collection

# Characters the spec forbids in device names, camera names and OSD text.
FORBIDDEN_CHARACTERS = frozenset("`<>%&\\\"/,';=")
_RESOLUTION = re.compile(r"^\d{2,5}\*\d{2,5}$")


def check_int(field: str, value: int, low: int, high: int) -> int:
    """Refuse an integer outside ``low..high`` (or a bool posing as one)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ExcelSenseValidationError(field, "must be a whole number")
    if not low <= value <= high:
        raise ExcelSenseValidationError(field, f"must be between {low} and {high}")
    return value


def check_choice(field: str, value: int, choices: Collection[int]) -> int:
    """Refuse a value that is not one of the documented choices."""
    if isinstance(value, bool) or value not in choices:
        allowed = ", ".join(str(choice) for choice in sorted(choices))
        raise ExcelSenseValidationError(field, f"must be one of {allowed}")
    return value


def check_text(
    field: str, value: str, *, max_length: int = 64, empty: bool = False
) -> str:
    """Refuse text with characters the device forbids, or too long/empty."""
    if not isinstance(value, str):
        raise ExcelSenseValidationError(field, "must be text")
    if not value and not empty:
        raise ExcelSenseValidationError(field, "must not be empty")
    if len(value) > max_length:
        raise ExcelSenseValidationError(
            field, f"must be at most {max_length} characters"
        )
    bad = sorted(set(value) & FORBIDDEN_CHARACTERS)
    if bad:
        raise ExcelSenseValidationError(field, f"must not contain {' '.join(bad)}")
    if any(ord(char) < 0x20 for char in value):  # noqa: PLR2004 - control characters
        raise ExcelSenseValidationError(field, "must not contain control characters")
    return value


def check_ipv4(field: str, value: str) -> str:
    """Refuse anything that is not a dotted IPv4 address."""
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        raise ExcelSenseValidationError(field, "must be an IPv4 address") from None
    return value


def check_resolution(field: str, value: str) -> str:
    """Refuse a resolution not written as WIDTH*HEIGHT."""
    if not isinstance(value, str) or not _RESOLUTION.match(value):
        raise ExcelSenseValidationError(field, "must look like 1920*1080")
    return value


def check_half_hour(field: str, value: int) -> int:
    """DST switch times are minutes from midnight in steps of 30."""
    check_int(field, value, 0, 1410)
    if value % 30:
        raise ExcelSenseValidationError(field, "must be a multiple of 30 minutes")
    return value


def check_periods(field: str, periods: Collection[tuple[int, int]]) -> None:
    """Refuse a schedule day unless it holds 1..3 ranges with start <= end."""
    if not 1 <= len(periods) <= 3:  # noqa: PLR2004 - the spec's three ranges
        raise ExcelSenseValidationError(field, "must hold one to three time ranges")
    for start, end in periods:
        check_int(field, start, 0, 86400)
        check_int(field, end, 0, 86400)
        if end < start:
            raise ExcelSenseValidationError(field, "end must not be before start")
