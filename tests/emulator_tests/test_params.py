"""Get/set types: persistence, validation, dispatch errors, time, logs, reset."""

from __future__ import annotations

import aiohttp
import pytest

from tests.emulator import EmulatedCamera, ManualClock
from tests.emulator.device import FORBIDDEN_CHARS

from .conftest import Api

# Selector parameters each type needs on set (and on get where the spec says so).
BASE: dict[str, dict[str, str]] = {
    "cameraInfo": {"cameraID": "1"},
    "localNetwork": {"netCardId": "1", "IPProtoVer": "1"},
    "NTP": {"IPProtoVer": "1"},
    "OSD": {"cameraID": "1"},
    "AVStream": {"cameraID": "1", "streamID": "1"},
    "recordPolicy": {"cameraID": "1", "StreamId": "1", "DiskGroupId": "1"},
    "recordDirInfo": {"diskId": "2"},
    "alarmOut": {"alarmOutID": "1"},
    "motionAlarm": {"cameraID": "1"},
    "diskAlarm": {"alarmInID": "1"},
}
GET_SELECTORS: dict[str, dict[str, str]] = {
    "deviceName": {},
    "localNetwork": {"IPProtoVer": "1"},
    "OSD": {"cameraID": "1"},
    "AVStream": {"cameraID": "1", "streamID": "1"},
    "recordPolicy": {"cameraID": "1"},
    "recordDirInfo": {"diskId": "2"},
    "alarmOut": {"alarmOutID": "1"},
    "motionAlarm": {"cameraID": "1"},
    "diskAlarm": {"alarmInID": "1"},
}
SENSOR = "sensor.cgi"

