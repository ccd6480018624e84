"""ONVIF events from the camera: a small hand-written SOAP client.

The camera's clock, its event service, and pull-point events over the device's
web port, every request authenticated with a WS-UsernameToken stamped in the
camera's clock.

Sources: ONVIF Core Specification: "Services overview" (the device service at
``/onvif/device_service``), device management GetSystemDateAndTime,
GetServices and GetCapabilities, "Event handling" with the Real-time
Pull-Point Notification Interface (CreatePullPointSubscription,
PullMessages, Renew, Unsubscribe) and the event WSDL's actions;
WS-BaseNotification 1.3 (Renew, Unsubscribe).

The camera names its services with its own idea of its address, wrong behind
NAT: only the path and query of each address it gives are kept, and every
request goes to the configured host and port.
"""

from __future__ import annotations

from collections import Counter
from contextlib import AbstractAsyncContextManager, nullcontext, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
import logging
from typing import TYPE_CHECKING, Self

import aiohttp
from yarl import URL

from .digest import DigestChallenge
from .exceptions import (
    ExcelSenseAuthenticationError,
    ExcelSenseConnectionError,
    ExcelSenseError,
    ExcelSenseLoginPausedError,
    ExcelSenseNotOnvifError,
    ExcelSenseNotSupportedError,
    ExcelSenseOnvifHttpsOnlyError,
    ExcelSenseResponseError,
)
from .onvif_clock import camera_utc
from .onvif_pullpoint import (
    ACTIONS,
    EVENTS_NAMESPACE,
    TERMINATION,
    OnvifSubscription,
    create_subscription,
)
from .soap import (
    Addressing,
    NotSoapError,
    check_reply,
    content_type,
    envelope,
    username_token,
    xaddr_path,
)
from .transport import read_capped, redirects_to_https, transport_errors

if TYPE_CHECKING:
    from collections.abc import Callable

    from .gate import Limiter, LoginGate
    from .safexml import Node
    from .soap import UsernameToken
    from .transport import Transport

_LOGGER = logging.getLogger(__name__)

DEVICE_SERVICE = "/onvif/device_service"
_TDS = "http://www.onvif.org/ver10/device/wsdl"
# A token refused while the camera's clock moved by more than this since it
# was stamped is sent again in the new clock; otherwise the password was.
CLOCK_TOLERANCE = timedelta(seconds=30)
# A PullMessagesResponse of a hundred messages is some 60 KB.
REPLY_LIMIT = 256 << 10
_HTTP_UNAUTHORIZED = 401


