"""Shared test data for the client tests."""

from __future__ import annotations

from datetime import datetime
import socket
from typing import TYPE_CHECKING, Any

from custom_components.excelsense.api import (
    AlarmLinkage,
    LinkageAction,
    MotionArea,
    OSDCanvas,
    OSDInfo,
    OSDType,
    RecordPolicy,
    ScheduleDay,
    SelfCleanSchedule,
    TimeZone,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine, Sequence

    import pytest

    from custom_components.excelsense.api import ExcelSenseClient
    from tests.emulator import EmulatedCamera, RequestRecord
    from tests.emulator.device import Reply

    Call = Callable[[ExcelSenseClient], Coroutine[Any, Any, Any]]
ZONE = TimeZone(
    time_zone=100,
    dst_enabled=True,
    begin_month=3,
    begin_week=2,
    begin_weekday=0,
    begin_time=120,
    end_month=11,
    end_week=1,
    end_weekday=6,
    end_time=90,
)
CANVAS = OSDCanvas(
    canvas_id=2,
    top_x=10,
    top_y=80,
    font_size=1,
    align_mode=1,
    infos=(
        OSDInfo(osd_type=OSDType.TEXT, info="Gate 3", blink=True, blink_interval=3),
    ),
)
MONDAY = ScheduleDay(weekday=1, periods=((0, 3600), (7200, 86400)))
POLICY = RecordPolicy(
    enabled=False,
    save_days=7,
    stream_id=1,
    audio=False,
    disk_group_id=1,
    schedule=(),
    raw={},
)
SCHEDULE = SelfCleanSchedule(
    scheduled=False, timed=False, interval=60, times=((8, 0), (12, 0), (18, 0))
)
AREA = MotionArea(top_x=0, top_y=0, width=210, height=130)
SELF_CLEAN_LINK = AlarmLinkage(action_type=LinkageAction.ALARM_OUTPUT, action_id=1)
RECORD_LINK = AlarmLinkage(action_type=LinkageAction.RECORD, action_id=1)
LOG_START = datetime(2000, 1, 1)  # noqa: DTZ001 - the device clock is naive
LOG_END = datetime(2099, 12, 31)  # noqa: DTZ001
JPEG_MAGIC = b"\xff\xd8"
ALARM_GET = {"action": "get", "type": "alarmOut"}
ALARM_SET = {"action": "set", "type": "alarmOut"}
PULSE_START = {"action": "manualControl", "controlFlag": 1}
PULSE_END = {"action": "manualControl", "controlFlag": 0}


def alarm_sets(camera: EmulatedCamera) -> list[RequestRecord]:
    """The alarmOut set requests the camera received."""
    return [
        r
        for r in camera.requests
        if r.get("type") == "alarmOut" and r.get("action") == "set"
    ]


def reply_with(
    monkeypatch: pytest.MonkeyPatch, camera: EmulatedCamera, cgi: str, reply: Reply
) -> None:
    """Make the emulated device answer every request to ``cgi`` with ``reply``."""
    handle = camera.device.handle

    def patched(name: str, pairs: Sequence[tuple[str, str]]) -> Reply:
        return reply if name == cgi else handle(name, pairs)

    monkeypatch.setattr(camera.device, "handle", patched)


def free_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
