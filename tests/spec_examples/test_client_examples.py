"""The client sends the document's example requests and reads its example replies.

1. Requests. Every example request the client has a method for is made by
   calling that method with the example's values, against the emulator; the
   request the device received must carry the example's parameters: plain
   keys in any order, loops framed and ordered exactly as the example frames
   them (same ``...Begin``, ``next_...URL``, ``...End`` markers with the same
   values, same keys in the same entries). Where the client differs on purpose
   ``DEVIATIONS`` says how and quotes the rule that allows it; the keys the
   document's examples and URL templates use that the client cannot send are
   ``GAPS``, and the test asserts that list is complete and exact.
2. Replies. Every example reply of a get parses into its model with the
   example's values.
3. Vendor scripts. The client's self-clean schedule, profile restore and
   trigger send what the vendor's scripts send.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
import inspect
import re
from typing import TYPE_CHECKING

import aiohttp
import pytest

from custom_components.excelsense.api import (
    AlarmEvent,
    AlarmKind,
    AlarmLinkage,
    AlarmOperation,
    AlarmOutProfile,
    AlarmOutput,
    AVStream,
    CameraInfo,
    DeviceInfo,
    DevicePort,
    DeviceTime,
    Disk,
    DiskAlarm,
    DiskInfo,
    EncoderCapability,
    ExcelSenseAuthenticationError,
    ExcelSenseBusyError,
    ExcelSenseClient,
    ExcelSenseInvalidParameterError,
    ExcelSenseNotSupportedError,
    ExcelSensePermissionError,
    ExcelSenseResponseError,
    ImageSetting,
    LocalNetwork,
    LogEntry,
    Mirror,
    MotionAlarm,
    MotionArea,
    NetworkCard,
    NTPSettings,
    OSDCanvas,
    OSDCanvases,
    OSDInfo,
    OSDSettings,
    ProtocolInfo,
    RecordDirectories,
    RecordDirectory,
    RecordPolicy,
    ScheduleDay,
    SelfCleanSchedule,
    StreamAbility,
    StreamCapability,
    StreamUrl,
    TimeZone,
    VideoEncoder,
    is_self_clean_profile,
    kv,
)
from custom_components.excelsense.api.area import integer as _integer
from custom_components.excelsense.api.transport import check_reply
from custom_components.excelsense.sensor import _disk_status
from tests.emulator import User
from tests.emulator.kv import Node, parse_pairs
from tests.spec_examples import (
    ErrorCode,
    Example,
    UrlTemplate,
    example,
    load_error_codes,
    load_examples,
    load_general,
    load_vendor_tools,
)

from .conftest import PASSWORD, USERNAME
from .shapes import Pair, markers, shape, split_loop

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from tests.emulator import EmulatedCamera, RequestRecord

EXAMPLES = load_examples()
TOOLS = {tool.id: tool for tool in load_vendor_tools().tools}
AUTH_KEYS = frozenset({"userName", "password"})
# The emulator's request log masks new passwords (the values are checked on
# the device's accounts instead).
MASKED = {"newpasswd": "***"}


# ------------------------------------------------------------------------------- quotes


@dataclass(frozen=True)
class Quote:
    """Words of the document (or of a vendor script) a difference rests on."""

    about: str  # the key (or "method") the words are about
    words: str  # the words relied on, found in ``text``
    source: str
    text: str  # the whole row, template or note, from the data


def row(example_id: str, key: str, words: str) -> Quote:
    """The parameter table row of ``key`` in an operation of the document."""
    ex = example(example_id)
    (found,) = [parameter for parameter in ex.parameters if key in parameter.keys]
    first, last = found.lines
    source = f"{ex.section}, lines {first}-{last}"
    return Quote(key, words, source, found.description)


def template(example_id: str, key: str, words: str) -> Quote:
    """The URL template of an operation that names ``key``."""
    ex = example(example_id)
    (found,) = [t for t in templates(ex) if key in {p.key for p in t.params}]
    first, last = found.lines
    return Quote(key, words, f"{ex.section}, URL, lines {first}-{last}", found.url)


def vendor(tool_id: str, about: str, words: str) -> Quote:
    """What a vendor script does, as ``vendor_tools.json`` records it."""
    tool = TOOLS[tool_id]
    source = f"{load_vendor_tools().repository}/{tool.path}"
    return Quote(about, words, source, tool.notes)


def templates(ex: Example) -> list[UrlTemplate]:
    """The operation's URL templates, without ones of another type.

    Set OSD Global (lines 579-584) repeats the OSDCanvas template under its
    own heading; that template is the other operation's.
    """
    found = []
    for candidate in ex.url_templates:
        kind = re.search(r"[?&]type=(\w+)", candidate.url)
        if ex.type is None or kind is None or kind.group(1) == ex.type:
            found.append(candidate)
    return found


# -------------------------------------------------------------------------- differences


@dataclass(frozen=True, kw_only=True)
class Deviation:
    """How the client's request differs from an example on purpose."""

    add: tuple[Pair, ...] = ()
    replace: tuple[Pair, ...] = ()
    method: str | None = None
    why: tuple[Quote, ...]


_ADD_IF_OMITTED = "default is add if omitted"

DEVIATIONS: dict[str, Deviation] = {
    # Manual Alarm Output Trigger (lines 1233-1234) as POST with the parameters
    # in the query, the way the vendor's cycle.cs sends it: aiohttp resends a
    # GET once when the connection drops, and a second start while the pulse
    # runs changes the length the controller sees (client.py ``_control``).
    "manualControl": Deviation(
        method="POST",
        why=(vendor("cycle_cs", "method", "the parameters stay in the URL's query"),),
    ),
    # Set Motion Alarm (lines 1367-1374): a loop the client sends replaces the
    # device's, so it names the action: "motionDetectionAction ... (default is
    # add if omitted)" (1396-1397), "scheduleTimeAction ... (default is add if
    # omitted)" (1420-1421), "AlarmLinkageParam ... (default is add if
    # omitted)" (1437-1438).
    "motionAlarm.set": Deviation(
        add=(
            ("motionDetectionAction", "cover"),
            ("scheduleTimeAction", "cover"),
            ("AlarmLinkageParam", "cover"),
        ),
        why=(
            row("motionAlarm.set", "motionDetectionAction", _ADD_IF_OMITTED),
            row("motionAlarm.set", "scheduleTimeAction", _ADD_IF_OMITTED),
            row("motionAlarm.set", "AlarmLinkageParam", _ADD_IF_OMITTED),
        ),
    ),
    # Set Disk Alarm (lines 1491-1495): "AlarmLinkageParam ... (default is add
    # if omitted)" (1521-1522).
    "diskAlarm.set": Deviation(
        add=(("AlarmLinkageParam", "cover"),),
        why=(row("diskAlarm.set", "AlarmLinkageParam", _ADD_IF_OMITTED),),
    ),
    # Get HTTP Live Video (lines 2155-2157): the live view reads JPEG frames
    # without sound. "EncoderType ... `MJPEG`" (2196-2199) and "AudioFlag ...
    # `0`: No audio" (2201-2203), which the template writes outside brackets,
    # "&EncoderType=<EncoderType>&AudioFlag=<AudioFlag>" (2149-2151), though
    # the example leaves it out.
    "video.HTTP": Deviation(
        add=(("AudioFlag", "0"),),
        replace=(("EncoderType", "MJPEG"),),
        why=(
            template("video.HTTP", "AudioFlag", "&AudioFlag=<AudioFlag>"),
            row("video.HTTP", "AudioFlag", "`0`: No audio"),
            row("video.HTTP", "EncoderType", "`MJPEG`"),
        ),
    ),
}


