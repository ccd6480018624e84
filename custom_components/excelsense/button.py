"""Buttons: self-clean and LED modes, restart, clock sync, factory reset."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from homeassistant.components.button import (
    ButtonDeviceClass,
    ButtonEntity,
    ButtonEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.util import dt as dt_util

from .api import AlarmOperation
from .coordinator import ExcelSenseCoordinator
from .entity import ExcelSenseEntity, ExcelSenseEntityDescription
from .groups import Group
from .helpers import command_errors, excelsense_command
from .lens import LensCoordinator

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .data import ExcelSenseConfigEntry, ExcelSenseRuntimeData

# Commands queue on the client's own lock and request bound.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class ExcelSenseButtonDescription(ExcelSenseEntityDescription, ButtonEntityDescription):
    """A button and what pressing it does.

    ``group`` is what a press changes and is re-read afterwards (None: every
    group). ``wiper``: it drives the wiper/LED controller, so it starts
    disabled on models without one.
    """

    press_fn: Callable[[ExcelSenseRuntimeData], Awaitable[object]]
    wiper: bool = False


def _alarm(
    operation: AlarmOperation,
) -> Callable[[ExcelSenseRuntimeData], Awaitable[object]]:
    def press(runtime: ExcelSenseRuntimeData) -> Awaitable[object]:
        return runtime.client.run_alarm_operation(operation)

    return press


async def _self_clean(runtime: ExcelSenseRuntimeData) -> None:
    # With lens care, the clean is verified by a snapshot afterwards.
    if runtime.lens is not None:
        await runtime.lens.async_self_clean()
    else:
        await runtime.client.run_alarm_operation(AlarmOperation.SELF_CLEAN)


async def _sync_time(runtime: ExcelSenseRuntimeData) -> None:
    # The camera keeps local wall time without a zone; it is installed where
    # Home Assistant is, so Home Assistant's local time is the device's.
    now = dt_util.now().replace(tzinfo=None, microsecond=0)
    await runtime.client.set_date_time(now)


BUTTONS: tuple[ExcelSenseButtonDescription, ...] = (
    ExcelSenseButtonDescription(
        key="self_clean",
        translation_key="self_clean",
        press_fn=_self_clean,
        wiper=True,
        # An operation changes nothing but the alarm output.
        group=Group.ALARM_OUT,
    ),
    ExcelSenseButtonDescription(
        key="led_normally_disabled_toggle",
        translation_key="led_normally_disabled_toggle",
        press_fn=_alarm(AlarmOperation.LED_NORMALLY_DISABLED_TOGGLE),
        wiper=True,
        group=Group.ALARM_OUT,
    ),
    ExcelSenseButtonDescription(
        key="led_shutoff_toggle",
        translation_key="led_shutoff_toggle",
        press_fn=_alarm(AlarmOperation.LED_SHUTOFF_TOGGLE),
        wiper=True,
        group=Group.ALARM_OUT,
    ),
    ExcelSenseButtonDescription(
        key="restart",
        device_class=ButtonDeviceClass.RESTART,
        entity_category=EntityCategory.CONFIG,
        press_fn=lambda runtime: runtime.client.restart(),
    ),
    ExcelSenseButtonDescription(
        key="sync_time",
        translation_key="sync_time",
        entity_category=EntityCategory.CONFIG,
        press_fn=_sync_time,
        group=Group.CLOCK,
    ),
    ExcelSenseButtonDescription(
        key="factory_reset",
        translation_key="factory_reset",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        press_fn=lambda runtime: runtime.client.factory_reset(),
    ),
)


@dataclass(frozen=True, kw_only=True)
class LensButtonDescription(ExcelSenseEntityDescription, ButtonEntityDescription):
    """A button of lens care (nothing polled)."""


RELEARN_LENS = LensButtonDescription(
    key="relearn_lens_baseline",
    translation_key="relearn_lens_baseline",
    entity_category=EntityCategory.CONFIG,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ExcelSenseConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the buttons; wiper/LED ones start disabled on models without a wiper."""
    coordinator = entry.runtime_data.coordinator
    wiper = coordinator.static.device_info.self_cleaning
    entities: list[ButtonEntity] = [
        ExcelSenseButton(
            coordinator,
            replace(description, entity_registry_enabled_default=False)
            if description.wiper and not wiper
            else description,
        )
        for description in BUTTONS
    ]
    if entry.runtime_data.lens is not None:
        entities.append(RelearnLensButton(entry.runtime_data.lens, RELEARN_LENS))
    async_add_entities(entities)


class RelearnLensButton(ExcelSenseEntity[LensCoordinator], ButtonEntity):
    """Take the current picture as the lens's clean reference.

    After moving the camera or cleaning the lens by hand; it also clears the
    "does not improve" issue and resumes automatic cleaning.
    """

    entity_description: LensButtonDescription

    async def async_press(self) -> None:
        """Re-learn from a fresh picture."""
        async with command_errors(self.hass, self.coordinator.config_entry):
            await self.coordinator.async_relearn()


class ExcelSenseButton(ExcelSenseEntity[ExcelSenseCoordinator], ButtonEntity):
    """A button of the camera."""

    entity_description: ExcelSenseButtonDescription
    _polls_group = False

    @property
    def available(self) -> bool:
        """Pressable whenever the camera answers (the group is what it changes)."""
        return self.coordinator.last_update_success

    @excelsense_command
    async def async_press(self) -> None:
        """Run the command (alarm operations queue behind each other)."""
        await self.entity_description.press_fn(
            self.coordinator.config_entry.runtime_data
        )
