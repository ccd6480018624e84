"""The alarm output is never left switched on or wrong, whatever fails.

Three operations x every step they send x seven kinds of fault x {once,
always}, pressed through Home Assistant's buttons against emulated cameras
(one per case, run side by side). After each press, at the emulator: no
pulse is left running, and the output is back in the self-clean profile, or
the repair issue says it is not. A press reports success only if its pulse
really ran its whole length, undisturbed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
import time
from typing import TYPE_CHECKING, Any

import aiohttp
from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, EVENT_HOMEASSISTANT_STOP
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.excelsense.api import alarm as alarm_module
from custom_components.excelsense.const import DOMAIN, ISSUE_ALARM_OUTPUT
from tests.emulator import EmulatedCamera, Fault, offset_mac

from .conftest import MAC, PASSWORD, USERNAME

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from homeassistant.core import HomeAssistant

    from tests.emulator import Pulse

# Requests time out after this; a "timeout" fault answers (and applies) later.
TIMEOUT = 0.3
LATE = 0.6
# Long enough for a late request to land and the longest pulse to run out.
SETTLE = LATE + 2.0

OPERATIONS: dict[str, tuple[str, int]] = {
    "self_clean": ("self_clean", 300),
    "led_normally_disabled": ("led_normally_disabled_toggle", 900),
    "led_shutoff": ("led_shutoff_toggle", 1700),
}
EFFECTS = {
    300: "self_clean",
    900: "led_normally_disabled_toggle",
    1700: "led_shutoff_toggle",
}
GET = {"action": "get", "type": "alarmOut"}
SET = {"action": "set", "type": "alarmOut"}


def step_requests(time_ms: int) -> dict[str, dict[str, Any]]:
    """The requests of each step of an operation (where to put a fault)."""
    steps: dict[str, dict[str, Any]] = {
        "read_profile": {"path": "param.cgi", "params": GET},
        "pulse_start": {"path": "alarm.cgi", "params": {"controlFlag": "1"}},
        "pulse_end": {"path": "alarm.cgi", "params": {"controlFlag": "0"}},
    }
    if time_ms != 300:
        steps["set_profile"] = {
            "path": "param.cgi",
            "params": {**SET, "alarmTime": str(time_ms)},
        }
        steps["restore"] = {"path": "param.cgi", "params": {**SET, "alarmTime": "300"}}
        # The read-back that verifies the restore: the second alarmOut get.
        steps["verify"] = {"path": "param.cgi", "params": GET, "skip": 1}
    return steps


FAULTS: dict[str, dict[str, Any]] = {
    "error_code": {"kind": "error", "code": -9},
    "http_500": {"kind": "http_status", "status": 500},
    "timeout": {"kind": "latency", "delay": LATE},
    "garbage": {"kind": "garbage"},
    "truncated": {"kind": "truncated"},
    "dropped": {"kind": "disconnect"},
    "applied_then_dropped": {"kind": "disconnect", "apply": True},
}
REPEATS: dict[str, int | None] = {"once": 1, "always": None}


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Short pauses between retried steps, so faults cost little time."""
    monkeypatch.setattr(alarm_module, "STEP_BACKOFF", 0.05)


@dataclass
class Case:
    """One camera, its entry, and what happened to its press."""

    name: str
    camera: EmulatedCamera
    entry: MockConfigEntry
    error: BaseException | None = None
    faults: list[Fault] = field(default_factory=list)


