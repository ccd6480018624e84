"""Nothing breaks from the outside: identity, odd values, hostile sizes, bad input.

Each case comes from what a camera (or a user) can send, through Home
Assistant's public surfaces, checked at the emulator: nothing refused reaches
the camera, nothing unreadable is shown as a value.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.excelsense.const import DOMAIN, ISSUE_WRONG_DEVICE
from tests.emulator.device import LogEntry, Reply

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from tests.emulator import EmulatedCamera

    from .conftest import Poller

BRIGHTNESS = "number.tougheye_brightness"
CLARITY_THRESHOLD = "number.tougheye_automatic_self_clean_threshold"
OSD_TEXT = "text.tougheye_overlay_text"
DISK_FREE = "sensor.tougheye_disk_1_free_space"


def _issue(hass: HomeAssistant, entry: MockConfigEntry) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(
        DOMAIN, f"{ISSUE_WRONG_DEVICE}_{entry.entry_id}"
    )


async def _retry_setup(hass: HomeAssistant) -> None:
    """Let the entry's setup retry (it backs off from seconds)."""
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=5))
    await hass.async_block_till_done(wait_background_tasks=True)


def _unavailable(hass: HomeAssistant, entry: MockConfigEntry) -> list[str]:
    entities = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    return [
        e.entity_id
        for e in entities
        if e.disabled_by is None
        and (state := hass.states.get(e.entity_id)) is not None
        and state.state == STATE_UNAVAILABLE
    ]


# ------------------------------------------------------------------- identity


@pytest.mark.parametrize(
    ("mac", "reason", "issue"),
    [
        ("00:1C:27:AA:BB:CC", "wrong_device", True),
        ("garbage, not a MAC", "identity_unreadable", False),
    ],
    ids=["another_camera", "garbage"],
)
async def test_reload_never_adopts_another_identity(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    mac: str,
    reason: str,
    issue: bool,
) -> None:
    """At every setup the camera must answer with the entry's MAC.

    Another one, or one that cannot be read, is "not ready" with a translated
    reason; another camera at the address is a repair issue naming it. When
    the camera answers as itself again, every entity comes back by itself.
    """
    values = camera.state.device_info.values
    own = values["MACAddress"]
    values["MACAddress"] = mac
    values["productModel"] = "\ufffd\ufffd junk"
    await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.SETUP_RETRY
    assert init_integration.error_reason_translation_key == reason
    found = _issue(hass, init_integration)
    assert (found is not None) is issue
    if found is not None:
        assert found.translation_placeholders["host"] == "127.0.0.1"
    values["MACAddress"] = own
    values["productModel"] = "ToughEye"
    await _retry_setup(hass)
    assert init_integration.state is ConfigEntryState.LOADED
    assert _issue(hass, init_integration) is None
    assert _unavailable(hass, init_integration) == []


# ------------------------------------------------------------------- parsing


@pytest.mark.parametrize("value", ["\uff15\uff10", "", "50%", "1_0"])
async def test_unreadable_value_makes_its_entity_unavailable(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    config_entry: MockConfigEntry,
    entity_registry_enabled_by_default: None,
    value: str,
) -> None:
    """Full-width digits, an empty value, a unit, an underscore: not a number.

    Python's int() reads "５０" and "1_0"; the camera means neither. The entity
    is unavailable, never shown a default; the others are not affected.
    """
    camera.state.sensor["brightness"].values["value"] = value
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(BRIGHTNESS).state == STATE_UNAVAILABLE
    assert _unavailable(hass, config_entry) == [BRIGHTNESS]


async def test_empty_disk_values_are_not_zero(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    poll: Poller,
) -> None:
    """An empty free space is unreadable (unavailable), never 0 MB free.

    The last good reading is kept for two failed reads, as for any failure.
    """
    assert float(hass.states.get(DISK_FREE).state) == 0.064
    camera.state.disk_info.loops["diskInfo"][0]["diskFreeSize"] = ""
    await poll(4, step=timedelta(minutes=5, seconds=1))
    assert hass.states.get(DISK_FREE).state == STATE_UNAVAILABLE
    camera.state.disk_info.loops["diskInfo"][0]["diskFreeSize"] = "60"
    await poll(1, step=timedelta(minutes=5, seconds=1))
    assert float(hass.states.get(DISK_FREE).state) == 0.06


async def test_overlay_text_that_cannot_be_read_is_unavailable(
    hass: HomeAssistant, camera: EmulatedCamera, config_entry: MockConfigEntry
) -> None:
    """A text watermark without its text is unreadable, not an empty string."""
    canvas = next(
        c for c in camera.state.osd_canvases if c.values.get("canvasID") == "2"
    )
    for info in canvas.loops["OSDInfo"]:
        if info.get("OSDType") == "5":
            info.pop("info", None)
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(OSD_TEXT).state == STATE_UNAVAILABLE


