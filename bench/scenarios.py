"""Benchmark scenarios, run by ``python -m bench`` through pytest.

Each scenario gets a fresh ``HomeAssistant`` from the test harness and records
its measurements with ``bench.results.record``; the runner judges them. A
scenario fails (and the bench reports a crash) only when something does not
work, never because a figure misses its target.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
import gc
from http import HTTPStatus
import math
from pathlib import Path
from statistics import median
import sys
import time
import tracemalloc
from typing import TYPE_CHECKING, Any, cast
from unittest.mock import patch

import aiohttp
from homeassistant.components.button.const import (
    DOMAIN as BUTTON_DOMAIN,
    SERVICE_PRESS,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, EVENT_HOMEASSISTANT_FINAL_WRITE
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import format_mac
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import httpx
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from yarl import URL

from custom_components.excelsense.api import (
    ALARM_PULSE_MARGIN,
    AlarmOperation,
    ExcelSenseClient,
)
from custom_components.excelsense.const import DOMAIN, SCAN_INTERVAL
from tests.emulator import EmulatedCamera, offset_mac
from tests.emulator.device import DEFAULT_MAC

from .results import Metric, record

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence
    from contextlib import AbstractContextManager

    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

    from custom_components.excelsense.coordinator import (
        ExcelSenseConfigEntry,
        ExcelSenseCoordinator,
    )

    from .conftest import EmulatorFarm
    from .settings import Settings

USERNAME = "admin"
PASSWORD = "admin"  # noqa: S105 - the emulator's factory default
JPEG_MAGIC = b"\xff\xd8"
CONCURRENT_VIEWERS = 10
KIB = 1024
MIB = 1024 * 1024
MS = 1000.0
# One poll round moves simulated time past every coordinator's next poll.
POLL_STEP = SCAN_INTERVAL + timedelta(seconds=1)
SAMPLE_EVERY = 20  # memory run: a census every ten simulated minutes
# Traced memory wobbles between two censuses (timer handles, a weak set that
# grew): up to some 16 KiB whatever the number of cameras. A leak of one small
# object per poll and camera grows past these limits within the simulated hour.
MEMORY_GROWTH_LIMIT_KIB = 4.0  # per camera
MEMORY_NOISE_KIB = 64.0  # in total, for runs with few cameras


def _say(message: str) -> None:
    sys.stderr.write(f"bench: {message}\n")
    sys.stderr.flush()


def _entry(port: int, index: int = 0) -> MockConfigEntry:
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


async def _set_up(hass: HomeAssistant, port: int) -> ExcelSenseConfigEntry:
    entry = _entry(port)
    entry.add_to_hass(hass)
    if not await hass.config_entries.async_setup(entry.entry_id):
        msg = f"setup failed: {entry.state}"
        raise RuntimeError(msg)
    await hass.async_block_till_done()
    return cast("ExcelSenseConfigEntry", entry)


def _entity_id(
    hass: HomeAssistant, domain: str, unique_id: str, platform: str = DOMAIN
) -> str:
    entity_id = er.async_get(hass).async_get_entity_id(domain, platform, unique_id)
    if entity_id is None:
        msg = f"no {platform} {domain} entity with unique id {unique_id}"
        raise RuntimeError(msg)
    return entity_id


def _entity_counts(hass: HomeAssistant, entry_id: str) -> dict[str, int]:
    entries = er.async_entries_for_config_entry(er.async_get(hass), entry_id)
    return {
        "entities": len(entries),
        "entities_enabled": sum(1 for e in entries if e.disabled_by is None),
    }


def _ms(seconds: float) -> float:
    return round(seconds * MS, 2)


# --------------------------------------------------------------------- 1 and 2


async def _refresh_scenario(
    hass: HomeAssistant, settings: Settings, entity_set: str
) -> None:
    async with _camera(settings) as cam:
        entry = await _set_up(hass, cam.port)
        coordinator = entry.runtime_data.coordinator
        bound = coordinator.client.max_concurrent_requests
        await coordinator.async_refresh()  # connections open, caches warm
        groups: list[list[str]] = []
        requests: list[int] = []
        times: list[float] = []
        for _ in range(settings.refresh_repeats):
            groups.append(sorted(coordinator.needed_groups()))
            cam.clear_requests()
            started = time.perf_counter()
            await coordinator.async_refresh()
            times.append(time.perf_counter() - started)
            if not coordinator.last_update_success:
                msg = f"refresh failed: {coordinator.last_exception!r}"
                raise RuntimeError(msg)
            requests.append(len(cam.requests))
        entities = _entity_counts(hass, entry.entry_id)
        await hass.config_entries.async_unload(entry.entry_id)

    label = "default entities" if entity_set == "default" else "all entities"
    counts = [len(names) for names in groups]
    record(
        settings.results,
        Metric(
            key=f"requests_per_group_{entity_set}",
            name=f"Requests per refresh / groups needed ({label})",
            value=round(max(r / g for r, g in zip(requests, counts, strict=True)), 3),
            limit=1.0,
            op="==",
            details={
                "groups_per_refresh": counts,
                "requests_per_refresh": requests,
                "group_names": max(groups, key=len),
                **entities,
            },
        ),
    )
    ideal = [settings.latency * math.ceil(g / bound) for g in counts]
    # No latency, no ideal time to compare with: the ratio is not applicable.
    ratio = (
        median(t / i for t, i in zip(times, ideal, strict=True))
        if settings.latency > 0
        else None
    )
    record(
        settings.results,
        Metric(
            key=f"refresh_time_{entity_set}",
            name=f"Refresh time / (latency x ceil(groups / {bound})) ({label})",
            value=None if ratio is None else round(ratio, 3),
            limit=1.2,
            details={
                "refresh_ms": [_ms(t) for t in times],
                "ideal_ms": [_ms(i) for i in ideal],
                "client_bound": bound,
                "emulator_max_connections": settings.concurrency,
            },
        ),
    )


def _camera(settings: Settings) -> EmulatedCamera:
    """One emulated camera with the run's latency and connection limit."""
    return EmulatedCamera(
        username=USERNAME,
        password=PASSWORD,
        latency=settings.latency,
        max_connections=settings.concurrency,
    )


