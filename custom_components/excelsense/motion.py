"""Motion and alarm events from the camera's alarm log.

The camera pushes nothing; its alarm log (alarmLogInfo) holds each alarm with
a start and, once it is over, an end. It is checked on its own short cadence,
one request per check, only while an entity listens (the motion binary sensor
or the alarm event), and ahead of any queued poll request.

The window asked for is in the camera's own clock (its offset to Home
Assistant's is re-read every 10 minutes), reaches back far enough to keep an
alarm that is still running in view, and ahead far enough for a clock that
runs fast. Entries are remembered by identity (and stored), so a restart or
a jump of the camera's clock never reports one twice.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util import dt as dt_util

from .api import (
    AlarmEvent,
    AlarmKind,
    ExcelSenseConnectionError,
    ExcelSenseError,
    ExcelSenseNotSupportedError,
)
from .const import ALARM_LOG_STORAGE_KEY, DOMAIN, LOGGER
from .coordinator import ExcelSenseCoordinatorBase
from .errors import error_key, placeholders
from .options import ExcelSenseOptions

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .api import ExcelSenseClient
    from .data import ExcelSenseConfigEntry, ExcelSenseStatic

STORAGE_VERSION = 1
# Entries remembered (a busy scene writes one per alarm interval).
REMEMBERED = 500
# How far back each check looks (at least), and ahead of the camera's clock.
LOOKBACK = timedelta(minutes=1)
LOOKAHEAD = timedelta(minutes=2)
# An alarm the camera never closes is given up after this.
LONGEST_ALARM = timedelta(hours=1)
# How often the camera's clock offset is read again.
CLOCK_CHECK = timedelta(minutes=10)


@dataclass(frozen=True, kw_only=True)
class AlarmLogState:
    """The alarm log as of the latest check."""

    motion: bool
    active: tuple[AlarmEvent, ...]
    new_events: tuple[AlarmEvent, ...]
    checked_at: datetime = field(compare=False)


class AlarmLogCoordinator(ExcelSenseCoordinatorBase[AlarmLogState]):
    """Checks one camera's alarm log for motion and other alarms."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ExcelSenseConfigEntry,
        client: ExcelSenseClient,
        static: ExcelSenseStatic,
    ) -> None:
        """Watch one camera's alarm log."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} alarm log {client.host}",
            update_interval=self.check_interval_of(entry),
            # Most checks find what the previous one found: the entities
            # write their state only when something changed.
            always_update=False,
        )
        self.client = client
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, ALARM_LOG_STORAGE_KEY.format(entry.entry_id)
        )
        self._reported: OrderedDict[str, None] = OrderedDict()
        self._primed = False
        self._offset = static.clock_offset
        self._offset_read = dt_util.utcnow()
        self._open: dict[str, AlarmEvent] = {}
        # New entries of the check made while the camera loads, before any
        # entity exists: handed to the alarm event once it is added.
        self._unheard: list[AlarmEvent] = []
        # False once the first check says the firmware has no alarm log.
        self.supported = True

    @staticmethod
    def check_interval_of(entry: ExcelSenseConfigEntry) -> timedelta:
        """The check interval from the options (read at each check)."""
        return ExcelSenseOptions.from_config_entry(entry).motion_check_interval

    async def async_restore(self) -> None:
        """Load what was reported before a restart; save it again on unload."""
        stored = await self._store.async_load()
        if stored is not None:
            self._reported = OrderedDict.fromkeys(
                str(key) for key in stored.get("reported", [])
            )
            self._primed = True
        self.config_entry.async_on_unload(self._save_now)

    def _memory(self) -> dict[str, Any]:
        return {"reported": list(self._reported)}

    async def _save_now(self) -> None:
        if self._primed:
            await self._store.async_save(self._memory())

    def device_now(self) -> datetime:
        """The camera's clock now (naive, device-local)."""
        return dt_util.now().replace(tzinfo=None) + self._offset

    async def _refresh_offset(self) -> None:
        try:
            device_time = await self.client.date_time()
        except ExcelSenseError as err:
            LOGGER.debug("Clock of %s not read: %s", self.client.host, err)
            return
        self._offset = device_time.value - dt_util.now().replace(tzinfo=None)

    async def _async_update_data(self) -> AlarmLogState:
        """One check: the window around the camera's now, one request."""
        interval = self.check_interval_of(self.config_entry)
        self.update_interval = interval
        if abs(dt_util.utcnow() - self._offset_read) >= CLOCK_CHECK:
            self._offset_read = dt_util.utcnow()
            await self._refresh_offset()
        now = self.device_now()
        start = now - max(LOOKBACK, 3 * interval)
        if self._open:
            oldest = min(event.start for event in self._open.values())
            start = max(min(start, oldest - timedelta(seconds=1)), now - LONGEST_ALARM)
        try:
            entries = await self.client.alarm_log(start, now + LOOKAHEAD, urgent=True)
        except ExcelSenseError as err:
            previous: AlarmLogState | None = self.data  # None before a first check
            if previous is not None and isinstance(err, ExcelSenseConnectionError):
                # The camera is offline: the main poll reports that once, and
                # the motion sensor follows its availability.
                LOGGER.debug("Alarm log of %s not read: %s", self.client.host, err)
                return previous
            if previous is None and isinstance(err, ExcelSenseNotSupportedError):
                # The firmware has no alarm log: no motion entities, and with
                # nothing listening no further check.
                LOGGER.debug("%s has no alarm log: %s", self.client.host, err)
                self.supported = False
                return AlarmLogState(
                    motion=False, active=(), new_events=(), checked_at=now
                )
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key=error_key(err),
                translation_placeholders=placeholders(err),
            ) from err
        events = [
            event
            for event in (AlarmEvent.from_entry(entry) for entry in entries)
            if event is not None
        ]
        new = [event for event in events if event.key not in self._reported]
        for event in new:
            self._remember(event)
        if new or not self._primed:
            self._store.async_delay_save(lambda: {"reported": list(self._reported)}, 5)
        if not self._primed:
            # First check ever: what is in the log already happened before.
            self._primed = True
            new = []
        self._open = {
            event.key: event
            for event in events
            if event.is_open(now) and now - event.start < LONGEST_ALARM
        }
        active = tuple(self._open.values())
        return AlarmLogState(
            # A motion alarm that began and ended between two checks still
            # turns motion on, until the next check.
            motion=any(event.kind is AlarmKind.MOTION for event in (*active, *new)),
            active=active,
            new_events=tuple(sorted(new, key=lambda event: event.start)),
            checked_at=now,
        )

    async def async_first_check(self) -> None:
        """The check made while the camera loads (motion is known at once).

        It also tells whether the firmware has an alarm log (``supported``).
        Its new entries wait for the alarm event, which does not exist yet.
        """
        await self.async_refresh()
        if self.data is not None:
            self._unheard = list(self.data.new_events)

    def take_unheard_events(self) -> list[AlarmEvent]:
        """New entries of the check made while loading (given out once)."""
        events, self._unheard = self._unheard, []
        return events

    def _remember(self, event: AlarmEvent) -> None:
        self._reported[event.key] = None
        while len(self._reported) > REMEMBERED:
            self._reported.popitem(last=False)
