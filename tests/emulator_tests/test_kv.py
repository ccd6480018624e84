"""The emulator's own key=value serializer and tolerant parser."""

from __future__ import annotations

from tests.emulator import kv
from tests.emulator.kv import Loop, Style


def _nested() -> list[kv.Item]:
    resolutions = Loop(
        "videoResolution",
        [[("resolution", "1920*1080")], [("resolution", "1280*720")]],
        count=True,
    )
    encoders = Loop(
        "AVStreamEncoderAbility",
        [[("streamEncoderType", "8"), resolutions], [("streamEncoderType", "1")]],
        count=True,
        next_key="next_AVStreamEncoderURL",
    )
    return [
        ("top", "1"),
        Loop(
            "AVStream", [[("streamID", "1"), encoders], [("streamID", "2")]], count=True
        ),
    ]


def _check_nested(node: kv.Node) -> None:
    assert node.get("top") == "1"
    streams = node.loop("AVStream")
    assert streams is not None
    assert [stream.get("streamID") for stream in streams] == ["1", "2"]
    encoders = streams[0].loop("AVStreamEncoderAbility")
    assert encoders is not None
    assert [encoder.get("streamEncoderType") for encoder in encoders] == ["8", "1"]
    resolutions = encoders[0].loop("videoResolution")
    assert resolutions is not None
    assert [entry.get("resolution") for entry in resolutions] == [
        "1920*1080",
        "1280*720",
    ]
    assert streams[1].loop("AVStreamEncoderAbility") is None


def test_dump_plain_format() -> None:
    """Markers, counts and next markers are written as the spec shows them."""
    text = kv.dump(_nested())
    assert text.splitlines() == [
        "top=1",
        "AVStreamCount=2",
        "AVStreamBegin=1",
        "streamID=1",
        "AVStreamEncoderAbilityCount=2",
        "AVStreamEncoderAbilityBegin=1",
        "streamEncoderType=8",
        "videoResolutionCount=2",
        "videoResolutionBegin=1",
        "resolution=1920*1080",
        "next_videoResolutionURL=2",
        "resolution=1280*720",
        "videoResolutionEnd=2",
        "next_AVStreamEncoderURL=2",
        "streamEncoderType=1",
        "AVStreamEncoderAbilityEnd=2",
        "next_AVStreamURL=2",
        "streamID=2",
        "AVStreamEnd=2",
    ]
    assert text.endswith("\n")
    assert "\r" not in text


def test_nested_round_trip_in_every_style() -> None:
    """Whatever the firmware style, parsing gives the same tree back."""
    for style in (
        Style(),
        Style(newline="\r\n"),
        Style(odd_markers=True),
        Style(stray_key_spaces=True),
        Style(extra_keys=True),
        Style("\r\n", odd_markers=True, stray_key_spaces=True, extra_keys=True),
    ):
        _check_nested(kv.parse_text(kv.dump(_nested(), style)))


def test_odd_markers_shape() -> None:
    """Begin=2, End=1 at top level, bare End lines nested, lower-case next markers."""
    lines = kv.dump(_nested(), Style(odd_markers=True)).splitlines()
    assert "AVStreamBegin=2" in lines
    assert "AVStreamEnd=1" in lines
    assert "videoResolutionEnd" in lines
    assert "next_avstreamencoderurl=2" in lines


def test_stray_spaces_and_extra_keys() -> None:
    """Count keys get a space before '='; extra keys appear and are kept."""
    text = kv.dump(_nested(), Style(stray_key_spaces=True, extra_keys=True))
    assert "videoResolutionCount =2" in text.splitlines()
    node = kv.parse_text(text)
    assert node.get("reservedParam") == "0"


def test_set_pairs_round_trip() -> None:
    """Loops serialised as query pairs parse back to the same entries."""
    loop = Loop(
        "weekDay", [[("weekDay", "0"), ("startTime1", "0")], [("weekDay", "1")]]
    )
    pairs = [("cameraID", "1"), *kv.loop_pairs(loop), ("after", "x")]
    node = kv.parse_pairs(pairs)
    assert node.get("after") == "x"
    entries = node.loop("weekday")
    assert entries is not None
    assert [entry.first() for entry in entries] == [
        {"weekDay": "0", "startTime1": "0"},
        {"weekDay": "1"},
    ]


def test_empty_loop_and_unmatched_markers() -> None:
    """``xBegin=1&xEnd=0`` is empty; unknown next markers go to the innermost loop."""
    node = kv.parse_pairs([("AlarmLinkageBegin", "1"), ("AlarmLinkageEnd", "0")])
    assert node.loop("AlarmLinkage") == []
    node = kv.parse_pairs(
        [
            ("localNetworkBegin", "1"),
            ("a", "1"),
            ("localNetworkNextFlag", "2"),
            ("a", "2"),
            ("localNetworkEnd", "2"),
        ]
    )
    entries = node.loop("localNetwork")
    assert entries is not None
    assert [entry.get("a") for entry in entries] == ["1", "2"]


def test_non_marker_keys_are_plain() -> None:
    """Keys ending in Begin/End with text values stay plain; bare lines too."""
    node = kv.parse_text("scheduleBegin=morning\nlegend\nx=1=2\n")
    assert node.get("scheduleBegin") == "morning"
    assert node.get("legend") == ""
    assert node.get("x") == "1=2"
