"""Diagnostics: useful and redacted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)

from .conftest import PASSWORD

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry
    from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
    from syrupy.assertion import SnapshotAssertion


def _without(value: object, keys: set[str]) -> object:
    """Drop run-dependent keys (port, clock) and raw replies, at any depth."""
    if isinstance(value, dict):
        return {k: _without(v, keys) for k, v in value.items() if k not in keys}
    if isinstance(value, list):
        return [_without(v, keys) for v in value]
    return value


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """Everything useful, nothing secret."""
    result = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    text = str(result)
    assert PASSWORD not in text
    assert "00:1C:27" not in text.upper()
    assert result["entry"]["data"]["password"] == "**REDACTED**"
    run_dependent = {
        "port",
        "http_port",
        "clock",
        "clock_offset",
        "clock_offset_s",
        "raw",
    }
    assert isinstance(result["static"]["clock_offset"], int)
    assert _without(result, run_dependent) == snapshot
