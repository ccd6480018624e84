"""The camera's alarm log as a motion source: one small request per check.

The log (alarmLogInfo) holds each alarm with a start and, once it is over,
an end. A check asks for a window in the camera's own clock (its offset to
Home Assistant's is re-read every 10 minutes) that reaches back far enough
to keep an alarm that is still running in view, and a day ahead. Nothing is
logged ahead of the camera's clock, so an entry found there says the clock
jumped: forward (the entry is new), or back (it was written before); the
clock is read again at once, and what is still ahead of it is history.
Entries are remembered by identity (and stored), so a restart or a jump of
the camera's clock never reports one twice.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .api import MAX_LOOP_ENTRIES, AlarmEvent, AlarmKind, ExcelSenseError
from .const import ALARM_LOG_STORAGE_KEY, LOGGER

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .api import ExcelSenseClient, LogEntry

STORAGE_VERSION = 1
# Entries remembered (a busy scene writes one per alarm interval).
REMEMBERED = 500
# How far back each check looks (at least), and ahead of the camera's clock.
LOOKBACK = timedelta(minutes=1)
LOOKAHEAD = timedelta(days=1)
# An entry this far ahead of the camera's clock as last read means it jumped
# (less is a clock that runs a little fast).
FAST_CLOCK = timedelta(minutes=2)
# An alarm the camera never closes is given up after this.
LONGEST_ALARM = timedelta(hours=1)
# How often the camera's clock offset is read again.
CLOCK_CHECK = timedelta(minutes=10)
SECOND = timedelta(seconds=1)


@dataclass(frozen=True, kw_only=True)
class LogCheck:
    """What one check found."""

    motion: bool
    active: tuple[AlarmEvent, ...]
    new_events: tuple[AlarmEvent, ...]


class AlarmLogReader:
    """Checks one camera's alarm log and remembers what it reported."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry_id: str,
        client: ExcelSenseClient,
        clock_offset: timedelta,
    ) -> None:
        """Read the log of one camera; ``clock_offset``: its clock minus ours."""
        self.client = client
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, ALARM_LOG_STORAGE_KEY.format(entry_id)
        )
        self._reported: OrderedDict[str, None] = OrderedDict()
        self._primed = False
        # The next check only learns what is there (after a time unchecked).
        self._quiet = False
        self._offset = clock_offset
        self._offset_read = dt_util.utcnow()
        self._open: dict[str, AlarmEvent] = {}
        # Entries found ahead of the camera's clock at the last check.
        self._ahead: set[str] = set()

    async def async_restore(self) -> None:
        """Load what was reported before a restart."""
        stored = await self._store.async_load()
        if stored is not None:
            self._reported = OrderedDict.fromkeys(
                str(key) for key in stored.get("reported", [])
            )
            self._primed = True

    async def async_save(self) -> None:
        """Store what was reported (at unload)."""
        if self._primed:
            await self._store.async_save(self._memory())

    def _memory(self) -> dict[str, Any]:
        return {"reported": list(self._reported)}

    def pause(self) -> None:
        """Checks stop for a while (another source reports motion meanwhile).

        The first check after the pause reports nothing it finds: those
        alarms were reported by the other source, or are history.
        """
        self._quiet = True
        self._open.clear()
        # The camera's clock may have jumped meanwhile: read it first.
        self._offset_read = dt_util.utcnow() - CLOCK_CHECK

    def device_now(self) -> datetime:
        """The camera's clock now (naive, device-local)."""
        return dt_util.now().replace(tzinfo=None) + self._offset

    async def _refresh_offset(self) -> None:
        self._offset_read = dt_util.utcnow()
        try:
            device_time = await self.client.date_time()
        except ExcelSenseError as err:
            LOGGER.debug("Clock of %s not read: %s", self.client.host, err)
            return
        self._offset = device_time.value - dt_util.now().replace(tzinfo=None)

    async def check(self, interval: timedelta) -> LogCheck:
        """One check: the window around the camera's now, one request.

        More when the reply held as many entries as a reply is read to and
        the window reached back for an open alarm: the recent part is asked
        for on its own, so new alarms are never among those cut off, and an
        open alarm the reply left out is asked for at its own start (the
        document gives the log no order: cut off is not ended).

        Raises the client's error when the log cannot be read.
        """
        if abs(dt_util.utcnow() - self._offset_read) >= CLOCK_CHECK:
            await self._refresh_offset()
        now = self.device_now()
        recent = now - max(LOOKBACK, 3 * interval)
        start = recent
        if self._open:
            oldest = min(event.start for event in self._open.values())
            start = max(min(start, oldest - timedelta(seconds=1)), now - LONGEST_ALARM)
        entries = await self.client.alarm_log(start, now + LOOKAHEAD, urgent=True)
        if len(entries) >= MAX_LOOP_ENTRIES and start < recent:
            # More than a reply is read to (a busy scene while an alarm stays
            # open): the recent part, where new alarms are, on its own too.
            entries += await self.client.alarm_log(recent, now + LOOKAHEAD, urgent=True)
            entries += await self._cut_off(entries)
        events = list(
            {
                event.key: event
                for event in (AlarmEvent.from_entry(entry) for entry in entries)
                if event is not None
            }.values()
        )
        ahead = {event.key for event in events if event.start > now + FAST_CLOCK}
        if ahead - self._ahead:
            # Logged ahead of the camera's clock: it jumped. Read it again.
            await self._refresh_offset()
            now = self.device_now()
        # What is still ahead was logged before the clock was set back.
        self._ahead = {event.key for event in events if event.start > now + FAST_CLOCK}
        new = [event for event in events if event.key not in self._reported]
        for event in new:
            self._remember(event)
        new = [event for event in new if event.key not in self._ahead]
        if new or not self._primed:
            self._store.async_delay_save(self._memory, 5)
        if not self._primed or self._quiet:
            # First check ever, or after a pause: what is there happened before.
            self._primed = True
            self._quiet = False
            new = []
        self._open = {
            event.key: event
            for event in events
            if event.is_open(now)
            and now - event.start < LONGEST_ALARM
            and event.key not in self._ahead
        }
        active = tuple(self._open.values())
        return LogCheck(
            # A motion alarm that began and ended between two checks still
            # turns motion on, until the next check.
            motion=any(event.kind is AlarmKind.MOTION for event in (*active, *new)),
            active=active,
            new_events=tuple(sorted(new, key=lambda event: event.start)),
        )

    async def _cut_off(self, entries: list[LogEntry]) -> list[LogEntry]:
        """The open alarms a cut reply left out, each read at its start."""
        seen = {event.key for event in map(AlarmEvent.from_entry, entries) if event}
        found: list[LogEntry] = []
        open_alarms = self._open.values()
        for moment in sorted({e.start for e in open_alarms if e.key not in seen}):
            # A second wide: whether or not the camera counts the end in.
            found += await self.client.alarm_log(moment, moment + SECOND, urgent=True)
        return found

    def _remember(self, event: AlarmEvent) -> None:
        self._reported[event.key] = None
        while len(self._reported) > REMEMBERED:
            self._reported.popitem(last=False)
