"""ONVIF event service of the emulator: pull-point subscriptions and motion.

Each test quotes the ONVIF Core Specification chapter 9 "Event handling" (or
WS-BaseNotification) sentence it checks.  Pull timeouts are short (PT1S) so
the held pulls stay quick; no test asserts how long anything took.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, timedelta
import sys
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import aiohttp
import pytest

from tests.emulator import EmulatedCamera, OnvifQuirks

from .soap_client import (
    CONCRETE_SET,
    CREATE,
    EVENTS,
    NS,
    TOPIC_FILTER,
    Answer,
    Onvif,
    parse_utc,
)
from .test_cli import REPO

if TYPE_CHECKING:
    from tests.emulator import ManualClock

    from .conftest import Api

CELL = "tns1:RuleEngine/CellMotionDetector/Motion"
ALARM = "tns1:VideoSource/MotionAlarm"
BLURRY = "tns1:VideoSource/ImageTooBlurry/ImagingService"
RESOURCE_UNKNOWN = "ResourceUnknownFault"


@pytest.fixture
def onvif(session: aiohttp.ClientSession, cam: EmulatedCamera) -> Onvif:
    """Raw ONVIF client bound to the ``cam`` fixture, motion detection on."""
    cam.state.motion_alarm.values["motionDetectionEnableFlag"] = "1"
    return Onvif(session, cam)


async def _drain(onvif: Onvif, path: str) -> list[dict[str, str]]:
    answer = await onvif.pull(path, "PT0S")
    assert answer.status == 200, answer.text
    return answer.messages()


async def _held(onvif: Onvif, path: str, wait: str = "PT30S") -> asyncio.Task[Answer]:
    """A pull the camera is holding (its request has arrived)."""
    seen = len(onvif.cam.requests)
    task = asyncio.create_task(onvif.pull(path, wait))
    while len(onvif.cam.requests) == seen:  # noqa: ASYNC110 - no hook to wait on
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.1)
    assert not task.done()
    return task


def _fault_detail(answer: Answer) -> tuple[int, str]:
    return answer.status, answer.detail()


# ------------------------------------------------------------------------ subscriptions


async def test_create_pull_point(onvif: Onvif, cam: EmulatedCamera) -> None:
    """CreatePullPointSubscription: "A device shall respond both parameters
    CurrentTime and TerminationTime as utc using the 'Z' indicator"; the
    reference is an absolute URL with the camera's own address."""  # noqa: D205, D209
    cam.quirks.reported_ip = "192.0.2.10"
    body = (
        "<tev:CreatePullPointSubscription><tev:InitialTerminationTime>PT90S"
        "</tev:InitialTerminationTime></tev:CreatePullPointSubscription>"
    )
    path, answer = await onvif.subscribe(body)
    response = "tev:CreatePullPointSubscriptionResponse"
    address = answer.value(f"{response}/tev:SubscriptionReference/wsa:Address")
    assert urlsplit(address).netloc == f"192.0.2.10:{cam.port}"
    assert path.startswith("/onvif/subscription/")
    current = parse_utc(answer.value(f"{response}/wsnt:CurrentTime"))
    termination = parse_utc(answer.value(f"{response}/wsnt:TerminationTime"))
    assert termination - current == timedelta(seconds=90)
    assert cam.onvif_subscriptions == 1
    action = answer.root.findtext("env:Header/wsa:Action", "", NS)
    assert action == f"{NS['tev']}/EventPortType/CreatePullPointSubscriptionResponse"


async def test_initialized_then_changed(onvif: Onvif, cam: EmulatedCamera) -> None:
    """Property events: "the device shall provide notifications informing the
    client of all objects with the requested property, which are alive at the
    time of the subscription" ("Initialized"), then "Changed"."""  # noqa: D205, D209
    assert cam.trigger_motion(None)
    path, _ = await onvif.subscribe()
    messages = await _drain(onvif, path)
    assert [(m["topic"], m["operation"]) for m in messages] == [
        (CELL, "Initialized"),
        (ALARM, "Initialized"),
        (BLURRY, "Initialized"),
    ]
    cell, alarm, blurry = messages
    assert cell["IsMotion"] == "true"
    assert cell["dialect"] == CONCRETE_SET
    assert cell["source.VideoSourceConfigurationToken"]
    assert cell["source.Rule"]
    assert alarm["State"] == "true"
    assert alarm["source.Source"]
    assert blurry["State"] == "false"
    cam.end_motion()
    messages = await _drain(onvif, path)
    assert [(m["topic"], m["operation"]) for m in messages] == [
        (CELL, "Changed"),
        (ALARM, "Changed"),
    ]
    assert [messages[0]["IsMotion"], messages[1]["State"]] == ["false", "false"]
    utc = parse_utc(messages[0]["time"])
    assert abs(utc - cam.device.now().astimezone(utc.tzinfo)) < timedelta(seconds=2)


