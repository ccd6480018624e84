"""The alarm-output operation: self-clean and the LED mode toggles.

The ToughEye's wiper/LED controller decodes the length of a pulse on the
camera's alarm output. One operation, under one lock per camera:

1. end a pulse an earlier operation could not end (output possibly still on);
2. read the alarm output's profile, set the operation's profile if it differs;
3. start the pulse; hold it for its whole length counted from the moment the
   camera accepted the start (the camera times the pulse itself, as the
   vendor's trigger scripts, which never end it, show);
4. end it (a safety end, harmless after the pulse; retried);
5. restore the self-clean profile, retried and verified by reading it back;
   this runs whatever failed before;
6. after an answer that leaves open whether the camera applied the profile or
   the start (timeout, dropped connection, garbled reply), look again once a
   request applied late would have landed, and correct it.

Failures raise ExcelSenseAlarmOperationError naming the step and whether the
output is known to be right (self-clean profile, not switched on).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from enum import IntEnum
import logging
import math
from typing import TYPE_CHECKING, Protocol
import weakref

from .exceptions import (
    ExcelSenseAlarmOperationError,
    ExcelSenseAuthenticationError,
    ExcelSenseBusyError,
    ExcelSenseConnectionError,
    ExcelSenseError,
    ExcelSensePermissionError,
    ExcelSenseResponseError,
)
from .models import AlarmOutProfile, AlarmOutput

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

_LOGGER = logging.getLogger(__name__)

# The document's bullet says alarmMode=1 (switching) for every operation, but
# its own example and the vendor's 2025 reset tool use alarmMode=2, and
# alarmOutFrequency only means something for a square wave: we write 2. A
# camera already at 1 with the right time and frequency is left alone.
ALARM_MODE_SQUARE_WAVE = 2
ALARM_MODE_SWITCHING = 1
ALARM_VALID_SIGNAL_CLOSE = 1
ALARM_FREQUENCY = 5.0
ALARM_OUTPUT_ID = 1
# Time after alarmTime before the safety end, so the controller sees the pulse whole.
ALARM_PULSE_MARGIN = 0.2
# Attempts of the idempotent steps (read, end, restore) and the pause between them.
STEP_ATTEMPTS = 3
STEP_BACKOFF = 0.5


class AlarmOperation(IntEnum):
    """What a pulse of the alarm output makes the camera do (alarmTime, ms)."""

    SELF_CLEAN = 300
    LED_NORMALLY_DISABLED_TOGGLE = 900
    LED_SHUTOFF_TOGGLE = 1700

    @property
    def profile(self) -> AlarmOutProfile:
        """The alarm output profile that makes the controller do this."""
        return AlarmOutProfile(
            valid_signal=ALARM_VALID_SIGNAL_CLOSE,
            mode=ALARM_MODE_SQUARE_WAVE,
            frequency=ALARM_FREQUENCY,
            time_ms=int(self),
        )


SELF_CLEAN_PROFILE = AlarmOperation.SELF_CLEAN.profile


def profile_does(profile: AlarmOutProfile, operation: AlarmOperation) -> bool:
    """Whether the output, pulsed in ``profile``, runs ``operation``.

    Either documented mode counts (see ALARM_MODE_SQUARE_WAVE).
    """
    target = operation.profile
    return (
        profile.valid_signal == target.valid_signal
        and profile.mode in (ALARM_MODE_SQUARE_WAVE, ALARM_MODE_SWITCHING)
        and math.isclose(profile.frequency, target.frequency)
        and profile.time_ms == target.time_ms
    )


def is_self_clean_profile(profile: AlarmOutProfile) -> bool:
    """Whether the output is where the camera's web UI and tools expect it."""
    return profile_does(profile, AlarmOperation.SELF_CLEAN)


@dataclass(frozen=True, kw_only=True)
class AlarmOperationResult:
    """How an alarm operation went (returned only when every step succeeded)."""

    operation: AlarmOperation
    profile_changed: bool


