"""RTSP URLs, snapshots and the MJPEG live stream."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import aiohttp
import pytest

from custom_components.excelsense.api import (
    ExcelSenseAuthenticationError,
    ExcelSenseConnectionError,
    ExcelSenseError,
    ExcelSenseInvalidParameterError,
    ExcelSenseResponseError,
    ExcelSenseTimeoutError,
    client as client_module,
)
from tests.emulator import EmulatedCamera, Fault
from tests.emulator.device import Reply

from .conftest import PASSWORD, ExpectError, assert_no_password

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

    from custom_components.excelsense.api import ExcelSenseClient

    Call = Callable[[ExcelSenseClient], Coroutine[Any, Any, Any]]
from .helpers import (
    JPEG_MAGIC,
    reply_with,
)

# ------------------------------------------------------------------ RTSP


@pytest.mark.parametrize(
    ("quirks", "kwargs", "port", "path"),
    [
        pytest.param({}, {}, 554, "/snl/live/1/1", id="plain"),
        pytest.param(
            {"rtsp_whitespace": True, "reported_ip": "192.168.1.121"},
            {"stream_id": 2},
            554,
            "/snl/live/1/2",
            id="whitespace-nat",
        ),
        pytest.param(
            {"rtsp_token": "a1b2c3", "crlf": True},
            {"stream_id": 3},
            554,
            "/snl/live/1/3/a1b2c3",
            id="token",
        ),
        pytest.param(
            {"rtsp_token": "tok?session=9"},
            {"rtsp_port": 8554},
            8554,
            "/snl/live/1/1/tok?session=9",
            id="query-and-port-override",
        ),
    ],
)
async def test_rtsp_url(
    client: ExcelSenseClient,
    camera: EmulatedCamera,
    quirks: dict[str, Any],
    kwargs: dict[str, Any],
    port: int,
    path: str,
) -> None:
    """The configured host and quoted credentials replace the device's view."""
    for key, value in quirks.items():
        setattr(camera.quirks, key, value)
    stream = await client.rtsp_url(**kwargs)
    secret = quote(PASSWORD, safe="")
    assert stream.url == f"rtsp://admin:{secret}@127.0.0.1:{port}{path}"
    assert stream.redacted == f"rtsp://admin:***@127.0.0.1:{port}{path}"
    assert str(stream) == stream.redacted
    for text in (stream.redacted, str(stream), repr(stream)):
        assert_no_password(text)
    request = camera.requests[-1]
    assert (request.path, request.get("type"), request.get("EncoderType")) == (
        "video.cgi",
        "RTSP",
        "H264",
    )
    assert request.get("streamID") == str(kwargs.get("stream_id", 1))


async def test_rtsp_url_uses_device_rtsp_port(
    client: ExcelSenseClient, camera: EmulatedCamera
) -> None:
    """Without an override the port is the one the device reports."""
    await client.set_device_port(rtsp_port=10554)
    assert ":10554/" in (await client.rtsp_url()).url


async def test_rtsp_url_invalid(
    client: ExcelSenseClient, camera: EmulatedCamera, expect_error: ExpectError
) -> None:
    """An RTSP URL that cannot be parsed is a response error."""
    camera.state.ports.values["rtspPort"] = "99999"
    err = await expect_error(ExcelSenseResponseError, client.rtsp_url())
    assert err.message == "Reply to video.cgi is not a valid RTSP URL"


async def test_rtsp_url_ipv6_host(session: aiohttp.ClientSession) -> None:
    """An IPv6 host is bracketed in the authority (no network involved)."""
    client = client_module.ExcelSenseClient(
        host="fd00::5", username="a b", password=PASSWORD, session=session
    )

    async def reply(*_args: object) -> bytes:
        return b"rtsp://10.0.0.5/snl/live/1/1\r\n"

    client._request = reply  # type: ignore[method-assign]
    stream = await client.rtsp_url()
    assert stream.redacted == "rtsp://a%20b:***@[fd00::5]:554/snl/live/1/1"


# ------------------------------------------------------------------ images


@pytest.mark.parametrize("quality", [1, 5, 9])
async def test_snapshot(
    client: ExcelSenseClient, camera: EmulatedCamera, quality: int
) -> None:
    """A snapshot is the device's JPEG at the asked quality."""
    image = await client.snapshot(quality=quality)
    assert image.startswith(JPEG_MAGIC)
    assert image.rstrip(b"\0").endswith(b"\xff\xd9")
    (request,) = camera.requests
    assert (request.path, request.get("quality"), request.get("cameraID")) == (
        "image.cgi",
        str(quality),
        "1",
    )