@dataclass(frozen=True, kw_only=True)
class Gap:
    """A key an example or URL template uses that the client cannot send.

    ``parameters`` are the client method's parameters today: a new one (or a
    new method) means the gap may be closed, and this list must be looked at.
    """

    example: str
    key: str
    method: str
    parameters: tuple[str, ...]
    why: Quote


GAPS: tuple[Gap, ...] = (
    # Get Local Network of one NIC: the client reads every NIC, "netCardId ...
    # Optional for get (omit to return all NICs)" (lines 264-268).
    Gap(
        example="localNetwork.get",
        key="netCardId",
        method="local_network",
        parameters=("self",),
        why=row(
            "localNetwork.get",
            "netCardId",
            "Optional for get (omit to return all NICs)",
        ),
    ),
    # Get OSD Canvas of one canvas: the client reads every canvas, "canvasID
    # ... Optional on get, when excluded returns all canvases" (727-730).
    Gap(
        example="OSDCanvas.get",
        key="canvasID",
        method="osd_canvases",
        parameters=("self", "camera_id"),
        why=row(
            "OSDCanvas.get",
            "canvasID",
            "Optional on get, when excluded returns all canvases",
        ),
    ),
    # Set OSD Canvas of several canvases in one request: one canvas per call,
    # "OSDCanvasEnd ... loop end flag (count) ... Required and = 1 for set"
    # (809-811) (test_osd_canvas_set_one_canvas_per_call).
    Gap(
        example="OSDCanvas.set",
        key="next_OSDCanvasURL",
        method="set_osd_canvas",
        parameters=("self", "canvas", "camera_id", "action"),
        why=row("OSDCanvas.set", "OSDCanvasEnd", "Required and = 1 for set"),
    ),
    # Set AV Stream's stream name, "streamName string Stream name." (924).
    Gap(
        example="AVStream.set",
        key="streamName",
        method="set_av_stream",
        parameters=(
            "self",
            "stream_id",
            "camera_id",
            "video_encoder",
            "audio_encoder",
            "resolution",
            "frame_rate",
            "i_frame_interval",
            "bit_rate_type",
            "bit_rate",
            "quality",
        ),
        why=row("AVStream.set", "streamName", "Stream name."),
    ),
    # Get Stream Ability of one stream: the client reads every stream,
    # "cameraID=<cameraID>[&streamID=<streamID>]" (lines 965-967).
    Gap(
        example="streamAbility.get",
        key="streamID",
        method="stream_ability",
        parameters=("self", "camera_id"),
        why=template("streamAbility.get", "streamID", "[&streamID=<streamID>]"),
    ),
    # Get Record Directory of one disk: the client reads every disk, "diskId
    # ... optional on get to return all disks" (1189-1190).
    Gap(
        example="recordDirInfo.get",
        key="diskId",
        method="record_directories",
        parameters=("self",),
        why=row("recordDirInfo.get", "diskId", "optional on get to return all disks"),
    ),
)


def canvas_requests(ex: Example) -> list[list[Pair]]:
    """Set OSD Canvas's example as one request per canvas (the client's way)."""
    head, entries = split_loop(ex.request.params, "OSDCanvas")
    return [[*head, *entry, ("OSDCanvasEnd", "1")] for entry in entries]


def gap_keys(example_id: str) -> set[str]:
    """Keys of an example the client cannot send."""
    return {gap.key for gap in GAPS if gap.example == example_id}


def expected_request(ex: Example) -> list[Pair]:
    """The example's parameters as the client sends them (see DEVIATIONS, GAPS)."""
    deviation = DEVIATIONS.get(ex.id)
    replace = dict(deviation.replace) if deviation else {}
    missing = gap_keys(ex.id)
    pairs = [
        (key, MASKED.get(key, replace.get(key, value)))
        for key, value in ex.request.params
        if key not in missing
    ]
    return [*pairs, *(deviation.add if deviation else ())]


# ----------------------------------------------------------------------------- fixtures


@dataclass
class Wire:
    """The client's HTTP session and the method and path of each request it sent."""

    session: aiohttp.ClientSession
    sent: list[tuple[str, str]] = field(default_factory=list)


@pytest.fixture
async def wire(socket_enabled: None) -> AsyncIterator[Wire]:
    """An HTTP session that notes the method of every request."""
    sent: list[tuple[str, str]] = []

    async def on_start(
        _session: aiohttp.ClientSession,
        _context: object,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        sent.append((params.method, params.url.path))

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_start)
    async with aiohttp.ClientSession(trace_configs=[trace]) as session:
        yield Wire(session, sent)


@pytest.fixture
def client(cam: EmulatedCamera, wire: Wire) -> ExcelSenseClient:
    """A client for the emulated camera, with the document's credentials."""
    return ExcelSenseClient(
        host="127.0.0.1",
        port=cam.port,
        username=USERNAME,
        password=PASSWORD,
        session=wire.session,
        request_timeout=2,
        busy_backoff=0.01,
    )


def received(record: RequestRecord) -> list[Pair]:
    """What the device received after the credentials (the log drops password)."""
    assert record.params[0][0] == "userName", "credentials first, as in the document"
    return [(key, value) for key, value in record.params if key not in AUTH_KEYS]


# -------------------------------------------------------------------------------- calls


class Values:
    """The example request's values, typed as the client's arguments need them."""

    def __init__(self, ex: Example) -> None:
        """Read the example's parameters into their loop tree."""
        self.example = ex
        self.tree = parse_pairs(ex.request.params)

    def text(self, key: str, node: Node | None = None) -> str:
        """A value of the example (of the request, or of one loop entry)."""
        value = (node or self.tree).get(key)
        assert value is not None, f"{self.example.id} has no {key}"
        return value

    def number(self, key: str, node: Node | None = None) -> int:
        """A whole number of the example."""
        return int(self.text(key, node))

    def flag(self, key: str, node: Node | None = None) -> bool:
        """A 0/1 flag of the example."""
        value = self.text(key, node)
        assert value in {"0", "1"}, f"{key}={value}"
        return value == "1"

    def time(self, key: str) -> datetime:
        """A log time, "format yyyymmddhhmmss" (lines 2034-2036)."""
        return datetime.strptime(self.text(key), "%Y%m%d%H%M%S")  # noqa: DTZ007 - device time

    def loop(self, name: str) -> list[Node]:
        """The entries of a loop of the example."""
        return self.tree.loop(name) or []

    def schedule(self) -> list[ScheduleDay]:
        """The weekDay loop as schedule days."""
        days = []
        for entry in self.loop("weekDay"):
            periods = tuple(
                (self.number(f"startTime{n}", entry), self.number(f"endTime{n}", entry))
                for n in (1, 2, 3)
                if entry.get(f"startTime{n}") is not None
            )
            days.append(
                ScheduleDay(weekday=self.number("weekDay", entry), periods=periods)
            )
        return days

    def linkages(self) -> list[AlarmLinkage]:
        """The AlarmLinkage loop."""
        return [
            AlarmLinkage(
                action_type=self.number("ActionType", entry),
                action_id=self.number("ActionID", entry),
            )
            for entry in self.loop("AlarmLinkage")
        ]


