"""ONVIF replies in the shapes cameras send them, parsed into typed events.

The replies live in ``onvif_replies/``, each with a comment naming its shape
and where that shape is documented. Rules quoted are from the ONVIF Core
Specification unless another source is named.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote, quote_plus
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

import pytest

from custom_components.excelsense.api import (
    ExcelSenseAuthenticationError,
    ExcelSenseNotSupportedError,
    ExcelSenseResponseError,
    ExcelSenseSubscriptionLostError,
    OnvifEvent,
    PropertyOperation,
)
from custom_components.excelsense.api.onvif_clock import camera_utc, posix_zone
from custom_components.excelsense.api.onvif_events import (
    normalize_topic,
    parse_bool,
    parse_datetime,
    parse_notifications,
)
from custom_components.excelsense.api.onvif_pullpoint import (
    iso_duration,
    parse_duration,
)
from custom_components.excelsense.api.safexml import (
    MAX_DEPTH,
    XMLRefusedError,
    _refuse_external,
    parse,
)
from custom_components.excelsense.api.soap import (
    ArgumentRefusedError,
    Fault,
    NotSoapError,
    PullLimitsError,
    check_reply,
    response,
    scrub,
    username_token,
)

REPLIES = Path(__file__).parent / "onvif_replies"
CHANGED = PropertyOperation.CHANGED
INITIALIZED = PropertyOperation.INITIALIZED
T0 = datetime(2024, 3, 5, 10, 15, 30, tzinfo=UTC)
CELL = "tns1:RuleEngine/CellMotionDetector/Motion"
ALARM = "tns1:VideoSource/MotionAlarm"
REGION = "tns1:RuleEngine/MotionRegionDetector/Motion"


def events_of(raw: bytes) -> list[OnvifEvent]:
    """The events of a PullMessagesResponse reply, as the client reads them."""
    body = check_reply(200, raw, what="test", missing=ExcelSenseNotSupportedError)
    return parse_notifications(response(body, "PullMessagesResponse", "test"), 1000)


def reply(name: str) -> bytes:
    """One stored reply."""
    return (REPLIES / name).read_bytes()


EXPECTED: dict[str, list[OnvifEvent]] = {
    "hikvision.xml": [
        OnvifEvent(
            topic=CELL,
            operation=CHANGED,
            utc_time=T0,
            source={
                "VideoSourceConfigurationToken": "VideoSourceToken",
                "VideoAnalyticsConfigurationToken": "VideoAnalyticsToken",
                "Rule": "MyMotionDetectorRule",
            },
            data={"IsMotion": "true"},
        ),
        OnvifEvent(
            topic=ALARM,
            operation=CHANGED,
            utc_time=T0,
            source={"Source": "VideoSource_1"},
            data={"State": "true"},
        ),
        OnvifEvent(
            topic="tns1:VideoAnalytics/tnshik:MotionAlarm",
            operation=INITIALIZED,
            utc_time=T0 - timedelta(seconds=1),
            source={"Source": "vstoken_ch0001"},
            data={"State": "FALSE"},
        ),
    ],
    "dahua_amcrest.xml": [
        OnvifEvent(
            topic=ALARM,
            operation=INITIALIZED,
            utc_time=T0,
            source={"Source": "000"},
            data={"State": "true"},
        ),
        OnvifEvent(
            topic=CELL,
            operation=CHANGED,
            utc_time=T0,
            source={
                "VideoSourceConfigurationToken": "000",
                "VideoAnalyticsConfigurationToken": "000",
                "Rule": "MotionDetection",
            },
            data={"IsMotion": "false"},
        ),
        OnvifEvent(
            topic="tns1:VideoSource/Device/Trigger/DigitalInput",
            operation=INITIALIZED,
            utc_time=T0,
            source={"InputToken": "00000"},
            data={"LogicalState": "false"},
        ),
    ],
    "axis.xml": [
        OnvifEvent(
            topic=ALARM,
            operation=CHANGED,
            utc_time=T0.replace(microsecond=123456),
            source={"VideoSourceConfigurationToken": "0"},
            data={"State": "1"},
        ),
        OnvifEvent(
            topic="tns1:RuleEngine/tnsaxis:VMD3/vmd3_video_1",
            operation=CHANGED,
            utc_time=T0.replace(microsecond=500000),
            source={"areaid": "0"},
            key={"ObjectId": "7"},
            data={"active": "1"},
        ),
        OnvifEvent(
            topic=ALARM,
            operation=CHANGED,
            utc_time=T0 + timedelta(seconds=10, microseconds=1),
            source={"VideoSourceConfigurationToken": "0"},
            data={"State": "0"},
        ),
    ],
    "reolink.xml": [
        OnvifEvent(
            topic=CELL,
            operation=CHANGED,
            utc_time=T0,
            source={
                "VideoSourceConfigurationToken": "000",
                "VideoAnalyticsConfigurationToken": "000",
                "Rule": "MyMotionDetectorRule",
            },
            data={"IsMotion": "true"},
        ),
        OnvifEvent(
            topic="tns1:RuleEngine/MyRuleDetector/PeopleDetect",
            operation=CHANGED,
            utc_time=T0,
            source={"Source": "000"},
            data={"State": "true"},
        ),
        OnvifEvent(
            topic=ALARM,
            operation=CHANGED,
            utc_time=T0,
            source={"Source": "000"},
            data={"State": "true"},
        ),
    ],
    "custom_prefix.xml": [
        OnvifEvent(
            topic=CELL,
            operation=CHANGED,
            utc_time=T0,
            source={"VideoSourceConfigurationToken": "profile_1"},
            data={"IsMotion": "True"},
        ),
        OnvifEvent(
            topic=ALARM,
            operation=CHANGED,
            utc_time=T0,
            source={"Source": "profile_1"},
            data={"State": "TRUE"},
        ),
    ],
    "soap11_unprefixed.xml": [
        OnvifEvent(
            topic=CELL,
            operation=CHANGED,
            utc_time=T0,
            source={"VideoSourceConfigurationToken": "1"},
            data={"IsMotion": "1"},
        ),
        OnvifEvent(
            topic=ALARM, utc_time=T0, source={"Source": "1"}, data={"State": "yes"}
        ),
    ],
    "odd_messages.xml": [
        OnvifEvent(topic=CELL),
        OnvifEvent(
            topic=ALARM,
            operation=CHANGED,
            source={"Source": "a"},
            data={"State": " false "},
        ),
        OnvifEvent(
            topic="tns1:RuleEngine/FieldDetector/ObjectsInside",
            operation=PropertyOperation.DELETED,
            utc_time=T0,
            source={"Rule": "Field1"},
            key={"ObjectId": "5"},
        ),
        OnvifEvent(
            topic="tns1:Device/Trigger/Relay",
            utc_time=T0,
            source={"RelayToken": "Relay1"},
            data={"LogicalState": "active"},
        ),
    ],
    "motion_region.xml": [
        OnvifEvent(
            topic=REGION,
            operation=operation,
            utc_time=T0,
            source={"VideoSource": "VideoSource_1", "RuleName": "Region1"},
            data=data,
        )
        for operation, data in (
            (INITIALIZED, {"State": "false"}),
            (CHANGED, {"State": "true"}),
            (PropertyOperation.DELETED, {}),
        )
    ],
    "empty.xml": [],
}
# What ``motion`` reads from each of them, in order.
MOTION: dict[str, list[bool | None]] = {
    "hikvision.xml": [True, True, None],
    "dahua_amcrest.xml": [True, False, None],
    "axis.xml": [True, None, False],
    "reolink.xml": [True, None, True],
    "custom_prefix.xml": [True, True],
    "soap11_unprefixed.xml": [True, None],
    "motion_region.xml": [False, True, None],
    "odd_messages.xml": [None, False, None, None],
    "empty.xml": [],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_reply_shapes(name: str) -> None:
    """Each shape gives the expected typed events.

    Each brand's shape gives the same typed events: topic in the tns1: form,
    operation, UtcTime in UTC, Source, Key and Data SimpleItems.
    """
    assert events_of(reply(name)) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(MOTION))
def test_motion_readings(name: str) -> None:
    """Motion reads on, off or None.

    Cell motion (IsMotion), the motion region detector and the motion alarm
    (State) read true/1 as on and false/0 as off in any case; other topics,
    other values and a deleted property (no Data) read None.
    """
    assert [event.motion for event in events_of(reply(name))] == MOTION[name]


def test_every_reply_file_is_checked() -> None:
    """No stored reply is left out of the tests."""
    checked = {*EXPECTED, *FAULTS, *HOSTILE}
    assert {path.name for path in REPLIES.glob("*.xml")} == checked


def test_events_are_frozen_and_hashable() -> None:
    """Events are immutable and hashable.

    An event is immutable and can key a set (its mappings stay out of the
    hash, not out of equality).
    """
    first, second, *_ = EXPECTED["hikvision.xml"]
    with pytest.raises(AttributeError):
        first.topic = "x"  # type: ignore[misc]
    assert len({first, second, first}) == 2
    assert first != OnvifEvent(**{**first.__dict__, "data": {"IsMotion": "false"}})


def test_message_count_is_capped() -> None:
    """At most ``limit`` messages are read: the last ones, the newest.

    Cameras "shall" return at most MessageLimit messages; one that sends
    more gets only the last ``limit`` read (the first ones were read before:
    a motion's end after 500 other messages was lost and motion stayed on).
    """
    holders = "".join(
        f"<wsnt:NotificationMessage><wsnt:Topic>tns1:A/B{i}</wsnt:Topic>"
        "</wsnt:NotificationMessage>"
        for i in range(30)
    )
    raw = (
        '<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope" '
        'xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2"><e:Body>'
        f"<PullMessagesResponse>{holders}</PullMessagesResponse>"
        "</e:Body></e:Envelope>"
    ).encode()
    body = check_reply(200, raw, what="test", missing=ExcelSenseNotSupportedError)
    pulled = response(body, "PullMessagesResponse", "test")
    assert len(parse_notifications(pulled, 1000)) == 30
    kept = parse_notifications(pulled, 7)
    assert [event.topic.rsplit("/", 1)[-1] for event in kept] == [
        f"B{i}" for i in range(23, 30)
    ]


# ------------------------------------------------------------------ topics


@pytest.mark.parametrize(
    ("text", "nsmap", "expected"),
    [
        # "These prefixes are not part of the standard and an implementation
        # can use any prefix": any prefix bound to the topic namespace.
        ("tns1:VideoSource/MotionAlarm", {}, ALARM),
        (
            "x:VideoSource/MotionAlarm",
            {"x": "http://www.onvif.org/ver10/topics"},
            ALARM,
        ),
        (
            "x:VideoSource/MotionAlarm",
            {"x": "HTTP://www.onvif.org/ver10/topics/"},
            ALARM,
        ),
        # tns1 written with another (wrong) namespace is still ONVIF's.
        ("tns1:VideoSource/MotionAlarm", {"tns1": "urn:other"}, ALARM),
        # No prefix at all, in no namespace or a SOAP/ONVIF default one.
        ("VideoSource/MotionAlarm", {}, ALARM),
        ("VideoSource/MotionAlarm", {"": "http://docs.oasis-open.org/wsn/b-2"}, ALARM),
        # A vendor's default namespace keeps a vendor's unprefixed topic.
        ("Camera/Event", {"": "http://vendor.example/topics"}, "Camera/Event"),
        # A vendor root keeps its prefix; a vendor child keeps its own.
        ("v:Camera/Event", {"v": "http://vendor.example/topics"}, "v:Camera/Event"),
        ("tns1:RuleEngine/tnsaxis:VMD3/a", {}, "tns1:RuleEngine/tnsaxis:VMD3/a"),
        # ONVIF children carry no prefix (WS-Topics Concrete).
        ("tns1:RuleEngine/tns1:CellMotionDetector/tns1:Motion", {}, CELL),
        # "tns1:RuleEngine/CellMotionDetector/Motion//." and trailing "/".
        (f" {CELL}//. ", {}, CELL),
        (f"{CELL}/", {}, CELL),
        ("", {}, ""),
    ],
)
def test_topic_normalisation(text: str, nsmap: dict[str, str], expected: str) -> None:
    """Topics come out in the tns1: form whatever prefix the camera used."""
    assert normalize_topic(text, nsmap) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05T10:15:30Z", T0),
        ("2024-03-05T10:15:30z", T0),
        ("2024-03-05T10:15:30", T0),
        ("2024-03-05T10:15:30.1234567Z", T0.replace(microsecond=123456)),
        ("2024-03-05T10:15:30,5Z", T0.replace(microsecond=500000)),
        ("2024-03-05T11:15:30+01:00", T0),
        ("2024-03-05T05:15:30-0500", T0),
        ("2024-03-05T10:15:30+1", None),
        ("0000-00-00T00:00:00Z", None),
        ("2024-02-30T10:15:30Z", None),
        ("2024-03-05T10:15:30+24:00", None),  # Python's offsets stop short of a day
        ("2024-03-05T10:15:30+99:99", None),
        ("9999-12-31T23:59:59-01:00", None),  # past the calendar's end in UTC
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
)
def test_datetimes(text: str | None, expected: datetime | None) -> None:
    """UtcTime and friends are read in UTC.

    xs:dateTime in UTC; a time without a zone is read as UTC ("A device
    shall report ... as UTC"); unreadable ones are None.
    """
    parsed = parse_datetime(text)
    assert parsed == expected
    if parsed is not None:
        assert parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True),
        ("True", True),
        ("TRUE", True),
        ("1", True),
        (" 1 ", True),
        ("false", False),
        ("FALSE", False),
        ("0", False),
        ("active", None),
        ("", None),
    ],
)
def test_booleans(text: str, expected: bool | None) -> None:
    """xs:boolean's lexical forms true/false/1/0, in any case."""
    assert parse_bool(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Initialized", PropertyOperation.INITIALIZED),
        ("changed", PropertyOperation.CHANGED),
        (" DELETED ", PropertyOperation.DELETED),
        ("Refreshed", None),
        (None, None),
    ],
)
def test_property_operations(
    text: str | None, expected: PropertyOperation | None
) -> None:
    """The three property operations ("Property Events"), in any case."""
    assert PropertyOperation.parse(text) is expected


# ------------------------------------------------------------------ faults

FAULTS: dict[str, tuple[type[ExcelSenseResponseError], str]] = {
    "fault_not_authorized.xml": (ExcelSenseAuthenticationError, "NotAuthorized"),
    "fault_soap11_failed_authentication.xml": (
        ExcelSenseAuthenticationError,
        "FailedAuthentication",
    ),
    "fault_action_not_supported.xml": (
        ExcelSenseNotSupportedError,
        "ActionNotSupported",
    ),
    "fault_resource_unknown.xml": (
        ExcelSenseSubscriptionLostError,
        "ResourceUnknownFault",
    ),
    "fault_resource_unknown_subcode.xml": (
        ExcelSenseSubscriptionLostError,
        "ResourceUnknownFault",
    ),
    "fault_sender_reason_only.xml": (ExcelSenseAuthenticationError, "Sender"),
    "fault_soap11_client_password.xml": (ExcelSenseAuthenticationError, "Client"),
    "fault_invalid_arg.xml": (ArgumentRefusedError, "InvalidArgVal"),
    "fault_pull_messages.xml": (PullLimitsError, "PullMessagesFaultResponse"),
}


@pytest.mark.parametrize("status", [200, 400, 500])
@pytest.mark.parametrize("name", sorted(FAULTS))
def test_faults(name: str, status: int) -> None:
    """SOAP faults map to the exception tree.

    A SOAP fault is read whatever the HTTP status and maps to the exception
    tree: NotAuthorized -> authentication, ActionNotSupported -> not
    supported, ResourceUnknownFault -> subscription lost, others -> response
    error; the message names the fault. A sender (1.1: client) fault whose
    reason says the login failed is a refused login too: api/soap.py, "Many
    cameras refuse a login with a bare env:Sender (SOAP 1.1: Client) fault
    and say so only in its reason".
    """
    error_type, code = FAULTS[name]
    with pytest.raises(ExcelSenseResponseError) as info:
        check_reply(status, reply(name), what="op", missing=ExcelSenseNotSupportedError)
    assert type(info.value) is error_type
    assert code in str(info.value)
    assert info.value.code is None


@pytest.mark.parametrize("name", ["fault_invalid_arg.xml", "fault_pull_messages.xml"])
def test_a_fault_with_http_401_is_a_refused_login(name: str) -> None:
    """HTTP 401 says the login was refused, whatever fault the body carries.

    RFC 9110 15.5.2: 401 "the request has not been applied because it lacks
    valid authentication credentials"; with any other status such a fault
    stays what its codes say.
    """
    with pytest.raises(ExcelSenseAuthenticationError):
        check_reply(401, reply(name), what="op", missing=ExcelSenseNotSupportedError)


def test_a_login_refused_in_other_forms() -> None:
    """env:Receiver "Not Authorized" and HTTP 403 are refused logins too.

    Firmware misuses the codes: a wrong password answered as a receiver
    fault, or with 403 and no body. Taken as anything else, the password is
    sent again after seconds, and a camera that locks accounts locks ours.
    """
    raw = (
        reply("fault_sender_reason_only.xml")
        .replace(b"env:Sender", b"env:Receiver")
        .replace(b"Authentication failed", b"Not Authorized")
    )
    for status, body in ((500, raw), (403, b""), (403, b"<html>Forbidden</html>")):
        with pytest.raises(ExcelSenseAuthenticationError):
            check_reply(status, body, what="op", missing=ExcelSenseNotSupportedError)


def test_a_sender_fault_about_something_else_is_no_refused_login() -> None:
    """Only a reason about the login makes a bare sender fault a refused one."""
    raw = reply("fault_sender_reason_only.xml").replace(
        b"Authentication failed", b"Argument missing"
    )
    with pytest.raises(ExcelSenseResponseError) as info:
        check_reply(400, raw, what="op", missing=ExcelSenseNotSupportedError)
    assert type(info.value) is ExcelSenseResponseError


def test_a_pull_limits_fault_names_the_limits() -> None:
    """PullMessagesFaultResponse carries MaxTimeout and MaxMessageLimit.

    ONVIF Event service, PullMessages: the fault names "MaxTimeout" and
    "MaxMessageLimit"; they are kept as the camera wrote them.
    """
    with pytest.raises(PullLimitsError) as info:
        check_reply(
            500,
            reply("fault_pull_messages.xml"),
            what="op",
            missing=ExcelSenseNotSupportedError,
        )
    assert (info.value.max_timeout, info.value.max_messages) == ("PT30S", "50")


def test_fault_text_never_shows_secrets() -> None:
    """Fault text is scrubbed of secrets.

    A camera that echoes what it was sent cannot put the digest, the nonce
    or the password into an exception's text.
    """
    raw = reply("fault_invalid_arg.xml").replace(
        b"Argument Value Invalid", b"bad digest DIGEST for nonce NONCE pw&#9;end"
    )
    with pytest.raises(ExcelSenseResponseError) as info:
        check_reply(
            500, raw, what="op", missing=ExcelSenseNotSupportedError,
            hidden=("DIGEST", "NONCE", ""),
        )  # fmt: skip
    text = f"{info.value}{info.value!r}"
    assert "DIGEST" not in text
    assert "NONCE" not in text
    assert "bad digest *** for nonce *** pw end" in text
    assert scrub("a\nb", ()) == "a b"


@pytest.mark.parametrize("padding", [0, 90, 110, 117])
def test_a_secret_in_a_long_fault_text_is_scrubbed_before_it_is_cut(
    padding: int,
) -> None:
    """The fault text is cut to a length after the secret is taken out.

    Cut first, a password that straddled the cut was no longer found whole,
    and its first characters reached the message (diagnostics, the log).
    The forms a URL gives it are taken out too.
    """
    password = "Zq9L&x y/p"
    echoed = f"{'x' * padding} pass={password} url=a?pw={quote(password, safe='')}"
    raw = reply("fault_invalid_arg.xml").replace(
        b"Argument Value Invalid", escape(echoed).encode()
    )
    with pytest.raises(ExcelSenseResponseError) as info:
        check_reply(
            500, raw, what="op", missing=ExcelSenseNotSupportedError,
            hidden=(password,),
        )  # fmt: skip
    text = f"{info.value}{info.value!r}"
    assert "Zq9" not in text
    assert "x" * min(padding, 60) in text
    assert scrub(f"q={quote_plus(password)}", (password,)) == "q=***"


# ------------------------------------------------------------------ replies


@pytest.mark.parametrize(
    ("status", "raw", "error_type", "words"),
    [
        (401, b"", ExcelSenseAuthenticationError, "Unauthorized"),
        (401, b"<html>401</html>", ExcelSenseAuthenticationError, "Unauthorized"),
        (404, b"Not Found", ExcelSenseSubscriptionLostError, "HTTP 404"),
        (
            500,
            b"<html><body>oops</body></html>",
            ExcelSenseResponseError,
            "HTTP status 500",
        ),
        (500, b"\x00\xff not xml", ExcelSenseResponseError, "HTTP status 500"),
        (302, b"", NotSoapError, "HTTP status 302"),
        (405, b"<html>POST not allowed</html>", NotSoapError, "HTTP status 405"),
        (403, b"", ExcelSenseAuthenticationError, "HTTP 403"),
        (200, b"", ExcelSenseResponseError, "not a SOAP envelope"),
        (200, b"<html/>", NotSoapError, "a web page"),
        (200, b"<html><Body/></html>", NotSoapError, "a web page"),
        (200, b"\n<!DOCTYPE HTML><p>Login", NotSoapError, "a web page"),
        (200, b"\xef\xbb\xbf <html>", NotSoapError, "a web page"),
        (200, b"<page/>", ExcelSenseResponseError, "not a SOAP envelope"),
        (200, b"not xml at all", ExcelSenseResponseError, "not well-formed"),
        (
            500,
            (
                b'<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope">'
                b"<e:Body/></e:Envelope>"
            ),
            ExcelSenseResponseError,
            "HTTP status 500",
        ),
    ],
)
def test_reply_status(
    status: int, raw: bytes, error_type: type[Exception], words: str
) -> None:
    """Non-SOAP replies map by their HTTP status.

    ONVIF Core "HTTP errors": 401 is an authentication error (and 403, which
    some firmware answers a wrong password with); 404 raises
    what the caller names (here: subscription lost); other non-SOAP replies
    are response errors, and those of another web server (an HTML page with
    200, a redirect, POST not allowed) say so (NotSoapError).
    """
    with pytest.raises(ExcelSenseResponseError) as info:
        check_reply(status, raw, what="op", missing=ExcelSenseSubscriptionLostError)
    assert type(info.value) is error_type
    assert words in str(info.value)


def test_accepted_without_a_reply() -> None:
    """HTTP 202 without an envelope: nothing to read, so only Unsubscribe is content.

    W3C Note "SOAP 1.1 Request Optional Response HTTP Binding": a reply with
    status 202 may have a SOAP envelope or be empty.
    """
    body = check_reply(202, b"\r\n", what="op", missing=ExcelSenseNotSupportedError)
    assert body.children == []
    with pytest.raises(ExcelSenseResponseError, match="has no PullMessagesResponse"):
        response(body, "PullMessagesResponse", "op")
    with pytest.raises(ExcelSenseResponseError, match="HTTP status 202"):
        check_reply(202, b"<html/>", what="op", missing=ExcelSenseNotSupportedError)


def test_missing_response_element() -> None:
    """A SOAP reply without the expected response element is a response error."""
    body = check_reply(
        200, reply("empty.xml"), what="op", missing=ExcelSenseNotSupportedError
    )
    with pytest.raises(ExcelSenseResponseError, match="has no RenewResponse"):
        response(body, "RenewResponse", "op")


# ------------------------------------------------------------------ hostile XML

HOSTILE = ("billion_laughs.xml", "external_entity.xml", "undeclared_entity.xml")


@pytest.mark.parametrize("name", HOSTILE)
@pytest.mark.parametrize("status", [200, 500])
def test_hostile_xml_refused(name: str, status: int) -> None:
    """DTDs and entities are refused.

    DTDs are refused before any entity is read (billion laughs, external
    entities); an undeclared entity is not well-formed. With HTTP 200 that
    is an error; with another status the status speaks.
    """
    with pytest.raises(ExcelSenseResponseError) as info:
        check_reply(status, reply(name), what="op", missing=ExcelSenseNotSupportedError)
    text = str(info.value)
    assert "lol" not in text
    if status == 200:
        assert "refused" in text or "not well-formed" in text
    else:
        assert "HTTP status 500" in text


def test_external_entity_never_read(tmp_path: Path) -> None:
    """An external entity's file is never read.

    An external entity pointing at a local file is refused, its content never
    appears.
    """
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    raw = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY s SYSTEM "{secret.as_uri()}">]>'
        "<r>&s;</r>"
    ).encode()
    with pytest.raises(ExcelSenseResponseError, match="refused") as info:
        parse(raw, "op")
    assert "TOP-SECRET" not in str(info.value)


