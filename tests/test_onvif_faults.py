"""ONVIF motion attacked from outside: faults, odd replies, a restless camera.

A real config entry against the emulator, as in ``test_onvif_motion``; the
pulls run in real time with shortened back-offs (``onvif_attack.shorten``).
Every test checks what a user sees: the motion sensor and the motion source
sensor (and its reason), the requests the camera received (no storm, the
back-off kept, subscriptions released), and a log without errors or
secrets. What does not hold yet is in ``test_onvif_faults_failing``.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

import aiohttp
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
import pytest
from yarl import URL

from custom_components.excelsense import push
from custom_components.excelsense.const import (
    CONF_MOTION_CHECK_INTERVAL,
    CONF_MOTION_SOURCE,
)
from tests.emulator import EmulatedCamera, Fault, OnvifQuirks
from tests.emulator.device import Reply

from .conftest import PASSWORD, USERNAME
from .onvif_attack import (
    CELL_MOTION,
    LAST_MOTION,
    MOTION,
    PULL_TIMEOUT,
    REQUEST_TIMEOUT,
    SOURCE,
    SUBSCRIBING,
    OtherClient,
    Wire,
    alarms,
    assert_no_storm,
    assert_quiet_log,
    attempts_allowed,
    entry_for,
    held_pull,
    log_checks,
    notification,
    ops,
    pull_reply,
    reason,
    receiving,
    rewrite,
    set_up,
    settle,
    shorten,
    soap12,
    state,
    track,
    until,
)

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry

KINDS = ("latency", "error", "http_status", "garbage", "truncated", "disconnect")
# A latency fault longer than any request may take (a pull's included): the
# camera holds the request, then does it after the client gave up.
TOO_SLOW = REQUEST_TIMEOUT + PULL_TIMEOUT.total_seconds() + 0.5
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"


@pytest.fixture
def motion_detection() -> bool:
    """The camera detects motion."""
    return True


@pytest.fixture
def wire(camera: EmulatedCamera) -> Wire:
    """The digests and nonces sent to the camera (to look for in the log)."""
    found = Wire()
    found.listen(camera)
    return found


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Short back-offs and pulls; the whole log kept (debug included)."""
    shorten(monkeypatch)
    caplog.set_level("DEBUG")


def _fault(kind: str, operation: str, count: int | None = 1) -> Fault:
    return Fault(
        kind,  # type: ignore[arg-type]
        params={"operation": operation},
        count=count,
        delay=TOO_SLOW,
    )


async def _receiving(hass: HomeAssistant, camera: EmulatedCamera) -> None:
    """Wait until events are received and a pull is held."""
    await until(hass, lambda: receiving(hass) and held_pull(camera))


async def _motion_pushed(hass: HomeAssistant, camera: EmulatedCamera) -> None:
    """Motion starts and ends at the camera; the sensor follows over ONVIF."""
    checks = log_checks(camera)
    camera.trigger_motion(duration=None)
    await until(hass, lambda: state(hass, MOTION) == STATE_ON)
    camera.end_motion()
    await until(hass, lambda: state(hass, MOTION) == STATE_OFF)
    assert log_checks(camera) == checks  # pushed, the alarm log not read


async def _unload_releases(
    hass: HomeAssistant, entry: MockConfigEntry, camera: EmulatedCamera
) -> None:
    """Unload within RELEASE_TIMEOUT (and a margin); our pull point goes."""
    live = camera.onvif_subscriptions
    async with asyncio.timeout(push.RELEASE_TIMEOUT + 1.0):
        assert await hass.config_entries.async_unload(entry.entry_id)
    assert camera.onvif_subscriptions == live - 1
    assert ops(camera)[-1] == "Unsubscribe"


# ------------------------------------------------------------ faults once


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("operation", SUBSCRIBING)
async def test_a_fault_once_while_subscribing_is_tried_again(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    wire: Wire,
    caplog: pytest.LogCaptureFixture,
    operation: str,
    kind: str,
) -> None:
    """One broken reply at setup: the alarm log meanwhile, ONVIF a moment later.

    push.py: "the first ones are retried at once (a lost subscription, a
    reboot)". GetCapabilities is asked only when GetServices fails (here
    always, with HTTP 500).
    """
    if operation == "GetCapabilities":
        camera.inject(
            Fault("http_status", status=500, params={"operation": "GetServices"})
        )
    fault = camera.inject(_fault(kind, operation))
    entry = await set_up(hass, entry_for(camera))
    await _receiving(hass, camera)
    assert fault.fired == 1
    await _motion_pushed(hass, camera)
    assert_no_storm(camera)
    await _unload_releases(hass, entry, camera)
    assert_quiet_log(caplog, wire)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("operation", ["PullMessages", "Renew"])
