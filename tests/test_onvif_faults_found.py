"""ONVIF motion: what broke when the camera or the user did the unexpected.

Each test here is one finding of an attack on the motion path, kept as a
regression test once fixed. They run like the tests of ``test_onvif_faults``
(the same emulator, short back-offs).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
import logging
import re
from typing import TYPE_CHECKING

import aiohttp
from homeassistant.const import EVENT_STATE_CHANGED, STATE_OFF, STATE_ON
import pytest

from custom_components.excelsense import push
from custom_components.excelsense.api import OnvifClient, OnvifSubscription
from custom_components.excelsense.const import (
    CONF_MOTION_CHECK_INTERVAL,
    CONF_MOTION_SOURCE,
)
from tests.emulator import EmulatedCamera, Fault, OnvifQuirks
from tests.emulator.device import Reply

from .conftest import PASSWORD, USERNAME
from .onvif_attack import (
    CELL_MOTION,
    MOTION,
    SOURCE,
    alarms,
    assert_quiet_log,
    attempts_allowed,
    choose_options,
    entry_for,
    held_pull,
    log_checks,
    notification,
    ops,
    pull_reply,
    reason,
    receiving,
    record_waits,
    rewrite,
    set_up,
    settle,
    shorten,
    state,
    until,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from homeassistant.core import Event, EventStateChangedData, HomeAssistant

    from custom_components.excelsense.api import OnvifEvent
    from tests.emulator.server import FaultKind


@pytest.fixture
def motion_detection() -> bool:
    """The camera detects motion."""
    return True


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """Back-offs of tenths of a second and pulls held a second."""
    shorten(monkeypatch)


async def _receiving(hass: HomeAssistant, camera: EmulatedCamera) -> None:
    await until(hass, lambda: receiving(hass) and held_pull(camera))


def track_reasons(hass: HomeAssistant) -> list[object]:
    """Every reason the motion source sensor gives from now on."""
    seen: list[object] = []

    def listener(event: Event[EventStateChangedData]) -> None:
        new = event.data["new_state"]
        if event.data["entity_id"] == SOURCE and new is not None:
            seen.append(new.attributes.get("reason"))

    hass.bus.async_listen(EVENT_STATE_CHANGED, listener)
    return seen


async def test_failed_pulls_leave_no_pull_points_behind(
    hass: HomeAssistant, camera: EmulatedCamera
) -> None:
    """Three passing hiccups of the pull, minutes apart on a real camera.

    ONVIF Core, "Pull Point Lifecycle": a pull point lives "until either its
    termination time has elapsed or the client has requested its disposal via
    an Unsubscribe request", and new ones are made only while their number
    "does not exceed the capability MaxPullPoints" (3 here). A subscription
    the integration gives up must be unsubscribed, or it holds a place for
    its whole term (10 minutes) and, after two hiccups, no new one is made.
    """
    await set_up(hass, entry_for(camera))
    await _receiving(hass, camera)
    for _ in range(3):
        fault = camera.inject(
            Fault("garbage", params={"operation": "PullMessages"}, count=1)
        )
        await until(hass, lambda: fault.fired == 1)  # noqa: B023 - waited for here
        await until(
            hass,
            lambda: held_pull(camera) or state(hass, SOURCE) == "alarm_log",
        )
        camera.clear_faults()
    assert state(hass, SOURCE) == "onvif", reason(hass)
    assert camera.onvif_subscriptions == 1


@pytest.mark.parametrize("onvif_quirks", [OnvifQuirks(max_pull_points=50)])
async def test_pulls_that_keep_failing_do_not_keep_motion_on(
    hass: HomeAssistant, camera: EmulatedCamera
) -> None:
    """Subscribing works, every pull fails: motion must not stay on for good.

    push.py: FAILURES_BEFORE_DOWN "Failures in a row (pulls or attempts to
    subscribe) before the path is taken as down", then the alarm log takes
    over, and RETRY_DELAYS grow. A camera whose pulls all fail (HTTP 500)
    while it still makes subscriptions (this one has many pull points) never
    gets there: each new subscription resets the count.
    """
    await set_up(hass, entry_for(camera, **{CONF_MOTION_CHECK_INTERVAL: 2}))
    await _receiving(hass, camera)
    camera.trigger_motion(duration=None)
    await until(hass, lambda: state(hass, MOTION) == STATE_ON)
    camera.inject(
        Fault("http_status", status=500, params={"operation": "PullMessages"})
    )
    loop = asyncio.get_running_loop()
    started = loop.time()
    created = len(ops(camera, "CreatePullPointSubscription"))
    camera.end_motion()
    await settle(hass, 5.0)
    attempts = len(ops(camera, "CreatePullPointSubscription")) - created
    assert state(hass, MOTION) != STATE_ON
    assert reason(hass) != "receiving"
    assert attempts <= attempts_allowed(loop.time() - started)


async def test_a_failed_renew_keeps_the_events_of_its_pull(
    hass: HomeAssistant, camera: EmulatedCamera, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Motion pulled, then the Renew after that pull fails: the start still counts.

    push.py renews before a pull when less than RENEW_BEFORE is left of the
    subscription (here before every pull that RENEW_RETRY allows). The
    pull's messages were read; a Renew that fails says nothing about them.
    Lost, the motion start fires no alarm and takes no picture (the new
    subscription only reports motion as its initial state, which is no
    start).
    """
    monkeypatch.setattr(push, "SUBSCRIPTION_TERM", timedelta(seconds=30))
    monkeypatch.setattr(push, "PULL_TIMEOUT", timedelta(seconds=20))
    await set_up(hass, entry_for(camera))
    await _receiving(hass, camera)
    fired = alarms(hass)
    camera.inject(
        Fault("http_status", status=500, params={"operation": "Renew"}, count=1)
    )
    camera.trigger_motion(duration=None)
    await until(hass, lambda: state(hass, MOTION) == STATE_ON)
    await settle(hass, 0.5)
    assert [alarm["event_type"] for alarm in fired] == ["motion"]
    assert state(hass, "image.tougheye_last_motion") not in ("unknown", None)


