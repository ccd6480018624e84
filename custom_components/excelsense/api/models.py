"""Typed, immutable views of the device's replies.

Every model keeps the mapping it was parsed from in ``raw`` (for diagnostics);
nothing else of the reply text leaves the library.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum
import re
from typing import Any, Self

from .exceptions import ExcelSenseResponseError
from .kv import KVBlock
from .reader import Reader, parse_number

Raw = dict[str, Any]


class VideoEncoder(IntEnum):
    """Video encoder types (AVStream videoEncoderType / streamEncoderType)."""

    H264 = 1
    MJPEG = 2
    H264_MAIN = 4
    H264_HIGH = 5
    H265_MAIN = 8


class AudioEncoder(IntEnum):
    """Audio encoder types."""

    G711_ALAW = 102
    G711_ULAW = 103
    PCM = 108
    NONE = 109


class DiskStatus(IntEnum):
    """Disk status codes of deviceDiskInfo."""

    NORMAL = 1
    ABNORMAL = 2
    NOT_PRESENT = 3
    WRITE_PROTECTED = 4
    NOT_FORMATTED = 5
    FORMATTING = 6


class ImageSetting(StrEnum):
    """The sensor.cgi settings that share one 0-100 value."""

    BRIGHTNESS = "brightness"
    CONTRAST = "contrast"
    HUE = "hue"
    SATURATION = "saturation"
    SHARPNESS = "sharpness"


class LinkageAction(IntEnum):
    """Alarm linkage action types."""

    ALARM_OUTPUT = 1  # the alarm output pulse, i.e. self-clean
    RECORD = 4


@dataclass(frozen=True, kw_only=True)
class DeviceInfo:
    """deviceInfo."""

    device_id: str
    device_name: str
    device_type: int
    product_model: str
    manufacturer_id: str
    manufacturer_name: str
    mac_address: str
    hardware_version: str
    software_version: str
    channels: int
    alarm_inputs: int
    alarm_outputs: int
    raw: Raw = field(repr=False, compare=False)

    @property
    def self_cleaning(self) -> bool:
        """Whether this model has the lens wiper (the ToughEye family)."""
        return self.product_model.casefold().startswith("tougheye")

    @classmethod
    def from_block(cls, block: KVBlock) -> Self:
        """Parse a deviceInfo reply."""
        r = Reader(block, "deviceInfo")
        return cls(
            device_id=r.text("deviceID", ""),
            device_name=r.text("deviceName", ""),
            device_type=r.informative_int("deviceType", 1),
            product_model=r.text("productModel", ""),
            manufacturer_id=r.text("manufacturerID", ""),
            manufacturer_name=r.text("manufacturerName", ""),
            mac_address=r.text("MACAddress"),
            hardware_version=r.text("hardwareVer", ""),
            software_version=r.text("softwareVer", ""),
            channels=r.informative_int("channelNum", 1),
            alarm_inputs=r.informative_int("alarmInNum", 0),
            alarm_outputs=r.informative_int("alarmOutNum", 0),
            raw=block.as_dict(),
        )


@dataclass(frozen=True, kw_only=True)
class CameraInfo:
    """cameraInfo of one channel."""

    camera_name: str
    raw: Raw = field(repr=False, compare=False)

    @classmethod
    def from_block(cls, block: KVBlock) -> Self:
        """Parse a cameraInfo reply."""
        return cls(
            camera_name=Reader(block, "cameraInfo").text("cameraName"),
            raw=block.as_dict(),
        )


@dataclass(frozen=True, kw_only=True)
class NetworkCard:
    """One NIC of localNetwork."""

    net_card_id: int
    ip_address: str
    subnet_mask: str
    gateway: str
    preferred_dns: str
    alternate_dns: str
    dhcp: bool


@dataclass(frozen=True, kw_only=True)
class LocalNetwork:
    """localNetwork: every NIC."""

    cards: tuple[NetworkCard, ...]
    raw: Raw = field(repr=False, compare=False)

    @classmethod
    def from_block(cls, block: KVBlock) -> Self:
        """Parse a localNetwork reply (a loop, or a bare entry on some firmware)."""
        entries = block.loop("localNetwork") or [block]
        cards = []
        for entry in entries:
            r = Reader(entry, "localNetwork")
            cards.append(
                NetworkCard(
                    net_card_id=r.integer("netCardId", 1),
                    ip_address=r.text("IPAddress"),
                    subnet_mask=r.text("subNetmask", ""),
                    gateway=r.text("subGetway", ""),
                    preferred_dns=r.text("preferredDNS", ""),
                    alternate_dns=r.text("alternateDNS", ""),
                    dhcp=r.flag("autoGetIPFlag", default=False),
                )
            )
        return cls(cards=tuple(cards), raw=block.as_dict())


@dataclass(frozen=True, kw_only=True)
class DevicePort:
    """devicePort."""

    control_port: int
    http_port: int
    rtsp_port: int
    rtmp_port: int
    raw: Raw = field(repr=False, compare=False)

    @classmethod
    def from_block(cls, block: KVBlock) -> Self:
        """Parse a devicePort reply."""
        r = Reader(block, "devicePort")
        return cls(
            control_port=r.integer("controlPort", 0),
            http_port=r.integer("httpPort", 80),
            rtsp_port=r.integer("rtspPort"),
            rtmp_port=r.integer("rtmpPort", 0),
            raw=block.as_dict(),
        )


@dataclass(frozen=True, kw_only=True)
class DeviceTime:
    """dateTime: the device's local wall clock (no zone attached)."""

    value: datetime
    raw: Raw = field(repr=False, compare=False)

    @classmethod
    def from_block(cls, block: KVBlock) -> Self:
        """Parse a dateTime reply."""
        r = Reader(block, "dateTime")
        try:
            value = datetime(  # noqa: DTZ001 - the device has no notion of zones
                r.integer("year"),
                r.integer("month"),
                r.integer("day"),
                r.integer("hour"),
                r.integer("minute"),
                r.integer("second"),
            )
        except (ValueError, OverflowError):
            msg = "Malformed dateTime reply: not a valid date"
            raise ExcelSenseResponseError(None, msg) from None
        return cls(value=value, raw=block.as_dict())


