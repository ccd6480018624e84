"""The alarm-output operation: self-clean and LED toggles.

The document allows two readings of the output, and the emulator has one
switch for each (``Quirks.pulse``): "timed", the camera ends the pulse after
alarmTime ("alarmTime int Alarm duration in milliseconds"), or "held", the
output stays on until "controlFlag ... 0: end". Where the reading matters
(starting and ending the pulse), tests run under both.
"""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest

from custom_components.excelsense.api import (
    SELF_CLEAN_PROFILE,
    AlarmOperation,
    AlarmOperationResult,
    ExcelSenseAlarmOperationError,
    ExcelSenseClient,
    ExcelSenseConnectionError,
    ExcelSenseError,
    ExcelSenseResponseError,
    ExcelSenseShutdownError,
)
from tests.emulator import EmulatedCamera, Fault, Quirks
from tests.waiting import eventually

from .conftest import PASSWORD, USERNAME
from .helpers import (
    ALARM_GET,
    ALARM_SET,
    PULSE_END,
    PULSE_START,
    alarm_sets,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

    from tests.emulator import Pulse
    from tests.emulator.device import PulseModel

    from .conftest import ExpectError

    Call = Callable[[ExcelSenseClient], Coroutine[Any, Any, Any]]

# ------------------------------------------------------------------ alarm output


EFFECTS = {
    AlarmOperation.SELF_CLEAN: "self_clean",
    AlarmOperation.LED_NORMALLY_DISABLED_TOGGLE: "led_normally_disabled_toggle",
    AlarmOperation.LED_SHUTOFF_TOGGLE: "led_shutoff_toggle",
}
PULSE_MODELS: tuple[PulseModel, ...] = ("timed", "held")
# Short request timeouts for the tests whose faults make the client wait for
# late requests (it waits in multiples of the timeout).
SHORT_TIMEOUT = 0.3
# A profile set carried out late: its timeout, and when it lands after receipt.
LATE_SET_TIMEOUT = 0.8
LATE_SET = 1.4


@pytest.fixture
def pulse_model() -> PulseModel:
    """How the camera ends a manual pulse (parametrized where it matters)."""
    return "timed"


@pytest.fixture(autouse=True)
def pulse_reading(camera: EmulatedCamera, pulse_model: PulseModel) -> None:
    """Put the camera under test in the reading the test asks for."""
    camera.quirks.pulse = pulse_model


async def pulse_started(camera: EmulatedCamera) -> None:
    """Wait until the camera's output is pulsing."""
    await eventually(lambda: camera.device.running_pulse is not None)


def assert_ran_whole(pulse: Pulse, operation: AlarmOperation) -> None:
    """The pulse ended, undisturbed, after at least its whole length."""
    assert pulse.profile.time_ms == int(operation)
    assert pulse.end is not None, "the output was left on"
    assert not pulse.cut_short, f"cut short after {pulse.length:.3f} s"
    assert not pulse.disturbed, "a second start met it"
    assert not pulse.profile_changed, "the profile changed under it"
    assert pulse.completed
    assert pulse.effect == EFFECTS[operation]
    assert pulse.length is not None
    assert pulse.length > operation / 1000 - 1e-6
    if not pulse.held:
        assert pulse.length == pytest.approx(operation / 1000)


@pytest.mark.parametrize("pulse_model", PULSE_MODELS)
@pytest.mark.parametrize(
    ("initial", "operation", "changed"),
    [
        pytest.param(
            AlarmOperation.SELF_CLEAN, AlarmOperation.SELF_CLEAN, False, id="self_clean"
        ),
        pytest.param(
            AlarmOperation.SELF_CLEAN,
            AlarmOperation.LED_NORMALLY_DISABLED_TOGGLE,
            True,
            id="led_normally_disabled",
        ),
        pytest.param(
            AlarmOperation.SELF_CLEAN,
            AlarmOperation.LED_SHUTOFF_TOGGLE,
            True,
            id="led_shutoff",
        ),
        pytest.param(
            # A profile left over from an earlier failed restore.
            AlarmOperation.LED_NORMALLY_DISABLED_TOGGLE,
            AlarmOperation.LED_NORMALLY_DISABLED_TOGGLE,
            False,
            id="led_profile_left_over",
        ),
    ],
)
async def test_run_alarm_operation(
    client: ExcelSenseClient,
    camera: EmulatedCamera,
    initial: AlarmOperation,
    operation: AlarmOperation,
    changed: bool,
) -> None:
    """One complete pulse in the operation's profile, then the self-clean one."""
    values = camera.state.alarm_out.values
    values["alarmTime"] = str(int(initial))
    task = asyncio.create_task(client.run_alarm_operation(operation))
    await asyncio.sleep(0.1)
    assert client.alarm_operation_running
    result = await task
    assert not client.alarm_operation_running
    assert result.operation == operation
    if initial == AlarmOperation.SELF_CLEAN:
        assert result == AlarmOperationResult(
            operation=operation, profile_changed=changed
        )

    (pulse,) = camera.pulses
    assert pulse.profile.is_trigger()
    assert_ran_whole(pulse, operation)
    assert camera.led_normally_disabled == (
        operation == AlarmOperation.LED_NORMALLY_DISABLED_TOGGLE
    )
    assert camera.led_shutoff == (operation == AlarmOperation.LED_SHUTOFF_TOGGLE)
    # The profile is written before the pulse only when it differs.
    pulse_at = next(
        index
        for index, request in enumerate(camera.requests)
        if request.get("controlFlag") == "1"
    )
    written_before = [r for r in camera.requests[:pulse_at] if r.get("action") == "set"]
    assert len(written_before) == int(changed)
    if changed:
        assert len(alarm_sets(camera)) == 2  # the target, then the restore
    assert camera.is_self_clean_profile(), (
        "run_alarm_operation must leave the output in the self-clean profile even "
        "when the operation's profile was already set before it started"
    )


async def test_alarm_operations_do_not_interleave(
    client: ExcelSenseClient, camera: EmulatedCamera
) -> None:
    """Concurrent operations run one after the other; settled reads wait."""
    first = asyncio.create_task(
        client.run_alarm_operation(AlarmOperation.LED_NORMALLY_DISABLED_TOGGLE)
    )
    await asyncio.sleep(0.05)
    assert client.alarm_operation_running
    second = asyncio.create_task(client.run_alarm_operation(AlarmOperation.SELF_CLEAN))
    settled = asyncio.create_task(client.alarm_out_settled())
    await pulse_started(camera)
    assert camera.alarm_out_profile().time_ms == 900  # the first one's profile
    assert not settled.done()
    results = await asyncio.gather(first, second, settled)
    assert [r.profile_changed for r in results[:2]] == [True, False]
    assert results[2].profile == SELF_CLEAN_PROFILE
    one, two = camera.pulses
    assert one.end is not None
    assert one.end <= two.start
    assert [p.profile.time_ms for p in (one, two)] == [900, 300]
    assert all(p.completed for p in (one, two))
    assert camera.is_self_clean_profile()


@pytest.mark.parametrize("pulse_model", PULSE_MODELS)
async def test_cancelled_alarm_operation_cleans_up(
    client: ExcelSenseClient, camera: EmulatedCamera
) -> None:
    """Cancelling an operation mid-pulse still ends the pulse and restores.

    Regression: a CancelledError (HA shutdown, entry unload, a caller's
    timeout) used to skip the restore and leave the pulse running.
    """
    task = asyncio.create_task(
        client.run_alarm_operation(AlarmOperation.LED_NORMALLY_DISABLED_TOGGLE)
    )
    await pulse_started(camera)
    (pulse,) = camera.pulses
    assert pulse.end is None
    assert camera.alarm_out_profile().time_ms == 900
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not client.alarm_operation_running
    for _ in range(30):  # cleanup may finish the pulse first
        if pulse.end is not None and camera.is_self_clean_profile():
            break
        await asyncio.sleep(0.05)
    state = {"pulse ended": pulse.end is not None}
    state["self-clean profile"] = camera.is_self_clean_profile()
    assert state == {"pulse ended": True, "self-clean profile": True}
    assert_ran_whole(pulse, AlarmOperation.LED_NORMALLY_DISABLED_TOGGLE)


async def test_manual_alarm(client: ExcelSenseClient, camera: EmulatedCamera) -> None:
    """The low-level calls reach the alarm output directly."""
    await client.manual_alarm(start=True)
    assert camera.pulses[0].end is None
    await client.manual_alarm(start=False)
    assert camera.pulses[0].end is not None
    flags = [r.get("controlFlag") for r in camera.requests]
    assert flags == ["1", "0"]


# (faults, failed step or None, restored, whether a pulse reaches the camera)
FAULT_CASES: dict[str, tuple[list[Fault], str | None, bool, bool]] = {
    "read_profile": (
        [Fault("error", params=ALARM_GET, code=-9)],
        "read_profile",
        True,
        False,
    ),
    "set_profile-refused": (
        [Fault("error", params=ALARM_SET, code=-23, count=1)],
        "set_profile",
        True,
        False,
    ),
    # count=2: aiohttp resends a GET once when the connection drops.
    "set_profile-reply-lost": (
        [Fault("disconnect", params=ALARM_SET, count=2, apply=True)],
        "set_profile",
        True,
        False,
    ),
    "pulse_start-refused": (
        [Fault("error", params=PULSE_START, code=-9)],
        "pulse_start",
        True,
        False,
    ),
    "pulse_start-reply-lost": (
        [Fault("disconnect", params=PULSE_START, apply=True)],
        "pulse_start",
        True,
        True,
    ),
    # The start was carried out but its reply is unusable: not a refusal, so
    # the pulse must still be held and ended.
    "pulse_start-reply-garbled": (
        [Fault("garbage", params=PULSE_START, apply=True)],
        "pulse_start",
        True,
        True,
    ),
    # An error code answering the end is no confirmed end: under the held
    # reading the output is still on.
    "pulse_start-and-end-refused": (
        [
            Fault("disconnect", params=PULSE_START, apply=True),
            Fault("error", params=PULSE_END, code=-9),
        ],
        "pulse_end",
        False,
        True,
    ),
    # No answer to the end, three times: the output may be on.
    "pulse_end": (
        [Fault("http_status", params=PULSE_END, status=500)],
        "pulse_end",
        False,
        True,
    ),
    "restore": (
        [Fault("error", params=ALARM_SET, skip=1, code=-9)],
        "restore",
        False,
        True,
    ),
    "restore-auth": (
        [Fault("error", params=ALARM_SET, skip=1, code=-508)],
        "restore",
        False,
        True,
    ),
    "pulse_end-and-restore": (
        [
            Fault("http_status", params=PULSE_END, status=500),
            Fault("disconnect", params=ALARM_SET, skip=1),
        ],
        "pulse_end",
        False,
        True,
    ),
    "pulse_end-retried": (
        [Fault("http_status", params=PULSE_END, status=500, count=2)],
        None,
        True,
        True,
    ),
    "restore-retried": (
        [Fault("error", params=ALARM_SET, skip=1, count=2, code=-9)],
        None,
        True,
        True,
    ),
}


@pytest.mark.parametrize(
    ("case", "pulse_model"),
    [
        pytest.param(case, model, id=f"{case}-{model}")
        for case in FAULT_CASES
        # The reading decides only what a start and an end do.
        for model in (PULSE_MODELS if case.startswith("pulse") else ("timed",))
    ],
)
@pytest.mark.usefixtures("fast_restore")
async def test_alarm_operation_faults(
    make_client: Callable[..., ExcelSenseClient],
    camera: EmulatedCamera,
    expect_error: ExpectError,
    case: str,
    pulse_model: PulseModel,
) -> None:
    """A failing step is named; restore runs anyway and says if it worked."""
    faults, step, restored, pulsed = FAULT_CASES[case]
    client = make_client(request_timeout=SHORT_TIMEOUT)
    operation = AlarmOperation.LED_NORMALLY_DISABLED_TOGGLE
    for fault in faults:
        camera.inject(replace(fault))
    if step is None:
        result = await client.run_alarm_operation(operation)
        assert result.profile_changed
        assert camera.is_self_clean_profile()
        assert not client.output_may_be_on
    else:
        err = await expect_error(
            ExcelSenseAlarmOperationError, client.run_alarm_operation(operation)
        )
        assert (err.step, err.restored) == (step, restored)
        assert isinstance(err.__cause__, ExcelSenseError)
        assert str(err).startswith(f"Alarm operation failed at {step}: ")
        assert client.output_may_be_on == (step == "pulse_end")
        if step != "pulse_end":
            assert camera.is_self_clean_profile() == restored
    assert not client.alarm_operation_running
    if not pulsed:
        assert camera.pulses == []
        return
    (only,) = camera.pulses
    if step == "pulse_end" and pulse_model == "held":
        # No end got through: the output is on, and the client says so.
        assert only.end is None
        assert client.output_may_be_on
        return
    # A start that reached the device runs whole.
    assert_ran_whole(only, operation)
    if step == "restore" and faults[0].code == -508:
        assert len(alarm_sets(camera)) == 2  # auth failures are not retried


@pytest.mark.parametrize(
    ("failures", "succeeds"), [(0, True), (2, True), (None, False)]
)
@pytest.mark.usefixtures("fast_restore")
async def test_restore_self_clean_profile(
    client: ExcelSenseClient,
    camera: EmulatedCamera,
    expect_error: ExpectError,
    failures: int | None,
    succeeds: bool,
) -> None:
    """Restoring is retried up to three times."""
    camera.state.alarm_out.values.update(alarmMode="1", alarmTime="1700")
    if failures != 0:
        camera.inject(Fault("error", params=ALARM_SET, code=-9, count=failures))
    if succeeds:
        await client.restore_self_clean_profile()
    else:
        err = await expect_error(
            ExcelSenseResponseError, client.restore_self_clean_profile()
        )
        assert err.code == -9
    assert camera.is_self_clean_profile() == succeeds
    assert len(alarm_sets(camera)) == ((failures or 0) + 1 if succeeds else 3)
    sent = dict(alarm_sets(camera)[-1].params)
    assert {k: sent[k] for k in ("alarmOutName", "alarmMode", "alarmOutFrequency")} == {
        "alarmOutName": "selfCleanTrigger",
        "alarmMode": "2",
        "alarmOutFrequency": "5",
    }


async def test_the_output_keeps_the_name_the_camera_gave_it(
    client: ExcelSenseClient, camera: EmulatedCamera
) -> None:
    """Profile sets write back the output's own name, not one of ours.

    The document's get example reads "alarmOutName=runFinish", its set
    example writes "alarmOutName=selfCleanTrigger", the vendor's reset tool
    "cleanTrigger": the name is the camera's (its web interface shows it).
    """
    camera.state.alarm_out.values["alarmOutName"] = "runFinish"
    await client.run_alarm_operation(AlarmOperation.LED_NORMALLY_DISABLED_TOGGLE)
    assert len(alarm_sets(camera)) == 2
    assert {r.get("alarmOutName") for r in alarm_sets(camera)} == {"runFinish"}
    assert camera.state.alarm_out.values["alarmOutName"] == "runFinish"


async def test_one_lock_per_camera_across_clients(
    make_client: Callable[..., ExcelSenseClient], camera: EmulatedCamera
) -> None:
    """Two client objects of one camera (a reload) never run operations at once."""
    first, second = make_client(), make_client()
    one = asyncio.create_task(
        first.run_alarm_operation(AlarmOperation.LED_NORMALLY_DISABLED_TOGGLE)
    )
    await asyncio.sleep(0.1)
    assert second.alarm_operation_running
    two = asyncio.create_task(second.run_alarm_operation(AlarmOperation.SELF_CLEAN))
    assert not await second.wait_for_operations(0.2)
    await asyncio.gather(one, two)
    assert await second.wait_for_operations(0.1)
    earlier, later = camera.pulses
    assert earlier.end is not None
    assert earlier.end <= later.start
    assert earlier.completed
    assert later.completed


async def test_closed_session_is_a_client_error(
    make_client: Callable[..., ExcelSenseClient],
    camera: EmulatedCamera,
    expect_error: ExpectError,
) -> None:
    """The session closing mid-pulse fails a step in our terms, never RuntimeError."""
    session = aiohttp.ClientSession()
    client = make_client(session=session)
    task = asyncio.create_task(
        client.run_alarm_operation(AlarmOperation.LED_SHUTOFF_TOGGLE)
    )
    await pulse_started(camera)
    await session.close()
    err = await expect_error(ExcelSenseAlarmOperationError, task)
    assert err.step in ("pulse_end", "restore")
    assert not err.restored
    assert isinstance(err.__cause__, ExcelSenseConnectionError)
    assert not err.__cause__.request_sent


@pytest.mark.usefixtures("fast_restore")
async def test_profile_applied_late_is_corrected(
    make_client: Callable[..., ExcelSenseClient],
    camera: EmulatedCamera,
    expect_error: ExpectError,
) -> None:
    """A profile set the camera applies after we gave up is undone by the late check."""
    # Landing 1.75 timeouts after it was sent: after the restore sent at the
    # timeout, before the late check 2.5 timeouts after sending, with room on
    # both sides for a loaded machine.
    client = make_client(request_timeout=LATE_SET_TIMEOUT)
    camera.inject(
        Fault(
            "latency",
            params={**ALARM_SET, "alarmTime": "900"},
            delay=LATE_SET,
            count=1,
        )
    )
    err = await expect_error(
        ExcelSenseAlarmOperationError,
        client.run_alarm_operation(AlarmOperation.LED_NORMALLY_DISABLED_TOGGLE),
    )
    assert (err.step, err.restored) == ("set_profile", True)
    # The late set landed after the restore; the check after it put it right.
    assert camera.is_self_clean_profile()
    sets = [r.get("alarmTime") for r in alarm_sets(camera)]
    assert sets[-1] == "300"
    assert sets.count("300") >= 2


@pytest.mark.usefixtures("fast_restore")
async def test_late_check_that_cannot_read_leaves_the_output_in_doubt(
    make_client: Callable[..., ExcelSenseClient],
    camera: EmulatedCamera,
    expect_error: ExpectError,
) -> None:
    """A late check that cannot read the output leaves it in doubt (repair)."""
    client = make_client(request_timeout=LATE_SET_TIMEOUT)
    camera.inject(
        Fault("latency", params={**ALARM_SET, "alarmTime": "900"}, delay=LATE_SET)
    )
    # The first read (the profile) and the restore's read-back answer; the
    # late check's read does not.
    camera.inject(Fault("error", params=ALARM_GET, code=-9, skip=2))
    err = await expect_error(
        ExcelSenseAlarmOperationError,
        client.run_alarm_operation(AlarmOperation.LED_NORMALLY_DISABLED_TOGGLE),
    )
    assert (err.step, err.restored) == ("set_profile", False)
    assert camera.alarm_out_profile().time_ms == 900


@pytest.mark.parametrize("pulse_model", PULSE_MODELS)
@pytest.mark.usefixtures("fast_restore")
async def test_next_operation_ends_an_unended_pulse_first(
    client: ExcelSenseClient,
    camera: EmulatedCamera,
    expect_error: ExpectError,
    pulse_model: PulseModel,
) -> None:
    """An operation after one whose end never went through ends the output first."""
    fault = camera.inject(Fault("error", params=PULSE_END, code=-23))
    await expect_error(
        ExcelSenseAlarmOperationError,
        client.run_alarm_operation(AlarmOperation.SELF_CLEAN),
    )
    assert client.output_may_be_on
    assert (camera.pulses[0].end is None) == (pulse_model == "held")
    camera.faults.remove(fault)
    camera.clear_requests()
    await client.run_alarm_operation(AlarmOperation.SELF_CLEAN)
    assert camera.requests[0].get("controlFlag") == "0"
    assert not client.output_may_be_on
    first, second = camera.pulses
    assert first.end is not None
    assert first.end <= second.start
    assert_ran_whole(first, AlarmOperation.SELF_CLEAN)
    assert_ran_whole(second, AlarmOperation.SELF_CLEAN)


async def start_cameras(
    stack: AsyncExitStack, count: int, pulse_model: PulseModel
) -> list[EmulatedCamera]:
    """``count`` more emulated ToughEyes, for cases that run side by side."""
    return [
        await stack.enter_async_context(
            EmulatedCamera(
                username=USERNAME, password=PASSWORD, quirks=Quirks(pulse=pulse_model)
            )
        )
        for _ in range(count)
    ]


@pytest.mark.parametrize("pulse_model", PULSE_MODELS)
@pytest.mark.usefixtures("fast_restore")
async def test_unended_pulse_is_ended_by_the_next_read(
    client: ExcelSenseClient,
    camera: EmulatedCamera,
    expect_error: ExpectError,
    pulse_model: PulseModel,
) -> None:
    """While a pulse could not be ended, the guard read tries again first."""
    fault = camera.inject(Fault("http_status", params=PULSE_END, status=500))
    await expect_error(
        ExcelSenseAlarmOperationError,
        client.run_alarm_operation(AlarmOperation.SELF_CLEAN),
    )
    assert client.output_may_be_on
    with pytest.raises(ExcelSenseResponseError):
        await client.alarm_out_settled()
    assert client.output_may_be_on
    assert (camera.pulses[0].end is None) == (pulse_model == "held")
    camera.faults.remove(fault)
    ends_before = sum(1 for r in camera.requests if r.get("controlFlag") == "0")
    assert (await client.alarm_out_settled()).profile == SELF_CLEAN_PROFILE
    assert not client.output_may_be_on
    assert sum(1 for r in camera.requests if r.get("controlFlag") == "0") > ends_before
    assert_ran_whole(camera.pulses[0], AlarmOperation.SELF_CLEAN)
    # The next operation starts clean and succeeds.
    await client.run_alarm_operation(AlarmOperation.SELF_CLEAN)
    assert_ran_whole(camera.pulses[-1], AlarmOperation.SELF_CLEAN)


# Error codes the camera may answer an end with: -23 "Invalid CGI parameters"
# and -1, which the document's table does not list.
REFUSED_END_CODES = (-23, -1)


@pytest.mark.parametrize("pulse_model", PULSE_MODELS)
@pytest.mark.usefixtures("fast_restore")
async def test_refused_end_is_not_a_confirmed_end(
    make_client: Callable[..., ExcelSenseClient],
    seen_errors: list[BaseException],
    pulse_model: PulseModel,
) -> None:
    """An end answered with an error code is retried, and never taken as done.

    Under the held reading ("controlFlag ... 0: end") a refused end leaves the
    output on; the reply cannot tell that camera from one whose pulse ended by
    itself. Refused once: the retry ends it and the press succeeds. Refused
    every time: the operation fails, not restored, the output may be on, until
    an end goes through (the next guard read).
    """
    operation = AlarmOperation.LED_NORMALLY_DISABLED_TOGGLE
    cases = [(code, count) for code in REFUSED_END_CODES for count in (1, None)]
    async with AsyncExitStack() as stack:
        cameras = await start_cameras(stack, len(cases), pulse_model)
        clients = [make_client(port=cam.port) for cam in cameras]
        for cam, (code, count) in zip(cameras, cases, strict=True):
            cam.inject(Fault("error", params=PULSE_END, code=code, count=count))
        outcomes = await asyncio.gather(
            *(client.run_alarm_operation(operation) for client in clients),
            return_exceptions=True,
        )
        for cam, client, (_, count), outcome in zip(
            cameras, clients, cases, outcomes, strict=True
        ):
            (pulse,) = cam.pulses
            assert cam.is_self_clean_profile()
            if count == 1:
                assert isinstance(outcome, AlarmOperationResult)
                assert not client.output_may_be_on
                assert_ran_whole(pulse, operation)
                continue
            assert isinstance(outcome, ExcelSenseAlarmOperationError)
            seen_errors.append(outcome)
            assert (outcome.step, outcome.restored) == ("pulse_end", False)
            assert client.output_may_be_on
            assert (pulse.end is None) == (pulse_model == "held")
            # Once the camera takes an end again, the guard read clears it.
            cam.clear_faults()
            await client.alarm_out_settled()
            assert not client.output_may_be_on
            assert pulse.end is not None
            assert not pulse.cut_short
            # Held, the profile was restored while the output was still on
            # (so the camera's own self-clean works again): that pulse is
            # spoilt either way, having been on for far longer than its length.
            assert pulse.profile_changed == (pulse_model == "held")


# How late a busy camera carries out a start, in request timeouts: with the
# default 10 s, 5 s (answered late, in time), 10.5 and 11.5 s (an end at the
# timeout + alarmTime + margin would cut the pulse short), 15 s (such an end
# would come before it: held, it would stay on) and 20 s (the latest seen; the
# client allows for 25 s after sending, the emulator counts from receipt).
LATE_STARTS = {"5s": 0.5, "10.5s": 1.05, "11.5s": 1.15, "15s": 1.5, "20s": 2.0}
# Their own timeout: long enough that a loaded machine's delays stay well
# inside the half timeout on either side (answered in time at 5 s, within the
# client's wait at 20 s).
LATE_TIMEOUT = 1.0


@pytest.mark.parametrize("pulse_model", PULSE_MODELS)
@pytest.mark.usefixtures("fast_restore")
async def test_late_starts_run_whole_and_end(
    make_client: Callable[..., ExcelSenseClient],
    seen_errors: list[BaseException],
    pulse_model: PulseModel,
) -> None:
    """A start carried out 5-20 s late (10 s timeout) runs whole and is ended.

    The emulator carries out the start at the late moment, its reply lost to
    the client that gave up. No end comes before alarmTime has passed since
    the latest moment the start can land; the profile is restored after it.
    """
    operation = AlarmOperation.LED_SHUTOFF_TOGGLE
    async with AsyncExitStack() as stack:
        cameras = await start_cameras(stack, len(LATE_STARTS), pulse_model)
        clients = [
            make_client(port=cam.port, request_timeout=LATE_TIMEOUT) for cam in cameras
        ]
        for cam, late in zip(cameras, LATE_STARTS.values(), strict=True):
            delay = late * LATE_TIMEOUT
            cam.inject(Fault("latency", params=PULSE_START, delay=delay, count=1))
        outcomes = await asyncio.gather(
            *(client.run_alarm_operation(operation) for client in clients),
            return_exceptions=True,
        )
    for cam, client, late, outcome in zip(
        cameras, clients, LATE_STARTS.values(), outcomes, strict=True
    ):
        (pulse,) = cam.pulses
        assert_ran_whole(pulse, operation)
        assert cam.is_self_clean_profile()
        assert not client.output_may_be_on
        if late < 1:
            assert isinstance(outcome, AlarmOperationResult)
            continue
        # Success needs a confirmed start.
        assert isinstance(outcome, ExcelSenseAlarmOperationError)
        seen_errors.append(outcome)
        assert (outcome.step, outcome.restored) == ("pulse_start", True)


async def test_shutdown_finishes_the_running_operation_and_refuses_new_ones(
    make_client: Callable[..., ExcelSenseClient],
    camera: EmulatedCamera,
    expect_error: ExpectError,
) -> None:
    """After shutdown nothing switches the output; the running pulse runs whole.

    An operation already queued behind it is refused too (Home Assistant
    stopping just before a press takes the lock); ending, restoring and
    reading still work, and a new client of the camera (a reload) is open.
    """
    client = make_client()
    running = asyncio.create_task(
        client.run_alarm_operation(AlarmOperation.LED_SHUTOFF_TOGGLE)
    )
    await asyncio.sleep(0.1)
    queued = asyncio.create_task(client.run_alarm_operation(AlarmOperation.SELF_CLEAN))
    await asyncio.sleep(0.05)
    assert not await client.shutdown(0.1), "bounded by the caller's timeout"
    assert client.is_shut_down
    assert not running.done()
    assert await client.shutdown(5)
    assert (await running).operation == AlarmOperation.LED_SHUTOFF_TOGGLE
    await expect_error(ExcelSenseShutdownError, queued)
    await expect_error(
        ExcelSenseShutdownError, client.run_alarm_operation(AlarmOperation.SELF_CLEAN)
    )
    await expect_error(
        ExcelSenseShutdownError, client.set_alarm_out(SELF_CLEAN_PROFILE)
    )
    await expect_error(ExcelSenseShutdownError, client.manual_alarm(start=True))
    (pulse,) = camera.pulses
    assert_ran_whole(pulse, AlarmOperation.LED_SHUTOFF_TOGGLE)
    assert camera.is_self_clean_profile()
    await client.manual_alarm(start=False)
    await client.restore_self_clean_profile()
    assert (await client.alarm_out_settled()).profile == SELF_CLEAN_PROFILE
    assert len(camera.pulses) == 1
    await make_client().run_alarm_operation(AlarmOperation.SELF_CLEAN)
    assert_ran_whole(camera.pulses[-1], AlarmOperation.SELF_CLEAN)


async def test_mode_one_counts_as_self_clean(
    client: ExcelSenseClient, camera: EmulatedCamera
) -> None:
    """A camera at alarmMode=1 (the document's bullet) needs no profile change.

    "For all operations: alarmValidSignal=1, alarmMode=1, alarmOutFrequency=5";
    the example and the vendor's reset tool use 2. Either is right.
    """
    camera.state.alarm_out.values["alarmMode"] = "1"
    result = await client.run_alarm_operation(AlarmOperation.SELF_CLEAN)
    assert not result.profile_changed
    assert alarm_sets(camera) == []
    assert camera.pulses[-1].effect == "self_clean"