async def test_refresh_default_entities(
    hass: HomeAssistant, socket_enabled: None, settings: Settings
) -> None:
    """Metrics 1 and 2 with the entities enabled by default."""
    _say("refresh, default entities")
    await _refresh_scenario(hass, settings, "default")


async def test_refresh_all_entities(
    hass: HomeAssistant,
    socket_enabled: None,
    all_entities_enabled: None,
    settings: Settings,
) -> None:
    """Metrics 1 and 2 with every entity enabled."""
    _say("refresh, all entities")
    await _refresh_scenario(hass, settings, "all")


# --------------------------------------------------------------------- 3 and 4


def _generic_entry(image_url: URL) -> MockConfigEntry:
    """HA's generic camera on the same image.cgi URL (credentials in the query).

    framerate is set high so that every still is fetched from the camera, as
    ours are (the generic camera reuses its last image within 1 / framerate).
    """
    return MockConfigEntry(
        domain="generic",
        version=2,
        title="Generic",
        data={},
        options={
            "still_image_url": str(image_url),
            "content_type": "image/jpeg",
            "advanced": {
                "framerate": 1000.0,
                "verify_ssl": False,
                "limit_refetch_to_url_change": False,
            },
        },
    )


def _is_jpeg(status: int, body: bytes) -> bool:
    return status == HTTPStatus.OK and body.startswith(JPEG_MAGIC)


