"""The emulator answers each example request of the document as the document shows.

Each request is sent exactly as the document writes it (un-wrapped, its own
percent-encoding kept, the emulator's credentials in place of admin/admin).
Before a get, the emulator's state takes the example's values, so the reply
can be compared value by value: same keys, same loops with the same number of
entries, same values. A reply may carry more keys than the example only where
the operation's parameter table names them (``weekDayCount``, ``diskInfoCount``,
...). Sets must answer ``OK``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
import re
from typing import TYPE_CHECKING

import pytest
from yarl import URL

from custom_components.excelsense.api import kv
from tests.emulator import EmulatedCamera, Section, User
from tests.spec_examples import Example, example, load_examples, load_general

from .conftest import PASSWORD, USERNAME

if TYPE_CHECKING:
    from collections.abc import Callable

    import aiohttp
    from multidict import CIMultiDictProxy

    from tests.emulator import DeviceState

EXAMPLES = load_examples()
GETS = [e for e in EXAMPLES if e.reply.kind == "kv"]
SETS = [e for e in EXAMPLES if e.reply.kind == "ok"]

# The general response (lines 36-54): "HTTP Code: 200 OK", "Content-Type: text/plain".
TEXT_PLAIN = "text/plain"
# Values a device computes itself, compared by key only: the ports it really
# serves (devicePort) and the log entries it writes.
COMPUTED = {"devicePort.get": {"httpPort", "rtspPort"}}
LOG_TYPES = {"systemLogInfo.get", "alarmLogInfo.get"}


async def send(
    session: aiohttp.ClientSession, cam: EmulatedCamera, ex: Example
) -> tuple[int, CIMultiDictProxy[str], bytes]:
    """Send the example's request as the document writes it."""
    query = ex.request.raw_query(USERNAME, PASSWORD)
    url = URL(f"{cam.url}/cgi-bin/{ex.cgi}?{query}", encoded=True)
    async with session.request(ex.request.method, url) as response:
        return response.status, response.headers, await response.read()


def assert_seen_as_sent(cam: EmulatedCamera, ex: Example) -> None:
    """The emulator received the example's parameters, in order and decoded."""
    seen = cam.requests[-1]
    assert seen.path == ex.cgi
    sent = ex.request.query(USERNAME, PASSWORD)
    # The request log drops the password and masks new passwords.
    assert [key for key, _ in seen.params] == [k for k, _ in sent if k != "password"]
    for (key, value), (_, logged) in zip(
        [pair for pair in sent if pair[0] != "password"], seen.params, strict=True
    ):
        if key != "newpasswd":
            assert logged == value, key


# --------------------------------------------------------------------------- seeding


def _merge(section: Section, block: kv.KVBlock) -> None:
    """Give a settings group the example's values; keep its own other keys.

    Loop entries are merged entry by entry onto the group's own, so a key the
    emulator adds by itself still shows in its reply.
    """
    section.values.update(
        {key: value for key, value in block.values.items() if not key.endswith("Count")}
    )
    for name, entries in block.loops.items():
        own = section.loops.get(name) or [{}]
        section.loops[name] = [
            {**own[min(index, len(own) - 1)], **entry.values}
            for index, entry in enumerate(entries)
        ]


def _group(pick: Callable[[DeviceState], Section]) -> Callable[..., None]:
    def seed(cam: EmulatedCamera, block: kv.KVBlock) -> None:
        _merge(pick(cam.state), block)

    return seed


def _seed_network(cam: EmulatedCamera, block: kv.KVBlock) -> None:
    (nic,) = block.loop("localNetwork")
    cam.state.network.values.update(nic.values)


def _seed_clock(cam: EmulatedCamera, block: kv.KVBlock) -> None:
    year, month, day, hour, minute, second = (
        int(block.values[key]) for key in _CLOCK_KEYS
    )
    target = datetime(year, month, day, hour, minute, second)  # noqa: DTZ001 - device time
    cam.state.clock_offset += (
        target - cam.device.now().replace(microsecond=0)
    ).total_seconds()


_CLOCK_KEYS = ("year", "month", "day", "hour", "minute", "second")


def _seed_canvas(cam: EmulatedCamera, block: kv.KVBlock) -> None:
    (canvas,) = [c for c in cam.state.osd_canvases if c.values["canvasID"] == "1"]
    _merge(canvas, block)


