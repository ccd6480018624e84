"""The key=value reply parser and the query serialiser."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from custom_components.excelsense.api import kv
from custom_components.excelsense.api.kv import KVBlock

LOCAL_NETWORK = """\
localNetworkBegin=1
IPProtoVer=1
netCardId=1
IPAddress=192.168.32.151
subNetmask=255.255.0.0
subGetway=192.168.1.1
preferredDNS=
alternateDNS=
autoGetIPFlag=1
localNetworkNextFlag=2
IPProtoVer=1
netCardId=2
IPAddress=10.0.0.2
autoGetIPFlag=0
localNetworkEnd=2
"""

OSD_CANVAS = """\
OSDCanvasCount=2
OSDCanvasBegin=1
canvasID=1
topX=0.000000
topY=0.000000
fontSize=2
alignMode=0
OSDInfoCount=1
OSDInfoBegin=1
arrowID=0
OSDEnableFlag=1
OSDType=4
info=YYYY-MM-DD hh:mm:ss ww
OSDInfoEnd=1
next_OSDCanvasURL=2
canvasID=2
topX=10
topY=50
OSDInfoCount=2
OSDInfoBegin=1
arrowID=0
OSDType=5
info=Gate 3
next_OSDInfoURL=2
arrowID=0
OSDType=1
OSDBlinkFlag=1
OSDBlinkInterval=2
OSDInfoEnd=2
OSDCanvasEnd=2
"""

DISK_INFO = """\
diskInfoBegin=1
diskID=1
diskTotalSize=14912
diskFreeSize=64
diskStatus=1
next_diskInfoURL=2
diskID=2
diskTotalSize=0
diskFreeSize=0
diskStatus=0
diskInfoEnd=2
"""

STREAM_ABILITY = """\
AVStreamCount=2
AVStreamBegin=1
streamID=1
AVStreamEncoderAbilityCount=2
AVStreamEncoderAbilityBegin=1
streamEncoderType=8
videoResolutionCount=2
videoResolutionBegin=1
resolution=2592*1520
next_videoResolutionURL=2
resolution=1920*1080
videoResolutionEnd=2
next_AVStreamEncoderURL=2
streamEncoderType=1
videoResolutionCount=1
videoResolutionBegin=1
resolution=1280*720
videoResolutionEnd=1
AVStreamEncoderAbilityEnd=2
next_AVStreamURL=2
streamID=2
AVStreamEncoderAbilityCount=1
AVStreamEncoderAbilityBegin=1
streamEncoderType=2
videoResolutionCount=1
videoResolutionBegin=1
resolution=640*480
videoResolutionEnd=1
AVStreamEncoderAbilityEnd=1
AVStreamEnd=2
"""

RECORD_POLICY = """\
cameraID=1
RecordOpenFlag=0
SaveDays=7
StreamId=1
AudioOpenFlag=1
DiskGroupId=1
weekDayBegin=1
weekDay=2
startTime1=0
endTime1=86400
next_weekDayURL=2
weekDay=3
startTime1=0
endTime1=3600
startTime2=7200
endTime2=86400
weekDayEnd=2
"""

MOTION_ALARM = """\
motionDetectionEnableFlag=1
alarmInterval=10
sensitivity=5
motionDetectionAreaCount=2
motionDetectionAreaBegin=1
topX=95
topY=42
width=76
height=84
next_motionDetectionAreaURL=2
topX=0
topY=0
width=420
height=260
motionDetectionAreaEnd=2
weekDayCount=1
weekDayBegin=1
weekDay=0
startTime1=0
endTime1=86400
weekDayEnd=1
AlarmLinkageCount=2
AlarmLinkageBegin=1
ActionID=1
ActionType=1
next_AlarmLinkageURL=2
ActionID=1
ActionType=4
AlarmLinkageEnd=2
"""

DISK_ALARM = """\
diskFullAlarmCheckFlag=1
diskErrorAlarmCheckFlag=0
NoDiskAlarmEnableFlag=0
AlarmInterval=345
AlarmLinkageBegin=1
ActionID=1
ActionType=1
AlarmLinkageEnd=1
"""

SYSTEM_LOG = """\
SystemLogInfoCount=2
SystemLogInfoBegin=1
deviceId=
deviceIp=
channelId=0
userName=
majorType=4
minorType=6
time=2019-12-26 17:51:23
logData=StartVideoStream
oldParamInfo=
newParamInfo=
next_SystemLogInfoURL=2
majorType=1
minorType=2
time=2019-12-26 17:52:00
logData=Login
SystemLogInfoEnd=2
"""

ALARM_LOG = """\
AlarmLogInfoCount=1
AlarmLogInfoBegin=1
deviceId=BB0120
deviceIp=
deviceType=0
sourceType=1
sourceId=1
majorType=1
minorType=1
description=
alarmStartTime=2019-12-13 1:59:19
alarmEndTime=2019-12-13 2:10:19
AlarmLogInfoEnd=1
"""

DISKS_EXPECTED = {
    "diskInfo": [
        {
            "diskID": "1",
            "diskTotalSize": "14912",
            "diskFreeSize": "64",
            "diskStatus": "1",
        },
        {"diskID": "2", "diskTotalSize": "0", "diskFreeSize": "0", "diskStatus": "0"},
    ]
}


def _text(pairs: list[kv.Pair], newline: str = "\n") -> str:
    return "".join(f"{key}={value}{newline}" for key, value in pairs)


def _shape(block: KVBlock) -> object:
    """The loop skeleton of a block: loop name -> list of entry skeletons."""
    return {name: [_shape(e) for e in entries] for name, entries in block.loops.items()}


@pytest.mark.parametrize(
    ("body", "shape", "checks"),
    [
        pytest.param(
            LOCAL_NETWORK,
            {"localNetwork": [{}, {}]},
            {("localNetwork", 1, "IPAddress"): "10.0.0.2"},
            id="localNetwork",
        ),
        pytest.param(
            OSD_CANVAS,
            {"OSDCanvas": [{"OSDInfo": [{}]}, {"OSDInfo": [{}, {}]}]},
            {
                ("OSDCanvas", 0, "OSDInfo", 0, "info"): "YYYY-MM-DD hh:mm:ss ww",
                ("OSDCanvas", 1, "topY"): "50",
                ("OSDCanvas", 1, "OSDInfo", 1, "OSDBlinkInterval"): "2",
                ("OSDCanvasCount",): "2",
            },
            id="OSDCanvas",
        ),
        pytest.param(
            DISK_INFO,
            {"diskInfo": [{}, {}]},
            {("diskInfo", 0, "diskTotalSize"): "14912"},
            id="deviceDiskInfo",
        ),
        pytest.param(
            STREAM_ABILITY,
            {
                "AVStream": [
                    {
                        "AVStreamEncoderAbility": [
                            {"videoResolution": [{}, {}]},
                            {"videoResolution": [{}]},
                        ]
                    },
                    {"AVStreamEncoderAbility": [{"videoResolution": [{}]}]},
                ]
            },
            {
                (
                    "AVStream",
                    0,
                    "AVStreamEncoderAbility",
                    1,
                    "videoResolution",
                    0,
                    "resolution",
                ): "1280*720",
                ("AVStream", 1, "AVStreamEncoderAbility", 0, "streamEncoderType"): "2",
                ("AVStream", 1, "streamID"): "2",
            },
            id="streamAbility",
        ),
        pytest.param(
            RECORD_POLICY,
            {"weekDay": [{}, {}]},
            {("weekDay", 1, "startTime2"): "7200", ("SaveDays",): "7"},
            id="recordPolicy",
        ),
        pytest.param(
            MOTION_ALARM,
            {
                "motionDetectionArea": [{}, {}],
                "weekDay": [{}],
                "AlarmLinkage": [{}, {}],
            },
            {
                ("motionDetectionArea", 1, "width"): "420",
                ("weekDay", 0, "endTime1"): "86400",
                ("AlarmLinkage", 1, "ActionType"): "4",
                ("AlarmLinkageCount",): "2",
            },
            id="motionAlarm",
        ),
        pytest.param(
            DISK_ALARM,
            {"AlarmLinkage": [{}]},
            {("AlarmInterval",): "345", ("AlarmLinkage", 0, "ActionType"): "1"},
            id="diskAlarm",
        ),
        pytest.param(
            SYSTEM_LOG,
            {"SystemLogInfo": [{}, {}]},
            {
                ("SystemLogInfo", 0, "time"): "2019-12-26 17:51:23",
                ("SystemLogInfo", 1, "logData"): "Login",
            },
            id="systemLog",
        ),
        pytest.param(
            ALARM_LOG,
            {"AlarmLogInfo": [{}]},
            {("AlarmLogInfo", 0, "alarmEndTime"): "2019-12-13 2:10:19"},
            id="alarmLog",
        ),
    ],
)
def test_round_trip(body: str, shape: object, checks: dict[tuple, str]) -> None:
    """Every loop shape of the spec parses, and serialises back to the same tree."""
    parsed = kv.parse(body)
    assert _shape(parsed) == shape
    for path, expected in checks.items():
        node = parsed
        *walk, key = path
        for name, index in zip(walk[::2], walk[1::2], strict=True):
            node = node.loop(name)[index]
        assert node.get(key) == expected, path

    pairs = kv.serialize(parsed.values, parsed.loops)
    assert kv.parse(_text(pairs)) == parsed
    # The serialised form is the canonical spelling of every marker.
    assert kv.serialize(kv.parse(_text(pairs)).values, parsed.loops) == pairs


@pytest.mark.parametrize(
    ("query", "values", "loops"),
    [
        pytest.param(
            # The spec's Set Motion Alarm example, verbatim.
            "cameraID=1&motionDetectionEnableFlag=0&alarmInterval=10&sensitivity=3"
            "&motionDetectionAreaBegin=1&topX=95&topY=42&width=76&height=84"
            "&motionDetectionAreaEnd=1&weekDayBegin=1&weekDay=0&startTime1=0"
            "&endTime1=86400&next_weekDayURL=2&weekDay=1&startTime1=0&endTime1=86400"
            "&weekDayEnd=2&AlarmLinkageBegin=1&ActionID=1&ActionType=1"
            "&AlarmLinkageEnd=1",
            {
                "cameraID": 1,
                "motionDetectionEnableFlag": False,
                "alarmInterval": 10,
                "sensitivity": 3,
            },
            {
                "motionDetectionArea": [
                    kv.block({"topX": 95, "topY": 42, "width": 76, "height": 84})
                ],
                "weekDay": [
                    kv.block({"weekDay": 0, "startTime1": 0, "endTime1": 86400}),
                    kv.block({"weekDay": 1, "startTime1": 0, "endTime1": 86400}),
                ],
                "AlarmLinkage": [kv.block({"ActionID": 1, "ActionType": 1})],
            },
            id="motionAlarm",
        ),
        pytest.param(
            # The spec's Set OSD Canvas example, verbatim (two canvases).
            "cameraID=1&OSDCanvasBegin=1&canvasID=2&topX=0&topY=50&fontSize=2"
            "&alignMode=1&OSDInfoAction=add&OSDInfoBegin=1&arrowID=0"
            "&OSDEnableFlag=1&OSDType=5&info=YYYY-MM-DD%20hh:mm:ss%20ww"
            "&OSDInfoEnd=1&next_OSDCanvasURL=2&canvasID=1&topX=0&topY=50"
            "&fontSize=2&alignMode=1&OSDInfoAction=add&OSDInfoBegin=1&arrowID=0"
            "&OSDEnableFlag=1&OSDType=4&info=YYYY-MM-DD%20hh:mm:ss%20ww"
            "&OSDInfoEnd=1&OSDCanvasEnd=1",
            {"cameraID": 1},
            {
                "OSDCanvas": [
                    kv.block(
                        {
                            "canvasID": canvas,
                            "topX": 0,
                            "topY": 50,
                            "fontSize": 2,
                            "alignMode": 1,
                            "OSDInfoAction": "add",
                        },
                        OSDInfo=[
                            kv.block(
                                {
                                    "arrowID": 0,
                                    "OSDEnableFlag": True,
                                    "OSDType": osd_type,
                                    "info": "YYYY-MM-DD hh:mm:ss ww",
                                }
                            )
                        ],
                    )
                    for canvas, osd_type in ((2, 5), (1, 4))
                ]
            },
            id="OSDCanvas",
        ),
        pytest.param(
            # The spec's Set Disk Alarm example, verbatim.
            "alarmInID=1&diskFullAlarmCheckFlag=1&diskErrorAlarmCheckFlag=0"
            "&NoDiskAlarmEnableFlag=0&AlarmInterval=345&AlarmLinkageBegin=1"
            "&ActionID=1&ActionType=1&AlarmLinkageEnd=1",
            {
                "alarmInID": 1,
                "diskFullAlarmCheckFlag": True,
                "diskErrorAlarmCheckFlag": False,
                "NoDiskAlarmEnableFlag": 0,
                "AlarmInterval": 345,
            },
            {"AlarmLinkage": [kv.block({"ActionID": 1, "ActionType": 1})]},
            id="diskAlarm",
        ),
    ],
)
def test_serialize_matches_spec_examples(
    query: str, values: dict[str, object], loops: dict[str, list[KVBlock]]
) -> None:
    """Set requests with loops come out exactly as the spec's examples."""
    # The spec's first, cover-less OSD canvas example ends with the last
    # canvas's OSDInfoEnd=1 and OSDCanvasEnd=1, but the count is what we send.
    expected = parse_qsl(query, keep_blank_values=True)
    expected = [
        (key, str(len(loops["OSDCanvas"])) if key == "OSDCanvasEnd" else value)
        for key, value in expected
    ]
    assert kv.serialize(values, loops) == expected


