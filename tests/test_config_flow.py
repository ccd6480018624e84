"""Config flow: user, DHCP, reauth, reconfigure and options, against the emulator."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_DHCP, SOURCE_USER, ConfigEntryState
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
import pytest

from custom_components.excelsense.config_flow import normalize_host
from custom_components.excelsense.const import (
    CONF_AUTO_CLEAN_MAX_PER_DAY,
    CONF_LENS_INTERVAL,
    CONF_LIVE_VIEW_STREAM,
    CONF_MOTION_CHECK_INTERVAL,
    CONF_MOTION_SOURCE,
    CONF_RTSP_TRANSPORT,
    CONF_SNAPSHOT_QUALITY,
    DOMAIN,
)
from custom_components.excelsense.options import ExcelSenseOptions
from tests.emulator import EmulatedCamera, Fault

from .conftest import MAC, PASSWORD, UNIQUE_ID, USERNAME

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry


def _user_input(camera: EmulatedCamera, **overrides: object) -> dict[str, object]:
    """The form's input; HTTPS options sit in their collapsed section."""
    return {
        "host": "127.0.0.1",
        "port": camera.port,
        "username": USERNAME,
        "password": PASSWORD,
        "https": {"ssl": False, "verify_ssl": True},
        **overrides,
    }


async def test_user_flow_creates_entry(
    hass: HomeAssistant, camera: EmulatedCamera
) -> None:
    """A camera added by hand is validated and stored under its MAC."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _user_input(camera)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == UNIQUE_ID
    assert result["data"]["password"] == PASSWORD
    # Stored flat, whatever section the form shows them in.
    assert (result["data"]["ssl"], result["data"]["verify_ssl"]) == (False, True)
    assert result["title"]


@pytest.mark.parametrize(
    "host",
    [
        "http://127.0.0.1",
        "127.0.0.1:80",
        "127.0.0.1/cgi-bin",
        "127.0.0 .1",
        "[127.0.0.1",
        "cam era.local",
        "-camera.local",
        "",
        "   ",
    ],
)
async def test_user_flow_invalid_host(
    hass: HomeAssistant, camera: EmulatedCamera, host: str
) -> None:
    """A URL, a port, a path, spaces or brackets: a translated error, nothing sent."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}, data=_user_input(camera, host=host)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"host": "invalid_host"}
    assert camera.requests == []


