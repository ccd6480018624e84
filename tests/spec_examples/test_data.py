"""The conformance data itself: complete, and faithful to its verbatim text."""

from __future__ import annotations

from collections import Counter
import re
from urllib.parse import unquote

import pytest

from tests.spec_examples import (
    CHAPTER_FILES,
    DATA,
    ERROR_CODES_FILE,
    GENERAL_FILE,
    VENDOR_TOOLS_FILE,
    Example,
    load_error_codes,
    load_examples,
    load_general,
    load_vendor_tools,
)

EXAMPLES = load_examples()
BY_ID = {example.id: example for example in EXAMPLES}

# Every operation the document describes, as (cgi, action, type): the
# chapters "Device Info" to "Live View", in the document's order.
DOCUMENT_OPERATIONS = [
    ("param.cgi", "get", "deviceInfo"),
    ("param.cgi", "set", "deviceName"),
    ("param.cgi", "get", "cameraInfo"),
    ("param.cgi", "set", "cameraInfo"),
    ("param.cgi", "get", "localNetwork"),
    ("param.cgi", "set", "localNetwork"),
    ("param.cgi", "get", "devicePort"),
    ("param.cgi", "set", "devicePort"),
    ("param.cgi", "get", "dateTime"),
    ("param.cgi", "set", "dateTime"),
    ("param.cgi", "get", "timeZone"),
    ("param.cgi", "set", "timeZone"),
    ("param.cgi", "get", "NTP"),
    ("param.cgi", "set", "NTP"),
    ("param.cgi", "get", "OSD"),
    ("param.cgi", "set", "OSD"),
    ("param.cgi", "get", "OSDCanvas"),
    ("param.cgi", "set", "OSDCanvas"),
    ("param.cgi", "get", "deviceDiskInfo"),
    ("param.cgi", "get", "AVStream"),
    ("param.cgi", "set", "AVStream"),
    ("param.cgi", "get", "streamAbility"),
    ("param.cgi", "get", "recordPolicy"),
    ("param.cgi", "set", "recordPolicy"),
    ("param.cgi", "get", "recordDirInfo"),
    ("param.cgi", "set", "recordDirInfo"),
    ("alarm.cgi", "manualControl", None),
    ("param.cgi", "get", "alarmOut"),
    ("param.cgi", "set", "alarmOut"),
    ("param.cgi", "get", "motionAlarm"),
    ("param.cgi", "set", "motionAlarm"),
    ("param.cgi", "get", "diskAlarm"),
    ("param.cgi", "set", "diskAlarm"),
    ("param.cgi", "get", "protocolInfo"),
    ("param.cgi", "get", "protocolSecurity"),
    ("param.cgi", "set", "protocolSecurity"),
    ("param.cgi", "add", "User"),
    ("param.cgi", "modify", "User"),
    *(
        ("sensor.cgi", action, kind)
        for kind in ("brightness", "contrast", "hue", "saturation", "sharpness")
        for action in ("get", "set")
    ),
    ("sensor.cgi", "get", "mirror"),
    ("sensor.cgi", "set", "mirror"),
    ("operate.cgi", "reset", None),
    ("operate.cgi", "restart", None),
    ("param.cgi", "get", "systemLogInfo"),
    ("param.cgi", "get", "alarmLogInfo"),
    ("video.cgi", None, "RTSP"),
    ("video.cgi", None, "HTTP"),
    ("image.cgi", None, None),
]


def ids(examples: list[Example] | tuple[Example, ...]) -> list[str]:
    """Pytest ids: the example ids."""
    return [example.id for example in examples]


def unwrap(verbatim: tuple[str, ...], label: str) -> str:
    """Join a wrapped URL of the document: drop the field label and line ends."""
    first = verbatim[0].lstrip()
    if first.startswith(f"{label} "):
        first = first[len(label) + 1 :]
    return "".join(line.rstrip() for line in (first, *verbatim[1:]))


def test_every_data_file_is_loaded() -> None:
    """No JSON file in the folder is left out of the loaders."""
    known = {*CHAPTER_FILES, GENERAL_FILE, ERROR_CODES_FILE, VENDOR_TOOLS_FILE}
    assert {path.name for path in DATA.glob("*.json")} == known


def test_every_operation_of_the_document_has_an_example() -> None:
    """Each documented operation appears once, in the document's order."""
    found = [(example.cgi, example.action, example.type) for example in EXAMPLES]
    assert found == DOCUMENT_OPERATIONS


def test_ids_and_sections_are_unique() -> None:
    """Ids and section names identify one example each."""
    assert len(BY_ID) == len(EXAMPLES)
    assert len({example.section for example in EXAMPLES}) == len(EXAMPLES)
    for example in EXAMPLES:
        assert example.section == f"{example.chapter} / {example.heading}"


def test_every_example_has_its_lines_in_order() -> None:
    """Template, request and reply follow the heading in the document."""
    for example in EXAMPLES:
        positions = [
            example.heading_line,
            *(line for template in example.url_templates for line in template.lines),
            *example.request.lines,
            *example.reply.lines,
        ]
        assert positions == sorted(positions), example.id
        first, last = example.request.lines
        assert len(example.request.verbatim) == last - first + 1, example.id
        first, last = example.reply.lines
        assert len(example.reply.verbatim) == last - first + 1, example.id


