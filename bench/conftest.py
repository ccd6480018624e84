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

from . import farm
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
    """Emulated cameras served by a separate process (its CPU is not ours).

    Its clock (``bench.farm``) runs in real time until ``hold``; then it
    moves only with ``advance``, as the benchmark's simulated time does.
    """

    process: subprocess.Popen[bytes]
    ports: list[int]
    control: int
    ack: int

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

    def _command(self, command: bytes, seconds: float = 0.0) -> tuple[int, int]:
        """Send one command; wait (blocking, no CPU) until the farm is quiet.

        The requests the cameras have received so far, and the ONVIF
        subscriptions alive at them.
        """
        os.write(self.control, farm.COMMAND.pack(command, seconds))
        answer = b""
        while len(answer) < farm.ANSWER.size:
            chunk = os.read(self.ack, farm.ANSWER.size - len(answer))
            if not chunk:
                msg = f"the emulator farm ended (status {self.process.poll()})"
                raise RuntimeError(msg)
            answer += chunk
        received, subscriptions = farm.ANSWER.unpack(answer)
        return int(received), int(subscriptions)

    def hold(self) -> None:
        """Hold the farm's clock where it stands."""
        self._command(farm.HOLD)

    def advance(self, seconds: float) -> None:
        """Move the held clock; the farm answers what fell due."""
        self._command(farm.ADVANCE, seconds)

    def settle(self) -> int:
        """Let the farm serve what has arrived; the requests received so far."""
        return self._command(farm.SETTLE)[0]

    def onvif_subscriptions(self) -> int:
        """ONVIF subscriptions alive at the farm's cameras."""
        return self._command(farm.SETTLE)[1]

    def release(self) -> None:
        """Let the farm's clock run in real time again."""
        self._command(farm.RELEASE)

    async def request_log(
        self, session: aiohttp.ClientSession, port: int, since: int = 0
    ) -> list[dict[str, Any]]:
        """What one camera of the farm received, from index ``since`` on."""
        url = f"http://127.0.0.1:{port}/emulator/requests"
        async with session.get(url, params={"since": str(since)}) as reply:
            return list(await reply.json())

    async def state(self, session: aiohttp.ClientSession, port: int) -> dict[str, Any]:
        """The emulator's view of one camera (``/emulator/state``)."""
        url = f"http://127.0.0.1:{port}/emulator/state"
        async with session.get(url) as reply:
            return dict(await reply.json())


@pytest.fixture(scope="session")
def emulator_farm(settings: Settings) -> Iterator[EmulatorFarm]:
    """``settings.cameras`` emulated cameras without latency, in a subprocess.

    One farm for the whole run: its CPU is not the event loop's. Its clock
    is real but where a test holds it (``farm_time``).
    """
    control_read, control_write = os.pipe()
    ack_read, ack_write = os.pipe()
    command = [
        sys.executable,
        "-m",
        "bench.farm",
        "--count",
        str(settings.cameras),
        "--max-connections",
        str(settings.concurrency),
        "--control",
        str(control_read),
        "--ack",
        str(ack_write),
    ]
    process = subprocess.Popen(  # noqa: S603 - our own emulator, fixed arguments
        command, cwd=ROOT, stdout=subprocess.PIPE, pass_fds=(control_read, ack_write)
    )
    os.close(control_read)
    os.close(ack_write)
    try:
        ports = _read_ports(process, settings.cameras)
        yield EmulatorFarm(process, ports, control_write, ack_read)
    finally:
        os.close(control_write)  # the farm stops at the end of its commands
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        os.close(ack_read)
        if process.stdout is not None:
            process.stdout.close()


@pytest.fixture
def farm_time(
    simulated_time: SimulatedTime, emulator_farm: EmulatorFarm
) -> Iterator[SimulatedTime]:
    """Simulated time that also moves the farm's clock, step by step."""
    emulator_farm.hold()
    simulated_time.farm = emulator_farm
    try:
        yield simulated_time
    finally:
        simulated_time.farm = None
        emulator_farm.release()


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
