"""Numbers: image tuning, motion, retention, stream encoding, timed self-clean."""

from __future__ import annotations

from dataclasses import dataclass
import math
from typing import TYPE_CHECKING

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
    RestoreNumber,
)
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    UnitOfDataRate,
    UnitOfTime,
)

from .api import ExcelSenseClient, ImageSetting
from .coordinator import ExcelSenseCoordinator
from .entity import ExcelSenseEntity, ExcelSenseEntityDescription, supported
from .errors import invalid_input
from .groups import Group
from .helpers import excelsense_command
from .lens import LensCoordinator

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .api import AVStream
    from .data import ExcelSenseConfigEntry, ExcelSenseData

# Commands queue on the client's own request bound.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class ExcelSenseNumberDescription(ExcelSenseEntityDescription, NumberEntityDescription):
    """A number: where its value comes from and how it is set."""

    group: Group
    value_fn: Callable[[ExcelSenseData], float | None]
    set_fn: Callable[[ExcelSenseClient, ExcelSenseData, int], Awaitable[None]]
    # The document leaves the range to the camera: the one given is that of
    # the cameras known, and a camera's own value beyond it widens it.
    device_range: bool = False


def _image(setting: ImageSetting) -> ExcelSenseNumberDescription:
    return ExcelSenseNumberDescription(
        key=str(setting),
        translation_key=str(setting),
        entity_category=EntityCategory.CONFIG,
        # Each is its own request; brightness is the one people tune.
        entity_registry_enabled_default=setting is ImageSetting.BRIGHTNESS,
        # "Range: 0-100."
        native_min_value=0,
        native_max_value=100,
        native_step=1,
        mode=NumberMode.SLIDER,
        group=Group.image(setting),
        value_fn=lambda d: d.image(setting),
        set_fn=lambda c, _, v: c.set_image_setting(setting, v),
    )


def _stream_value(
    stream_id: int, read: Callable[[AVStream], int | None]
) -> Callable[[ExcelSenseData], float | None]:
    def value(data: ExcelSenseData) -> float | None:
        stream = data.stream(stream_id)
        return None if stream is None else read(stream)

    return value


def stream_numbers(stream_id: int) -> tuple[ExcelSenseNumberDescription, ...]:
    """Frame rate, bit rate and I-frame interval of one stream."""
    group = Group.stream(stream_id)
    main = stream_id == 1
    placeholders = {"stream": str(stream_id)}
    return (
        ExcelSenseNumberDescription(
            key=f"frame_rate_{stream_id}",
            translation_key="frame_rate",
            translation_placeholders=placeholders,
            entity_category=EntityCategory.CONFIG,
            entity_registry_enabled_default=main,
            # "Range depends on device (often 1-25)": the camera refuses
            # what it cannot do.
            native_min_value=1,
            native_max_value=60,
            device_range=True,
            native_step=1,
            native_unit_of_measurement="fps",
            mode=NumberMode.BOX,
            group=group,
            value_fn=_stream_value(stream_id, lambda s: s.frame_rate),
            set_fn=lambda c, _, v: c.set_av_stream(stream_id, frame_rate=v),
        ),
        ExcelSenseNumberDescription(
            key=f"bit_rate_{stream_id}",
            translation_key="bit_rate",
            translation_placeholders=placeholders,
            device_class=NumberDeviceClass.DATA_RATE,
            entity_category=EntityCategory.CONFIG,
            entity_registry_enabled_default=False,
            # "range depends on resolution and device": the camera decides.
            native_min_value=1,
            native_max_value=65535,
            device_range=True,
            native_step=1,
            native_unit_of_measurement=UnitOfDataRate.KILOBITS_PER_SECOND,
            mode=NumberMode.BOX,
            group=group,
            value_fn=_stream_value(stream_id, lambda s: s.bit_rate),
            set_fn=lambda c, _, v: c.set_av_stream(stream_id, bit_rate=v),
        ),
        ExcelSenseNumberDescription(
            key=f"i_frame_interval_{stream_id}",
            translation_key="i_frame_interval",
            translation_placeholders=placeholders,
            entity_category=EntityCategory.CONFIG,
            entity_registry_enabled_default=False,
            # "I-frame interval (1-45)."
            native_min_value=1,
            native_max_value=45,
            native_step=1,
            mode=NumberMode.BOX,
            group=group,
            value_fn=_stream_value(stream_id, lambda s: s.i_frame_interval),
            set_fn=lambda c, _, v: c.set_av_stream(stream_id, i_frame_interval=v),
        ),
    )


