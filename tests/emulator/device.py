"""Stateful model of an ExcelSense IP camera (ToughEye-1700 / ToughCam-1000).

Plain Python, no HTTP: the server hands every request over as
``Device.handle(cgi_name, ordered_query_pairs)`` and sends back the ``Reply``.

Device state (``DeviceState``, exposed as ``EmulatedCamera.state``).  Every
settings group is a ``Section``: ``values`` maps keys to strings exactly as a
get answers them, ``loops`` maps a loop name to its entries (``key -> str``
dicts).  Tests may read and mutate all of it.

``model``
    "ToughEye-1700" or "ToughCam-1000".
``users``
    ``{name: User(name, password, group, note)}``; factory: the constructor
    credentials in group "Administrators".
``device_info``
    deviceInfo (deviceID, deviceName, productModel, MACAddress, versions, ...).
``camera_info``
    cameraInfo: cameraName.
``network``
    localNetwork of the single NIC: IPProtoVer, netCardId, IPAddress, subNetmask,
    subGetway, preferredDNS, alternateDNS, autoGetIPFlag.
``ports``
    devicePort: controlPort, httpPort, rtspPort, rtmpPort.
``clock_offset``
    seconds the device clock runs ahead of the emulator clock (dateTime set).
``time_zone``, ``ntp``, ``osd``, ``protocol_info``, ``protocol_security``, ``io_alarm``
    the flat groups timeZone, NTP, OSD, protocolInfo, protocolSecurity, IOAlarm.
``osd_canvases``
    list of Sections (values canvasID, topX, topY, fontSize, alignMode;
    loops ``OSDInfo``), sorted by canvasID.
``disk_info``
    deviceDiskInfo: loops ``diskInfo``.
``streams``
    ``{streamID: Section}`` AVStream settings of streams 1..3.
``stream_ability``
    ``{streamID: {videoEncoderType: [resolution, ...]}}``.
``record_policy``
    recordPolicy: values plus loops ``weekDay``.
``record_dirs``
    recordDirInfo: loops ``recordDirInfo`` (entry n is diskId n+1).
``alarm_out``
    alarmOut: alarmOutID, alarmOutName, alarmValidSignal, alarmMode,
    alarmOutFrequency, alarmTime.
``motion_alarm``
    motionAlarm: values plus loops ``motionDetectionArea``, ``weekDay`` and
    ``AlarmLinkage``.
``disk_alarm``
    diskAlarm: values plus loops ``AlarmLinkage``.
``sensor``
    ``{name: Section}`` for brightness, contrast, hue, saturation, sharpness
    (key ``value``) and mirror (``vertical``, ``horizontal``).

The physical side (alarm-output pulses, wiper cleaning, LED modes, lens dirt)
and the device logs live on ``Device`` itself and survive a factory reset.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from functools import partial
import ipaddress
import math
import re
from typing import TYPE_CHECKING, Final, Literal

from . import image, kv

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

MODELS: Final = {"ToughEye-1700": "ToughEye", "ToughCam-1000": "ToughCam"}
DEFAULT_MAC: Final = "00:1C:27:15:93:56"
ADMIN_GROUP: Final = "Administrators"
GROUPS: Final = (ADMIN_GROUP, "Operators", "Users")
FORBIDDEN_CHARS: Final = frozenset("`<>%&\\\"/,';=")
WRITE_ACTIONS: Final = frozenset(
    {"set", "add", "modify", "reset", "restart", "manualControl"}
)

ERR_CGI: Final = -21
ERR_TYPE: Final = -22
ERR_PARAM: Final = -23
# "-311 No results found" (the document's error code list, line 2421).
ERR_NO_RESULTS: Final = -311
ERR_BUSY: Final = -505
ERR_USER: Final = -507
ERR_LOGIN: Final = -508
ERR_MAX_CONNECTIONS: Final = -511
ERR_PERMISSION: Final = -512

type PulseModel = Literal["timed", "held"]
type Effect = Literal[
    "self_clean", "led_normally_disabled_toggle", "led_shutoff_toggle"
]
EFFECTS: Final[dict[int, Effect]] = {
    300: "self_clean",
    900: "led_normally_disabled_toggle",
    1700: "led_shutoff_toggle",
}
MAX_LOG_ENTRIES: Final = 500
_EPSILON: Final = 1e-9
_ERROR_PREFIX: Final = {
    "plain": "error,return=",
    "capital": "Error,return=",
    "fullwidth": "error\uff0creturn=",
}
# The OSD time formats the document lists, compared without their spaces.
_OSD_TIME_FORMATS: Final = frozenset(
    {
        "YYYY-MM-DDhh:mm:ssww",
        "hh:mm:ssYYYY-MM-DDww",
        "MM/DD/YYYYhh:mm:ssww",
        "hh:mm:ssMM/DD/YYYYww",
    }
)


class CgiError(Exception):
    """A request the device answers with ``error,return=<code>``."""

    def __init__(self, code: int, *, auth: bool = False) -> None:
        """Remember the code and whether it is an authentication failure."""
        super().__init__(code)
        self.code = code
        self.auth = auth


def _invalid() -> CgiError:
    return CgiError(ERR_PARAM)


@dataclass
class Quirks:
    """Firmware oddities; mutable, changes apply to the next request.

    ``error_style`` defaults to the document's own form, ``error，return=%d``
    (a full-width comma). ``missing_types`` answer -22, as on older firmware
    that lacks a group; ``io_alarm_numeric`` answers IOAlarm flags as 1/0
    instead of the vendor tool's true/false.

    ``pulse`` is how a manual pulse of the alarm output ends, one for each
    reading the document allows (see ``Pulse``): "timed" (the factory
    default) ends it by itself after alarmTime, "held" keeps the output on
    until controlFlag=0.

    ``log_no_results`` answers a log query that finds nothing with "-311 No
    results found" (the error code list, line 2421) instead of
    ``<name>Count=0``. ``schedule_unsuffixed`` answers recordPolicy's first
    period as ``startTime``/``endTime``, the parameter table's spelling
    (line 1121: "startTime long Start time in seconds"), instead of the
    example's ``startTime1``/``endTime1`` (line 1062). ``log_newest_first``
    lists a log's entries newest first: Get Alarm Log and Get Operation Log
    give no order.
    """

    crlf: bool = False
    error_style: Literal["plain", "capital", "fullwidth"] = "fullwidth"
    auth_failure: Literal["code", "http401"] = "code"
    rtsp_whitespace: bool = False
    reported_ip: str | None = None
    rtsp_token: str | None = None
    device_info_without_auth: bool = False
    stray_key_spaces: bool = False
    odd_markers: bool = False
    extra_keys: bool = False
    missing_types: frozenset[str] = frozenset()
    io_alarm_numeric: bool = False
    pulse: PulseModel = "timed"
    log_no_results: bool = False
    schedule_unsuffixed: bool = False
    log_newest_first: bool = False

    @property
    def newline(self) -> str:
        """Line ending of text replies."""
        return "\r\n" if self.crlf else "\n"

    def style(self) -> kv.Style:
        """How key=value replies are written."""
        return kv.Style(
            newline=self.newline,
            odd_markers=self.odd_markers,
            stray_key_spaces=self.stray_key_spaces,
            extra_keys=self.extra_keys,
        )


@dataclass(frozen=True, slots=True)
class AlarmOutProfile:
    """The alarm output settings that shape a manual pulse."""

    valid_signal: int
    mode: int
    frequency: float
    time_ms: int

    def is_trigger(self) -> bool:
        """True for the wiper/LED controller's signal (closed, 5 Hz).

        The document's Set Alarm Trigger Output: "For all operations:
        alarmValidSignal=1, alarmMode=1, alarmOutFrequency=5", while its
        example and the vendor's reset_trig_cap_settings.py use alarmMode=2;
        the controller reads the pulse length either way.
        """
        return (
            self.valid_signal == 1
            and self.mode in (1, 2)
            and math.isclose(self.frequency, 5.0)
        )


SELF_CLEAN_PROFILE: Final = AlarmOutProfile(
    valid_signal=1, mode=2, frequency=5.0, time_ms=300
)


@dataclass
class Pulse:
    """One alarm-output pulse.

    It starts with controlFlag=1 (or a linked alarm). The document allows two
    readings of how it ends (``Quirks.pulse``):

    - timed: it ends by itself after alarmTime ("alarmTime int Alarm duration
      in milliseconds"; the vendor's cycle.py, cycle.cs and trigger1700.py
      only ever send controlFlag=1); controlFlag=0 before then cuts it short,
      after it finds nothing to end;
    - held: the output stays on until controlFlag=0 ("controlFlag int Manual
      control flag. 1: start 0: end"); an end before alarmTime cuts it short.
      The document does not say what the controller makes of a pulse held
      longer than alarmTime: it is taken as whole. A linked alarm (motion)
      has no end to wait for and is always timed.

    A start while a pulse runs disturbs it (the controller sees one irregular
    signal); so does an alarmOut set while it runs.
    """

    start: float
    profile: AlarmOutProfile
    held: bool = False
    end: float | None = None
    completed: bool = False
    effect: Effect | None = None
    profile_changed: bool = False
    disturbed: bool = False
    cut_short: bool = False

    @property
    def due(self) -> float:
        """When the pulse ends by itself (never, while held)."""
        if self.held:
            return math.inf
        return self.start + self.duration

    @property
    def duration(self) -> float:
        """The profile's alarmTime, in seconds."""
        return max(0, self.profile.time_ms) / 1000

    @property
    def length(self) -> float | None:
        """How long the output was on (None while it still is)."""
        return None if self.end is None else self.end - self.start


@dataclass
class User:
    """A device account."""

    name: str
    password: str
    group: str = ADMIN_GROUP
    note: str = ""


@dataclass
class Section:
    """A settings group: flat values plus named loops of entries."""

    values: dict[str, str]
    loops: dict[str, list[dict[str, str]]] = field(default_factory=dict)


@dataclass
class LogEntry:
    """A system or alarm log record; ``major`` is what logType filters on."""

    time: datetime
    major: int
    fields: dict[str, str]


@dataclass(frozen=True, slots=True)
class Reply:
    """What the server sends back (``mjpeg`` asks it to stream that stream).

    ``chunked`` sends the body without a Content-Length, in chunked transfer
    encoding (the document does not say how replies are framed).
    """

    body: bytes
    content_type: str = "text/plain"
    status: int = 200
    mjpeg: int | None = None
    chunked: bool = False
    headers: tuple[tuple[str, str], ...] = ()


# --------------------------------------------------------------------------- rules

type Rule = Callable[[str], str]


def _parse_int(raw: str) -> int:
    if not re.fullmatch(r"-?\d{1,10}", raw):
        raise _invalid()
    return int(raw)


def int_rule(low: int | None = None, high: int | None = None, *, step: int = 1) -> Rule:
    """An integer (the document's ``int`` type), in ``low..high`` when given."""

    def check(raw: str) -> str:
        value = _parse_int(raw)
        if (low is not None and value < low) or (high is not None and value > high):
            raise _invalid()
        if value % step:
            raise _invalid()
        return str(value)

    return check


ANY_INT: Final = int_rule()


def clamped_int_rule(low: int, high: int) -> Rule:
    """Integer >= ``low``; larger than ``high`` is clamped to ``high``."""

    def check(raw: str) -> str:
        value = _parse_int(raw)
        if value < low:
            raise _invalid()
        return str(min(value, high))

    return check


def choice_rule(*allowed: str) -> Rule:
    """One of the listed values, exactly."""

    def check(raw: str) -> str:
        if raw not in allowed:
            raise _invalid()
        return raw

    return check


def float_rule(low: float | None = None, high: float | None = None) -> Rule:
    """Decimal number (in ``low..high`` when given), answered with six decimals."""

    def check(raw: str) -> str:
        if not re.fullmatch(r"-?\d{1,10}(\.\d{1,10})?", raw):
            raise _invalid()
        value = float(raw)
        if (low is not None and value < low) or (high is not None and value > high):
            raise _invalid()
        return f"{value:.6f}"

    return check


def text_rule(*, allow_empty: bool = True, forbid: bool = False) -> Rule:
    r"""Free text; ``forbid`` applies the document's disallowed characters.

    The document states no length limit and no character rule except its
    "Disallows: ` < > % & \\ " / , ' ; =" for deviceName and the OSD text
    watermark, so nothing else is refused.
    """

    def check(raw: str) -> str:
        if not raw and not allow_empty:
            raise _invalid()
        if forbid and FORBIDDEN_CHARS.intersection(raw):
            raise _invalid()
        return raw

    return check


def ipv4_rule(*, allow_empty: bool = False) -> Rule:
    """Dotted IPv4 address.

    "IPProtoVer ... `1`: IPv4"; of NTPIP: "Invalid format returns error".
    """

    def check(raw: str) -> str:
        if not raw and allow_empty:
            return raw
        try:
            return str(ipaddress.IPv4Address(raw))
        except ValueError:
            raise _invalid() from None

    return check


def netmask_rule(raw: str) -> str:
    """Contiguous IPv4 netmask (the IPv4 subnet mask of localNetwork)."""
    try:
        ipaddress.IPv4Network(f"0.0.0.0/{raw}")
    except ValueError:
        raise _invalid() from None
    return raw


def resolution_rule(raw: str) -> str:
    """``W*H`` ("Examples: 1920*1080, 1280*720, 640*480")."""
    if not re.fullmatch(r"\d{1,5}\*\d{1,5}", raw):
        raise _invalid()
    return raw


FLAG: Final = choice_rule("0", "1")
# "deviceName ... Disallows: ` < > % & \\ " / , ' ; ="
DEVICE_NAME: Final = text_rule(forbid=True)
# The document puts no rule on other text (camera and stream names, notes...).
TEXT: Final = text_rule()


@dataclass(frozen=True, slots=True)
class Field:
    """A settable key and its rule; ``rule=None`` marks a read-only key."""

    key: str
    rule: Rule | None = None
    required: bool = False


@dataclass(frozen=True, slots=True)
class Selector:
    """A key that picks what a get/set addresses (cameraID, streamID, ...)."""

    key: str
    rule: Rule
    on_get: bool = True
    on_set: bool = True


def validate(specs: Sequence[Field], given: Mapping[str, str]) -> dict[str, str]:
    """Validated, normalised values of the settable keys present in ``given``."""
    changes: dict[str, str] = {}
    for spec in specs:
        raw = given.get(spec.key)
        if raw is None:
            if spec.required:
                raise _invalid()
            continue
        if spec.rule is not None:
            changes[spec.key] = spec.rule(raw)
    return changes


def merge_entries(
    current: Sequence[dict[str, str]],
    incoming: Sequence[dict[str, str]],
    action: str,
    identity: Sequence[str],
) -> list[dict[str, str]]:
    """Apply a loop action: ``cover`` replaces, ``add`` merges, ``remove`` deletes.

    Two entries are the same when they agree on every identity key the incoming
    entry carries; ``add`` replaces a same entry instead of duplicating it.
    """

    def same(existing: dict[str, str], entry: dict[str, str]) -> bool:
        return all(existing.get(key) == entry[key] for key in identity if key in entry)

    result = [] if action == "cover" else [dict(entry) for entry in current]
    for entry in incoming:
        if action == "remove":
            result = [existing for existing in result if not same(existing, entry)]
            continue
        for index, existing in enumerate(result):
            if same(existing, entry):
                result[index] = entry
                break
        else:
            result.append(entry)
    return result


LOOP_ACTIONS: Final = frozenset({"cover", "add", "remove"})


@dataclass(frozen=True, slots=True)
class LoopRule:
    """How a loop inside a set request is validated and merged."""

    name: str
    fields: tuple[Field, ...]
    identity: tuple[str, ...]
    action_key: str
    actions: frozenset[str] = LOOP_ACTIONS
    max_entries: int | None = None
    check: Callable[[dict[str, str]], None] | None = None

    def apply(
        self, current: Sequence[dict[str, str]], node: kv.Node
    ) -> list[dict[str, str]] | None:
        """New entries after the request in ``node``; None when it carries no loop."""
        action = node.get(self.action_key, "add")
        if action not in self.actions:
            raise _invalid()
        nodes = node.loop(self.name)
        if nodes is None:
            return None
        incoming = []
        for entry_node in nodes:
            entry = validate(self.fields, entry_node.first())
            if self.check is not None:
                self.check(entry)
            incoming.append(entry)
        merged = merge_entries(current, incoming, action, self.identity)
        if self.max_entries is not None and len(merged) > self.max_entries:
            raise _invalid()
        return merged


def _check_schedule(entry: dict[str, str]) -> None:
    """Motion schedule: "endTime(1..3) ... Must be >= start time"."""
    _check_pairs(entry)
    for index in (1, 2, 3):
        start, end = entry.get(f"startTime{index}"), entry.get(f"endTime{index}")
        if start is not None and end is not None and int(end) < int(start):
            raise _invalid()


def _check_pairs(entry: dict[str, str]) -> None:
    """A start time comes with its end time (startTime1/endTime1, ...)."""
    for index in (1, 2, 3):
        start, end = entry.get(f"startTime{index}"), entry.get(f"endTime{index}")
        if (start is None) != (end is None):
            raise _invalid()


# "startTime ... Start time in seconds (0-86400)", "endTime(1..3) ... (0-86400)".
_SECONDS: Final = int_rule(0, 86400)
WEEKDAY_FIELDS: Final = (
    # "weekDay ... `0`: Sunday ... `6`: Saturday"
    Field("weekDay", int_rule(0, 6), required=True),
    *(
        Field(f"{kind}Time{index}", _SECONDS)
        for index in (1, 2, 3)
        for kind in ("start", "end")
    ),
)
LINKAGE_RULE: Final = LoopRule(
    name="AlarmLinkage",
    fields=(
        # "ActionType int Linkage action type. `1`: Alarm Trigger (Self-Clean)
        # `4`: Record" (lines 1440-1441): the list has a gap and forbids no
        # other type, so any whole number >= 0 is accepted (one set in the
        # camera's web interface comes back as it is).
        Field("ActionType", int_rule(0), required=True),
        # "ActionID ... meaning depends on ActionType": any integer.
        Field("ActionID", ANY_INT, required=True),
    ),
    identity=("ActionType", "ActionID"),
    # "AlarmLinkageParam ... Linkage loop action (default is add if omitted)"
    action_key="AlarmLinkageParam",
)
MOTION_SCHEDULE_RULE: Final = LoopRule(
    name="weekDay",
    fields=WEEKDAY_FIELDS,
    identity=("weekDay",),
    # "scheduleTimeAction ... Schedule loop action (default is add if omitted)"
    action_key="scheduleTimeAction",
    # "weekDayCount ... Number of scheduled days (max 7)"
    max_entries=7,
    check=_check_schedule,
)
RECORD_SCHEDULE_RULE: Final = LoopRule(
    name="weekDay",
    fields=WEEKDAY_FIELDS,
    identity=("weekDay",),
    # "scheduleTimeAction ... `cover`: Replace existing schedule. Default is
    # add if omitted."
    action_key="scheduleTimeAction",
    actions=frozenset({"cover", "add"}),
    max_entries=7,
    check=_check_pairs,
)
# "topX ... Top-left X coordinate of detection area (relative to 420*260 grid)"
GRID_WIDTH: Final = 420
GRID_HEIGHT: Final = 260


def _check_area(entry: dict[str, str]) -> None:
    """An area lies on the document's 420*260 grid."""
    if int(entry["topX"]) + int(entry["width"]) > GRID_WIDTH:
        raise _invalid()
    if int(entry["topY"]) + int(entry["height"]) > GRID_HEIGHT:
        raise _invalid()


AREA_RULE: Final = LoopRule(
    name="motionDetectionArea",
    fields=(
        Field("topX", int_rule(0, GRID_WIDTH - 1), required=True),
        Field("topY", int_rule(0, GRID_HEIGHT - 1), required=True),
        Field("width", int_rule(1, GRID_WIDTH), required=True),
        Field("height", int_rule(1, GRID_HEIGHT), required=True),
    ),
    identity=("topX", "topY", "width", "height"),
    # "motionDetectionAction ... (default is add if omitted)"
    action_key="motionDetectionAction",
    check=_check_area,
)


def _check_osd_info(entry: dict[str, str]) -> None:
    r"""OSD info: "Valid only for text or time watermark (OSDType == 4 or 5)".

    Time formats: the four the document lists (its get example answers them
    without spaces); text: "Cannot include: ` < > % & \\ " / , ' ; =".
    """
    info = entry.get("info")
    if info is None:
        return
    if entry["OSDType"] == "4":
        if "".join(info.split()) not in _OSD_TIME_FORMATS:
            raise _invalid()
    elif entry["OSDType"] == "5" and FORBIDDEN_CHARS.intersection(info):
        raise _invalid()


OSD_INFO_RULE: Final = LoopRule(
    name="OSDInfo",
    fields=(
        # "arrowID ... Arrow ID (must be 0). Required on set."
        Field("arrowID", choice_rule("0"), required=True),
        Field("OSDEnableFlag", FLAG),
        Field("OSDBlinkFlag", FLAG),
        # "OSD blink interval in seconds (>= 1)", an unsigned char.
        Field("OSDBlinkInterval", int_rule(1, 255)),
        # "OSDType ... `1`: Device name ... `5`: Text watermark"
        Field("OSDType", int_rule(1, 5), required=True),
        Field("info", TEXT),
    ),
    identity=("OSDType", "info"),
    # "OSDInfoAction ... `cover` `add` (Default) `remove`"
    action_key="OSDInfoAction",
    check=_check_osd_info,
)
# "topX int Top-left X coordinate as a percentage of total width (0-100)"; the
# get example answers it as 0.000000.
_PERCENT: Final = float_rule(0, 100)
CANVAS_FIELDS: Final = (
    # "canvasID int Canvas ID (1-8)"
    Field("canvasID", int_rule(1, 8), required=True),
    Field("topX", _PERCENT),
    Field("topY", _PERCENT),
    # "fontSize ... `1`: Large `2`: Medium `3`: Small. Note: `0` is only
    # returned by get and is invalid for set."
    Field("fontSize", int_rule(1, 3)),
    # "alignMode ... `0`: Left `1`: Right"
    Field("alignMode", FLAG),
)
# deviceInfo's channelNum=1: one channel.
CAMERA_ID: Final = choice_rule("1")
RECORD_DIR_FIELDS: Final = (
    Field("diskName", TEXT),
    Field("enableFlag", FLAG),
    # "alarmThreshold int Disk usage alarm threshold (percent)"
    Field("alarmThreshold", int_rule(0, 100)),
    # "groupID int Disk group ID. Must match record policy."
    Field("groupID", ANY_INT),
)
# User names and passwords: the document states no rule; they must be given.
USER_NAME: Final = text_rule(allow_empty=False)
PASSWORD: Final = text_rule(allow_empty=False)


# --------------------------------------------------------------------------- state


@dataclass
class DeviceState:
    """Configuration of the device (see the module docstring for each field)."""

    model: str
    users: dict[str, User]
    device_info: Section
    camera_info: Section
    network: Section
    ports: Section
    time_zone: Section
    ntp: Section
    osd: Section
    osd_canvases: list[Section]
    disk_info: Section
    streams: dict[int, Section]
    stream_ability: dict[int, dict[int, list[str]]]
    record_policy: Section
    record_dirs: Section
    alarm_out: Section
    motion_alarm: Section
    disk_alarm: Section
    protocol_info: Section
    protocol_security: Section
    sensor: dict[str, Section]
    io_alarm: Section
    clock_offset: float = 0.0

    @property
    def product_model(self) -> str:
        """ProductModel as deviceInfo answers it."""
        return MODELS[self.model]

    @property
    def self_cleaning(self) -> bool:
        """True for the ToughEye (wiper and LED controller on the alarm output)."""
        return self.product_model == "ToughEye"


def _canvas(
    canvas_id: int, top_x: int, top_y: int, font: int, align: int, info: dict[str, str]
) -> Section:
    values = {
        "canvasID": str(canvas_id),
        "topX": f"{top_x:.6f}",
        "topY": f"{top_y:.6f}",
        "fontSize": str(font),
        "alignMode": str(align),
    }
    return Section(
        values, {"OSDInfo": [{"arrowID": "0", "OSDEnableFlag": "1", **info}]}
    )


def _stream(
    name: str,
    encoder: int,
    audio: int,
    resolution: str,
    rate: int,
    bitrate_type: int,
    bitrate: int,
) -> Section:
    return Section(
        {
            "streamName": name,
            "videoEncoderType": str(encoder),
            "audioEncoderType": str(audio),
            "resolution": resolution,
            "frameRate": str(rate),
            "iFrameInterval": str(min(rate, 45)),
            "bitRateType": str(bitrate_type),
            "bitRate": str(bitrate),
            "quality": "9" if bitrate_type == 2 else "5",
            "streamEncoderFlag": "0",
        }
    )


def _full_week() -> list[dict[str, str]]:
    return [
        {"weekDay": str(day), "startTime1": "0", "endTime1": "86400"}
        for day in range(7)
    ]


def factory_state(
    model: str, mac: str, ip: str, username: str, password: str
) -> DeviceState:
    """The configuration a device ships with (and returns to on reset)."""
    product = MODELS[model]
    sensor = {
        name: Section({"value": "50"})
        for name in ("brightness", "contrast", "hue", "saturation", "sharpness")
    }
    sensor["mirror"] = Section({"vertical": "0", "horizontal": "0"})
    return DeviceState(
        model=model,
        users={username: User(username, password, ADMIN_GROUP, "admin")},
        device_info=Section(
            {
                "deviceID": mac.replace(":", "")[-6:],
                "deviceName": "",
                "deviceType": "1",
                "productModel": product,
                "manufacturerID": "272",
                "manufacturerName": "IPCamera",
                "MACAddress": mac,
                "hardwareVer": "V260084_2",
                "softwareVer": "v3.6.1607.1006.272.0.7.4.26",
                "channelNum": "1",
                "alarmInNum": "1",
                "alarmOutNum": "1",
                "RS485Num": "0",
            }
        ),
        camera_info=Section({"cameraName": "OEM"}),
        network=Section(
            {
                "IPProtoVer": "1",
                "netCardId": "1",
                "IPAddress": ip,
                "subNetmask": "255.255.255.0",
                "subGetway": ip.rsplit(".", 1)[0] + ".1" if ip.count(".") == 3 else "",
                "preferredDNS": "",
                "alternateDNS": "",
                "autoGetIPFlag": "1",
            }
        ),
        ports=Section(
            {
                "controlPort": "30001",
                "httpPort": "80",
                "rtspPort": "554",
                "rtmpPort": "8080",
            }
        ),
        time_zone=Section(
            {
                "timeZone": "85",
                "DSTOpenFlag": "0",
                "beginMonth": "3",
                "beginWeekly": "5",
                "beginWeekDays": "0",
                "beginTime": "60",
                "endMonth": "10",
                "endWeekly": "5",
                "endWeekDays": "0",
                "endTime": "120",
            }
        ),
        ntp=Section(
            {
                "enableFlag": "1",
                "IPProtoVer": "1",
                "NTPIP": "192.168.1.7",
                "NTPPort": "123",
                "NTPCheckTime": "3600",
            }
        ),
        osd=Section(
            {
                "fontColor": "1",
                "inverseFlag": "0",
                "TwelveHoursFlag": "0",
                "WeekFlag": "1",
                "alpha": "4",
            }
        ),
        osd_canvases=[
            _canvas(1, 0, 0, 2, 0, {"OSDType": "4", "info": "YYYY-MM-DD hh:mm:ss ww"}),
            _canvas(2, 0, 90, 2, 0, {"OSDType": "5", "info": product}),
            _canvas(3, 95, 0, 3, 1, {"OSDType": "2"}),
        ],
        disk_info=Section(
            {},
            {
                "diskInfo": [
                    {
                        "diskID": "1",
                        "diskTotalSize": "14912",
                        "diskFreeSize": "64",
                        "diskStatus": "1",
                    },
                    {
                        "diskID": "2",
                        "diskTotalSize": "0",
                        "diskFreeSize": "0",
                        "diskStatus": "0",
                    },
                ]
            },
        ),
        streams={
            1: _stream("stream1", 8, 102, "1920*1080", 30, 2, 4096),
            2: _stream("stream2", 1, 102, "640*360", 30, 2, 1024),
            3: _stream("stream3", 2, 109, "320*180", 15, 1, 512),
        },
        stream_ability={
            1: {
                8: ["1920*1080", "1280*720"],
                5: ["1920*1080", "1280*720"],
                1: ["1920*1080", "1280*720"],
            },
            2: {1: ["640*360", "640*480"], 8: ["640*360", "640*480"], 2: ["640*360"]},
            3: {2: ["320*180", "640*360"], 1: ["320*180"]},
        },
        record_policy=Section(
            {
                "cameraID": "1",
                "RecordOpenFlag": "0",
                "SaveDays": "7",
                "StreamId": "1",
                "AudioOpenFlag": "1",
                "DiskGroupId": "1",
            },
            {"weekDay": _full_week()},
        ),
        record_dirs=Section(
            {},
            {
                "recordDirInfo": [
                    _record_dir(
                        "SD0001",
                        "/mnt/sd0",
                        enabled=True,
                        status=1,
                        free=64,
                        usable=14912,
                    ),
                    _record_dir("", "", enabled=False, status=3, free=0, usable=0),
                ]
            },
        ),
        alarm_out=Section(
            {
                "alarmOutID": "1",
                "alarmOutName": "selfCleanTrigger",
                "alarmValidSignal": "1",
                "alarmMode": "2",
                "alarmOutFrequency": "5.000000",
                "alarmTime": "300",
            }
        ),
        motion_alarm=Section(
            {
                "motionDetectionEnableFlag": "0",
                "alarmInterval": "10",
                "sensitivity": "5",
            },
            {"motionDetectionArea": [], "weekDay": [], "AlarmLinkage": []},
        ),
        disk_alarm=Section(
            {
                "diskFullAlarmCheckFlag": "1",
                "diskErrorAlarmCheckFlag": "0",
                "NoDiskAlarmEnableFlag": "0",
                "AlarmInterval": "345",
            },
            {"AlarmLinkage": []},
        ),
        protocol_info=Section(
            {
                "protocolName": "ONVIF",
                "protocolVersion": "v22.06",
                "protocolSoftwareVersion": "v22.06_build000409",
            }
        ),
        protocol_security=Section({"protocolSecurityFlag": "1"}),
        sensor=sensor,
        io_alarm=Section(
            {
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
        ),
    )


def _record_dir(
    name: str, path: str, *, enabled: bool, status: int, free: int, usable: int
) -> dict[str, str]:
    return {
        "diskName": name,
        "diskPath": path,
        "diskWholePath": f"{path}/record" if path else "",
        "enableFlag": "1" if enabled else "0",
        "alarmThreshold": "90",
        "attribute": "1",
        "diskType": "2",
        "freeSpace": str(free),
        "groupID": "1",
        "status": str(status),
        "usableSpace": str(usable),
        "fileSystemFormat": "8",
    }


# --------------------------------------------------------------------------- flat types


type SectionPicker = Callable[[DeviceState, Mapping[str, str]], Section]
type CrossCheck = Callable[[DeviceState, Mapping[str, str], dict[str, str]], None]


@dataclass(frozen=True, slots=True)
class ParamType:
    """Table entry for a get/set type served by the generic handler.

    ``section`` picks the storage from the validated selectors, ``view`` replaces
    the default get rendering, ``check`` validates the merged values of a set
    and ``after_set`` reacts to a successful one.
    """

    section: SectionPicker
    fields: tuple[Field, ...] = ()
    selectors: tuple[Selector, ...] = ()
    loops: tuple[LoopRule, ...] = ()
    gettable: bool = True
    settable: bool = True
    view: Callable[[Device, Section], list[kv.Item]] | None = None
    check: CrossCheck | None = None
    after_set: Callable[[Device], None] | None = None
    self_cleaning_only: bool = False
    required_loops: tuple[str, ...] = ()


def _section(name: str) -> SectionPicker:
    def pick(state: DeviceState, _selected: Mapping[str, str]) -> Section:
        section = getattr(state, name)
        assert isinstance(section, Section)
        return section

    return pick


def _sensor(name: str) -> SectionPicker:
    return lambda state, _selected: state.sensor[name]


def _check_stream(
    state: DeviceState, selected: Mapping[str, str], merged: dict[str, str]
) -> None:
    ability = state.stream_ability[int(selected["streamID"])]
    resolutions = ability.get(int(merged["videoEncoderType"]))
    if resolutions is None or merged["resolution"] not in resolutions:
        raise _invalid()


def _check_ipv4_only(
    _state: DeviceState, selected: Mapping[str, str], _merged: dict[str, str]
) -> None:
    if selected.get("IPProtoVer") != "1":
        raise _invalid()


def _stream_view(_device: Device, section: Section) -> list[kv.Item]:
    values = section.values
    return [
        (key, value)
        for key, value in values.items()
        if key != "quality" or values["bitRateType"] == "2"
    ]


def _network_view(device: Device, section: Section) -> list[kv.Item]:
    entry: list[kv.Item] = [
        (key, device.reported_ip() if key == "IPAddress" else value)
        for key, value in section.values.items()
    ]
    return [kv.Loop("localNetwork", [entry], next_key="localNetworkNextFlag")]


def _record_policy_view(device: Device, section: Section) -> list[kv.Item]:
    """recordPolicy, its first periods spelled as the quirk asks."""
    names = {"startTime1": "startTime", "endTime1": "endTime"}
    days = [
        [
            (names.get(key, key) if device.quirks.schedule_unsuffixed else key, value)
            for key, value in day.items()
        ]
        for day in section.loops.get("weekDay", [])
    ]
    return [*section.values.items(), *loop_items("weekDay", days)]


def _check_disk_group(
    state: DeviceState, _selected: Mapping[str, str], merged: dict[str, str]
) -> None:
    """Refuse a group no record directory has ("Must match record directory group")."""
    groups = {entry["groupID"] for entry in state.record_dirs.loops["recordDirInfo"]}
    if merged["DiskGroupId"] not in groups:
        raise _invalid()


def io_flag_rule(raw: str) -> str:
    """IOAlarm booleans: true/false, and 1/0; stored as true/false.

    The vendor's change_timeout.py writes ``TimedSelfClean=true``.
    """
    word = raw.strip().lower()
    if word in ("true", "1"):
        return "true"
    if word in ("false", "0"):
        return "false"
    raise _invalid()


def _io_alarm_view(device: Device, section: Section) -> list[kv.Item]:
    if not device.quirks.io_alarm_numeric:
        return list(section.values.items())
    numeric = {"true": "1", "false": "0"}
    return [(key, numeric.get(value, value)) for key, value in section.values.items()]


# "value int Brightness value. Range: 0-100." (likewise the other four)
_SENSOR_VALUE: Final = (Field("value", int_rule(0, 100), required=True),)
# "DST start time in minutes from 00:00 (must be a multiple of 30)"
_MINUTES_OF_DAY: Final = int_rule(0, 1439, step=30)
# Ports are "unsigned short".
_PORT: Final = int_rule(0, 65535)
# dateTime: "hour int Hour (0-23)", "minute int Minute (0-59)", "second ... (0-59)"
_HOURS: Final = int_rule(0, 23)
_MINUTES: Final = int_rule(0, 59)

PARAM_TYPES: Final[dict[str, ParamType]] = {
    "deviceInfo": ParamType(_section("device_info"), settable=False),
    "deviceName": ParamType(
        _section("device_info"),
        # The document's example output has "deviceName=" (empty).
        fields=(Field("deviceName", DEVICE_NAME, required=True),),
        gettable=False,
    ),
    "cameraInfo": ParamType(
        _section("camera_info"),
        # "cameraName ... If omitted on set, the name is not modified."
        fields=(Field("cameraName", TEXT),),
        # "cameraID ... Optional on get (omit for all channels); required on set."
        selectors=(Selector("cameraID", CAMERA_ID, on_get=False),),
    ),
    "localNetwork": ParamType(
        _section("network"),
        fields=(
            Field("IPAddress", ipv4_rule()),
            Field("subNetmask", netmask_rule),
            # The document's example answers preferredDNS= and alternateDNS=.
            Field("subGetway", ipv4_rule(allow_empty=True)),
            Field("preferredDNS", ipv4_rule(allow_empty=True)),
            Field("alternateDNS", ipv4_rule(allow_empty=True)),
            # "autoGetIPFlag ... `0`: Manual `1`: Automatic"
            Field("autoGetIPFlag", FLAG),
        ),
        selectors=(
            # "IPProtoVer ... `2`: IPv6 (not supported; still returns IPv4). Required."
            Selector("IPProtoVer", choice_rule("1", "2")),
            # "netCardId ... Optional for get ...; required for set." One NIC here.
            Selector("netCardId", choice_rule("1"), on_get=False),
        ),
        view=_network_view,
        check=_check_ipv4_only,
    ),
    "devicePort": ParamType(
        _section("ports"),
        # Each port "Optional on set".
        fields=tuple(
            Field(key, _PORT)
            for key in ("controlPort", "httpPort", "rtspPort", "rtmpPort")
        ),
    ),
    "timeZone": ParamType(
        _section("time_zone"),
        fields=(
            # "timeZone int Time zone ID (0-300)."
            Field("timeZone", int_rule(0, 300)),
            Field("DSTOpenFlag", FLAG),
            *(
                Field(f"{edge}{key}", rule)
                for edge in ("begin", "end")
                for key, rule in (
                    # "(1-12)", "week in month (1-5)", "`0`: Sunday ... `6`: Saturday"
                    ("Month", int_rule(1, 12)),
                    ("Weekly", int_rule(1, 5)),
                    ("WeekDays", int_rule(0, 6)),
                    ("Time", _MINUTES_OF_DAY),
                )
            ),
        ),
    ),
    "NTP": ParamType(
        _section("ntp"),
        fields=(
            Field("enableFlag", FLAG),
            # "NTPIP ... Invalid format returns error."
            Field("NTPIP", ipv4_rule()),
            # "NTPPort int NTP server port (0-65535). Values above 65535 are
            # clamped to 65535."
            Field("NTPPort", clamped_int_rule(0, 65535)),
            # "NTPCheckTime int NTP server synchronization interval, in seconds."
            Field("NTPCheckTime", ANY_INT),
        ),
        # "IPProtoVer ... Only IPv4 is supported. Use 1."
        selectors=(Selector("IPProtoVer", choice_rule("1"), on_get=False),),
    ),
    "OSD": ParamType(
        _section("osd"),
        fields=(
            # "fontColor ... `0`: Other ... `9`: Purple"
            Field("fontColor", int_rule(0, 9)),
            Field("inverseFlag", FLAG),
            # Flags of the get example the parameter table does not describe.
            Field("TwelveHoursFlag", ANY_INT),
            Field("WeekFlag", ANY_INT),
            # "alpha ... `1`: Transparent ... `4`: Opaque. Note: `0` is only
            # returned by get and is invalid for set."
            Field("alpha", int_rule(1, 4)),
        ),
        selectors=(Selector("cameraID", CAMERA_ID),),
    ),
    "deviceDiskInfo": ParamType(
        _section("disk_info"), loops=(LoopRule("diskInfo", (), (), ""),), settable=False
    ),
    "AVStream": ParamType(
        lambda state, selected: state.streams[int(selected["streamID"])],
        fields=(
            Field("streamName", TEXT),
            # "videoEncoderType ... `1`: H264 `2`: MJPEG `4`: H264_MAIN
            # `5`: H264_HIGH `8`: H265_MAIN"
            Field("videoEncoderType", choice_rule("1", "2", "4", "5", "8")),
            # "audioEncoderType ... 102, 103, 108, 109"
            Field("audioEncoderType", choice_rule("102", "103", "108", "109")),
            # "Resolution (device-dependent)": checked against streamAbility.
            Field("resolution", resolution_rule),
            # "Frame rate (fps). Range depends on device (often 1-25)": this
            # device takes 1-30.
            Field("frameRate", int_rule(1, 30)),
            # "iFrameInterval int I-frame interval (1-45)."
            Field("iFrameInterval", int_rule(1, 45)),
            Field("bitRateType", choice_rule("1", "2")),
            # "Bit rate in kbps (range depends on resolution and device)":
            # this device takes 32-8192.
            Field("bitRate", int_rule(32, 8192)),
            # "quality ... `1` (worst) to `9` (best)"
            Field("quality", int_rule(1, 9)),
        ),
        selectors=(
            Selector("cameraID", CAMERA_ID),
            Selector("streamID", choice_rule("1", "2", "3")),
        ),
        view=_stream_view,
        check=_check_stream,
    ),
    "recordPolicy": ParamType(
        _section("record_policy"),
        view=_record_policy_view,
        fields=(
            Field("RecordOpenFlag", FLAG),
            # "SaveDays int Retention in days."
            Field("SaveDays", ANY_INT),
            # "StreamId int Stream ID. Required for set."
            Field("StreamId", choice_rule("1", "2", "3"), required=True),
            Field("AudioOpenFlag", FLAG),
            # Required in the set URL; "Must match record directory group".
            Field("DiskGroupId", ANY_INT, required=True),
        ),
        selectors=(Selector("cameraID", CAMERA_ID),),
        loops=(RECORD_SCHEDULE_RULE,),
        # "weekDayBegin int Schedule loop start flag (required on set)."
        required_loops=("weekDay",),
        check=_check_disk_group,
    ),
    "alarmOut": ParamType(
        _section("alarm_out"),
        fields=(
            Field("alarmOutName", TEXT),
            # "alarmValidSignal ... `0`: Open `1`: Close"
            Field("alarmValidSignal", FLAG),
            # "alarmMode ... `1`: Switching `2`: Square-wave"
            Field("alarmMode", choice_rule("1", "2")),
            # "alarmOutFrequency float Alarm frequency."
            Field("alarmOutFrequency", float_rule(0)),
            # "alarmTime int Alarm duration in milliseconds."
            Field("alarmTime", int_rule(0)),
        ),
        selectors=(Selector("alarmOutID", choice_rule("1"), on_set=False),),
        after_set=lambda device: device.spoil_running_pulse(),
    ),
    "motionAlarm": ParamType(
        _section("motion_alarm"),
        fields=(
            Field("motionDetectionEnableFlag", FLAG),
            # "alarmInterval int Alarm interval in seconds (1-1800)."
            Field("alarmInterval", int_rule(1, 1800)),
            # "sensitivity int Motion sensitivity (device-dependent)": 1-10 here.
            Field("sensitivity", int_rule(1, 10)),
        ),
        # "cameraID int Channel ID (required on set)."
        selectors=(Selector("cameraID", CAMERA_ID),),
        loops=(AREA_RULE, MOTION_SCHEDULE_RULE, LINKAGE_RULE),
    ),
    "diskAlarm": ParamType(
        _section("disk_alarm"),
        fields=(
            Field("diskFullAlarmCheckFlag", FLAG),
            Field("diskErrorAlarmCheckFlag", FLAG),
            Field("NoDiskAlarmEnableFlag", FLAG),
            # "AlarmInterval int Alarm interval in seconds (10-86400)."
            Field("AlarmInterval", int_rule(10, 86400)),
        ),
        selectors=(Selector("alarmInID", choice_rule("1")),),
        loops=(LINKAGE_RULE,),
    ),
    "protocolInfo": ParamType(_section("protocol_info"), settable=False),
    "protocolSecurity": ParamType(
        # "protocolSecurityFlag ... Optional on set (omit for no change)."
        _section("protocol_security"),
        fields=(Field("protocolSecurityFlag", FLAG),),
    ),
    # Not in the document: the vendor's change_timeout.py sets it with
    # ScheduledSelfClean=false&TimedSelfClean=true|false&TimeOneHours=0...
    # &TimeInterval=N and refuses a delay outside "1-1440 minutes".
    "IOAlarm": ParamType(
        _section("io_alarm"),
        fields=(
            Field("ScheduledSelfClean", io_flag_rule),
            Field("TimedSelfClean", io_flag_rule),
            Field("TimeInterval", int_rule(1, 1440)),
            *(
                Field(f"Time{which}{unit}", ANY_INT)
                for which in ("One", "Two", "Three")
                for unit in ("Hours", "Minutes")
            ),
        ),
        view=_io_alarm_view,
        self_cleaning_only=True,
    ),
}

SENSOR_TYPES: Final[dict[str, ParamType]] = {
    **{
        name: ParamType(_sensor(name), fields=_SENSOR_VALUE)
        for name in ("brightness", "contrast", "hue", "saturation", "sharpness")
    },
    "mirror": ParamType(
        # "vertical int Vertical flip. 0: Off, 1: On" (horizontal likewise)
        _sensor("mirror"),
        fields=(Field("vertical", FLAG), Field("horizontal", FLAG)),
    ),
}

# Set Device Time: every field is in the URL; "year int Year." has no range
# (1-9999 is what this device's clock holds), the others as the document states.
DATE_TIME_FIELDS: Final = (
    Field("year", int_rule(1, 9999), required=True),
    Field("month", int_rule(1, 12), required=True),
    Field("day", int_rule(1, 31), required=True),
    Field("hour", _HOURS, required=True),
    Field("minute", _MINUTES, required=True),
    Field("second", _MINUTES, required=True),
)


def loop_items(
    name: str, entries: Sequence[Sequence[kv.Item]], *, next_key: str | None = None
) -> list[kv.Item]:
    """A counted loop, or just ``<name>Count=0`` when there is nothing to list."""
    if not entries:
        return [(f"{name}Count", "0")]
    return [
        kv.Loop(name, [list(entry) for entry in entries], count=True, next_key=next_key)
    ]


def _log_time(moment: datetime) -> str:
    """Log timestamps as the spec shows them: ``2019-12-13 1:59:19`` (hour unpadded)."""
    return f"{moment:%Y-%m-%d} {moment.hour}:{moment:%M:%S}"


# "startTime string Log start time, format yyyymmddhhmmss. Minimum is
# 197101010000." (the minimum written with twelve digits, so both lengths).
_LOG_MINIMUM: Final = datetime(1971, 1, 1)  # noqa: DTZ001 - naive local, like the device


def _parse_log_bound(raw: str | None) -> datetime:
    formats = {14: "%Y%m%d%H%M%S", 12: "%Y%m%d%H%M"}
    if raw is None or not raw.isdigit() or len(raw) not in formats:
        raise _invalid()
    try:
        moment = datetime.strptime(raw, formats[len(raw)])  # noqa: DTZ007 - the device clock is naive local time
    except ValueError:
        raise _invalid() from None
    if moment < _LOG_MINIMUM:
        raise _invalid()
    return moment


# --------------------------------------------------------------------------- device


@dataclass
class Query:
    """One request: ordered pairs, their loop tree and the authenticated user."""

    pairs: Sequence[tuple[str, str]]
    node: kv.Node
    user: User | None = None

    @classmethod
    def parse(cls, pairs: Sequence[tuple[str, str]]) -> Query:
        """Parse the ordered query pairs."""
        return cls(pairs, kv.parse_pairs(pairs))

    def raw(self, key: str) -> str | None:
        """First value of ``key`` anywhere in the query."""
        return next((value for name, value in self.pairs if name == key), None)

    def get(self, key: str) -> str | None:
        """First value of ``key`` outside any loop."""
        return self.node.get(key)

    def require(self, key: str, rule: Rule) -> str:
        """Validated top-level value that must be present."""
        value = self.get(key)
        if value is None:
            raise _invalid()
        return rule(value)

    def optional(self, key: str, rule: Rule, default: str | None = None) -> str | None:
        """Validated top-level value, or ``default`` when absent."""
        value = self.get(key)
        return default if value is None else rule(value)

    @property
    def user_name(self) -> str:
        """Name of the requesting user ("" when unauthenticated)."""
        return self.user.name if self.user else ""


type Result = Reply | list[kv.Item] | None
type Handler = Callable[[Query], Result]


class Device:
    """The camera: configuration, physical outputs, logs and request handling."""

    def __init__(
        self,
        *,
        model: str,
        mac: str,
        ip: str,
        username: str,
        password: str,
        quirks: Quirks,
        clock: Callable[[], float],
        wall_clock: Callable[[], float],
        cleaning_duration: float = 6.0,
        dirt_rate: float = 0.0,
        restart_downtime: float = 0.0,
    ) -> None:
        """Create a device in its factory state."""
        if model not in MODELS:
            msg = f"unknown model {model!r}, expected one of {sorted(MODELS)}"
            raise ValueError(msg)
        self._factory = (model, mac, ip, username, password)
        self.state = factory_state(*self._factory)
        self.quirks = quirks
        self.clock = clock
        self.cleaning_duration = cleaning_duration
        self.dirt_rate = dirt_rate
        self.restart_downtime = restart_downtime
        self.stuck = False
        self.led_normally_disabled = False
        self.led_shutoff = False
        self._pulses: list[Pulse] = []
        self.system_logs: list[LogEntry] = []
        self._alarm_logs: list[LogEntry] = []
        self._motion_log: LogEntry | None = None
        self._motion_until: float | None = None
        self._clock_anchor = clock()
        self._wall_anchor = wall_clock()
        self._cleaning_until = -math.inf
        self._down_until = -math.inf
        self._dirt = 0.0
        self._dirt_since = self._clock_anchor
        self._pulse_log: LogEntry | None = None
        # Observers outside the CGI side (the ONVIF event service): an alarm
        # ("motion") changed state at a device-clock moment; the device rebooted.
        self.alarm_listeners: list[Callable[[str, bool, datetime], None]] = []
        self.restart_listeners: list[Callable[[], None]] = []
        self._routes = self._build_routes()
        self._system_log(1, 1, "Boot")

    # ----------------------------------------------------------------- physical side

    def now(self) -> datetime:
        """The device clock (naive local time)."""
        elapsed = self.clock() - self._clock_anchor
        seconds = self._wall_anchor + elapsed + self.state.clock_offset
        return datetime.fromtimestamp(seconds)  # noqa: DTZ006 - naive local, like the device

    @property
    def pulses(self) -> list[Pulse]:
        """Every alarm-output pulse so far (ended ones settled)."""
        self.settle()
        return self._pulses

    @property
    def alarm_logs(self) -> list[LogEntry]:
        """Alarm log entries (motion, pulses), ended ones with their end time."""
        self.settle()
        return self._alarm_logs

    @property
    def cleaning(self) -> bool:
        """True while the wiper runs after a completed self-clean pulse."""
        self.settle()
        return self.clock() < self._cleaning_until

    @property
    def dirt(self) -> float:
        """Lens dirt 0..1, growing by ``dirt_rate`` per hour of clock."""
        self.settle()
        grown = self.dirt_rate * (self.clock() - self._dirt_since) / 3600
        return min(1.0, max(0.0, self._dirt + grown))

    @dirt.setter
    def dirt(self, value: float) -> None:
        self._set_dirt(value, self.clock())

    def _set_dirt(self, value: float, at: float) -> None:
        self._dirt = min(1.0, max(0.0, value))
        self._dirt_since = at

    @property
    def running_pulse(self) -> Pulse | None:
        """The pulse currently driving the output, if any."""
        self.settle()
        return self._running()

    def _running(self) -> Pulse | None:
        if self._pulses and self._pulses[-1].end is None:
            return self._pulses[-1]
        return None

    def settle(self) -> None:
        """End what has run its course by now: a pulse, a motion alarm."""
        pulse = self._running()
        if pulse is not None and self.clock() >= pulse.due:
            self._finish_pulse(pulse, pulse.due)
        if self._motion_until is not None and self.clock() >= self._motion_until:
            self._end_motion(self._motion_until)

    def spoil_running_pulse(self) -> None:
        """Mark the running pulse as disturbed (its profile changed under it)."""
        if (pulse := self.running_pulse) is not None:
            pulse.profile_changed = True

    def alarm_out_profile(self) -> AlarmOutProfile:
        """The alarm output settings now."""
        values = self.state.alarm_out.values
        return AlarmOutProfile(
            valid_signal=int(values["alarmValidSignal"]),
            mode=int(values["alarmMode"]),
            frequency=float(values["alarmOutFrequency"]),
            time_ms=int(values["alarmTime"]),
        )

    def is_down(self) -> bool:
        """True while the device reboots after a restart or reset."""
        return self.clock() < self._down_until

    def reported_ip(self) -> str:
        """The IP the device believes it has."""
        return self.quirks.reported_ip or self.state.network.values["IPAddress"]

    @property
    def motion_active(self) -> bool:
        """Whether a motion alarm is running now."""
        self.settle()
        return self._motion_log is not None

    def trigger_motion(self, duration: float | None = 10.0) -> bool:
        """Something moves in front of the camera for ``duration`` seconds.

        With motion detection on, the alarm log gets a motion entry (the
        document's example codes: sourceType 1, majorType 1, minorType 1) whose
        end time is written when the motion ends (None: runs until
        ``end_motion``); motion while one runs extends it. The alarm's
        self-clean linkage (ActionType 1) pulses the alarm output. Returns
        whether an alarm was raised.
        """
        self.settle()
        if self.state.motion_alarm.values["motionDetectionEnableFlag"] != "1":
            return False
        now = self.clock()
        until = None if duration is None else now + duration
        if self._motion_log is not None:
            if until is None or (
                self._motion_until is not None and until > self._motion_until
            ):
                self._motion_until = until
            return True
        self._motion_log = self._alarm_log(
            major=1, source_type=1, description="motion", end=False
        )
        self._motion_until = until
        self._tell_alarm("motion", active=True, at=now)
        linked = any(
            entry["ActionType"] == "1"
            for entry in self.state.motion_alarm.loops["AlarmLinkage"]
        )
        if linked and self._running() is None:
            self._start_pulse(source="motion")
        return True

    def end_motion(self) -> None:
        """The motion stops now."""
        self.settle()
        if self._motion_log is not None:
            self._end_motion(self.clock())

    def _end_motion(self, at: float) -> None:
        ended = self._motion_log
        if ended is not None:
            ended.fields["alarmEndTime"] = _log_time(self._at(at))
        self._motion_log = None
        self._motion_until = None
        if ended is not None:
            self._tell_alarm("motion", active=False, at=at)

    def _tell_alarm(self, alarm: str, *, active: bool, at: float) -> None:
        for listener in self.alarm_listeners:
            listener(alarm, active, self._at(at))

    def _at(self, moment: float) -> datetime:
        """The device clock at emulator-clock ``moment``."""
        return self.now() - timedelta(seconds=self.clock() - moment)

    def _start_pulse(self, source: str) -> Pulse:
        pulse = Pulse(
            start=self.clock(),
            profile=self.alarm_out_profile(),
            held=self.quirks.pulse == "held" and source == "manualControl",
        )
        self._pulses.append(pulse)
        self._pulse_log = self._alarm_log(
            major=2, source_type=2, description=source, end=False
        )
        return pulse

    def _apply_effect(self, effect: Effect | None, at: float) -> None:
        if effect == "self_clean":
            self._cleaning_until = at + self.cleaning_duration
            if not self.stuck:
                self._set_dirt(0.0, at)
        elif effect == "led_normally_disabled_toggle":
            self.led_normally_disabled = not self.led_normally_disabled
        elif effect == "led_shutoff_toggle":
            self.led_shutoff = not self.led_shutoff

    def _finish_pulse(self, pulse: Pulse, at: float) -> None:
        pulse.end = at
        pulse.completed = not (
            pulse.profile_changed or pulse.disturbed or pulse.cut_short
        )
        if pulse.completed and self.state.self_cleaning and pulse.profile.is_trigger():
            pulse.effect = EFFECTS.get(pulse.profile.time_ms)
        self._apply_effect(pulse.effect, at)
        if self._pulse_log is not None:
            self._pulse_log.fields["alarmEndTime"] = _log_time(self._at(at))
            if pulse.effect:
                self._pulse_log.fields["description"] = pulse.effect
            elif not pulse.completed:
                self._pulse_log.fields["description"] = "disturbed"
            self._pulse_log = None

    # ----------------------------------------------------------------- rendering

    def frame(self, stream_id: int) -> image.Frame:
        """What a frame of ``stream_id`` shows right now."""
        width, height = image.scaled_size(
            self.state.streams[stream_id].values["resolution"]
        )
        info = self.state.device_info.values
        status = "CLEANING" if self.cleaning else "READY"
        if self.led_normally_disabled:
            status += "  LED normally-disabled"
        if self.led_shutoff:
            status += "  LED shutoff"
        lines = (
            info["deviceName"] or f"{info['productModel']} {info['deviceID']}",
            f"{self.now():%Y-%m-%d %H:%M:%S}",
            status,
        )
        return image.Frame(
            width, height, lines, self.cleaning, image.dirt_level(self.dirt)
        )

    def jpeg(self, stream_id: int = 1, quality: int = 9) -> bytes:
        """A JPEG of ``stream_id`` at API quality ``quality`` (1..9)."""
        return image.render_jpeg(self.frame(stream_id), quality)

    # ----------------------------------------------------------------- replies

    def text_reply(self, text: str, status: int = 200) -> Reply:
        """A plain text reply in the current line-ending style."""
        return Reply(f"{text}{self.quirks.newline}".encode(), status=status)

    def error_reply(self, code: int, *, auth: bool = False) -> Reply:
        """``error,return=<code>`` in the current quirk style."""
        status = 401 if auth and self.quirks.auth_failure == "http401" else 200
        return self.text_reply(
            f"{_ERROR_PREFIX[self.quirks.error_style]}{code}", status
        )

    def _reply(self, result: Result) -> Reply:
        if isinstance(result, Reply):
            return result
        if result is None:
            return self.text_reply("OK")
        return Reply(kv.dump(result, self.quirks.style()).encode())

    def handle(self, cgi: str, pairs: Sequence[tuple[str, str]]) -> Reply:
        """Answer one request to ``/cgi-bin/<cgi>``."""
        self.settle()
        try:
            handler = self._routes.get(cgi)
            if handler is None:
                raise CgiError(ERR_CGI)  # noqa: TRY301
            query = Query.parse(pairs)
            if not self._auth_exempt(cgi, query):
                query.user = self._authenticate(query)
            return self._reply(handler(query))
        except CgiError as error:
            return self.error_reply(error.code, auth=error.auth)

    def _auth_exempt(self, cgi: str, query: Query) -> bool:
        return (
            self.quirks.device_info_without_auth
            and cgi == "param.cgi"
            and query.raw("action") == "get"
            and query.raw("type") == "deviceInfo"
        )

    def _authenticate(self, query: Query) -> User:
        name = query.raw("userName")
        user = self.state.users.get(name) if name is not None else None
        if user is None:
            raise CgiError(ERR_USER, auth=True)
        if query.raw("password") != user.password:
            raise CgiError(ERR_LOGIN, auth=True)
        return user

    @staticmethod
    def _permit(query: Query, action: str) -> None:
        if action in WRITE_ACTIONS and (
            query.user is None or query.user.group != ADMIN_GROUP
        ):
            raise CgiError(ERR_PERMISSION)

    # ----------------------------------------------------------------- routing

    def _build_routes(self) -> dict[str, Handler]:
        param = self._type_table(PARAM_TYPES)
        param["dateTime"] = {"get": self._get_date_time, "set": self._set_date_time}
        param["OSDCanvas"] = {"get": self._get_osd_canvas, "set": self._set_osd_canvas}
        param["streamAbility"] = {"get": self._get_stream_ability}
        param["recordDirInfo"] = {
            "get": self._get_record_dirs,
            "set": self._set_record_dir,
        }
        param["systemLogInfo"] = {
            "get": lambda query: self._get_logs(
                query, self.system_logs, "SystemLogInfo"
            )
        }
        param["alarmLogInfo"] = {
            "get": lambda query: self._get_logs(query, self.alarm_logs, "AlarmLogInfo")
        }
        param["User"] = {"add": self._add_user, "modify": self._modify_user}
        sensor = self._type_table(SENSOR_TYPES)
        return {
            "param.cgi": lambda query: self._dispatch(query, param),
            "sensor.cgi": lambda query: self._dispatch(query, sensor),
            "alarm.cgi": lambda query: self._dispatch_action(
                query, {"manualControl": self._manual_control}
            ),
            "operate.cgi": lambda query: self._dispatch_action(
                query, {"reset": self._reset, "restart": self._restart}
            ),
            "video.cgi": self._video,
            "image.cgi": self._image,
        }

    def _type_table(
        self, types: Mapping[str, ParamType]
    ) -> dict[str, dict[str, Handler]]:
        table: dict[str, dict[str, Handler]] = {}
        for name, spec in types.items():
            if spec.self_cleaning_only and not self.state.self_cleaning:
                continue
            actions: dict[str, Handler] = {}
            if spec.gettable:
                actions["get"] = partial(self._flat_get, spec)
            if spec.settable:
                actions["set"] = partial(self._flat_set, name, spec)
            table[name] = actions
        return table

    def _dispatch(
        self, query: Query, table: Mapping[str, Mapping[str, Handler]]
    ) -> Result:
        type_name = query.raw("type")
        actions = table.get(type_name) if type_name is not None else None
        if actions is None or type_name in self.quirks.missing_types:
            # "-22 CGI subtype not found"
            raise CgiError(ERR_TYPE)
        return self._dispatch_action(query, actions)

    def _dispatch_action(self, query: Query, actions: Mapping[str, Handler]) -> Result:
        action = query.raw("action")
        handler = actions.get(action) if action is not None else None
        if action is None or handler is None:
            raise _invalid()
        self._permit(query, action)
        return handler(query)

    # ----------------------------------------------------------------- generic types

    @staticmethod
    def _selected(spec: ParamType, query: Query, *, setting: bool) -> dict[str, str]:
        selected: dict[str, str] = {}
        for selector in spec.selectors:
            raw = query.get(selector.key)
            if raw is None:
                if selector.on_set if setting else selector.on_get:
                    raise _invalid()
                continue
            selected[selector.key] = selector.rule(raw)
        return selected

    def _flat_get(self, spec: ParamType, query: Query) -> list[kv.Item]:
        section = spec.section(self.state, self._selected(spec, query, setting=False))
        if spec.view is not None:
            return spec.view(self, section)
        items: list[kv.Item] = list(section.values.items())
        for rule in spec.loops:
            entries = section.loops.get(rule.name, [])
            items.extend(
                loop_items(rule.name, [list(entry.items()) for entry in entries])
            )
        return items

    def _flat_set(self, name: str, spec: ParamType, query: Query) -> None:
        selected = self._selected(spec, query, setting=True)
        section = spec.section(self.state, selected)
        changes = validate(spec.fields, query.node.first())
        loops: dict[str, list[dict[str, str]]] = {}
        for rule in spec.loops:
            merged = rule.apply(section.loops.get(rule.name, []), query.node)
            if merged is not None:
                loops[rule.name] = merged
            elif rule.name in spec.required_loops:
                raise _invalid()
        if spec.check is not None:
            spec.check(self.state, selected, {**section.values, **changes})
        old = {key: section.values.get(key, "") for key in changes}
        section.values.update(changes)
        section.loops.update(loops)
        if spec.after_set is not None:
            spec.after_set(self)
        self._log_set(name, query, old, changes)

    # ----------------------------------------------------------------- special types

    def _get_date_time(self, _query: Query) -> list[kv.Item]:
        now = self.now()
        return [
            ("year", str(now.year)),
            ("month", str(now.month)),
            ("day", str(now.day)),
            ("hour", str(now.hour)),
            ("minute", str(now.minute)),
            ("second", str(now.second)),
        ]

    def _set_date_time(self, query: Query) -> None:
        values = validate(DATE_TIME_FIELDS, query.node.first())
        year, month, day, hour, minute, second = (
            int(values[spec.key]) for spec in DATE_TIME_FIELDS
        )
        try:
            target = datetime(year, month, day, hour, minute, second)  # noqa: DTZ001
        except ValueError:
            raise _invalid() from None
        self.state.clock_offset += (
            target - self.now().replace(microsecond=0)
        ).total_seconds()
        self._log_set(
            "dateTime", query, {}, {"dateTime": f"{target:%Y-%m-%d %H:%M:%S}"}
        )

    def _find_canvas(self, canvas_id: str) -> Section | None:
        return next(
            (
                canvas
                for canvas in self.state.osd_canvases
                if canvas.values["canvasID"] == canvas_id
            ),
            None,
        )

    def _canvas_items(self, canvas: Section, *, with_id: bool) -> list[kv.Item]:
        keys = (
            ("canvasID", "topX", "topY", "fontSize", "alignMode")
            if with_id
            else ("topX", "topY", "fontSize", "alignMode")
        )
        items: list[kv.Item] = [(key, canvas.values[key]) for key in keys]
        items.extend(
            loop_items(
                "OSDInfo", [list(info.items()) for info in canvas.loops["OSDInfo"]]
            )
        )
        return items

    def _get_osd_canvas(self, query: Query) -> list[kv.Item]:
        query.require("cameraID", CAMERA_ID)
        canvas_id = query.optional("canvasID", int_rule(1, 8))
        if canvas_id is None:
            entries = [
                self._canvas_items(canvas, with_id=True)
                for canvas in self.state.osd_canvases
            ]
            return loop_items("OSDCanvas", entries)
        canvas = self._find_canvas(canvas_id)
        if canvas is None:
            raise _invalid()
        return self._canvas_items(canvas, with_id=False)

    def _set_osd_canvas(self, query: Query) -> None:
        """Set OSD Canvas with its loop markers checked.

        "OSDCanvasBegin ... Required and = 1 for set", and so are OSDInfoBegin,
        OSDInfoEnd and OSDCanvasEnd.
        """
        query.require("cameraID", CAMERA_ID)
        for marker in ("OSDCanvasBegin", "OSDCanvasEnd", "OSDInfoBegin", "OSDInfoEnd"):
            values = [value for key, value in query.pairs if key == marker]
            if not values or any(value != "1" for value in values):
                raise _invalid()
        nodes = query.node.loop("OSDCanvas")
        if not nodes:
            raise _invalid()
        updates: list[tuple[dict[str, str], list[dict[str, str]]]] = []
        for node in nodes:
            values = validate(CANVAS_FIELDS, node.first())
            canvas = self._find_canvas(values["canvasID"])
            infos = OSD_INFO_RULE.apply(canvas.loops["OSDInfo"] if canvas else [], node)
            if infos is None:
                raise _invalid()
            updates.append((values, infos))
        for values, infos in updates:
            canvas = self._find_canvas(values["canvasID"])
            if canvas is None:
                canvas = _canvas(int(values["canvasID"]), 0, 0, 2, 0, {})
                self.state.osd_canvases.append(canvas)
                self.state.osd_canvases.sort(
                    key=lambda section: int(section.values["canvasID"])
                )
            canvas.values.update(values)
            canvas.loops["OSDInfo"] = infos
        self._log_set(
            "OSDCanvas",
            query,
            {},
            {"canvasID": "|".join(values["canvasID"] for values, _ in updates)},
        )

    def _get_stream_ability(self, query: Query) -> list[kv.Item]:
        query.require("cameraID", CAMERA_ID)
        stream_id = query.optional(
            "streamID", choice_rule(*map(str, self.state.stream_ability))
        )
        wanted = [int(stream_id)] if stream_id else list(self.state.stream_ability)
        streams: list[list[kv.Item]] = []
        for sid in wanted:
            encoders = [
                [
                    ("streamEncoderType", str(encoder)),
                    *loop_items(
                        "videoResolution",
                        [[("resolution", resolution)] for resolution in resolutions],
                    ),
                ]
                for encoder, resolutions in self.state.stream_ability[sid].items()
            ]
            streams.append(
                [
                    ("streamID", str(sid)),
                    *loop_items(
                        "AVStreamEncoderAbility",
                        encoders,
                        next_key="next_AVStreamEncoderURL",
                    ),
                ]
            )
        return loop_items("AVStream", streams)

    def _disk_ids(self) -> Rule:
        return choice_rule(
            *(
                str(index + 1)
                for index in range(len(self.state.record_dirs.loops["recordDirInfo"]))
            )
        )

    def _get_record_dirs(self, query: Query) -> list[kv.Item]:
        disks = self.state.record_dirs.loops["recordDirInfo"]
        disk_id = query.optional("diskId", self._disk_ids())
        selected = [disks[int(disk_id) - 1]] if disk_id else disks
        return [
            kv.Loop(
                "recordDirInfo",
                [list(disk.items()) for disk in selected],
                next_key="recordDirInfoNextURL",
            )
        ]

    def _set_record_dir(self, query: Query) -> None:
        disk = self.state.record_dirs.loops["recordDirInfo"][
            int(query.require("diskId", self._disk_ids())) - 1
        ]
        changes = validate(RECORD_DIR_FIELDS, query.node.first())
        old = {key: disk[key] for key in changes}
        disk.update(changes)
        self._log_set("recordDirInfo", query, old, changes)

    def _get_logs(
        self, query: Query, logs: Sequence[LogEntry], name: str
    ) -> list[kv.Item]:
        start = _parse_log_bound(query.get("startTime"))
        end = _parse_log_bound(query.get("endTime")) + timedelta(seconds=1)
        # "logType int Log type. Use -1 for all logs."
        log_type = int(query.require("logType", int_rule(-1)))
        selected = [
            list(entry.fields.items())
            for entry in logs
            if start <= entry.time < end and log_type in (-1, entry.major)
        ]
        if not selected and self.quirks.log_no_results:
            raise CgiError(ERR_NO_RESULTS)
        if self.quirks.log_newest_first:
            selected.reverse()
        return loop_items(name, selected)

    def _add_user(self, query: Query) -> None:
        """Add User: newuser and newpasswd, and a group when it must.

        "group ... Required when current user is super-privileged" (an
        administrator here).
        """
        name = query.require("newuser", USER_NAME)
        password = query.require("newpasswd", PASSWORD)
        admin = query.user is not None and query.user.group == ADMIN_GROUP
        group = (
            query.require("group", USER_NAME)
            if admin
            else query.optional("group", USER_NAME, GROUPS[-1]) or GROUPS[-1]
        )
        note = query.optional("note", TEXT, "") or ""
        if name in self.state.users:
            raise _invalid()
        self.state.users[name] = User(name, password, group, note)
        self._system_log(2, 2, f"AddUser {name}", query.user_name, new=f"group:{group}")

    def _modify_user(self, query: Query) -> None:
        user = self.state.users.get(query.require("user", USER_NAME))
        password = query.require("newpasswd", PASSWORD)
        group = query.optional("group", USER_NAME)
        note = query.optional("note", TEXT)
        if user is None:
            raise _invalid()
        user.password = password
        user.group = group or user.group
        user.note = user.note if note is None else note
        self._system_log(
            2, 3, f"ModifyUser {user.name}", query.user_name, new=f"group:{user.group}"
        )

    # ----------------------------------------------------------------- operations

    def _manual_control(self, query: Query) -> None:
        """Manual Alarm Output Trigger: "controlFlag ... 1: start 0: end".

        "alarmOutID ... (must be 1)". A start while a pulse runs disturbs it;
        an end before alarmTime cuts it short; an end after it ends a held
        pulse whole and finds nothing to end after a timed one. The document
        names no error for an end with nothing to end: it answers OK.
        """
        query.require("alarmOutID", choice_rule("1"))
        start = query.require("controlFlag", FLAG) == "1"
        self.settle()
        running = self._running()
        if start:
            if running is not None:
                running.disturbed = True
                self._finish_pulse(running, self.clock())
                self._start_pulse(source="manualControl").disturbed = True
            else:
                self._start_pulse(source="manualControl")
        elif running is not None:
            now = self.clock()
            running.cut_short = now - running.start < running.duration - _EPSILON
            self._finish_pulse(running, now)

    def _reset(self, query: Query) -> None:
        fresh = factory_state(*self._factory)
        fresh.clock_offset = self.state.clock_offset
        for item in fields(DeviceState):
            setattr(self.state, item.name, getattr(fresh, item.name))
        self._system_log(1, 3, "FactoryReset", query.user_name)
        self._begin_restart()

    def _restart(self, query: Query) -> None:
        self._system_log(1, 2, "Restart", query.user_name)
        self._begin_restart()

    def _begin_restart(self) -> None:
        if (pulse := self.running_pulse) is not None:
            pulse.cut_short = True
            self._finish_pulse(pulse, self.clock())
        self.end_motion()
        for listener in self.restart_listeners:
            listener()
        self._down_until = self.clock() + self.restart_downtime
        self._system_log(
            1, 1, "Boot", at=self.now() + timedelta(seconds=self.restart_downtime)
        )

    def rtsp_url(self, camera_id: str, stream_id: str) -> str:
        """The RTSP URL video.cgi answers, quirks included."""
        ip = self.reported_ip()
        if self.quirks.rtsp_whitespace:
            parts = ip.split(".")
            ip = (
                f"{'.'.join(parts[:2])}. {'.'.join(parts[2:])}"
                if len(parts) == 4
                else f"{ip} "
            )
        url = f"rtsp://{ip}:{self.state.ports.values['rtspPort']}/snl/live/{camera_id}/{stream_id}"
        if self.quirks.rtsp_token:
            url += f"/{self.quirks.rtsp_token}"
        return url

    def _video(self, query: Query) -> Result:
        kind = (query.raw("type") or "").upper()
        if kind not in ("RTSP", "HTTP"):
            raise CgiError(ERR_TYPE)
        camera_id = query.optional("cameraID", CAMERA_ID, "1") or "1"
        stream_id = query.require(
            "streamID", choice_rule(*map(str, self.state.streams))
        )
        query.require(
            "EncoderType", lambda raw: choice_rule("H265", "H264", "MJPEG")(raw.upper())
        )
        if kind == "RTSP":
            return self.text_reply(self.rtsp_url(camera_id, stream_id))
        query.optional("AudioFlag", FLAG)
        self._system_log(4, 6, "StartVideoStream", query.user_name)
        return Reply(
            b"",
            content_type="multipart/x-mixed-replace; boundary=myboundary",
            mjpeg=int(stream_id),
        )

    def _image(self, query: Query) -> Reply:
        query.optional("cameraID", CAMERA_ID)
        quality = int(query.require("quality", int_rule(1, 9)))
        return Reply(self.jpeg(1, quality), content_type="image/jpeg")

    # ----------------------------------------------------------------- logs

    def _system_log(
        self,
        major: int,
        minor: int,
        data: str,
        user: str = "",
        *,
        old: str = "",
        new: str = "",
        at: datetime | None = None,
    ) -> None:
        moment = at or self.now()
        entry = LogEntry(
            moment,
            major,
            {
                "deviceId": self.state.device_info.values["deviceID"],
                "deviceIp": self.reported_ip(),
                "channelId": "0",
                "userName": user,
                "majorType": str(major),
                "minorType": str(minor),
                "time": _log_time(moment),
                "logData": data,
                "oldParamInfo": old,
                "newParamInfo": new,
            },
        )
        self.system_logs.append(entry)
        del self.system_logs[:-MAX_LOG_ENTRIES]

    def _alarm_log(
        self, *, major: int, source_type: int, description: str, end: bool
    ) -> LogEntry:
        moment = self.now()
        entry = LogEntry(
            moment,
            major,
            {
                "deviceId": self.state.device_info.values["deviceID"],
                "deviceIp": self.reported_ip(),
                "deviceType": "0",
                "sourceType": str(source_type),
                "sourceId": "1",
                "majorType": str(major),
                "minorType": "1",
                "description": description,
                "alarmStartTime": _log_time(moment),
                "alarmEndTime": _log_time(moment) if end else "",
            },
        )
        self._alarm_logs.append(entry)
        del self._alarm_logs[:-MAX_LOG_ENTRIES]
        return entry

    def _log_set(
        self, name: str, query: Query, old: Mapping[str, str], new: Mapping[str, str]
    ) -> None:
        def summary(values: Mapping[str, str]) -> str:
            return "|".join(f"{key}:{value}" for key, value in values.items())

        self._system_log(
            2, 1, f"Set {name}", query.user_name, old=summary(old), new=summary(new)
        )