def _seed_stream_ability(cam: EmulatedCamera, block: kv.KVBlock) -> None:
    """Stream 1 gets the example's counts: five encoders, 8 first with five sizes."""
    first = block.loop("AVStream")[0]
    encoders = int(first.values["AVStreamEncoderAbilityCount"])
    ability = first.loop("AVStreamEncoderAbility")[0]
    sizes = int(ability.values["videoResolutionCount"])
    shown = [entry.values["resolution"] for entry in ability.loop("videoResolution")]
    filler = ["1920*1080", "1280*720", "640*480", "640*360", "320*180"]
    resolutions = [*shown, *filler][:sizes]
    kinds = [int(ability.values["streamEncoderType"]), 1, 2, 4, 5][:encoders]
    cam.state.stream_ability[1] = {kind: list(resolutions) for kind in kinds}
    assert len(cam.state.stream_ability) == int(block.values["AVStreamCount"])


def _sensor(name: str) -> Callable[..., None]:
    return _group(lambda state: state.sensor[name])


SEEDS: dict[str, Callable[[EmulatedCamera, kv.KVBlock], None]] = {
    "deviceInfo.get": _group(lambda state: state.device_info),
    "cameraInfo.get": _group(lambda state: state.camera_info),
    "localNetwork.get": _seed_network,
    "devicePort.get": _group(lambda state: state.ports),
    "dateTime.get": _seed_clock,
    "timeZone.get": _group(lambda state: state.time_zone),
    "NTP.get": _group(lambda state: state.ntp),
    "OSD.get": _group(lambda state: state.osd),
    "OSDCanvas.get": _seed_canvas,
    "deviceDiskInfo.get": _group(lambda state: state.disk_info),
    "AVStream.get": _group(lambda state: state.streams[1]),
    "streamAbility.get": _seed_stream_ability,
    "recordPolicy.get": _group(lambda state: state.record_policy),
    "recordDirInfo.get": _group(lambda state: state.record_dirs),
    "alarmOut.get": _group(lambda state: state.alarm_out),
    "motionAlarm.get": _group(lambda state: state.motion_alarm),
    "diskAlarm.get": _group(lambda state: state.disk_alarm),
    "protocolInfo.get": _group(lambda state: state.protocol_info),
    "protocolSecurity.get": _group(lambda state: state.protocol_security),
    **{
        f"{name}.get": _sensor(name)
        for name in ("brightness", "contrast", "hue", "saturation", "sharpness")
    },
    "mirror.get": _sensor("mirror"),
}


# --------------------------------------------------------------------------- comparing


def differences(
    expected: kv.KVBlock,
    actual: kv.KVBlock,
    documented: frozenset[str],
    computed: frozenset[str] = frozenset(),
    where: str = "",
) -> list[str]:
    """How ``actual`` differs from the example (empty when it conforms)."""
    found: list[str] = []
    for key, value in expected.values.items():
        if key not in actual.values:
            found.append(f"{where}{key} missing")
        elif key not in computed and actual.values[key] != value:
            found.append(f"{where}{key}={actual.values[key]!r}, document {value!r}")
    found.extend(
        f"{where}{key} is neither in the example nor in the parameter table"
        for key in actual.values
        if key not in expected.values and key not in documented
    )
    for name, entries in expected.loops.items():
        got = actual.loop(name)
        if len(got) != len(entries):
            found.append(
                f"{where}loop {name}: {len(got)} entries, document {len(entries)}"
            )
            continue
        for index, (want, have) in enumerate(zip(entries, got, strict=True), 1):
            found.extend(
                differences(
                    want, have, documented, computed, f"{where}{name}[{index}]."
                )
            )
    found.extend(
        f"{where}loop {name} is not in the example"
        for name in actual.loops
        if not expected.loop(name) and f"{name}Begin" not in documented
    )
    return found


def reply_keys(text: str) -> list[str]:
    """The keys of a reply's lines, in order."""
    return [
        line.partition("=")[0].strip() for line in text.splitlines() if line.strip()
    ]


def assert_text_reply(status: int, headers: CIMultiDictProxy[str]) -> None:
    """'HTTP Code: 200 OK', 'Content-Type: text/plain' (lines 40-41, 48-49)."""
    assert status == 200
    assert headers["Content-Type"].split(";")[0].strip() == TEXT_PLAIN


# --------------------------------------------------------------------------- gets