@pytest.mark.parametrize(("typed", "stored"), [(" 127.0.0.1 ", "127.0.0.1")])
async def test_user_flow_trims_the_host(
    hass: HomeAssistant, camera: EmulatedCamera, typed: str, stored: str
) -> None:
    """What is unambiguous is normalised: surrounding spaces go."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}, data=_user_input(camera, host=typed)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["host"] == stored


def test_host_normalisation() -> None:
    """IPv6 literals lose their brackets; host names are kept as typed."""
    assert normalize_host("[::1]") == "::1"
    assert normalize_host(" Camera-1.Local. ") == "Camera-1.Local."
    assert normalize_host("fe80::1%eth0") == "fe80::1%eth0"
    assert normalize_host("[::1]:80") is None
    assert normalize_host("a" * 64 + ".local") is None


@pytest.mark.parametrize("username", ["", "  "])
async def test_user_flow_needs_a_username(
    hass: HomeAssistant, camera: EmulatedCamera, username: str
) -> None:
    """An empty username is refused in the form, before anything is sent."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_USER},
        data=_user_input(camera, username=username),
    )
    assert result["errors"] == {"username": "username_required"}
    assert camera.requests == []


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"password": "wrong"}, "invalid_auth"),
        ({"username": "nobody"}, "invalid_auth"),
        ({"port": 1}, "cannot_connect"),
    ],
)
async def test_user_flow_errors_then_recovers(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    overrides: dict[str, object],
    error: str,
) -> None:
    """Each error is shown on the form, and fixing the input creates the entry."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _user_input(camera, **overrides)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _user_input(camera)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_user_flow_checks_credentials_not_only_device_info(
    hass: HomeAssistant, camera: EmulatedCamera
) -> None:
    """Firmware that answers deviceInfo without a login must not fool the flow."""
    camera.quirks.device_info_without_auth = True
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}, data=_user_input(camera, password="x")
    )
    assert result["errors"] == {"base": "invalid_auth"}


async def test_user_flow_http_401_is_invalid_auth(
    hass: HomeAssistant, camera: EmulatedCamera
) -> None:
    """Firmware answering a bad login with HTTP 401 is understood too."""
    camera.quirks.auth_failure = "http401"
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}, data=_user_input(camera, password="x")
    )
    assert result["errors"] == {"base": "invalid_auth"}


async def test_user_flow_permission_denied(
    hass: HomeAssistant, camera: EmulatedCamera
) -> None:
    """A non-admin account is explained, not mistaken for a bad password."""
    camera.inject(Fault(kind="error", code=-512, path="param.cgi", count=1))
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}, data=_user_input(camera)
    )
    assert result["errors"] == {"base": "permission_denied"}


async def test_user_flow_https_only_camera(
    hass: HomeAssistant, camera: EmulatedCamera
) -> None:
    """A camera that sends plain HTTP on to HTTPS asks for HTTPS, not the address."""
    camera.inject(
        Fault(
            kind="http_status",
            status=301,
            location="https://127.0.0.1{path}?{query}",
        )
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}, data=_user_input(camera)
    )
    assert result["errors"] == {"base": "https_required"}
    assert camera.requests, "the camera was asked"
    assert PASSWORD not in str(result)


async def test_user_flow_unknown_error(
    hass: HomeAssistant, camera: EmulatedCamera
) -> None:
    """An unexpected exception becomes 'unknown', then the flow recovers."""
    with patch(
        "custom_components.excelsense.api.ExcelSenseClient.device_info",
        side_effect=RuntimeError("boom"),
    ):
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_USER}, data=_user_input(camera)
        )
    assert result["errors"] == {"base": "unknown"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _user_input(camera)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_user_flow_already_configured(
    hass: HomeAssistant, camera: EmulatedCamera, config_entry: MockConfigEntry
) -> None:
    """The same camera twice is refused."""
    config_entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}, data=_user_input(camera)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_adding_a_known_camera_at_its_new_port_updates_its_entry(
    hass: HomeAssistant, camera: EmulatedCamera, config_entry: MockConfigEntry
) -> None:
    """Added again where it now answers: the entry takes that address.

    The port (and HTTPS) the flow just reached it at, not the host alone: an
    entry with the new host and the old port reached nothing.
    """
    config_entry.add_to_hass(hass)
    async with EmulatedCamera(username=USERNAME, password=PASSWORD, mac=MAC) as moved:
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_USER}, data=_user_input(moved)
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "already_configured"
        assert config_entry.data["port"] == moved.port
        assert config_entry.data["password"] == PASSWORD
        await hass.async_block_till_done()


@pytest.mark.parametrize(
    "mac", ["", "unknown", "00:00:00:00:00:00", "FF-FF-FF-FF-FF-FF"]
)
async def test_a_camera_without_a_usable_mac_is_refused(
    hass: HomeAssistant,
    camera: EmulatedCamera,
    init_integration: MockConfigEntry,
    mac: str,
) -> None:
    """No MAC, or a placeholder one, is no identity (adding, reconfiguring).

    Stored as it came, it made a unique id "" that a second such camera
    shared, and a title with a trailing space.
    """
    camera.state.device_info.values["MACAddress"] = mac
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}, data=_user_input(camera)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "no_mac"}
    result = await init_integration.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _user_input(camera)
    )
    assert result["errors"] == {"base": "no_mac"}
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


def _dhcp(ip: str = "127.0.0.1") -> DhcpServiceInfo:
    return DhcpServiceInfo(ip=ip, hostname="tougheye", macaddress="001c27159356")


async def test_dhcp_discovery_confirm(
    hass: HomeAssistant, camera: EmulatedCamera
) -> None:
    """A discovered camera asks for credentials and is added."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=_dhcp()
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "dhcp_confirm"
    credentials = {k: v for k, v in _user_input(camera).items() if k != "host"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**credentials, "password": "wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["host"] == "127.0.0.1"
    assert result["result"].unique_id == UNIQUE_ID


# An address no test ever contacts (TEST-NET-1): where the camera was before.
OLD_ADDRESS = "192.0.2.10"


async def test_dhcp_known_camera_follows_after_checking_its_mac(
    hass: HomeAssistant, camera: EmulatedCamera, config_entry: MockConfigEntry
) -> None:
    """A known camera at a new address is followed once it answers with its MAC."""
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, data={**config_entry.data, "host": OLD_ADDRESS}
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=_dhcp("127.0.0.1")
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert config_entry.data["host"] == "127.0.0.1"
    assert [r.get("type") for r in camera.requests] == ["deviceInfo"]
    await hass.async_block_till_done()


async def test_dhcp_does_not_follow_another_device(
    hass: HomeAssistant, camera: EmulatedCamera, config_entry: MockConfigEntry
) -> None:
    """A device with another MAC at the discovered address is left alone."""
    camera.state.device_info.values["MACAddress"] = "00:1C:27:AA:BB:CC"
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, data={**config_entry.data, "host": OLD_ADDRESS}
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=_dhcp("127.0.0.1")
    )
    assert result["reason"] == "already_configured"
    assert config_entry.data["host"] == OLD_ADDRESS