async def test_held_pull_answers_on_motion(onvif: Onvif, cam: EmulatedCamera) -> None:
    """PullMessages: "If there are no messages waiting, and the device generates
    a message ... prior to reaching the Timeout, the device shall immediately
    respond with the generated messages"."""  # noqa: D205, D209
    path, _ = await onvif.subscribe()
    await _drain(onvif, path)
    task = await _held(onvif, path)
    assert cam.trigger_motion(5)
    answer = await asyncio.wait_for(task, 20)
    assert [(m["topic"], m["operation"]) for m in answer.messages()] == [
        (CELL, "Changed"),
        (ALARM, "Changed"),
    ]
    assert answer.messages()[0]["IsMotion"] == "true"


async def test_held_pull_sees_motion_end(
    onvif: Onvif, cam: EmulatedCamera, clock: ManualClock
) -> None:
    """A motion alarm that ends by itself (its duration on the camera clock)
    reaches a held pull as IsMotion false."""  # noqa: D205, D209
    path, _ = await onvif.subscribe()
    assert cam.trigger_motion(5)
    await _drain(onvif, path)
    task = await _held(onvif, path)
    clock.advance(5)
    answer = await asyncio.wait_for(task, 20)
    assert [m["IsMotion"] for m in answer.messages() if m["topic"] == CELL] == ["false"]


async def test_pull_times_out_empty(onvif: Onvif) -> None:
    """PullMessages: "If there are no messages waiting, and the device does not
    generate any message prior to reaching the Timeout, the device shall
    respond with zero messages"; "A device shall respond both parameters
    CurrentTime and TerminationTime as utc"."""  # noqa: D205, D209
    path, _ = await onvif.subscribe()
    await _drain(onvif, path)
    answer = await onvif.pull(path, "PT1S")
    assert answer.status == 200, answer.text
    assert answer.messages() == []
    assert parse_utc(answer.value("tev:PullMessagesResponse/tev:CurrentTime"))
    assert parse_utc(answer.value("tev:PullMessagesResponse/tev:TerminationTime"))


async def test_message_limit(onvif: Onvif) -> None:
    """PullMessages: "If there are one or more messages waiting ... the device shall
    immediately respond with the waiting messages, up to the MessageLimit. The
    device shall not discard unsent messages"."""  # noqa: D205, D209
    path, _ = await onvif.subscribe()
    first = await onvif.pull(path, "PT1S", limit=1)
    assert [m["topic"] for m in first.messages()] == [CELL]
    rest = await onvif.pull(path, "PT1S", limit=5)
    assert [m["topic"] for m in rest.messages()] == [ALARM, BLURRY]


async def test_pull_arguments(onvif: Onvif) -> None:
    """PullMessagesFaultResponse: "Only when the Timeout exceeds the upper limit
    supported by the device" (here ten minutes; "The device shall support a
    Timeout of at least one minute"); a missing Timeout is ter:InvalidArgs."""  # noqa: D205, D209
    path, _ = await onvif.subscribe()
    answer = await onvif.pull(path, "PT11M")
    assert _fault_detail(answer) == (500, "PullMessagesFaultResponse")
    assert answer.value(
        "env:Fault/env:Detail/tev:PullMessagesFaultResponse/tev:MaxTimeout"
    )
    answer = await onvif.call(
        path,
        "<tev:PullMessages><tev:MessageLimit>1</tev:MessageLimit></tev:PullMessages>",
    )
    assert (answer.status, answer.fault) == (400, ("env:Sender", "ter:InvalidArgs"))
    answer = await onvif.pull(path, "-PT1S")
    assert (answer.status, answer.fault) == (400, ("env:Sender", "ter:InvalidArgVal"))
    assert (await onvif.pull(path, "PT1M", limit=1)).status == 200


async def test_concurrent_pull_refused(onvif: Onvif) -> None:
    """PullMessages: "A device should return an error (UnableToGetMessagesFault) when
    receiving a PullMessages request for a subscription where a blocking
    PullMessage request already exists"."""  # noqa: D205, D209
    path, _ = await onvif.subscribe()
    await _drain(onvif, path)
    task = await _held(onvif, path, "PT2S")
    assert _fault_detail(await onvif.pull(path)) == (500, "UnableToGetMessagesFault")
    assert (await asyncio.wait_for(task, 20)).status == 200


