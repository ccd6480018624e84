"""Syrupy snapshots of every entity platform, all entities enabled."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from unittest.mock import patch

from homeassistant.const import Platform
import pytest
from pytest_homeassistant_custom_component.common import snapshot_platform

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers import entity_registry as er
    from pytest_homeassistant_custom_component.common import MockConfigEntry
    from syrupy.assertion import SnapshotAssertion

    from tests.emulator import EmulatedCamera


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize(
    "platform",
    [
        Platform.BINARY_SENSOR,
        Platform.BUTTON,
        Platform.CAMERA,
        Platform.EVENT,
        Platform.NUMBER,
        Platform.SELECT,
        Platform.SENSOR,
        Platform.SWITCH,
        Platform.TEXT,
        Platform.TIME,
    ],
)
async def test_platform_snapshot(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    config_entry: MockConfigEntry,
    camera: EmulatedCamera,
    monkeypatch: pytest.MonkeyPatch,
    platform: Platform,
) -> None:
    """Every entity of a platform, with its registry entry and state."""
    monkeypatch.setattr(camera.device, "now", lambda: datetime(2026, 1, 2, 3, 4, 5))  # noqa: DTZ001
    with patch("custom_components.excelsense.PLATFORMS", [platform]):
        config_entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done()
    if platform is Platform.CAMERA:
        # The camera's picture URL carries a fresh access token on every run.
        for state in hass.states.async_all("camera"):
            attributes = {
                k: v
                for k, v in state.attributes.items()
                if k not in ("access_token", "entity_picture")
            }
            hass.states.async_set(state.entity_id, state.state, attributes)
    await snapshot_platform(hass, entity_registry, snapshot, config_entry.entry_id)