async def test_dhcp_keeps_a_configured_host_name(
    hass: HomeAssistant, camera: EmulatedCamera, config_entry: MockConfigEntry
) -> None:
    """A host name the user typed is never replaced by an address."""
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, data={**config_entry.data, "host": "Gate-Camera.local"}
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=_dhcp("127.0.0.1")
    )
    assert result["reason"] == "already_configured"
    assert config_entry.data["host"] == "Gate-Camera.local"
    assert camera.requests == []


async def test_reauth(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """A new password on the device is taken in by reauth."""
    result = await init_integration.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"username": USERNAME, "password": "wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"username": USERNAME, "password": PASSWORD}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"


async def test_reconfigure(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """The same camera, now on another port, is taken over by reconfigure."""
    async with EmulatedCamera(username=USERNAME, password=PASSWORD, mac=MAC) as moved:
        result = await init_integration.start_reconfigure_flow(hass)
        assert result["step_id"] == "reconfigure"
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], _user_input(moved)
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "reconfigure_successful"
        assert init_integration.data["port"] == moved.port
        await hass.async_block_till_done()


async def test_reconfigure_refuses_other_camera(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """Pointing an entry at a different camera is refused."""
    camera.state.device_info.values["MACAddress"] = "00:1C:27:AA:BB:CC"
    result = await init_integration.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _user_input(camera)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_device"


async def test_reconfigure_error_then_recovers(
    hass: HomeAssistant, camera: EmulatedCamera, init_integration: MockConfigEntry
) -> None:
    """A wrong port shows cannot_connect and the form stays open."""
    result = await init_integration.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _user_input(camera, port=1)
    )
    assert result["errors"] == {"base": "cannot_connect"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _user_input(camera)
    )
    assert result["reason"] == "reconfigure_successful"


async def test_options(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    """Options are stored and offer the camera's streams."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_SNAPSHOT_QUALITY: 5,
            CONF_LIVE_VIEW_STREAM: "2",
            CONF_RTSP_TRANSPORT: "udp",
            CONF_MOTION_SOURCE: "alarm_log",
            CONF_LENS_INTERVAL: 30,
            CONF_AUTO_CLEAN_MAX_PER_DAY: 2,
            CONF_MOTION_CHECK_INTERVAL: 10,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert init_integration.options == {
        CONF_SNAPSHOT_QUALITY: 5,
        CONF_LIVE_VIEW_STREAM: 2,
        CONF_RTSP_TRANSPORT: "udp",
        CONF_MOTION_SOURCE: "alarm_log",
        CONF_LENS_INTERVAL: 30,
        CONF_AUTO_CLEAN_MAX_PER_DAY: 2,
        CONF_MOTION_CHECK_INTERVAL: 10,
    }


@pytest.mark.usefixtures("short_timeouts")
async def test_options_while_the_camera_is_away_keep_the_stream(
    hass: HomeAssistant, camera: EmulatedCamera, config_entry: MockConfigEntry
) -> None:
    """The options form saves while the camera is not loaded.

    Its streams are unknown then: every stream a camera may have is offered,
    so the stored choice (2) stays selectable and is kept as it was.
    """
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, options={CONF_LIVE_VIEW_STREAM: 2}
    )
    await camera.stop()
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    result = await hass.config_entries.options.async_init(config_entry.entry_id)
    shown = {str(key): key.default() for key in result["data_schema"].schema}
    assert shown[CONF_LIVE_VIEW_STREAM] == "2"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**shown, CONF_SNAPSHOT_QUALITY: 5}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert config_entry.options[CONF_LIVE_VIEW_STREAM] == 2
    assert config_entry.options[CONF_SNAPSHOT_QUALITY] == 5


@pytest.mark.parametrize("bad", ["nan", 2.5])
async def test_options_refuse_what_is_not_a_whole_number(
    hass: HomeAssistant, init_integration: MockConfigEntry, bad: object
) -> None:
    """NaN passes the form's range check: refused with a translated error.

    Nothing is stored until every number is whole and in range.
    """
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    good = {
        CONF_SNAPSHOT_QUALITY: 5,
        CONF_LIVE_VIEW_STREAM: "1",
        CONF_RTSP_TRANSPORT: "tcp",
        CONF_MOTION_SOURCE: "auto",
        CONF_LENS_INTERVAL: 30,
        CONF_AUTO_CLEAN_MAX_PER_DAY: 2,
        CONF_MOTION_CHECK_INTERVAL: 10,
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**good, CONF_LENS_INTERVAL: bad}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_LENS_INTERVAL: "invalid_number"}
    assert init_integration.options == {}
    result = await hass.config_entries.options.async_configure(result["flow_id"], good)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert init_integration.options[CONF_LENS_INTERVAL] == 30


@pytest.mark.parametrize("bad", ["inf", "-inf"])
async def test_options_infinities_are_refused_by_the_form(
    hass: HomeAssistant, init_integration: MockConfigEntry, bad: str
) -> None:
    """The form's own range check refuses the infinities; nothing is stored."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    with pytest.raises(InvalidData):
        await hass.config_entries.options.async_configure(
            result["flow_id"],
            {
                CONF_SNAPSHOT_QUALITY: 5,
                CONF_LIVE_VIEW_STREAM: "1",
                CONF_RTSP_TRANSPORT: "tcp",
                CONF_MOTION_SOURCE: "auto",
                CONF_LENS_INTERVAL: bad,
                CONF_AUTO_CLEAN_MAX_PER_DAY: 2,
                CONF_MOTION_CHECK_INTERVAL: 10,
            },
        )
    assert init_integration.options == {}


def test_stored_options_that_cannot_be_read_are_defaults() -> None:
    """An option edited by hand (or unreadable) falls back to its default."""
    options = ExcelSenseOptions.from_options(
        {
            CONF_SNAPSHOT_QUALITY: "١٢",  # Arabic-Indic digits: not a number here
            CONF_LIVE_VIEW_STREAM: 9,
            CONF_RTSP_TRANSPORT: "carrier pigeon",
            CONF_LENS_INTERVAL: float("nan"),
            CONF_AUTO_CLEAN_MAX_PER_DAY: True,
            CONF_MOTION_CHECK_INTERVAL: "7",
        }
    )
    assert options == ExcelSenseOptions(motion_check_interval=timedelta(seconds=7))
