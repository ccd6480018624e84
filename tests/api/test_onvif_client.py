"""The ONVIF client against a small ONVIF device on 127.0.0.1.

Rules quoted are from the ONVIF Core Specification unless another source is
named; the device (``onvif_stub``) reads requests with ElementTree, so what
is checked here does not go through the client's own parser.
"""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime, timedelta
import hashlib
import io
import re
from typing import TYPE_CHECKING, Any
import xml.etree.ElementTree as ET

from aiohttp import web
import pytest

from custom_components.excelsense.api import (
    ExcelSenseAuthenticationError,
    ExcelSenseConnectionError,
    ExcelSenseNotSupportedError,
    ExcelSenseOnvifHttpsOnlyError,
    ExcelSenseResponseError,
    ExcelSenseSubscriptionLostError,
    ExcelSenseTimeoutError,
    ExcelSenseValidationError,
    OnvifClient,
    OnvifSubscription,
)
from custom_components.excelsense.api.soap import (
    PASSWORD_DIGEST,
    WSA,
    NotSoapError,
)

from .conftest import PASSWORD, USERNAME, ExpectError, error_text
from .helpers import free_port
from .onvif_stub import (
    ADVERTISED,
    EVENT_PATH,
    WSSE,
    WSU,
    OnvifStub,
    Seen,
    envelope,
    fault,
    motion_message,
    not_authorized,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    import aiohttp

SKEW = timedelta(hours=3, minutes=7)
SECOND = timedelta(seconds=1)


@pytest.fixture
async def stub(socket_enabled: None) -> AsyncIterator[OnvifStub]:
    """A device whose clock is hours ahead of ours, with ONVIF authentication on."""
    async with OnvifStub(USERNAME, PASSWORD, clock_skew=SKEW) as device:
        yield device


@pytest.fixture
def make_onvif(
    stub: OnvifStub, session: aiohttp.ClientSession
) -> Callable[..., OnvifClient]:
    """Build a client for the stub; keyword arguments override the defaults."""

    def make(**overrides: object) -> OnvifClient:
        options: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": stub.port,
            "username": USERNAME,
            "password": PASSWORD,
            "session": session,
            "request_timeout": 2,
        } | overrides
        return OnvifClient(**options)

    return make


@pytest.fixture
def onvif(make_onvif: Callable[..., OnvifClient]) -> OnvifClient:
    """A client for the stub."""
    return make_onvif()


async def subscribed(onvif: OnvifClient) -> OnvifSubscription:
    """Clock read, then a subscription."""
    await onvif.clock()
    return await onvif.subscribe()


def token_parts(seen: Seen) -> dict[str, str]:
    """The UsernameToken's fields as sent."""
    token = seen.header(WSSE, "UsernameToken")
    assert token is not None
    password = token.find(f"{{{WSSE}}}Password")
    assert password is not None
    return {
        "username": token.findtext(f"{{{WSSE}}}Username") or "",
        "type": password.get("Type") or "",
        "digest": password.text or "",
        "nonce": token.findtext(f"{{{WSSE}}}Nonce") or "",
        "created": token.findtext(f"{{{WSU}}}Created") or "",
    }


# ------------------------------------------------------------------ the token


async def test_digest_and_created_in_camera_clock(
    onvif: OnvifClient, stub: OnvifStub
) -> None:
    """The digest checks out and Created is in the camera's clock.

    UsernameToken Profile 1.0, 3.1: Password_Digest = Base64(SHA-1(nonce +
    created + password)); Created is stamped in the camera's clock (ours plus
    the offset GetSystemDateAndTime measured), UTC with 'Z'.
    """
    offset = await onvif.clock()
    assert abs(offset - SKEW) < 5 * SECOND
    assert onvif.clock_offset == offset
    await onvif.subscribe()
    seen = stub.of("CreatePullPointSubscription")[0]
    parts = token_parts(seen)
    assert parts["username"] == USERNAME
    assert parts["type"] == PASSWORD_DIGEST
    nonce = base64.b64decode(parts["nonce"], validate=True)
    assert len(nonce) == 16
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", parts["created"])
    expected = base64.b64encode(
        hashlib.sha1(
            nonce + parts["created"].encode() + PASSWORD.encode(),
            usedforsecurity=False,
        ).digest()
    ).decode()
    assert parts["digest"] == expected
    created = datetime.strptime(f"{parts['created']}+0000", "%Y-%m-%dT%H:%M:%SZ%z")
    camera_now = datetime.now(UTC) + SKEW
    assert abs(created - camera_now) < timedelta(minutes=1)
    # "A client should not simultaneously supply authentication credentials
    # on both the HTTP level and the WS level."
    assert "Authorization" not in seen.headers
    assert PASSWORD.encode() not in seen.raw


