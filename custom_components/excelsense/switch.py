"""Switches: detection, recording, alarms, mirror, OSD, NTP, ONVIF, self-clean."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import STATE_ON, EntityCategory
from homeassistant.helpers.restore_state import RestoreEntity

from .api import (
    AlarmLinkage,
    ExcelSenseClient,
    ExcelSenseValidationError,
    LinkageAction,
)
from .entity import ExcelSenseEntity, ExcelSenseLensEntity
from .helpers import excelsense_command

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .coordinator import (
        ExcelSenseConfigEntry,
        ExcelSenseData,
        ExcelSenseStatic,
    )

# Commands queue on the client's own request bound.
PARALLEL_UPDATES = 0

type SetFn = Callable[[ExcelSenseClient, ExcelSenseData, bool], Awaitable[None]]


@dataclass(frozen=True, kw_only=True)
class ExcelSenseSwitchDescription(SwitchEntityDescription):
    """A switch: where its state comes from and how it is set."""

    group: str
    is_on_fn: Callable[[ExcelSenseData], bool | None]
    set_fn: SetFn
    exists_fn: Callable[[ExcelSenseStatic], bool] = lambda _: True


def _get(data: ExcelSenseData, group: str, attribute: str) -> Any:  # noqa: ANN401
    section = getattr(data, group)
    return None if section is None else getattr(section, attribute)


def _required[T](value: T | None) -> T:
    """Settings that build on the current state need that state."""
    if value is None:
        msg = "the camera's current state is unknown"
        raise ExcelSenseValidationError("state", msg)  # noqa: EM101 - a field name
    return value


async def _set_self_clean_on_motion(
    client: ExcelSenseClient,
    data: ExcelSenseData,
    on: bool,  # noqa: FBT001 - the shared SetFn signature
) -> None:
    # Read-modify-write: every other linkage of the motion alarm is kept.
    motion = _required(data.motion)
    others = [
        link
        for link in motion.linkages
        if link.action_type != LinkageAction.ALARM_OUTPUT
    ]
    if on:
        others.append(AlarmLinkage(action_type=LinkageAction.ALARM_OUTPUT, action_id=1))
    await client.set_motion_alarm(linkages=others)


async def _set_ntp(
    client: ExcelSenseClient,
    data: ExcelSenseData,
    on: bool,  # noqa: FBT001 - the shared SetFn signature
) -> None:
    ntp = _required(data.ntp)
    await client.set_ntp(enabled=on, server=ntp.server, port=ntp.port)


async def _set_mirror(
    client: ExcelSenseClient,
    data: ExcelSenseData,
    *,
    vertical: bool | None = None,
    horizontal: bool | None = None,
) -> None:
    mirror = _required(data.mirror)
    await client.set_mirror(
        vertical=mirror.vertical if vertical is None else vertical,
        horizontal=mirror.horizontal if horizontal is None else horizontal,
    )


async def _set_recording(
    client: ExcelSenseClient,
    data: ExcelSenseData,
    *,
    enabled: bool | None = None,
    audio: bool | None = None,
) -> None:
    await client.set_record_policy(
        _required(data.record_policy), enabled=enabled, audio=audio
    )


def _self_cleaning(static: ExcelSenseStatic) -> bool:
    return static.device_info.self_cleaning


def _has_schedule(static: ExcelSenseStatic) -> bool:
    return static.self_clean_schedule_supported


SWITCHES: tuple[ExcelSenseSwitchDescription, ...] = (
    ExcelSenseSwitchDescription(
        key="motion_detection",
        translation_key="motion_detection",
        entity_category=EntityCategory.CONFIG,
        group="motion",
        is_on_fn=lambda d: _get(d, "motion", "enabled"),
        set_fn=lambda c, _, on: c.set_motion_alarm(enabled=on),
    ),
    ExcelSenseSwitchDescription(
        key="self_clean_on_motion",
        translation_key="self_clean_on_motion",
        entity_category=EntityCategory.CONFIG,
        group="motion",
        is_on_fn=lambda d: _get(d, "motion", "self_clean_on_motion"),
        set_fn=_set_self_clean_on_motion,
        exists_fn=_self_cleaning,
    ),
    ExcelSenseSwitchDescription(
        key="timed_self_clean",
        translation_key="timed_self_clean",
        entity_category=EntityCategory.CONFIG,
        group="self_clean_schedule",
        is_on_fn=lambda d: _get(d, "self_clean_schedule", "timed"),
        set_fn=lambda c, _, on: c.set_self_clean_schedule(timed=on),
        exists_fn=_has_schedule,
    ),
    ExcelSenseSwitchDescription(
        key="scheduled_self_clean",
        translation_key="scheduled_self_clean",
        entity_category=EntityCategory.CONFIG,
        group="self_clean_schedule",
        is_on_fn=lambda d: _get(d, "self_clean_schedule", "scheduled"),
        set_fn=lambda c, _, on: c.set_self_clean_schedule(scheduled=on),
        exists_fn=_has_schedule,
    ),
    ExcelSenseSwitchDescription(
        key="scheduled_recording",
        translation_key="scheduled_recording",
        entity_category=EntityCategory.CONFIG,
        group="record_policy",
        is_on_fn=lambda d: _get(d, "record_policy", "enabled"),
        set_fn=lambda c, d, on: _set_recording(c, d, enabled=on),
    ),
    ExcelSenseSwitchDescription(
        key="record_audio",
        translation_key="record_audio",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        group="record_policy",
        is_on_fn=lambda d: _get(d, "record_policy", "audio"),
        set_fn=lambda c, d, on: _set_recording(c, d, audio=on),
    ),
    ExcelSenseSwitchDescription(
        key="ntp",
        translation_key="ntp",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        group="ntp",
        is_on_fn=lambda d: _get(d, "ntp", "enabled"),
        set_fn=_set_ntp,
    ),
    ExcelSenseSwitchDescription(
        key="mirror_vertical",
        translation_key="mirror_vertical",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        group="mirror",
        is_on_fn=lambda d: _get(d, "mirror", "vertical"),
        set_fn=lambda c, d, on: _set_mirror(c, d, vertical=on),
    ),
    ExcelSenseSwitchDescription(
        key="mirror_horizontal",
        translation_key="mirror_horizontal",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        group="mirror",
        is_on_fn=lambda d: _get(d, "mirror", "horizontal"),
        set_fn=lambda c, d, on: _set_mirror(c, d, horizontal=on),
    ),
    ExcelSenseSwitchDescription(
        key="osd_inverse",
        translation_key="osd_inverse",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        group="osd",
        is_on_fn=lambda d: _get(d, "osd", "inverse"),
        set_fn=lambda c, _, on: c.set_osd(inverse=on),
    ),
    ExcelSenseSwitchDescription(
        key="disk_full_alarm",
        translation_key="disk_full_alarm",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        group="disk_alarm",
        is_on_fn=lambda d: _get(d, "disk_alarm", "disk_full"),
        set_fn=lambda c, _, on: c.set_disk_alarm(disk_full=on),
    ),
    ExcelSenseSwitchDescription(
        key="disk_error_alarm",
        translation_key="disk_error_alarm",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        group="disk_alarm",
        is_on_fn=lambda d: _get(d, "disk_alarm", "disk_error"),
        set_fn=lambda c, _, on: c.set_disk_alarm(disk_error=on),
    ),
    ExcelSenseSwitchDescription(
        key="no_disk_alarm",
        translation_key="no_disk_alarm",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        group="disk_alarm",
        is_on_fn=lambda d: _get(d, "disk_alarm", "no_disk"),
        set_fn=lambda c, _, on: c.set_disk_alarm(no_disk=on),
    ),
    ExcelSenseSwitchDescription(
        key="onvif_authentication",
        translation_key="onvif_authentication",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        group="onvif_authentication",
        is_on_fn=lambda d: d.onvif_authentication,
        set_fn=lambda c, _, on: c.set_protocol_security(enabled=on),
    ),
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
        for description in SWITCHES
        if description.exists_fn(coordinator.static)
    ]
    lens = entry.runtime_data.lens
    if lens is not None:
        entities.append(AutoSelfCleanSwitch(coordinator, AUTO_SELF_CLEAN, lens))
    async_add_entities(entities)


AUTO_SELF_CLEAN = SwitchEntityDescription(
    key="auto_self_clean",
    translation_key="auto_self_clean",
    entity_category=EntityCategory.CONFIG,
)


class AutoSelfCleanSwitch(ExcelSenseLensEntity, SwitchEntity, RestoreEntity):
    """Clean automatically when lens clarity stays under the threshold."""

    async def async_added_to_hass(self) -> None:
        """Restore the choice from before the restart."""
        await super().async_added_to_hass()
        last = await self.async_get_last_state()
        if last is not None:
            self.lens.set_auto(enabled=last.state == STATE_ON)

    @property
    def is_on(self) -> bool:
        """Whether automatic cleaning is on."""
        return self.lens.auto_enabled

    async def async_turn_on(self, **kwargs: Any) -> None:  # noqa: ANN401
        """Turn on (also resumes after a lens_not_improving pause)."""
        self.lens.set_auto(enabled=True)

    async def async_turn_off(self, **kwargs: Any) -> None:  # noqa: ANN401
        """Turn off."""
        self.lens.set_auto(enabled=False)


class ExcelSenseSwitch(ExcelSenseEntity, SwitchEntity):
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
