"""Closed-loop lens care against the emulator's dirt model, in simulated time."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.excelsense import clarity, lens
from custom_components.excelsense.const import (
    CONF_LENS_INTERVAL,
    DOMAIN,
    ISSUE_LENS_NOT_IMPROVING,
)
from tests.emulator import EmulatedCamera

from .conftest import MAC, PASSWORD, USERNAME

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from homeassistant.core import HomeAssistant

CLARITY = "sensor.tougheye_lens_clarity"
EVENT = "event.tougheye_lens_cleaning"
AUTO = "switch.tougheye_automatic_self_clean"
SELF_CLEAN = "button.tougheye_self_clean"


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


def _issue(hass: HomeAssistant, entry: MockConfigEntry) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(
        DOMAIN, f"{ISSUE_LENS_NOT_IMPROVING}_{entry.entry_id}"
    )


def _completed_cleans(camera: EmulatedCamera) -> int:
    return sum(1 for p in camera.pulses if p.effect == "self_clean")


async def test_clarity_falls_auto_clean_recovers_and_stops_when_stuck(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """The whole loop: learn, degrade, clean once, recover; stuck: stop + repair."""
    clock = _Clock(hass)
    await hass.services.async_call(
        "switch", "turn_on", {ATTR_ENTITY_ID: AUTO}, blocking=True
    )
    # Unknown until a self-clean teaches the clean baseline.
    await clock.advance()
    assert _clarity(hass) is None
    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: SELF_CLEAN}, blocking=True
    )
    await clock.advance()
    event = hass.states.get(EVENT)
    assert event is not None
    assert event.attributes["event_type"] == "cleaned"
    assert _clarity(hass) == 100.0

    # Dirt builds up: clarity falls; once it stayed low, exactly one clean runs.
    camera.dirt = 0.5
    readings = []
    while _completed_cleans(camera) == 1 and len(readings) < 5:
        await clock.advance()
        readings.append(_clarity(hass))
    assert _completed_cleans(camera) == 2
    assert min(r for r in readings if r is not None) < 60
    await clock.advance()
    event = hass.states.get(EVENT)
    assert event.attributes["event_type"] == "cleaned"
    assert event.attributes["before"] < 60
    assert event.attributes["after"] >= 90
    assert camera.dirt == 0
    await clock.advance(4)
    assert _completed_cleans(camera) == 2
    assert _clarity(hass) >= 90

    # Stuck dirt: cleaning runs and does not help, twice; then it stops.
    camera.stuck = True
    camera.dirt = 0.5
    outcomes = []
    for _ in range(12):
        await clock.advance()
        state = hass.states.get(EVENT)
        if state.state not in (event.state, "unknown"):
            outcomes.append(state.attributes["event_type"])
            event = state
    assert outcomes == ["no_improvement", "no_improvement"]
    assert _issue(hass, init_integration) is not None
    assert _completed_cleans(camera) == 4
    await clock.advance(6)
    assert _completed_cleans(camera) == 4

    # Someone wiped the lens by hand: clarity is back, the repair goes away.
    camera.stuck = False
    camera.dirt = 0.0
    await clock.advance(3)
    assert _clarity(hass) >= 90
    assert _issue(hass, init_integration) is None


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


def test_measure_tracks_dirt_and_refuses_garbage() -> None:
    """Sharper pictures score higher; non-images are refused."""
    cam = EmulatedCamera()
    scores = []
    for dirt in (0.0, 0.2, 0.5, 1.0):
        cam.dirt = dirt
        scores.append(clarity.measure(cam.snapshot_jpeg(9)).sharpness)
    assert scores == sorted(scores, reverse=True)
    assert scores[-1] < scores[0] / 3
    with pytest.raises(ValueError, match="image"):
        clarity.measure(b"not a jpeg")
