"""Every setting entity: set -> device -> refresh shows it; bad input sends nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.exceptions import ServiceValidationError
import pytest

from tests.emulator import EmulatedCamera

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry

pytestmark = pytest.mark.usefixtures("entity_registry_enabled_by_default")

Read = Callable[[EmulatedCamera], Any]


def _value(section: str, key: str) -> Read:
    return lambda cam: getattr(cam.state, section).values[key]


def _sensor(name: str, key: str = "value") -> Read:
    return lambda cam: cam.state.sensor[name].values[key]


def _stream(stream_id: int, key: str) -> Read:
    return lambda cam: cam.state.streams[stream_id].values[key]


def _linkage_types(cam: EmulatedCamera) -> list[str]:
    return sorted(e["ActionType"] for e in cam.state.motion_alarm.loops["AlarmLinkage"])


# (entity, domain, service, data, read from the emulator, expected, expected state)
CASES = [
    pytest.param(
        "time.tougheye_scheduled_self_clean_time_2",
        "time",
        "set_value",
        {"time": "17:45:00"},
        lambda cam: (
            cam.state.io_alarm.values["TimeTwoHours"],
            cam.state.io_alarm.values["TimeTwoMinutes"],
        ),
        ("17", "45"),
        "17:45:00",
        id="time.tougheye_scheduled_self_clean_time_2",
    ),
    pytest.param(
        "switch.tougheye_motion_detection",
        "switch",
        "turn_on",
        {},
        _value("motion_alarm", "motionDetectionEnableFlag"),
        "1",
        "on",
        id="switch.tougheye_motion_detection",
    ),
    pytest.param(
        "switch.tougheye_scheduled_recording",
        "switch",
        "turn_on",
        {},
        _value("record_policy", "RecordOpenFlag"),
        "1",
        "on",
        id="switch.tougheye_scheduled_recording",
    ),
    pytest.param(
        "switch.tougheye_record_audio",
        "switch",
        "turn_off",
        {},
        _value("record_policy", "AudioOpenFlag"),
        "0",
        "off",
        id="switch.tougheye_record_audio",
    ),
    pytest.param(
        "switch.tougheye_time_sync_ntp",
        "switch",
        "turn_off",
        {},
        _value("ntp", "enableFlag"),
        "0",
        "off",
        id="switch.tougheye_time_sync_ntp",
    ),
    pytest.param(
        "switch.tougheye_flip_vertically",
        "switch",
        "turn_off",
        {},
        _sensor("mirror", "vertical"),
        "0",
        "off",
        id="switch.tougheye_flip_vertically",
    ),
    pytest.param(
        "switch.tougheye_flip_horizontally",
        "switch",
        "turn_off",
        {},
        _sensor("mirror", "horizontal"),
        "0",
        "off",
        id="switch.tougheye_flip_horizontally",
    ),
    pytest.param(
        "switch.tougheye_overlay_inverse_colors",
        "switch",
        "turn_off",
        {},
        _value("osd", "inverseFlag"),
        "0",
        "off",
        id="switch.tougheye_overlay_inverse_colors",
    ),
    pytest.param(
        "switch.tougheye_disk_full_alarm",
        "switch",
        "turn_off",
        {},
        _value("disk_alarm", "diskFullAlarmCheckFlag"),
        "0",
        "off",
        id="switch.tougheye_disk_full_alarm",
    ),
    pytest.param(
        "switch.tougheye_disk_error_alarm",
        "switch",
        "turn_on",
        {},
        _value("disk_alarm", "diskErrorAlarmCheckFlag"),
        "1",
        "on",
        id="switch.tougheye_disk_error_alarm",
    ),
    pytest.param(
        "switch.tougheye_no_disk_alarm",
        "switch",
        "turn_on",
        {},
        _value("disk_alarm", "NoDiskAlarmEnableFlag"),
        "1",
        "on",
        id="switch.tougheye_no_disk_alarm",
    ),
    pytest.param(
        "switch.tougheye_onvif_authentication",
        "switch",
        "turn_off",
        {},
        _value("protocol_security", "protocolSecurityFlag"),
        "0",
        "off",
        id="switch.tougheye_onvif_authentication",
    ),
    pytest.param(
        "switch.tougheye_timed_self_clean",
        "switch",
        "turn_on",
        {},
        _value("io_alarm", "TimedSelfClean"),
        "true",
        "on",
        id="switch.tougheye_timed_self_clean",
    ),
    pytest.param(
        "switch.tougheye_scheduled_self_clean",
        "switch",
        "turn_on",
        {},
        _value("io_alarm", "ScheduledSelfClean"),
        "true",
        "on",
        id="switch.tougheye_scheduled_self_clean",
    ),
    pytest.param(
        "number.tougheye_brightness",
        "number",
        "set_value",
        {"value": 42},
        _sensor("brightness"),
        "42",
        "42",
        id="number.tougheye_brightness",
    ),
    pytest.param(
        "number.tougheye_contrast",
        "number",
        "set_value",
        {"value": 43},
        _sensor("contrast"),
        "43",
        "43",
        id="number.tougheye_contrast",
    ),
    pytest.param(
        "number.tougheye_hue",
        "number",
        "set_value",
        {"value": 44},
        _sensor("hue"),
        "44",
        "44",
        id="number.tougheye_hue",
    ),
    pytest.param(
        "number.tougheye_saturation",
        "number",
        "set_value",
        {"value": 45},
        _sensor("saturation"),
        "45",
        "45",
        id="number.tougheye_saturation",
    ),
    pytest.param(
        "number.tougheye_sharpness",
        "number",
        "set_value",
        {"value": 46},
        _sensor("sharpness"),
        "46",
        "46",
        id="number.tougheye_sharpness",
    ),
    pytest.param(
        "number.tougheye_motion_sensitivity",
        "number",
        "set_value",
        {"value": 7},
        _value("motion_alarm", "sensitivity"),
        "7",
        "7",
        id="number.tougheye_motion_sensitivity",
    ),
    pytest.param(
        "number.tougheye_motion_alarm_interval",
        "number",
        "set_value",
        {"value": 120},
        _value("motion_alarm", "alarmInterval"),
        "120",
        "120",
        id="number.tougheye_motion_alarm_interval",
    ),
    pytest.param(
        "number.tougheye_recording_retention",
        "number",
        "set_value",
        {"value": 30},
        _value("record_policy", "SaveDays"),
        "30",
        "30",
        id="number.tougheye_recording_retention",
    ),
    pytest.param(
        "number.tougheye_timed_self_clean_interval",
        "number",
        "set_value",
        {"value": 90},
        _value("io_alarm", "TimeInterval"),
        "90",
        "90",
        id="number.tougheye_timed_self_clean_interval",
    ),
    pytest.param(
        "number.tougheye_stream_1_frame_rate",
        "number",
        "set_value",
        {"value": 15},
        _stream(1, "frameRate"),
        "15",
        "15",
        id="number.tougheye_stream_1_frame_rate",
    ),
    pytest.param(
        "number.tougheye_stream_1_bit_rate",
        "number",
        "set_value",
        {"value": 2048},
        _stream(1, "bitRate"),
        "2048",
        "2048",
        id="number.tougheye_stream_1_bit_rate",
    ),
    pytest.param(
        "number.tougheye_stream_2_i_frame_interval",
        "number",
        "set_value",
        {"value": 20},
        _stream(2, "iFrameInterval"),
        "20",
        "20",
        id="number.tougheye_stream_2_i_frame_interval",
    ),
    pytest.param(
        "select.tougheye_overlay_font_color",
        "select",
        "select_option",
        {"option": "cyan"},
        _value("osd", "fontColor"),
        "7",
        "cyan",
        id="select.tougheye_overlay_font_color",
    ),
    pytest.param(
        "select.tougheye_overlay_transparency",
        "select",
        "select_option",
        {"option": "translucent"},
        _value("osd", "alpha"),
        "2",
        "translucent",
        id="select.tougheye_overlay_transparency",
    ),
    pytest.param(
        "text.tougheye_device_name",
        "text",
        "set_value",
        {"value": "Gate cam"},
        _value("device_info", "deviceName"),
        "Gate cam",
        "Gate cam",
        id="text.tougheye_device_name",
    ),
    pytest.param(
        "text.tougheye_camera_name",
        "text",
        "set_value",
        {"value": "Gate"},
        _value("camera_info", "cameraName"),
        "Gate",
        "Gate",
        id="text.tougheye_camera_name",
    ),
]


@pytest.mark.parametrize(
    ("entity_id", "domain", "service", "data", "read", "expected", "state"),
    CASES,
)
async def test_setter_changes_device_and_state(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    entity_id: str,
    domain: str,
    service: str,
    data: dict[str, Any],
    read: Read,
    expected: Any,  # noqa: ANN401 - a string or a tuple of strings
    state: str,
) -> None:
    """The device holds the new value and the entity shows it at once."""
    assert hass.states.get(entity_id) is not None, entity_id
    await hass.services.async_call(
        domain, service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True
    )
    assert read(camera) == expected
    assert hass.states.get(entity_id).state == state


async def test_stream_selects_offer_only_stream_ability(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """Resolution options come from streamAbility for the current encoder."""
    entity_id = "select.tougheye_stream_1_resolution"
    options = hass.states.get(entity_id).attributes["options"]
    encoder = int(camera.state.streams[1].values["videoEncoderType"])
    assert options == camera.state.stream_ability[1][encoder]
    new = next(o for o in options if o != hass.states.get(entity_id).state)
    await hass.services.async_call(
        "select",
        "select_option",
        {ATTR_ENTITY_ID: entity_id, "option": new},
        blocking=True,
    )
    assert camera.state.streams[1].values["resolution"] == new
    encoders = hass.states.get("select.tougheye_stream_2_encoder").attributes["options"]
    assert encoders
    assert set(encoders) <= {"h264", "mjpeg", "h264_main", "h264_high", "h265_main"}


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_an_encoder_comes_with_a_resolution_it_offers(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """Stream 3 at 640*360 (MJPEG only) to H.264: the nearest H.264 size goes too.

    streamAbility lists the resolutions of each encoder; the camera refuses
    an encoder with a resolution it does not offer for it. A size the new
    encoder offers too is left as it is.
    """
    encoder = "select.tougheye_stream_3_encoder"
    resolution = "select.tougheye_stream_3_resolution"
    await hass.services.async_call(
        "select",
        "select_option",
        {ATTR_ENTITY_ID: resolution, "option": "640*360"},
        blocking=True,
    )
    await hass.services.async_call(
        "select",
        "select_option",
        {ATTR_ENTITY_ID: encoder, "option": "h264"},
        blocking=True,
    )
    values = camera.state.streams[3].values
    assert (values["videoEncoderType"], values["resolution"]) == ("1", "320*180")
    assert hass.states.get(encoder).state == "h264"
    assert hass.states.get(resolution).state == "320*180"
    camera.clear_requests()
    await hass.services.async_call(
        "select",
        "select_option",
        {ATTR_ENTITY_ID: encoder, "option": "mjpeg"},
        blocking=True,
    )
    (sent,) = [r for r in camera.requests if r.get("action") == "set"]
    assert sent.get("resolution") is None
    assert values["resolution"] == "320*180"


async def test_osd_text_changes_only_canvas_2(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """The overlay text lands on canvas 2; canvases 1 and 3 stay as they were."""
    before = {c.values.get("canvasID"): c for c in camera.state.osd_canvases}
    untouched = {
        k: (dict(v.values), dict(v.loops)) for k, v in before.items() if k != "2"
    }
    await hass.services.async_call(
        "text",
        "set_value",
        {ATTR_ENTITY_ID: "text.tougheye_overlay_text", "value": "North gate"},
        blocking=True,
    )
    after = {c.values.get("canvasID"): c for c in camera.state.osd_canvases}
    assert {
        k: (dict(v.values), dict(v.loops)) for k, v in after.items() if k != "2"
    } == untouched
    texts = [i["info"] for i in after["2"].loops["OSDInfo"] if i["OSDType"] == "5"]
    assert texts == ["North gate"]
    assert hass.states.get("text.tougheye_overlay_text").state == "North gate"


async def test_self_clean_on_motion_keeps_other_linkages(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """Read-modify-write on a fresh read: areas, schedule, the record linkage."""
    motion = camera.state.motion_alarm
    motion.loops["AlarmLinkage"] = [{"ActionID": "1", "ActionType": "4"}]
    motion.loops["motionDetectionArea"] = [
        {"topX": "10", "topY": "20", "width": "30", "height": "40"}
    ]
    areas = [dict(a) for a in motion.loops["motionDetectionArea"]]
    schedule = [dict(d) for d in motion.loops.get("weekDay", [])]
    # Changed behind Home Assistant's back: the switch reads fresh before writing.
    entity_id = "switch.tougheye_self_clean_on_motion"
    assert hass.states.get(entity_id).state == "off"
    await hass.services.async_call(
        "switch", "turn_on", {ATTR_ENTITY_ID: entity_id}, blocking=True
    )
    assert _linkage_types(camera) == ["1", "4"]
    assert hass.states.get(entity_id).state == "on"
    await hass.services.async_call(
        "number",
        "set_value",
        {ATTR_ENTITY_ID: "number.tougheye_motion_sensitivity", "value": 3},
        blocking=True,
    )
    await hass.services.async_call(
        "switch", "turn_off", {ATTR_ENTITY_ID: entity_id}, blocking=True
    )
    assert _linkage_types(camera) == ["4"]
    assert [dict(a) for a in motion.loops["motionDetectionArea"]] == areas
    assert [dict(d) for d in motion.loops.get("weekDay", [])] == schedule


@pytest.mark.parametrize(
    ("domain", "service", "entity_id", "data"),
    [
        # "deviceName ... Disallows: ` < > % & \\ " / , ' ; ="
        pytest.param(
            "text",
            "set_value",
            "text.tougheye_device_name",
            {"value": "a/b"},
            id="device-name-slash",
        ),
        # Line breaks would break the camera's key=value replies.
        pytest.param(
            "text",
            "set_value",
            "text.tougheye_camera_name",
            {"value": "x\ny"},
            id="camera-name-newline",
        ),
        pytest.param(
            "text",
            "set_value",
            "text.tougheye_camera_name",
            {"value": "del\x7f"},
            id="camera-name-del",
        ),
        pytest.param(
            "text",
            "set_value",
            "text.tougheye_device_name",
            {"value": "a\u2028b"},
            id="device-name-line-separator",
        ),
        # OSD text watermark info: "Cannot include: ` < > % & \\ " / , ' ; ="
        pytest.param(
            "text",
            "set_value",
            "text.tougheye_overlay_text",
            {"value": "<b>"},
            id="overlay-text-angle",
        ),
        pytest.param(
            "number",
            "set_value",
            "number.tougheye_brightness",
            {"value": 10.5},
            id="brightness-fraction",
        ),
        pytest.param(
            "select",
            "select_option",
            "select.tougheye_stream_1_resolution",
            {"option": "1*1"},
            id="resolution-not-offered",
        ),
    ],
)
async def test_invalid_input_sends_nothing(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    domain: str,
    service: str,
    entity_id: str,
    data: dict[str, Any],
) -> None:
    """Refused before sending, with a translated validation error."""
    camera.clear_requests()
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(
            domain, service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True
        )
    assert raised.value.translation_key
    assert [r for r in camera.requests if r.get("action") == "set"] == []


async def test_validation_error_names_the_entity(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """The message names what the user touched, not the API field behind it."""
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(
            "text",
            "set_value",
            {ATTR_ENTITY_ID: "text.tougheye_overlay_text", "value": "bad&char"},
            blocking=True,
        )
    # Translated as a whole: no English reason inside another language.
    assert raised.value.translation_key == "invalid_forbidden"
    assert raised.value.translation_placeholders == {
        "field": "Overlay text",
        "characters": "&",
    }
    assert str(raised.value) == "Overlay text must not contain these characters: &"
