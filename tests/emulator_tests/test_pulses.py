"""The alarm-output pulse model: self-clean, LED toggles, dirt.

The document allows two readings of how a manual pulse ends, and the emulator
offers both (``Quirks.pulse``): "timed" by alarmTime ("alarmTime int Alarm
duration in milliseconds") or "held" until "controlFlag ... 0: end". Tests
whose outcome must not depend on the reading run under both.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import aiohttp
import pytest

from tests.emulator import (
    SELF_CLEAN_PROFILE,
    AlarmOutProfile,
    EmulatedCamera,
    Fault,
    ManualClock,
    Quirks,
    kv,
)
from tests.waiting import eventually

from .conftest import Api

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from tests.emulator.device import PulseModel

BOTH_READINGS = pytest.mark.parametrize("pulse_model", ["timed", "held"])


@pytest.fixture
def pulse_model() -> PulseModel:
    """How the camera ends a manual pulse (parametrized where it matters)."""
    return "timed"


@pytest.fixture
async def cam(
    socket_enabled: None, clock: ManualClock, pulse_model: PulseModel
) -> AsyncIterator[EmulatedCamera]:
    """A started ToughEye on the fake clock, in the test's reading of the output."""
    async with EmulatedCamera(clock=clock, quirks=Quirks(pulse=pulse_model)) as camera:
        yield camera


async def control(api: Api, flag: str) -> None:
    """alarm.cgi manualControl that must answer OK."""
    text = await api.text(
        "alarm.cgi", {"action": "manualControl", "alarmOutID": "1", "controlFlag": flag}
    )
    assert text.strip() == "OK"


async def pulse(api: Api, clock: ManualClock, hold: float) -> None:
    """Start the output, hold it ``hold`` seconds of fake clock, stop it."""
    await control(api, "1")
    clock.advance(hold)
    await control(api, "0")


async def set_alarm_time(api: Api, alarm_time: int) -> None:
    """Switch the alarm output to another operation's profile."""
    await api.set(
        "alarmOut",
        alarmOutID="1",
        alarmValidSignal="1",
        alarmMode="2",
        alarmOutFrequency="5",
        alarmTime=str(alarm_time),
    )


async def test_default_profile(api: Api, cam: EmulatedCamera) -> None:
    """The factory alarmOut is the self-clean profile of the spec's example."""
    assert cam.is_self_clean_profile()
    assert cam.alarm_out_profile() == SELF_CLEAN_PROFILE
    node = await api.get("alarmOut", alarmOutID="1")
    assert node.first() == {
        "alarmOutID": "1",
        "alarmOutName": "selfCleanTrigger",
        "alarmValidSignal": "1",
        "alarmMode": "2",
        "alarmOutFrequency": "5.000000",
        "alarmTime": "300",
    }
    assert await api.code("param.cgi", {"action": "get", "type": "alarmOut"}) == -23


@BOTH_READINGS
async def test_completed_self_clean(
    api: Api, cam: EmulatedCamera, clock: ManualClock
) -> None:
    """A pulse held for alarmTime cleans: cleaning for cleaning_duration, dirt reset."""
    cam.dirt = 0.7
    await control(api, "1")
    assert len(cam.pulses) == 1
    assert cam.pulses[0].end is None
    assert not cam.pulses[0].completed
    clock.advance(0.3)
    await control(api, "0")
    done = cam.pulses[0]
    assert done.start == 1000.0
    assert done.end == pytest.approx(1000.3)
    assert done.completed
    assert done.effect == "self_clean"
    assert done.profile == SELF_CLEAN_PROFILE
    assert cam.cleaning
    assert cam.dirt == 0.0
    clock.advance(5.9)
    assert cam.cleaning
    clock.advance(0.2)
    assert not cam.cleaning


@BOTH_READINGS
async def test_cut_short(api: Api, cam: EmulatedCamera, clock: ManualClock) -> None:
    """Ending the pulse before alarmTime has no effect."""
    cam.dirt = 0.5
    await pulse(api, clock, 0.29)
    assert not cam.pulses[0].completed
    assert cam.pulses[0].effect is None
    assert not cam.cleaning
    assert cam.dirt == 0.5


