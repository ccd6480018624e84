"""Defects found reading the motion, ONVIF, login-gate and lens-care changes.

Each test states what a user or the camera should see and fails while the
defect is there. They talk to the emulated camera like the other tests;
ONVIF tests run in real time (held pulls), alarm-log and lens tests in
simulated time.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.const import (
    ATTR_ENTITY_ID,
    STATE_ON,
    STATE_UNAVAILABLE,
)
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.excelsense import lens, push
from custom_components.excelsense.api.gate import Limiter
from custom_components.excelsense.const import (
    CONF_AUTO_CLEAN_MAX_PER_DAY,
    CONF_LENS_INTERVAL,
    CONF_LIVE_VIEW_STREAM,
    CONF_MOTION_CHECK_INTERVAL,
    CONF_MOTION_SOURCE,
    CONF_RTSP_TRANSPORT,
    CONF_SNAPSHOT_QUALITY,
    DOMAIN,
)
from custom_components.excelsense.lens_tracking import LensState
from tests.emulator import EmulatedCamera, Fault, OnvifQuirks

from .conftest import MAC, PASSWORD, USERNAME
from .onvif_attack import (
    MOTION,
    SOURCE,
    alarm_events,
    entry_for,
    log_checks,
    ops,
    set_up,
    state,
    until,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant

SWITCH = "switch.tougheye_motion_detection"
CLARITY = "sensor.tougheye_lens_clarity"
AUTO = "switch.tougheye_automatic_self_clean"
SELF_CLEAN = "button.tougheye_self_clean"


@pytest.fixture
def motion_detection() -> bool:
    """The camera detects motion."""
    return True


@pytest.fixture(autouse=True)
def quick_wiper(camera: EmulatedCamera) -> None:
    """The wiper finishes at once."""
    camera.cleaning_duration = 0.0


async def _until(
    hass: HomeAssistant, condition: Callable[[], bool], seconds: float = 5.0
) -> bool:
    """Wait (real time) until ``condition`` holds; whether it did."""
    with suppress(TimeoutError):
        await until(hass, condition, seconds)
    return condition()


async def _change_options(
    hass: HomeAssistant, entry: MockConfigEntry, **changes: str | int
) -> None:
    """Submit the options form as a user would, with ``changes``."""
    user_input: dict[str, Any] = {
        CONF_SNAPSHOT_QUALITY: 9,
        CONF_LIVE_VIEW_STREAM: "1",
        CONF_RTSP_TRANSPORT: "tcp",
        CONF_MOTION_SOURCE: "auto",
        CONF_MOTION_CHECK_INTERVAL: 5,
        CONF_LENS_INTERVAL: 15,
        CONF_AUTO_CLEAN_MAX_PER_DAY: 4,
        **changes,
    }
    flow = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        flow["flow_id"], user_input=user_input
    )
    assert result["type"] == "create_entry"
    await hass.async_block_till_done()


# ---------------------------------------------------------------- alarm event


@pytest.mark.parametrize("onvif_quirks", [OnvifQuirks(enabled=False)])
async def test_alarm_not_fired_again_after_a_failed_check(
    hass: HomeAssistant, camera: EmulatedCamera, freezer: FrozenDateTimeFactory
) -> None:
    """One alarm-log entry is one event, also when a check fails after it.

    The alarm event fires ``data.new_events`` on every listener update; a
    failed check (or ``async_set_update_error``) updates the listeners with
    the previous data, so its alarms fire a second time, and once the camera
    answers again the entity shows that second timestamp.
    """
    await set_up(hass, entry_for(camera))
    fired = alarm_events(hass)

    async def check() -> None:
        freezer.tick(timedelta(seconds=6))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)

    camera.trigger_motion(duration=60)
    await check()
    assert [event["event_type"] for event in fired] == ["motion"]
    fault = camera.inject(
        Fault("error", path="param.cgi", params={"type": "alarmLogInfo"}, code=-23)
    )
    await check()
    assert state(hass, MOTION) == STATE_UNAVAILABLE
    camera.faults.remove(fault)
    await check()
    await check()
    assert state(hass, MOTION) == STATE_ON
    assert [event["event_type"] for event in fired] == ["motion"], fired


# ---------------------------------------------------------------- the option


async def test_motion_source_changed_to_onvif_without_reload(
    hass: HomeAssistant, camera: EmulatedCamera
) -> None:
    """Options apply without a reload: alarm log -> ONVIF events still sees motion.

    The push loop starts only when an entity starts listening, and the
    alarm-log check returns the old state once the option says ONVIF: motion
    stays off, available, for as long as the entry stays loaded.
    """
    entry = await set_up(hass, entry_for(camera, **{CONF_MOTION_SOURCE: "alarm_log"}))
    await _change_options(hass, entry, **{CONF_MOTION_SOURCE: "onvif"})
    camera.trigger_motion(duration=None)
    on = await _until(hass, lambda: state(hass, MOTION) == STATE_ON, seconds=8.0)
    assert on, (
        f"motion {state(hass, MOTION)}, source {state(hass, SOURCE)}, "
        f"subscriptions {camera.onvif_subscriptions}"
    )


async def test_motion_source_changed_to_alarm_log_without_reload(
    hass: HomeAssistant, camera: EmulatedCamera
) -> None:
    """Options apply without a reload: ONVIF -> alarm log releases ONVIF, reads the log.

    The option "alarm log" promises no ONVIF request; after the change the
    held pulls go on, the subscription stays, and the log is never checked
    (its interval was switched off while events arrived).
    """
    await set_up(hass, entry_for(camera))
    assert await _until(hass, lambda: camera.onvif_subscriptions == 1)
    checks = log_checks(camera)
    await _change_options(
        hass, hass.config_entries.async_entries(DOMAIN)[0], motion_source="alarm_log"
    )
    released = await _until(hass, lambda: camera.onvif_subscriptions == 0, 3.0)
    read = await _until(hass, lambda: log_checks(camera) > checks, 8.0)
    assert (released, read) == (True, True), (
        f"subscriptions {camera.onvif_subscriptions}, "
        f"log checks {log_checks(camera) - checks}, source {state(hass, SOURCE)}"
    )


# ---------------------------------------------------------------- renew


async def test_events_of_a_pull_survive_a_failed_renew(
    hass: HomeAssistant, camera: EmulatedCamera, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Renew that fails after a pull must not throw that pull's events away.

    ``_pull_once`` pulls and renews in one try: a Renew error drops the
    events already received. The motion start is then only seen through the
    new subscription's Initialized state (no start): no alarm event, no
    picture of the moment.
    """
    # Renew after every pull (as near the end of each subscription term).
    monkeypatch.setattr(push, "RETRY_DELAYS", (0.05, 0.1, 0.2))
    monkeypatch.setattr(push, "RENEW_BEFORE", timedelta(minutes=11))
    monkeypatch.setattr(push, "RENEW_RETRY", timedelta(0))
    await set_up(hass, entry_for(camera))
    fired = alarm_events(hass)
    assert await _until(hass, lambda: len(ops(camera, "Renew")) >= 1)
    # The pull after that Renew is held now.
    assert await _until(
        hass,
        lambda: (
            [
                r.get("operation")
                for r in camera.requests
                if r.path.startswith("/onvif")
            ][-1]
            == "PullMessages"
        ),
    )
    await asyncio.sleep(0.2)
    refused = camera.inject(
        Fault("http_status", params={"operation": "Renew"}, status=500, count=1)
    )
    camera.trigger_motion(duration=None)
    assert await _until(hass, lambda: state(hass, MOTION) == STATE_ON)
    await _until(hass, lambda: bool(fired), seconds=2.0)
    assert refused.fired == 1
    assert [event["event_type"] for event in fired] == ["motion"]


