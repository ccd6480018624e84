"""Whatever a camera answers, the parser and the models raise only our errors.

Hypothesis writes replies from the keys the models read, loop markers of
every form, and values meant to break number parsing (inf, nan, 1e999,
thousands of digits, signs, spaces, Unicode). The parser never raises; a
model either reads the reply or raises ExcelSenseResponseError.
"""

from __future__ import annotations

import contextlib
from functools import partial
from typing import TYPE_CHECKING

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.excelsense.api import (
    AlarmEvent,
    AlarmOutput,
    AVStream,
    CameraInfo,
    DeviceInfo,
    DevicePort,
    DeviceTime,
    DiskAlarm,
    DiskInfo,
    ExcelSenseResponseError,
    LocalNetwork,
    LogEntry,
    Mirror,
    MotionAlarm,
    NTPSettings,
    OSDCanvases,
    OSDSettings,
    ProtocolInfo,
    RecordDirectories,
    RecordPolicy,
    SelfCleanSchedule,
    StreamAbility,
    TimeZone,
    kv,
    transport,
)
from tests.emulator.device import Reply

from .helpers import reply_with

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from custom_components.excelsense.api import ExcelSenseClient
    from tests.emulator import EmulatedCamera

    from .conftest import ExpectError

MODELS: dict[str, Callable[[kv.KVBlock], object]] = {
    "deviceInfo": DeviceInfo.from_block,
    "cameraInfo": CameraInfo.from_block,
    "localNetwork": LocalNetwork.from_block,
    "devicePort": DevicePort.from_block,
    "dateTime": DeviceTime.from_block,
    "timeZone": TimeZone.from_block,
    "NTP": NTPSettings.from_block,
    "OSD": OSDSettings.from_block,
    "OSDCanvas": OSDCanvases.from_block,
    "deviceDiskInfo": DiskInfo.from_block,
    "AVStream": partial(AVStream.from_block, stream_id=1),
    "streamAbility": StreamAbility.from_block,
    "recordPolicy": RecordPolicy.from_block,
    "recordDirInfo": RecordDirectories.from_block,
    "alarmOut": AlarmOutput.from_block,
    "motionAlarm": MotionAlarm.from_block,
    "diskAlarm": DiskAlarm.from_block,
    "protocolInfo": ProtocolInfo.from_block,
    "mirror": Mirror.from_block,
    "IOAlarm": SelfCleanSchedule.from_block,
    "log": LogEntry.from_block,
}
KEYS = [
    "deviceName", "MACAddress", "deviceType", "channelNum", "alarmInNum",
    "cameraName", "IPAddress", "netCardId", "autoGetIPFlag", "controlPort",
    "httpPort", "rtspPort", "rtmpPort", "year", "month", "day", "hour",
    "minute", "second", "timeZone", "DSTOpenFlag", "beginMonth", "beginTime",
    "enableFlag", "NTPIP", "NTPPort", "NTPCheckTime", "fontColor",
    "inverseFlag", "alpha", "canvasID", "topX", "topY", "fontSize",
    "alignMode", "OSDType", "info", "OSDEnableFlag", "OSDBlinkInterval",
    "arrowID", "diskID", "diskTotalSize", "diskFreeSize", "diskStatus",
    "streamName", "videoEncoderType", "audioEncoderType", "resolution",
    "frameRate", "iFrameInterval", "bitRateType", "bitRate", "quality",
    "streamID", "streamEncoderType", "RecordOpenFlag", "SaveDays",
    "StreamId", "AudioOpenFlag", "DiskGroupId", "weekDay", "startTime1",
    "endTime1", "startTime2", "endTime3", "enableFlag", "groupID", "status",
    "alarmOutID", "alarmValidSignal", "alarmMode", "alarmOutFrequency",
    "alarmTime", "motionDetectionEnableFlag", "alarmInterval", "sensitivity",
    "topX", "width", "height", "ActionType", "ActionID",
    "diskFullAlarmCheckFlag", "AlarmInterval", "protocolName",
    "protocolVersion", "vertical", "horizontal", "ScheduledSelfClean",
    "TimedSelfClean", "TimeInterval", "TimeOneHours", "TimeTwoMinutes",
    "majorType", "minorType", "sourceType", "sourceId", "alarmStartTime",
    "alarmEndTime", "time",
]  # fmt: skip
LOOPS = [
    "localNetwork", "OSDCanvas", "OSDInfo", "diskInfo", "AVStream",
    "AVStreamEncoderAbility", "AVStreamEncoder", "videoResolution",
    "weekDay", "recordDirInfo", "motionDetectionArea", "AlarmLinkage",
    "AlarmLogInfo",
]  # fmt: skip
HOSTILE = [
    "inf", "-inf", "nan", "1e999", "-1e999", "1" * 5000, "9" * 40, "-0",
    "0x10", "1_000", " 7 ", "1.5", "true", "FALSE", "", "٣", "½", "1e308",
    "2019-12-13 1:59:19", "2019-02-30 25:61:61", "=", "\x00", "\ufeff1",
]  # fmt: skip
values = st.one_of(
    st.sampled_from(HOSTILE), st.text(max_size=20), st.integers().map(str)
)
markers = st.builds(
    lambda name, kind, number: f"{kind[0]}{name}{kind[1]}={number}",
    st.sampled_from(LOOPS),
    st.sampled_from(
        [
            ("", "Begin"),
            ("", "End"),
            ("next_", "URL"),
            ("", "NextURL"),
            ("", "NextFlag"),
        ]
    ),
    st.sampled_from(["1", "2", "0", "", "x"]),
)
lines = st.one_of(
    st.builds(lambda k, v: f"{k}={v}", st.sampled_from(KEYS), values),
    markers,
    st.sampled_from(LOOPS).map(lambda name: f"{name}End"),
    st.text(max_size=30),
)
replies = st.lists(lines, max_size=60).map("\n".join)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(reply=replies, model=st.sampled_from(sorted(MODELS)))
def test_models_raise_only_response_errors(reply: str, model: str) -> None:
    """No OverflowError, ValueError, IndexError...: a model reads or refuses."""
    block = kv.parse(reply)
    block.as_dict()
    with contextlib.suppress(ExcelSenseResponseError):
        MODELS[model](block)