def is_certain(err: ExcelSenseError) -> bool:
    """Whether an error shows the camera did not apply the request.

    An error code is the camera's own refusal; a connection that never opened
    sent nothing. Anything else (timeout, dropped connection, a garbled or
    truncated reply, an HTTP error page) leaves it open.
    """
    if isinstance(err, ExcelSenseResponseError):
        return err.code is not None
    if isinstance(err, ExcelSenseConnectionError):
        return not err.request_sent
    return True


@dataclass(eq=False)
class CameraGuard:
    """What one camera's operations share, whichever client object runs them.

    A reload builds a new client while an operation of the old one may still
    run: both find the same guard, so a second operation cannot start.
    """

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # The operation's own request slot: it never queues behind polling.
    slot: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(1))
    output_may_be_on: bool = False


_GUARDS: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[tuple[str, int], CameraGuard]
] = weakref.WeakKeyDictionary()


def camera_guard(host: str, port: int) -> CameraGuard:
    """The guard of the camera at ``host:port`` (per running event loop)."""
    guards = _GUARDS.setdefault(asyncio.get_running_loop(), {})
    key = (host.casefold(), port)
    if key not in guards:
        guards[key] = CameraGuard()
    return guards[key]


class AlarmPort(Protocol):
    """The client calls an operation needs (sent on the operation's own slot)."""

    @property
    def host(self) -> str:
        """The camera's address (for messages)."""
        ...

    @property
    def request_timeout(self) -> float:
        """Seconds one request may take (the late check waits twice that)."""
        ...

    async def _read_alarm_out(self) -> AlarmOutput: ...

    async def _write_alarm_out(self, profile: AlarmOutProfile) -> None: ...

    async def _control(self, *, start: bool) -> None: ...


class _Stop(Exception):  # noqa: N818 - internal control flow, never escapes
    """An operation step failed; carries the step and the client error."""

    def __init__(self, step: str, error: ExcelSenseError) -> None:
        super().__init__(step)
        self.step = step
        self.error = error


@dataclass
class AlarmRun:
    """One operation on one camera (the steps of the module docstring)."""

    port: AlarmPort
    guard: CameraGuard
    operation: AlarmOperation
    uncertain: bool = False
    changed: bool = False
    # The output held another profile than self-clean at some point.
    touched: bool = False

    async def run(self) -> AlarmOperationResult:
        """Run the whole sequence under the camera's lock."""
        async with self.guard.lock:
            try:
                return await self._run_locked()
            finally:
                if self.uncertain:
                    await self._late_check()

    async def _run_locked(self) -> AlarmOperationResult:
        failure: _Stop | None = None
        try:
            if self.guard.output_may_be_on:
                await self._end_pulse()
            await self._prepare()
            await self._pulse()
        except _Stop as stop:
            failure = stop
        restored = await self._finish(failure)
        if failure is not None:
            raise ExcelSenseAlarmOperationError(
                failure.step,
                restored=restored and not self.guard.output_may_be_on,
                reason=str(failure.error),
            ) from failure.error
        return AlarmOperationResult(
            operation=self.operation, profile_changed=self.changed
        )

    async def _prepare(self) -> None:
        current = await self._retried("read_profile", self.port._read_alarm_out)  # noqa: SLF001
        self.touched = not is_self_clean_profile(current.profile)
        if profile_does(current.profile, self.operation):
            return
        self.changed = self.touched = True
        try:
            await self.port._write_alarm_out(self.operation.profile)  # noqa: SLF001
        except ExcelSenseError as err:
            self._note(err)
            raise _Stop("set_profile", err) from err

    async def _pulse(self) -> None:
        hold = self.operation / 1000 + ALARM_PULSE_MARGIN
        try:
            await self.port._control(start=True)  # noqa: SLF001
        except ExcelSenseError as err:
            if is_certain(err):
                raise _Stop("pulse_start", err) from err
            # The start may have reached the camera: let that pulse run out
            # before the safety end, so the end cannot cut it short.
            self._note(err)
            await asyncio.sleep(hold)
            await self._end_pulse()
            raise _Stop("pulse_start", err) from err
        # Counted from the accepted start: a busy retry or a slow reply before
        # it does not shorten what the controller sees.
        await asyncio.sleep(hold)
        await self._end_pulse()

    async def _end_pulse(self) -> None:
        try:
            await end_pulse(self.port, self.guard)
        except ExcelSenseError as err:
            raise _Stop("pulse_end", err) from err

    async def _finish(self, failure: _Stop | None) -> bool:
        """Restore and verify the self-clean profile when it may have changed."""
        # Also when the output held this operation's profile before: it must
        # end in self-clean whatever it was in.
        if not self.touched:
            return True
        try:
            await restore_profile(self.port)
        except ExcelSenseError as err:
            if failure is None:
                raise ExcelSenseAlarmOperationError(
                    "restore", restored=False, reason=str(err)
                ) from err
            _LOGGER.debug("Restoring %s failed too: %s", self.port.host, err)
            return False
        return True

    async def _retried[T](self, step: str, call: Callable[[], Awaitable[T]]) -> T:
        last: ExcelSenseError | None = None
        for attempt in range(STEP_ATTEMPTS):
            if attempt:
                await asyncio.sleep(STEP_BACKOFF * attempt)
            try:
                return await call()
            except (ExcelSenseAuthenticationError, ExcelSensePermissionError) as err:
                raise _Stop(step, err) from err
            except ExcelSenseError as err:
                last = err
        assert last is not None  # noqa: S101 - the loop ran at least once
        raise _Stop(step, last)

    def _note(self, err: ExcelSenseError) -> None:
        if not is_certain(err):
            self.uncertain = True

    async def _late_check(self) -> None:
        """Correct a profile or start the camera applied after we gave up on it.

        Only after the profile set or the start went unanswered: repeated
        ends and restores are harmless whenever they land.
        """
        await asyncio.sleep(2 * self.port.request_timeout)
        try:
            current = await self.port._read_alarm_out()  # noqa: SLF001
            if not is_self_clean_profile(current.profile):
                _LOGGER.debug("%s changed its alarm output late", self.port.host)
                await restore_profile(self.port)
        except ExcelSenseError as err:
            # Polling guards the profile too and raises the repair issue.
            _LOGGER.debug("Late check of %s failed: %s", self.port.host, err)


