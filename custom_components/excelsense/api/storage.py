"""Storage and recording: disks, recording policy, record directories, disk alarms."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import kv
from .area import Area, Changes, linkage_blocks, schedule_blocks
from .models import (
    AlarmLinkage,
    DiskAlarm,
    DiskInfo,
    RecordDirectories,
    RecordPolicy,
    ScheduleDay,
)
from .validation import (
    check_int,
    check_text,
)

if TYPE_CHECKING:
    from collections.abc import Sequence


class StorageArea(Area):
    """param.cgi disk, recording and disk-alarm endpoints."""

    async def disks(self) -> DiskInfo:
        """Every disk with size, free space and status."""
        return DiskInfo.from_block(await self._get("param.cgi", "deviceDiskInfo"))

    async def record_policy(self, camera_id: int = 1) -> RecordPolicy:
        """Scheduled recording settings."""
        block = await self._get(
            "param.cgi", "recordPolicy", ("cameraID", str(camera_id))
        )
        return RecordPolicy.from_block(block)

    async def set_record_policy(
        self,
        current: RecordPolicy,
        *,
        camera_id: int = 1,
        enabled: bool | None = None,
        save_days: int | None = None,
        audio: bool | None = None,
        schedule: Sequence[ScheduleDay] | None = None,
    ) -> None:
        """Change recording settings, sent whole as the document's example is.

        The schedule loop is "required on set": the current one is sent again
        with scheduleTimeAction=cover ("Default is add if omitted"). Stream
        and disk group ("Required for set") come from ``current``.
        """
        days = current.schedule if schedule is None else tuple(schedule)
        params: dict[str, object] = {
            "cameraID": camera_id,
            "RecordOpenFlag": current.enabled if enabled is None else enabled,
            "SaveDays": current.save_days
            if save_days is None
            else check_int("save_days", save_days),
            "StreamId": current.stream_id,
            "AudioOpenFlag": current.audio if audio is None else audio,
            "DiskGroupId": current.disk_group_id,
        }
        loops = {"weekDay": schedule_blocks(days, ordered=False)}
        params_list = kv.serialize(params, loops)
        params_list.append(("scheduleTimeAction", "cover"))
        await self._set("param.cgi", "recordPolicy", params_list)

    async def record_directories(self) -> RecordDirectories:
        """Record directories of every disk."""
        return RecordDirectories.from_block(
            await self._get("param.cgi", "recordDirInfo")
        )

    async def set_record_directory(
        self,
        disk_id: int,
        *,
        disk_name: str | None = None,
        enabled: bool | None = None,
        group_id: int | None = None,
    ) -> None:
        """Change one disk's record directory (diskId is "required on set")."""
        changes = Changes("record_directory", diskId=check_int("disk_id", disk_id))
        changes.field("diskName", disk_name, lambda v: check_text("disk_name", v))
        changes.field("enableFlag", enabled)
        changes.field("groupID", group_id, lambda v: check_int("group_id", v))
        await self._set("param.cgi", "recordDirInfo", changes.encoded())

    async def disk_alarm(self, alarm_in_id: int = 1) -> DiskAlarm:
        """Disk alarm settings."""
        block = await self._get(
            "param.cgi", "diskAlarm", ("alarmInID", str(alarm_in_id))
        )
        return DiskAlarm.from_block(block)

    async def set_disk_alarm(
        self,
        *,
        alarm_in_id: int = 1,
        disk_full: bool | None = None,
        disk_error: bool | None = None,
        no_disk: bool | None = None,
        alarm_interval: int | None = None,
        linkages: Sequence[AlarmLinkage] | None = None,
    ) -> None:
        """Change disk alarms (only the given fields are sent)."""
        changes = Changes("disk_alarm", alarmInID=alarm_in_id)
        changes.field("diskFullAlarmCheckFlag", disk_full)
        changes.field("diskErrorAlarmCheckFlag", disk_error)
        changes.field("NoDiskAlarmEnableFlag", no_disk)
        changes.field(
            "AlarmInterval",
            alarm_interval,
            lambda v: check_int("alarm_interval", v, 10, 86400),
        )
        changes.loop(
            "AlarmLinkageParam",
            "AlarmLinkage",
            None if linkages is None else linkage_blocks(linkages),
        )
        await self._set("param.cgi", "diskAlarm", changes.encoded())
