"""Numbers: image tuning, motion, retention, stream encoding, timed self-clean."""

from __future__ import annotations

from dataclasses import dataclass
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

from .api import ExcelSenseClient, ExcelSenseValidationError, ImageSetting
from .coordinator import image_group, stream_group
from .entity import ExcelSenseEntity, ExcelSenseLensEntity
from .helpers import excelsense_command

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .coordinator import (
        ExcelSenseConfigEntry,
        ExcelSenseData,
        ExcelSenseStatic,
    )

# Commands queue on the client's own request bound.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class ExcelSenseNumberDescription(NumberEntityDescription):
    """A number: where its value comes from and how it is set."""

    group: str
    value_fn: Callable[[ExcelSenseData], float | None]
    set_fn: Callable[[ExcelSenseClient, int], Awaitable[None]]
    exists_fn: Callable[[ExcelSenseStatic], bool] = lambda _: True


def _image(setting: ImageSetting) -> ExcelSenseNumberDescription:
    return ExcelSenseNumberDescription(
        key=str(setting),
        translation_key=str(setting),
        entity_category=EntityCategory.CONFIG,
        # Each is its own request per poll; brightness is the one people tune.
        entity_registry_enabled_default=setting is ImageSetting.BRIGHTNESS,
        native_min_value=0,
        native_max_value=100,
        native_step=1,
        mode=NumberMode.SLIDER,
        group=image_group(setting),
        value_fn=lambda d: d.image.get(setting),
        set_fn=lambda c, v: c.set_image_setting(setting, v),
    )


def _stream_value(
    stream_id: int, attribute: str
) -> Callable[[ExcelSenseData], float | None]:
    def value(data: ExcelSenseData) -> float | None:
        stream = data.streams.get(stream_id)
        return None if stream is None else int(getattr(stream, attribute))

    return value


def stream_numbers(stream_id: int) -> tuple[ExcelSenseNumberDescription, ...]:
    """Frame rate, bit rate and I-frame interval of one stream."""
    group = stream_group(stream_id)
    disabled = stream_id != 1
    placeholders = {"stream": str(stream_id)}
    return (
        ExcelSenseNumberDescription(
            key=f"frame_rate_{stream_id}",
            translation_key="frame_rate",
            translation_placeholders=placeholders,
            entity_category=EntityCategory.CONFIG,
            entity_registry_enabled_default=not disabled,
            native_min_value=1,
            native_max_value=30,
            native_step=1,
            native_unit_of_measurement="fps",
            mode=NumberMode.BOX,
            group=group,
            value_fn=_stream_value(stream_id, "frame_rate"),
            set_fn=lambda c, v: c.set_av_stream(stream_id, frame_rate=v),
        ),
        ExcelSenseNumberDescription(
            key=f"bit_rate_{stream_id}",
            translation_key="bit_rate",
            translation_placeholders=placeholders,
            device_class=NumberDeviceClass.DATA_RATE,
            entity_category=EntityCategory.CONFIG,
            entity_registry_enabled_default=False,
            native_min_value=32,
            native_max_value=8192,
            native_step=1,
            native_unit_of_measurement=UnitOfDataRate.KILOBITS_PER_SECOND,
            mode=NumberMode.BOX,
            group=group,
            value_fn=_stream_value(stream_id, "bit_rate"),
            set_fn=lambda c, v: c.set_av_stream(stream_id, bit_rate=v),
        ),
        ExcelSenseNumberDescription(
            key=f"i_frame_interval_{stream_id}",
            translation_key="i_frame_interval",
            translation_placeholders=placeholders,
            entity_category=EntityCategory.CONFIG,
            entity_registry_enabled_default=False,
            native_min_value=1,
            native_max_value=45,
            native_step=1,
            mode=NumberMode.BOX,
            group=group,
            value_fn=_stream_value(stream_id, "i_frame_interval"),
            set_fn=lambda c, v: c.set_av_stream(stream_id, i_frame_interval=v),
        ),
    )


def _motion(attribute: str) -> Callable[[ExcelSenseData], float | None]:
    return lambda d: None if d.motion is None else int(getattr(d.motion, attribute))


async def _set_retention(client: ExcelSenseClient, days: int) -> None:
    # recordPolicy needs the stream and disk group it records to: read them.
    await client.set_record_policy(await client.record_policy(), save_days=days)


