"""Firmware quirk switches (the auth and RTSP ones live with their topics)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.emulator import EmulatedCamera, kv

if TYPE_CHECKING:
    from .conftest import Api

ABILITY = {"action": "get", "type": "streamAbility", "cameraID": "1"}


async def test_crlf(api: Api, cam: EmulatedCamera) -> None:
    """CRLF line endings on key=value, OK and error replies; off again at once."""
    cam.quirks.crlf = True
    text = await api.text("param.cgi", {"action": "get", "type": "NTP"})
    assert text.startswith("enableFlag=1\r\nIPProtoVer=1\r\n")
    assert text.count("\n") == text.count("\r\n")
    assert (
        await api.text("param.cgi", {"action": "set", "type": "protocolSecurity"})
        == "OK\r\n"
    )
    assert (
        await api.text("param.cgi", {"action": "get", "type": "nope"})
        == "error\uff0creturn=-22\r\n"
    )
    cam.quirks.crlf = False
    assert "\r" not in await api.text("param.cgi", {"action": "get", "type": "NTP"})


@pytest.mark.parametrize(
    ("style", "body"),
    [
        ("plain", "error,return=-22\n"),
        ("capital", "Error,return=-22\n"),
        ("fullwidth", "error\uff0creturn=-22\n"),
    ],
)
async def test_error_styles(
    api: Api, cam: EmulatedCamera, style: str, body: str
) -> None:
    """The three error spellings seen in the field."""
    cam.quirks.error_style = style  # type: ignore[assignment]
    status, _, raw = await api.raw("param.cgi", {"action": "get", "type": "nope"})
    assert status == 200
    assert raw.decode() == body


def ability_of(node: kv.Node) -> dict[str | None, dict[str | None, list[str | None]]]:
    """StreamAbility as nested dicts."""
    return {
        stream.get("streamID"): {
            encoder.get("streamEncoderType"): [
                res.get("resolution") for res in encoder.loop("videoResolution") or []
            ]
            for encoder in stream.loop("AVStreamEncoderAbility") or []
        }
        for stream in node.loop("AVStream") or []
    }


async def test_stray_key_spaces(api: Api, cam: EmulatedCamera) -> None:
    """Some keys carry a space before '='; the content is unchanged."""
    plain = ability_of(kv.parse_text(await api.text("param.cgi", ABILITY)))
    cam.quirks.stray_key_spaces = True
    text = await api.text("param.cgi", ABILITY)
    assert "videoResolutionCount =2" in text.splitlines()
    assert "AVStreamCount =3" in text.splitlines()
    assert ability_of(kv.parse_text(text)) == plain
    info = await api.text("param.cgi", {"action": "get", "type": "deviceInfo"})
    assert "deviceName =" in info.splitlines()


async def test_odd_markers(api: Api, cam: EmulatedCamera) -> None:
    """Begin=2, End=1, lower-case next markers and bare End lines; same content."""
    plain = ability_of(kv.parse_text(await api.text("param.cgi", ABILITY)))
    cam.quirks.odd_markers = True
    lines = (await api.text("param.cgi", ABILITY)).splitlines()
    assert "AVStreamBegin=2" in lines
    assert "AVStreamEnd=1" in lines
    assert "next_avstreamurl=2" in lines
    assert "next_avstreamencoderurl=2" in lines
    assert "videoResolutionEnd" in lines
    assert ability_of(kv.parse_text("\n".join(lines))) == plain
    logs = await api.text(
        "param.cgi",
        {
            "action": "get",
            "type": "systemLogInfo",
            "startTime": "20000101000000",
            "endTime": "20991231000000",
            "logType": "-1",
        },
    )
    assert "SystemLogInfoEnd=1" in logs.splitlines()


async def test_extra_keys(api: Api, cam: EmulatedCamera) -> None:
    """Unknown keys appear at the top and inside loop entries."""
    cam.quirks.extra_keys = True
    node = kv.parse_text(
        await api.text("param.cgi", {"action": "get", "type": "deviceInfo"})
    )
    assert node.get("reservedParam") == "0"
    assert node.get("x_vendorBuild")
    assert node.get("productModel") == "ToughEye"
    disks = kv.parse_text(
        await api.text("param.cgi", {"action": "get", "type": "deviceDiskInfo"})
    ).loop("diskInfo")
    assert disks is not None
    assert all(disk.get("reserved") == "" for disk in disks)
    assert (
        await api.text("param.cgi", {"action": "set", "type": "protocolSecurity"})
        == "OK\n"
    )


async def test_all_quirks_together(api: Api, cam: EmulatedCamera) -> None:
    """Everything at once still parses back to the same data."""
    plain = ability_of(kv.parse_text(await api.text("param.cgi", ABILITY)))
    cam.quirks.crlf = cam.quirks.odd_markers = cam.quirks.stray_key_spaces = (
        cam.quirks.extra_keys
    ) = True
    assert ability_of(kv.parse_text(await api.text("param.cgi", ABILITY))) == plain
