"""Event-loop CPU per camera-hour with motion on, against the old polling.

``settings.cameras`` emulated cameras (in their own process, so their CPU is
not ours) with the default entities, over a simulated hour each way, both
in the same run, after a minute's warm-up:

- **motion on**: the integration as it runs, groups on their cadences and
  motion pushed over the cameras' ONVIF events (a pull held 60 s at a time,
  renewed every few minutes);
- **old pattern** (the reference): the same cameras, motion stopped, every
  group of the default entities read at every 30 s poll, as polling worked
  before its tiers.

CPU is the event-loop thread's (user and system) over the hour; the lens
measure runs in the executor and is not in it. The frozen clock moves in
steps of 5 s in both ways and the event loop runs the timers itself; the
farm's clock moves with it (``farm_time``), so its cameras hold each pull
60 simulated seconds, as they would in real time. Waiting for the farm
costs the event loop no CPU (a blocking read of a pipe).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
import time
from typing import TYPE_CHECKING, Any

from homeassistant.helpers.aiohttp_client import async_get_clientsession

from tests.emulator import RequestRecord

from .harness import (
    HOUR,
    MOTION,
    WARM_UP,
    coordinators,
    kind_of,
    motion_source,
    ms,
    say,
    set_up_many,
    source_of,
    stop_motion,
    wall,
)
from .results import Metric, record_all

if TYPE_CHECKING:
    from collections.abc import Callable

    from homeassistant.core import HomeAssistant

    from custom_components.excelsense.data import ExcelSenseConfigEntry

    from .conftest import EmulatorFarm
    from .harness import SimulatedTime
    from .settings import Settings


@dataclass(frozen=True)
class Hour:
    """What one simulated hour of every camera cost."""

    loop_cpu_s: float
    wall_s: float
    emulator_cpu_s: float | None
    requests: int
    motion_requests: dict[str, int]


@dataclass(frozen=True)
class Measured:
    """Both ways, for ``cameras`` cameras."""

    cameras: int
    motion_on: Hour
    old_pattern: Hour
    # The steps alone, before any camera is set up (in both hours above).
    steps_cpu_s: float


async def _hour(
    hass: HomeAssistant,
    clock: SimulatedTime,
    farm: EmulatorFarm,
    entries: list[ExcelSenseConfigEntry],
    every: Callable[[], None] | None = None,
) -> Hour:
    session = async_get_clientsession(hass)
    logged = [int((await farm.state(session, port))["requests"]) for port in farm.ports]
    emulator = farm.cpu_seconds()
    cpu, started = time.thread_time(), wall()
    await clock.run(HOUR, every)
    cpu, elapsed = time.thread_time() - cpu, wall() - started
    after = farm.cpu_seconds()
    motion: Counter[str] = Counter()
    requests = 0
    for port, since in zip(farm.ports, logged, strict=True):
        log = await farm.request_log(session, port, since)
        requests += len(log)
        motion.update(
            kind_of(record)
            for record in map(_record, log)
            if source_of(record) == MOTION
        )
    failed = [
        entry.title
        for entry in entries
        if not entry.runtime_data.coordinator.last_update_success
    ]
    if failed:
        msg = f"polling failed during the hour: {', '.join(failed)}"
        raise RuntimeError(msg)
    return Hour(
        loop_cpu_s=cpu,
        wall_s=elapsed,
        emulator_cpu_s=None if emulator is None or after is None else after - emulator,
        requests=requests,
        motion_requests=dict(sorted(motion.items())),
    )


def _record(logged: dict[str, Any]) -> RequestRecord:
    """A farm camera's log line as the record the tally reads."""
    params = tuple((str(k), str(v)) for k, v in logged["params"])
    return RequestRecord(time=0.0, path=logged["path"], params=params)


async def measure(
    hass: HomeAssistant, clock: SimulatedTime, farm: EmulatorFarm
) -> Measured:
    """One simulated hour with motion pushed, then one of the old pattern."""
    count = len(farm.ports)
    cpu = time.thread_time()
    await clock.run(HOUR)
    steps = time.thread_time() - cpu
    entries = await set_up_many(hass, farm.ports)
    await clock.run(WARM_UP)
    _check_onvif(entries)
    say(f"{count} cameras: a simulated hour with motion over ONVIF events")
    motion_on = await _hour(hass, clock, farm, entries)
    _check_onvif(entries)
    say(f"{count} cameras: a simulated hour of the old pattern (reference)")
    for entry in entries:
        await stop_motion(entry)
    polled = coordinators(entries)

    def every_group() -> None:
        for coordinator in polled:
            coordinator.mark_stale()

    old = await _hour(hass, clock, farm, entries, every_group)
    for entry in entries:
        await hass.config_entries.async_unload(entry.entry_id)
    return Measured(
        cameras=count, motion_on=motion_on, old_pattern=old, steps_cpu_s=steps
    )


def _check_onvif(entries: list[ExcelSenseConfigEntry]) -> None:
    """Every camera's motion comes over ONVIF events (else the hour is wrong)."""
    sources = Counter(motion_source(entry) for entry in entries)
    if sources != {"onvif": len(entries)}:
        msg = f"motion sources {dict(sources)}, not ONVIF events on every camera"
        raise RuntimeError(msg)


def _per_camera(hour: Hour, cameras: int) -> dict[str, Any]:
    return {
        "loop_cpu_ms": ms(hour.loop_cpu_s / cameras),
        "requests": round(hour.requests / cameras, 1),
        "motion_requests": {
            kind: round(n / cameras, 1) for kind, n in hour.motion_requests.items()
        },
        "loop_cpu_ms_per_request": ms(hour.loop_cpu_s / hour.requests),
        "emulator_cpu_ms": None
        if hour.emulator_cpu_s is None
        else ms(hour.emulator_cpu_s / cameras),
        "wall_s_all_cameras": round(hour.wall_s, 1),
    }


def report(measured: Measured) -> list[Metric]:
    """CPU per camera-hour with motion on, and its ratio to the old pattern."""
    count = measured.cameras
    on = measured.motion_on.loop_cpu_s / count
    old = measured.old_pattern.loop_cpu_s / count
    details = {
        "cameras": count,
        "motion_on": _per_camera(measured.motion_on, count),
        "old_pattern": _per_camera(measured.old_pattern, count),
        # Included in both: the steps of simulated time and their exchanges
        # with the farm, for an hour without a camera (all cameras).
        "simulated_time_ms": ms(measured.steps_cpu_s),
    }
    return [
        Metric(
            key="loop_cpu_per_camera_hour",
            name=f"Event-loop CPU per camera-hour, ONVIF motion ({count} cameras, ms)",
            value=ms(on),
            unit="ms",
            details=details,
        ),
        Metric(
            key="loop_cpu_hour_vs_old_pattern",
            name="CPU per camera-hour, ONVIF motion / old 30 s polling without motion",
            value=round(on / old, 3),
            limit=1.0,
            details={"motion_on_ms": ms(on), "old_pattern_ms": ms(old)},
        ),
    ]


async def test_cpu_per_camera_hour(
    hass: HomeAssistant,
    socket_enabled: None,
    farm_time: SimulatedTime,
    settings: Settings,
    emulator_farm: EmulatorFarm,
) -> None:
    """Event-loop CPU per camera-hour with motion over ONVIF events."""
    measured = await measure(hass, farm_time, emulator_farm)
    record_all(settings.results, report(measured))
