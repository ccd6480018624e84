"""Texts: device name, camera name and the OSD text overlay."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from homeassistant.components.text import TextEntity, TextEntityDescription
from homeassistant.const import EntityCategory

from .api import ExcelSenseClient, OSDCanvas, OSDInfo, OSDType
from .coordinator import ExcelSenseCoordinator
from .entity import ExcelSenseEntity, ExcelSenseEntityDescription, supported
from .errors import invalid_input
from .groups import Group
from .helpers import excelsense_command

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .data import ExcelSenseConfigEntry, ExcelSenseData

# Commands queue on the client's own request bound.
PARALLEL_UPDATES = 0

# The document: "canvasID 1 and 3 are reserved by the EST Camera
# Configuration Tool and Web interface"; canvas 2 carries our text overlay.
OSD_TEXT_CANVAS = 2
# The document states no length limit; this is Home Assistant's state limit.
TEXT_MAX = 255


@dataclass(frozen=True, kw_only=True)
class ExcelSenseTextDescription(ExcelSenseEntityDescription, TextEntityDescription):
    """A text: where it comes from and how it is set."""

    group: Group
    value_fn: Callable[[ExcelSenseData], str | None]
    set_fn: Callable[[ExcelSenseClient, ExcelSenseData, str], Awaitable[None]]


def _text_entry(canvas: OSDCanvas | None) -> OSDInfo | None:
    if canvas is None:
        return None
    return next((i for i in canvas.infos if i.osd_type == OSDType.TEXT), None)


def _osd_text(data: ExcelSenseData) -> str | None:
    if data.osd_canvases is None:
        return None
    entry = _text_entry(data.osd_canvases.get(OSD_TEXT_CANVAS))
    return entry.info if entry is not None and entry.enabled else ""


async def _set_osd_text(
    client: ExcelSenseClient, _data: ExcelSenseData, text: str
) -> None:
    """Put ``text`` on canvas 2 as its one text watermark; "" switches it off.

    The document sets a canvas with one entry (OSDInfoEnd=1): the canvas is
    covered with the text entry alone, keeping its position. Switched off,
    the entry keeps its last text, so no empty info is sent.
    """
    # Read fresh: the canvas is covered whole, its position kept.
    canvas = (await client.osd_canvases()).get(OSD_TEXT_CANVAS) or OSDCanvas(
        canvas_id=OSD_TEXT_CANVAS,
        top_x=0,
        top_y=90,
        font_size=2,
        align_mode=0,
        infos=(),
    )
    current = _text_entry(canvas)
    if text:
        entry = OSDInfo(osd_type=OSDType.TEXT, info=text, enabled=True)
    else:
        kept = current.info if current is not None and current.info else " "
        entry = OSDInfo(osd_type=OSDType.TEXT, info=kept, enabled=False)
    await client.set_osd_canvas(replace(canvas, infos=(entry,)))


TEXTS: tuple[ExcelSenseTextDescription, ...] = (
    ExcelSenseTextDescription(
        key="device_name",
        translation_key="device_name",
        entity_category=EntityCategory.CONFIG,
        # Enabling it makes the settings polls read deviceInfo too.
        entity_registry_enabled_default=False,
        # The document's example answers "deviceName=": it may be empty.
        native_min=0,
        native_max=TEXT_MAX,
        group=Group.DEVICE_INFO,
        value_fn=lambda d: None if d.device_info is None else d.device_info.device_name,
        set_fn=lambda c, _, v: c.set_device_name(v),
    ),
    ExcelSenseTextDescription(
        key="camera_name",
        translation_key="camera_name",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        native_min=0,
        native_max=TEXT_MAX,
        group=Group.CAMERA_INFO,
        value_fn=lambda d: None if d.camera_info is None else d.camera_info.camera_name,
        set_fn=lambda c, _, v: c.set_camera_name(v),
    ),
    ExcelSenseTextDescription(
        key="osd_text",
        translation_key="osd_text",
        entity_category=EntityCategory.CONFIG,
        native_min=0,
        native_max=TEXT_MAX,
        group=Group.OSD_CANVASES,
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
    async_add_entities(
        ExcelSenseText(coordinator, d) for d in supported(coordinator, TEXTS)
    )


class ExcelSenseText(ExcelSenseEntity[ExcelSenseCoordinator], TextEntity):
    """A text setting of the camera."""

    entity_description: ExcelSenseTextDescription

    @property
    def native_value(self) -> str | None:
        """The text from the latest poll (unknown when longer than a state holds).

        Not cut: a cut text shown as the camera's would be stored cut when
        sent back.
        """
        value = self.entity_description.value_fn(self.coordinator.data)
        return None if value is not None and len(value) > self.native_max else value

    @excelsense_command
    async def async_set_value(self, value: str) -> None:
        """Send the text; what the document forbids is refused before sending.

        Spaces around the text are refused too: the reply is read without
        them, so the text shown would not be the text stored.
        """
        if value != value.strip():
            raise invalid_input("text_padded")
        coordinator = self.coordinator
        await self.entity_description.set_fn(
            coordinator.client, coordinator.data, value
        )
