"""The blueprints: valid for Home Assistant, and automations made from them work.

Each blueprint is checked with Home Assistant's own blueprint model and schema,
then instantiated with sample inputs and validated the way Home Assistant
validates an automation; finally the automations run against entity states and
recorded actions (button.press, camera.snapshot, notify), so the triggers,
conditions and templates are exercised, not only parsed.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
import json
from pathlib import Path
import shutil
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from homeassistant.components.automation.config import (
    AUTOMATION_BLUEPRINT_SCHEMA,
    async_validate_config_item,
)
from homeassistant.components.blueprint import Blueprint
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util, yaml as yaml_util
import pytest
from pytest_homeassistant_custom_component.common import (
    async_fire_time_changed,
    async_mock_service,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant, ServiceCall

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "blueprints" / "automation" / "excelsense"
RAW = "https://raw.githubusercontent.com/excelsense-ha/excelsense-homeassistant/main"
IMPORT = "https://my.home-assistant.io/redirect/blueprint_import/?blueprint_url="

CLEAN = "clean_lens_schedule_and_rain.yaml"
DIRTY = "notify_lens_dirty.yaml"
MOTION = "notify_motion_snapshot.yaml"

SAMPLE_INPUTS: dict[str, dict[str, Any]] = {
    CLEAN: {
        "self_clean_buttons": ["button.gate_self_clean", "button.yard_self_clean"],
        "weather_entity": "weather.home",
    },
    DIRTY: {
        "clarity_sensor": "sensor.gate_lens_clarity",
        "camera_entity": "camera.gate",
        "notify_service": "notify.mobile_app_phone",
    },
    MOTION: {
        "motion_sensor": "binary_sensor.gate_motion",
        "camera_entity": "camera.gate",
        "notify_service": "notify.mobile_app_phone",
    },
}


def test_every_blueprint_is_tested() -> None:
    """A new blueprint needs sample inputs here (and so its tests)."""
    assert sorted(path.name for path in FOLDER.glob("*.yaml")) == sorted(SAMPLE_INPUTS)


def _load(name: str) -> Blueprint:
    return Blueprint(
        yaml_util.load_yaml_dict(FOLDER / name),
        path=name,
        expected_domain="automation",
        schema=AUTOMATION_BLUEPRINT_SCHEMA,
    )


@pytest.mark.parametrize("name", sorted(SAMPLE_INPUTS))
def test_blueprint_metadata(name: str) -> None:
    """Valid, importable from the repository, and usable on every supported release."""
    blueprint = _load(name)
    metadata = blueprint.metadata
    assert metadata["source_url"] == f"{RAW}/blueprints/automation/excelsense/{name}"
    # The oldest release the integration supports, as hacs.json states it.
    hacs = json.loads((ROOT / "hacs.json").read_text(encoding="utf-8"))
    assert metadata["homeassistant"]["min_version"] == hacs["homeassistant"]
    assert blueprint.validate() is None  # this Home Assistant is new enough
    assert metadata["description"]
    for key, spec in blueprint.inputs.items():
        assert spec["name"], key
        assert "selector" in spec, key
    # Entity inputs of this integration's entities are filtered to it.
    for key, spec in blueprint.inputs.items():
        if (entity := spec["selector"].get("entity")) is None:
            continue
        (entity_filter,) = entity["filter"]
        if entity_filter["domain"] != ["weather"]:
            assert entity_filter["integration"] == "excelsense", key


def test_readme_links_import_each_blueprint() -> None:
    """The README's import links point at the raw files in the repository."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in SAMPLE_INPUTS:
        url = f"{RAW}/blueprints/automation/excelsense/{name}"
        assert f"{IMPORT}{quote(url, safe='')}" in readme, name


@pytest.fixture
async def blueprint_config(hass: HomeAssistant, tmp_path: Path) -> AsyncIterator[Path]:
    """A config directory holding the blueprints, as an import puts them."""
    folder = tmp_path / "blueprints" / "automation" / "excelsense"
    shutil.copytree(FOLDER, folder)
    hass.config.config_dir = str(tmp_path)
    yield folder
    # Turning the automations off detaches their triggers and cancels their timers.
    if hass.services.has_service("automation", "turn_off"):
        await hass.services.async_call(
            "automation", "turn_off", {"entity_id": "all"}, blocking=True
        )


def _instance(name: str, **inputs: object) -> dict[str, Any]:
    return {
        "id": name,
        "alias": name,
        "use_blueprint": {
            "path": f"excelsense/{name}",
            "input": {**SAMPLE_INPUTS[name], **inputs},
        },
    }


@pytest.mark.usefixtures("blueprint_config")
@pytest.mark.parametrize("name", sorted(SAMPLE_INPUTS))
async def test_automation_from_blueprint_validates(
    hass: HomeAssistant, name: str
) -> None:
    """With sample inputs, Home Assistant's automation validation accepts it."""
    config = await async_validate_config_item(hass, "automation", _instance(name))
    assert config is not None
    assert config.validation_status == "ok"
    assert config["triggers"]
    assert config["actions"]


