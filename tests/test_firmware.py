"""Stranger firmware: groups it lacks, other forms of values, glitches.

"-22 CGI subtype not found" (and -21) mean the firmware lacks a group: one
such group never keeps a camera from loading, and its entities are not made.
"-23 Invalid CGI parameters" is an error of that one request.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
import pytest

from custom_components.excelsense.const import DOMAIN
from tests.emulator import Fault

from .conftest import PASSWORD, USERNAME

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from tests.conftest import Poller
    from tests.emulator import EmulatedCamera

pytestmark = pytest.mark.usefixtures("entity_registry_enabled_by_default")


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def test_older_firmware_without_optional_groups_loads(
    hass: HomeAssistant, camera: EmulatedCamera, config_entry: MockConfigEntry
) -> None:
    """Without streamAbility, protocolInfo, devicePort, IOAlarm and more: loaded.

    The entities of the missing groups are not created; nothing stays
    unavailable for ever.
    """
    camera.quirks.missing_types = frozenset(
        {
            "streamAbility",
            "protocolInfo",
            "devicePort",
            "IOAlarm",
            "mirror",
            "OSDCanvas",
            "protocolSecurity",
        }
    )
    await _setup(hass, config_entry)
    assert config_entry.state is ConfigEntryState.LOADED
    for missing in (
        "select.tougheye_stream_1_resolution",
        "sensor.tougheye_onvif_version",
        "switch.tougheye_timed_self_clean",
        "number.tougheye_timed_self_clean_interval",
        "switch.tougheye_flip_vertically",
        "text.tougheye_overlay_text",
        "switch.tougheye_onvif_authentication",
    ):
        assert hass.states.get(missing) is None, missing
    unavailable = [
        state.entity_id
        for state in hass.states.async_all()
        if state.state == STATE_UNAVAILABLE
    ]
    assert unavailable == []
    assert hass.states.get("camera.tougheye") is not None
    assert hass.states.get("switch.tougheye_motion_detection").state == STATE_OFF
    # The RTSP port falls back to the usual 554 without devicePort.
    source = await config_entry.runtime_data.coordinator.client.rtsp_url(
        rtsp_port=config_entry.runtime_data.coordinator.static.rtsp_port
    )
    assert ":554/" in source.redacted


async def test_more_streams_than_entities_cover(
    hass: HomeAssistant, camera: EmulatedCamera, config_entry: MockConfigEntry
) -> None:
    """A camera with six streams loads; streams 1-4 get entities, 5 and 6 none."""
    state = camera.state
    for stream_id in (4, 5, 6):
        state.streams[stream_id] = copy.deepcopy(state.streams[3])
        state.stream_ability[stream_id] = copy.deepcopy(state.stream_ability[3])
    await _setup(hass, config_entry)
    assert config_entry.state is ConfigEntryState.LOADED
    registry = er.async_get(hass)
    entities = er.async_entries_for_config_entry(registry, config_entry.entry_id)
    assert config_entry.runtime_data.coordinator.static.stream_ids == (1, 2, 3, 4)
    names = {entry.entity_id for entry in entities}
    assert "camera.tougheye_stream_4" in names
    assert "number.tougheye_stream_4_frame_rate" in names
    assert not [name for name in names if "stream_5" in name or "stream_6" in name]


@pytest.mark.parametrize("numeric", [False, True], ids=["true-false", "one-zero"])
async def test_io_alarm_in_either_form(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    config_entry: MockConfigEntry,
    numeric: bool,
) -> None:
    """IOAlarm as the vendor's tool writes it (true/false) or as 1/0: both read."""
    camera.quirks.io_alarm_numeric = numeric
    camera.state.io_alarm.values["TimedSelfClean"] = "true"
    await _setup(hass, config_entry)
    assert config_entry.state is ConfigEntryState.LOADED
    assert hass.states.get("switch.tougheye_timed_self_clean").state == STATE_ON
    assert hass.states.get("switch.tougheye_scheduled_self_clean").state == STATE_OFF


async def test_unreadable_optional_group_does_not_block_setup(
    hass: HomeAssistant, camera: EmulatedCamera, config_entry: MockConfigEntry
) -> None:
    """An optional static group answered in a form we cannot read is left out."""
    camera.inject(Fault("garbage", params={"type": "IOAlarm"}, count=None))
    await _setup(hass, config_entry)
    assert config_entry.state is ConfigEntryState.LOADED
    assert hass.states.get("switch.tougheye_timed_self_clean") is None


async def test_one_refused_read_does_not_drop_its_group(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    poll: Poller,
) -> None:
    """-23 for one group keeps its last value for two polls, then unavailable.

    Polling and the other groups go on; the group comes back by itself.
    """
    coordinator = init_integration.runtime_data.coordinator
    entity = "switch.tougheye_flip_vertically"
    other = "number.tougheye_brightness"
    fault = camera.inject(Fault("error", params={"type": "mirror"}, code=-23))
    for expected in (STATE_OFF, STATE_OFF, STATE_UNAVAILABLE):
        coordinator.mark_stale()
        await poll()
        assert hass.states.get(entity).state == expected
        assert hass.states.get(other).state == "50"
    camera.faults.remove(fault)
    coordinator.mark_stale()
    await poll()
    assert hass.states.get(entity).state == STATE_OFF


async def test_every_read_refused_once_is_a_glitch(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    poll: Poller,
) -> None:
    """One poll where every read answers -23 neither disables polling nor groups."""
    coordinator = init_integration.runtime_data.coordinator
    camera.inject(Fault("error", path="param.cgi", code=-23, count=30))
    coordinator.mark_stale()
    await poll()
    assert coordinator.last_update_success
    camera.clear_faults()
    coordinator.mark_stale()
    camera.clear_requests()
    await poll()
    kinds = {r.get("type") for r in camera.requests}
    assert {"alarmOut", "motionAlarm", "recordPolicy"} <= kinds
    assert hass.states.get("switch.tougheye_motion_detection").state == STATE_OFF


async def test_refused_login_stops_the_poll(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    poll: Poller,
) -> None:
    """After the first refused login of a poll, the rest of it is not sent.

    Another request (an ONVIF pull, a lens picture) may meet the refusal
    first; then none of the poll's reads goes out.
    """
    coordinator = init_integration.runtime_data.coordinator
    assert len(coordinator.needed_groups()) > 20
    camera.state.users[USERNAME].password = "changed"
    coordinator.mark_stale()
    camera.clear_requests()
    await poll()
    # The main poll's reads (the motion checks and lens samples run on their own).
    polled = [
        r
        for r in camera.requests
        if r.path in ("param.cgi", "sensor.cgi")
        and r.get("type") not in ("alarmLogInfo", "dateTime")
    ]
    # The request bound lets two out before the refusal comes back.
    assert len(polled) <= 2
    assert init_integration.runtime_data.client.transport.gate.closed


async def test_login_check_falls_back_when_a_group_is_missing(
    hass: HomeAssistant, camera: EmulatedCamera
) -> None:
    """Adding a camera that lacks devicePort still checks the password."""
    camera.quirks.missing_types = frozenset({"devicePort"})
    camera.quirks.device_info_without_auth = True
    data = {
        "host": "127.0.0.1",
        "port": camera.port,
        "username": USERNAME,
        "password": "wrong",
        "https": {"ssl": False, "verify_ssl": True},
    }
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}, data=data
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**data, "password": PASSWORD}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
