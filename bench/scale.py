"""Scale: setup time of many cameras, and the event-loop CPU of a full poll.

``settings.cameras`` emulated cameras (in their own process) are set up at
once, as at Home Assistant's start. Then every camera is polled in full
(every group the default entities need, as at setup, after a write, and
every 10 minutes) a number of times, three ways interleaved:

- **poll**, the metric: after a poll interval's pause, so the keep-alive
  connections have closed and are opened again, as with a real camera;
- **kept alive**: right after the previous poll, connections reused;
- **raw HTTP**: the same requests with bare aiohttp under the same bound.

Real time (a frozen clock would add its own cost to every loop iteration);
the pause is simulated for aiohttp's connection pool alone. Motion (held
ONVIF pulls, or alarm-log checks) is stopped after setup (its cost has its
own metric, cpu_hour), so the polls are all that runs but for a rare guard
read or lens sample.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from statistics import median
import time
from typing import TYPE_CHECKING
from unittest.mock import patch

from homeassistant.helpers.aiohttp_client import async_get_clientsession
from yarl import URL

from custom_components.excelsense.const import POLL_INTERVAL

from .harness import (
    MS,
    PASSWORD,
    USERNAME,
    coordinators,
    entity_counts,
    ms,
    say,
    set_up_many,
    stop_motion,
    wall,
)
from .results import Metric, record_all

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence
    from contextlib import AbstractContextManager

    from homeassistant.core import HomeAssistant

    from custom_components.excelsense.coordinator import ExcelSenseCoordinator

    from .conftest import EmulatorFarm
    from .settings import Settings

# The integration's own work (building requests, parsing, typing, the
# coordinator) may add at most half of what the same HTTP requests cost with
# bare aiohttp: a ratio, so that a slower machine does not move the target.
POLL_CPU_RATIO_LIMIT = 1.5
type Pattern = list[tuple[str, list[tuple[str, str]]]]


@dataclass(frozen=True)
class Setup:
    """Setting up every camera at once."""

    cameras: int
    wall_s: float
    loop_cpu_s: float
    entities: dict[str, int]


@dataclass(frozen=True)
class PollCpu:
    """Event-loop CPU per poll per camera (ms), each way, each round."""

    cameras: int
    requests_per_poll: int
    ms_per_round: dict[str, list[float]]
    emulator_ms: float | None


class KeepAliveClock:
    """aiohttp's connection-pool clock, ahead by the pauses simulated so far."""

    def __init__(self) -> None:
        """Start without pause."""
        self.offset = 0.0

    def __call__(self) -> float:
        """The pool's time."""
        return time.monotonic() + self.offset

    def pause(self) -> None:
        """Let one poll interval pass (more than aiohttp's 15 s keep-alive)."""
        self.offset += POLL_INTERVAL.total_seconds() + 1

    def patch(self) -> AbstractContextManager[object]:
        """Make aiohttp's connection pool use this clock."""
        return patch("aiohttp.connector.monotonic", self)


async def _full_poll(
    polled: Sequence[ExcelSenseCoordinator], clock: KeepAliveClock | None
) -> None:
    """Every needed group of every camera (``clock``: after a pause)."""
    if clock is not None:
        clock.pause()
    for coordinator in polled:
        coordinator.mark_stale()
    await asyncio.gather(*(c.async_refresh() for c in polled))
    failed = sum(1 for c in polled if not c.last_update_success)
    if failed:
        msg = f"{failed} of {len(polled)} cameras did not poll"
        raise RuntimeError(msg)


async def _pattern(
    hass: HomeAssistant, farm: EmulatorFarm, coordinator: ExcelSenseCoordinator
) -> Pattern:
    """The requests of one full poll, as the camera received them (no login)."""
    session = async_get_clientsession(hass)
    port = coordinator.client.port
    before = await farm.request_log(session, port)
    coordinator.mark_stale()
    await coordinator.async_refresh()
    after = await farm.request_log(session, port, since=len(before))
    return [
        (str(entry["path"]), [(str(k), str(v)) for k, v in entry["params"]])
        for entry in after
    ]


async def _raw_http_poll(
    hass: HomeAssistant,
    ports: Sequence[int],
    pattern: Pattern,
    bound: int,
    clock: KeepAliveClock,
) -> None:
    """The requests of one full poll of every camera, bare aiohttp, same bound."""
    clock.pause()
    session = async_get_clientsession(hass)

    async def one_camera(port: int) -> None:
        semaphore = asyncio.Semaphore(bound)
        base = URL.build(scheme="http", host="127.0.0.1", port=port)

        async def one(cgi: str, params: list[tuple[str, str]]) -> None:
            query = [("userName", USERNAME), ("password", PASSWORD), *params]
            async with (
                semaphore,
                session.get(base.with_path(f"/cgi-bin/{cgi}"), params=query) as reply,
            ):
                await reply.read()

        await asyncio.gather(*(one(cgi, params) for cgi, params in pattern))

    await asyncio.gather(*(one_camera(port) for port in ports))