def test_nesting_and_size_bounds() -> None:
    """Deeply nested or huge element trees are refused, not walked."""
    deep = b"<a>" * (MAX_DEPTH + 1) + b"</a>" * (MAX_DEPTH + 1)
    with pytest.raises(ExcelSenseResponseError, match="nested"):
        parse(deep, "op")
    assert parse(b"<a>" * MAX_DEPTH + b"</a>" * MAX_DEPTH, "op").local == "a"
    with pytest.raises(ExcelSenseResponseError, match="too many"):
        parse(b"<r>" + b"<i/>" * 50 + b"</r>", "op", max_elements=50)


@pytest.mark.parametrize(
    ("raw", "mark", "expected"),
    [
        pytest.param(
            b'<p:Id xmlns:p="urn:v" a="1&amp;2"><p:Sub>x&lt;y</p:Sub><Plain/></p:Id>',
            ("urn:m", "mark", "1"),
            '<p:Id xmlns:p="urn:v" xmlns:m0="urn:m" m0:mark="1" a="1&amp;2">'
            "<p:Sub>x&lt;y</p:Sub><Plain/></p:Id>",
            id="prefixes kept, mark declared",
        ),
        pytest.param(
            b'<p:Id xmlns:p="urn:v" a="1"/>',
            ("urn:v", "mark", "1"),
            '<p:Id xmlns:p="urn:v" p:mark="1" a="1"/>',
            id="mark in a namespace in scope",
        ),
        pytest.param(
            b'<p:Id xmlns:p="urn:v" xmlns:w="urn:m" w:mark="true" mark="x"/>',
            ("urn:m", "mark", "true"),
            '<p:Id xmlns:p="urn:v" xmlns:w="urn:m" w:mark="true" mark="x"/>',
            id="marked by the camera already",
        ),
        pytest.param(
            b'<u:Id u:a="1" a="2" xml:lang="en"><u:Sub/></u:Id>',
            None,
            '<Id a="1" xml:lang="en"><Sub/></Id>',
            id="unbound prefix left out",
        ),
        pytest.param(
            b'<a xmlns="urn:a"><b xmlns="urn:b" xmlns:q="urn:q">q:x</b></a>',
            None,
            '<a xmlns="urn:a"><b xmlns="urn:b" xmlns:q="urn:q">q:x</b></a>',
            id="own declarations of a child",
        ),
        pytest.param(b"<Empty/>", None, "<Empty/>", id="plain"),
        pytest.param(
            b'<P xmlns:q="urn:a&#9;b" a="x&#9;y&#10;z&#13;">1&#13;2</P>',
            None,
            '<P xmlns:q="urn:a&#9;b" a="x&#9;y&#10;z&#13;">1&#13;2</P>',
            id="white space kept as references",
        ),
    ],
)
def test_serialize_keeps_namespaces(
    raw: bytes, mark: tuple[str, str, str] | None, expected: str
) -> None:
    """A reference parameter is echoed as written: names, namespaces, text, attributes.

    Whatever it echoes is namespace-well-formed XML (a strict parser reads it).
    """
    written = parse(raw, "op").serialize(mark)
    assert written == expected
    ET.fromstring(written)  # noqa: S314 - what we wrote


