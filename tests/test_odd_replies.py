"""Replies a real camera may give that ours does not: read as far as they go.

Each case rewrites the emulated camera's replies the way some firmware
writes them (a byte-order mark, a C string's NUL, a value far too long, a
loop entry listed twice, a key left out). The document says nothing of any of
them; nothing may break: no error in the log, no entity stuck, no made-up
value, and other entities unaffected.
"""

from __future__ import annotations

from collections.abc import Callable
import logging
from typing import TYPE_CHECKING

from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE, STATE_UNKNOWN
import pytest

from tests.emulator import Fault
from tests.emulator.device import Reply

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from tests.emulator import EmulatedCamera

    from .conftest import Poller

pytestmark = pytest.mark.usefixtures("entity_registry_enabled_by_default")

BOM = b"\xef\xbb\xbf"
BRIGHTNESS = "number.tougheye_brightness"

# (query of the request, the reply's body) -> the body sent instead.
Rewrite = Callable[[dict[str, str], bytes], bytes]


def _rewrite(camera: EmulatedCamera, rewrite: Rewrite) -> None:
    """Every text reply of the camera goes through ``rewrite``."""
    handle = camera.device.handle

    def rewritten(cgi: str, pairs: list[tuple[str, str]]) -> Reply:
        reply = handle(cgi, pairs)
        if reply.mjpeg is not None or not reply.content_type.startswith("text/"):
            return reply
        return Reply(
            body=rewrite(dict(pairs), reply.body),
            content_type=reply.content_type,
            status=reply.status,
            headers=reply.headers,
        )

    camera.device.handle = rewritten  # type: ignore[method-assign]


def _of_type(kind: str, change: Callable[[bytes], bytes]) -> Rewrite:
    """Change the replies to ``action=get&type=kind`` only."""
    return lambda query, body: (
        change(body)
        if query.get("type") == kind and query.get("action") == "get"
        else body
    )


async def _set_up(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.levelno >= logging.ERROR or record.exc_info
    ]


def _unavailable(hass: HomeAssistant) -> list[str]:
    return sorted(
        s.entity_id for s in hass.states.async_all() if s.state == STATE_UNAVAILABLE
    )


async def _set_brightness(hass: HomeAssistant, value: int) -> None:
    await hass.services.async_call(
        "number",
        "set_value",
        {ATTR_ENTITY_ID: BRIGHTNESS, "value": value},
        blocking=True,
    )


