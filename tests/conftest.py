"""Fixtures for the Home Assistant tests: a real emulated camera on loopback."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from unittest.mock import PropertyMock, patch

from homeassistant.const import MAJOR_VERSION, __version__
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension

# Imported before any hass fixture runs: the test plugin mounts its own
# custom_components package first, and this makes ours the one that counts.
import custom_components.excelsense  # noqa: F401
from custom_components.excelsense.const import DOMAIN
from tests.emulator import EmulatedCamera

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

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
async def camera(
    socket_enabled: None, camera_model: str
) -> AsyncIterator[EmulatedCamera]:
    """A started emulated camera on 127.0.0.1."""
    async with EmulatedCamera(
        username=USERNAME, password=PASSWORD, model=camera_model, mac=MAC
    ) as cam:
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
) -> MockConfigEntry:
    """Set up the integration with the emulated camera."""
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    return config_entry