@dataclass(frozen=True, kw_only=True)
class TimeZone:
    """timeZone with its daylight-saving rule."""

    time_zone: int
    dst_enabled: bool
    begin_month: int
    begin_week: int
    begin_weekday: int
    begin_time: int
    end_month: int
    end_week: int
    end_weekday: int
    end_time: int
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_block(cls, block: KVBlock) -> Self:
        """Parse a timeZone reply."""
        r = Reader(block, "timeZone")
        return cls(
            time_zone=r.integer("timeZone"),
            dst_enabled=r.flag("DSTOpenFlag", default=False),
            begin_month=r.integer("beginMonth", 3),
            begin_week=r.integer("beginWeekly", 5),
            begin_weekday=r.integer("beginWeekDays", 0),
            begin_time=r.integer("beginTime", 60),
            end_month=r.integer("endMonth", 10),
            end_week=r.integer("endWeekly", 5),
            end_weekday=r.integer("endWeekDays", 0),
            end_time=r.integer("endTime", 120),
            raw=block.as_dict(),
        )


@dataclass(frozen=True, kw_only=True)
class NTPSettings:
    """NTP."""

    enabled: bool
    server: str
    port: int
    interval: int
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_block(cls, block: KVBlock) -> Self:
        """Parse an NTP reply."""
        r = Reader(block, "NTP")
        return cls(
            enabled=r.flag("enableFlag"),
            server=r.text("NTPIP", ""),
            port=r.integer("NTPPort", 123),
            interval=r.integer("NTPCheckTime", 3600),
            raw=block.as_dict(),
        )


@dataclass(frozen=True, kw_only=True)
class OSDSettings:
    """OSD global settings."""

    font_color: int
    inverse: bool
    twelve_hours: bool
    show_week: bool
    alpha: int
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_block(cls, block: KVBlock) -> Self:
        """Parse an OSD reply."""
        r = Reader(block, "OSD")
        return cls(
            font_color=r.integer("fontColor"),
            inverse=r.flag("inverseFlag", default=False),
            twelve_hours=r.flag("TwelveHoursFlag", default=False),
            show_week=r.flag("WeekFlag", default=False),
            alpha=r.integer("alpha", 0),
            raw=block.as_dict(),
        )


class OSDType(IntEnum):
    """What an OSD entry shows."""

    DEVICE_NAME = 1
    CAMERA_ID = 2
    CAMERA_NAME = 3
    TIME = 4
    TEXT = 5


