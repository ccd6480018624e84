"""Input checks: refused before anything is sent."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pytest

from custom_components.excelsense.api import (
    SELF_CLEAN_PROFILE,
    ExcelSenseValidationError,
    ImageSetting,
    OSDCanvas,
    ScheduleDay,
    SelfCleanSchedule,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

    from custom_components.excelsense.api import AlarmOutProfile, ExcelSenseClient
    from tests.emulator import EmulatedCamera

    from .conftest import ExpectError

    Call = Callable[[ExcelSenseClient], Coroutine[Any, Any, Any]]
from .helpers import (
    AREA,
    CANVAS,
    LOG_END,
    LOG_START,
    POLICY,
    RECORD_LINK,
    SCHEDULE,
    ZONE,
)

# ------------------------------------------------------------------ validation


def _canvas(**changes: object) -> OSDCanvas:
    return replace(CANVAS, **changes)


def _info(**changes: object) -> OSDCanvas:
    return _canvas(infos=(replace(CANVAS.infos[0], **changes),))


def _day(
    weekday: int = 1, periods: tuple[tuple[int, int], ...] = ((0, 60),)
) -> list[ScheduleDay]:
    return [ScheduleDay(weekday=weekday, periods=periods)]


def _profile(**changes: object) -> AlarmOutProfile:
    return replace(SELF_CLEAN_PROFILE, **changes)


# The device's clock is naive local time.
BEFORE_LOGS = datetime(1970, 6, 1)  # noqa: DTZ001
YEAR_ONE = datetime(1, 1, 1)  # noqa: DTZ001


def _schedule(times: list[tuple[int, int]]) -> SelfCleanSchedule:
    return replace(SCHEDULE, times=tuple(times))


def case(field: str, call: Call, rule: str, name: str) -> Any:  # noqa: ANN401
    """One refused call: the field it names and the rule that refuses it."""
    return pytest.param(field, call, rule, id=name)


TYPE = "a value of the wrong type"
TEXT = "text that would break the camera's line-based replies"
FORBIDDEN = "Disallows: ` < > % & \\ \" / , ' ; ="
VALIDATION_CASES = [
    case(
        "device_name",
        lambda c: c.set_device_name("bad/name"),
        FORBIDDEN,
        "device-name-slash",
    ),
    case(
        "device_name", lambda c: c.set_device_name("tab\there"), TEXT, "device-name-tab"
    ),
    case(
        "device_name",
        lambda c: c.set_device_name("a\u2028b"),
        TEXT,
        "device-name-line-separator",
    ),
    case(
        "device_name", lambda c: c.set_device_name("del\x7f"), TEXT, "device-name-del"
    ),
    case("device_name", lambda c: c.set_device_name(42), TYPE, "device-name-number"),
    case(
        "camera_name", lambda c: c.set_camera_name("a\nb"), TEXT, "camera-name-newline"
    ),
    case(
        "net_card_id",
        lambda c: c.set_local_network(net_card_id=3),
        "`1`: NIC 1 `2`: NIC 2",
        "nic-3",
    ),
    case(
        "net_card_id", lambda c: c.set_local_network(net_card_id=True), TYPE, "nic-bool"
    ),
    case(
        "ip_address",
        lambda c: c.set_local_network(ip_address="300.1.1.1"),
        "`1`: IPv4",
        "ip-range",
    ),
    case(
        "ip_address",
        lambda c: c.set_local_network(ip_address=""),
        "`1`: IPv4",
        "ip-empty",
    ),
    case(
        "gateway",
        lambda c: c.set_local_network(gateway="gateway"),
        "`1`: IPv4",
        "gateway-name",
    ),
    case(
        "alternate_dns",
        lambda c: c.set_local_network(alternate_dns="::1"),
        "`1`: IPv4",
        "dns-ipv6",
    ),
    case(
        "network", lambda c: c.set_local_network(), "nothing to send", "network-nothing"
    ),
    case("ports", lambda c: c.set_device_port(), "nothing to send", "ports-nothing"),
    case(
        "http_port",
        lambda c: c.set_device_port(http_port=65536),
        "unsigned short",
        "http-port-65536",
    ),
    case(
        "rtsp_port", lambda c: c.set_device_port(rtsp_port=True), TYPE, "rtsp-port-bool"
    ),
    case(
        "control_port",
        lambda c: c.set_device_port(control_port="80"),
        TYPE,
        "control-port-text",
    ),
    case("date_time", lambda c: c.set_date_time("2024-01-01"), TYPE, "date-text"),
    case(
        "time_zone",
        lambda c: c.set_time_zone(replace(ZONE, time_zone=301)),
        "Time zone ID (0-300)",
        "zone-301",
    ),
    case(
        "begin_time",
        lambda c: c.set_time_zone(replace(ZONE, begin_time=45)),
        "must be a multiple of 30",
        "dst-45",
    ),
    case(
        "end_month",
        lambda c: c.set_time_zone(replace(ZONE, end_month=13)),
        "DST end month (1-12)",
        "dst-month-13",
    ),
    case(
        "end_week",
        lambda c: c.set_time_zone(replace(ZONE, end_week=6)),
        "week in month (1-5)",
        "dst-week-6",
    ),
    case(
        "begin_weekday",
        lambda c: c.set_time_zone(replace(ZONE, begin_weekday=7)),
        "`6`: Saturday",
        "dst-weekday-7",
    ),
    case(
        "end_time",
        lambda c: c.set_time_zone(replace(ZONE, end_time=1440)),
        "minutes from 00:00",
        "dst-1440",
    ),
    case(
        "server",
        lambda c: c.set_ntp(enabled=True, server="pool.ntp.org"),
        "Invalid format returns error",
        "ntp-name",
    ),
    case(
        "port",
        lambda c: c.set_ntp(enabled=True, server="10.0.0.1", port=-1),
        "NTP server port (0-65535)",
        "ntp-port-negative",
    ),
    case(
        "interval",
        lambda c: c.set_ntp(enabled=True, server="10.0.0.1", interval="1h"),
        TYPE,
        "ntp-interval-text",
    ),
    case(
        "font_color", lambda c: c.set_osd(font_color=10), "`9`: Purple", "font-color-10"
    ),
    case(
        "alpha",
        lambda c: c.set_osd(alpha=0),
        "`0` is only returned by get and is invalid for set",
        "alpha-0",
    ),
    case("osd", lambda c: c.set_osd(), "nothing to send", "osd-nothing"),
    case(
        "canvas_id",
        lambda c: c.set_osd_canvas(_canvas(canvas_id=9)),
        "Canvas ID (1-8)",
        "canvas-9",
    ),
    case(
        "top_x",
        lambda c: c.set_osd_canvas(_canvas(top_x=101)),
        "percentage of total width (0-100)",
        "top-x-101",
    ),
    case(
        "top_y",
        lambda c: c.set_osd_canvas(_canvas(top_y=-1)),
        "percentage of total height (0-100)",
        "top-y-negative",
    ),
    case(
        "font_size",
        lambda c: c.set_osd_canvas(_canvas(font_size=4)),
        "`3`: Small",
        "font-size-4",
    ),
    case(
        "align_mode",
        lambda c: c.set_osd_canvas(_canvas(align_mode=2)),
        "`0`: Left `1`: Right",
        "align-2",
    ),
    case(
        "infos",
        lambda c: c.set_osd_canvas(_canvas(infos=())),
        "OSDInfoEnd ... Required and = 1 for set",
        "canvas-no-entry",
    ),
    case(
        "infos",
        lambda c: c.set_osd_canvas(_canvas(infos=CANVAS.infos * 2)),
        "OSDInfoEnd ... Required and = 1 for set",
        "canvas-two-entries",
    ),
    case(
        "action",
        lambda c: c.set_osd_canvas(CANVAS, action="replace"),
        "`cover` `add` (Default) `remove`",
        "canvas-action",
    ),
    case(
        "osd_type",
        lambda c: c.set_osd_canvas(_info(osd_type=6)),
        "`5`: Text watermark",
        "osd-type-6",
    ),
    case(
        "info",
        lambda c: c.set_osd_canvas(_info(info="a&b")),
        FORBIDDEN,
        "osd-text-ampersand",
    ),
    case(
        "info",
        lambda c: c.set_osd_canvas(_info(osd_type=4, info="hh:mm")),
        "Time formats supported",
        "osd-time-format",
    ),
    case(
        "blink_interval",
        lambda c: c.set_osd_canvas(_info(blink_interval=256)),
        "unsigned char",
        "blink-256",
    ),
    case(
        "blink_interval",
        lambda c: c.set_osd_canvas(_info(blink_interval=-1)),
        "blink interval in seconds (>= 1)",
        "blink-negative",
    ),
    case(
        "save_days",
        lambda c: c.set_record_policy(POLICY, save_days="7"),
        TYPE,
        "save-days-text",
    ),
    case(
        "schedule",
        lambda c: c.set_record_policy(POLICY, schedule=_day() * 8),
        "Number of scheduled days (max 7)",
        "record-8-days",
    ),
    case(
        "weekday",
        lambda c: c.set_record_policy(POLICY, schedule=_day(7)),
        "`6`: Saturday",
        "record-weekday-7",
    ),
    case(
        "schedule",
        lambda c: c.set_record_policy(POLICY, schedule=_day(1, ((0, 1),) * 4)),
        "startTime(1..3)",
        "record-four-ranges",
    ),
    case(
        "schedule",
        lambda c: c.set_motion_alarm(schedule=_day(1, ((9, 8),))),
        "Must be >= start time",
        "motion-end-before-start",
    ),
    case(
        "schedule",
        lambda c: c.set_motion_alarm(schedule=_day(1, ((0, 86401),))),
        "(0-86400)",
        "motion-86401",
    ),
    case(
        "schedule",
        lambda c: c.set_motion_alarm(schedule=_day(1, ((0, 1),) * 4)),
        "startTime(1..3)",
        "motion-four-ranges",
    ),
    case("disk_id", lambda c: c.set_record_directory("1"), TYPE, "disk-id-text"),
    case(
        "disk_name",
        lambda c: c.set_record_directory(1, disk_name="a\rb"),
        TEXT,
        "disk-name-cr",
    ),
    case(
        "record_directory",
        lambda c: c.set_record_directory(1),
        "nothing to send",
        "record-dir-nothing",
    ),
    case("stream", lambda c: c.set_av_stream(1), "nothing to send", "stream-nothing"),
    case(
        "video_encoder",
        lambda c: c.set_av_stream(1, video_encoder=3),
        "`8`: H265_MAIN",
        "encoder-3",
    ),
    case(
        "audio_encoder",
        lambda c: c.set_av_stream(1, audio_encoder=101),
        "`102`: G711_ALAW",
        "audio-101",
    ),
    case(
        "resolution",
        lambda c: c.set_av_stream(1, resolution="1080p"),
        "Examples: 1920*1080",
        "resolution-1080p",
    ),
    case(
        "resolution",
        lambda c: c.set_av_stream(1, resolution=1080),
        TYPE,
        "resolution-number",
    ),
    case(
        "frame_rate",
        lambda c: c.set_av_stream(1, frame_rate=0),
        "Frame rate (fps)",
        "frame-rate-0",
    ),
    case(
        "i_frame_interval",
        lambda c: c.set_av_stream(1, i_frame_interval=46),
        "I-frame interval (1-45)",
        "iframe-46",
    ),
    case(
        "bit_rate_type",
        lambda c: c.set_av_stream(1, bit_rate_type=3),
        "`2`: VBR",
        "bitrate-type-3",
    ),
    case(
        "bit_rate",
        lambda c: c.set_av_stream(1, bit_rate=0),
        "Bit rate in kbps",
        "bitrate-0",
    ),
    case(
        "quality",
        lambda c: c.set_av_stream(1, quality=10),
        "`9` (best)",
        "stream-quality-10",
    ),
    case(
        "valid_signal",
        lambda c: c.set_alarm_out(_profile(valid_signal=2)),
        "`1`: Close",
        "valid-signal-2",
    ),
    case(
        "mode",
        lambda c: c.set_alarm_out(_profile(mode=3)),
        "`2`: Square-wave",
        "mode-3",
    ),
    case(
        "time_ms",
        lambda c: c.set_alarm_out(_profile(time_ms=-1)),
        "Alarm duration in milliseconds",
        "alarm-time-negative",
    ),
    case(
        "frequency",
        lambda c: c.set_alarm_out(_profile(frequency=float("inf"))),
        "float Alarm frequency",
        "frequency-inf",
    ),
    case(
        "frequency",
        lambda c: c.set_alarm_out(_profile(frequency=-1)),
        "float Alarm frequency",
        "frequency-negative",
    ),
    case("motion", lambda c: c.set_motion_alarm(), "nothing to send", "motion-nothing"),
    case(
        "sensitivity",
        lambda c: c.set_motion_alarm(sensitivity=5.5),
        TYPE,
        "sensitivity-float",
    ),
    case(
        "alarm_interval",
        lambda c: c.set_motion_alarm(alarm_interval=0),
        "Alarm interval in seconds (1-1800)",
        "motion-interval-0",
    ),
    case(
        "area_x",
        lambda c: c.set_motion_alarm(areas=[replace(AREA, top_x=421)]),
        "relative to 420*260 grid",
        "area-x-421",
    ),
    case(
        "area_y",
        lambda c: c.set_motion_alarm(areas=[replace(AREA, top_y=261)]),
        "relative to 420*260 grid",
        "area-y-261",
    ),
    case(
        "area_width",
        lambda c: c.set_motion_alarm(areas=[replace(AREA, width=0)]),
        "relative to 420*260 grid",
        "area-width-0",
    ),
    case(
        "area_width",
        lambda c: c.set_motion_alarm(areas=[replace(AREA, top_x=300, width=121)]),
        "relative to 420*260 grid",
        "area-beyond-grid",
    ),
    case(
        "area_height",
        lambda c: c.set_motion_alarm(areas=[replace(AREA, height=261)]),
        "relative to 420*260 grid",
        "area-height-261",
    ),
    case(
        "action_type",
        lambda c: c.set_motion_alarm(linkages=[replace(RECORD_LINK, action_type=2)]),
        "`1`: Alarm Trigger (Self-Clean) `4`: Record",
        "action-type-2",
    ),
    case(
        "action_id",
        lambda c: c.set_disk_alarm(linkages=[replace(RECORD_LINK, action_id="1")]),
        TYPE,
        "action-id-text",
    ),
    case(
        "disk_alarm",
        lambda c: c.set_disk_alarm(),
        "nothing to send",
        "disk-alarm-nothing",
    ),
    case(
        "alarm_interval",
        lambda c: c.set_disk_alarm(alarm_interval=9),
        "Alarm interval in seconds (10-86400)",
        "disk-interval-9",
    ),
    case(
        "interval",
        lambda c: c.set_self_clean_schedule(SCHEDULE, interval=1441),
        "Delay must be between 1-1440 minutes.",
        "io-interval-1441",
    ),
    case(
        "times",
        lambda c: c.set_self_clean_schedule(SCHEDULE, times=[(1, 0)] * 4),
        "TimeOne.., TimeTwo.., TimeThree..",
        "io-four-times",
    ),
    case(
        "hour",
        lambda c: c.set_self_clean_schedule(SCHEDULE, times=[(24, 0)]),
        "a time of day",
        "io-hour-24",
    ),
    case(
        "minute",
        lambda c: c.set_self_clean_schedule(SCHEDULE, times=[(1, 60)]),
        "a time of day",
        "io-minute-60",
    ),
    case(
        "new_username",
        lambda c: c.add_user("", "pw"),
        "newuser ... New username (for add)",
        "new-user-empty",
    ),
    case(
        "new_username",
        lambda c: c.add_user("bad\nname", "pw"),
        TEXT,
        "new-user-newline",
    ),
    case(
        "password",
        lambda c: c.add_user("user", ""),
        "newpasswd ... New password",
        "new-password-empty",
    ),
    case(
        "group",
        lambda c: c.add_user("user", "pw", group=""),
        "group ... Authorization group",
        "group-empty",
    ),
    case("note", lambda c: c.add_user("user", "pw", note="x\x00"), TEXT, "note-nul"),
    case(
        "user",
        lambda c: c.modify_user("", "pw"),
        "user ... Required for modify",
        "modify-user-empty",
    ),
    case(
        "password",
        lambda c: c.modify_user("admin", ""),
        "newpasswd ... New password",
        "modify-password-empty",
    ),
    case(
        "brightness",
        lambda c: c.set_image_setting(ImageSetting.BRIGHTNESS, 101),
        "Range: 0-100",
        "brightness-101",
    ),
    case(
        "sharpness",
        lambda c: c.set_image_setting(ImageSetting.SHARPNESS, -1),
        "Range: 0-100",
        "sharpness-negative",
    ),
    case(
        "end",
        lambda c: c.system_log(LOG_END, LOG_START),
        "end before start",
        "log-end-before-start",
    ),
    case(
        "start",
        lambda c: c.alarm_log(BEFORE_LOGS, LOG_END),
        "Minimum is 197101010000",
        "log-1970",
    ),
    case(
        "start",
        lambda c: c.alarm_log(YEAR_ONE, LOG_END),
        "Minimum is 197101010000",
        "log-year-1",
    ),
    case("end", lambda c: c.alarm_log(LOG_START, "tomorrow"), TYPE, "log-end-text"),
    case(
        "log_type",
        lambda c: c.alarm_log(LOG_START, LOG_END, log_type=-2),
        "Use -1 for all logs",
        "log-type-negative",
    ),
    case(
        "quality",
        lambda c: c.snapshot(quality=0),
        "Image quality (1-9)",
        "snapshot-quality-0",
    ),
    case(
        "quality",
        lambda c: c.snapshot(quality=10),
        "Image quality (1-9)",
        "snapshot-quality-10",
    ),
]


@pytest.mark.parametrize(("field", "call", "rule"), VALIDATION_CASES)
async def test_validation_sends_nothing(
    client: ExcelSenseClient,
    camera: EmulatedCamera,
    expect_error: ExpectError,
    field: str,
    call: Call,
    rule: str,
) -> None:
    """A refused value names its field and never reaches the device.

    ``rule`` is the document's wording (or the vendor tool's) that refuses it.
    """
    err = await expect_error(ExcelSenseValidationError, call(client))
    assert err.field == field
    assert str(err).startswith(f"{field}: ")
    assert isinstance(err, ValueError)
    assert camera.requests == []
