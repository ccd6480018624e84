"""Base entity and description: device info, unique ids, the group, availability."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.helpers.device_registry import (
    CONNECTION_NETWORK_MAC,
    DeviceInfo,
    format_mac,
)
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN, MANUFACTURER, SIGNAL_LENS_UPDATE
from .coordinator import ExcelSenseCoordinator

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from .data import ExcelSenseStatic
    from .groups import Group
    from .lens import LensMonitor
    from .motion import AlarmLogCoordinator


@dataclass(frozen=True, kw_only=True)
class ExcelSenseEntityDescription(EntityDescription):
    """What every entity of a camera declares.

    ``group`` is the API group its state needs (None: nothing polled);
    ``exists_fn`` says whether this camera has it at all. An entity whose
    group the firmware lacks is not created.
    """

    group: Group | None = None
    exists_fn: Callable[[ExcelSenseStatic], bool] = lambda _: True


def camera_device_info(coordinator: ExcelSenseCoordinator) -> DeviceInfo:
    """The one device of a camera, shared by all its entities."""
    entry = coordinator.config_entry
    info = coordinator.static.device_info
    return DeviceInfo(
        identifiers={(DOMAIN, str(entry.unique_id))},
        connections={(CONNECTION_NETWORK_MAC, format_mac(info.mac_address))},
        manufacturer=MANUFACTURER,
        model=info.product_model or None,
        name=info.device_name or entry.title,
        sw_version=info.software_version or None,
        hw_version=info.hardware_version or None,
        configuration_url=str(coordinator.client.base_url),
    )


def supported[D: ExcelSenseEntityDescription](
    coordinator: ExcelSenseCoordinator, descriptions: Iterable[D]
) -> list[D]:
    """The descriptions this camera has entities for."""
    return [
        description
        for description in descriptions
        if description.exists_fn(coordinator.static)
        and (description.group is None or coordinator.supports(description.group))
    ]


class ExcelSenseEntity(CoordinatorEntity[ExcelSenseCoordinator]):
    """An entity of one camera, fed by the group of its description."""

    _attr_has_entity_name = True
    entity_description: ExcelSenseEntityDescription
    # Whether the group is polled for this entity (a button's group is only
    # what a press changes, re-read after it).
    _polls_group = True

    def __init__(
        self,
        coordinator: ExcelSenseCoordinator,
        description: ExcelSenseEntityDescription,
        *,
        key_suffix: str = "",
    ) -> None:
        """Bind the entity to its camera and API group."""
        # The group is the coordinator context: polling reads what listeners need.
        super().__init__(
            coordinator, context=description.group if self._polls_group else None
        )
        self.entity_description = description
        entry = coordinator.config_entry
        self._attr_unique_id = f"{entry.unique_id}_{description.key}{key_suffix}"
        self._attr_device_info = camera_device_info(coordinator)

    @property
    def group(self) -> Group | None:
        """The API group this entity's state needs."""
        return self.entity_description.group

    @property
    def available(self) -> bool:
        """Unavailable when the camera is offline or its group was not read."""
        group = self.entity_description.group
        return super().available and (
            group is None or group in self.coordinator.data.available
        )


class ExcelSenseAlarmLogEntity(CoordinatorEntity["AlarmLogCoordinator"]):
    """An entity fed by the camera's alarm log (motion and other alarms)."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: ExcelSenseCoordinator,
        alarm_log: AlarmLogCoordinator,
        description: EntityDescription,
    ) -> None:
        """Bind the entity to the camera's alarm-log checks."""
        super().__init__(alarm_log)
        self.entity_description = description
        self.camera = coordinator
        self._attr_unique_id = f"{coordinator.config_entry.unique_id}_{description.key}"
        self._attr_device_info = camera_device_info(coordinator)

    @property
    def available(self) -> bool:
        """Unavailable while the camera is offline or its log cannot be read."""
        return super().available and self.camera.last_update_success

    async def async_added_to_hass(self) -> None:
        """Follow the camera's availability too."""
        await super().async_added_to_hass()
        self.async_on_remove(self.camera.async_add_listener(self.async_write_ha_state))


class ExcelSenseLensEntity(ExcelSenseEntity):
    """An entity of the lens-care loop: updated by the monitor, not by polling."""

    def __init__(
        self,
        coordinator: ExcelSenseCoordinator,
        description: ExcelSenseEntityDescription,
        lens: LensMonitor,
    ) -> None:
        """Bind the entity to the camera's lens monitor."""
        super().__init__(coordinator, description)
        self.lens = lens

    async def async_added_to_hass(self) -> None:
        """Follow the monitor's updates."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass,
                SIGNAL_LENS_UPDATE.format(self.coordinator.config_entry.entry_id),
                self.async_write_ha_state,
            )
        )