def test_serialize_without_loops_and_value_text() -> None:
    """Values become text: booleans as 1/0, numbers as written."""
    assert kv.serialize({"a": True, "b": False, "c": 5, "d": 2.5, "e": "x y"}) == [
        ("a", "1"),
        ("b", "0"),
        ("c", "5"),
        ("d", "2.5"),
        ("e", "x y"),
    ]
    assert kv.serialize({}, {"weekDay": []}) == [
        ("weekDayBegin", "1"),
        ("weekDayEnd", "0"),
    ]


# ---------------------------------------------------------------- quirks


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"])
def test_line_endings(newline: str) -> None:
    """CRLF, CR and LF replies parse the same."""
    body = DISK_INFO.replace("\n", newline)
    assert kv.parse(body) == kv.parse(DISK_INFO)
    assert kv.parse(body.encode()).as_dict() == DISKS_EXPECTED


def test_stray_spaces_in_keys_and_values() -> None:
    """Keys and values are stripped; blank lines are skipped."""
    body = (
        "  videoResolutionCount =2\n"
        "\n"
        "videoResolutionBegin = 1 \r\n"
        "\tresolution= 1920*1080 \n"
        "next_videoResolutionURL =2\n"
        "resolution =1280*720\n"
        " videoResolutionEnd= 2\n"
        "   \n"
    )
    assert kv.parse(body).as_dict() == {
        "videoResolutionCount": "2",
        "videoResolution": [{"resolution": "1920*1080"}, {"resolution": "1280*720"}],
    }


