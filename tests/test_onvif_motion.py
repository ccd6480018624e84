"""Motion pushed over ONVIF events, in Home Assistant, against the emulator.

The pulls run in real time (a held PullMessages is answered the moment
something happens), so these tests wait for a state with ``until`` instead
of moving simulated time. Back-off delays are shortened where a test waits
for a retry.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    ATTR_ENTITY_ID,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
)
import pytest

from custom_components.excelsense import push
from custom_components.excelsense.api.onvif import OnvifClient
from custom_components.excelsense.const import CONF_MOTION_SOURCE
from tests.emulator import EmulatedCamera, Fault, OnvifQuirks

from .onvif_attack import (
    ALARM,
    LAST_MOTION,
    MOTION,
    SOURCE,
    alarms,
    entry_for,
    log_checks,
    ops,
    reason,
    record_waits,
    set_up,
    state,
    until,
)

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry
    from pytest_homeassistant_custom_component.typing import ClientSessionGenerator


@pytest.fixture
def motion_detection() -> bool:
    """The camera detects motion."""
    return True


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries after a second instead of minutes (the waits are real time)."""
    monkeypatch.setattr(push, "RETRY_DELAYS", (0.05, 0.1, 0.2))
    monkeypatch.setattr(push, "UNSUPPORTED_DELAYS", (0.3,))
    monkeypatch.setattr(push, "REFUSED_DELAY", 0.3)


