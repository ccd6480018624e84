"""Motion latency: an alarm starting at the camera until the binary sensor is on.

The camera pushes nothing; the integration reads its alarm log every check
interval (5 s by default), one request per check. Cameras with the run's
latency and motion detection on see motion at a random moment of the check
cycle; the time from the alarm's start at the emulator to the motion binary
sensor's state "on" is divided by what one cycle can take at worst: the
check interval plus one request's latency. Real time (the emulator's latency
and the checks' timers run on the real clock); the cameras are timed side by
side, each alarm ended (and the sensor off) before the next.
"""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from dataclasses import dataclass
import math
import random
from statistics import median
from typing import TYPE_CHECKING

from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.helpers.event import async_track_state_change_event

from custom_components.excelsense.const import DEFAULT_MOTION_CHECK_INTERVAL

from .harness import camera, entity_id, ms, say, set_up_many, wall
from .results import Metric, record_all

if TYPE_CHECKING:
    from homeassistant.core import Event, EventStateChangedData, HomeAssistant

    from tests.emulator import EmulatedCamera

    from .settings import Settings

P95 = 0.95
# A sensor that does not follow within this many check intervals is broken.
GIVE_UP_INTERVALS = 4


@dataclass(frozen=True)
class Latencies:
    """Alarm start to sensor on, every sample of every camera (seconds)."""

    seconds: list[float]
    check_interval: float
    request_latency: float
    cameras: int


class _SensorWatch:
    """When a binary sensor last turned on, and waiting for on or off."""

    def __init__(self) -> None:
        self.on = asyncio.Event()
        self.off = asyncio.Event()
        self.on_at = 0.0

    def changed(self, event: Event[EventStateChangedData]) -> None:
        state = event.data["new_state"]
        if state is None:
            return
        if state.state == STATE_ON and not self.on.is_set():
            self.on_at = wall()
            self.on.set()
        elif state.state == STATE_OFF:
            self.off.set()


async def _time_camera(
    hass: HomeAssistant, cam: EmulatedCamera, sensor: str, index: int, samples: int
) -> list[float]:
    """Time ``samples`` alarms on one camera, each at a random moment."""
    interval = float(DEFAULT_MOTION_CHECK_INTERVAL)
    give_up = GIVE_UP_INTERVALS * interval
    draw = random.Random(index)  # noqa: S311 - a phase, not a secret
    watch = _SensorWatch()
    unsubscribe = async_track_state_change_event(hass, [sensor], watch.changed)
    seconds: list[float] = []
    try:
        for _ in range(samples):
            # Just after a check (the sensor went off), then a random phase.
            await asyncio.sleep(draw.uniform(0, interval))
            watch.on.clear()
            watch.off.clear()
            started = wall()
            if not cam.trigger_motion(None):
                msg = f"camera {index}: motion detection is off"
                raise RuntimeError(msg)
            async with asyncio.timeout(give_up):
                await watch.on.wait()
            seconds.append(watch.on_at - started)
            cam.end_motion()
            async with asyncio.timeout(give_up):
                await watch.off.wait()
    finally:
        unsubscribe()
    return seconds


async def measure(hass: HomeAssistant, settings: Settings) -> Latencies:
    """Time motion alarms on ``settings.motion_cameras`` cameras at once."""
    count, samples = settings.motion_cameras, settings.motion_samples
    say(f"motion latency: {count} cameras, {samples} alarms each")
    async with AsyncExitStack() as stack:
        cams = [
            await stack.enter_async_context(camera(settings, index))
            for index in range(count)
        ]
        for cam in cams:
            cam.state.motion_alarm.values["motionDetectionEnableFlag"] = "1"
        entries = await set_up_many(hass, [cam.port for cam in cams])
        sensors = [
            entity_id(hass, "binary_sensor", f"{entry.unique_id}_motion")
            for entry in entries
        ]
        timed = await asyncio.gather(
            *(
                _time_camera(hass, cam, sensor, index, samples)
                for index, (cam, sensor) in enumerate(zip(cams, sensors, strict=True))
            )
        )
        for entry in entries:
            await hass.config_entries.async_unload(entry.entry_id)
    return Latencies(
        seconds=[value for values in timed for value in values],
        check_interval=float(DEFAULT_MOTION_CHECK_INTERVAL),
        request_latency=settings.latency,
        cameras=count,
    )


def report(latencies: Latencies) -> list[Metric]:
    """p95 of alarm start to sensor on / (check interval + one request)."""
    ordered = sorted(latencies.seconds)
    p95 = ordered[math.ceil(P95 * len(ordered)) - 1]  # nearest rank
    bound = latencies.check_interval + latencies.request_latency
    return [
        Metric(
            key="motion_latency",
            name="Motion latency p95 / (check interval + 1 request latency)",
            value=round(p95 / bound, 3),
            limit=1.0,
            details={
                "p95_ms": ms(p95),
                "median_ms": ms(median(ordered)),
                "max_ms": ms(ordered[-1]),
                "bound_ms": ms(bound),
                "samples": len(ordered),
                "cameras": latencies.cameras,
                "latency_ms": [ms(value) for value in latencies.seconds],
            },
        )
    ]


async def test_motion_latency(
    hass: HomeAssistant, socket_enabled: None, settings: Settings
) -> None:
    """Alarm start at the camera to the motion binary sensor on."""
    record_all(settings.results, report(await measure(hass, settings)))
