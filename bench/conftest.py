"""Fixtures of the benchmark: the Home Assistant test harness, production-like."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import logging
import os
from pathlib import Path
import re
import select
import signal
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any
from unittest.mock import PropertyMock, patch

import freezegun.api
import pytest

# Imported before any hass fixture runs: the test plugin mounts its own
# custom_components package first, and this makes ours the one that counts.
import custom_components.excelsense  # noqa: F401

from .harness import SimulatedTime, wall
from .results import record
from .settings import ROOT, Settings

if TYPE_CHECKING:
    from collections.abc import Iterator

    import aiohttp
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant

# Home Assistant logs every entity registration at INFO (thousands of lines),
# and warns on every start that custom integrations are custom.
logging.getLogger().setLevel(logging.WARNING)
for _name in ("homeassistant.loader", "aiohttp_fast_zlib"):
    logging.getLogger(_name).setLevel(logging.ERROR)

_LISTENING = re.compile(r"listening on http://127\.0\.0\.1:(\d+)")
_STARTUP_TIMEOUT = 60.0
_STOP_TIMEOUT = 10.0


@pytest.fixture(autouse=True)
def enable_event_loop_debug() -> None:
    """Run the loop as in production: debug mode multiplies CPU and times."""
    asyncio.get_event_loop().set_debug(False)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/excelsense."""


@pytest.fixture(scope="session")
def settings() -> Settings:
    """Sizes and emulator parameters of this run."""
    return Settings.from_env()


@pytest.fixture(autouse=True)
def scenario_duration(
    request: pytest.FixtureRequest, settings: Settings
) -> Iterator[None]:
    """Record how long each scenario took (setup and teardown included)."""
    started = wall()
    yield
    record(
        settings.results,
        {"scenario": request.node.name, "seconds": round(wall() - started, 2)},
    )


@pytest.fixture
def all_entities_enabled() -> Iterator[None]:
    """Create every entity enabled, including those disabled by default."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        yield


@pytest.fixture
def simulated_time(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> Iterator[SimulatedTime]:
    """Simulated time on the frozen clock (set before any camera is).

    freezegun looks up the caller's module on every clock read (several per
    event-loop iteration) to give some modules the real time; none here
    needs it, and the look-up would be counted as the integration's CPU.
    """
    limit = freezegun.api.call_stack_inspection_limit
    freezegun.api.call_stack_inspection_limit = 0
    try:
        yield SimulatedTime(hass, freezer)
    finally:  # before the freezer stops: its fakes then need the look-up
        freezegun.api.call_stack_inspection_limit = limit


@dataclass(frozen=True)
class EmulatorFarm:
    """Emulated cameras served by a separate process (its CPU is not ours)."""

    process: subprocess.Popen[bytes]
    ports: list[int]

    def cpu_seconds(self) -> float | None:
        """CPU time the emulator process used so far (Linux only)."""
        stat = Path(f"/proc/{self.process.pid}/stat")
        try:
            fields = stat.read_text(encoding="ascii").rsplit(")", 1)[1].split()
        except OSError:
            return None
        # utime and stime are fields 14 and 15 of stat(5), in clock ticks.
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks

    async def request_log(
        self, session: aiohttp.ClientSession, port: int, since: int = 0
    ) -> list[dict[str, Any]]:
        """What one camera of the farm received, from index ``since`` on."""
        url = f"http://127.0.0.1:{port}/emulator/requests"
        async with session.get(url, params={"since": str(since)}) as reply:
            return list(await reply.json())

    async def requests_served(self, session: aiohttp.ClientSession) -> int:
        """Requests every camera of the farm has answered so far."""
        total = 0
        for port in self.ports:
            url = f"http://127.0.0.1:{port}/emulator/state"
            async with session.get(url) as reply:
                total += int((await reply.json())["requests"])
        return total


@pytest.fixture(scope="session")
def emulator_farm(settings: Settings) -> Iterator[EmulatorFarm]:
    """``settings.cameras`` emulated cameras without latency, in a subprocess.

    One farm for the whole run: its CPU is not the event loop's, and its
    clock is real (the integration reads its offset every 10 minutes).
    """
    command = [
        sys.executable,
        "-m",
        "tests.emulator",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--count",
        str(settings.cameras),
        "--max-connections",
        str(settings.concurrency),
    ]
    process = subprocess.Popen(  # noqa: S603 - our own emulator, fixed arguments
        command, cwd=ROOT, stdout=subprocess.PIPE
    )
    try:
        ports = _read_ports(process, settings.cameras)
        yield EmulatorFarm(process, ports)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def _read_ports(process: subprocess.Popen[bytes], count: int) -> list[int]:
    """The ports the emulator prints, one line per camera once it listens."""
    if process.stdout is None:  # pragma: no cover - stdout is a pipe
        msg = "emulator has no stdout"
        raise RuntimeError(msg)
    fd = process.stdout.fileno()
    deadline = time.monotonic() + _STARTUP_TIMEOUT
    output = b""
    ports: list[int] = []
    while len(ports) < count:
        remaining = deadline - time.monotonic()
        ready, _, _ = select.select([fd], [], [], max(remaining, 0))
        chunk = os.read(fd, 65536) if ready else b""
        if not chunk:
            msg = f"emulator started {len(ports)} of {count} cameras"
            raise RuntimeError(msg)
        output += chunk
        ports = [int(port) for port in _LISTENING.findall(output.decode())]
    return ports