@dataclass(frozen=True, kw_only=True)
class OSDInfo:
    """One entry of an OSD canvas."""

    osd_type: int
    info: str = ""
    enabled: bool = True
    arrow_id: int = 0
    blink: bool = False
    blink_interval: int | None = None


@dataclass(frozen=True, kw_only=True)
class OSDCanvas:
    """One OSD canvas (a positioned group of overlay entries)."""

    canvas_id: int
    # "percentage of total width (0-100)"; the get example answers
    # topX=0.000000, so a camera may report a fraction: kept as reported.
    top_x: float
    top_y: float
    font_size: int
    align_mode: int
    infos: tuple[OSDInfo, ...]

    @property
    def text(self) -> str | None:
        """The text of the canvas's text watermark, if it has one."""
        for info in self.infos:
            if info.osd_type == OSDType.TEXT:
                return info.info
        return None


def _osd_info(info: Reader) -> OSDInfo:
    osd_type = info.integer("OSDType")
    return OSDInfo(
        osd_type=osd_type,
        # A text watermark's text is what it is: without it the entry (and
        # the overlay text entity) cannot be read.
        info=info.text("info") if osd_type == OSDType.TEXT else info.text("info", ""),
        enabled=info.flag("OSDEnableFlag", default=True),
        arrow_id=info.integer("arrowID", 0),
        blink=info.flag("OSDBlinkFlag", default=False),
        blink_interval=info.optional_int("OSDBlinkInterval"),
    )


@dataclass(frozen=True, kw_only=True)
class OSDCanvases:
    """OSDCanvas: every canvas of a camera."""

    canvases: tuple[OSDCanvas, ...]
    raw: Raw = field(repr=False, compare=False)

    def get(self, canvas_id: int) -> OSDCanvas | None:
        """Return one canvas by id."""
        return next((c for c in self.canvases if c.canvas_id == canvas_id), None)

    @classmethod
    def from_block(cls, block: KVBlock, canvas_id: int | None = None) -> Self:
        """Parse an OSDCanvas reply (one canvas may come without a loop)."""
        entries = block.loop("OSDCanvas") or [block]
        canvases = []
        for number, entry in enumerate(entries, start=1):
            r = Reader(entry, "OSDCanvas")
            infos = tuple(
                _osd_info(Reader(i, "OSDInfo")) for i in entry.loop("OSDInfo")
            )
            default_id = canvas_id if canvas_id is not None else number
            canvases.append(
                OSDCanvas(
                    canvas_id=r.integer("canvasID", default_id),
                    top_x=r.number("topX", 0),
                    top_y=r.number("topY", 0),
                    font_size=r.integer("fontSize", 2),
                    align_mode=r.integer("alignMode", 0),
                    infos=infos,
                )
            )
        return cls(canvases=tuple(canvases), raw=block.as_dict())


@dataclass(frozen=True, kw_only=True)
class Disk:
    """One disk of deviceDiskInfo (sizes in MB as the device reports them)."""

    disk_id: int
    total_size: int
    free_size: int
    status: int


@dataclass(frozen=True, kw_only=True)
class DiskInfo:
    """deviceDiskInfo."""

    disks: tuple[Disk, ...]
    raw: Raw = field(repr=False, compare=False)

    @classmethod
    def from_block(cls, block: KVBlock) -> Self:
        """Parse a deviceDiskInfo reply (a disk listed twice: its first entry)."""
        disks: dict[int, Disk] = {}
        for entry in block.loop("diskInfo"):
            r = Reader(entry, "deviceDiskInfo")
            disk = Disk(
                disk_id=r.integer("diskID"),
                total_size=r.integer("diskTotalSize", 0),
                free_size=r.integer("diskFreeSize", 0),
                status=r.integer("diskStatus", 0),
            )
            disks.setdefault(disk.disk_id, disk)
        return cls(disks=tuple(disks.values()), raw=block.as_dict())