@pytest.mark.parametrize(
    "body",
    [
        b'\n<?xml version="1.0" encoding="UTF-8"?><r>1</r>',
        b'\r\n \t<?xml version="1.0"?><r>1</r>',
        b'\xef\xbb\xbf\n<?xml version="1.0" encoding="UTF-8"?><r>1</r>',
        b"  <r>1</r>",
    ],
)
def test_white_space_before_the_declaration(body: bytes) -> None:
    """A line break some firmware writes before ``<?xml ...?>`` is not an error."""
    assert parse(body, "op").text == "1"


def _motion_reply(declaration: str, name: bytes) -> bytes:
    return (
        f'<?xml version="1.0"{declaration}?>'.encode()
        + b'<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body>'
        b"<PullMessagesResponse><NotificationMessage><Topic>tns1:VideoSource/"
        b'MotionAlarm</Topic><Message><Message><Source><SimpleItem Name="Source" '
        b'Value="' + name + b'"/></Source><Data><SimpleItem Name="State" '
        b'Value="true"/></Data></Message></Message></NotificationMessage>'
        b"</PullMessagesResponse></e:Body></e:Envelope>"
    )


@pytest.mark.parametrize(
    ("declaration", "name", "read"),
    [
        # Encodings expat does not read, declared by some firmware.
        (' encoding="GB2312"', "北门".encode("gb2312"), "北门"),
        (' encoding="gbk"', "北门".encode("gbk"), "北门"),
        (" encoding='Shift_JIS'", "北門".encode("shift_jis"), "北門"),
        # Bytes that are not the encoding declared, or no known encoding.
        (' encoding="UTF-8"', "北门".encode("gbk"), None),
        ("", "Café".encode("latin-1"), None),
        (' encoding="x-unknown"', b"gate", "gate"),
    ],
)
def test_replies_in_encodings_expat_does_not_read(
    declaration: str, name: bytes, read: str | None
) -> None:
    """Motion is read from a reply in GB2312, GBK, Shift_JIS or odd bytes.

    Python's expat refuses multi-byte encodings other than UTF-8/UTF-16
    (ValueError) and unknown names (LookupError); bytes not in the declared
    encoding are an expat error. What is read from a reply is ASCII.
    """
    (event,) = events_of(_motion_reply(declaration, name))
    assert event.motion is True
    if read is not None:
        assert event.source == {"Source": read}


