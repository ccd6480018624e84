"""Events: alarms from the camera, and whether a self-clean helped."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import callback

from .api import AlarmKind
from .entity import ExcelSenseEntity, ExcelSenseEntityDescription
from .lens import LensCoordinator
from .motion import MotionCoordinator

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .data import ExcelSenseConfigEntry

# Events come from the motion source and the lens monitor; nothing to poll.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class ExcelSenseEventDescription(ExcelSenseEntityDescription, EventEntityDescription):
    """An event of the camera (nothing polled)."""


ALARM = ExcelSenseEventDescription(
    key="alarm",
    translation_key="alarm",
    event_types=[kind.value for kind in AlarmKind],
)


LENS_CLEANING = ExcelSenseEventDescription(
    key="lens_cleaning",
    translation_key="lens_cleaning",
    event_types=["cleaned", "no_improvement"],
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ExcelSenseConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the alarm event, and the lens-cleaning event on cameras with a wiper."""
    runtime = entry.runtime_data
    entities: list[EventEntity] = []
    if runtime.motion.supported:
        entities.append(AlarmEventEntity(runtime.motion, ALARM))
    if runtime.lens is not None:
        entities.append(LensCleaningEvent(runtime.lens, LENS_CLEANING))
    async_add_entities(entities)


class AlarmEventEntity(ExcelSenseEntity[MotionCoordinator], EventEntity):
    """One event per new alarm: motion or other."""

    entity_description: ExcelSenseEventDescription
    # The motion data whose new alarms were fired (each once).
    _fired_for: object = None

    async def async_added_to_hass(self) -> None:
        """Fire what the check made while the camera loaded found new."""
        await super().async_added_to_hass()
        # The state the camera loaded with: its new alarms fired here, once.
        self._fired_for = self.coordinator.data
        for alarm in self.coordinator.take_unheard_events():
            self._trigger_event(alarm.kind.value, dict(alarm.attributes))
            self.async_write_ha_state()

    @callback
    def _handle_coordinator_update(self) -> None:
        data = self.coordinator.data
        # A failed check notifies again with the same data: fired once only.
        if data is not None and data is not self._fired_for:
            self._fired_for = data
            # One state write per event, so an automation sees each of them.
            for alarm in data.new_events:
                self._trigger_event(alarm.kind.value, dict(alarm.attributes))
                self.async_write_ha_state()
        super()._handle_coordinator_update()


class LensCleaningEvent(ExcelSenseEntity[LensCoordinator], EventEntity):
    """Fires after each verified self-clean: cleaned or no_improvement."""

    entity_description: ExcelSenseEventDescription

    def __init__(
        self, coordinator: LensCoordinator, description: ExcelSenseEventDescription
    ) -> None:
        """Fire only for outcomes after this entity was created."""
        super().__init__(coordinator, description)
        self._outcomes_seen = coordinator.data.outcomes

    @callback
    def _handle_coordinator_update(self) -> None:
        data = self.coordinator.data
        if data.outcomes != self._outcomes_seen and data.outcome is not None:
            self._outcomes_seen = data.outcomes
            before, after = data.outcome.before, data.outcome.after
            self._trigger_event(
                data.outcome.event_type,
                {
                    "before": None if before is None else before.clarity,
                    "after": None if after is None else after.clarity,
                    "obscured_before": None if before is None else before.obscured,
                    "obscured_after": None if after is None else after.obscured,
                },
            )
        super()._handle_coordinator_update()