async def test_expiry(onvif: Onvif, cam: EmulatedCamera, clock: ManualClock) -> None:
    """Pull Point Lifecycle: "A pull point shall exist until either its
    termination time has elapsed or the client has requested its disposal";
    SOAP Fault Messages: sent "as a SOAP receiver fault (env:Receiver), i.e.
    the HTTP error code shall be 500"."""  # noqa: D205, D209
    path, _ = await onvif.subscribe()
    clock.advance(59)
    assert (await onvif.pull(path, "PT0S")).status == 200
    clock.advance(61)
    answer = await onvif.pull(path, "PT0S")
    assert _fault_detail(answer) == (500, RESOURCE_UNKNOWN)
    assert answer.fault == ("env:Receiver",)
    assert answer.root.findtext("env:Header/wsa:Action", "", NS) == (
        "http://www.w3.org/2005/08/addressing/soap/fault"
    )
    assert cam.onvif_subscriptions == 0


async def test_pull_keeps_subscription_alive(onvif: Onvif, clock: ManualClock) -> None:
    """Create pull point subscription: "after a PullMessages response is
    returned, the subscription should be active for at least the timeout
    specified in the PullMessages request"."""  # noqa: D205, D209
    body = (
        "<tev:CreatePullPointSubscription><tev:InitialTerminationTime>PT10S"
        "</tev:InitialTerminationTime></tev:CreatePullPointSubscription>"
    )
    path, _ = await onvif.subscribe(body)
    answer = await onvif.pull(path, "PT60S")  # answered at once: messages wait
    current = parse_utc(answer.value("tev:PullMessagesResponse/tev:CurrentTime"))
    termination = parse_utc(
        answer.value("tev:PullMessagesResponse/tev:TerminationTime")
    )
    assert termination - current >= timedelta(seconds=59)
    clock.advance(30)
    assert (await onvif.pull(path, "PT0S")).status == 200


async def test_absolute_and_unacceptable_termination(
    onvif: Onvif, cam: EmulatedCamera
) -> None:
    """CreatePullPointSubscription: "A device shall support an absolute time
    value specified in utc as well as a relative time value for the
    InitialTerminationTime parameter"; one in the past fails
    (WS-BaseNotification UnacceptableInitialTerminationTimeFault)."""  # noqa: D205, D209
    future = cam.device.now().astimezone(UTC) + timedelta(minutes=5)
    stamp = f"{future:%Y-%m-%dT%H:%M:%SZ}"
    body = (
        "<tev:CreatePullPointSubscription><tev:InitialTerminationTime>"
        f"{stamp}</tev:InitialTerminationTime></tev:CreatePullPointSubscription>"
    )
    _, answer = await onvif.subscribe(body)
    assert (
        answer.value("tev:CreatePullPointSubscriptionResponse/wsnt:TerminationTime")
        == stamp
    )
    for value in ("PT0S", "2001-01-01T00:00:00Z", "soon"):
        answer = await onvif.call(EVENTS, body.replace(stamp, value))
        assert _fault_detail(answer) == (500, "UnacceptableInitialTerminationTimeFault")


async def test_renew(onvif: Onvif, clock: ManualClock) -> None:
    """Renew: "The new relative or absolute termination time"; "A device shall
    respond both parameters CurrentTime and TerminationTime as utc"."""  # noqa: D205, D209
    path, _ = await onvif.subscribe()
    answer = await onvif.call(
        path,
        "<wsnt:Renew><wsnt:TerminationTime>PT120S</wsnt:TerminationTime></wsnt:Renew>",
    )
    assert answer.status == 200, answer.text
    current = parse_utc(answer.value("wsnt:RenewResponse/wsnt:CurrentTime"))
    termination = parse_utc(answer.value("wsnt:RenewResponse/wsnt:TerminationTime"))
    assert termination - current == timedelta(seconds=120)
    clock.advance(100)
    assert (await onvif.pull(path, "PT0S")).status == 200
    answer = await onvif.call(
        path,
        "<wsnt:Renew><wsnt:TerminationTime>PT0S</wsnt:TerminationTime></wsnt:Renew>",
    )
    assert _fault_detail(answer) == (500, "UnacceptableTerminationTimeFault")