@BOTH_READINGS
async def test_profile_changed_mid_pulse(
    api: Api, cam: EmulatedCamera, clock: ManualClock
) -> None:
    """Any alarmOut set during the pulse spoils it, even with identical values."""
    await control(api, "1")
    await set_alarm_time(api, 300)
    clock.advance(1.0)
    await control(api, "0")
    assert not cam.pulses[0].completed
    assert cam.pulses[0].effect is None
    assert not cam.cleaning


async def test_failed_set_does_not_spoil(
    api: Api, cam: EmulatedCamera, clock: ManualClock
) -> None:
    """A rejected alarmOut set changes nothing, so the pulse still completes."""
    await control(api, "1")
    assert await api.set_code("alarmOut", alarmMode="9") == -23
    clock.advance(0.3)
    await control(api, "0")
    assert cam.pulses[0].completed


@BOTH_READINGS
@pytest.mark.parametrize(
    ("alarm_time", "attribute"),
    [(900, "led_normally_disabled"), (1700, "led_shutoff")],
)
async def test_led_toggles(
    api: Api, cam: EmulatedCamera, clock: ManualClock, alarm_time: int, attribute: str
) -> None:
    """900 ms and 1700 ms pulses toggle the LED modes; the profile is then restored."""
    await set_alarm_time(api, alarm_time)
    assert not cam.is_self_clean_profile()
    await pulse(api, clock, alarm_time / 1000)
    assert getattr(cam, attribute)
    assert cam.pulses[-1].effect == f"{attribute}_toggle"
    assert cam.pulses[-1].profile.time_ms == alarm_time
    assert not cam.cleaning
    await pulse(api, clock, 5.0)
    assert not getattr(cam, attribute)
    await set_alarm_time(api, 300)
    assert cam.is_self_clean_profile()


@pytest.mark.parametrize(
    "settings",
    [
        {"alarmTime": "500"},
        {"alarmValidSignal": "0"},
        {"alarmOutFrequency": "4.5"},
    ],
)
async def test_other_profiles_have_no_effect(
    api: Api, cam: EmulatedCamera, clock: ManualClock, settings: dict[str, str]
) -> None:
    """Completed pulses of any other profile do nothing."""
    await api.set("alarmOut", **settings)
    await pulse(api, clock, 2.0)
    assert cam.pulses[0].completed
    assert cam.pulses[0].effect is None
    assert cam.pulses[0].profile != SELF_CLEAN_PROFILE
    assert not cam.cleaning
    assert not cam.led_normally_disabled
    assert not cam.led_shutoff


async def test_pulse_ends_by_itself(
    api: Api, cam: EmulatedCamera, clock: ManualClock
) -> None:
    """The device ends the pulse: "alarmTime int Alarm duration in milliseconds".

    The vendor's cycle.py and trigger1700.py send only controlFlag=1.
    """
    cam.dirt = 0.5
    await control(api, "1")
    clock.advance(0.299)
    assert cam.pulses[0].end is None
    clock.advance(0.002)
    (done,) = cam.pulses
    assert done.end == pytest.approx(1000.3)
    assert done.completed
    assert done.effect == "self_clean"
    assert cam.cleaning
    assert cam.dirt == 0.0
    # An end after the pulse is harmless.
    await control(api, "0")
    assert cam.pulses == [done]
    assert done.completed


@BOTH_READINGS
async def test_held_pulse_waits_for_its_end(
    api: Api, cam: EmulatedCamera, clock: ManualClock
) -> None:
    """Held: the output stays on until "controlFlag ... 0: end", however long.

    Held at least alarmTime it counts as whole: the document does not say
    what the controller makes of a longer pulse.
    """
    cam.quirks.pulse = "held"
    await control(api, "1")
    clock.advance(5.0)
    (running,) = cam.pulses
    assert running.end is None
    assert running.length is None
    assert not cam.cleaning
    await control(api, "0")
    assert running.end == pytest.approx(1005.0)
    assert running.length == pytest.approx(5.0)
    assert running.completed
    assert not running.cut_short
    assert running.effect == "self_clean"
    assert cam.cleaning