@dataclass(frozen=True, kw_only=True)
class AVStream:
    """AVStream settings of one stream."""

    stream_id: int
    stream_name: str
    video_encoder: int
    audio_encoder: int
    resolution: str
    frame_rate: int
    # Left out by the camera: not known (never a made-up 0, out of range).
    i_frame_interval: int | None
    bit_rate_type: int
    bit_rate: int | None
    quality: int | None
    raw: Raw = field(repr=False, compare=False)

    @classmethod
    def from_block(cls, block: KVBlock, stream_id: int) -> Self:
        """Parse an AVStream reply."""
        r = Reader(block, "AVStream")
        return cls(
            stream_id=stream_id,
            stream_name=r.text("streamName", ""),
            video_encoder=r.integer("videoEncoderType"),
            audio_encoder=r.integer("audioEncoderType", AudioEncoder.NONE),
            resolution=r.text("resolution").replace(" ", ""),
            frame_rate=r.integer("frameRate"),
            i_frame_interval=r.optional_int("iFrameInterval"),
            bit_rate_type=r.integer("bitRateType", 1),
            bit_rate=r.optional_int("bitRate"),
            quality=r.optional_int("quality"),
            raw=block.as_dict(),
        )


@dataclass(frozen=True, kw_only=True)
class EncoderCapability:
    """One encoder a stream offers, with the resolutions it offers for it."""

    encoder: int
    resolutions: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class StreamCapability:
    """What one stream can be set to."""

    stream_id: int
    encoders: tuple[EncoderCapability, ...]

    def resolutions(self, encoder: int) -> tuple[str, ...]:
        """Resolutions offered with an encoder."""
        for capability in self.encoders:
            if capability.encoder == encoder:
                return capability.resolutions
        return ()


@dataclass(frozen=True, kw_only=True)
class StreamAbility:
    """streamAbility: every stream of a camera and its options."""

    streams: tuple[StreamCapability, ...]
    raw: Raw = field(repr=False, compare=False)

    def get(self, stream_id: int) -> StreamCapability | None:
        """Return one stream's capabilities."""
        return next((s for s in self.streams if s.stream_id == stream_id), None)

    @classmethod
    def from_block(cls, block: KVBlock) -> Self:
        """Parse a streamAbility reply (three nested loops)."""
        streams = []
        for number, entry in enumerate(block.loop("AVStream"), start=1):
            encoders = []
            for ability in entry.loop("AVStreamEncoderAbility"):
                resolutions = tuple(
                    res.replace(" ", "")
                    for res in (
                        item.get("resolution")
                        for item in ability.loop("videoResolution")
                    )
                    if res
                )
                encoders.append(
                    EncoderCapability(
                        encoder=Reader(ability, "streamAbility").integer(
                            "streamEncoderType"
                        ),
                        resolutions=resolutions,
                    )
                )
            streams.append(
                StreamCapability(
                    stream_id=Reader(entry, "streamAbility").integer(
                        "streamID", number
                    ),
                    encoders=tuple(encoders),
                )
            )
        return cls(streams=tuple(streams), raw=block.as_dict())


@dataclass(frozen=True, kw_only=True)
class ScheduleDay:
    """One day of a weekly schedule: up to three (start, end) second ranges."""

    weekday: int
    periods: tuple[tuple[int, int], ...]
    # Time keys of the reply that could not be read as a period (half a pair,
    # an unknown spelling): such a day is never sent back, as sending it
    # without them would wipe that part of the camera's schedule.
    unread: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def to_block(self) -> KVBlock:
        """Serialise for a set request."""
        values: dict[str, str] = {"weekDay": str(self.weekday)}
        for number, (start, end) in enumerate(self.periods, start=1):
            values[f"startTime{number}"] = str(start)
            values[f"endTime{number}"] = str(end)
        return KVBlock(values=values)

    @classmethod
    def from_block(cls, block: KVBlock) -> Self:
        """Parse one schedule entry."""
        r = Reader(block, "schedule")
        periods = []
        read = {"weekday"}  # keys, as block.get matches them: in any case
        for start_key, end_key in _period_keys(block):
            start, end = block.get(start_key), block.get(end_key)
            if start in (None, "") and end in (None, ""):
                read.update((start_key.casefold(), end_key.casefold()))  # no period
            elif start not in (None, "") and end not in (None, ""):
                periods.append((r.integer(start_key), r.integer(end_key)))
                read.update((start_key.casefold(), end_key.casefold()))
        unread = tuple(
            key
            for key in block.values
            if key.casefold() not in read and "time" in key.casefold()
        )
        return cls(weekday=r.integer("weekDay"), periods=tuple(periods), unread=unread)


