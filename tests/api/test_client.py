"""ExcelSenseClient against the emulated camera, over loopback."""

from __future__ import annotations

import asyncio
from copy import deepcopy
from dataclasses import replace
from datetime import datetime, timedelta
import socket
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import aiohttp
import pytest

from custom_components.excelsense.api import (
    SELF_CLEAN_PROFILE,
    AlarmLinkage,
    AlarmOperation,
    AlarmOperationResult,
    AlarmOutput,
    AVStream,
    CameraInfo,
    DeviceInfo,
    DevicePort,
    DeviceTime,
    DiskAlarm,
    DiskInfo,
    DiskStatus,
    ExcelSenseAlarmOperationError,
    ExcelSenseAuthenticationError,
    ExcelSenseBusyError,
    ExcelSenseConnectionError,
    ExcelSenseError,
    ExcelSenseInvalidParameterError,
    ExcelSensePermissionError,
    ExcelSenseResponseError,
    ExcelSenseTimeoutError,
    ExcelSenseValidationError,
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
    TimeZone,
    VideoEncoder,
    client as client_module,
)
from custom_components.excelsense.api.exceptions import ERROR_MESSAGES
from tests.emulator import EmulatedCamera, Fault
from tests.emulator.device import Reply

from .conftest import PASSWORD, USERNAME, ExpectError, assert_no_password

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine, Sequence

    from custom_components.excelsense.api import AlarmOutProfile, ExcelSenseClient
    from tests.emulator import DeviceState, RequestRecord

    Call = Callable[[ExcelSenseClient], Coroutine[Any, Any, Any]]

ZONE = TimeZone(
    time_zone=100,
    dst_enabled=True,
    begin_month=3,
    begin_week=2,
    begin_weekday=0,
    begin_time=120,
    end_month=11,
    end_week=1,
    end_weekday=6,
    end_time=90,
)
CANVAS = OSDCanvas(
    canvas_id=2,
    top_x=10,
    top_y=80,
    font_size=1,
    align_mode=1,
    infos=(
        OSDInfo(osd_type=OSDType.TEXT, info="Gate 3", blink=True, blink_interval=3),
        OSDInfo(osd_type=OSDType.TIME, info="YYYY-MM-DD hh:mm:ss ww", enabled=False),
    ),
)
MONDAY = ScheduleDay(weekday=1, periods=((0, 3600), (7200, 86400)))
POLICY = RecordPolicy(
    enabled=False,
    save_days=7,
    stream_id=1,
    audio=False,
    disk_group_id=1,
    schedule=(),
    raw={},
)
AREA = MotionArea(top_x=0, top_y=0, width=210, height=130)
SELF_CLEAN_LINK = AlarmLinkage(action_type=LinkageAction.ALARM_OUTPUT, action_id=1)
RECORD_LINK = AlarmLinkage(action_type=LinkageAction.RECORD, action_id=1)
LOG_START = datetime(2000, 1, 1)  # noqa: DTZ001 - the device clock is naive
LOG_END = datetime(2099, 12, 31)  # noqa: DTZ001
JPEG_MAGIC = b"\xff\xd8"
ALARM_GET = {"action": "get", "type": "alarmOut"}
ALARM_SET = {"action": "set", "type": "alarmOut"}
PULSE_START = {"action": "manualControl", "controlFlag": 1}
PULSE_END = {"action": "manualControl", "controlFlag": 0}


def _alarm_sets(camera: EmulatedCamera) -> list[RequestRecord]:
    return [
        r
        for r in camera.requests
        if r.get("type") == "alarmOut" and r.get("action") == "set"
    ]


