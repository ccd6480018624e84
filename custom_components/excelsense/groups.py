"""The API groups the coordinator polls: one typed name each, and how often.

A group is one request (a get of one type). Entities name the group their
state needs; the coordinator reads only groups some entity needs, each on its
own cadence, and right after Home Assistant writes to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Final

from .api import ImageSetting

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from .api import ExcelSenseClient

# The guard of the self-clean profile: another tool may change it any time.
GUARD_INTERVAL: Final = timedelta(seconds=30)
# Free space changes slowly; a disk error shows within minutes.
DISK_INTERVAL: Final = timedelta(minutes=5)
# Settings people rarely change elsewhere; a write from Home Assistant
# re-reads its group at once.
SETTINGS_INTERVAL: Final = timedelta(minutes=10)
# The camera's streams as the document shows them (its example lists three).
MAX_STREAMS: Final = 4


class Group(StrEnum):
    """One get request of the camera's API."""

    ALARM_OUT = "alarm_out"
    DEVICE_INFO = "device_info"
    DISKS = "disks"
    MOTION = "motion"
    RECORD_POLICY = "record_policy"
    DISK_ALARM = "disk_alarm"
    MIRROR = "mirror"
    OSD = "osd"
    OSD_CANVASES = "osd_canvases"
    NETWORK = "network"
    CLOCK = "clock"
    TIME_ZONE = "time_zone"
    NTP = "ntp"
    CAMERA_INFO = "camera_info"
    ONVIF_AUTHENTICATION = "onvif_authentication"
    SELF_CLEAN_SCHEDULE = "self_clean_schedule"
    IMAGE_BRIGHTNESS = "image_brightness"
    IMAGE_CONTRAST = "image_contrast"
    IMAGE_HUE = "image_hue"
    IMAGE_SATURATION = "image_saturation"
    IMAGE_SHARPNESS = "image_sharpness"
    STREAM_1 = "stream_1"
    STREAM_2 = "stream_2"
    STREAM_3 = "stream_3"
    STREAM_4 = "stream_4"

    @classmethod
    def image(cls, setting: ImageSetting) -> Group:
        """The group of one sensor.cgi image setting."""
        return cls(f"image_{setting}")

    @classmethod
    def stream(cls, stream_id: int) -> Group:
        """The AVStream group of one stream (1..MAX_STREAMS)."""
        return cls(f"stream_{stream_id}")


@dataclass(frozen=True, kw_only=True)
class GroupSpec:
    """How to read a group, and how often."""

    fetch: Callable[[ExcelSenseClient], Awaitable[object]]
    every: timedelta = SETTINGS_INTERVAL


def _image(setting: ImageSetting) -> GroupSpec:
    return GroupSpec(fetch=lambda c: c.image_setting(setting))


def _stream(stream_id: int) -> GroupSpec:
    return GroupSpec(fetch=lambda c: c.av_stream(stream_id))


def group_specs(
    stream_ids: tuple[int, ...], *, self_clean_schedule: bool
) -> dict[Group, GroupSpec]:
    """Every group a camera may be asked for, given what it reported at setup.

    ``stream_ids`` are those the static data keeps (1..MAX_STREAMS).
    """
    specs: dict[Group, GroupSpec] = {
        # Read under the operation lock, so never an operation's temporary profile.
        Group.ALARM_OUT: GroupSpec(
            fetch=lambda c: c.alarm_out_settled(), every=GUARD_INTERVAL
        ),
        Group.DISKS: GroupSpec(fetch=lambda c: c.disks(), every=DISK_INTERVAL),
        Group.DEVICE_INFO: GroupSpec(fetch=lambda c: c.device_info()),
        Group.MOTION: GroupSpec(fetch=lambda c: c.motion_alarm()),
        Group.RECORD_POLICY: GroupSpec(fetch=lambda c: c.record_policy()),
        Group.DISK_ALARM: GroupSpec(fetch=lambda c: c.disk_alarm()),
        Group.MIRROR: GroupSpec(fetch=lambda c: c.mirror()),
        Group.OSD: GroupSpec(fetch=lambda c: c.osd()),
        Group.OSD_CANVASES: GroupSpec(fetch=lambda c: c.osd_canvases()),
        Group.NETWORK: GroupSpec(fetch=lambda c: c.local_network()),
        Group.CLOCK: GroupSpec(fetch=lambda c: c.date_time()),
        Group.TIME_ZONE: GroupSpec(fetch=lambda c: c.time_zone()),
        Group.NTP: GroupSpec(fetch=lambda c: c.ntp()),
        Group.CAMERA_INFO: GroupSpec(fetch=lambda c: c.camera_info()),
        Group.ONVIF_AUTHENTICATION: GroupSpec(fetch=lambda c: c.protocol_security()),
    }
    specs.update({Group.image(setting): _image(setting) for setting in ImageSetting})
    specs.update(
        {Group.stream(stream_id): _stream(stream_id) for stream_id in stream_ids}
    )
    if self_clean_schedule:
        specs[Group.SELF_CLEAN_SCHEDULE] = GroupSpec(
            fetch=lambda c: c.self_clean_schedule()
        )
    return specs


# Polled whatever entities exist: the alarm output feeds the repair issue.
ALWAYS_POLLED: Final = frozenset({Group.ALARM_OUT})
