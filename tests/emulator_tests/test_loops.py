"""Loop-carrying types: set with loops then get, cover/add/remove, nesting."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.emulator import EmulatedCamera, kv
from tests.emulator.kv import Loop

if TYPE_CHECKING:
    from .conftest import Api

MOTION = [("action", "set"), ("type", "motionAlarm"), ("cameraID", "1")]
DISK = [("action", "set"), ("type", "diskAlarm"), ("alarmInID", "1")]
RECORD = [
    ("action", "set"),
    ("type", "recordPolicy"),
    ("cameraID", "1"),
    ("StreamId", "1"),
    ("DiskGroupId", "1"),
]
CANVAS = [("action", "set"), ("type", "OSDCanvas"), ("cameraID", "1")]


def linkage(*types: str) -> list[tuple[str, str]]:
    """AlarmLinkage loop pairs with ActionID 1 and the given ActionTypes."""
    return kv.loop_pairs(
        Loop(
            "AlarmLinkage",
            [[("ActionType", kind), ("ActionID", "1")] for kind in types],
        )
    )


def areas(*boxes: tuple[int, int, int, int]) -> list[tuple[str, str]]:
    """MotionDetectionArea loop pairs."""
    keys = ("topX", "topY", "width", "height")
    return kv.loop_pairs(
        Loop(
            "motionDetectionArea",
            [
                [(key, str(value)) for key, value in zip(keys, box, strict=True)]
                for box in boxes
            ],
        )
    )


def days(*entries: dict[str, str]) -> list[tuple[str, str]]:
    """WeekDay loop pairs."""
    return kv.loop_pairs(Loop("weekDay", [list(entry.items()) for entry in entries]))


def entries_of(node: kv.Node, name: str) -> list[dict[str, str]]:
    """Entries of a loop as dicts ([] when absent)."""
    return [entry.first() for entry in node.loop(name) or []]


async def motion(api: Api) -> kv.Node:
    """Current motionAlarm."""
    return await api.get("motionAlarm", cameraID="1")


async def test_motion_spec_example_round_trip(api: Api) -> None:
    """The spec's example set (three loops) reads back with counts."""
    pairs = [
        *MOTION,
        ("motionDetectionEnableFlag", "0"),
        ("alarmInterval", "10"),
        ("sensitivity", "3"),
        *areas((95, 42, 76, 84)),
        *days(
            {"weekDay": "0", "startTime1": "0", "endTime1": "86400"},
            {"weekDay": "1", "startTime1": "0", "endTime1": "86400"},
        ),
        *linkage("1"),
    ]
    assert (await api.text("param.cgi", pairs)).strip() == "OK"
    text = await api.text(
        "param.cgi", {"action": "get", "type": "motionAlarm", "cameraID": "1"}
    )
    lines = text.splitlines()
    assert lines[:3] == [
        "motionDetectionEnableFlag=0",
        "alarmInterval=10",
        "sensitivity=3",
    ]
    assert "motionDetectionAreaCount=1" in lines
    assert "weekDayCount=2" in lines
    assert "next_weekDayURL=2" in lines
    assert "AlarmLinkageCount=1" in lines
    node = kv.parse_text(text)
    assert entries_of(node, "motionDetectionArea") == [
        {"topX": "95", "topY": "42", "width": "76", "height": "84"}
    ]
    assert [entry["weekDay"] for entry in entries_of(node, "weekDay")] == ["0", "1"]
    assert entries_of(node, "AlarmLinkage") == [{"ActionType": "1", "ActionID": "1"}]


async def test_motion_defaults_have_empty_loops(api: Api) -> None:
    """Empty loops answer only their Count."""
    node = await motion(api)
    assert node.get("AlarmLinkageCount") == "0"
    assert node.loop("AlarmLinkage") is None


async def test_linkage_add_merge_remove_cover(api: Api, cam: EmulatedCamera) -> None:
    """Add merges without duplicates, remove deletes, cover replaces, no loop keeps."""
    await api.text("param.cgi", [*MOTION, *linkage("1")])
    await api.text("param.cgi", [*MOTION, *linkage("4", "1")])
    assert entries_of(await motion(api), "AlarmLinkage") == [
        {"ActionType": "1", "ActionID": "1"},
        {"ActionType": "4", "ActionID": "1"},
    ]
    await api.text("param.cgi", [*MOTION, ("sensitivity", "7")])
    assert len(entries_of(await motion(api), "AlarmLinkage")) == 2
    await api.text(
        "param.cgi", [*MOTION, ("AlarmLinkageParam", "remove"), *linkage("1")]
    )
    assert entries_of(await motion(api), "AlarmLinkage") == [
        {"ActionType": "4", "ActionID": "1"}
    ]
    await api.text(
        "param.cgi", [*MOTION, ("AlarmLinkageParam", "cover"), *linkage("1")]
    )
    assert entries_of(await motion(api), "AlarmLinkage") == [
        {"ActionType": "1", "ActionID": "1"}
    ]
    pairs = [
        *MOTION,
        ("AlarmLinkageParam", "cover"),
        ("AlarmLinkageBegin", "1"),
        ("AlarmLinkageEnd", "0"),
    ]
    assert (await api.text("param.cgi", pairs)).strip() == "OK"
    assert cam.state.motion_alarm.loops["AlarmLinkage"] == []