async def test_fresh_nonce_per_request(onvif: OnvifClient, stub: OnvifStub) -> None:
    """Every request carries its own nonce (the profile's replay defence)."""
    subscription = await subscribed(onvif)
    await subscription.renew()
    await subscription.renew()
    nonces = [token_parts(seen)["nonce"] for seen in stub.requests[1:]]
    assert len(nonces) == 4
    assert len(set(nonces)) == len(nonces)


async def test_camera_hours_off_needs_the_clock(
    onvif: OnvifClient, stub: OnvifStub
) -> None:
    """A camera hours ahead accepts the token once the clock is read.

    A camera that checks Created against its own clock refuses a token in
    ours: the client reads the clock and sends the request once more.
    """
    assert await onvif.event_service() == EVENT_PATH
    assert [s.operation for s in stub.requests][:3] == [
        "GetServices",
        "GetSystemDateAndTime",
        "GetServices",
    ]


async def test_clock_without_login(onvif: OnvifClient, stub: OnvifStub) -> None:
    """GetSystemDateAndTime is PRE_AUTH: asked without a token."""
    await onvif.clock()
    assert stub.of("GetSystemDateAndTime")[0].header(WSSE, "Security") is None


async def test_clock_retried_with_login(onvif: OnvifClient, stub: OnvifStub) -> None:
    """A camera that wants a login for its clock anyway gets a signed retry."""
    now = datetime.now(UTC)

    def clock(seen: Seen) -> web.Response:
        if seen.header(WSSE, "UsernameToken") is None:
            return not_authorized()
        return envelope(
            "<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>"
            "<tt:UTCDateTime><tt:Time><tt:Hour>1</tt:Hour><tt:Minute>2</tt:Minute>"
            "<tt:Second>3</tt:Second></tt:Time><tt:Date><tt:Year>2001</tt:Year>"
            "<tt:Month>2</tt:Month><tt:Day>3</tt:Day></tt:Date></tt:UTCDateTime>"
            "</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>"
        )

    stub.overrides["GetSystemDateAndTime"] = clock
    offset = await onvif.clock()
    assert len(stub.of("GetSystemDateAndTime")) == 2
    camera = datetime(2001, 2, 3, 1, 2, 3, tzinfo=UTC)
    assert abs(offset - (camera - now)) < 5 * SECOND
    assert abs(onvif.camera_time() - camera) < 5 * SECOND


@pytest.mark.parametrize(
    "utc",
    [
        "",
        (
            "<tt:UTCDateTime><tt:Time><tt:Hour>25</tt:Hour><tt:Minute>0</tt:Minute>"
            "<tt:Second>0</tt:Second></tt:Time><tt:Date><tt:Year>2024</tt:Year>"
            "<tt:Month>1</tt:Month><tt:Day>1</tt:Day></tt:Date></tt:UTCDateTime>"
        ),
        "<tt:UTCDateTime><tt:Date><tt:Year>2024</tt:Year></tt:Date></tt:UTCDateTime>",
    ],
)
async def test_clock_without_utc_time(
    onvif: OnvifClient, stub: OnvifStub, utc: str
) -> None:
    """No readable UTC time: the offset is kept.

    UTCDateTime is optional in tt:SystemDateTime; without a readable one the
    offset stays as it was.
    """
    stub.overrides["GetSystemDateAndTime"] = envelope(
        "<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>"
        f"<tt:DateTimeType>Manual</tt:DateTimeType>{utc}"
        "</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>"
    )
    assert await onvif.clock() == timedelta(0)


async def test_token_sent_when_authentication_is_off(
    make_onvif: Callable[..., OnvifClient], stub: OnvifStub
) -> None:
    """A token goes along even when the camera needs none.

    protocolSecurityFlag=0: the camera needs no token; one is sent anyway,
    without mustUnderstand, so a camera that ignores it cannot fault on it.
    """
    stub.require_auth = False
    onvif = make_onvif(password="wrong password")
    subscription = await onvif.subscribe()
    assert await subscription.pull(timedelta(seconds=1)) == []
    for seen in stub.requests:
        security = seen.header(WSSE, "Security")
        assert security is not None
        assert not [key for key in security.attrib if "mustUnderstand" in key]


# ------------------------------------------------------------------ addresses


