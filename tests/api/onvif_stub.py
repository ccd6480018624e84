"""A tiny ONVIF device on 127.0.0.1 for the ONVIF client's tests.

It answers the device service and the pull-point event service the way the
ONVIF Core Specification describes them, names its services with an address
that is not its own (as a camera behind NAT does), and records every request
as it arrived. It reads requests with the standard library's ElementTree, so
the tests check what was sent independently of the client's own parser.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import hashlib
import inspect
import re
from typing import TYPE_CHECKING, Self
from xml.etree import ElementTree as ET

from aiohttp import web

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
WSSE = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
)
WSU = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
)
WSA = "http://www.w3.org/2005/08/addressing"
TEV = "http://www.onvif.org/ver10/events/wsdl"
TDS = "http://www.onvif.org/ver10/device/wsdl"
WSNT = "http://docs.oasis-open.org/wsn/b-2"
# TEST-NET-1 (RFC 5737): an address nothing answers, as a camera behind NAT
# names itself.
ADVERTISED = "http://192.0.2.10:8899"
DEVICE_PATH = "/onvif/device_service"
EVENT_PATH = "/onvif/event_service"
_DURATION = re.compile(r"^PT(\d+(?:\.\d+)?)S$")
# The stub's own tolerance for Created against its clock (the profile leaves
# the window to the receiver; five minutes is what the tests need).
CREATED_WINDOW = timedelta(minutes=5)

type Reply = web.StreamResponse | Awaitable[web.StreamResponse]
type Override = Callable[[Seen], Reply] | web.StreamResponse


@dataclass
class Seen:
    """One request as the stub received it."""

    path: str
    operation: str
    headers: dict[str, str]
    raw: bytes
    root: ET.Element
    request: web.Request

    def header(self, namespace: str, name: str) -> ET.Element | None:
        """A SOAP header block (or an element inside one) by namespace and name."""
        return self.root.find(f".//{{{SOAP12}}}Header//{{{namespace}}}{name}")

    def body_text(self, name: str) -> str | None:
        """The text of an element in the request's Body (any namespace)."""
        for element in self.root.iter():
            if element.tag.rpartition("}")[2] == name:
                return (element.text or "").strip()
        return None


def envelope(body: str, *, status: int = 200) -> web.Response:
    """A SOAP 1.2 reply."""
    text = (
        f'<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="{SOAP12}" '
        f'xmlns:tt="http://www.onvif.org/ver10/schema" xmlns:tds="{TDS}" '
        f'xmlns:tev="{TEV}" xmlns:wsnt="{WSNT}" xmlns:wsa="{WSA}" '
        'xmlns:tns1="http://www.onvif.org/ver10/topics" '
        'xmlns:ter="http://www.onvif.org/ver10/error">'
        f"<env:Body>{body}</env:Body></env:Envelope>"
    )
    return web.Response(
        text=text, status=status, content_type="application/soap+xml", charset="utf-8"
    )


def fault(code: str, subcode: str | None, reason: str, *, status: int) -> web.Response:
    """A SOAP 1.2 fault (ONVIF Core, "SOAP errors")."""
    sub = (
        f"<env:Subcode><env:Value>{subcode}</env:Value></env:Subcode>"
        if subcode
        else ""
    )
    return envelope(
        "<env:Fault>"
        f"<env:Code><env:Value>{code}</env:Value>{sub}</env:Code>"
        f'<env:Reason><env:Text xml:lang="en">{reason}</env:Text></env:Reason>'
        "</env:Fault>",
        status=status,
    )


def not_authorized(reason: str = "Sender not Authorized") -> web.Response:
    """The fault for a missing or refused token.

    ONVIF Core "Authentication over HTTP and HTTPS": a device with the
    username token profile only answers HTTP 400 and env:Sender /
    ter:NotAuthorized.
    """
    return fault("env:Sender", "ter:NotAuthorized", reason, status=400)


def resource_unknown() -> web.Response:
    """The fault for a pull point that is gone.

    ONVIF Core "Renew" / "Unsubscribe": ResourceUnknownFault; "SOAP Fault
    Messages": a receiver fault, HTTP 500.
    """
    return envelope(
        "<env:Fault><env:Code><env:Value>env:Receiver</env:Value></env:Code>"
        '<env:Reason><env:Text xml:lang="en">The pull point reference is invalid'
        "</env:Text></env:Reason><env:Detail>"
        '<wsrf-r:ResourceUnknownFault xmlns:wsrf-r="http://docs.oasis-open.org/wsrf/r-2"/>'
        "</env:Detail></env:Fault>",
        status=500,
    )


def duration(text: str | None) -> timedelta:
    """An xs:duration of the "PTnS" form the client sends."""
    match = _DURATION.match(text or "")
    assert match is not None, f"not a PTnS duration: {text!r}"
    return timedelta(seconds=float(match.group(1)))