async def test_snapshots(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    socket_enabled: None,
    settings: Settings,
) -> None:
    """Metrics 3 and 4: stills through HA's camera proxy, ours and generic's."""
    _say("snapshots")
    async with _camera(settings) as cam:
        entry = await _set_up(hass, cam.port)
        ours = _entity_id(hass, "camera", f"{entry.unique_id}_camera")
        image_url = (
            URL(cam.url)
            .with_path("/cgi-bin/image.cgi")
            .with_query(userName=USERNAME, password=PASSWORD, cameraID="1", quality="9")
        )
        # The generic camera depends on the stream integration, whose setup
        # needs PyAV; stills never touch it, so it counts as set up.
        hass.config.components.add("stream")
        generic_entry = _generic_entry(image_url)
        generic_entry.add_to_hass(hass)
        if not await hass.config_entries.async_setup(generic_entry.entry_id):
            msg = "generic camera setup failed"
            raise RuntimeError(msg)
        await hass.async_block_till_done()
        generic = _entity_id(hass, "camera", generic_entry.entry_id, "generic")
        client = await hass_client()
        session = async_get_clientsession(hass)

        async def direct() -> bytes:
            async with session.get(image_url) as response:
                body = await response.read()
                if not _is_jpeg(response.status, body):
                    msg = f"direct image.cgi: HTTP {response.status}"
                    raise RuntimeError(msg)
                return body

        async def proxy(entity_id: str) -> bytes:
            response = await client.get(f"/api/camera_proxy/{entity_id}")
            body: bytes = await response.read()
            if not _is_jpeg(response.status, body):
                msg = f"camera proxy {entity_id}: HTTP {response.status}"
                raise RuntimeError(msg)
            return body

        paths: dict[str, Callable[[], Awaitable[bytes]]] = {
            "direct": direct,
            "ours": lambda: proxy(ours),
            "generic": lambda: proxy(generic),
        }
        samples = await _sequential_stills(cam, paths, settings.snapshot_samples)
        concurrent = await _concurrent_stills(
            cam, lambda: proxy(ours), settings.concurrent_rounds
        )
        await hass.config_entries.async_unload(generic_entry.entry_id)
        await hass.config_entries.async_unload(entry.entry_id)

    p50 = {name: median(times) for name, times in samples.items()}
    timing = {f"{name}_p50_ms": _ms(value) for name, value in p50.items()}
    ours_ratio = p50["ours"] / p50["direct"]
    generic_ratio = p50["generic"] / p50["direct"]
    record(
        settings.results,
        Metric(
            key="snapshot_ours",
            name="Snapshot p50 via HA proxy / direct image.cgi (ours)",
            value=round(ours_ratio, 3),
            limit=1.15,
            details={**timing, "samples": settings.snapshot_samples},
        ),
    )
    record(
        settings.results,
        Metric(
            key="snapshot_generic",
            name="Snapshot p50 via HA proxy / direct image.cgi (generic camera)",
            value=round(generic_ratio, 3),
            details=timing,
        ),
    )
    record(
        settings.results,
        Metric(
            key="snapshot_ours_vs_generic",
            name="Snapshot p50 ours / generic camera (not above generic's)",
            value=round(p50["ours"] / p50["generic"], 3),
            limit=1.0,
            details=timing,
        ),
    )
    record(
        settings.results,
        Metric(
            key="snapshot_shared",
            name=f"Device image requests for {CONCURRENT_VIEWERS} concurrent stills",
            value=max(concurrent),
            limit=1,
            details={"per_round": concurrent},
        ),
    )


async def _sequential_stills(
    cam: EmulatedCamera,
    paths: dict[str, Callable[[], Awaitable[bytes]]],
    count: int,
) -> dict[str, list[float]]:
    """Time ``count`` stills per path, interleaved (the order rotates)."""
    for fetch in paths.values():  # warm up: connections, tokens, templates
        await fetch()
    names = list(paths)
    samples: dict[str, list[float]] = {name: [] for name in names}
    cam.clear_requests()
    for index in range(count):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            started = time.perf_counter()
            await paths[name]()
            samples[name].append(time.perf_counter() - started)
    fetched = sum(1 for r in cam.requests if r.path == "image.cgi")
    if fetched != count * len(names):
        # A cached still would make its path look faster than the camera is.
        msg = f"{fetched} image.cgi requests for {count * len(names)} stills"
        raise RuntimeError(msg)
    return samples


async def _concurrent_stills(
    cam: EmulatedCamera, fetch: Callable[[], Awaitable[bytes]], rounds: int
) -> list[int]:
    """Device image requests caused by ten viewers asking at once."""
    per_round = []
    for _ in range(rounds):
        cam.clear_requests()
        await asyncio.gather(*(fetch() for _ in range(CONCURRENT_VIEWERS)))
        per_round.append(sum(1 for r in cam.requests if r.path == "image.cgi"))
    return per_round


# --------------------------------------------------------------------- 6