async def test_addresses_rewritten_to_configured_host(
    onvif: OnvifClient, stub: OnvifStub
) -> None:
    """Requests go to the configured host, whatever address the camera names.

    The camera names its services and subscriptions at 192.0.2.10:8899 (its
    idea of its address); every request reaches the configured host and port
    with only the path and query kept.
    """
    subscription = await subscribed(onvif)
    assert subscription.address == "/onvif/Subscription?Idx=1"
    await stub.events.put(motion_message(on=True))
    events = await subscription.pull(timedelta(seconds=1))
    assert [event.motion for event in events] == [True]
    await subscription.renew()
    await subscription.unsubscribe()
    assert [(seen.operation, seen.path) for seen in stub.requests] == [
        ("GetSystemDateAndTime", "/onvif/device_service"),
        ("GetServices", "/onvif/device_service"),
        ("CreatePullPointSubscription", "/onvif/event_service"),
        ("PullMessages", "/onvif/Subscription?Idx=1"),
        ("Renew", "/onvif/Subscription?Idx=1"),
        ("Unsubscribe", "/onvif/Subscription?Idx=1"),
    ]


async def test_addressing_headers(onvif: OnvifClient, stub: OnvifStub) -> None:
    """Event requests carry WS-Addressing headers.

    "Both device and client shall support [WS-Addressing] for event
    services": Action (the WSDL's), MessageID and To (the camera's own name
    for the endpoint); the SOAP 1.2 media type carries the action.
    """
    subscription = await subscribed(onvif)
    await subscription.pull(timedelta(seconds=1))
    create, pull = stub.of("CreatePullPointSubscription")[0], stub.of("PullMessages")[0]
    action = create.header(WSA, "Action")
    assert action is not None
    assert action.text == (
        "http://www.onvif.org/ver10/events/wsdl/EventPortType/"
        "CreatePullPointSubscriptionRequest"
    )
    to = pull.header(WSA, "To")
    assert to is not None
    assert to.text == f"{ADVERTISED}/onvif/Subscription?Idx=1"
    message_id = pull.header(WSA, "MessageID")
    assert message_id is not None
    assert (message_id.text or "").startswith("urn:uuid:")
    assert pull.headers["Content-Type"].startswith("application/soap+xml")
    assert (
        'action="http://www.onvif.org/ver10/events/wsdl/PullPointSubscription/'
        in (pull.headers["Content-Type"])
    )
    # Device requests carry no addressing headers.
    assert stub.of("GetServices")[0].header(WSA, "Action") is None


async def test_reference_parameters_echoed(onvif: OnvifClient, stub: OnvifStub) -> None:
    """Reference parameters come back as header blocks.

    WS-Addressing SOAP Binding 2.2: each reference parameter of the
    subscription reference goes back as a header block marked
    wsa:IsReferenceParameter.
    """
    subscription, renew = await _renewed_with(
        onvif,
        stub,
        '<wsa:ReferenceParameters><dom0:SubscriptionId xmlns:dom0="urn:vendor">'
        "sub-7f3a</dom0:SubscriptionId></wsa:ReferenceParameters>",
    )
    parameter = renew.header("urn:vendor", "SubscriptionId")
    assert parameter is not None
    assert parameter.text == "sub-7f3a"
    assert parameter.get(f"{{{WSA}}}IsReferenceParameter") == "true"
    assert "sub-7f3a" not in repr(subscription)


async def test_reference_parameters_keep_their_namespaces(
    onvif: OnvifClient, stub: OnvifStub
) -> None:
    """A reference parameter's qualified attributes and QName values keep their meaning.

    WS-Addressing 1.0 Core 2.1: reference parameters are opaque to the client,
    so each goes back as it came: its attributes in their namespaces, and a
    prefix in its text (declared on the reply's envelope) still bound.
    """
    _, renew = await _renewed_with(
        onvif,
        stub,
        '<wsa:ReferenceParameters xmlns:k="urn:keys">'
        '<v:Key xmlns:v="urn:v2" v:scope="cam" plain="a&amp;b">tns1:Motion</v:Key>'
        '<Id xmlns="urn:default" k:kind="pull">7</Id>'
        "</wsa:ReferenceParameters>",
    )
    key = renew.header("urn:v2", "Key")
    assert key is not None
    assert key.get("{urn:v2}scope") == "cam"
    assert key.get("plain") == "a&b"
    assert key.get(f"{{{WSA}}}IsReferenceParameter") == "true"
    assert key.text == "tns1:Motion"
    assert _bound_at(renew.raw, "{urn:v2}Key", "tns1") == (
        "http://www.onvif.org/ver10/topics"
    )
    plain = renew.header("urn:default", "Id")
    assert plain is not None
    assert plain.get("{urn:keys}kind") == "pull"
    assert plain.get(f"{{{WSA}}}IsReferenceParameter") == "true"


async def _renewed_with(
    onvif: OnvifClient, stub: OnvifStub, parameters: str
) -> tuple[OnvifSubscription, Seen]:
    """A subscription whose reference carries ``parameters``, and its Renew."""
    stub.reference_parameters = parameters
    subscription = await subscribed(onvif)
    await subscription.renew()
    return subscription, stub.of("Renew")[0]


