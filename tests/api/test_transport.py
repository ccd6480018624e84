"""Error replies and transport faults map to the exception tree."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pytest

from custom_components.excelsense.api import (
    ExcelSenseAuthenticationError,
    ExcelSenseBusyError,
    ExcelSenseConnectionError,
    ExcelSenseError,
    ExcelSenseHttpsRequiredError,
    ExcelSenseHttpStatusError,
    ExcelSenseInvalidParameterError,
    ExcelSenseNotSupportedError,
    ExcelSensePermissionError,
    ExcelSenseResponseError,
    ExcelSenseTimeoutError,
    ImageSetting,
    client as client_module,
)
from custom_components.excelsense.api.exceptions import ERROR_MESSAGES
from custom_components.excelsense.api.gate import Limiter
from tests.emulator import EmulatedCamera, Fault
from tests.emulator.device import Reply

from .conftest import PASSWORD, USERNAME, ExpectError

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

    import aiohttp

    from custom_components.excelsense.api import ExcelSenseClient

    Call = Callable[[ExcelSenseClient], Coroutine[Any, Any, Any]]
from .helpers import (
    free_port,
    reply_with,
)

# ------------------------------------------------------------------ error replies


@pytest.mark.parametrize(
    ("code", "error_type"),
    [
        (-507, ExcelSenseAuthenticationError),
        (-508, ExcelSenseAuthenticationError),
        (-512, ExcelSensePermissionError),
        (-21, ExcelSenseNotSupportedError),
        (-22, ExcelSenseNotSupportedError),
        (-23, ExcelSenseInvalidParameterError),
        (-2, ExcelSenseResponseError),
        (-109, ExcelSenseResponseError),
        (-513, ExcelSenseResponseError),
        (-9999, ExcelSenseResponseError),
    ],
)
@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda c: c.ntp(), id="get"),
        pytest.param(lambda c: c.set_mirror(vertical=True, horizontal=True), id="set"),
        pytest.param(lambda c: c.snapshot(), id="snapshot"),
        pytest.param(lambda c: c.rtsp_url(), id="rtsp"),
    ],
)
async def test_error_codes(
    client: ExcelSenseClient,
    camera: EmulatedCamera,
    expect_error: ExpectError,
    code: int,
    error_type: type[ExcelSenseResponseError],
    call: Call,
) -> None:
    """Each error code maps to its exception with the spec's message."""
    camera.inject(Fault("error", code=code))  # fires for every request
    err = await expect_error(error_type, call(client))
    assert type(err) is error_type
    assert err.code == code
    assert err.message == ERROR_MESSAGES.get(code, "Unknown error")
    assert str(err) == f"{err.message} ({code})"
    assert len(camera.requests) == 1  # not retried


@pytest.mark.parametrize(
    ("style", "auth_failure"),
    [
        ("plain", "code"),
        ("capital", "code"),
        ("fullwidth", "code"),
        ("plain", "http401"),
        ("capital", "http401"),
    ],
)
@pytest.mark.parametrize(
    ("username", "code"), [("admin", -508), ("nobody", -507)], ids=["password", "user"]
)
async def test_authentication_failures(
    camera: EmulatedCamera,
    make_client: Callable[..., ExcelSenseClient],
    expect_error: ExpectError,
    style: str,
    auth_failure: str,
    username: str,
    code: int,
) -> None:
    """Bad credentials raise the auth error whatever the firmware's error style."""
    camera.quirks.error_style = style
    camera.quirks.auth_failure = auth_failure
    wrong = make_client(username=username, password=PASSWORD + "x")
    err = await expect_error(ExcelSenseAuthenticationError, wrong.camera_info())
    assert err.code == code
    assert camera.requests[-1].status == (401 if auth_failure == "http401" else 200)
    other = make_client(username=username, password=PASSWORD + "x")
    err = await expect_error(ExcelSenseAuthenticationError, other.snapshot())
    assert err.code == code


