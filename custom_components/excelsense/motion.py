"""Motion and alarm events: pushed over ONVIF when the camera can, else its alarm log.

One coordinator feeds the motion sensor, the alarm event and the picture of
the moment, whatever the source:

- **ONVIF events** (``push``): a held PullMessages that the camera answers
  the moment something happens. While they arrive, the alarm log is not
  checked at all.
- **The alarm log** (``alarm_log``): one small request per check, on the
  motion check interval, only while an entity listens.

The *motion source* option chooses: automatic (ONVIF when it works, the
alarm log meanwhile, ONVIF tried again with back-off), or one of the two.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CALLBACK_TYPE, callback
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util import dt as dt_util

from .alarm_log import AlarmLogReader
from .api import (
    AlarmKind,
    ExcelSenseConnectionError,
    ExcelSenseError,
    ExcelSenseNotSupportedError,
    PropertyOperation,
)
from .const import (
    DOMAIN,
    LOGGER,
    MOTION_SOURCE_ALARM_LOG,
    MOTION_SOURCE_AUTO,
    MOTION_SOURCE_ONVIF,
)
from .coordinator import ExcelSenseCoordinatorBase
from .errors import error_key, placeholders
from .options import ExcelSenseOptions
from .push import UNSUPPORTED, OnvifPush, PushStatus

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from homeassistant.core import Event, HomeAssistant

    from .api import AlarmEvent, ExcelSenseClient, OnvifEvent
    from .data import ExcelSenseConfigEntry, ExcelSenseStatic


class MotionSource(StrEnum):
    """Where motion comes from now."""

    ONVIF = "onvif"
    ALARM_LOG = "alarm_log"


# Why the alarm log is used (or ONVIF); the motion source sensor shows it.
REASON_CHOSEN = "chosen"


@dataclass(frozen=True)
class Alarm:
    """One alarm to fire as an event: motion or other, and what it carries."""

    kind: AlarmKind
    attributes: Mapping[str, object] = field(hash=False)


@dataclass(frozen=True, kw_only=True)
class MotionState:
    """Motion now, the alarms to fire, and where they come from.

    ``motion_starts`` counts the starts of motion (the picture of the moment
    is taken at each); ``motion_started_at`` is Home Assistant's time of the
    latest.
    """

    motion: bool
    new_events: tuple[Alarm, ...] = ()
    source: MotionSource
    reason: str
    motion_starts: int = 0
    motion_started_at: datetime | None = None


def log_alarm(event: AlarmEvent) -> Alarm:
    """An alarm-log entry as an alarm: its times and the camera's raw codes."""
    return Alarm(
        event.kind,
        {
            "via": MotionSource.ALARM_LOG.value,
            "start": event.start.isoformat(),
            "end": None if event.end is None else event.end.isoformat(),
            "source_type": event.source_type,
            "source_id": event.source_id,
            "major_type": event.major_type,
            "minor_type": event.minor_type,
            "description": event.description,
        },
    )


def onvif_alarm(kind: AlarmKind, event: OnvifEvent) -> Alarm:
    """An ONVIF message as an alarm: its topic, time and values."""
    return Alarm(
        kind,
        {
            "via": MotionSource.ONVIF.value,
            "topic": event.topic,
            "time": None if event.utc_time is None else event.utc_time.isoformat(),
            "operation": None if event.operation is None else str(event.operation),
            "source": dict(event.source),
            "data": dict(event.data),
        },
    )