def _log_entries(count: int) -> list[LogEntry]:
    start = datetime(2026, 1, 1)  # noqa: DTZ001 - the camera's naive local time
    return [
        LogEntry(
            time=start + timedelta(seconds=i),
            major=1,
            fields={
                "alarmStartTime": (start + timedelta(seconds=i)).strftime(
                    "%Y-%m-%d %H:%M:%S"
                ),
                "alarmEndTime": "",
                "sourceType": "1",
                "sourceId": "1",
                "majorType": "1",
                "minorType": "1",
                "description": "motion",
            },
        )
        for i in range(count)
    ]


async def _lag_while(coro: object) -> float:
    """The event loop's worst delay (s) while ``coro`` runs (a 5 ms ticker)."""
    loop = asyncio.get_running_loop()
    done = asyncio.Event()
    worst = 0.0

    async def ticker() -> None:
        nonlocal worst
        last = loop.time()
        while not done.is_set():
            await asyncio.sleep(0.005)
            now = loop.time()
            worst = max(worst, now - last - 0.005)
            last = now

    probe = asyncio.create_task(ticker())
    try:
        await coro  # type: ignore[misc]
    finally:
        done.set()
        await probe
    return worst


@pytest.mark.parametrize("chunked", [False, True], ids=["length", "chunked"])
async def test_fifty_thousand_entry_log_costs_the_loop_nothing(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
    chunked: bool,
) -> None:
    """A 575 KB alarm-log reply is refused at 256 KB, unread and unparsed.

    The loop-lag probe has a generous bound (the unbounded parser stalled the
    loop for over a second); what is asserted exactly is the refusal.
    """
    lines = ["AlarmLogInfoBegin=1"]
    for index, entry in enumerate(_log_entries(50_000), start=1):
        if index > 1:
            lines.append(f"next_AlarmLogInfoURL={index}")
        lines.extend(f"{key}={value}" for key, value in entry.fields.items())
    lines.append("AlarmLogInfoEnd=50000")
    body = "\n".join(lines) + "\n"
    assert len(body) > 256 << 10
    handle = camera.device.handle

    def huge(name: str, pairs: list[tuple[str, str]]) -> Reply:
        if ("type", "alarmLogInfo") in pairs:
            return Reply(body.encode(), chunked=chunked)
        return handle(name, pairs)

    monkeypatch.setattr(camera.device, "handle", huge)
    client = init_integration.runtime_data.client
    start = dt_util.now().replace(tzinfo=None)
    outcome: list[BaseException] = []

    async def read() -> None:
        try:
            await client.alarm_log(start - timedelta(days=400), start)
        except Exception as err:  # noqa: BLE001 - kept for the assertion
            outcome.append(err)

    lag = await _lag_while(read())
    assert outcome
    assert "too large" in str(outcome[0])
    assert lag < 0.5


# ------------------------------------------------------------------- input


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
async def test_nan_and_infinities_are_refused_on_every_number(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    value: str,
) -> None:
    """Home Assistant's range check lets NaN through: refused, translated.

    Nothing reaches the camera, and the lens threshold keeps its value.
    """
    camera.clear_requests()
    for entity_id in (BRIGHTNESS, CLARITY_THRESHOLD):
        before = hass.states.get(entity_id).state
        with pytest.raises(ServiceValidationError) as refused:
            await hass.services.async_call(
                "number",
                "set_value",
                {ATTR_ENTITY_ID: entity_id, "value": value},
                blocking=True,
            )
        # NaN passes Home Assistant's range check and is refused here; the
        # infinities are refused by the range check itself.
        assert refused.value.translation_key in ("not_a_number", "out_of_range")
        assert hass.states.get(entity_id).state == before
    assert [r for r in camera.requests if r.get("action") == "set"] == []


@pytest.mark.parametrize("value", [" Gate", "Gate ", "\u00a0Gate", "Gate\u3000"])
async def test_text_with_blanks_around_is_refused(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    value: str,
) -> None:
    """The reply is read without surrounding blanks: such a text is refused."""
    camera.clear_requests()
    with pytest.raises(ServiceValidationError) as refused:
        await hass.services.async_call(
            "text",
            "set_value",
            {ATTR_ENTITY_ID: OSD_TEXT, "value": value},
            blocking=True,
        )
    assert refused.value.translation_key == "text_padded"
    assert camera.requests == []


async def test_text_with_a_no_break_space_inside_is_shown_exactly(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    poll: Poller,
) -> None:
    """What the camera stores is what the entity shows, no-break spaces too."""
    await hass.services.async_call(
        "text",
        "set_value",
        {ATTR_ENTITY_ID: OSD_TEXT, "value": "Gate\u00a0North"},
        blocking=True,
    )
    assert hass.states.get(OSD_TEXT).state == "Gate\u00a0North"
