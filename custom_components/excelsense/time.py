"""Times of day for the camera's scheduled self-clean (where the firmware has them)."""

from __future__ import annotations

from datetime import time
from typing import TYPE_CHECKING

from homeassistant.components.time import TimeEntity, TimeEntityDescription
from homeassistant.const import EntityCategory

from .entity import ExcelSenseEntity
from .helpers import excelsense_command

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .coordinator import ExcelSenseConfigEntry, ExcelSenseCoordinator

# Commands queue on the client's own request bound.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ExcelSenseConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """One time entity per schedule slot the camera reports."""
    coordinator = entry.runtime_data.coordinator
    schedule = coordinator.data.self_clean_schedule
    if not coordinator.static.self_clean_schedule_supported or schedule is None:
        return
    async_add_entities(
        ExcelSenseScheduleTime(coordinator, slot) for slot in range(len(schedule.times))
    )


class ExcelSenseScheduleTime(ExcelSenseEntity, TimeEntity):
    """One time of day of scheduled self-clean."""

    def __init__(self, coordinator: ExcelSenseCoordinator, slot: int) -> None:
        """Bind the entity to a schedule slot (0-based)."""
        description = TimeEntityDescription(
            key="scheduled_self_clean_time",
            translation_key="scheduled_self_clean_time",
            translation_placeholders={"slot": str(slot + 1)},
            entity_category=EntityCategory.CONFIG,
        )
        super().__init__(
            coordinator,
            description,
            group="self_clean_schedule",
            key_suffix=f"_{slot + 1}",
        )
        self._slot = slot

    @property
    def native_value(self) -> time | None:
        """The slot's time from the latest poll."""
        schedule = self.coordinator.data.self_clean_schedule
        if schedule is None or self._slot >= len(schedule.times):
            return None
        hour, minute = schedule.times[self._slot]
        return time(hour, minute)

    @excelsense_command
    async def async_set_value(self, value: time) -> None:
        """Change this slot, keeping the others."""
        schedule = self.coordinator.data.self_clean_schedule
        times = list(schedule.times) if schedule else []
        times[self._slot] = (value.hour, value.minute)
        await self.coordinator.client.set_self_clean_schedule(times=times)