def _period_keys(block: KVBlock) -> tuple[tuple[str, str], ...]:
    """The (start, end) keys of periods 1 to 3 of a schedule entry.

    The Record Policy parameter table names the first "startTime" (no
    suffix) while its example writes startTime1: the table's spelling is
    read as period 1 when the example's is absent.
    """
    first = ("startTime1", "endTime1")
    if block.get("startTime1") is None and block.get("endTime1") is None:
        first = ("startTime", "endTime")
    return (first, ("startTime2", "endTime2"), ("startTime3", "endTime3"))


@dataclass(frozen=True, kw_only=True)
class RecordPolicy:
    """recordPolicy of one camera."""

    enabled: bool
    save_days: int
    stream_id: int
    audio: bool
    disk_group_id: int
    schedule: tuple[ScheduleDay, ...]
    raw: Raw = field(repr=False, compare=False)

    @classmethod
    def from_block(cls, block: KVBlock) -> Self:
        """Parse a recordPolicy reply."""
        r = Reader(block, "recordPolicy")
        return cls(
            enabled=r.flag("RecordOpenFlag"),
            save_days=r.integer("SaveDays", 0),
            stream_id=r.integer("StreamId", 1),
            audio=r.flag("AudioOpenFlag", default=False),
            disk_group_id=r.integer("DiskGroupId", 1),
            schedule=tuple(ScheduleDay.from_block(e) for e in block.loop("weekDay")),
            raw=block.as_dict(),
        )


@dataclass(frozen=True, kw_only=True)
class RecordDirectory:
    """One entry of recordDirInfo."""

    disk_name: str
    enabled: bool
    alarm_threshold: int
    group_id: int
    status: int
    free_space: int
    usable_space: int


@dataclass(frozen=True, kw_only=True)
class RecordDirectories:
    """recordDirInfo."""

    directories: tuple[RecordDirectory, ...]
    raw: Raw = field(repr=False, compare=False)

    @classmethod
    def from_block(cls, block: KVBlock) -> Self:
        """Parse a recordDirInfo reply."""
        entries = block.loop("recordDirInfo") or ([block] if block.values else [])
        directories = []
        for entry in entries:
            r = Reader(entry, "recordDirInfo")
            directories.append(
                RecordDirectory(
                    disk_name=r.text("diskName", ""),
                    enabled=r.flag("enableFlag", default=False),
                    alarm_threshold=r.integer("alarmThreshold", 0),
                    group_id=r.integer("groupID", 1),
                    status=r.integer("status", 0),
                    free_space=r.integer("freeSpace", 0),
                    usable_space=r.integer("usableSpace", 0),
                )
            )
        return cls(directories=tuple(directories), raw=block.as_dict())


@dataclass(frozen=True, kw_only=True)
class AlarmOutProfile:
    """How the alarm output pulses: the wiper/LED controller decodes this."""

    valid_signal: int
    mode: int
    frequency: float
    time_ms: int


@dataclass(frozen=True, kw_only=True)
class AlarmOutput:
    """alarmOut."""

    alarm_out_id: int
    name: str
    profile: AlarmOutProfile
    raw: Raw = field(repr=False, compare=False)

    @classmethod
    def from_block(cls, block: KVBlock) -> Self:
        """Parse an alarmOut reply."""
        r = Reader(block, "alarmOut")
        return cls(
            alarm_out_id=r.integer("alarmOutID", 1),
            name=r.text("alarmOutName", ""),
            profile=AlarmOutProfile(
                valid_signal=r.integer("alarmValidSignal"),
                mode=r.integer("alarmMode"),
                frequency=r.number("alarmOutFrequency"),
                time_ms=r.integer("alarmTime"),
            ),
            raw=block.as_dict(),
        )


@dataclass(frozen=True, kw_only=True)
class AlarmLinkage:
    """One linkage action of an alarm."""

    action_type: int
    action_id: int
    # Read from the camera: sent back as it came, of whatever type (the
    # document lists ActionType 1 and 4; the gap suggests others exist).
    reported: bool = field(default=False, compare=False, repr=False)

    def to_block(self) -> KVBlock:
        """Serialise for a set request."""
        return KVBlock(
            values={
                "ActionID": str(self.action_id),
                "ActionType": str(self.action_type),
            }
        )

    @classmethod
    def from_block(cls, block: KVBlock) -> Self:
        """Parse one linkage entry."""
        r = Reader(block, "AlarmLinkage")
        return cls(
            action_type=r.integer("ActionType"),
            action_id=r.integer("ActionID", 1),
            reported=True,
        )


