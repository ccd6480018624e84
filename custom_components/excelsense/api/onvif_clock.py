"""The camera's clock as GetSystemDateAndTime gives it (ONVIF Core, tt:SystemDateTime).

"A device shall provide the UTCDateTime information although the item is
marked as optional": some firmware gives LocalDateTime only. That one is read
in the camera's time zone, TZ "in POSIX 1003.1 format" (CET-1CEST,M3.5.0,...:
hours west of Greenwich), one hour less while DaylightSavings is true and the
zone has a summer time. A zone given another way (an IANA name) is not read:
the clock is then unknown, as when no time is given.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
import re
from typing import TYPE_CHECKING

from .onvif_events import parse_bool

if TYPE_CHECKING:
    from .safexml import Node

_DATE_TIME = (
    ("Date", "Year"),
    ("Date", "Month"),
    ("Date", "Day"),
    ("Time", "Hour"),
    ("Time", "Minute"),
    ("Time", "Second"),
)
# std offset [dst [offset]] [,rule]: names of three letters or more, or <quoted>.
_NAME = r"(?:[A-Za-z]{3,}|<[A-Za-z0-9+-]{3,}>)"
_OFFSET = r"([+-]?)([0-9]{1,2})(?::([0-9]{1,2}))?(?::([0-9]{1,2}))?"
_POSIX = re.compile(rf"^{_NAME}{_OFFSET}(?:({_NAME})(?:{_OFFSET})?)?(?:,.*)?$")
_HOURS_MOST = 24  # POSIX: "hh ... between 0 and 24"
_SUMMER = timedelta(hours=1)
_SIXTY = 60


def camera_utc(clock: Node) -> datetime | None:
    """The camera's time now (UTC) from a tt:SystemDateAndTime; None if not given."""
    utc = clock.child("UTCDateTime")
    if utc is not None and (moment := date_time(utc, UTC)) is not None:
        return moment
    local = clock.child("LocalDateTime")
    zone = posix_zone(
        clock.path_text("TimeZone", "TZ") or "",
        summer=parse_bool(clock.path_text("DaylightSavings") or "") is True,
    )
    if local is None or zone is None:
        return None
    moment = date_time(local, zone)
    try:
        return None if moment is None else moment.astimezone(UTC)
    except OverflowError:  # the calendar's last day, east of Greenwich
        return None


def date_time(node: Node, zone: timezone) -> datetime | None:
    """A tt:DateTime (Date: Year, Month, Day; Time: Hour, Minute, Second)."""
    parts = [node.path_text(*path) for path in _DATE_TIME]
    # ASCII digits only (int() would read any script's).
    if not all(p and p.isascii() and p.isdigit() for p in parts):
        return None
    year, month, day, hour, minute, second = (int(p) for p in parts if p)
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=zone)
    except (ValueError, OverflowError):
        return None


def posix_zone(text: str, *, summer: bool) -> timezone | None:
    """A POSIX TZ's offset from UTC (its summer time's when ``summer``)."""
    match = _POSIX.match(text.strip())
    if match is None:
        return None
    west = _offset(*match.group(1, 2, 3, 4))
    if west is None:
        return None
    if summer and match.group(5):
        given = match.group(7) is not None
        west = _offset(*match.group(6, 7, 8, 9)) if given else west - _SUMMER
        if west is None:
            return None
    try:
        return timezone(-west)
    except ValueError:  # a whole day: POSIX allows it, Python's offsets stop short
        return None


def _offset(
    sign: str, hours: str, minutes: str | None, seconds: str | None
) -> timedelta | None:
    """Hours west of Greenwich ("-8" is east); None beyond POSIX's range."""
    h, m, s = int(hours), int(minutes or 0), int(seconds or 0)
    if h > _HOURS_MOST or m >= _SIXTY or s >= _SIXTY:
        return None
    value = timedelta(hours=h, minutes=m, seconds=s)
    return -value if sign == "-" else value
