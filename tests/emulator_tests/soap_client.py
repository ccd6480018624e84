"""A deliberately small ONVIF client for the emulator tests: raw SOAP over aiohttp.

Envelopes are written by hand and the WS-Security UsernameToken digest is
computed here (Base64(SHA-1(nonce + created + password)), OASIS UsernameToken
Profile 1.0 §3.1), independent of the emulator's own code.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import hashlib
import os
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

if TYPE_CHECKING:
    import aiohttp

    from tests.emulator import EmulatedCamera

NS = {
    "env": "http://www.w3.org/2003/05/soap-envelope",
    "tds": "http://www.onvif.org/ver10/device/wsdl",
    "tev": "http://www.onvif.org/ver10/events/wsdl",
    "tt": "http://www.onvif.org/ver10/schema",
    "wsnt": "http://docs.oasis-open.org/wsn/b-2",
    "wstop": "http://docs.oasis-open.org/wsn/t-1",
    "wsa": "http://www.w3.org/2005/08/addressing",
    "wsrf-r": "http://docs.oasis-open.org/wsrf/r-2",
    "wsrf-bf": "http://docs.oasis-open.org/wsrf/bf-2",
    "ter": "http://www.onvif.org/ver10/error",
}
WSSE = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
)
WSU = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
)
PROFILE = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
)
DEVICE = "/onvif/device_service"
EVENTS = "/onvif/event_service"
CREATE = "<tev:CreatePullPointSubscription/>"
TOPIC_FILTER = (
    "<tev:CreatePullPointSubscription><tev:Filter>"
    '<wsnt:TopicExpression Dialect="{dialect}">{expression}</wsnt:TopicExpression>'
    "</tev:Filter></tev:CreatePullPointSubscription>"
)
CONCRETE_SET = "http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet"


def created_now(skew: timedelta = timedelta(0)) -> str:
    """wsu:Created for this moment (plus ``skew``)."""
    return f"{datetime.now(UTC) + skew:%Y-%m-%dT%H:%M:%SZ}"


def username_token(
    username: str,
    password: str,
    *,
    created: str | None = None,
    nonce: bytes | None = None,
    text: bool = False,
    with_nonce: bool = True,
    with_created: bool = True,
) -> str:
    """A wsse:Security header block with a UsernameToken."""
    nonce = os.urandom(16) if nonce is None else nonce
    created = created_now() if created is None else created
    if text:
        kind, value = "PasswordText", password
    else:
        digest = hashlib.sha1(nonce + created.encode() + password.encode()).digest()  # noqa: S324 - the profile's algorithm
        kind, value = "PasswordDigest", base64.b64encode(digest).decode()
    parts = [
        f"<wsse:Username>{username}</wsse:Username>",
        f'<wsse:Password Type="{PROFILE}#{kind}">{value}</wsse:Password>',
    ]
    if with_nonce:
        parts.append(f"<wsse:Nonce>{base64.b64encode(nonce).decode()}</wsse:Nonce>")
    if with_created:
        parts.append(f"<wsu:Created>{created}</wsu:Created>")
    return (
        f'<wsse:Security xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}">'
        f"<wsse:UsernameToken>{''.join(parts)}</wsse:UsernameToken></wsse:Security>"
    )


def envelope(body: str, header: str = "") -> str:
    """A SOAP 1.2 envelope declaring the prefixes the tests use."""
    declarations = " ".join(
        f'xmlns:{prefix}="{uri}"' for prefix, uri in NS.items() if prefix != "env"
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<s:Envelope xmlns:s="{NS["env"]}" {declarations}'
        ' xmlns:tns1="http://www.onvif.org/ver10/topics">'
        f"<s:Header>{header}</s:Header><s:Body>{body}</s:Body></s:Envelope>"
    )


@dataclass
class Answer:
    """A parsed reply."""

    status: int
    root: ET.Element
    text: str

    def find(self, path: str) -> ET.Element:
        """The element at ``path`` in the body (it must exist)."""
        found = self.root.find(f"env:Body/{path}", NS)
        assert found is not None, (path, self.text)
        return found

    def findall(self, path: str) -> list[ET.Element]:
        """Every element at ``path`` in the body."""
        return self.root.findall(f"env:Body/{path}", NS)

    def value(self, path: str) -> str:
        """Text of the element at ``path``."""
        return (self.find(path).text or "").strip()

    @property
    def fault(self) -> tuple[str, ...]:
        """Fault code and subcodes as sent, e.g. ("env:Sender", "ter:NotAuthorized")."""
        code = self.root.find("env:Body/env:Fault/env:Code", NS)
        assert code is not None, self.text
        values = []
        node: ET.Element | None = code
        while node is not None:
            values.append((node.findtext("env:Value", "", NS)).strip())
            node = node.find("env:Subcode", NS)
        return tuple(values)

    def detail(self) -> str:
        """Local name of the fault detail's first element ("" without one)."""
        detail = self.root.find("env:Body/env:Fault/env:Detail", NS)
        if detail is None or not len(detail):
            return ""
        return detail[0].tag.rsplit("}", 1)[-1]

    def clock(self, which: str = "UTCDateTime") -> datetime:
        """A tt:DateTime of GetSystemDateAndTimeResponse (naive for LocalDateTime)."""
        base = f"tds:GetSystemDateAndTimeResponse/tds:SystemDateAndTime/tt:{which}"
        moment = datetime(
            int(self.value(f"{base}/tt:Date/tt:Year")),
            int(self.value(f"{base}/tt:Date/tt:Month")),
            int(self.value(f"{base}/tt:Date/tt:Day")),
            int(self.value(f"{base}/tt:Time/tt:Hour")),
            int(self.value(f"{base}/tt:Time/tt:Minute")),
            int(self.value(f"{base}/tt:Time/tt:Second")),
            tzinfo=UTC,
        )
        return moment if which == "UTCDateTime" else moment.replace(tzinfo=None)

    def messages(self) -> list[dict[str, str]]:
        """PullMessagesResponse notifications as flat dicts."""
        result = []
        for holder in self.findall("tev:PullMessagesResponse/wsnt:NotificationMessage"):
            topic = holder.find("wsnt:Topic", NS)
            message = holder.find("wsnt:Message/tt:Message", NS)
            assert topic is not None
            assert message is not None
            entry = {
                "topic": (topic.text or "").strip(),
                "dialect": topic.get("Dialect", ""),
                "operation": message.get("PropertyOperation", ""),
                "time": message.get("UtcTime", ""),
            }
            for item in message.iterfind("tt:Source/tt:SimpleItem", NS):
                entry[f"source.{item.get('Name')}"] = item.get("Value", "")
            for item in message.iterfind("tt:Data/tt:SimpleItem", NS):
                entry[str(item.get("Name"))] = item.get("Value", "")
            result.append(entry)
        return result