async def test_renew_refused_quirk(onvif: Onvif, cam: EmulatedCamera) -> None:
    """Quirk ``renew_refused``: Renew is "env:Receiver, ter:ActionNotSupported"
    and the event capabilities say MaxNotificationProducers 0."""  # noqa: D205, D209
    cam.onvif_quirks.renew_refused = True
    path, _ = await onvif.subscribe()
    answer = await onvif.call(
        path,
        "<wsnt:Renew><wsnt:TerminationTime>PT60S</wsnt:TerminationTime></wsnt:Renew>",
    )
    assert (answer.status, answer.fault) == (
        500,
        ("env:Receiver", "ter:ActionNotSupported"),
    )
    answer = await onvif.call(EVENTS, "<tev:GetServiceCapabilities/>", auth=False)
    capabilities = answer.find("tev:GetServiceCapabilitiesResponse/tev:Capabilities")
    assert capabilities.get("MaxNotificationProducers") == "0"


async def test_unsubscribe(onvif: Onvif, cam: EmulatedCamera) -> None:
    """Unsubscribe: "This command shall terminate the lifetime of a pull
    point"; later requests to it get ResourceUnknownFault."""  # noqa: D205, D209
    path, _ = await onvif.subscribe()
    await _drain(onvif, path)
    task = await _held(onvif, path)
    answer = await onvif.call(path, "<wsnt:Unsubscribe/>")
    assert answer.status == 200, answer.text
    assert answer.find("wsnt:UnsubscribeResponse") is not None
    assert cam.onvif_subscriptions == 0
    assert _fault_detail(await asyncio.wait_for(task, 20)) == (500, RESOURCE_UNKNOWN)
    assert _fault_detail(await onvif.pull(path)) == (500, RESOURCE_UNKNOWN)
    assert _fault_detail(await onvif.call(path, "<wsnt:Unsubscribe/>")) == (
        500,
        RESOURCE_UNKNOWN,
    )
    assert _fault_detail(await onvif.pull("/onvif/subscription/nope")) == (
        500,
        RESOURCE_UNKNOWN,
    )


async def test_subscription_limit(onvif: Onvif, cam: EmulatedCamera) -> None:
    """Lifecycle: "A device shall create a new pull point on each
    CreatePullPointSubscription command as long as the number of instantiated
    pull points does not exceed the capability MaxPullPoints"; past it, the
    WS-BaseNotification SubscribeCreationFailedFault."""  # noqa: D205, D209
    paths = [(await onvif.subscribe())[0] for _ in range(3)]
    answer = await onvif.call(EVENTS, CREATE)
    assert _fault_detail(answer) == (500, "SubscribeCreationFailedFault")
    await onvif.call(paths[0], "<wsnt:Unsubscribe/>")
    assert (await onvif.call(EVENTS, CREATE)).status == 200
    cam.onvif_quirks.max_pull_points = 5
    assert (await onvif.call(EVENTS, CREATE)).status == 200


async def test_event_operations_need_token(onvif: Onvif) -> None:
    """CreatePullPointSubscription and PullMessages have access class
    READ_MEDIA: without a token, env:Sender ter:NotAuthorized."""  # noqa: D205, D209
    answer = await onvif.call(EVENTS, CREATE, auth=False)
    assert (answer.status, answer.fault) == (400, ("env:Sender", "ter:NotAuthorized"))
    path, _ = await onvif.subscribe()
    answer = await onvif.call(path, "<wsnt:Unsubscribe/>", auth=False)
    assert answer.status == 400


# ------------------------------------------------------------------------------- topics


async def test_event_properties(onvif: Onvif) -> None:
    """GetEventProperties: "The following TopicExpressionDialects are mandatory"
    (Concrete, ConcreteSet); "A device that does not support any
    MessageContentFilterDialect shall return a single empty url"."""  # noqa: D205, D209
    answer = await onvif.call(EVENTS, "<tev:GetEventProperties/>")
    response = "tev:GetEventPropertiesResponse"
    assert answer.value(f"{response}/wsnt:FixedTopicSet") == "true"
    dialects = {
        item.text for item in answer.findall(f"{response}/wsnt:TopicExpressionDialect")
    }
    assert dialects == {
        CONCRETE_SET,
        "http://docs.oasis-open.org/wsn/t-1/TopicExpression/Concrete",
    }
    assert [
        item.text
        for item in answer.findall(f"{response}/tev:MessageContentFilterDialect")
    ] == [None]
    leaves = {
        element.tag
        for element in answer.find(f"{response}/wstop:TopicSet").iter()
        if element.get(f"{{{NS['wstop']}}}topic") == "true"
    }
    assert leaves == {"Motion", "MotionAlarm", "ImagingService"}
    motion = next(answer.find(f"{response}/wstop:TopicSet").iter("Motion"))
    description = motion.find("tt:MessageDescription", NS)
    assert description is not None
    assert description.get("IsProperty") == "true"
    item = description.find("tt:Data/tt:SimpleItemDescription", NS)
    assert item is not None
    assert (item.get("Name"), item.get("Type")) == ("IsMotion", "xs:boolean")