@dataclass(frozen=True, kw_only=True)
class MotionArea:
    """A motion detection rectangle on the 420*260 grid."""

    top_x: int
    top_y: int
    width: int
    height: int

    def to_block(self) -> KVBlock:
        """Serialise for a set request."""
        return KVBlock(
            values={
                "topX": str(self.top_x),
                "topY": str(self.top_y),
                "width": str(self.width),
                "height": str(self.height),
            }
        )


@dataclass(frozen=True, kw_only=True)
class MotionAlarm:
    """motionAlarm with its areas, schedule and linkages."""

    enabled: bool
    alarm_interval: int
    sensitivity: int
    areas: tuple[MotionArea, ...]
    schedule: tuple[ScheduleDay, ...]
    linkages: tuple[AlarmLinkage, ...]
    raw: Raw = field(repr=False, compare=False)

    @property
    def self_clean_on_motion(self) -> bool:
        """Whether motion pulses the alarm output (self-clean linkage)."""
        return any(
            link.action_type == LinkageAction.ALARM_OUTPUT for link in self.linkages
        )

    @classmethod
    def from_block(cls, block: KVBlock) -> Self:
        """Parse a motionAlarm reply."""
        r = Reader(block, "motionAlarm")
        areas = []
        for entry in block.loop("motionDetectionArea"):
            a = Reader(entry, "motionDetectionArea")
            areas.append(
                MotionArea(
                    top_x=a.integer("topX"),
                    top_y=a.integer("topY"),
                    width=a.integer("width"),
                    height=a.integer("height"),
                )
            )
        return cls(
            enabled=r.flag("motionDetectionEnableFlag"),
            alarm_interval=r.integer("alarmInterval", 10),
            sensitivity=r.integer("sensitivity", 5),
            areas=tuple(areas),
            schedule=tuple(ScheduleDay.from_block(e) for e in block.loop("weekDay")),
            linkages=tuple(
                AlarmLinkage.from_block(e) for e in block.loop("AlarmLinkage")
            ),
            raw=block.as_dict(),
        )


@dataclass(frozen=True, kw_only=True)
class DiskAlarm:
    """diskAlarm."""

    disk_full: bool
    disk_error: bool
    no_disk: bool
    alarm_interval: int
    linkages: tuple[AlarmLinkage, ...]
    raw: Raw = field(repr=False, compare=False)

    @classmethod
    def from_block(cls, block: KVBlock) -> Self:
        """Parse a diskAlarm reply."""
        r = Reader(block, "diskAlarm")
        return cls(
            disk_full=r.flag("diskFullAlarmCheckFlag"),
            disk_error=r.flag("diskErrorAlarmCheckFlag", default=False),
            no_disk=r.flag("NoDiskAlarmEnableFlag", default=False),
            alarm_interval=r.integer("AlarmInterval", 10),
            linkages=tuple(
                AlarmLinkage.from_block(e) for e in block.loop("AlarmLinkage")
            ),
            raw=block.as_dict(),
        )


@dataclass(frozen=True, kw_only=True)
class ProtocolInfo:
    """protocolInfo (the ONVIF stack)."""

    name: str
    version: str
    software_version: str
    raw: Raw = field(repr=False, compare=False)

    @classmethod
    def from_block(cls, block: KVBlock) -> Self:
        """Parse a protocolInfo reply."""
        r = Reader(block, "protocolInfo")
        return cls(
            name=r.text("protocolName", ""),
            version=r.text("protocolVersion"),
            software_version=r.text("protocolSoftwareVersion", ""),
            raw=block.as_dict(),
        )


@dataclass(frozen=True, kw_only=True)
class Mirror:
    """mirror."""

    vertical: bool
    horizontal: bool
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_block(cls, block: KVBlock) -> Self:
        """Parse a mirror reply."""
        r = Reader(block, "mirror")
        return cls(
            vertical=r.flag("vertical"),
            horizontal=r.flag("horizontal"),
            raw=block.as_dict(),
        )