async def test_self_clean(
    hass: HomeAssistant, socket_enabled: None, settings: Settings
) -> None:
    """Metric 6: button.press (blocking) to return, against the pulse budget."""
    _say("self-clean press")
    async with _camera(settings) as cam:
        entry = await _set_up(hass, cam.port)
        coordinator = entry.runtime_data.coordinator
        button = _entity_id(hass, "button", f"{entry.unique_id}_self_clean")
        durations: list[float] = []
        requests: list[list[str]] = []
        pulses: list[float] = []
        for _ in range(settings.press_repeats):
            # Every press as the first after a quiet while: no refresh cooldown.
            coordinator._debounced_refresh.async_cancel()  # noqa: SLF001
            before = len(cam.pulses)
            cam.clear_requests()
            started = time.perf_counter()
            await hass.services.async_call(
                BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: button}, blocking=True
            )
            durations.append(time.perf_counter() - started)
            requests.append(
                [
                    f"{r.path}:{r.get('type') or r.get('controlFlag')}"
                    for r in cam.requests
                ]
            )
            new = cam.pulses[before:]
            if len(new) != 1 or not new[0].completed or new[0].end is None:
                msg = f"expected one completed pulse, got {new!r}"
                raise RuntimeError(msg)
            pulses.append(new[0].end - new[0].start)
        await hass.config_entries.async_unload(entry.entry_id)

    alarm_time = int(AlarmOperation.SELF_CLEAN) / MS
    budget = alarm_time + ALARM_PULSE_MARGIN + 4 * settings.latency
    wall = median(durations)
    record(
        settings.results,
        Metric(
            key="self_clean",
            name="Self-clean press-to-return / (alarmTime + margin + 4 x latency)",
            value=round(wall / budget, 3),
            limit=1.1,
            details={
                "press_ms_median": _ms(wall),
                "press_ms": [_ms(d) for d in durations],
                "budget_ms": _ms(budget),
                "pulse_ms": [_ms(p) for p in pulses],
                "requests_per_press": [len(r) for r in requests],
                "requests_of_first_press": requests[0],
            },
        ),
    )


# --------------------------------------------------------------------- 5


class SimulatedClock:
    """Monotonic time plus the simulated time the bench has let pass.

    aiohttp's connector reads it: a keep-alive connection idle for a simulated
    poll interval (30 s, more than aiohttp's 15 s keep-alive) is closed and a
    new one is opened, as with a real camera polled every 30 s.
    """

    def __init__(self) -> None:
        """Start without offset."""
        self.offset = 0.0

    def __call__(self) -> float:
        """The simulated monotonic time."""
        return time.monotonic() + self.offset

    def advance(self) -> None:
        """Let one poll interval pass."""
        self.offset += POLL_STEP.total_seconds()

    def patch(self) -> AbstractContextManager[object]:
        """Make aiohttp's connection pool use this clock."""
        return patch("aiohttp.connector.monotonic", self)


def _check_polled(
    coordinators: Sequence[ExcelSenseCoordinator], before: Sequence[object]
) -> None:
    stale = sum(
        1
        for c, old in zip(coordinators, before, strict=True)
        if c.data is old or not c.last_update_success
    )
    if stale:
        msg = f"{stale} of {len(coordinators)} cameras did not poll"
        raise RuntimeError(msg)


async def _refresh_all(
    coordinators: Sequence[ExcelSenseCoordinator], clock: SimulatedClock | None
) -> None:
    """One poll of every camera (``clock``: after a poll interval's pause)."""
    if clock is not None:
        clock.advance()
    before = [c.data for c in coordinators]
    await asyncio.gather(*(c.async_refresh() for c in coordinators))
    _check_polled(coordinators, before)


async def _poll_round(
    hass: HomeAssistant,
    coordinators: Sequence[ExcelSenseCoordinator],
    clock: SimulatedClock,
) -> None:
    """Let simulated time pass one poll interval: HA's timers poll every camera."""
    clock.advance()
    before = [c.data for c in coordinators]
    async_fire_time_changed(hass, dt_util.utcnow() + POLL_STEP)
    await hass.async_block_till_done(wait_background_tasks=True)
    _check_polled(coordinators, before)


def _coordinators(
    entries: Sequence[MockConfigEntry],
) -> list[ExcelSenseCoordinator]:
    loaded = [e for e in entries if e.state is ConfigEntryState.LOADED]
    if len(loaded) != len(entries):
        msg = f"{len(loaded)} of {len(entries)} cameras loaded"
        raise RuntimeError(msg)
    return [e.runtime_data.coordinator for e in entries]


async def _loop_cpu(count: int, poll: Callable[[], Awaitable[None]]) -> float:
    """Event-loop thread CPU (user + system) of one poll, per camera, in ms."""
    started = time.thread_time()
    await poll()
    return (time.thread_time() - started) / count * MS


async def _request_pattern(
    coordinator: ExcelSenseCoordinator,
) -> list[tuple[str, list[tuple[str, str]]]]:
    """The requests one refresh sends: (cgi, query without credentials)."""
    seen: list[tuple[str, list[tuple[str, str]]]] = []
    original = ExcelSenseClient._request_once  # noqa: SLF001

    async def spy(
        client: ExcelSenseClient,
        cgi: str,
        params: Sequence[tuple[str, str]],
        expect: Any,  # noqa: ANN401
    ) -> bytes:
        if client is coordinator.client:
            seen.append((cgi, list(params)))
        return await original(client, cgi, params, expect)

    with patch.object(ExcelSenseClient, "_request_once", spy):
        await coordinator.async_refresh()
    return seen