def test_markers_read_alike_whatever_the_name_length() -> None:
    """Long names (not remembered between replies) are loops as short ones are."""
    for name in ("a", "A" * 64, "b" * 200):
        body = f"{name}Begin=1\nx=1\nnext_{name}URL=2\nx=2\n{name}End=2\n"
        for _ in range(2):  # the second parse reads remembered names
            assert kv.parse(body).as_dict() == {name: [{"x": "1"}, {"x": "2"}]}


def test_lines_without_equals_sign() -> None:
    """A line without '=' is a key with an empty value (or a bare marker)."""
    body = (
        "garbage line\nkey=value\n=orphan value\ndiskInfoBegin\ndiskID=1\ndiskInfoEnd"
    )
    assert kv.parse(body).as_dict() == {
        "garbage line": "",
        "key": "value",
        "diskInfo": [{"diskID": "1"}],
    }


def test_bare_end_markers_close_nested_loops() -> None:
    """``xxxEnd`` alone on a line closes its loop, at any depth."""
    body = (
        "AVStreamBegin=1\nstreamID=1\nAVStreamEncoderAbilityBegin=1\n"
        "streamEncoderType=1\nvideoResolutionBegin=1\nresolution=640*480\n"
        "videoResolutionEnd\nAVStreamEncoderAbilityEnd\nafter=inner\n"
        "next_AVStreamURL=2\nstreamID=2\nAVStreamEnd\ntail=root\n"
    )
    assert kv.parse(body).as_dict() == {
        "AVStream": [
            {
                "streamID": "1",
                "after": "inner",
                "AVStreamEncoderAbility": [
                    {
                        "streamEncoderType": "1",
                        "videoResolution": [{"resolution": "640*480"}],
                    }
                ],
            },
            {"streamID": "2"},
        ],
        "tail": "root",
    }


