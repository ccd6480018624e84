"""ONVIF device service, SOAP handling and WS-Security of the emulator.

Each test quotes the sentence it checks from the ONVIF Core Specification (or
SOAP 1.2, or the OASIS UsernameToken Profile); the event service is tested in
``test_onvif_events``.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
import os
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import aiohttp
import pytest

from tests.emulator import Fault, OnvifQuirks, User, start_many

from .soap_client import DEVICE, EVENTS, NS, Onvif, created_now, envelope

if TYPE_CHECKING:
    from tests.emulator import EmulatedCamera, ManualClock

    from .conftest import Api

DATE_TIME = "<tds:GetSystemDateAndTime/>"
INFO = "<tds:GetDeviceInformation/>"
NOT_AUTHORIZED = ("env:Sender", "ter:NotAuthorized")


@pytest.fixture
def onvif(session: aiohttp.ClientSession, cam: EmulatedCamera) -> Onvif:
    """Raw ONVIF client bound to the ``cam`` fixture."""
    return Onvif(session, cam)


def _services(*, include: bool) -> str:
    flag = str(include).lower()
    return (
        f"<tds:GetServices><tds:IncludeCapability>{flag}</tds:IncludeCapability>"
        "</tds:GetServices>"
    )


# ----------------------------------------------------------------------- device service


async def test_date_and_time_without_token(onvif: Onvif, cam: EmulatedCamera) -> None:
    """GetSystemDateAndTime, access class PRE_AUTH: "The service shall not
    require user authentication"; "A device shall provide the UTCDateTime
    information although the item is marked as optional"."""  # noqa: D205, D209
    cam.state.clock_offset = 3 * 3600
    answer = await onvif.call(DEVICE, DATE_TIME, auth=False)
    assert answer.status == 200, answer.text
    device_now = cam.device.now()
    assert abs(answer.clock("LocalDateTime") - device_now) < timedelta(seconds=2)
    assert abs(answer.clock() - device_now.astimezone(UTC)) < timedelta(seconds=2)
    # The camera's clock, hours ahead of this machine's.
    assert answer.clock() - datetime.now(UTC) > timedelta(hours=2, minutes=59)
    base = "tds:GetSystemDateAndTimeResponse/tds:SystemDateAndTime"
    assert answer.value(f"{base}/tt:DateTimeType") == "NTP"
    assert answer.value(f"{base}/tt:DaylightSavings") == "false"
    # A wrong token does not matter to a PRE_AUTH operation.
    wrong = Onvif(onvif.session, cam, password="wrong")
    assert (await wrong.call(DEVICE, DATE_TIME)).status == 200


async def test_services(onvif: Onvif, cam: EmulatedCamera) -> None:
    """GetServices: "If the Boolean IncludeCapability is set, then the response
    shall include the services capabilities"; the XAddr is the camera's own
    view of its address ("if device is behind a NAT that device may return the
    local address and not the external address used by the client")."""  # noqa: D205, D209
    cam.quirks.reported_ip = "192.0.2.10"
    answer = await onvif.call(DEVICE, _services(include=False), auth=False)
    assert answer.status == 200, answer.text
    services = {
        item.findtext("tds:Namespace", "", NS): item
        for item in answer.findall("tds:GetServicesResponse/tds:Service")
    }
    assert set(services) == {NS["tds"], NS["tev"]}
    events = services[NS["tev"]]
    assert (
        events.findtext("tds:XAddr", "", NS) == f"http://192.0.2.10:{cam.port}{EVENTS}"
    )
    assert urlsplit(services[NS["tds"]].findtext("tds:XAddr", "", NS)).path == DEVICE
    assert events.findtext("tds:Version/tt:Major", "", NS) == "22"
    assert events.findtext("tds:Version/tt:Minor", "", NS) == "6"
    assert events.find("tds:Capabilities", NS) is None
    answer = await onvif.call(DEVICE, _services(include=True), auth=False)
    capabilities = answer.find(
        "tds:GetServicesResponse/tds:Service/tds:Capabilities/tev:Capabilities"
    )
    assert capabilities.get("WSPullPointSupport") == "true"
    assert capabilities.get("MaxPullPoints") == "3"