type Run = Callable[[ExcelSenseClient, Values], Awaitable[object]]


@dataclass(frozen=True)
class Call:
    """The client method that makes an example's request, and how to call it."""

    method: str
    run: Run


# video.cgi's EncoderType (lines 2134-2137) as the stream's videoEncoderType.
ENCODER_TYPES = {
    "H264": VideoEncoder.H264,
    "H265": VideoEncoder.H265_MAIN,
    "MJPEG": VideoEncoder.MJPEG,
}


async def _set_local_network(client: ExcelSenseClient, v: Values) -> None:
    await client.set_local_network(
        net_card_id=v.number("netCardId"),
        ip_address=v.text("IPAddress"),
        subnet_mask=v.text("subNetmask"),
        gateway=v.text("subGetway"),
        preferred_dns=v.text("preferredDNS"),
        alternate_dns=v.text("alternateDNS"),
    )


async def _set_date_time(client: ExcelSenseClient, v: Values) -> None:
    parts = (v.number(key) for key in ("year", "month", "day", "hour", "minute"))
    await client.set_date_time(datetime(*parts, v.number("second")))  # noqa: DTZ001 - device time


async def _set_time_zone(client: ExcelSenseClient, v: Values) -> None:
    await client.set_time_zone(
        TimeZone(
            time_zone=v.number("timeZone"),
            dst_enabled=v.flag("DSTOpenFlag"),
            begin_month=v.number("beginMonth"),
            begin_week=v.number("beginWeekly"),
            begin_weekday=v.number("beginWeekDays"),
            begin_time=v.number("beginTime"),
            end_month=v.number("endMonth"),
            end_week=v.number("endWeekly"),
            end_weekday=v.number("endWeekDays"),
            end_time=v.number("endTime"),
        )
    )


async def _set_av_stream(client: ExcelSenseClient, v: Values) -> None:
    await client.set_av_stream(
        v.number("streamID"),
        camera_id=v.number("cameraID"),
        video_encoder=v.number("videoEncoderType"),
        audio_encoder=v.number("audioEncoderType"),
        resolution=v.text("resolution"),
        frame_rate=v.number("frameRate"),
        i_frame_interval=v.number("iFrameInterval"),
        bit_rate_type=v.number("bitRateType"),
        bit_rate=v.number("bitRate"),
        quality=v.number("quality"),
    )


async def _set_record_policy(client: ExcelSenseClient, v: Values) -> None:
    current = RecordPolicy(
        enabled=v.flag("RecordOpenFlag"),
        save_days=v.number("SaveDays"),
        stream_id=v.number("StreamId"),
        audio=v.flag("AudioOpenFlag"),
        disk_group_id=v.number("DiskGroupId"),
        schedule=tuple(v.schedule()),
        raw={},
    )
    await client.set_record_policy(current, camera_id=v.number("cameraID"))


async def _set_alarm_out(client: ExcelSenseClient, v: Values) -> None:
    # The client writes its own alarmOutName, selfCleanTrigger: the example's
    # (line 1307). The vendor's reset tool writes another one, see
    # test_restore_writes_the_reset_tool_profile.
    assert v.number("alarmOutID") == 1  # "(must be 1)", lines 1242-1243
    await client.set_alarm_out(
        AlarmOutProfile(
            valid_signal=v.number("alarmValidSignal"),
            mode=v.number("alarmMode"),
            frequency=float(v.text("alarmOutFrequency")),
            time_ms=v.number("alarmTime"),
        )
    )


async def _set_motion_alarm(client: ExcelSenseClient, v: Values) -> None:
    await client.set_motion_alarm(
        camera_id=v.number("cameraID"),
        enabled=v.flag("motionDetectionEnableFlag"),
        sensitivity=v.number("sensitivity"),
        alarm_interval=v.number("alarmInterval"),
        areas=[
            MotionArea(
                top_x=v.number("topX", area),
                top_y=v.number("topY", area),
                width=v.number("width", area),
                height=v.number("height", area),
            )
            for area in v.loop("motionDetectionArea")
        ],
        schedule=v.schedule(),
        linkages=v.linkages(),
    )


async def _set_disk_alarm(client: ExcelSenseClient, v: Values) -> None:
    await client.set_disk_alarm(
        alarm_in_id=v.number("alarmInID"),
        disk_full=v.flag("diskFullAlarmCheckFlag"),
        disk_error=v.flag("diskErrorAlarmCheckFlag"),
        no_disk=v.flag("NoDiskAlarmEnableFlag"),
        alarm_interval=v.number("AlarmInterval"),
        linkages=v.linkages(),
    )


async def _open_live_view(client: ExcelSenseClient, v: Values) -> None:
    response = await client.open_mjpeg_stream(
        v.number("streamID"), camera_id=v.number("cameraID")
    )
    response.close()


def _image_calls() -> Iterator[tuple[str, Call]]:
    for setting in ImageSetting:
        yield (
            f"{setting}.get",
            Call(
                "image_setting",
                lambda c, v: c.image_setting(ImageSetting(v.text("type"))),
            ),
        )
        yield (
            f"{setting}.set",
            Call(
                "set_image_setting",
                lambda c, v: c.set_image_setting(
                    ImageSetting(v.text("type")), v.number("value")
                ),
            ),
        )


