"""Config flow: user, DHCP discovery, reauth and reconfigure (options: options_flow)."""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlow
from homeassistant.const import (
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_SSL,
    CONF_USERNAME,
)
from homeassistant.core import callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers.device_registry import format_mac
from homeassistant.helpers.selector import (
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import voluptuous as vol

from .api import DeviceInfo, ExcelSenseError, ExcelSenseNotSupportedError
from .const import (
    CONF_VERIFY_SSL,
    DEFAULT_PORT,
    DOMAIN,
    LOGGER,
)
from .errors import flow_error
from .options_flow import ExcelSenseOptionsFlow
from .session import create_client

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

    from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo

    from .api import ExcelSenseClient
    from .data import ExcelSenseConfigEntry

_PASSWORD = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
# The HTTPS options live in a collapsed section: most cameras serve plain HTTP.
HTTPS_SECTION = "https"
# A host name: labels of letters, digits and hyphens (RFC 1123), 253 at most.
_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
_NAME_LENGTH = 253


def normalize_host(text: str) -> str | None:
    """The host as typed, trimmed; an IPv6 literal loses its brackets.

    None for anything else than an IP address or a host name: a URL, a
    port, a path, spaces or stray brackets.
    """
    host = text.strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if _is_ip(host):
        return host
    name = host.removesuffix(".")
    labels = name.split(".")
    if len(name) <= _NAME_LENGTH and all(_LABEL.fullmatch(part) for part in labels):
        return host
    return None


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


# Where a camera is reached: what a new flow for a known camera updates.
_ADDRESS = (CONF_HOST, CONF_PORT, CONF_SSL, CONF_VERIFY_SSL)
_MAC = re.compile(r"(?:[0-9a-f]{2}:){5}[0-9a-f]{2}")


def _unique_id(info: DeviceInfo) -> str | None:
    """The camera's MAC as its unique id; None for none, or a placeholder."""
    mac = format_mac(info.mac_address)
    if not _MAC.fullmatch(mac) or mac in ("00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff"):
        return None
    return mac


def _flatten(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Entry data from a form: the HTTPS section's fields at the top level."""
    data = {k: v for k, v in user_input.items() if k != HTTPS_SECTION}
    data.update(user_input.get(HTTPS_SECTION, {}))
    return data


def _nest(data: Mapping[str, Any]) -> dict[str, Any]:
    """Form defaults from entry data (the HTTPS fields in their section)."""
    nested = {k: v for k, v in data.items() if k not in (CONF_SSL, CONF_VERIFY_SSL)}
    nested[HTTPS_SECTION] = {
        CONF_SSL: data.get(CONF_SSL, False),
        CONF_VERIFY_SSL: data.get(CONF_VERIFY_SSL, True),
    }
    return nested


def _connection_schema(*, host: bool = True) -> vol.Schema:
    fields: dict[Any, Any] = {}
    if host:
        fields[vol.Required(CONF_HOST)] = str
    fields.update(
        {
            vol.Required(CONF_PORT, default=DEFAULT_PORT): vol.All(
                vol.Coerce(int), vol.Range(min=1, max=65535)
            ),
            vol.Required(CONF_USERNAME, default="admin"): str,
            vol.Required(CONF_PASSWORD): _PASSWORD,
            vol.Required(HTTPS_SECTION): section(
                vol.Schema(
                    {
                        vol.Required(CONF_SSL, default=False): bool,
                        # Only used with HTTPS.
                        vol.Required(CONF_VERIFY_SSL, default=True): bool,
                    }
                ),
                {"collapsed": True},
            ),
        }
    )
    return vol.Schema(fields)


def _check_input(data: dict[str, Any]) -> dict[str, str]:
    """Form errors of the typed input; normalises the host in place."""
    errors: dict[str, str] = {}
    if CONF_HOST in data:
        host = normalize_host(str(data[CONF_HOST]))
        if host is None:
            errors[CONF_HOST] = "invalid_host"
        else:
            data[CONF_HOST] = host
    if not str(data.get(CONF_USERNAME, "")).strip():
        errors[CONF_USERNAME] = "username_required"
    return errors


async def _login(client: ExcelSenseClient) -> None:
    """Make a call that needs the credentials.

    Some firmware answers deviceInfo without checking them; older firmware
    may lack one group or another, so the next one is tried.
    """
    calls: tuple[Callable[[], Awaitable[object]], ...] = (
        client.device_port,
        client.date_time,
        client.alarm_out,
    )
    for call in calls:
        try:
            await call()
        except ExcelSenseNotSupportedError:
            continue
        else:
            return


class ExcelSenseConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add an ExcelSense camera."""

    VERSION = 1
    MINOR_VERSION = 1

    def __init__(self) -> None:
        """Start with no discovered host."""
        self._discovered_host: str | None = None
        self._info: DeviceInfo | None = None

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ExcelSenseConfigEntry) -> OptionsFlow:
        """Snapshot quality, streams, motion checks and lens care."""
        return ExcelSenseOptionsFlow()

    async def _identify(self, data: dict[str, Any]) -> dict[str, str]:
        """Check the input, log in, and take the camera's MAC as unique id.

        The form errors; none means ``self.unique_id`` is the camera's and
        ``self._info`` its device information.
        """
        errors = _check_input(data)
        if errors:
            return errors
        info, errors = await self._validate(data)
        if info is None:
            return errors
        if (unique_id := _unique_id(info)) is None:
            return {"base": "no_mac"}
        self._info = info
        await self.async_set_unique_id(unique_id)
        return {}

    async def _validate(
        self, data: Mapping[str, Any]
    ) -> tuple[DeviceInfo | None, dict[str, str]]:
        """Log in with a call that needs credentials, then read the device."""
        client = create_client(self.hass, data)
        try:
            await _login(client)
            info = await client.device_info()
        except ExcelSenseError as err:
            LOGGER.debug("Cannot connect to %s: %s", data[CONF_HOST], err)
            return None, {"base": flow_error(err)}
        except Exception:  # noqa: BLE001 - anything else must not break the flow
            LOGGER.exception("Unexpected error talking to %s", data[CONF_HOST])
            return None, {"base": "unknown"}
        return info, {}

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for host, port and credentials."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _flatten(user_input)
            if not (errors := await self._identify(data)):
                return self._create(data)
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                _connection_schema(), user_input
            ),
            errors=errors,
        )

    def _create(self, data: dict[str, Any]) -> ConfigFlowResult:
        """A new entry for the identified camera.

        A known one gets the address it was just reached at (host, port,
        HTTPS), and reloads: a camera moved to another port works again.
        """
        assert self._info is not None  # noqa: S101 - set by _identify
        self._abort_if_unique_id_configured(
            updates={key: data[key] for key in _ADDRESS if key in data}
        )
        return self.async_create_entry(title=_title(self._info), data=data)

    async def async_step_dhcp(
        self, discovery_info: DhcpServiceInfo
    ) -> ConfigFlowResult:
        """A camera showed up on the network (or moved to a new address)."""
        unique_id = format_mac(discovery_info.macaddress)
        entry = self.hass.config_entries.async_entry_for_domain_unique_id(
            DOMAIN, unique_id
        )
        if entry is not None:
            await self._follow(entry, discovery_info.ip)
            return self.async_abort(reason="already_configured")
        await self.async_set_unique_id(unique_id)
        self._abort_if_unique_id_configured()
        self._discovered_host = discovery_info.ip
        self.context["title_placeholders"] = {"host": discovery_info.ip}
        return await self.async_step_dhcp_confirm()

    async def _follow(self, entry: ExcelSenseConfigEntry, ip: str) -> None:
        """Point a known camera's entry at its new address, if it really is it.

        A host name the user configured is never replaced by an address, and
        the device at the new address must answer with the entry's MAC.
        """
        host = str(entry.data.get(CONF_HOST, ""))
        if host == ip or not _is_ip(host):
            return
        try:
            info = await create_client(
                self.hass, {**entry.data, CONF_HOST: ip}
            ).device_info()
        except ExcelSenseError as err:
            LOGGER.debug("Not following %s to %s: %s", entry.title, ip, err)
            return
        if format_mac(info.mac_address) != entry.unique_id:
            LOGGER.debug("Not following %s to %s: another device", entry.title, ip)
            return
        self.hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_HOST: ip}
        )
        self.hass.config_entries.async_schedule_reload(entry.entry_id)

    async def async_step_dhcp_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the credentials of a discovered camera."""
        errors: dict[str, str] = {}
        assert self._discovered_host is not None  # noqa: S101 - set by the dhcp step
        if user_input is not None:
            data = {**_flatten(user_input), CONF_HOST: self._discovered_host}
            if not (errors := await self._identify(data)):
                return self._create(data)
        return self.async_show_form(
            step_id="dhcp_confirm",
            data_schema=_connection_schema(host=False),
            description_placeholders={"host": self._discovered_host},
            errors=errors,
        )

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """The camera refused our credentials."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for new credentials."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None and not (
            errors := await self._identify({**entry.data, **user_input})
        ):
            self._abort_if_unique_id_mismatch(reason="wrong_device")
            return self.async_update_reload_and_abort(entry, data_updates=user_input)
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_USERNAME, default=entry.data[CONF_USERNAME]): str,
                    vol.Required(CONF_PASSWORD): _PASSWORD,
                }
            ),
            description_placeholders={"name": entry.title},
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change host, port or credentials of the same camera."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _flatten(user_input)
            errors = _check_input(data)
            if not errors:
                info, errors = await self._validate(data)
                if info is not None and (unique_id := _unique_id(info)) is None:
                    errors = {"base": "no_mac"}
                elif info is not None:
                    await self.async_set_unique_id(unique_id)
                    self._abort_if_unique_id_mismatch(reason="wrong_device")
                    return self.async_update_reload_and_abort(entry, data_updates=data)
        defaults = _nest({k: v for k, v in entry.data.items() if k != CONF_PASSWORD})
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                _connection_schema(), user_input or defaults
            ),
            errors=errors,
        )


def _title(info: DeviceInfo) -> str:
    return (
        info.device_name
        or f"{info.product_model or 'ExcelSense'} {info.mac_address[-8:]}"
    )