def _bound_at(raw: bytes, tag: str, prefix: str) -> str | None:
    """The namespace ``prefix`` is bound to where the element ``tag`` starts."""
    scopes: list[dict[str, str]] = [{}]
    pending: dict[str, str] = {}
    for event, item in ET.iterparse(  # noqa: S314 - our own client's request
        io.BytesIO(raw), events=("start-ns", "start", "end")
    ):
        if event == "start-ns":
            name, uri = item
            pending[name] = uri
        elif event == "start":
            scopes.append({**scopes[-1], **pending})
            pending = {}
            if item.tag == tag:
                return scopes[-1].get(prefix)
        else:
            scopes.pop()
    return None


@pytest.mark.parametrize(
    ("xaddr", "path"),
    [
        ("http://10.0.0.5/onvif/Events", "/onvif/Events"),
        ("http://10.0.0.5:80:80/onvif/Events", "/onvif/Events"),
        ("https://[fe80::1]:8443/onvif/Events?a=1#frag", "/onvif/Events?a=1"),
        ("http://10.0.0.5?svc=events", "/?svc=events"),
        ("http://10.0.0.5", "/"),
        ("/onvif/Events", "/onvif/Events"),
        (" http://10.0.0.5/a%20b/x y http://10.0.0.6/other", "/a%20b/x"),
        ("http://10.0.0.5/é", "/%C3%A9"),
    ],
)
async def test_event_service_path(
    onvif: OnvifClient, stub: OnvifStub, xaddr: str, path: str
) -> None:
    """Only the path and query of the event service's address are kept.

    Only the path and query of the event service's XAddr are kept (the
    first of several; fragments dropped; unsafe characters encoded).
    """
    await onvif.clock()
    stub.services = (
        "<tds:GetServicesResponse><tds:Service><tds:Namespace>"
        "http://www.onvif.org/ver10/events/wsdl</tds:Namespace>"
        f"<tds:XAddr>{xaddr.replace('&', '&amp;')}</tds:XAddr>"
        "</tds:Service></tds:GetServicesResponse>"
    )
    assert await onvif.event_service() == path
    assert await onvif.event_service() == path
    assert len(stub.of("GetServices")) == 1


async def test_unusable_event_address(
    onvif: OnvifClient, stub: OnvifStub, expect_error: ExpectError
) -> None:
    """An XAddr with no path is a response error."""
    await onvif.clock()
    stub.services = (
        "<tds:GetServicesResponse><tds:Service><tds:Namespace>"
        "http://www.onvif.org/ver10/events/wsdl</tds:Namespace>"
        "<tds:XAddr>events.local</tds:XAddr></tds:Service></tds:GetServicesResponse>"
    )
    await expect_error(ExcelSenseResponseError, onvif.event_service())


# ------------------------------------------------------------------ discovery


@pytest.mark.parametrize(
    "services",
    [
        pytest.param(
            fault("env:Receiver", "ter:ActionNotSupported", "no", status=500),
            id="not-supported",
        ),
        pytest.param(
            envelope("<tds:GetServicesResponse/>"), id="no-event-service-listed"
        ),
        pytest.param(web.Response(status=500, text="broken"), id="http-500"),
    ],
)
async def test_get_capabilities_fallback(
    onvif: OnvifClient, stub: OnvifStub, services: web.Response
) -> None:
    """GetCapabilities stands in for a GetServices that fails.

    GetServices first; GetCapabilities (Events XAddr) when it fails or
    names no event service.
    """
    await onvif.clock()
    stub.overrides["GetServices"] = services
    assert await onvif.event_service() == EVENT_PATH
    assert onvif.request_counts == {
        "GetSystemDateAndTime": 1,
        "GetServices": 1,
        "GetCapabilities": 1,
    }


async def test_no_event_service(
    onvif: OnvifClient, stub: OnvifStub, expect_error: ExpectError
) -> None:
    """A camera that names no event service anywhere: not supported."""
    await onvif.clock()
    stub.services = "<tds:GetServicesResponse/>"
    stub.capabilities = (
        "<tds:GetCapabilitiesResponse><tds:Capabilities/></tds:GetCapabilitiesResponse>"
    )
    error = await expect_error(ExcelSenseNotSupportedError, onvif.subscribe())
    assert "no ONVIF event service" in str(error)


async def test_no_onvif_at_all(
    onvif: OnvifClient, stub: OnvifStub, expect_error: ExpectError
) -> None:
    """HTTP 404 (not SOAP) on /onvif/device_service: the camera has no ONVIF."""
    stub.device_service = False
    await expect_error(ExcelSenseNotSupportedError, onvif.clock())
    await expect_error(ExcelSenseNotSupportedError, onvif.event_service())