def test_marker_case_mismatch() -> None:
    """Begin/next/End markers match their loop whatever their case."""
    body = (
        "OSDCanvasBegin=1\ncanvasID=1\nosdinfobegin=1\nOSDType=4\nOSDINFOEND=1\n"
        "next_osdcanvasurl=2\ncanvasID=2\nosdcanvasEND=2\n"
    )
    parsed = kv.parse(body)
    canvases = parsed.loop("OSDCanvas")
    assert [c.get("canvasID") for c in canvases] == ["1", "2"]
    assert canvases[0].loop("OSDInfo")[0].get("OSDType") == "4"
    assert canvases[0].loop("osdINFO") == canvases[0].loop("osdinfo")
    assert canvases[1].loops == {}


def test_mismatched_marker_names() -> None:
    """``next_AVStreamEncoderURL`` continues ``AVStreamEncoderAbility``."""
    parsed = kv.parse(STREAM_ABILITY)
    abilities = parsed.loop("AVStream")[0].loop("AVStreamEncoderAbility")
    assert [a.get("streamEncoderType") for a in abilities] == ["8", "1"]
    assert "next_AVStreamEncoderURL" not in str(parsed.as_dict())


@pytest.mark.parametrize("suffix", ["NextURL", "NextFlag", "nexturl"])
def test_alternative_next_markers(suffix: str) -> None:
    """Some firmware writes ``<name>NextURL`` or ``<name>NextFlag``."""
    body = f"recordDirInfoBegin=1\ndiskName=a\nrecordDirInfo{suffix}=2\ndiskName=b\n"
    body += "recordDirInfoEnd=2\n"
    entries = kv.parse(body).loop("recordDirInfo")
    assert [e.get("diskName") for e in entries] == ["a", "b"]


