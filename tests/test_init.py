"""Setup, unload, reload, not-ready, unavailability, reauth trigger."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.helpers import device_registry as dr

from custom_components.excelsense.api.gate import LOGIN_ATTEMPTS
from custom_components.excelsense.const import DOMAIN
from tests.emulator import Fault

from .conftest import PASSWORD

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    import pytest
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from tests.conftest import Poller
    from tests.emulator import EmulatedCamera

CAMERA = "camera.tougheye"


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


async def test_removing_the_entry_removes_its_storage(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """Deleting a camera leaves nothing of it in .storage."""
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    mine = {key for key in hass_storage if init_integration.entry_id in key}
    # The alarm log's memory exists once the log was read (not with ONVIF).
    assert f"{DOMAIN}.lens.{init_integration.entry_id}" in mine
    assert mine <= {
        f"{DOMAIN}.alarm_log.{init_integration.entry_id}",
        f"{DOMAIN}.lens.{init_integration.entry_id}",
    }
    assert await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()
    assert [key for key in hass_storage if init_integration.entry_id in key] == []


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


async def test_https_only_camera_is_not_ready_and_says_why(
    hass: HomeAssistant, camera: EmulatedCamera, config_entry: MockConfigEntry
) -> None:
    """A camera switched to HTTPS only: not ready, asking for HTTPS (not offline)."""
    camera.inject(
        Fault(
            kind="http_status",
            status=302,
            location="https://127.0.0.1{path}?{query}",
            count=None,
        )
    )
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert config_entry.error_reason_translation_key == "https_required"
    assert PASSWORD not in str(config_entry.reason)


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
    poll: Poller,
) -> None:
    """Offline: entities unavailable, logged once; they come back by themselves.

    One poll that reaches nothing is a glitch: the second makes them unavailable.
    """
    assert hass.states.get(CAMERA).state != STATE_UNAVAILABLE
    camera.inject(Fault(kind="disconnect", count=None))
    await poll()
    assert hass.states.get(CAMERA).state != STATE_UNAVAILABLE
    await poll(2)
    assert hass.states.get(CAMERA).state == STATE_UNAVAILABLE
    assert caplog.text.count("Error fetching excelsense 127.0.0.1") == 1
    camera.clear_faults()
    await poll()
    assert hass.states.get(CAMERA).state != STATE_UNAVAILABLE
    assert caplog.text.count("Fetching excelsense 127.0.0.1 data recovered") == 1
    assert "p@ss" not in caplog.text


async def test_changed_password_costs_at_most_three_refused_logins(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    poll: Poller,
) -> None:
    """At most three refused logins, then reauth, then nothing sent.

    A refused login stops every request carrying the password (polls,
    motion, lens, ONVIF events); one retry after a pause confirms it; the
    third refusal starts reauth.

    Cameras lock accounts after repeated failures: counted at the camera,
    over 10 minutes of simulated time.
    """
    camera.device.state.users["admin"].password = "changed elsewhere"
    camera.clear_requests()
    reauth_at = None
    for index in range(20):
        await poll()
        flows = hass.config_entries.flow.async_progress()
        if flows and reauth_at is None:
            assert [f["context"]["source"] for f in flows] == [SOURCE_REAUTH]
            reauth_at = (index, len(camera.requests))
    assert reauth_at is not None
    # Every request carries the password, but the ONVIF clock (asked without
    # a login, to tell a jump of the camera's clock from a refused password).
    refused = [
        r for r in camera.requests if r.get("operation") != "GetSystemDateAndTime"
    ]
    assert len(refused) <= LOGIN_ATTEMPTS, refused
    assert len(camera.requests) == reauth_at[1]  # none after the flow appeared


async def test_one_refused_login_is_a_glitch(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    poll: Poller,
) -> None:
    """A refusal the camera does not repeat costs a pause, not a reauth."""
    camera.inject(Fault(kind="error", code=-507, count=1))
    await poll(4)
    assert not hass.config_entries.flow.async_progress()
    assert hass.states.get(CAMERA).state != STATE_UNAVAILABLE


# What the motion checks read (they have their own cadence).
MOTION_CHECK = ("alarmLogInfo", "dateTime")


def _param_kinds(camera: EmulatedCamera) -> list[str]:
    """Types the main poll read through param.cgi and sensor.cgi."""
    return sorted(
        r.get("type") or r.path
        for r in camera.requests
        if r.path in ("param.cgi", "sensor.cgi") and r.get("type") not in MOTION_CHECK
    )


async def test_polls_only_needed_groups_on_their_cadence(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    poll: Poller,
) -> None:
    """The guard every 30 s, disks every 5 min, settings every 10 min; never statics."""
    coordinator = init_integration.runtime_data.coordinator
    camera.clear_requests()
    await poll()
    assert _param_kinds(camera) == ["alarmOut"]
    camera.clear_requests()
    await poll(9)  # 5 min after setup
    assert _param_kinds(camera).count("deviceDiskInfo") == 1
    assert _param_kinds(camera).count("motionAlarm") == 0
    camera.clear_requests()
    await poll(10)  # 10 min after setup
    kinds = _param_kinds(camera)
    assert kinds.count("motionAlarm") == 1
    assert kinds.count("alarmOut") == 10
    needed = coordinator.needed_groups()
    settings = {g for g in needed if g not in ("alarm_out", "disks")}
    assert len(kinds) == 10 + 1 + len(settings)
    for static in ("deviceInfo", "streamAbility", "devicePort", "protocolInfo"):
        assert static not in kinds


async def test_full_poll_keeps_to_two_connections(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
) -> None:
    """A poll never puts a third request on the camera (design: -511 max connections).

    The guard's alarm-output read shares the poll's bound: a camera that takes
    two connections answers every group at the first try.
    """
    coordinator = init_integration.runtime_data.coordinator
    camera.latency = 0.05
    camera.max_connections = 2
    coordinator.mark_stale()
    camera.clear_requests()
    await coordinator.async_refresh()  # real time: the camera's latency must pass
    kinds = _param_kinds(camera)
    assert len(kinds) == len(coordinator.needed_groups())
    assert len(set(kinds)) == len(kinds)  # nothing was sent twice
    assert coordinator.last_update_success


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
