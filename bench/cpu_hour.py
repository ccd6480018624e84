"""Event-loop CPU per camera-hour with the motion check on, against the old polling.

``settings.cameras`` emulated cameras (in their own process, so their CPU is
not ours) with the default entities, over a simulated hour each way, both
in the same run, after a minute's warm-up:

- **motion on**: the integration as it runs, groups on their cadences and
  the motion check every 5 s;
- **old pattern** (the reference): the same cameras, the motion checks
  stopped, every group of the default entities read at every 30 s poll,
  as polling worked before its tiers.

CPU is the event-loop thread's (user and system) over the hour; the lens
measure runs in the executor and is not in it. The frozen clock moves in
steps of 5 s in both ways and the event loop runs the timers itself.
"""

from __future__ import annotations

from dataclasses import dataclass
import time
from typing import TYPE_CHECKING

from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .harness import HOUR, WARM_UP, coordinators, ms, say, set_up_many, wall
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


@dataclass(frozen=True)
class Measured:
    """Both ways, for ``cameras`` cameras."""

    cameras: int
    motion_on: Hour
    old_pattern: Hour


async def _hour(
    hass: HomeAssistant,
    clock: SimulatedTime,
    farm: EmulatorFarm,
    entries: list[ExcelSenseConfigEntry],
    every: Callable[[], None] | None = None,
) -> Hour:
    session = async_get_clientsession(hass)
    served = await farm.requests_served(session)
    emulator = farm.cpu_seconds()
    cpu, started = time.thread_time(), wall()
    await clock.run(HOUR, every)
    cpu, elapsed = time.thread_time() - cpu, wall() - started
    after = farm.cpu_seconds()
    requests = await farm.requests_served(session) - served
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
    )


async def measure(
    hass: HomeAssistant, clock: SimulatedTime, farm: EmulatorFarm
) -> Measured:
    """One simulated hour with the motion check, then one of the old pattern."""
    count = len(farm.ports)
    entries = await set_up_many(hass, farm.ports)
    await clock.run(WARM_UP)
    say(f"{count} cameras: a simulated hour with the motion check on")
    motion_on = await _hour(hass, clock, farm, entries)
    say(f"{count} cameras: a simulated hour of the old pattern (reference)")
    for entry in entries:
        await entry.runtime_data.motion.async_shutdown()
    polled = coordinators(entries)

    def every_group() -> None:
        for coordinator in polled:
            coordinator.mark_stale()

    old = await _hour(hass, clock, farm, entries, every_group)
    for entry in entries:
        await hass.config_entries.async_unload(entry.entry_id)
    return Measured(cameras=count, motion_on=motion_on, old_pattern=old)


def _per_camera(hour: Hour, cameras: int) -> dict[str, float | None]:
    return {
        "loop_cpu_ms": ms(hour.loop_cpu_s / cameras),
        "requests": round(hour.requests / cameras, 1),
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
    }
    return [
        Metric(
            key="loop_cpu_per_camera_hour",
            name=f"Event-loop CPU per camera-hour, motion on ({count} cameras, ms)",
            value=ms(on),
            unit="ms",
            details=details,
        ),
        Metric(
            key="loop_cpu_hour_vs_old_pattern",
            name="CPU per camera-hour, motion on / old 30 s polling without motion",
            value=round(on / old, 3),
            limit=1.0,
            details={"motion_on_ms": ms(on), "old_pattern_ms": ms(old)},
        ),
    ]


async def test_cpu_per_camera_hour(
    hass: HomeAssistant,
    socket_enabled: None,
    simulated_time: SimulatedTime,
    settings: Settings,
    emulator_farm: EmulatorFarm,
) -> None:
    """Event-loop CPU per camera-hour with the motion check on."""
    measured = await measure(hass, simulated_time, emulator_farm)
    record_all(settings.results, report(measured))
