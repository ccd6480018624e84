"""start_many and the command line."""

from __future__ import annotations

import asyncio
from pathlib import Path
import re
import signal
import socket
import sys

import aiohttp
import pytest

from tests.emulator import EmulatedCamera, Quirks, offset_mac, start_many

from .conftest import Api

REPO = Path(__file__).resolve().parents[2]
LINE = re.compile(
    r"^ExcelSense emulator (\S+) listening on "
    r"(http://127\.0\.0\.1:(\d+)) \(user (\S+)\)$"
)


def test_offset_mac() -> None:
    """The last bytes are incremented with carry."""
    assert offset_mac("00:1C:27:15:93:56", 0) == "00:1C:27:15:93:56"
    assert offset_mac("00:1C:27:15:93:56", 1) == "00:1C:27:15:93:57"
    assert offset_mac("00:1C:27:15:93:FF", 1) == "00:1C:27:15:94:00"


async def test_start_many(session: aiohttp.ClientSession, socket_enabled: None) -> None:
    """Distinct ports and MACs; each camera has its own quirks and stops on its own."""
    cams = await start_many(
        count=20, base_port=0, model="ToughCam-1000", quirks=Quirks(crlf=True)
    )
    try:
        assert len({cam.port for cam in cams}) == 20
        assert len({cam.state.device_info.values["MACAddress"] for cam in cams}) == 20
        assert cams[3].state.device_info.values["MACAddress"] == "00:1C:27:15:93:59"
        cams[0].quirks.crlf = False
        assert cams[1].quirks.crlf
        node = await Api(session, cams[19]).get("deviceInfo")
        assert node.get("productModel") == "ToughCam"
        assert node.get("deviceID") == "159369"
    finally:
        for cam in cams:
            await cam.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_cli(session: aiohttp.ClientSession, socket_enabled: None) -> None:
    """The CLI prints one line per camera, serves, and exits 0 on SIGINT."""
    port = _free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.emulator",
        "--port",
        str(port),
        "--username",
        "root",
        "--password",
        "p@ss word",
        "--model",
        "ToughCam-1000",
        "--latency-ms",
        "1",
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = (
            (await asyncio.wait_for(process.stdout.readline(), 15))
            .decode()
            .rstrip("\n")
        )
        match = LINE.match(line)
        assert match, line
        assert match.group(1) == "ToughCam-1000"
        assert int(match.group(3)) == port
        assert match.group(4) == "root"
        url = match.group(2)
        params = {
            "userName": "root",
            "password": "p@ss word",
            "action": "get",
            "type": "deviceInfo",
        }
        async with session.get(f"{url}/cgi-bin/param.cgi", params=params) as response:
            assert "productModel=ToughCam" in await response.text()
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
        _, stderr = await asyncio.wait_for(process.communicate(), 15)
    assert process.returncode == 0, stderr.decode()


async def test_cli_many_free_ports(socket_enabled: None) -> None:
    """--count with --port 0 starts that many cameras; SIGTERM also exits 0."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.emulator",
        "--port",
        "0",
        "--count",
        "3",
        "--max-connections",
        "4",
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        lines = [
            (await asyncio.wait_for(process.stdout.readline(), 15)).decode()
            for _ in range(3)
        ]
        ports = {LINE.match(line.rstrip("\n")).group(3) for line in lines}  # type: ignore[union-attr]
        assert len(ports) == 3
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 15)
    assert process.returncode == 0, stderr.decode()


async def test_stop_and_start_again(
    session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    """A stopped camera is unreachable; started again it keeps its port and state."""
    async with EmulatedCamera() as cam:
        api = Api(session, cam)
        await api.set("deviceName", deviceName="kept")
        port = cam.port
        await cam.stop()
        with pytest.raises(aiohttp.ClientConnectionError):
            await api.get("deviceInfo")
        await cam.start()
        assert cam.port == port
        assert (await api.get("deviceInfo")).get("deviceName") == "kept"
        assert await api.code("sub/dir.cgi") == -21


async def _run_motion(port: int, *args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.emulator",
        "motion",
        "--port",
        str(port),
        *args,
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, _ = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode is not None
    return process.returncode, stdout.decode()


async def test_cli_motion(session: aiohttp.ClientSession, socket_enabled: None) -> None:
    """``python -m tests.emulator motion`` makes a running camera see motion."""
    async with EmulatedCamera() as cam:
        # No alarm while motion detection is off (exit status 1 says so).
        assert await _run_motion(cam.port, "--seconds", "30") == (
            1,
            '{"motion": false}\n',
        )
        await Api(session, cam).set(
            "motionAlarm", cameraID="1", motionDetectionEnableFlag="1"
        )
        assert await _run_motion(cam.port, "--seconds", "30") == (
            0,
            '{"motion": true}\n',
        )
        assert cam.motion_active
        (entry,) = cam.alarm_logs
        assert entry.fields["description"] == "motion"
        assert await _run_motion(cam.port, "--stop") == (0, '{"motion": false}\n')
        assert not cam.motion_active
        assert entry.fields["alarmEndTime"]


async def test_request_log_over_http(
    session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    """/emulator/requests gives the log from an index on, without the password."""
    async with EmulatedCamera(password="s3cret") as cam:
        api = Api(session, cam, password="s3cret")
        await api.get("deviceInfo")
        await api.get("devicePort")
        url = f"{cam.url}/emulator/requests"
        async with session.get(url, params={"since": "1"}) as reply:
            log = await reply.json()
        assert [entry["path"] for entry in log] == ["param.cgi"]
        assert ["type", "devicePort"] in log[0]["params"]
        assert "s3cret" not in str(log)
        async with session.get(url, params={"since": "x"}) as reply:
            assert reply.status == 400