@pytest.mark.parametrize(
    "answer",
    [
        web.Response(
            text="<html><body>Welcome</body></html>", content_type="text/html"
        ),
        web.Response(text="\r\n<!DOCTYPE html>\n<title>Login</title>"),
        web.Response(status=302, headers={"Location": "/login.html"}),
        web.Response(status=405, text="Method Not Allowed"),
    ],
    ids=["web page", "login page", "redirect to the login", "POST not allowed"],
)
async def test_web_server_on_the_onvif_address_means_no_onvif(
    onvif: OnvifClient,
    stub: OnvifStub,
    expect_error: ExpectError,
    answer: web.Response,
) -> None:
    """The camera's web server answers /onvif/device_service: no ONVIF there.

    ONVIF Core "Services overview": the device service is at
    /onvif/device_service and speaks SOAP; a page, a redirect or a refused POST
    is another server's.
    """
    stub.overrides["GetSystemDateAndTime"] = answer
    error = await expect_error(ExcelSenseNotSupportedError, onvif.clock())
    assert "answers no ONVIF" in str(error)


async def test_onvif_sent_on_to_https_says_so(
    onvif: OnvifClient, stub: OnvifStub, expect_error: ExpectError
) -> None:
    """Plain HTTP sent on to HTTPS: no ONVIF over HTTP, and why (not where to)."""
    stub.overrides["GetSystemDateAndTime"] = web.Response(
        status=301, headers={"Location": "HTTPS://127.0.0.1/onvif/device_service?x=y"}
    )
    error = await expect_error(ExcelSenseOnvifHttpsOnlyError, onvif.clock())
    assert isinstance(error, ExcelSenseNotSupportedError)
    assert "to HTTPS" in str(error)
    assert "x=y" not in str(error)


async def test_auth_error_stops_discovery(
    make_onvif: Callable[..., OnvifClient], stub: OnvifStub, expect_error: ExpectError
) -> None:
    """A refused password is not hidden behind the GetCapabilities fallback."""
    onvif = make_onvif(password="wrong")
    await onvif.clock()
    await expect_error(ExcelSenseAuthenticationError, onvif.event_service())
    assert "GetCapabilities" not in onvif.request_counts


# ------------------------------------------------------------------ subscription


async def test_subscription_cycle(onvif: OnvifClient, stub: OnvifStub) -> None:
    """One request per step of a subscription's life.

    Create (InitialTerminationTime PT600S), pull, renew, unsubscribe; the
    camera's CurrentTime and TerminationTime are kept; one request each.
    """
    subscription = await subscribed(onvif)
    create = stub.of("CreatePullPointSubscription")[0]
    assert create.body_text("InitialTerminationTime") == "PT600S"
    assert subscription.termination_time is not None
    assert subscription.current_time is not None
    assert subscription.termination_time - subscription.current_time == timedelta(
        minutes=10
    )
    await stub.events.put(motion_message(on=True))
    await stub.events.put(motion_message(on=False))
    events = await subscription.pull(timedelta(seconds=5), limit=10)
    assert [event.motion for event in events] == [True, False]
    pull = stub.of("PullMessages")[0]
    assert pull.body_text("Timeout") == "PT5S"
    assert pull.body_text("MessageLimit") == "10"
    await subscription.renew(timedelta(minutes=2))
    assert stub.of("Renew")[0].body_text("TerminationTime") == "PT120S"
    assert subscription.current_time is not None
    assert subscription.termination_time == subscription.current_time + timedelta(
        minutes=2
    )
    await subscription.unsubscribe()
    assert onvif.request_counts == {
        "GetSystemDateAndTime": 1,
        "GetServices": 1,
        "CreatePullPointSubscription": 1,
        "PullMessages": 1,
        "Renew": 1,
        "Unsubscribe": 1,
    }
    assert onvif.requests_sent == len(stub.requests) == 6
    assert "Subscription?Idx=1" in repr(subscription)


async def test_message_limit_sent_and_honoured(
    onvif: OnvifClient, stub: OnvifStub
) -> None:
    """MessageLimit is sent; the rest waits for the next pull.

    "The response will contain, at most, the number of notifications
    specified by the MessageLimit parameter"; the rest wait for the next pull.
    """
    subscription = await subscribed(onvif)
    for on in (True, False, True):
        await stub.events.put(motion_message(on=on))
    first = await subscription.pull(timedelta(seconds=1), limit=2)
    second = await subscription.pull(timedelta(seconds=1), limit=2)
    assert [e.motion for e in first] == [True, False]
    assert [e.motion for e in second] == [True]


