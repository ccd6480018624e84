"""SOAP 1.2 plumbing for the ONVIF side of the emulator.

Safe parsing of request envelopes, response and fault envelopes, xs:duration /
xs:dateTime values and the WS-Security UsernameToken check.  The rules and
where they come from:

- ONVIF Core Specification (onvif/specs ``doc/Core.xml``, release 22.06 and
  later), chapter 5 "Web Services framework": "Error handling" (SOAP errors,
  generic faults, HTTP errors) and "Security" (authentication over HTTP,
  "Username token profile").
- SOAP 1.2 Part 1 (envelope, mustUnderstand, faults) and Part 2 §7.5.2 (a
  fault with env:Sender is answered with HTTP 400, every other fault with 500).
- OASIS WSS UsernameToken Profile 1.0 §3.1 (PasswordDigest, nonce, freshness).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import hashlib
import hmac
import re
from typing import TYPE_CHECKING, Final
from xml.etree import ElementTree as ET
from xml.parsers import expat
from xml.sax.saxutils import escape

if TYPE_CHECKING:
    from collections.abc import Mapping

ENV: Final = "http://www.w3.org/2003/05/soap-envelope"
SOAP11_ENV: Final = "http://schemas.xmlsoap.org/soap/envelope/"
TDS: Final = "http://www.onvif.org/ver10/device/wsdl"
TEV: Final = "http://www.onvif.org/ver10/events/wsdl"
TT: Final = "http://www.onvif.org/ver10/schema"
TER: Final = "http://www.onvif.org/ver10/error"
TNS1: Final = "http://www.onvif.org/ver10/topics"
WSNT: Final = "http://docs.oasis-open.org/wsn/b-2"
WSTOP: Final = "http://docs.oasis-open.org/wsn/t-1"
WSA: Final = "http://www.w3.org/2005/08/addressing"
WSA_2004: Final = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
WSRF_BF: Final = "http://docs.oasis-open.org/wsrf/bf-2"
WSRF_R: Final = "http://docs.oasis-open.org/wsrf/r-2"
WSSE: Final = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
)
WSU: Final = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
)
XS: Final = "http://www.w3.org/2001/XMLSchema"
_TOKEN_PROFILE: Final = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
)
PASSWORD_DIGEST: Final = f"{_TOKEN_PROFILE}#PasswordDigest"
PASSWORD_TEXT: Final = f"{_TOKEN_PROFILE}#PasswordText"
# ONVIF Core 9.9 "SOAP Fault Messages": "All faults shall use the
# following URI for the WS-Addressing [action] Message Addressing Property".
FAULT_ACTION: Final = "http://www.w3.org/2005/08/addressing/soap/fault"

PREFIXES: Final = {
    "env": ENV,
    "ter": TER,
    "tds": TDS,
    "tev": TEV,
    "tt": TT,
    "tns1": TNS1,
    "wsnt": WSNT,
    "wstop": WSTOP,
    "wsa": WSA,
    "wsrf-bf": WSRF_BF,
    "wsrf-r": WSRF_R,
    "xs": XS,
}
_DECLARATIONS: Final = " ".join(
    f'xmlns:{prefix}="{uri}"' for prefix, uri in PREFIXES.items()
)
# Header blocks the emulator processes; any other one marked mustUnderstand
# is answered with env:MustUnderstand (SOAP 1.2 Part 1 §5.2.3).
_UNDERSTOOD: Final = frozenset({WSSE, WSA, WSA_2004})
# OASIS UsernameToken Profile §3.1: "As a guideline, a value of five minutes
# can be used as a minimum to detect, and thus reject, replays."  The
# emulator takes exactly that, on both sides of its own clock.
FRESHNESS: Final = timedelta(minutes=5)

_DURATION: Final = re.compile(
    r"(?P<sign>-)?P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?"
)


class SoapFaultError(Exception):
    """A request answered with a SOAP 1.2 fault.

    ``code`` is the env: fault code (Sender, Receiver, VersionMismatch,
    MustUnderstand), ``subcodes`` the ter: subcodes from the ONVIF tables,
    ``detail`` ready-made XML for env:Detail.
    """

    def __init__(
        self,
        code: str,
        subcodes: tuple[str, ...] = (),
        reason: str = "",
        detail: str = "",
    ) -> None:
        """Remember the parts of the fault."""
        super().__init__(reason or code)
        self.code = code
        self.subcodes = subcodes
        self.reason = reason or code
        self.detail = detail

    @property
    def status(self) -> int:
        """HTTP status: 400 for env:Sender, else 500 (SOAP 1.2 Part 2 §7.5.2)."""
        return 400 if self.code == "Sender" else 500

    def xml(self) -> bytes:
        """The whole fault envelope."""
        nested = ""
        for subcode in reversed(self.subcodes):
            nested = (
                f"<env:Subcode><env:Value>{subcode}</env:Value>{nested}</env:Subcode>"
            )
        detail = f"<env:Detail>{self.detail}</env:Detail>" if self.detail else ""
        body = (
            f"<env:Fault><env:Code><env:Value>env:{self.code}</env:Value>{nested}"
            f'</env:Code><env:Reason><env:Text xml:lang="en">{escape(self.reason)}'
            f"</env:Text></env:Reason>{detail}</env:Fault>"
        )
        return envelope(body, action=FAULT_ACTION)


def sender(
    subcode: str, reason: str, detail_subcode: str | None = None
) -> SoapFaultError:
    """An env:Sender fault with ONVIF subcodes (Core "Generic faults")."""
    subcodes: tuple[str, ...] = (f"ter:{subcode}",)
    if detail_subcode:
        subcodes += (f"ter:{detail_subcode}",)
    return SoapFaultError("Sender", subcodes, reason)


def not_authorized() -> SoapFaultError:
    """The refusal of a request that needs authentication.

    ONVIF Core, Security, "Authentication over HTTP and HTTPS": supporting only
    the username token profile "requires for this case an HTTP 400 error on the
    HTTP level and a SOAP:Fault env:Sender ter:NotAuthorized error on the WS
    level".  The reason is the table's normative "Sender not Authorized"; it
    never says why.
    """
    return sender("NotAuthorized", "Sender not Authorized")


def action_not_supported(detail_subcode: str | None = None) -> SoapFaultError:
    """ONVIF Core "Services requirements": "env:Receiver, ter:ActionNotSupported"."""
    subcodes: tuple[str, ...] = ("ter:ActionNotSupported",)
    if detail_subcode:
        subcodes += (f"ter:{detail_subcode}",)
    return SoapFaultError("Receiver", subcodes, "Optional Action Not Implemented")


def base_fault(
    name: str, now: datetime, extra: str = "", *, ns: str = "wsnt"
) -> SoapFaultError:
    """A WS-BaseNotification / WS-Resource fault (its WS-BaseFaults Timestamp first).

    ONVIF Core 9.9 "SOAP Fault Messages": generated "according to
    [WS-BaseNotification] and [WS-Topics]" and "the error should be sent as a
    SOAP receiver fault (env:Receiver), i.e. the HTTP error code shall be 500".
    """
    detail = (
        f"<{ns}:{name}><wsrf-bf:Timestamp>{utc_text(now)}</wsrf-bf:Timestamp>"
        f"{extra}</{ns}:{name}>"
    )
    return SoapFaultError("Receiver", (), name, detail)


def envelope(
    body: str, *, action: str | None = None, relates_to: str | None = None
) -> bytes:
    """A SOAP 1.2 envelope around ``body`` (every prefix declared on the root)."""
    header = ""
    if action:
        header += f"<wsa:Action>{escape(action)}</wsa:Action>"
    if relates_to:
        header += f"<wsa:RelatesTo>{escape(relates_to)}</wsa:RelatesTo>"
    header = f"<env:Header>{header}</env:Header>" if header else ""
    text = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<env:Envelope {_DECLARATIONS}>'
        f"{header}<env:Body>{body}</env:Body></env:Envelope>"
    )
    return text.encode()


# --------------------------------------------------------------------------- parsing


class _RefusedError(Exception):
    """A construct the parser will not process (DTD, entities)."""


@dataclass
class Envelope:
    """A parsed request: header blocks, the operation element and namespace scopes."""

    header: ET.Element | None
    operation: ET.Element
    scopes: dict[ET.Element, dict[str, str]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """Local name of the operation (the first child of env:Body)."""
        return local(self.operation.tag)

    @property
    def namespace(self) -> str:
        """Namespace of the operation element."""
        return (
            self.operation.tag[1:].split("}", 1)[0] if "}" in self.operation.tag else ""
        )

    def prefixes(self, element: ET.Element) -> dict[str, str]:
        """Namespace prefixes in scope at ``element`` (for QName content)."""
        return self.scopes.get(element, {})

    def header_text(self, namespace: str, name: str) -> str | None:
        """Text of a header block, e.g. wsa:MessageID."""
        if self.header is None:
            return None
        found = self.header.find(f"{{{namespace}}}{name}")
        return None if found is None or found.text is None else found.text.strip()


def local(tag: str) -> str:
    """Local part of an ElementTree ``{ns}name`` tag."""
    return tag.rsplit("}", 1)[-1]


def _tree(body: bytes) -> tuple[ET.Element, dict[ET.Element, dict[str, str]]]:
    """Parse with expat, refusing any document type declaration or entity.

    SOAP 1.2 Part 1 §5: a SOAP message "MUST NOT contain a Document Type
    Declaration"; refusing it at the start also shuts out entity expansion
    attacks (billion laughs, external entities).
    """
    parser = expat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    builder = ET.TreeBuilder()
    scopes: dict[ET.Element, dict[str, str]] = {}
    stack: list[dict[str, str]] = [{}]
    pending: dict[str, str] = {}

    def refuse(*_args: object) -> int:
        raise _RefusedError

    def qualified(name: str) -> str:
        return f"{{{name}" if "}" in name else name

    def start_ns(prefix: str | None, uri: str) -> None:
        pending[prefix or ""] = uri

    def start(name: str, attributes: dict[str, str]) -> None:
        stack.append({**stack[-1], **pending})
        pending.clear()
        element = builder.start(
            qualified(name),
            {qualified(key): value for key, value in attributes.items()},
        )
        scopes[element] = stack[-1]

    def end(name: str) -> None:
        stack.pop()
        builder.end(qualified(name))

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.StartNamespaceDeclHandler = start_ns
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    parser.Parse(body, True)  # noqa: FBT003 - expat's positional isfinal
    return builder.close(), scopes


def parse_envelope(body: bytes) -> Envelope:
    """The request envelope, or the SOAP fault the ONVIF tables name for it."""
    try:
        root, scopes = _tree(body)
    except _RefusedError:
        raise sender("WellFormed", "Well-formed Error") from None
    except expat.ExpatError:
        raise sender("WellFormed", "Well-formed Error") from None
    if root.tag != f"{{{ENV}}}Envelope":
        # Core "Generic faults": env:VersionMismatch, "an invalid element
        # information item instead of the expected Envelope element".
        raise SoapFaultError("VersionMismatch", (), "SOAP version mismatch")
    header = root.find(f"{{{ENV}}}Header")
    body_element = root.find(f"{{{ENV}}}Body")
    operation = None if body_element is None else next(iter(body_element), None)
    if operation is None:
        raise sender("Tag", "No Tag")
    parsed = Envelope(header, operation, scopes)
    _check_must_understand(parsed)
    return parsed


def _check_must_understand(request: Envelope) -> None:
    if request.header is None:
        return
    for block in request.header:
        namespace = block.tag[1:].split("}", 1)[0] if "}" in block.tag else ""
        flag = block.get(f"{{{ENV}}}mustUnderstand", "false").strip()
        if flag in ("true", "1") and namespace not in _UNDERSTOOD:
            raise SoapFaultError(
                "MustUnderstand", (), "SOAP header blocks not understood"
            )


def child(element: ET.Element, namespace: str, name: str) -> ET.Element | None:
    """First child ``{namespace}name``."""
    return element.find(f"{{{namespace}}}{name}")


def text_of(element: ET.Element | None) -> str | None:
    """Stripped text of an element (None when absent)."""
    if element is None:
        return None
    return "".join(element.itertext()).strip()


def parse_bool(raw: str | None) -> bool | None:
    """An xs:boolean ("true", "false", "1", "0"), None when absent or invalid."""
    if raw is None:
        return None
    return {"true": True, "1": True, "false": False, "0": False}.get(raw.strip())


# --------------------------------------------------------------------------- time


def utc_text(moment: datetime, *, millis: bool = False) -> str:
    """xs:dateTime in UTC with the 'Z' indicator (Core: "respond all time
    values as utc including the 'Z' indicator")."""  # noqa: D205, D209
    moment = moment.astimezone(UTC)
    if millis:
        return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"
    return f"{moment:%Y-%m-%dT%H:%M:%S}Z"


def parse_duration(raw: str) -> timedelta | None:
    """An xs:duration such as ``PT60S`` or ``PT1M30.5S``; None when malformed.

    Years and months have no fixed length in xs:duration; the emulator counts
    a year as 365 days and a month as 30.
    """
    match = _DURATION.fullmatch(raw.strip())
    if match is None:
        return None
    parts = {
        key: float(value)
        for key, value in match.groupdict().items()
        if value and key != "sign"
    }
    seconds = (
        parts.get("years", 0) * 365 * 86400
        + parts.get("months", 0) * 30 * 86400
        + parts.get("days", 0) * 86400
        + parts.get("hours", 0) * 3600
        + parts.get("minutes", 0) * 60
        + parts.get("seconds", 0)
    )
    return timedelta(seconds=-seconds if match.group("sign") else seconds)


def parse_datetime(raw: str) -> datetime | None:
    """An xs:dateTime; one without a zone is taken as UTC (Core: "A device
    shall support time values in request parameters that are given in utc")."""  # noqa: D205, D209
    text = raw.strip()
    if not re.fullmatch(
        r"-?\d{4,}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?", text
    ):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def absolute_or_relative(raw: str, now: datetime) -> datetime | None:
    """wsnt:AbsoluteOrRelativeTimeType: a duration from ``now`` or a dateTime."""
    text = raw.strip()
    if text.startswith(("P", "-P")):
        duration = parse_duration(text)
        return None if duration is None else now + duration
    return parse_datetime(text)


# ------------------------------------------------------------------------ WS-Security


@dataclass
class NonceCache:
    """Nonces seen within the freshness window.

    UsernameToken Profile §3.1: "It is strongly RECOMMENDED that used nonces be
    cached for a period at least as long as the timestamp freshness limitation
    period ... and that UsernameToken with nonces that have already been used
    (and are thus in the cache) be rejected."
    """

    seen: dict[bytes, datetime] = field(default_factory=dict)

    def fresh(self, nonce: bytes, now: datetime) -> bool:
        """Remember ``nonce``; False when it was used within the window."""
        for old, when in list(self.seen.items()):
            if now - when > 2 * FRESHNESS:
                del self.seen[old]
        if nonce in self.seen:
            return False
        self.seen[nonce] = now
        return True


def check_username_token(
    request: Envelope,
    passwords: Mapping[str, str],
    now: datetime,
    nonces: NonceCache,
    *,
    refuse_all: bool = False,
) -> str | None:
    """Validate the WS-Security UsernameToken; the user name, None without a token.

    Raises ``not_authorized()`` for a token that fails:

    - ONVIF Core, Security, "Username token profile": "The server shall reject any
      Username Token not using both nonce and creation timestamps."
    - PasswordDigest = Base64(SHA-1(nonce + created + password)) (UsernameToken
      Profile §3.1; the nonce decoded from Base64, Created as sent).
    - PasswordText is accepted (nonce and Created still required): the ONVIF
      Core does not forbid it and the profile defines it.
    - Created more than ``FRESHNESS`` away from the device clock, in either
      direction, is stale; a nonce seen within the window is a replay.
    """
    security = (
        None if request.header is None else child(request.header, WSSE, "Security")
    )
    token = None if security is None else child(security, WSSE, "UsernameToken")
    if token is None:
        return None
    name = text_of(child(token, WSSE, "Username")) or ""
    password = child(token, WSSE, "Password")
    nonce_text = text_of(child(token, WSSE, "Nonce"))
    created_text = text_of(child(token, WSU, "Created"))
    if refuse_all or password is None or not nonce_text or not created_text:
        raise not_authorized()
    try:
        nonce = base64.b64decode(nonce_text, validate=True)
    except ValueError:
        raise not_authorized() from None
    created = parse_datetime(created_text)
    expected = passwords.get(name)
    if expected is None or created is None or abs(now - created) > FRESHNESS:
        raise not_authorized()
    kind = password.get("Type", PASSWORD_TEXT)
    sent = (password.text or "").strip().encode()
    if kind == PASSWORD_DIGEST:
        material = nonce + created_text.encode() + expected.encode()
        digest = hashlib.sha1(material).digest()  # noqa: S324 - the profile's algorithm
        valid = hmac.compare_digest(sent, base64.b64encode(digest))
    elif kind == PASSWORD_TEXT:
        valid = hmac.compare_digest(sent, expected.encode())
    else:
        valid = False
    if not valid or not nonces.fresh(nonce, now):
        raise not_authorized()
    return name