# (type, cgi, values set, values a get answers afterwards)
PERSISTENCE: list[tuple[str, str, dict[str, str], dict[str, str]]] = [
    (
        "deviceName",
        "param.cgi",
        {"deviceName": "Garage cam"},
        {"deviceName": "Garage cam"},
    ),
    ("cameraInfo", "param.cgi", {"cameraName": "Front"}, {"cameraName": "Front"}),
    (
        "localNetwork",
        "param.cgi",
        {
            "IPAddress": "192.168.32.21",
            "subNetmask": "255.255.255.0",
            "subGetway": "192.168.32.1",
            "preferredDNS": "128.0.0.1",
            "alternateDNS": "",
            "autoGetIPFlag": "0",
        },
        {
            "IPAddress": "192.168.32.21",
            "subGetway": "192.168.32.1",
            "preferredDNS": "128.0.0.1",
            "autoGetIPFlag": "0",
        },
    ),
    (
        "devicePort",
        "param.cgi",
        {"controlPort": "30002", "rtspPort": "8554", "rtmpPort": "1935"},
        {"controlPort": "30002", "rtspPort": "8554", "rtmpPort": "1935"},
    ),
    (
        "timeZone",
        "param.cgi",
        {
            "timeZone": "85",
            "DSTOpenFlag": "1",
            "beginMonth": "3",
            "beginWeekly": "1",
            "beginWeekDays": "1",
            "beginTime": "600",
            "endMonth": "10",
            "endWeekly": "2",
            "endWeekDays": "0",
            "endTime": "1200",
        },
        {"DSTOpenFlag": "1", "beginWeekly": "1", "beginTime": "600", "endTime": "1200"},
    ),
    (
        "NTP",
        "param.cgi",
        {
            "enableFlag": "0",
            "NTPIP": "10.0.0.1",
            "NTPPort": "70000",
            "NTPCheckTime": "600",
        },
        {
            "enableFlag": "0",
            "NTPIP": "10.0.0.1",
            "NTPPort": "65535",
            "NTPCheckTime": "600",
        },
    ),
    (
        "OSD",
        "param.cgi",
        {
            "fontColor": "7",
            "inverseFlag": "1",
            "alpha": "2",
            "WeekFlag": "0",
            "TwelveHoursFlag": "1",
        },
        {
            "fontColor": "7",
            "inverseFlag": "1",
            "alpha": "2",
            "WeekFlag": "0",
            "TwelveHoursFlag": "1",
        },
    ),
    (
        "AVStream",
        "param.cgi",
        {
            "streamName": "main",
            "videoEncoderType": "1",
            "audioEncoderType": "108",
            "resolution": "1280*720",
            "frameRate": "25",
            "iFrameInterval": "25",
            "bitRateType": "2",
            "bitRate": "2048",
            "quality": "6",
        },
        {
            "streamName": "main",
            "videoEncoderType": "1",
            "resolution": "1280*720",
            "frameRate": "25",
            "quality": "6",
        },
    ),
    (
        "recordPolicy",
        "param.cgi",
        {
            "RecordOpenFlag": "1",
            "SaveDays": "30",
            "AudioOpenFlag": "0",
            "weekDayBegin": "1",
            "weekDay": "2",
            "startTime1": "0",
            "endTime1": "86400",
            "weekDayEnd": "1",
            "scheduleTimeAction": "cover",
        },
        {
            "RecordOpenFlag": "1",
            "SaveDays": "30",
            "AudioOpenFlag": "0",
            "cameraID": "1",
        },
    ),
    (
        "recordDirInfo",
        "param.cgi",
        {"diskName": "USB1", "enableFlag": "1", "alarmThreshold": "80", "groupID": "2"},
        {"diskName": "USB1", "enableFlag": "1", "alarmThreshold": "80", "groupID": "2"},
    ),
    (
        "alarmOut",
        "param.cgi",
        {
            "alarmOutName": "ledToggle",
            "alarmMode": "1",
            "alarmOutFrequency": "2.5",
            "alarmTime": "900",
        },
        {
            "alarmOutID": "1",
            "alarmOutName": "ledToggle",
            "alarmMode": "1",
            "alarmOutFrequency": "2.500000",
        },
    ),
    (
        "motionAlarm",
        "param.cgi",
        {
            "motionDetectionEnableFlag": "1",
            "alarmInterval": "1800",
            "sensitivity": "10",
        },
        {
            "motionDetectionEnableFlag": "1",
            "alarmInterval": "1800",
            "sensitivity": "10",
        },
    ),
    (
        "diskAlarm",
        "param.cgi",
        {
            "diskFullAlarmCheckFlag": "0",
            "NoDiskAlarmEnableFlag": "1",
            "AlarmInterval": "86400",
        },
        {
            "diskFullAlarmCheckFlag": "0",
            "NoDiskAlarmEnableFlag": "1",
            "AlarmInterval": "86400",
        },
    ),
    (
        "protocolSecurity",
        "param.cgi",
        {"protocolSecurityFlag": "0"},
        {"protocolSecurityFlag": "0"},
    ),
    (
        "IOAlarm",
        "param.cgi",
        {
            "TimedSelfClean": "1",
            "TimeInterval": "1440",
            "TimeOneHours": "23",
            "TimeThreeMinutes": "59",
        },
        {
            "TimedSelfClean": "true",
            "TimeInterval": "1440",
            "TimeOneHours": "23",
            "TimeThreeMinutes": "59",
        },
    ),
    ("brightness", SENSOR, {"value": "0"}, {"value": "0"}),
    ("contrast", SENSOR, {"value": "100"}, {"value": "100"}),
    ("hue", SENSOR, {"value": "12"}, {"value": "12"}),
    ("saturation", SENSOR, {"value": "99"}, {"value": "99"}),
    ("sharpness", SENSOR, {"value": "1"}, {"value": "1"}),
    (
        "mirror",
        SENSOR,
        {"vertical": "1", "horizontal": "1"},
        {"vertical": "1", "horizontal": "1"},
    ),
]
LOOP_WRAPPED = {"localNetwork": "localNetwork", "recordDirInfo": "recordDirInfo"}