class MotionCoordinator(ExcelSenseCoordinatorBase[MotionState]):
    """Motion and alarms of one camera, from ONVIF events or the alarm log."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ExcelSenseConfigEntry,
        client: ExcelSenseClient,
        static: ExcelSenseStatic,
    ) -> None:
        """Watch one camera for motion and alarms."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} motion {client.host}",
            update_interval=ExcelSenseOptions.from_config_entry(
                entry
            ).motion_check_interval,
            # Most checks find what the previous one found: the entities
            # write their state only when something changed.
            always_update=False,
        )
        self.client = client
        self.reader = AlarmLogReader(hass, entry.entry_id, client, static.clock_offset)
        self.push = OnvifPush(
            client.onvif, on_events=self._onvif_events, on_status=self._push_status
        )
        # False when neither source exists on this camera: no motion entities.
        self.supported = True
        self._log_supported = True
        self._onvif_motion: dict[tuple[str, tuple[tuple[str, str], ...]], bool] = {}
        self._motion = False
        self._starts = 0
        self._started_at: datetime | None = None
        # New alarms of the check made while the camera loads, before any
        # entity exists: handed to the alarm event once it is added.
        self._unheard: list[Alarm] = []
        self._stopped = False

    @property
    def options(self) -> ExcelSenseOptions:
        """The entry's options (read at use time)."""
        return ExcelSenseOptions.from_config_entry(self.config_entry)

    @property
    def source(self) -> MotionSource:
        """The source that feeds the motion state now."""
        if self.options.motion_source == MOTION_SOURCE_ALARM_LOG:
            return MotionSource.ALARM_LOG
        if self.push.status.up or self.options.motion_source == MOTION_SOURCE_ONVIF:
            return MotionSource.ONVIF
        return MotionSource.ALARM_LOG

    @property
    def reason(self) -> str:
        """Why that source: chosen in the options, or ONVIF's state."""
        mode = self.options.motion_source
        if mode == MOTION_SOURCE_ALARM_LOG:
            return REASON_CHOSEN
        return str(self.push.status.reason)

    def _state(self, new_events: tuple[Alarm, ...] = ()) -> MotionState:
        return MotionState(
            motion=self._motion,
            new_events=new_events,
            source=self.source,
            reason=self.reason,
            motion_starts=self._starts,
            motion_started_at=self._started_at,
        )

    def _set_motion(self, *, motion: bool, start: bool = True) -> bool:
        """Set the motion state; whether motion started now.

        ``start`` False: motion found on that was on before we looked (an
        ONVIF subscription's initial state) is no start.
        """
        started = motion and not self._motion and start
        if started:
            self._starts += 1
            self._started_at = dt_util.utcnow()
        self._motion = motion
        return started

    # ------------------------------------------------------------ lifecycle

    async def async_start(self) -> None:
        """Choose the source while the camera loads (motion is known at once).

        Tries ONVIF first (unless the alarm log is chosen); the alarm log's
        first check tells whether the firmware has one. The loop of pushed
        events then runs in its own task while an entity listens.
        """
        await self.reader.async_restore()
        self.config_entry.async_on_unload(self._async_stop)
        self.config_entry.async_on_unload(
            self.hass.bus.async_listen(EVENT_HOMEASSISTANT_STOP, self._stop_event)
        )
        mode = self.options.motion_source
        if mode != MOTION_SOURCE_ALARM_LOG:
            await self.push.async_try_start()
        if self.push.status.up:
            self.update_interval = None
            self.data = self._state()
        elif mode == MOTION_SOURCE_ONVIF:
            # Chosen, and not working yet: unavailable until events arrive.
            self.update_interval = None
            self.data = self._state()
            self.async_set_update_error(self._push_down())
        else:
            await self.async_refresh()
            if self.data is not None:
                self._unheard = list(self.data.new_events)
        if mode == MOTION_SOURCE_AUTO and not self.push.status.up:
            self.supported = (
                self._log_supported or self.push.status.reason not in UNSUPPORTED
            )
        elif mode == MOTION_SOURCE_ALARM_LOG:
            self.supported = self._log_supported

    async def async_entities_added(self) -> None:
        """Release the subscription made at setup if no entity wants motion."""
        if not self._listeners:
            await self.push.async_stop()

    def _start_push(self) -> None:
        # Its own task, which nothing waits for (not even Home Assistant's
        # "wait for background tasks"): a pull is held for up to a minute.
        # Unloading and stopping cancel it and release the subscription.
        self.push.start(
            lambda coro: self.hass.loop.create_task(
                coro, name=f"{DOMAIN} ONVIF events {self.client.host}"
            )
        )

    async def _async_stop(self) -> None:
        await self.push.async_stop()
        await self.reader.async_save()

    async def async_shutdown(self) -> None:
        """Stop checking the alarm log and pulling events (for good)."""
        self._stopped = True
        await super().async_shutdown()
        await self.push.async_stop()

    async def _stop_event(self, _event: Event) -> None:
        # Home Assistant stops: release the camera's subscription for good.
        self._stopped = True
        await self.push.async_stop()

    @callback
    def async_add_listener(
        self,
        update_callback: CALLBACK_TYPE,
        context: Any = None,  # noqa: ANN401
    ) -> CALLBACK_TYPE:
        """Listen; pushed events flow only while some entity listens."""
        remove = super().async_add_listener(update_callback, context)
        if (
            self.supported
            and not self._stopped
            and self.options.motion_source != MOTION_SOURCE_ALARM_LOG
            and not self.push.running
        ):
            self._start_push()

        @callback
        def remove_listener() -> None:
            remove()
            if not self._listeners and self.push.running:
                self.config_entry.async_create_background_task(
                    self.hass, self.push.async_stop(), f"{DOMAIN} ONVIF release"
                )

        return remove_listener

    def take_unheard_events(self) -> list[Alarm]:
        """New alarms of the check made while loading (given out once)."""
        events, self._unheard = self._unheard, []
        return events

    # ------------------------------------------------------------ ONVIF

    @staticmethod
    def _push_down() -> UpdateFailed:
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="motion_events_unavailable",
        )

    @callback
    def _push_status(self, status: PushStatus) -> None:
        """ONVIF events started or stopped arriving."""
        if status.up:
            if not self.last_update_success:
                # Its going down was logged (as the coordinator's error).
                LOGGER.info("Motion events of %s arrive again", self.client.host)
            # The alarm log is not checked while events are pushed.
            self.update_interval = None
            self.reader.pause()
            self.async_set_updated_data(self._state())
            return
        self._onvif_motion.clear()
        if self.options.motion_source == MOTION_SOURCE_ONVIF:
            self._set_motion(motion=False)
            self.async_set_update_error(self._push_down())
            self.async_update_listeners()  # the reason may have changed
            return
        # Automatic: the alarm log takes over until ONVIF works again.
        paused = self.update_interval is None
        self.update_interval = self.options.motion_check_interval
        if self.data is not None:
            self.async_set_updated_data(self._state())
        if paused:
            self.config_entry.async_create_background_task(
                self.hass, self.async_refresh(), f"{DOMAIN} alarm log takes over"
            )

    @callback
    def _onvif_events(self, events: list[OnvifEvent]) -> None:
        """Messages of one pull: motion states, and alarms to fire."""
        alarms: list[Alarm] = []
        for event in events:
            key = (event.topic, tuple(sorted(event.source.items())))
            if event.is_motion_topic and event.operation is PropertyOperation.DELETED:
                # The rule or its source is gone, and its motion with it
                # (whatever last value the message repeats).
                self._onvif_motion.pop(key, None)
                self._set_motion(motion=any(self._onvif_motion.values()))
                continue
            motion = event.motion
            if motion is None and event.is_motion_topic:
                continue  # a value we cannot read
            if motion is None:
                # A property's first report is its state, not an alarm.
                if event.operation is not PropertyOperation.INITIALIZED:
                    alarms.append(onvif_alarm(AlarmKind.OTHER, event))
                continue
            self._onvif_motion[key] = motion
            if not motion:
                self._end_unnamed(key)
            if self._set_motion(
                motion=any(self._onvif_motion.values()),
                start=event.operation is not PropertyOperation.INITIALIZED,
            ):
                alarms.append(onvif_alarm(AlarmKind.MOTION, event))
        self.async_set_updated_data(self._state(tuple(alarms)))

    def _end_unnamed(self, key: tuple[str, tuple[tuple[str, str], ...]]) -> None:
        """Motion ended: also where the start or the end named no source.

        Firmware may name the source in one message and leave it out in the
        next (the state at subscribing, then its change): an end without a
        source ends the topic's motion, and any end ends the one without.
        """
        topic, source = key
        for other in self._onvif_motion:
            if other[0] == topic and not (source and other[1]):
                self._onvif_motion[other] = False

    # ------------------------------------------------------------ the alarm log

    async def _async_update_data(self) -> MotionState:
        """One check of the alarm log (none while ONVIF events arrive)."""
        if self.source is MotionSource.ONVIF:
            if not self.push.status.up:
                # ONVIF chosen and not working: nothing to show yet.
                raise self._push_down()
            return self._state()
        interval = self.options.motion_check_interval
        self.update_interval = interval
        try:
            check = await self.reader.check(interval)
        except ExcelSenseError as err:
            previous: MotionState | None = self.data  # None before a first check
            if previous is not None and isinstance(err, ExcelSenseConnectionError):
                # The camera is offline: the main poll reports that once, and
                # the motion sensor follows its availability.
                LOGGER.debug("Alarm log of %s not read: %s", self.client.host, err)
                return previous
            if previous is None and isinstance(err, ExcelSenseNotSupportedError):
                # The firmware has no alarm log: with nothing listening no
                # further check.
                LOGGER.debug("%s has no alarm log: %s", self.client.host, err)
                self._log_supported = False
                return self._state()
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key=error_key(err),
                translation_placeholders=placeholders(err),
            ) from err
        self._set_motion(motion=check.motion)
        return self._state(tuple(log_alarm(event) for event in check.new_events))
