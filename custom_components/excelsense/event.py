"""Event: whether a self-clean helped (lens care)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect

from .const import SIGNAL_LENS_CLEANING
from .entity import ExcelSenseLensEntity

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .coordinator import ExcelSenseConfigEntry
    from .lens_tracking import CleaningOutcome

# Events come from the lens monitor; nothing to poll.
PARALLEL_UPDATES = 0

LENS_CLEANING = EventEntityDescription(
    key="lens_cleaning",
    translation_key="lens_cleaning",
    event_types=["cleaned", "no_improvement"],
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ExcelSenseConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the lens-cleaning event on cameras with a wiper."""
    runtime = entry.runtime_data
    if runtime.lens is not None:
        async_add_entities(
            [LensCleaningEvent(runtime.coordinator, LENS_CLEANING, runtime.lens)]
        )


class LensCleaningEvent(ExcelSenseLensEntity, EventEntity):
    """Fires after each verified self-clean: cleaned or no_improvement."""

    async def async_added_to_hass(self) -> None:
        """Listen for verification outcomes."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass,
                SIGNAL_LENS_CLEANING.format(self.coordinator.config_entry.entry_id),
                self._outcome,
            )
        )

    @callback
    def _outcome(self, outcome: CleaningOutcome) -> None:
        before, after = outcome.before, outcome.after
        self._trigger_event(
            outcome.event_type,
            {
                "before": None if before is None else before.clarity,
                "after": None if after is None else after.clarity,
                "obscured_before": None if before is None else before.obscured,
                "obscured_after": None if after is None else after.obscured,
            },
        )
        self.async_write_ha_state()