@pytest.mark.parametrize(
    ("type_", "cgi", "values", "expected"),
    PERSISTENCE,
    ids=[row[0] for row in PERSISTENCE],
)
async def test_set_then_get_persists(
    api: Api, type_: str, cgi: str, values: dict[str, str], expected: dict[str, str]
) -> None:
    """Every settable type keeps what a set wrote."""
    await api.set(type_, cgi, **BASE.get(type_, {}), **values)
    get_type = "deviceInfo" if type_ == "deviceName" else type_
    node = await api.get(get_type, cgi, **GET_SELECTORS.get(type_, {}))
    if type_ in LOOP_WRAPPED:
        entries = node.loop(LOOP_WRAPPED[type_])
        assert entries is not None
        assert len(entries) == 1
        node = entries[0]
    answered = node.first()
    for key, value in expected.items():
        assert answered[key] == value, key


async def test_avstream_quality_only_for_vbr(api: Api, cam: EmulatedCamera) -> None:
    """Quality is answered only when bitRateType=2 (VBR)."""
    assert (await api.get("AVStream", cameraID="1", streamID="1")).get("quality") == "9"
    assert (await api.get("AVStream", cameraID="1", streamID="3")).get(
        "quality"
    ) is None
    await api.set("AVStream", cameraID="1", streamID="1", bitRateType="1")
    assert (await api.get("AVStream", cameraID="1", streamID="1")).get(
        "quality"
    ) is None
    assert cam.state.streams[1].values["bitRateType"] == "1"


async def test_read_only_types(api: Api) -> None:
    """deviceInfo, protocolInfo, deviceDiskInfo answer the spec's example data."""
    info = (await api.get("deviceInfo")).first()
    assert info["deviceID"] == "159356"
    assert info["softwareVer"] == "v3.6.1607.1006.272.0.7.4.26"
    assert (await api.get("protocolInfo")).get("protocolName") == "ONVIF"
    disks = (await api.get("deviceDiskInfo")).loop("diskInfo")
    assert disks is not None
    assert [disk.first() for disk in disks] == [
        {
            "diskID": "1",
            "diskTotalSize": "14912",
            "diskFreeSize": "64",
            "diskStatus": "1",
        },
        {"diskID": "2", "diskTotalSize": "0", "diskFreeSize": "0", "diskStatus": "0"},
    ]
    for type_ in ("deviceInfo", "protocolInfo", "deviceDiskInfo", "streamAbility"):
        assert await api.set_code(type_) == -23


async def test_record_dirs_all_disks(api: Api) -> None:
    """Without diskId both disks are listed, separated by recordDirInfoNextURL."""
    text = await api.text("param.cgi", {"action": "get", "type": "recordDirInfo"})
    assert "recordDirInfoNextURL=2" in text.splitlines()
    assert "recordDirInfoEnd=2" in text.splitlines()