CALLS: dict[str, Call] = {
    "deviceInfo.get": Call("device_info", lambda c, _v: c.device_info()),
    "deviceName.set": Call(
        "set_device_name", lambda c, v: c.set_device_name(v.text("deviceName"))
    ),
    "cameraInfo.get": Call(
        "camera_info", lambda c, v: c.camera_info(v.number("cameraID"))
    ),
    "cameraInfo.set": Call(
        "set_camera_name",
        lambda c, v: c.set_camera_name(v.text("cameraName"), v.number("cameraID")),
    ),
    "localNetwork.get": Call("local_network", lambda c, _v: c.local_network()),
    "localNetwork.set": Call("set_local_network", _set_local_network),
    "devicePort.get": Call("device_port", lambda c, _v: c.device_port()),
    "devicePort.set": Call(
        "set_device_port",
        lambda c, v: c.set_device_port(
            control_port=v.number("controlPort"),
            http_port=v.number("httpPort"),
            rtsp_port=v.number("rtspPort"),
            rtmp_port=v.number("rtmpPort"),
        ),
    ),
    "dateTime.get": Call("date_time", lambda c, _v: c.date_time()),
    "dateTime.set": Call("set_date_time", _set_date_time),
    "timeZone.get": Call("time_zone", lambda c, _v: c.time_zone()),
    "timeZone.set": Call("set_time_zone", _set_time_zone),
    "NTP.get": Call("ntp", lambda c, _v: c.ntp()),
    "NTP.set": Call(
        "set_ntp",
        lambda c, v: c.set_ntp(
            enabled=v.flag("enableFlag"),
            server=v.text("NTPIP"),
            port=v.number("NTPPort"),
        ),
    ),
    "OSD.get": Call("osd", lambda c, v: c.osd(v.number("cameraID"))),
    "OSD.set": Call(
        "set_osd",
        lambda c, v: c.set_osd(
            camera_id=v.number("cameraID"),
            font_color=v.number("fontColor"),
            inverse=v.flag("inverseFlag"),
            alpha=v.number("alpha"),
        ),
    ),
    "OSDCanvas.get": Call(
        "osd_canvases", lambda c, v: c.osd_canvases(v.number("cameraID"))
    ),
    # OSDCanvas.set: one call per canvas, test_osd_canvas_set_one_canvas_per_call.
    "deviceDiskInfo.get": Call("disks", lambda c, _v: c.disks()),
    "AVStream.get": Call(
        "av_stream",
        lambda c, v: c.av_stream(v.number("streamID"), v.number("cameraID")),
    ),
    "AVStream.set": Call("set_av_stream", _set_av_stream),
    "streamAbility.get": Call(
        "stream_ability", lambda c, v: c.stream_ability(v.number("cameraID"))
    ),
    "recordPolicy.get": Call(
        "record_policy", lambda c, v: c.record_policy(v.number("cameraID"))
    ),
    "recordPolicy.set": Call("set_record_policy", _set_record_policy),
    "recordDirInfo.get": Call(
        "record_directories", lambda c, _v: c.record_directories()
    ),
    "recordDirInfo.set": Call(
        "set_record_directory",
        lambda c, v: c.set_record_directory(
            v.number("diskId"),
            disk_name=v.text("diskName"),
            enabled=v.flag("enableFlag"),
            group_id=v.number("groupID"),
        ),
    ),
    "manualControl": Call(
        "manual_alarm", lambda c, v: c.manual_alarm(start=v.flag("controlFlag"))
    ),
    "alarmOut.get": Call("alarm_out", lambda c, _v: c.alarm_out()),
    "alarmOut.set": Call("set_alarm_out", _set_alarm_out),
    "motionAlarm.get": Call(
        "motion_alarm", lambda c, v: c.motion_alarm(v.number("cameraID"))
    ),
    "motionAlarm.set": Call("set_motion_alarm", _set_motion_alarm),
    "diskAlarm.get": Call(
        "disk_alarm", lambda c, v: c.disk_alarm(v.number("alarmInID"))
    ),
    "diskAlarm.set": Call("set_disk_alarm", _set_disk_alarm),
    "protocolInfo.get": Call("protocol_info", lambda c, _v: c.protocol_info()),
    "protocolSecurity.get": Call(
        "protocol_security", lambda c, _v: c.protocol_security()
    ),
    "protocolSecurity.set": Call(
        "set_protocol_security",
        lambda c, v: c.set_protocol_security(enabled=v.flag("protocolSecurityFlag")),
    ),
    "User.add": Call(
        "add_user",
        lambda c, v: c.add_user(
            v.text("newuser"),
            v.text("newpasswd"),
            group=v.text("group"),
            note=v.text("note"),
        ),
    ),
    "User.modify": Call(
        "modify_user",
        lambda c, v: c.modify_user(
            v.text("user"),
            v.text("newpasswd"),
            group=v.text("group"),
            note=v.text("note"),
        ),
    ),
    **dict(_image_calls()),
    "mirror.get": Call("mirror", lambda c, _v: c.mirror()),
    "mirror.set": Call(
        "set_mirror",
        lambda c, v: c.set_mirror(
            vertical=v.flag("vertical"), horizontal=v.flag("horizontal")
        ),
    ),
    "reset": Call("factory_reset", lambda c, _v: c.factory_reset()),
    "restart": Call("restart", lambda c, _v: c.restart()),
    "systemLogInfo.get": Call(
        "system_log",
        lambda c, v: c.system_log(
            v.time("startTime"), v.time("endTime"), v.number("logType")
        ),
    ),
    "alarmLogInfo.get": Call(
        "alarm_log",
        lambda c, v: c.alarm_log(
            v.time("startTime"), v.time("endTime"), v.number("logType")
        ),
    ),
    "video.RTSP": Call(
        "rtsp_url",
        lambda c, v: c.rtsp_url(
            v.number("streamID"),
            camera_id=v.number("cameraID"),
            encoder=ENCODER_TYPES[v.text("EncoderType")],
        ),
    ),
    "video.HTTP": Call("open_mjpeg_stream", _open_live_view),
    "snapshot": Call(
        "snapshot",
        lambda c, v: c.snapshot(
            quality=v.number("quality"), camera_id=v.number("cameraID")
        ),
    ),
}
# Examples made by other tests of this module.
CALLED_ELSEWHERE = {"OSDCanvas.set": "set_osd_canvas"}
# Public client methods that make no example request of their own, and why.
NO_EXAMPLE: dict[str, str] = {
    "alarm_out_settled": "alarmOut get on the alarm operation's own request slot "
    "(test_alarm_out_settled_reads_like_the_example)",
    "restore_self_clean_profile": "manualControl end, alarmOut set and get "
    "(test_restore_writes_the_reset_tool_profile)",
    "run_alarm_operation": "alarmOut get and set, manualControl start and end "
    "(test_alarm_operation_speaks_only_documented_requests)",
    "wait_for_operations": "sends nothing",
    "shutdown": "sends nothing (waits like wait_for_operations)",
    "self_clean_schedule": "IOAlarm is not in the document; the vendor's "
    "change_timeout.py writes it (test_self_clean_schedule_is_change_timeout)",
    "set_self_clean_schedule": "IOAlarm is not in the document; the vendor's "
    "change_timeout.py writes it (test_self_clean_schedule_is_change_timeout)",
}


async def before(cam: EmulatedCamera, ex: Example) -> None:
    """Put the device where the example's request makes sense."""
    if ex.id == "User.modify":
        # The example modifies 'asdfg', which the add example does not create.
        name = ex.request.get("user") or ""
        cam.state.users[name] = User(name, "before", "Administrators", "")


def check_after(cam: EmulatedCamera, ex: Example) -> None:
    """What the request log cannot show: the masked new password arrived."""
    if ex.id in {"User.add", "User.modify"}:
        name = ex.request.get("newuser") or ex.request.get("user") or ""
        assert cam.state.users[name].password == ex.request.get("newpasswd")


# -------------------------------------------------------------------------- 1. requests


@pytest.mark.parametrize(
    "ex", [e for e in EXAMPLES if e.id in CALLS], ids=lambda e: e.id
)
async def test_client_sends_the_example_request(
    cam: EmulatedCamera, client: ExcelSenseClient, wire: Wire, ex: Example
) -> None:
    """The client method, given the example's values, sends the example's request.

    Plain keys in any order; loops, their entries and their markers (with
    values) exactly as the example writes them. DEVIATIONS and GAPS list, with
    the document's words, where the client's request differs.
    """
    call = CALLS[ex.id]
    await before(cam, ex)
    cam.clear_requests()
    await call.run(client, Values(ex))
    where = f"{ex.section}, lines {ex.request.lines[0]}-{ex.request.lines[1]}"
    assert [record.path for record in cam.requests] == [ex.cgi], where
    sent = received(cam.requests[0])
    expected = expected_request(ex)
    assert markers(sent) == markers(expected), where
    assert shape(sent) == shape(expected), where
    deviation = DEVIATIONS.get(ex.id)
    method = deviation.method if deviation and deviation.method else ex.request.method
    assert wire.sent == [(method, f"/cgi-bin/{ex.cgi}")], where
    check_after(cam, ex)


