"""Base entity: device info, unique ids, availability."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.helpers.device_registry import (
    CONNECTION_NETWORK_MAC,
    DeviceInfo,
    format_mac,
)
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN, MANUFACTURER, SIGNAL_LENS_UPDATE
from .coordinator import ExcelSenseCoordinator

if TYPE_CHECKING:
    from homeassistant.helpers.entity import EntityDescription

    from .lens import LensMonitor


class _FromDescription:
    """Marker: take the API group from the entity description."""


FROM_DESCRIPTION = _FromDescription()


class ExcelSenseEntity(CoordinatorEntity[ExcelSenseCoordinator]):
    """An entity of one camera; ``group`` is the API group its state needs."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: ExcelSenseCoordinator,
        description: EntityDescription,
        *,
        group: str | _FromDescription | None = FROM_DESCRIPTION,
        key_suffix: str = "",
    ) -> None:
        """Bind the entity to its camera and API group.

        The group defaults to the description's ``group`` field (None: the
        entity needs nothing polled).
        """
        if isinstance(group, _FromDescription):
            group = getattr(description, "group", None)
        # The group is the coordinator context: polling reads what listeners need.
        super().__init__(coordinator, context=group)
        self.entity_description = description
        self.group = group
        entry = coordinator.config_entry
        self._attr_unique_id = f"{entry.unique_id}_{description.key}{key_suffix}"
        info = coordinator.static.device_info
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, str(entry.unique_id))},
            connections={(CONNECTION_NETWORK_MAC, format_mac(info.mac_address))},
            manufacturer=MANUFACTURER,
            model=info.product_model or None,
            name=info.device_name or entry.title,
            sw_version=info.software_version or None,
            hw_version=info.hardware_version or None,
            configuration_url=str(coordinator.client.base_url),
        )

    @property
    def available(self) -> bool:
        """Unavailable when the camera is offline or its group was not read."""
        return super().available and (
            self.group is None or self.group in self.coordinator.data.groups
        )


class ExcelSenseLensEntity(ExcelSenseEntity):
    """An entity of the lens-care loop: updated by the monitor, not by polling."""

    def __init__(
        self,
        coordinator: ExcelSenseCoordinator,
        description: EntityDescription,
        lens: LensMonitor,
    ) -> None:
        """Bind the entity to the camera's lens monitor."""
        super().__init__(coordinator, description, group=None)
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
