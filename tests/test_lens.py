"""Closed-loop lens care in Home Assistant against the emulated dirt, simulated time."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.const import ATTR_ENTITY_ID, EVENT_HOMEASSISTANT_FINAL_WRITE
from homeassistant.core import State
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    mock_restore_cache_with_extra_data,
)

from custom_components.excelsense import clarity, comparison, lens
from custom_components.excelsense.const import (
    CONF_LENS_INTERVAL,
    DOMAIN,
    ISSUE_LENS_NOT_IMPROVING,
)
from custom_components.excelsense.lens_tracking import LensState
from tests.emulator import EmulatedCamera, Fault

from .conftest import MAC, PASSWORD, USERNAME

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

CLARITY = "sensor.tougheye_lens_clarity"
OBSCURED = "sensor.tougheye_lens_obscured_area"
CLARITY_THRESHOLD = "number.tougheye_automatic_self_clean_threshold"
OBSCURED_THRESHOLD = "number.tougheye_automatic_self_clean_obscured_threshold"
EVENT = "event.tougheye_lens_cleaning"
AUTO = "switch.tougheye_automatic_self_clean"
SELF_CLEAN = "button.tougheye_self_clean"
RELEARN = "button.tougheye_re_learn_lens_baseline"


@pytest.fixture
async def camera(socket_enabled: None) -> AsyncIterator[EmulatedCamera]:
    """A ToughEye whose wiper finishes at once (the test controls the dirt)."""
    async with EmulatedCamera(
        username=USERNAME, password=PASSWORD, mac=MAC, cleaning_duration=0.0
    ) as cam:
        yield cam


@pytest.fixture
def config_entry(config_entry: MockConfigEntry) -> MockConfigEntry:
    """Check the lens every minute."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=config_entry.title,
        unique_id=config_entry.unique_id,
        data=dict(config_entry.data),
        options={CONF_LENS_INTERVAL: 1},
    )


@pytest.fixture(autouse=True)
def fresh_snapshots(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every sample fetches a new picture (simulated minutes are real seconds)."""
    monkeypatch.setattr(lens, "REUSE_MAX_AGE", -1.0)


class _Clock:
    """Simulated minutes for Home Assistant's timers."""

    def __init__(self, hass: HomeAssistant) -> None:
        self.hass = hass
        self.minutes = 0

    async def advance(self, minutes: int = 1) -> None:
        for _ in range(minutes):
            self.minutes += 1
            moment = dt_util.utcnow() + timedelta(minutes=self.minutes, seconds=1)
            async_fire_time_changed(self.hass, moment)
            await self.hass.async_block_till_done(wait_background_tasks=True)


def _clarity(hass: HomeAssistant) -> float | None:
    state = hass.states.get(CLARITY)
    assert state is not None
    return None if state.state in ("unknown", "unavailable") else float(state.state)


def _obscured(hass: HomeAssistant) -> float | None:
    state = hass.states.get(OBSCURED)
    assert state is not None
    return None if state.state in ("unknown", "unavailable") else float(state.state)


def _issue(hass: HomeAssistant, entry: MockConfigEntry) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(
        DOMAIN, f"{ISSUE_LENS_NOT_IMPROVING}_{entry.entry_id}"
    )


def _completed_cleans(camera: EmulatedCamera) -> int:
    return sum(1 for p in camera.pulses if p.effect == "self_clean")


async def test_clarity_falls_auto_clean_recovers_and_stops_when_stuck(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """Provisional baseline, verified by a clean; dirt: one clean, recovered."""
    clock = _Clock(hass)
    await hass.services.async_call(
        "switch", "turn_on", {ATTR_ENTITY_ID: AUTO}, blocking=True
    )
    # No "unknown" after install: the first sample is a provisional baseline.
    await clock.advance()
    assert _clarity(hass) == 100.0
    assert _obscured(hass) == 0.0
    state = hass.states.get(CLARITY)
    assert state.attributes["baseline"] == "provisional"
    assert state.attributes["scene"] == "day"
    # A baseline is verified by a clean that measurably helped, once the next
    # sample agrees with the picture after it.
    camera.dirt = 0.5
    await clock.advance()
    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: SELF_CLEAN}, blocking=True
    )
    await clock.advance()
    event = hass.states.get(EVENT)
    assert event is not None
    assert event.attributes["event_type"] == "cleaned"
    await clock.advance()
    assert hass.states.get(CLARITY).attributes["baseline"] == "verified"
    assert _clarity(hass) == 100.0

    # Dirt builds up: clarity falls; once it stayed low, exactly one clean runs.
    camera.dirt = 0.5
    readings = []
    while _completed_cleans(camera) == 1 and len(readings) < 5:
        await clock.advance()
        readings.append((_clarity(hass), _obscured(hass)))
    assert _completed_cleans(camera) == 2
    assert min(c for c, _ in readings) < 60
    assert max(o for _, o in readings) > 20
    await clock.advance()
    event = hass.states.get(EVENT)
    assert event.attributes["event_type"] == "cleaned"
    assert event.attributes["before"] < 60
    assert event.attributes["obscured_before"] > 20
    assert event.attributes["after"] >= 90
    assert event.attributes["obscured_after"] < 5
    assert camera.dirt == 0
    await clock.advance(4)
    assert _completed_cleans(camera) == 2
    assert _clarity(hass) >= 90