async def test_a_fault_once_on_a_pull_or_its_renewal_is_no_fallback(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    wire: Wire,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    operation: str,
    kind: str,
) -> None:
    """One broken pull or Renew: pulled again, the source never changes.

    push.py: FAILURES_BEFORE_DOWN (3) "Failures in a row ... before the path
    is taken as down"; one failure is not a reason to leave ONVIF, nor to
    drop a subscription that is likely still there. A short subscription term
    makes every pull renew it.
    """
    if operation == "Renew":
        monkeypatch.setattr(push, "SUBSCRIPTION_TERM", timedelta(seconds=30))
        monkeypatch.setattr(push, "RENEW_RETRY", timedelta(0))
    entry = await set_up(hass, entry_for(camera))
    await _receiving(hass, camera)
    sources = track(hass, SOURCE)
    pulls = len(ops(camera, "PullMessages"))
    fault = camera.inject(_fault(kind, operation))
    await until(hass, lambda: fault.fired == 1)
    await until(
        hass,
        lambda: len(ops(camera, "PullMessages")) > pulls + 1 and held_pull(camera),
    )
    assert camera.onvif_subscriptions == 1
    await _motion_pushed(hass, camera)
    assert "alarm_log" not in sources
    assert receiving(hass)
    assert_no_storm(camera)
    await _unload_releases(hass, entry, camera)
    assert_quiet_log(caplog, wire)


@pytest.mark.parametrize("kind", KINDS)
async def test_a_broken_unsubscribe_does_not_hold_up_unloading(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    wire: Wire,
    caplog: pytest.LogCaptureFixture,
    kind: str,
) -> None:
    """Unsubscribe answered wrongly or late: unloaded within RELEASE_TIMEOUT.

    push.py: "Unsubscribing at unload or stop waits at most this long", and
    a failure there is no error (the pull point ends with its term).
    """
    entry = await set_up(hass, entry_for(camera))
    await _receiving(hass, camera)
    camera.inject(_fault(kind, "Unsubscribe", count=None))
    async with asyncio.timeout(push.RELEASE_TIMEOUT + 1.0):
        assert await hass.config_entries.async_unload(entry.entry_id)
    assert entry.state is ConfigEntryState.NOT_LOADED
    # api/onvif.py: a request whose connection was closed before any reply is
    # sent once more (as aiohttp does for idempotent methods); no more.
    assert len(ops(camera, "Unsubscribe")) == (2 if kind == "disconnect" else 1)
    sent = len(ops(camera))
    await settle(hass, 0.5)
    assert len(ops(camera)) == sent
    assert_quiet_log(caplog, wire)


# ------------------------------------------------------------ faults always


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "operation",
    ["GetSystemDateAndTime", "GetCapabilities", "CreatePullPointSubscription"],
)
async def test_a_fault_always_while_subscribing_falls_back_with_back_off(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    wire: Wire,
    caplog: pytest.LogCaptureFixture,
    operation: str,
    kind: str,
) -> None:
    """Subscribing fails every time: the alarm log, asked again with back-off.

    push.py: after FAILURES_BEFORE_DOWN the path is down ("onvif_failing"),
    the alarm log takes over, attempts follow RETRY_DELAYS; once the camera
    answers again ONVIF is used again.
    """
    if operation == "GetCapabilities":
        camera.inject(
            Fault("http_status", status=500, params={"operation": "GetServices"})
        )
    fault = camera.inject(_fault(kind, operation, count=None))
    loop = asyncio.get_running_loop()
    started = loop.time()
    entry = await set_up(hass, entry_for(camera))
    assert state(hass, SOURCE) == "alarm_log"
    assert reason(hass) == "onvif_failing"
    assert log_checks(camera) >= 1
    assert state(hass, MOTION) == STATE_OFF  # known, from the alarm log
    await settle(hass, 1.0)
    # A request dropped before any reply is sent once more (api/onvif.py).
    sends = 2 if kind == "disconnect" else 1
    assert fault.fired <= sends * attempts_allowed(loop.time() - started)
    assert reason(hass) == "onvif_failing"
    camera.clear_faults()
    await until(hass, lambda: receiving(hass) and held_pull(camera))
    await _motion_pushed(hass, camera)
    assert_no_storm(camera)
    await _unload_releases(hass, entry, camera)
    assert_quiet_log(caplog, wire)


@pytest.mark.parametrize("kind", ["error", "http_status", "garbage"])
async def test_get_services_unreadable_always_uses_get_capabilities(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    wire: Wire,
    caplog: pytest.LogCaptureFixture,
    kind: str,
) -> None:
    """api/onvif.py: the event service from "GetServices, else GetCapabilities"."""
    camera.inject(_fault(kind, "GetServices", count=None))
    entry = await set_up(hass, entry_for(camera))
    assert receiving(hass)
    assert len(ops(camera, "GetCapabilities")) == 1
    await _receiving(hass, camera)
    await _motion_pushed(hass, camera)
    await _unload_releases(hass, entry, camera)
    assert_quiet_log(caplog, wire)