def test_end_value_one_instead_of_count() -> None:
    """The End marker's number is ignored (firmware writes 1 for any count)."""
    body = DISK_INFO.replace("diskInfoEnd=2", "diskInfoEnd=1")
    assert kv.parse(body).as_dict() == DISKS_EXPECTED


def test_begin_value_two() -> None:
    """The Begin marker's number is ignored too."""
    body = DISK_INFO.replace("diskInfoBegin=1", "diskInfoBegin=2")
    assert kv.parse(body).as_dict() == DISKS_EXPECTED


def test_unknown_keys_are_kept() -> None:
    """Keys we do not know stay in the tree, at the root and in entries."""
    body = "reservedParam=0\n" + DISK_INFO.replace(
        "diskStatus=1", "diskStatus=1\nx_vendor=abc"
    )
    parsed = kv.parse(body)
    assert parsed.get("reservedParam") == "0"
    assert parsed.loop("diskInfo")[0].get("x_vendor") == "abc"


def test_invalid_utf8_is_replaced() -> None:
    """Bytes that are not UTF-8 become U+FFFD instead of an error."""
    parsed = kv.parse(b"deviceName=Cam\xff\xfe1\nmodel=caf\xc3\xa9\n")
    assert parsed.get("deviceName") == "Cam\ufffd\ufffd1"
    assert parsed.get("model") == "caf\u00e9"


