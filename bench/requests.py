"""Requests per camera-hour with the default entities; the motion check apart.

One camera, a simulated hour after a minute's warm-up (the frozen clock
moves in steps of 5 s and Home Assistant's timers fire in it): the requests
the polling coordinator and the lens monitor send, and on their own row
those of the motion check (one alarmLogInfo per check, a dateTime read
every 10 minutes). For reference, a second hour drives the same client with
the pattern polling had before its tiers: every group of the default
entities at every 30 s poll, and no motion check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .harness import (
    HOUR,
    LENS,
    MOTION,
    POLL,
    WARM_UP,
    RequestTally,
    camera,
    say,
    set_up,
)
from .results import Metric, record_all

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .harness import SimulatedTime
    from .settings import Settings

LIMIT = 300  # requests per camera-hour without the motion check


@dataclass(frozen=True)
class HourOfRequests:
    """Requests of one camera in one simulated hour, by source and kind."""

    poll: dict[str, int]
    lens: dict[str, int]
    motion: dict[str, int]

    @property
    def without_motion(self) -> int:
        """Polling and lens stills."""
        return sum(self.poll.values()) + sum(self.lens.values())

    @property
    def motion_check(self) -> int:
        """The motion check's requests."""
        return sum(self.motion.values())


@dataclass(frozen=True)
class Measured:
    """The hour as the integration polls now, and the old pattern's hour."""

    tiered: HourOfRequests
    old_pattern: HourOfRequests
    groups_needed: list[str]


def _hour(tally: RequestTally) -> HourOfRequests:
    return HourOfRequests(
        poll=dict(sorted(tally.of(POLL).items())),
        lens=dict(sorted(tally.of(LENS).items())),
        motion=dict(sorted(tally.of(MOTION).items())),
    )


async def measure(
    hass: HomeAssistant, clock: SimulatedTime, settings: Settings
) -> Measured:
    """Count one simulated hour as polled now, then one with the old pattern."""
    async with camera(settings, simulated=True) as cam:
        tally = RequestTally(cam)
        entry = await set_up(hass, cam.port)
        runtime = entry.runtime_data
        needed = sorted(runtime.coordinator.needed_groups())
        await clock.run(WARM_UP)
        with tally.watching():
            await clock.run(HOUR)
            tiered = _hour(tally)
            # Before the tiers: every needed group at every poll, no motion check.
            await runtime.motion.async_shutdown()
            tally.clear()
            await clock.run(HOUR, every=runtime.coordinator.mark_stale)
            old = _hour(tally)
        await hass.config_entries.async_unload(entry.entry_id)
    return Measured(tiered=tiered, old_pattern=old, groups_needed=list(needed))


def report(measured: Measured) -> list[Metric]:
    """The rows: without the motion check, the check itself, the old pattern."""
    tiered, old = measured.tiered, measured.old_pattern
    return [
        Metric(
            key="requests_per_camera_hour",
            name="Requests per camera-hour, default entities, without motion check",
            value=tiered.without_motion,
            limit=LIMIT,
            details={
                "poll": tiered.poll,
                "lens": tiered.lens,
                "groups_needed": measured.groups_needed,
                "old_pattern": old.without_motion,
            },
        ),
        Metric(
            key="motion_check_requests_per_camera_hour",
            name="Requests per camera-hour of the motion check (default 5 s)",
            value=tiered.motion_check,
            details={"motion": tiered.motion},
        ),
        Metric(
            key="old_pattern_requests_per_camera_hour",
            name="Requests per camera-hour, every group every 30 s (as before)",
            value=old.without_motion,
            details={"poll": old.poll, "lens": old.lens},
        ),
    ]


async def test_requests_per_hour(
    hass: HomeAssistant,
    socket_enabled: None,
    simulated_time: SimulatedTime,
    settings: Settings,
) -> None:
    """Requests per camera-hour with the default entities."""
    say("requests per camera-hour (two simulated hours)")
    measured = await measure(hass, simulated_time, settings)
    record_all(settings.results, report(measured))
