"""One coordinator per camera: what to poll, when, and what errors mean."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, NoReturn

from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .api import (
    SELF_CLEAN_PROFILE,
    AlarmOutput,
    AVStream,
    CameraInfo,
    DeviceInfo,
    DevicePort,
    DeviceTime,
    DiskAlarm,
    DiskInfo,
    ExcelSenseAuthenticationError,
    ExcelSenseClient,
    ExcelSenseConnectionError,
    ExcelSenseError,
    ExcelSenseInvalidParameterError,
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
from .const import (
    AUTH_FAILURES_BEFORE_REAUTH,
    DOMAIN,
    ISSUE_ALARM_OUTPUT,
    LOGGER,
    SCAN_INTERVAL,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from homeassistant.config_entries import ConfigEntry
    from homeassistant.core import HomeAssistant

    from .lens import LensMonitor
    from .snapshot import SnapshotSource


@dataclass(frozen=True, kw_only=True)
class ExcelSenseStatic:
    """What never changes while the entry is loaded (read at setup only)."""

    device_info: DeviceInfo
    stream_ability: StreamAbility
    device_port: DevicePort
    protocol_info: ProtocolInfo | None
    self_clean_schedule_supported: bool

    @property
    def stream_ids(self) -> tuple[int, ...]:
        """Stream ids the camera offers (stream 1 at least)."""
        return tuple(s.stream_id for s in self.stream_ability.streams) or (1,)


@dataclass(kw_only=True)
class ExcelSenseData:
    """The polled state; a group that was not polled stays None / absent."""

    device_info: DeviceInfo | None = None
    alarm_out: AlarmOutput | None = None
    disks: DiskInfo | None = None
    motion: MotionAlarm | None = None
    record_policy: RecordPolicy | None = None
    disk_alarm: DiskAlarm | None = None
    mirror: Mirror | None = None
    osd: OSDSettings | None = None
    osd_canvases: OSDCanvases | None = None
    network: LocalNetwork | None = None
    clock: DeviceTime | None = None
    time_zone: TimeZone | None = None
    ntp: NTPSettings | None = None
    camera_info: CameraInfo | None = None
    onvif_authentication: bool | None = None
    self_clean_schedule: SelfCleanSchedule | None = None
    image: dict[ImageSetting, int] = field(default_factory=dict)
    streams: dict[int, AVStream] = field(default_factory=dict)
    groups: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class _Group:
    fetch: Callable[[ExcelSenseClient], Awaitable[Any]]
    store: Callable[[ExcelSenseData, Any], None]


def _attr(name: str) -> Callable[[ExcelSenseData, Any], None]:
    def store(data: ExcelSenseData, value: Any) -> None:  # noqa: ANN401
        setattr(data, name, value)

    return store


def image_group(setting: ImageSetting) -> str:
    """Group key of one sensor.cgi image setting."""
    return f"image_{setting}"


def stream_group(stream_id: int) -> str:
    """Group key of one stream's AVStream settings."""
    return f"stream_{stream_id}"


# Groups every entry polls, whatever entities exist: alarm_out feeds the
# repair issue that guards the self-clean profile.
ALWAYS_POLLED = frozenset({"alarm_out"})

_SIMPLE_GROUPS: dict[str, _Group] = {
    "alarm_out": _Group(lambda c: c.alarm_out_settled(), _attr("alarm_out")),
    "device_info": _Group(lambda c: c.device_info(), _attr("device_info")),
    "disks": _Group(lambda c: c.disks(), _attr("disks")),
    "motion": _Group(lambda c: c.motion_alarm(), _attr("motion")),
    "record_policy": _Group(lambda c: c.record_policy(), _attr("record_policy")),
    "disk_alarm": _Group(lambda c: c.disk_alarm(), _attr("disk_alarm")),
    "mirror": _Group(lambda c: c.mirror(), _attr("mirror")),
    "osd": _Group(lambda c: c.osd(), _attr("osd")),
    "osd_canvases": _Group(lambda c: c.osd_canvases(), _attr("osd_canvases")),
    "network": _Group(lambda c: c.local_network(), _attr("network")),
    "clock": _Group(lambda c: c.date_time(), _attr("clock")),
    "time_zone": _Group(lambda c: c.time_zone(), _attr("time_zone")),
    "ntp": _Group(lambda c: c.ntp(), _attr("ntp")),
    "camera_info": _Group(lambda c: c.camera_info(), _attr("camera_info")),
    "onvif_authentication": _Group(
        lambda c: c.protocol_security(), _attr("onvif_authentication")
    ),
}