async def test_http_401_without_error_body(
    client: ExcelSenseClient, camera: EmulatedCamera, expect_error: ExpectError
) -> None:
    """A bare HTTP 401 is an authentication failure without a code."""
    camera.inject(Fault("http_status", status=401))
    err = await expect_error(ExcelSenseAuthenticationError, client.device_port())
    assert err.code is None


async def test_device_info_without_auth_quirk(
    camera: EmulatedCamera,
    make_client: Callable[..., ExcelSenseClient],
    expect_error: ExpectError,
) -> None:
    """Some firmware answers deviceInfo to anyone; other calls still check."""
    camera.quirks.device_info_without_auth = True
    wrong = make_client(password="wrong")
    assert (await wrong.device_info()).mac_address == "00:1C:27:15:93:56"
    await expect_error(ExcelSenseAuthenticationError, wrong.camera_info())


@pytest.mark.parametrize(
    ("model", "call"),
    [
        pytest.param("ToughCam-1000", lambda c: c.self_clean_schedule(), id="-22"),
        pytest.param(
            "ToughEye-1700",
            lambda c: c.set_av_stream(1, resolution="1234*567"),
            id="-23",
        ),
    ],
)
async def test_invalid_parameter_from_device(
    socket_enabled: None,
    session: aiohttp.ClientSession,
    expect_error: ExpectError,
    model: str,
    call: Call,
) -> None:
    """Requests the device itself refuses raise the invalid-parameter error."""
    async with EmulatedCamera(username=USERNAME, password=PASSWORD, model=model) as cam:
        client = client_module.ExcelSenseClient(
            host="127.0.0.1",
            port=cam.port,
            username=USERNAME,
            password=PASSWORD,
            session=session,
        )
        err = await expect_error(ExcelSenseResponseError, call(client))
        assert isinstance(
            err, ExcelSenseInvalidParameterError | ExcelSenseNotSupportedError
        )
        assert err.code in (-22, -23)


@pytest.mark.parametrize("code", [-505, -511])
@pytest.mark.parametrize(("failures", "succeeds"), [(3, True), (4, False)])
async def test_busy_is_retried(
    client: ExcelSenseClient,
    camera: EmulatedCamera,
    expect_error: ExpectError,
    code: int,
    failures: int,
    succeeds: bool,
) -> None:
    """Busy replies are retried busy_retries times with backoff, then raised."""
    assert client.transport.busy_retries == 3
    camera.inject(Fault("error", code=code, count=failures))
    if succeeds:
        assert (await client.device_port()).rtsp_port == 554
    else:
        err = await expect_error(ExcelSenseBusyError, client.device_port())
        assert err.code == code
    assert len(camera.requests) == 4
    gaps = [
        b.time - a.time
        for a, b in zip(camera.requests, camera.requests[1:], strict=False)
    ]
    assert gaps[-1] >= 0.035  # the backoff doubles: 0.01, 0.02, 0.04


TRANSPORT_FAULTS = [
    pytest.param(Fault("garbage"), ExcelSenseResponseError, id="garbage"),
    pytest.param(Fault("truncated"), ExcelSenseConnectionError, id="truncated"),
    pytest.param(Fault("disconnect"), ExcelSenseConnectionError, id="disconnect"),
    pytest.param(
        Fault("http_status", status=500), ExcelSenseHttpStatusError, id="http500"
    ),
    pytest.param(
        Fault("http_status", status=302), ExcelSenseHttpStatusError, id="http302"
    ),
    # A login page is no HTTPS hint; plain HTTP sent on to HTTPS (the whole
    # request repeated, password included) is.
    pytest.param(
        Fault("http_status", status=302, location="/login.html"),
        ExcelSenseHttpStatusError,
        id="to_login",
    ),
    pytest.param(
        Fault("http_status", status=301, location="https://127.0.0.1{path}?{query}"),
        ExcelSenseHttpsRequiredError,
        id="to_https",
    ),
    pytest.param(Fault("latency", delay=0.4), ExcelSenseTimeoutError, id="latency"),
]
CALLS = [
    pytest.param(lambda c: c.device_port(), id="get"),
    pytest.param(lambda c: c.set_protocol_security(enabled=True), id="set"),
    pytest.param(lambda c: c.restart(), id="operate"),
    pytest.param(lambda c: c.snapshot(quality=5), id="snapshot"),
    pytest.param(lambda c: c.rtsp_url(), id="rtsp"),
]