async def _start_cases(
    hass: HomeAssistant, names: list[str]
) -> AsyncIterator[dict[str, Case]]:
    """One loaded entry per case, each on its own emulated camera."""
    cases: dict[str, Case] = {}
    try:
        for index, name in enumerate(names):
            camera = EmulatedCamera(
                username=USERNAME, password=PASSWORD, mac=offset_mac(MAC, index)
            )
            await camera.start()
            entry = MockConfigEntry(
                domain=DOMAIN,
                title=f"Case {index}",
                unique_id=offset_mac(MAC, index).lower(),
                data={
                    "host": "127.0.0.1",
                    "port": camera.port,
                    "username": USERNAME,
                    "password": PASSWORD,
                    "ssl": False,
                    "verify_ssl": True,
                },
            )
            entry.add_to_hass(hass)
            cases[name] = Case(name, camera, entry)
        # Setting the integration up loads every entry of it.
        assert await async_setup_component(hass, DOMAIN, {})
        await hass.async_block_till_done()
        assert all(c.entry.state is ConfigEntryState.LOADED for c in cases.values())
        # Short timeouts only now: a loaded machine must not fail the setup.
        for case in cases.values():
            case.entry.runtime_data.client.request_timeout = TIMEOUT
        yield cases
    finally:
        for case in cases.values():
            await case.camera.stop()


def _button(hass: HomeAssistant, case: Case, key: str) -> str:
    entity_id = er.async_get(hass).async_get_entity_id(
        BUTTON_DOMAIN, DOMAIN, f"{case.entry.unique_id}_{key}"
    )
    assert entity_id is not None
    return entity_id


async def _press(hass: HomeAssistant, case: Case, key: str) -> None:
    try:
        await hass.services.async_call(
            BUTTON_DOMAIN,
            SERVICE_PRESS,
            {ATTR_ENTITY_ID: _button(hass, case, key)},
            blocking=True,
        )
    except HomeAssistantError as err:
        case.error = err


def _issue(hass: HomeAssistant, case: Case) -> bool:
    return (
        ir.async_get(hass).async_get_issue(
            DOMAIN, f"{ISSUE_ALARM_OUTPUT}_{case.entry.entry_id}"
        )
        is not None
    )


def _ran_whole(pulse: Pulse, time_ms: int) -> bool:
    return (
        pulse.completed
        and not (pulse.disturbed or pulse.cut_short or pulse.profile_changed)
        and pulse.effect == EFFECTS[time_ms]
    )


def check(hass: HomeAssistant, case: Case, time_ms: int) -> list[str]:
    """What is wrong with a case after its press (empty: nothing)."""
    problems = []
    camera = case.camera
    if any(pulse.end is None for pulse in camera.pulses):
        problems.append("a pulse is still running")
    if not camera.is_self_clean_profile() and not _issue(hass, case):
        problems.append(f"profile {camera.alarm_out_profile()} and no repair issue")
    if case.entry.runtime_data.client.output_may_be_on and not _issue(hass, case):
        problems.append("the output may be on and no repair issue")
    if case.error is None:
        whole = [p for p in camera.pulses if _ran_whole(p, time_ms)]
        if len(camera.pulses) != 1 or len(whole) != 1:
            problems.append(f"success reported, but the pulses were {camera.pulses}")
    return problems


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("operation", list(OPERATIONS))
async def test_fault_matrix(
    hass: HomeAssistant, socket_enabled: None, operation: str, fault: str
) -> None:
    """Every step of one operation, with one kind of fault, once and always."""
    key, time_ms = OPERATIONS[operation]
    steps = step_requests(time_ms)
    names = [f"{step}-{repeat}" for step in steps for repeat in REPEATS]
    async for cases in _start_cases(hass, names):
        for name, case in cases.items():
            step, repeat = name.split("-")
            request = steps[step]
            case.camera.clear_requests()
            case.faults.append(
                case.camera.inject(
                    Fault(
                        path=request["path"],
                        params=request["params"],
                        skip=request.get("skip", 0),
                        count=REPEATS[repeat],
                        **FAULTS[fault],
                    )
                )
            )
        await asyncio.gather(*(_press(hass, case, key) for case in cases.values()))
        await asyncio.sleep(SETTLE)
        problems = {
            name: found
            for name, case in cases.items()
            if (found := check(hass, case, time_ms))
        }
        assert problems == {}
        # The fault was really met (the matrix tests what it says).
        assert all(case.faults[0].fired for case in cases.values())


