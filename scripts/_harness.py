"""The harness scripts/smoke and scripts/e2e share: checks, results, tails, tally.

A run is a sequence of checks. Each check is timed and prints one line::

    ok   config flow adds the camera (1.2 s): entry 'ToughEye 15:93:56' loaded
    skip HLS live view from the camera's RTSP stream (0.0 s): no ffmpeg
    FAIL entities have states (60.1 s)

A failed expectation (``expect_that``), a timeout or any other exception
fails the check it happens in and ends the run: ``Harness.run`` then prints
the error and the tails of Home Assistant's and the emulator's logs. The
closing line is the tally CI reads (``smoke: 11 passed, 0 failed``);
``--results DIR`` also writes it to ``DIR/result``, and every check's outcome,
time and notes to ``DIR/results.json``.

The log check both runs (``log_findings``): no error from the integration,
and the camera's password in no form anywhere in Home Assistant's log.

Runs on the Python of ``.venv-develop``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from dataclasses import asdict, dataclass, field
import json
from pathlib import Path
import time
from typing import TYPE_CHECKING, Final, Literal
from urllib.parse import quote

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

    from _hass_common import Env

Outcome = Literal["passed", "failed", "skipped"]
LABELS: Final[dict[Outcome, str]] = {
    "passed": "ok  ",
    "failed": "FAIL",
    "skipped": "skip",
}
# Lines of each log printed after a failure.
HASS_TAIL: Final = 80
EMULATOR_TAIL: Final = 20
INTEGRATION_LOGGER: Final = "custom_components.excelsense"


class CheckError(Exception):
    """An expectation of a check did not hold."""


def expect_that(condition: object, message: str) -> None:
    """Fail the current check with ``message`` unless ``condition``."""
    if not condition:
        raise CheckError(message)


async def poll[T](
    probe: Callable[[], Awaitable[T | None]],
    within: float,
    what: str,
    every: float = 0.25,
) -> T:
    """Ask ``probe`` until it returns something; that (CheckError after ``within``)."""
    deadline = time.monotonic() + within
    while True:
        found = await probe()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            msg = f"{what} not seen within {within:.0f} s"
            raise CheckError(msg)
        await asyncio.sleep(every)


@dataclass
class Notes:
    """What a running check reports on its line."""

    lines: list[str] = field(default_factory=list)
    skipped: bool = False

    def add(self, text: str) -> None:
        """Add a detail to the check's line."""
        self.lines.append(text)

    def skip(self, reason: str) -> None:
        """Count the check as skipped (it should return right after)."""
        self.skipped = True
        self.lines.insert(0, reason)


@dataclass(frozen=True)
class Result:
    """One check's outcome."""

    name: str
    outcome: Outcome
    seconds: float
    notes: tuple[str, ...]


class Harness:
    """A run of checks: their lines, results and tally."""

    def __init__(self, name: str) -> None:
        """Start a run called ``name`` (smoke, e2e) with no checks yet."""
        self.name = name
        self.results: list[Result] = []

    @contextlib.asynccontextmanager
    async def check(self, name: str) -> AsyncIterator[Notes]:
        """Time one check and print its line; the yielded notes go on it."""
        start = time.monotonic()
        notes = Notes()
        outcome: Outcome = "failed"
        try:
            yield notes
            outcome = "skipped" if notes.skipped else "passed"
        finally:
            # A failure, a timeout or Ctrl-C: the check counts as failed.
            seconds = round(time.monotonic() - start, 3)
            self.results.append(Result(name, outcome, seconds, tuple(notes.lines)))
            detail = f": {'; '.join(notes.lines)}" if notes.lines else ""
            print(f"{LABELS[outcome]} {name} ({seconds:.1f} s){detail}", flush=True)

    def count(self, outcome: Outcome) -> int:
        """How many checks ended so."""
        return sum(1 for result in self.results if result.outcome == outcome)

    def tally(self) -> str:
        """The closing line CI reads: ``NAME: N passed, N failed[, N skipped]``."""
        line = (
            f"{self.name}: {self.count('passed')} passed, {self.count('failed')} failed"
        )
        skipped = self.count("skipped")
        return line + (f", {skipped} skipped" if skipped else "")

    def write(self, directory: Path) -> None:
        """The tally to ``result``, every check to ``results.json``."""
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "result").write_text(self.tally() + "\n", encoding="utf-8")
        results = [asdict(result) for result in self.results]
        (directory / "results.json").write_text(
            json.dumps(results, indent=2) + "\n", encoding="utf-8"
        )

    async def _run(self, env: Env, body: Callable[[], Awaitable[None]]) -> int:
        start = time.monotonic()
        status = 0
        try:
            await body()
        except Exception as err:  # noqa: BLE001 - any failure ends the same way
            if not self.count("failed"):
                # It failed outside the checks (set-up): count that too.
                self.results.append(Result("set-up", "failed", 0.0, (str(err),)))
            reason = f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
            print(f"\n{self.name}: FAILED: {reason}", flush=True)
            print_tails(env)
            status = 1
        print(f"{self.name}: checks took {time.monotonic() - start:.0f} s")
        return status

    def run(
        self,
        env: Env,
        body: Callable[[], Awaitable[None]],
        results: Path | None = None,
    ) -> int:
        """Run ``body`` (the checks in order); 0 when none failed.

        Prints the tally last and writes the results to ``results``.
        """
        status = asyncio.run(self._run(env, body))
        print(self.tally(), flush=True)
        if results is not None:
            self.write(results)
        return status


def arguments(prog: str, description: str) -> argparse.ArgumentParser:
    """A command line with the harness's options (add your own to it)."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument(
        "--results",
        type=Path,
        metavar="DIR",
        help="write the tally to DIR/result and every check to DIR/results.json",
    )
    return parser


def tail(path: Path, lines: int) -> str:
    """The last ``lines`` lines of a file (or why there are none)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as err:
        return f"({err})"
    return "\n".join(text.splitlines()[-lines:])


def print_tails(env: Env) -> None:
    """The ends of Home Assistant's and the emulator's logs."""
    print(f"\n--- last {HASS_TAIL} lines of {env.hass_log}")
    print(tail(env.hass_log, HASS_TAIL))
    print(f"--- last {EMULATOR_TAIL} lines of {env.emulator_log}")
    print(tail(env.emulator_log, EMULATOR_TAIL), flush=True)


def log_findings(env: Env, notes: Notes) -> None:
    """No integration error in Home Assistant's log, no camera password in its logs.

    The password is looked for as typed and URL-encoded, in the log file and
    in what hass printed to its console.
    """
    text = env.hass_log.read_text(encoding="utf-8", errors="replace")
    lines = text.splitlines()
    errors = [
        line for line in lines if " ERROR " in line and INTEGRATION_LOGGER in line
    ]
    expect_that(not errors, "integration errors:\n" + "\n".join(errors[:10]))
    password = env.camera_password
    forms = {password, quote(password, safe=""), quote(password)}
    for log in (env.hass_log, env.hass_console):
        logged = log.read_text(encoding="utf-8", errors="replace")
        for form in forms:
            expect_that(
                form not in logged, f"the camera password appears as {form!r} in {log}"
            )
    others = sum(1 for line in lines if " ERROR " in line)
    notes.add(f"{len(lines)} lines, {others} other ERROR lines, no password")
