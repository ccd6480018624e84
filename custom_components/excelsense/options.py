"""The entry's options, typed once (everyone else reads this object)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Self

from .const import (
    CONF_AUTO_CLEAN_MAX_PER_DAY,
    CONF_LENS_INTERVAL,
    CONF_LIVE_VIEW_STREAM,
    CONF_MOTION_CHECK_INTERVAL,
    CONF_MOTION_SOURCE,
    CONF_RTSP_TRANSPORT,
    CONF_SNAPSHOT_QUALITY,
    DEFAULT_AUTO_CLEAN_MAX_PER_DAY,
    DEFAULT_LENS_INTERVAL,
    DEFAULT_LIVE_VIEW_STREAM,
    DEFAULT_MOTION_CHECK_INTERVAL,
    DEFAULT_MOTION_SOURCE,
    DEFAULT_RTSP_TRANSPORT,
    DEFAULT_SNAPSHOT_QUALITY,
    MOTION_CHECK_INTERVAL_RANGE,
    MOTION_SOURCES,
    RTSP_TRANSPORTS,
)
from .groups import MAX_STREAMS

if TYPE_CHECKING:
    from collections.abc import Mapping

    from homeassistant.config_entries import ConfigEntry

# Ranges the options form offers; a stored value outside them (edited by
# hand, or from an older release) falls back to the default.
SNAPSHOT_QUALITY_RANGE = (1, 9)
LENS_INTERVAL_RANGE = (1, 1440)
AUTO_CLEAN_MAX_PER_DAY_RANGE = (1, 24)


def whole_number(value: object, limits: tuple[int, int]) -> int | None:
    """A whole number within ``limits``, or None (also for NaN and infinities).

    Text counts only in ASCII digits (``int()`` would take any script's).
    """
    if isinstance(value, str):
        text = value.strip()
        if not text.isascii():
            return None
        try:
            value = float(text)
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not value.is_integer():
        return None  # also NaN and the infinities
    number = int(value)
    return number if limits[0] <= number <= limits[1] else None


def _whole(value: object, default: int, limits: tuple[int, int]) -> int:
    """A stored option's whole number, or ``default`` when it cannot be one."""
    number = whole_number(value, limits)
    return default if number is None else number


@dataclass(frozen=True, kw_only=True)
class ExcelSenseOptions:
    """What the options flow stores, read where it is used.

    Built from the entry each time it is needed (a few lookups), so a changed
    option applies without reloading the camera.
    """

    snapshot_quality: int = DEFAULT_SNAPSHOT_QUALITY
    live_view_stream: int = DEFAULT_LIVE_VIEW_STREAM
    rtsp_transport: str = DEFAULT_RTSP_TRANSPORT
    motion_source: str = DEFAULT_MOTION_SOURCE
    motion_check_interval: timedelta = timedelta(seconds=DEFAULT_MOTION_CHECK_INTERVAL)
    lens_interval: timedelta = timedelta(minutes=DEFAULT_LENS_INTERVAL)
    auto_clean_max_per_day: int = DEFAULT_AUTO_CLEAN_MAX_PER_DAY

    @classmethod
    def from_options(cls, options: Mapping[str, object]) -> Self:
        """The options from a stored mapping; unreadable values are defaults."""
        transport = options.get(CONF_RTSP_TRANSPORT)
        source = options.get(CONF_MOTION_SOURCE)
        return cls(
            snapshot_quality=_whole(
                options.get(CONF_SNAPSHOT_QUALITY),
                DEFAULT_SNAPSHOT_QUALITY,
                SNAPSHOT_QUALITY_RANGE,
            ),
            live_view_stream=_whole(
                options.get(CONF_LIVE_VIEW_STREAM),
                DEFAULT_LIVE_VIEW_STREAM,
                (1, MAX_STREAMS),
            ),
            rtsp_transport=transport
            if isinstance(transport, str) and transport in RTSP_TRANSPORTS
            else DEFAULT_RTSP_TRANSPORT,
            motion_source=source
            if isinstance(source, str) and source in MOTION_SOURCES
            else DEFAULT_MOTION_SOURCE,
            motion_check_interval=timedelta(
                seconds=_whole(
                    options.get(CONF_MOTION_CHECK_INTERVAL),
                    DEFAULT_MOTION_CHECK_INTERVAL,
                    MOTION_CHECK_INTERVAL_RANGE,
                )
            ),
            lens_interval=timedelta(
                minutes=_whole(
                    options.get(CONF_LENS_INTERVAL),
                    DEFAULT_LENS_INTERVAL,
                    LENS_INTERVAL_RANGE,
                )
            ),
            auto_clean_max_per_day=_whole(
                options.get(CONF_AUTO_CLEAN_MAX_PER_DAY),
                DEFAULT_AUTO_CLEAN_MAX_PER_DAY,
                AUTO_CLEAN_MAX_PER_DAY_RANGE,
            ),
        )

    @classmethod
    def from_config_entry(cls, entry: ConfigEntry) -> Self:
        """The options of a config entry."""
        return cls.from_options(entry.options)