@pytest.mark.parametrize("example", EXAMPLES, ids=ids(EXAMPLES))
def test_request_params_come_from_the_verbatim_url(example: Example) -> None:
    """Un-wrapping and percent-decoding the verbatim lines gives ``params``."""
    url = unwrap(example.request.verbatim, "Example")
    path, _, query = url.partition("?")
    assert path.endswith(f"/cgi-bin/{example.cgi}")
    pairs = [pair.partition("=")[::2] for pair in query.split("&")]
    assert [key for key, _ in pairs[:2]] == list(example.request.auth)
    assert example.request.auth == ("userName", "password")
    assert [(key, unquote(value)) for key, value in pairs[2:]] == list(
        example.request.params
    )
    # The stored URL is the verbatim one with the credentials' values dropped.
    masked = re.sub(r"userName=[^&]*", "userName=<username>", url)
    masked = re.sub(r"password=[^&]*", "password=<password>", masked)
    assert example.request.url == masked


@pytest.mark.parametrize("example", EXAMPLES, ids=ids(EXAMPLES))
def test_request_fits_its_template(example: Example) -> None:
    """Every key the template writes without brackets is in the example request.

    Except the keys listed in ``omits`` (the document's own inconsistency).
    Fixed template values (``action=get``, ``alarmOutID=1``) are the example's.
    """
    templates = [
        template
        for template in example.url_templates
        if not template.malformed
        and next((p.value for p in template.params if p.key == "type"), None)
        == example.type
    ]
    assert templates, example.id
    sent = dict(example.request.query("u", "p"))
    for template in templates:
        assert template.url == unwrap(template.verbatim, "URL")
        assert template.cgi == example.cgi
        missing = [key for key in template.required_keys if key not in sent]
        assert missing == list(example.request.omits)
        for param in template.params:
            if param.key in sent and not param.value.startswith("<"):
                assert sent[param.key] == param.value, param.key
        if not template.more_arguments:
            assert set(sent) <= {param.key for param in template.params}
    if example.action is not None:
        assert example.request.get("action") == example.action
    if example.type is not None:
        assert example.request.get("type") == example.type


def _clean(example: Example, line: str) -> str:
    """The one cleaning a reply line may get, as its notes describe."""
    text = line.strip()
    if example.reply.kind == "text":
        return "".join(text.split())  # the RTSP URL's stray space
    key = text.partition("=")[0]
    if key in example.reply.conditional_keys:
        return text.partition(" (")[0]  # the "(Only present when ...)" annotation
    return text


@pytest.mark.parametrize("example", EXAMPLES, ids=ids(EXAMPLES))
def test_reply_lines_come_from_the_verbatim_text(example: Example) -> None:
    """``reply_lines`` is the verbatim reply minus blank and elision lines."""
    reply = example.reply
    if reply.kind == "ok":
        assert "OK or Error" in reply.verbatim[0]
        assert reply.reply_lines == ("OK",)
        return
    elided = {elision.line for elision in reply.elisions}
    kept = [
        _clean(example, line)
        for number, line in enumerate(reply.verbatim, start=reply.lines[0])
        if line.strip() and number not in elided
    ]
    assert list(reply.reply_lines) == kept
    assert reply.elided == bool(reply.elisions)
    for elision in reply.elisions:
        assert reply.verbatim[elision.line - reply.lines[0]].strip() == elision.text
    if kept != [line.strip() for line in reply.verbatim if line.strip()]:
        assert reply.notes  # every cleaning is explained


def test_parameter_tables_name_the_keys_of_the_examples() -> None:
    """Parameter rows are read whole: names without spaces, lines in order."""
    for example in EXAMPLES:
        assert example.parameters, example.id
        for row in example.parameters:
            assert " " not in row.name
            assert row.description
            assert row.lines[0] <= row.lines[1]


def test_general_responses_and_error_codes() -> None:
    """The success and error formats, and the error code table."""
    general = load_general()
    assert general.success.body == "OK"
    assert general.error.body_template == "error\uff0creturn=%d"
    assert general.error.body_pattern is not None
    assert re.fullmatch(general.error.body_pattern, "error\uff0creturn=-23")
    assert not re.fullmatch(general.error.body_pattern, "error,return=-23")
    codes = load_error_codes()
    assert len({code.code for code in codes}) == len(codes)
    assert {-21, -22, -23, -505, -507, -508, -511, -512} <= {c.code for c in codes}
    assert Counter(code.group for code in codes)["Conventional Errors"] == 22


def test_vendor_tools_name_their_requests() -> None:
    """Each vendor script has a request shape with credentials first."""
    tools = load_vendor_tools()
    assert tools.repository == "xlsense/SoftwareTools"
    assert {tool.id for tool in tools.tools} == {
        "cycle_py",
        "cycle_cs",
        "trigger1700_py",
        "reset_trig_cap_settings_py",
        "change_timeout_py",
    }
    for tool in tools.tools:
        assert tool.auth == ("userName", "password")
        assert tool.requests
        for request in tool.requests:
            assert request.params[0][0] == "action"