def _reply_with(
    monkeypatch: pytest.MonkeyPatch, camera: EmulatedCamera, cgi: str, reply: Reply
) -> None:
    """Make the emulated device answer every request to ``cgi`` with ``reply``."""
    handle = camera.device.handle

    def patched(name: str, pairs: Sequence[tuple[str, str]]) -> Reply:
        return reply if name == cgi else handle(name, pairs)

    monkeypatch.setattr(camera.device, "handle", patched)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def fast_restore(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shrink the backoff between restore attempts."""
    monkeypatch.setattr(client_module, "RESTORE_BACKOFF", 0.01)


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
            lambda m: (
                (m.control_port, m.http_port, m.rtsp_port, m.rtmp_port)
                == (30001, 80, 554, 8080)
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


# ------------------------------------------------------------------ setters


async def _set_record_policy(client: ExcelSenseClient) -> None:
    current = await client.record_policy()
    await client.set_record_policy(
        current, enabled=True, save_days=30, audio=False, schedule=[MONDAY]
    )


SET_CASES = [
    pytest.param(
        lambda c: c.set_device_name("Gate 3"),
        lambda c: c.device_info(),
        lambda m: m.device_name == "Gate 3",
        "deviceName",
        lambda s: s.device_info.values["deviceName"] == "Gate 3",
        id="device_name",
    ),
    pytest.param(
        lambda c: c.set_camera_name("Lens 1"),
        lambda c: c.camera_info(),
        lambda m: m.camera_name == "Lens 1",
        "cameraInfo",
        lambda s: s.camera_info.values["cameraName"] == "Lens 1",
        id="camera_name",
    ),
    pytest.param(
        lambda c: c.set_local_network(
            ip_address="127.0.0.1",
            subnet_mask="255.255.0.0",
            gateway="127.0.0.254",
            preferred_dns="1.1.1.1",
            alternate_dns="8.8.8.8",
            dhcp=False,
        ),
        lambda c: c.local_network(),
        lambda m: (
            (
                m.cards[0].gateway,
                m.cards[0].preferred_dns,
                m.cards[0].alternate_dns,
                m.cards[0].subnet_mask,
                m.cards[0].dhcp,
            )
            == ("127.0.0.254", "1.1.1.1", "8.8.8.8", "255.255.0.0", False)
        ),
        "localNetwork",
        lambda s: s.network.values["autoGetIPFlag"] == "0",
        id="local_network",
    ),
    pytest.param(
        lambda c: c.set_device_port(
            control_port=30002, http_port=8080, rtsp_port=8554, rtmp_port=1935
        ),
        lambda c: c.device_port(),
        lambda m: (
            (m.control_port, m.http_port, m.rtsp_port, m.rtmp_port)
            == (30002, 8080, 8554, 1935)
        ),
        "devicePort",
        lambda s: s.ports.values["rtspPort"] == "8554",
        id="device_port",
    ),
    pytest.param(
        lambda c: c.set_date_time(datetime(2030, 6, 15, 12, 0, 0)),  # noqa: DTZ001
        lambda c: c.date_time(),
        lambda m: abs(m.value - datetime(2030, 6, 15, 12)) < timedelta(seconds=5),  # noqa: DTZ001
        "dateTime",
        lambda s: s.clock_offset > 0,
        id="date_time",
    ),
    pytest.param(
        lambda c: c.set_time_zone(ZONE),
        lambda c: c.time_zone(),
        lambda m: m == ZONE,
        "timeZone",
        lambda s: (
            (s.time_zone.values["timeZone"], s.time_zone.values["endWeekDays"])
            == ("100", "6")
        ),
        id="time_zone",
    ),
    pytest.param(
        lambda c: c.set_ntp(enabled=False, server="10.0.0.1", port=1234),
        lambda c: c.ntp(),
        lambda m: (m.enabled, m.server, m.port) == (False, "10.0.0.1", 1234),
        "NTP",
        lambda s: s.ntp.values["NTPIP"] == "10.0.0.1",
        id="ntp",
    ),
    pytest.param(
        lambda c: c.set_osd(font_color=7, inverse=True, alpha=2),
        lambda c: c.osd(),
        lambda m: (m.font_color, m.inverse, m.alpha) == (7, True, 2),
        "OSD",
        lambda s: s.osd.values["fontColor"] == "7",
        id="osd",
    ),
    pytest.param(
        lambda c: c.set_osd_canvas(CANVAS),
        lambda c: c.osd_canvases(),
        lambda m: m.get(2) == CANVAS and m.get(2).text == "Gate 3",
        "OSDCanvas",
        lambda s: (
            [i["info"] for i in s.osd_canvases[1].loops["OSDInfo"]]
            == ["Gate 3", "YYYY-MM-DD hh:mm:ss ww"]
        ),
        id="osd_canvas",
    ),
    pytest.param(
        _set_record_policy,
        lambda c: c.record_policy(),
        lambda m: (
            (m.enabled, m.save_days, m.audio, m.schedule)
            == (True, 30, False, (MONDAY,))
        ),
        "recordPolicy",
        lambda s: len(s.record_policy.loops["weekDay"]) == 1,
        id="record_policy",
    ),
    pytest.param(
        lambda c: c.set_record_directory(
            2, disk_name="SD0002", enabled=True, group_id=2
        ),
        lambda c: c.record_directories(),
        lambda m: (
            (
                m.directories[1].disk_name,
                m.directories[1].enabled,
                m.directories[1].group_id,
            )
            == ("SD0002", True, 2)
        ),
        "recordDirInfo",
        lambda s: s.record_dirs.loops["recordDirInfo"][1]["diskName"] == "SD0002",
        id="record_directory",
    ),
    pytest.param(
        lambda c: c.set_av_stream(
            1,
            video_encoder=VideoEncoder.H264,
            audio_encoder=108,
            resolution="1280*720",
            frame_rate=15,
            i_frame_interval=15,
            bit_rate_type=2,
            bit_rate=2048,
            quality=5,
        ),
        lambda c: c.av_stream(1),
        lambda m: (
            (
                m.video_encoder,
                m.audio_encoder,
                m.resolution,
                m.frame_rate,
                m.i_frame_interval,
                m.bit_rate,
                m.quality,
            )
            == (1, 108, "1280*720", 15, 15, 2048, 5)
        ),
        "AVStream",
        lambda s: s.streams[1].values["resolution"] == "1280*720",
        id="av_stream",
    ),
    pytest.param(
        lambda c: c.set_alarm_out(AlarmOperation.LED_SHUTOFF_TOGGLE.profile),
        lambda c: c.alarm_out(),
        lambda m: m.profile == AlarmOperation.LED_SHUTOFF_TOGGLE.profile,
        "alarmOut",
        lambda s: s.alarm_out.values["alarmTime"] == "1700",
        id="alarm_out",
    ),
    pytest.param(
        lambda c: c.set_motion_alarm(
            enabled=True,
            sensitivity=8,
            alarm_interval=30,
            areas=[AREA],
            schedule=[MONDAY],
            linkages=[SELF_CLEAN_LINK, RECORD_LINK],
        ),
        lambda c: c.motion_alarm(),
        lambda m: (
            (m.enabled, m.sensitivity, m.alarm_interval) == (True, 8, 30)
            and (m.areas, m.schedule) == ((AREA,), (MONDAY,))
            and m.linkages == (SELF_CLEAN_LINK, RECORD_LINK)
            and m.self_clean_on_motion
        ),
        "motionAlarm",
        lambda s: len(s.motion_alarm.loops["AlarmLinkage"]) == 2,
        id="motion_alarm",
    ),
    pytest.param(
        lambda c: c.set_disk_alarm(
            disk_full=False,
            disk_error=True,
            no_disk=True,
            alarm_interval=600,
            linkages=[RECORD_LINK],
        ),
        lambda c: c.disk_alarm(),
        lambda m: (
            (m.disk_full, m.disk_error, m.no_disk, m.alarm_interval, m.linkages)
            == (False, True, True, 600, (RECORD_LINK,))
        ),
        "diskAlarm",
        lambda s: s.disk_alarm.values["AlarmInterval"] == "600",
        id="disk_alarm",
    ),
    pytest.param(
        lambda c: c.set_self_clean_schedule(
            timed=True, interval=30, scheduled=True, times=[(6, 30), (20, 15)]
        ),
        lambda c: c.self_clean_schedule(),
        lambda m: (
            (m.timed, m.interval, m.scheduled, m.times[:2])
            == (True, 30, True, ((6, 30), (20, 15)))
        ),
        "IOAlarm",
        lambda s: s.io_alarm.values["TimeTwoMinutes"] == "15",
        id="self_clean_schedule",
    ),
    pytest.param(
        lambda c: c.set_protocol_security(enabled=False),
        lambda c: c.protocol_security(),
        lambda m: m is False,
        "protocolSecurity",
        lambda s: s.protocol_security.values["protocolSecurityFlag"] == "0",
        id="protocol_security",
    ),
    *(
        pytest.param(
            lambda c, setting=setting: c.set_image_setting(setting, 75),
            lambda c, setting=setting: c.image_setting(setting),
            lambda m: m == 75,
            str(setting),
            lambda s, setting=setting: s.sensor[setting].values["value"] == "75",
            id=f"image_setting_{setting}",
        )
        for setting in ImageSetting
    ),
    pytest.param(
        lambda c: c.set_mirror(vertical=True, horizontal=False),
        lambda c: c.mirror(),
        lambda m: (m.vertical, m.horizontal) == (True, False),
        "mirror",
        lambda s: s.sensor["mirror"].values == {"vertical": "1", "horizontal": "0"},
        id="mirror",
    ),
]


@pytest.mark.parametrize(("setter", "getter", "check", "kind", "state"), SET_CASES)
async def test_set_changes_next_get(
    client: ExcelSenseClient,
    camera: EmulatedCamera,
    setter: Call,
    getter: Call,
    check: Callable[[Any], bool],
    kind: str,
    state: Callable[[DeviceState], bool],
) -> None:
    """A set is one accepted request, visible in the device state and next get."""
    await setter(client)
    sets = [r for r in camera.requests if r.get("action") == "set"]
    assert [r.get("type") for r in sets] == [kind]
    assert sets[0].status == 200
    assert sets[0].fault is None
    assert state(camera.state)
    result = await getter(client)
    assert check(result), result


@pytest.mark.parametrize(
    ("call", "sent", "not_sent"),
    [
        pytest.param(
            lambda c: c.set_osd(inverse=False),
            {"cameraID": "1", "inverseFlag": "0"},
            ("fontColor", "alpha"),
            id="osd",
        ),
        pytest.param(
            lambda c: c.set_local_network(preferred_dns="9.9.9.9"),
            {"netCardId": "1", "IPProtoVer": "1", "preferredDNS": "9.9.9.9"},
            ("IPAddress", "subGetway", "autoGetIPFlag"),
            id="local_network",
        ),
        pytest.param(
            lambda c: c.set_motion_alarm(sensitivity=3),
            {"sensitivity": "3"},
            ("motionDetectionAreaBegin", "weekDayBegin", "AlarmLinkageBegin"),
            id="motion_alarm_keeps_loops",
        ),
        pytest.param(
            lambda c: c.set_disk_alarm(no_disk=True),
            {"alarmInID": "1", "NoDiskAlarmEnableFlag": "1"},
            ("AlarmLinkageBegin", "AlarmInterval"),
            id="disk_alarm",
        ),
        pytest.param(
            lambda c: c.set_record_policy(POLICY, enabled=True),
            {"StreamId": "1", "DiskGroupId": "1", "RecordOpenFlag": "1"},
            ("weekDayBegin", "SaveDays"),
            id="record_policy_keeps_schedule",
        ),
        pytest.param(
            lambda c: c.set_record_directory(1, enabled=False),
            {"diskId": "1", "enableFlag": "0"},
            ("diskName", "groupID"),
            id="record_directory",
        ),
        pytest.param(
            lambda c: c.set_av_stream(2, frame_rate=10),
            {"streamID": "2", "frameRate": "10"},
            ("resolution", "bitRate"),
            id="av_stream",
        ),
        pytest.param(
            lambda c: c.set_self_clean_schedule(times=[(7, 5)]),
            {"TimeOneHours": "7", "TimeOneMinutes": "5"},
            ("TimeTwoHours", "TimedSelfClean"),
            id="self_clean_schedule",
        ),
    ],
)
async def test_set_sends_only_given_fields(
    client: ExcelSenseClient,
    camera: EmulatedCamera,
    call: Call,
    sent: dict[str, str],
    not_sent: tuple[str, ...],
) -> None:
    """Partial sets leave everything else (loops included) on the device alone."""
    loops = deepcopy(
        [camera.state.motion_alarm.loops, camera.state.record_policy.loops]
    )
    await call(client)
    (request,) = camera.requests
    assert request.status == 200
    params = dict(request.params)
    assert {key: params.get(key) for key in sent} == sent
    assert not set(not_sent) & set(params)
    assert [camera.state.motion_alarm.loops, camera.state.record_policy.loops] == loops


async def test_empty_loop_clears_it(
    client: ExcelSenseClient, camera: EmulatedCamera
) -> None:
    """An empty loop is sent as Begin/End with cover: the device drops all."""
    await client.set_motion_alarm(linkages=[SELF_CLEAN_LINK], areas=[AREA])
    assert (await client.motion_alarm()).self_clean_on_motion
    await client.set_motion_alarm(linkages=[])
    motion = await client.motion_alarm()
    assert (motion.linkages, motion.areas) == ((), (AREA,))
    assert not motion.self_clean_on_motion
    assert camera.state.motion_alarm.loops["AlarmLinkage"] == []
    params = dict(camera.requests[-2].params)
    assert (params["AlarmLinkageParam"], params["AlarmLinkageEnd"]) == ("cover", "0")


async def test_users_and_permissions(
    client: ExcelSenseClient,
    camera: EmulatedCamera,
    make_client: Callable[..., ExcelSenseClient],
    expect_error: ExpectError,
) -> None:
    """A non-admin user can read but gets -512 on a change; modify works."""
    await client.add_user("viewer", "v&ew pw", group="Users")
    user = camera.state.users["viewer"]
    assert (user.password, user.group) == ("v&ew pw", "Users")
    add = camera.requests[-1]
    assert (add.get("action"), add.get("type"), add.get("newpasswd")) == (
        "add",
        "User",
        "***",
    )

    viewer = make_client(username="viewer", password="v&ew pw")
    assert (await viewer.device_info()).product_model == "ToughEye"
    err = await expect_error(ExcelSensePermissionError, viewer.set_device_name("x"))
    assert err.code == -512
    assert err.message == "Insufficient permissions"
    assert not isinstance(err, ExcelSenseAuthenticationError)
    assert camera.state.device_info.values["deviceName"] == ""
    await expect_error(ExcelSensePermissionError, viewer.restart())

    await client.modify_user("viewer", "new pw", group="Operators", note="night")
    assert (user.password, user.group, user.note) == ("new pw", "Operators", "night")
    await expect_error(ExcelSenseAuthenticationError, viewer.device_info())
    assert (await make_client(username="viewer", password="new pw").ntp()).enabled


@pytest.mark.parametrize(
    ("call", "log", "name"),
    [
        pytest.param(lambda c: c.restart(), "Restart", "Gate 3", id="restart"),
        pytest.param(lambda c: c.factory_reset(), "FactoryReset", "", id="reset"),
    ],
)
async def test_maintenance(
    client: ExcelSenseClient, camera: EmulatedCamera, call: Call, log: str, name: str
) -> None:
    """Restart keeps the settings, factory reset restores them."""
    await client.set_device_name("Gate 3")
    await call(client)
    assert camera.requests[-1].path == "operate.cgi"
    assert camera.system_logs[-2].fields["logData"] == log
    assert (await client.device_info()).device_name == name


async def test_restart_downtime_drops_connections(
    client: ExcelSenseClient, camera: EmulatedCamera, expect_error: ExpectError
) -> None:
    """While the device reboots requests fail as connection errors."""
    camera.restart_downtime = 30
    await client.restart()
    await expect_error(ExcelSenseConnectionError, client.device_port())
    assert camera.requests[-1].fault == "restart"


async def test_context_manager_and_properties(
    client: ExcelSenseClient, make_client: Callable[..., ExcelSenseClient]
) -> None:
    """The client is an async context manager; base_url holds no credentials."""
    async with client as entered:
        assert entered is client
        assert (await entered.device_port()).rtsp_port == 554
    assert str(client.base_url) == f"http://127.0.0.1:{client.port}"
    secure = make_client(use_https=True, verify_ssl=False)
    assert secure.base_url.scheme == "https"
    assert secure._ssl() is False
    assert make_client(use_https=True)._ssl() is True
    assert client._ssl() is True
    assert not client.alarm_operation_running
    for text in (repr(client), str(client), repr(secure)):
        assert_no_password(text)
        assert "session" not in text


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


VALIDATION_CASES = [
    ("device_name", lambda c: c.set_device_name("bad/name")),
    ("device_name", lambda c: c.set_device_name("")),
    ("device_name", lambda c: c.set_device_name("x" * 65)),
    ("device_name", lambda c: c.set_device_name("tab\there")),
    ("device_name", lambda c: c.set_device_name(42)),
    ("camera_name", lambda c: c.set_camera_name("a;b")),
    ("net_card_id", lambda c: c.set_local_network(net_card_id=3)),
    ("net_card_id", lambda c: c.set_local_network(net_card_id=True)),
    ("ip_address", lambda c: c.set_local_network(ip_address="300.1.1.1")),
    ("gateway", lambda c: c.set_local_network(gateway="gateway")),
    ("alternate_dns", lambda c: c.set_local_network(alternate_dns="::1")),
    ("ports", lambda c: c.set_device_port()),
    ("http_port", lambda c: c.set_device_port(http_port=0)),
    ("rtsp_port", lambda c: c.set_device_port(rtsp_port=True)),
    ("control_port", lambda c: c.set_device_port(control_port="80")),
    ("year", lambda c: c.set_date_time(datetime(1970, 1, 1))),  # noqa: DTZ001
    ("time_zone", lambda c: c.set_time_zone(replace(ZONE, time_zone=301))),
    ("begin_time", lambda c: c.set_time_zone(replace(ZONE, begin_time=45))),
    ("end_month", lambda c: c.set_time_zone(replace(ZONE, end_month=13))),
    ("end_week", lambda c: c.set_time_zone(replace(ZONE, end_week=6))),
    ("begin_weekday", lambda c: c.set_time_zone(replace(ZONE, begin_weekday=7))),
    ("end_time", lambda c: c.set_time_zone(replace(ZONE, end_time=1440))),
    ("server", lambda c: c.set_ntp(enabled=True, server="pool.ntp.org")),
    ("port", lambda c: c.set_ntp(enabled=True, server="10.0.0.1", port=70000)),
    ("font_color", lambda c: c.set_osd(font_color=10)),
    ("alpha", lambda c: c.set_osd(alpha=0)),
    ("canvas_id", lambda c: c.set_osd_canvas(_canvas(canvas_id=9))),
    ("top_x", lambda c: c.set_osd_canvas(_canvas(top_x=101))),
    ("top_y", lambda c: c.set_osd_canvas(_canvas(top_y=-1))),
    ("font_size", lambda c: c.set_osd_canvas(_canvas(font_size=0))),
    ("align_mode", lambda c: c.set_osd_canvas(_canvas(align_mode=2))),
    ("infos", lambda c: c.set_osd_canvas(_canvas(infos=()))),
    ("osd_type", lambda c: c.set_osd_canvas(_info(osd_type=6))),
    ("info", lambda c: c.set_osd_canvas(_info(info="a&b"))),
    ("blink_interval", lambda c: c.set_osd_canvas(_info(blink_interval=256))),
    ("save_days", lambda c: c.set_record_policy(POLICY, save_days=366)),
    ("schedule", lambda c: c.set_record_policy(POLICY, schedule=_day() * 8)),
    ("weekday", lambda c: c.set_record_policy(POLICY, schedule=_day(7))),
    ("schedule", lambda c: c.set_record_policy(POLICY, schedule=_day(1, ()))),
    ("schedule", lambda c: c.set_record_policy(POLICY, schedule=_day(1, ((9, 8),)))),
    ("schedule", lambda c: c.set_motion_alarm(schedule=_day(1, ((0, 86401),)))),
    ("schedule", lambda c: c.set_motion_alarm(schedule=_day(1, ((0, 1),) * 4))),
    ("disk_id", lambda c: c.set_record_directory(0)),
    ("disk_name", lambda c: c.set_record_directory(1, disk_name="a'b")),
    ("group_id", lambda c: c.set_record_directory(1, group_id=17)),
    ("stream", lambda c: c.set_av_stream(1)),
    ("video_encoder", lambda c: c.set_av_stream(1, video_encoder=3)),
    ("audio_encoder", lambda c: c.set_av_stream(1, audio_encoder=101)),
    ("resolution", lambda c: c.set_av_stream(1, resolution="1080p")),
    ("resolution", lambda c: c.set_av_stream(1, resolution=1080)),
    ("frame_rate", lambda c: c.set_av_stream(1, frame_rate=61)),
    ("i_frame_interval", lambda c: c.set_av_stream(1, i_frame_interval=0)),
    ("bit_rate_type", lambda c: c.set_av_stream(1, bit_rate_type=3)),
    ("bit_rate", lambda c: c.set_av_stream(1, bit_rate=16)),
    ("quality", lambda c: c.set_av_stream(1, quality=10)),
    ("valid_signal", lambda c: c.set_alarm_out(_profile(valid_signal=2))),
    ("mode", lambda c: c.set_alarm_out(_profile(mode=3))),
    ("time_ms", lambda c: c.set_alarm_out(_profile(time_ms=0))),
    ("frequency", lambda c: c.set_alarm_out(_profile(frequency=1000.5))),
    ("frequency", lambda c: c.set_alarm_out(_profile(frequency=-1))),
    ("motion", lambda c: c.set_motion_alarm()),
    ("sensitivity", lambda c: c.set_motion_alarm(sensitivity=11)),
    ("alarm_interval", lambda c: c.set_motion_alarm(alarm_interval=0)),
    ("area_x", lambda c: c.set_motion_alarm(areas=[replace(AREA, top_x=421)])),
    ("area_y", lambda c: c.set_motion_alarm(areas=[replace(AREA, top_y=261)])),
    ("area_width", lambda c: c.set_motion_alarm(areas=[replace(AREA, width=0)])),
    ("area_height", lambda c: c.set_motion_alarm(areas=[replace(AREA, height=261)])),
    (
        "action_type",
        lambda c: c.set_motion_alarm(linkages=[replace(RECORD_LINK, action_type=2)]),
    ),
    (
        "action_id",
        lambda c: c.set_disk_alarm(linkages=[replace(RECORD_LINK, action_id=256)]),
    ),
    ("disk_alarm", lambda c: c.set_disk_alarm()),
    ("alarm_interval", lambda c: c.set_disk_alarm(alarm_interval=9)),
    ("self_clean_schedule", lambda c: c.set_self_clean_schedule()),
    ("interval", lambda c: c.set_self_clean_schedule(interval=1441)),
    ("times", lambda c: c.set_self_clean_schedule(times=[(1, 0)] * 4)),
    ("hour", lambda c: c.set_self_clean_schedule(times=[(24, 0)])),
    ("minute", lambda c: c.set_self_clean_schedule(times=[(1, 60)])),
    ("new_username", lambda c: c.add_user("bad,name", "pw")),
    ("new_username", lambda c: c.add_user("x" * 33, "pw")),
    ("password", lambda c: c.add_user("user", "")),
    ("password", lambda c: c.add_user("user", "x" * 65)),
    ("group", lambda c: c.add_user("user", "pw", group="Admins/")),
    ("note", lambda c: c.add_user("user", "pw", note="x" * 65)),
    ("user", lambda c: c.modify_user("", "pw")),
    ("password", lambda c: c.modify_user("admin", "")),
    ("brightness", lambda c: c.set_image_setting(ImageSetting.BRIGHTNESS, 101)),
    ("sharpness", lambda c: c.set_image_setting(ImageSetting.SHARPNESS, -1)),
    ("end", lambda c: c.system_log(LOG_END, LOG_START)),
    ("start", lambda c: c.alarm_log(datetime(1970, 6, 1), LOG_END)),  # noqa: DTZ001
    ("log_type", lambda c: c.system_log(LOG_START, LOG_END, log_type=256)),
    ("log_type", lambda c: c.alarm_log(LOG_START, LOG_END, log_type=-2)),
    ("quality", lambda c: c.snapshot(quality=0)),
    ("quality", lambda c: c.snapshot(quality=10)),
]


@pytest.mark.parametrize(
    ("field", "call"),
    [
        pytest.param(field, call, id=f"{index:02d}-{field}")
        for index, (field, call) in enumerate(VALIDATION_CASES)
    ],
)
async def test_validation_sends_nothing(
    client: ExcelSenseClient,
    camera: EmulatedCamera,
    expect_error: ExpectError,
    field: str,
    call: Call,
) -> None:
    """A refused value names its field and never reaches the device."""
    err = await expect_error(ExcelSenseValidationError, call(client))
    assert err.field == field
    assert str(err).startswith(f"{field}: ")
    assert isinstance(err, ValueError)
    assert camera.requests == []


# ------------------------------------------------------------------ error replies


@pytest.mark.parametrize(
    ("code", "error_type"),
    [
        (-507, ExcelSenseAuthenticationError),
        (-508, ExcelSenseAuthenticationError),
        (-512, ExcelSensePermissionError),
        (-22, ExcelSenseInvalidParameterError),
        (-23, ExcelSenseInvalidParameterError),
        (-2, ExcelSenseResponseError),
        (-109, ExcelSenseResponseError),
        (-513, ExcelSenseResponseError),
        (-9999, ExcelSenseResponseError),
    ],
)
@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda c: c.ntp(), id="get"),
        pytest.param(lambda c: c.set_mirror(vertical=True, horizontal=True), id="set"),
        pytest.param(lambda c: c.snapshot(), id="snapshot"),
        pytest.param(lambda c: c.rtsp_url(), id="rtsp"),
    ],
)
async def test_error_codes(
    client: ExcelSenseClient,
    camera: EmulatedCamera,
    expect_error: ExpectError,
    code: int,
    error_type: type[ExcelSenseResponseError],
    call: Call,
) -> None:
    """Each error code maps to its exception with the spec's message."""
    camera.inject(Fault("error", code=code))  # fires for every request
    err = await expect_error(error_type, call(client))
    assert type(err) is error_type
    assert err.code == code
    assert err.message == ERROR_MESSAGES.get(code, "Unknown error")
    assert str(err) == f"{err.message} ({code})"
    assert len(camera.requests) == 1  # not retried


@pytest.mark.parametrize(
    ("style", "auth_failure"),
    [
        ("plain", "code"),
        ("capital", "code"),
        ("fullwidth", "code"),
        ("plain", "http401"),
        ("capital", "http401"),
    ],
)
@pytest.mark.parametrize(
    ("username", "code"), [("admin", -508), ("nobody", -507)], ids=["password", "user"]
)
async def test_authentication_failures(
    camera: EmulatedCamera,
    make_client: Callable[..., ExcelSenseClient],
    expect_error: ExpectError,
    style: str,
    auth_failure: str,
    username: str,
    code: int,
) -> None:
    """Bad credentials raise the auth error whatever the firmware's error style."""
    camera.quirks.error_style = style
    camera.quirks.auth_failure = auth_failure
    wrong = make_client(username=username, password=PASSWORD + "x")
    err = await expect_error(ExcelSenseAuthenticationError, wrong.camera_info())
    assert err.code == code
    err = await expect_error(ExcelSenseAuthenticationError, wrong.snapshot())
    assert err.code == code
    assert camera.requests[-1].status == (401 if auth_failure == "http401" else 200)


async def test_http_401_without_error_body(
    client: ExcelSenseClient, camera: EmulatedCamera, expect_error: ExpectError
) -> None:
    """A bare HTTP 401 is an authentication failure without a code."""
    camera.inject(Fault("http_status", status=401))
    err = await expect_error(ExcelSenseAuthenticationError, client.device_port())
    assert err.code is None


async def test_device_info_without_auth_quirk(
    camera: EmulatedCamera,
    make_client: Callable[..., ExcelSenseClient],
    expect_error: ExpectError,
) -> None:
    """Some firmware answers deviceInfo to anyone; other calls still check."""
    camera.quirks.device_info_without_auth = True
    wrong = make_client(password="wrong")
    assert (await wrong.device_info()).mac_address == "00:1C:27:15:93:56"
    await expect_error(ExcelSenseAuthenticationError, wrong.camera_info())


@pytest.mark.parametrize(
    ("model", "call"),
    [
        pytest.param("ToughCam-1000", lambda c: c.self_clean_schedule(), id="-22"),
        pytest.param(
            "ToughEye-1700",
            lambda c: c.set_av_stream(1, resolution="1234*567"),
            id="-23",
        ),
    ],
)
async def test_invalid_parameter_from_device(
    socket_enabled: None,
    session: aiohttp.ClientSession,
    expect_error: ExpectError,
    model: str,
    call: Call,
) -> None:
    """Requests the device itself refuses raise the invalid-parameter error."""
    async with EmulatedCamera(username=USERNAME, password=PASSWORD, model=model) as cam:
        client = client_module.ExcelSenseClient(
            host="127.0.0.1",
            port=cam.port,
            username=USERNAME,
            password=PASSWORD,
            session=session,
        )
        err = await expect_error(ExcelSenseInvalidParameterError, call(client))
        assert err.code in (-22, -23)


@pytest.mark.parametrize("code", [-505, -511])
@pytest.mark.parametrize(("failures", "succeeds"), [(3, True), (4, False)])
async def test_busy_is_retried(
    client: ExcelSenseClient,
    camera: EmulatedCamera,
    expect_error: ExpectError,
    code: int,
    failures: int,
    succeeds: bool,
) -> None:
    """Busy replies are retried busy_retries times with backoff, then raised."""
    assert client.busy_retries == 3
    camera.inject(Fault("error", code=code, count=failures))
    if succeeds:
        assert (await client.device_port()).rtsp_port == 554
    else:
        err = await expect_error(ExcelSenseBusyError, client.device_port())
        assert err.code == code
    assert len(camera.requests) == 4
    gaps = [
        b.time - a.time
        for a, b in zip(camera.requests, camera.requests[1:], strict=False)
    ]
    assert gaps[-1] >= 0.035  # the backoff doubles: 0.01, 0.02, 0.04


TRANSPORT_FAULTS = [
    pytest.param(Fault("garbage"), ExcelSenseResponseError, id="garbage"),
    pytest.param(Fault("truncated"), ExcelSenseConnectionError, id="truncated"),
    pytest.param(Fault("disconnect"), ExcelSenseConnectionError, id="disconnect"),
    pytest.param(
        Fault("http_status", status=500), ExcelSenseResponseError, id="http500"
    ),
    pytest.param(
        Fault("http_status", status=302), ExcelSenseResponseError, id="http302"
    ),
    pytest.param(Fault("latency", delay=0.4), ExcelSenseTimeoutError, id="latency"),
]
CALLS = [
    pytest.param(lambda c: c.device_port(), id="get"),
    pytest.param(lambda c: c.set_protocol_security(enabled=True), id="set"),
    pytest.param(lambda c: c.restart(), id="operate"),
    pytest.param(lambda c: c.snapshot(quality=5), id="snapshot"),
    pytest.param(lambda c: c.rtsp_url(), id="rtsp"),
]


@pytest.mark.parametrize(("fault", "error_type"), TRANSPORT_FAULTS)
@pytest.mark.parametrize("call", CALLS)
async def test_transport_faults(
    camera: EmulatedCamera,
    make_client: Callable[..., ExcelSenseClient],
    expect_error: ExpectError,
    fault: Fault,
    error_type: type[ExcelSenseError],
    call: Call,
) -> None:
    """Broken replies come out as exactly the documented exception."""
    camera.inject(replace(fault))
    client = make_client(request_timeout=0.2)
    err = await expect_error(ExcelSenseError, call(client))
    assert type(err) is error_type
    # Not retried by the client (aiohttp itself resends a GET once on a
    # dropped connection).
    assert len(camera.requests) <= (2 if fault.kind == "disconnect" else 1)


async def test_connection_refused(
    make_client: Callable[..., ExcelSenseClient], expect_error: ExpectError
) -> None:
    """Nothing listening: a connection error, for requests and the live stream."""
    closed = make_client(port=_free_port())
    await expect_error(ExcelSenseConnectionError, closed.device_info())
    await expect_error(ExcelSenseConnectionError, closed.open_mjpeg_stream())


async def test_tls_to_plain_http_is_a_connection_error(
    make_client: Callable[..., ExcelSenseClient],
    camera: EmulatedCamera,
    expect_error: ExpectError,
) -> None:
    """HTTPS without verification against a plain HTTP device fails cleanly."""
    secure = make_client(use_https=True, verify_ssl=False)
    err = await expect_error(ExcelSenseConnectionError, secure.device_info())
    assert type(err) is ExcelSenseConnectionError


@pytest.mark.parametrize(
    ("cgi", "body", "call", "message"),
    [
        pytest.param(
            "sensor.cgi",
            b"value=abc\n",
            lambda c: c.image_setting(ImageSetting.CONTRAST),
            "Malformed contrast reply: value missing",
            id="image_setting",
        ),
        pytest.param(
            "param.cgi",
            b"reservedParam=0\n",
            lambda c: c.protocol_security(),
            "Malformed protocolSecurity reply: protocolSecurityFlag missing",
            id="protocol_security",
        ),
        pytest.param(
            "param.cgi",
            b"year=2024\nmonth=2\nday=30\nhour=0\nminute=0\nsecond=0\n",
            lambda c: c.date_time(),
            "Malformed dateTime reply: not a valid date",
            id="date_time",
        ),
        pytest.param(
            "param.cgi",
            b"<html>login</html>",
            lambda c: c.set_device_name("x"),
            "Unexpected reply to param.cgi action=set type=deviceName",
            id="set_not_ok",
        ),
        pytest.param(
            "video.cgi",
            b"  http://127.0.0.1/live  ",
            lambda c: c.rtsp_url(),
            "Reply to video.cgi is not an RTSP URL",
            id="rtsp_not_rtsp",
        ),
        pytest.param(
            "image.cgi",
            b"GIF89a....",
            lambda c: c.snapshot(),
            "Reply to image.cgi is not a JPEG image (text/plain)",
            id="snapshot_not_jpeg",
        ),
    ],
)
async def test_unusable_replies(
    client: ExcelSenseClient,
    camera: EmulatedCamera,
    monkeypatch: pytest.MonkeyPatch,
    expect_error: ExpectError,
    cgi: str,
    body: bytes,
    call: Call,
    message: str,
) -> None:
    """Replies the client cannot use raise the response error, with a reason."""
    _reply_with(monkeypatch, camera, cgi, Reply(body))
    err = await expect_error(ExcelSenseResponseError, call(client))
    assert type(err) is ExcelSenseResponseError
    assert (err.code, err.message) == (None, message)


async def test_request_bound(
    camera: EmulatedCamera, make_client: Callable[..., ExcelSenseClient]
) -> None:
    """With max_concurrent_requests=2 the device never sees a third request.

    The emulator answers -511 to the third concurrent connection; with no
    busy retries any -511 would surface as an error.
    """
    camera.latency = 0.05
    camera.max_connections = 2
    bounded = make_client(max_concurrent_requests=2, busy_retries=0)
    loop = asyncio.get_running_loop()
    started = loop.time()
    results = await asyncio.gather(*(bounded.device_port() for _ in range(10)))
    assert loop.time() - started >= 5 * 0.05
    assert all(port.rtsp_port == 554 for port in results)
    assert len(camera.requests) == 10  # no retries happened
    # At most two requests arrive within one latency of each other.
    times = sorted(r.time for r in camera.requests)
    assert all(b - a >= 0.04 for a, b in zip(times, times[2:], strict=False))

    # Control: without the bound the device does refuse connections.
    camera.clear_requests()
    unbounded = make_client(max_concurrent_requests=10, busy_retries=0)
    outcomes = await asyncio.gather(
        *(unbounded.device_port() for _ in range(10)), return_exceptions=True
    )
    busy = [o for o in outcomes if isinstance(o, ExcelSenseBusyError)]
    assert busy
    assert all(o.code == -511 for o in busy)


async def test_timeout_does_not_count_the_queue(
    camera: EmulatedCamera, make_client: Callable[..., ExcelSenseClient]
) -> None:
    """request_timeout bounds the talk to the device, not the wait for a slot."""
    camera.latency = 0.15
    bounded = make_client(max_concurrent_requests=1, request_timeout=0.4)
    outcomes = await asyncio.gather(
        *(bounded.device_port() for _ in range(4)), return_exceptions=True
    )
    assert not [o for o in outcomes if isinstance(o, BaseException)]


# ------------------------------------------------------------------ RTSP


@pytest.mark.parametrize(
    ("quirks", "kwargs", "port", "path"),
    [
        pytest.param({}, {}, 554, "/snl/live/1/1", id="plain"),
        pytest.param(
            {"rtsp_whitespace": True, "reported_ip": "192.168.1.121"},
            {"stream_id": 2},
            554,
            "/snl/live/1/2",
            id="whitespace-nat",
        ),
        pytest.param(
            {"rtsp_token": "a1b2c3", "crlf": True},
            {"stream_id": 3},
            554,
            "/snl/live/1/3/a1b2c3",
            id="token",
        ),
        pytest.param(
            {"rtsp_token": "tok?session=9"},
            {"rtsp_port": 8554},
            8554,
            "/snl/live/1/1/tok?session=9",
            id="query-and-port-override",
        ),
    ],
)
async def test_rtsp_url(
    client: ExcelSenseClient,
    camera: EmulatedCamera,
    quirks: dict[str, Any],
    kwargs: dict[str, Any],
    port: int,
    path: str,
) -> None:
    """The configured host and quoted credentials replace the device's view."""
    for key, value in quirks.items():
        setattr(camera.quirks, key, value)
    stream = await client.rtsp_url(**kwargs)
    secret = quote(PASSWORD, safe="")
    assert stream.url == f"rtsp://admin:{secret}@127.0.0.1:{port}{path}"
    assert stream.redacted == f"rtsp://admin:***@127.0.0.1:{port}{path}"
    assert str(stream) == stream.redacted
    for text in (stream.redacted, str(stream), repr(stream)):
        assert_no_password(text)
    request = camera.requests[-1]
    assert (request.path, request.get("type"), request.get("EncoderType")) == (
        "video.cgi",
        "RTSP",
        "H264",
    )
    assert request.get("streamID") == str(kwargs.get("stream_id", 1))


async def test_rtsp_url_uses_device_rtsp_port(
    client: ExcelSenseClient, camera: EmulatedCamera
) -> None:
    """Without an override the port is the one the device reports."""
    await client.set_device_port(rtsp_port=10554)
    assert ":10554/" in (await client.rtsp_url()).url


async def test_rtsp_url_invalid(
    client: ExcelSenseClient, camera: EmulatedCamera, expect_error: ExpectError
) -> None:
    """An RTSP URL that cannot be parsed is a response error."""
    camera.state.ports.values["rtspPort"] = "99999"
    err = await expect_error(ExcelSenseResponseError, client.rtsp_url())
    assert err.message == "Reply to video.cgi is not a valid RTSP URL"


async def test_rtsp_url_ipv6_host(session: aiohttp.ClientSession) -> None:
    """An IPv6 host is bracketed in the authority (no network involved)."""
    client = client_module.ExcelSenseClient(
        host="fd00::5", username="a b", password=PASSWORD, session=session
    )

    async def reply(*_args: object) -> bytes:
        return b"rtsp://10.0.0.5/snl/live/1/1\r\n"

    client._request = reply  # type: ignore[method-assign]
    stream = await client.rtsp_url()
    assert stream.redacted == "rtsp://a%20b:***@[fd00::5]:554/snl/live/1/1"


# ------------------------------------------------------------------ images


@pytest.mark.parametrize("quality", [1, 5, 9])
async def test_snapshot(
    client: ExcelSenseClient, camera: EmulatedCamera, quality: int
) -> None:
    """A snapshot is the device's JPEG at the asked quality."""
    image = await client.snapshot(quality=quality)
    assert image.startswith(JPEG_MAGIC)
    assert image.rstrip(b"\0").endswith(b"\xff\xd9")
    (request,) = camera.requests
    assert (request.path, request.get("quality"), request.get("cameraID")) == (
        "image.cgi",
        str(quality),
        "1",
    )


async def test_open_mjpeg_stream(
    client: ExcelSenseClient, camera: EmulatedCamera
) -> None:
    """The live stream is multipart; its first part is a JPEG frame."""
    response = await client.open_mjpeg_stream(stream_id=2)
    try:
        assert response.status == 200
        assert response.content_type == "multipart/x-mixed-replace"
        reader = aiohttp.MultipartReader.from_response(response)
        part = await reader.next()
        assert isinstance(part, aiohttp.BodyPartReader)
        assert part.headers["Content-Type"] == "image/jpeg"
        assert (await part.read()).startswith(JPEG_MAGIC)
    finally:
        response.close()
    request = camera.requests[-1]
    assert dict(request.params) | {"userName": "-"} == {
        "userName": "-",
        "type": "HTTP",
        "cameraID": "1",
        "streamID": "2",
        "EncoderType": "MJPEG",
        "AudioFlag": "0",
    }


async def test_open_mjpeg_stream_outlives_session_timeout(
    camera: EmulatedCamera, make_client: Callable[..., ExcelSenseClient]
) -> None:
    """A live view is not cut short by the session's total timeout.

    BUG (client.py open_mjpeg_stream): no per-request ``timeout=`` is passed,
    so the caller session's ClientTimeout.total (aiohttp's default 300 s, which
    Home Assistant's shared session keeps) ends every live view after it.
    """
    camera.frame_interval = 0.05
    total = aiohttp.ClientTimeout(total=0.4)
    async with aiohttp.ClientSession(timeout=total) as http:
        response = await make_client(session=http).open_mjpeg_stream()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 0.8
        cut = None
        try:
            while loop.time() < deadline:
                assert await response.content.readany()
        except TimeoutError:
            cut = f"after {loop.time() - deadline + 0.8:.1f} s"
        finally:
            response.close()
    assert cut is None, f"the session's total timeout cut the live stream {cut}"


async def test_open_mjpeg_stream_errors(
    client: ExcelSenseClient,
    camera: EmulatedCamera,
    make_client: Callable[..., ExcelSenseClient],
    monkeypatch: pytest.MonkeyPatch,
    expect_error: ExpectError,
) -> None:
    """Refusals and non-stream replies raise instead of returning a response."""
    wrong = make_client(password="wrong")
    err = await expect_error(ExcelSenseAuthenticationError, wrong.open_mjpeg_stream())
    assert err.code == -508
    camera.inject(Fault("error", code=-23, count=1))
    await expect_error(ExcelSenseInvalidParameterError, client.open_mjpeg_stream())
    _reply_with(monkeypatch, camera, "video.cgi", Reply(b"OK\r\n"))
    err = await expect_error(ExcelSenseResponseError, client.open_mjpeg_stream())
    assert err.message == "Live stream reply is not multipart"


@pytest.mark.parametrize(
    ("fault", "error_type"),
    [
        pytest.param(Fault("truncated"), ExcelSenseConnectionError, id="truncated"),
        pytest.param(Fault("latency", delay=0.5), ExcelSenseTimeoutError, id="latency"),
    ],
)
async def test_open_mjpeg_stream_transport_faults(
    camera: EmulatedCamera,
    make_client: Callable[..., ExcelSenseClient],
    fault: Fault,
    error_type: type[ExcelSenseError],
) -> None:
    """A broken or silent device gives the documented errors for the stream too.

    Regression: the non-multipart body used to be read outside any try
    (aiohttp.ClientPayloadError escaped) and the request had no timeout.
    """
    camera.inject(replace(fault))
    client = make_client(request_timeout=0.2)
    outcome: BaseException | aiohttp.ClientResponse
    try:
        outcome = await client.open_mjpeg_stream()
    except Exception as err:  # noqa: BLE001 - the point is what escapes
        outcome = err
    else:
        outcome.close()
    # Not the repr: a ClientResponse's repr holds the URL, password included.
    documented = isinstance(outcome, error_type)
    assert documented, (
        f"open_mjpeg_stream let {type(outcome).__name__} out "
        f"instead of {error_type.__name__}"
    )


# ------------------------------------------------------------------ alarm output


EFFECTS = {
    AlarmOperation.SELF_CLEAN: "self_clean",
    AlarmOperation.LED_NORMALLY_DISABLED_TOGGLE: "led_normally_disabled_toggle",
    AlarmOperation.LED_SHUTOFF_TOGGLE: "led_shutoff_toggle",
}


@pytest.mark.parametrize(
    ("initial", "operation", "changed"),
    [
        pytest.param(
            AlarmOperation.SELF_CLEAN, AlarmOperation.SELF_CLEAN, False, id="self_clean"
        ),
        pytest.param(
            AlarmOperation.SELF_CLEAN,
            AlarmOperation.LED_NORMALLY_DISABLED_TOGGLE,
            True,
            id="led_normally_disabled",
        ),
        pytest.param(
            AlarmOperation.SELF_CLEAN,
            AlarmOperation.LED_SHUTOFF_TOGGLE,
            True,
            id="led_shutoff",
        ),
        pytest.param(
            # A profile left over from an earlier failed restore.
            AlarmOperation.LED_NORMALLY_DISABLED_TOGGLE,
            AlarmOperation.LED_NORMALLY_DISABLED_TOGGLE,
            False,
            id="led_profile_left_over",
        ),
    ],
)
async def test_run_alarm_operation(
    client: ExcelSenseClient,
    camera: EmulatedCamera,
    initial: AlarmOperation,
    operation: AlarmOperation,
    changed: bool,
) -> None:
    """One complete pulse in the operation's profile, then the self-clean one."""
    values = camera.state.alarm_out.values
    values["alarmTime"] = str(int(initial))
    task = asyncio.create_task(client.run_alarm_operation(operation))
    await asyncio.sleep(0.1)
    assert client.alarm_operation_running
    result = await task
    assert not client.alarm_operation_running
    assert result.operation == operation
    if initial == AlarmOperation.SELF_CLEAN:
        assert result == AlarmOperationResult(
            operation=operation, profile_changed=changed
        )

    (pulse,) = camera.pulses
    assert pulse.profile.time_ms == int(operation)
    assert pulse.profile.is_trigger()
    assert pulse.completed
    assert pulse.effect == EFFECTS[operation]
    assert pulse.end - pulse.start >= operation / 1000
    assert camera.led_normally_disabled == (
        operation == AlarmOperation.LED_NORMALLY_DISABLED_TOGGLE
    )
    assert camera.led_shutoff == (operation == AlarmOperation.LED_SHUTOFF_TOGGLE)
    # The profile is written before the pulse only when it differs.
    pulse_at = next(
        index
        for index, request in enumerate(camera.requests)
        if request.get("controlFlag") == "1"
    )
    written_before = [r for r in camera.requests[:pulse_at] if r.get("action") == "set"]
    assert len(written_before) == int(changed)
    if changed:
        assert len(_alarm_sets(camera)) == 2  # the target, then the restore
    assert camera.is_self_clean_profile(), (
        "run_alarm_operation must leave the output in the self-clean profile even "
        "when the operation's profile was already set before it started"
    )


async def test_alarm_operations_do_not_interleave(
    client: ExcelSenseClient, camera: EmulatedCamera
) -> None:
    """Concurrent operations run one after the other; settled reads wait."""
    first = asyncio.create_task(
        client.run_alarm_operation(AlarmOperation.LED_NORMALLY_DISABLED_TOGGLE)
    )
    await asyncio.sleep(0.05)
    assert client.alarm_operation_running
    second = asyncio.create_task(client.run_alarm_operation(AlarmOperation.SELF_CLEAN))
    settled = asyncio.create_task(client.alarm_out_settled())
    await asyncio.sleep(0.3)
    assert camera.alarm_out_profile().time_ms == 900  # the first one's profile
    assert not settled.done()
    results = await asyncio.gather(first, second, settled)
    assert [r.profile_changed for r in results[:2]] == [True, False]
    assert results[2].profile == SELF_CLEAN_PROFILE
    one, two = camera.pulses
    assert one.end is not None
    assert one.end <= two.start
    assert [p.profile.time_ms for p in (one, two)] == [900, 300]
    assert all(p.completed for p in (one, two))
    assert camera.is_self_clean_profile()


async def test_cancelled_alarm_operation_cleans_up(
    client: ExcelSenseClient, camera: EmulatedCamera
) -> None:
    """Cancelling an operation mid-pulse still ends the pulse and restores.

    Regression: a CancelledError (HA shutdown, entry unload, a caller's
    timeout) used to skip the restore and leave the pulse running.
    """
    task = asyncio.create_task(
        client.run_alarm_operation(AlarmOperation.LED_NORMALLY_DISABLED_TOGGLE)
    )
    await asyncio.sleep(0.3)
    (pulse,) = camera.pulses
    assert pulse.end is None
    assert camera.alarm_out_profile().time_ms == 900
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not client.alarm_operation_running
    for _ in range(30):  # cleanup may finish the pulse first
        if pulse.end is not None and camera.is_self_clean_profile():
            break
        await asyncio.sleep(0.05)
    state = {"pulse ended": pulse.end is not None}
    state["self-clean profile"] = camera.is_self_clean_profile()
    assert state == {"pulse ended": True, "self-clean profile": True}


async def test_manual_alarm(client: ExcelSenseClient, camera: EmulatedCamera) -> None:
    """The low-level calls reach the alarm output directly."""
    await client.manual_alarm(start=True)
    assert camera.pulses[0].end is None
    await client.manual_alarm(start=False)
    assert camera.pulses[0].end is not None
    flags = [r.get("controlFlag") for r in camera.requests]
    assert flags == ["1", "0"]


@pytest.mark.parametrize(
    ("faults", "step", "restored", "pulse"),
    [
        pytest.param(
            [Fault("error", params=ALARM_GET, code=-9)],
            "read_profile",
            True,
            None,
            id="read_profile",
        ),
        pytest.param(
            [Fault("error", params=ALARM_SET, code=-23, count=1)],
            "set_profile",
            True,
            None,
            id="set_profile-refused",
        ),
        pytest.param(
            # count=2: aiohttp resends a GET once when the connection drops.
            [Fault("disconnect", params=ALARM_SET, count=2, apply=True)],
            "set_profile",
            True,
            None,
            id="set_profile-reply-lost",
        ),
        pytest.param(
            [Fault("error", params=PULSE_START, code=-9)],
            "pulse_start",
            True,
            None,
            id="pulse_start-refused",
        ),
        pytest.param(
            [Fault("disconnect", params=PULSE_START, apply=True)],
            "pulse_start",
            True,
            "completed",
            id="pulse_start-reply-lost",
        ),
        pytest.param(
            # The start was carried out but its reply is unusable: not a
            # refusal, so the pulse must still be held and ended.
            [Fault("garbage", params=PULSE_START, apply=True)],
            "pulse_start",
            True,
            "completed",
            id="pulse_start-reply-garbled",
        ),
        pytest.param(
            [
                Fault("disconnect", params=PULSE_START, apply=True),
                Fault("error", params=PULSE_END, code=-9),
            ],
            "pulse_start",
            True,
            "running",
            id="pulse_start-and-end-fail",
        ),
        pytest.param(
            [Fault("error", params=PULSE_END, code=-9)],
            "pulse_end",
            True,
            "running",
            id="pulse_end",
        ),
        pytest.param(
            [Fault("error", params=ALARM_SET, skip=1, code=-9)],
            "restore",
            False,
            "completed",
            id="restore",
        ),
        pytest.param(
            [Fault("error", params=ALARM_SET, skip=1, code=-508)],
            "restore",
            False,
            "completed",
            id="restore-auth",
        ),
        pytest.param(
            [
                Fault("error", params=PULSE_END, code=-9),
                Fault("disconnect", params=ALARM_SET, skip=1),
            ],
            "pulse_end",
            False,
            "running",
            id="pulse_end-and-restore",
        ),
        pytest.param(
            [Fault("error", params=ALARM_SET, skip=1, count=2, code=-9)],
            None,
            True,
            "completed",
            id="restore-retried",
        ),
    ],
)
@pytest.mark.usefixtures("fast_restore")
async def test_alarm_operation_faults(
    client: ExcelSenseClient,
    camera: EmulatedCamera,
    expect_error: ExpectError,
    faults: list[Fault],
    step: str | None,
    restored: bool,
    pulse: str | None,
) -> None:
    """A failing step is named; restore runs anyway and says if it worked."""
    operation = AlarmOperation.LED_NORMALLY_DISABLED_TOGGLE
    if pulse == "running" and step == "pulse_start":
        operation = AlarmOperation.SELF_CLEAN  # nothing to restore: keep it short
    for fault in faults:
        camera.inject(replace(fault))
    if step is None:
        result = await client.run_alarm_operation(operation)
        assert result.profile_changed
        assert len(_alarm_sets(camera)) == 4  # target, two failed restores, restore
    else:
        err = await expect_error(
            ExcelSenseAlarmOperationError, client.run_alarm_operation(operation)
        )
        assert (err.step, err.restored) == (step, restored)
        assert isinstance(err.__cause__, ExcelSenseError)
        assert str(err).startswith(f"Alarm operation failed at {step}: ")
        assert camera.is_self_clean_profile() == restored
    assert not client.alarm_operation_running
    if pulse is None:
        assert camera.pulses == []
    else:
        (only,) = camera.pulses
        assert only.profile.time_ms == int(operation)
        assert (only.end is None) == (pulse == "running"), (
            "a pulse whose start may have reached the device must be ended"
        )
        if pulse == "completed":
            assert only.completed
    if step == "restore" and faults[0].code == -508:
        assert len(_alarm_sets(camera)) == 2  # auth failures are not retried


@pytest.mark.parametrize(
    ("failures", "succeeds"), [(0, True), (2, True), (None, False)]
)
@pytest.mark.usefixtures("fast_restore")
async def test_restore_self_clean_profile(
    client: ExcelSenseClient,
    camera: EmulatedCamera,
    expect_error: ExpectError,
    failures: int | None,
    succeeds: bool,
) -> None:
    """Restoring is retried up to three times."""
    camera.state.alarm_out.values.update(alarmMode="1", alarmTime="1700")
    if failures != 0:
        camera.inject(Fault("error", params=ALARM_SET, code=-9, count=failures))
    if succeeds:
        await client.restore_self_clean_profile()
    else:
        err = await expect_error(
            ExcelSenseResponseError, client.restore_self_clean_profile()
        )
        assert err.code == -9
    assert camera.is_self_clean_profile() == succeeds
    assert len(_alarm_sets(camera)) == ((failures or 0) + 1 if succeeds else 3)
    sent = dict(_alarm_sets(camera)[-1].params)
    assert {k: sent[k] for k in ("alarmOutName", "alarmMode", "alarmOutFrequency")} == {
        "alarmOutName": "selfCleanTrigger",
        "alarmMode": "2",
        "alarmOutFrequency": "5",
    }