async def test_absolute_termination(onvif: OnvifClient, stub: OnvifStub) -> None:
    """An absolute termination time goes out as UTC.

    "A device shall support an absolute time value specified in utc": the
    caller's time in the camera's clock, sent as UTC with 'Z'.
    """
    await onvif.clock()
    until = onvif.camera_time() + timedelta(minutes=5)
    subscription = await onvif.subscribe(until)
    sent = stub.of("CreatePullPointSubscription")[0].body_text("InitialTerminationTime")
    assert sent == until.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert subscription.termination_time == until.replace(microsecond=0)


async def test_pull_waits_longer_than_request_timeout(
    make_onvif: Callable[..., OnvifClient], stub: OnvifStub
) -> None:
    """A pull may take its whole Timeout.

    "If there are no messages waiting ... the device shall respond with zero
    messages" at the Timeout: the HTTP request waits the pull's Timeout on top
    of the request timeout, so an empty pull is no timeout error.
    """
    onvif = make_onvif(request_timeout=0.6)
    subscription = await subscribed(onvif)
    assert await subscription.pull(timedelta(seconds=1)) == []


async def test_pull_longer_than_promised_times_out(
    make_onvif: Callable[..., OnvifClient], stub: OnvifStub, expect_error: ExpectError
) -> None:
    """A pull held past its Timeout and the request timeout times out.

    A camera that holds a pull past Timeout plus the request timeout: a
    timeout error.
    """
    onvif = make_onvif(request_timeout=0.2)
    subscription = await subscribed(onvif)

    release = asyncio.Event()

    async def hang(seen: Seen) -> web.Response:
        del seen
        await release.wait()
        return web.Response()

    stub.overrides["PullMessages"] = hang
    await expect_error(ExcelSenseTimeoutError, subscription.pull(timedelta(seconds=1)))
    release.set()


async def test_unsubscribed_subscription_is_lost(
    onvif: OnvifClient, stub: OnvifStub, expect_error: ExpectError
) -> None:
    """A subscription ended by Unsubscribe is lost.

    After Unsubscribe "the SubscriptionManager no longer exists": the camera
    answers ResourceUnknownFault, which means subscription lost.
    """
    subscription = await subscribed(onvif)
    await subscription.unsubscribe()
    error = await expect_error(ExcelSenseSubscriptionLostError, subscription.pull())
    assert "ResourceUnknownFault" in str(error)
    await expect_error(ExcelSenseSubscriptionLostError, subscription.renew())


async def test_unsubscribe_accepted_without_a_reply(
    onvif: OnvifClient, stub: OnvifStub, expect_error: ExpectError
) -> None:
    """Unsubscribe answered 202 with no body is done; a pull so answered is not.

    W3C Note "SOAP 1.1 Request Optional Response HTTP Binding": a reply with
    status 202 may be empty.
    """
    subscription = await subscribed(onvif)
    stub.overrides["Unsubscribe"] = web.Response(status=202)
    await subscription.unsubscribe()
    stub.overrides["PullMessages"] = web.Response(status=202)
    await expect_error(ExcelSenseResponseError, subscription.pull())


async def test_unknown_subscription_address_is_lost(
    onvif: OnvifClient, stub: OnvifStub, expect_error: ExpectError
) -> None:
    """HTTP 404 on the subscription manager's address: subscription lost."""
    subscription = await subscribed(onvif)
    del stub.subscriptions[subscription.address]
    await expect_error(ExcelSenseSubscriptionLostError, subscription.pull())
    await expect_error(ExcelSenseSubscriptionLostError, subscription.renew())
    await expect_error(ExcelSenseSubscriptionLostError, subscription.unsubscribe())


