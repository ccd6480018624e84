"""Snapshots: a still through Home Assistant's camera proxy, ours and generic's.

Stills of one camera with the run's latency, fetched one at a time and in
turn three ways: image.cgi directly, through the proxy from our camera
entity, and through the proxy from Home Assistant's generic camera on the
same URL. Then ten viewers ask our entity at once: the camera should see
one request.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from http import HTTPStatus
from statistics import median
from typing import TYPE_CHECKING

from homeassistant.helpers.aiohttp_client import async_get_clientsession
from pytest_homeassistant_custom_component.common import MockConfigEntry
from yarl import URL

from .harness import PASSWORD, USERNAME, camera, entity_id, ms, say, set_up, wall
from .results import Metric, record_all

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

    from tests.emulator import EmulatedCamera

    from .settings import Settings

JPEG_MAGIC = b"\xff\xd8"
CONCURRENT_VIEWERS = 10


@dataclass(frozen=True)
class Stills:
    """Seconds per still on each path, and image requests per round of viewers."""

    seconds: dict[str, list[float]]
    concurrent_requests: list[int]


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


async def measure(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, settings: Settings
) -> Stills:
    """Time stills on the three paths, then count requests for ten viewers."""
    async with camera(settings) as cam:
        entry = await set_up(hass, cam.port)
        ours = entity_id(hass, "camera", f"{entry.unique_id}_camera")
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
        generic = entity_id(hass, "camera", generic_entry.entry_id, "generic")
        client = await hass_client()
        session = async_get_clientsession(hass)

        async def direct() -> bytes:
            async with session.get(image_url) as response:
                body = await response.read()
                if not _is_jpeg(response.status, body):
                    msg = f"direct image.cgi: HTTP {response.status}"
                    raise RuntimeError(msg)
                return body

        async def proxy(entity: str) -> bytes:
            response = await client.get(f"/api/camera_proxy/{entity}")
            body: bytes = await response.read()
            if not _is_jpeg(response.status, body):
                msg = f"camera proxy {entity}: HTTP {response.status}"
                raise RuntimeError(msg)
            return body

        paths: dict[str, Callable[[], Awaitable[bytes]]] = {
            "direct": direct,
            "ours": lambda: proxy(ours),
            "generic": lambda: proxy(generic),
        }
        seconds = await _sequential(cam, paths, settings.snapshot_samples)
        concurrent = await _concurrent(
            cam, lambda: proxy(ours), settings.concurrent_rounds
        )
        await hass.config_entries.async_unload(generic_entry.entry_id)
        await hass.config_entries.async_unload(entry.entry_id)
    return Stills(seconds=seconds, concurrent_requests=concurrent)


async def _sequential(
    cam: EmulatedCamera,
    paths: dict[str, Callable[[], Awaitable[bytes]]],
    count: int,
) -> dict[str, list[float]]:
    """Time ``count`` stills per path, interleaved (the order rotates)."""
    for fetch in paths.values():  # warm up: connections, tokens, templates
        await fetch()
    names = list(paths)
    seconds: dict[str, list[float]] = {name: [] for name in names}
    cam.clear_requests()
    for index in range(count):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            started = wall()
            await paths[name]()
            seconds[name].append(wall() - started)
    fetched = sum(1 for r in cam.requests if r.path == "image.cgi")
    if fetched != count * len(names):
        # A cached still would make its path look faster than the camera is.
        msg = f"{fetched} image.cgi requests for {count * len(names)} stills"
        raise RuntimeError(msg)
    return seconds


async def _concurrent(
    cam: EmulatedCamera, fetch: Callable[[], Awaitable[bytes]], rounds: int
) -> list[int]:
    """Device image requests caused by ten viewers asking at once."""
    per_round = []
    for _ in range(rounds):
        cam.clear_requests()
        await asyncio.gather(*(fetch() for _ in range(CONCURRENT_VIEWERS)))
        per_round.append(sum(1 for r in cam.requests if r.path == "image.cgi"))
    return per_round


def report(stills: Stills) -> list[Metric]:
    """Proxy over direct (ours, generic), ours over generic, shared requests."""
    p50 = {name: median(values) for name, values in stills.seconds.items()}
    timing = {f"{name}_p50_ms": ms(value) for name, value in p50.items()}
    samples = len(stills.seconds["direct"])
    return [
        Metric(
            key="snapshot_ours",
            name="Snapshot p50 via HA proxy / direct image.cgi (ours)",
            value=round(p50["ours"] / p50["direct"], 3),
            limit=1.15,
            details={**timing, "samples": samples},
        ),
        Metric(
            key="snapshot_generic",
            name="Snapshot p50 via HA proxy / direct image.cgi (generic camera)",
            value=round(p50["generic"] / p50["direct"], 3),
            details=timing,
        ),
        Metric(
            key="snapshot_ours_vs_generic",
            name="Snapshot p50 ours / generic camera (not above generic's)",
            value=round(p50["ours"] / p50["generic"], 3),
            limit=1.0,
            details=timing,
        ),
        Metric(
            key="snapshot_shared",
            name=f"Device image requests for {CONCURRENT_VIEWERS} concurrent stills",
            value=max(stills.concurrent_requests),
            limit=1,
            details={"per_round": stills.concurrent_requests},
        ),
    ]


async def test_snapshots(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    socket_enabled: None,
    settings: Settings,
) -> None:
    """Stills through Home Assistant's camera proxy, ours and generic's."""
    say("snapshots")
    record_all(settings.results, report(await measure(hass, hass_client, settings)))
