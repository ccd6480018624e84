"""Getters: every read returns its typed model, quirks or not."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from custom_components.excelsense.api import (
    SELF_CLEAN_PROFILE,
    AlarmOutput,
    AVStream,
    CameraInfo,
    DeviceInfo,
    DevicePort,
    DeviceTime,
    DiskAlarm,
    DiskInfo,
    DiskStatus,
    ImageSetting,
    LocalNetwork,
    LogEntry,
    Mirror,
    MotionAlarm,
    NTPSettings,
    OSDCanvases,
    OSDSettings,
    OSDType,
    ProtocolInfo,
    RecordDirectories,
    RecordPolicy,
    SelfCleanSchedule,
    StreamAbility,
    TimeZone,
    VideoEncoder,
)

from .conftest import USERNAME

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

    from custom_components.excelsense.api import ExcelSenseClient
    from tests.emulator import EmulatedCamera

    Call = Callable[[ExcelSenseClient], Coroutine[Any, Any, Any]]
from .helpers import (
    LOG_END,
    LOG_START,
)

# ------------------------------------------------------------------ getters


@pytest.mark.parametrize(
    ("call", "model", "kind", "check"),
    [
        pytest.param(
            lambda c: c.device_info(),
            DeviceInfo,
            "deviceInfo",
            lambda m: (
                m.product_model == "ToughEye"
                and m.self_cleaning
                and m.mac_address == "00:1C:27:15:93:56"
                and (m.channels, m.alarm_outputs) == (1, 1)
            ),
            id="device_info",
        ),
        pytest.param(
            lambda c: c.camera_info(),
            CameraInfo,
            "cameraInfo",
            lambda m: m.camera_name == "OEM",
            id="camera_info",
        ),
        pytest.param(
            lambda c: c.local_network(),
            LocalNetwork,
            "localNetwork",
            lambda m: (
                len(m.cards) == 1
                and m.cards[0].ip_address == "127.0.0.1"
                and m.cards[0].dhcp
                and m.cards[0].subnet_mask == "255.255.255.0"
            ),
            id="local_network",
        ),
        pytest.param(
            lambda c: c.device_port(),
            DevicePort,
            "devicePort",
            # httpPort: the port the emulator really serves.
            lambda m: (
                (m.control_port, m.rtsp_port, m.rtmp_port) == (30001, 554, 8080)
                and m.http_port > 1024
            ),
            id="device_port",
        ),
        pytest.param(
            lambda c: c.date_time(),
            DeviceTime,
            "dateTime",
            lambda m: abs(m.value - datetime.now()) < timedelta(seconds=5),  # noqa: DTZ005
            id="date_time",
        ),
        pytest.param(
            lambda c: c.time_zone(),
            TimeZone,
            "timeZone",
            lambda m: (m.time_zone, m.dst_enabled, m.end_time) == (85, False, 120),
            id="time_zone",
        ),
        pytest.param(
            lambda c: c.ntp(),
            NTPSettings,
            "NTP",
            lambda m: (
                (m.enabled, m.server, m.port, m.interval)
                == (True, "192.168.1.7", 123, 3600)
            ),
            id="ntp",
        ),
        pytest.param(
            lambda c: c.osd(),
            OSDSettings,
            "OSD",
            lambda m: (
                (m.font_color, m.inverse, m.show_week, m.twelve_hours, m.alpha)
                == (1, False, True, False, 4)
            ),
            id="osd",
        ),
        pytest.param(
            lambda c: c.osd_canvases(),
            OSDCanvases,
            "OSDCanvas",
            lambda m: (
                [canvas.canvas_id for canvas in m.canvases] == [1, 2, 3]
                and m.get(2).text == "ToughEye"
                and m.get(1).text is None
                and m.get(1).infos[0].osd_type == OSDType.TIME
                and m.get(9) is None
            ),
            id="osd_canvases",
        ),
        pytest.param(
            lambda c: c.disks(),
            DiskInfo,
            "deviceDiskInfo",
            lambda m: (
                [(d.disk_id, d.total_size, d.free_size) for d in m.disks]
                == [(1, 14912, 64), (2, 0, 0)]
                and m.disks[0].status == DiskStatus.NORMAL
            ),
            id="disks",
        ),
        pytest.param(
            lambda c: c.record_policy(),
            RecordPolicy,
            "recordPolicy",
            lambda m: (
                (m.enabled, m.save_days, m.audio, m.stream_id) == (False, 7, True, 1)
                and [day.weekday for day in m.schedule] == list(range(7))
                and m.schedule[0].periods == ((0, 86400),)
            ),
            id="record_policy",
        ),
        pytest.param(
            lambda c: c.record_directories(),
            RecordDirectories,
            "recordDirInfo",
            lambda m: (
                [(d.disk_name, d.enabled, d.status) for d in m.directories]
                == [("SD0001", True, 1), ("", False, 3)]
            ),
            id="record_directories",
        ),
        pytest.param(
            lambda c: c.av_stream(2),
            AVStream,
            "AVStream",
            lambda m: (
                (
                    m.stream_id,
                    m.video_encoder,
                    m.resolution,
                    m.frame_rate,
                    m.bit_rate,
                    m.quality,
                )
                == (2, VideoEncoder.H264, "640*360", 30, 1024, 9)
            ),
            id="av_stream_vbr",
        ),
        pytest.param(
            lambda c: c.av_stream(3),
            AVStream,
            "AVStream",
            lambda m: (
                (m.video_encoder, m.bit_rate_type, m.quality)
                == (VideoEncoder.MJPEG, 1, None)
            ),
            id="av_stream_cbr_without_quality",
        ),
        pytest.param(
            lambda c: c.stream_ability(),
            StreamAbility,
            "streamAbility",
            lambda m: (
                [s.stream_id for s in m.streams] == [1, 2, 3]
                and m.get(1).resolutions(VideoEncoder.H265_MAIN)
                == ("1920*1080", "1280*720")
                and m.get(3).resolutions(VideoEncoder.H265_MAIN) == ()
                and m.get(4) is None
            ),
            id="stream_ability",
        ),
        pytest.param(
            lambda c: c.alarm_out(),
            AlarmOutput,
            "alarmOut",
            lambda m: m.profile == SELF_CLEAN_PROFILE and m.name == "selfCleanTrigger",
            id="alarm_out",
        ),
        pytest.param(
            lambda c: c.alarm_out_settled(),
            AlarmOutput,
            "alarmOut",
            lambda m: m.profile == SELF_CLEAN_PROFILE,
            id="alarm_out_settled",
        ),
        pytest.param(
            lambda c: c.motion_alarm(),
            MotionAlarm,
            "motionAlarm",
            lambda m: (
                (m.enabled, m.sensitivity, m.alarm_interval) == (False, 5, 10)
                and (m.areas, m.schedule, m.linkages) == ((), (), ())
                and not m.self_clean_on_motion
            ),
            id="motion_alarm",
        ),
        pytest.param(
            lambda c: c.disk_alarm(),
            DiskAlarm,
            "diskAlarm",
            lambda m: (
                (m.disk_full, m.disk_error, m.no_disk, m.alarm_interval)
                == (True, False, False, 345)
            ),
            id="disk_alarm",
        ),
        pytest.param(
            lambda c: c.self_clean_schedule(),
            SelfCleanSchedule,
            "IOAlarm",
            lambda m: (
                (m.timed, m.scheduled, m.interval, m.times)
                == (False, False, 60, ((8, 0), (12, 0), (18, 0)))
            ),
            id="self_clean_schedule",
        ),
        pytest.param(
            lambda c: c.protocol_info(),
            ProtocolInfo,
            "protocolInfo",
            lambda m: (m.name, m.version) == ("ONVIF", "v22.06"),
            id="protocol_info",
        ),
        pytest.param(
            lambda c: c.protocol_security(),
            bool,
            "protocolSecurity",
            lambda m: m is True,
            id="protocol_security",
        ),
        pytest.param(
            lambda c: c.image_setting(ImageSetting.HUE),
            int,
            "hue",
            lambda m: m == 50,
            id="image_setting",
        ),
        pytest.param(
            lambda c: c.mirror(),
            Mirror,
            "mirror",
            lambda m: (m.vertical, m.horizontal) == (False, False),
            id="mirror",
        ),
        pytest.param(
            lambda c: c.system_log(LOG_START, LOG_END),
            list,
            "systemLogInfo",
            lambda m: (
                all(isinstance(entry, LogEntry) for entry in m)
                and m[0].fields["logData"] == "Boot"
                and m[0].major_type == 1
            ),
            id="system_log",
        ),
        pytest.param(
            lambda c: c.alarm_log(LOG_START, LOG_END),
            list,
            "alarmLogInfo",
            lambda m: m == [],
            id="alarm_log_empty",
        ),
    ],
)
@pytest.mark.parametrize("quirky", [False, True], ids=["plain", "quirky"])
async def test_get_returns_typed_model(
    client: ExcelSenseClient,
    camera: EmulatedCamera,
    call: Call,
    model: type,
    kind: str,
    check: Callable[[Any], bool],
    quirky: bool,
) -> None:
    """Every getter sends one request of its type and returns a typed model.

    Also from sloppy firmware: CRLF, ``key =value``, ``Begin=2``, lower-case
    next markers, ``End=1`` or bare ``xxxEnd``, unknown extra keys.
    """
    if quirky:
        for quirk in ("crlf", "stray_key_spaces", "odd_markers", "extra_keys"):
            setattr(camera.quirks, quirk, True)
    result = await call(client)
    assert isinstance(result, model)
    assert check(result), result
    (request,) = camera.requests
    assert request.get("type") == kind
    assert request.get("userName") == USERNAME
    assert request.status == 200


async def test_logs(client: ExcelSenseClient, camera: EmulatedCamera) -> None:
    """Log queries carry the time range and type; entries keep every field."""
    camera.state.motion_alarm.values["motionDetectionEnableFlag"] = "1"
    camera.trigger_motion()
    (entry,) = await client.alarm_log(LOG_START, LOG_END)
    assert entry.time == entry.fields["alarmStartTime"] != ""
    assert (entry.major_type, entry.fields["description"]) == (1, "motion")
    request = camera.requests[-1]
    assert (request.get("startTime"), request.get("endTime")) == (
        "20000101000000",
        "20991231000000",
    )
    assert request.get("logType") == "-1"

    boots = await client.system_log(LOG_START, LOG_END, log_type=1)
    assert [e.fields["logData"] for e in boots] == ["Boot"]
    assert await client.system_log(LOG_START, LOG_END, log_type=9) == []
    assert camera.requests[-1].get("logType") == "9"