async def test_area_semantics(api: Api) -> None:
    """Areas: add dedupes boxes, remove by box, "relative to 420*260 grid"."""
    await api.text(
        "param.cgi", [*MOTION, *areas((0, 0, 10, 10), (0, 0, 10, 10), (5, 5, 20, 20))]
    )
    assert len(entries_of(await motion(api), "motionDetectionArea")) == 2
    await api.text(
        "param.cgi",
        [*MOTION, ("motionDetectionAction", "remove"), *areas((0, 0, 10, 10))],
    )
    assert entries_of(await motion(api), "motionDetectionArea") == [
        {"topX": "5", "topY": "5", "width": "20", "height": "20"}
    ]
    # No limit on the number of areas is documented.
    many = areas((1, 1, 1, 1), (2, 2, 2, 2), (3, 3, 3, 3), (4, 4, 4, 4))
    assert await api.code("param.cgi", [*MOTION, *many]) is None
    assert await api.code("param.cgi", [*MOTION, *areas((400, 0, 21, 10))]) == -23
    assert await api.code("param.cgi", [*MOTION, *areas((0, 250, 10, 11))]) == -23
    assert (
        await api.code(
            "param.cgi",
            [*MOTION, ("motionDetectionAction", "replace"), *areas((0, 0, 1, 1))],
        )
        == -23
    )
    partial = kv.loop_pairs(
        Loop("motionDetectionArea", [[("topX", "1"), ("topY", "1")]])
    )
    assert await api.code("param.cgi", [*MOTION, *partial]) == -23


async def test_schedule_semantics(api: Api) -> None:
    """weekDay: add replaces the same day, validation of days and time pairs."""
    await api.text(
        "param.cgi",
        [*MOTION, *days({"weekDay": "3", "startTime1": "0", "endTime1": "3600"})],
    )
    await api.text(
        "param.cgi",
        [
            *MOTION,
            *days(
                {
                    "weekDay": "3",
                    "startTime1": "100",
                    "endTime1": "200",
                    "startTime2": "300",
                    "endTime2": "400",
                }
            ),
        ],
    )
    assert entries_of(await motion(api), "weekDay") == [
        {
            "weekDay": "3",
            "startTime1": "100",
            "endTime1": "200",
            "startTime2": "300",
            "endTime2": "400",
        }
    ]
    for bad in (
        {"weekDay": "7", "startTime1": "0", "endTime1": "1"},
        {"weekDay": "1", "startTime1": "10", "endTime1": "5"},
        {"weekDay": "1", "startTime1": "10"},
        {"weekDay": "1", "startTime3": "0", "endTime3": "86401"},
        {"startTime1": "0", "endTime1": "1"},
    ):
        assert await api.code("param.cgi", [*MOTION, *days(bad)]) == -23, bad
    assert (
        await api.code(
            "param.cgi",
            [*MOTION, ("scheduleTimeAction", "bogus"), *days({"weekDay": "1"})],
        )
        == -23
    )


async def test_disk_alarm_linkage(api: Api) -> None:
    """DiskAlarm carries its own linkage loop."""
    pairs = [
        *DISK,
        ("diskFullAlarmCheckFlag", "1"),
        ("AlarmInterval", "345"),
        *linkage("1"),
    ]
    assert (await api.text("param.cgi", pairs)).strip() == "OK"
    node = await api.get("diskAlarm", alarmInID="1")
    assert node.get("AlarmInterval") == "345"
    assert entries_of(node, "AlarmLinkage") == [{"ActionType": "1", "ActionID": "1"}]
    # "ActionType ... `1`: Alarm Trigger (Self-Clean) `4`: Record": a list
    # with a gap that forbids no other type; a whole number >= 0 it must be.
    assert await api.code("param.cgi", [*DISK, *linkage("2")]) is None
    assert await api.code("param.cgi", [*DISK, *linkage("-1")]) == -23
    assert await api.code("param.cgi", [*DISK, *linkage("x")]) == -23
    # "ActionID ... meaning depends on ActionType": not limited.
    other_id = kv.loop_pairs(
        Loop("AlarmLinkage", [[("ActionType", "1"), ("ActionID", "9")]])
    )
    assert await api.code("param.cgi", [*DISK, *other_id]) is None
    assert await api.code("param.cgi", {"action": "get", "type": "diskAlarm"}) == -23