@pytest.mark.parametrize(
    ("operation", "reply", "error_type"),
    [
        (
            "CreatePullPointSubscription",
            fault("env:Receiver", "ter:ActionNotSupported", "n/a", status=500),
            ExcelSenseNotSupportedError,
        ),
        (
            "CreatePullPointSubscription",
            web.Response(status=404, text="Not Found"),
            ExcelSenseNotSupportedError,
        ),
        # Refused again after the clock is read again: a refused login.
        ("PullMessages", lambda _: not_authorized(), ExcelSenseAuthenticationError),
        (
            "PullMessages",
            lambda _: web.Response(status=401),
            ExcelSenseAuthenticationError,
        ),
        (
            "Renew",
            fault("env:Receiver", "ter:ActionNotSupported", "n/a", status=500),
            ExcelSenseNotSupportedError,
        ),
        (
            # Asked twice (the duration, then the absolute time), a fresh
            # reply each: refused in both forms, the camera does not renew.
            "Renew",
            lambda _: fault("env:Sender", "ter:InvalidArgVal", "too long", status=400),
            ExcelSenseNotSupportedError,
        ),
        ("Renew", envelope("<wsnt:Other/>"), ExcelSenseResponseError),
        ("PullMessages", web.Response(text="<html/>"), NotSoapError),
    ],
)
async def test_fault_mapping(
    onvif: OnvifClient,
    stub: OnvifStub,
    expect_error: ExpectError,
    operation: str,
    reply: web.Response | Callable[[Seen], web.Response],
    error_type: type[ExcelSenseResponseError],
) -> None:
    """Faults and statuses map to the library's exceptions for each call."""
    subscription = await subscribed(onvif)
    stub.overrides[operation] = reply
    call = {
        "CreatePullPointSubscription": onvif.subscribe,
        "PullMessages": lambda: subscription.pull(timedelta(seconds=1)),
        "Renew": subscription.renew,
    }[operation]
    clocks = len(stub.of("GetSystemDateAndTime"))
    error = await expect_error(ExcelSenseResponseError, call())
    assert type(error) is error_type
    if error_type is ExcelSenseAuthenticationError:
        # The clock is read again; it did not move, so the password was
        # refused: not sent once more.
        assert len(stub.of("GetSystemDateAndTime")) == clocks + 1
        assert len(stub.of(operation)) == 1
    if error_type is ExcelSenseNotSupportedError:
        # The event service is looked up again before the next subscription.
        del stub.overrides[operation]
        before = len(stub.of("GetServices"))
        await onvif.subscribe()
        assert len(stub.of("GetServices")) == before + (
            operation == "CreatePullPointSubscription"
        )


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param(
            envelope("<tev:CreatePullPointSubscriptionResponse/>"), id="no-reference"
        ),
        pytest.param(
            envelope(
                "<tev:CreatePullPointSubscriptionResponse><tev:SubscriptionReference>"
                "<wsa:Address> </wsa:Address></tev:SubscriptionReference>"
                "</tev:CreatePullPointSubscriptionResponse>"
            ),
            id="empty-address",
        ),
    ],
)
async def test_subscription_without_address(
    onvif: OnvifClient, stub: OnvifStub, expect_error: ExpectError, reply: web.Response
) -> None:
    """A CreatePullPointSubscriptionResponse must name the subscription."""
    await onvif.clock()
    stub.overrides["CreatePullPointSubscription"] = reply
    await expect_error(ExcelSenseResponseError, onvif.subscribe())


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda s: s.pull(timedelta(0)), "timeout"),
        (lambda s: s.pull(limit=0), "limit"),
        (lambda s: s.pull(limit=1001), "limit"),
        (lambda s: s.renew(timedelta(0)), "termination"),
        (lambda s: s.renew(datetime(2030, 1, 1)), "termination"),  # noqa: DTZ001
    ],
)
async def test_arguments_checked_before_sending(
    onvif: OnvifClient,
    stub: OnvifStub,
    call: Callable[[OnvifSubscription], Any],
    field: str,
) -> None:
    """Bad pull or termination arguments are refused before sending.

    A pull without time or messages, or a termination time without a zone,
    is refused before anything is sent.
    """
    subscription = await subscribed(onvif)
    before = len(stub.requests)
    with pytest.raises(ExcelSenseValidationError) as info:
        await call(subscription)
    assert info.value.field == field
    assert len(stub.requests) == before


# ------------------------------------------------------------------ transport


@pytest.mark.parametrize("chunked", [False, True])
async def test_reply_size_capped(
    onvif: OnvifClient, stub: OnvifStub, expect_error: ExpectError, chunked: bool
) -> None:
    """Replies over 256 KB are refused whether or not they state a length."""
    big = b"<x/>" * (70 << 10)

    async def chunks(seen: Seen) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/soap+xml"})
        response.enable_chunked_encoding()
        await response.prepare(seen.request)
        for start in range(0, len(big), 32 << 10):
            await response.write(big[start : start + (32 << 10)])
        await response.write_eof()
        return response

    stub.overrides["GetSystemDateAndTime"] = (
        chunks
        if chunked
        else web.Response(body=big, content_type="application/soap+xml")
    )
    error = await expect_error(ExcelSenseResponseError, onvif.clock())
    assert "too large" in str(error)


async def test_hostile_reply_refused_over_http(
    onvif: OnvifClient, stub: OnvifStub, expect_error: ExpectError
) -> None:
    """A reply with a DTD (billion laughs) is refused without expanding it."""
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope">'
        b"<e:Body>&b;</e:Body></e:Envelope>"
    )
    stub.overrides["GetSystemDateAndTime"] = web.Response(
        body=laughs, content_type="application/soap+xml"
    )
    error = await expect_error(ExcelSenseResponseError, onvif.clock())
    assert "refused" in str(error)
    assert "aaaa" not in error_text(error)