async def test_held_end_before_alarm_time_cuts_short(
    api: Api, cam: EmulatedCamera, clock: ManualClock
) -> None:
    """Held and ended before alarmTime: cut short, no effect."""
    cam.quirks.pulse = "held"
    await pulse(api, clock, 0.29)
    (done,) = cam.pulses
    assert done.cut_short
    assert not done.completed
    assert done.effect is None


async def test_linked_pulse_is_timed_when_held(
    api: Api, cam: EmulatedCamera, clock: ManualClock
) -> None:
    """A motion-linked pulse has no end to wait for: timed under either reading."""
    cam.quirks.pulse = "held"
    cam.state.motion_alarm.values["motionDetectionEnableFlag"] = "1"
    cam.state.motion_alarm.loops["AlarmLinkage"] = [
        {"ActionType": "1", "ActionID": "1"}
    ]
    assert cam.trigger_motion(duration=1.0)
    clock.advance(0.3)
    (done,) = cam.pulses
    assert not done.held
    assert done.completed
    assert done.effect == "self_clean"


async def test_start_carried_out_after_the_client_gave_up(
    session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    """A latency fault lands the start late, when the client has gone.

    The reply is lost (the client timed out and closed the connection); the
    pulse starts at the late moment, not when the request arrived.
    """
    async with EmulatedCamera() as late_cam:
        late_cam.inject(Fault("latency", path="alarm.cgi", delay=0.3, count=1))
        params = {
            "userName": "admin",
            "password": "admin",
            "action": "manualControl",
            "alarmOutID": "1",
            "controlFlag": "1",
        }
        sent = time.monotonic()
        with pytest.raises(TimeoutError):
            async with session.post(
                f"{late_cam.url}/cgi-bin/alarm.cgi",
                params=params,
                timeout=aiohttp.ClientTimeout(total=0.1),
            ) as response:
                await response.read()
        assert late_cam.pulses == []
        await eventually(lambda: bool(late_cam.pulses))
        (started,) = late_cam.pulses
        assert started.start >= sent + 0.3


async def test_start_while_running_disturbs(
    api: Api, cam: EmulatedCamera, clock: ManualClock
) -> None:
    """A second start while a pulse runs is recorded as a disturbed pulse."""
    await control(api, "0")
    assert cam.pulses == []
    await control(api, "1")
    clock.advance(0.2)
    await control(api, "1")
    clock.advance(1.0)
    first, second = cam.pulses
    assert first.disturbed
    assert second.disturbed
    assert not first.completed
    assert not second.completed
    assert first.effect is None
    assert second.effect is None
    assert not cam.cleaning


@BOTH_READINGS
async def test_switching_mode_also_triggers(
    api: Api, cam: EmulatedCamera, clock: ManualClock
) -> None:
    """Mode 1: "For all operations: alarmValidSignal=1, alarmMode=1, ...".

    The document's example (and the vendor's reset tool) use alarmMode=2; a
    pulse of the right length works in either mode.
    """
    await api.set("alarmOut", alarmMode="1")
    await pulse(api, clock, 0.3)
    assert cam.pulses[0].completed
    assert cam.pulses[0].effect == "self_clean"


@pytest.mark.parametrize(
    "params",
    [
        {"alarmOutID": "2", "controlFlag": "1"},
        {"alarmOutID": "1", "controlFlag": "2"},
        {"alarmOutID": "1"},
        {"controlFlag": "1"},
    ],
)
async def test_manual_control_validation(
    api: Api, cam: EmulatedCamera, params: dict[str, str]
) -> None:
    """AlarmOutID must be 1 and controlFlag 0/1."""
    assert await api.code("alarm.cgi", {"action": "manualControl", **params}) == -23
    assert cam.pulses == []


async def test_stuck_wiper_keeps_dirt(
    api: Api, cam: EmulatedCamera, clock: ManualClock
) -> None:
    """With stuck set the cleaning runs but the dirt stays."""
    cam.dirt = 0.4
    cam.stuck = True
    await pulse(api, clock, 0.3)
    assert cam.cleaning
    assert cam.dirt == pytest.approx(0.4)


async def test_toughcam_has_no_effect(
    session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    """The ToughCam records pulses but has no wiper or LED controller."""
    clock = ManualClock()
    async with EmulatedCamera(model="ToughCam-1000", clock=clock) as cam:
        api = Api(session, cam)
        for alarm_time in (300, 900, 1700):
            await set_alarm_time(api, alarm_time)
            await pulse(api, clock, 2.0)
        assert [entry.completed for entry in cam.pulses] == [True, True, True]
        assert [entry.effect for entry in cam.pulses] == [None, None, None]
        assert not cam.cleaning
        assert not cam.led_normally_disabled
        assert not cam.led_shutoff


def test_dirt_grows_with_clock() -> None:
    """dirt_rate per hour of clock, capped at 1."""
    clock = ManualClock()
    cam = EmulatedCamera(clock=clock, dirt_rate=0.25)
    assert cam.dirt == 0.0
    clock.advance(3600)
    assert cam.dirt == pytest.approx(0.25)
    cam.dirt = 0.9
    clock.advance(3600)
    assert cam.dirt == 1.0


async def test_cleaning_duration_kwarg(
    session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    """cleaning_duration is a constructor argument."""
    clock = ManualClock()
    async with EmulatedCamera(clock=clock, cleaning_duration=1.0) as cam:
        await pulse(Api(session, cam), clock, 0.3)
        clock.advance(0.99)
        assert cam.cleaning
        clock.advance(0.02)
        assert not cam.cleaning


async def test_motion_linked_self_clean(
    api: Api, cam: EmulatedCamera, clock: ManualClock
) -> None:
    """Motion raises an alarm only with detection on; ActionType 1 pulses the output.

    "ActionType ... `1`: Alarm Trigger (Self-Clean)". The alarm-log entry uses
    the document's example codes (sourceType 1, majorType 1, minorType 1) and
    gets its end time when the motion ends.
    """
    assert not cam.trigger_motion()
    assert cam.alarm_logs == []
    linkage = kv.loop_pairs(
        kv.Loop("AlarmLinkage", [[("ActionType", "1"), ("ActionID", "1")]])
    )
    pairs = [
        ("action", "set"),
        ("type", "motionAlarm"),
        ("cameraID", "1"),
        ("motionDetectionEnableFlag", "1"),
        *linkage,
    ]
    assert (await api.text("param.cgi", pairs)).strip() == "OK"
    assert cam.trigger_motion(duration=5.0)
    assert cam.motion_active
    motion, pulse_entry = cam.alarm_logs
    assert (
        motion.fields["sourceType"],
        motion.fields["majorType"],
        motion.fields["minorType"],
    ) == ("1", "1", "1")
    assert motion.fields["alarmEndTime"] == ""
    clock.advance(0.3)
    assert cam.cleaning
    assert pulse_entry.fields["description"] == "self_clean"
    assert cam.trigger_motion(duration=10.0)  # extends the running alarm
    assert len(cam.alarm_logs) == 2
    clock.advance(9.0)
    assert cam.motion_active
    clock.advance(1.0)
    assert not cam.motion_active
    assert motion.fields["alarmEndTime"]
    cam.trigger_motion(duration=None)
    clock.advance(60)
    assert cam.motion_active
    cam.end_motion()
    assert not cam.motion_active
    last_motion = [e for e in cam.alarm_logs if e.fields["description"] == "motion"]
    assert len(last_motion) == 2
    assert last_motion[-1].fields["alarmEndTime"]


def test_profile_trigger_rule() -> None:
    """The controller listens to closed, 5 Hz pulses (either documented mode)."""
    assert SELF_CLEAN_PROFILE.is_trigger()
    assert AlarmOutProfile(1, 2, 5.0, 900).is_trigger()
    assert AlarmOutProfile(1, 1, 5.0, 300).is_trigger()
    assert not AlarmOutProfile(0, 2, 5.0, 300).is_trigger()
    assert not AlarmOutProfile(1, 2, 4.0, 300).is_trigger()