INVALID: list[tuple[str, str, dict[str, str]]] = [
    ("deviceName", "param.cgi", {}),
    ("cameraInfo", "param.cgi", {"cameraID": "2", "cameraName": "x"}),
    ("cameraInfo", "param.cgi", {"cameraName": "x", "cameraID": ""}),
    (
        "localNetwork",
        "param.cgi",
        {"netCardId": "1", "IPProtoVer": "1", "IPAddress": "999.1.1.1"},
    ),
    (
        "localNetwork",
        "param.cgi",
        {"netCardId": "1", "IPProtoVer": "1", "subNetmask": "255.0.255.0"},
    ),
    (
        "localNetwork",
        "param.cgi",
        {"netCardId": "1", "IPProtoVer": "2", "IPAddress": "10.0.0.2"},
    ),
    ("localNetwork", "param.cgi", {"netCardId": "2", "IPProtoVer": "1"}),
    ("localNetwork", "param.cgi", {"IPProtoVer": "1", "autoGetIPFlag": "1"}),
    (
        "localNetwork",
        "param.cgi",
        {"netCardId": "1", "IPProtoVer": "1", "autoGetIPFlag": "2"},
    ),
    # Ports are "unsigned short".
    ("devicePort", "param.cgi", {"rtspPort": "-1"}),
    ("devicePort", "param.cgi", {"httpPort": "65536"}),
    ("devicePort", "param.cgi", {"rtmpPort": "abc"}),
    ("timeZone", "param.cgi", {"timeZone": "301"}),
    ("timeZone", "param.cgi", {"DSTOpenFlag": "2"}),
    ("timeZone", "param.cgi", {"beginMonth": "13"}),
    ("timeZone", "param.cgi", {"endWeekly": "0"}),
    ("timeZone", "param.cgi", {"beginWeekDays": "7"}),
    ("timeZone", "param.cgi", {"beginTime": "45"}),
    ("timeZone", "param.cgi", {"endTime": "1440"}),
    ("NTP", "param.cgi", {"enableFlag": "1"}),
    ("NTP", "param.cgi", {"IPProtoVer": "1", "NTPIP": "pool.ntp.org"}),
    ("NTP", "param.cgi", {"IPProtoVer": "1", "NTPPort": "-1"}),
    ("NTP", "param.cgi", {"IPProtoVer": "1", "enableFlag": "yes"}),
    ("OSD", "param.cgi", {"fontColor": "1"}),
    ("OSD", "param.cgi", {"cameraID": "1", "fontColor": "10"}),
    ("OSD", "param.cgi", {"cameraID": "1", "alpha": "0"}),
    ("OSD", "param.cgi", {"cameraID": "1", "alpha": "5"}),
    ("OSD", "param.cgi", {"cameraID": "1", "inverseFlag": "2"}),
    ("AVStream", "param.cgi", {"cameraID": "1", "frameRate": "10"}),
    ("AVStream", "param.cgi", {"cameraID": "1", "streamID": "4"}),
    ("AVStream", "param.cgi", {"cameraID": "1", "streamID": "1", "frameRate": "0"}),
    ("AVStream", "param.cgi", {"cameraID": "1", "streamID": "1", "frameRate": "31"}),
    (
        "AVStream",
        "param.cgi",
        {"cameraID": "1", "streamID": "1", "iFrameInterval": "46"},
    ),
    ("AVStream", "param.cgi", {"cameraID": "1", "streamID": "1", "bitRate": "31"}),
    ("AVStream", "param.cgi", {"cameraID": "1", "streamID": "1", "bitRate": "8193"}),
    ("AVStream", "param.cgi", {"cameraID": "1", "streamID": "1", "bitRateType": "3"}),
    ("AVStream", "param.cgi", {"cameraID": "1", "streamID": "1", "quality": "10"}),
    (
        "AVStream",
        "param.cgi",
        {"cameraID": "1", "streamID": "1", "audioEncoderType": "104"},
    ),
    (
        "AVStream",
        "param.cgi",
        {"cameraID": "1", "streamID": "1", "videoEncoderType": "3"},
    ),
    (
        "AVStream",
        "param.cgi",
        {"cameraID": "1", "streamID": "1", "resolution": "1234*567"},
    ),
    (
        "AVStream",
        "param.cgi",
        {"cameraID": "1", "streamID": "1", "resolution": "full-hd"},
    ),
    (
        "AVStream",
        "param.cgi",
        {"cameraID": "1", "streamID": "3", "videoEncoderType": "8"},
    ),
    ("recordPolicy", "param.cgi", {"cameraID": "1", "DiskGroupId": "1"}),
    ("recordPolicy", "param.cgi", {"cameraID": "1", "StreamId": "1"}),
    # "weekDayBegin int Schedule loop start flag (required on set)."
    (
        "recordPolicy",
        "param.cgi",
        {"cameraID": "1", "StreamId": "1", "DiskGroupId": "1", "SaveDays": "3"},
    ),
    # "DiskGroupId ... Must match record directory group."
    (
        "recordPolicy",
        "param.cgi",
        {
            "cameraID": "1",
            "StreamId": "1",
            "DiskGroupId": "5",
            "weekDayBegin": "1",
            "weekDay": "2",
            "startTime1": "0",
            "endTime1": "86400",
            "weekDayEnd": "1",
        },
    ),
    ("recordDirInfo", "param.cgi", {"diskName": "x"}),
    ("recordDirInfo", "param.cgi", {"diskId": "3"}),
    ("recordDirInfo", "param.cgi", {"diskId": "1", "alarmThreshold": "101"}),
    ("alarmOut", "param.cgi", {"alarmOutID": "2", "alarmTime": "300"}),
    ("alarmOut", "param.cgi", {"alarmMode": "3"}),
    ("alarmOut", "param.cgi", {"alarmValidSignal": "2"}),
    ("alarmOut", "param.cgi", {"alarmOutFrequency": "fast"}),
    ("alarmOut", "param.cgi", {"alarmTime": "-1"}),
    ("motionAlarm", "param.cgi", {"sensitivity": "5"}),
    ("motionAlarm", "param.cgi", {"cameraID": "1", "alarmInterval": "0"}),
    ("motionAlarm", "param.cgi", {"cameraID": "1", "alarmInterval": "1801"}),
    ("motionAlarm", "param.cgi", {"cameraID": "1", "sensitivity": "11"}),
    ("motionAlarm", "param.cgi", {"cameraID": "1", "motionDetectionEnableFlag": "on"}),
    ("diskAlarm", "param.cgi", {"AlarmInterval": "60"}),
    ("diskAlarm", "param.cgi", {"alarmInID": "1", "AlarmInterval": "9"}),
    ("diskAlarm", "param.cgi", {"alarmInID": "1", "AlarmInterval": "86401"}),
    ("protocolSecurity", "param.cgi", {"protocolSecurityFlag": "2"}),
    ("IOAlarm", "param.cgi", {"TimeInterval": "0"}),
    ("IOAlarm", "param.cgi", {"TimeInterval": "1441"}),
    ("IOAlarm", "param.cgi", {"TimeOneHours": "8.5"}),
    ("IOAlarm", "param.cgi", {"ScheduledSelfClean": "2"}),
    ("IOAlarm", "param.cgi", {"TimedSelfClean": "yes"}),
    ("brightness", SENSOR, {}),
    ("contrast", SENSOR, {"value": "101"}),
    ("hue", SENSOR, {"value": "-1"}),
    ("sharpness", SENSOR, {"value": "1.5"}),
    ("mirror", SENSOR, {"vertical": "2"}),
    (
        "dateTime",
        "param.cgi",
        {
            "year": "2024",
            "month": "2",
            "day": "30",
            "hour": "1",
            "minute": "0",
            "second": "0",
        },
    ),
    (
        "dateTime",
        "param.cgi",
        {
            "year": "2024",
            "month": "13",
            "day": "1",
            "hour": "1",
            "minute": "0",
            "second": "0",
        },
    ),
    (
        "dateTime",
        "param.cgi",
        {
            "year": "2024",
            "month": "1",
            "day": "1",
            "hour": "24",
            "minute": "0",
            "second": "0",
        },
    ),
    (
        "dateTime",
        "param.cgi",
        {"year": "2024", "month": "1", "day": "1", "hour": "1", "minute": "0"},
    ),
]


