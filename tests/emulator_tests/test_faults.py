"""Fault injection, latency, connection limit and the request log."""

from __future__ import annotations

import asyncio
import logging
import time

import aiohttp
import pytest

from tests.emulator import EmulatedCamera, Fault

from .conftest import Api

START = {"action": "manualControl", "alarmOutID": "1", "controlFlag": "1"}
STOP = {**START, "controlFlag": "0"}
SET_900 = {"action": "set", "type": "alarmOut", "alarmTime": "900"}


async def test_error_fault_with_params_and_count(api: Api, cam: EmulatedCamera) -> None:
    """An error fault fires for matching params, ``count`` times, unprocessed."""
    fault = cam.inject(
        Fault(
            kind="error",
            code=-505,
            path="alarm.cgi",
            params={"controlFlag": "1"},
            count=2,
        )
    )
    assert await api.code("alarm.cgi", START) == -505
    assert await api.code("alarm.cgi", STOP) is None
    assert await api.code("alarm.cgi", START) == -505
    assert cam.pulses == []
    assert await api.code("alarm.cgi", START) is None
    assert len(cam.pulses) == 1
    assert (fault.seen, fault.fired) == (3, 2)
    assert [record.fault for record in cam.requests] == ["error", None, "error", None]


async def test_skip_and_path(api: Api, cam: EmulatedCamera) -> None:
    """``skip`` lets the first matches through; ``path`` limits the CGI."""
    cam.inject(Fault(kind="error", path="param.cgi", skip=1, count=1, code=-9))
    rtsp = {"type": "RTSP", "streamID": "1", "EncoderType": "H264"}
    assert await api.code("video.cgi", rtsp) is None
    assert await api.code("param.cgi", {"action": "get", "type": "NTP"}) is None
    assert await api.code("param.cgi", {"action": "get", "type": "NTP"}) == -9
    assert await api.code("param.cgi", {"action": "get", "type": "NTP"}) is None


async def test_forever_and_clear(api: Api, cam: EmulatedCamera) -> None:
    """count=None fires until the faults are cleared; params may be given as numbers."""
    cam.inject(Fault(kind="error", params={"type": "alarmOut", "alarmTime": 900}))
    for _ in range(3):
        assert await api.code("param.cgi", SET_900) == -505
    assert await api.code("param.cgi", {**SET_900, "alarmTime": "300"}) is None
    cam.clear_faults()
    assert await api.code("param.cgi", SET_900) is None


async def test_apply_processes_before_breaking(api: Api, cam: EmulatedCamera) -> None:
    """With apply=True the state changes although the reply is broken."""
    cam.inject(Fault(kind="error", params={"alarmTime": "900"}, count=1))
    assert await api.code("param.cgi", SET_900) == -505
    assert cam.is_self_clean_profile()
    cam.inject(Fault(kind="error", params={"alarmTime": "900"}, count=1, apply=True))
    assert await api.code("param.cgi", SET_900) == -505
    assert cam.alarm_out_profile().time_ms == 900


async def test_latency_fault(api: Api, cam: EmulatedCamera) -> None:
    """A latency fault delays, then answers normally."""
    cam.inject(Fault(kind="latency", delay=0.2, count=1))
    started = time.monotonic()
    assert (await api.get("NTP")).get("enableFlag") == "1"
    assert time.monotonic() - started >= 0.2
    assert cam.requests[-1].fault == "latency"
    assert cam.requests[-1].status == 200


async def test_http_status_fault(api: Api, cam: EmulatedCamera) -> None:
    """http_status answers the given status with a short body."""
    cam.inject(Fault(kind="http_status", status=500, count=1))
    status, _, body = await api.raw("param.cgi", {"action": "get", "type": "NTP"})
    assert status == 500
    assert body == b"500 Internal Server Error\n"
    assert cam.requests[-1].status == 500


async def test_garbage_fault(api: Api, cam: EmulatedCamera) -> None:
    """Garbage answers 200 with bytes that are not UTF-8."""
    cam.inject(Fault(kind="garbage", count=1))
    status, _, body = await api.raw("param.cgi", {"action": "get", "type": "NTP"})
    assert status == 200
    with pytest.raises(UnicodeDecodeError):
        body.decode()


