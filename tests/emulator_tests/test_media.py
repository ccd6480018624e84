"""Snapshots, MJPEG streaming and RTSP URLs."""

from __future__ import annotations

import asyncio
import io
from typing import TYPE_CHECKING

from PIL import Image

from tests.emulator import EmulatedCamera, ManualClock

if TYPE_CHECKING:
    import aiohttp

    from .conftest import Api

RTSP = {"type": "RTSP", "cameraID": "1", "streamID": "1", "EncoderType": "H265"}


def open_jpeg(data: bytes) -> Image.Image:
    """Decode a JPEG, failing the test if it is not one."""
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    image.load()
    return image


async def test_snapshot_is_jpeg_of_stream_size(api: Api, cam: EmulatedCamera) -> None:
    """image.cgi answers image/jpeg, stream 1 scaled to 1280 px wide."""
    status, headers, body = await api.raw(
        "image.cgi", {"cameraID": "1", "quality": "5"}
    )
    assert status == 200
    assert headers["Content-Type"] == "image/jpeg"
    assert open_jpeg(body).size == (1280, 720)
    assert cam.snapshot_jpeg(5) == body


async def test_snapshot_quality_and_validation(api: Api, cam: EmulatedCamera) -> None:
    """Quality 1..9 changes the JPEG size; anything else answers -23."""
    assert len(cam.snapshot_jpeg(1)) < len(cam.snapshot_jpeg(9))
    for params in (
        {"quality": "0"},
        {"quality": "10"},
        {"quality": "high"},
        {},
        {"quality": "5", "cameraID": "2"},
    ):
        assert await api.code("image.cgi", params) == -23


async def test_snapshot_cache(cam: EmulatedCamera) -> None:
    """Repeated snapshots of an unchanged scene reuse the rendered bytes."""
    assert cam.snapshot_jpeg(7) is cam.snapshot_jpeg(7)


async def test_snapshot_changes_while_cleaning_and_with_dirt(
    api: Api, cam: EmulatedCamera, clock: ManualClock
) -> None:
    """The picture shows the cleaning state and the lens dirt."""
    clean = open_jpeg(cam.snapshot_jpeg(9))
    for flag in ("1", "0"):
        if flag == "0":
            clock.advance(0.3)
        await api.text(
            "alarm.cgi",
            {"action": "manualControl", "alarmOutID": "1", "controlFlag": flag},
        )
    assert cam.cleaning
    cleaning = open_jpeg(cam.snapshot_jpeg(9))
    centre = (640, 360)
    assert cleaning.getpixel(centre) != clean.getpixel(centre)
    clock.advance(10)
    cam.dirt = 1.0
    dirty = cam.snapshot_jpeg(9)
    assert dirty != cam.snapshot_jpeg(8)
    cam.dirt = 0.0
    assert cam.snapshot_jpeg(9) != dirty


async def test_snapshot_follows_stream_resolution(
    api: Api, cam: EmulatedCamera
) -> None:
    """A smaller main stream gives a smaller snapshot."""
    await api.set(
        "AVStream",
        cameraID="1",
        streamID="1",
        videoEncoderType="8",
        resolution="1280*720",
    )
    assert open_jpeg(cam.snapshot_jpeg()).size == (1280, 720)
    cam.state.streams[1].values["resolution"] = "640*480"
    assert open_jpeg(cam.snapshot_jpeg()).size == (640, 480)


