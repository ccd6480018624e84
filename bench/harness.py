"""What the metric modules share: cameras, config entries, simulated time, tallies.

Every metric module measures with these helpers and reports with
``bench.results``; none of them reaches into another module.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta
import sys
import time
from typing import TYPE_CHECKING, cast

from homeassistant.config_entries import ConfigEntryState
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import format_mac
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.excelsense.const import DOMAIN, POLL_INTERVAL
from tests.emulator import EmulatedCamera, OnvifQuirks, RequestRecord, offset_mac
from tests.emulator.device import DEFAULT_MAC

from .farm import quiet
from .settings import MS

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant

    from custom_components.excelsense.coordinator import ExcelSenseCoordinator
    from custom_components.excelsense.data import ExcelSenseConfigEntry

    from .conftest import EmulatorFarm
    from .settings import Settings

USERNAME = "admin"
PASSWORD = "admin"  # noqa: S105 - the emulator's factory default
KIB = 1024
MIB = 1024 * 1024
HOUR = timedelta(hours=1)
# Left out before an hour is counted: the lens monitor's first sample, 10 s
# after setup (then one every 15 minutes, 4 in any hour).
WARM_UP = timedelta(minutes=1)
# The shortest cadence of a loaded camera (the motion check's default): one
# step of simulated time fires every timer due in it exactly once.
STEP = timedelta(seconds=5)
STEPS_PER_POLL = int(POLL_INTERVAL / STEP)
# A timer set one interval after a step falls due exactly on a later step;
# a microsecond more per step keeps it due despite the rounding of the
# loop's clock (some 0.2 us at today's timestamps).
_TICK = STEP + timedelta(microseconds=1)
# Exchanges with the farm in one step before it counts as stuck (a pull, a
# renewal and the next pull take three).
_SETTLE_ROUNDS = 50


def say(message: str) -> None:
    """Progress on stderr (pytest runs with -s)."""
    sys.stderr.write(f"bench: {message}\n")
    sys.stderr.flush()


def wall() -> float:
    """Real monotonic seconds, also under a frozen clock.

    freezegun replaces ``time.monotonic`` and ``time.perf_counter``; it
    leaves ``clock_gettime`` alone.
    """
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def ms(seconds: float) -> float:
    """Seconds as milliseconds, rounded for the report."""
    return round(seconds * MS, 2)


def camera(
    settings: Settings, index: int = 0, *, simulated: bool = False, onvif: bool = True
) -> EmulatedCamera:
    """Emulated camera ``index`` with the run's latency and connection limit.

    ``simulated``: its clock follows the frozen clock, and it answers at
    once (a delay would wait for simulated time, which passes only between
    steps). ``onvif`` False: a camera without ONVIF, whose motion comes
    from its alarm log.
    """
    return EmulatedCamera(
        username=USERNAME,
        password=PASSWORD,
        mac=offset_mac(DEFAULT_MAC, index),
        max_connections=settings.concurrency,
        latency=0.0 if simulated else settings.latency,
        onvif_quirks=OnvifQuirks(enabled=onvif),
        # Looked up at each call: the frozen clock's once the freezer runs.
        clock=(lambda: time.monotonic()) if simulated else time.monotonic,  # noqa: PLW0108
    )


def config_entry(port: int, index: int = 0) -> MockConfigEntry:
    """A config entry for the emulated camera on ``port``."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"Camera {index}",
        unique_id=format_mac(offset_mac(DEFAULT_MAC, index)),
        data={
            "host": "127.0.0.1",
            "port": port,
            "username": USERNAME,
            "password": PASSWORD,
            "ssl": False,
            "verify_ssl": True,
        },
    )


async def set_up(
    hass: HomeAssistant, port: int, index: int = 0
) -> ExcelSenseConfigEntry:
    """Add and set up one camera."""
    entry = config_entry(port, index)
    entry.add_to_hass(hass)
    if not await hass.config_entries.async_setup(entry.entry_id):
        msg = f"setup failed: {entry.state}"
        raise RuntimeError(msg)
    await hass.async_block_till_done()
    return cast("ExcelSenseConfigEntry", entry)