async def test_busy_and_slow_starts_keep_the_whole_pulse(
    hass: HomeAssistant, socket_enabled: None
) -> None:
    """A busy (-505) or slow reply to the start: the pulse still runs whole.

    The hold is counted from the accepted start, not from before the request.
    """
    async for cases in _start_cases(hass, ["busy", "slow"]):
        cases["busy"].camera.inject(
            Fault(
                "error",
                path="alarm.cgi",
                params={"controlFlag": "1"},
                code=-505,
                count=1,
            )
        )
        cases["slow"].camera.inject(
            Fault("latency", path="alarm.cgi", params={"controlFlag": "1"}, delay=0.2)
        )
        await asyncio.gather(
            *(_press(hass, case, "self_clean") for case in cases.values())
        )
        await asyncio.sleep(0.5)
        for case in cases.values():
            assert case.error is None
            assert check(hass, case, 300) == []


async def test_operation_does_not_queue_behind_polling(
    hass: HomeAssistant, socket_enabled: None
) -> None:
    """A poll holding the request bound does not delay the operation's start."""
    async for cases in _start_cases(hass, ["busy_poll"]):
        case = cases["busy_poll"]
        coordinator = case.entry.runtime_data.coordinator
        case.camera.inject(Fault("latency", path="sensor.cgi", delay=0.25))
        coordinator.mark_stale()
        refresh = asyncio.create_task(coordinator.async_refresh())
        await asyncio.sleep(0.05)
        press = asyncio.create_task(_press(hass, case, "self_clean"))
        await refresh
        refreshed = time.monotonic()
        await press
        assert case.error is None
        assert check(hass, case, 300) == []
        start = next(r for r in case.camera.requests if r.get("controlFlag") == "1")
        assert start.time < refreshed


@pytest.mark.parametrize("how", ["reload", "unload", "stop"])
async def test_reload_unload_or_stop_mid_pulse(
    hass: HomeAssistant, socket_enabled: None, how: str
) -> None:
    """Whatever ends the entry mid-pulse, the operation completes first."""
    async for cases in _start_cases(hass, [how]):
        case = cases[how]
        press = asyncio.create_task(_press(hass, case, "led_shutoff_toggle"))
        await asyncio.sleep(0.4)
        assert case.camera.pulses
        assert case.camera.pulses[0].end is None
        if how == "reload":
            assert await hass.config_entries.async_reload(case.entry.entry_id)
            # A second operation on the same camera waits for the first.
            await _press(hass, case, "self_clean")
        elif how == "unload":
            assert await hass.config_entries.async_unload(case.entry.entry_id)
            assert case.entry.state is ConfigEntryState.NOT_LOADED
        else:
            hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
            await hass.async_block_till_done()
        assert case.camera.pulses[0].end is not None
        assert case.camera.is_self_clean_profile()
        await press
        assert case.error is None
        first = case.camera.pulses[0]
        assert _ran_whole(first, 1700)
        if how == "reload":
            second = case.camera.pulses[1]
            assert first.end is not None
            assert first.end <= second.start
            assert _ran_whole(second, 300)


async def test_session_closed_mid_pulse(
    hass: HomeAssistant, socket_enabled: None
) -> None:
    """The HTTP session closing under an operation is a translated error.

    Never a bare RuntimeError that skips the restore: the step fails in the
    client's own terms, and the repair issue tells the user.
    """
    async for cases in _start_cases(hass, ["closed"]):
        case = cases["closed"]
        client = case.entry.runtime_data.client
        # Home Assistant's own session may not be closed by us: a private one.
        client.transport.session = aiohttp.ClientSession()
        press = asyncio.create_task(_press(hass, case, "led_shutoff_toggle"))
        await asyncio.sleep(0.4)
        await client.transport.session.close()
        await press
        assert isinstance(case.error, HomeAssistantError)
        assert case.error.translation_key in (
            "alarm_pulse_end_failed",
            "alarm_restore_failed",
        )
        assert _issue(hass, case)
