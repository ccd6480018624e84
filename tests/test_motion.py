"""Motion and alarm events from the camera's alarm log, and motion settings.

The camera here has no ONVIF: motion comes from its alarm log (the automatic
choice's fallback). ONVIF events are tested in test_onvif_motion.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from homeassistant.const import (
    ATTR_ENTITY_ID,
    EVENT_STATE_CHANGED,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
)
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.excelsense import alarm_log
from custom_components.excelsense.const import CONF_MOTION_CHECK_INTERVAL, DOMAIN
from tests.emulator import EmulatedCamera, Fault, OnvifQuirks

from .conftest import MAC, PASSWORD, USERNAME

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import Event, HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from tests.emulator.device import LogEntry

MOTION = "binary_sensor.tougheye_motion"
ALARM = "event.tougheye_alarm"
CAMERA = "camera.tougheye"
LAST_MOTION = "image.tougheye_last_motion"
MOTION_SOURCE = "sensor.tougheye_motion_source"
# A check every 5 s; the coordinator aligns its timer to whole seconds, so a
# 6 s step lets exactly one check run.
CHECK = timedelta(seconds=6)


@pytest.fixture
async def camera(
    socket_enabled: None, camera_model: str
) -> AsyncIterator[EmulatedCamera]:
    """An emulated camera without ONVIF (404 on /onvif/)."""
    async with EmulatedCamera(
        username=USERNAME,
        password=PASSWORD,
        model=camera_model,
        mac=MAC,
        onvif_quirks=OnvifQuirks(enabled=False),
    ) as cam:
        yield cam


@pytest.fixture
def detection_on(camera: EmulatedCamera) -> None:
    """The camera raises motion alarms only with motion detection on."""
    camera.state.motion_alarm.values["motionDetectionEnableFlag"] = "1"


async def _check(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, times: int = 1
) -> None:
    """Let ``times`` motion checks run (simulated time)."""
    for _ in range(times):
        freezer.tick(CHECK)
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)


def _alarm_events(hass: HomeAssistant) -> list[Event]:
    """Collect every event the alarm entity fires.

    Each event is a state write with a new timestamp as state; a reload
    restoring the last event writes that same timestamp again, which is not
    an event.
    """
    fired: list[Event] = []
    seen: set[str] = set()

    def listener(event: Event) -> None:
        if event.data["entity_id"] == ALARM and event.data.get("new_state"):
            state = event.data["new_state"]
            if state.state not in ("unknown", STATE_UNAVAILABLE, *seen):
                seen.add(state.state)
                fired.append(event)

    hass.bus.async_listen(EVENT_STATE_CHANGED, listener)
    return fired


@pytest.mark.usefixtures("detection_on")
async def test_motion_sensor_follows_the_alarm_log(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """On while a motion alarm has no end yet; off once the camera writes its end."""
    assert hass.states.get(MOTION).state == STATE_OFF
    camera.trigger_motion(duration=None)
    await _check(hass, freezer)
    assert hass.states.get(MOTION).state == STATE_ON
    await _check(hass, freezer, 3)
    assert hass.states.get(MOTION).state == STATE_ON
    camera.end_motion()
    await _check(hass, freezer)
    assert hass.states.get(MOTION).state == STATE_OFF
    checks = [r for r in camera.requests if r.get("type") == "alarmLogInfo"]
    assert all(r.get("logType") == "-1" for r in checks)


@pytest.mark.usefixtures("detection_on")
async def test_alarm_shorter_than_a_check_still_shows(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Motion that starts and ends between two checks is on until the next one."""
    changes: list[str] = []
    hass.bus.async_listen(
        EVENT_STATE_CHANGED,
        lambda event: (
            changes.append(event.data["new_state"].state)
            if event.data["entity_id"] == MOTION
            else None
        ),
    )
    camera.trigger_motion(duration=None)
    camera.end_motion()
    await _check(hass, freezer)
    assert hass.states.get(MOTION).state == STATE_ON
    await _check(hass, freezer)
    assert hass.states.get(MOTION).state == STATE_OFF
    await _check(hass, freezer, 2)
    assert changes == [STATE_ON, STATE_OFF]


