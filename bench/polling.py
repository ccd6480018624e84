"""Polling: requests over a 10-minute cycle, and the time of a full refresh.

Each group has its cadence (the alarm-output guard every 30 s, disks every
5 minutes, settings every 10): over one full cycle of simulated time after
setup, the polling coordinator should send exactly the reads due, one
request each. A full refresh (every group the entities need, as at setup or
after a write) is timed against the camera's latency: the client sends two
requests at a time, so it cannot take less than latency x ceil(groups / 2).
Both with the entities enabled by default and with every entity enabled.
"""

from __future__ import annotations

from dataclasses import dataclass
import math
from statistics import median
from typing import TYPE_CHECKING

from custom_components.excelsense.const import POLL_INTERVAL
from custom_components.excelsense.groups import SETTINGS_INTERVAL, group_specs

from .harness import (
    POLL,
    STEPS_PER_POLL,
    RequestTally,
    camera,
    entity_counts,
    ms,
    say,
    set_up,
    stop_motion,
    wall,
)
from .results import Metric, record_all

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from custom_components.excelsense.coordinator import ExcelSenseCoordinator

    from .harness import SimulatedTime
    from .settings import Settings

CYCLE = SETTINGS_INTERVAL
LABELS = {"default": "default entities", "all": "all entities"}


@dataclass(frozen=True)
class Cycle:
    """One cycle of polls: what was sent, and what the cadences make due."""

    entity_set: str
    requests_per_poll: list[int]
    requests_by_kind: dict[str, int]
    reads_due: dict[str, int]
    entities: dict[str, int]


@dataclass(frozen=True)
class Refreshes:
    """Full refreshes timed one after the other."""

    entity_set: str
    groups: int
    requests: list[int]
    seconds: list[float]
    client_bound: int
    first_requests: list[str]


def _reads_due(coordinator: ExcelSenseCoordinator) -> dict[str, int]:
    """Reads per cycle of each needed group, from its cadence."""
    static = coordinator.static
    specs = group_specs(
        static.stream_ids,
        self_clean_schedule=static.self_clean_schedule_supported,
    )
    return {
        str(group): int(CYCLE / specs[group].every)
        for group in sorted(coordinator.needed_groups())
    }


async def measure_cycle(
    hass: HomeAssistant, clock: SimulatedTime, settings: Settings, entity_set: str
) -> Cycle:
    """Count the polling coordinator's requests over one cycle after setup."""
    async with camera(settings, simulated=True) as cam:
        tally = RequestTally(cam)
        entry = await set_up(hass, cam.port)
        coordinator = entry.runtime_data.coordinator
        # The polling coordinator's reads alone (the motion source's have
        # their own metric).
        await stop_motion(entry)
        per_poll: list[int] = []
        with tally.watching():
            for _ in range(int(CYCLE / POLL_INTERVAL)):
                before = tally.total(POLL)
                for _ in range(STEPS_PER_POLL):
                    await clock.step()
                per_poll.append(tally.total(POLL) - before)
        cycle = Cycle(
            entity_set=entity_set,
            requests_per_poll=per_poll,
            requests_by_kind=dict(sorted(tally.of(POLL).items())),
            reads_due=_reads_due(coordinator),
            entities=entity_counts(hass, entry.entry_id),
        )
        await hass.config_entries.async_unload(entry.entry_id)
    return cycle


async def measure_refresh(
    hass: HomeAssistant, settings: Settings, entity_set: str
) -> Refreshes:
    """Time full refreshes (every needed group) with the camera's latency."""
    async with camera(settings) as cam:
        entry = await set_up(hass, cam.port)
        coordinator = entry.runtime_data.coordinator
        # A held ONVIF pull takes one of the client's two places; motion's
        # cost is measured apart.
        await stop_motion(entry)
        groups = len(coordinator.needed_groups())
        requests: list[int] = []
        seconds: list[float] = []
        first: list[str] = []
        for _ in range(settings.refresh_repeats):
            coordinator.mark_stale()
            cam.clear_requests()
            started = wall()
            await coordinator.async_refresh()
            seconds.append(wall() - started)
            if not coordinator.last_update_success:
                msg = f"refresh failed: {coordinator.last_exception!r}"
                raise RuntimeError(msg)
            requests.append(len(cam.requests))
            first = first or [r.get("type") or r.path for r in cam.requests]
        await hass.config_entries.async_unload(entry.entry_id)
    return Refreshes(
        entity_set=entity_set,
        groups=groups,
        requests=requests,
        seconds=seconds,
        client_bound=coordinator.client.transport.max_concurrent_requests,
        first_requests=first,
    )