@pytest.mark.parametrize(
    "ex", [e for e in GETS if e.id not in LOG_TYPES], ids=lambda e: e.id
)
async def test_get_answers_like_the_example(
    cam: EmulatedCamera, session: aiohttp.ClientSession, ex: Example
) -> None:
    """With the example's values in its state, the get answers the example."""
    expected = kv.parse(ex.reply.text)
    SEEDS[ex.id](cam, expected)
    status, headers, body = await send(session, cam, ex)
    assert_text_reply(status, headers)
    assert_seen_as_sent(cam, ex)
    text = body.decode()
    for key in reply_keys(text):
        assert key in ex.documented_keys or key in reply_keys(ex.reply.text), key
    if ex.reply.elided:
        # What the document shows is a subsequence, in order, of the reply.
        lines = [line.strip() for line in text.splitlines()]
        position = 0
        for line in ex.reply.reply_lines:
            assert line in lines[position:], f"{line!r} not after line {position}"
            position = lines.index(line, position) + 1
        return
    computed = frozenset(COMPUTED.get(ex.id, ()))
    assert differences(expected, kv.parse(text), ex.documented_keys, computed) == []


async def test_av_stream_quality_only_with_vbr(
    cam: EmulatedCamera, session: aiohttp.ClientSession
) -> None:
    """'quality=9 (Only present when bitRateType=2 (VBR))' (line 899)."""
    ex = example("AVStream.get")
    seeded = kv.parse(ex.reply.text)
    seeded.values["bitRateType"] = "1"
    SEEDS[ex.id](cam, seeded)
    _, _, body = await send(session, cam, ex)
    assert "quality" not in kv.parse(body).values
    seeded.values["bitRateType"] = "2"
    SEEDS[ex.id](cam, seeded)
    _, _, body = await send(session, cam, ex)
    assert kv.parse(body).values["quality"] == "9"


@pytest.mark.parametrize(
    ("ex", "event"),
    [
        (example("systemLogInfo.get"), "set"),
        (example("alarmLogInfo.get"), "motion"),
    ],
    ids=["systemLogInfo.get", "alarmLogInfo.get"],
)
async def test_log_answers_like_the_example(
    cam: EmulatedCamera, session: aiohttp.ClientSession, ex: Example, event: str
) -> None:
    """An entry in the requested window answers with the example's keys and loop.

    The document's entries lie outside the window its own request asks for
    (17:51:23 and 2019-12-13 for 00:00:00-00:00:10 on 2019-12-26), so the
    device clock is put inside the window and an event written there; the
    entry's values are the device's, its keys and loop framing the document's.
    """
    start = datetime.strptime(ex.request.get("startTime") or "", "%Y%m%d%H%M%S")  # noqa: DTZ007 - device time
    cam.state.clock_offset += (
        start + timedelta(seconds=5) - cam.device.now().replace(microsecond=0)
    ).total_seconds()
    if event == "motion":
        # The device raises motion alarms only with motion detection on.
        cam.state.motion_alarm.values["motionDetectionEnableFlag"] = "1"
        assert cam.trigger_motion()
    else:
        _, _, body = await send(session, cam, example("deviceName.set"))
        assert body.decode().strip() == "OK"
    status, headers, body = await send(session, cam, ex)
    assert_text_reply(status, headers)
    assert_seen_as_sent(cam, ex)
    expected = kv.parse(ex.reply.text)
    actual = kv.parse(body)
    ((name, (entry,)),) = expected.loops.items()
    entries = actual.loop(name)
    assert entries
    count = f"{name}Count"
    assert actual.values == {count: str(len(entries))}
    assert set(actual.loops) == {name}
    for got in entries:
        assert set(got.values) == set(entry.values)
        assert not got.loops
    keys = reply_keys(body.decode())
    assert keys[:2] == [count, f"{name}Begin"]
    assert keys[-1] == f"{name}End"
    assert body.decode().splitlines()[-1] == f"{name}End={len(entries)}"


# --------------------------------------------------------------------------- sets


@pytest.mark.parametrize("ex", SETS, ids=lambda e: e.id)
async def test_set_example_answers_ok(
    cam: EmulatedCamera, session: aiohttp.ClientSession, ex: Example
) -> None:
    """Every example set (and add, modify, manualControl, reset, restart) answers OK.

    General Response: 'Success: HTTP Code: 200 OK, Content-Type: text/plain, "OK"'
    (lines 38-42).
    """
    if ex.id == "User.modify":
        # The example modifies 'asdfg', which the add example does not create.
        name = ex.request.get("user") or ""
        cam.state.users[name] = User(name, "before", "Administrators", "")
    status, headers, body = await send(session, cam, ex)
    assert_seen_as_sent(cam, ex)
    assert_text_reply(status, headers)
    assert body.decode().strip() == load_general().success.body