async def test_stuck_dirt_pauses_and_raises_repair(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """Cleaning that does not help, twice: automatic cleaning stops, a repair."""
    clock = _Clock(hass)
    await hass.services.async_call(
        "switch", "turn_on", {ATTR_ENTITY_ID: AUTO}, blocking=True
    )
    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: SELF_CLEAN}, blocking=True
    )
    await clock.advance()
    event = hass.states.get(EVENT)
    camera.stuck = True
    camera.dirt = 0.5
    outcomes = []
    for _ in range(12):
        await clock.advance()
        state = hass.states.get(EVENT)
        if state.state not in (event.state, "unknown"):
            outcomes.append(state.attributes["event_type"])
            event = state
    # A wipe that changes nothing is evidence: one is enough to pause.
    assert outcomes == ["no_improvement"]
    issue = _issue(hass, init_integration)
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert float(issue.translation_placeholders["after"]) < 60
    assert _completed_cleans(camera) == 2
    await clock.advance(6)
    assert _completed_cleans(camera) == 2
    # The stuck dirt did not become the baseline.
    assert _clarity(hass) < 60

    # Someone wiped the lens by hand: clarity is back, the repair goes away.
    camera.stuck = False
    camera.dirt = 0.0
    await clock.advance(3)
    assert _clarity(hass) >= 90
    assert _issue(hass, init_integration) is None


async def test_obscured_area_alone_triggers_clean(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """Drops and a smear over part of the picture are enough, clarity aside."""
    clock = _Clock(hass)
    await hass.services.async_call(
        "switch", "turn_on", {ATTR_ENTITY_ID: AUTO}, blocking=True
    )
    await hass.services.async_call(
        "number",
        "set_value",
        {ATTR_ENTITY_ID: CLARITY_THRESHOLD, "value": 10},
        blocking=True,
    )
    await hass.services.async_call(
        "number",
        "set_value",
        {ATTR_ENTITY_ID: OBSCURED_THRESHOLD, "value": 15},
        blocking=True,
    )
    await clock.advance()
    camera.dirt = 0.3
    await clock.advance(4)
    assert _completed_cleans(camera) == 1
    event = hass.states.get(EVENT)
    assert event.attributes["event_type"] == "cleaned"
    assert event.attributes["before"] >= 10
    assert event.attributes["obscured_before"] > 15


async def test_old_stored_baselines_are_dropped(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    camera: EmulatedCamera,
    config_entry: MockConfigEntry,
) -> None:
    """Version 1 kept one number per scene: replaced by a provisional baseline."""
    hass_storage[f"{DOMAIN}.lens.{config_entry.entry_id}"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"{DOMAIN}.lens.{config_entry.entry_id}",
        "data": {"baselines": {"day": 12.5}},
    }
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    monitor = config_entry.runtime_data.lens
    assert monitor is not None
    assert monitor.tracker.baselines == {}
    # The first sample comes seconds after setup, not an interval later.
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=11))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _clarity(hass) == 100.0
    assert hass.states.get(CLARITY).attributes["baseline"] == "provisional"


async def test_baselines_survive_a_restart(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    camera: EmulatedCamera,
    config_entry: MockConfigEntry,
) -> None:
    """A verified baseline is stored and read back; the dirt shows at once."""
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    clock = _Clock(hass)
    # A clean that helped (the lens was dirty), confirmed by the next sample.
    camera.dirt = 0.5
    await clock.advance()
    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: SELF_CLEAN}, blocking=True
    )
    await clock.advance(2)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_FINAL_WRITE)
    await hass.async_block_till_done()
    await hass.config_entries.async_unload(config_entry.entry_id)
    await hass.async_block_till_done()
    stored = hass_storage[f"{DOMAIN}.lens.{config_entry.entry_id}"]
    assert stored["version"] == lens.STORAGE_VERSION
    assert stored["data"]["baselines"]["day"]["kind"] == "verified"

    camera.dirt = 0.5
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    await clock.advance()
    state = hass.states.get(CLARITY)
    assert state.attributes["baseline"] == "verified"
    assert float(state.state) < 60


