"""Service actions: read the camera's logs for troubleshooting."""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util
import voluptuous as vol

from .const import DOMAIN
from .helpers import command_errors

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.util.json import JsonValueType

    from .data import ExcelSenseConfigEntry

SERVICE_GET_LOGS = "get_logs"
ATTR_CONFIG_ENTRY_ID = "config_entry_id"
ATTR_LOG = "log"
ATTR_START = "start"
ATTR_END = "end"
ATTR_LOG_TYPE = "log_type"
INT_MAX = 2**31 - 1

GET_LOGS_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_LOG, default="system"): vol.In(["system", "alarm"]),
        vol.Optional(ATTR_START): cv.datetime,
        vol.Optional(ATTR_END): cv.datetime,
        # "logType int Log type. Use -1 for all logs." (an int: 32 bits)
        vol.Optional(ATTR_LOG_TYPE, default=-1): vol.All(
            vol.Coerce(int), vol.Range(min=-1, max=INT_MAX)
        ),
    }
)


def _entry(hass: HomeAssistant, entry_id: str) -> ExcelSenseConfigEntry:
    entry: ExcelSenseConfigEntry | None = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="unknown_entry",
            translation_placeholders={"entry_id": entry_id},
        )
    if entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_loaded",
            translation_placeholders={"name": entry.title},
        )
    return entry


async def _get_logs(call: ServiceCall) -> ServiceResponse:
    entry = _entry(call.hass, call.data[ATTR_CONFIG_ENTRY_ID])
    client = entry.runtime_data.client
    # The camera keeps zone-less local time (taken as Home Assistant's time
    # zone, as the clock sync does); naive datetimes are meant as that.
    end: datetime = call.data.get(ATTR_END) or dt_util.now().replace(tzinfo=None)
    try:
        start: datetime = call.data.get(ATTR_START) or end - timedelta(days=1)
    except OverflowError:
        start = datetime.min  # noqa: DTZ901 - refused below as before 1971
    start, end = _local(start), _local(end)
    read = client.system_log if call.data[ATTR_LOG] == "system" else client.alarm_log
    async with command_errors(call.hass, entry):
        entries = await read(start, end, call.data[ATTR_LOG_TYPE])
    return {
        "entries": [
            {
                "time": entry.time,
                "major_type": entry.major_type,
                "minor_type": entry.minor_type,
                "fields": _json(entry.fields),
            }
            for entry in entries
        ]
    }


def _local(moment: datetime) -> datetime:
    """A time with an offset ({{ utcnow() }}) as that moment in local time."""
    if moment.tzinfo is not None:
        with suppress(OverflowError):  # year 1 or 9999: refused as it is
            moment = dt_util.as_local(moment)
    return moment.replace(tzinfo=None)


def _json(fields: dict[str, str]) -> dict[str, JsonValueType]:
    return dict(fields.items())


def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions (once, at integration setup)."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_LOGS,
        _get_logs,
        schema=GET_LOGS_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
