"""The alarm-output operation: self-clean and the LED mode toggles.

The ToughEye's wiper/LED controller decodes the length of a pulse on the
camera's alarm output. The document allows two readings of that output: the
camera times the pulse ("alarmTime ... Alarm duration in milliseconds"; the
vendor's trigger scripts only ever start it), or it holds the output on until
it is ended ("controlFlag ... 0: end"). The operation is right under both.
One operation, under one lock per camera:

1. end a pulse an earlier operation could not end (output possibly still on);
2. read the alarm output's profile, set the operation's profile if it differs;
3. start the pulse; hold it for its whole length, counted from the moment the
   camera accepted the start, or, when the start went unanswered, from the
   latest moment the camera can still carry it out (see LATE_APPLY_TIMEOUTS);
4. end it: the end a held output needs, harmless after a timed pulse. Only an
   OK confirms it (retried); until then the output may be on;
5. restore the self-clean profile, retried and verified by reading it back;
   this runs whatever failed before;
6. keep the lock until every request left unanswered can have landed; after
   an unanswered profile set, look at the profile again then and correct it.

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
    ExcelSenseConnectionError,
    ExcelSenseError,
    ExcelSensePermissionError,
    ExcelSenseResponseError,
    ExcelSenseShutdownError,
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
# Time after alarmTime before the end, so the controller sees the pulse whole.
ALARM_PULSE_MARGIN = 0.2
# A request we gave up on (timed out, or its connection dropped without a
# reply) may still be carried out: a web server that has read a CGI request
# may run it whether or not the client still waits, so a busy camera may
# start a pulse 12-15 s after a start sent with a 10 s timeout. We take it
# that the camera gets to such a request within this many request timeouts
# after we gave up: with the default 10 s, up to 25 s after sending. That
# covers the 20 s a busy camera was seen to take with room for the time the
# request took to reach it (its lateness counts from there, ours from
# sending).
#
# So after a start we gave up on, the one end comes at that moment +
# alarmTime + margin (26.9 s for the 1700 ms toggle), retried until the
# camera answers OK, and the profile is restored after it. A start carried
# out at any moment up to the bound runs whole under either reading: timed,
# it has ended by itself before the end; held, the end comes a whole
# alarmTime after it. Any earlier end could cut short a start carried out
# just before it: an end at the timeout + alarmTime + margin (11.9 s) cuts a
# start carried out 11.1 s late to 0.8 s, which the controller reads as
# another command; and held, a start carried out after such an end (12-25 s)
# would stay on. A start carried out later than the bound is not covered.
LATE_APPLY_TIMEOUTS = 1.5
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

    An error code or a refused login is the camera's own refusal; a
    connection that never opened sent nothing. Anything else (timeout,
    dropped connection, a garbled or truncated reply, an HTTP error page)
    leaves it open.
    """
    if isinstance(err, ExcelSenseAuthenticationError | ExcelSensePermissionError):
        return True
    if isinstance(err, ExcelSenseResponseError):
        return err.code is not None
    if isinstance(err, ExcelSenseConnectionError):
        return not err.request_sent
    return True


def _is_final(err: ExcelSenseError) -> bool:
    """A refused login or permission: trying again changes nothing."""
    return isinstance(err, ExcelSenseAuthenticationError | ExcelSensePermissionError)


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
        """Seconds one request may take (a late request: LATE_APPLY_TIMEOUTS)."""
        ...

    @property
    def is_shut_down(self) -> bool:
        """Whether the client refuses new operations."""
        ...

    async def _read_alarm_out(self) -> AlarmOutput: ...

    async def _write_alarm_out(self, profile: AlarmOutProfile) -> None: ...

    async def _control(self, *, start: bool) -> None: ...


def refuse_if_shut_down(port: AlarmPort) -> None:
    """Raise once the client is shut down (nothing may switch the output then)."""
    if port.is_shut_down:
        msg = f"The client of {port.host} is shut down; no alarm operation starts"
        raise ExcelSenseShutdownError(msg)


class _Stop(Exception):  # noqa: N818 - internal control flow, never escapes
    """An operation step failed; carries the step and the client error."""

    def __init__(self, step: str, error: ExcelSenseError) -> None:
        super().__init__(step)
        self.step = step
        self.error = error


type Note = Callable[[ExcelSenseError], None]