async def test_osd_canvas_set_one_canvas_per_call(
    cam: EmulatedCamera, client: ExcelSenseClient
) -> None:
    """Set OSD Canvas (lines 694-702): each canvas of the example as its own call.

    The example sets two canvases in one request and still ends with
    OSDCanvasEnd=1, though the marker is "OSD canvas loop end flag (count).
    Marker in get return Required and = 1 for set" (lines 809-811). The client
    sets one canvas per request, so "= 1 for set" is also the count; each
    request is the example's with the other canvas left out, ending in
    OSDInfoEnd=1 ("Required and = 1 for set", lines 800-802) and
    OSDCanvasEnd=1, without next_OSDCanvasURL or next_OSDInfoURL.
    """
    ex = example("OSDCanvas.set")
    assert ex.request.params[-1] == ("OSDCanvasEnd", "1")
    requests = canvas_requests(ex)
    assert len(requests) == 2
    v = Values(ex)
    for expected in requests:
        (node,) = parse_pairs(expected).loop("OSDCanvas") or []
        (info,) = node.loop("OSDInfo") or []
        assert v.number("arrowID", info) == 0  # "Arrow ID (must be 0)", line 770
        canvas = OSDCanvas(
            canvas_id=v.number("canvasID", node),
            top_x=v.number("topX", node),
            top_y=v.number("topY", node),
            font_size=v.number("fontSize", node),
            align_mode=v.number("alignMode", node),
            infos=(
                OSDInfo(
                    osd_type=v.number("OSDType", info),
                    info=v.text("info", info),
                    enabled=v.flag("OSDEnableFlag", info),
                ),
            ),
        )
        cam.clear_requests()
        await client.set_osd_canvas(
            canvas, camera_id=v.number("cameraID"), action=v.text("OSDInfoAction", node)
        )
        (record,) = cam.requests
        sent = received(record)
        assert markers(sent) == markers(expected)
        assert shape(sent) == shape(expected)
        assert ("OSDInfoEnd", "1") in sent
        assert sent[-1] == ("OSDCanvasEnd", "1")
        assert not [key for key, _ in sent if key.startswith("next_")]


async def test_osd_canvas_font_size_zero_is_not_sent(
    cam: EmulatedCamera, client: ExcelSenseClient
) -> None:
    """fontSize: "Note: `0` is only returned by get and is invalid for set".

    (lines 738-744): a canvas read with 0 is set without fontSize.
    """
    ex = example("OSDCanvas.get")
    canvas = OSDCanvases.from_block(kv.parse(ex.reply.text)).canvases[0]
    canvas = OSDCanvas(
        canvas_id=2,
        top_x=canvas.top_x,
        top_y=canvas.top_y,
        font_size=0,
        align_mode=canvas.align_mode,
        infos=canvas.infos,
    )
    cam.clear_requests()
    await client.set_osd_canvas(canvas)
    (record,) = cam.requests
    keys = [key for key, _ in received(record)]
    assert "fontSize" not in keys
    assert "canvasID" in keys


async def test_alarm_out_settled_reads_like_the_example(
    cam: EmulatedCamera, client: ExcelSenseClient
) -> None:
    """Get Alarm Trigger Output (lines 1262-1263) on the operation's own slot."""
    ex = example("alarmOut.get")
    cam.clear_requests()
    await client.alarm_out_settled()
    (record,) = cam.requests
    assert record.path == ex.cgi
    assert shape(received(record)) == shape(ex.request.params)


async def test_manual_alarm_end_is_the_documented_flag(
    cam: EmulatedCamera, client: ExcelSenseClient, wire: Wire
) -> None:
    """Manual Alarm Output Trigger: "controlFlag ... 1: start, 0: end" (1245-1247).

    The end is the example's request with controlFlag=0, as POST (DEVIATIONS).
    """
    ex = example("manualControl")
    cam.clear_requests()
    await client.manual_alarm(start=False)
    (record,) = cam.requests
    expected = [(k, "0" if k == "controlFlag" else v) for k, v in ex.request.params]
    assert received(record) == expected
    assert wire.sent == [("POST", f"/cgi-bin/{ex.cgi}")]


# "For: Self-Clean (default): alarmTime=300, LED Normally-Disabled Mode Toggle:
# alarmTime=900, LED Shutoff Mode Toggle: alarmTime=1700" (lines 1295-1299).
OPERATION_TIMES = {
    AlarmOperation.SELF_CLEAN: "300",
    AlarmOperation.LED_NORMALLY_DISABLED_TOGGLE: "900",
    AlarmOperation.LED_SHUTOFF_TOGGLE: "1700",
}


@pytest.mark.parametrize("operation", list(AlarmOperation), ids=lambda o: o.name)
async def test_alarm_operation_speaks_only_documented_requests(
    cam: EmulatedCamera, client: ExcelSenseClient, operation: AlarmOperation
) -> None:
    """A self-clean or LED operation sends only the document's alarm requests.

    Starting from the output as Get Alarm Trigger Output shows it (lines
    1268-1273, not the self-clean profile), every request is the example of
    Get Alarm Trigger Output (1262-1263), of Set Alarm Trigger Output
    (1305-1308; alarmTime as "For:" lists it for the operation, lines
    1295-1299) or of Manual Alarm Output Trigger (1233-1234, controlFlag "1:
    start, 0: end", 1245-1247), and the output ends in the self-clean profile
    the example sets ("Ensure the alarm is always set to this configuration
    after any other operations", lines 1302-1304). The example's alarmMode=2
    is written, not the "alarmMode=1" of the bullet above it (line 1293): the
    document contradicts itself there, and the vendor's reset tool writes 2.
    The output keeps the name the camera gave it ("alarmOutName=runFinish",
    line 1269; the set example writes selfCleanTrigger, the vendor's reset
    tool cleanTrigger: a name, not part of the configuration).
    """
    got = kv.parse(example("alarmOut.get").reply.text).values
    cam.state.alarm_out.values.update(got)
    get = example("alarmOut.get").request.params
    set_example = example("alarmOut.set").request.params
    control = example("manualControl").request.params
    own = {"alarmTime": None, "alarmOutName": got["alarmOutName"]}

    def set_with(time_ms: str) -> tuple[Pair, ...]:
        own["alarmTime"] = time_ms
        return tuple((k, own.get(k) or v) for k, v in set_example)

    def control_with(flag: str) -> tuple[Pair, ...]:
        return tuple((k, flag if k == "controlFlag" else v) for k, v in control)

    cam.clear_requests()
    await client.run_alarm_operation(operation)
    sent = [tuple(received(record)) for record in cam.requests]
    assert sent == [
        get,
        set_with(OPERATION_TIMES[operation]),
        control_with("1"),
        control_with("0"),
        set_with(OPERATION_TIMES[AlarmOperation.SELF_CLEAN]),
        get,
    ]
    assert [(k, v) for k, v in set_with("300") if k != "alarmOutName"] == [
        (k, v) for k, v in set_example if k != "alarmOutName"
    ]
    assert cam.is_self_clean_profile()


