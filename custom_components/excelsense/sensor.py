"""Sensors: disks, network, device clock, protocol version."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    MAX_LENGTH_STATE_STATE,
    PERCENTAGE,
    EntityCategory,
    UnitOfInformation,
)
from homeassistant.util import dt as dt_util

from .api import Disk, DiskStatus
from .coordinator import ExcelSenseCoordinator
from .entity import ExcelSenseEntity, ExcelSenseEntityDescription, supported
from .groups import Group
from .lens import LensCoordinator
from .motion import MotionCoordinator, MotionSource

if TYPE_CHECKING:
    from collections.abc import Callable

    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .data import ExcelSenseConfigEntry, ExcelSenseData, ExcelSenseStatic

# Read-only: the coordinator does all the polling.
PARALLEL_UPDATES = 0

type StateType = str | int | float | datetime | None

DISK_STATES = [status.name.lower() for status in DiskStatus]


@dataclass(frozen=True, kw_only=True)
class ExcelSenseSensorDescription(ExcelSenseEntityDescription, SensorEntityDescription):
    """A sensor fed by one API group (None: read at setup only)."""

    value_fn: Callable[[ExcelSenseData, ExcelSenseStatic], StateType]


@dataclass(frozen=True, kw_only=True)
class ExcelSenseDiskSensorDescription(
    ExcelSenseEntityDescription, SensorEntityDescription
):
    """A sensor of one disk."""

    group: Group = Group.DISKS
    value_fn: Callable[[Disk], StateType]


def _ip(data: ExcelSenseData, _: ExcelSenseStatic) -> str | None:
    return (
        data.network.cards[0].ip_address
        if data.network and data.network.cards
        else None
    )


def _dhcp(data: ExcelSenseData, _: ExcelSenseStatic) -> str | None:
    if not data.network or not data.network.cards:
        return None
    return "dhcp" if data.network.cards[0].dhcp else "static"


def _clock(data: ExcelSenseData, _: ExcelSenseStatic) -> datetime | None:
    # The device keeps zone-less local time; it runs where Home Assistant does.
    if data.clock is None:
        return None
    return data.clock.value.replace(tzinfo=dt_util.get_default_time_zone())


SENSORS: tuple[ExcelSenseSensorDescription, ...] = (
    ExcelSenseSensorDescription(
        key="ip_address",
        translation_key="ip_address",
        entity_category=EntityCategory.DIAGNOSTIC,
        # DHCP discovery already follows a camera that moves; polling its
        # address costs a request per poll, so it is opt-in.
        entity_registry_enabled_default=False,
        group=Group.NETWORK,
        value_fn=_ip,
    ),
    ExcelSenseSensorDescription(
        key="ip_assignment",
        translation_key="ip_assignment",
        device_class=SensorDeviceClass.ENUM,
        options=["dhcp", "static"],
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        group=Group.NETWORK,
        value_fn=_dhcp,
    ),
    ExcelSenseSensorDescription(
        key="device_clock",
        translation_key="device_clock",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        group=Group.CLOCK,
        value_fn=_clock,
    ),
    ExcelSenseSensorDescription(
        key="onvif_version",
        translation_key="onvif_version",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda _, static: (
            static.protocol_info.version if static.protocol_info else None
        ),
        exists_fn=lambda static: static.protocol_info is not None,
    ),
)


def _disk_status(disk: Disk) -> str | None:
    # The document lists 1-6, but its own example answers an empty slot with
    # diskStatus=0 and size 0: that reads as "not present".
    if disk.status == 0 and disk.total_size == 0:
        return DiskStatus.NOT_PRESENT.name.lower()
    return DiskStatus(disk.status).name.lower() if disk.status in DiskStatus else None


DISK_SENSORS: tuple[ExcelSenseDiskSensorDescription, ...] = (
    ExcelSenseDiskSensorDescription(
        key="disk_total",
        translation_key="disk_total",
        device_class=SensorDeviceClass.DATA_SIZE,
        native_unit_of_measurement=UnitOfInformation.MEGABYTES,
        suggested_unit_of_measurement=UnitOfInformation.GIGABYTES,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda disk: disk.total_size,
    ),
    ExcelSenseDiskSensorDescription(
        key="disk_free",
        translation_key="disk_free",
        device_class=SensorDeviceClass.DATA_SIZE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfInformation.MEGABYTES,
        suggested_unit_of_measurement=UnitOfInformation.GIGABYTES,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda disk: disk.free_size if disk.total_size else None,
    ),
    ExcelSenseDiskSensorDescription(
        key="disk_status",
        translation_key="disk_status",
        device_class=SensorDeviceClass.ENUM,
        options=DISK_STATES,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=_disk_status,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ExcelSenseConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors the camera supports, three per disk."""
    coordinator = entry.runtime_data.coordinator
    entities: list[SensorEntity] = [
        ExcelSenseSensor(coordinator, description)
        for description in supported(coordinator, SENSORS)
    ]
    disks = coordinator.data.disks.disks if coordinator.data.disks else ()
    entities.extend(
        ExcelSenseDiskSensor(coordinator, description, disk.disk_id)
        for disk in disks
        for description in supported(coordinator, DISK_SENSORS)
    )
    if entry.runtime_data.motion.supported:
        entities.append(MotionSourceSensor(entry.runtime_data.motion, MOTION_SOURCE))
    lens = entry.runtime_data.lens
    if lens is not None:
        entities.append(LensClaritySensor(lens, LENS_CLARITY))
        entities.append(LensObscuredSensor(lens, LENS_OBSCURED_AREA))
    async_add_entities(entities)