# recordPolicy and IOAlarm are sent whole: read fresh right before the write.


async def _set_retention(
    client: ExcelSenseClient, _: ExcelSenseData, days: int
) -> None:
    current = await client.record_policy()
    await client.set_record_policy(current, save_days=days)


async def _set_interval(
    client: ExcelSenseClient, _: ExcelSenseData, minutes: int
) -> None:
    current = await client.self_clean_schedule()
    await client.set_self_clean_schedule(current, interval=minutes)


NUMBERS: tuple[ExcelSenseNumberDescription, ...] = (
    *(_image(setting) for setting in ImageSetting),
    ExcelSenseNumberDescription(
        key="motion_sensitivity",
        translation_key="motion_sensitivity",
        entity_category=EntityCategory.CONFIG,
        # "Motion sensitivity (device-dependent)": the range of the cameras
        # in the field; the camera refuses what it does not take.
        native_min_value=1,
        native_max_value=10,
        device_range=True,
        native_step=1,
        mode=NumberMode.SLIDER,
        group=Group.MOTION,
        value_fn=lambda d: None if d.motion is None else d.motion.sensitivity,
        set_fn=lambda c, _, v: c.set_motion_alarm(sensitivity=v),
    ),
    ExcelSenseNumberDescription(
        key="motion_alarm_interval",
        translation_key="motion_alarm_interval",
        device_class=NumberDeviceClass.DURATION,
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        # "Alarm interval in seconds (1-1800)."
        native_min_value=1,
        native_max_value=1800,
        native_step=1,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        mode=NumberMode.BOX,
        group=Group.MOTION,
        value_fn=lambda d: None if d.motion is None else d.motion.alarm_interval,
        set_fn=lambda c, _, v: c.set_motion_alarm(alarm_interval=v),
    ),
    ExcelSenseNumberDescription(
        key="record_retention_days",
        translation_key="record_retention_days",
        device_class=NumberDeviceClass.DURATION,
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        # "SaveDays int Retention in days." (no range: the camera decides)
        native_min_value=1,
        native_max_value=3650,
        device_range=True,
        native_step=1,
        native_unit_of_measurement=UnitOfTime.DAYS,
        mode=NumberMode.BOX,
        group=Group.RECORD_POLICY,
        value_fn=lambda d: (
            None if d.record_policy is None else d.record_policy.save_days
        ),
        set_fn=_set_retention,
    ),
    ExcelSenseNumberDescription(
        key="timed_self_clean_interval",
        translation_key="timed_self_clean_interval",
        device_class=NumberDeviceClass.DURATION,
        entity_category=EntityCategory.CONFIG,
        # The vendor's change_timeout.py: "Delay must be between 1-1440 minutes."
        native_min_value=1,
        native_max_value=1440,
        native_step=1,
        native_unit_of_measurement=UnitOfTime.MINUTES,
        mode=NumberMode.BOX,
        group=Group.SELF_CLEAN_SCHEDULE,
        value_fn=lambda d: (
            None if d.self_clean_schedule is None else d.self_clean_schedule.interval
        ),
        set_fn=_set_interval,
    ),
)


@dataclass(frozen=True, kw_only=True)
class LensNumberDescription(ExcelSenseEntityDescription, NumberEntityDescription):
    """A threshold of the lens monitor (nothing polled; restored on restart)."""

    value_fn: Callable[[LensCoordinator], float]
    set_fn: Callable[[LensCoordinator, float], None]


