"""The get_logs action."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util
import pytest
import voluptuous as vol

from custom_components.excelsense.const import DOMAIN
from tests.emulator import Fault

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from tests.emulator import EmulatedCamera


async def _get_logs(hass: HomeAssistant, **data: object) -> dict[str, object]:
    response = await hass.services.async_call(
        DOMAIN, "get_logs", data, blocking=True, return_response=True
    )
    assert isinstance(response, dict)
    return response


@pytest.mark.parametrize("log", ["system", "alarm"])
async def test_get_logs_returns_entries(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    log: str,
) -> None:
    """Both logs come back as entries with their fields."""
    client = init_integration.runtime_data.client
    if log == "alarm":
        from custom_components.excelsense.api import AlarmOperation  # noqa: PLC0415

        await client.run_alarm_operation(AlarmOperation.SELF_CLEAN)
    now = camera.device.now()
    response = await _get_logs(
        hass,
        config_entry_id=init_integration.entry_id,
        log=log,
        start=(now - timedelta(hours=1)).isoformat(),
        end=(now + timedelta(minutes=1)).isoformat(),
    )
    entries = response["entries"]
    assert isinstance(entries, list)
    assert entries
    assert all("fields" in entry for entry in entries)
    request = next(r for r in camera.requests if r.get("type") == f"{log}LogInfo")
    assert request.get("logType") == "-1"


async def test_get_logs_defaults_to_last_day(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """Without a range, the last day up to now in Home Assistant's time zone is read.

    The camera's clock is zone-less local time, set from Home Assistant's zone
    by Sync clock; the default window must use that zone, not the host's.
    """
    await hass.config.async_set_time_zone("Pacific/Auckland")
    await _get_logs(hass, config_entry_id=init_integration.entry_id)
    request = next(r for r in camera.requests if r.get("type") == "systemLogInfo")
    start = datetime.strptime(request.get("startTime") or "", "%Y%m%d%H%M%S")  # noqa: DTZ007
    end = datetime.strptime(request.get("endTime") or "", "%Y%m%d%H%M%S")  # noqa: DTZ007
    assert end - start == timedelta(days=1)
    local_now = dt_util.now().replace(tzinfo=None)
    assert abs(end - local_now) < timedelta(minutes=1)


async def test_get_logs_reads_a_time_with_an_offset_as_that_moment(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """{{ utcnow() }} gives a time with an offset: asked in local time.

    Berlin is an hour ahead of UTC in January: 10:00 UTC is 11:00 there, the
    camera's zone-less clock. Without an offset, the time is local already.
    """
    await hass.config.async_set_time_zone("Europe/Berlin")
    await _get_logs(
        hass,
        config_entry_id=init_integration.entry_id,
        start="2026-01-15T10:00:00+00:00",
        end="2026-01-15 12:30:00",
    )
    request = next(r for r in camera.requests if r.get("type") == "systemLogInfo")
    assert (request.get("startTime"), request.get("endTime")) == (
        "20260115110000",
        "20260115123000",
    )


async def test_get_logs_log_type_is_an_int(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """A log type no int holds ("logType int") is refused before sending."""
    camera.clear_requests()
    with pytest.raises(vol.Invalid):
        await _get_logs(hass, config_entry_id=init_integration.entry_id, log_type=2**31)
    assert not camera.requests


async def test_get_logs_errors(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """Unknown entries, bad ranges and device errors are explained."""
    with pytest.raises(ServiceValidationError) as raised:
        await _get_logs(hass, config_entry_id="nope")
    assert raised.value.translation_key == "unknown_entry"
    camera.clear_requests()
    with pytest.raises(ServiceValidationError) as raised:
        await _get_logs(
            hass,
            config_entry_id=init_integration.entry_id,
            start="2026-01-02 00:00:00",
            end="2026-01-01 00:00:00",
        )
    assert raised.value.translation_key == "invalid_log_order"
    assert not camera.requests
    # Out of the log's range: "Minimum is 197101010000".
    for start in ("1900-01-01 00:00:00", "0001-01-01 00:00:00"):
        with pytest.raises(ServiceValidationError) as raised:
            await _get_logs(
                hass, config_entry_id=init_integration.entry_id, start=start
            )
        assert raised.value.translation_key == "invalid_log_minimum"
    with pytest.raises(ServiceValidationError) as raised:
        await _get_logs(
            hass, config_entry_id=init_integration.entry_id, end="0001-01-01 00:00:00"
        )
    assert raised.value.translation_key == "invalid_log_minimum"
    assert not camera.requests
    camera.inject(Fault(kind="error", code=-2, path="param.cgi", count=None))
    with pytest.raises(HomeAssistantError) as raised:
        await _get_logs(hass, config_entry_id=init_integration.entry_id)
    assert raised.value.translation_key == "device_error"
    camera.clear_faults()
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    with pytest.raises(ServiceValidationError) as raised:
        await _get_logs(hass, config_entry_id=init_integration.entry_id)
    assert raised.value.translation_key == "entry_not_loaded"