async def measure_setup(
    hass: HomeAssistant, farm: EmulatorFarm
) -> tuple[Setup, list[ExcelSenseCoordinator]]:
    """Set up every camera of the farm at once."""
    count = len(farm.ports)
    say(f"{count} cameras: setup")
    started, cpu = wall(), time.thread_time()
    entries = await set_up_many(hass, farm.ports)
    setup = Setup(
        cameras=count,
        wall_s=wall() - started,
        loop_cpu_s=time.thread_time() - cpu,
        entities=entity_counts(hass, entries[0].entry_id),
    )
    return setup, coordinators(entries)


async def measure_poll_cpu(
    hass: HomeAssistant,
    farm: EmulatorFarm,
    polled: list[ExcelSenseCoordinator],
    rounds: int,
) -> PollCpu:
    """CPU of a full poll of every camera, three ways interleaved."""
    count = len(polled)
    say(f"{count} cameras: {rounds} full polls per camera, three ways")
    clock = KeepAliveClock()
    pattern = await _pattern(hass, farm, polled[0])
    bound = polled[0].client.transport.max_concurrent_requests
    ways: dict[str, Callable[[], Awaitable[None]]] = {
        "poll": lambda: _full_poll(polled, clock),
        "kept_alive": lambda: _full_poll(polled, None),
        "raw_http": lambda: _raw_http_poll(hass, farm.ports, pattern, bound, clock),
    }
    cpu: dict[str, list[float]] = {name: [] for name in ways}
    emulator: float | None = 0.0
    with clock.patch():
        await _full_poll(polled, clock)  # warm-up
        names = list(ways)
        for index in range(rounds):  # interleaved: drift hits every way alike
            shift = index % len(names)
            for name in names[shift:] + names[:shift]:
                before = farm.cpu_seconds()
                started = time.thread_time()
                await ways[name]()
                cpu[name].append((time.thread_time() - started) / count * MS)
                after = farm.cpu_seconds()
                if name == "poll" and emulator is not None:
                    emulator = (
                        None
                        if before is None or after is None
                        else emulator + after - before
                    )
    return PollCpu(
        cameras=count,
        requests_per_poll=len(pattern),
        ms_per_round=cpu,
        emulator_ms=None if emulator is None else emulator * MS / (count * rounds),
    )


def report_setup(setup: Setup) -> list[Metric]:
    """Setup time (reported)."""
    return [
        Metric(
            key="setup_time",
            name=f"Setup time of {setup.cameras} cameras (s, reported)",
            value=round(setup.wall_s, 2),
            unit="s",
            details={
                "cameras": setup.cameras,
                "per_camera_ms": ms(setup.wall_s / setup.cameras),
                "loop_cpu_s": round(setup.loop_cpu_s, 2),
                **setup.entities,
            },
        )
    ]


def report_poll_cpu(poll: PollCpu) -> list[Metric]:
    """CPU per full poll per camera (reported), and its ratio to bare aiohttp.

    Medians of the rounds: one round that meets a garbage collection or a
    busy neighbour on the machine does not decide the figure. The ratio is
    the median of each round's ratio, its two ways measured side by side.
    """
    mean = {name: sum(v) / len(v) for name, v in poll.ms_per_round.items()}
    middle = {name: median(v) for name, v in poll.ms_per_round.items()}
    ratio = median(
        ours / raw
        for ours, raw in zip(
            poll.ms_per_round["poll"], poll.ms_per_round["raw_http"], strict=True
        )
    )
    return [
        Metric(
            key="poll_cpu",
            name=(
                "Event-loop CPU per full poll per camera "
                f"({poll.cameras} cameras, ms, reported)"
            ),
            value=round(middle["poll"], 2),
            unit="ms",
            details={
                "cameras": poll.cameras,
                "polls_per_camera": len(poll.ms_per_round["poll"]),
                "requests_per_poll": poll.requests_per_poll,
                "mean_ms": round(mean["poll"], 2),
                "per_round_ms": [round(v, 2) for v in poll.ms_per_round["poll"]],
                "kept_alive_connections_ms": round(middle["kept_alive"], 2),
                "raw_http_same_requests_ms": round(middle["raw_http"], 2),
                "emulator_process_cpu_ms": None
                if poll.emulator_ms is None
                else round(poll.emulator_ms, 2),
            },
        ),
        Metric(
            key="poll_cpu_vs_raw_http",
            name="Full poll CPU / CPU of the same requests with bare aiohttp",
            value=round(ratio, 2),
            limit=POLL_CPU_RATIO_LIMIT,
            op="<=",
            details={
                "poll_ms": round(middle["poll"], 2),
                "raw_http_ms": round(middle["raw_http"], 2),
            },
        ),
    ]


async def test_many_cameras(
    hass: HomeAssistant,
    socket_enabled: None,
    settings: Settings,
    emulator_farm: EmulatorFarm,
) -> None:
    """Setup time and event-loop CPU per full poll per camera."""
    setup, polled = await measure_setup(hass, emulator_farm)
    record_all(settings.results, report_setup(setup))
    for coordinator in polled:
        await stop_motion(coordinator.config_entry)
    poll = await measure_poll_cpu(hass, emulator_farm, polled, settings.cpu_rounds)
    record_all(settings.results, report_poll_cpu(poll))
    for coordinator in polled:
        await hass.config_entries.async_unload(coordinator.config_entry.entry_id)