@settings(max_examples=200)
@given(reply=replies)
def test_alarm_log_entries_never_raise(reply: str) -> None:
    """An alarm-log entry with garbled times or codes is skipped, never fatal."""
    for entry in kv.parse(reply).loop("AlarmLogInfo") or [kv.parse(reply)]:
        log = LogEntry.from_block(entry)
        event = AlarmEvent.from_entry(log)
        if event is not None:
            assert event.kind in ("motion", "other")
            assert event.key


@given(body=st.binary(max_size=500))
def test_parser_takes_any_bytes(body: bytes) -> None:
    """Invalid UTF-8, NUL bytes, lone CRs: the parser never raises."""
    kv.parse(body).as_dict()


def _depth(block: kv.KVBlock) -> int:
    return 1 + max(
        (_depth(entry) for entries in block.loops.values() for entry in entries),
        default=0,
    )


def test_deep_nesting_is_capped() -> None:
    """1200 nested loops: no RecursionError, and no deeper than MAX_DEPTH."""
    reply = "\n".join(f"loop{n}Begin=1" for n in range(1200)) + "\nkey=1"
    block = kv.parse(reply)
    assert _depth(block) == kv.MAX_DEPTH + 1
    assert block.as_dict()
    assert kv.serialize({}, block.loops)


def test_many_markers_stay_flat() -> None:
    """128 KB of markers keep the open-loop stack at MAX_DEPTH (linear work)."""
    reply = "\n".join(f"{name}Begin=1\nnext_{name}URL=2" for name in LOOPS * 700)
    assert len(reply) > 128 * 1024
    block = kv.parse(reply)
    assert _depth(block) <= kv.MAX_DEPTH + 1


@pytest.mark.parametrize(
    ("cgi", "call"),
    [
        ("param.cgi", lambda c: c.device_info()),
        ("image.cgi", lambda c: c.snapshot()),
    ],
)
async def test_reply_over_the_size_cap_is_refused(
    client: ExcelSenseClient,
    camera: EmulatedCamera,
    expect_error: ExpectError,
    monkeypatch: pytest.MonkeyPatch,
    cgi: str,
    call: Callable[[ExcelSenseClient], object],
) -> None:
    """A reply bigger than any real one (1 MiB text, 16 MiB image) is refused."""
    monkeypatch.setattr(transport, "TEXT_REPLY_LIMIT", 4096)
    monkeypatch.setattr(transport, "IMAGE_REPLY_LIMIT", 4096)
    body = (b"\xff\xd8" if cgi == "image.cgi" else b"deviceName=") + b"x" * 8192
    kind = "image/jpeg" if cgi == "image.cgi" else "text/plain"
    reply_with(monkeypatch, camera, cgi, Reply(body, content_type=kind))
    err = await expect_error(ExcelSenseResponseError, call(client))  # type: ignore[arg-type]
    assert "too large" in str(err)
    # Without a Content-Length (chunked), the body is refused as it grows.
    reply_with(monkeypatch, camera, cgi, Reply(body, content_type=kind, chunked=True))
    err = await expect_error(ExcelSenseResponseError, call(client))  # type: ignore[arg-type]
    assert "too large" in str(err)
    # A chunked reply under the cap is read whole.
    monkeypatch.undo()
    handle = camera.device.handle
    sent: list[bytes] = []

    def chunked(name: str, pairs: Sequence[tuple[str, str]]) -> Reply:
        reply = handle(name, pairs)
        if name != cgi:
            return reply
        pad = b"" if cgi == "image.cgi" else b"\npadding=" + b"x" * 8192
        sent.append(reply.body + pad)
        return Reply(sent[-1], content_type=reply.content_type, chunked=True)

    monkeypatch.setattr(camera.device, "handle", chunked)
    result = await call(client)  # type: ignore[misc]
    if cgi == "image.cgi":
        assert result == sent[-1]
    else:
        assert result.raw["padding"] == "x" * 8192
