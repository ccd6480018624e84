"""Asynchronous client for the ExcelSense CGI API: one method per operation.

Every setter checks its input against the document before anything is sent;
where the document states no range, only the type is checked and the camera
decides (it answers -23).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Self
from urllib.parse import quote

import aiohttp
from yarl import URL

from . import kv
from .alarm import (
    ALARM_OUTPUT_ID,
    SELF_CLEAN_PROFILE,
    AlarmOperation,
    AlarmOperationResult,
    AlarmRun,
    camera_guard,
    end_pulse,
    restore_profile,
)
from .exceptions import (
    ExcelSenseConnectionError,
    ExcelSenseError,
    ExcelSenseResponseError,
    ExcelSenseTimeoutError,
)
from .models import (
    AlarmLinkage,
    AlarmOutProfile,
    AlarmOutput,
    AudioEncoder,
    AVStream,
    CameraInfo,
    DeviceInfo,
    DevicePort,
    DeviceTime,
    DiskAlarm,
    DiskInfo,
    ImageSetting,
    LinkageAction,
    LocalNetwork,
    LogEntry,
    Mirror,
    MotionAlarm,
    MotionArea,
    NTPSettings,
    OSDCanvas,
    OSDCanvases,
    OSDInfo,
    OSDSettings,
    OSDType,
    ProtocolInfo,
    RecordDirectories,
    RecordPolicy,
    ScheduleDay,
    SelfCleanSchedule,
    StreamAbility,
    StreamUrl,
    TimeZone,
    VideoEncoder,
    parse_number,
)
from .transport import TEXT_REPLY_LIMIT, Transport, check_reply, read_capped
from .validation import (
    check_choice,
    check_half_hour,
    check_int,
    check_ipv4,
    check_name_text,
    check_number,
    check_periods,
    check_resolution,
    check_text,
    invalid,
    nothing_to_change,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

SELF_CLEAN_OUTPUT_NAME = "selfCleanTrigger"
# "Minimum is 197101010000" (system and alarm log start and end times).
LOG_MINIMUM = datetime(1971, 1, 1)  # noqa: DTZ001 - the device's naive local time
# OSD time watermark formats the document lists (spaces as in its set example;
# its get example answers them without spaces).
OSD_TIME_FORMATS = frozenset(
    {
        "YYYY-MM-DD hh:mm:ss ww",
        "hh:mm:ss YYYY-MM-DD ww",
        "MM/DD/YYYY hh:mm:ss ww",
        "hh:mm:ss MM/DD/YYYY ww",
    }
)
_OSD_TIME_FORMATS_BARE = frozenset("".join(fmt.split()) for fmt in OSD_TIME_FORMATS)
# "OSDInfoEnd ... Required and = 1 for set", likewise OSDCanvasEnd.
_END_ONE_ON_SET = ("OSDCanvas", "OSDInfo")
# video.cgi's EncoderType for each stream encoder.
_RTSP_ENCODER: dict[int, str] = {
    VideoEncoder.H264: "H264",
    VideoEncoder.H264_MAIN: "H264",
    VideoEncoder.H264_HIGH: "H264",
    VideoEncoder.H265_MAIN: "H265",
    VideoEncoder.MJPEG: "MJPEG",
}


@dataclass(kw_only=True)
class ExcelSenseClient(Transport):
    """One camera.

    Requests are bounded per client (``max_concurrent_requests``) because the
    cameras' embedded CPUs answer few connections; busy replies are retried
    with a short backoff. Alarm-output operations run under one lock per
    camera, on a request slot of their own.
    """

    # ------------------------------------------------------------------ device

    async def device_info(self) -> DeviceInfo:
        """Model, MAC, versions. Some firmware answers it without checking login."""
        return DeviceInfo.from_block(await self._get("param.cgi", "deviceInfo"))

    async def set_device_name(self, name: str) -> None:
        """Rename the device (empty clears it, as the factory name is)."""
        check_name_text("device_name", name)
        await self._set("param.cgi", "deviceName", [("deviceName", name)])

    async def camera_info(self, camera_id: int = 1) -> CameraInfo:
        """The channel's name."""
        block = await self._get("param.cgi", "cameraInfo", ("cameraID", str(camera_id)))
        return CameraInfo.from_block(block)

    async def set_camera_name(self, name: str, camera_id: int = 1) -> None:
        """Rename a channel (the document puts no character rule on it)."""
        check_text("camera_name", name)
        params = [("cameraID", str(camera_id)), ("cameraName", name)]
        await self._set("param.cgi", "cameraInfo", params)

    async def local_network(self) -> LocalNetwork:
        """IPv4 settings of every NIC."""
        block = await self._get("param.cgi", "localNetwork", ("IPProtoVer", "1"))
        return LocalNetwork.from_block(block)

    async def set_local_network(
        self,
        *,
        net_card_id: int = 1,
        ip_address: str | None = None,
        subnet_mask: str | None = None,
        gateway: str | None = None,
        preferred_dns: str | None = None,
        alternate_dns: str | None = None,
        dhcp: bool | None = None,
    ) -> None:
        """Change IPv4 settings (only the given fields; "" clears gateway/DNS)."""
        check_choice("net_card_id", net_card_id, (1, 2))
        changes = _Changes("network", netCardId=net_card_id, IPProtoVer=1)
        for key, name, value, empty in (
            ("IPAddress", "ip_address", ip_address, False),
            ("subNetmask", "subnet_mask", subnet_mask, False),
            ("subGetway", "gateway", gateway, True),
            ("preferredDNS", "preferred_dns", preferred_dns, True),
            ("alternateDNS", "alternate_dns", alternate_dns, True),
        ):
            changes.field(key, value, partial(check_ipv4, name, empty=empty))
        changes.field("autoGetIPFlag", dhcp)
        await self._set("param.cgi", "localNetwork", changes.encoded())

    async def device_port(self) -> DevicePort:
        """Control, HTTP, RTSP and RTMP ports."""
        return DevicePort.from_block(await self._get("param.cgi", "devicePort"))

    async def set_device_port(
        self,
        *,
        control_port: int | None = None,
        http_port: int | None = None,
        rtsp_port: int | None = None,
        rtmp_port: int | None = None,
    ) -> None:
        """Change ports (each "unsigned short", each optional on set)."""
        changes = _Changes("ports")
        for key, name, value in (
            ("controlPort", "control_port", control_port),
            ("httpPort", "http_port", http_port),
            ("rtspPort", "rtsp_port", rtsp_port),
            ("rtmpPort", "rtmp_port", rtmp_port),
        ):
            changes.field(key, value, partial(check_int, name, low=0, high=65535))
        await self._set("param.cgi", "devicePort", changes.encoded())

    async def date_time(self) -> DeviceTime:
        """The device's local clock."""
        return DeviceTime.from_block(await self._get("param.cgi", "dateTime"))

    async def set_date_time(self, value: datetime) -> None:
        """Set the device's local clock (the wall time, in the device's zone)."""
        if not isinstance(value, datetime):
            raise invalid("date_time", "must be a date and time")
        params = [
            ("year", value.year),
            ("month", value.month),
            ("day", value.day),
            ("hour", value.hour),
            ("minute", value.minute),
            ("second", value.second),
        ]
        await self._set("param.cgi", "dateTime", [(k, str(v)) for k, v in params])

    async def time_zone(self) -> TimeZone:
        """Time zone id and daylight-saving rule."""
        return TimeZone.from_block(await self._get("param.cgi", "timeZone"))

    async def set_time_zone(self, zone: TimeZone) -> None:
        """Set the time zone and its DST rule (ranges as the document states)."""
        check_int("time_zone", zone.time_zone, 0, 300)
        for prefix, month, week, weekday, minutes in (
            (
                "begin",
                zone.begin_month,
                zone.begin_week,
                zone.begin_weekday,
                zone.begin_time,
            ),
            ("end", zone.end_month, zone.end_week, zone.end_weekday, zone.end_time),
        ):
            check_int(f"{prefix}_month", month, 1, 12)
            check_int(f"{prefix}_week", week, 1, 5)
            check_int(f"{prefix}_weekday", weekday, 0, 6)
            check_half_hour(f"{prefix}_time", minutes)
        await self._set(
            "param.cgi",
            "timeZone",
            kv.serialize(
                {
                    "timeZone": zone.time_zone,
                    "DSTOpenFlag": zone.dst_enabled,
                    "beginMonth": zone.begin_month,
                    "beginWeekly": zone.begin_week,
                    "beginWeekDays": zone.begin_weekday,
                    "beginTime": zone.begin_time,
                    "endMonth": zone.end_month,
                    "endWeekly": zone.end_week,
                    "endWeekDays": zone.end_weekday,
                    "endTime": zone.end_time,
                }
            ),
        )

    async def ntp(self) -> NTPSettings:
        """NTP client settings."""
        return NTPSettings.from_block(await self._get("param.cgi", "NTP"))

    async def set_ntp(
        self,
        *,
        enabled: bool,
        server: str,
        port: int = 123,
        interval: int | None = None,
    ) -> None:
        """Set the NTP client.

        The port is "0-65535", but "values above 65535 are clamped to 65535"
        by the camera, so only negative ones are refused here.
        """
        check_ipv4("server", server)
        check_int("port", port, 0)
        params: dict[str, object] = {
            "IPProtoVer": 1,
            "enableFlag": enabled,
            "NTPIP": server,
            "NTPPort": port,
        }
        if interval is not None:
            params["NTPCheckTime"] = check_int("interval", interval)
        await self._set("param.cgi", "NTP", kv.serialize(params))

    # ------------------------------------------------------------------ OSD

    async def osd(self, camera_id: int = 1) -> OSDSettings:
        """Global OSD settings."""
        block = await self._get("param.cgi", "OSD", ("cameraID", str(camera_id)))
        return OSDSettings.from_block(block)

    async def set_osd(
        self,
        *,
        camera_id: int = 1,
        font_color: int | None = None,
        inverse: bool | None = None,
        alpha: int | None = None,
    ) -> None:
        """Change global OSD settings (only the given fields are sent)."""
        changes = _Changes("osd", cameraID=camera_id)
        changes.field(
            "fontColor", font_color, lambda v: check_int("font_color", v, 0, 9)
        )
        changes.field("inverseFlag", inverse)
        # The document: alpha 0 "is only returned by get and is invalid for set".
        changes.field("alpha", alpha, lambda v: check_int("alpha", v, 1, 4))
        await self._set("param.cgi", "OSD", changes.encoded())

    async def osd_canvases(self, camera_id: int = 1) -> OSDCanvases:
        """Every OSD canvas of a camera."""
        block = await self._get("param.cgi", "OSDCanvas", ("cameraID", str(camera_id)))
        return OSDCanvases.from_block(block)

    async def set_osd_canvas(
        self, canvas: OSDCanvas, *, camera_id: int = 1, action: str = "cover"
    ) -> None:
        """Set one canvas's position and its one entry, as the document's set does.

        The document's set carries one OSDInfo per canvas with "OSDInfoEnd ...
        Required and = 1 for set" (and OSDCanvasEnd likewise); ``action`` is
        its OSDInfoAction (cover, add, remove). A font size of 0 "is only
        returned by get and is invalid for set": it is left out.
        """
        check_int("canvas_id", canvas.canvas_id, 1, 8)
        check_int("top_x", canvas.top_x, 0, 100)
        check_int("top_y", canvas.top_y, 0, 100)
        check_choice("align_mode", canvas.align_mode, (0, 1))
        if action not in ("cover", "add", "remove"):
            raise invalid("action", "must be cover, add or remove")
        if len(canvas.infos) != 1:
            raise invalid("infos", "a canvas is set with exactly one entry")
        values: dict[str, object] = {
            "canvasID": canvas.canvas_id,
            "topX": canvas.top_x,
            "topY": canvas.top_y,
        }
        if canvas.font_size:
            values["fontSize"] = check_int("font_size", canvas.font_size, 1, 3)
        values["alignMode"] = canvas.align_mode
        values["OSDInfoAction"] = action
        entry = kv.block(values, OSDInfo=[_osd_info_block(canvas.infos[0])])
        params = kv.serialize(
            {"cameraID": camera_id}, {"OSDCanvas": [entry]}, end_one=_END_ONE_ON_SET
        )
        await self._set("param.cgi", "OSDCanvas", params)

    # ------------------------------------------------------------------ storage

    async def disks(self) -> DiskInfo:
        """Every disk with size, free space and status."""
        return DiskInfo.from_block(await self._get("param.cgi", "deviceDiskInfo"))

    async def record_policy(self, camera_id: int = 1) -> RecordPolicy:
        """Scheduled recording settings."""
        block = await self._get(
            "param.cgi", "recordPolicy", ("cameraID", str(camera_id))
        )
        return RecordPolicy.from_block(block)

    async def set_record_policy(
        self,
        current: RecordPolicy,
        *,
        camera_id: int = 1,
        enabled: bool | None = None,
        save_days: int | None = None,
        audio: bool | None = None,
        schedule: Sequence[ScheduleDay] | None = None,
    ) -> None:
        """Change recording settings, sent whole as the document's example is.

        The schedule loop is "required on set": the current one is sent again
        with scheduleTimeAction=cover ("Default is add if omitted"). Stream
        and disk group ("Required for set") come from ``current``.
        """
        days = current.schedule if schedule is None else tuple(schedule)
        params: dict[str, object] = {
            "cameraID": camera_id,
            "RecordOpenFlag": current.enabled if enabled is None else enabled,
            "SaveDays": current.save_days
            if save_days is None
            else check_int("save_days", save_days),
            "StreamId": current.stream_id,
            "AudioOpenFlag": current.audio if audio is None else audio,
            "DiskGroupId": current.disk_group_id,
        }
        loops = {"weekDay": _schedule_blocks(days, ordered=False)}
        params_list = kv.serialize(params, loops)
        params_list.append(("scheduleTimeAction", "cover"))
        await self._set("param.cgi", "recordPolicy", params_list)

    async def record_directories(self) -> RecordDirectories:
        """Record directories of every disk."""
        return RecordDirectories.from_block(
            await self._get("param.cgi", "recordDirInfo")
        )

    async def set_record_directory(
        self,
        disk_id: int,
        *,
        disk_name: str | None = None,
        enabled: bool | None = None,
        group_id: int | None = None,
    ) -> None:
        """Change one disk's record directory (diskId is "required on set")."""
        changes = _Changes("record_directory", diskId=check_int("disk_id", disk_id))
        changes.field("diskName", disk_name, lambda v: check_text("disk_name", v))
        changes.field("enableFlag", enabled)
        changes.field("groupID", group_id, lambda v: check_int("group_id", v))
        await self._set("param.cgi", "recordDirInfo", changes.encoded())

    # ------------------------------------------------------------------ streams

    async def av_stream(self, stream_id: int, camera_id: int = 1) -> AVStream:
        """Encoder settings of one stream."""
        block = await self._get(
            "param.cgi",
            "AVStream",
            ("cameraID", str(camera_id)),
            ("streamID", str(stream_id)),
        )
        return AVStream.from_block(block, stream_id)

    async def set_av_stream(  # noqa: PLR0913 - one argument per device field
        self,
        stream_id: int,
        *,
        camera_id: int = 1,
        video_encoder: int | None = None,
        audio_encoder: int | None = None,
        resolution: str | None = None,
        frame_rate: int | None = None,
        i_frame_interval: int | None = None,
        bit_rate_type: int | None = None,
        bit_rate: int | None = None,
        quality: int | None = None,
    ) -> None:
        """Change encoder settings of one stream (only the given fields are sent).

        Frame rate and bit rate ranges "depend on device": the camera decides.
        """
        changes = _Changes("stream", cameraID=camera_id, streamID=stream_id)
        changes.field(
            "videoEncoderType",
            video_encoder,
            lambda v: check_choice("video_encoder", v, list(VideoEncoder)),
        )
        changes.field(
            "audioEncoderType",
            audio_encoder,
            lambda v: check_choice("audio_encoder", v, list(AudioEncoder)),
        )
        changes.field(
            "resolution", resolution, lambda v: check_resolution("resolution", v)
        )
        changes.field("frameRate", frame_rate, lambda v: check_int("frame_rate", v, 1))
        changes.field(
            "iFrameInterval",
            i_frame_interval,
            lambda v: check_int("i_frame_interval", v, 1, 45),
        )
        changes.field(
            "bitRateType",
            bit_rate_type,
            lambda v: check_choice("bit_rate_type", v, (1, 2)),
        )
        changes.field("bitRate", bit_rate, lambda v: check_int("bit_rate", v, 1))
        changes.field("quality", quality, lambda v: check_int("quality", v, 1, 9))
        await self._set("param.cgi", "AVStream", changes.encoded())

    async def stream_ability(self, camera_id: int = 1) -> StreamAbility:
        """Which encoders and resolutions every stream offers."""
        block = await self._get(
            "param.cgi", "streamAbility", ("cameraID", str(camera_id))
        )
        return StreamAbility.from_block(block)

    # ------------------------------------------------------------------ alarm output

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
        return AlarmOutput.from_block(block)

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
        async with camera_guard(self.host, self.port).lock:
            await self._write_alarm_out(profile)

    async def restore_self_clean_profile(self) -> None:
        """End any pulse and put the output back in self-clean, verified."""
        guard = camera_guard(self.host, self.port)
        async with guard.lock:
            await end_pulse(self, guard)
            await restore_profile(self)

    async def manual_alarm(self, *, start: bool) -> None:
        """Start or end a manual pulse (prefer run_alarm_operation)."""
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
        return AlarmOutput.from_block(kv.parse(body))

    async def _write_alarm_out(self, profile: AlarmOutProfile) -> None:
        check_choice("valid_signal", profile.valid_signal, (0, 1))
        check_choice("mode", profile.mode, (1, 2))
        check_int("time_ms", profile.time_ms, 0)
        check_number("frequency", profile.frequency, 0)
        params = kv.serialize(
            {
                "alarmOutID": ALARM_OUTPUT_ID,
                "alarmOutName": SELF_CLEAN_OUTPUT_NAME,
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
        # POST, as the vendor's cycle.cs sends it: aiohttp resends a GET once
        # when the connection drops, and a second start while the pulse runs
        # would change the length the controller sees.
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

    # ------------------------------------------------------------------ alarms

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
        changes = _Changes("motion", cameraID=camera_id)
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
            None if schedule is None else _schedule_blocks(schedule, ordered=True),
        )
        changes.loop(
            "AlarmLinkageParam",
            "AlarmLinkage",
            None if linkages is None else _linkage_blocks(linkages),
        )
        await self._set("param.cgi", "motionAlarm", changes.encoded())

    async def disk_alarm(self, alarm_in_id: int = 1) -> DiskAlarm:
        """Disk alarm settings."""
        block = await self._get(
            "param.cgi", "diskAlarm", ("alarmInID", str(alarm_in_id))
        )
        return DiskAlarm.from_block(block)

    async def set_disk_alarm(
        self,
        *,
        alarm_in_id: int = 1,
        disk_full: bool | None = None,
        disk_error: bool | None = None,
        no_disk: bool | None = None,
        alarm_interval: int | None = None,
        linkages: Sequence[AlarmLinkage] | None = None,
    ) -> None:
        """Change disk alarms (only the given fields are sent)."""
        changes = _Changes("disk_alarm", alarmInID=alarm_in_id)
        changes.field("diskFullAlarmCheckFlag", disk_full)
        changes.field("diskErrorAlarmCheckFlag", disk_error)
        changes.field("NoDiskAlarmEnableFlag", no_disk)
        changes.field(
            "AlarmInterval",
            alarm_interval,
            lambda v: check_int("alarm_interval", v, 10, 86400),
        )
        changes.loop(
            "AlarmLinkageParam",
            "AlarmLinkage",
            None if linkages is None else _linkage_blocks(linkages),
        )
        await self._set("param.cgi", "diskAlarm", changes.encoded())

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
        and refuses an interval outside 1-1440 minutes.
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
        await self._set("param.cgi", "IOAlarm", params)

    # ------------------------------------------------------------------ protocol

    async def protocol_info(self) -> ProtocolInfo:
        """The ONVIF stack's name and version."""
        return ProtocolInfo.from_block(await self._get("param.cgi", "protocolInfo"))

    async def protocol_security(self) -> bool:
        """Whether ONVIF requests must authenticate."""
        block = await self._get("param.cgi", "protocolSecurity")
        return _integer(block, "protocolSecurity", "protocolSecurityFlag") != 0

    async def set_protocol_security(self, *, enabled: bool) -> None:
        """Require (or not) authentication for ONVIF."""
        params = kv.serialize({"protocolSecurityFlag": enabled})
        await self._set("param.cgi", "protocolSecurity", params)

    # ------------------------------------------------------------------ users

    async def add_user(
        self,
        username: str,
        password: str,
        *,
        group: str | None = None,
        note: str | None = None,
    ) -> None:
        """Create a user account."""
        await self._user("add", "newuser", username, password, group, note)

    async def modify_user(
        self,
        username: str,
        password: str,
        *,
        group: str | None = None,
        note: str | None = None,
    ) -> None:
        """Change a user's password (and group/note)."""
        await self._user("modify", "user", username, password, group, note)

    async def _user(
        self,
        action: str,
        name_key: str,
        username: str,
        password: str,
        group: str | None,
        note: str | None,
    ) -> None:
        field = "new_username" if name_key == "newuser" else "user"
        params = [
            ("action", action),
            ("type", "User"),
            (name_key, check_text(field, username, empty=False)),
            ("newpasswd", check_text("password", password, empty=False)),
        ]
        if group is not None:
            params.append(("group", check_text("group", group, empty=False)))
        if note is not None:
            params.append(("note", check_text("note", note)))
        await self._request("param.cgi", params, "ok")

    # ------------------------------------------------------------------ sensor

    async def image_setting(self, setting: ImageSetting) -> int:
        """Brightness, contrast, hue, saturation or sharpness (0-100)."""
        block = await self._get("sensor.cgi", str(setting))
        return _integer(block, str(setting), "value")

    async def set_image_setting(self, setting: ImageSetting, value: int) -> None:
        """Set brightness, contrast, hue, saturation or sharpness ("Range: 0-100")."""
        check_int(str(setting), value, 0, 100)
        await self._set("sensor.cgi", str(setting), [("value", str(value))])

    async def mirror(self) -> Mirror:
        """Vertical and horizontal flip."""
        return Mirror.from_block(await self._get("sensor.cgi", "mirror"))

    async def set_mirror(self, *, vertical: bool, horizontal: bool) -> None:
        """Set both flips (the document's set carries both)."""
        params = kv.serialize({"vertical": vertical, "horizontal": horizontal})
        await self._set("sensor.cgi", "mirror", params)

    # ------------------------------------------------------------------ maintenance

    async def restart(self) -> None:
        """Reboot the device."""
        await self._request("operate.cgi", [("action", "restart")], "ok")

    async def factory_reset(self) -> None:
        """Reset every setting to factory defaults."""
        await self._request("operate.cgi", [("action", "reset")], "ok")

    async def system_log(
        self, start: datetime, end: datetime, log_type: int = -1
    ) -> list[LogEntry]:
        """System log entries between two device-local times."""
        return await self._logs("systemLogInfo", "SystemLogInfo", start, end, log_type)

    async def alarm_log(
        self,
        start: datetime,
        end: datetime,
        log_type: int = -1,
        *,
        urgent: bool = False,
    ) -> list[LogEntry]:
        """Alarm log entries between two device-local times.

        ``urgent``: go ahead of queued requests (the motion check).
        """
        return await self._logs(
            "alarmLogInfo", "AlarmLogInfo", start, end, log_type, urgent=urgent
        )

    async def _logs(
        self,
        kind: str,
        loop: str,
        start: datetime,
        end: datetime,
        log_type: int,
        *,
        urgent: bool = False,
    ) -> list[LogEntry]:
        for field, moment in (("start", start), ("end", end)):
            if not isinstance(moment, datetime):
                raise invalid(field, "must be a date and time", "date")
            if moment.replace(tzinfo=None) < LOG_MINIMUM:
                raise invalid(field, "must be 1971 or later", "log_minimum")
        if end < start:
            raise invalid("end", "must not be before start", "log_order")
        check_int("log_type", log_type, -1)  # "Use -1 for all logs"
        block = await self._get(
            "param.cgi",
            kind,
            ("startTime", start.strftime("%Y%m%d%H%M%S")),
            ("endTime", end.strftime("%Y%m%d%H%M%S")),
            ("logType", str(log_type)),
            urgent=urgent,
        )
        return [LogEntry.from_block(entry) for entry in block.loop(loop)]

    # ------------------------------------------------------------------ video

    async def rtsp_url(
        self,
        stream_id: int = 1,
        *,
        camera_id: int = 1,
        rtsp_port: int | None = None,
        encoder: int = VideoEncoder.H264,
    ) -> StreamUrl:
        """The RTSP URL of a stream, pointed at the host we reach the device on.

        ``encoder`` is the stream's videoEncoderType, sent as video.cgi's
        EncoderType (H264, H265 or MJPEG). The device names its own view of
        its IP (wrong behind NAT) and may pad the URL with whitespace; the path
        (with any token segment) is kept, the host and RTSP port replaced,
        credentials quoted into the authority.
        """
        params = [
            ("type", "RTSP"),
            ("cameraID", str(camera_id)),
            ("streamID", str(stream_id)),
            ("EncoderType", _RTSP_ENCODER.get(encoder, "H264")),
        ]
        body = await self._request("video.cgi", params, "text")
        reported = "".join(body.decode("utf-8", errors="replace").split())
        if not reported.lower().startswith("rtsp://"):
            msg = "Reply to video.cgi is not an RTSP URL"
            raise ExcelSenseResponseError(None, msg)
        try:
            parsed = URL(reported)
            path = parsed.raw_path
            port = rtsp_port or parsed.explicit_port or 554
        except ValueError:
            msg = "Reply to video.cgi is not a valid RTSP URL"
            raise ExcelSenseResponseError(None, msg) from None
        host = f"[{self.host}]" if ":" in self.host else self.host
        query = f"?{parsed.raw_query_string}" if parsed.raw_query_string else ""
        user = quote(self.username, safe="")
        secret = quote(self.password, safe="")
        return StreamUrl(
            url=f"rtsp://{user}:{secret}@{host}:{port}{path}{query}",
            redacted=f"rtsp://{user}:***@{host}:{port}{path}{query}",
        )

    async def snapshot(self, quality: int = 9, camera_id: int = 1) -> bytes:
        """A JPEG snapshot ("quality (1-9). 1 is lowest, 9 is highest")."""
        check_int("quality", quality, 1, 9)
        params = [("cameraID", str(camera_id)), ("quality", str(quality))]
        return await self._request("image.cgi", params, "image")

    async def open_mjpeg_stream(
        self, stream_id: int = 1, camera_id: int = 1
    ) -> aiohttp.ClientResponse:
        """Open the HTTP (MJPEG) live stream; the caller reads and closes it.

        Not bounded by the request limit: a live view lasts as long as it is
        watched and must not starve polling.
        """
        url = self._url(
            "video.cgi",
            [
                ("type", "HTTP"),
                ("cameraID", str(camera_id)),
                ("streamID", str(stream_id)),
                ("EncoderType", "MJPEG"),
                ("AudioFlag", "0"),
            ],
        )
        try:
            async with asyncio.timeout(self.request_timeout):
                if self.session.closed:
                    msg = f"HTTP session closed, not sent to {self.host}"
                    raise ExcelSenseConnectionError(msg, request_sent=False)
                # A live view lasts as long as it is watched: only connecting
                # is bounded, not the session's total timeout.
                response = await self.session.get(
                    url,
                    ssl=self._ssl(),
                    timeout=aiohttp.ClientTimeout(
                        total=None, sock_connect=self.request_timeout
                    ),
                )
                if response.content_type.startswith("multipart/"):
                    return response
                async with response:
                    body = await read_capped(response, TEXT_REPLY_LIMIT, "video.cgi")
        except TimeoutError:
            msg = f"Timeout opening the live stream of {self.host}"
            raise ExcelSenseTimeoutError(msg) from None
        except (aiohttp.ClientError, OSError, RuntimeError) as err:
            msg = f"Error opening the live stream of {self.host}: {type(err).__name__}"
            raise ExcelSenseConnectionError(msg) from None
        check_reply(body, response.status, response.content_type, "ok", "video.cgi")
        msg = "Live stream reply is not multipart"
        raise ExcelSenseResponseError(None, msg)

    async def __aenter__(self) -> Self:
        """Use as an async context manager (nothing to open)."""
        return self

    async def __aexit__(self, *_exc_info: object) -> None:
        """Nothing to close: the session belongs to the caller."""


def _osd_info_block(info: OSDInfo) -> kv.KVBlock:
    """One OSD entry for a set request (arrowID "must be 0", "Required on set")."""
    check_int("osd_type", info.osd_type, 1, 5)
    values: dict[str, object] = {"arrowID": 0, "OSDEnableFlag": info.enabled}
    if info.blink:
        values["OSDBlinkFlag"] = True
        # "OSD blink interval in seconds (>= 1)", an unsigned char.
        values["OSDBlinkInterval"] = check_int(
            "blink_interval", info.blink_interval or 1, 1, 255
        )
    values["OSDType"] = info.osd_type
    # The document: info is "Valid only for text or time watermark"; its
    # forbidden characters are stated for the text watermark, and the time
    # formats use "/" themselves.
    if info.osd_type == OSDType.TEXT:
        values["info"] = check_name_text("info", info.info)
    elif info.osd_type == OSDType.TIME:
        if "".join(info.info.split()) not in _OSD_TIME_FORMATS_BARE:
            raise invalid("info", "must be one of the camera's time formats")
        values["info"] = info.info
    return kv.block(values)


def _word(value: bool) -> str:  # noqa: FBT001
    """IOAlarm booleans as the vendor's change_timeout.py writes them."""
    return "true" if value else "false"


def _integer(block: kv.KVBlock, what: str, key: str) -> int:
    value = block.get(key)
    if not value:
        msg = f"Malformed {what} reply: {key} missing"
        raise ExcelSenseResponseError(None, msg)
    number = parse_number(value)
    if number is None:
        msg = f"Malformed {what} reply: {key} is not a number"
        raise ExcelSenseResponseError(None, msg)
    return int(number)


class _Changes:
    """A partial set: its selectors, then only the fields and loops given.

    A set that would carry nothing but its selectors is refused before
    anything is sent.
    """

    def __init__(self, what: str, **selectors: object) -> None:
        self._what = what
        self._selectors = len(selectors)
        self._params: dict[str, object] = dict(selectors)
        self._loops: dict[str, list[kv.KVBlock]] = {}

    def field[T](
        self, key: str, value: T | None, check: Callable[[T], object] | None = None
    ) -> None:
        """Send ``key`` when ``value`` is given, after ``check`` accepts it."""
        if value is not None:
            self._params[key] = value if check is None else check(value)

    def loop(self, action: str, name: str, blocks: list[kv.KVBlock] | None) -> None:
        """Replace the device's loop ``name`` when given (``action``=cover)."""
        if blocks is not None:
            self._params[action] = "cover"
            self._loops[name] = blocks

    def encoded(self) -> list[kv.Pair]:
        """The query pairs (refused when nothing would change)."""
        if len(self._params) == self._selectors:
            raise nothing_to_change(self._what)
        return kv.serialize(self._params, self._loops)


def _area_blocks(areas: Sequence[MotionArea]) -> list[kv.KVBlock]:
    for area in areas:
        # "Top-left X coordinate of detection area (relative to 420*260
        # grid)": the area lies on that grid.
        check_int("area_x", area.top_x, 0, 419)
        check_int("area_y", area.top_y, 0, 259)
        check_int("area_width", area.width, 1, 420 - area.top_x)
        check_int("area_height", area.height, 1, 260 - area.top_y)
    return [area.to_block() for area in areas]


def _schedule_blocks(
    schedule: Sequence[ScheduleDay], *, ordered: bool
) -> list[kv.KVBlock]:
    if len(schedule) > 7:  # noqa: PLR2004 - "weekDayCount ... (max 7)"
        raise invalid("schedule", "at most seven days")
    for day in schedule:
        check_int("weekday", day.weekday, 0, 6)
        check_periods("schedule", day.periods, ordered=ordered)
    return [day.to_block() for day in schedule]


def _linkage_blocks(linkages: Sequence[AlarmLinkage]) -> list[kv.KVBlock]:
    for link in linkages:
        check_choice("action_type", link.action_type, list(LinkageAction))
        # "ActionID ... meaning depends on ActionType": the camera decides.
        check_int("action_id", link.action_id)
    return [link.to_block() for link in linkages]


__all__ = [
    "SELF_CLEAN_PROFILE",
    "ExcelSenseClient",
]
