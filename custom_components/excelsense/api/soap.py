"""SOAP 1.2 requests with a WS-UsernameToken; replies and faults mapped to errors.

Sources: ONVIF Core Specification (the "Web Services framework" chapter: SOAP
1.2 binding, "Error handling" with the generic fault table, "Security" with
the username token profile), OASIS WS-Security UsernameToken Profile 1.0
(section 3.1, the password digest), W3C SOAP 1.2 Part 1 (section 5.4, the
fault) and WS-Addressing 1.0 SOAP Binding (section 2.2, reference parameters).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import UTC, datetime
import hashlib
import re
import secrets
from typing import TYPE_CHECKING
from urllib.parse import quote, quote_plus
import uuid
from xml.sax.saxutils import escape

from .exceptions import (
    ExcelSenseAuthenticationError,
    ExcelSenseNotSupportedError,
    ExcelSenseResponseError,
    ExcelSenseSubscriptionLostError,
)
from .safexml import UTF8_BOM, Node, parse, without_leading_space

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
WSA = "http://www.w3.org/2005/08/addressing"
WSSE = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
)
WSU = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
)
PASSWORD_DIGEST = (
    "http://docs.oasis-open.org/wss/2004/01/"  # noqa: S105 - a URI, no password
    "oasis-200401-wss-username-token-profile-1.0#PasswordDigest"
)
BASE64_BINARY = (
    "http://docs.oasis-open.org/wss/2004/01/"
    "oasis-200401-wss-soap-message-security-1.0#Base64Binary"
)
_NONCE_BYTES = 16
_HTTP_OK = 200
_HTTP_ACCEPTED = 202
_HTTP_UNAUTHORIZED = 401
# Refused logins: 401, and 403 that some firmware answers a wrong password
# with (a camera that locks accounts must not get it again and again).
_LOGIN_STATUSES = frozenset({_HTTP_UNAUTHORIZED, 403})
_HTTP_NOT_FOUND = 404
# Another web server's answers: a redirect (to a login page), POST not allowed.
_HTTP_REDIRECT, _HTTP_BAD_REQUEST, _HTTP_NO_POST = 300, 400, 405
_WEB_PAGE = (b"<!doctype html", b"<html")
_REASON_LIMIT = 120
# Characters left as they are in an address path (already percent-encoded).
_URL_SAFE = "!#$%&'()*+,/:;=?@[]~"

# Fault codes, by local name (cameras bind them to ter:, wsse:, wsa: or their
# own prefixes, in SOAP 1.2 subcodes or a SOAP 1.1 faultcode):
# ONVIF Core generic faults: env:Sender/ter:NotAuthorized "Sender not
# Authorized"; WS-Security 1.1 section 12: wsse:FailedAuthentication,
# wsse:InvalidSecurityToken, wsse:InvalidSecurity.
AUTH_FAULTS = frozenset(
    {"NotAuthorized", "FailedAuthentication", "InvalidSecurityToken", "InvalidSecurity"}
)
# ONVIF Core generic faults: env:Receiver/ter:ActionNotSupported "Optional
# Action Not Implemented", env:Sender/ter:UnknownAction "Unknown Action";
# WS-Addressing 1.0 SOAP Binding 6.4.4: wsa:ActionNotSupported.
NOT_SUPPORTED_FAULTS = frozenset({"ActionNotSupported", "UnknownAction"})
# ONVIF Core "Renew" and "Unsubscribe": ResourceUnknownFault "The pull point
# reference is invalid" (WS-ResourceFramework wsrf-r:ResourceUnknownFault);
# WS-Addressing 1.0 SOAP Binding 6.4.2: wsa:DestinationUnreachable "No route
# can be determined to reach [destination]" (a pull point that is gone).
GONE_FAULTS = frozenset(
    {"ResourceUnknownFault", "ResourceUnknown", "DestinationUnreachable"}
)
# WS-BaseNotification 1.3: UnacceptableInitialTerminationTimeFault (Subscribe,
# which ONVIF Core's CreatePullPointSubscription shares: "The same faults as
# for Subscription Request of the [WS-BaseNotification] are used") and
# UnacceptableTerminationTimeFault (Renew): the time asked for is refused.
TERM_FAULTS = frozenset(
    {"UnacceptableInitialTerminationTimeFault", "UnacceptableTerminationTimeFault"}
)
# ONVIF Core generic faults env:Sender/ter:InvalidArgVal "Argument Value
# Invalid" and ter:InvalidArgs "Invalid Args": a value sent is refused
# (cameras that take no duration in Renew answer one of them).
ARGUMENT_FAULTS = frozenset({"InvalidArgVal", "InvalidArgs"})
_PULL_LIMITS = "PullMessagesFaultResponse"
# Many cameras refuse a login with a bare env:Sender (SOAP 1.1: Client) fault
# and say so only in its reason ("Sender not Authorized", "Authentication
# failed", "Invalid username or password"): ONVIF Core's ter:NotAuthorized is
# left out. Such a fault counts as a refused login too.
_AUTH_REASON = re.compile(
    r"authori[sz]|authenticat|password|credential|log ?in fail", re.IGNORECASE
)


class TermRefusedError(ExcelSenseResponseError):
    """The camera refused the termination time asked for (a SOAP fault)."""


class ArgumentRefusedError(ExcelSenseResponseError):
    """The camera refused a value it was sent (ter:InvalidArgVal, InvalidArgs)."""


class PullLimitsError(ExcelSenseResponseError):
    """A pull asked to wait or take more than the camera gives.

    ONVIF Event service, PullMessages: PullMessagesFaultResponse, "only
    when the Timeout exceeds the upper limit supported by the device", with
    MaxTimeout and MaxMessageLimit (kept as the camera wrote them).
    """

    def __init__(
        self, message: str, max_timeout: str | None, max_messages: str | None
    ) -> None:
        """Keep the limits the fault names."""
        super().__init__(None, message)
        self.max_timeout = max_timeout
        self.max_messages = max_messages


# The exception a fault's code or detail names make, the first that applies.
_FAULT_ERRORS: tuple[tuple[frozenset[str], type[ExcelSenseResponseError]], ...] = (
    (AUTH_FAULTS, ExcelSenseAuthenticationError),
    (GONE_FAULTS, ExcelSenseSubscriptionLostError),
    (NOT_SUPPORTED_FAULTS, ExcelSenseNotSupportedError),
    (TERM_FAULTS, TermRefusedError),
    (ARGUMENT_FAULTS, ArgumentRefusedError),
)


@dataclass(frozen=True)
class UsernameToken:
    """A WS-Security header with a password digest; never shown anywhere."""

    xml: str = field(repr=False)
    secrets: tuple[str, ...] = field(repr=False)

    def __str__(self) -> str:
        """Nothing of the token."""
        return "UsernameToken(...)"


def username_token(
    username: str, password: str, created: datetime, nonce: bytes | None = None
) -> UsernameToken:
    """The token for one request, stamped ``created`` (a fresh nonce by default).

    UsernameToken Profile 1.0, 3.1: Password_Digest = Base64(SHA-1(nonce +
    created + password)), the nonce taken as its raw bytes. ``Created`` is
    written in UTC with the 'Z' indicator, to the second.
    """
    nonce = secrets.token_bytes(_NONCE_BYTES) if nonce is None else nonce
    stamp = created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    # The profile fixes SHA-1; the digest only proves the password is known.
    sha1 = hashlib.sha1(
        nonce + stamp.encode() + password.encode(), usedforsecurity=False
    )
    digest = base64.b64encode(sha1.digest()).decode("ascii")
    nonce_text = base64.b64encode(nonce).decode("ascii")
    xml = (
        f'<wsse:Security xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}">'
        "<wsse:UsernameToken>"
        f"<wsse:Username>{escape(username)}</wsse:Username>"
        f'<wsse:Password Type="{PASSWORD_DIGEST}">{digest}</wsse:Password>'
        f'<wsse:Nonce EncodingType="{BASE64_BINARY}">{nonce_text}</wsse:Nonce>'
        f"<wsu:Created>{stamp}</wsu:Created>"
        "</wsse:UsernameToken>"
        "</wsse:Security>"
    )
    return UsernameToken(xml=xml, secrets=(digest, nonce_text, password))


@dataclass(frozen=True, kw_only=True)
class Addressing:
    """WS-Addressing headers: the event service's requests carry them.

    ``reference_parameters`` are the subscription reference's parameters as
    XML, each echoed as a header block (WS-Addressing SOAP Binding 2.2).
    """

    action: str
    to: str
    reference_parameters: Sequence[str] = ()

    def xml(self) -> str:
        """The header blocks."""
        return (
            f'<wsa:Action xmlns:wsa="{WSA}">{escape(self.action)}</wsa:Action>'
            f'<wsa:MessageID xmlns:wsa="{WSA}">urn:uuid:{uuid.uuid4()}</wsa:MessageID>'
            f'<wsa:To xmlns:wsa="{WSA}">{escape(self.to)}</wsa:To>'
            + "".join(self.reference_parameters)
        )


def envelope(
    body: str, *, token: UsernameToken | None, addressing: Addressing | None = None
) -> bytes:
    """A SOAP 1.2 envelope around ``body``.

    The token carries no mustUnderstand: a camera whose ONVIF authentication
    is off may ignore it instead of faulting.
    """
    header = (token.xml if token else "") + (addressing.xml() if addressing else "")
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<s:Envelope xmlns:s="{SOAP12}">'
        f"<s:Header>{header}</s:Header>"
        f"<s:Body>{body}</s:Body>"
        "</s:Envelope>"
    ).encode()


def content_type(action: str) -> str:
    """SOAP 1.2's media type with the action (RFC 3902)."""
    return f'application/soap+xml; charset=utf-8; action="{action}"'