@pytest.mark.parametrize(("type_", "cgi", "params"), INVALID)
async def test_invalid_set_answers_23(
    api: Api, cam: EmulatedCamera, type_: str, cgi: str, params: dict[str, str]
) -> None:
    """Missing, out-of-range and malformed parameters answer -23 and change nothing."""
    before = repr(cam.state)
    assert await api.set_code(type_, cgi, **params) == -23
    assert repr(cam.state) == before


@pytest.mark.parametrize("char", sorted(FORBIDDEN_CHARS))
async def test_forbidden_characters(api: Api, cam: EmulatedCamera, char: str) -> None:
    r"""The deviceName "Disallows: ` < > % & \ " / , ' ; =", and only it.

    The document states the rule for deviceName and the OSD text watermark;
    camera and stream names carry no such rule, so the device takes them.
    """
    assert await api.set_code("deviceName", deviceName=f"cam{char}1") == -23
    await api.set("cameraInfo", cameraID="1", cameraName=f"x{char}")
    assert cam.state.camera_info.values["cameraName"] == f"x{char}"
    await api.set("AVStream", cameraID="1", streamID="1", streamName=f"s{char}")
    assert cam.state.streams[1].values["streamName"] == f"s{char}"


async def test_names_have_no_length_limit_and_may_be_empty(
    api: Api, cam: EmulatedCamera
) -> None:
    """No length limit is documented; the example answers "deviceName=" (empty)."""
    await api.set("deviceName", deviceName="Gate " + "x" * 100)
    assert len(cam.state.device_info.values["deviceName"]) > 100
    await api.set("deviceName", deviceName="")
    assert (await api.get("deviceInfo")).get("deviceName") == ""
    await api.set("cameraInfo", cameraID="1", cameraName="Bob's cam, north")
    assert cam.state.camera_info.values["cameraName"] == "Bob's cam, north"


