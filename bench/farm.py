"""The emulator farm: cameras in a process of their own, on a clock the benchmark holds.

``python -m bench.farm --count N --max-connections C --control FD --ack FD``
starts N emulated cameras (``tests.emulator.start_many``) and prints one
line per camera, as ``python -m tests.emulator`` does. Their CPU is not the
event loop's that is measured.

Their clock is one ``FarmClock``, read by their event loop (held ONVIF
pulls, latency) and by their devices (subscription terms, the camera's
date and time). It runs in real time until the benchmark holds it; then it
moves only when told, by the same steps as the benchmark's simulated time,
so a pull the camera holds for 60 s is answered after 60 simulated
seconds, as a camera in the benchmark's own event loop would answer it.
Released, it runs in real time again from where it stood (never back).

Commands arrive on the control pipe (``COMMAND``: HOLD, ADVANCE by some
seconds, SETTLE, RELEASE). Each one is carried out after the farm has
served what had arrived before it, and acknowledged on the ack pipe once
the farm is quiet again (``quiet``), with the number of requests the
cameras have received so far (a step of simulated time ends only when
both sides have answered what is due in it) and of the ONVIF subscriptions
alive at them.
"""

from __future__ import annotations

import argparse
import asyncio
from contextlib import suppress
import os
import signal
import struct
import sys
import time
from typing import TYPE_CHECKING, Final

from tests.emulator import EmulatedCamera, start_many

if TYPE_CHECKING:
    from collections.abc import Sequence

# A command: one byte (HOLD, ADVANCE, SETTLE, RELEASE) and seconds (a double);
# the answer: the requests received so far and the live ONVIF subscriptions.
COMMAND: Final = struct.Struct("<cd")
ANSWER: Final = struct.Struct("<QQ")
HOLD: Final = b"H"
ADVANCE: Final = b"A"
SETTLE: Final = b"S"
RELEASE: Final = b"R"
# Loop iterations with nothing ready before the loop counts as quiet.
QUIET_ITERATIONS: Final = 3
# Far more iterations than a pull, a renewal and their replies take.
QUIET_LIMIT: Final = 10_000


async def quiet(iterations: int = QUIET_ITERATIONS) -> None:
    """Return once the running loop has had nothing to run ``iterations`` times.

    Each iteration polls the sockets without waiting, so whatever has
    arrived is read, and what it sets off runs, before the loop is quiet.
    Timers due later do not count (a held pull waits on one).
    """
    loop = asyncio.get_running_loop()
    calm = 0
    for _ in range(QUIET_LIMIT):
        await asyncio.sleep(0)
        # The loop's queue of ready callbacks: no public API tells whether
        # anything is pending, and the benchmark must not wait in real time.
        calm = 0 if loop._ready else calm + 1  # type: ignore[attr-defined]  # noqa: SLF001
        if calm >= iterations:
            return


class FarmClock:
    """Monotonic seconds: real time, or held and moved by the benchmark."""

    def __init__(self) -> None:
        """Run in real time."""
        self._held: float | None = None
        self._offset = 0.0

    def __call__(self) -> float:
        """Now."""
        if self._held is not None:
            return self._held
        return time.monotonic() + self._offset

    @property
    def held(self) -> bool:
        """Whether the benchmark holds the clock."""
        return self._held is not None

    def hold(self) -> None:
        """Stop here; only ``advance`` moves the clock from now on."""
        if self._held is None:
            self._held = self()

    def advance(self, seconds: float) -> None:
        """Move a held clock forward."""
        if self._held is None:
            msg = "the farm's clock is not held"
            raise RuntimeError(msg)
        self._held += max(seconds, 0.0)

    def release(self) -> None:
        """Run in real time again, from where the clock stands."""
        if self._held is not None:
            self._offset = self._held - time.monotonic()
            self._held = None


class FarmLoop(asyncio.SelectorEventLoop):
    """An event loop whose time is the farm's clock."""

    def __init__(self, clock: FarmClock) -> None:
        """Read ``clock`` for every timer."""
        super().__init__()
        self.clock = clock

    def time(self) -> float:
        """The farm's clock (timers fire when it reaches them)."""
        return self.clock()


class Farm:
    """The cameras and the commands of the benchmark."""

    def __init__(
        self, clock: FarmClock, cameras: Sequence[EmulatedCamera], ack: int
    ) -> None:
        """Serve ``cameras``; answer commands on the ``ack`` descriptor."""
        self.clock = clock
        self.cameras = cameras
        self._ack = ack
        self.commands: asyncio.Queue[tuple[bytes, float]] = asyncio.Queue()

    def received(self) -> int:
        """Requests every camera has received so far."""
        return sum(len(camera.requests) for camera in self.cameras)

    def subscriptions(self) -> int:
        """ONVIF subscriptions alive at every camera."""
        return sum(camera.onvif_subscriptions for camera in self.cameras)

    async def serve(self) -> None:
        """Carry out the commands in order, each acknowledged when quiet."""
        while True:
            command, seconds = await self.commands.get()
            # What arrived before the command is served at the time before it.
            await quiet()
            try:
                if command == HOLD:
                    self.clock.hold()
                elif command == ADVANCE:
                    self.clock.advance(seconds)
                elif command == RELEASE:
                    self.clock.release()
            except RuntimeError as err:
                # Answered all the same: the benchmark waits for every answer.
                sys.stderr.write(f"bench.farm: {err}\n")
            await quiet()
            os.write(self._ack, ANSWER.pack(self.received(), self.subscriptions()))


def _reader(farm: Farm, control: int, stop: asyncio.Event) -> None:
    """Queue every complete command waiting on the control pipe."""
    data = os.read(control, COMMAND.size * 64)
    if not data:  # the benchmark is gone
        stop.set()
        return
    # Commands are written whole, and pipes keep such small writes whole.
    for offset in range(0, len(data) - len(data) % COMMAND.size, COMMAND.size):
        command, seconds = COMMAND.unpack_from(data, offset)
        farm.commands.put_nowait((command, seconds))


async def _run(args: argparse.Namespace, clock: FarmClock) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    cameras = await start_many(
        count=args.count,
        host="127.0.0.1",
        max_connections=args.max_connections,
        clock=clock,
    )
    farm = Farm(clock, cameras, args.ack)
    loop.add_reader(args.control, _reader, farm, args.control, stop)
    server = asyncio.create_task(farm.serve())
    try:
        for camera in cameras:
            sys.stdout.write(f"ExcelSense emulator listening on {camera.url}\n")
        sys.stdout.flush()
        await stop.wait()
    finally:
        loop.remove_reader(args.control)
        server.cancel()
        with suppress(asyncio.CancelledError):
            await server
        # Stopping answers held pulls at once, whatever the clock says.
        clock.release()
        for camera in cameras:
            await camera.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the farm until SIGTERM, SIGINT or the end of the control pipe."""
    parser = argparse.ArgumentParser(prog="python -m bench.farm")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--max-connections", type=int, required=True)
    parser.add_argument("--control", type=int, required=True, help="command pipe")
    parser.add_argument("--ack", type=int, required=True, help="answer pipe")
    args = parser.parse_args(argv)
    clock = FarmClock()
    loop = FarmLoop(clock)
    try:
        loop.run_until_complete(_run(args, clock))
    finally:
        loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