@pytest.mark.parametrize(
    ("dialect", "expression", "topics"),
    [
        (CONCRETE_SET, "tns1:VideoSource//.", [ALARM, BLURRY]),
        (CONCRETE_SET, f"{CELL}|{BLURRY}", [CELL, BLURRY]),
        ("http://docs.oasis-open.org/wsn/t-1/TopicExpression/Concrete", CELL, [CELL]),
    ],
)
async def test_topic_filter(
    onvif: Onvif, dialect: str, expression: str, topics: list[str]
) -> None:
    """Topic Filter: "An ONVIF compliant device shall support the Concrete Topic
    Expressions"; ConcreteSet adds "|" and subtrees ending in "//."."""  # noqa: D205, D209
    path, _ = await onvif.subscribe(
        TOPIC_FILTER.format(dialect=dialect, expression=expression)
    )
    assert [m["topic"] for m in await _drain(onvif, path)] == topics


@pytest.mark.parametrize(
    ("dialect", "expression", "fault"),
    [
        ("urn:unknown", CELL, "TopicExpressionDialectUnknownFault"),
        (CONCRETE_SET, "tns1:PTZController//.", "TopicNotSupportedFault"),
        (
            CONCRETE_SET,
            "tns1:RuleEngine//CellMotionDetector",
            "InvalidTopicExpressionFault",
        ),
    ],
)
async def test_topic_filter_faults(
    onvif: Onvif, dialect: str, expression: str, fault: str
) -> None:
    """CreatePullPointSubscription: "The same faults as for Subscription Request
    of the [WS-BaseNotification] are used"."""  # noqa: D205, D209
    answer = await onvif.call(
        EVENTS, TOPIC_FILTER.format(dialect=dialect, expression=expression)
    )
    assert _fault_detail(answer) == (500, fault)
    content = (
        "<tev:CreatePullPointSubscription><tev:Filter><wsnt:MessageContent"
        ' Dialect="http://www.onvif.org/ver10/tev/messageContentFilter/ItemFilter">'
        "boolean(//tt:SimpleItem)</wsnt:MessageContent></tev:Filter>"
        "</tev:CreatePullPointSubscription>"
    )
    answer = await onvif.call(EVENTS, content)
    assert _fault_detail(answer) == (500, "InvalidMessageContentExpressionFault")


async def test_changed_only_and_synchronization_point(
    onvif: Onvif, cam: EmulatedCamera
) -> None:
    """tev:ChangedOnly: "A pullpoint should not provide Initialized nor Deleted
    events for Properties"; SetSynchronizationPoint "repeats the current status
    of all properties to which a client has subscribed"."""  # noqa: D205, D209
    body = (
        "<tev:CreatePullPointSubscription><tev:SubscriptionPolicy><tev:ChangedOnly/>"
        "</tev:SubscriptionPolicy></tev:CreatePullPointSubscription>"
    )
    path, _ = await onvif.subscribe(body)
    assert await _drain(onvif, path) == []
    cam.set_image_too_blurry(True)
    assert [(m["topic"], m["State"]) for m in await _drain(onvif, path)] == [
        (BLURRY, "true")
    ]
    answer = await onvif.call(path, "<tev:SetSynchronizationPoint/>")
    assert answer.find("tev:SetSynchronizationPointResponse") is not None
    messages = await _drain(onvif, path)
    assert {m["operation"] for m in messages} == {"Initialized"}
    assert len(messages) == 3


async def test_variants_quirks(onvif: Onvif, cam: EmulatedCamera) -> None:
    """Quirks ``motion_alarm_only`` (no CellMotionDetector topic) and
    ``numeric_booleans`` (IsMotion / State as 1 and 0)."""  # noqa: D205, D209
    cam.onvif_quirks.motion_alarm_only = True
    cam.onvif_quirks.numeric_booleans = True
    path, _ = await onvif.subscribe()
    assert [(m["topic"], m["State"]) for m in await _drain(onvif, path)] == [
        (ALARM, "0"),
        (BLURRY, "0"),
    ]
    cam.trigger_motion(5)
    assert [(m["topic"], m["State"]) for m in await _drain(onvif, path)] == [
        (ALARM, "1")
    ]