@dataclass
class Onvif:
    """Raw SOAP calls to one emulated camera."""

    session: aiohttp.ClientSession
    cam: EmulatedCamera
    username: str = "admin"
    password: str = "admin"

    def token(self, **options: object) -> str:
        """A fresh UsernameToken for this client's credentials."""
        return username_token(self.username, self.password, **options)  # type: ignore[arg-type]

    async def post(
        self,
        path: str,
        data: bytes | str,
        content_type: str = "application/soap+xml; charset=utf-8",
    ) -> Answer:
        """POST ``data`` as it is; parse the reply when it is XML."""
        async with self.session.post(
            f"{self.cam.url}{path}", data=data, headers={"Content-Type": content_type}
        ) as response:
            text = await response.text()
            is_xml = response.content_type == "application/soap+xml"
            root = ET.fromstring(text) if is_xml else ET.Element("none")  # noqa: S314 - the emulator's own reply
            return Answer(response.status, root, text)

    async def call(
        self, path: str, body: str, *, auth: bool = True, header: str = ""
    ) -> Answer:
        """One operation (with a fresh UsernameToken unless ``auth`` is False)."""
        token = self.token() if auth else ""
        return await self.post(path, envelope(body, token + header))

    async def subscribe(self, body: str = CREATE) -> tuple[str, Answer]:
        """CreatePullPointSubscription; the manager's path and the answer."""
        answer = await self.call(EVENTS, body)
        assert answer.status == 200, answer.text
        address = answer.value(
            "tev:CreatePullPointSubscriptionResponse/tev:SubscriptionReference/wsa:Address"
        )
        parts = urlsplit(address)
        return parts.path + (f"?{parts.query}" if parts.query else ""), answer

    async def pull(self, path: str, wait: str = "PT1S", limit: int = 100) -> Answer:
        """PullMessages with Timeout ``wait`` (an xs:duration)."""
        return await self.call(
            path,
            f"<tev:PullMessages><tev:Timeout>{wait}</tev:Timeout>"
            f"<tev:MessageLimit>{limit}</tev:MessageLimit></tev:PullMessages>",
        )


def parse_utc(text: str) -> datetime:
    """An xs:dateTime the emulator sent (always UTC with 'Z')."""
    assert text.endswith("Z"), text
    return datetime.fromisoformat(text)