def _number_data(value: float) -> dict[str, Any]:
    return {
        "native_max_value": 95.0,
        "native_min_value": 5.0,
        "native_step": 1.0,
        "native_unit_of_measurement": "%",
        "native_value": value,
    }


async def test_thresholds_are_restored(
    hass: HomeAssistant, camera: EmulatedCamera, config_entry: MockConfigEntry
) -> None:
    """Both thresholds come back after a restart."""
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State(CLARITY_THRESHOLD, "45"),
                _number_data(45.0),
            ),
            (
                State(OBSCURED_THRESHOLD, "33"),
                _number_data(33.0),
            ),
        ],
    )
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(CLARITY_THRESHOLD).state == "45.0"
    assert hass.states.get(OBSCURED_THRESHOLD).state == "33.0"
    monitor = config_entry.runtime_data.lens
    assert monitor is not None
    assert (monitor.threshold, monitor.obscured_threshold) == (45.0, 33.0)


async def test_daily_limit(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """Automatic cleaning stops at the daily maximum."""
    clock = _Clock(hass)
    monitor = init_integration.runtime_data.lens
    assert monitor is not None
    await hass.services.async_call(
        "switch", "turn_on", {ATTR_ENTITY_ID: AUTO}, blocking=True
    )
    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: SELF_CLEAN}, blocking=True
    )
    await clock.advance()
    monitor._cleans = (dt_util.now().date(), monitor.max_per_day)
    camera.dirt = 0.6
    await clock.advance(5)
    assert _completed_cleans(camera) == 1
    assert hass.states.get(CLARITY).attributes["automatic_cleanings_today"] == 4
    # The day's count is kept across a restart: the limit still holds.
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    reloaded = init_integration.runtime_data.lens
    assert reloaded is not None
    assert reloaded is not monitor
    assert reloaded.cleans_today == monitor.max_per_day


@pytest.mark.parametrize(
    "stored",
    [
        None,
        [],
        {"cleans": ["2026-13-01", 2]},
        {"cleans": ["2026-12-01", 1e999]},
        {"cleans": ["2026-12-01", "two"]},
        {"cleans": ["2026-12-01"]},
        {"cleans": [20261201, 2]},
    ],
)
def test_unreadable_count_of_the_day_is_forgotten(stored: object) -> None:
    """A damaged count never stops the integration from loading: it starts at 0."""
    assert lens._cleans_from(stored) is None  # type: ignore[arg-type]


def test_count_of_the_day_is_read_back() -> None:
    """What was stored comes back, never below zero."""
    assert lens._cleans_from({"cleans": ["2026-12-01", 3]}) == (
        dt_util.parse_date("2026-12-01"),
        3,
    )
    assert lens._cleans_from({"cleans": ["2026-12-01", -4]}) == (
        dt_util.parse_date("2026-12-01"),
        0,
    )