async def test_blurry_control(
    onvif: Onvif, cam: EmulatedCamera, session: aiohttp.ClientSession
) -> None:
    """The non-motion topic ImageTooBlurry ("When a camera is out-of-focus")
    can be raised over HTTP (``POST /emulator/blurry?state=1``)."""  # noqa: D205, D209
    path, _ = await onvif.subscribe()
    await _drain(onvif, path)
    async with session.post(
        f"{cam.url}/emulator/blurry", params={"state": "1"}
    ) as reply:
        assert await reply.json() == {"blurry": True}
    assert [(m["topic"], m["State"]) for m in await _drain(onvif, path)] == [
        (BLURRY, "true")
    ]


async def test_motion_control_reaches_onvif(
    onvif: Onvif, cam: EmulatedCamera, session: aiohttp.ClientSession
) -> None:
    """The /emulator/motion control drives the ONVIF events as well as the alarm log."""
    path, _ = await onvif.subscribe()
    await _drain(onvif, path)
    async with session.post(f"{cam.url}/emulator/motion", params={"seconds": "5"}):
        pass
    assert [m["topic"] for m in await _drain(onvif, path)] == [CELL, ALARM]
    assert cam.alarm_logs[-1].fields["description"] == "motion"


# ------------------------------------------------------------------- reboots and quirks


async def test_restart_drops_subscriptions(
    onvif: Onvif, api: Api, cam: EmulatedCamera
) -> None:
    """Pull Point Lifecycle: "There are no requirements regarding persistency
    of a pull point across a power cycle of a device": the emulated camera
    forgets them on restart."""  # noqa: D205, D209
    path, _ = await onvif.subscribe()
    await _drain(onvif, path)
    task = await _held(onvif, path)
    assert (await api.text("operate.cgi", {"action": "restart"})).strip() == "OK"
    assert _fault_detail(await asyncio.wait_for(task, 20)) == (500, RESOURCE_UNKNOWN)
    assert cam.onvif_subscriptions == 0


async def test_lost_subscriptions(onvif: Onvif, cam: EmulatedCamera) -> None:
    """``drop_onvif_subscriptions()`` loses every pull point now, as a reboot does."""
    path, _ = await onvif.subscribe()
    cam.drop_onvif_subscriptions()
    assert _fault_detail(await onvif.pull(path)) == (500, RESOURCE_UNKNOWN)


async def test_pull_immediately_quirk(onvif: Onvif, cam: EmulatedCamera) -> None:
    """Quirk ``pull_immediately``: firmware that answers PullMessages at once,
    with zero messages, instead of holding it."""  # noqa: D205, D209
    cam.onvif_quirks.pull_immediately = True
    path, _ = await onvif.subscribe()
    await _drain(onvif, path)
    answer = await asyncio.wait_for(onvif.pull(path, "PT60S"), 20)
    assert answer.status == 200
    assert answer.messages() == []


async def test_stop_with_held_pull(
    session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    """``EmulatedCamera.stop()`` ends promptly with a pull held."""
    async with EmulatedCamera(onvif_quirks=OnvifQuirks(max_pull_points=1)) as cam:
        onvif = Onvif(session, cam)
        path, _ = await onvif.subscribe()
        await _drain(onvif, path)
        task = await _held(onvif, path, "PT5M")
        await asyncio.wait_for(cam.stop(), 10)
        outcome = (await asyncio.gather(task, return_exceptions=True))[0]
        assert isinstance(outcome, (Answer, aiohttp.ClientError))


async def test_cli_blurry(socket_enabled: None) -> None:
    """``python -m tests.emulator blurry [--clear]`` drives the ImageTooBlurry topic."""
    async with EmulatedCamera() as cam:
        for args, expected in ((["blurry"], True), (["blurry", "--clear"], False)):
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tests.emulator",
                *args,
                "--port",
                str(cam.port),
                cwd=REPO,
                stdout=asyncio.subprocess.PIPE,
            )
            stdout, _ = await asyncio.wait_for(process.communicate(), 30)
            assert process.returncode == 0
            assert stdout.decode() == f'{{"blurry": {str(expected).lower()}}}\n'
            assert cam.onvif.events.states["blurry"] is expected