# ---------------------------------------------------------------- login gate


@pytest.mark.parametrize("onvif_quirks", [OnvifQuirks(auth_refused=True)])
async def test_onvif_refusal_does_not_take_the_camera_down(
    hass: HomeAssistant, camera: EmulatedCamera, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ONVIF refusing its login (its own accounts) must not fail a poll.

    The refusal closes the gate "to be confirmed at once by the CGI"; a poll
    reads its groups concurrently: one read is the confirming probe, the
    others are refused unsent, and the first refusal cancels the probe. The
    poll fails as an authentication failure: every entity of the camera is
    unavailable, and the gate pauses 30 s more, although the camera's login
    works. The loop retries ONVIF every 30 minutes (REFUSED_DELAY); the
    delay is shortened here so that the gate is closed when the poll runs.
    """
    monkeypatch.setattr(push, "REFUSED_DELAY", 0.05)
    entry = await set_up(hass, entry_for(camera))
    coordinator = entry.runtime_data.coordinator
    gate = entry.runtime_data.client.transport.gate
    assert state(hass, SWITCH) not in (None, STATE_UNAVAILABLE)
    assert await _until(hass, lambda: gate.closed)
    coordinator.mark_stale()
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert coordinator.last_update_success, coordinator.last_exception
    assert state(hass, SWITCH) != STATE_UNAVAILABLE


async def test_a_poll_confirms_the_login_after_one_refusal(
    hass: HomeAssistant, socket_enabled: None
) -> None:
    """After one refused login and its pause, the next poll confirms the login.

    "One refused login stops every request ... confirmed by one retry after
    a pause" (issue 25). A poll's concurrent reads cancel their own probe
    (the reads refused unsent cancel the others), so a poll never confirms:
    on a camera without lens care whose motion comes from ONVIF (nothing
    else sends a single request), one refusal by mistake leaves every entity
    unavailable until a button is pressed or the entry is reloaded.
    """
    async with EmulatedCamera(
        username=USERNAME, password=PASSWORD, mac=MAC, model="ToughCam-1000"
    ) as camera:
        entry = await set_up(hass, entry_for(camera, **{CONF_MOTION_SOURCE: "onvif"}))
        coordinator = entry.runtime_data.coordinator
        gate = entry.runtime_data.client.transport.gate
        gate.pause = 0.0  # the pause after a refusal has passed
        refused = camera.inject(Fault("error", path="param.cgi", code=-508, count=1))
        coordinator.mark_stale()
        await coordinator.async_refresh()
        assert refused.fired == 1
        for _ in range(3):
            coordinator.mark_stale()
            await coordinator.async_refresh()
        await hass.async_block_till_done()
        assert coordinator.last_update_success, coordinator.last_exception
        assert not gate.closed


async def test_limiter_waiter_cancelled_as_a_place_is_released() -> None:
    """A waiter cancelled just before a place is released ends cancelled.

    ``release`` pops the cancelled waiter's entry (and passes the place on);
    the waiter's own cleanup then removes the entry again: ValueError instead
    of CancelledError. A poll whose reads are cancelled after a refused login
    fails with "Unexpected error fetching" and a traceback.
    """
    limiter = Limiter(1)
    await limiter.acquire()
    first = asyncio.create_task(limiter.acquire())
    second = asyncio.create_task(limiter.acquire())
    await asyncio.sleep(0)
    first.cancel()
    limiter.release()  # before ``first`` runs again
    outcome = (await asyncio.gather(first, return_exceptions=True))[0]
    assert isinstance(outcome, asyncio.CancelledError), repr(outcome)
    async with asyncio.timeout(1):
        await second
    limiter.release()
    async with asyncio.timeout(1):
        await limiter.acquire()  # every place was given back


# ---------------------------------------------------------------- lens care


async def test_cancelled_self_clean_press_leaves_lens_care_working(
    hass: HomeAssistant, camera: EmulatedCamera, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A press cancelled mid-operation (a script stopped, an automation restarted).

    The operation itself runs to its end (shielded), but ``async_self_clean``
    only resets the tracker on ExcelSenseError: after a CancelledError it
    stays CLEANING, every later sample returns the old data (the clarity
    sensor freezes), and automatic cleaning never runs again until a reload.
    """
    monkeypatch.setattr(lens, "REUSE_MAX_AGE", -1.0)
    entry = await set_up(
        hass,
        entry_for(camera, **{CONF_LENS_INTERVAL: 1, CONF_MOTION_SOURCE: "alarm_log"}),
    )
    monitor = entry.runtime_data.lens
    client = entry.runtime_data.client
    assert monitor is not None
    minutes = 0

    async def advance(count: int = 1) -> None:
        nonlocal minutes
        for _ in range(count):
            minutes += 1
            moment = dt_util.utcnow() + timedelta(minutes=minutes, seconds=1)
            async_fire_time_changed(hass, moment)
            await hass.async_block_till_done(wait_background_tasks=True)

    await hass.services.async_call(
        "switch", "turn_on", {ATTR_ENTITY_ID: AUTO}, blocking=True
    )
    await advance()
    assert float(state(hass, CLARITY) or 0) == 100.0
    # A task of its own, as a script's service call is (not one Home
    # Assistant waits for in block_till_done).
    press = asyncio.get_running_loop().create_task(
        hass.services.async_call(
            BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: SELF_CLEAN}, blocking=True
        )
    )
    async with asyncio.timeout(2.0):
        while not client.alarm_operation_running:  # noqa: ASYNC110 - no event to wait on
            await asyncio.sleep(0.01)
    press.cancel()
    with suppress(asyncio.CancelledError):
        await press
    assert await client.wait_for_operations(10.0)
    cleans = sum(1 for pulse in camera.pulses if pulse.effect == "self_clean")
    camera.dirt = 0.6
    await advance(4)
    assert monitor.tracker.state is not LensState.CLEANING
    # The dirt is seen and cleaned automatically.
    assert sum(1 for pulse in camera.pulses if pulse.effect == "self_clean") > cleans


# ---------------------------------------------------------------- number ranges


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_a_camera_value_beyond_a_known_range_widens_it(
    hass: HomeAssistant, camera: EmulatedCamera
) -> None:
    """A range the document leaves to the camera widens; one it states does not.

    "sensitivity int Motion sensitivity (device-dependent)": the entity's
    range is that of the cameras known (1-10); a camera that reports 50
    shows it inside the range, not beyond its end. "iFrameInterval int
    I-frame interval (1-45)": a camera at 60 keeps 1-45 (60 cannot be sent).
    """
    camera.state.motion_alarm.values["sensitivity"] = "50"
    camera.state.streams[1].values["iFrameInterval"] = "60"
    await set_up(hass, entry_for(camera))

    def shown(entity: str) -> tuple[str, float, float]:
        current = hass.states.get(f"number.tougheye_{entity}")
        assert current is not None
        return current.state, current.attributes["min"], current.attributes["max"]

    assert shown("motion_sensitivity") == ("50", 1, 50)
    assert shown("stream_1_i_frame_interval") == ("60", 1, 45)