@pytest.mark.parametrize(
    ("encoder", "word"),
    [
        (VideoEncoder.H264, "H264"),
        (VideoEncoder.H264_MAIN, "H264"),
        (VideoEncoder.H264_HIGH, "H264"),
        (VideoEncoder.H265_MAIN, "H265"),
        (VideoEncoder.MJPEG, "MJPEG"),
    ],
)
async def test_rtsp_encoder_type_follows_the_stream(
    cam: EmulatedCamera, client: ExcelSenseClient, encoder: VideoEncoder, word: str
) -> None:
    """video.cgi "EncoderType string Video encoder. • H265 • H264 • MJPEG".

    (lines 2134-2137) for the stream's videoEncoderType (lines 926-931).
    """
    cam.clear_requests()
    await client.rtsp_url(1, encoder=encoder)
    (record,) = cam.requests
    assert record.get("EncoderType") == word


def test_every_example_request_is_made_or_listed() -> None:
    """Every example request is made by a call here (or a test of its own)."""
    assert set(CALLS) | set(CALLED_ELSEWHERE) == {e.id for e in EXAMPLES}
    assert not set(CALLS) & set(CALLED_ELSEWHERE)


def test_every_public_method_is_accounted_for() -> None:
    """A new client method shows up here: give it an example, or say why not."""
    public = {
        name
        for name, member in inspect.getmembers(ExcelSenseClient)
        if not name.startswith("_") and inspect.iscoroutinefunction(member)
    }
    used = {call.method for call in CALLS.values()} | set(CALLED_ELSEWHERE.values())
    assert used | set(NO_EXAMPLE) == public
    assert not used & set(NO_EXAMPLE)


def test_gaps_are_exactly_what_the_client_cannot_send() -> None:
    """GAPS lists exactly the example and template keys no client request carries.

    Every key of an example request, and every key of the operation's URL
    template (bracketed or not), is sent by the client's request for that
    example (as DEVIATIONS says) or is a gap; the tests above assert the
    client's requests carry exactly those keys.
    """
    found = set()
    for ex in EXAMPLES:
        documented = {key for key, _ in ex.request.params} | {
            param.key for t in templates(ex) for param in t.params
        }
        if ex.id == "OSDCanvas.set":
            sent = {key for request in canvas_requests(ex) for key, _ in request}
        else:
            sent = {key for key, _ in expected_request(ex)}
        found |= {(ex.id, key) for key in documented - sent - AUTH_KEYS}
    assert found == {(gap.example, gap.key) for gap in GAPS}


@pytest.mark.parametrize("gap", GAPS, ids=lambda g: f"{g.example}:{g.key}")
def test_gap_method_has_not_changed(gap: Gap) -> None:
    """A gap's method still has today's parameters (a new one may close the gap).

    The gap's quote names the document's rule for the key.
    """
    method = getattr(ExcelSenseClient, gap.method)
    assert tuple(inspect.signature(method).parameters) == gap.parameters
    assert gap.why.about in example(gap.example).documented_keys
    assert gap.why.words in gap.why.text, gap.why.source


def test_every_deviation_is_quoted() -> None:
    """Each key a deviation adds or changes, and a changed method, has its quote."""
    for example_id, deviation in DEVIATIONS.items():
        changed = {key for key, _ in (*deviation.add, *deviation.replace)}
        if deviation.method is not None:
            changed.add("method")
        for quote in deviation.why:
            assert quote.words in quote.text, quote.source
        if deviation.method is not None:
            # A vendor script for the same CGI sends it this way.
            cgi = example(example_id).cgi
            assert any(
                tool.cgi == cgi and tool.method == deviation.method
                for tool in TOOLS.values()
            ), example_id
        assert changed <= {quote.about for quote in deviation.why}, example_id
        documented = example(example_id).documented_keys
        for key in changed - {"method"}:
            assert key in documented, f"{example_id}: {key} is not documented"


# --------------------------------------------------------------------------- 2. replies


def device_time(*parts: int) -> datetime:
    """A naive device-local time (the device has no zones)."""
    return datetime(*parts)  # noqa: DTZ001 - device time


def _log_entries(loop: str) -> Callable[[kv.KVBlock], list[LogEntry]]:
    """The client's reading of a log reply (client.py ``_logs``)."""
    return lambda block: [LogEntry.from_block(entry) for entry in block.loop(loop)]