@pytest.mark.parametrize("category", ["", "All", "Events"])
async def test_capabilities(onvif: Onvif, cam: EmulatedCamera, category: str) -> None:
    """GetCapabilities: "If no Category is specified the device SHALL return all
    capabilities"; the Events category names the event service XAddr."""  # noqa: D205, D209
    body = (
        f"<tds:GetCapabilities><tds:Category>{category}</tds:Category></tds:GetCapabilities>"
        if category
        else "<tds:GetCapabilities/>"
    )
    answer = await onvif.call(DEVICE, body, auth=False)
    assert answer.status == 200, answer.text
    base = "tds:GetCapabilitiesResponse/tds:Capabilities"
    assert urlsplit(answer.value(f"{base}/tt:Events/tt:XAddr")).path == EVENTS
    assert answer.value(f"{base}/tt:Events/tt:WSPullPointSupport") == "true"
    has_device = answer.root.find(f"env:Body/{base}/tt:Device", NS) is not None
    assert has_device == (category != "Events")


async def test_capabilities_missing_category(onvif: Onvif) -> None:
    """GetCapabilities fault: "env:Receiver - ter:ActionNotSupported -
    ter:NoSuchService: The requested WSDL service category is not supported"."""  # noqa: D205, D209
    body = (
        "<tds:GetCapabilities><tds:Category>Media</tds:Category></tds:GetCapabilities>"
    )
    answer = await onvif.call(DEVICE, body, auth=False)
    assert answer.status == 500
    assert answer.fault == (
        "env:Receiver",
        "ter:ActionNotSupported",
        "ter:NoSuchService",
    )


async def test_device_information(onvif: Onvif, cam: EmulatedCamera) -> None:
    """GetDeviceInformation (access class READ_SYSTEM) answers Manufacturer,
    Model, FirmwareVersion, SerialNumber and HardwareId."""  # noqa: D205, D209
    cam.state.device_info.values["softwareVer"] = "v9.9"
    answer = await onvif.call(DEVICE, INFO)
    assert answer.status == 200, answer.text
    base = "tds:GetDeviceInformationResponse"
    assert answer.value(f"{base}/tds:Model") == "ToughEye"
    assert answer.value(f"{base}/tds:FirmwareVersion") == "v9.9"
    assert answer.value(f"{base}/tds:SerialNumber") == "159356"
    assert answer.value(f"{base}/tds:HardwareId") == "V260084_2"
    assert answer.value(f"{base}/tds:Manufacturer") == "IPCamera"


# ----------------------------------------------------------------------- authentication


async def test_token_required(onvif: Onvif) -> None:
    """Username token only: a request without credentials "requires for this
    case an HTTP 400 error on the HTTP level and a SOAP:Fault env:Sender
    ter:NotAuthorized error on the WS level"."""  # noqa: D205, D209
    answer = await onvif.call(DEVICE, INFO, auth=False)
    assert answer.status == 400
    assert answer.fault == NOT_AUTHORIZED


@pytest.mark.parametrize(
    ("username", "password", "text"),
    [("admin", "wrong", False), ("nobody", "admin", False), ("admin", "wrong", True)],
)
async def test_wrong_credentials(
    onvif: Onvif, cam: EmulatedCamera, username: str, password: str, text: bool
) -> None:
    """Password_Digest = Base64(SHA-1(nonce + created + password)) must match
    the camera's user; a wrong one is ter:NotAuthorized with HTTP 400."""  # noqa: D205, D209
    client = Onvif(onvif.session, cam, username, password)
    answer = await client.post(DEVICE, envelope(INFO, client.token(text=text)))
    assert (answer.status, answer.fault) == (400, NOT_AUTHORIZED)


async def test_password_text_and_other_users(onvif: Onvif, cam: EmulatedCamera) -> None:
    """PasswordText is accepted (the Core does not forbid it); every user level
    may call READ_SYSTEM operations under the default access policy."""  # noqa: D205, D209
    answer = await onvif.post(DEVICE, envelope(INFO, onvif.token(text=True)))
    assert answer.status == 200, answer.text
    cam.state.users["viewer"] = User("viewer", "p&ss<w>", "Users")
    viewer = Onvif(onvif.session, cam, "viewer", "p&ss<w>")
    assert (await viewer.call(DEVICE, INFO)).status == 200