@pytest.mark.parametrize(("fault", "error_type"), TRANSPORT_FAULTS)
@pytest.mark.parametrize("call", CALLS)
async def test_transport_faults(
    camera: EmulatedCamera,
    make_client: Callable[..., ExcelSenseClient],
    expect_error: ExpectError,
    fault: Fault,
    error_type: type[ExcelSenseError],
    call: Call,
) -> None:
    """Broken replies come out as exactly the documented exception."""
    camera.inject(replace(fault))
    client = make_client(request_timeout=0.2)
    err = await expect_error(ExcelSenseError, call(client))
    assert type(err) is error_type
    # Not retried by the client (aiohttp itself resends a GET once on a
    # dropped connection).
    assert len(camera.requests) <= (2 if fault.kind == "disconnect" else 1)


async def test_connection_refused(
    make_client: Callable[..., ExcelSenseClient], expect_error: ExpectError
) -> None:
    """Nothing listening: a connection error, for requests and the live stream."""
    closed = make_client(port=free_port())
    err = await expect_error(ExcelSenseConnectionError, closed.device_info())
    # Nothing was sent: an alarm operation may safely count it as not applied.
    assert not err.request_sent
    await expect_error(ExcelSenseConnectionError, closed.open_mjpeg_stream())


async def test_dropped_reply_may_have_been_applied(
    client: ExcelSenseClient, camera: EmulatedCamera, expect_error: ExpectError
) -> None:
    """A connection dropped after sending leaves open whether the camera applied it."""
    camera.inject(Fault("disconnect", path="param.cgi", count=None))
    err = await expect_error(ExcelSenseConnectionError, client.device_info())
    assert err.request_sent


async def test_urgent_requests_go_first() -> None:
    """Waiting urgent requests (the motion check) take the next free place."""
    limiter = Limiter(1)
    order: list[str] = []
    release = asyncio.Event()

    async def hold() -> None:
        async with limiter.place():
            await release.wait()

    async def request(name: str, *, urgent: bool) -> None:
        async with limiter.place(urgent=urgent):
            order.append(name)

    holder = asyncio.create_task(hold())
    await asyncio.sleep(0)
    waiting = [
        asyncio.create_task(request("poll 1", urgent=False)),
        asyncio.create_task(request("poll 2", urgent=False)),
        asyncio.create_task(request("motion", urgent=True)),
    ]
    await asyncio.sleep(0)
    cancelled = asyncio.create_task(request("gone", urgent=True))
    await asyncio.sleep(0)
    cancelled.cancel()
    release.set()
    await asyncio.gather(holder, *waiting)
    assert order == ["motion", "poll 1", "poll 2"]
    async with limiter.place():
        pass  # every place was given back


async def test_tls_to_plain_http_is_a_connection_error(
    make_client: Callable[..., ExcelSenseClient],
    camera: EmulatedCamera,
    expect_error: ExpectError,
) -> None:
    """HTTPS without verification against a plain HTTP device fails cleanly."""
    secure = make_client(use_https=True, verify_ssl=False)
    err = await expect_error(ExcelSenseConnectionError, secure.device_info())
    assert type(err) is ExcelSenseConnectionError


