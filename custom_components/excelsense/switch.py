"""Switches: detection, recording, alarms, mirror, OSD, NTP, ONVIF, self-clean."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import STATE_ON, EntityCategory
from homeassistant.helpers.restore_state import RestoreEntity

from .api import AlarmLinkage, ExcelSenseClient, LinkageAction
from .coordinator import ExcelSenseCoordinator
from .entity import ExcelSenseEntity, ExcelSenseEntityDescription, supported
from .groups import Group
from .helpers import excelsense_command
from .lens import LensCoordinator

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .data import ExcelSenseConfigEntry, ExcelSenseData, ExcelSenseStatic

# Commands queue on the client's own request bound.
PARALLEL_UPDATES = 0

type SetFn = Callable[[ExcelSenseClient, ExcelSenseData, bool], Awaitable[None]]


@dataclass(frozen=True, kw_only=True)
class ExcelSenseSwitchDescription(ExcelSenseEntityDescription, SwitchEntityDescription):
    """A switch: where its state comes from and how it is set."""

    group: Group
    is_on_fn: Callable[[ExcelSenseData], bool | None]
    set_fn: SetFn


# Settings sent whole (or as a whole loop) are read fresh right before the
# write: the polled copy may be minutes old, and another tool may have
# changed them since.


def _linkage_setter(action: LinkageAction) -> SetFn:
    """Turn one linkage of the motion alarm on or off, keeping the others."""

    async def set_linkage(
        client: ExcelSenseClient,
        _data: ExcelSenseData,
        on: bool,  # noqa: FBT001 - the shared SetFn signature
    ) -> None:
        # Read-modify-write: every other linkage of the motion alarm is kept.
        motion = await client.motion_alarm()
        others = [link for link in motion.linkages if link.action_type != action]
        if on:
            others.append(AlarmLinkage(action_type=action, action_id=1))
        await client.set_motion_alarm(linkages=others)

    return set_linkage


def _linked(data: ExcelSenseData, action: LinkageAction) -> bool | None:
    if data.motion is None:
        return None
    return any(link.action_type == action for link in data.motion.linkages)


async def _set_ntp(
    client: ExcelSenseClient,
    _data: ExcelSenseData,
    on: bool,  # noqa: FBT001 - the shared SetFn signature
) -> None:
    ntp = await client.ntp()
    await client.set_ntp(enabled=on, server=ntp.server, port=ntp.port)


async def _set_mirror(
    client: ExcelSenseClient,
    *,
    vertical: bool | None = None,
    horizontal: bool | None = None,
) -> None:
    mirror = await client.mirror()
    await client.set_mirror(
        vertical=mirror.vertical if vertical is None else vertical,
        horizontal=mirror.horizontal if horizontal is None else horizontal,
    )


async def _set_recording(
    client: ExcelSenseClient,
    *,
    enabled: bool | None = None,
    audio: bool | None = None,
) -> None:
    current = await client.record_policy()
    await client.set_record_policy(current, enabled=enabled, audio=audio)


async def _set_schedule(
    client: ExcelSenseClient,
    *,
    timed: bool | None = None,
    scheduled: bool | None = None,
) -> None:
    current = await client.self_clean_schedule()
    await client.set_self_clean_schedule(current, timed=timed, scheduled=scheduled)


def _self_cleaning(static: ExcelSenseStatic) -> bool:
    return static.device_info.self_cleaning


SWITCHES: tuple[ExcelSenseSwitchDescription, ...] = (
    ExcelSenseSwitchDescription(
        key="motion_detection",
        translation_key="motion_detection",
        entity_category=EntityCategory.CONFIG,
        group=Group.MOTION,
        is_on_fn=lambda d: None if d.motion is None else d.motion.enabled,
        set_fn=lambda c, _, on: c.set_motion_alarm(enabled=on),
    ),
    ExcelSenseSwitchDescription(
        key="self_clean_on_motion",
        translation_key="self_clean_on_motion",
        entity_category=EntityCategory.CONFIG,
        group=Group.MOTION,
        is_on_fn=lambda d: _linked(d, LinkageAction.ALARM_OUTPUT),
        set_fn=_linkage_setter(LinkageAction.ALARM_OUTPUT),
        exists_fn=_self_cleaning,
    ),
    ExcelSenseSwitchDescription(
        key="record_on_motion",
        translation_key="record_on_motion",
        entity_category=EntityCategory.CONFIG,
        group=Group.MOTION,
        is_on_fn=lambda d: _linked(d, LinkageAction.RECORD),
        set_fn=_linkage_setter(LinkageAction.RECORD),
    ),
    ExcelSenseSwitchDescription(
        key="timed_self_clean",
        translation_key="timed_self_clean",
        entity_category=EntityCategory.CONFIG,
        group=Group.SELF_CLEAN_SCHEDULE,
        is_on_fn=lambda d: (
            None if d.self_clean_schedule is None else d.self_clean_schedule.timed
        ),
        set_fn=lambda c, _, on: _set_schedule(c, timed=on),
    ),
    ExcelSenseSwitchDescription(
        key="scheduled_self_clean",
        translation_key="scheduled_self_clean",
        entity_category=EntityCategory.CONFIG,
        group=Group.SELF_CLEAN_SCHEDULE,
        is_on_fn=lambda d: (
            None if d.self_clean_schedule is None else d.self_clean_schedule.scheduled
        ),
        set_fn=lambda c, _, on: _set_schedule(c, scheduled=on),
    ),
    ExcelSenseSwitchDescription(
        key="scheduled_recording",
        translation_key="scheduled_recording",
        entity_category=EntityCategory.CONFIG,
        group=Group.RECORD_POLICY,
        is_on_fn=lambda d: None if d.record_policy is None else d.record_policy.enabled,
        set_fn=lambda c, _, on: _set_recording(c, enabled=on),
    ),
    ExcelSenseSwitchDescription(
        key="record_audio",
        translation_key="record_audio",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        group=Group.RECORD_POLICY,
        is_on_fn=lambda d: None if d.record_policy is None else d.record_policy.audio,
        set_fn=lambda c, _, on: _set_recording(c, audio=on),
    ),
    ExcelSenseSwitchDescription(
        key="ntp",
        translation_key="ntp",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        group=Group.NTP,
        is_on_fn=lambda d: None if d.ntp is None else d.ntp.enabled,
        set_fn=_set_ntp,
    ),
    ExcelSenseSwitchDescription(
        key="mirror_vertical",
        translation_key="mirror_vertical",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        group=Group.MIRROR,
        is_on_fn=lambda d: None if d.mirror is None else d.mirror.vertical,
        set_fn=lambda c, _, on: _set_mirror(c, vertical=on),
    ),
    ExcelSenseSwitchDescription(
        key="mirror_horizontal",
        translation_key="mirror_horizontal",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        group=Group.MIRROR,
        is_on_fn=lambda d: None if d.mirror is None else d.mirror.horizontal,
        set_fn=lambda c, _, on: _set_mirror(c, horizontal=on),
    ),
    ExcelSenseSwitchDescription(
        key="osd_inverse",
        translation_key="osd_inverse",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        group=Group.OSD,
        is_on_fn=lambda d: None if d.osd is None else d.osd.inverse,
        set_fn=lambda c, _, on: c.set_osd(inverse=on),
    ),
    ExcelSenseSwitchDescription(
        key="disk_full_alarm",
        translation_key="disk_full_alarm",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        group=Group.DISK_ALARM,
        is_on_fn=lambda d: None if d.disk_alarm is None else d.disk_alarm.disk_full,
        set_fn=lambda c, _, on: c.set_disk_alarm(disk_full=on),
    ),
    ExcelSenseSwitchDescription(
        key="disk_error_alarm",
        translation_key="disk_error_alarm",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        group=Group.DISK_ALARM,
        is_on_fn=lambda d: None if d.disk_alarm is None else d.disk_alarm.disk_error,
        set_fn=lambda c, _, on: c.set_disk_alarm(disk_error=on),
    ),
    ExcelSenseSwitchDescription(
        key="no_disk_alarm",
        translation_key="no_disk_alarm",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        group=Group.DISK_ALARM,
        is_on_fn=lambda d: None if d.disk_alarm is None else d.disk_alarm.no_disk,
        set_fn=lambda c, _, on: c.set_disk_alarm(no_disk=on),
    ),
    ExcelSenseSwitchDescription(
        key="onvif_authentication",
        translation_key="onvif_authentication",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        group=Group.ONVIF_AUTHENTICATION,
        is_on_fn=lambda d: d.onvif_authentication,
        set_fn=lambda c, _, on: c.set_protocol_security(enabled=on),
    ),
)


@dataclass(frozen=True, kw_only=True)
class LensSwitchDescription(ExcelSenseEntityDescription, SwitchEntityDescription):
    """A switch of the lens monitor (nothing polled)."""


AUTO_SELF_CLEAN = LensSwitchDescription(
    key="auto_self_clean",
    translation_key="auto_self_clean",
    entity_category=EntityCategory.CONFIG,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ExcelSenseConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the switches the camera supports."""
    coordinator = entry.runtime_data.coordinator
    entities: list[SwitchEntity] = [
        ExcelSenseSwitch(coordinator, description)
        for description in supported(coordinator, SWITCHES)
    ]
    lens = entry.runtime_data.lens
    if lens is not None:
        entities.append(AutoSelfCleanSwitch(lens, AUTO_SELF_CLEAN))
    async_add_entities(entities)


