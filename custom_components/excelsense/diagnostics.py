"""Diagnostics: everything useful, nothing secret."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .coordinator import ExcelSenseConfigEntry

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
    data = asdict(coordinator.data)
    data["groups"] = sorted(coordinator.data.groups)
    return async_redact_data(
        {
            "entry": {
                "title": entry.title,
                "unique_id": entry.unique_id,
                "data": dict(entry.data),
                "options": dict(entry.options),
            },
            "static": asdict(coordinator.static),
            "data": data,
            "polled_groups": sorted(coordinator.needed_groups()),
            "last_update_success": coordinator.last_update_success,
            "alarm_operation_running": coordinator.client.alarm_operation_running,
        },
        TO_REDACT,
    )
