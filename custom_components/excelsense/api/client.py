"""Asynchronous client for the ExcelSense CGI API."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from enum import IntEnum
import logging
import re
import socket
from typing import TYPE_CHECKING, Literal, Self
from urllib.parse import quote

import aiohttp
from yarl import URL

from . import kv
from .exceptions import (
    ExcelSenseAlarmOperationError,
    ExcelSenseAuthenticationError,
    ExcelSenseBusyError,
    ExcelSenseConnectionError,
    ExcelSenseError,
    ExcelSensePermissionError,
    ExcelSenseResponseError,
    ExcelSenseTimeoutError,
    ExcelSenseValidationError,
    error_for_code,
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
    OSDSettings,
    ProtocolInfo,
    RecordDirectories,
    RecordPolicy,
    ScheduleDay,
    SelfCleanSchedule,
    StreamAbility,
    StreamUrl,
    TimeZone,
    VideoEncoder,
)
from .validation import (
    check_choice,
    check_half_hour,
    check_int,
    check_ipv4,
    check_periods,
    check_resolution,
    check_text,
)

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

_LOGGER = logging.getLogger(__name__)

# "error,return=-23", also "Error,return=..." and with a full-width comma (U+FF0C).
_ERROR_REPLY = re.compile(
    r"^\s*error\s*[,\uff0c]\s*return\s*=\s*(-?\d+)", re.IGNORECASE
)
_JPEG_MAGIC = b"\xff\xd8"
# Validation field names of the user request's name parameter.
_USER_FIELDS = {"newuser": "new_username", "user": "user"}
_HTTP_UNAUTHORIZED = 401
_HTTP_OK = 200

# The wiper/LED controller decodes the alarm output's pulse. The spec's bullet
# says alarmMode=1 (switching) for every operation, but its own example and the
# vendor's 2025 reset tool use alarmMode=2, and alarmOutFrequency only means
# something for a square wave: square-wave it is.
ALARM_MODE_SQUARE_WAVE = 2
ALARM_VALID_SIGNAL_CLOSE = 1
ALARM_FREQUENCY = 5.0
ALARM_OUTPUT_ID = 1
# Time after alarmTime before the pulse is ended, so the controller sees it whole.
ALARM_PULSE_MARGIN = 0.2
RESTORE_ATTEMPTS = 3
RESTORE_BACKOFF = 0.5


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
SELF_CLEAN_OUTPUT_NAME = "selfCleanTrigger"


@dataclass(frozen=True, kw_only=True)
class AlarmOperationResult:
    """How an alarm operation went (returned only when every step succeeded)."""

    operation: AlarmOperation
    profile_changed: bool


_Expect = Literal["kv", "ok", "text", "image"]


@dataclass(kw_only=True)
class ExcelSenseClient:
    """One camera.

    Requests are bounded per client (``max_concurrent_requests``) because the
    cameras' embedded CPUs answer few connections; busy replies are retried
    with a short backoff. Alarm-output operations are serialised by a lock.
    """

    host: str
    username: str
    password: str = field(repr=False)
    session: aiohttp.ClientSession = field(repr=False)
    port: int = 80
    use_https: bool = False
    verify_ssl: bool = True
    request_timeout: float = 10.0
    max_concurrent_requests: int = 2
    busy_retries: int = 3
    busy_backoff: float = 0.25
    _semaphore: asyncio.Semaphore = field(init=False, repr=False)
    _alarm_lock: asyncio.Lock = field(init=False, repr=False)

    def __post_init__(self) -> None:
        """Create the per-client bound and lock."""
        self._semaphore = asyncio.Semaphore(self.max_concurrent_requests)
        self._alarm_lock = asyncio.Lock()

    # ------------------------------------------------------------------ transport

    @property
    def base_url(self) -> URL:
        """The device's base URL (no credentials)."""
        return URL.build(
            scheme="https" if self.use_https else "http", host=self.host, port=self.port
        )

    @property
    def alarm_operation_running(self) -> bool:
        """Whether an alarm-output operation holds the output right now."""
        return self._alarm_lock.locked()

    def _url(self, cgi: str) -> URL:
        return self.base_url.with_path(f"/cgi-bin/{cgi}")

    def _query(self, params: Sequence[kv.Pair]) -> list[kv.Pair]:
        return [("userName", self.username), ("password", self.password), *params]

    def _ssl(self) -> bool:
        return not (self.use_https and not self.verify_ssl)

    async def _request(
        self, cgi: str, params: Sequence[kv.Pair], expect: _Expect = "kv"
    ) -> bytes:
        """Send one request; every problem comes out as an ExcelSenseError."""
        attempt = 0
        while True:
            try:
                return await self._request_once(cgi, params, expect)
            except ExcelSenseBusyError:
                attempt += 1
                if attempt > self.busy_retries:
                    raise
                delay = self.busy_backoff * 2 ** (attempt - 1)
                _LOGGER.debug("%s busy, retrying in %.2fs", self.host, delay)
                await asyncio.sleep(delay)

    async def _request_once(
        self, cgi: str, params: Sequence[kv.Pair], expect: _Expect
    ) -> bytes:
        what = _describe(cgi, params)
        try:
            async with self._semaphore, asyncio.timeout(self.request_timeout):
                response = await self.session.get(
                    self._url(cgi),
                    params=self._query(params),
                    ssl=self._ssl(),
                    allow_redirects=False,
                )
                async with response:
                    body = await response.read()
                    status = response.status
                    content_type = response.content_type
        except TimeoutError:
            msg = f"Timeout talking to {self.host} ({what})"
            raise ExcelSenseTimeoutError(msg) from None
        except (aiohttp.ClientError, socket.gaierror, OSError) as err:
            msg = f"Error talking to {self.host} ({what}): {type(err).__name__}"
            raise ExcelSenseConnectionError(msg) from None
        _LOGGER.debug("%s %s -> HTTP %s, %d bytes", self.host, what, status, len(body))
        return self._check(body, status, content_type, expect, what)

    def _check(
        self, body: bytes, status: int, content_type: str, expect: _Expect, what: str
    ) -> bytes:
        if expect == "image" and status == _HTTP_OK and body.startswith(_JPEG_MAGIC):
            return body
        text = body[:256].decode("utf-8", errors="replace")
        if match := _ERROR_REPLY.match(text):
            raise error_for_code(int(match.group(1)))
        if status == _HTTP_UNAUTHORIZED:
            msg = "Unauthorized"
            raise ExcelSenseAuthenticationError(None, msg)
        if status != _HTTP_OK:
            msg = f"Unexpected HTTP status {status} for {what}"
            raise ExcelSenseResponseError(None, msg)
        if expect == "image":
            msg = f"Reply to {what} is not a JPEG image ({content_type or 'no type'})"
            raise ExcelSenseResponseError(None, msg)
        if expect == "ok" and text.strip().upper() != "OK":
            msg = f"Unexpected reply to {what}"
            raise ExcelSenseResponseError(None, msg)
        return body

    async def _get(self, cgi: str, kind: str, *extra: kv.Pair) -> kv.KVBlock:
        body = await self._request(cgi, [("action", "get"), ("type", kind), *extra])
        return kv.parse(body)

    async def _set(self, cgi: str, kind: str, params: Sequence[kv.Pair]) -> None:
        await self._request(cgi, [("action", "set"), ("type", kind), *params], "ok")

    # ------------------------------------------------------------------ device

    async def device_info(self) -> DeviceInfo:
        """Model, MAC, versions. Some firmware answers it without checking login."""
        return DeviceInfo.from_block(await self._get("param.cgi", "deviceInfo"))

    async def set_device_name(self, name: str) -> None:
        """Rename the device."""
        check_text("device_name", name)
        await self._set("param.cgi", "deviceName", [("deviceName", name)])

    async def camera_info(self, camera_id: int = 1) -> CameraInfo:
        """The channel's name."""
        block = await self._get("param.cgi", "cameraInfo", ("cameraID", str(camera_id)))
        return CameraInfo.from_block(block)

    async def set_camera_name(self, name: str, camera_id: int = 1) -> None:
        """Rename a channel."""
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
        """Change IPv4 settings (only the given fields are sent)."""
        check_choice("net_card_id", net_card_id, (1, 2))
        params: list[kv.Pair] = [("netCardId", str(net_card_id)), ("IPProtoVer", "1")]
        for key, name, value in (
            ("IPAddress", "ip_address", ip_address),
            ("subNetmask", "subnet_mask", subnet_mask),
            ("subGetway", "gateway", gateway),
            ("preferredDNS", "preferred_dns", preferred_dns),
            ("alternateDNS", "alternate_dns", alternate_dns),
        ):
            if value is not None:
                params.append((key, check_ipv4(name, value)))
        if dhcp is not None:
            params.append(("autoGetIPFlag", "1" if dhcp else "0"))
        await self._set("param.cgi", "localNetwork", params)

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
        """Change ports (only the given ones are sent)."""
        params = [
            (key, str(check_int(name, value, 1, 65535)))
            for key, name, value in (
                ("controlPort", "control_port", control_port),
                ("httpPort", "http_port", http_port),
                ("rtspPort", "rtsp_port", rtsp_port),
                ("rtmpPort", "rtmp_port", rtmp_port),
            )
            if value is not None
        ]
        if not params:
            msg = "ports"
            raise ExcelSenseValidationError(msg, "give at least one port")
        await self._set("param.cgi", "devicePort", params)

    async def date_time(self) -> DeviceTime:
        """The device's local clock."""
        return DeviceTime.from_block(await self._get("param.cgi", "dateTime"))

    async def set_date_time(self, value: datetime) -> None:
        """Set the device's local clock (the wall time, in the device's zone)."""
        check_int("year", value.year, 1971, 2099)
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
        """Set the time zone and its DST rule."""
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

    async def set_ntp(self, *, enabled: bool, server: str, port: int = 123) -> None:
        """Set the NTP client (the spec requires all three)."""
        check_ipv4("server", server)
        check_int("port", port, 0, 65535)
        params = {
            "IPProtoVer": 1,
            "enableFlag": enabled,
            "NTPIP": server,
            "NTPPort": port,
        }
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
        params: dict[str, object] = {"cameraID": camera_id}
        if font_color is not None:
            params["fontColor"] = check_int("font_color", font_color, 0, 9)
        if inverse is not None:
            params["inverseFlag"] = inverse
        if alpha is not None:
            params["alpha"] = check_int("alpha", alpha, 1, 4)
        await self._set("param.cgi", "OSD", kv.serialize(params))

    async def osd_canvases(self, camera_id: int = 1) -> OSDCanvases:
        """Every OSD canvas of a camera."""
        block = await self._get("param.cgi", "OSDCanvas", ("cameraID", str(camera_id)))
        return OSDCanvases.from_block(block)

    async def set_osd_canvas(self, canvas: OSDCanvas, camera_id: int = 1) -> None:
        """Replace one canvas's position and entries."""
        check_int("canvas_id", canvas.canvas_id, 1, 8)
        check_int("top_x", canvas.top_x, 0, 100)
        check_int("top_y", canvas.top_y, 0, 100)
        check_int("font_size", canvas.font_size, 1, 3)
        check_choice("align_mode", canvas.align_mode, (0, 1))
        if not canvas.infos:
            msg = "infos"
            raise ExcelSenseValidationError(msg, "a canvas needs at least one entry")
        infos = []
        for info in canvas.infos:
            check_int("osd_type", info.osd_type, 1, 5)
            check_text("info", info.info, max_length=64, empty=True)
            values: dict[str, object] = {
                "arrowID": 0,
                "OSDEnableFlag": info.enabled,
                "OSDType": info.osd_type,
                "info": info.info,
            }
            if info.blink:
                values["OSDBlinkFlag"] = True
                values["OSDBlinkInterval"] = check_int(
                    "blink_interval", info.blink_interval or 1, 1, 255
                )
            infos.append(kv.block(values))
        entry = kv.block(
            {
                "canvasID": canvas.canvas_id,
                "topX": canvas.top_x,
                "topY": canvas.top_y,
                "fontSize": canvas.font_size,
                "alignMode": canvas.align_mode,
                "OSDInfoAction": "cover",
            },
            OSDInfo=infos,
        )
        params = kv.serialize({"cameraID": camera_id}, {"OSDCanvas": [entry]})
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
        """Change recording settings; stream and disk group come from ``current``."""
        params: dict[str, object] = {
            "cameraID": camera_id,
            "StreamId": current.stream_id,
            "DiskGroupId": current.disk_group_id,
        }
        if enabled is not None:
            params["RecordOpenFlag"] = enabled
        if save_days is not None:
            params["SaveDays"] = check_int("save_days", save_days, 0, 365)
        if audio is not None:
            params["AudioOpenFlag"] = audio
        loops = {}
        if schedule is not None:
            loops["weekDay"] = _schedule_blocks(schedule)
            params["scheduleTimeAction"] = "cover"
        await self._set("param.cgi", "recordPolicy", kv.serialize(params, loops))

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
        """Change one disk's record directory settings."""
        params: dict[str, object] = {"diskId": check_int("disk_id", disk_id, 1, 16)}
        if disk_name is not None:
            params["diskName"] = check_text("disk_name", disk_name, max_length=32)
        if enabled is not None:
            params["enableFlag"] = enabled
        if group_id is not None:
            params["groupID"] = check_int("group_id", group_id, 1, 16)
        await self._set("param.cgi", "recordDirInfo", kv.serialize(params))

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
        """Change encoder settings of one stream (only the given fields are sent)."""
        params: dict[str, object] = {"cameraID": camera_id, "streamID": stream_id}
        if video_encoder is not None:
            params["videoEncoderType"] = check_choice(
                "video_encoder", video_encoder, list(VideoEncoder)
            )
        if audio_encoder is not None:
            params["audioEncoderType"] = check_choice(
                "audio_encoder", audio_encoder, list(AudioEncoder)
            )
        if resolution is not None:
            params["resolution"] = check_resolution("resolution", resolution)
        if frame_rate is not None:
            params["frameRate"] = check_int("frame_rate", frame_rate, 1, 60)
        if i_frame_interval is not None:
            params["iFrameInterval"] = check_int(
                "i_frame_interval", i_frame_interval, 1, 45
            )
        if bit_rate_type is not None:
            params["bitRateType"] = check_choice("bit_rate_type", bit_rate_type, (1, 2))
        if bit_rate is not None:
            params["bitRate"] = check_int("bit_rate", bit_rate, 32, 16384)
        if quality is not None:
            params["quality"] = check_int("quality", quality, 1, 9)
        if len(params) == 2:  # noqa: PLR2004 - only the ids
            msg = "stream"
            raise ExcelSenseValidationError(msg, "nothing to change")
        await self._set("param.cgi", "AVStream", kv.serialize(params))

    async def stream_ability(self, camera_id: int = 1) -> StreamAbility:
        """Which encoders and resolutions every stream offers."""
        block = await self._get(
            "param.cgi", "streamAbility", ("cameraID", str(camera_id))
        )
        return StreamAbility.from_block(block)

    # ------------------------------------------------------------------ alarms

    async def alarm_out(self) -> AlarmOutput:
        """The alarm output's pulse profile."""
        block = await self._get(
            "param.cgi", "alarmOut", ("alarmOutID", str(ALARM_OUTPUT_ID))
        )
        return AlarmOutput.from_block(block)

    async def alarm_out_settled(self) -> AlarmOutput:
        """The alarm output's profile, read while no operation is running.

        Waits for a running self-clean/LED operation, so the answer is never
        the temporary profile of an operation in progress.
        """
        async with self._alarm_lock:
            return await self.alarm_out()

    async def _set_alarm_out(self, profile: AlarmOutProfile) -> None:
        check_choice("valid_signal", profile.valid_signal, (0, 1))
        check_choice("mode", profile.mode, (1, 2))
        check_int("time_ms", profile.time_ms, 1, 60000)
        if not 0 <= profile.frequency <= 1000:  # noqa: PLR2004
            msg = "frequency"
            raise ExcelSenseValidationError(msg, "must be between 0 and 1000")
        params = {
            "alarmOutID": ALARM_OUTPUT_ID,
            "alarmOutName": SELF_CLEAN_OUTPUT_NAME,
            "alarmMode": profile.mode,
            "alarmValidSignal": profile.valid_signal,
            "alarmOutFrequency": f"{profile.frequency:g}",
            "alarmTime": profile.time_ms,
        }
        await self._set("param.cgi", "alarmOut", kv.serialize(params))

    async def set_alarm_out(self, profile: AlarmOutProfile) -> None:
        """Set the alarm output profile (waits for a running operation)."""
        async with self._alarm_lock:
            await self._set_alarm_out(profile)

    async def restore_self_clean_profile(self) -> None:
        """Put the alarm output back in the self-clean profile, retried."""
        async with self._alarm_lock:
            await self._restore()

    async def _restore(self) -> None:
        for attempt in range(1, RESTORE_ATTEMPTS):
            try:
                await self._set_alarm_out(SELF_CLEAN_PROFILE)
            except (ExcelSenseAuthenticationError, ExcelSensePermissionError):
                raise
            except ExcelSenseError:
                await asyncio.sleep(RESTORE_BACKOFF * attempt)
            else:
                return
        await self._set_alarm_out(SELF_CLEAN_PROFILE)

    async def manual_alarm(self, *, start: bool) -> None:
        """Start or end a manual alarm-output pulse (prefer run_alarm_operation)."""
        params = [
            ("action", "manualControl"),
            ("alarmOutID", str(ALARM_OUTPUT_ID)),
            ("controlFlag", "1" if start else "0"),
        ]
        await self._request("alarm.cgi", params, "ok")

    async def run_alarm_operation(
        self, operation: AlarmOperation
    ) -> AlarmOperationResult:
        """Run self-clean or an LED toggle and leave the output in self-clean.

        Under the per-client lock: set the operation's profile if it differs,
        start the pulse, wait alarmTime plus a margin, end the pulse, and in
        ``finally`` restore the self-clean profile (retried). Raises
        ExcelSenseAlarmOperationError naming the failed step and whether the
        output is known to be restored.
        """
        # Shielded: a cancelled caller (unload, shutdown, a timeout) must not
        # cut the pulse short or skip the restore; it waits for both instead.
        task = asyncio.ensure_future(self._run_operation(operation))
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            if not task.done():
                with contextlib.suppress(ExcelSenseError):
                    await task
            raise

    async def _run_operation(self, operation: AlarmOperation) -> AlarmOperationResult:
        target = operation.profile
        async with self._alarm_lock:
            step = "read_profile"
            changed = False
            error: ExcelSenseError | None = None
            try:
                current = await self.alarm_out()
                if current.profile != target:
                    step, changed = "set_profile", True
                    await self._set_alarm_out(target)
                step = "pulse_start"
                await self._pulse(target)
            except ExcelSenseError as err:
                error = err
            restored = True
            restore_error: ExcelSenseError | None = None
            # Also when the output already held this operation's profile: it
            # must end in self-clean whatever it was in before.
            if changed or target != SELF_CLEAN_PROFILE:
                try:
                    await self._restore()
                except ExcelSenseError as err:
                    restored, restore_error = False, err
            if error is not None:
                step = getattr(error, "step", step)
                raise ExcelSenseAlarmOperationError(
                    step, restored=restored, reason=str(error)
                ) from error
            if restore_error is not None:
                step = "restore"
                raise ExcelSenseAlarmOperationError(
                    step, restored=False, reason=str(restore_error)
                ) from restore_error
        return AlarmOperationResult(operation=operation, profile_changed=changed)

    async def _pulse(self, profile: AlarmOutProfile) -> None:
        """Start a pulse, hold it for its whole length, end it."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        hold = profile.time_ms / 1000 + ALARM_PULSE_MARGIN
        try:
            await self.manual_alarm(start=True)
        except ExcelSenseError as err:
            if isinstance(err, ExcelSenseResponseError) and err.code is not None:
                raise  # the device refused with an error code: no pulse runs
            # A lost or garbled reply may hide a pulse that started: let it
            # finish, then end it.
            await asyncio.sleep(max(0.0, started + hold - loop.time()))
            await self._end_pulse_quietly()
            msg = "pulse_start"
            raise _StepError(msg, err) from err
        await asyncio.sleep(max(0.0, started + hold - loop.time()))
        try:
            await self.manual_alarm(start=False)
        except ExcelSenseError as err:
            msg = "pulse_end"
            raise _StepError(msg, err) from err

    async def _end_pulse_quietly(self) -> None:
        try:
            await self.manual_alarm(start=False)
        except ExcelSenseError as err:
            _LOGGER.debug("Ending the pulse on %s failed too: %s", self.host, err)

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
        """
        params: dict[str, object] = {"cameraID": camera_id}
        if enabled is not None:
            params["motionDetectionEnableFlag"] = enabled
        if sensitivity is not None:
            params["sensitivity"] = check_int("sensitivity", sensitivity, 1, 10)
        if alarm_interval is not None:
            params["alarmInterval"] = check_int(
                "alarm_interval", alarm_interval, 1, 1800
            )
        loops: dict[str, list[kv.KVBlock]] = {}
        if areas is not None:
            for area in areas:
                check_int("area_x", area.top_x, 0, 420)
                check_int("area_y", area.top_y, 0, 260)
                check_int("area_width", area.width, 1, 420)
                check_int("area_height", area.height, 1, 260)
            params["motionDetectionAction"] = "cover"
            loops["motionDetectionArea"] = [area.to_block() for area in areas]
        if schedule is not None:
            params["scheduleTimeAction"] = "cover"
            loops["weekDay"] = _schedule_blocks(schedule)
        if linkages is not None:
            params["AlarmLinkageParam"] = "cover"
            loops["AlarmLinkage"] = _linkage_blocks(linkages)
        if len(params) == 1:
            msg = "motion"
            raise ExcelSenseValidationError(msg, "nothing to change")
        await self._set("param.cgi", "motionAlarm", kv.serialize(params, loops))

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
        params: dict[str, object] = {"alarmInID": alarm_in_id}
        params.update(
            (key, value)
            for key, value in (
                ("diskFullAlarmCheckFlag", disk_full),
                ("diskErrorAlarmCheckFlag", disk_error),
                ("NoDiskAlarmEnableFlag", no_disk),
            )
            if value is not None
        )
        if alarm_interval is not None:
            params["AlarmInterval"] = check_int(
                "alarm_interval", alarm_interval, 10, 86400
            )
        loops = {}
        if linkages is not None:
            params["AlarmLinkageParam"] = "cover"
            loops["AlarmLinkage"] = _linkage_blocks(linkages)
        if len(params) == 1:
            msg = "disk_alarm"
            raise ExcelSenseValidationError(msg, "nothing to change")
        await self._set("param.cgi", "diskAlarm", kv.serialize(params, loops))

    async def self_clean_schedule(self) -> SelfCleanSchedule:
        """Timed/scheduled self-clean (vendor extension; -22 where unsupported)."""
        return SelfCleanSchedule.from_block(await self._get("param.cgi", "IOAlarm"))

    async def set_self_clean_schedule(
        self,
        *,
        timed: bool | None = None,
        interval: int | None = None,
        scheduled: bool | None = None,
        times: Sequence[tuple[int, int]] | None = None,
    ) -> None:
        """Change timed/scheduled self-clean (only the given fields are sent)."""
        params: dict[str, object] = {}
        if timed is not None:
            params["TimedSelfClean"] = timed
        if interval is not None:
            params["TimeInterval"] = check_int("interval", interval, 1, 1440)
        if scheduled is not None:
            params["ScheduledSelfClean"] = scheduled
        if times is not None:
            if len(times) > 3:  # noqa: PLR2004 - the device has three slots
                msg = "times"
                raise ExcelSenseValidationError(msg, "at most three times")
            for name, (hour, minute) in zip(
                ("One", "Two", "Three"), times, strict=False
            ):
                params[f"Time{name}Hours"] = check_int("hour", hour, 0, 23)
                params[f"Time{name}Minutes"] = check_int("minute", minute, 0, 59)
        if not params:
            msg = "self_clean_schedule"
            raise ExcelSenseValidationError(msg, "nothing to change")
        await self._set("param.cgi", "IOAlarm", kv.serialize(params))

    # ------------------------------------------------------------------ protocol

    async def protocol_info(self) -> ProtocolInfo:
        """The ONVIF stack's name and version."""
        return ProtocolInfo.from_block(await self._get("param.cgi", "protocolInfo"))

    async def protocol_security(self) -> bool:
        """Whether ONVIF requests must authenticate."""
        block = await self._get("param.cgi", "protocolSecurity")
        return _flag(block, "protocolSecurity", "protocolSecurityFlag")

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
        params = [
            ("action", action),
            ("type", "User"),
            (name_key, check_text(_USER_FIELDS[name_key], username, max_length=32)),
            ("newpasswd", _check_secret(password)),
        ]
        if group is not None:
            params.append(("group", check_text("group", group, max_length=32)))
        if note is not None:
            params.append(("note", check_text("note", note, max_length=64, empty=True)))
        await self._request("param.cgi", params, "ok")

    # ------------------------------------------------------------------ sensor

    async def image_setting(self, setting: ImageSetting) -> int:
        """Brightness, contrast, hue, saturation or sharpness (0-100)."""
        block = await self._get("sensor.cgi", str(setting))
        return _Int(block, str(setting), "value")

    async def set_image_setting(self, setting: ImageSetting, value: int) -> None:
        """Set brightness, contrast, hue, saturation or sharpness (0-100)."""
        check_int(str(setting), value, 0, 100)
        await self._set("sensor.cgi", str(setting), [("value", str(value))])

    async def mirror(self) -> Mirror:
        """Vertical and horizontal flip."""
        return Mirror.from_block(await self._get("sensor.cgi", "mirror"))

    async def set_mirror(self, *, vertical: bool, horizontal: bool) -> None:
        """Set both flips (the device needs both)."""
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
        self, start: datetime, end: datetime, log_type: int = -1
    ) -> list[LogEntry]:
        """Alarm log entries between two device-local times."""
        return await self._logs("alarmLogInfo", "AlarmLogInfo", start, end, log_type)

    async def _logs(
        self, kind: str, loop: str, start: datetime, end: datetime, log_type: int
    ) -> list[LogEntry]:
        if end < start:
            msg = "end"
            raise ExcelSenseValidationError(msg, "must not be before start")
        if start.year < 1971:  # noqa: PLR2004 - the spec's minimum
            msg = "start"
            raise ExcelSenseValidationError(msg, "must be 1971 or later")
        check_int("log_type", log_type, -1, 255)
        block = await self._get(
            "param.cgi",
            kind,
            ("startTime", start.strftime("%Y%m%d%H%M%S")),
            ("endTime", end.strftime("%Y%m%d%H%M%S")),
            ("logType", str(log_type)),
        )
        return [LogEntry.from_block(entry) for entry in block.loop(loop)]

    # ------------------------------------------------------------------ video

    async def rtsp_url(
        self, stream_id: int = 1, *, camera_id: int = 1, rtsp_port: int | None = None
    ) -> StreamUrl:
        """The RTSP URL of a stream, pointed at the host we reach the device on.

        The device names its own view of its IP (wrong behind NAT) and may pad
        the URL with whitespace; the path (with any token segment) is kept,
        the host and RTSP port replaced, credentials quoted into the authority.
        """
        params = [
            ("type", "RTSP"),
            ("cameraID", str(camera_id)),
            ("streamID", str(stream_id)),
            ("EncoderType", "H264"),
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
        """A JPEG snapshot (quality 1 worst .. 9 best)."""
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
        params = self._query(
            [
                ("type", "HTTP"),
                ("cameraID", str(camera_id)),
                ("streamID", str(stream_id)),
                ("EncoderType", "MJPEG"),
                ("AudioFlag", "0"),
            ]
        )
        try:
            async with asyncio.timeout(self.request_timeout):
                # A live view lasts as long as it is watched: only connecting
                # is bounded, not the session's total timeout.
                response = await self.session.get(
                    self._url("video.cgi"),
                    params=params,
                    ssl=self._ssl(),
                    timeout=aiohttp.ClientTimeout(
                        total=None, sock_connect=self.request_timeout
                    ),
                )
                if response.content_type.startswith("multipart/"):
                    return response
                async with response:
                    body = await response.read()
        except TimeoutError:
            msg = f"Timeout opening the live stream of {self.host}"
            raise ExcelSenseTimeoutError(msg) from None
        except (aiohttp.ClientError, OSError) as err:
            msg = f"Error opening the live stream of {self.host}: {type(err).__name__}"
            raise ExcelSenseConnectionError(msg) from None
        self._check(body, response.status, response.content_type, "ok", "video.cgi")
        msg = "Live stream reply is not multipart"
        raise ExcelSenseResponseError(None, msg)

    async def __aenter__(self) -> Self:
        """Use as an async context manager (nothing to open)."""
        return self

    async def __aexit__(self, *_exc_info: object) -> None:
        """Nothing to close: the session belongs to the caller."""


class _StepError(ExcelSenseError):
    """Internal: tags an error with the alarm-operation step it happened in."""

    def __init__(self, step: str, error: ExcelSenseError) -> None:
        self.step = step
        super().__init__(str(error))


def _describe(cgi: str, params: Sequence[kv.Pair]) -> str:
    """Name a request for messages and logs without any of its values."""
    found = dict(params)
    parts = [
        cgi,
        *(f"{key}={found[key]}" for key in ("action", "type") if key in found),
    ]
    return " ".join(parts)


def _flag(block: kv.KVBlock, what: str, key: str) -> bool:
    return _Int(block, what, key) != 0


def _Int(block: kv.KVBlock, what: str, key: str) -> int:  # noqa: N802 - reads like a type
    value = block.get(key)
    try:
        return int(value or "")
    except ValueError:
        msg = f"Malformed {what} reply: {key} missing"
        raise ExcelSenseResponseError(None, msg) from None


def _schedule_blocks(schedule: Sequence[ScheduleDay]) -> list[kv.KVBlock]:
    if len(schedule) > 7:  # noqa: PLR2004 - one entry per weekday
        msg = "schedule"
        raise ExcelSenseValidationError(msg, "at most seven days")
    for day in schedule:
        check_int("weekday", day.weekday, 0, 6)
        check_periods("schedule", day.periods)
    return [day.to_block() for day in schedule]


def _linkage_blocks(linkages: Sequence[AlarmLinkage]) -> list[kv.KVBlock]:
    for link in linkages:
        check_choice("action_type", link.action_type, list(LinkageAction))
        check_int("action_id", link.action_id, 0, 255)
    return [link.to_block() for link in linkages]


def _check_secret(password: str) -> str:
    if not password or len(password) > 64:  # noqa: PLR2004
        msg = "password"
        raise ExcelSenseValidationError(msg, "must be 1 to 64 characters")
    return password