async def test_device_port_reports_the_served_port(
    api: Api, cam: EmulatedCamera
) -> None:
    """The devicePort httpPort is the port the device really answers on."""
    assert (await api.get("devicePort")).get("httpPort") == str(cam.port)


@pytest.mark.parametrize(
    ("cgi", "params", "code"),
    [
        ("param.cgi", {"action": "get", "type": "bogus"}, -22),
        ("param.cgi", {"action": "set", "type": "bogus"}, -22),
        ("param.cgi", {"action": "get"}, -22),
        ("param.cgi", {"action": "get", "type": "brightness"}, -22),
        ("sensor.cgi", {"action": "get", "type": "deviceInfo"}, -22),
        ("video.cgi", {"type": "RTMP", "streamID": "1", "EncoderType": "H264"}, -22),
        ("param.cgi", {"action": "delete", "type": "NTP"}, -23),
        ("param.cgi", {"type": "NTP"}, -23),
        ("param.cgi", {"action": "get", "type": "deviceName"}, -23),
        ("param.cgi", {"action": "get", "type": "deviceinfo"}, -22),
        ("operate.cgi", {"action": "explode"}, -23),
        ("alarm.cgi", {"action": "trigger"}, -23),
        ("alarm.cgi", {}, -23),
        ("config.cgi", {"action": "get"}, -21),
    ],
)
async def test_dispatch_errors(
    api: Api, cgi: str, params: dict[str, str], code: int
) -> None:
    """Unknown types -22, unknown actions -23, unknown CGI programs -21."""
    assert await api.code(cgi, params) == code


async def test_unknown_cgi_needs_no_login(api: Api) -> None:
    """The CGI name is checked before the credentials."""
    status, _, body = await api.raw("nothing.cgi", auth=False)
    assert status == 200
    # The document's form: "error，return=%d", a full-width comma.
    assert body == "error\uff0creturn=-21\n".encode()


async def test_ok_reply_format(api: Api) -> None:
    """A successful set answers exactly OK, text/plain without charset."""
    status, headers, body = await api.raw(
        "param.cgi",
        {"action": "set", "type": "protocolSecurity", "protocolSecurityFlag": "1"},
    )
    assert status == 200
    assert headers["Content-Type"] == "text/plain"
    assert body == b"OK\n"


async def test_date_time(api: Api, cam: EmulatedCamera, clock: ManualClock) -> None:
    """Setting the clock shifts the device time; it then runs with the clock."""
    await api.set(
        "dateTime",
        year="2030",
        month="2",
        day="28",
        hour="23",
        minute="59",
        second="58",
    )
    first = (await api.get("dateTime")).first()
    assert first == {
        "year": "2030",
        "month": "2",
        "day": "28",
        "hour": "23",
        "minute": "59",
        "second": "58",
    }
    clock.advance(3)
    later = (await api.get("dateTime")).first()
    assert (later["month"], later["day"], later["hour"], later["second"]) == (
        "3",
        "1",
        "0",
        "1",
    )
    assert cam.state.clock_offset != 0