async def _raw_http_poll(
    hass: HomeAssistant,
    ports: Sequence[int],
    pattern: Sequence[tuple[str, list[tuple[str, str]]]],
    bound: int,
    clock: SimulatedClock,
) -> None:
    """The requests of one poll of every camera, bare aiohttp, same bound."""
    clock.advance()
    session = async_get_clientsession(hass)

    async def camera(port: int) -> None:
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

    await asyncio.gather(*(camera(port) for port in ports))


async def test_many_cameras(
    hass: HomeAssistant,
    socket_enabled: None,
    settings: Settings,
    emulator_farm: EmulatorFarm,
) -> None:
    """Metric 5: setup time and event-loop CPU per poll per camera."""
    count = len(emulator_farm.ports)
    _say(f"{count} cameras: setup")
    entries = [_entry(port, i) for i, port in enumerate(emulator_farm.ports)]
    for entry in entries:
        entry.add_to_hass(hass)
    started, cpu_started = time.perf_counter(), time.thread_time()
    # As at Home Assistant's start: every entry of the domain set up at once.
    if not await async_setup_component(hass, DOMAIN, {}):
        msg = "integration setup failed"
        raise RuntimeError(msg)
    await hass.async_block_till_done()
    setup_wall = time.perf_counter() - started
    setup_cpu = time.thread_time() - cpu_started
    coordinators = _coordinators(entries)
    entities = _entity_counts(hass, entries[0].entry_id)
    record(
        settings.results,
        Metric(
            key="setup_time",
            name=f"Setup time of {count} cameras (s, reported)",
            value=round(setup_wall, 2),
            unit="s",
            details={
                "cameras": count,
                "per_camera_ms": _ms(setup_wall / count),
                "loop_cpu_s": round(setup_cpu, 2),
                **entities,
            },
        ),
    )

    rounds = settings.cpu_rounds
    _say(f"{count} cameras: {rounds} polls per camera, three ways")
    clock = SimulatedClock()
    pattern = await _request_pattern(coordinators[0])
    bound = coordinators[0].client.max_concurrent_requests
    ways: dict[str, Callable[[], Awaitable[None]]] = {
        # The metric: each poll after a poll interval, as in production.
        "poll": lambda: _refresh_all(coordinators, clock),
        # For comparison: connections kept alive from the previous poll, and
        # the same requests sent with bare aiohttp.
        "kept_alive": lambda: _refresh_all(coordinators, None),
        "raw_http": lambda: _raw_http_poll(
            hass, emulator_farm.ports, pattern, bound, clock
        ),
    }
    cpu: dict[str, list[float]] = {name: [] for name in ways}
    emulator = 0.0
    with clock.patch():
        await _refresh_all(coordinators, clock)  # warm-up
        names = list(ways)
        for index in range(rounds):  # interleaved: drift hits every way alike
            shift = index % len(names)
            for name in names[shift:] + names[:shift]:
                before = emulator_farm.cpu_seconds() or 0.0
                cpu[name].append(await _loop_cpu(count, ways[name]))
                if name == "poll":
                    emulator += (emulator_farm.cpu_seconds() or 0.0) - before
    mean = {name: sum(values) / rounds for name, values in cpu.items()}
    record(
        settings.results,
        Metric(
            key="poll_cpu",
            name=f"Event-loop CPU per poll per camera ({count} cameras, ms)",
            value=round(mean["poll"], 2),
            unit="ms",
            limit=2.0,
            op="<",
            details={
                "cameras": count,
                "polls_per_camera": rounds,
                "requests_per_poll": len(pattern),
                "median_ms": round(median(cpu["poll"]), 2),
                "per_round_ms": [round(v, 2) for v in cpu["poll"]],
                "kept_alive_connections_ms": round(mean["kept_alive"], 2),
                "raw_http_same_requests_ms": round(mean["raw_http"], 2),
                "emulator_process_cpu_ms": round(emulator * MS / (count * rounds), 2),
            },
        ),
    )
    record(
        settings.results,
        Metric(
            key="poll_cpu_vs_raw_http",
            name="Poll CPU / CPU of the same requests with bare aiohttp",
            value=round(mean["poll"] / mean["raw_http"], 2),
            details={
                "poll_ms": round(mean["poll"], 2),
                "raw_http_ms": round(mean["raw_http"], 2),
            },
        ),
    )


