"""Memory: what one more camera costs, and no growth over simulated time.

One camera is set up, then the others of the farm; the traced memory they
add is divided among them. Every camera's motion comes over its ONVIF
events: a subscription at the camera and a pull held at all times (checked
before each census, at the integration and at the farm). Then simulated time
passes (steps of 5 s, the farm's clock with it: polls on their cadences,
pulls answered every 60 s and renewed, lens samples, storage writes) with a
census every ten simulated minutes: traced memory, asyncio tasks, HTTP
client sessions, open file descriptors. Growth is measured from a reference
census taken after a warm-up. The lens monitor keeps a baseline and its last
three samples per camera (some 70 KB each), which fill in the 45 minutes
after setup: the full run's warm-up is longer than that.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
import gc
from pathlib import Path
import tracemalloc
from typing import TYPE_CHECKING, Any

import aiohttp
from homeassistant.const import EVENT_HOMEASSISTANT_FINAL_WRITE
from homeassistant.setup import async_setup_component
import httpx

from custom_components.excelsense.const import DOMAIN

from .harness import (
    KIB,
    MIB,
    STEPS_PER_POLL,
    config_entry,
    loaded,
    motion_source,
    say,
)
from .results import Metric, record_all

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from custom_components.excelsense.data import ExcelSenseConfigEntry

    from .conftest import EmulatorFarm
    from .harness import SimulatedTime
    from .settings import Settings

CENSUS_EVERY = 10  # simulated minutes
MINUTE = timedelta(minutes=1)
# Traced memory wobbles between two censuses (timer handles, a weak set that
# grew): up to some 16 KiB whatever the number of cameras. A leak of one small
# object per poll and camera grows past these limits within the simulated hour.
GROWTH_LIMIT_KIB = 4.0  # per camera
NOISE_KIB = 64.0  # in total, for runs with few cameras


@dataclass(frozen=True)
class MemoryRun:
    """The censuses of one run."""

    cameras: int
    # ONVIF subscriptions live at the farm, at each census after setup.
    subscriptions: list[int]
    first: dict[str, int]
    loaded: dict[str, int]
    reference: dict[str, int]
    series: list[dict[str, Any]]
    top_growth: list[str]
    minutes: int
    warmup_minutes: int


def _census() -> dict[str, int]:
    """Traced memory and what leaks would leave behind (after a full GC)."""
    gc.collect()
    traced = tracemalloc.get_traced_memory()[0]  # before the object list below
    sessions = sum(
        1
        for o in gc.get_objects()
        if isinstance(o, (aiohttp.ClientSession, httpx.AsyncClient))
    )
    fds = Path("/proc/self/fd")
    return {
        "traced_bytes": traced,
        "tasks": len(asyncio.all_tasks()),
        "http_sessions": sessions,
        "open_fds": len(list(fds.iterdir())) if fds.exists() else -1,
    }


async def _flush_storage(hass: HomeAssistant, hass_storage: dict[str, Any]) -> None:
    """Write the registries and stores now, then forget the harness' "disk".

    Flushed here, delayed writes land in no census by chance. The test
    harness keeps what they wrote in ``hass_storage``, which a real Home
    Assistant writes to disk instead: it is not the process's memory.
    """
    hass.bus.async_fire(EVENT_HOMEASSISTANT_FINAL_WRITE)
    await hass.async_block_till_done()
    hass_storage.clear()


async def _one_poll(clock: SimulatedTime) -> None:
    for _ in range(STEPS_PER_POLL):
        await clock.step()


def _onvif_subscriptions(
    farm: EmulatorFarm, entries: list[ExcelSenseConfigEntry]
) -> int:
    """Live ONVIF subscriptions at the farm; raises unless motion is pushed.

    Asked over the farm's pipe: no HTTP session or connection of the
    benchmark's lands in a census.
    """
    sources = Counter(motion_source(entry) for entry in entries)
    if sources != {"onvif": len(entries)}:
        msg = f"motion sources {dict(sources)}, not ONVIF events on every camera"
        raise RuntimeError(msg)
    return farm.onvif_subscriptions()


async def measure(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    clock: SimulatedTime,
    farm: EmulatorFarm,
    settings: Settings,
) -> MemoryRun:
    """Census after one camera, after all, then every ten simulated minutes."""
    count = len(farm.ports)
    entries = [config_entry(port, index) for index, port in enumerate(farm.ports)]
    say(f"memory: 1 camera, then {count - 1} more")
    entries[0].add_to_hass(hass)
    if not await async_setup_component(hass, DOMAIN, {}):
        msg = "integration setup failed"
        raise RuntimeError(msg)
    await hass.async_block_till_done()
    await _one_poll(clock)
    await _flush_storage(hass, hass_storage)
    tracemalloc.start()
    try:
        first = _census()
        for entry in entries[1:]:
            entry.add_to_hass(hass)
        await asyncio.gather(
            *(hass.config_entries.async_setup(e.entry_id) for e in entries[1:])
        )
        await hass.async_block_till_done()
        ready = loaded(entries)
        await _one_poll(clock)
        await _flush_storage(hass, hass_storage)
        subscriptions = [_onvif_subscriptions(farm, ready)]
        after_setup = _census()
        warmup, minutes = settings.memory_warmup_minutes, settings.memory_minutes
        say(f"memory: {warmup} + {minutes} simulated minutes")
        await clock.run(warmup * MINUTE)
        subscriptions.append(_onvif_subscriptions(farm, ready))
        reference = _census()
        snapshot = tracemalloc.take_snapshot()
        series: list[dict[str, Any]] = [{"minute": warmup, **reference}]
        for minute in range(1, minutes + 1):
            await clock.run(MINUTE)
            if minute % CENSUS_EVERY == 0 or minute == minutes:
                subscriptions.append(_onvif_subscriptions(farm, ready))
                series.append({"minute": warmup + minute, **_census()})
        final = tracemalloc.take_snapshot()
        top = [str(stat) for stat in final.compare_to(snapshot, "lineno")[:5]]
    finally:
        tracemalloc.stop()
    for entry in entries:
        await hass.config_entries.async_unload(entry.entry_id)
    return MemoryRun(
        cameras=count,
        subscriptions=subscriptions,
        first=first,
        loaded=after_setup,
        reference=reference,
        series=series,
        top_growth=top,
        minutes=settings.memory_minutes,
        warmup_minutes=settings.memory_warmup_minutes,
    )


def report(run: MemoryRun) -> list[Metric]:
    """Memory per added camera, growth per camera, growth of leaky things."""
    count = run.cameras
    added = run.loaded["traced_bytes"] - run.first["traced_bytes"]
    final = run.series[-1]
    metrics = [
        Metric(
            key="memory_per_camera",
            name=f"Memory per added camera at {count} cameras (MiB)",
            value=round(added / (count - 1) / MIB, 3),
            unit="MiB",
            limit=1.0,
            op="<",
            details={
                "cameras": count,
                "traced_mib_added": round(added / MIB, 2),
                "motion": "onvif",
                "onvif_subscriptions_at_farm": run.subscriptions,
            },
        ),
        Metric(
            key="memory_growth",
            name=(
                f"Memory growth over {run.minutes} simulated minutes after "
                f"{run.warmup_minutes} (KiB per camera)"
            ),
            value=round(
                (final["traced_bytes"] - run.reference["traced_bytes"]) / count / KIB,
                2,
            ),
            unit="KiB",
            limit=max(GROWTH_LIMIT_KIB, NOISE_KIB / count),
            details={"series": run.series, "top_growth": run.top_growth},
        ),
    ]
    metrics.extend(
        Metric(
            key=f"{key}_growth",
            name=f"Growth of {name} over the same minutes",
            value=final[key] - run.reference[key],
            limit=0,
            details={"reference": run.reference[key], "final": final[key]},
        )
        for key, name in (
            ("tasks", "asyncio tasks"),
            ("http_sessions", "HTTP client sessions"),
            ("open_fds", "open file descriptors"),
        )
    )
    return metrics


async def test_memory(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    socket_enabled: None,
    farm_time: SimulatedTime,
    settings: Settings,
    emulator_farm: EmulatorFarm,
) -> None:
    """Memory per added camera, and no growth over simulated time."""
    run = await measure(hass, hass_storage, farm_time, emulator_farm, settings)
    record_all(settings.results, report(run))