async def test_a_clock_jump_is_not_taken_for_a_refused_login(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The camera's clock jumps three hours (NTP after a boot) while subscribed.

    The next token is stamped in the old clock and refused (UsernameToken
    Profile 3.1, freshness; ONVIF Core: tokens in the device's clock). The
    clock is read again at every subscription (push.py), so ONVIF works again
    at the next attempt, within seconds, and the password is not in doubt.
    Instead the refusal closes the login gate shared with the CGI requests,
    the next ONVIF attempt is refused unsent as "camera_login_refused", and
    ONVIF waits REFUSED_DELAY (30 minutes) with the alarm log meanwhile.
    """
    monkeypatch.setattr(push, "REFUSED_DELAY", 1800.0)
    await set_up(hass, entry_for(camera))
    await _receiving(hass, camera)
    reasons = track_reasons(hass)
    camera.state.clock_offset += 3 * 3600
    await settle(hass, 4.0)
    assert "camera_login_refused" not in reasons
    assert receiving(hass), reasons
    assert_quiet_log(caplog)


async def test_a_clock_jump_leaves_alarm_log_motion_in_view(
    hass: HomeAssistant, camera: EmulatedCamera
) -> None:
    """The camera's clock jumps three hours ahead; motion is read from the alarm log.

    alarm_log.py: the window reaches a day ahead of the camera's clock as last
    read; an entry found ahead of it says the clock jumped, and the clock is
    read again at once (not only every 10 minutes).
    """
    await set_up(
        hass,
        entry_for(
            camera,
            **{CONF_MOTION_SOURCE: "alarm_log", CONF_MOTION_CHECK_INTERVAL: 2},
        ),
    )
    camera.state.clock_offset += 3 * 3600
    await settle(hass, 2.5)
    camera.trigger_motion(duration=None)
    await settle(hass, 4.5)
    assert state(hass, MOTION) == STATE_ON


@pytest.mark.parametrize(
    ("before", "after"),
    [("auto", "alarm_log"), ("onvif", "auto")],
    ids=["auto_to_alarm_log", "onvif_to_auto_without_onvif"],
)
async def test_motion_source_chosen_while_a_pull_is_held(
    hass: HomeAssistant, camera: EmulatedCamera, before: str, after: str
) -> None:
    """The motion source option applies at once ("apply without a reload").

    options.py: options are "read at use time, so they apply without a
    reload". Choosing the alarm log must release the subscription and check
    the log; choosing automatic while ONVIF is missing must bring motion
    back from the log. Neither happens: the coordinator reads the option but
    nothing acts on the change.
    """
    if after == "auto":
        camera.onvif_quirks.enabled = False
    entry = await set_up(
        hass,
        entry_for(
            camera, **{CONF_MOTION_SOURCE: before, CONF_MOTION_CHECK_INTERVAL: 2}
        ),
    )
    if before == "auto":
        await _receiving(hass, camera)
    checks = log_checks(camera)
    await choose_options(hass, entry, **{CONF_MOTION_SOURCE: after})
    camera.trigger_motion(duration=None)
    await settle(hass, 3.0)
    assert log_checks(camera) > checks
    assert camera.onvif_subscriptions == 0
    assert state(hass, MOTION) == STATE_ON


@pytest.mark.parametrize("how", ["unload", "stop"])
async def test_unload_while_subscribing_leaves_no_pull_point(
    hass: HomeAssistant, camera: EmulatedCamera, how: str
) -> None:
    """Unloaded (or Home Assistant stopped) while a subscription is being made.

    push.py promises the subscription is released at unload and stop within
    RELEASE_TIMEOUT. A camera slow to answer CreatePullPointSubscription
    (here 1 s) makes it all the same; the task cancelled meanwhile never
    learns its address and never unsubscribes it: the pull point stays for
    its term (10 minutes), one of the camera's MaxPullPoints.
    """
    entry = await set_up(hass, entry_for(camera))
    await _receiving(hass, camera)
    camera.inject(
        Fault(
            "latency",
            params={"operation": "CreatePullPointSubscription"},
            count=1,
            delay=1.0,
        )
    )
    camera.drop_onvif_subscriptions()
    await until(hass, lambda: any(r.fault == "latency" for r in camera.requests))
    async with asyncio.timeout(push.RELEASE_TIMEOUT + 1.0):
        if how == "unload":
            assert await hass.config_entries.async_unload(entry.entry_id)
        else:
            await hass.async_stop()
    await asyncio.sleep(1.5)
    assert camera.onvif_subscriptions == 0


@pytest.mark.parametrize("kind", ["disconnect", "truncated", "latency"])
async def test_get_services_dropped_falls_back_to_get_capabilities(
    hass: HomeAssistant, camera: EmulatedCamera, kind: FaultKind
) -> None:
    """A camera that drops the connection on GetServices, and has GetCapabilities.

    api/onvif.py: the event service is found by "GetServices, else
    GetCapabilities"; the fallback is taken for an answer it cannot use, not
    for a connection the camera closed on that request, so ONVIF is never
    used although GetCapabilities names the event service. The same for a
    GetServices never answered (the request times out).
    """
    camera.inject(Fault(kind, params={"operation": "GetServices"}, delay=3.0))
    await set_up(hass, entry_for(camera))
    await settle(hass, 4.0)
    assert receiving(hass), reason(hass)


async def test_a_long_pull_reply_is_read(
    hass: HomeAssistant, camera: EmulatedCamera
) -> None:
    """A PullMessagesResponse of 400 messages, the last one motion starting.

    We ask for 100 at most; a camera that sends more is read up to
    MAX_PULL_MESSAGES, what a reply within REPLY_LIMIT (256 KB) holds.
    """
    await set_up(hass, entry_for(camera))
    await _receiving(hass, camera)
    fired = alarms(hass)
    filler = notification(
        "tns1:VideoSource/ImageTooBlurry/ImagingService",
        "false",
        item="State",
        operation="Initialized",
        namespaces='xmlns:wsa="http://www.w3.org/2005/08/addressing"',
    )
    rewrite(
        camera,
        "PullMessages",
        pull_reply(*[filler] * 399, notification(CELL_MOTION, "true")),
    )
    camera.trigger_motion(duration=None)
    await until(hass, lambda: state(hass, MOTION) == STATE_ON)
    await settle(hass, 0.3)
    assert [alarm["event_type"] for alarm in fired] == ["motion"]


@pytest.mark.parametrize("onvif_quirks", [OnvifQuirks(pull_immediately=True)])
async def test_renew_answered_as_lost_while_pulls_work_is_no_storm(
    hass: HomeAssistant, camera: EmulatedCamera, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Renew answered "not found" while the pulls go on working: pulled on.

    push.py: a Renew "answered as if the subscription were gone while its
    pulls work: the pulls are left to keep it, and say when it is gone". A
    short term makes every pull renew; a new subscription each time would be
    four requests a second with pulls answered at once.
    """
    monkeypatch.setattr(push, "SUBSCRIPTION_TERM", timedelta(seconds=30))
    monkeypatch.setattr(push, "RENEW_RETRY", timedelta(0))
    await set_up(hass, entry_for(camera))
    await until(hass, lambda: receiving(hass) and len(ops(camera, "Renew")) > 0)
    created = len(ops(camera, "CreatePullPointSubscription"))
    renewed = len(ops(camera, "Renew"))
    camera.inject(
        Fault("http_status", status=404, params={"operation": "Renew"}, count=None)
    )
    await settle(hass, 3.0)
    assert len(ops(camera, "CreatePullPointSubscription")) == created
    assert len(ops(camera, "Renew")) == renewed + 1
    assert receiving(hass)
    camera.trigger_motion(duration=None)
    await until(hass, lambda: state(hass, MOTION) == STATE_ON)


async def test_subscriptions_lost_one_after_another_back_off(
    hass: HomeAssistant, camera: EmulatedCamera, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A camera that forgets each pull point soon after making it: waits grow.

    push.py: "Subscriptions lost in a row also follow RETRY_DELAYS"; a pull
    that works in between does not end the row, a subscription that lasted
    LASTED does.
    """
    waits = record_waits(monkeypatch)
    await set_up(hass, entry_for(camera))
    for _ in range(4):
        await until(hass, lambda: receiving(hass) and held_pull(camera))
        pulls = len(ops(camera, "PullMessages"))
        # One pull answered on this subscription, then the camera forgets it.
        await until(hass, lambda: len(ops(camera, "PullMessages")) > pulls)  # noqa: B023
        created = len(ops(camera, "CreatePullPointSubscription"))
        camera.drop_onvif_subscriptions()
        await until(
            hass,
            lambda: len(ops(camera, "CreatePullPointSubscription")) > created,  # noqa: B023
        )
    assert waits == list(push.RETRY_DELAYS[:4])
    # One that lasts ends the row: the next loss waits the shortest again.
    monkeypatch.setattr(push, "LASTED", timedelta(0))
    await until(hass, lambda: receiving(hass) and held_pull(camera))
    pulls = len(ops(camera, "PullMessages"))
    await until(hass, lambda: len(ops(camera, "PullMessages")) > pulls)
    created = len(ops(camera, "CreatePullPointSubscription"))
    camera.drop_onvif_subscriptions()
    await until(hass, lambda: len(ops(camera, "CreatePullPointSubscription")) > created)
    assert waits[-1] == push.RETRY_DELAYS[0]


async def test_a_redirect_where_onvif_worked_is_a_failure_not_no_onvif(
    hass: HomeAssistant, camera: EmulatedCamera
) -> None:
    """ONVIF restarting, the web server redirects meanwhile: tried again soon.

    push.py: a web server "where ONVIF answered before: restarting, most
    likely"; only a camera whose ONVIF never worked reads as having none
    (asked again every ten minutes).
    """
    await set_up(hass, entry_for(camera))
    await until(hass, lambda: receiving(hass) and held_pull(camera))
    reasons = track_reasons(hass)
    fault = camera.inject(
        Fault(
            "http_status",
            status=302,
            params={"operation": "GetSystemDateAndTime"},
            count=None,
        )
    )
    camera.drop_onvif_subscriptions()
    await until(hass, lambda: reason(hass) == "onvif_failing")
    assert fault.fired >= 2
    camera.clear_faults()
    await until(hass, lambda: receiving(hass) and held_pull(camera))
    assert "no_onvif" not in reasons


async def test_motion_region_detector_and_a_deleted_rule(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The Motion Region Detector is motion; a deleted motion rule takes its motion.

    ONVIF Analytics Service Specification, Motion Region Detector: topic
    tns1:RuleEngine/MotionRegionDetector/Motion, Data item State. ONVIF Core,
    "Property Events": a property's PropertyOperation is Initialized,
    Changed or Deleted; a rule deleted while it reported motion leaves none
    (here the message repeats the last value, State true).
    """
    region = "tns1:RuleEngine/MotionRegionDetector/Motion"
    entry = await set_up(hass, entry_for(camera))
    await _receiving(hass, camera)
    fired = alarms(hass)
    rewrite(
        camera, "PullMessages", pull_reply(notification(region, "true", item="State"))
    )
    await until(hass, lambda: state(hass, MOTION) == STATE_ON)
    assert [alarm["event_type"] for alarm in fired] == ["motion"]
    rewrite(
        camera,
        "PullMessages",
        pull_reply(notification(region, "true", item="State", operation="Deleted")),
    )
    await until(hass, lambda: state(hass, MOTION) == STATE_OFF)
    assert [alarm["event_type"] for alarm in fired] == ["motion"]
    assert receiving(hass)
    await hass.config_entries.async_unload(entry.entry_id)
    assert_quiet_log(caplog)


async def test_onvif_alone_refusing_the_login_spaces_its_attempts_out(
    camera: EmulatedCamera,
) -> None:
    """Only ONVIF refuses the login (accounts of its own): the waits double.

    The camera's CGI requests, accepted, keep the login gate it shares with
    ONVIF open, so nothing else spaces the refused attempts out: at a fixed
    REFUSED_DELAY they never ended. push.py: "doubled at each refusal in a
    row, up to REFUSED_DOUBLINGS times"; a subscription made ends the row.
    """
    async with aiohttp.ClientSession() as http:
        client = OnvifClient(
            host="127.0.0.1",
            port=camera.port,
            username=USERNAME,
            password=PASSWORD + "x",
            session=http,
            request_timeout=2,
        )
        events = push.OnvifPush(
            client, on_events=lambda _: None, on_status=lambda _: None
        )
        waits = []
        for _ in range(push.REFUSED_DOUBLINGS + 2):
            await events._attempt()
            assert events.status.reason is push.PushReason.LOGIN_REFUSED
            waits.append(events._delay())
        first = push.REFUSED_DELAY
        assert waits == [first, 2 * first, 4 * first, 8 * first, 8 * first]
        client.password = PASSWORD
        await events._attempt()
        assert events.status.up
        await events.async_stop()
        client.password = PASSWORD + "x"
        await events._attempt()
        assert events._delay() == first


def _substitute(pattern: bytes, replacement: bytes) -> Callable[[Reply], Reply]:
    """A reply with ``pattern`` replaced everywhere (a regular expression)."""

    def change(reply: Reply) -> Reply:
        body = re.sub(pattern, replacement, reply.body)
        return Reply(body, reply.content_type, reply.status, headers=reply.headers)

    return change


@pytest.mark.parametrize(
    "moment", ["2026-01-01T00:00:00+24:00", "9999-12-31T23:59:59-01:00"]
)
async def test_a_message_time_no_calendar_holds_is_no_time(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    caplog: pytest.LogCaptureFixture,
    moment: str,
) -> None:
    """A UtcTime with a 24-hour offset, or moved past year 9999, is unreadable.

    xs:dateTime offsets stop at 14:00; Python's stop short of 24 h. The
    ValueError (OverflowError) escaped the reply's reading and ended the ONVIF
    loop until a reload. The message is read without its time.
    """
    await set_up(hass, entry_for(camera))
    await _receiving(hass, camera)
    rewrite(
        camera,
        "PullMessages",
        _substitute(rb'UtcTime="[^"]*"', f'UtcTime="{moment}"'.encode()),
        count=None,
    )
    camera.trigger_motion(duration=None)
    await until(hass, lambda: state(hass, MOTION) == STATE_ON)
    camera.end_motion()
    await until(hass, lambda: state(hass, MOTION) == STATE_OFF)
    assert receiving(hass)
    assert_quiet_log(caplog)


@pytest.mark.parametrize(
    ("operation", "pattern", "replacement"),
    [
        (
            "CreatePullPointSubscription",
            rb"(<wsnt:CurrentTime>[^<]*?)Z<",
            rb"\1+24:00<",
        ),
        ("GetSystemDateAndTime", rb"<tt:UTCDateTime>.*?</tt:UTCDateTime>", b""),
    ],
    ids=["current_time", "posix_zone"],
)
async def test_a_clock_a_whole_day_off_is_no_clock(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    caplog: pytest.LogCaptureFixture,
    operation: str,
    pattern: bytes,
    replacement: bytes,
) -> None:
    """A CurrentTime at +24:00, or only a local time in the POSIX zone CST-24.

    POSIX allows an offset of 24 hours ("hh ... between 0 and 24"), Python's
    timezone does not: the error ended the ONVIF loop at setup. Such a time is
    unreadable and events arrive all the same.
    """
    change = _substitute(pattern, replacement)
    if operation == "GetSystemDateAndTime":
        no_utc = change
        change = lambda reply: _substitute(  # noqa: E731
            rb"<tt:TZ>[^<]*</tt:TZ>", b"<tt:TZ>CST-24</tt:TZ>"
        )(no_utc(reply))
    rewrite(camera, operation, change, count=None)
    await set_up(hass, entry_for(camera))
    await _receiving(hass, camera)
    camera.trigger_motion(duration=None)
    await until(hass, lambda: state(hass, MOTION) == STATE_ON)
    assert_quiet_log(caplog)


async def test_an_unforeseen_error_while_pulling_is_tried_again(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An error nobody foresaw in the loop: logged once, retried after a back-off.

    It ended the loop for good: no ONVIF request until a reload, and with
    ONVIF chosen as the motion source no motion at all.
    """
    await set_up(hass, entry_for(camera))
    await _receiving(hass, camera)
    pull = OnvifSubscription.pull
    failures = 0

    async def unforeseen(
        self: OnvifSubscription, wait: timedelta, limit: int
    ) -> list[OnvifEvent]:
        nonlocal failures
        if failures < 2:
            failures += 1
            msg = "unforeseen"
            raise RuntimeError(msg)
        return await pull(self, wait, limit)

    monkeypatch.setattr(OnvifSubscription, "pull", unforeseen)
    camera.drop_onvif_subscriptions()  # the held pull ends: the next one fails
    await until(hass, lambda: failures == 2 and receiving(hass) and held_pull(camera))
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]
    assert [r.getMessage() for r in logged] == ["ONVIF events of 127.0.0.1 failed"]
    camera.trigger_motion(duration=None)
    await until(hass, lambda: state(hass, MOTION) == STATE_ON)


async def test_motion_ends_when_the_end_names_no_source(
    hass: HomeAssistant, camera: EmulatedCamera
) -> None:
    """Motion on at subscribing (Initialized, with its Source); its end without one.

    Motion was kept per topic and source, so the end landed on another key
    and the sensor stayed on for good.
    """
    camera.trigger_motion(duration=None)
    await set_up(hass, entry_for(camera))
    await until(hass, lambda: state(hass, MOTION) == STATE_ON and held_pull(camera))
    rewrite(
        camera,
        "PullMessages",
        _substitute(rb"<tt:Source>.*?</tt:Source>", b""),
        count=None,
    )
    camera.end_motion()
    await until(hass, lambda: state(hass, MOTION) == STATE_OFF)