NUMBERS: tuple[ExcelSenseNumberDescription, ...] = (
    *(_image(setting) for setting in ImageSetting),
    ExcelSenseNumberDescription(
        key="motion_sensitivity",
        translation_key="motion_sensitivity",
        entity_category=EntityCategory.CONFIG,
        native_min_value=1,
        native_max_value=10,
        native_step=1,
        mode=NumberMode.SLIDER,
        group="motion",
        value_fn=_motion("sensitivity"),
        set_fn=lambda c, v: c.set_motion_alarm(sensitivity=v),
    ),
    ExcelSenseNumberDescription(
        key="motion_alarm_interval",
        translation_key="motion_alarm_interval",
        device_class=NumberDeviceClass.DURATION,
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        native_min_value=1,
        native_max_value=1800,
        native_step=1,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        mode=NumberMode.BOX,
        group="motion",
        value_fn=_motion("alarm_interval"),
        set_fn=lambda c, v: c.set_motion_alarm(alarm_interval=v),
    ),
    ExcelSenseNumberDescription(
        key="record_retention_days",
        translation_key="record_retention_days",
        device_class=NumberDeviceClass.DURATION,
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        native_min_value=1,
        native_max_value=365,
        native_step=1,
        native_unit_of_measurement=UnitOfTime.DAYS,
        mode=NumberMode.BOX,
        group="record_policy",
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
        native_min_value=1,
        native_max_value=1440,
        native_step=1,
        native_unit_of_measurement=UnitOfTime.MINUTES,
        mode=NumberMode.BOX,
        group="self_clean_schedule",
        value_fn=lambda d: (
            None if d.self_clean_schedule is None else d.self_clean_schedule.interval
        ),
        set_fn=lambda c, v: c.set_self_clean_schedule(interval=v),
        exists_fn=lambda static: static.self_clean_schedule_supported,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ExcelSenseConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the numbers the camera supports, three per stream."""
    coordinator = entry.runtime_data.coordinator
    static = coordinator.static
    descriptions = [d for d in NUMBERS if d.exists_fn(static)]
    for stream_id in static.stream_ids:
        descriptions.extend(stream_numbers(stream_id))
    entities: list[NumberEntity] = [
        ExcelSenseNumber(coordinator, d) for d in descriptions
    ]
    lens = entry.runtime_data.lens
    if lens is not None:
        entities.append(AutoSelfCleanThreshold(coordinator, AUTO_CLEAN_THRESHOLD, lens))
        entities.append(
            AutoSelfCleanObscuredThreshold(
                coordinator, AUTO_CLEAN_OBSCURED_THRESHOLD, lens
            )
        )
    async_add_entities(entities)


AUTO_CLEAN_THRESHOLD = NumberEntityDescription(
    key="auto_self_clean_threshold",
    translation_key="auto_self_clean_threshold",
    entity_category=EntityCategory.CONFIG,
    native_min_value=10,
    native_max_value=95,
    native_step=1,
    native_unit_of_measurement=PERCENTAGE,
    mode=NumberMode.SLIDER,
)


AUTO_CLEAN_OBSCURED_THRESHOLD = NumberEntityDescription(
    key="auto_self_clean_obscured_threshold",
    translation_key="auto_self_clean_obscured_threshold",
    entity_category=EntityCategory.CONFIG,
    native_min_value=5,
    native_max_value=90,
    native_step=1,
    native_unit_of_measurement=PERCENTAGE,
    mode=NumberMode.SLIDER,
)


class AutoSelfCleanThreshold(ExcelSenseLensEntity, RestoreNumber):
    """Clarity (%) under which automatic cleaning runs."""

    async def async_added_to_hass(self) -> None:
        """Restore the threshold from before the restart."""
        await super().async_added_to_hass()
        last = await self.async_get_last_number_data()
        if last is not None and last.native_value is not None:
            self.lens.set_threshold(float(last.native_value))

    @property
    def native_value(self) -> float:
        """The threshold."""
        return self.lens.threshold

    async def async_set_native_value(self, value: float) -> None:
        """Set the threshold (Home Assistant checks the range)."""
        self.lens.set_threshold(value)


class AutoSelfCleanObscuredThreshold(ExcelSenseLensEntity, RestoreNumber):
    """Obscured area (%) over which automatic cleaning runs."""

    async def async_added_to_hass(self) -> None:
        """Restore the threshold from before the restart."""
        await super().async_added_to_hass()
        last = await self.async_get_last_number_data()
        if last is not None and last.native_value is not None:
            self.lens.set_obscured_threshold(float(last.native_value))

    @property
    def native_value(self) -> float:
        """The threshold."""
        return self.lens.obscured_threshold

    async def async_set_native_value(self, value: float) -> None:
        """Set the threshold (Home Assistant checks the range)."""
        self.lens.set_obscured_threshold(value)


class ExcelSenseNumber(ExcelSenseEntity, NumberEntity):
    """A number setting of the camera."""

    entity_description: ExcelSenseNumberDescription

    @property
    def native_value(self) -> float | None:
        """The value from the latest poll."""
        return self.entity_description.value_fn(self.coordinator.data)

    @excelsense_command
    async def async_set_native_value(self, value: float) -> None:
        """Send the value (validated by the client before sending)."""
        if not float(value).is_integer():
            key = self.entity_description.key
            raise ExcelSenseValidationError(key, "must be a whole number")
        await self.entity_description.set_fn(self.coordinator.client, int(value))
