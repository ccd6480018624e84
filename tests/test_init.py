"""Setup, unload, reload, not-ready, unavailability, reauth trigger."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.helpers import device_registry as dr
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.excelsense.const import (
    AUTH_FAILURES_BEFORE_REAUTH,
    DOMAIN,
    SCAN_INTERVAL,
)
from tests.emulator import Fault

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from tests.emulator import EmulatedCamera

CAMERA = "camera.tougheye"


class _Poller:
    """Moves simulated time past the next poll, further on every call."""

    def __init__(self, hass: HomeAssistant) -> None:
        self.hass = hass
        self.polls = 0

    async def __call__(self, times: int = 1) -> None:
        for _ in range(times):
            self.polls += 1
            step = (SCAN_INTERVAL + timedelta(seconds=1)) * self.polls
            async_fire_time_changed(self.hass, dt_util.utcnow() + step)
            await self.hass.async_block_till_done(wait_background_tasks=True)


@pytest.fixture
def poll(hass: HomeAssistant) -> _Poller:
    """Trigger coordinator polls in simulated time."""
    return _Poller(hass)


async def test_setup_and_unload(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The entry loads, creates one device, and unloads cleanly."""
    assert init_integration.state is ConfigEntryState.LOADED
    device = dr.async_get(hass).async_get_device(
        identifiers={(DOMAIN, init_integration.unique_id)}
    )
    assert device is not None
    assert device.manufacturer == "ExcelSense"
    assert device.model == "ToughEye"
    assert device.sw_version
    assert (dr.CONNECTION_NETWORK_MAC, "00:1c:27:15:93:56") in device.connections
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.NOT_LOADED


async def test_reload(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    """A reload comes back loaded."""
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.LOADED


async def test_not_ready_when_offline(
    hass: HomeAssistant, camera: EmulatedCamera, config_entry: MockConfigEntry
) -> None:
    """An unreachable camera at startup means retry later, not failure."""
    await camera.stop()
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_RETRY


async def test_auth_failure_at_setup_starts_reauth(
    hass: HomeAssistant, camera: EmulatedCamera, config_entry: MockConfigEntry
) -> None:
    """A refused login at setup asks the user for new credentials."""
    camera.inject(Fault(kind="error", code=-508))
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress()
    assert [f["context"]["source"] for f in flows] == [SOURCE_REAUTH]


async def test_unavailable_and_recovery_logged_once(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    poll: _Poller,
) -> None:
    """Offline: entities unavailable, logged once; they come back by themselves."""
    assert hass.states.get(CAMERA).state != STATE_UNAVAILABLE
    camera.inject(Fault(kind="disconnect", count=None))
    await poll(3)
    assert hass.states.get(CAMERA).state == STATE_UNAVAILABLE
    assert caplog.text.count("Error fetching") == 1
    camera.clear_faults()
    await poll()
    assert hass.states.get(CAMERA).state != STATE_UNAVAILABLE
    assert caplog.text.count("recovered") == 1
    assert "p@ss" not in caplog.text


async def test_reauth_only_after_repeated_auth_failures(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    poll: _Poller,
) -> None:
    """One refused login is a glitch; several in a row start reauth."""
    camera.inject(Fault(kind="error", code=-507, count=None))
    for _ in range(AUTH_FAILURES_BEFORE_REAUTH - 1):
        await poll()
        assert not hass.config_entries.flow.async_progress()
    await poll()
    flows = hass.config_entries.flow.async_progress()
    assert [f["context"]["source"] for f in flows] == [SOURCE_REAUTH]


async def test_polls_only_needed_groups(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    poll: _Poller,
) -> None:
    """A poll reads only the groups of enabled entities, never the static ones."""
    camera.clear_requests()
    await poll()
    # The lens monitor's first sample (a snapshot) falls in the same 30 s.
    requests = [r for r in camera.requests if r.path != "image.cgi"]
    kinds = sorted(r.get("type") or r.path for r in requests)
    coordinator = init_integration.runtime_data.coordinator
    assert len(requests) == len(coordinator.needed_groups())
    for static in ("deviceInfo", "streamAbility", "devicePort", "protocolInfo"):
        assert static not in kinds
    assert "alarmOut" in kinds
    assert "deviceDiskInfo" in kinds


async def test_unexpected_setup_error_is_not_swallowed(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A bug (not a device error) during setup is logged with its traceback."""
    from unittest.mock import patch  # noqa: PLC0415

    config_entry.add_to_hass(hass)
    with patch(
        "custom_components.excelsense.api.ExcelSenseClient.stream_ability",
        side_effect=RuntimeError("bug"),
    ):
        await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert "RuntimeError: bug" in caplog.text
