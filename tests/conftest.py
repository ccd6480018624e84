"""Fixtures for the Home Assistant tests: a real emulated camera on loopback."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from unittest.mock import PropertyMock, patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import MAJOR_VERSION, __version__
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension

# Imported before any hass fixture runs: the test plugin mounts its own
# custom_components package first, and this makes ours the one that counts.
import custom_components.excelsense  # noqa: F401
from custom_components.excelsense import session
from custom_components.excelsense.const import DOMAIN, POLL_INTERVAL
from tests.emulator import EmulatedCamera, OnvifQuirks

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant
    from syrupy.assertion import SnapshotAssertion
    from syrupy.location import PyTestLocation

# A password that breaks any hand-built URL.
PASSWORD = "p@ss:w/rd?#&=% +"
USERNAME = "admin"
MAC = "00:1C:27:15:93:56"
UNIQUE_ID = "00:1c:27:15:93:56"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/excelsense."""


class _VersionedSnapshots(HomeAssistantSnapshotExtension):
    """Home Assistant's snapshot format, one folder per Home Assistant release.

    Registry entries and states serialise differently across releases (2026
    added fields), so the oldest supported release keeps its own snapshots.
    """

    @classmethod
    def dirname(cls, *, test_location: PyTestLocation) -> str:
        folder = "snapshots" if MAJOR_VERSION >= 2026 else f"snapshots-{__version__}"
        return str(Path(test_location.filepath).parent / folder)


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshots in Home Assistant's format, per Home Assistant release."""
    return snapshot.use_extension(_VersionedSnapshots)


@pytest.fixture
def entity_registry_enabled_by_default() -> Iterator[None]:
    """Create every entity enabled, including those disabled by default."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        yield


@pytest.fixture
def camera_model() -> str:
    """The emulated model (override in a test module for the ToughCam)."""
    return "ToughEye-1700"


@pytest.fixture
def onvif_quirks() -> OnvifQuirks:
    """The camera's ONVIF variant (a test parametrizes it where it matters)."""
    return OnvifQuirks()


@pytest.fixture
def motion_detection() -> bool:
    """Whether the camera starts with motion detection on (a module overrides it)."""
    return False


@pytest.fixture
async def camera(
    socket_enabled: None,
    camera_model: str,
    onvif_quirks: OnvifQuirks,
    motion_detection: bool,
) -> AsyncIterator[EmulatedCamera]:
    """A started emulated camera on 127.0.0.1."""
    async with EmulatedCamera(
        username=USERNAME,
        password=PASSWORD,
        model=camera_model,
        mac=MAC,
        onvif_quirks=onvif_quirks,
    ) as cam:
        if motion_detection:
            cam.state.motion_alarm.values["motionDetectionEnableFlag"] = "1"
        yield cam


@pytest.fixture
def config_entry(camera: EmulatedCamera) -> MockConfigEntry:
    """A config entry pointing at the emulated camera."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="ToughEye",
        unique_id=UNIQUE_ID,
        data={
            "host": "127.0.0.1",
            "port": camera.port,
            "username": USERNAME,
            "password": PASSWORD,
            "ssl": False,
            "verify_ssl": True,
        },
    )


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> AsyncIterator[MockConfigEntry]:
    """Set up the integration with the emulated camera (unloaded before it stops)."""
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    yield config_entry
    # Home Assistant lets go of the camera before the camera stops: a poll
    # connecting while the emulator's server closes trips an assertion inside
    # asyncio on Python 3.13.0.
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.state is ConfigEntryState.LOADED:
            await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


class Poller:
    """Moves simulated time (the frozen clock) past the next polls."""

    def __init__(self, hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
        """Drive ``hass`` with ``freezer``."""
        self.hass = hass
        self.freezer = freezer

    async def __call__(self, times: int = 1, step: timedelta | None = None) -> None:
        """Advance ``step`` (one poll interval) ``times`` times, polling each time."""
        for _ in range(times):
            self.freezer.tick(step or POLL_INTERVAL + timedelta(seconds=1))
            async_fire_time_changed(self.hass)
            await self.hass.async_block_till_done(wait_background_tasks=True)


@pytest.fixture
def poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> Poller:
    """Trigger coordinator polls in simulated time."""
    return Poller(hass, freezer)


@pytest.fixture
def short_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Requests time out after half a second (for faults that never answer)."""
    monkeypatch.setattr(session, "REQUEST_TIMEOUT", 0.5)
