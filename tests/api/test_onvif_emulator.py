"""The ONVIF client against the project's emulated camera.

The emulator's ONVIF services were written from the ONVIF Core Specification
apart from this client; these tests are where the two readings meet. The
emulator's rules each cite their specification sentence (tests/emulator).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from custom_components.excelsense.api import (
    ExcelSenseAuthenticationError,
    ExcelSenseNotSupportedError,
    ExcelSenseResponseError,
    ExcelSenseSubscriptionLostError,
    OnvifClient,
    OnvifEvent,
    PropertyOperation,
)

from .conftest import PASSWORD, USERNAME, ExpectError

if TYPE_CHECKING:
    from collections.abc import Callable

    import aiohttp

    from tests.emulator import EmulatedCamera

CELL = "tns1:RuleEngine/CellMotionDetector/Motion"
ALARM = "tns1:VideoSource/MotionAlarm"
BLURRY = "tns1:VideoSource/ImageTooBlurry/ImagingService"
# Short pulls keep held requests quick; no test asserts a duration.
SHORT = timedelta(seconds=1)


@pytest.fixture
def make_onvif(
    camera: EmulatedCamera, session: aiohttp.ClientSession
) -> Callable[..., OnvifClient]:
    """A client for the emulated camera; motion detection on.

    The camera's clock runs three hours ahead and it names itself at
    192.0.2.10 (as behind NAT).
    """
    camera.state.clock_offset = 3 * 3600
    camera.quirks.reported_ip = "192.0.2.10"
    camera.state.motion_alarm.values["motionDetectionEnableFlag"] = "1"

    def make(**overrides: Any) -> OnvifClient:  # noqa: ANN401 - any option
        options: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": camera.port,
            "username": USERNAME,
            "password": PASSWORD,
            "session": session,
            "request_timeout": 5,
        } | overrides
        return OnvifClient(**options)

    return make


def motion(events: list[OnvifEvent]) -> list[tuple[str, bool | None]]:
    """(topic, motion) of the motion topics' events."""
    return [(e.topic, e.motion) for e in events if e.topic in (CELL, ALARM)]


async def test_motion_cycle(
    make_onvif: Callable[..., OnvifClient], camera: EmulatedCamera
) -> None:
    """A whole subscription's life, one request per step.

    Clock, event service, subscription, the properties' initial state, motion
    on and off, renew, unsubscribe: against a camera hours ahead that names
    itself at another address.
    """
    onvif = make_onvif()
    offset = await onvif.clock()
    assert timedelta(hours=2, minutes=59) < offset < timedelta(hours=3, minutes=1)
    assert await onvif.event_service() == "/onvif/event_service"
    subscription = await onvif.subscribe()
    assert subscription.address.startswith("/onvif/subscription/")
    assert camera.onvif_subscriptions == 1

    first = await subscription.pull(SHORT)
    assert motion(first) == [(CELL, False), (ALARM, False)]
    assert {e.operation for e in first} == {PropertyOperation.INITIALIZED}
    blurry = next(e for e in first if e.topic == BLURRY)
    assert blurry.motion is None
    assert blurry.data == {"State": "false"}

    assert camera.trigger_motion(None)
    on = await subscription.pull(SHORT)
    assert motion(on) == [(CELL, True), (ALARM, True)]
    assert {e.operation for e in on} == {PropertyOperation.CHANGED}
    assert all(e.utc_time is not None for e in on)
    camera.end_motion()
    assert motion(await subscription.pull(SHORT)) == [(CELL, False), (ALARM, False)]

    before = subscription.termination_time
    await subscription.renew(timedelta(minutes=5))
    assert subscription.termination_time is not None
    assert before is not None
    await subscription.unsubscribe()
    assert camera.onvif_subscriptions == 0
    assert onvif.request_counts == {
        "GetSystemDateAndTime": 1,
        "GetServices": 1,
        "CreatePullPointSubscription": 1,
        "PullMessages": 3,
        "Renew": 1,
        "Unsubscribe": 1,
    }


async def test_camera_clock_needed(
    make_onvif: Callable[..., OnvifClient], expect_error: ExpectError
) -> None:
    """The token is accepted once the camera's clock is read.

    The emulated camera checks Created against its own clock: a token in ours
    is refused, the client reads the clock and sends the request once more.
    """
    onvif = make_onvif()
    await (await onvif.subscribe()).unsubscribe()
    assert onvif.request_counts["GetSystemDateAndTime"] == 1