async def test_record_policy_schedule(api: Api) -> None:
    """recordPolicy: cover replaces the week, add merges, remove is not supported."""
    await api.text(
        "param.cgi",
        [
            *RECORD,
            ("scheduleTimeAction", "cover"),
            *days({"weekDay": "2", "startTime1": "0", "endTime1": "86400"}),
        ],
    )
    node = await api.get("recordPolicy", cameraID="1")
    assert node.get("weekDayCount") == "1"
    await api.text(
        "param.cgi",
        [*RECORD, *days({"weekDay": "5", "startTime1": "60", "endTime1": "120"})],
    )
    assert [
        entry["weekDay"]
        for entry in entries_of(await api.get("recordPolicy", cameraID="1"), "weekDay")
    ] == ["2", "5"]
    assert (
        await api.code(
            "param.cgi",
            [*RECORD, ("scheduleTimeAction", "remove"), *days({"weekDay": "2"})],
        )
        == -23
    )


def canvas(
    canvas_id: str, *infos: dict[str, str], action: str | None = None, **values: str
) -> list[kv.Item]:
    """One OSDCanvas entry with its OSDInfo loop."""
    entry: list[kv.Item] = [("canvasID", canvas_id), *values.items()]
    if action:
        entry.append(("OSDInfoAction", action))
    entry.append(Loop("OSDInfo", [[("arrowID", "0"), *info.items()] for info in infos]))
    return entry


def canvas_set(*entries: list[kv.Item]) -> list[tuple[str, str]]:
    """A full OSDCanvas set request ("OSDInfoEnd ... Required and = 1 for set")."""
    loop = Loop("OSDCanvas", list(entries))
    return [*CANVAS, *kv.loop_pairs(loop, end_one=("OSDCanvas", "OSDInfo"))]


async def test_osd_canvas_defaults_and_single_get(api: Api) -> None:
    """Three canvases by default; a single-canvas get is flat, as in the spec."""
    node = await api.get("OSDCanvas", cameraID="1")
    assert node.get("OSDCanvasCount") == "3"
    canvases = node.loop("OSDCanvas")
    assert canvases is not None
    assert [entry.get("canvasID") for entry in canvases] == ["1", "2", "3"]
    first = canvases[0].loop("OSDInfo")
    assert first is not None
    assert first[0].get("OSDType") == "4"
    single = await api.get("OSDCanvas", cameraID="1", canvasID="2")
    assert single.get("canvasID") is None
    assert single.get("topY") == "90.000000"
    infos = single.loop("OSDInfo")
    assert infos is not None
    assert infos[0].get("info") == "ToughEye"
    assert (
        await api.code(
            "param.cgi",
            {"action": "get", "type": "OSDCanvas", "cameraID": "1", "canvasID": "7"},
        )
        == -23
    )
    assert await api.code("param.cgi", {"action": "get", "type": "OSDCanvas"}) == -23


async def test_osd_canvas_actions(api: Api, cam: EmulatedCamera) -> None:
    """Cover replaces the text, add appends, remove deletes; new canvases appear."""
    text = {"OSDEnableFlag": "1", "OSDType": "5", "info": "Loading dock"}
    assert (
        await api.text(
            "param.cgi",
            canvas_set(canvas("2", text, action="cover", topX="10", topY="20")),
        )
    ).strip() == "OK"
    node = await api.get("OSDCanvas", cameraID="1", canvasID="2")
    assert node.get("topX") == "10.000000"
    assert [info.get("info") for info in node.loop("OSDInfo") or []] == ["Loading dock"]
    await api.text(
        "param.cgi", canvas_set(canvas("2", {"OSDType": "5", "info": "Gate 2"}))
    )
    assert [
        info.get("info")
        for info in (await api.get("OSDCanvas", cameraID="1", canvasID="2")).loop(
            "OSDInfo"
        )
        or []
    ] == [
        "Loading dock",
        "Gate 2",
    ]
    await api.text(
        "param.cgi",
        canvas_set(canvas("2", {"OSDType": "5", "info": "Gate 2"}, action="remove")),
    )
    assert len(cam.state.osd_canvases[1].loops["OSDInfo"]) == 1
    await api.text("param.cgi", canvas_set(canvas("5", {"OSDType": "1"}, fontSize="1")))
    assert [section.values["canvasID"] for section in cam.state.osd_canvases] == [
        "1",
        "2",
        "3",
        "5",
    ]