async def test_motion_is_pushed_and_the_alarm_log_is_not_polled(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """A held pull answered the moment motion starts; no alarm-log checks."""
    fired = alarms(hass)
    await until(hass, lambda: camera.onvif_subscriptions == 1)
    assert state(hass, SOURCE) == "onvif"
    assert hass.states.get(SOURCE).attributes["reason"] == "receiving"
    assert state(hass, MOTION) == STATE_OFF
    checks = log_checks(camera)
    camera.trigger_motion(duration=None)
    await until(hass, lambda: state(hass, MOTION) == STATE_ON)
    camera.end_motion()
    await until(hass, lambda: state(hass, MOTION) == STATE_OFF)
    assert [event["event_type"] for event in fired] == ["motion"]
    assert fired[0]["via"] == "onvif"
    assert fired[0]["topic"].startswith("tns1:")
    assert log_checks(camera) == checks
    # Held pulls, not a request storm: a few ONVIF requests for all this.
    assert len(ops(camera, "PullMessages")) <= 6


@pytest.mark.parametrize("onvif_quirks", [OnvifQuirks(http_digest=True)])
async def test_a_camera_asking_for_http_digest(
    hass: HomeAssistant, camera: EmulatedCamera
) -> None:
    """ONVIF Core: services "shall be protected using digest authentication"."""
    await set_up(hass, entry_for(camera))
    await until(hass, lambda: camera.onvif_subscriptions == 1)
    assert hass.states.get(SOURCE).attributes["reason"] == "receiving"
    camera.trigger_motion(duration=None)
    await until(hass, lambda: state(hass, MOTION) == STATE_ON)


async def test_other_topics_fire_other_alarms(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """A topic that is not motion is an 'other' alarm with its topic and values."""
    fired = alarms(hass)
    await until(hass, lambda: camera.onvif_subscriptions == 1)
    camera.set_image_too_blurry(True)
    await until(hass, lambda: len(fired) == 1)
    assert fired[0]["event_type"] == "other"
    assert fired[0]["topic"] == "tns1:VideoSource/ImageTooBlurry/ImagingService"
    assert fired[0]["data"]
    assert state(hass, MOTION) == STATE_OFF


async def test_picture_of_the_moment_once_per_motion_start(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    """One still when motion starts, none while it stays on, its time the start."""
    await until(hass, lambda: camera.onvif_subscriptions == 1)
    assert state(hass, LAST_MOTION) == "unknown"
    stills = sum(1 for r in camera.requests if r.path == "image.cgi")
    camera.trigger_motion(duration=None)
    await until(hass, lambda: state(hass, LAST_MOTION) not in ("unknown", None))
    first = state(hass, LAST_MOTION)
    assert sum(1 for r in camera.requests if r.path == "image.cgi") == stills + 1
    camera.trigger_motion(duration=None)  # more motion while it is on
    await asyncio.sleep(0.3)
    assert sum(1 for r in camera.requests if r.path == "image.cgi") == stills + 1
    client = await hass_client()
    picture = hass.states.get(LAST_MOTION)
    reply = await client.get(picture.attributes["entity_picture"])
    assert reply.status == 200
    assert (await reply.read()).startswith(b"\xff\xd8")
    camera.end_motion()
    await until(hass, lambda: state(hass, MOTION) == STATE_OFF)
    camera.trigger_motion(duration=None)
    await until(hass, lambda: state(hass, LAST_MOTION) != first)
    assert sum(1 for r in camera.requests if r.path == "image.cgi") == stills + 2


async def test_initialized_state_is_motion_now_but_no_start(
    hass: HomeAssistant, camera: EmulatedCamera, config_entry: MockConfigEntry
) -> None:
    """Motion already on when we subscribe: on at once, no alarm, no picture."""
    camera.trigger_motion(duration=None)
    fired = alarms(hass)
    await set_up(hass, config_entry)
    await until(hass, lambda: state(hass, MOTION) == STATE_ON)
    assert fired == []
    assert state(hass, LAST_MOTION) == "unknown"


async def test_lost_subscription_is_made_again_within_seconds(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A camera that forgets the pull point (as after a reboot): subscribe again.

    After one wait, not two: the pull that found it gone does not wait as well.
    """
    await until(hass, lambda: camera.onvif_subscriptions == 1)
    waits = record_waits(monkeypatch)
    created = len(ops(camera, "CreatePullPointSubscription"))
    camera.drop_onvif_subscriptions()
    await until(
        hass,
        lambda: (
            len(ops(camera, "CreatePullPointSubscription")) == created + 1
            and camera.onvif_subscriptions == 1
        ),
    )
    assert waits == [push.RETRY_DELAYS[0]]
    camera.trigger_motion(duration=None)
    await until(hass, lambda: state(hass, MOTION) == STATE_ON)
    assert state(hass, SOURCE) == "onvif"


@pytest.mark.parametrize("onvif_quirks", [OnvifQuirks(pull_immediately=True)])
async def test_immediate_replies_do_not_make_a_request_storm(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """Firmware that answers every pull at once: at least a second between pulls."""
    await until(hass, lambda: camera.onvif_subscriptions == 1)
    before = len(ops(camera, "PullMessages"))
    await asyncio.sleep(3.0)
    assert len(ops(camera, "PullMessages")) - before <= 4
    camera.trigger_motion(duration=None)
    await until(hass, lambda: state(hass, MOTION) == STATE_ON)


async def test_camera_clock_hours_off(
    hass: HomeAssistant, camera: EmulatedCamera, config_entry: MockConfigEntry
) -> None:
    """Tokens are stamped in the camera's clock (read without a login)."""
    camera.state.clock_offset = -5 * 3600
    await set_up(hass, config_entry)
    await until(hass, lambda: camera.onvif_subscriptions == 1)
    camera.trigger_motion(duration=None)
    await until(hass, lambda: state(hass, MOTION) == STATE_ON)


async def test_onvif_authentication_off_still_takes_our_token(
    hass: HomeAssistant, camera: EmulatedCamera, config_entry: MockConfigEntry
) -> None:
    """ProtocolSecurityFlag 0: no token needed, and sending one does not break."""
    camera.state.protocol_security.values["protocolSecurityFlag"] = "0"
    await set_up(hass, config_entry)
    camera.trigger_motion(duration=None)
    await until(hass, lambda: state(hass, MOTION) == STATE_ON)


@pytest.mark.parametrize(
    ("onvif_quirks", "reason"),
    [
        (OnvifQuirks(enabled=False), "no_onvif"),
        (OnvifQuirks(events=False), "no_event_service"),
        (OnvifQuirks(auth_refused=True), "onvif_login_refused"),
    ],
    ids=["no_onvif", "no_event_service", "onvif_login_refused"],
)
async def test_falls_back_to_the_alarm_log_and_says_why(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    config_entry: MockConfigEntry,
    reason: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No ONVIF, no event service, refused login: the alarm log, and why."""
    monkeypatch.setattr(push, "UNSUPPORTED_DELAYS", (3600.0,))
    monkeypatch.setattr(push, "REFUSED_DELAY", 3600.0)
    await set_up(hass, config_entry)
    assert state(hass, SOURCE) == "alarm_log"
    assert hass.states.get(SOURCE).attributes["reason"] == reason
    # The clock, the services, a subscription (refused: the only request that
    # carried a refused login) and the clock read again to tell a clock jump.
    sent = len(ops(camera))
    assert sent <= 4, ops(camera)
    camera.trigger_motion(duration=None)
    await config_entry.runtime_data.motion.async_refresh()
    await hass.async_block_till_done()
    assert state(hass, MOTION) == STATE_ON
    await asyncio.sleep(0.5)
    assert len(ops(camera)) == sent  # asked again only after its back-off


async def test_onvif_over_https_only_falls_back_and_says_so(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    config_entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ONVIF sent on to HTTPS while the entry uses HTTP: the alarm log, and why."""
    monkeypatch.setattr(push, "UNSUPPORTED_DELAYS", (3600.0,))
    camera.inject(
        Fault(
            "http_status",
            path="device_service",
            status=301,
            location="https://127.0.0.1{path}",
        )
    )
    await set_up(hass, config_entry)
    assert state(hass, SOURCE) == "alarm_log"
    assert hass.states.get(SOURCE).attributes["reason"] == "onvif_https_only"
    sent = len(ops(camera))
    await asyncio.sleep(0.5)
    assert len(ops(camera)) == sent  # asked again only after its back-off


async def test_onvif_comes_back_and_the_alarm_log_stops(
    hass: HomeAssistant, camera: EmulatedCamera, config_entry: MockConfigEntry
) -> None:
    """Without ONVIF at setup, retried with back-off; once it works, it is used."""
    camera.onvif_quirks.enabled = False
    await set_up(hass, config_entry)
    assert state(hass, SOURCE) == "alarm_log"
    camera.onvif_quirks.enabled = True
    await until(hass, lambda: state(hass, SOURCE) == "onvif")
    checks = log_checks(camera)
    camera.trigger_motion(duration=None)
    await until(hass, lambda: state(hass, MOTION) == STATE_ON)
    assert log_checks(camera) == checks


async def test_events_that_keep_failing_fall_back_then_recover(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """ONVIF lost for good (subscriptions refused): the alarm log meanwhile."""
    await until(hass, lambda: camera.onvif_subscriptions == 1)
    camera.onvif_quirks.max_pull_points = 0
    camera.drop_onvif_subscriptions()
    await until(hass, lambda: state(hass, SOURCE) == "alarm_log")
    assert hass.states.get(SOURCE).attributes["reason"] == "onvif_failing"
    camera.onvif_quirks.max_pull_points = 3
    await until(hass, lambda: state(hass, SOURCE) == "onvif", seconds=10)


async def test_chosen_alarm_log_sends_no_onvif_request(
    hass: HomeAssistant, camera: EmulatedCamera
) -> None:
    """The option 'alarm log': motion from the log, ONVIF never asked."""
    await set_up(hass, entry_for(camera, **{CONF_MOTION_SOURCE: "alarm_log"}))
    assert state(hass, SOURCE) == "alarm_log"
    assert hass.states.get(SOURCE).attributes["reason"] == "chosen"
    await asyncio.sleep(0.3)
    assert ops(camera) == []


@pytest.mark.parametrize("onvif_quirks", [OnvifQuirks(enabled=False)])
async def test_chosen_onvif_without_onvif_is_unavailable(
    hass: HomeAssistant, camera: EmulatedCamera
) -> None:
    """The option 'ONVIF events' on a camera without: motion unavailable, and why."""
    await set_up(hass, entry_for(camera, **{CONF_MOTION_SOURCE: "onvif"}))
    assert state(hass, MOTION) == STATE_UNAVAILABLE
    assert state(hass, SOURCE) == "onvif"
    assert hass.states.get(SOURCE).attributes["reason"] == "no_onvif"
    assert log_checks(camera) == 0


@pytest.mark.parametrize("onvif_quirks", [OnvifQuirks(enabled=False)])
async def test_chosen_onvif_logs_when_events_arrive_again(
    hass: HomeAssistant, camera: EmulatedCamera, caplog: pytest.LogCaptureFixture
) -> None:
    """Unavailable is logged once as an error; events back, once at info.

    (Home Assistant's rule "log-when-unavailable": log once when unavailable,
    once when it is back.)
    """
    caplog.set_level(logging.INFO, logger="custom_components.excelsense")
    await set_up(hass, entry_for(camera, **{CONF_MOTION_SOURCE: "onvif"}))
    assert state(hass, MOTION) == STATE_UNAVAILABLE
    camera.onvif_quirks.enabled = True
    await until(hass, lambda: state(hass, MOTION) == STATE_OFF)
    back = [r for r in caplog.records if "arrive again" in r.getMessage()]
    assert [r.levelno for r in back] == [logging.INFO]
    assert sum(r.levelno >= logging.ERROR for r in caplog.records) == 1


async def test_unload_and_stop_release_the_subscription(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """Unsubscribe at unload, and at Home Assistant stop, without waiting a pull out."""
    await until(hass, lambda: camera.onvif_subscriptions == 1)
    async with asyncio.timeout(2.5):
        assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert camera.onvif_subscriptions == 0
    assert ops(camera)[-1] == "Unsubscribe"
    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    await until(hass, lambda: camera.onvif_subscriptions == 1)
    async with asyncio.timeout(2.5):
        await hass.async_stop()
    assert camera.onvif_subscriptions == 0


async def test_disabled_motion_entities_hold_no_subscription(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """With every motion entity disabled, the subscription is released."""
    from homeassistant.helpers import entity_registry as er  # noqa: PLC0415

    registry = er.async_get(hass)
    for entity_id in (MOTION, ALARM, LAST_MOTION, SOURCE):
        registry.async_update_entity(
            entity_id, disabled_by=er.RegistryEntryDisabler.USER
        )
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    await until(hass, lambda: camera.onvif_subscriptions == 0)
    sent = len(ops(camera))
    await asyncio.sleep(0.3)
    assert len(ops(camera)) == sent


async def test_refused_camera_login_stops_onvif_too(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """After the camera refuses the password, no ONVIF request carries it."""
    await until(hass, lambda: camera.onvif_subscriptions == 1)
    camera.device.state.users["admin"].password = "changed"
    with pytest.raises(Exception):  # noqa: B017, PT011 - the translated refusal
        await hass.services.async_call(
            "switch",
            "turn_on",
            {ATTR_ENTITY_ID: "switch.tougheye_record_on_motion"},
            blocking=True,
        )
    sent = len(ops(camera))
    camera.trigger_motion(duration=None)  # answers the held pull
    await asyncio.sleep(0.5)
    # The held pull was answered; no new ONVIF request with the password.
    assert len(ops(camera)) == sent


async def test_changing_the_motion_source_applies_at_once(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """From automatic (ONVIF) to the alarm log in the options: reloaded, applied."""
    await until(hass, lambda: camera.onvif_subscriptions == 1)
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "snapshot_quality": 9,
            "live_view_stream": "1",
            "rtsp_transport": "tcp",
            CONF_MOTION_SOURCE: "alarm_log",
            "lens_sampling_interval": 15,
            "auto_clean_max_per_day": 4,
            "motion_check_interval": 5,
        },
    )
    await hass.async_block_till_done()
    await until(hass, lambda: state(hass, SOURCE) == "alarm_log")
    assert hass.states.get(SOURCE).attributes["reason"] == "chosen"
    assert camera.onvif_subscriptions == 0


async def test_an_unforeseen_onvif_error_never_stops_the_camera_loading(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An error nobody foresaw on the ONVIF path: logged, the path down, loaded.

    (A GB2312 reply once escaped Python's expat as a ValueError and failed the
    whole entry.) Motion goes on from the alarm log.
    """

    async def unforeseen(_self: OnvifClient) -> None:
        msg = "unforeseen"
        raise RuntimeError(msg)

    monkeypatch.setattr(OnvifClient, "clock", unforeseen)
    entry = await set_up(hass, entry_for(camera))
    assert entry.state is ConfigEntryState.LOADED
    assert reason(hass) == "onvif_failing"
    assert "ONVIF events of" in caplog.text
    checks = log_checks(camera)
    camera.trigger_motion(duration=None)
    await until(hass, lambda: state(hass, MOTION) == STATE_ON)
    assert log_checks(camera) > checks