# What each example reply reads as: (how the client reads it, the typed value
# of the document's text). protocolSecurity and the sensor values have no
# model: the client reads their one number with the same helper its methods use.
REPLIES: dict[str, tuple[Callable[[kv.KVBlock], object], object]] = {
    # Lines 74-86.
    "deviceInfo.get": (
        DeviceInfo.from_block,
        DeviceInfo(
            device_id="159356",
            device_name="",
            device_type=1,
            product_model="ToughEye",
            manufacturer_id="272",
            manufacturer_name="IPCamera",
            mac_address="00:1C:27:15:93:56",
            hardware_version="V260084_2",
            software_version="v3.6.1607.1006.272.0.7.4.26",
            channels=1,
            alarm_inputs=1,
            alarm_outputs=1,
            raw={},
        ),
    ),
    # Line 163.
    "cameraInfo.get": (CameraInfo.from_block, CameraInfo(camera_name="OEM", raw={})),
    # Lines 212-221.
    "localNetwork.get": (
        LocalNetwork.from_block,
        LocalNetwork(
            cards=(
                NetworkCard(
                    net_card_id=1,
                    ip_address="192.168.32.151",
                    subnet_mask="255.255.0.0",
                    gateway="192.168.1.1",
                    preferred_dns="",
                    alternate_dns="",
                    dhcp=True,
                ),
            ),
            raw={},
        ),
    ),
    # Lines 295-298.
    "devicePort.get": (
        DevicePort.from_block,
        DevicePort(
            control_port=30001, http_port=80, rtsp_port=554, rtmp_port=8080, raw={}
        ),
    ),
    # Lines 349-354.
    "dateTime.get": (
        DeviceTime.from_block,
        DeviceTime(value=device_time(2018, 9, 25, 14, 5, 20), raw={}),
    ),
    # Lines 406-415.
    "timeZone.get": (
        TimeZone.from_block,
        TimeZone(
            time_zone=85,
            dst_enabled=False,
            begin_month=3,
            begin_week=5,
            begin_weekday=0,
            begin_time=60,
            end_month=10,
            end_week=5,
            end_weekday=0,
            end_time=120,
        ),
    ),
    # Lines 486-490.
    "NTP.get": (
        NTPSettings.from_block,
        NTPSettings(enabled=True, server="192.168.1.7", port=123, interval=3600),
    ),
    # Lines 564-568.
    "OSD.get": (
        OSDSettings.from_block,
        OSDSettings(
            font_color=2, inverse=True, twelve_hours=False, show_week=True, alpha=4
        ),
    ),
    # Lines 661-671: one canvas (the request's canvasID=1) without a loop,
    # positions written as 0.000000, the time format without its spaces.
    "OSDCanvas.get": (
        OSDCanvases.from_block,
        OSDCanvases(
            canvases=(
                OSDCanvas(
                    canvas_id=1,
                    top_x=0,
                    top_y=0,
                    font_size=2,
                    align_mode=0,
                    infos=(
                        OSDInfo(
                            osd_type=4,
                            info="YYYY-MM-DDhh:mm:ssww",
                            enabled=True,
                            arrow_id=0,
                        ),
                    ),
                ),
            ),
            raw={},
        ),
    ),
    # Lines 831-841: the second slot is empty, diskStatus=0 (not in the list
    # of lines 859-865) and size 0.
    "deviceDiskInfo.get": (
        DiskInfo.from_block,
        DiskInfo(
            disks=(
                Disk(disk_id=1, total_size=14912, free_size=64, status=1),
                Disk(disk_id=2, total_size=0, free_size=0, status=0),
            ),
            raw={},
        ),
    ),
    # Lines 891-900, quality present with bitRateType=2 (line 899).
    "AVStream.get": (
        lambda block: AVStream.from_block(block, 1),
        AVStream(
            stream_id=1,
            stream_name="stream1",
            video_encoder=VideoEncoder.H264,
            audio_encoder=102,
            resolution="1920*1080",
            frame_rate=30,
            i_frame_interval=60,
            bit_rate_type=2,
            bit_rate=4096,
            quality=9,
            raw={},
        ),
    ),
    # Lines 977-992 without the '...' lines: stream 1 with its first encoder
    # (8, H265_MAIN) and first resolution, then stream 3; the loops the
    # elisions leave open are closed by next_AVStreamURL.
    "streamAbility.get": (
        StreamAbility.from_block,
        StreamAbility(
            streams=(
                StreamCapability(
                    stream_id=1,
                    encoders=(
                        EncoderCapability(
                            encoder=VideoEncoder.H265_MAIN, resolutions=("2592*1520",)
                        ),
                    ),
                ),
                StreamCapability(stream_id=3, encoders=()),
            ),
            raw={},
        ),
    ),
    # Lines 1054-1064.
    "recordPolicy.get": (
        RecordPolicy.from_block,
        RecordPolicy(
            enabled=False,
            save_days=7,
            stream_id=1,
            audio=True,
            disk_group_id=1,
            schedule=(ScheduleDay(weekday=2, periods=((0, 86400),)),),
            raw={},
        ),
    ),
    # Lines 1148-1161.
    "recordDirInfo.get": (
        RecordDirectories.from_block,
        RecordDirectories(
            directories=(
                RecordDirectory(
                    disk_name="",
                    enabled=True,
                    alarm_threshold=100,
                    group_id=1,
                    status=1,
                    free_space=0,
                    usable_space=0,
                ),
            ),
            raw={},
        ),
    ),
    # Lines 1268-1273: alarmMode=2, alarmOutFrequency=0.000000.
    "alarmOut.get": (
        AlarmOutput.from_block,
        AlarmOutput(
            alarm_out_id=1,
            name="runFinish",
            profile=AlarmOutProfile(valid_signal=1, mode=2, frequency=0.0, time_ms=0),
            raw={},
        ),
    ),
    # Lines 1352-1354.
    "motionAlarm.get": (
        MotionAlarm.from_block,
        MotionAlarm(
            enabled=False,
            alarm_interval=10,
            sensitivity=5,
            areas=(),
            schedule=(),
            linkages=(),
            raw={},
        ),
    ),
    # Lines 1472-1480, the linkage loop with a blank line in it.
    "diskAlarm.get": (
        DiskAlarm.from_block,
        DiskAlarm(
            disk_full=True,
            disk_error=False,
            no_disk=False,
            alarm_interval=345,
            linkages=(AlarmLinkage(action_type=1, action_id=1),),
            raw={},
        ),
    ),
    # Lines 1554-1556.
    "protocolInfo.get": (
        ProtocolInfo.from_block,
        ProtocolInfo(
            name="ONVIF",
            version="v22.06",
            software_version="v22.06_build000409",
            raw={},
        ),
    ),
    # Line 1587 (client.py protocol_security: the flag is not 0).
    "protocolSecurity.get": (
        lambda block: _integer(block, "protocolSecurity", "protocolSecurityFlag") != 0,
        True,
    ),
    # Lines 1698, 1739, 1780, 1821, 1862 (client.py image_setting).
    **{
        f"{setting}.get": (
            lambda block, setting=setting: _integer(block, str(setting), "value"),
            100,
        )
        for setting in ImageSetting
    },
    # Lines 1903-1904.
    "mirror.get": (Mirror.from_block, Mirror(vertical=True, horizontal=True)),
    # Lines 2014-2026.
    "systemLogInfo.get": (
        _log_entries("SystemLogInfo"),
        [
            LogEntry(
                time="2019-12-26 17:51:23",
                major_type=4,
                minor_type=6,
                fields={
                    "deviceId": "",
                    "deviceIp": "",
                    "channelId": "0",
                    "userName": "",
                    "majorType": "4",
                    "minorType": "6",
                    "time": "2019-12-26 17:51:23",
                    "logData": "StartVideoStream",
                    "oldParamInfo": "",
                    "newParamInfo": "",
                },
            )
        ],
    ),
    # Lines 2064-2076.
    "alarmLogInfo.get": (
        _log_entries("AlarmLogInfo"),
        [
            LogEntry(
                time="2019-12-13 1:59:19",
                major_type=1,
                minor_type=1,
                fields={
                    "deviceId": "BB0120",
                    "deviceIp": "",
                    "deviceType": "0",
                    "sourceType": "1",
                    "sourceId": "1",
                    "majorType": "1",
                    "minorType": "1",
                    "description": "",
                    "alarmStartTime": "2019-12-13 1:59:19",
                    "alarmEndTime": "2019-12-13 2:10:19",
                },
            )
        ],
    ),
}


def test_every_get_reply_has_its_model() -> None:
    """Every key=value example reply of the document is read here."""
    assert set(REPLIES) == {e.id for e in EXAMPLES if e.reply.kind == "kv"}


@pytest.mark.parametrize(
    "ex", [e for e in EXAMPLES if e.id in REPLIES], ids=lambda e: e.id
)
@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_example_reply_parses_into_its_model(ex: Example, newline: str) -> None:
    """The example reply reads as the example's values, typed.

    Elided replies (streamAbility) are read from their cleaned lines.
    """
    read, expected = REPLIES[ex.id]
    body = newline.join(ex.reply.reply_lines) + newline
    lines = f"{ex.section}, lines {ex.reply.lines[0]}-{ex.reply.lines[1]}"
    assert read(kv.parse(body.encode())) == expected, lines


def test_alarm_log_entry_is_a_motion_event() -> None:
    """Get Alarm Log (lines 2064-2076): "alarmStartTime=2019-12-13 1:59:19".

    The hour is not zero-padded; sourceType=1, majorType=1, minorType=1 is
    the document's one alarm-log example, a motion alarm.
    """
    ex = example("alarmLogInfo.get")
    (entry,) = _log_entries("AlarmLogInfo")(kv.parse(ex.reply.text))
    event = AlarmEvent.from_entry(entry)
    assert event == AlarmEvent(
        start=device_time(2019, 12, 13, 1, 59, 19),
        end=device_time(2019, 12, 13, 2, 10, 19),
        source_type=1,
        source_id=1,
        major_type=1,
        minor_type=1,
        description="",
    )
    assert event.kind is AlarmKind.MOTION
    assert not event.is_open(device_time(2019, 12, 13, 2, 10, 19))


def test_empty_disk_slot_is_not_present() -> None:
    """Get Device Disk Info (lines 836-841): slot 2 answers diskStatus=0, size 0.

    The status list (lines 859-865) has no 0; "`3`: Disk not present" is what
    an empty slot is, and the disk status entity says so.
    """
    ex = example("deviceDiskInfo.get")
    first, empty = DiskInfo.from_block(kv.parse(ex.reply.text)).disks
    assert _disk_status(first) == "normal"
    assert _disk_status(empty) == "not_present"