async def test_recent_snapshot_is_reused(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A picture the camera entity just fetched costs no extra request."""
    monkeypatch.setattr(lens, "REUSE_MAX_AGE", 3600.0)
    await init_integration.runtime_data.snapshots.get(9)
    camera.clear_requests()
    monitor = init_integration.runtime_data.lens
    assert monitor is not None
    await monitor.async_sample()
    assert [r for r in camera.requests if r.path == "image.cgi"] == []


def test_emulator_dirt_reads_gradually_and_garbage_is_refused() -> None:
    """More emulated dirt: lower clarity, more obscured; non-images are refused.

    The camera's clock stands still: the time it draws reaches just below the
    top eighth the measure leaves out, and a second turning between two
    pictures would read as a change of 0.1 %.
    """
    cam = EmulatedCamera(clock=lambda: 0.0)
    baseline = clarity.measure(cam.snapshot_jpeg(9))
    readings = []
    for dirt in (0.0, 0.2, 0.5, 1.0):
        cam.dirt = dirt
        readings.append(
            comparison.compare(clarity.measure(cam.snapshot_jpeg(9)), baseline)
        )
    assert [r.clarity for r in readings] == sorted(
        (r.clarity for r in readings), reverse=True
    )
    assert [r.obscured for r in readings] == sorted(r.obscured for r in readings)
    assert readings[0] == clarity.Reading(clarity=100.0, obscured=0.0)
    assert readings[-1].clarity < 20
    assert readings[-1].obscured > 30
    with pytest.raises(clarity.NotAnImageError, match="image"):
        clarity.measure(b"not a jpeg")


async def test_failed_clean_and_failed_check_leave_the_loop_ready(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """A refused self-clean or a post-clean picture that fails: back to idle."""
    clock = _Clock(hass)
    monitor = init_integration.runtime_data.lens
    assert monitor is not None
    await hass.services.async_call(
        "switch", "turn_on", {ATTR_ENTITY_ID: AUTO}, blocking=True
    )
    await clock.advance()
    camera.dirt = 0.6
    camera.inject(Fault(kind="error", path="alarm.cgi"))
    await clock.advance(4)
    assert _completed_cleans(camera) == 0
    assert monitor.tracker.state is LensState.IDLE
    assert monitor.cleans_today >= 1

    # The clean goes through, its check does not: no event, nothing learned.
    camera.clear_faults()
    monitor._cleans = (dt_util.now().date(), 0)
    camera.inject(Fault(kind="truncated", path="image.cgi"))
    await monitor.async_self_clean()
    await clock.advance()
    assert hass.states.get(EVENT).state == "unknown"
    assert monitor.tracker.state is LensState.IDLE
    assert monitor.data.baseline == "provisional"


async def test_a_check_that_breaks_never_leaves_the_loop_waiting(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Whatever breaks the post-clean check, samples go on afterwards.

    The measure failing in a way it was not written for (here out of
    memory) must not leave the tracker verifying: it would never sample
    again, and a dirty lens would read clear for ever.
    """
    clock = _Clock(hass)
    monitor = init_integration.runtime_data.lens
    assert monitor is not None
    await clock.advance()

    def broken(_jpeg: bytes) -> clarity.Measurement:
        raise MemoryError

    with monkeypatch.context() as patch:
        patch.setattr(lens, "measure", broken)
        await monitor.async_self_clean()
        await clock.advance()
    assert monitor.tracker.state is LensState.IDLE
    assert "Lens check of" in caplog.text
    taken = len([r for r in camera.requests if r.path == "image.cgi"])
    await clock.advance(2)
    assert len([r for r in camera.requests if r.path == "image.cgi"]) > taken


async def _pause_on_stuck_dirt(
    hass: HomeAssistant, camera: EmulatedCamera, clock: _Clock
) -> None:
    """Verified baseline, then dirt a wipe cannot remove: paused, an issue."""
    await hass.services.async_call(
        "switch", "turn_on", {ATTR_ENTITY_ID: AUTO}, blocking=True
    )
    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: SELF_CLEAN}, blocking=True
    )
    await clock.advance()
    camera.stuck = True
    camera.dirt = 0.5
    await clock.advance(8)


async def test_pause_and_its_issue_survive_a_restart(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """After useless wipes, a restart neither forgets the pause nor wipes again."""
    clock = _Clock(hass)
    await _pause_on_stuck_dirt(hass, camera, clock)
    assert _issue(hass, init_integration) is not None
    cleans = _completed_cleans(camera)
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    lens_care = init_integration.runtime_data.lens
    assert lens_care is not None
    assert lens_care.tracker.auto_stopped
    await clock.advance(6)
    assert _completed_cleans(camera) == cleans
    assert _issue(hass, init_integration) is not None


async def test_lens_issue_fix_relearns_the_clean_lens(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
) -> None:
    """The issue's fix takes the current picture as the clean reference."""
    clock = _Clock(hass)
    await _pause_on_stuck_dirt(hass, camera, clock)
    issue = _issue(hass, init_integration)
    assert issue is not None
    assert issue.is_fixable
    assert await async_setup_component(hass, "repairs", {})
    client = await hass_client()
    reply = await client.post(
        "/api/repairs/issues/fix",
        json={"handler": DOMAIN, "issue_id": issue.issue_id},
    )
    flow = await reply.json()
    assert flow["step_id"] == "confirm"
    reply = await client.post(f"/api/repairs/issues/fix/{flow['flow_id']}")
    assert (await reply.json())["type"] == "create_entry"
    assert _issue(hass, init_integration) is None
    state = hass.states.get(CLARITY)
    assert float(state.state) == 100.0
    assert state.attributes["baseline"] == "verified"
    lens_care = init_integration.runtime_data.lens
    assert lens_care is not None
    assert not lens_care.tracker.auto_stopped


async def test_relearn_button_after_moving_the_camera(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """The button takes a fresh picture as the clean lens: no wipe needed."""
    clock = _Clock(hass)
    await clock.advance()
    camera.clear_requests()
    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: RELEARN}, blocking=True
    )
    assert [r.path for r in camera.requests].count("image.cgi") == 1
    state = hass.states.get(CLARITY)
    assert float(state.state) == 100.0
    assert state.attributes["baseline"] == "verified"
    assert _completed_cleans(camera) == 0
    # No picture to measure: a translated error, nothing learned.
    camera.inject(Fault(kind="garbage", path="image.cgi"))
    with pytest.raises(HomeAssistantError) as failed:
        await hass.services.async_call(
            BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: RELEARN}, blocking=True
        )
    assert failed.value.translation_key == "device_error"
