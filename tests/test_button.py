"""Self-clean and LED buttons: the sequence, its queueing, and every fault."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING

from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.excelsense.const import DOMAIN, ISSUE_ALARM_OUTPUT
from tests.emulator import Fault
from tests.waiting import eventually

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from tests.conftest import Poller
    from tests.emulator import EmulatedCamera
    from tests.emulator.device import PulseModel

SELF_CLEAN = "button.tougheye_self_clean"
LED_DISABLED = "button.tougheye_toggle_led_normally_disabled_mode"
LED_SHUTOFF = "button.tougheye_toggle_led_shutoff_mode"


async def _press(hass: HomeAssistant, entity_id: str) -> None:
    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: entity_id}, blocking=True
    )


def _issue(hass: HomeAssistant, entry: MockConfigEntry) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(
        DOMAIN, f"{ISSUE_ALARM_OUTPUT}_{entry.entry_id}"
    )


# The document's two readings of the output: the camera ends the pulse after
# "alarmTime ... Alarm duration in milliseconds", or holds it until
# "controlFlag ... 0: end" (the emulator's Quirks.pulse).
BOTH_READINGS = pytest.mark.parametrize("pulse_model", ["timed", "held"])


@BOTH_READINGS
async def test_self_clean_pulses_in_profile(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    pulse_model: PulseModel,
) -> None:
    """Self-clean: one complete 300 ms pulse, no profile change needed."""
    camera.quirks.pulse = pulse_model
    camera.clear_requests()
    await _press(hass, SELF_CLEAN)
    assert len(camera.pulses) == 1
    pulse = camera.pulses[0]
    assert pulse.end is not None
    assert pulse.completed
    assert pulse.effect == "self_clean"
    assert camera.cleaning
    assert camera.is_self_clean_profile()
    sets = [r for r in camera.requests if r.get("action") == "set"]
    assert sets == []


@BOTH_READINGS
@pytest.mark.parametrize(
    ("entity_id", "effect", "attribute"),
    [
        (LED_DISABLED, "led_normally_disabled_toggle", "led_normally_disabled"),
        (LED_SHUTOFF, "led_shutoff_toggle", "led_shutoff"),
    ],
)
async def test_led_toggles_restore_self_clean(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    entity_id: str,
    effect: str,
    attribute: str,
    pulse_model: PulseModel,
) -> None:
    """LED toggles switch the profile for the pulse and restore it afterwards."""
    camera.quirks.pulse = pulse_model
    before = getattr(camera, attribute)
    await _press(hass, entity_id)
    assert camera.pulses[-1].end is not None
    assert camera.pulses[-1].completed
    assert camera.pulses[-1].effect == effect
    assert getattr(camera, attribute) is not before
    assert camera.is_self_clean_profile()
    assert _issue(hass, init_integration) is None


async def test_concurrent_presses_never_interleave(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """Two automations pressing at once: both run, one after the other."""
    await asyncio.gather(_press(hass, LED_DISABLED), _press(hass, SELF_CLEAN))
    assert len(camera.pulses) == 2
    first, second = sorted(camera.pulses, key=lambda p: p.start)
    assert first.end is not None
    assert first.end <= second.start
    assert all(p.completed for p in camera.pulses)
    assert {p.effect for p in camera.pulses} == {
        "led_normally_disabled_toggle",
        "self_clean",
    }
    assert camera.is_self_clean_profile()


async def test_repair_issue_from_polling_and_fix_flow(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    poll: Poller,
) -> None:
    """A profile changed by someone else raises the issue; the fix flow restores it."""
    from custom_components.excelsense.api import AlarmOutProfile  # noqa: PLC0415

    coordinator = init_integration.runtime_data.coordinator
    await coordinator.client.set_alarm_out(
        AlarmOutProfile(valid_signal=1, mode=1, frequency=0.0, time_ms=1000)
    )
    await poll()  # the guard reads the alarm output on every poll
    issue = _issue(hass, init_integration)
    assert issue is not None
    assert issue.is_fixable

    from homeassistant.components.repairs import (  # noqa: PLC0415
        DOMAIN as REPAIRS_DOMAIN,
    )
    from homeassistant.setup import async_setup_component  # noqa: PLC0415

    assert await async_setup_component(hass, REPAIRS_DOMAIN, {})
    from homeassistant.components.repairs.issue_handler import (  # noqa: PLC0415
        async_process_repairs_platforms,
    )

    await async_process_repairs_platforms(hass)
    flow_manager = hass.data[REPAIRS_DOMAIN]["flow_manager"]
    result = await flow_manager.async_init(DOMAIN, data={"issue_id": issue.issue_id})
    assert result["step_id"] == "confirm"
    result = await flow_manager.async_configure(result["flow_id"], {})
    assert result["type"] == "create_entry"
    assert camera.is_self_clean_profile()
    assert _issue(hass, init_integration) is None


async def test_a_fix_flow_for_an_unknown_issue_is_a_translated_error(
    hass: HomeAssistant,
) -> None:
    """An issue id this integration never raised gets a translated error."""
    from custom_components.excelsense.repairs import (  # noqa: PLC0415
        async_create_fix_flow,
    )

    with pytest.raises(HomeAssistantError) as raised:
        await async_create_fix_flow(hass, "not_ours_1", None)
    assert raised.value.translation_key == "unknown_issue"
    assert raised.value.translation_placeholders == {"issue_id": "not_ours_1"}


async def test_failed_press_error_is_translated(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """A permission error on a button is explained."""
    camera.inject(Fault(kind="error", code=-512, path="operate.cgi"))
    with pytest.raises(HomeAssistantError) as raised:
        await _press(hass, "button.tougheye_restart")
    assert raised.value.translation_key == "permission_denied"


async def test_sync_time_sets_device_clock(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """Sync clock sends Home Assistant's local time."""
    registry = er.async_get(hass)
    entity_id = registry.async_get_entity_id(
        BUTTON_DOMAIN, DOMAIN, f"{init_integration.unique_id}_sync_time"
    )
    assert entity_id
    camera.clear_requests()
    await _press(hass, entity_id)
    sent = next(r for r in camera.requests if r.get("type") == "dateTime")
    assert sent.get("year")