class AutoSelfCleanSwitch(
    ExcelSenseEntity[LensCoordinator], SwitchEntity, RestoreEntity
):
    """Clean automatically when lens clarity stays under the threshold."""

    entity_description: LensSwitchDescription

    async def async_added_to_hass(self) -> None:
        """Restore the choice from before the restart."""
        await super().async_added_to_hass()
        last = await self.async_get_last_state()
        if last is not None:
            self.coordinator.set_auto(enabled=last.state == STATE_ON, resume=False)

    @property
    def is_on(self) -> bool:
        """Whether automatic cleaning is on."""
        return self.coordinator.auto_enabled

    async def async_turn_on(self, **kwargs: Any) -> None:  # noqa: ANN401
        """Turn on (also resumes after a lens_not_improving pause)."""
        self.coordinator.set_auto(enabled=True)

    async def async_turn_off(self, **kwargs: Any) -> None:  # noqa: ANN401
        """Turn off."""
        self.coordinator.set_auto(enabled=False)


class ExcelSenseSwitch(ExcelSenseEntity[ExcelSenseCoordinator], SwitchEntity):
    """A switch of the camera."""

    entity_description: ExcelSenseSwitchDescription

    @property
    def is_on(self) -> bool | None:
        """The state from the latest poll."""
        return self.entity_description.is_on_fn(self.coordinator.data)

    async def async_turn_on(self, **kwargs: Any) -> None:  # noqa: ANN401
        """Turn on."""
        await self._set(on=True)

    async def async_turn_off(self, **kwargs: Any) -> None:  # noqa: ANN401
        """Turn off."""
        await self._set(on=False)

    @excelsense_command
    async def _set(self, *, on: bool) -> None:
        coordinator = self.coordinator
        await self.entity_description.set_fn(coordinator.client, coordinator.data, on)
