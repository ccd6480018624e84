"""Image: the picture of the moment motion starts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.components.image import ImageEntity, ImageEntityDescription
from homeassistant.core import callback

from .api import ExcelSenseError
from .const import DOMAIN, LOGGER
from .entity import ExcelSenseEntity, ExcelSenseEntityDescription
from .motion import MotionCoordinator
from .options import ExcelSenseOptions

if TYPE_CHECKING:
    from datetime import datetime

    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .data import ExcelSenseConfigEntry
    from .snapshot import SnapshotSource

# The still comes from the camera's shared snapshots; nothing is polled.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class ExcelSenseImageDescription(ExcelSenseEntityDescription, ImageEntityDescription):
    """An image of the camera (fed by the motion source)."""


LAST_MOTION = ExcelSenseImageDescription(
    key="last_motion", translation_key="last_motion"
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ExcelSenseConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the picture of the moment where the camera reports motion."""
    runtime = entry.runtime_data
    if runtime.motion.supported:
        async_add_entities(
            [LastMotionImage(runtime.motion, LAST_MOTION, runtime.snapshots)]
        )


class LastMotionImage(ExcelSenseEntity[MotionCoordinator], ImageEntity):
    """The still taken when motion last started.

    One still per start of motion (none while it stays on), through the
    camera's shared snapshots: a dashboard asking at the same moment costs
    the camera no second request. Its time is the moment motion started.
    """

    entity_description: ExcelSenseImageDescription
    _attr_content_type = "image/jpeg"

    def __init__(
        self,
        coordinator: MotionCoordinator,
        description: ExcelSenseImageDescription,
        snapshots: SnapshotSource,
    ) -> None:
        """Follow the camera's motion starts."""
        ExcelSenseEntity.__init__(self, coordinator, description)
        ImageEntity.__init__(self, coordinator.hass)
        self._snapshots = snapshots
        self._image: bytes | None = None
        data = coordinator.data
        self._starts_seen = 0 if data is None else data.motion_starts

    @callback
    def _handle_coordinator_update(self) -> None:
        data = self.coordinator.data
        if data is not None and data.motion_starts != self._starts_seen:
            self._starts_seen = data.motion_starts
            self.coordinator.config_entry.async_create_background_task(
                self.hass,
                self._take(data.motion_started_at),
                f"{DOMAIN} picture of the moment",
            )
        super()._handle_coordinator_update()

    async def _take(self, started_at: datetime | None) -> None:
        options = ExcelSenseOptions.from_config_entry(self.coordinator.config_entry)
        try:
            image = await self._snapshots.get(options.snapshot_quality)
        except ExcelSenseError as err:
            LOGGER.debug("Picture of the moment of %s failed: %s", self.entity_id, err)
            return
        self._image = image
        self._attr_image_last_updated = started_at
        self.async_write_ha_state()

    async def async_image(self) -> bytes | None:
        """The latest picture of the moment (None before the first motion)."""
        return self._image