def _image(setting: ImageSetting) -> _Group:
    def store(data: ExcelSenseData, value: int) -> None:
        data.image[setting] = value

    return _Group(lambda c: c.image_setting(setting), store)


def _stream(stream_id: int) -> _Group:
    def store(data: ExcelSenseData, value: AVStream) -> None:
        data.streams[stream_id] = value

    return _Group(lambda c: c.av_stream(stream_id), store)


type ExcelSenseConfigEntry = ConfigEntry[ExcelSenseRuntimeData]


@dataclass
class ExcelSenseRuntimeData:
    """What a loaded entry holds."""

    client: ExcelSenseClient
    coordinator: ExcelSenseCoordinator
    snapshots: SnapshotSource
    lens: LensMonitor | None


class ExcelSenseCoordinator(DataUpdateCoordinator[ExcelSenseData]):
    """Polls one camera.

    Static groups are read once in ``_async_setup``. Each refresh then reads,
    concurrently under the client's request bound, only the groups that some
    listening entity needs (entities register their group as their
    coordinator context) plus the always-polled alarm output. The first
    refresh, before entities exist, reads every supported group.
    """

    config_entry: ExcelSenseConfigEntry
    static: ExcelSenseStatic

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ExcelSenseConfigEntry,
        client: ExcelSenseClient,
    ) -> None:
        """Set up the coordinator of one camera."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {client.host}",
            update_interval=SCAN_INTERVAL,
            # Most polls read what was there already: entities write their
            # state only when the data changed (the models compare by value,
            # their raw replies are left out of the comparison).
            always_update=False,
        )
        self.client = client
        self._groups: dict[str, _Group] = {}
        self._auth_failures = 0
        self._polled_once = False

    async def _async_setup(self) -> None:
        """Read what does not change: model, streams, ports, protocol.

        Concurrently, under the client's request bound; the vendor's IOAlarm
        type is probed too (-22 where the firmware has no such thing).
        """
        client = self.client
        try:
            async with asyncio.TaskGroup() as group:
                info = group.create_task(client.device_info())
                port = group.create_task(client.device_port())
                ability = group.create_task(client.stream_ability())
                protocol = group.create_task(_optional(client.protocol_info()))
                schedule = group.create_task(_optional(client.self_clean_schedule()))
        except ExceptionGroup as errors:
            self._raise_setup_error(errors)
        device_info, device_port = info.result(), port.result()
        stream_ability, protocol_info = ability.result(), protocol.result()
        schedule_supported = device_info.self_cleaning and schedule.result() is not None
        self.static = ExcelSenseStatic(
            device_info=device_info,
            stream_ability=stream_ability,
            device_port=device_port,
            protocol_info=protocol_info,
            self_clean_schedule_supported=schedule_supported,
        )
        groups = dict(_SIMPLE_GROUPS)
        groups.update({image_group(s): _image(s) for s in ImageSetting})
        groups.update({stream_group(i): _stream(i) for i in self.static.stream_ids})
        if schedule_supported:
            groups["self_clean_schedule"] = _Group(
                lambda c: c.self_clean_schedule(), _attr("self_clean_schedule")
            )
        self._groups = groups

    @staticmethod
    def _raise_setup_error(errors: ExceptionGroup[Exception]) -> NoReturn:
        """Map the first failure of the concurrent setup reads."""
        if auth := errors.subgroup(ExcelSenseAuthenticationError):
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="authentication_failed"
            ) from auth.exceptions[0]
        if device := errors.subgroup(ExcelSenseError):
            first = device.exceptions[0]
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="setup_failed",
                translation_placeholders={"error": str(first)},
            ) from first
        raise errors

    def needed_groups(self) -> set[str]:
        """Groups some listening entity needs, plus the always-polled ones."""
        if not self._polled_once:
            return set(self._groups)
        wanted = {ctx for ctx in self.async_contexts() if isinstance(ctx, str)}
        return (wanted | ALWAYS_POLLED) & set(self._groups)

    async def _async_update_data(self) -> ExcelSenseData:
        """Fetch the needed groups concurrently (the client bounds requests)."""
        names = sorted(self.needed_groups())
        results = await asyncio.gather(
            *(self._groups[name].fetch(self.client) for name in names),
            return_exceptions=True,
        )
        data = ExcelSenseData()
        errors: list[BaseException] = []
        for name, result in zip(names, results, strict=True):
            if isinstance(result, ExcelSenseInvalidParameterError):
                # This firmware does not know the group: stop asking for it.
                LOGGER.debug(
                    "%s does not support %s: %s", self.client.host, name, result
                )
                del self._groups[name]
            elif isinstance(result, BaseException):
                errors.append(result)
            else:
                self._groups[name].store(data, result)
                data.groups.add(name)
        if errors:
            self._raise_for(errors)
        self._auth_failures = 0
        self._polled_once = True
        if data.alarm_out is not None:
            self._check_alarm_output(data.alarm_out)
        return data

    async def async_refresh_group(self, group: str | None) -> None:
        """Re-read one group after a command and publish it at once.

        One request instead of a full poll, and no debounce delay: a slider
        moved twice in a row shows the device's value both times.
        """
        spec = self._groups.get(group) if group else None
        if spec is None:
            await self.async_request_refresh()
            return
        try:
            value = await spec.fetch(self.client)
        except ExcelSenseError as err:
            LOGGER.debug(
                "Re-reading %s from %s failed: %s", group, self.client.host, err
            )
            await self.async_request_refresh()
            return
        data = replace(
            self.data,
            image=dict(self.data.image),
            streams=dict(self.data.streams),
            groups=set(self.data.groups),
        )
        spec.store(data, value)
        data.groups.add(str(group))
        if data.alarm_out is not None and group == "alarm_out":
            # Raised or cleared now, not at the next poll (a press restores it).
            self._check_alarm_output(data.alarm_out)
        self.async_set_updated_data(data)

    def _raise_for(self, errors: list[BaseException]) -> None:
        auth = next(
            (e for e in errors if isinstance(e, ExcelSenseAuthenticationError)), None
        )
        if auth is not None:
            self._auth_failures += 1
            if self._auth_failures >= AUTH_FAILURES_BEFORE_REAUTH:
                raise ConfigEntryAuthFailed(
                    translation_domain=DOMAIN, translation_key="authentication_failed"
                ) from auth
            raise UpdateFailed(
                translation_domain=DOMAIN, translation_key="authentication_retry"
            ) from auth
        self._auth_failures = 0
        first = errors[0]
        if not isinstance(first, ExcelSenseError):
            raise first
        key = (
            "communication_error"
            if isinstance(first, ExcelSenseConnectionError)
            else "device_error"
        )
        raise UpdateFailed(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders={"error": str(first)},
        ) from first

    def _check_alarm_output(self, alarm_out: AlarmOutput) -> None:
        """Raise or clear the repair issue for a profile changed by someone else.

        The profile is read under the client's operation lock, so it is never
        an operation's temporary profile.
        """
        if alarm_out.profile == SELF_CLEAN_PROFILE:
            clear_alarm_output_issue(self.hass, self.config_entry)
        else:
            raise_alarm_output_issue(self.hass, self.config_entry)


async def _optional[T](call: Awaitable[T]) -> T | None:
    """Await a read that some firmware does not offer (-22 / -23 -> None)."""
    try:
        return await call
    except ExcelSenseInvalidParameterError:
        return None


def _issue_id(entry: ExcelSenseConfigEntry) -> str:
    return f"{ISSUE_ALARM_OUTPUT}_{entry.entry_id}"


def raise_alarm_output_issue(hass: HomeAssistant, entry: ExcelSenseConfigEntry) -> None:
    """Show the fixable repair issue: the alarm output is not in self-clean."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        _issue_id(entry),
        is_fixable=True,
        is_persistent=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=ISSUE_ALARM_OUTPUT,
        translation_placeholders={"name": entry.title},
        data={"entry_id": entry.entry_id},
    )


def clear_alarm_output_issue(hass: HomeAssistant, entry: ExcelSenseConfigEntry) -> None:
    """Remove the repair issue once the profile is right again."""
    ir.async_delete_issue(hass, DOMAIN, _issue_id(entry))
