"""Texts: device name, camera name and the OSD text overlay."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from homeassistant.components.text import TextEntity, TextEntityDescription
from homeassistant.const import EntityCategory

from .api import ExcelSenseClient, OSDCanvas, OSDCanvases, OSDInfo, OSDType
from .entity import ExcelSenseEntity
from .helpers import excelsense_command

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .coordinator import (
        ExcelSenseConfigEntry,
        ExcelSenseData,
    )

# Commands queue on the client's own request bound.
PARALLEL_UPDATES = 0

# Canvases 1 and 3 belong to the vendor's tools (time and live-view indicator).
OSD_TEXT_CANVAS = 2


@dataclass(frozen=True, kw_only=True)
class ExcelSenseTextDescription(TextEntityDescription):
    """A text: where it comes from and how it is set."""

    group: str
    value_fn: Callable[[ExcelSenseData], str | None]
    set_fn: Callable[[ExcelSenseClient, ExcelSenseData, str], Awaitable[None]]


def _osd_text(data: ExcelSenseData) -> str | None:
    canvas = data.osd_canvases.get(OSD_TEXT_CANVAS) if data.osd_canvases else None
    return None if canvas is None else (canvas.text or "")


async def _set_osd_text(
    client: ExcelSenseClient, data: ExcelSenseData, text: str
) -> None:
    """Replace canvas 2's text watermark, keeping its position and other entries."""
    canvases = data.osd_canvases or OSDCanvases(canvases=(), raw={})
    canvas = canvases.get(OSD_TEXT_CANVAS) or OSDCanvas(
        canvas_id=OSD_TEXT_CANVAS,
        top_x=0,
        top_y=90,
        font_size=2,
        align_mode=0,
        infos=(),
    )
    others = tuple(i for i in canvas.infos if i.osd_type != OSDType.TEXT)
    infos = (*others, OSDInfo(osd_type=OSDType.TEXT, info=text, enabled=bool(text)))
    await client.set_osd_canvas(replace(canvas, infos=infos))


TEXTS: tuple[ExcelSenseTextDescription, ...] = (
    ExcelSenseTextDescription(
        key="device_name",
        translation_key="device_name",
        entity_category=EntityCategory.CONFIG,
        # Enabling it makes every poll read deviceInfo, otherwise read once.
        entity_registry_enabled_default=False,
        native_min=0,  # the factory name is empty; setting one needs a character
        native_max=64,
        group="device_info",
        value_fn=lambda d: None if d.device_info is None else d.device_info.device_name,
        set_fn=lambda c, _, v: c.set_device_name(v),
    ),
    ExcelSenseTextDescription(
        key="camera_name",
        translation_key="camera_name",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        native_min=1,
        native_max=64,
        group="camera_info",
        value_fn=lambda d: None if d.camera_info is None else d.camera_info.camera_name,
        set_fn=lambda c, _, v: c.set_camera_name(v),
    ),
    ExcelSenseTextDescription(
        key="osd_text",
        translation_key="osd_text",
        entity_category=EntityCategory.CONFIG,
        native_min=0,
        native_max=64,
        group="osd_canvases",
        value_fn=_osd_text,
        set_fn=_set_osd_text,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ExcelSenseConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the texts."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(ExcelSenseText(coordinator, d) for d in TEXTS)


class ExcelSenseText(ExcelSenseEntity, TextEntity):
    """A text setting of the camera."""

    entity_description: ExcelSenseTextDescription

    @property
    def native_value(self) -> str | None:
        """The text from the latest poll."""
        return self.entity_description.value_fn(self.coordinator.data)

    @excelsense_command
    async def async_set_value(self, value: str) -> None:
        """Send the text; forbidden characters are refused before sending."""
        coordinator = self.coordinator
        await self.entity_description.set_fn(
            coordinator.client, coordinator.data, value
        )