@pytest.mark.parametrize("apply", [False, True])
async def test_truncated_fault(api: Api, cam: EmulatedCamera, apply: bool) -> None:
    """Truncated promises more bytes than it sends, then closes."""
    cam.inject(Fault(kind="truncated", count=1, apply=apply))
    with pytest.raises(aiohttp.ClientPayloadError):
        await api.raw("param.cgi", SET_900)
    assert cam.alarm_out_profile().time_ms == (900 if apply else 300)
    assert cam.requests[-1].fault == "truncated"


async def test_truncated_snapshot(api: Api, cam: EmulatedCamera) -> None:
    """A truncated snapshot is half a JPEG."""
    cam.inject(Fault(kind="truncated", path="image.cgi", count=1))
    with pytest.raises(aiohttp.ClientPayloadError):
        await api.raw("image.cgi", {"quality": "3"})


@pytest.mark.parametrize("apply", [False, True])
async def test_disconnect_fault(api: Api, cam: EmulatedCamera, apply: bool) -> None:
    """Disconnect closes without a reply (aiohttp retries a GET once, so fire twice)."""
    cam.inject(Fault(kind="disconnect", count=2, apply=apply))
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await api.raw("param.cgi", SET_900)
    assert [(record.fault, record.status) for record in cam.requests] == [
        ("disconnect", None)
    ] * 2
    assert cam.alarm_out_profile().time_ms == (900 if apply else 300)
    assert (await api.get("NTP")).get("IPProtoVer") == "1"


def test_unknown_fault_kind() -> None:
    """Typos in the kind are caught at construction."""
    with pytest.raises(ValueError, match="unknown fault kind"):
        Fault(kind="explode")  # type: ignore[arg-type]


async def test_latency_option(
    session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    """``latency`` delays every request."""
    async with EmulatedCamera(latency=0.15) as cam:
        started = time.monotonic()
        await Api(session, cam).get("deviceInfo")
        assert time.monotonic() - started >= 0.15


async def test_max_connections(
    session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    """More in-flight requests than max_connections get -511."""
    # Held long enough that all four are in flight together.
    async with EmulatedCamera(latency=1.0, max_connections=2) as cam:
        api = Api(session, cam)
        codes = await asyncio.gather(
            *(api.code("param.cgi", {"action": "get", "type": "NTP"}) for _ in range(4))
        )
        assert sorted(codes, key=str) == [-511, -511, None, None]
        assert await api.code("param.cgi", {"action": "get", "type": "NTP"}) is None


async def test_request_log_redacts(
    session: aiohttp.ClientSession,
    socket_enabled: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The log keeps requests in order without password; newpasswd is masked."""
    caplog.set_level(logging.DEBUG)
    secret = "Sup3r&Secret/%"
    async with EmulatedCamera(password=secret) as cam:
        api = Api(session, cam, "admin", secret)
        await api.get("NTP")
        add = {
            "action": "add",
            "type": "User",
            "newuser": "x",
            "newpasswd": "Other$ecret",
            "group": "Users",
        }
        assert (await api.text("param.cgi", add)).strip() == "OK"
        first, second = cam.requests
        assert first.path == "param.cgi"
        assert first.params == (
            ("userName", "admin"),
            ("action", "get"),
            ("type", "NTP"),
        )
        assert first.get("type") == "NTP"
        assert first.get("password") is None
        assert first.status == 200
        assert first.fault is None
        assert second.get("newpasswd") == "***"
        assert "Secret" not in first.raw_query
        assert "ecret" not in second.raw_query
        assert "newpasswd=***" in second.raw_query
        assert first.raw_query.startswith("userName=admin&action=get")
        assert first.method == "GET"
        cam.clear_requests()
        assert cam.requests == []
    assert secret not in caplog.text
    assert "Other$ecret" not in caplog.text
    assert "request param.cgi" in caplog.text