@dataclass
class AlarmRun:
    """One operation on one camera (the steps of the module docstring)."""

    port: AlarmPort
    guard: CameraGuard
    operation: AlarmOperation
    changed: bool = False
    # The output held another profile than self-clean at some point.
    touched: bool = False
    # The operation's profile set went unanswered: it may land late.
    profile_in_doubt: bool = False
    # Loop time until which a write we gave up on may still be carried out.
    quiet_at: float = -math.inf

    async def run(self) -> AlarmOperationResult:
        """Run the whole sequence under the camera's lock."""
        refuse_if_shut_down(self.port)
        async with self.guard.lock:
            # It may have queued behind another operation while shutting down.
            refuse_if_shut_down(self.port)
            try:
                return await self._run_locked()
            finally:
                # A stray late end or set must not fall into the next operation.
                await _sleep_until(self.quiet_at)

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
        if failure is None:
            return AlarmOperationResult(
                operation=self.operation, profile_changed=self.changed
            )
        if self.profile_in_doubt:
            restored = await self._late_check()
        raise ExcelSenseAlarmOperationError(
            failure.step,
            restored=restored and not self.guard.output_may_be_on,
            reason=str(failure.error),
        ) from failure.error

    async def _prepare(self) -> None:
        current = await self._step("read_profile", self.port._read_alarm_out)  # noqa: SLF001
        self.touched = not is_self_clean_profile(current.profile)
        if profile_does(current.profile, self.operation):
            return
        self.changed = self.touched = True
        try:
            await self.port._write_alarm_out(self.operation.profile)  # noqa: SLF001
        except ExcelSenseError as err:
            self._note(err)
            self.profile_in_doubt = not is_certain(err)
            raise _Stop("set_profile", err) from err

    async def _pulse(self) -> None:
        hold = self.operation / 1000 + ALARM_PULSE_MARGIN
        self.guard.output_may_be_on = True
        try:
            await self.port._control(start=True)  # noqa: SLF001
        except ExcelSenseError as err:
            if is_certain(err):
                self.guard.output_may_be_on = False
                raise _Stop("pulse_start", err) from err
            # The start may have reached the camera, and may still be carried
            # out: the end waits until that pulse has run whole.
            await _sleep_until(self._lands_by(err) + hold)
            await self._end_pulse()
            raise _Stop("pulse_start", err) from err
        # Counted from the accepted start: a busy retry or a slow reply before
        # it does not shorten what the controller sees.
        await asyncio.sleep(hold)
        await self._end_pulse()

    async def _end_pulse(self) -> None:
        try:
            await end_pulse(self.port, self.guard, self._note)
        except ExcelSenseError as err:
            raise _Stop("pulse_end", err) from err

    async def _finish(self, failure: _Stop | None) -> bool:
        """Restore and verify the self-clean profile when it may have changed."""
        # Also when the output held this operation's profile before: it must
        # end in self-clean whatever it was in.
        if not self.touched:
            return True
        try:
            await restore_profile(self.port, self._note)
        except ExcelSenseError as err:
            if failure is None:
                raise ExcelSenseAlarmOperationError(
                    "restore", restored=False, reason=str(err)
                ) from err
            _LOGGER.debug("Restoring %s failed too: %s", self.port.host, err)
            return False
        return True

    async def _step[T](self, step: str, call: Callable[[], Awaitable[T]]) -> T:
        try:
            return await retried(call)
        except ExcelSenseError as err:
            raise _Stop(step, err) from err

    def _lands_by(self, err: ExcelSenseError) -> float:
        """The latest loop time a write answered by ``err`` can take effect.

        A garbled or error reply came from a camera that had handled the
        request; a timeout or a dropped connection leaves it maybe queued.
        """
        now = asyncio.get_running_loop().time()
        if isinstance(err, ExcelSenseConnectionError):
            return now + LATE_APPLY_TIMEOUTS * self.port.request_timeout
        return now

    def _note(self, err: ExcelSenseError) -> None:
        """Remember how long a write that failed with ``err`` may still land."""
        if not is_certain(err):
            self.quiet_at = max(self.quiet_at, self._lands_by(err))

    async def _late_check(self) -> bool:
        """Correct a profile set the camera carried out after we gave up on it.

        True when the output is then known to be in the self-clean profile.
        """
        await _sleep_until(self.quiet_at)
        try:
            current = await self.port._read_alarm_out()  # noqa: SLF001
            if not is_self_clean_profile(current.profile):
                _LOGGER.debug("%s changed its alarm output late", self.port.host)
                await restore_profile(self.port, self._note)
        except ExcelSenseError as err:
            _LOGGER.debug("Late check of %s failed: %s", self.port.host, err)
            return False
        return True


async def _sleep_until(deadline: float) -> None:
    delay = deadline - asyncio.get_running_loop().time()
    if delay > 0:
        await asyncio.sleep(delay)


async def retried[T](call: Callable[[], Awaitable[T]], note: Note | None = None) -> T:
    """Await ``call`` up to STEP_ATTEMPTS times; each failure goes to ``note``.

    A refused login or permission is raised at once.
    """
    last: ExcelSenseError | None = None
    for attempt in range(STEP_ATTEMPTS):
        if attempt:
            await asyncio.sleep(STEP_BACKOFF * attempt)
        try:
            return await call()
        except ExcelSenseError as err:
            if note is not None:
                note(err)
            if _is_final(err):
                raise
            last = err
    assert last is not None  # noqa: S101 - the loop ran at least once
    raise last


async def end_pulse(
    port: AlarmPort, guard: CameraGuard, note: Note | None = None
) -> None:
    """End the pulse, retried; until an end is confirmed the output is suspect.

    Only OK confirms it. An error code does not: a camera that holds the
    output until it is ended and refuses the end still has it on, and the
    reply does not tell that camera from one whose pulse ended by itself.
    """
    guard.output_may_be_on = True
    await retried(lambda: port._control(start=False), note)  # noqa: SLF001
    guard.output_may_be_on = False


async def restore_profile(port: AlarmPort, note: Note | None = None) -> None:
    """Set the self-clean profile and read it back, retried (caller holds the lock).

    ``note`` hears of every failed set, not of the harmless reads.
    """

    async def attempt() -> None:
        try:
            await port._write_alarm_out(SELF_CLEAN_PROFILE)  # noqa: SLF001
        except ExcelSenseError as err:
            if note is not None:
                note(err)
            raise
        current = await port._read_alarm_out()  # noqa: SLF001
        if not is_self_clean_profile(current.profile):
            msg = "The alarm output did not keep its profile"
            raise ExcelSenseResponseError(None, msg)

    await retried(attempt)