def report_cycle(cycle: Cycle) -> list[Metric]:
    """Requests sent over the cycle / reads due on the groups' cadences."""
    sent = sum(cycle.requests_per_poll)
    due = sum(cycle.reads_due.values())
    return [
        Metric(
            key=f"requests_per_cycle_{cycle.entity_set}",
            name=(
                "Requests per 10-minute cycle / reads due on the groups' "
                f"cadences ({LABELS[cycle.entity_set]})"
            ),
            value=round(sent / due, 3),
            limit=1.0,
            op="==",
            details={
                "requests": sent,
                "reads_due": due,
                "requests_per_poll": cycle.requests_per_poll,
                "groups_needed": len(cycle.reads_due),
                "reads_due_per_group": cycle.reads_due,
                "requests_by_kind": cycle.requests_by_kind,
                **cycle.entities,
            },
        )
    ]


def report_refresh(refreshes: Refreshes, settings: Settings) -> list[Metric]:
    """Full refresh time / the least the latency and the bound allow."""
    bound = refreshes.client_bound
    ideal = settings.latency * math.ceil(refreshes.groups / bound)
    # No latency, no ideal time to compare with: the ratio is not applicable.
    ratio = median(refreshes.seconds) / ideal if ideal > 0 else None
    return [
        Metric(
            key=f"refresh_time_{refreshes.entity_set}",
            name=(
                f"Full refresh time / (latency x ceil(groups / {bound})) "
                f"({LABELS[refreshes.entity_set]})"
            ),
            value=None if ratio is None else round(ratio, 3),
            limit=1.2,
            details={
                "groups": refreshes.groups,
                "requests_per_refresh": refreshes.requests,
                "requests_of_first_refresh": refreshes.first_requests,
                "refresh_ms": [ms(t) for t in refreshes.seconds],
                "ideal_ms": ms(ideal),
                "client_bound": bound,
                "emulator_max_connections": settings.concurrency,
            },
        )
    ]


async def test_cycle_default_entities(
    hass: HomeAssistant,
    socket_enabled: None,
    simulated_time: SimulatedTime,
    settings: Settings,
) -> None:
    """Requests over a 10-minute cycle, default entities."""
    say("polling: a 10-minute cycle, default entities")
    cycle = await measure_cycle(hass, simulated_time, settings, "default")
    record_all(settings.results, report_cycle(cycle))


async def test_cycle_all_entities(
    hass: HomeAssistant,
    socket_enabled: None,
    all_entities_enabled: None,
    simulated_time: SimulatedTime,
    settings: Settings,
) -> None:
    """Requests over a 10-minute cycle, every entity enabled."""
    say("polling: a 10-minute cycle, all entities")
    cycle = await measure_cycle(hass, simulated_time, settings, "all")
    record_all(settings.results, report_cycle(cycle))


async def test_refresh_default_entities(
    hass: HomeAssistant, socket_enabled: None, settings: Settings
) -> None:
    """Full refresh time, default entities."""
    say("polling: full refresh time, default entities")
    refreshes = await measure_refresh(hass, settings, "default")
    record_all(settings.results, report_refresh(refreshes, settings))


async def test_refresh_all_entities(
    hass: HomeAssistant,
    socket_enabled: None,
    all_entities_enabled: None,
    settings: Settings,
) -> None:
    """Full refresh time, every entity enabled."""
    say("polling: full refresh time, all entities")
    refreshes = await measure_refresh(hass, settings, "all")
    record_all(settings.results, report_refresh(refreshes, settings))