def xaddr_path(xaddr: str, what: str) -> str:
    """The path and query of an address the camera gave (host and port dropped).

    Behind NAT the camera's own idea of its address is wrong; requests go to
    the configured host and port. Cameras also send a port twice
    ("host:80:80") or several addresses separated by spaces (the first is
    used).
    """
    words = xaddr.split()
    text = words[0] if words else ""
    if "://" in text:
        rest = text.split("://", 1)[1]
        cuts = [i for i in (rest.find("/"), rest.find("?")) if i >= 0]
        path = rest[min(cuts) :] if cuts else "/"
    elif text.startswith("/"):
        path = text
    else:
        msg = f"Reply to {what} names no usable address"
        raise ExcelSenseResponseError(None, msg)
    path = path.split("#", 1)[0]
    if path.startswith("?"):
        path = f"/{path}"
    return quote(path, safe=_URL_SAFE)


def reference_parameter(node: Node) -> str:
    """One reference parameter as a header block, marked as such."""
    return node.serialize((WSA, "IsReferenceParameter", "true"))


@dataclass(frozen=True)
class Fault:
    """A SOAP fault: code and subcode names, detail element names, reason."""

    codes: tuple[str, ...]
    details: tuple[str, ...]
    reason: str
    # The text of each element inside a detail element (MaxTimeout...).
    values: Mapping[str, str] = field(default_factory=dict, compare=False)

    @classmethod
    def from_node(cls, fault: Node) -> Fault:
        """Read a SOAP 1.2 (Code/Subcode, Reason) or 1.1 (faultcode) fault."""
        codes: list[str] = []
        code = fault.child("Code")
        while code is not None:
            value = code.child("Value")
            if value is not None:
                codes.append(value.resolve(value.text)[1])
            code = code.child("Subcode")
        if (faultcode := fault.child("faultcode")) is not None:
            # SOAP 1.1 allows dotted codes ("Client.Authentication").
            codes.extend(faultcode.resolve(faultcode.text)[1].split("."))
        reason = fault.path_text("Reason", "Text") or fault.path_text("faultstring")
        detail = fault.child("Detail") or fault.child("detail")
        nodes = detail.children if detail else ()
        values = {inner.local: inner.text for node in nodes for inner in node.children}
        details = tuple(node.local for node in nodes)
        return cls(tuple(c for c in codes if c), details, reason or "", values)

    def error(
        self, what: str, hidden: Iterable[str], status: int | None = None
    ) -> ExcelSenseResponseError:
        """The library's exception for this fault (secrets scrubbed from it).

        ``status``: the HTTP status it came with; 401 (or 403) is a refused
        login whatever the fault's codes.
        """
        names = set(self.codes) | set(self.details)
        text = f"{', '.join((*self.codes, *self.details)) or 'no code'}"
        if self.reason:
            # Scrubbed before it is cut: a secret cut in two is no longer found.
            text += f": {scrub(self.reason, hidden)[:_REASON_LIMIT]}"
        message = scrub(f"SOAP fault from {what}: {text}", hidden)
        if status in _LOGIN_STATUSES:
            return ExcelSenseAuthenticationError(None, message)
        if _PULL_LIMITS in self.details:
            values = self.values
            return PullLimitsError(
                message, values.get("MaxTimeout"), values.get("MaxMessageLimit")
            )
        for faults, error in _FAULT_ERRORS:
            if names & faults:
                return error(None, message)
        if self._login_refused:
            return ExcelSenseAuthenticationError(None, message)
        return ExcelSenseResponseError(None, message)

    @property
    def _login_refused(self) -> bool:
        """A fault whose reason says the login was refused.

        Whatever its code: firmware misuses env:Receiver for "Not Authorized"
        too, and a camera that locks accounts must not get the password again
        and again.
        """
        return bool(_AUTH_REASON.search(self.reason))