@dataclass(frozen=True, kw_only=True)
class SelfCleanSchedule:
    """The vendor's IOAlarm type: timed and scheduled self-clean."""

    scheduled: bool
    timed: bool
    interval: int
    times: tuple[tuple[int, int], ...]
    raw: Raw = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_block(cls, block: KVBlock) -> Self:
        """Parse an IOAlarm reply."""
        r = Reader(block, "IOAlarm")
        times = tuple(
            (r.integer(f"Time{n}Hours", 0), r.integer(f"Time{n}Minutes", 0))
            for n in ("One", "Two", "Three")
            if block.get(f"Time{n}Hours") is not None
        )
        return cls(
            scheduled=r.flag("ScheduledSelfClean", default=False),
            timed=r.flag("TimedSelfClean"),
            interval=r.integer("TimeInterval", 60),
            times=times,
            raw=block.as_dict(),
        )


@dataclass(frozen=True, kw_only=True)
class LogEntry:
    """One system or alarm log entry; fields vary by log kind, all are kept."""

    time: str
    major_type: int | None
    minor_type: int | None
    fields: dict[str, str]

    @classmethod
    def from_block(cls, block: KVBlock) -> Self:
        """Parse one log entry."""
        r = Reader(block, "log")
        return cls(
            time=block.get("time") or block.get("alarmStartTime") or "",
            major_type=_optional_code(r, "majorType"),
            minor_type=_optional_code(r, "minorType"),
            fields=dict(block.values),
        )


def _optional_code(r: Reader, key: str) -> int | None:
    """A code that may be absent or garbled in a log entry (kept as None)."""
    number = parse_number(r.block.get(key) or "")
    return None if number is None else int(number)


_LOG_TIME = re.compile(
    r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})[ T]+(\d{1,2}):(\d{1,2}):(\d{1,2})\s*$",
    re.ASCII,
)


def parse_log_time(text: str) -> datetime | None:
    """A log time: ``2019-12-13 1:59:19`` (the document's unpadded hour) or padded.

    None for an empty or unreadable value (an alarm still running has no end).
    """
    match = _LOG_TIME.match(text or "")
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(part) for part in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second)  # noqa: DTZ001 - the device's naive local time
    except ValueError:
        return None


class AlarmKind(StrEnum):
    """What raised an alarm-log entry, as far as the document shows."""

    MOTION = "motion"
    OTHER = "other"


# (sourceType, majorType, minorType) of a motion alarm. The document gives one
# alarm-log example (Get Alarm Log: sourceType=1, majorType=1, minorType=1)
# and no table of codes. That example is read as motion; every other
# combination is kept apart as "other", its codes passed on.
ALARM_CODES: dict[tuple[int, int, int], AlarmKind] = {(1, 1, 1): AlarmKind.MOTION}


@dataclass(frozen=True, kw_only=True)
class AlarmEvent:
    """One alarm-log entry with its times read (device-local, naive)."""

    start: datetime
    end: datetime | None
    source_type: int | None
    source_id: int | None
    major_type: int | None
    minor_type: int | None
    description: str

    @property
    def kind(self) -> AlarmKind:
        """Motion or other (see ALARM_CODES)."""
        codes = (self.source_type, self.major_type, self.minor_type)
        if None in codes:
            return AlarmKind.OTHER
        return ALARM_CODES.get(codes, AlarmKind.OTHER)  # type: ignore[arg-type]

    @property
    def key(self) -> str:
        """Identity of the entry, stable across reads (for remembering it)."""
        return "|".join(
            str(part)
            for part in (
                self.start.isoformat(),
                self.source_type,
                self.source_id,
                self.major_type,
                self.minor_type,
            )
        )

    def is_open(self, now: datetime) -> bool:
        """Whether the alarm still runs at ``now`` (no end yet, or a later one)."""
        return self.end is None or self.end > now

    @classmethod
    def from_entry(cls, entry: LogEntry) -> Self | None:
        """Read an alarm-log entry; None when it has no readable start time."""
        fields = entry.fields
        start = parse_log_time(fields.get("alarmStartTime", ""))
        if start is None:
            return None
        end = parse_log_time(fields.get("alarmEndTime", ""))
        block = KVBlock(values=dict(fields))
        r = Reader(block, "alarm log")
        return cls(
            start=start,
            end=end,
            source_type=_optional_code(r, "sourceType"),
            source_id=_optional_code(r, "sourceId"),
            major_type=entry.major_type,
            minor_type=entry.minor_type,
            description=fields.get("description", ""),
        )


@dataclass(frozen=True)
class StreamUrl:
    """A stream URL with credentials, and a redacted form for display."""

    url: str = field(repr=False)
    redacted: str

    def __str__(self) -> str:
        """Never show the credentials by accident."""
        return self.redacted
