"""Camera entities: stills, sharing, RTSP source, MJPEG proxy."""

from __future__ import annotations

import asyncio
import gc
from http import HTTPStatus
from io import BytesIO
from typing import TYPE_CHECKING
from urllib.parse import quote

from homeassistant.components.camera import async_get_image, async_get_stream_source
from homeassistant.helpers import entity_registry as er
from PIL import Image
import pytest

from custom_components.excelsense.api import ExcelSenseConnectionError
from custom_components.excelsense.groups import Group
from tests.emulator import Fault

from .conftest import PASSWORD

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry
    from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

    from tests.emulator import EmulatedCamera

CAMERA = "camera.tougheye"


def _image_requests(camera: EmulatedCamera) -> int:
    return sum(1 for r in camera.requests if r.path == "image.cgi")


async def test_still_image_is_the_cameras(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """The still is the device's JPEG at the configured quality."""
    image = await async_get_image(hass, CAMERA)
    assert image.content_type == "image/jpeg"
    assert Image.open(BytesIO(image.content)).format == "JPEG"
    request = next(r for r in camera.requests if r.path == "image.cgi")
    assert request.get("quality") == "9"


async def test_concurrent_stills_share_one_request(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """Ten viewers at once cost the camera one snapshot."""
    camera.latency = 0.05
    camera.clear_requests()
    images = await asyncio.gather(*(async_get_image(hass, CAMERA) for _ in range(10)))
    assert len({i.content for i in images}) == 1
    assert _image_requests(camera) == 1


async def test_snapshot_failure_is_not_an_image(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """A broken snapshot reply gives no image (and no crash)."""
    from tests.emulator import Fault  # noqa: PLC0415

    camera.inject(Fault(kind="garbage", path="image.cgi"))
    proxy = init_integration.runtime_data.snapshots
    assert proxy is not None
    entity = hass.data["camera"].get_entity(CAMERA)
    assert await entity.async_camera_image() is None


async def test_stream_source_uses_configured_host(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """Behind NAT, with stray whitespace and a token: the URL is still right."""
    camera.quirks.reported_ip = "192.168.1.121"
    camera.quirks.rtsp_whitespace = True
    camera.quirks.rtsp_token = "tok3n"
    source = await async_get_stream_source(hass, CAMERA)
    assert source is not None
    assert " " not in source
    user = quote("admin", safe="")
    secret = quote(PASSWORD, safe="")
    assert source == f"rtsp://{user}:{secret}@127.0.0.1:554/snl/live/1/1/tok3n"


async def test_state_attributes_have_no_secret(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """No attribute of the camera carries a URL or the password."""
    state = hass.states.get(CAMERA)
    assert state is not None
    assert PASSWORD not in str(state.attributes)
    assert "rtsp://" not in str(state.attributes)


async def test_sub_streams_disabled_by_default(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Only the main stream's entity is enabled at first."""
    registry = er.async_get(hass)
    cameras = [
        e
        for e in er.async_entries_for_config_entry(registry, init_integration.entry_id)
        if e.domain == "camera"
    ]
    assert len(cameras) >= 2
    enabled = [e.entity_id for e in cameras if not e.disabled]
    assert enabled == [CAMERA]


async def test_mjpeg_proxy(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
) -> None:
    """The camera's own MJPEG stream is proxied through Home Assistant."""
    client = await hass_client()
    response = await client.get(f"/api/camera_proxy_stream/{CAMERA}")
    assert response.status == HTTPStatus.OK
    assert response.headers["Content-Type"].startswith("multipart/x-mixed-replace")
    chunk = await response.content.read(4096)
    assert b"--myboundary" in chunk
    assert b"\xff\xd8" in chunk
    response.close()


async def test_stream_source_unavailable_and_mjpeg_fallback(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
) -> None:
    """A camera that cannot give a URL or MJPEG degrades instead of failing."""
    from tests.emulator import Fault  # noqa: PLC0415

    camera.inject(Fault(kind="error", code=-22, path="video.cgi", count=None))
    assert await async_get_stream_source(hass, CAMERA) is None
    client = await hass_client()
    response = await client.get(f"/api/camera_proxy_stream/{CAMERA}")
    assert response.status == HTTPStatus.OK
    chunk = await response.content.read(1024)
    assert b"\xff\xd8" in chunk
    response.close()


async def test_sub_stream_plays_its_own_stream(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """A sub-stream entity asks the camera for its own stream's URL."""
    from custom_components.excelsense.camera import (  # noqa: PLC0415
        ExcelSenseCamera,
        ExcelSenseCameraDescription,
    )

    runtime = init_integration.runtime_data
    sub = ExcelSenseCamera(
        runtime.coordinator,
        runtime.snapshots,
        ExcelSenseCameraDescription(key="stream_2"),
        stream_id=2,
    )
    sub.hass = hass
    source = await sub.stream_source()
    assert source is not None
    assert source.endswith("/snl/live/1/2")
    # video.cgi is asked for the stream's own encoder (stream 2: H.264).
    rtsp = [r for r in camera.requests if r.path == "video.cgi"][-1]
    assert rtsp.get("EncoderType") == "H264"


async def test_unload_during_a_snapshot_is_a_clean_error(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """A still still on its way when the camera unloads: a client error, no KeyError."""
    snapshots = init_integration.runtime_data.snapshots
    camera.inject(Fault("latency", path="image.cgi", delay=0.5))
    waiting = asyncio.create_task(snapshots.get(9))
    await asyncio.sleep(0.1)
    await snapshots.async_close()
    with pytest.raises(ExcelSenseConnectionError):
        await waiting
    camera.clear_faults()
    assert (await snapshots.get(9)).startswith(b"\xff\xd8")


async def test_rtsp_url_asked_with_the_stream_encoder(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """video.cgi's EncoderType follows the stream: H.265 main stream, MJPEG too."""
    assert camera.state.streams[1].values["videoEncoderType"] == "8"
    assert await async_get_stream_source(hass, "camera.tougheye")
    (request,) = [r for r in camera.requests if r.path == "video.cgi"]
    assert request.get("EncoderType") == "H265"
    # The same stream again: its URL is known, no new request.
    assert await async_get_stream_source(hass, "camera.tougheye")
    assert len([r for r in camera.requests if r.path == "video.cgi"]) == 1
    # Its encoder changed (H.264): the URL is asked for again, with H264.
    runtime = init_integration.runtime_data
    await runtime.client.set_av_stream(1, video_encoder=1)
    await runtime.coordinator.async_refresh_group(Group.stream(1))
    assert await async_get_stream_source(hass, "camera.tougheye")
    requests = [r for r in camera.requests if r.path == "video.cgi"]
    assert [r.get("EncoderType") for r in requests] == ["H265", "H264"]


async def test_still_every_caller_gave_up_on_is_retrieved(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    short_timeouts: None,
    config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A still slower than every caller's patience: no "never retrieved" error.

    Home Assistant gives a still 10 s; a camera that answers after 15 s (here
    scaled down: callers wait 0.1 s, requests 0.5 s, the camera 1 s) leaves
    the shared fetch without a caller when it fails.
    """
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    camera.inject(Fault("latency", path="image.cgi", delay=1.0))
    snapshots = config_entry.runtime_data.snapshots
    for _ in range(3):
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.1):
                await snapshots.get(9)
    await asyncio.sleep(1.0)  # the shared fetch times out with nobody waiting
    gc.collect()
    await asyncio.sleep(0)
    assert "never retrieved" not in caplog.text
    camera.clear_faults()
    assert (await snapshots.get(9)).startswith(b"\xff\xd8")