@pytest.mark.parametrize("zone", ["CST-8", "CST+5", "CST0"])
async def test_camera_clock_from_its_local_time(
    make_onvif: Callable[..., OnvifClient], camera: EmulatedCamera, zone: str
) -> None:
    """A camera that gives LocalDateTime only is read in its POSIX time zone.

    "A device shall provide the UTCDateTime information although the item is
    marked as optional"; firmware that leaves it out still names TZ ("CST-8":
    eight hours east). The camera runs three hours ahead: its token must be
    stamped in its clock, not ours.
    """
    camera.onvif_quirks.local_time_only = zone
    onvif = make_onvif()
    offset = await onvif.clock()
    assert abs(offset - timedelta(hours=3)) < timedelta(seconds=5)
    await (await onvif.subscribe()).unsubscribe()
    assert onvif.request_counts["GetSystemDateAndTime"] == 1


async def test_wrong_password(
    make_onvif: Callable[..., OnvifClient], expect_error: ExpectError
) -> None:
    """A refused password: authentication error (ter:NotAuthorized)."""
    onvif = make_onvif(password="not the password")
    await onvif.clock()
    await expect_error(ExcelSenseAuthenticationError, onvif.subscribe())


async def test_http_digest(
    make_onvif: Callable[..., OnvifClient], camera: EmulatedCamera
) -> None:
    """A camera that protects its services with HTTP Digest as well.

    ONVIF Core, Security, "Authentication over HTTP and HTTPS": the services
    "shall be protected using digest authentication according to [RFC 2617]";
    a request without it gets "an HTTP 401 error". The challenge is answered
    once, and later requests carry the answer without being asked again.
    """
    camera.onvif_quirks.http_digest = True
    onvif = make_onvif()
    await onvif.clock()
    subscription = await onvif.subscribe()
    assert motion(await subscription.pull(SHORT)) == [(CELL, False), (ALARM, False)]
    await subscription.renew()
    await subscription.unsubscribe()
    onvif_requests = [r for r in camera.requests if r.path.startswith("/onvif")]
    assert [r.status for r in onvif_requests].count(401) == 1
    assert [r.get("operation") for r in onvif_requests if r.status == 401] == [
        "CreatePullPointSubscription"
    ]
    assert camera.onvif_subscriptions == 0


async def test_http_digest_wrong_password(
    make_onvif: Callable[..., OnvifClient],
    camera: EmulatedCamera,
    expect_error: ExpectError,
) -> None:
    """A Digest answer the camera refuses is a refused login, asked twice at most."""
    camera.onvif_quirks.http_digest = True
    camera.state.protocol_security.values["protocolSecurityFlag"] = "0"
    onvif = make_onvif(password="not the password")
    await onvif.clock()
    await expect_error(ExcelSenseAuthenticationError, onvif.subscribe())
    creates = [
        r
        for r in camera.requests
        if r.get("operation") == "CreatePullPointSubscription"
    ]
    assert [r.status for r in creates] == [401, 401]


async def test_authentication_off(
    make_onvif: Callable[..., OnvifClient], camera: EmulatedCamera
) -> None:
    """With protocolSecurityFlag 0 the token the client always sends does no harm."""
    camera.state.protocol_security.values["protocolSecurityFlag"] = "0"
    onvif = make_onvif(password="not the password")
    subscription = await onvif.subscribe()
    assert motion(await subscription.pull(SHORT)) == [(CELL, False), (ALARM, False)]


@pytest.mark.parametrize(
    ("quirk", "call"),
    [
        ("enabled", lambda onvif: onvif.clock()),
        ("events", lambda onvif: onvif.event_service()),
    ],
)
async def test_no_onvif_or_no_events(
    make_onvif: Callable[..., OnvifClient],
    camera: EmulatedCamera,
    expect_error: ExpectError,
    quirk: str,
    call: Callable[[OnvifClient], Any],
) -> None:
    """Firmware without ONVIF (404) or without an event service: not supported."""
    setattr(camera.onvif_quirks, quirk, False)
    onvif = make_onvif()
    if quirk == "events":
        await onvif.clock()
    await expect_error(ExcelSenseNotSupportedError, call(onvif))


async def test_renew_refused(
    make_onvif: Callable[..., OnvifClient],
    camera: EmulatedCamera,
    expect_error: ExpectError,
) -> None:
    """A refused Renew is not supported; the pulls still work.

    Firmware that keeps pull points alive by their pulls alone answers Renew
    with ActionNotSupported.
    """
    camera.onvif_quirks.renew_refused = True
    onvif = make_onvif()
    await onvif.clock()
    subscription = await onvif.subscribe()
    await expect_error(ExcelSenseNotSupportedError, subscription.renew())
    assert motion(await subscription.pull(SHORT)) == [(CELL, False), (ALARM, False)]


