"""Binary sensor: motion, pushed over ONVIF or read from the alarm log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)

from .entity import ExcelSenseEntity, ExcelSenseEntityDescription
from .motion import MotionCoordinator

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .data import ExcelSenseConfigEntry

# The motion coordinator does the checking.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class MotionDescription(ExcelSenseEntityDescription, BinarySensorEntityDescription):
    """The motion sensor (fed by the motion source, nothing polled)."""


MOTION = MotionDescription(
    key="motion",
    translation_key="motion",
    device_class=BinarySensorDeviceClass.MOTION,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ExcelSenseConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the motion sensor where the firmware has an alarm log."""
    runtime = entry.runtime_data
    if runtime.motion.supported:
        async_add_entities([MotionSensor(runtime.motion, MOTION)])


class MotionSensor(ExcelSenseEntity[MotionCoordinator], BinarySensorEntity):
    """On while the camera reports motion (ONVIF events, or an open alarm-log entry)."""

    entity_description: MotionDescription

    @property
    def is_on(self) -> bool | None:
        """Whether a motion alarm runs now (unknown before the first check)."""
        data = self.coordinator.data
        return None if data is None else data.motion