@pytest.mark.parametrize("body", [b"", "", "\r\n\n", "   \n\t\n"])
def test_empty_body(body: bytes | str) -> None:
    """An empty reply is an empty block."""
    parsed = kv.parse(body)
    assert parsed == KVBlock()
    assert parsed.as_dict() == {}


def test_unmatched_markers() -> None:
    """A stray End/next with a value is a plain key; a bare one is dropped."""
    body = (
        "fooEnd=3\nnext_barURL=2\nbazEnd\nnext_quxURL\nkept=1\n"
        "diskInfoBegin=1\nweekEnd=6\nlegend\ndiskInfoEnd=1\n"
    )
    assert kv.parse(body).as_dict() == {
        "fooEnd": "3",
        "next_barURL": "2",
        "kept": "1",
        "diskInfo": [{"weekEnd": "6"}],
    }


@pytest.mark.parametrize("key", ["Begin", "End", "NextURL", "NextFlag", "next_URL"])
def test_marker_suffix_alone_is_a_plain_key(key: str) -> None:
    """A key that is only a marker suffix names no loop."""
    assert kv.parse(f"{key}=7\n").as_dict() == {key: "7"}


def test_missing_inner_end_is_closed_by_outer_marker() -> None:
    """An outer next/End closes inner loops that were never ended."""
    body = (
        "OSDCanvasBegin=1\ncanvasID=1\nOSDInfoBegin=1\nOSDType=4\n"
        "next_OSDCanvasURL=2\ncanvasID=2\nOSDInfoBegin=1\nOSDType=5\n"
        "OSDCanvasEnd=2\nafter=root\n"
    )
    assert kv.parse(body).as_dict() == {
        "OSDCanvas": [
            {"canvasID": "1", "OSDInfo": [{"OSDType": "4"}]},
            {"canvasID": "2", "OSDInfo": [{"OSDType": "5"}]},
        ],
        "after": "root",
    }


def test_value_with_equals_sign() -> None:
    """Only the first '=' separates key and value."""
    assert kv.parse("info=a=b\n").get("info") == "a=b"


def test_block_lookup_is_case_insensitive() -> None:
    """get/loop prefer the exact key, then any case, then the default."""
    block = KVBlock(
        values={"IPAddress": "1.2.3.4", "ipaddress": "5.6.7.8"},
        loops={"weekDay": [KVBlock()]},
    )
    assert block.get("IPAddress") == "1.2.3.4"
    assert block.get("ipaddress") == "5.6.7.8"
    assert block.get("IPADDRESS") == "1.2.3.4"
    assert block.get("missing") is None
    assert block.get("missing", "x") == "x"
    assert block.loop("weekDay") == [KVBlock()]
    assert block.loop("WEEKDAY") == [KVBlock()]
    assert block.loop("missing") == []


def test_block_helper() -> None:
    """kv.block converts values to text and keeps loops."""
    inner = kv.block({"flag": True})
    outer = kv.block({"n": 3}, inner=[inner])
    assert outer == KVBlock(
        values={"n": "3"}, loops={"inner": [KVBlock(values={"flag": "1"})]}
    )
    assert outer.as_dict() == {"n": "3", "inner": [{"flag": "1"}]}