def test_motion_item_found_among_others() -> None:
    """The state item is found by name (any case) among other Data items."""
    event = OnvifEvent(topic=CELL, data={"Other": "x", "ismotion": "1"})
    assert event.motion is True
    assert OnvifEvent(topic=CELL, data={"Other": "true"}).motion is None


def test_message_without_payload() -> None:
    """A topic without a payload is still an event; an empty topic is none.

    Cameras send "no motion" as a NotificationMessage without wsnt:Message.
    """
    raw = (
        b'<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body>'
        b"<PullMessagesResponse><NotificationMessage><Topic>tns1:VideoSource/"
        b"MotionAlarm</Topic></NotificationMessage><NotificationMessage><Topic> "
        b"</Topic></NotificationMessage></PullMessagesResponse>"
        b"</e:Body></e:Envelope>"
    )
    assert events_of(raw) == [OnvifEvent(topic=ALARM)]


def test_fault_without_code_values() -> None:
    """A fault with a bare Code and no reason still maps (to a response error)."""
    node = parse(b"<Fault><Code><Subcode/></Code></Fault>", "op")
    fault = Fault.from_node(node)
    assert fault == Fault((), (), "")
    error = fault.error("op", ())
    assert type(error) is ExcelSenseResponseError
    assert str(error) == "SOAP fault from op: no code"


