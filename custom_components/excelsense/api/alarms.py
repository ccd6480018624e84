"""Alarm output and motion: the self-clean output, motion detection, timed cleans."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace
from typing import TYPE_CHECKING

from . import kv
from .alarm import (
    ALARM_OUTPUT_ID,
    AlarmOperation,
    AlarmOperationResult,
    AlarmRun,
    camera_guard,
    end_pulse,
    refuse_if_shut_down,
    restore_profile,
)
from .area import Area, Changes, linkage_blocks, schedule_blocks
from .exceptions import ExcelSenseError, ExcelSenseResponseError
from .models import (
    AlarmLinkage,
    AlarmOutProfile,
    AlarmOutput,
    MotionAlarm,
    MotionArea,
    ScheduleDay,
    SelfCleanSchedule,
)
from .validation import (
    check_choice,
    check_int,
    check_number,
    invalid,
)

if TYPE_CHECKING:
    from collections.abc import Sequence


# The output's name, as the document's set example gives it, written until
# the camera has told its own (its get example: runFinish; the vendor's reset
# tool writes cleanTrigger): a profile set keeps the name the camera has.
SELF_CLEAN_OUTPUT_NAME = "selfCleanTrigger"


class AlarmArea(Area):
    """param.cgi alarmOut, motionAlarm and IOAlarm; alarm.cgi manualControl."""

    # Set by shutdown(): nothing may switch the output any more.
    _shut_down: bool = False
    _output_name: str = SELF_CLEAN_OUTPUT_NAME

    @property
    def alarm_operation_running(self) -> bool:
        """Whether an alarm-output operation holds this camera's output now."""
        return camera_guard(self.host, self.port).lock.locked()

    @property
    def output_may_be_on(self) -> bool:
        """Whether a pulse could not be ended (the output may still be on)."""
        return camera_guard(self.host, self.port).output_may_be_on

    async def alarm_out(self) -> AlarmOutput:
        """The alarm output's pulse profile."""
        block = await self._get(
            "param.cgi", "alarmOut", ("alarmOutID", str(ALARM_OUTPUT_ID))
        )
        return self._named(AlarmOutput.from_block(block))

    def _named(self, output: AlarmOutput) -> AlarmOutput:
        """Remember the output's own name, to write it back as it is."""
        if output.name:
            self._output_name = output.name
        return output

    async def alarm_out_settled(self) -> AlarmOutput:
        """The alarm output, read while no operation holds it.

        Waits for a running operation, so the answer is never its temporary
        profile; first tries again to end a pulse an operation could not end.
        The read itself takes a place of the shared bound like any poll read:
        the operation's own slot would put one request more on the camera.
        """
        guard = camera_guard(self.host, self.port)
        async with guard.lock:
            if guard.output_may_be_on:
                try:
                    await end_pulse(self, guard)
                except ExcelSenseError as err:
                    msg = f"Ending the pulse failed again: {err}"
                    raise ExcelSenseResponseError(None, msg) from err
            return await self.alarm_out()

    async def set_alarm_out(self, profile: AlarmOutProfile) -> None:
        """Set the alarm output profile (waits for a running operation)."""
        refuse_if_shut_down(self)
        async with camera_guard(self.host, self.port).lock:
            refuse_if_shut_down(self)
            await self._write_alarm_out(profile)

    async def restore_self_clean_profile(self) -> None:
        """End any pulse and put the output back in self-clean, verified."""
        guard = camera_guard(self.host, self.port)
        async with guard.lock:
            await end_pulse(self, guard)
            await restore_profile(self)

    async def manual_alarm(self, *, start: bool) -> None:
        """Start or end a manual pulse (prefer run_alarm_operation)."""
        if start:
            refuse_if_shut_down(self)
        await self._control(start=start)

    async def run_alarm_operation(
        self, operation: AlarmOperation
    ) -> AlarmOperationResult:
        """Run self-clean or an LED toggle and leave the output in self-clean.

        See ``alarm``: one lock per camera, the pulse held from the accepted
        start, the safety end and the restore retried, the restore verified.
        """
        run = AlarmRun(self, camera_guard(self.host, self.port), operation)
        # Shielded: a cancelled caller (unload, shutdown, a timeout) must not
        # cut the pulse short or skip the restore; it waits for both instead.
        task = asyncio.ensure_future(run.run())
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            if not task.done():
                with contextlib.suppress(ExcelSenseError):
                    await task
            raise

    @property
    def is_shut_down(self) -> bool:
        """Whether ``shutdown`` was called."""
        return self._shut_down

    async def shutdown(self, timeout: float) -> bool:  # noqa: ASYNC109 - a bound, not a request timeout
        """Close for business: a running alarm operation finishes, no new one starts.

        From now on, starting an operation, a manual pulse or a profile change
        raises ExcelSenseShutdownError (an operation queued behind the running
        one too); ending a pulse, restoring and reading still work. Waits at
        most ``timeout`` s for the running operation; False if it still runs.
        """
        self._shut_down = True
        return await self.wait_for_operations(timeout)

    async def wait_for_operations(self, timeout: float) -> bool:  # noqa: ASYNC109 - a bound, not a request timeout
        """Wait (at most ``timeout`` s) until no operation runs; False on timeout."""
        lock = camera_guard(self.host, self.port).lock
        try:
            async with asyncio.timeout(timeout), lock:
                return True
        except TimeoutError:
            return False

    async def _read_alarm_out(self) -> AlarmOutput:
        body = await self._request(
            "param.cgi",
            [("action", "get"), ("type", "alarmOut"), ("alarmOutID", "1")],
            slot=camera_guard(self.host, self.port).slot,
        )
        return self._named(AlarmOutput.from_block(kv.parse(body)))

    async def _write_alarm_out(self, profile: AlarmOutProfile) -> None:
        check_choice("valid_signal", profile.valid_signal, (0, 1))
        check_choice("mode", profile.mode, (1, 2))
        check_int("time_ms", profile.time_ms, 0)
        check_number("frequency", profile.frequency, 0)
        params = kv.serialize(
            {
                "alarmOutID": ALARM_OUTPUT_ID,
                "alarmOutName": self._output_name,
                "alarmMode": profile.mode,
                "alarmValidSignal": profile.valid_signal,
                "alarmOutFrequency": f"{profile.frequency:g}",
                "alarmTime": profile.time_ms,
            }
        )
        await self._request(
            "param.cgi",
            [("action", "set"), ("type", "alarmOut"), *params],
            "ok",
            slot=camera_guard(self.host, self.port).slot,
        )

    async def _control(self, *, start: bool) -> None:
        # POST of an empty form, as the vendor's cycle.cs sends it: aiohttp
        # resends a GET once when the connection drops, and a second start
        # while the pulse runs would change the length the controller sees.
        params = [
            ("action", "manualControl"),
            ("alarmOutID", str(ALARM_OUTPUT_ID)),
            ("controlFlag", "1" if start else "0"),
        ]
        await self._request(
            "alarm.cgi",
            params,
            "ok",
            slot=camera_guard(self.host, self.port).slot,
            method="POST",
        )

    async def motion_alarm(self, camera_id: int = 1) -> MotionAlarm:
        """Motion detection settings with areas, schedule and linkages."""
        block = await self._get(
            "param.cgi", "motionAlarm", ("cameraID", str(camera_id))
        )
        return MotionAlarm.from_block(block)

    async def set_motion_alarm(
        self,
        *,
        camera_id: int = 1,
        enabled: bool | None = None,
        sensitivity: int | None = None,
        alarm_interval: int | None = None,
        areas: Sequence[MotionArea] | None = None,
        schedule: Sequence[ScheduleDay] | None = None,
        linkages: Sequence[AlarmLinkage] | None = None,
    ) -> None:
        """Change motion detection; a loop that is given replaces the device's.

        Loops left out are not sent, so the device keeps them as they are.
        Sensitivity is "device-dependent": the camera decides its range.
        """
        changes = Changes("motion", cameraID=camera_id)
        changes.field("motionDetectionEnableFlag", enabled)
        changes.field("sensitivity", sensitivity, lambda v: check_int("sensitivity", v))
        changes.field(
            "alarmInterval",
            alarm_interval,
            lambda v: check_int("alarm_interval", v, 1, 1800),
        )
        changes.loop(
            "motionDetectionAction",
            "motionDetectionArea",
            None if areas is None else _area_blocks(areas),
        )
        changes.loop(
            "scheduleTimeAction",
            "weekDay",
            None if schedule is None else schedule_blocks(schedule, ordered=True),
        )
        changes.loop(
            "AlarmLinkageParam",
            "AlarmLinkage",
            None if linkages is None else linkage_blocks(linkages),
        )
        await self._set("param.cgi", "motionAlarm", changes.encoded())

    async def self_clean_schedule(self) -> SelfCleanSchedule:
        """Timed/scheduled self-clean (vendor's IOAlarm; -22 where unsupported)."""
        return SelfCleanSchedule.from_block(await self._get("param.cgi", "IOAlarm"))

    async def set_self_clean_schedule(
        self,
        current: SelfCleanSchedule,
        *,
        timed: bool | None = None,
        interval: int | None = None,
        scheduled: bool | None = None,
        times: Sequence[tuple[int, int]] | None = None,
    ) -> None:
        """Change timed/scheduled self-clean, sent whole as the vendor's tool does.

        change_timeout.py writes every field, the booleans as true/false,
        and refuses an interval outside 1-1440 minutes. It takes any HTTP 200
        reply as done (``if r.status_code == 200``) and prints it: IOAlarm is
        not in the document, so no reply form is known. Any reply that is not
        an error code is taken, and the settings read back say whether the
        camera kept them.
        """
        slots = list(current.times if times is None else times)
        if len(slots) > 3:  # noqa: PLR2004 - the device has three slots
            raise invalid("times", "at most three times")
        slots += [(0, 0)] * (3 - len(slots))
        params: list[kv.Pair] = [
            (
                "ScheduledSelfClean",
                _word(current.scheduled if scheduled is None else scheduled),
            ),
            ("TimedSelfClean", _word(current.timed if timed is None else timed)),
        ]
        for name, (hour, minute) in zip(("One", "Two", "Three"), slots, strict=True):
            params.append((f"Time{name}Hours", str(check_int("hour", hour, 0, 23))))
            params.append(
                (f"Time{name}Minutes", str(check_int("minute", minute, 0, 59)))
            )
        value = current.interval if interval is None else interval
        params.append(("TimeInterval", str(check_int("interval", value, 1, 1440))))
        await self._request(
            "param.cgi", [("action", "set"), ("type", "IOAlarm"), *params], "text"
        )
        kept = await self.self_clean_schedule()
        sent = SelfCleanSchedule.from_block(kv.KVBlock(values=dict(params)))
        # Times the camera does not show (fewer slots) are not compared.
        if sent != replace(kept, times=kept.times + sent.times[len(kept.times) :]):
            msg = "The camera did not keep the self-clean schedule"
            raise ExcelSenseResponseError(None, msg)


def _word(value: bool) -> str:  # noqa: FBT001
    """IOAlarm booleans as the vendor's change_timeout.py writes them."""
    return "true" if value else "false"


def _area_blocks(areas: Sequence[MotionArea]) -> list[kv.KVBlock]:
    for area in areas:
        # "Top-left X coordinate of detection area (relative to 420*260
        # grid)": the area lies on that grid.
        check_int("area_x", area.top_x, 0, 419)
        check_int("area_y", area.top_y, 0, 259)
        check_int("area_width", area.width, 1, 420 - area.top_x)
        check_int("area_height", area.height, 1, 260 - area.top_y)
    return [area.to_block() for area in areas]