@pytest.mark.parametrize("camera_model", ["ToughCam-1000"])
async def test_wiper_buttons_disabled_without_wiper(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A ToughCam gets the wiper/LED buttons, but disabled."""
    registry = er.async_get(hass)
    for key in ("self_clean", "led_normally_disabled_toggle", "led_shutoff_toggle"):
        entity_id = registry.async_get_entity_id(
            BUTTON_DOMAIN, DOMAIN, f"{init_integration.unique_id}_{key}"
        )
        assert entity_id is not None
        entry = registry.async_get(entity_id)
        assert entry is not None
        assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION


@pytest.mark.parametrize(
    ("fault", "key"),
    [
        ({"kind": "disconnect", "count": None}, "communication_error"),
        ({"kind": "error", "code": -2}, "device_error"),
        ({"kind": "error", "code": -508}, "authentication_failed"),
    ],
)
async def test_command_errors_are_translated(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    fault: dict[str, object],
    key: str,
) -> None:
    """Transport, device and login errors each have their own message."""
    camera.inject(Fault(path="operate.cgi", **fault))  # type: ignore[arg-type]
    with pytest.raises(HomeAssistantError) as raised:
        await _press(hass, "button.tougheye_restart")
    assert raised.value.translation_key == key
    if key == "authentication_failed":
        # One refusal is confirmed by a retry after a pause before reauth.
        assert hass.config_entries.flow.async_progress() == []
        with pytest.raises(HomeAssistantError) as held:
            await _press(hass, "button.tougheye_restart")
        assert held.value.translation_key == "authentication_retry"


async def _repair_flow(hass: HomeAssistant, issue_id: str) -> tuple[object, dict]:
    from homeassistant.components.repairs import (  # noqa: PLC0415
        DOMAIN as REPAIRS_DOMAIN,
    )
    from homeassistant.components.repairs.issue_handler import (  # noqa: PLC0415
        async_process_repairs_platforms,
    )
    from homeassistant.setup import async_setup_component  # noqa: PLC0415

    assert await async_setup_component(hass, REPAIRS_DOMAIN, {})
    await async_process_repairs_platforms(hass)
    manager = hass.data[REPAIRS_DOMAIN]["flow_manager"]
    result = await manager.async_init(DOMAIN, data={"issue_id": issue_id})
    return manager, result


async def test_repair_flow_restore_fails_then_not_loaded(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """A failing restore keeps the form open; an unloaded camera aborts."""
    from custom_components.excelsense.issues import (  # noqa: PLC0415
        raise_alarm_output_issue,
    )

    raise_alarm_output_issue(hass, init_integration)
    issue = _issue(hass, init_integration)
    assert issue is not None
    camera.inject(
        Fault(kind="error", code=-2, path="param.cgi", params={"action": "set"})
    )
    manager, result = await _repair_flow(hass, issue.issue_id)
    result = await manager.async_configure(result["flow_id"], {})  # type: ignore[attr-defined]
    assert result["errors"] == {"base": "restore_failed"}
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    result = await manager.async_configure(result["flow_id"], {})  # type: ignore[attr-defined]
    assert result["type"] == "abort"
    assert result["reason"] == "not_loaded"


async def test_self_clean_running_at_unload_is_not_checked_after_it(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """The unload waits for the wiper's pulse; its check is not made afterwards.

    Scheduled once the pulse was over, after the unload had stopped the lens
    loop, the check 20 s later outlived the entry and fetched a still from the
    camera with the unloaded entry's client.
    """
    press = hass.async_create_task(_press(hass, SELF_CLEAN))
    await eventually(lambda: camera.device.running_pulse is not None)
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    await press
    assert [pulse.completed for pulse in camera.pulses] == [True]
    camera.clear_requests()
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=30))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert camera.requests == []


async def test_no_issue_is_raised_for_a_removed_entry(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A press still running when its entry was removed leaves no issue behind.

    Its failure came after the removal had cleared the entry's issues: the
    issue it raised belonged to no entry, and nothing could clear or fix it.
    """
    from custom_components.excelsense.issues import (  # noqa: PLC0415
        raise_alarm_output_issue,
        raise_wrong_device_issue,
    )

    assert await hass.config_entries.async_remove(init_integration.entry_id)
    raise_alarm_output_issue(hass, init_integration)
    raise_wrong_device_issue(hass, init_integration, "127.0.0.1")
    assert not [
        issue for (domain, _), issue in ir.async_get(hass).issues.items()
        if domain == DOMAIN
    ]  # fmt: skip


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_restart_and_factory_reset_reach_the_camera(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """Restart reboots; factory reset puts a changed setting back to default."""
    default = camera.state.sensor["brightness"].values["value"]
    camera.state.sensor["brightness"].values["value"] = "7"
    camera.clear_requests()
    await _press(hass, "button.tougheye_restart")
    await _press(hass, "button.tougheye_factory_reset")
    actions = [r.get("action") for r in camera.requests if r.path == "operate.cgi"]
    assert actions == ["restart", "reset"]
    assert camera.state.sensor["brightness"].values["value"] == default


async def test_pulse_running_at_stop_finishes_in_the_stop_stage(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Home Assistant stops during an LED pulse: it runs whole, then stops."""
    press = hass.async_create_task(
        hass.services.async_call(
            BUTTON_DOMAIN,
            SERVICE_PRESS,
            {ATTR_ENTITY_ID: LED_SHUTOFF},
            blocking=True,
        )
    )
    await asyncio.sleep(0.5)
    await hass.async_stop()
    assert press.done()
    assert "could not be canceled" not in caplog.text
    assert camera.device.running_pulse is None
    assert camera.is_self_clean_profile()
    assert [pulse.completed for pulse in camera.pulses] == [True]


@pytest.mark.parametrize("yields", [1, 3])
async def test_press_after_the_stop_began_is_refused(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    yields: int,
) -> None:
    """A press that arrives once the stop began starts no pulse.

    Otherwise it would run its 1.7 s pulse in the final stage, which cannot
    cancel it (the operation is shielded so that it ends the pulse).
    """
    stop = hass.async_create_task(hass.async_stop())
    for _ in range(yields):
        await asyncio.sleep(0)
    press = hass.async_create_task(
        hass.services.async_call(
            BUTTON_DOMAIN,
            SERVICE_PRESS,
            {ATTR_ENTITY_ID: LED_SHUTOFF},
            blocking=True,
        )
    )
    await stop
    error = press.exception()
    assert isinstance(error, HomeAssistantError)
    assert error.translation_key == "shutting_down"
    assert camera.pulses == []
    assert camera.is_self_clean_profile()
    assert "could not be canceled" not in caplog.text