def test_token_shows_nothing() -> None:
    """The token's str and repr name no secret."""
    token = username_token("admin", "pw-123", T0, nonce=b"\x01" * 16)
    assert "pw-123" in token.secrets
    for text in (str(token), repr(token)):
        for secret in token.secrets:
            assert secret not in text


def test_external_entity_handler_refuses() -> None:
    """Expat's external-entity hook refuses too (a DTD is refused before it)."""
    with pytest.raises(XMLRefusedError):
        _refuse_external("ctx", None, "file:///etc/passwd", None)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(seconds=60), "PT60S"),
        (timedelta(minutes=10), "PT600S"),
        (timedelta(milliseconds=1500), "PT1.5S"),
        (timedelta(microseconds=1_250_000), "PT1.25S"),
    ],
)
def test_durations(value: timedelta, text: str) -> None:
    """xs:duration in seconds, as the spec's own examples write it (PT5S)."""
    assert iso_duration(value) == text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("PT30S", timedelta(seconds=30)),
        ("PT1M", timedelta(minutes=1)),
        (" P0DT0H1M0.5S ", timedelta(minutes=1, seconds=0.5)),
        ("pt2h", timedelta(hours=2)),
        ("P1D", timedelta(days=1)),
        ("P1M", None),  # a month has no fixed length
        ("PT", None),
        ("P", None),
        ("30", None),
        ("", None),
        (None, None),
    ],
)
def test_durations_read(text: str | None, value: timedelta | None) -> None:
    """xs:duration of days to seconds read back (a camera's MaxTimeout)."""
    assert parse_duration(text) == value


