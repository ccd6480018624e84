"""What a loaded camera holds: static facts, polled state, runtime objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry

from .api import (
    AlarmOutput,
    AVStream,
    CameraInfo,
    DeviceInfo,
    DevicePort,
    DeviceTime,
    DiskAlarm,
    DiskInfo,
    ImageSetting,
    LocalNetwork,
    Mirror,
    MotionAlarm,
    NTPSettings,
    OSDCanvases,
    OSDSettings,
    ProtocolInfo,
    RecordPolicy,
    SelfCleanSchedule,
    StreamAbility,
    TimeZone,
)
from .groups import MAX_STREAMS, Group

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .api import ExcelSenseClient
    from .coordinator import ExcelSenseCoordinator
    from .lens import LensCoordinator
    from .motion import MotionCoordinator
    from .snapshot import SnapshotSource


@dataclass(frozen=True, kw_only=True)
class ExcelSenseStatic:
    """What does not change while the entry is loaded (read at setup only).

    Groups the firmware lacks are None / False: their entities are not
    created, and the camera loads without them.
    """

    device_info: DeviceInfo
    stream_ability: StreamAbility | None
    device_port: DevicePort | None
    protocol_info: ProtocolInfo | None
    self_clean_schedule_supported: bool
    # How far the camera's clock runs ahead of Home Assistant's local clock.
    clock_offset: timedelta = timedelta(0)

    @property
    def stream_ids(self) -> tuple[int, ...]:
        """Stream ids the camera offers, 1..MAX_STREAMS (stream 1 at least).

        The document shows three streams and states no maximum; streams
        beyond MAX_STREAMS get no entities.
        """
        if self.stream_ability is None:
            return (1,)
        offered = (s.stream_id for s in self.stream_ability.streams)
        kept = dict.fromkeys(i for i in offered if 1 <= i <= MAX_STREAMS)
        return tuple(kept) or (1,)  # a stream listed twice counts once

    @property
    def rtsp_port(self) -> int | None:
        """The camera's RTSP port, when devicePort told it."""
        return None if self.device_port is None else self.device_port.rtsp_port


@dataclass(frozen=True)
class ExcelSenseData:
    """The polled state: the latest value of each group, and which are usable.

    A group in ``available`` was read recently enough (a failed read keeps
    the previous value for a few polls); its typed accessor returns the value.
    """

    values: Mapping[Group, object] = field(default_factory=lambda: MappingProxyType({}))
    available: frozenset[Group] = frozenset()

    def _get[T](self, group: Group, kind: type[T]) -> T | None:
        value = self.values.get(group)
        return value if isinstance(value, kind) else None

    @property
    def alarm_out(self) -> AlarmOutput | None:
        """The alarm output's profile."""
        return self._get(Group.ALARM_OUT, AlarmOutput)

    @property
    def device_info(self) -> DeviceInfo | None:
        """Device information (names)."""
        return self._get(Group.DEVICE_INFO, DeviceInfo)

    @property
    def disks(self) -> DiskInfo | None:
        """Disks."""
        return self._get(Group.DISKS, DiskInfo)

    @property
    def motion(self) -> MotionAlarm | None:
        """Motion detection settings."""
        return self._get(Group.MOTION, MotionAlarm)

    @property
    def record_policy(self) -> RecordPolicy | None:
        """Scheduled recording."""
        return self._get(Group.RECORD_POLICY, RecordPolicy)

    @property
    def disk_alarm(self) -> DiskAlarm | None:
        """Disk alarms."""
        return self._get(Group.DISK_ALARM, DiskAlarm)

    @property
    def mirror(self) -> Mirror | None:
        """Picture flips."""
        return self._get(Group.MIRROR, Mirror)

    @property
    def osd(self) -> OSDSettings | None:
        """Global OSD settings."""
        return self._get(Group.OSD, OSDSettings)

    @property
    def osd_canvases(self) -> OSDCanvases | None:
        """OSD canvases."""
        return self._get(Group.OSD_CANVASES, OSDCanvases)

    @property
    def network(self) -> LocalNetwork | None:
        """Network settings."""
        return self._get(Group.NETWORK, LocalNetwork)

    @property
    def clock(self) -> DeviceTime | None:
        """The camera's clock."""
        return self._get(Group.CLOCK, DeviceTime)

    @property
    def time_zone(self) -> TimeZone | None:
        """Time zone."""
        return self._get(Group.TIME_ZONE, TimeZone)

    @property
    def ntp(self) -> NTPSettings | None:
        """NTP client."""
        return self._get(Group.NTP, NTPSettings)

    @property
    def camera_info(self) -> CameraInfo | None:
        """Channel name."""
        return self._get(Group.CAMERA_INFO, CameraInfo)

    @property
    def onvif_authentication(self) -> bool | None:
        """Whether ONVIF needs a login."""
        return self._get(Group.ONVIF_AUTHENTICATION, bool)

    @property
    def self_clean_schedule(self) -> SelfCleanSchedule | None:
        """Timed and scheduled self-clean."""
        return self._get(Group.SELF_CLEAN_SCHEDULE, SelfCleanSchedule)

    def image(self, setting: ImageSetting) -> int | None:
        """One image setting (0-100)."""
        value = self.values.get(Group.image(setting))
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def stream(self, stream_id: int) -> AVStream | None:
        """One stream's encoder settings."""
        return self._get(Group.stream(stream_id), AVStream)


@dataclass
class ExcelSenseRuntimeData:
    """What a loaded entry holds."""

    client: ExcelSenseClient
    coordinator: ExcelSenseCoordinator
    motion: MotionCoordinator
    snapshots: SnapshotSource
    lens: LensCoordinator | None


type ExcelSenseConfigEntry = ConfigEntry[ExcelSenseRuntimeData]
