"""Typed models parsed from odd but real-looking replies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from custom_components.excelsense.api import (
    AlarmOperation,
    AlarmOutput,
    AVStream,
    DeviceInfo,
    DevicePort,
    DiskAlarm,
    ExcelSenseResponseError,
    LocalNetwork,
    LogEntry,
    MotionAlarm,
    NTPSettings,
    OSDCanvases,
    RecordDirectories,
    ScheduleDay,
    SelfCleanSchedule,
    StreamAbility,
    StreamUrl,
    kv,
)
from custom_components.excelsense.api.reader import Reader

if TYPE_CHECKING:
    from collections.abc import Callable


def _parse(model: type, body: str, *args: int) -> Any:  # noqa: ANN401
    return model.from_block(kv.parse(body), *args)


@pytest.mark.parametrize(
    ("model", "body", "args", "check"),
    [
        pytest.param(
            DeviceInfo,
            "MACAddress=00:11:22:33:44:55\nproductModel=ToughCam\nchannelNum=\n",
            (),
            lambda m: (not m.self_cleaning, m.channels, m.device_name) == (True, 1, ""),
            id="device_info_defaults",
        ),
        pytest.param(
            LocalNetwork,
            "IPAddress=10.1.1.2\nautoGetIPFlag=0\n",
            (),
            lambda m: (
                [(c.net_card_id, c.ip_address, c.dhcp) for c in m.cards]
                == [(1, "10.1.1.2", False)]
            ),
            id="local_network_without_loop",
        ),
        pytest.param(
            # The spec's Get OSD Canvas example for one canvasID: no loop.
            OSDCanvases,
            "topX=0.000000\ntopY=0.000000\nfontSize=2\nalignMode=0\nOSDInfoCount=1\n"
            "OSDInfoBegin=1\narrowID=0\nOSDEnableFlag=1\nOSDType=4\n"
            "info=YYYY-MM-DDhh:mm:ssww\nOSDInfoEnd=1\n",
            (3,),
            lambda m: (
                m.get(3) is not None
                and m.get(3).infos[0].info == "YYYY-MM-DDhh:mm:ssww"
                and m.get(3).infos[0].blink_interval is None
                and m.get(3).text is None
            ),
            id="osd_canvas_without_loop",
        ),
        pytest.param(
            RecordDirectories,
            "diskName=SD\nenableFlag=1\n",
            (),
            lambda m: (
                [(d.disk_name, d.enabled, d.group_id) for d in m.directories]
                == [("SD", True, 1)]
            ),
            id="record_dir_without_loop",
        ),
        pytest.param(
            RecordDirectories,
            "",
            (),
            lambda m: m.directories == (),
            id="record_dirs_empty",
        ),
        pytest.param(
            AVStream,
            "videoEncoderType=8\nresolution=1920 * 1080\nframeRate=25.0\nquality=\n",
            (1,),
            lambda m: (
                (m.resolution, m.frame_rate, m.quality, m.audio_encoder)
                == ("1920*1080", 25, None, 109)
            ),
            id="av_stream_sloppy",
        ),
        pytest.param(
            StreamAbility,
            "AVStreamBegin=1\nAVStreamEncoderAbilityBegin=1\nstreamEncoderType=1\n"
            "videoResolutionBegin=1\nresolution=640 * 480\nnext_videoResolutionURL=2\n"
            "resolution=\nvideoResolutionEnd=2\nAVStreamEncoderAbilityEnd=1\n"
            "AVStreamEnd=1\n",
            (),
            lambda m: m.get(1).resolutions(1) == ("640*480",),
            id="stream_ability_without_ids",
        ),
        pytest.param(
            # The spec's alarmOut example.
            AlarmOutput,
            "alarmOutID=1\nalarmOutName=runFinish\nalarmValidSignal=1\nalarmMode=2\n"
            "alarmOutFrequency=0.000000\nalarmTime=0\n",
            (),
            lambda m: (
                (m.name, m.profile.frequency, m.profile.time_ms)
                == ("runFinish", 0.0, 0)
            ),
            id="alarm_out_spec_example",
        ),
        pytest.param(
            MotionAlarm,
            "motionDetectionEnableFlag=1\nAlarmLinkageBegin=1\nActionType=4\n"
            "AlarmLinkageEnd=1\nweekDayBegin=1\nweekDay=0\nstartTime1=0\n"
            "endTime1=100\nstartTime2=200\nstartTime3=\nendTime3=\nweekDayEnd=1\n",
            (),
            lambda m: (
                not m.self_clean_on_motion
                and m.linkages[0].action_id == 1
                and m.schedule == (ScheduleDay(weekday=0, periods=((0, 100),)),)
            ),
            id="motion_alarm_partial_periods",
        ),
        pytest.param(
            DiskAlarm,
            "diskFullAlarmCheckFlag=0\n",
            (),
            lambda m: (m.disk_full, m.alarm_interval, m.linkages) == (False, 10, ()),
            id="disk_alarm_defaults",
        ),
        pytest.param(
            SelfCleanSchedule,
            "TimedSelfClean=1\nTimeOneHours=5\n",
            (),
            lambda m: (
                (m.timed, m.scheduled, m.interval, m.times)
                == (True, False, 60, ((5, 0),))
            ),
            id="self_clean_one_time",
        ),
        pytest.param(
            LogEntry,
            "majorType=\nminorType=3\nlogData=x\n",
            (),
            lambda m: (
                (m.time, m.major_type, m.minor_type, m.fields["logData"])
                == ("", None, 3, "x")
            ),
            id="log_entry_without_time",
        ),
    ],
)
def test_models(
    model: type, body: str, args: tuple[int, ...], check: Callable[[Any], bool]
) -> None:
    """Missing optional keys get defaults; loops may be left out; raw is kept."""
    parsed = _parse(model, body, *args)
    assert check(parsed), parsed
    if hasattr(parsed, "raw"):
        assert parsed.raw == kv.parse(body).as_dict()


@pytest.mark.parametrize(
    ("model", "body", "message"),
    [
        (DeviceInfo, "deviceID=1\n", "Malformed deviceInfo reply: MACAddress missing"),
        (
            DevicePort,
            "rtspPort=\n",
            "Malformed devicePort reply: rtspPort is not a whole number",
        ),
        (
            DevicePort,
            "rtspPort=x\n",
            "Malformed devicePort reply: rtspPort is not a whole number",
        ),
        (
            DevicePort,
            "rtspPort=\uff15\uff15\uff14\n",  # full-width digits: not ASCII
            "Malformed devicePort reply: rtspPort is not a whole number",
        ),
        (
            DevicePort,
            "rtspPort=554.5\n",
            "Malformed devicePort reply: rtspPort is not a whole number",
        ),
        (NTPSettings, "NTPIP=1.2.3.4\n", "Malformed NTP reply: enableFlag missing"),
        (
            AlarmOutput,
            "alarmValidSignal=1\nalarmMode=2\nalarmOutFrequency=5Hz\nalarmTime=300\n",
            "Malformed alarmOut reply: alarmOutFrequency is not a number",
        ),
        (
            LocalNetwork,
            "localNetworkBegin=1\nnetCardId=1\nlocalNetworkEnd=1\n",
            "Malformed localNetwork reply: IPAddress missing",
        ),
        (
            StreamAbility,
            "AVStreamBegin=1\nAVStreamEncoderAbilityBegin=1\nstreamEncoderType=H265\n",
            "Malformed streamAbility reply: streamEncoderType is not a whole number",
        ),
    ],
)
def test_malformed_replies(model: type, body: str, message: str) -> None:
    """A missing or non-numeric required key is a response error without code."""
    with pytest.raises(ExcelSenseResponseError) as info:
        _parse(model, body)
    assert (info.value.code, info.value.message) == (None, message)


def test_reader_number() -> None:
    """Decimal values: default when the key is absent, error when unreadable.

    An empty value is not a default: the entity showing it is unavailable.
    """
    reader = Reader(kv.parse("a=2.5\nb=\nc=x\nd=\u0663\ne=1_0\nf=nan\n"), "test")
    assert reader.number("a") == 2.5
    assert reader.number("missing", 0.5) == 0.5
    for key in "bcdef":
        with pytest.raises(ExcelSenseResponseError, match=f"{key} is not a number"):
            reader.number(key, 1.0)
    with pytest.raises(ExcelSenseResponseError, match="missing missing"):
        reader.number("missing")


@pytest.mark.parametrize("text", ["1", "0", "true", "FALSE", " 1 "])
def test_reader_flag_reads_what_cameras_send(text: str) -> None:
    """Flags: 1/0, and true/false as the vendor's change_timeout.py writes them."""
    reader = Reader(kv.parse(f"f={text}\n"), "test")
    assert reader.flag("f") is (text.strip().casefold() in ("1", "true"))


