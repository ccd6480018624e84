"""Times of day for the camera's scheduled self-clean (where the firmware has them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import TYPE_CHECKING

from homeassistant.components.time import TimeEntity, TimeEntityDescription
from homeassistant.const import EntityCategory

from .coordinator import ExcelSenseCoordinator
from .entity import ExcelSenseEntity, ExcelSenseEntityDescription
from .errors import invalid_input
from .groups import Group
from .helpers import excelsense_command

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .data import ExcelSenseConfigEntry

# Commands queue on the client's own request bound.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class ExcelSenseTimeDescription(ExcelSenseEntityDescription, TimeEntityDescription):
    """A time of day of scheduled self-clean."""

    group: Group = Group.SELF_CLEAN_SCHEDULE


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ExcelSenseConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """One time entity per schedule slot the camera reports."""
    coordinator = entry.runtime_data.coordinator
    schedule = coordinator.data.self_clean_schedule
    if not coordinator.supports(Group.SELF_CLEAN_SCHEDULE) or schedule is None:
        return
    async_add_entities(
        ExcelSenseScheduleTime(coordinator, slot) for slot in range(len(schedule.times))
    )


class ExcelSenseScheduleTime(ExcelSenseEntity[ExcelSenseCoordinator], TimeEntity):
    """One time of day of scheduled self-clean."""

    entity_description: ExcelSenseTimeDescription

    def __init__(self, coordinator: ExcelSenseCoordinator, slot: int) -> None:
        """Bind the entity to a schedule slot (0-based)."""
        description = ExcelSenseTimeDescription(
            key="scheduled_self_clean_time",
            translation_key="scheduled_self_clean_time",
            translation_placeholders={"slot": str(slot + 1)},
            entity_category=EntityCategory.CONFIG,
        )
        super().__init__(coordinator, description, key_suffix=f"_{slot + 1}")
        self._slot = slot

    @property
    def native_value(self) -> time | None:
        """The slot's time from the latest poll."""
        schedule = self.coordinator.data.self_clean_schedule
        if schedule is None or self._slot >= len(schedule.times):
            return None
        hour, minute = schedule.times[self._slot]
        try:
            return time(hour, minute)
        except (ValueError, OverflowError):  # beyond a C int: OverflowError
            return None  # the camera reported a time that is none

    @excelsense_command
    async def async_set_value(self, value: time) -> None:
        """Change this slot, keeping the others (read fresh: sent whole)."""
        schedule = await self.coordinator.client.self_clean_schedule()
        if self._slot >= len(schedule.times):
            raise invalid_input("schedule_slot_missing", slot=str(self._slot + 1))
        times = list(schedule.times)
        times[self._slot] = (value.hour, value.minute)
        await self.coordinator.client.set_self_clean_schedule(schedule, times=times)
