"""Input checks run before any request is sent.

Each check states the document's rule it applies. Where the document gives no
range, only the type is checked and the camera decides (it answers -23).
"""

from __future__ import annotations

import ipaddress
import math
import re
from typing import TYPE_CHECKING
import unicodedata

from .exceptions import ExcelSenseValidationError

if TYPE_CHECKING:
    from collections.abc import Collection

# "Disallows: ` < > % & \\ " / , ' ; =" - stated for deviceName and for the
# OSD text watermark's info, and for nothing else.
FORBIDDEN_CHARACTERS = frozenset("`<>%&\\\"/,';=")
_RESOLUTION = re.compile(r"^\d{1,5}\*\d{1,5}$")
# Unicode categories that would break the camera's line-based replies:
# controls (C0, DEL, C1) and the line and paragraph separators.
_LINE_BREAKING = frozenset({"Cc", "Zl", "Zp"})


def check_int(
    field: str, value: int, low: int | None = None, high: int | None = None
) -> int:
    """Refuse a non-integer, or one outside the document's ``low..high``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ExcelSenseValidationError(
            field, "must be a whole number", reason="whole_number"
        )
    _check_bounds(field, value, low, high)
    return value


def _check_bounds(
    field: str, value: float, low: float | None, high: float | None
) -> None:
    """Refuse a value outside ``low..high`` (either bound may be absent)."""
    bounds = {"low": str(low), "high": str(high)}
    if (low is not None and value < low) or (high is not None and value > high):
        if high is None:
            raise ExcelSenseValidationError(
                field, f"must be at least {low}", reason="minimum", details=bounds
            )
        if low is None:
            raise ExcelSenseValidationError(
                field, f"must be at most {high}", reason="maximum", details=bounds
            )
        raise ExcelSenseValidationError(
            field,
            f"must be between {low} and {high}",
            reason="range",
            details=bounds,
        )


def check_number(
    field: str, value: float, low: float | None = None, high: float | None = None
) -> float:
    """Refuse a non-number, an infinite one, or one outside ``low..high``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ExcelSenseValidationError(field, "must be a number")
    if not math.isfinite(value):
        raise ExcelSenseValidationError(field, "must be a finite number")
    _check_bounds(field, value, low, high)
    return float(value)


def check_choice(field: str, value: int, choices: Collection[int]) -> int:
    """Refuse a value that is not one of the documented choices."""
    if isinstance(value, bool) or value not in choices:
        allowed = ", ".join(str(choice) for choice in sorted(choices))
        raise ExcelSenseValidationError(field, f"must be one of {allowed}")
    return value


def check_text(field: str, value: str, *, empty: bool = True) -> str:
    """Refuse what is not text, or text that would break the reply format.

    No length limit: the document states none, so the camera decides.
    """
    if not isinstance(value, str):
        raise ExcelSenseValidationError(field, "must be text")
    if not value and not empty:
        raise ExcelSenseValidationError(field, "must not be empty", reason="empty")
    if any(unicodedata.category(char) in _LINE_BREAKING for char in value):
        raise ExcelSenseValidationError(
            field,
            "must not contain control characters or line breaks",
            reason="line_break",
        )
    return value


def check_name_text(field: str, value: str, *, empty: bool = True) -> str:
    """Text under the document's forbidden-character rule (names, OSD text)."""
    check_text(field, value, empty=empty)
    bad = " ".join(sorted(set(value) & FORBIDDEN_CHARACTERS))
    if bad:
        raise ExcelSenseValidationError(
            field,
            f"must not contain {bad}",
            reason="forbidden",
            details={"characters": bad},
        )
    return value


def check_ipv4(field: str, value: str, *, empty: bool = False) -> str:
    """Refuse anything that is not a dotted IPv4 address (or "" to clear)."""
    if empty and value == "":
        return value
    try:
        ipaddress.IPv4Address(value)
    except (ValueError, TypeError):
        raise ExcelSenseValidationError(field, "must be an IPv4 address") from None
    return value


def check_resolution(field: str, value: str) -> str:
    """Refuse a resolution not written as WIDTH*HEIGHT (``1920*1080``)."""
    if not isinstance(value, str) or not _RESOLUTION.match(value):
        raise ExcelSenseValidationError(field, "must look like 1920*1080")
    return value


def check_half_hour(field: str, value: int) -> int:
    """DST switch times: "minutes from 00:00 (must be a multiple of 30)"."""
    check_int(field, value, 0, 1439)
    if value % 30:
        raise ExcelSenseValidationError(field, "must be a multiple of 30 minutes")
    return value


def check_periods(
    field: str, periods: Collection[tuple[int, int]], *, ordered: bool
) -> None:
    """A schedule day: up to three ranges ("startTime(1..3)"), 0-86400 s each.

    ``ordered``: the motion schedule's "endTime ... Must be >= start time"
    (the document states it for that schedule only).
    """
    if len(periods) > 3:  # noqa: PLR2004 - "startTime(1..3)"
        raise ExcelSenseValidationError(field, "must hold at most three time ranges")
    for start, end in periods:
        check_int(field, start, 0, 86400)
        check_int(field, end, 0, 86400)
        if ordered and end < start:
            raise ExcelSenseValidationError(field, "end must not be before start")


def invalid(
    field: str, message: str, reason: str = "invalid"
) -> ExcelSenseValidationError:
    """The error for input refused before sending."""
    return ExcelSenseValidationError(field, message, reason=reason)


def nothing_to_change(field: str) -> ExcelSenseValidationError:
    """The error for a set request that would carry no setting."""
    return invalid(field, "nothing to change")