@pytest.mark.parametrize("text", ["", "\uff11", "yes please", "1_0"])
def test_reader_flag_refuses_what_it_cannot_read(text: str) -> None:
    """An empty or unreadable flag is no default."""
    reader = Reader(kv.parse(f"f={text}\n"), "test")
    with pytest.raises(ExcelSenseResponseError, match="f is not a flag"):
        reader.flag("f", default=False)


def test_alarm_operation_profiles_and_stream_url() -> None:
    """Operations differ only in alarmTime; a stream URL prints redacted."""
    profiles = [operation.profile for operation in AlarmOperation]
    assert [p.time_ms for p in profiles] == [300, 900, 1700]
    assert {(p.valid_signal, p.mode, p.frequency) for p in profiles} == {(1, 2, 5.0)}
    url = StreamUrl(url="rtsp://u:secret@h/x", redacted="rtsp://u:***@h/x")
    assert str(url) == "rtsp://u:***@h/x"
    assert "secret" not in repr(url)


def test_schedule_keys_in_another_case_are_read() -> None:
    """A schedule day's keys in any case are read, and nothing is left unread.

    Keys are matched in any case everywhere (``KVBlock.get``); a day whose
    times were all read may be sent back.
    """
    day = ScheduleDay.from_block(
        kv.parse("WeekDay=2\nStartTime1=0\nENDTIME1=86400\nstartTime2=\nendTime2=\n")
    )
    assert day.periods == ((0, 86400),)
    assert day.unread == ()
    half = ScheduleDay.from_block(kv.parse("weekDay=2\nstartTime1=0\n"))
    assert half.unread == ("startTime1",)