async def test_osd_canvas_spec_example(api: Api, cam: EmulatedCamera) -> None:
    """The spec's two-canvas example (time formats with spaces, slashes) works."""
    time_info = {"OSDEnableFlag": "1", "OSDType": "4", "info": "MM/DD/YYYY hh:mm:ss ww"}
    pairs = canvas_set(
        canvas(
            "2",
            {**time_info, "OSDType": "5", "info": "YYYY-MM-DD hh:mm:ss ww"},
            action="add",
            topX="0",
            topY="50",
            fontSize="2",
            alignMode="1",
        ),
        canvas(
            "1",
            time_info,
            action="cover",
            topX="0",
            topY="50",
            fontSize="2",
            alignMode="1",
        ),
    )
    assert (await api.text("param.cgi", pairs)).strip() == "OK"
    assert (
        cam.state.osd_canvases[0].loops["OSDInfo"][0]["info"]
        == "MM/DD/YYYY hh:mm:ss ww"
    )


@pytest.mark.parametrize(
    "pairs",
    [
        canvas_set(canvas("2", {"OSDType": "5", "info": "a/b"})),
        canvas_set(canvas("2", {"OSDType": "5", "info": "50%"})),
        canvas_set(canvas("1", {"OSDType": "4", "info": "hh:mm"})),
        canvas_set(canvas("9", {"OSDType": "5", "info": "x"})),
        canvas_set(canvas("2", {"OSDType": "6", "info": "x"})),
        canvas_set(canvas("2", {"OSDType": "5", "info": "x"}, fontSize="0")),
        canvas_set(canvas("2", {"OSDType": "5", "info": "x"}, topX="101")),
        canvas_set(canvas("2", {"OSDType": "5", "info": "x"}, alignMode="2")),
        canvas_set(canvas("2", {"OSDType": "5", "OSDBlinkInterval": "0"})),
        canvas_set(canvas("2", {"OSDType": "5"}, action="swap")),
        [
            *CANVAS,
            *kv.loop_pairs(Loop("OSDCanvas", [[("canvasID", "2"), ("topX", "5")]])),
        ],
        [*CANVAS, ("canvasID", "2"), ("topX", "5")],
        [
            *CANVAS,
            *kv.loop_pairs(
                Loop(
                    "OSDCanvas",
                    [
                        [
                            ("canvasID", "2"),
                            Loop("OSDInfo", [[("arrowID", "1"), ("OSDType", "5")]]),
                        ]
                    ],
                )
            ),
        ],
    ],
)
async def test_osd_canvas_validation(
    api: Api, cam: EmulatedCamera, pairs: list[tuple[str, str]]
) -> None:
    """Forbidden text, bad time formats, ranges and missing loops answer -23."""
    before = repr(cam.state.osd_canvases)
    assert await api.code("param.cgi", pairs) == -23
    assert repr(cam.state.osd_canvases) == before


async def test_stream_ability_nesting(api: Api) -> None:
    """Three nested loops with the spec's marker names and counts."""
    text = await api.text(
        "param.cgi", {"action": "get", "type": "streamAbility", "cameraID": "1"}
    )
    lines = text.splitlines()
    for marker in (
        "AVStreamCount=3",
        "AVStreamBegin=1",
        "next_AVStreamURL=2",
        "AVStreamEnd=3",
        "AVStreamEncoderAbilityBegin=1",
        "next_AVStreamEncoderURL=2",
        "videoResolutionBegin=1",
        "next_videoResolutionURL=2",
        "videoResolutionEnd=2",
    ):
        assert marker in lines, marker
    streams = kv.parse_text(text).loop("AVStream") or []
    ability = {
        stream.get("streamID"): {
            encoder.get("streamEncoderType"): [
                res.get("resolution") for res in encoder.loop("videoResolution") or []
            ]
            for encoder in stream.loop("AVStreamEncoderAbility") or []
        }
        for stream in streams
    }
    assert ability["1"]["8"] == ["1920*1080", "1280*720"]
    assert ability["3"]["2"] == ["320*180", "640*360"]
    assert len(ability["2"]) == 3
    one = kv.parse_text(
        await api.text(
            "param.cgi",
            {
                "action": "get",
                "type": "streamAbility",
                "cameraID": "1",
                "streamID": "2",
            },
        )
    )
    assert one.get("AVStreamCount") == "1"
    assert (
        await api.code(
            "param.cgi",
            {
                "action": "get",
                "type": "streamAbility",
                "cameraID": "1",
                "streamID": "4",
            },
        )
        == -23
    )