@pytest.mark.usefixtures("blueprint_config")
async def test_automation_validation_rejects_bad_inputs(hass: HomeAssistant) -> None:
    """The check above can fail: a missing input or a bad value is refused."""
    broken = _instance(DIRTY)
    del broken["use_blueprint"]["input"]["camera_entity"]
    with pytest.raises(Exception, match="camera_entity"):
        await async_validate_config_item(hass, "automation", broken)
    with pytest.raises(Exception, match="below"):
        await async_validate_config_item(
            hass, "automation", _instance(DIRTY, threshold="dirty")
        )


async def _set_up(hass: HomeAssistant, *instances: dict[str, Any]) -> None:
    assert await async_setup_component(
        hass, "automation", {"automation": list(instances)}
    )
    await hass.async_block_till_done()


async def _advance(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta
) -> None:
    await hass.async_block_till_done()  # timers start from the states set before
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


# ---------------------------------------------------- clean on schedule, after rain


@pytest.fixture
def presses(hass: HomeAssistant) -> list[ServiceCall]:
    """Recorded button.press actions."""
    return async_mock_service(hass, "button", "press")


@pytest.fixture
async def cleaning(
    hass: HomeAssistant, blueprint_config: Path, freezer: FrozenDateTimeFactory
) -> None:
    """The cleaning automation on a Wednesday at 06:00, weather sunny."""
    await hass.config.async_set_time_zone("Europe/Berlin")
    freezer.move_to(
        datetime(2026, 11, 25, 6, 0, tzinfo=dt_util.get_default_time_zone())
    )
    hass.states.async_set("weather.home", "sunny")
    await _set_up(hass, _instance(CLEAN, weekdays=["mon", "wed"]))


@pytest.mark.usefixtures("cleaning")
async def test_cleans_every_camera_at_the_scheduled_time(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, presses: list[ServiceCall]
) -> None:
    """At 07:00 on a chosen day, one press for all the chosen buttons."""
    await _advance(hass, freezer, timedelta(minutes=59))
    assert presses == []
    await _advance(hass, freezer, timedelta(minutes=1))
    assert len(presses) == 1
    assert presses[0].data["entity_id"] == [
        "button.gate_self_clean",
        "button.yard_self_clean",
    ]
    # Thursday is not a chosen day.
    await _advance(hass, freezer, timedelta(days=1))
    assert len(presses) == 1


@pytest.mark.usefixtures("cleaning")
async def test_scheduled_cleaning_skipped_while_raining(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, presses: list[ServiceCall]
) -> None:
    """Wiping a wet lens only smears it."""
    hass.states.async_set("weather.home", "pouring")
    await _advance(hass, freezer, timedelta(hours=1))
    assert presses == []


@pytest.mark.usefixtures("cleaning")
async def test_cleans_after_the_rain_has_stopped(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, presses: list[ServiceCall]
) -> None:
    """Rain, then 15 minutes without: clean; a shower in between restarts the wait."""
    hass.states.async_set("weather.home", "rainy")
    await hass.async_block_till_done()
    hass.states.async_set("weather.home", "cloudy")
    await _advance(hass, freezer, timedelta(minutes=10))
    hass.states.async_set("weather.home", "rainy")  # back within the 15 minutes
    await _advance(hass, freezer, timedelta(minutes=10))
    assert presses == []
    hass.states.async_set("weather.home", "cloudy")
    await _advance(hass, freezer, timedelta(minutes=14))
    assert presses == []
    hass.states.async_set("weather.home", "partlycloudy")  # still dry: no restart
    await _advance(hass, freezer, timedelta(minutes=1))
    assert len(presses) == 1


@pytest.mark.usefixtures("cleaning")
async def test_no_cleaning_when_the_weather_turns_to_other_rain(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, presses: list[ServiceCall]
) -> None:
    """Rainy, a dry spell, then pouring: the wait ends while it pours, no cleaning."""
    hass.states.async_set("weather.home", "rainy")
    await hass.async_block_till_done()
    hass.states.async_set("weather.home", "cloudy")
    await _advance(hass, freezer, timedelta(minutes=5))
    hass.states.async_set("weather.home", "pouring")
    await _advance(hass, freezer, timedelta(minutes=15))
    hass.states.async_set("weather.home", "unavailable")
    await _advance(hass, freezer, timedelta(minutes=20))
    assert presses == []


# ---------------------------------------------------- notifications with snapshots


@pytest.fixture
def snapshots(hass: HomeAssistant) -> list[ServiceCall]:
    """Recorded camera.snapshot actions."""
    return async_mock_service(hass, "camera", "snapshot")


@pytest.fixture
def notifications(hass: HomeAssistant) -> list[ServiceCall]:
    """Recorded notify.mobile_app_phone actions."""
    return async_mock_service(hass, "notify", "mobile_app_phone")


