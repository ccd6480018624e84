"""Selects: stream resolution and encoder, OSD font colour and transparency."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.const import EntityCategory

from .api import VideoEncoder
from .coordinator import ExcelSenseCoordinator
from .entity import ExcelSenseEntity, ExcelSenseEntityDescription, supported
from .errors import invalid_input
from .groups import Group
from .helpers import excelsense_command

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .data import ExcelSenseConfigEntry, ExcelSenseData, ExcelSenseStatic

# Commands queue on the client's own request bound.
PARALLEL_UPDATES = 0

FONT_COLORS = (
    "other",
    "white",
    "black",
    "red",
    "orange",
    "yellow",
    "green",
    "cyan",
    "blue",
    "purple",
)
# alpha 1..4; 0 is only ever answered by get and cannot be set.
TRANSPARENCIES = ("transparent", "translucent", "semi_transparent", "opaque")


@dataclass(frozen=True, kw_only=True)
class ExcelSenseSelectDescription(ExcelSenseEntityDescription, SelectEntityDescription):
    """A select: its options, current option and how it is set."""

    group: Group
    options_fn: Callable[[ExcelSenseStatic, ExcelSenseData], list[str]]
    current_fn: Callable[[ExcelSenseData], str | None]
    set_fn: Callable[[ExcelSenseCoordinator, str], Awaitable[None]]


def _encoder_name(encoder: int) -> str | None:
    return VideoEncoder(encoder).name.lower() if encoder in VideoEncoder else None


def _index(options: tuple[str, ...], value: int | None, offset: int = 0) -> str | None:
    if value is None or not 0 <= value - offset < len(options):
        return None
    return options[value - offset]


def _pixels(resolution: str) -> int:
    """Pixels of a "width*height" resolution (0 when it is not one)."""
    width, _, height = resolution.partition("*")
    if not (
        width.isascii() and width.isdigit() and height.isascii() and height.isdigit()
    ):
        return 0
    return int(width) * int(height)


def stream_selects(stream_id: int) -> tuple[ExcelSenseSelectDescription, ...]:
    """Resolution and encoder of one stream; options only from streamAbility."""
    group = Group.stream(stream_id)
    placeholders = {"stream": str(stream_id)}

    def encoders(static: ExcelSenseStatic, _: ExcelSenseData) -> list[str]:
        ability = static.stream_ability
        capability = ability.get(stream_id) if ability else None
        names = (
            [_encoder_name(e.encoder) for e in capability.encoders]
            if capability
            else []
        )
        return [name for name in names if name]

    def resolutions(static: ExcelSenseStatic, data: ExcelSenseData) -> list[str]:
        ability = static.stream_ability
        capability = ability.get(stream_id) if ability else None
        stream = data.stream(stream_id)
        if capability is None or stream is None:
            return []
        return list(capability.resolutions(stream.video_encoder))

    def current_encoder(data: ExcelSenseData) -> str | None:
        stream = data.stream(stream_id)
        return None if stream is None else _encoder_name(stream.video_encoder)

    def current_resolution(data: ExcelSenseData) -> str | None:
        stream = data.stream(stream_id)
        return None if stream is None else stream.resolution

    async def set_encoder(coordinator: ExcelSenseCoordinator, option: str) -> None:
        encoder = VideoEncoder[option.upper()]
        ability = coordinator.static.stream_ability
        capability = ability.get(stream_id) if ability else None
        offered = capability.resolutions(encoder) if capability else ()
        stream = coordinator.data.stream(stream_id)
        resolution = None
        if stream is not None and offered and stream.resolution not in offered:
            # The new encoder does not offer the stream's size: the nearest
            # one it does goes with it (the camera refuses the pair otherwise).
            now = _pixels(stream.resolution)
            resolution = min(offered, key=lambda size: abs(_pixels(size) - now))
        await coordinator.client.set_av_stream(
            stream_id, video_encoder=encoder, resolution=resolution
        )

    async def set_resolution(coordinator: ExcelSenseCoordinator, option: str) -> None:
        await coordinator.client.set_av_stream(stream_id, resolution=option)

    return (
        ExcelSenseSelectDescription(
            key=f"resolution_{stream_id}",
            translation_key="resolution",
            translation_placeholders=placeholders,
            entity_category=EntityCategory.CONFIG,
            entity_registry_enabled_default=stream_id == 1,
            group=group,
            # Options come from streamAbility only.
            exists_fn=lambda static: static.stream_ability is not None,
            options_fn=resolutions,
            current_fn=current_resolution,
            set_fn=set_resolution,
        ),
        ExcelSenseSelectDescription(
            key=f"video_encoder_{stream_id}",
            translation_key="video_encoder",
            translation_placeholders=placeholders,
            entity_category=EntityCategory.CONFIG,
            entity_registry_enabled_default=False,
            group=group,
            exists_fn=lambda static: static.stream_ability is not None,
            options_fn=encoders,
            current_fn=current_encoder,
            set_fn=set_encoder,
        ),
    )


SELECTS: tuple[ExcelSenseSelectDescription, ...] = (
    ExcelSenseSelectDescription(
        key="osd_font_color",
        translation_key="osd_font_color",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        group=Group.OSD,
        options_fn=lambda *_: list(FONT_COLORS),
        current_fn=lambda d: (
            None if d.osd is None else _index(FONT_COLORS, d.osd.font_color)
        ),
        set_fn=lambda c, o: c.client.set_osd(font_color=FONT_COLORS.index(o)),
    ),
    ExcelSenseSelectDescription(
        key="osd_transparency",
        translation_key="osd_transparency",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        group=Group.OSD,
        options_fn=lambda *_: list(TRANSPARENCIES),
        current_fn=lambda d: (
            None if d.osd is None else _index(TRANSPARENCIES, d.osd.alpha, 1)
        ),
        set_fn=lambda c, o: c.client.set_osd(alpha=TRANSPARENCIES.index(o) + 1),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ExcelSenseConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the selects, two per stream."""
    coordinator = entry.runtime_data.coordinator
    descriptions = list(SELECTS)
    for stream_id in coordinator.static.stream_ids:
        if coordinator.supports(Group.stream(stream_id)):
            descriptions.extend(stream_selects(stream_id))
    async_add_entities(
        ExcelSenseSelect(coordinator, d) for d in supported(coordinator, descriptions)
    )


class ExcelSenseSelect(ExcelSenseEntity[ExcelSenseCoordinator], SelectEntity):
    """A select setting of the camera."""

    entity_description: ExcelSenseSelectDescription

    @property
    def options(self) -> list[str]:
        """What the camera offers (streams: from its streamAbility)."""
        return self.entity_description.options_fn(
            self.coordinator.static, self.coordinator.data
        )

    @property
    def current_option(self) -> str | None:
        """The option from the latest poll."""
        return self.entity_description.current_fn(self.coordinator.data)

    @excelsense_command
    async def async_select_option(self, option: str) -> None:
        """Send the option if the camera offers it."""
        if option not in self.options:
            raise invalid_input("option_not_offered", option=option)
        await self.entity_description.set_fn(self.coordinator, option)