@pytest.mark.usefixtures("detection_on")
async def test_one_event_per_entry_never_twice(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Motion and other alarms fire once each, also after a restart or clock jump."""
    fired = _alarm_events(hass)
    camera.trigger_motion(duration=30)
    await _check(hass, freezer)
    assert [e.data["new_state"].attributes["event_type"] for e in fired] == ["motion"]
    attributes = fired[0].data["new_state"].attributes
    assert (attributes["source_type"], attributes["major_type"]) == (1, 1)
    assert attributes["minor_type"] == 1
    assert attributes["start"]
    assert attributes["end"] is None
    await _check(hass, freezer, 3)
    assert len(fired) == 1
    # A pulse of the alarm output is logged too: another kind of alarm.
    await init_integration.runtime_data.client.manual_alarm(start=True)
    await _check(hass, freezer)
    assert [e.data["new_state"].attributes["event_type"] for e in fired] == [
        "motion",
        "other",
    ]
    # The camera's clock jumps back a minute: the same entries come again.
    camera.state.clock_offset -= 60
    await _check(hass, freezer, 2)
    assert len(fired) == 2, [e.data["new_state"].attributes for e in fired]
    # A restart of the integration does not report them again.
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    await _check(hass, freezer, 2)
    assert len(fired) == 2


@pytest.mark.usefixtures("detection_on")
async def test_entries_ahead_after_the_clock_was_set_back_are_history(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Set back an hour, the camera's log holds entries ahead of its clock.

    alarm_log.py: the window reaches a day ahead; what is still ahead of the
    clock once it is read again was logged before it was set back: never
    reported, even when no longer remembered, and never open.
    """
    monkeypatch.setattr(alarm_log, "REMEMBERED", 1)
    monkeypatch.setattr(alarm_log, "CLOCK_CHECK", timedelta(0))
    fired = _alarm_events(hass)
    camera.trigger_motion(duration=None)
    await _check(hass, freezer)
    await init_integration.runtime_data.client.manual_alarm(start=True)
    await _check(hass, freezer)
    assert [e.data["new_state"].attributes["event_type"] for e in fired] == [
        "motion",
        "other",
    ]
    assert hass.states.get(MOTION).state == STATE_ON
    # The motion entry is forgotten (one remembered), then the clock goes back.
    camera.state.clock_offset -= 3600
    await _check(hass, freezer, 3)
    assert len(fired) == 2, [e.data["new_state"].attributes for e in fired]
    assert hass.states.get(MOTION).state == STATE_OFF


@pytest.mark.usefixtures("detection_on")
async def test_history_is_not_replayed_on_first_start(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Entries already in the log when the camera is added fire nothing."""
    camera.trigger_motion(duration=1)
    config_entry.add_to_hass(hass)
    fired = _alarm_events(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    await _check(hass, freezer, 2)
    assert fired == []


@pytest.mark.usefixtures("detection_on")
async def test_entry_found_while_loading_fires_once(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An alarm raised while the entry was unloaded fires when it loads again."""
    fired = _alarm_events(hass)
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    camera.trigger_motion(duration=None)
    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    assert [e.data["new_state"].attributes["event_type"] for e in fired] == ["motion"]
    assert hass.states.get(MOTION).state == STATE_ON
    await _check(hass, freezer, 3)
    assert len(fired) == 1


async def test_checks_only_while_an_entity_listens(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """With every motion entity disabled, nothing is checked."""
    registry = er.async_get(hass)
    for entity_id in (MOTION, ALARM, LAST_MOTION, MOTION_SOURCE):
        registry.async_update_entity(
            entity_id, disabled_by=er.RegistryEntryDisabler.USER
        )
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    camera.clear_requests()
    await _check(hass, freezer, 6)
    assert [r for r in camera.requests if r.get("type") == "alarmLogInfo"] == []


async def test_check_interval_option(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The option sets the cadence, read at each check (no reload needed)."""
    hass.config_entries.async_update_entry(
        init_integration,
        options={**init_integration.options, CONF_MOTION_CHECK_INTERVAL: 20},
    )
    await _check(hass, freezer)  # the check already scheduled picks it up
    camera.clear_requests()
    for _ in range(42):  # 42 s
        freezer.tick(timedelta(seconds=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    checks = [r for r in camera.requests if r.get("type") == "alarmLogInfo"]
    assert len(checks) == 2


async def test_window_follows_the_camera_clock(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A camera clock minutes off still has its motion seen.

    The window is asked in the camera's own clock (read at setup and every
    10 minutes), in the document's yyyymmddhhmmss form.
    """
    camera.state.motion_alarm.values["motionDetectionEnableFlag"] = "1"
    camera.state.clock_offset += 7 * 60
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    camera.trigger_motion(duration=None)
    await _check(hass, freezer)
    assert hass.states.get(MOTION).state == STATE_ON
    check = [r for r in camera.requests if r.get("type") == "alarmLogInfo"][-1]
    assert len(check.get("startTime") or "") == 14
    assert len(check.get("endTime") or "") == 14


async def test_refused_log_makes_motion_unavailable(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A device error on the log check: unavailable, back on the next good check."""
    fault = camera.inject(
        Fault("error", path="param.cgi", params={"type": "alarmLogInfo"}, code=-23)
    )
    await _check(hass, freezer)
    assert hass.states.get(MOTION).state == STATE_UNAVAILABLE
    camera.faults.remove(fault)
    await _check(hass, freezer)
    assert hass.states.get(MOTION).state == STATE_OFF


@pytest.mark.usefixtures("detection_on")
async def test_log_without_results_is_no_motion(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An empty check answered "-311 No results found" (the error codes): off.

    Not a failed check: the sensor stays available and shows the next alarm.
    """
    camera.quirks.log_no_results = True
    await _check(hass, freezer, 2)
    assert hass.states.get(MOTION).state == STATE_OFF
    camera.trigger_motion(duration=None)
    await _check(hass, freezer)
    assert hass.states.get(MOTION).state == STATE_ON


async def test_camera_entity_switches_motion_detection(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """camera.enable/disable_motion_detection reach the camera; the state follows."""
    assert "motion_detection" not in hass.states.get(CAMERA).attributes
    await hass.services.async_call(
        "camera", "enable_motion_detection", {ATTR_ENTITY_ID: CAMERA}, blocking=True
    )
    assert camera.state.motion_alarm.values["motionDetectionEnableFlag"] == "1"
    assert hass.states.get(CAMERA).attributes["motion_detection"] is True
    assert hass.states.get("switch.tougheye_motion_detection").state == STATE_ON
    await hass.services.async_call(
        "camera", "disable_motion_detection", {ATTR_ENTITY_ID: CAMERA}, blocking=True
    )
    assert camera.state.motion_alarm.values["motionDetectionEnableFlag"] == "0"
    assert "motion_detection" not in hass.states.get(CAMERA).attributes


async def test_record_on_motion_keeps_other_linkages(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """Record linkage (ActionType 4) on and off; the self-clean linkage stays."""
    motion = camera.state.motion_alarm
    motion.loops["AlarmLinkage"] = [{"ActionType": "1", "ActionID": "1"}]
    motion.loops["motionDetectionArea"] = [
        {"topX": "1", "topY": "2", "width": "3", "height": "4"}
    ]
    entity_id = "switch.tougheye_record_on_motion"
    await hass.services.async_call(
        "switch", "turn_on", {ATTR_ENTITY_ID: entity_id}, blocking=True
    )
    types = sorted(e["ActionType"] for e in motion.loops["AlarmLinkage"])
    assert types == ["1", "4"]
    assert hass.states.get(entity_id).state == STATE_ON
    await hass.services.async_call(
        "switch", "turn_off", {ATTR_ENTITY_ID: entity_id}, blocking=True
    )
    assert [e["ActionType"] for e in motion.loops["AlarmLinkage"]] == ["1"]
    assert len(motion.loops["motionDetectionArea"]) == 1


@pytest.mark.parametrize("camera_model", ["ToughEye-1700"])
async def test_no_motion_entities_without_an_alarm_log(
    hass: HomeAssistant, camera: EmulatedCamera, config_entry: MockConfigEntry
) -> None:
    """Firmware without alarmLogInfo (-22) loads without the motion entities."""
    camera.quirks.missing_types = frozenset({"alarmLogInfo"})
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(MOTION) is None
    assert hass.states.get(ALARM) is None
    assert hass.states.get(CAMERA) is not None
    registry = er.async_get(hass)
    assert registry.async_get_entity_id("binary_sensor", DOMAIN, "x") is None
    # One request found that out; nothing asks again.
    reads = [r for r in camera.requests if r.get("type") == "alarmLogInfo"]
    assert len(reads) == 1


async def test_loading_reads_the_alarm_log_once(
    hass: HomeAssistant, camera: EmulatedCamera, config_entry: MockConfigEntry
) -> None:
    """The check made while loading also tells that the firmware has the log."""
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(MOTION).state == STATE_OFF
    reads = [r for r in camera.requests if r.get("type") == "alarmLogInfo"]
    assert len(reads) == 1


async def _open_alarm_then_a_busy_hour(
    hass: HomeAssistant, camera: EmulatedCamera, freezer: FrozenDateTimeFactory
) -> LogEntry:
    """A motion alarm that opens (motion on), then 50 minutes pass."""
    camera.trigger_motion(duration=None)
    opened = camera.alarm_logs[-1]
    await _check(hass, freezer)
    assert hass.states.get(MOTION).state == STATE_ON
    freezer.tick(timedelta(minutes=50))
    camera.state.clock_offset += 50 * 60  # the camera's clock moves on too
    return opened


def _busy(camera: EmulatedCamera, opened: LogEntry) -> list[datetime]:
    """300 short alarms of another kind in the last 45 minutes."""
    now = camera.device.now()
    busy = [now - timedelta(seconds=9 * n) for n in range(300, 0, -1)]
    camera.alarm_logs.extend(
        type(opened)(
            moment,
            3,
            {
                **opened.fields,
                "majorType": "3",
                "alarmStartTime": f"{moment:%Y-%m-%d %H:%M:%S}",
                "alarmEndTime": f"{moment:%Y-%m-%d %H:%M:%S}",
            },
        )
        for moment in busy
    )
    return busy


@pytest.mark.usefixtures("detection_on")
async def test_a_busy_hour_with_an_open_alarm_still_shows_new_alarms(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """New alarms are seen when the window holds more entries than a reply is read to.

    The document's Get Alarm Log states no limit on the entries of a reply
    and no order; the client reads a loop to its first MAX_LOOP_ENTRIES
    entries. An alarm open for 50 minutes keeps the window that wide: 300
    alarms in the last 45 minutes overflow a reply; those of the last
    minute, new at this check, must not be cut off.
    """
    opened = await _open_alarm_then_a_busy_hour(hass, camera, freezer)
    starts: list[str] = []

    def listener(event: Event) -> None:
        if event.data["entity_id"] == ALARM and event.data.get("new_state"):
            starts.append(event.data["new_state"].attributes.get("start"))

    hass.bus.async_listen(EVENT_STATE_CHANGED, listener)
    busy = _busy(camera, opened)
    await _check(hass, freezer)
    recent = {f"{moment:%Y-%m-%dT%H:%M:%S}" for moment in busy[-5:]}
    assert recent <= set(starts)
    assert hass.states.get(MOTION).state == STATE_ON


@pytest.mark.usefixtures("detection_on")
async def test_an_open_alarm_cut_off_a_busy_reply_stays_open_until_it_ends(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An open alarm a cut reply left out is read at its own start.

    The document's Get Alarm Log gives the entries no order: a camera that
    lists them newest first cuts the oldest off a reply of more than
    MAX_LOOP_ENTRIES entries, and that is the alarm still open. Cut off is
    not ended: motion stays on until the entry shows its end.
    """
    camera.quirks.log_newest_first = True
    opened = await _open_alarm_then_a_busy_hour(hass, camera, freezer)
    _busy(camera, opened)
    await _check(hass, freezer)
    assert hass.states.get(MOTION).state == STATE_ON
    ended = camera.device.now()
    opened.fields["alarmEndTime"] = f"{ended:%Y-%m-%d %H:%M:%S}"
    await _check(hass, freezer, times=2)
    assert hass.states.get(MOTION).state == STATE_OFF