@pytest.mark.parametrize("missing", ["with_nonce", "with_created"])
async def test_nonce_and_created_required(onvif: Onvif, missing: str) -> None:
    """Username token profile: "The server shall reject any Username Token not
    using both nonce and creation timestamps"."""  # noqa: D205, D209
    answer = await onvif.post(DEVICE, envelope(INFO, onvif.token(**{missing: False})))
    assert (answer.status, answer.fault) == (400, NOT_AUTHORIZED)


@pytest.mark.parametrize(
    ("skew", "status"),
    [
        (timedelta(minutes=-4), 200),
        (timedelta(minutes=4), 200),
        (timedelta(minutes=-6), 400),
        (timedelta(minutes=6), 400),
    ],
)
async def test_created_freshness(onvif: Onvif, skew: timedelta, status: int) -> None:
    """UsernameToken Profile §3.1: "any UsernameToken with 'stale' timestamps
    be rejected. As a guideline, a value of five minutes can be used as a
    minimum"; the emulator allows five minutes either side of its clock."""  # noqa: D205, D209
    answer = await onvif.post(
        DEVICE, envelope(INFO, onvif.token(created=created_now(skew)))
    )
    assert answer.status == status, answer.text


async def test_replayed_nonce(onvif: Onvif) -> None:
    """UsernameToken Profile §3.1: "UsernameToken with nonces that have already
    been used (and are thus in the cache) be rejected"."""  # noqa: D205, D209
    token = onvif.token(nonce=os.urandom(16))
    assert (await onvif.post(DEVICE, envelope(INFO, token))).status == 200
    answer = await onvif.post(DEVICE, envelope(INFO, token))
    assert (answer.status, answer.fault) == (400, NOT_AUTHORIZED)


async def test_clock_hours_off(
    onvif: Onvif, cam: EmulatedCamera, clock: ManualClock
) -> None:
    """Created is judged against the camera's clock: with the clock three hours
    ahead a token of this machine's time is stale, one built from the
    PRE_AUTH GetSystemDateAndTime answer passes."""  # noqa: D205, D209
    cam.state.clock_offset = 3 * 3600
    answer = await onvif.call(DEVICE, INFO)
    assert (answer.status, answer.fault) == (400, NOT_AUTHORIZED)
    offset = (await onvif.call(DEVICE, DATE_TIME, auth=False)).clock() - datetime.now(
        UTC
    )
    token = onvif.token(created=created_now(offset))
    assert (await onvif.post(DEVICE, envelope(INFO, token))).status == 200
    # The emulator's own clock moving on makes the same offset stale again.
    clock.advance(3600)
    token = onvif.token(created=created_now(offset))
    assert (await onvif.post(DEVICE, envelope(INFO, token))).status == 400


async def test_security_flag_off(onvif: Onvif, cam: EmulatedCamera) -> None:
    """With protocolSecurityFlag 0 (param.cgi protocolSecurity) ONVIF
    authentication is off: served without a token, and with a valid one."""  # noqa: D205, D209
    cam.state.protocol_security.values["protocolSecurityFlag"] = "0"
    assert (await onvif.call(DEVICE, INFO, auth=False)).status == 200
    assert (await onvif.call(DEVICE, INFO)).status == 200


async def test_auth_refused_quirk(onvif: Onvif, cam: EmulatedCamera) -> None:
    """Quirk ``auth_refused``: every token fails; PRE_AUTH operations still answer."""
    cam.onvif_quirks.auth_refused = True
    assert (await onvif.call(DEVICE, INFO)).fault == NOT_AUTHORIZED
    assert (await onvif.call(DEVICE, DATE_TIME)).status == 200
    cam.onvif_quirks.auth_refused = False
    assert (await onvif.call(DEVICE, INFO)).status == 200


# ------------------------------------------------------------------------ SOAP and HTTP


async def test_http_errors(onvif: Onvif, cam: EmulatedCamera) -> None:
    """HTTP errors: "If the server waits for the start of the inbound message
    and no SOAP message is received, the server shall not generate a SOAP
    fault": 400 Malformed Request, 405 for a method "neither POST or GET", 415
    for an "Unsupported message encapsulation method"."""  # noqa: D205, D209
    async with onvif.session.get(f"{cam.url}{DEVICE}") as response:
        assert response.status == 400
    async with onvif.session.put(f"{cam.url}{DEVICE}", data=b"x") as response:
        assert response.status == 405
    assert (await onvif.post(DEVICE, b"")).status == 400
    answer = await onvif.post(DEVICE, envelope(DATE_TIME), content_type="text/xml")
    assert answer.status == 415