@pytest.fixture
def extra(hass: HomeAssistant) -> list[ServiceCall]:
    """Recorded actions of the blueprints' additional actions."""
    return async_mock_service(hass, "test", "extra")


EXTRA_ACTIONS = [{"action": "test.extra", "data": {"url": "{{ snapshot_url }}"}}]


async def test_lens_dirty_notification_with_snapshot(
    hass: HomeAssistant,
    blueprint_config: Path,
    freezer: FrozenDateTimeFactory,
    snapshots: list[ServiceCall],
    notifications: list[ServiceCall],
    extra: list[ServiceCall],
) -> None:
    """Clarity under 40 % for an hour: a snapshot and a message with it."""
    hass.states.async_set("sensor.gate_lens_clarity", "85")
    hass.states.async_set("camera.gate", "idle", {"friendly_name": "Gate"})
    await _set_up(hass, _instance(DIRTY, extra_actions=EXTRA_ACTIONS))

    hass.states.async_set("sensor.gate_lens_clarity", "35")
    await _advance(hass, freezer, timedelta(minutes=30))
    hass.states.async_set("sensor.gate_lens_clarity", "55")  # recovered in time
    await _advance(hass, freezer, timedelta(hours=1))
    assert notifications == []

    hass.states.async_set("sensor.gate_lens_clarity", "32")
    await _advance(hass, freezer, timedelta(hours=1))
    assert len(snapshots) == 1
    assert snapshots[0].data["entity_id"] == ["camera.gate"]
    assert snapshots[0].data["filename"] == "/config/www/excelsense/gate_lens.jpg"
    assert len(notifications) == 1
    data = notifications[0].data
    assert data["title"] == "Camera lens needs cleaning"
    assert data["message"].startswith("Gate: lens clarity 32 %")
    assert data["data"]["image"].startswith("/local/excelsense/gate_lens.jpg?v=")
    assert [call.data["url"] for call in extra] == [data["data"]["image"]]


async def test_lens_dirty_without_a_notify_action(
    hass: HomeAssistant,
    blueprint_config: Path,
    freezer: FrozenDateTimeFactory,
    snapshots: list[ServiceCall],
    notifications: list[ServiceCall],
    extra: list[ServiceCall],
) -> None:
    """An empty notify action sends nothing; the additional actions still run."""
    hass.states.async_set("sensor.gate_lens_clarity", "85")
    await _set_up(
        hass, _instance(DIRTY, notify_service="", extra_actions=EXTRA_ACTIONS)
    )
    hass.states.async_set("sensor.gate_lens_clarity", "20")
    await _advance(hass, freezer, timedelta(hours=1))
    assert len(snapshots) == 1
    assert notifications == []
    assert len(extra) == 1


async def _spin(hass: HomeAssistant) -> None:
    """Let the event loop run a while without waiting for running automations.

    ``async_block_till_done`` would wait for the cooldown's delay to end.
    """
    for _ in range(50):
        await asyncio.sleep(0)


async def test_motion_notification_with_snapshot_and_cooldown(
    hass: HomeAssistant,
    blueprint_config: Path,
    freezer: FrozenDateTimeFactory,
    snapshots: list[ServiceCall],
    notifications: list[ServiceCall],
) -> None:
    """Motion: a snapshot and a message; more motion within the cooldown: nothing."""
    hass.states.async_set("binary_sensor.gate_motion", "off")
    hass.states.async_set("camera.gate", "idle", {"friendly_name": "Gate"})
    await _set_up(hass, _instance(MOTION))

    hass.states.async_set("binary_sensor.gate_motion", "on")
    await _spin(hass)
    assert [call.data["filename"] for call in snapshots] == [
        "/config/www/excelsense/gate_motion.jpg"
    ]
    assert len(notifications) == 1
    assert notifications[0].data["title"] == "Motion"
    assert notifications[0].data["message"].startswith("Motion at Gate (")
    assert (
        notifications[0]
        .data["data"]["image"]
        .startswith("/local/excelsense/gate_motion.jpg?v=")
    )

    for _ in range(2):  # within the 5 minutes' cooldown
        hass.states.async_set("binary_sensor.gate_motion", "off")
        freezer.tick(timedelta(minutes=1))
        async_fire_time_changed(hass)
        hass.states.async_set("binary_sensor.gate_motion", "on")
        await _spin(hass)
    assert len(notifications) == 1

    hass.states.async_set("binary_sensor.gate_motion", "off")
    freezer.tick(timedelta(minutes=4))
    async_fire_time_changed(hass)  # the cooldown ends
    await hass.async_block_till_done()
    hass.states.async_set("binary_sensor.gate_motion", "on")
    await _spin(hass)
    assert len(notifications) == 2

    # Coming back from unavailable is not motion.
    hass.states.async_set("binary_sensor.gate_motion", "unavailable")
    freezer.tick(timedelta(minutes=10))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    hass.states.async_set("binary_sensor.gate_motion", "on")
    await hass.async_block_till_done()
    assert len(notifications) == 2