async def test_rtsp_example(
    cam: EmulatedCamera, session: aiohttp.ClientSession
) -> None:
    """video.cgi type=RTSP answers the bare URL rtsp://<ip>:<rtspPort>/snl/live/1/1.

    The document's reply (line 2114) names the device's own address and the
    RTSP port; the stray space in it is removed for comparison.
    """
    ex = example("video.RTSP")
    (documented,) = ex.reply.reply_lines
    address = URL(documented)
    assert address.host is not None
    cam.state.network.values["IPAddress"] = address.host
    cam.state.ports.values["rtspPort"] = str(address.port)
    status, headers, body = await send(session, cam, ex)
    assert_seen_as_sent(cam, ex)
    assert_text_reply(status, headers)
    assert "".join(body.decode().split()) == documented


async def test_http_live_video_example(
    cam: EmulatedCamera, session: aiohttp.ClientSession
) -> None:
    """video.cgi type=HTTP answers a multipart stream as lines 2162-2178 show.

    'Content-Type: multipart/x-mixed-replace; boundary=myboundary', 'Pragma:
    no-cache', 'Cache-Control: no-cache', a Date; each part opens with
    '--myboundary' and carries its Content-Type and Content-Length.
    """
    ex = example("video.HTTP")
    http = ex.reply.http
    assert http is not None
    query = ex.request.raw_query(USERNAME, PASSWORD)
    url = URL(f"{cam.url}/cgi-bin/{ex.cgi}?{query}", encoded=True)
    async with session.get(url) as response:
        assert response.status == http["status"]
        for name, value in http["headers"].items():
            if name == "Date":
                assert response.headers.get(name)
            else:
                assert response.headers.get(name) == value, name
        head = await response.content.readuntil(b"\r\n\r\n")
        lines = head.decode().strip().splitlines()
        assert lines[0] == f"--{http['boundary']}"
        headers = dict(line.split(": ", 1) for line in lines[1:])
        assert headers["Content-Type"] in {
            part["content_type"] for part in http["parts"]
        }
        data = await response.content.readexactly(int(headers["Content-Length"]))
        assert len(data) == int(headers["Content-Length"])
        if headers["Content-Type"] == "image/jpeg":
            assert data.startswith(b"\xff\xd8")
    assert_seen_as_sent(cam, ex)


async def test_snapshot_example(
    cam: EmulatedCamera, session: aiohttp.ClientSession
) -> None:
    """image.cgi answers 'Content-Type: image/jpeg', 'Content-Length: <image size>'."""
    ex = example("snapshot")
    http = ex.reply.http
    assert http is not None
    status, headers, body = await send(session, cam, ex)
    assert_seen_as_sent(cam, ex)
    assert status == http["status"]
    assert headers["Content-Type"] == http["headers"]["Content-Type"]
    assert int(headers["Content-Length"]) == len(body)
    assert body.startswith(b"\xff\xd8")
    assert body.endswith(b"\xff\xd9")


async def test_error_reply_format(
    cam: EmulatedCamera, session: aiohttp.ClientSession
) -> None:
    """An error answers 'error<U+FF0C>return=%d' with HTTP 200, text/plain.

    'Unsuccessful: HTTP Code: 200 OK, Content-Type: text/plain, <error message>
    "error<U+FF0C>return=%d"' (lines 46-54): the comma is the full-width U+FF0C
    (written <U+FF0C> here), %d an error code of the table. A type the device
    lacks answers -22, 'CGI subtype not found' (line 2301).
    """
    error = load_general().error
    assert error.body_pattern is not None
    url = URL(f"{cam.url}/cgi-bin/param.cgi").with_query(
        [
            ("userName", USERNAME),
            ("password", PASSWORD),
            ("action", "get"),
            ("type", "noSuchType"),
        ]
    )
    async with session.get(url) as response:
        status, headers, body = response.status, response.headers, await response.read()
    assert status == error.http_status
    assert headers["Content-Type"].split(";")[0].strip() == error.content_type
    match = re.fullmatch(error.body_pattern, body.decode().strip())
    assert match is not None, body.decode()
    assert int(match.group(1)) == -22
