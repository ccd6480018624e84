"""Diagnostics: everything useful, nothing secret."""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from typing import TYPE_CHECKING, Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .data import ExcelSenseConfigEntry

TO_REDACT = {
    CONF_PASSWORD,
    CONF_USERNAME,
    "unique_id",
    "mac_address",
    "MACAddress",
    "device_id",
    "deviceID",
    "url",
    "redacted",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: ExcelSenseConfigEntry
) -> dict[str, Any]:
    """Entry, static device data and the latest poll, redacted."""
    coordinator = entry.runtime_data.coordinator
    data = {
        str(group): asdict(value)
        if is_dataclass(value) and not isinstance(value, type)
        else value
        for group, value in sorted(coordinator.data.values.items())
    }
    static = asdict(coordinator.static)
    static["clock_offset"] = round(coordinator.static.clock_offset.total_seconds())
    motion = entry.runtime_data.motion
    state = motion.data
    push = motion.push.status
    return async_redact_data(
        {
            "entry": {
                "title": entry.title,
                "unique_id": entry.unique_id,
                "data": dict(entry.data),
                "options": dict(entry.options),
            },
            "static": static,
            "data": data,
            "available_groups": sorted(coordinator.data.available),
            "polled_groups": sorted(coordinator.needed_groups()),
            "motion": {
                "supported": motion.supported,
                "option": motion.options.motion_source,
                "source": str(motion.source),
                "reason": motion.reason,
                "motion": None if state is None else state.motion,
                "onvif": {
                    "receiving": push.up,
                    "reason": str(push.reason),
                    "error": push.error,
                    "clock_offset_s": round(
                        motion.client.onvif.clock_offset.total_seconds()
                    ),
                },
            },
            "output_may_be_on": coordinator.client.output_may_be_on,
            "last_update_success": coordinator.last_update_success,
            "alarm_operation_running": coordinator.client.alarm_operation_running,
        },
        TO_REDACT,
    )