async def set_up_many(
    hass: HomeAssistant, ports: Sequence[int]
) -> list[ExcelSenseConfigEntry]:
    """Set up one camera per port at once, as at Home Assistant's start."""
    entries = [config_entry(port, index) for index, port in enumerate(ports)]
    for entry in entries:
        entry.add_to_hass(hass)
    if not await async_setup_component(hass, DOMAIN, {}):
        msg = "integration setup failed"
        raise RuntimeError(msg)
    await hass.async_block_till_done()
    return loaded(entries)


def loaded(entries: Sequence[MockConfigEntry]) -> list[ExcelSenseConfigEntry]:
    """The entries, checked to be loaded."""
    ready = [e for e in entries if e.state is ConfigEntryState.LOADED]
    if len(ready) != len(entries):
        msg = f"{len(ready)} of {len(entries)} cameras loaded"
        raise RuntimeError(msg)
    return [cast("ExcelSenseConfigEntry", e) for e in entries]


def coordinators(
    entries: Sequence[ExcelSenseConfigEntry],
) -> list[ExcelSenseCoordinator]:
    """The polling coordinator of each camera."""
    return [entry.runtime_data.coordinator for entry in entries]


async def stop_motion(entry: ExcelSenseConfigEntry) -> None:
    """Stop the camera's motion source for good: no check, no held pull.

    A held pull takes one of the client's places for up to a minute; what
    is measured without motion has it free.
    """
    await entry.runtime_data.motion.async_shutdown()


def motion_source(entry: ExcelSenseConfigEntry) -> str:
    """Where the camera's motion comes from now ("onvif", "alarm_log")."""
    data = entry.runtime_data.motion.data
    return "unknown" if data is None else str(data.source)


def entity_id(
    hass: HomeAssistant, domain: str, unique_id: str, platform: str = DOMAIN
) -> str:
    """The entity id of a registered entity."""
    found = er.async_get(hass).async_get_entity_id(domain, platform, unique_id)
    if found is None:
        msg = f"no {platform} {domain} entity with unique id {unique_id}"
        raise RuntimeError(msg)
    return found


def entity_counts(hass: HomeAssistant, entry_id: str) -> dict[str, int]:
    """Entities of one camera, and how many of them are enabled."""
    entries = er.async_entries_for_config_entry(er.async_get(hass), entry_id)
    return {
        "entities": len(entries),
        "entities_enabled": sum(1 for e in entries if e.disabled_by is None),
    }