# --------------------------------------------------------------------- 7


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
    """Write the registries now, then forget the harness' in-memory "disk".

    Stores write 10 s of real time after a change (simulated time does not
    hurry them); flushed here, they land in no sample by chance. The test
    harness keeps what they wrote in ``hass_storage``, which a real Home
    Assistant writes to disk instead: it is not the process's memory.
    """
    hass.bus.async_fire(EVENT_HOMEASSISTANT_FINAL_WRITE)
    await hass.async_block_till_done()
    hass_storage.clear()


async def test_memory(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    socket_enabled: None,
    settings: Settings,
    emulator_farm: EmulatorFarm,
) -> None:
    """Metric 7: memory per added camera, and no growth over simulated time."""
    count = len(emulator_farm.ports)
    entries = [_entry(port, i) for i, port in enumerate(emulator_farm.ports)]
    clock = SimulatedClock()
    _say(f"memory: 1 camera, then {count - 1} more")
    with clock.patch():
        entries[0].add_to_hass(hass)
        if not await async_setup_component(hass, DOMAIN, {}):
            msg = "integration setup failed"
            raise RuntimeError(msg)
        await hass.async_block_till_done()
        await _poll_round(hass, _coordinators(entries[:1]), clock)
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
            coordinators = _coordinators(entries)
            await _poll_round(hass, coordinators, clock)
            await _flush_storage(hass, hass_storage)
            loaded = _census()
            _say(
                f"memory: {settings.memory_rounds} polls per camera "
                f"({_minutes(settings.memory_rounds):g} simulated minutes)"
            )
            series, reference, growth_top = await _steady_state(
                hass, coordinators, settings, clock
            )
        finally:
            tracemalloc.stop()
    added = loaded["traced_bytes"] - first["traced_bytes"]
    record(
        settings.results,
        Metric(
            key="memory_per_camera",
            name=f"Memory per added camera at {count} cameras (MiB)",
            value=round(added / (count - 1) / MIB, 3),
            unit="MiB",
            limit=1.0,
            op="<",
            details={"cameras": count, "traced_mib_added": round(added / MIB, 2)},
        ),
    )
    final = series[-1]
    minutes = _minutes(settings.memory_rounds - settings.memory_warmup_rounds)
    record(
        settings.results,
        Metric(
            key="memory_growth",
            name=(
                f"Memory growth over {minutes:g} simulated minutes after "
                f"{_minutes(settings.memory_warmup_rounds):g} (KiB per camera)"
            ),
            value=round(
                (final["traced_bytes"] - reference["traced_bytes"]) / count / KIB, 2
            ),
            unit="KiB",
            limit=max(MEMORY_GROWTH_LIMIT_KIB, MEMORY_NOISE_KIB / count),
            details={"series": series, "top_growth": growth_top},
        ),
    )
    for key, name in (
        ("tasks", "asyncio tasks"),
        ("http_sessions", "HTTP client sessions"),
        ("open_fds", "open file descriptors"),
    ):
        record(
            settings.results,
            Metric(
                key=f"{key}_growth",
                name=f"Growth of {name} over the same minutes",
                value=final[key] - reference[key],
                limit=0,
                details={"reference": reference[key], "final": final[key]},
            ),
        )


def _minutes(polls: int) -> float:
    return polls * SCAN_INTERVAL.total_seconds() / 60


async def _steady_state(
    hass: HomeAssistant,
    coordinators: Sequence[ExcelSenseCoordinator],
    settings: Settings,
    clock: SimulatedClock,
) -> tuple[list[dict[str, Any]], dict[str, int], list[str]]:
    """Poll for the memory run; a census every ten simulated minutes."""
    series: list[dict[str, Any]] = []
    reference: dict[str, int] = {}
    snapshot: tracemalloc.Snapshot | None = None
    for index in range(1, settings.memory_rounds + 1):
        await _poll_round(hass, coordinators, clock)
        if index == settings.memory_warmup_rounds:
            reference = _census()
            snapshot = tracemalloc.take_snapshot()
            series.append({"poll": index, **reference})
        elif index % SAMPLE_EVERY == 0 or index == settings.memory_rounds:
            series.append({"poll": index, **_census()})
    top: list[str] = []
    if snapshot is not None:
        final = tracemalloc.take_snapshot()
        top = [str(stat) for stat in final.compare_to(snapshot, "lineno")[:5]]
    return series, reference, top