@pytest.mark.parametrize(
    ("cgi", "body", "call", "message"),
    [
        pytest.param(
            "sensor.cgi",
            b"value=abc\n",
            lambda c: c.image_setting(ImageSetting.CONTRAST),
            "Malformed contrast reply: value is not a whole number",
            id="image_setting",
        ),
        pytest.param(
            "param.cgi",
            b"reservedParam=0\n",
            lambda c: c.protocol_security(),
            "Malformed protocolSecurity reply: protocolSecurityFlag missing",
            id="protocol_security",
        ),
        pytest.param(
            "sensor.cgi",
            b"value=1e999\n",
            lambda c: c.image_setting(ImageSetting.CONTRAST),
            "Malformed contrast reply: value is not a whole number",
            id="image_setting_overflow",
        ),
        pytest.param(
            "param.cgi",
            b"year=99999999999999999999\nmonth=1\nday=1\nhour=0\nminute=0\nsecond=0\n",
            lambda c: c.date_time(),
            "Malformed dateTime reply: year is not a whole number",
            id="date_time_huge",
        ),
        pytest.param(
            "param.cgi",
            b"year=2024\nmonth=2\nday=30\nhour=0\nminute=0\nsecond=0\n",
            lambda c: c.date_time(),
            "Malformed dateTime reply: not a valid date",
            id="date_time",
        ),
        pytest.param(
            "param.cgi",
            b"<html>login</html>",
            lambda c: c.set_device_name("x"),
            "Unexpected reply to param.cgi action=set type=deviceName",
            id="set_not_ok",
        ),
        pytest.param(
            "video.cgi",
            b"  http://127.0.0.1/live  ",
            lambda c: c.rtsp_url(),
            "Reply to video.cgi is not an RTSP URL",
            id="rtsp_not_rtsp",
        ),
        pytest.param(
            "image.cgi",
            b"GIF89a....",
            lambda c: c.snapshot(),
            "Reply to image.cgi is not a JPEG image (text/plain)",
            id="snapshot_not_jpeg",
        ),
    ],
)
async def test_unusable_replies(
    client: ExcelSenseClient,
    camera: EmulatedCamera,
    monkeypatch: pytest.MonkeyPatch,
    expect_error: ExpectError,
    cgi: str,
    body: bytes,
    call: Call,
    message: str,
) -> None:
    """Replies the client cannot use raise the response error, with a reason."""
    reply_with(monkeypatch, camera, cgi, Reply(body))
    err = await expect_error(ExcelSenseResponseError, call(client))
    assert type(err) is ExcelSenseResponseError
    assert (err.code, err.message) == (None, message)


async def test_request_bound(
    camera: EmulatedCamera, make_client: Callable[..., ExcelSenseClient]
) -> None:
    """With max_concurrent_requests=2 the device never sees a third request.

    The emulator answers -511 to the third concurrent connection; with no
    busy retries any -511 would surface as an error.
    """
    camera.latency = 0.05
    camera.max_connections = 2
    bounded = make_client(max_concurrent_requests=2, busy_retries=0)
    loop = asyncio.get_running_loop()
    started = loop.time()
    results = await asyncio.gather(*(bounded.device_port() for _ in range(10)))
    assert loop.time() - started >= 5 * 0.05
    assert all(port.rtsp_port == 554 for port in results)
    assert len(camera.requests) == 10  # no retries happened
    # At most two requests arrive within one latency of each other.
    times = sorted(r.time for r in camera.requests)
    assert all(b - a >= 0.04 for a, b in zip(times, times[2:], strict=False))

    # Control: without the bound the device does refuse connections.
    camera.clear_requests()
    unbounded = make_client(max_concurrent_requests=10, busy_retries=0)
    outcomes = await asyncio.gather(
        *(unbounded.device_port() for _ in range(10)), return_exceptions=True
    )
    busy = [o for o in outcomes if isinstance(o, ExcelSenseBusyError)]
    assert busy
    assert all(o.code == -511 for o in busy)


async def test_timeout_does_not_count_the_queue(
    camera: EmulatedCamera, make_client: Callable[..., ExcelSenseClient]
) -> None:
    """request_timeout bounds the talk to the device, not the wait for a slot."""
    # The last of six waits 1 s for its slot, longer than its timeout; each
    # talk to the device takes a quarter of it.
    camera.latency = 0.2
    bounded = make_client(max_concurrent_requests=1, request_timeout=0.8)
    outcomes = await asyncio.gather(
        *(bounded.device_port() for _ in range(6)), return_exceptions=True
    )
    assert not [o for o in outcomes if isinstance(o, BaseException)]
