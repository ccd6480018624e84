"""Requests per camera-hour with the default entities; motion's apart, both ways.

Two cameras side by side through the same simulated hour, after a minute's
warm-up (the frozen clock moves in steps of 5 s and Home Assistant's timers
fire in it): one serves ONVIF events, the other has no ONVIF. Counted where
each camera receives them (its request log), by source:

- **polling** and the lens monitor's stills, the metric with its target
  (the camera with ONVIF events);
- **motion pushed over ONVIF events**: held PullMessages (the integration
  asks the camera to hold each up to 60 s) and Renew every few minutes;
- **motion from the alarm log**, the camera without ONVIF: one alarmLogInfo
  per check (default 5 s), a read of the camera's clock every 10 minutes,
  and the rare look for ONVIF again (back-off from 10 minutes).

The held pulls run in simulated time faithfully: the emulated camera holds
a pull on the event loop's clock, which is the frozen one, so a pull is
answered in the step that reaches its 60 s, and the next one sent in that
same step (``harness.SimulatedTime``). For reference, a second hour drives
the ONVIF camera's client with the pattern polling had before its tiers:
every group of the default entities at every 30 s poll, and no motion.
"""

from __future__ import annotations

from dataclasses import dataclass
import itertools
from typing import TYPE_CHECKING

from .harness import (
    HOUR,
    LENS,
    MOTION,
    POLL,
    WARM_UP,
    RequestTally,
    camera,
    motion_source,
    say,
    set_up,
    stop_motion,
)
from .results import Metric, record_all

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .harness import SimulatedTime
    from .settings import Settings

LIMIT = 300  # requests per camera-hour without motion
PUSHED_LIMIT = 100  # motion's requests per camera-hour over ONVIF events


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
    def motion_total(self) -> int:
        """The motion source's requests."""
        return sum(self.motion.values())


@dataclass(frozen=True)
class Measured:
    """The hour of each camera, and the old pattern's hour."""

    pushed: HourOfRequests
    alarm_log: HourOfRequests
    old_pattern: HourOfRequests
    groups_needed: list[str]
    # Simulated seconds from one pull's arrival at the camera to the next's.
    pull_spacing: list[float]


def _hour(tally: RequestTally, *, clock_polled: bool = False) -> HourOfRequests:
    poll, motion = tally.of(POLL), tally.of(MOTION)
    if not clock_polled and "dateTime" in poll:
        # No default entity polls the clock group: these are the alarm-log
        # reader's, every 10 minutes, to keep its window in the camera's clock.
        motion["dateTime"] = poll.pop("dateTime")
    return HourOfRequests(
        poll=dict(sorted(poll.items())),
        lens=dict(sorted(tally.of(LENS).items())),
        motion=dict(sorted(motion.items())),
    )


async def measure(
    hass: HomeAssistant, clock: SimulatedTime, settings: Settings
) -> Measured:
    """Count one simulated hour of both cameras, then the old pattern's."""
    async with (
        camera(settings, 0, simulated=True) as pushing,
        camera(settings, 1, simulated=True, onvif=False) as logging,
    ):
        pushed_tally, log_tally = RequestTally(pushing), RequestTally(logging)
        entry = await set_up(hass, pushing.port, 0)
        log_entry = await set_up(hass, logging.port, 1)
        runtime = entry.runtime_data
        needed = sorted(str(group) for group in runtime.coordinator.needed_groups())
        await clock.run(WARM_UP)
        sources = (motion_source(entry), motion_source(log_entry))
        if sources != ("onvif", "alarm_log"):
            msg = f"motion sources {sources}, not ('onvif', 'alarm_log')"
            raise RuntimeError(msg)
        with pushed_tally.watching(), log_tally.watching():
            await clock.run(HOUR)
        pulls = pushed_tally.times("PullMessages")
        spacing = [round(b - a, 3) for a, b in itertools.pairwise(pulls)]
        polled = "clock" in needed
        pushed = _hour(pushed_tally, clock_polled=polled)
        alarm_log = _hour(log_tally, clock_polled=polled)
        await hass.config_entries.async_unload(log_entry.entry_id)
        # Before the tiers: every needed group at every poll, no motion.
        await stop_motion(entry)
        with pushed_tally.watching():
            await clock.run(HOUR, every=runtime.coordinator.mark_stale)
        old = _hour(pushed_tally, clock_polled=True)
        await hass.config_entries.async_unload(entry.entry_id)
    return Measured(
        pushed=pushed,
        alarm_log=alarm_log,
        old_pattern=old,
        groups_needed=needed,
        pull_spacing=spacing,
    )


def report(measured: Measured) -> list[Metric]:
    """The rows: without motion, motion both ways, the old pattern."""
    pushed, log, old = measured.pushed, measured.alarm_log, measured.old_pattern
    return [
        Metric(
            key="requests_per_camera_hour",
            name="Requests per camera-hour, default entities, without motion",
            value=pushed.without_motion,
            limit=LIMIT,
            details={
                "poll": pushed.poll,
                "lens": pushed.lens,
                "groups_needed": measured.groups_needed,
                "camera_without_onvif": log.without_motion,
                "old_pattern": old.without_motion,
            },
        ),
        Metric(
            key="motion_pushed_requests_per_camera_hour",
            name="Requests per camera-hour of motion over ONVIF events (60 s pulls)",
            value=pushed.motion_total,
            limit=PUSHED_LIMIT,
            details={
                "motion": pushed.motion,
                "alarm_log": log.motion_total,
                "pull_spacing_s": {
                    "min": min(measured.pull_spacing, default=None),
                    "max": max(measured.pull_spacing, default=None),
                },
            },
        ),
        Metric(
            key="motion_check_requests_per_camera_hour",
            name="Requests per camera-hour of motion from the alarm log (5 s checks)",
            value=log.motion_total,
            details={"motion": log.motion},
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
    say("requests per camera-hour (two cameras, two simulated hours)")
    measured = await measure(hass, simulated_time, settings)
    record_all(settings.results, report(measured))
