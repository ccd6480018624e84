"""Base entity and description: device info, unique ids, the group, availability."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from homeassistant.helpers.device_registry import (
    CONNECTION_NETWORK_MAC,
    DeviceInfo,
    format_mac,
)
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN, MANUFACTURER
from .coordinator import ExcelSenseCoordinator, ExcelSenseCoordinatorBase

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from .data import ExcelSenseStatic
    from .groups import Group


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


class ExcelSenseEntity[C: ExcelSenseCoordinatorBase[Any]](CoordinatorEntity[C]):
    """An entity of one camera, fed by one of the camera's coordinators.

    Whatever its source (polling, the alarm log, the lens monitor), it
    belongs to the camera's device and is unavailable while the camera does
    not answer its polls, or while the group it shows was not read.
    """

    _attr_has_entity_name = True
    entity_description: ExcelSenseEntityDescription
    # Whether the group is polled for this entity (a button's group is only
    # what a press changes, re-read after it).
    _polls_group = True

    def __init__(
        self,
        coordinator: C,
        description: ExcelSenseEntityDescription,
        *,
        key_suffix: str = "",
    ) -> None:
        """Bind the entity to its camera, its coordinator and its API group."""
        # The group is the coordinator context: polling reads what listeners need.
        context = description.group if self._polls_group else None
        super().__init__(coordinator, context=context)
        self.entity_description = description
        camera = coordinator.camera
        self._attr_unique_id = (
            f"{camera.config_entry.unique_id}_{description.key}{key_suffix}"
        )
        self._attr_device_info = camera_device_info(camera)

    @property
    def camera(self) -> ExcelSenseCoordinator:
        """The camera's polling coordinator."""
        return self.coordinator.camera

    @property
    def group(self) -> Group | None:
        """The API group this entity's state needs."""
        return self.entity_description.group

    @property
    def command_group(self) -> Group | None:
        """The group a command of this entity changes (re-read after it)."""
        return self.group

    @property
    def available(self) -> bool:
        """Unavailable when the camera is offline or its group was not read."""
        camera = self.camera
        group = self.entity_description.group
        return (
            super().available
            and camera.last_update_success
            and (group is None or group in camera.data.available)
        )

    async def async_added_to_hass(self) -> None:
        """Follow the camera's availability too, when fed by another source."""
        await super().async_added_to_hass()
        if self.camera is not self.coordinator:
            self.async_on_remove(
                self.camera.async_add_listener(self.async_write_ha_state)
            )