def test_alarm_out_example_is_not_the_self_clean_profile() -> None:
    """Get Alarm Trigger Output (lines 1268-1273) is not the self-clean profile.

    "Self-Clean (default): alarmTime=300" with "alarmOutFrequency=5" (lines
    1293-1297); the example answers alarmTime=0 and 0.000000.
    """
    ex = example("alarmOut.get")
    output = AlarmOutput.from_block(kv.parse(ex.reply.text))
    assert not is_self_clean_profile(output.profile)


async def test_rtsp_reply_with_a_space_gives_a_usable_url(
    cam: EmulatedCamera, client: ExcelSenseClient, wire: Wire
) -> None:
    """Get RTSP Live Video answers "rtsp://192.168. 1.121:554/snl/live/1/1".

    (line 2114, with the space). The client joins the address, keeps the
    port and path, and points the URL at the host it reaches the device on
    (the device names its own view of its address).
    """
    ex = example("video.RTSP")
    (printed,) = ex.reply.verbatim
    cam.quirks.rtsp_whitespace = True
    cam.quirks.reported_ip = "192.168.1.121"
    cam.state.ports.values["rtspPort"] = "554"
    url = f"{cam.url}/cgi-bin/{ex.cgi}?{ex.request.raw_query(USERNAME, PASSWORD)}"
    async with wire.session.get(url) as response:
        assert (await response.text()).strip() == printed.strip()
    stream = await CALLS[ex.id].run(client, Values(ex))
    path = "/snl/live/1/1"
    assert stream == StreamUrl(
        url=f"rtsp://{USERNAME}:{PASSWORD}@127.0.0.1:554{path}",
        redacted=f"rtsp://{USERNAME}:***@127.0.0.1:554{path}",
    )


ERROR_CLASSES: dict[int, type[ExcelSenseResponseError]] = {
    -21: ExcelSenseNotSupportedError,
    -22: ExcelSenseNotSupportedError,
    -23: ExcelSenseInvalidParameterError,
    -505: ExcelSenseBusyError,
    -507: ExcelSenseAuthenticationError,
    -508: ExcelSenseAuthenticationError,
    -511: ExcelSenseBusyError,
    -512: ExcelSensePermissionError,
}


@pytest.mark.parametrize("code", load_error_codes(), ids=lambda c: str(c.code))
def test_error_reply_raises_its_error(code: ErrorCode) -> None:
    """'<error message> "error，return=%d"' (line 50), with the full-width comma.

    Every code of the Error Codes tables raises with its code and the table's
    description: -21/-22 not supported, -23 refused parameters, -505/-511
    busy, -507/-508 login, -512 permission, any other a response error.
    """
    error = load_general().error
    assert error.body_template is not None
    body = error.body_template.replace("%d", str(code.code)).encode()
    with pytest.raises(ExcelSenseResponseError) as info:
        check_reply(body, error.http_status, error.content_type, "kv", "param.cgi")
    expected = ERROR_CLASSES.get(code.code, ExcelSenseResponseError)
    assert type(info.value) is expected
    assert info.value.code == code.code
    assert info.value.message == code.description


async def test_device_error_reply_reaches_the_caller(
    cam: EmulatedCamera, client: ExcelSenseClient
) -> None:
    """A group the firmware lacks answers -22, "CGI subtype not found" (line 2301)."""
    cam.quirks.missing_types = frozenset({"protocolInfo"})
    with pytest.raises(ExcelSenseNotSupportedError) as info:
        await client.protocol_info()
    assert info.value.code == -22


# -------------------------------------------------------------------- 3. vendor scripts


@pytest.mark.parametrize("variant", ["--enable", "--disable"])
async def test_self_clean_schedule_is_change_timeout(
    cam: EmulatedCamera, client: ExcelSenseClient, variant: str
) -> None:
    """set_self_clean_schedule sends exactly what change_timeout.py sends.

    Same keys, same order, the booleans as the words true/false ("The
    booleans are the words true and false, lower case").
    """
    tool = TOOLS["change_timeout_py"]
    (script,) = [request for request in tool.requests if request.variant == variant]
    values = dict(script.params)
    times = [
        (int(values[f"Time{n}Hours"]), int(values[f"Time{n}Minutes"]))
        for n in ("One", "Two", "Three")
    ]
    timed = values["TimedSelfClean"] == "true"
    scheduled = values["ScheduledSelfClean"] == "true"
    # Start from the other settings, so every value comes from the arguments.
    current = SelfCleanSchedule(
        scheduled=not scheduled, timed=not timed, interval=30, times=((6, 30),)
    )
    cam.clear_requests()
    await client.set_self_clean_schedule(
        current,
        timed=timed,
        scheduled=scheduled,
        interval=int(values["TimeInterval"]),
        times=times,
    )
    # The set, then the settings read back (any 200 is taken, as the script
    # takes it: the camera's settings say whether it kept them).
    record, read_back = cam.requests
    assert record.path == tool.cgi
    assert received(record) == list(script.params)
    assert (read_back.get("action"), read_back.get("type")) == ("get", "IOAlarm")


async def test_restore_writes_the_reset_tool_profile(
    cam: EmulatedCamera, client: ExcelSenseClient
) -> None:
    """restore_self_clean_profile writes reset_trig_cap_settings.py's profile.

    Same keys in the same order and the same values, the name aside: the
    script writes alarmOutName=cleanTrigger, the document's example
    alarmOutName=selfCleanTrigger (lines 1305-1308), and the document puts
    no rule on it ("alarmOutName string Alarm output name.", line 1319).
    """
    tool = TOOLS["reset_trig_cap_settings_py"]
    (script,) = tool.requests
    name = example("alarmOut.set").request.get("alarmOutName")
    assert dict(script.params)["alarmOutName"] != name
    # The output as the document's get example shows it (lines 1268-1273).
    cam.state.alarm_out.values.update(
        {"alarmOutName": "runFinish", "alarmOutFrequency": "0", "alarmTime": "0"}
    )
    cam.clear_requests()
    await client.restore_self_clean_profile()
    (record,) = [r for r in cam.requests if r.get("action") == "set"]
    assert record.path == tool.cgi
    expected = [
        (key, name if key == "alarmOutName" else value) for key, value in script.params
    ]
    assert received(record) == expected
    assert cam.is_self_clean_profile()


@pytest.mark.parametrize("tool_id", ["cycle_py", "cycle_cs", "trigger1700_py"])
async def test_manual_alarm_is_the_trigger_scripts_request(
    cam: EmulatedCamera, client: ExcelSenseClient, wire: Wire, tool_id: str
) -> None:
    """manual_alarm(start=True) sends the trigger scripts' parameters, in order.

    As POST with the parameters in the query, the way cycle.cs sends it
    ("the parameters stay in the URL's query, the form body is empty");
    cycle.py and trigger1700.py send the same query as GET.
    """
    tool = TOOLS[tool_id]
    (script,) = tool.requests
    cam.clear_requests()
    await client.manual_alarm(start=True)
    (record,) = cam.requests
    assert record.path == tool.cgi
    assert received(record) == list(script.params)
    assert wire.sent == [(TOOLS["cycle_cs"].method, f"/cgi-bin/{tool.cgi}")]
    assert len(cam.pulses) == 1
