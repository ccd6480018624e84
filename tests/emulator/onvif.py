"""ONVIF on the camera's web port: device service, event service, pull points.

Paths (on the same aiohttp app as ``/cgi-bin/``):

``/onvif/device_service``
    GetSystemDateAndTime, GetServices, GetServiceCapabilities, GetCapabilities,
    GetDeviceInformation.  ONVIF Core, Web Services framework, "Services
    overview": "The entry point for the device management service is fixed
    to: /onvif/device_service".
``/onvif/event_service``
    GetServiceCapabilities, GetEventProperties, CreatePullPointSubscription.
``/onvif/subscription/<token>``
    One pull point (the SubscriptionReference address): PullMessages, Renew,
    Unsubscribe, SetSynchronizationPoint.

Requests are SOAP 1.2 over HTTP POST (``application/soap+xml``); the operation
is the first child of env:Body, whatever SOAPAction or ``action=`` says.
XAddrs and addresses are absolute URLs built from the camera's own idea of its
address (``Device.reported_ip()`` and httpPort), as the RTSP URL of video.cgi
is; Core, Device management, GetServices allows it: "if device is behind a NAT
that device may return the local address and not the external address used by
the client".

Authentication (``protocolSecurityFlag`` 1): a WS-Security UsernameToken on
every operation whose access class is not PRE_AUTH (Core, Security, "Access
classes for service requests"; each operation has the class the Core gives
it), checked against the camera's users and its own clock, see
``soap.check_username_token``.  Refused: HTTP 400 with env:Sender /
ter:NotAuthorized (Core, Security, "Authentication over HTTP and HTTPS").
With the flag 0 no token is needed and none is checked.  Every user level may
call every operation served here (READ_SYSTEM and READ_MEDIA are open to
Administrator, Operator and User in the Core's default access policy).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import logging
from typing import TYPE_CHECKING, Final
from xml.sax.saxutils import escape

from . import soap
from .device import Reply
from .http_digest import DigestCheck
from .pullpoint import EventQuirks, EventService
from .soap import TDS, TEV, WSA, WSNT, SoapFaultError, child, text_of

if TYPE_CHECKING:
    from collections.abc import Callable
    from xml.etree import ElementTree as ET

    from .device import Device

_LOGGER = logging.getLogger(__name__)

DEVICE_PATH: Final = "/onvif/device_service"
EVENT_PATH: Final = "/onvif/event_service"
SUBSCRIPTION_PATH: Final = "/onvif/subscription/"
CONTENT_TYPE: Final = "application/soap+xml; charset=utf-8"
# Access class PRE_AUTH ("The service shall not require user authentication"):
# GetSystemDateAndTime, GetServices, GetServiceCapabilities and GetCapabilities
# of the device service (Core, Device management) and the event service's
# GetServiceCapabilities (Core 9.8 Capabilities).
_PRE_AUTH: Final = frozenset(
    {
        (TDS, "GetSystemDateAndTime"),
        (TDS, "GetServices"),
        (TDS, "GetServiceCapabilities"),
        (TDS, "GetCapabilities"),
        (TEV, "GetServiceCapabilities"),
    }
)
_DEVICE_OPERATIONS: Final = frozenset(
    {
        "GetSystemDateAndTime",
        "GetServices",
        "GetServiceCapabilities",
        "GetCapabilities",
        "GetDeviceInformation",
    }
)
_EVENT_OPERATIONS: Final = frozenset(
    {"GetServiceCapabilities", "GetEventProperties", "CreatePullPointSubscription"}
)
_SUBSCRIPTION_OPERATIONS: Final = frozenset(
    {
        (TEV, "PullMessages"),
        (TEV, "SetSynchronizationPoint"),
        (WSNT, "Renew"),
        (WSNT, "Unsubscribe"),
    }
)
# wsa:Action of each response (event.wsdl wsaw:Action, WS-BaseNotification bw-2).
_EVENT_PORT: Final = f"{TEV}/EventPortType/"
_PULL_POINT: Final = f"{TEV}/PullPointSubscription/"
_MANAGER: Final = "http://docs.oasis-open.org/wsn/bw-2/SubscriptionManager/"
_EVENT_ACTIONS: Final = {
    "CreatePullPointSubscription": _EVENT_PORT,
    "GetEventProperties": _EVENT_PORT,
    "GetServiceCapabilities": _EVENT_PORT,
    "PullMessages": _PULL_POINT,
    "SetSynchronizationPoint": _PULL_POINT,
    "Renew": _MANAGER,
    "Unsubscribe": _MANAGER,
}
_CATEGORIES: Final = frozenset(
    {"All", "Analytics", "Device", "Events", "Imaging", "Media", "PTZ"}
)


@dataclass
class OnvifQuirks(EventQuirks):
    """ONVIF firmware variants; mutable, changes apply to the next request.

    ``enabled`` False: no ONVIF at all (404 on every /onvif/ path).
    ``events`` False: no event service (not in GetServices/GetCapabilities,
    Category Events is ter:NoSuchService, its paths answer 404).
    ``pull_immediately``: PullMessages answers at once, even with no message.
    ``renew_refused``: Renew answers env:Receiver / ter:ActionNotSupported.
    ``auth_refused``: every UsernameToken fails (ter:NotAuthorized).
    ``http_digest``: every operation that is not PRE_AUTH also needs HTTP
    Digest (see ``http_digest``); without it, or with a wrong one, HTTP 401
    with a challenge.
    ``motion_alarm_only``: tns1:VideoSource/MotionAlarm without the
    CellMotionDetector topic.  ``numeric_booleans``: IsMotion / State as 1/0.
    ``max_pull_points``: live subscriptions before SubscribeCreationFailedFault.
    ``local_time_only``: GetSystemDateAndTime without UTCDateTime (the schema
    marks it optional: "A device shall provide the UTCDateTime information
    although the item is marked as optional"), its TimeZone given as the
    POSIX ``zone`` ("CST-8": eight hours east).
    """

    enabled: bool = True
    events: bool = True
    auth_refused: bool = False
    http_digest: bool = False
    local_time_only: str | None = None


@dataclass
class OnvifCall:
    """A request read and parsed; ``reply`` is set when it is already answered."""

    path: str
    operation: str = ""
    request: soap.Envelope | None = None
    reply: Reply | None = None
    # The request-target and Authorization header, for HTTP Digest.
    target: str = ""
    authorization: str = ""


def _fault(fault: SoapFaultError) -> Reply:
    return Reply(fault.xml(), CONTENT_TYPE, fault.status)


def _http_error(status: int, text: str) -> Reply:
    return Reply(f"{status} {text}\n".encode(), "text/plain", status)


@dataclass
class OnvifService:
    """The camera's ONVIF services (see the module docstring)."""

    device: Device
    port: Callable[[], str]
    quirks: OnvifQuirks = field(default_factory=OnvifQuirks)

    def __post_init__(self) -> None:
        """Follow the device's alarms and reboots."""
        self.events = EventService(
            self.device, self.quirks, lambda: self.xaddr(EVENT_PATH)
        )
        self.nonces = soap.NonceCache()
        self.digest = DigestCheck()
        self.device.alarm_listeners.append(self.events.alarm_changed)
        self.device.restart_listeners.append(self.events.drop_all)

    def xaddr(self, path: str) -> str:
        """Absolute URL with the camera's own view of its address."""
        return f"http://{self.device.reported_ip()}:{self.port()}{path}"

    def set_image_too_blurry(self, *, active: bool) -> None:
        """The non-motion topic: tns1:VideoSource/ImageTooBlurry/ImagingService."""
        self.events.alarm_changed("blurry", active=active, when=self.device.now())

    # ----------------------------------------------------------------- requests

    def read(
        self,
        method: str,
        path: str,
        content_type: str,
        body: bytes,
        *,
        target: str = "",
        authorization: str = "",
    ) -> OnvifCall:
        """Route and parse a request (the operation name is known afterwards).

        Core, Error handling, "HTTP errors": a request without a SOAP message
        gets an HTTP error, not a fault: 405 for a method "neither POST or
        GET", 400 for a GET or an empty body, 415 for an "Unsupported message
        encapsulation method".
        """
        call = OnvifCall(path, target=target or path, authorization=authorization)
        if not self._served(path):
            call.reply = _http_error(404, "Not Found")
        elif method not in ("POST", "GET"):
            call.reply = _http_error(405, "Method Not Allowed")
        elif method == "GET" or not body:
            call.reply = _http_error(400, "Bad Request")
        elif content_type.split(";", 1)[0].strip().lower() != "application/soap+xml":
            call.reply = _http_error(415, "Unsupported Media Type")
        else:
            try:
                call.request = soap.parse_envelope(body)
            except SoapFaultError as fault:
                call.reply = _fault(fault)
            else:
                call.operation = call.request.name
        return call

    def _served(self, path: str) -> bool:
        if not self.quirks.enabled:
            return False
        if path == DEVICE_PATH:
            return True
        return self.quirks.events and (
            path == EVENT_PATH or path.startswith(SUBSCRIPTION_PATH)
        )

    async def answer(self, call: OnvifCall) -> Reply:
        """The reply to a call from ``read``."""
        if call.reply is not None:
            return call.reply
        assert call.request is not None
        self.device.settle()
        request = call.request
        key = (request.namespace, request.name)
        if (
            self.quirks.http_digest
            and self._known(call.path, key)
            and key not in _PRE_AUTH
            and self.digest.user(
                call.authorization, "POST", call.target, self._passwords()
            )
            is None
        ):
            return Reply(
                b"401 Unauthorized\n",
                "text/plain",
                401,
                headers=(("WWW-Authenticate", self.digest.challenge()),),
            )
        try:
            body = await self._dispatch(call.path, request)
        except SoapFaultError as fault:
            return _fault(fault)
        action = None
        if call.path != DEVICE_PATH:
            action = f"{_EVENT_ACTIONS[request.name]}{request.name}Response"
        relates = request.header_text(WSA, "MessageID") if action else None
        return Reply(
            soap.envelope(body, action=action, relates_to=relates), CONTENT_TYPE
        )

    def _known(self, path: str, key: tuple[str, str]) -> bool:
        namespace, name = key
        if path == DEVICE_PATH:
            return namespace == TDS and name in _DEVICE_OPERATIONS
        if path == EVENT_PATH:
            return namespace == TEV and name in _EVENT_OPERATIONS
        return key in _SUBSCRIPTION_OPERATIONS

    def _passwords(self) -> dict[str, str]:
        return {name: user.password for name, user in self.device.state.users.items()}

    def _authenticate(self, request: soap.Envelope, key: tuple[str, str]) -> None:
        flag = self.device.state.protocol_security.values.get("protocolSecurityFlag")
        if key in _PRE_AUTH or flag != "1":
            return
        user = soap.check_username_token(
            request,
            self._passwords(),
            self.device.now().astimezone(UTC),
            self.nonces,
            refuse_all=self.quirks.auth_refused,
        )
        if user is None:
            raise soap.not_authorized()

    async def _dispatch(self, path: str, request: soap.Envelope) -> str:
        key = (request.namespace, request.name)
        if not self._known(path, key):
            # Core "Services requirements": a command the device does not
            # support is answered with "env:Receiver, ter:ActionNotSupported".
            raise soap.action_not_supported()
        self._authenticate(request, key)
        if path == DEVICE_PATH:
            return self._device_operation(request.name, request.operation)
        if path == EVENT_PATH:
            return self._event_operation(request)
        token = path.removeprefix(SUBSCRIPTION_PATH)
        if request.name == "PullMessages":
            return await self.events.pull(token, request.operation)
        if request.name == "Renew":
            return self.events.renew(token, request.operation)
        if request.name == "Unsubscribe":
            return self.events.unsubscribe(token)
        return self.events.synchronize(token)

    def _event_operation(self, request: soap.Envelope) -> str:
        if request.name == "CreatePullPointSubscription":
            base = self.xaddr(SUBSCRIPTION_PATH)
            return self.events.create(request.operation, request.prefixes, base)
        if request.name == "GetEventProperties":
            return self.events.properties()
        return (
            "<tev:GetServiceCapabilitiesResponse>"
            f"{self.events.capabilities()}</tev:GetServiceCapabilitiesResponse>"
        )

    # ----------------------------------------------------------------- device service

    def _device_operation(self, name: str, operation: ET.Element) -> str:
        if name == "GetSystemDateAndTime":
            return self._date_and_time()
        if name == "GetServices":
            return self._services(operation)
        if name == "GetServiceCapabilities":
            return (
                "<tds:GetServiceCapabilitiesResponse>"
                f"{self._device_capabilities()}</tds:GetServiceCapabilitiesResponse>"
            )
        if name == "GetCapabilities":
            return self._capabilities(operation)
        return self._device_information()

    def _date_and_time(self) -> str:
        """GetSystemDateAndTime (Core, Device management, System; PRE_AUTH): the clock.

        "A device shall provide the UTCDateTime information although the item
        is marked as optional"; LocalDateTime is the clock as param.cgi
        dateTime shows it.  TimeZone is a fixed POSIX offset of that clock.
        """
        local = self.device.now()
        utc = local.astimezone(UTC)
        offset = local.astimezone().utcoffset()
        minutes = 0 if offset is None else int(offset.total_seconds() // 60)
        # POSIX TZ counts hours west of Greenwich: UTC+2 is "UTC-02:00".
        sign = "-" if minutes >= 0 else "+"
        posix = f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
        ntp = self.device.state.ntp.values.get("enableFlag") == "1"
        dst = self.device.state.time_zone.values.get("DSTOpenFlag") == "1"
        times = (
            f"<tt:UTCDateTime>{_date_time(utc)}</tt:UTCDateTime>"
            f"<tt:LocalDateTime>{_date_time(local)}</tt:LocalDateTime>"
        )
        if (zone := self.quirks.local_time_only) is not None:
            posix, dst = zone, False
            east = -int(zone.removeprefix("CST"))  # the forms tests use
            there = utc.replace(tzinfo=None) + timedelta(hours=east)
            times = f"<tt:LocalDateTime>{_date_time(there)}</tt:LocalDateTime>"
        return (
            "<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>"
            f"<tt:DateTimeType>{'NTP' if ntp else 'Manual'}</tt:DateTimeType>"
            f"<tt:DaylightSavings>{str(dst).lower()}</tt:DaylightSavings>"
            f"<tt:TimeZone><tt:TZ>{posix}</tt:TZ></tt:TimeZone>"
            f"{times}"
            "</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>"
        )

    def _version(self) -> tuple[int, int]:
        """The protocolVersion ("v22.06") as tt:OnvifVersion (Major 22, Minor 6)."""
        raw = self.device.state.protocol_info.values.get("protocolVersion", "v22.06")
        major, _, minor = raw.lstrip("vV").partition(".")
        try:
            return int(major), int(minor or "0")
        except ValueError:
            return 22, 6

    def _services(self, operation: ET.Element) -> str:
        """GetServices (Core, Device management, Capability exchange): every service.

        "If the Boolean IncludeCapability is set, then the response shall
        include the services capabilities."
        """
        include = soap.parse_bool(text_of(child(operation, TDS, "IncludeCapability")))
        if include is None:
            raise soap.sender("InvalidArgs", "Invalid Args")
        major, minor = self._version()
        services = [(TDS, DEVICE_PATH, self._device_capabilities())]
        if self.quirks.events:
            services.append((TEV, EVENT_PATH, self.events.capabilities()))
        return (
            "<tds:GetServicesResponse>"
            + "".join(
                f"<tds:Service><tds:Namespace>{namespace}</tds:Namespace>"
                f"<tds:XAddr>{escape(self.xaddr(path))}</tds:XAddr>"
                + (
                    f"<tds:Capabilities>{capabilities}</tds:Capabilities>"
                    if include
                    else ""
                )
                + f"<tds:Version><tt:Major>{major}</tt:Major>"
                f"<tt:Minor>{minor}</tt:Minor></tds:Version></tds:Service>"
                for namespace, path, capabilities in services
            )
            + "</tds:GetServicesResponse>"
        )

    def _device_capabilities(self) -> str:
        """tds:Capabilities: Network, Security (UsernameToken, HTTP Digest), System."""
        digest = str(self.quirks.http_digest).lower()
        return (
            '<tds:Capabilities><tds:Network IPFilter="false" ZeroConfiguration="false"'
            ' IPVersion6="false" DynDNS="false"/>'
            f'<tds:Security UsernameToken="true" HttpDigest="{digest}"/>'
            '<tds:System DiscoveryResolve="false" DiscoveryBye="false"'
            ' RemoteDiscovery="false" SystemBackup="false" SystemLogging="false"'
            ' FirmwareUpgrade="false"/></tds:Capabilities>'
        )

    def _capabilities(self, operation: ET.Element) -> str:
        """GetCapabilities (Core, Capability exchange): "If no Category is specified the
        device SHALL return all capabilities"; a category the camera lacks is
        "env:Receiver - ter:ActionNotSupported - ter:NoSuchService"."""  # noqa: D205, D209
        asked = {text_of(item) or "" for item in operation.iter(f"{{{TDS}}}Category")}
        if not asked or "All" in asked:
            asked = {"Device", "Events"} if self.quirks.events else {"Device"}
        if asked - _CATEGORIES:
            raise soap.sender("InvalidArgVal", "Argument Value Invalid")
        offered = {"Device", "Events"} if self.quirks.events else {"Device"}
        if asked - offered:
            raise soap.action_not_supported("NoSuchService")
        device = ""
        if "Device" in asked:
            device = (
                f"<tt:Device><tt:XAddr>{escape(self.xaddr(DEVICE_PATH))}</tt:XAddr>"
                "</tt:Device>"
            )
        events = ""
        if "Events" in asked:
            events = (
                f"<tt:Events><tt:XAddr>{escape(self.xaddr(EVENT_PATH))}</tt:XAddr>"
                "<tt:WSSubscriptionPolicySupport>true</tt:WSSubscriptionPolicySupport>"
                "<tt:WSPullPointSupport>true</tt:WSPullPointSupport>"
                "<tt:WSPausableSubscriptionManagerInterfaceSupport>false"
                "</tt:WSPausableSubscriptionManagerInterfaceSupport></tt:Events>"
            )
        return (
            "<tds:GetCapabilitiesResponse><tds:Capabilities>"
            f"{device}{events}</tds:Capabilities></tds:GetCapabilitiesResponse>"
        )

    def _device_information(self) -> str:
        """GetDeviceInformation (Core, Device management, System; READ_SYSTEM)."""
        info = self.device.state.device_info.values
        fields = (
            ("Manufacturer", info.get("manufacturerName", "")),
            ("Model", info.get("productModel", "")),
            ("FirmwareVersion", info.get("softwareVer", "")),
            ("SerialNumber", info.get("deviceID", "")),
            ("HardwareId", info.get("hardwareVer", "")),
        )
        return (
            "<tds:GetDeviceInformationResponse>"
            + "".join(
                f"<tds:{name}>{escape(value)}</tds:{name}>" for name, value in fields
            )
            + "</tds:GetDeviceInformationResponse>"
        )


def _date_time(moment: datetime) -> str:
    """tt:DateTime: Time then Date."""
    return (
        f"<tt:Time><tt:Hour>{moment.hour}</tt:Hour><tt:Minute>{moment.minute}</tt:Minute>"
        f"<tt:Second>{moment.second}</tt:Second></tt:Time>"
        f"<tt:Date><tt:Year>{moment.year}</tt:Year><tt:Month>{moment.month}</tt:Month>"
        f"<tt:Day>{moment.day}</tt:Day></tt:Date>"
    )


__all__ = ["OnvifCall", "OnvifQuirks", "OnvifService"]