async def test_operation_from_body(onvif: Onvif) -> None:
    """The operation is the body's first child, whatever the Content-Type
    ``action`` parameter says (it is optional in SOAP 1.2)."""  # noqa: D205, D209
    answer = await onvif.post(
        DEVICE,
        envelope(DATE_TIME),
        content_type=(
            "application/soap+xml; charset=utf-8;"
            f' action="{NS["tds"]}/GetDeviceInformation"'
        ),
    )
    assert answer.status == 200
    assert answer.find("tds:GetSystemDateAndTimeResponse") is not None


async def test_not_well_formed(onvif: Onvif, cam: EmulatedCamera) -> None:
    """Generic fault "env:Sender ter:WellFormed: XML Well-formed violation"."""
    answer = await onvif.post(DEVICE, b"<s:Envelope xmlns:s='x'><unclosed>")
    assert (answer.status, answer.fault) == (400, ("env:Sender", "ter:WellFormed"))
    assert cam.requests[-1].params == ()


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>',
        '<!DOCTYPE x [<!ENTITY ext SYSTEM "file:///etc/passwd">]>',
        "<!DOCTYPE x>",
    ],
)
async def test_document_type_refused(onvif: Onvif, doctype: str) -> None:
    """SOAP 1.2 Part 1 §5: a SOAP message "MUST NOT contain a Document Type
    Declaration"; a hostile body is a fault, never an exception in the server."""  # noqa: D205, D209
    body = envelope(DATE_TIME).replace("?>", f"?>{doctype}", 1)
    answer = await onvif.post(DEVICE, body)
    assert (answer.status, answer.fault) == (400, ("env:Sender", "ter:WellFormed"))
    assert (await onvif.call(DEVICE, DATE_TIME, auth=False)).status == 200


async def test_version_mismatch(onvif: Onvif) -> None:
    """Generic fault env:VersionMismatch: "The device found an invalid element
    information item instead of the expected Envelope element information item"."""  # noqa: D205, D209
    soap11 = envelope(DATE_TIME).replace(
        NS["env"], "http://schemas.xmlsoap.org/soap/envelope/"
    )
    answer = await onvif.post(DEVICE, soap11)
    assert answer.status == 500
    assert "VersionMismatch" in answer.text


async def test_must_understand(onvif: Onvif) -> None:
    """Generic fault env:MustUnderstand: "One or more mandatory SOAP header
    blocks were not understood"; WS-Security and WS-Addressing blocks are."""  # noqa: D205, D209
    header = (
        f'<x:Odd xmlns:x="urn:odd" xmlns:s="{NS["env"]}" s:mustUnderstand="true">'
        "1</x:Odd>"
    )
    answer = await onvif.call(DEVICE, DATE_TIME, header=header)
    assert (answer.status, answer.fault) == (500, ("env:MustUnderstand",))
    understood = (
        f'<wsa:Action s:mustUnderstand="1" xmlns:s="{NS["env"]}">'
        f"{NS['tds']}/GetSystemDateAndTime</wsa:Action>"
    )
    assert (await onvif.call(DEVICE, DATE_TIME, header=understood)).status == 200


async def test_unsupported_operation(onvif: Onvif) -> None:
    """Services requirements: a command the device does not support is
    answered with "env:Receiver, ter:ActionNotSupported"."""  # noqa: D205, D209
    answer = await onvif.call(DEVICE, "<tds:SystemReboot/>")
    assert (answer.status, answer.fault) == (
        500,
        ("env:Receiver", "ter:ActionNotSupported"),
    )
    # An event operation sent to the device service is not served there either.
    answer = await onvif.call(DEVICE, "<tev:GetEventProperties/>")
    assert answer.fault == ("env:Receiver", "ter:ActionNotSupported")


async def test_no_onvif_quirk(onvif: Onvif, cam: EmulatedCamera) -> None:
    """Quirk ``enabled`` False: firmware without ONVIF answers 404 under /onvif/."""
    cam.onvif_quirks.enabled = False
    assert (await onvif.call(DEVICE, DATE_TIME)).status == 404
    assert (await onvif.call(EVENTS, "<tev:GetEventProperties/>")).status == 404
    assert (await onvif.call("/onvif/nothing", DATE_TIME)).status == 404