async def test_termination_time_refused(
    make_onvif: Callable[..., OnvifClient],
    camera: EmulatedCamera,
    expect_error: ExpectError,
) -> None:
    """A camera that grants five minutes at most: subscribed anyway.

    ONVIF Core 9.1.1: "If the device does not accept the InitialTerminationTime
    of a subscription, it shall provide a valid InitialTerminationTime within
    the Fault Message", and the InitialTerminationTime is optional: asked
    again as an absolute time (for cameras refusing durations), then without
    it, the camera chooses. A Renew past its limit is refused
    (UnacceptableTerminationTimeFault): taken as a camera that does not renew,
    its pulls keep the pull point alive.
    """
    camera.onvif_quirks.max_term = timedelta(minutes=5)
    onvif = make_onvif()
    await onvif.clock()
    subscription = await onvif.subscribe(timedelta(minutes=10))
    creates = [
        r
        for r in camera.requests
        if r.get("operation") == "CreatePullPointSubscription"
    ]
    assert [r.status for r in creates] == [500, 500, 200]
    assert camera.onvif_subscriptions == 1
    assert subscription.termination_time is not None
    assert motion(await subscription.pull(SHORT)) == [(CELL, False), (ALARM, False)]
    await expect_error(ExcelSenseNotSupportedError, subscription.renew())
    await subscription.renew(timedelta(minutes=4))


async def test_lost_subscription_as_unreachable(
    make_onvif: Callable[..., OnvifClient],
    camera: EmulatedCamera,
    expect_error: ExpectError,
) -> None:
    """A gone pull point answered with wsa:DestinationUnreachable is lost too.

    WS-Addressing 1.0 SOAP Binding 6.4.2: "No route can be determined to
    reach [destination]".
    """
    camera.onvif_quirks.gone_unreachable = True
    onvif = make_onvif()
    await onvif.clock()
    subscription = await onvif.subscribe()
    camera.drop_onvif_subscriptions()
    await expect_error(ExcelSenseSubscriptionLostError, subscription.pull(SHORT))
    await expect_error(ExcelSenseSubscriptionLostError, subscription.unsubscribe())


async def test_lost_subscription(
    make_onvif: Callable[..., OnvifClient],
    camera: EmulatedCamera,
    expect_error: ExpectError,
) -> None:
    """A camera that lost its pull points (a reboot): subscription lost."""
    onvif = make_onvif()
    await onvif.clock()
    subscription = await onvif.subscribe()
    camera.drop_onvif_subscriptions()
    await expect_error(ExcelSenseSubscriptionLostError, subscription.pull(SHORT))
    await expect_error(ExcelSenseSubscriptionLostError, subscription.renew())


async def test_subscription_limit(
    make_onvif: Callable[..., OnvifClient],
    camera: EmulatedCamera,
    expect_error: ExpectError,
) -> None:
    """More pull points than the camera holds: a plain response error.

    Neither authentication nor not-supported: the caller retries later.
    """
    camera.onvif_quirks.max_pull_points = 1
    onvif = make_onvif()
    await onvif.clock()
    await onvif.subscribe()
    error = await expect_error(ExcelSenseResponseError, onvif.subscribe())
    assert type(error) is ExcelSenseResponseError


@pytest.mark.parametrize(
    ("quirk", "topics"),
    [
        ("numeric_booleans", [(CELL, True), (ALARM, True)]),
        ("motion_alarm_only", [(ALARM, True)]),
    ],
)
async def test_motion_variants(
    make_onvif: Callable[..., OnvifClient],
    camera: EmulatedCamera,
    quirk: str,
    topics: list[tuple[str, bool]],
) -> None:
    """The motion reading survives 1/0 booleans and a lone motion alarm topic."""
    setattr(camera.onvif_quirks, quirk, True)
    onvif = make_onvif()
    await onvif.clock()
    subscription = await onvif.subscribe()
    await subscription.pull(SHORT)
    assert camera.trigger_motion(None)
    assert motion(await subscription.pull(SHORT)) == topics


async def test_blurry_is_an_event_without_motion(
    make_onvif: Callable[..., OnvifClient], camera: EmulatedCamera
) -> None:
    """Other topics stay events with their topic and values."""
    onvif = make_onvif()
    await onvif.clock()
    subscription = await onvif.subscribe()
    await subscription.pull(SHORT)
    camera.set_image_too_blurry(True)
    (event,) = await subscription.pull(SHORT)
    assert (event.topic, event.data, event.motion) == (BLURRY, {"State": "true"}, None)