AUTO_CLEAN_THRESHOLD = LensNumberDescription(
    key="auto_self_clean_threshold",
    translation_key="auto_self_clean_threshold",
    entity_category=EntityCategory.CONFIG,
    native_min_value=10,
    native_max_value=95,
    native_step=1,
    native_unit_of_measurement=PERCENTAGE,
    mode=NumberMode.SLIDER,
    value_fn=lambda lens: lens.threshold,
    set_fn=lambda lens, value: lens.set_threshold(value),
)


AUTO_CLEAN_OBSCURED_THRESHOLD = LensNumberDescription(
    key="auto_self_clean_obscured_threshold",
    translation_key="auto_self_clean_obscured_threshold",
    entity_category=EntityCategory.CONFIG,
    native_min_value=5,
    native_max_value=90,
    native_step=1,
    native_unit_of_measurement=PERCENTAGE,
    mode=NumberMode.SLIDER,
    value_fn=lambda lens: lens.obscured_threshold,
    set_fn=lambda lens, value: lens.set_obscured_threshold(value),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ExcelSenseConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the numbers the camera supports, three per stream."""
    coordinator = entry.runtime_data.coordinator
    descriptions = list(NUMBERS)
    for stream_id in coordinator.static.stream_ids:
        if coordinator.supports(Group.stream(stream_id)):
            descriptions.extend(stream_numbers(stream_id))
    entities: list[NumberEntity] = [
        ExcelSenseNumber(coordinator, d) for d in supported(coordinator, descriptions)
    ]
    lens = entry.runtime_data.lens
    if lens is not None:
        entities.extend(
            LensThreshold(lens, description)
            for description in (AUTO_CLEAN_THRESHOLD, AUTO_CLEAN_OBSCURED_THRESHOLD)
        )
    async_add_entities(entities)


class LensThreshold(ExcelSenseEntity[LensCoordinator], RestoreNumber):
    """A threshold (%) of automatic cleaning: clarity under, or obscured area over."""

    entity_description: LensNumberDescription

    async def async_added_to_hass(self) -> None:
        """Restore the threshold from before the restart."""
        await super().async_added_to_hass()
        last = await self.async_get_last_number_data()
        if last is not None and last.native_value is not None:
            self.entity_description.set_fn(self.coordinator, float(last.native_value))

    @property
    def native_value(self) -> float:
        """The threshold."""
        return self.entity_description.value_fn(self.coordinator)

    async def async_set_native_value(self, value: float) -> None:
        """Set the threshold (Home Assistant checks the range, NaN aside)."""
        self.entity_description.set_fn(self.coordinator, _finite(value))


def _finite(value: float) -> float:
    """The value, unless NaN or infinite (Home Assistant's range check lets NaN in)."""
    number = float(value)
    if not math.isfinite(number):
        raise invalid_input("not_a_number", value=str(value))
    return number


class ExcelSenseNumber(ExcelSenseEntity[ExcelSenseCoordinator], NumberEntity):
    """A number setting of the camera."""

    entity_description: ExcelSenseNumberDescription

    @property
    def native_value(self) -> float | None:
        """The value from the latest poll."""
        return self.entity_description.value_fn(self.coordinator.data)

    # A range the document leaves to the camera widens to the camera's own
    # value, so it shows in range and can be set back (the camera refuses
    # what it does not take); a range the document states stays as it is.

    @property
    def native_min_value(self) -> float:
        """The range's low end, or the camera's value if lower."""
        value = self._own_value
        low = super().native_min_value
        return low if value is None else min(low, value)

    @property
    def native_max_value(self) -> float:
        """The range's high end, or the camera's value if higher."""
        value = self._own_value
        high = super().native_max_value
        return high if value is None else max(high, value)

    @property
    def _own_value(self) -> float | None:
        return self.native_value if self.entity_description.device_range else None

    @excelsense_command
    async def async_set_native_value(self, value: float) -> None:
        """Send the value (checked by the client before sending)."""
        if not _finite(value).is_integer():
            raise invalid_input("not_whole_number", value=f"{value:g}")
        coordinator = self.coordinator
        await self.entity_description.set_fn(
            coordinator.client, coordinator.data, int(value)
        )