class SimulatedTime:
    """Simulated time on the frozen clock: Home Assistant's timers fire in it.

    The event loop's clock is the frozen one, so each step (``STEP``) makes
    the loop run, by itself, every timer that became due (coordinator polls,
    motion checks, lens ticks, storage writes, the ONVIF loop's waits); the
    step ends when what they started is done. An hour costs only the work
    done in it, and nothing stands between the loop and the timers (Home
    Assistant's ``async_fire_time_changed`` patches two functions for every
    timer it runs, which would be counted as the integration's CPU).
    aiohttp's timers run on the same clock: its keep-alive (a connection
    idle for a poll interval is closed and a new one opened, as with a real
    camera) and its request timeouts.

    Held ONVIF pulls follow it too. A camera in this event loop holds a pull
    on the loop's clock (``pullpoint``: until a message or the Timeout), so
    the pull the integration holds for 60 s is answered in the step that
    reaches 60 simulated seconds, and the aiohttp timeout around it (60 s
    plus the request timeout) never runs out first. The farm's cameras run
    in their own process: with ``farm`` set (the ``farm_time`` fixture) its
    clock is held and moved by the same steps (``bench.farm``).

    A step ends only when nothing more happens at its moment: Home
    Assistant's tasks are done, the loop is quiet (nothing to run, nothing
    arrived), and the farm, when there is one, has served all it received
    and received nothing more. The ONVIF loop is a task of its own that
    nothing waits for: without this a pull answered in one step would be
    sent again in a later one, and its 60 s counted from there.

    Create it before the cameras are set up: it puts the clock at .9 of a
    second, past the fraction (at most .5) at which Home Assistant schedules
    coordinator refreshes, so each fires in the step it is due.
    """

    def __init__(self, hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
        """Drive ``hass`` with ``freezer``."""
        self.hass = hass
        self.freezer = freezer
        self.farm: EmulatorFarm | None = None
        now = dt_util.utcnow()
        aligned = now.replace(microsecond=900_000)
        freezer.move_to(aligned if aligned > now else aligned + timedelta(seconds=1))

    async def step(self, every: Callable[[], None] | None = None) -> None:
        """Let one step pass; ``every`` runs first (at the end of the last)."""
        if every is not None:
            every()
        self.freezer.tick(_TICK)
        if self.farm is not None:
            self.farm.advance(_TICK.total_seconds())
        # The first yield lets the loop queue the due timers behind this
        # task; by the second they have run.
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        await self.settle()

    async def settle(self) -> None:
        """Until nothing more happens at this moment, here and at the farm."""
        received: int | None = None
        for _ in range(_SETTLE_ROUNDS):
            await self.hass.async_block_till_done(wait_background_tasks=True)
            await quiet()
            if self.farm is None:
                # One process: a quiet loop is a quiet camera too.
                await self.hass.async_block_till_done(wait_background_tasks=True)
                return
            now = self.farm.settle()
            if now == received:
                return
            received = now
        msg = f"simulated time did not settle in {_SETTLE_ROUNDS} rounds"
        raise RuntimeError(msg)

    async def run(
        self, duration: timedelta, every: Callable[[], None] | None = None
    ) -> None:
        """Let ``duration`` pass, step by step."""
        for _ in range(int(duration / STEP)):
            await self.step(every)


POLL = "poll"
MOTION = "motion"
LENS = "lens"


def source_of(record: RequestRecord) -> str:
    """Who asked, told from what was asked.

    Stills are the lens monitor's (no camera entity is viewed in the
    bench), alarm-log reads and ONVIF requests (pulls, renewals, the ONVIF
    clock read of each subscription) the motion source's; the rest is
    polling.
    """
    if record.path == "image.cgi":
        return LENS
    if record.path.startswith("/onvif") or record.get("type") == "alarmLogInfo":
        return MOTION
    return POLL


def kind_of(record: RequestRecord) -> str:
    """The ``type`` of a CGI request, the operation of an ONVIF one, else the CGI."""
    return record.get("type") or record.get("operation") or record.path


class RequestTally:
    """Requests the cameras received, by source and kind, from their request logs.

    Counted where the camera sees them (the emulator's log), not inside the
    client: what is counted is what reached the camera.
    """

    def __init__(self, *cameras: EmulatedCamera) -> None:
        """Count requests to ``cameras`` from now on."""
        self._cameras = cameras
        self._start = [len(cam.requests) for cam in cameras]
        self._end: list[int] | None = None

    def clear(self) -> None:
        """Count from now on only."""
        self._start = [len(cam.requests) for cam in self._cameras]
        self._end = None

    def _records(self) -> Iterator[RequestRecord]:
        for index, cam in enumerate(self._cameras):
            end = None if self._end is None else self._end[index]
            yield from cam.requests[self._start[index] : end]

    @property
    def counts(self) -> Counter[tuple[str, str]]:
        """Requests by (source, kind)."""
        return Counter((source_of(r), kind_of(r)) for r in self._records())

    def of(self, source: str) -> Counter[str]:
        """Requests of one source, by kind."""
        return Counter(
            {kind: n for (src, kind), n in self.counts.items() if src == source}
        )

    def total(self, source: str) -> int:
        """Requests of one source."""
        return sum(1 for r in self._records() if source_of(r) == source)

    def times(self, kind: str) -> list[float]:
        """When each request of one kind arrived (the cameras' clocks)."""
        return [r.time for r in self._records() if kind_of(r) == kind]

    @contextmanager
    def watching(self) -> Iterator[RequestTally]:
        """Count what arrives while in the block."""
        self.clear()
        try:
            yield self
        finally:
            self._end = [len(cam.requests) for cam in self._cameras]