@dataclass(frozen=True, kw_only=True)
class MonitorSensorDescription(ExcelSenseEntityDescription, SensorEntityDescription):
    """A sensor fed by the lens monitor or the motion source (nothing polled)."""


LENS_CLARITY = MonitorSensorDescription(
    key="lens_clarity",
    translation_key="lens_clarity",
    native_unit_of_measurement=PERCENTAGE,
    state_class=SensorStateClass.MEASUREMENT,
    suggested_display_precision=0,
)


LENS_OBSCURED_AREA = MonitorSensorDescription(
    key="lens_obscured_area",
    translation_key="lens_obscured_area",
    native_unit_of_measurement=PERCENTAGE,
    state_class=SensorStateClass.MEASUREMENT,
    suggested_display_precision=0,
)


class LensClaritySensor(ExcelSenseEntity[LensCoordinator], SensorEntity):
    """How clear the lens is compared with its clean baseline (%)."""

    entity_description: MonitorSensorDescription

    @property
    def native_value(self) -> float | None:
        """Smoothed clarity; unknown only until the first sample."""
        reading = self.coordinator.data.reading
        return None if reading is None else reading.clarity

    @property
    def extra_state_attributes(self) -> dict[str, object]:
        """Scene, baseline (provisional or verified), today's automatic cleans."""
        data = self.coordinator.data
        return {
            "scene": data.scene,
            "baseline": data.baseline,
            "automatic_cleanings_today": self.coordinator.cleans_today,
        }


class LensObscuredSensor(ExcelSenseEntity[LensCoordinator], SensorEntity):
    """How much of the picture lost most of its detail (%): drops, a smear."""

    entity_description: MonitorSensorDescription

    @property
    def native_value(self) -> float | None:
        """Smoothed obscured area; unknown only until the first sample."""
        reading = self.coordinator.data.reading
        return None if reading is None else reading.obscured


MOTION_SOURCE = MonitorSensorDescription(
    key="motion_source",
    translation_key="motion_source",
    device_class=SensorDeviceClass.ENUM,
    options=[source.value for source in MotionSource],
    entity_category=EntityCategory.DIAGNOSTIC,
)


class MotionSourceSensor(ExcelSenseEntity[MotionCoordinator], SensorEntity):
    """Where motion comes from now (ONVIF events or the alarm log), and why."""

    entity_description: MonitorSensorDescription

    @property
    def available(self) -> bool:
        """Available while the camera answers, also when motion does not."""
        return self.camera.last_update_success

    @property
    def native_value(self) -> str:
        """The source in use."""
        return self.coordinator.source.value

    @property
    def extra_state_attributes(self) -> dict[str, object]:
        """Why: chosen in the options, receiving, or what keeps ONVIF away."""
        return {"reason": self.coordinator.reason}


class ExcelSenseSensor(ExcelSenseEntity[ExcelSenseCoordinator], SensorEntity):
    """A sensor of the camera."""

    entity_description: ExcelSenseSensorDescription

    @property
    def native_value(self) -> StateType:
        """The value from the latest poll (a text cut to what a state holds)."""
        value = self.entity_description.value_fn(
            self.coordinator.data, self.coordinator.static
        )
        if isinstance(value, str) and len(value) > MAX_LENGTH_STATE_STATE:
            return f"{value[: MAX_LENGTH_STATE_STATE - 1]}…"
        return value


class ExcelSenseDiskSensor(ExcelSenseEntity[ExcelSenseCoordinator], SensorEntity):
    """A sensor of one disk."""

    entity_description: ExcelSenseDiskSensorDescription

    def __init__(
        self,
        coordinator: ExcelSenseCoordinator,
        description: ExcelSenseDiskSensorDescription,
        disk_id: int,
    ) -> None:
        """Bind the sensor to one disk."""
        super().__init__(coordinator, description, key_suffix=f"_{disk_id}")
        self._disk_id = disk_id
        self._attr_translation_placeholders = {"disk": str(disk_id)}

    @property
    def _disk(self) -> Disk | None:
        disks = self.coordinator.data.disks
        return (
            next((d for d in disks.disks if d.disk_id == self._disk_id), None)
            if disks
            else None
        )

    @property
    def available(self) -> bool:
        """Unavailable when the disk is no longer reported."""
        return super().available and self._disk is not None

    @property
    def native_value(self) -> StateType:
        """The disk's value from the latest poll."""
        disk = self._disk
        return None if disk is None else self.entity_description.value_fn(disk)