async def test_a_slow_camera_is_followed_all_the_same(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    wire: Wire,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Every ONVIF request answered 0.3 s late (within the request timeout)."""
    for operation in ("GetSystemDateAndTime", "CreatePullPointSubscription"):
        camera.inject(Fault("latency", params={"operation": operation}, delay=0.3))
    camera.inject(Fault("latency", params={"operation": "PullMessages"}, delay=0.3))
    entry = await set_up(hass, entry_for(camera))
    assert receiving(hass)
    await _receiving(hass, camera)
    await _motion_pushed(hass, camera)
    assert len(ops(camera, "CreatePullPointSubscription")) == 1
    await _unload_releases(hass, entry, camera)
    assert_quiet_log(caplog, wire)


async def test_motion_that_ends_while_onvif_goes_away_ends_in_home_assistant(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    wire: Wire,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Motion on, ONVIF switched off at the camera, motion ends: the log says off.

    motion.py: when ONVIF stops working "the alarm log takes over until ONVIF
    works again"; its first check reports what runs now, so the motion that
    ended unseen by ONVIF ends in Home Assistant too.
    """
    await set_up(hass, entry_for(camera, **{CONF_MOTION_CHECK_INTERVAL: 2}))
    await _receiving(hass, camera)
    camera.trigger_motion(duration=None)
    await until(hass, lambda: state(hass, MOTION) == STATE_ON)
    camera.onvif_quirks.enabled = False
    camera.drop_onvif_subscriptions()
    camera.end_motion()
    await until(hass, lambda: state(hass, SOURCE) == "alarm_log")
    assert reason(hass) == "no_onvif"
    await until(hass, lambda: state(hass, MOTION) == STATE_OFF)
    assert_no_storm(camera)
    assert_quiet_log(caplog, wire)


async def test_chosen_onvif_is_unavailable_only_while_it_cannot_be_known(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    wire: Wire,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Motion source 'ONVIF events': unavailable while subscribing fails, then right.

    motion.py: chosen and "not working yet: unavailable until events
    arrive"; the alarm log is never read instead.
    """
    entry = await set_up(hass, entry_for(camera, **{CONF_MOTION_SOURCE: "onvif"}))
    await _receiving(hass, camera)
    camera.trigger_motion(duration=None)
    await until(hass, lambda: state(hass, MOTION) == STATE_ON)
    camera.inject(_fault("http_status", "CreatePullPointSubscription", count=None))
    camera.drop_onvif_subscriptions()
    await until(hass, lambda: state(hass, MOTION) == STATE_UNAVAILABLE)
    assert state(hass, SOURCE) == "onvif"
    assert reason(hass) == "onvif_failing"
    camera.end_motion()
    camera.clear_faults()
    await until(hass, lambda: state(hass, MOTION) == STATE_OFF)
    assert receiving(hass)
    assert log_checks(camera) == 0
    await _motion_pushed(hass, camera)
    await _unload_releases(hass, entry, camera)
    assert_quiet_log(caplog, wire)


@pytest.mark.parametrize(
    "onvif_quirks",
    [
        OnvifQuirks(motion_alarm_only=True),
        OnvifQuirks(numeric_booleans=True),
        OnvifQuirks(pull_immediately=True),
        OnvifQuirks(max_pull_points=1),
    ],
    ids=["motion_alarm_only", "numeric_booleans", "pull_immediately", "one_pull_point"],
)
async def test_firmware_variants_push_motion(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    wire: Wire,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The variants the emulator knows: motion pushed, no storm, released.

    Imaging Service "Events": tns1:VideoSource/MotionAlarm "should be
    supported by all devices that support motion detection" (the only topic
    of some firmware); xs:boolean as 1/0; pulls answered at once (push.py:
    "Firmware that answers a pull at once must not make a request storm").
    """
    entry = await set_up(hass, entry_for(camera))
    await until(hass, lambda: receiving(hass) and camera.onvif_subscriptions == 1)
    await _motion_pushed(hass, camera)
    await settle(hass, 1.0)
    assert_no_storm(camera)
    assert len(ops(camera, "CreatePullPointSubscription")) == 1
    await _unload_releases(hass, entry, camera)
    assert_quiet_log(caplog, wire)


# ------------------------------------------------------------ odd replies


async def test_a_camera_speaking_soap_1_1(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    wire: Wire,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Every reply in a SOAP 1.1 envelope (text/xml): events all the same."""

    def soap11(reply: Reply) -> Reply:
        return Reply(
            reply.body.replace(SOAP12.encode(), SOAP11.encode()),
            "text/xml; charset=utf-8",
            reply.status,
        )

    rewrite(camera, None, soap11, count=None)
    entry = await set_up(hass, entry_for(camera))
    await _receiving(hass, camera)
    await _motion_pushed(hass, camera)
    await _unload_releases(hass, entry, camera)
    assert_quiet_log(caplog, wire)


@pytest.mark.parametrize(
    "reply",
    [
        Reply(b"", "application/soap+xml"),
        soap12(""),
        soap12(
            "<env:Fault><env:Code><env:Value>env:Receiver</env:Value></env:Code>"
            '<env:Reason><env:Text xml:lang="en">Busy</env:Text></env:Reason>'
            "</env:Fault>"
        ),
        Reply(
            (
                f'<s:Envelope xmlns:s="{SOAP11}"><s:Body><s:Fault>'
                "<faultcode>s:Server</faultcode><faultstring>busy</faultstring>"
                "</s:Fault></s:Body></s:Envelope>"
            ).encode(),
            "text/xml",
            500,
        ),
    ],
    ids=["empty_body", "empty_soap_body", "fault_without_subcode", "soap_1_1_fault"],
)
@pytest.mark.parametrize("operation", ["CreatePullPointSubscription", "PullMessages"])
async def test_an_odd_reply_once_is_a_passing_failure(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    wire: Wire,
    caplog: pytest.LogCaptureFixture,
    operation: str,
    reply: Reply,
) -> None:
    """Valid XML that is no answer (or nothing at all), once: tried again."""
    entry = await set_up(hass, entry_for(camera))
    await _receiving(hass, camera)
    sources = track(hass, SOURCE)
    changed = rewrite(camera, operation, lambda _reply: reply)
    if operation == "CreatePullPointSubscription":
        camera.drop_onvif_subscriptions()
    await until(hass, lambda: len(changed) == 1)
    await _receiving(hass, camera)
    await _motion_pushed(hass, camera)
    assert "alarm_log" not in sources
    assert_no_storm(camera)
    await _unload_releases(hass, entry, camera)
    assert_quiet_log(caplog, wire)


async def test_a_hundred_messages_in_one_reply(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    wire: Wire,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """As many messages as the pull asks for (PULL_LIMIT), the last motion."""
    entry = await set_up(hass, entry_for(camera))
    await _receiving(hass, camera)
    fired = alarms(hass)
    filler = notification(
        "tns1:VideoSource/ImageTooBlurry/ImagingService",
        "false",
        item="State",
        operation="Initialized",
    )
    rewrite(
        camera,
        "PullMessages",
        pull_reply(
            *[filler] * (push.PULL_LIMIT - 1), notification(CELL_MOTION, "true")
        ),
    )
    await until(hass, lambda: state(hass, MOTION) == STATE_ON)
    await until(hass, lambda: state(hass, LAST_MOTION) not in ("unknown", None))
    assert [alarm["event_type"] for alarm in fired] == ["motion"]
    await _unload_releases(hass, entry, camera)
    assert_quiet_log(caplog, wire)


@pytest.mark.parametrize(
    ("message", "topic"),
    [
        (
            notification(
                "tns1:Device/Trigger/DigitalInput", "true", item="LogicalState"
            ),
            "tns1:Device/Trigger/DigitalInput",
        ),
        (
            notification(
                "acme:Lens/Wiper",
                "true",
                item="Running",
                namespaces='xmlns:acme="http://acme.example/topics"',
            ),
            "acme:Lens/Wiper",
        ),
    ],
    ids=["unknown_onvif_topic", "vendor_topic"],
)
async def test_a_topic_unknown_to_the_integration_is_another_alarm(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    wire: Wire,
    caplog: pytest.LogCaptureFixture,
    message: str,
    topic: str,
) -> None:
    """motion.py: a message that is no motion fires an 'other' alarm with its topic."""
    entry = await set_up(hass, entry_for(camera))
    await _receiving(hass, camera)
    fired = alarms(hass)
    rewrite(camera, "PullMessages", pull_reply(message))
    await until(hass, lambda: len(fired) == 1)
    assert fired[0]["event_type"] == "other"
    assert fired[0]["topic"] == topic
    assert state(hass, MOTION) == STATE_OFF
    assert receiving(hass)
    await _unload_releases(hass, entry, camera)
    assert_quiet_log(caplog, wire)


@pytest.mark.parametrize(
    ("on", "off", "prefix"),
    [("True", "FALSE", "tns1"), ("  1 ", "0", "ons"), ("true", "false", "ons")],
    ids=["capitalised", "blank_around_digits", "own_prefix"],
)
async def test_motion_values_as_cameras_write_them(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    wire: Wire,
    caplog: pytest.LogCaptureFixture,
    on: str,
    off: str,
    prefix: str,
) -> None:
    """xs:boolean with blanks and capitals; the topic under any prefix of its namespace.

    api/onvif_events.py: "xs:boolean's lexical forms; cameras also
    capitalise them"; a topic is in the tns1 form "whatever prefix the
    camera bound to the ONVIF topic namespace".
    """
    namespaces = f'xmlns:{prefix}="http://www.onvif.org/ver10/topics"'
    topic = f"{prefix}:RuleEngine/CellMotionDetector/Motion"
    entry = await set_up(hass, entry_for(camera))
    await _receiving(hass, camera)
    fired = alarms(hass)
    rewrite(
        camera,
        "PullMessages",
        pull_reply(notification(topic, on, namespaces=namespaces)),
    )
    await until(hass, lambda: state(hass, MOTION) == STATE_ON)
    rewrite(
        camera,
        "PullMessages",
        pull_reply(notification(topic, off, namespaces=namespaces)),
    )
    await until(hass, lambda: state(hass, MOTION) == STATE_OFF)
    assert [alarm["topic"] for alarm in fired] == [CELL_MOTION]
    await _unload_releases(hass, entry, camera)
    assert_quiet_log(caplog, wire)


async def test_an_unreadable_motion_value_turns_nothing_on(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    wire: Wire,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """IsMotion "yes" is no xs:boolean: motion stays as it was, ONVIF goes on."""
    entry = await set_up(hass, entry_for(camera))
    await _receiving(hass, camera)
    changed = rewrite(
        camera, "PullMessages", pull_reply(notification(CELL_MOTION, "yes"))
    )
    await until(hass, lambda: len(changed) == 1)
    await settle(hass, 0.3)
    assert state(hass, MOTION) == STATE_OFF
    assert receiving(hass)
    await _motion_pushed(hass, camera)
    await _unload_releases(hass, entry, camera)
    assert_quiet_log(caplog, wire)


# ------------------------------------------------------------ a restless camera


async def _restart(session: aiohttp.ClientSession, camera: EmulatedCamera) -> None:
    """Restart the camera as its owner would (operate.cgi, another client)."""
    url = (
        URL(camera.url)
        .with_path("/cgi-bin/operate.cgi")
        .with_query(action="restart", userName=USERNAME, password=PASSWORD)
    )
    async with session.get(url) as reply:
        assert reply.status == 200


async def test_a_camera_rebooting_again_and_again(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    wire: Wire,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Five reboots in a row (0.6 s down each): ONVIF back once it stays up.

    A reboot forgets every pull point (ONVIF Core: pull points do not survive
    one); push.py subscribes again "within seconds" and backs off meanwhile.
    """
    camera.device.restart_downtime = 0.6
    entry = await set_up(hass, entry_for(camera, **{CONF_MOTION_CHECK_INTERVAL: 2}))
    await _receiving(hass, camera)
    async with aiohttp.ClientSession() as owner:
        for _ in range(5):
            await _restart(owner, camera)
            await settle(hass, 0.9)
    await until(hass, lambda: receiving(hass) and held_pull(camera), seconds=10)
    assert camera.onvif_subscriptions == 1
    await _motion_pushed(hass, camera)
    assert_no_storm(camera)
    await _unload_releases(hass, entry, camera)
    assert_quiet_log(caplog, wire)


@pytest.mark.parametrize("onvif_quirks", [OnvifQuirks(renew_refused=True)])
async def test_a_subscription_that_expires_between_slow_pulls(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    wire: Wire,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Renew refused, a pull answered after the subscription ended: made again.

    push.py: "A camera that refuses Renew keeps a pull point alive by its
    pulls ... or the subscription is made again when it is lost"; ONVIF Core
    9.1.2: a pull on a pull point that is gone is a ResourceUnknownFault.
    """
    monkeypatch.setattr(push, "SUBSCRIPTION_TERM", timedelta(seconds=2))
    entry = await set_up(hass, entry_for(camera))
    await _receiving(hass, camera)
    sources = track(hass, SOURCE)
    created = len(ops(camera, "CreatePullPointSubscription"))
    fault = camera.inject(
        Fault("latency", params={"operation": "PullMessages"}, count=1, delay=2.2)
    )
    await until(hass, lambda: fault.fired == 1)
    await until(
        hass,
        lambda: (
            len(ops(camera, "CreatePullPointSubscription")) > created
            and held_pull(camera)
        ),
    )
    await _motion_pushed(hass, camera)
    assert "alarm_log" not in sources
    assert camera.onvif_subscriptions == 1
    assert_no_storm(camera)
    await _unload_releases(hass, entry, camera)
    assert_quiet_log(caplog, wire)


async def test_pull_points_taken_by_another_client(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    wire: Wire,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An NVR holds every pull point (MaxPullPoints 3): the alarm log, then ONVIF.

    ONVIF Core, "Pull Point Lifecycle": new pull points only while their
    number "does not exceed the capability MaxPullPoints"; the refusal is a
    SubscribeCreationFailedFault. Ours comes once the NVR lets one go, and
    only ours goes at unload.
    """
    async with aiohttp.ClientSession() as session:
        nvr = OtherClient(camera, session)
        await nvr.take(3)
        loop = asyncio.get_running_loop()
        started = loop.time()
        entry = await set_up(hass, entry_for(camera))
        assert state(hass, SOURCE) == "alarm_log"
        assert reason(hass) == "onvif_failing"
        assert state(hass, MOTION) == STATE_OFF
        await settle(hass, 2.0)
        attempts = len(ops(camera, "CreatePullPointSubscription")) - 3
        assert attempts <= attempts_allowed(loop.time() - started)
        await nvr.release(1)
        await _receiving(hass, camera)
        await _motion_pushed(hass, camera)
        await _unload_releases(hass, entry, camera)
        assert camera.onvif_subscriptions == 2
        await nvr.release(2)
    assert_no_storm(camera)
    assert_quiet_log(caplog, wire)


async def test_password_changed_while_a_pull_is_held(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    wire: Wire,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The camera's password changes: motion cannot be known, and says so.

    api/onvif.py: an ONVIF refusal counts in the login gate "confirmed at
    once by the camera's CGI"; then no request carries the old password. The
    alarm log cannot be read either: motion unavailable (nothing else would
    be true), the source sensor naming the refused login; no password,
    digest or nonce in the log.
    """
    entry = await set_up(hass, entry_for(camera, **{CONF_MOTION_CHECK_INTERVAL: 2}))
    await _receiving(hass, camera)
    camera.state.users[USERNAME].password = "changed"
    await until(
        hass,
        lambda: (
            reason(hass) in ("camera_login_refused", "onvif_login_refused")
            and state(hass, MOTION) == STATE_UNAVAILABLE
        ),
    )
    sent = len(ops(camera))
    await settle(hass, 1.5)
    assert len(ops(camera)) == sent
    assert state(hass, SOURCE) == "alarm_log"
    async with asyncio.timeout(push.RELEASE_TIMEOUT + 1.0):
        assert await hass.config_entries.async_unload(entry.entry_id)
    assert_quiet_log(caplog, wire)


@pytest.mark.parametrize(("first", "then"), [("1", "0"), ("0", "1")])
async def test_onvif_authentication_switched_while_subscribed(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    wire: Wire,
    caplog: pytest.LogCaptureFixture,
    first: str,
    then: str,
) -> None:
    """ProtocolSecurityFlag flipped on the camera's web page: events go on.

    The token is sent whatever the flag (api/soap.py: "a camera whose ONVIF
    authentication is off may ignore it"), so nothing changes for us.
    """
    flags = camera.state.protocol_security.values
    flags["protocolSecurityFlag"] = first
    entry = await set_up(hass, entry_for(camera))
    await _receiving(hass, camera)
    sources = track(hass, SOURCE)
    flags["protocolSecurityFlag"] = then
    pulls = len(ops(camera, "PullMessages"))
    await until(hass, lambda: len(ops(camera, "PullMessages")) >= pulls + 2)
    await _motion_pushed(hass, camera)
    assert sources == []
    assert len(ops(camera, "CreatePullPointSubscription")) == 1
    await _unload_releases(hass, entry, camera)
    assert_quiet_log(caplog, wire)


# ------------------------------------------------------------ Home Assistant's side


async def test_reload_while_a_pull_is_held(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    wire: Wire,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Reloaded mid-pull: the old pull point released, exactly one new one."""
    entry = await set_up(hass, entry_for(camera))
    await _receiving(hass, camera)
    for _ in range(3):
        async with asyncio.timeout(push.RELEASE_TIMEOUT + 5.0):
            assert await hass.config_entries.async_reload(entry.entry_id)
            await hass.async_block_till_done()
        await _receiving(hass, camera)
        assert camera.onvif_subscriptions == 1
    await _motion_pushed(hass, camera)
    await _unload_releases(hass, entry, camera)
    assert camera.onvif_subscriptions == 0
    assert_quiet_log(caplog, wire)


@pytest.mark.parametrize("when", ["pull_held", "pull_answered_late"])
async def test_home_assistant_stops_while_a_pull_is_held(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    wire: Wire,
    caplog: pytest.LogCaptureFixture,
    when: str,
) -> None:
    """Home Assistant stops: the pull point released within RELEASE_TIMEOUT."""
    await set_up(hass, entry_for(camera))
    await _receiving(hass, camera)
    if when == "pull_answered_late":
        camera.inject(_fault("latency", "PullMessages"))
        await until(hass, lambda: any(r.fault == "latency" for r in camera.requests))
    async with asyncio.timeout(push.RELEASE_TIMEOUT + 1.0):
        await hass.async_stop()
    assert camera.onvif_subscriptions == 0
    assert_quiet_log(caplog, wire)


# ------------------------------------------------------------ renewals


def _answered(camera: EmulatedCamera, operation: str) -> int:
    """Requests of ``operation`` the camera answered without a fault."""
    return sum(
        1
        for r in camera.requests
        if r.get("operation") == operation and r.status == 200
    )


def _short_terms(monkeypatch: pytest.MonkeyPatch) -> None:
    """Subscriptions of 6 s, renewed when 4 s are left (minutes in seconds).

    Pulls are held a second: 3 s to spare for a loaded machine.
    """
    monkeypatch.setattr(push, "SUBSCRIPTION_TERM", timedelta(seconds=6))
    monkeypatch.setattr(push, "RENEW_BEFORE", timedelta(seconds=4))
    monkeypatch.setattr(push, "RENEW_RETRY", timedelta(seconds=1))
    monkeypatch.setattr(push, "RENEW_MARGIN", timedelta(seconds=0.5))


async def _renewed_and_kept(
    hass: HomeAssistant, camera: EmulatedCamera, renewals: int
) -> None:
    """``renewals`` Renews taken by the camera, the first subscription kept."""
    await until(
        hass, lambda: _answered(camera, "Renew") >= renewals, seconds=4.0 * renewals
    )
    assert len(ops(camera, "CreatePullPointSubscription")) == 1
    await _motion_pushed(hass, camera)


@pytest.mark.parametrize(
    "refusal", ["InvalidArgVal", "UnacceptableTerminationTimeFault"]
)
async def test_a_relative_renew_refused_is_asked_as_an_absolute_time(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    monkeypatch: pytest.MonkeyPatch,
    refusal: str,
) -> None:
    """A camera taking only absolute Renew times keeps its subscription.

    ONVIF Core 9.1.1: "A device shall support an absolute time value
    specified in utc as well as a relative time value for the
    InitialTerminationTime parameter" (Renew's relative form is not
    guaranteed); onvif-zeep-async renews such cameras with the camera's
    clock plus the term. Once taken, the absolute form is kept.
    """
    camera.onvif_quirks.relative_renew_refused = refusal
    camera.onvif_quirks.pulls_keep_alive = False
    _short_terms(monkeypatch)
    entry = await set_up(hass, entry_for(camera))
    await _renewed_and_kept(hass, camera, 3)
    renews = [r.status for r in camera.requests if r.get("operation") == "Renew"]
    assert renews[0] != 200
    assert set(renews[1:]) == {200}
    await _unload_releases(hass, entry, camera)


@pytest.mark.parametrize("left_out", ["CurrentTime", "TerminationTime"])
async def test_replies_without_times_are_renewed_by_our_clock(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    monkeypatch: pytest.MonkeyPatch,
    left_out: str,
) -> None:
    """A camera that does not say when its pull point ends is renewed anyway.

    ONVIF Core 9.1.3: "A device shall respond both parameters CurrentTime and
    TerminationTime as utc" (XM firmware leaves one out): the term asked for,
    counted from the request, says when to renew.
    """
    camera.onvif_quirks.times_left_out = frozenset({left_out})
    camera.onvif_quirks.pulls_keep_alive = False
    _short_terms(monkeypatch)
    entry = await set_up(hass, entry_for(camera))
    await _renewed_and_kept(hass, camera, 2)
    await _unload_releases(hass, entry, camera)


async def test_a_camera_term_no_longer_than_a_pull_is_renewed_before_it(
    hass: HomeAssistant, camera: EmulatedCamera, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A camera that chooses a term as short as the pull: renewed before pulling.

    WS-BaseNotification 1.3 §4.2: the producer may choose the termination
    time; Core before 25.06: only Renew moves it (a pull does not). A pull
    point that ends during the pull is lost, so the Renew comes first.
    """
    camera.onvif_quirks.chosen_term = timedelta(seconds=2)
    camera.onvif_quirks.pulls_keep_alive = False
    # No message waiting: the first pull is held its whole Timeout.
    camera.onvif_quirks.initialized_on_request_only = True
    monkeypatch.setattr(push, "PULL_TIMEOUT", timedelta(seconds=2))
    entry = await set_up(hass, entry_for(camera))
    await until(hass, lambda: _answered(camera, "Renew") >= 1)
    await settle(hass, 5.0)
    assert len(ops(camera, "CreatePullPointSubscription")) == 1
    await _motion_pushed(hass, camera)
    await _unload_releases(hass, entry, camera)


@pytest.mark.parametrize("onvif_quirks", [OnvifQuirks(pulls_keep_alive=False)])
async def test_a_renew_answered_as_gone_subscribes_again(
    hass: HomeAssistant, camera: EmulatedCamera, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Renew answered "gone", and the pull point ends: subscribed again, renewed.

    ONVIF Core 9.1.3 Renew: ResourceUnknownFault "The pull point reference
    is invalid". Whether it is gone, the pulls tell (a camera whose pulls
    still work after such an answer is pulled on: test_onvif_faults_found);
    here the pull point ends, unrenewed, and the next one is renewed again.
    """
    _short_terms(monkeypatch)
    gone = soap12(
        "<env:Fault><env:Code><env:Value>env:Receiver</env:Value></env:Code>"
        '<env:Reason><env:Text xml:lang="en">ResourceUnknown</env:Text></env:Reason>'
        '<env:Detail><wsrf-r:ResourceUnknownFault xmlns:wsrf-r="'
        'http://docs.oasis-open.org/wsrf/r-2"/></env:Detail></env:Fault>'
    )
    rewrite(camera, "Renew", lambda _: replace(gone, status=500))
    entry = await set_up(hass, entry_for(camera))
    await until(
        hass, lambda: len(ops(camera, "CreatePullPointSubscription")) == 2, 20.0
    )
    renewed = _answered(camera, "Renew")
    await until(hass, lambda: _answered(camera, "Renew") > renewed)
    # The first pull point, never renewed, has ended meanwhile.
    await until(hass, lambda: camera.onvif_subscriptions == 1)
    await _motion_pushed(hass, camera)
    await _unload_releases(hass, entry, camera)


# ------------------------------------------------------------ synchronizing


@pytest.mark.parametrize(
    "onvif_quirks", [OnvifQuirks(initialized_on_request_only=True)]
)
async def test_motion_that_ended_while_unsubscribed_ends_on_the_new_subscription(
    hass: HomeAssistant, camera: EmulatedCamera
) -> None:
    """SetSynchronizationPoint after each subscription reads the states now.

    ONVIF Core 9.5: SetSynchronizationPoint "shall be provided by all
    Subscription Manager Endpoints" and repeats every property as
    "Initialized"; Home Assistant's onvif integration sends it after every
    CreatePullPointSubscription, for cameras that send none unasked.
    """
    entry = await set_up(hass, entry_for(camera))
    await _receiving(hass, camera)
    camera.trigger_motion(duration=None)
    await until(hass, lambda: state(hass, MOTION) == STATE_ON)
    camera.drop_onvif_subscriptions()  # a reboot
    camera.end_motion()
    await until(hass, lambda: len(ops(camera, "CreatePullPointSubscription")) == 2)
    await until(hass, lambda: state(hass, MOTION) == STATE_OFF)
    assert len(ops(camera, "SetSynchronizationPoint")) == 2
    await _unload_releases(hass, entry, camera)


_SENDER_NOT_AUTHORIZED = soap12(
    "<env:Fault><env:Code><env:Value>env:Sender</env:Value><env:Subcode>"
    '<env:Value xmlns:ter="http://www.onvif.org/ver10/error">ter:NotAuthorized'
    "</env:Value></env:Subcode></env:Code>"
    '<env:Reason><env:Text xml:lang="en">Sender not Authorized</env:Text>'
    "</env:Reason></env:Fault>"
)


@pytest.mark.parametrize("refusal", ["error", "not_authorized"])
async def test_set_synchronization_point_refused_is_no_failure(
    hass: HomeAssistant, camera: EmulatedCamera, refusal: str
) -> None:
    """SetSynchronizationPoint failing: the path works all the same.

    Nothing hangs on it: even a refused login there (ter:NotAuthorized) is
    not counted in the login gate; the pulls that follow would tell.
    """
    if refusal == "error":
        camera.inject(_fault("error", "SetSynchronizationPoint", count=None))
    else:
        rewrite(
            camera,
            "SetSynchronizationPoint",
            lambda _: replace(_SENDER_NOT_AUTHORIZED, status=400),
            count=None,
        )
    sources = track(hass, SOURCE)
    entry = await set_up(hass, entry_for(camera))
    await _receiving(hass, camera)
    await _motion_pushed(hass, camera)
    assert "alarm_log" not in sources
    assert len(ops(camera, "CreatePullPointSubscription")) == 1
    assert entry.runtime_data.client.transport.gate.refusals == 0
    await _unload_releases(hass, entry, camera)


async def test_a_renewal_that_keeps_failing_leaves_the_pulls_alone(
    hass: HomeAssistant, camera: EmulatedCamera, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Renew failing (not refused) while pulls keep the pull point: pulled on.

    push.py: a renewal that "failed otherwise (a timeout, a fault): the
    pulls go on while the subscription lasts"; it is tried again later, not
    before every pull, and never takes the path down by itself.
    """
    _short_terms(monkeypatch)
    monkeypatch.setattr(push, "RENEW_RETRY", timedelta(seconds=5))
    camera.inject(_fault("error", "Renew", count=None))
    sources = track(hass, SOURCE)
    entry = await set_up(hass, entry_for(camera))
    await _receiving(hass, camera)
    started = asyncio.get_running_loop().time()
    await settle(hass, 8.0)
    assert "alarm_log" not in sources
    assert len(ops(camera, "CreatePullPointSubscription")) == 1
    # Tried again every RENEW_RETRY, not before every pull.
    elapsed = asyncio.get_running_loop().time() - started
    assert 1 <= len(ops(camera, "Renew")) <= 2 + elapsed / 5
    await _motion_pushed(hass, camera)
    await _unload_releases(hass, entry, camera)


# ------------------------------------------------------------ pull limits


@pytest.mark.parametrize(
    "onvif_quirks",
    [
        OnvifQuirks(max_pull_timeout=timedelta(seconds=2)),
        OnvifQuirks(max_pull_messages=10),
    ],
    ids=["timeout", "messages"],
)
async def test_pulls_keep_to_the_limits_the_camera_names(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A pull past the camera's limits is asked again within them, and kept so.

    ONVIF Event service, PullMessages: PullMessagesFaultResponse is sent
    "only when the Timeout exceeds the upper limit supported by the device",
    naming MaxTimeout and MaxMessageLimit. One refused pull, no failure:
    the subscription stays, events arrive.
    """
    monkeypatch.setattr(push, "PULL_TIMEOUT", timedelta(seconds=3))
    entry = await set_up(hass, entry_for(camera))
    await _receiving(hass, camera)
    await _motion_pushed(hass, camera)
    pulls = [r.status for r in camera.requests if r.get("operation") == "PullMessages"]
    assert pulls[0] == 500
    assert set(pulls[1:]) == {200}
    assert len(ops(camera, "CreatePullPointSubscription")) == 1
    assert receiving(hass)
    await _unload_releases(hass, entry, camera)
    assert_quiet_log(caplog)


@pytest.mark.parametrize(
    "onvif_quirks",
    [
        OnvifQuirks(
            pull_immediately=True,
            chosen_term=timedelta(seconds=3),
            renew_term=timedelta(seconds=3),
        )
    ],
)
async def test_short_terms_and_pulls_answered_at_once_are_no_renewal_storm(
    hass: HomeAssistant, camera: EmulatedCamera
) -> None:
    """A camera granting 3 s terms and answering pulls at once: renewed now and then.

    WS-BaseNotification 1.3 §4.2 lets the producer choose the term; its
    pulls keep the pull point alive here (Core 25.06). push.py: "Renewals
    come at least this far apart" (RENEW_RETRY, 10 s): not before every
    pull, once a second.
    """
    entry = await set_up(hass, entry_for(camera))
    await until(hass, lambda: receiving(hass))  # no pull is held: answered at once
    await settle(hass, 5.0)
    assert len(ops(camera, "Renew")) == 1
    assert len(ops(camera, "PullMessages")) >= 4
    assert len(ops(camera, "CreatePullPointSubscription")) == 1
    await _motion_pushed(hass, camera)
    await _unload_releases(hass, entry, camera)