async def test_connection_refused(
    make_onvif: Callable[..., OnvifClient], expect_error: ExpectError
) -> None:
    """Nothing listening: a connection error that says the request was not sent."""
    onvif = make_onvif(port=free_port())
    error = await expect_error(ExcelSenseConnectionError, onvif.clock())
    assert error.request_sent is False
    assert not isinstance(error, ExcelSenseTimeoutError)


async def test_connection_dropped(
    onvif: OnvifClient, stub: OnvifStub, expect_error: ExpectError
) -> None:
    """The camera closes the connection mid-reply: a connection error."""

    async def drop(seen: Seen) -> web.StreamResponse:
        transport = seen.request.transport
        assert transport is not None
        transport.close()
        await asyncio.sleep(0.05)
        return web.Response()

    stub.overrides["GetSystemDateAndTime"] = drop
    error = await expect_error(ExcelSenseConnectionError, onvif.clock())
    assert error.request_sent is True


_CLOCK_REPLY = (
    b'<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"'
    b' xmlns:tds="http://www.onvif.org/ver10/device/wsdl"'
    b' xmlns:tt="http://www.onvif.org/ver10/schema"><env:Body>'
    b"<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:UTCDateTime>"
    b"<tt:Time><tt:Hour>12</tt:Hour><tt:Minute>0</tt:Minute><tt:Second>0</tt:Second>"
    b"</tt:Time><tt:Date><tt:Year>2026</tt:Year><tt:Month>1</tt:Month>"
    b"<tt:Day>2</tt:Day></tt:Date></tt:UTCDateTime></tds:SystemDateAndTime>"
    b"</tds:GetSystemDateAndTimeResponse></env:Body></env:Envelope>"
)


async def test_camera_closing_each_connection_after_its_reply(
    socket_enabled: None, session: aiohttp.ClientSession
) -> None:
    """A camera that closes every connection after its reply, without saying so.

    RFC 9110 9.3.5 / RFC 9112 9.3: a server may close a persistent connection
    at any time; a request that went out on one it already closed is sent
    once more on a new connection (as aiohttp itself does for idempotent
    methods), so every request is answered.
    """
    heads: list[bytes] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        found = re.search(rb"(?i)content-length: *(\d+)", head)
        assert found is not None
        await reader.readexactly(int(found.group(1)))
        heads.append(head)
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(_CLOCK_REPLY), _CLOCK_REPLY)
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        onvif = OnvifClient(
            host="127.0.0.1",
            port=port,
            username=USERNAME,
            password=PASSWORD,
            session=session,
            request_timeout=2,
        )
        for _ in range(3):
            await onvif.clock()
    finally:
        server.close()
        await server.wait_closed()
    assert len(heads) == 3


async def test_closed_session(
    onvif: OnvifClient, session: aiohttp.ClientSession, expect_error: ExpectError
) -> None:
    """A closed HTTP session sends nothing."""
    await session.close()
    error = await expect_error(ExcelSenseConnectionError, onvif.clock())
    assert error.request_sent is False
    assert onvif.requests_sent == 0


async def test_https_without_verification(
    make_onvif: Callable[..., OnvifClient], expect_error: ExpectError
) -> None:
    """HTTPS to a plain-HTTP port fails as a connection error, never hangs."""
    onvif = make_onvif(use_https=True, verify_ssl=False)
    await expect_error(ExcelSenseConnectionError, onvif.clock())


# ------------------------------------------------------------------ secrets


async def test_no_secret_in_errors_or_repr(
    make_onvif: Callable[..., OnvifClient], stub: OnvifStub, expect_error: ExpectError
) -> None:
    """No digest, nonce or password in errors or repr.

    A camera that echoes the token in its fault text: the exception shows
    neither the digest, the nonce nor the password; repr shows no password.
    """

    def echo(seen: Seen) -> web.Response:
        parts = token_parts(seen)
        return not_authorized(
            f"bad {parts['digest']} {parts['nonce']} {PASSWORD.replace('&', '&amp;')}"
        )

    stub.overrides["GetServices"] = echo
    onvif = make_onvif()
    await onvif.clock()
    error = await expect_error(ExcelSenseAuthenticationError, onvif.event_service())
    parts = token_parts(stub.of("GetServices")[0])
    text = error_text(error)
    assert parts["digest"] not in text
    assert parts["nonce"] not in text
    assert "bad *** *** ***" in str(error)
    assert PASSWORD not in repr(onvif)
    assert "session" not in repr(onvif)
