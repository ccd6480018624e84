"""Setters: what a set sends, and what the next get reads."""

from __future__ import annotations

from copy import deepcopy
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from custom_components.excelsense.api import (
    AlarmOperation,
    ExcelSenseAuthenticationError,
    ExcelSenseConnectionError,
    ExcelSensePermissionError,
    ExcelSenseResponseError,
    ImageSetting,
    VideoEncoder,
)
from tests.emulator import Fault

from .conftest import ExpectError, assert_no_password

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

    from custom_components.excelsense.api import ExcelSenseClient
    from tests.emulator import DeviceState, EmulatedCamera

    Call = Callable[[ExcelSenseClient], Coroutine[Any, Any, Any]]
from .helpers import (
    AREA,
    CANVAS,
    MONDAY,
    RECORD_LINK,
    SCHEDULE,
    SELF_CLEAN_LINK,
    ZONE,
)

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
        lambda c: c.set_device_port(control_port=30002, rtsp_port=8554, rtmp_port=1935),
        lambda c: c.device_port(),
        lambda m: (m.control_port, m.rtsp_port, m.rtmp_port) == (30002, 8554, 1935),
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
        lambda s: [i["info"] for i in s.osd_canvases[1].loops["OSDInfo"]] == ["Gate 3"],
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
            SCHEDULE, timed=True, interval=30, scheduled=True, times=[(6, 30), (20, 15)]
        ),
        lambda c: c.self_clean_schedule(),
        lambda m: (
            (m.timed, m.interval, m.scheduled, m.times[:2])
            == (True, 30, True, ((6, 30), (20, 15)))
        ),
        "IOAlarm",
        lambda s: (
            (s.io_alarm.values["TimeTwoMinutes"], s.io_alarm.values["TimedSelfClean"])
            == ("15", "true")
        ),
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


async def test_record_policy_resends_its_schedule(
    client: ExcelSenseClient, camera: EmulatedCamera
) -> None:
    """A recordPolicy set carries the current schedule with scheduleTimeAction=cover.

    The document: "weekDayBegin int Schedule loop start flag (required on set)",
    and of scheduleTimeAction "Default is add if omitted".
    """
    current = await client.record_policy()
    assert len(current.schedule) == 7
    await client.set_record_policy(current, save_days=30)
    request = camera.requests[-1]
    assert request.status == 200
    keys = [key for key, _ in request.params]
    assert keys.count("weekDay") == 7
    assert keys.index("weekDayBegin") < keys.index("weekDayEnd")
    assert request.get("weekDayEnd") == "7"
    assert request.get("scheduleTimeAction") == "cover"
    # Sent whole, as the document's example is.
    assert {
        k: request.get(k) for k in ("RecordOpenFlag", "SaveDays", "AudioOpenFlag")
    } == {
        "RecordOpenFlag": "0",
        "SaveDays": "30",
        "AudioOpenFlag": "1",
    }
    after = await client.record_policy()
    assert after.schedule == current.schedule
    assert after.save_days == 30


async def test_self_clean_schedule_in_the_vendor_form(
    client: ExcelSenseClient, camera: EmulatedCamera
) -> None:
    """IOAlarm is written whole, booleans as true/false, as change_timeout.py does.

    The vendor's change_timeout.py: "ScheduledSelfClean=false&TimedSelfClean={3}
    &TimeOneHours=0&...&TimeInterval={4}" with "true" if args.enable else "false".
    """
    current = await client.self_clean_schedule()
    await client.set_self_clean_schedule(current, times=[(7, 5)])
    (request,) = [r for r in camera.requests if r.get("action") == "set"]
    assert [
        k for k, _ in request.params if k not in ("userName", "action", "type")
    ] == [
        "ScheduledSelfClean",
        "TimedSelfClean",
        "TimeOneHours",
        "TimeOneMinutes",
        "TimeTwoHours",
        "TimeTwoMinutes",
        "TimeThreeHours",
        "TimeThreeMinutes",
        "TimeInterval",
    ]
    assert (request.get("ScheduledSelfClean"), request.get("TimedSelfClean")) == (
        "false",
        "false",
    )
    assert (request.get("TimeOneHours"), request.get("TimeTwoHours")) == ("7", "0")
    camera.quirks.io_alarm_numeric = True
    assert (await client.self_clean_schedule()).times[0] == (7, 5)
    camera.quirks.io_alarm_numeric = False
    await client.set_self_clean_schedule(current, timed=True)
    assert (await client.self_clean_schedule()).timed is True
    assert camera.state.io_alarm.values["TimedSelfClean"] == "true"


@pytest.mark.parametrize("kept", [True, False])
async def test_self_clean_schedule_reply_is_any_200_then_read_back(
    client: ExcelSenseClient,
    camera: EmulatedCamera,
    expect_error: ExpectError,
    kept: bool,
) -> None:
    """Any HTTP 200 to the IOAlarm set is taken; the read-back tells if it held.

    change_timeout.py: ``if r.status_code == 200: print("Successfully modified
    delay between cleaning cycles"); print(r.text)``: IOAlarm is not in the
    document and the vendor's tool takes whatever the camera answers.
    """
    current = await client.self_clean_schedule()
    camera.inject(
        Fault("garbage", params={"action": "set", "type": "IOAlarm"}, apply=kept)
    )
    change = client.set_self_clean_schedule(current, interval=45, timed=True)
    if kept:
        await change
    else:
        await expect_error(ExcelSenseResponseError, change)
    schedule = await client.self_clean_schedule()
    assert (schedule.interval == 45) is kept
    assert camera.requests[-2].get("action") == "get"


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
    assert secure.transport.ssl() is False
    assert make_client(use_https=True).transport.ssl() is True
    assert client.transport.ssl() is True
    assert not client.alarm_operation_running
    for text in (repr(client), str(client), repr(secure)):
        assert_no_password(text)
        assert "session" not in text


async def test_spaces_are_percent_encoded_like_the_document(
    client: ExcelSenseClient, camera: EmulatedCamera
) -> None:
    """A space goes out as %20, as in "info=YYYY-MM-DD%20hh:mm:ss%20ww".

    A camera CGI that only percent-decodes would read a form-style "+" as a
    plus sign.
    """
    await client.set_camera_name("North gate + yard")
    raw = camera.requests[-1].raw_query
    assert "cameraName=North%20gate%20%2B%20yard" in raw
    assert camera.state.camera_info.values["cameraName"] == "North gate + yard"


async def test_manual_control_is_posted_like_cycle_cs(
    client: ExcelSenseClient, camera: EmulatedCamera
) -> None:
    """The vendor's cycle.cs POSTs alarm.cgi; no automatic resend of a start.

    cycle.cs: ``client.PostAsync("http://.../alarm.cgi?...&controlFlag=1",
    new FormUrlEncodedContent(values))`` with no values: the parameters in the
    query, an empty form as the body.
    """
    await client.manual_alarm(start=True)
    request = camera.requests[-1]
    assert (request.path, request.method) == ("alarm.cgi", "POST")
    assert request.get("controlFlag") == "1"
    assert request.content_type == "application/x-www-form-urlencoded"