async def test_io_alarm_only_on_tougheye(
    session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    """The vendor IOAlarm type exists on the ToughEye only."""
    async with (
        EmulatedCamera(model="ToughCam-1000") as toughcam,
        EmulatedCamera() as tougheye,
    ):
        cam_api, eye_api = Api(session, toughcam), Api(session, tougheye)
        assert (await cam_api.get("deviceInfo")).get("productModel") == "ToughCam"
        assert (
            await cam_api.code("param.cgi", {"action": "get", "type": "IOAlarm"}) == -22
        )
        assert await cam_api.set_code("IOAlarm", TimedSelfClean="1") == -22
        node = await eye_api.get("IOAlarm")
        # Booleans in the vendor's change_timeout.py form.
        assert node.first() == {
            "ScheduledSelfClean": "false",
            "TimedSelfClean": "false",
            "TimeInterval": "60",
            "TimeOneHours": "8",
            "TimeOneMinutes": "0",
            "TimeTwoHours": "12",
            "TimeTwoMinutes": "0",
            "TimeThreeHours": "18",
            "TimeThreeMinutes": "0",
        }


def test_unknown_model_rejected() -> None:
    """Only the two products exist."""
    with pytest.raises(ValueError, match="unknown model"):
        EmulatedCamera(model="ToughCam-2000")


async def test_logs(api: Api, cam: EmulatedCamera, clock: ManualClock) -> None:
    """The device logs boot and set changes (system) and pulses (alarm), filterable."""
    await api.set("NTP", IPProtoVer="1", enableFlag="0")
    window = {"startTime": "20000101000000", "endTime": "20991231235959"}
    node = await api.get("systemLogInfo", logType="-1", **window)
    assert node.get("SystemLogInfoCount") == "2"
    entries = node.loop("SystemLogInfo")
    assert entries is not None
    assert [entry.get("logData") for entry in entries] == ["Boot", "Set NTP"]
    assert entries[1].get("userName") == "admin"
    assert entries[1].get("newParamInfo") == "enableFlag:0"
    only_sets = (await api.get("systemLogInfo", logType="2", **window)).loop(
        "SystemLogInfo"
    )
    assert only_sets is not None
    assert len(only_sets) == 1
    none = await api.get(
        "systemLogInfo",
        logType="-1",
        startTime="19710101000000",
        endTime="19710102000000",
    )
    assert none.get("SystemLogInfoCount") == "0"
    assert none.loop("SystemLogInfo") is None
    await api.text(
        "alarm.cgi", {"action": "manualControl", "alarmOutID": "1", "controlFlag": "1"}
    )
    clock.advance(0.3)
    await api.text(
        "alarm.cgi", {"action": "manualControl", "alarmOutID": "1", "controlFlag": "0"}
    )
    alarms = (await api.get("alarmLogInfo", logType="-1", **window)).loop(
        "AlarmLogInfo"
    )
    assert alarms is not None
    assert alarms[0].get("description") == "self_clean"
    assert alarms[0].get("alarmEndTime")
    assert len(cam.alarm_logs) == 1
    for bad in (
        {"startTime": "2020", "endTime": "20991231235959", "logType": "-1"},
        {**window},
        {**window, "logType": "x"},
    ):
        assert (
            await api.code(
                "param.cgi", {"action": "get", "type": "systemLogInfo", **bad}
            )
            == -23
        )


async def test_reset_restores_defaults(
    api: Api, cam: EmulatedCamera, session: aiohttp.ClientSession
) -> None:
    """Factory reset restores settings and users; the state object stays the same."""
    state = cam.state
    await api.set("deviceName", deviceName="changed")
    await api.set("alarmOut", alarmTime="900")
    await api.text(
        "param.cgi",
        {
            "action": "add",
            "type": "User",
            "newuser": "u",
            "newpasswd": "p",
            "group": "Users",
        },
    )
    assert (await api.text("operate.cgi", {"action": "reset"})).strip() == "OK"
    assert cam.state is state
    assert state.device_info.values["deviceName"] == ""
    assert cam.is_self_clean_profile()
    assert set(state.users) == {"admin"}
    assert [entry.fields["logData"] for entry in cam.system_logs][-2:] == [
        "FactoryReset",
        "Boot",
    ]


async def test_restart_downtime(
    api: Api, cam: EmulatedCamera, clock: ManualClock
) -> None:
    """After restart the device drops connections for restart_downtime seconds."""
    cam.restart_downtime = 5.0
    assert (await api.text("operate.cgi", {"action": "restart"})).strip() == "OK"
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await api.get("deviceInfo")
    assert cam.requests[-1].fault == "restart"
    assert cam.requests[-1].status is None
    clock.advance(5.0)
    assert (await api.get("deviceInfo")).get("productModel") == "ToughEye"