def scrub(text: str, hidden: Iterable[str]) -> str:
    """``text`` with every hidden value replaced and control characters dropped.

    Also as a URL would carry it (percent-encoded): a camera may echo the
    request it refused.
    """
    for value in hidden:
        if value:
            forms = (value, quote(value, safe=""), quote_plus(value))
            for form in dict.fromkeys(forms):
                text = text.replace(form, "***")
    return "".join(ch if ch.isprintable() else " " for ch in text)


class NotSoapError(ExcelSenseResponseError):
    """A web server answered, not a SOAP service: a page, a redirect, no POST."""


def check_reply(
    status: int,
    raw: bytes,
    *,
    what: str,
    missing: type[ExcelSenseResponseError],
    hidden: Iterable[str] = (),
) -> Node:
    """The reply's SOAP Body, or the error it stands for.

    A SOAP fault is read whatever the HTTP status (ONVIF Core sends faults
    with 400 or 500); otherwise HTTP 401 or 403 is an authentication error and 404
    raises ``missing`` (no such service, or no such subscription).
    """
    body = _soap_body(raw, status, what)
    if body is not None and (fault := body.child("Fault")) is not None:
        raise Fault.from_node(fault).error(what, hidden, status)
    if status in _LOGIN_STATUSES:
        msg = f"Unauthorized ({what}, HTTP {status})"
        raise ExcelSenseAuthenticationError(None, msg)
    if status == _HTTP_NOT_FOUND:
        msg = f"Not found: {what} (HTTP 404)"
        raise missing(None, msg)
    if status == _HTTP_ACCEPTED and body is None and not raw.strip():
        # 202 with an empty body: the request was taken, no reply comes (the
        # W3C "Request Optional Response" HTTP binding). An empty Body: only a
        # caller that reads nothing from it (Unsubscribe) is satisfied.
        return Node("Body", {}, {})
    if status != _HTTP_OK:
        msg = f"Unexpected HTTP status {status} for {what}"
        if _HTTP_REDIRECT <= status < _HTTP_BAD_REQUEST or status == _HTTP_NO_POST:
            raise NotSoapError(None, msg)
        raise ExcelSenseResponseError(None, msg)
    if body is None:
        msg = f"Reply to {what} is not a SOAP envelope"
        raise ExcelSenseResponseError(None, msg)
    return body


def _soap_body(raw: bytes, status: int, what: str) -> Node | None:
    """The envelope's Body; None when the reply is not a SOAP envelope.

    A reply that is not XML is an error only when it came with HTTP 200 (an
    error page with another status is judged by its status).
    """
    if not raw.strip():
        return None
    start = without_leading_space(raw).removeprefix(UTF8_BOM)[:14].lower()
    if status == _HTTP_OK and start.startswith(_WEB_PAGE):
        msg = f"Reply to {what} is a web page, not SOAP"
        raise NotSoapError(None, msg)
    try:
        root = parse(raw, what)
    except ExcelSenseResponseError:
        if status == _HTTP_OK:
            raise
        return None
    return root.child("Body") if root.local == "Envelope" else None


def response(body: Node, name: str, what: str) -> Node:
    """The Body's response element ``name``, or an error naming what is missing."""
    node = body.child(name)
    if node is None:
        msg = f"Reply to {what} has no {name}"
        raise ExcelSenseResponseError(None, msg)
    return node