@pytest.mark.parametrize(
    ("tz", "summer", "east"),
    [
        ("CST-8", False, timedelta(hours=8)),
        ("UTC-02:00", False, timedelta(hours=2)),
        ("EST5EDT,M3.2.0,M11.1.0", False, timedelta(hours=-5)),
        ("EST5EDT,M3.2.0,M11.1.0", True, timedelta(hours=-4)),
        ("CET-1CEST,M3.5.0/2,M10.5.0/3", True, timedelta(hours=2)),
        ("<+0530>-5:30", False, timedelta(hours=5, minutes=30)),
        ("NST3:30NDT2:30,M3.2.0,M11.1.0", True, timedelta(hours=-2, minutes=-30)),
        ("GMT0", True, timedelta(0)),  # no summer time named: none applied
        ("Asia/Shanghai", False, None),  # not POSIX: not read
        ("CST-25", False, None),  # POSIX: hours 0-24
        ("CST-24", False, None),  # POSIX allows a whole day, Python's offsets do not
        ("UTC24", False, None),
        ("CST-\u0668", False, None),  # ASCII digits only
        ("", False, None),
    ],
)
def test_posix_time_zones(tz: str, summer: bool, east: timedelta | None) -> None:
    """TZ "in POSIX 1003.1 format": hours west of Greenwich, summer time an hour less.

    ONVIF Core, tt:TimeZone: "The TZ format is specified by POSIX, please
    refer to POSIX 1003.1 section 8.3"; "Example: Europe, Paris TZ=CET-1CEST,
    M3.5.0/2,M10.5.0/3".
    """
    zone = posix_zone(tz, summer=summer)
    assert (zone.utcoffset(None) if zone is not None else None) == east


def test_local_time_read_in_the_camera_zone() -> None:
    """UTCDateTime first; else LocalDateTime in TZ; nothing readable: None."""
    local = (
        "<LocalDateTime><Time><Hour>18</Hour><Minute>4</Minute><Second>5</Second>"
        "</Time><Date><Year>2026</Year><Month>7</Month><Day>1</Day></Date>"
        "</LocalDateTime>"
    )
    clock = parse(
        b"<SystemDateAndTime><DaylightSavings>true</DaylightSavings><TimeZone>"
        b"<TZ>CET-1CEST,M3.5.0,M10.5.0/3</TZ></TimeZone>"
        + local.encode()
        + b"</SystemDateAndTime>",
        "op",
    )
    assert camera_utc(clock) == datetime(2026, 7, 1, 16, 4, 5, tzinfo=UTC)
    assert camera_utc(parse(f"<S>{local}</S>".encode(), "op")) is None