async def test_no_event_service_quirk(onvif: Onvif, cam: EmulatedCamera) -> None:
    """Quirk ``events`` False: no event service in GetServices or
    GetCapabilities ("ter:NoSuchService"), and its path answers 404."""  # noqa: D205, D209
    cam.onvif_quirks.events = False
    answer = await onvif.call(DEVICE, _services(include=True), auth=False)
    namespaces = {
        item.findtext("tds:Namespace", "", NS)
        for item in answer.findall("tds:GetServicesResponse/tds:Service")
    }
    assert namespaces == {NS["tds"]}
    answer = await onvif.call(DEVICE, "<tds:GetCapabilities/>", auth=False)
    assert answer.root.find("env:Body//tt:Events", NS) is None
    body = (
        "<tds:GetCapabilities><tds:Category>Events</tds:Category></tds:GetCapabilities>"
    )
    answer = await onvif.call(DEVICE, body, auth=False)
    assert answer.fault[-1] == "ter:NoSuchService"
    assert (
        await onvif.call(EVENTS, "<tev:CreatePullPointSubscription/>")
    ).status == 404


async def test_request_log(onvif: Onvif, cam: EmulatedCamera) -> None:
    """ONVIF requests are logged by path and operation, never with a secret."""
    cam.clear_requests()
    token = onvif.token(nonce=b"0123456789abcdef")
    await onvif.post(DEVICE, envelope(INFO, token))
    await onvif.call(DEVICE, DATE_TIME, auth=False)
    assert [(record.path, record.params, record.status) for record in cam.requests] == [
        (DEVICE, (("operation", "GetDeviceInformation"),), 200),
        (DEVICE, (("operation", "GetSystemDateAndTime"),), 200),
    ]
    logged = repr(cam.requests)
    nonce = base64.b64encode(b"0123456789abcdef").decode()
    digest = token.split('#PasswordDigest">', 1)[1].split("<", 1)[0]
    for secret in (nonce, digest, "admin"):
        assert secret not in logged


# ---------------------------------------------------------------------- server plumbing


async def test_faults_reach_onvif(onvif: Onvif, cam: EmulatedCamera) -> None:
    """Injected faults match ONVIF requests by operation (``params``)."""
    fault = cam.inject(
        Fault("http_status", params={"operation": "GetDeviceInformation"}, status=503)
    )
    assert (await onvif.call(DEVICE, DATE_TIME)).status == 200
    assert (await onvif.call(DEVICE, INFO)).status == 503
    assert fault.fired == 1
    assert cam.requests[-1].fault == "http_status"
    cam.clear_faults()
    cam.inject(Fault("disconnect", path="device_service", count=1))
    with pytest.raises(aiohttp.ClientConnectionError):
        await onvif.call(DEVICE, DATE_TIME)
    assert (await onvif.call(DEVICE, DATE_TIME)).status == 200


async def test_rebooting_drops_onvif(
    onvif: Onvif, api: Api, cam: EmulatedCamera, clock: ManualClock
) -> None:
    """While the camera reboots (restart_downtime) ONVIF connections drop too."""
    cam.restart_downtime = 5.0
    assert (await api.text("operate.cgi", {"action": "restart"})).strip() == "OK"
    with pytest.raises(aiohttp.ClientConnectionError):
        await onvif.call(DEVICE, DATE_TIME)
    assert cam.requests[-1].fault == "restart"
    clock.advance(5)
    assert (await onvif.call(DEVICE, DATE_TIME)).status == 200


async def test_start_many_copies_onvif_quirks(socket_enabled: None) -> None:
    """Each camera of start_many gets its own OnvifQuirks."""
    cams = await start_many(count=2, onvif_quirks=OnvifQuirks(max_pull_points=1))
    try:
        cams[0].onvif_quirks.events = False
        assert cams[1].onvif_quirks.events
        assert cams[1].onvif_quirks.max_pull_points == 1
    finally:
        for cam in cams:
            await cam.stop()


async def test_debug_state_counts_subscriptions(
    onvif: Onvif, cam: EmulatedCamera
) -> None:
    """/emulator/state shows the live ONVIF subscriptions."""
    await onvif.subscribe()
    async with onvif.session.get(f"{cam.url}/emulator/state") as response:
        assert (await response.json())["onvif_subscriptions"] == 1