async def test_mjpeg_first_frame(api: Api, cam: EmulatedCamera) -> None:
    """video.cgi type=HTTP streams multipart JPEG parts with the spec's boundary."""
    params = {
        "userName": "admin",
        "password": "admin",
        "type": "http",
        "streamID": "2",
        "EncoderType": "MJPEG",
    }
    async with api.session.get(
        f"{cam.url}/cgi-bin/video.cgi", params=params
    ) as response:
        assert response.status == 200
        assert (
            response.headers["Content-Type"]
            == "multipart/x-mixed-replace; boundary=myboundary"
        )
        assert response.headers["Cache-Control"] == "no-cache"
        head = await response.content.readuntil(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        assert lines[0] == "--myboundary"
        assert lines[1] == "Content-Type: image/jpeg"
        length = int(lines[2].removeprefix("Content-Length: "))
        frame = await response.content.readexactly(length)
        assert open_jpeg(frame).size == (640, 360)
        assert await response.content.readexactly(2) == b"\r\n"
    assert cam.requests[-1].status == 200


async def test_mjpeg_ends_on_stop(
    session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    """Stopping the camera ends a running stream cleanly."""
    cam = EmulatedCamera(frame_interval=5.0)
    await cam.start()
    params = {
        "userName": "admin",
        "password": "admin",
        "type": "HTTP",
        "streamID": "3",
        "EncoderType": "MJPEG",
    }
    async with session.get(f"{cam.url}/cgi-bin/video.cgi", params=params) as response:
        await response.content.readuntil(b"\r\n\r\n")
        await asyncio.wait_for(cam.stop(), 3)
        rest = await asyncio.wait_for(response.content.read(), 3)
        assert rest.endswith(b"\r\n")


async def test_mjpeg_validation(api: Api) -> None:
    """The stream request needs a known stream and encoder."""
    for params in (
        {"type": "HTTP", "EncoderType": "MJPEG"},
        {"type": "HTTP", "streamID": "9", "EncoderType": "MJPEG"},
        {"type": "HTTP", "streamID": "1", "EncoderType": "VP9"},
        {"type": "HTTP", "streamID": "1", "EncoderType": "MJPEG", "AudioFlag": "2"},
        {"type": "HTTP", "streamID": "1", "cameraID": "2", "EncoderType": "MJPEG"},
    ):
        assert await api.code("video.cgi", params) == -23


async def test_rtsp_url_default(api: Api) -> None:
    """A single line naming the device IP, rtspPort and the stream path."""
    assert await api.text("video.cgi", RTSP) == "rtsp://127.0.0.1:554/snl/live/1/1\n"
    assert await api.text(
        "video.cgi", {**RTSP, "type": "rtsp", "streamID": "3", "EncoderType": "mjpeg"}
    ) == ("rtsp://127.0.0.1:554/snl/live/1/3\n")
    assert (
        await api.text("video.cgi", {k: v for k, v in RTSP.items() if k != "cameraID"})
    ).startswith("rtsp://")


async def test_rtsp_url_quirks(api: Api, cam: EmulatedCamera) -> None:
    """Reported IP, stray whitespace, token segment and the configured rtspPort."""
    cam.quirks.reported_ip = "192.168.1.121"
    assert (
        await api.text("video.cgi", RTSP) == "rtsp://192.168.1.121:554/snl/live/1/1\n"
    )
    cam.quirks.rtsp_whitespace = True
    assert (
        await api.text("video.cgi", RTSP) == "rtsp://192.168. 1.121:554/snl/live/1/1\n"
    )
    cam.quirks.rtsp_whitespace = False
    cam.quirks.rtsp_token = "a1b2c3"
    await api.set("devicePort", rtspPort="8554")
    assert (
        await api.text("video.cgi", RTSP)
        == "rtsp://192.168.1.121:8554/snl/live/1/1/a1b2c3\n"
    )
    network = await api.get("localNetwork", IPProtoVer="1")
    entries = network.loop("localNetwork")
    assert entries is not None
    assert entries[0].get("IPAddress") == "192.168.1.121"


async def test_rtsp_follows_network_setting(api: Api) -> None:
    """Without the quirk the URL names localNetwork IPAddress (first the host)."""
    assert "//127.0.0.1:" in await api.text("video.cgi", RTSP)
    await api.set("localNetwork", netCardId="1", IPProtoVer="1", IPAddress="10.1.2.3")
    assert await api.text("video.cgi", RTSP) == "rtsp://10.1.2.3:554/snl/live/1/1\n"


async def _probe_size(url: str) -> tuple[int, int]:
    """The picture size ffprobe reads from an RTSP stream."""
    process = await asyncio.create_subprocess_exec(
        "ffprobe",
        "-v",
        "error",
        "-rtsp_transport",
        "tcp",
        "-select_streams",
        "v:0",
        "-show_entries",
        "stream=width,height",
        "-of",
        "csv=p=0",
        url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, stderr.decode()
    width, height = stdout.decode().strip().split(",")
    return int(width), int(height)


async def test_rtsp_streams_follow_their_settings(socket_enabled: None) -> None:
    """Each stream plays at its own resolution (scaled like the stills).

    video.cgi names /snl/live/<camera>/<stream>; a stream whose resolution
    changed plays at the new one for the next player.
    """
    async with EmulatedCamera(rtsp=True) as cam:
        assert cam.rtsp is not None
        base = f"rtsp://admin:admin@127.0.0.1:{cam.rtsp.port}/snl/live/1"
        assert await _probe_size(f"{base}/1") == (1280, 720)
        assert await _probe_size(f"{base}/3") == (320, 180)
        cam.state.streams[3].values["resolution"] = "640*360"
        assert await _probe_size(f"{base}/3") == (640, 360)
        assert cam.rtsp.size(3) == (640, 360)