def stamp(value: datetime) -> str:
    """UTC with the 'Z' indicator ("A device shall respond ... as utc")."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class OnvifStub:
    """A device service and an event service with pull points."""

    username: str
    password: str
    clock_skew: timedelta = timedelta(0)
    require_auth: bool = True
    advertised: str = ADVERTISED
    reference_parameters: str = ""
    requests: list[Seen] = field(default_factory=list)
    overrides: dict[str, Override] = field(default_factory=dict)
    subscriptions: dict[str, datetime] = field(default_factory=dict)
    ended: set[str] = field(default_factory=set)
    events: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    services: str | None = None
    capabilities: str | None = None
    device_service: bool = True
    _runner: web.AppRunner | None = None
    _port: int = 0
    _index: int = 0

    @property
    def port(self) -> int:
        """The port it listens on."""
        return self._port

    def now(self) -> datetime:
        """The stub's clock."""
        return datetime.now(UTC) + self.clock_skew

    def of(self, operation: str) -> list[Seen]:
        """The requests for ``operation``."""
        return [seen for seen in self.requests if seen.operation == operation]

    async def __aenter__(self) -> Self:
        """Listen on 127.0.0.1."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self._port = server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_exc: object) -> None:
        """Stop listening."""
        assert self._runner is not None
        await self._runner.cleanup()

    def authorized(self, seen: Seen) -> bool:
        """Whether the request carries a valid UsernameToken.

        UsernameToken Profile 1.0, 3.1: the digest of nonce, Created and the
        password; ONVIF Core "Username token profile": nonce and Created are
        both required.
        """
        token = seen.header(WSSE, "UsernameToken")
        if token is None:
            return False
        username = token.findtext(f"{{{WSSE}}}Username")
        password = token.find(f"{{{WSSE}}}Password")
        nonce = token.findtext(f"{{{WSSE}}}Nonce")
        created = token.findtext(f"{{{WSU}}}Created")
        if None in (username, password, nonce, created) or password is None:
            return False
        assert nonce is not None
        assert created is not None
        expected = base64.b64encode(
            hashlib.sha1(
                base64.b64decode(nonce) + created.encode() + self.password.encode(),
                usedforsecurity=False,
            ).digest()
        ).decode()
        try:
            when = datetime.fromisoformat(created)
        except ValueError:
            return False
        if when.tzinfo is None:
            return False
        return (
            username == self.username
            and password.text == expected
            and abs(when - self.now()) <= CREATED_WINDOW
        )

    async def _handle(  # noqa: PLR0911 - one return per endpoint
        self, request: web.Request
    ) -> web.StreamResponse:
        raw = await request.read()
        try:
            root = ET.fromstring(raw)  # noqa: S314 - our own client's request
        except ET.ParseError:
            return web.Response(status=400, text="Bad Request")
        body = root.find(f"{{{SOAP12}}}Body")
        operation = (
            body[0].tag.rpartition("}")[2] if body is not None and len(body) else ""
        )
        seen = Seen(
            request.path_qs, operation, dict(request.headers), raw, root, request
        )
        self.requests.append(seen)
        if (override := self.overrides.get(operation)) is not None:
            reply = override(seen) if callable(override) else override
            return await reply if inspect.isawaitable(reply) else reply
        if request.path_qs == DEVICE_PATH and self.device_service:
            return self._device(seen)
        if request.path_qs == EVENT_PATH:
            return self._event_service(seen)
        if request.path_qs in self.subscriptions:
            return await self._subscription(seen)
        if request.path_qs in self.ended:
            return resource_unknown()
        return web.Response(status=404, text="Not Found")

    def _device(self, seen: Seen) -> web.Response:
        # GetSystemDateAndTime is PRE_AUTH (ONVIF Core, access classes).
        if seen.operation == "GetSystemDateAndTime":
            now = self.now()
            return envelope(
                "<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>"
                "<tt:DateTimeType>NTP</tt:DateTimeType>"
                "<tt:DaylightSavings>false</tt:DaylightSavings>"
                "<tt:UTCDateTime>"
                f"<tt:Time><tt:Hour>{now.hour}</tt:Hour><tt:Minute>{now.minute}"
                f"</tt:Minute><tt:Second>{now.second}</tt:Second></tt:Time>"
                f"<tt:Date><tt:Year>{now.year}</tt:Year><tt:Month>{now.month}"
                f"</tt:Month><tt:Day>{now.day}</tt:Day></tt:Date>"
                "</tt:UTCDateTime></tds:SystemDateAndTime>"
                "</tds:GetSystemDateAndTimeResponse>"
            )
        if self.require_auth and not self.authorized(seen):
            return not_authorized()
        if seen.operation == "GetServices":
            return envelope(
                self.services
                if self.services is not None
                else "<tds:GetServicesResponse>"
                f"<tds:Service><tds:Namespace>{TDS}</tds:Namespace>"
                f"<tds:XAddr>{self.advertised}{DEVICE_PATH}</tds:XAddr></tds:Service>"
                f"<tds:Service><tds:Namespace>{TEV}</tds:Namespace>"
                f"<tds:XAddr>{self.advertised}{EVENT_PATH}</tds:XAddr></tds:Service>"
                "</tds:GetServicesResponse>"
            )
        if seen.operation == "GetCapabilities":
            return envelope(
                self.capabilities
                if self.capabilities is not None
                else "<tds:GetCapabilitiesResponse><tds:Capabilities>"
                f"<tt:Events><tt:XAddr>{self.advertised}{EVENT_PATH}</tt:XAddr>"
                "</tt:Events></tds:Capabilities></tds:GetCapabilitiesResponse>"
            )
        return fault("env:Receiver", "ter:ActionNotSupported", "no", status=500)

    def _event_service(self, seen: Seen) -> web.Response:
        if self.require_auth and not self.authorized(seen):
            return not_authorized()
        if seen.operation != "CreatePullPointSubscription":
            return fault("env:Receiver", "ter:ActionNotSupported", "no", status=500)
        self._index += 1
        path = f"/onvif/Subscription?Idx={self._index}"
        now = self.now()
        wanted = seen.body_text("InitialTerminationTime")
        until = (
            now + duration(wanted)
            if wanted and wanted.startswith("PT")
            else datetime.strptime(wanted or "", "%Y-%m-%dT%H:%M:%SZ").replace(
                tzinfo=UTC
            )
        )
        self.subscriptions[path] = until
        return envelope(
            "<tev:CreatePullPointSubscriptionResponse><tev:SubscriptionReference>"
            f"<wsa:Address>{self.advertised}{path}</wsa:Address>"
            f"{self.reference_parameters}"
            "</tev:SubscriptionReference>"
            f"<wsnt:CurrentTime>{stamp(now)}</wsnt:CurrentTime>"
            f"<wsnt:TerminationTime>{stamp(until)}</wsnt:TerminationTime>"
            "</tev:CreatePullPointSubscriptionResponse>"
        )

    async def _subscription(self, seen: Seen) -> web.Response:
        if self.require_auth and not self.authorized(seen):
            return not_authorized()
        if seen.operation == "PullMessages":
            return await self._pull(seen)
        if seen.operation == "Renew":
            until = self.now() + duration(seen.body_text("TerminationTime"))
            self.subscriptions[seen.path] = until
            return envelope(
                "<wsnt:RenewResponse>"
                f"<wsnt:TerminationTime>{stamp(until)}</wsnt:TerminationTime>"
                f"<wsnt:CurrentTime>{stamp(self.now())}</wsnt:CurrentTime>"
                "</wsnt:RenewResponse>"
            )
        if seen.operation == "Unsubscribe":
            # "This command shall terminate the lifetime of a pull point."
            del self.subscriptions[seen.path]
            self.ended.add(seen.path)
            return envelope("<wsnt:UnsubscribeResponse/>")
        return fault("env:Receiver", "ter:ActionNotSupported", "no", status=500)

    async def _pull(self, seen: Seen) -> web.Response:
        """Answer a PullMessages.

        ONVIF Core "Pull messages": waiting messages at once, else the
        first one produced before the Timeout, else none at the Timeout; at
        most MessageLimit.
        """
        wait = duration(seen.body_text("Timeout")).total_seconds()
        limit = int(seen.body_text("MessageLimit") or "0")
        messages: list[str] = []
        if self.events.empty():
            with contextlib.suppress(TimeoutError):
                messages.append(await asyncio.wait_for(self.events.get(), wait))
        while not self.events.empty() and len(messages) < limit:
            messages.append(self.events.get_nowait())
        until = self.subscriptions.get(seen.path, self.now())
        return envelope(
            "<tev:PullMessagesResponse>"
            f"<tev:CurrentTime>{stamp(self.now())}</tev:CurrentTime>"
            f"<tev:TerminationTime>{stamp(until)}</tev:TerminationTime>"
            + "".join(messages)
            + "</tev:PullMessagesResponse>"
        )


def motion_message(
    *, on: bool, topic: str = "tns1:RuleEngine/CellMotionDetector/Motion"
) -> str:
    """One cell-motion notification as the stub sends it."""
    return (
        "<wsnt:NotificationMessage><wsnt:Topic "
        'Dialect="http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet">'
        f"{topic}</wsnt:Topic><wsnt:Message>"
        '<tt:Message UtcTime="2024-03-05T10:15:30Z" PropertyOperation="Changed">'
        '<tt:Source><tt:SimpleItem Name="VideoSourceConfigurationToken" Value="1"/>'
        "</tt:Source><tt:Data>"
        f'<tt:SimpleItem Name="IsMotion" Value="{"true" if on else "false"}"/>'
        "</tt:Data></tt:Message></wsnt:Message></wsnt:NotificationMessage>"
    )