async def test_texts_longer_than_a_state_holds(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A camera name or a version of 300 characters (no length in the document).

    Home Assistant refuses a state over 255 characters: the text entity
    failed to be added and every later update raised, also out of other
    entities' service calls. A sensor shows the text cut; a text entity, which
    would send a cut text back, reads unknown.
    """
    _rewrite(
        camera,
        lambda _query, body: body.replace(
            b"cameraName=", b"cameraName=" + b"A" * 300
        ).replace(b"protocolVersion=", b"protocolVersion=" + b"9" * 300),
    )
    await _set_up(hass, config_entry)
    assert _errors(caplog) == []
    assert hass.states.get("text.tougheye_camera_name").state == STATE_UNKNOWN
    version = hass.states.get("sensor.tougheye_onvif_version").state
    assert len(version) == 255
    assert version.startswith("999")
    assert version.endswith("…")
    await _set_brightness(hass, 42)
    assert camera.state.sensor["brightness"].values["value"] == "42"


async def test_a_schedule_time_beyond_any_number_reads_unknown(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An hour of 4294967295 is no time (it raised OverflowError, not ValueError)."""
    _rewrite(
        camera,
        _of_type(
            "IOAlarm",
            lambda body: body.replace(b"TimeTwoHours=12", b"TimeTwoHours=4294967295"),
        ),
    )
    await _set_up(hass, config_entry)
    assert _errors(caplog) == []
    state = hass.states.get("time.tougheye_scheduled_self_clean_time_2")
    assert state.state == STATE_UNKNOWN
    await _set_brightness(hass, 42)


async def test_a_byte_order_mark_before_replies(
    hass: HomeAssistant, camera: EmulatedCamera, config_entry: MockConfigEntry
) -> None:
    """UTF-8 with a BOM: the first key, "error,return" and "OK" are read all the same.

    The first key of every reply was lost (24 entities unavailable, a
    default shown for a key that has one), a group the camera lacks was
    created and stayed unavailable, and a set the camera carried out read as
    failed.
    """
    camera.quirks.missing_types = frozenset({"mirror"})
    _rewrite(camera, lambda _query, body: BOM + body)
    await _set_up(hass, config_entry)
    assert _unavailable(hass) == []
    assert hass.states.get("switch.tougheye_flip_vertically") is None
    await _set_brightness(hass, 42)
    assert camera.state.sensor["brightness"].values["value"] == "42"
    assert float(hass.states.get(BRIGHTNESS).state) == 42


async def test_ok_ended_by_a_nul(
    hass: HomeAssistant, camera: EmulatedCamera, config_entry: MockConfigEntry
) -> None:
    """The set's "OK" written as a C string, NUL and all: it succeeded, and says so."""
    _rewrite(
        camera, lambda _query, body: body + b"\x00" if body.strip() == b"OK" else body
    )
    await _set_up(hass, config_entry)
    await _set_brightness(hass, 42)
    assert float(hass.states.get(BRIGHTNESS).state) == 42


async def test_one_group_answered_oddly_is_not_an_offline_camera(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    config_entry: MockConfigEntry,
    poll: Poller,
) -> None:
    """The alarm output, the only group due between full reads, answered malformed.

    Every read of a poll failed, so the camera was taken as offline and all
    its entities went unavailable: it answered, only that group is unreadable.
    """
    await _set_up(hass, config_entry)
    _rewrite(
        camera,
        _of_type(
            "alarmOut", lambda body: body.replace(b"alarmOutID=1", b"alarmOutID=0x1")
        ),
    )
    await poll(4)
    assert hass.states.get(BRIGHTNESS).state != STATE_UNAVAILABLE
    assert hass.states.get("sensor.tougheye_onvif_version").state != STATE_UNAVAILABLE


@pytest.mark.parametrize("status", [404, 503])
async def test_a_web_server_answering_only_errors_is_an_offline_camera(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    config_entry: MockConfigEntry,
    poll: Poller,
    status: int,
) -> None:
    """HTTP 404 or 503 to every request: another device, or the CGI is down.

    Not the camera's own answer: the camera is offline (all entities
    unavailable), as when nothing answers at all.
    """
    await _set_up(hass, config_entry)
    camera.inject(Fault("http_status", status=status, count=None))
    await poll(4)
    assert hass.states.get(BRIGHTNESS).state == STATE_UNAVAILABLE
    assert not config_entry.runtime_data.coordinator.last_update_success


def _listed_twice(loop: str) -> Callable[[bytes], bytes]:
    """The loop's first entry listed once more, after the others."""

    def change(body: bytes) -> bytes:
        lines = body.decode().split("\n")
        start = next(
            i for i, line in enumerate(lines) if line.startswith(f"{loop}Begin")
        )
        end = next(i for i, line in enumerate(lines) if line.startswith(f"{loop}End"))
        after = next(
            (i for i in range(start, end) if lines[i].startswith(f"next_{loop}URL")),
            end,
        )
        first = lines[start + 1 : after]
        return "\n".join(
            [*lines[:end], f"next_{loop}URL=9", *first, *lines[end:]]
        ).encode()

    return change


async def test_loop_entries_listed_twice_make_one_entity(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A stream or a disk listed twice: its entities once, no unique ID twice."""
    _rewrite(camera, _of_type("streamAbility", _listed_twice("AVStream")))
    _rewrite(camera, _of_type("deviceDiskInfo", _listed_twice("diskInfo")))
    await _set_up(hass, config_entry)
    assert _errors(caplog) == []
    assert "does not generate unique IDs" not in caplog.text
    assert hass.states.get("sensor.tougheye_disk_1_size") is not None


async def test_stream_values_left_out_are_unknown_not_zero(
    hass: HomeAssistant, camera: EmulatedCamera, config_entry: MockConfigEntry
) -> None:
    """No bitRate or iFrameInterval: unknown, not 0 (the document: 1-45)."""
    _rewrite(
        camera,
        _of_type(
            "AVStream",
            lambda body: b"\n".join(
                line
                for line in body.split(b"\n")
                if not line.startswith((b"bitRate=", b"iFrameInterval="))
            ),
        ),
    )
    await _set_up(hass, config_entry)
    for entity in ("i_frame_interval", "bit_rate"):
        state = hass.states.get(f"number.tougheye_stream_1_{entity}")
        assert state.state == STATE_UNKNOWN
        assert state.attributes["min"] == 1


@pytest.mark.parametrize(("flag", "state"), [(b"true", "on"), (b"false", "off")])
async def test_protocol_security_as_a_word(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    config_entry: MockConfigEntry,
    flag: bytes,
    state: str,
) -> None:
    """protocolSecurityFlag=true, read as every other flag is (the vendor's form)."""
    _rewrite(
        camera,
        _of_type(
            "protocolSecurity",
            lambda body: body.replace(
                b"protocolSecurityFlag=1", b"protocolSecurityFlag=" + flag
            ).replace(b"protocolSecurityFlag=0", b"protocolSecurityFlag=" + flag),
        ),
    )
    await _set_up(hass, config_entry)
    assert hass.states.get("switch.tougheye_onvif_authentication").state == state