@dataclass(kw_only=True)
class OnvifClient:
    """ONVIF requests to one camera on its web port, authenticated per request.

    Every request carries a WS-UsernameToken with a password digest, a fresh
    nonce and ``Created`` in the camera's clock (call ``clock`` first). A
    camera whose ONVIF authentication is off ignores the token.
    """

    host: str
    username: str
    password: str = field(repr=False)
    session: aiohttp.ClientSession = field(repr=False)
    port: int = 80
    use_https: bool = False
    verify_ssl: bool = True
    request_timeout: float = 10.0
    # Shared with the camera's CGI requests (``ExcelSenseClient.onvif``): the
    # request bound, and the gate that holds back a refused password.
    limiter: Limiter | None = field(default=None, repr=False)
    gate: LoginGate | None = field(default=None, repr=False)
    clock_offset: timedelta = field(init=False, default=timedelta(0))
    _event_service: tuple[str, str] | None = field(init=False, default=None, repr=False)
    _counts: Counter[str] = field(init=False, default_factory=Counter, repr=False)
    # The camera refused a relative InitialTerminationTime and took an
    # absolute one: every term is sent as an absolute time from then on.
    _absolute_terms: bool = field(init=False, default=False, repr=False)
    # The camera's last HTTP Digest challenge, when it asks for one.
    _digest: DigestChallenge | None = field(init=False, default=None, repr=False)

    @classmethod
    def sharing(cls, transport: Transport) -> Self:
        """The ONVIF client beside a camera's CGI transport.

        The same account, session and TLS check, the same request bound and
        login gate.
        """
        return cls(
            host=transport.host,
            username=transport.username,
            password=transport.password,
            session=transport.session,
            port=transport.port,
            use_https=transport.use_https,
            verify_ssl=transport.verify_ssl,
            request_timeout=transport.request_timeout,
            limiter=transport.limiter,
            gate=transport.gate,
        )

    @property
    def requests_sent(self) -> int:
        """How many ONVIF requests this client has sent."""
        return self._counts.total()

    @property
    def request_counts(self) -> dict[str, int]:
        """Requests sent, by operation."""
        return dict(self._counts)

    def camera_time(self) -> datetime:
        """Now, in the camera's clock (UTC)."""
        return datetime.now(UTC) + self.clock_offset

    async def clock(self) -> timedelta:
        """Read the camera's clock; remember and return its offset from ours.

        GetSystemDateAndTime needs no login ("PRE_AUTH"); a camera that asks
        for one anyway gets a token stamped in our clock. A camera that names
        no time that can be read leaves the offset as it was (see
        ``onvif_clock``).
        """
        body = _GET_SYSTEM_DATE_AND_TIME
        sent = datetime.now(UTC)
        try:
            try:
                reply = await self._device("GetSystemDateAndTime", body, sign=False)
            except ExcelSenseAuthenticationError:
                sent = datetime.now(UTC)
                reply = await self._device("GetSystemDateAndTime", body, reclock=False)
        except NotSoapError as err:
            # Its web server answers the address (a page, a redirect to the
            # login): no ONVIF there.
            msg = f"{self.host} answers no ONVIF at {DEVICE_SERVICE} ({err})"
            raise ExcelSenseNotOnvifError(None, msg) from err
        received = datetime.now(UTC)
        clock = reply.path("GetSystemDateAndTimeResponse", "SystemDateAndTime")
        camera = camera_utc(clock) if clock is not None else None
        if camera is None:
            _LOGGER.debug("%s names no time; clock offset kept", self.host)
            return self.clock_offset
        self.clock_offset = camera - (sent + (received - sent) / 2)
        _LOGGER.debug("%s clock offset %s", self.host, self.clock_offset)
        return self.clock_offset

    async def event_service(self) -> str:
        """The event service's path (GetServices, else GetCapabilities).

        Raises ExcelSenseNotSupportedError when the camera names none.
        """
        return (await self._events())[0]

    async def _events(self) -> tuple[str, str]:
        """The event service's path, and its address as the camera gave it."""
        if self._event_service is None:
            xaddr: str | None = None
            try:
                reply = await self._device("GetServices", _GET_SERVICES)
            except ExcelSenseAuthenticationError:
                raise
            except (ExcelSenseResponseError, ExcelSenseConnectionError) as err:
                # Older firmware answers GetCapabilities only, or drops the
                # newer request: that one is asked instead.
                _LOGGER.debug("%s GetServices failed (%s)", self.host, err)
            else:
                xaddr = _event_xaddr_from_services(reply)
            if xaddr is None:
                reply = await self._device("GetCapabilities", _GET_CAPABILITIES)
                xaddr = reply.path_text(
                    "GetCapabilitiesResponse", "Capabilities", "Events", "XAddr"
                )
            if not xaddr:
                msg = f"{self.host} names no ONVIF event service"
                raise ExcelSenseNotSupportedError(None, msg)
            self._event_service = (xaddr_path(xaddr, "ONVIF event service"), xaddr)
        return self._event_service

    async def subscribe(
        self, termination: timedelta | datetime = TERMINATION
    ) -> OnvifSubscription:
        """Create a pull-point subscription for every event.

        ``termination`` is relative, or an absolute time in the camera's
        clock (``camera_time``) for cameras that mishandle durations. A
        camera that refuses the duration is asked for the absolute time
        (kept for this client's later subscriptions and their renewals, once
        it worked), then for none.
        """
        path, xaddr = await self._events()
        action = ACTIONS["CreatePullPointSubscription"]
        create = partial(
            self._call,
            path,
            "CreatePullPointSubscription",
            action=action,
            addressing=Addressing(action=action, to=xaddr),
            missing=ExcelSenseNotSupportedError,
        )
        try:
            subscription = await create_subscription(
                create,
                self._call,
                termination,
                self.camera_time,
                absolute=self._absolute_terms,
            )
        except ExcelSenseNotSupportedError:
            # Asked again next time: new firmware may have moved the service.
            self._event_service = None
            raise
        self._absolute_terms = subscription.absolute
        return subscription

    async def _device(
        self, operation: str, body: str, *, sign: bool = True, reclock: bool = True
    ) -> Node:
        return await self._call(
            DEVICE_SERVICE,
            operation,
            body,
            action=f"{_TDS}/{operation}",
            missing=ExcelSenseNotSupportedError,
            sign=sign,
            reclock=reclock,
        )

    async def _call(  # noqa: PLR0913 - the request's parts, all keyword but three
        self,
        path: str,
        operation: str,
        body: str,
        *,
        action: str,
        missing: type[ExcelSenseResponseError],
        addressing: Addressing | None = None,
        wait: float = 0.0,
        sign: bool = True,
        reclock: bool = True,
        optional: bool = False,
    ) -> Node:
        """Send one request; the reply's SOAP Body, or an ExcelSenseError.

        ``optional``: nothing hangs on the request, so a refusal is not
        counted as a refused login (the next request that matters tells).

        ``wait`` is how long the camera may hold the request before answering
        (a pull), on top of the request timeout. When the camera refuses a
        signed request, its clock is read again: a clock that jumped (more
        than ``CLOCK_TOLERANCE``) refuses tokens stamped in the old one, so
        the request is sent once more in the new one; a clock that did not
        move means the password was refused, counted as a refused login.
        """
        call = partial(
            self._send,
            path,
            operation,
            body,
            action=action,
            missing=missing,
            addressing=addressing,
            wait=wait,
        )
        if not sign:
            return await call(sign=False)
        if not reclock:  # the clock itself
            return await call(sign=True)
        if optional:
            return await call(sign=True, count=False)
        try:
            return await call(sign=True, count=False)
        except ExcelSenseLoginPausedError:
            raise
        except ExcelSenseAuthenticationError:
            before = self.clock_offset
            with suppress(ExcelSenseError):
                await self.clock()
            if abs(self.clock_offset - before) < CLOCK_TOLERANCE:
                # Same clock: the password itself was refused.
                self._refused()
                raise
        # The clock had jumped: the token is sent once more, in the new one.
        return await call(sign=True, count=True)

    async def _send(  # noqa: PLR0913 - _call's arguments, passed on
        self,
        path: str,
        operation: str,
        body: str,
        *,
        action: str,
        missing: type[ExcelSenseResponseError],
        addressing: Addressing | None,
        wait: float,
        sign: bool,
        count: bool = True,
    ) -> Node:
        """One request; ``count``: a refusal counts in the login gate."""
        what = f"ONVIF {operation}"
        if sign and self.gate is not None and self.gate.closed:
            # The camera refused this password: it is not sent here either.
            # (An unsigned request, the clock, carries no password.)
            msg = f"Login refused by {self.host}; {what} not sent"
            raise ExcelSenseLoginPausedError(None, msg)
        scheme = "https" if self.use_https else "http"
        base = URL.build(scheme=scheme, host=self.host, port=self.port)
        post = partial(
            self._post,
            URL(f"{base}{path}", encoded=True),
            operation,
            envelope_of=partial(envelope, body, addressing=addressing),
            action=action,
            sign=sign,
            limit=aiohttp.ClientTimeout(total=self.request_timeout + wait),
        )
        with transport_errors(self.host, lambda: what):
            if self.session.closed:
                msg = f"HTTP session closed, not sent to {self.host} ({what})"
                raise ExcelSenseConnectionError(msg, request_sent=False)
            async with self._place(held=wait > 0):
                try:
                    token, status, raw = await post()
                except aiohttp.ClientConnectorError:
                    raise
                except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as err:
                    # aiohttp sends a request once more when the kept
                    # connection it used turns out closed, but only an
                    # idempotent one: ONVIF's are POSTs. Done here, once, with
                    # a fresh token (a camera may refuse a nonce seen before).
                    _LOGGER.debug("%s %s sent again: %r", self.host, what, err)
                    token, status, raw = await post()
        _LOGGER.debug("%s %s -> HTTP %s, %d bytes", self.host, what, status, len(raw))
        hidden = token.secrets if token else (self.password,)
        try:
            return check_reply(status, raw, what=what, missing=missing, hidden=hidden)
        except ExcelSenseAuthenticationError:
            if sign and count:
                self._refused()
            raise

    async def _post(
        self,
        url: URL,
        operation: str,
        *,
        envelope_of: Callable[..., bytes],
        action: str,
        sign: bool,
        limit: aiohttp.ClientTimeout,
    ) -> tuple[UsernameToken | None, int, bytes]:
        """Send one request: its token, the reply's status and body.

        A camera that asks for HTTP Digest (401 with a challenge) gets the
        request once more with it, and the later ones preemptively (see
        ``digest``); only signed requests carry it, as they carry the token.
        """
        for _ in range(2):
            token = None
            headers = {"Content-Type": content_type(action)}
            tried = self._digest if sign else None
            if sign:
                token = username_token(self.username, self.password, self.camera_time())
            if tried is not None:
                headers["Authorization"] = tried.authorization(
                    "POST", url.raw_path_qs, self.username, self.password
                )
            self._counts[operation] += 1
            response_ = await self.session.post(
                url,
                data=envelope_of(token=token),
                headers=headers,
                ssl=not (self.use_https and not self.verify_ssl),
                allow_redirects=False,
                timeout=limit,
            )
            async with response_:
                raw = await read_capped(response_, REPLY_LIMIT, f"ONVIF {operation}")
                status = response_.status
                offered = response_.headers.getall("WWW-Authenticate", [])
                if redirects_to_https(status, response_.headers):
                    # (Not where to: the address may repeat ours.)
                    msg = f"HTTP {status}: {self.host} sends ONVIF {operation} to HTTPS"
                    raise ExcelSenseOnvifHttpsOnlyError(None, msg)
            if not sign or status != _HTTP_UNAUTHORIZED:
                break
            challenge = next(
                (c for value in offered if (c := DigestChallenge.parse(value))), None
            )
            if challenge is None or (
                tried is not None and tried.nonce == challenge.nonce
            ):
                break  # no Digest asked for, or this very one refused
            self._digest = challenge
        return token, status, raw

    def _refused(self) -> None:
        """Count a refused login in the camera's gate.

        A refused login like any other (the camera may lock an account that
        keeps failing, whichever service refused it), confirmed at once by the
        next CGI request: ONVIF may keep its own accounts.
        """
        if self.gate is not None:
            self.gate.refused(confirm_now=True)

    def _place(self, *, held: bool) -> AbstractAsyncContextManager[None]:
        if self.limiter is None:
            return nullcontext()
        return self.limiter.held_place() if held else self.limiter.place()


_GET_SYSTEM_DATE_AND_TIME = f'<tds:GetSystemDateAndTime xmlns:tds="{_TDS}"/>'
_GET_SERVICES = (
    f'<tds:GetServices xmlns:tds="{_TDS}">'
    "<tds:IncludeCapability>false</tds:IncludeCapability>"
    "</tds:GetServices>"
)
_GET_CAPABILITIES = (
    f'<tds:GetCapabilities xmlns:tds="{_TDS}">'
    "<tds:Category>Events</tds:Category>"
    "</tds:GetCapabilities>"
)


def _event_xaddr_from_services(reply: Node) -> str | None:
    services = reply.child("GetServicesResponse")
    for service in services.all("Service") if services is not None else ():
        namespace = service.path_text("Namespace") or ""
        if namespace.rstrip("/") == EVENTS_NAMESPACE:
            return service.path_text("XAddr") or None
    return None