async def end_pulse(port: AlarmPort, guard: CameraGuard) -> None:
    """Send the safety end, retried; while it fails the output is suspect.

    An error code is an answer: the camera had no pulse left to end (it ends
    one by itself after alarmTime). Busy and refused logins are not.
    """
    guard.output_may_be_on = True
    last: ExcelSenseError | None = None
    for attempt in range(STEP_ATTEMPTS):
        if attempt:
            await asyncio.sleep(STEP_BACKOFF * attempt)
        try:
            await port._control(start=False)  # noqa: SLF001
        except (
            ExcelSenseBusyError,
            ExcelSenseAuthenticationError,
            ExcelSensePermissionError,
        ) as err:
            last = err
        except ExcelSenseResponseError as err:
            if err.code is None:
                last = err
                continue
            _LOGGER.debug("%s answered the pulse end with %s", port.host, err)
            break
        except ExcelSenseError as err:
            last = err
        else:
            break
    else:
        assert last is not None  # noqa: S101 - the loop ran at least once
        raise last
    guard.output_may_be_on = False


async def restore_profile(port: AlarmPort) -> None:
    """Set the self-clean profile and read it back, retried (caller holds the lock)."""
    last: ExcelSenseError | None = None
    for attempt in range(STEP_ATTEMPTS):
        if attempt:
            await asyncio.sleep(STEP_BACKOFF * attempt)
        try:
            await port._write_alarm_out(SELF_CLEAN_PROFILE)  # noqa: SLF001
            current = await port._read_alarm_out()  # noqa: SLF001
        except (ExcelSenseAuthenticationError, ExcelSensePermissionError):
            raise
        except ExcelSenseError as err:
            last = err
            continue
        if is_self_clean_profile(current.profile):
            return
        last = ExcelSenseResponseError(
            None, "The alarm output did not keep its profile"
        )
    assert last is not None  # noqa: S101 - the loop ran at least once
    raise last