@pytest.mark.parametrize(("gap", "arrives"), [(0.8, True), (3.0, False)])
async def test_a_slow_still_arrives_while_its_bytes_keep_coming(
    make_client: Callable[..., ExcelSenseClient],
    camera: EmulatedCamera,
    expect_error: ExpectError,
    gap: float,
    arrives: bool,
) -> None:
    """A still taking longer than the request timeout in all still arrives.

    The vendor's snapshot.py: ``requests.get(url, timeout=10)``, which bounds
    the connection and each read, not the whole reply: a large picture over a
    slow link (here 2.4 s in four parts, a 2 s timeout) is read whole. A gap
    longer than the timeout is still one.
    """
    client = make_client(request_timeout=2.0)
    camera.inject(Fault("trickle", path="image.cgi", delay=gap))
    if arrives:
        image = await client.snapshot(9)
        assert image.startswith(JPEG_MAGIC)
        assert image.rstrip(b"\0").endswith(b"\xff\xd9")
    else:
        await expect_error(ExcelSenseTimeoutError, client.snapshot(9))


async def test_open_mjpeg_stream(
    client: ExcelSenseClient, camera: EmulatedCamera
) -> None:
    """The live stream is multipart; its first part is a JPEG frame."""
    response = await client.open_mjpeg_stream(stream_id=2)
    try:
        assert response.status == 200
        assert response.content_type == "multipart/x-mixed-replace"
        reader = aiohttp.MultipartReader.from_response(response)
        part = await reader.next()
        assert isinstance(part, aiohttp.BodyPartReader)
        assert part.headers["Content-Type"] == "image/jpeg"
        assert (await part.read()).startswith(JPEG_MAGIC)
    finally:
        response.close()
    request = camera.requests[-1]
    assert dict(request.params) | {"userName": "-"} == {
        "userName": "-",
        "type": "HTTP",
        "cameraID": "1",
        "streamID": "2",
        "EncoderType": "MJPEG",
        "AudioFlag": "0",
    }


async def test_open_mjpeg_stream_outlives_session_timeout(
    camera: EmulatedCamera, make_client: Callable[..., ExcelSenseClient]
) -> None:
    """A live view is not cut short by the session's total timeout.

    BUG (client.py open_mjpeg_stream): no per-request ``timeout=`` is passed,
    so the caller session's ClientTimeout.total (aiohttp's default 300 s, which
    Home Assistant's shared session keeps) ends every live view after it.
    """
    camera.frame_interval = 0.05
    total = aiohttp.ClientTimeout(total=0.4)
    async with aiohttp.ClientSession(timeout=total) as http:
        response = await make_client(session=http).open_mjpeg_stream()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 0.8
        cut = None
        try:
            while loop.time() < deadline:
                assert await response.content.readany()
        except TimeoutError:
            cut = f"after {loop.time() - deadline + 0.8:.1f} s"
        finally:
            response.close()
    assert cut is None, f"the session's total timeout cut the live stream {cut}"


async def test_open_mjpeg_stream_errors(
    client: ExcelSenseClient,
    camera: EmulatedCamera,
    make_client: Callable[..., ExcelSenseClient],
    monkeypatch: pytest.MonkeyPatch,
    expect_error: ExpectError,
) -> None:
    """Refusals and non-stream replies raise instead of returning a response."""
    wrong = make_client(password="wrong")
    err = await expect_error(ExcelSenseAuthenticationError, wrong.open_mjpeg_stream())
    assert err.code == -508
    camera.inject(Fault("error", code=-23, count=1))
    await expect_error(ExcelSenseInvalidParameterError, client.open_mjpeg_stream())
    reply_with(monkeypatch, camera, "video.cgi", Reply(b"OK\r\n"))
    err = await expect_error(ExcelSenseResponseError, client.open_mjpeg_stream())
    assert err.message == "Live stream reply is not multipart"


@pytest.mark.parametrize(
    ("fault", "error_type"),
    [
        pytest.param(Fault("truncated"), ExcelSenseConnectionError, id="truncated"),
        pytest.param(Fault("latency", delay=0.5), ExcelSenseTimeoutError, id="latency"),
    ],
)
async def test_open_mjpeg_stream_transport_faults(
    camera: EmulatedCamera,
    make_client: Callable[..., ExcelSenseClient],
    fault: Fault,
    error_type: type[ExcelSenseError],
) -> None:
    """A broken or silent device gives the documented errors for the stream too.

    Regression: the non-multipart body used to be read outside any try
    (aiohttp.ClientPayloadError escaped) and the request had no timeout.
    """
    camera.inject(replace(fault))
    client = make_client(request_timeout=0.2)
    outcome: BaseException | aiohttp.ClientResponse
    try:
        outcome = await client.open_mjpeg_stream()
    except Exception as err:  # noqa: BLE001 - the point is what escapes
        outcome = err
    else:
        outcome.close()
    # Not the repr: a ClientResponse's repr holds the URL, password included.
    documented = isinstance(outcome, error_type)
    assert documented, (
        f"open_mjpeg_stream let {type(outcome).__name__} out "
        f"instead of {error_type.__name__}"
    )
