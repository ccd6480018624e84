"""What every endpoint area of the client shares.

The client is one object (``client.ExcelSenseClient``) whose endpoints come
from one class per CGI area (device, clock, media, storage, alarms, logs).
Each area reaches the camera only through the transport the client holds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import kv
from .exceptions import ExcelSenseResponseError
from .models import AlarmLinkage, LinkageAction, ScheduleDay
from .reader import parse_number
from .validation import (
    check_choice,
    check_int,
    check_periods,
    invalid,
    nothing_to_change,
)

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable, Sequence

    from yarl import URL

    from .transport import Expect, Transport


class Area:
    """An endpoint area: requests go through the client's transport."""

    _transport: Transport

    @property
    def host(self) -> str:
        """The camera's host name or address."""
        return self._transport.host

    @property
    def port(self) -> int:
        """The camera's web port."""
        return self._transport.port

    @property
    def username(self) -> str:
        """The account the client logs in with."""
        return self._transport.username

    @property
    def password(self) -> str:
        """The account's password (never logged or shown)."""
        return self._transport.password

    @property
    def request_timeout(self) -> float:
        """Seconds one request may take."""
        return self._transport.request_timeout

    @property
    def base_url(self) -> URL:
        """The camera's base URL (no credentials)."""
        return self._transport.base_url

    async def _request(
        self,
        cgi: str,
        params: Sequence[kv.Pair],
        expect: Expect = "kv",
        *,
        slot: asyncio.Semaphore | None = None,
        method: str = "GET",
    ) -> bytes:
        return await self._transport.request(
            cgi, params, expect, slot=slot, method=method
        )

    async def _get(
        self, cgi: str, kind: str, *extra: kv.Pair, urgent: bool = False
    ) -> kv.KVBlock:
        return await self._transport.get(cgi, kind, *extra, urgent=urgent)

    async def _set(self, cgi: str, kind: str, params: Sequence[kv.Pair]) -> None:
        await self._transport.set(cgi, kind, params)


def integer(block: kv.KVBlock, what: str, key: str) -> int:
    """A required whole number of a reply (a missing or odd one is a bad reply)."""
    value = block.get(key)
    if not value:
        msg = f"Malformed {what} reply: {key} missing"
        raise ExcelSenseResponseError(None, msg)
    number = parse_number(value)
    if number is None or not number.is_integer():
        msg = f"Malformed {what} reply: {key} is not a whole number"
        raise ExcelSenseResponseError(None, msg)
    return int(number)


class Changes:
    """A partial set: its selectors, then only the fields and loops given.

    A set that would carry nothing but its selectors is refused before
    anything is sent.
    """

    def __init__(self, what: str, **selectors: object) -> None:
        """Start a set of ``what`` (for the refusal) with its selectors."""
        self._what = what
        self._selectors = len(selectors)
        self._params: dict[str, object] = dict(selectors)
        self._loops: dict[str, list[kv.KVBlock]] = {}

    def field[T](
        self, key: str, value: T | None, check: Callable[[T], object] | None = None
    ) -> None:
        """Send ``key`` when ``value`` is given, after ``check`` accepts it."""
        if value is not None:
            self._params[key] = value if check is None else check(value)

    def loop(self, action: str, name: str, blocks: list[kv.KVBlock] | None) -> None:
        """Replace the device's loop ``name`` when given (``action``=cover)."""
        if blocks is not None:
            self._params[action] = "cover"
            self._loops[name] = blocks

    def encoded(self) -> list[kv.Pair]:
        """The query pairs (refused when nothing would change)."""
        if len(self._params) == self._selectors:
            raise nothing_to_change(self._what)
        return kv.serialize(self._params, self._loops)


def schedule_blocks(
    schedule: Sequence[ScheduleDay], *, ordered: bool
) -> list[kv.KVBlock]:
    """A week schedule's loop entries, checked ("weekDayCount ... (max 7)")."""
    if len(schedule) > 7:  # noqa: PLR2004 - "weekDayCount ... (max 7)"
        raise invalid("schedule", "at most seven days")
    for day in schedule:
        _check_readable(day)
        check_int("weekday", day.weekday, 0, 6)
        check_periods("schedule", day.periods, ordered=ordered)
    return [day.to_block() for day in schedule]


def _check_readable(day: ScheduleDay) -> None:
    """Refuse to send back a day whose times the reply did not let us read.

    Sent without them (the loop is sent with scheduleTimeAction=cover), the
    camera would lose that day's schedule.
    """
    if day.unread:
        msg = (
            f"Malformed schedule reply: weekDay {day.weekday} has times that "
            f"cannot be read ({', '.join(day.unread)}); not sent back, so the "
            "camera's schedule is kept"
        )
        raise ExcelSenseResponseError(None, msg)


def linkage_blocks(linkages: Sequence[AlarmLinkage]) -> list[kv.KVBlock]:
    """Alarm linkage loop entries, checked.

    Only a linkage the caller adds must be of a type the document lists
    ("`1`: Alarm Trigger (Self-Clean) `4`: Record"); one read from the camera
    goes back as it came, whatever its type (the list has a gap: firmware
    and its web interface may know others).
    """
    for link in linkages:
        if link.reported:
            check_int("action_type", link.action_type, 0)
        else:
            check_choice("action_type", link.action_type, list(LinkageAction))
        # "ActionID ... meaning depends on ActionType": the camera decides.
        check_int("action_id", link.action_id)
    return [link.to_block() for link in linkages]
