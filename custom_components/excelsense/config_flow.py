"""Config flow: user, DHCP discovery, reauth, reconfigure and options."""

from __future__ import annotations

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
from homeassistant.helpers.device_registry import format_mac
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import voluptuous as vol

from . import create_client
from .api import (
    DeviceInfo,
    ExcelSenseAuthenticationError,
    ExcelSenseError,
    ExcelSensePermissionError,
)
from .const import (
    CONF_AUTO_CLEAN_MAX_PER_DAY,
    CONF_LENS_INTERVAL,
    CONF_LIVE_VIEW_STREAM,
    CONF_RTSP_TRANSPORT,
    CONF_SNAPSHOT_QUALITY,
    CONF_VERIFY_SSL,
    DEFAULT_AUTO_CLEAN_MAX_PER_DAY,
    DEFAULT_LENS_INTERVAL,
    DEFAULT_LIVE_VIEW_STREAM,
    DEFAULT_PORT,
    DEFAULT_RTSP_TRANSPORT,
    DEFAULT_SNAPSHOT_QUALITY,
    DOMAIN,
    LOGGER,
    RTSP_TRANSPORTS,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo

    from .coordinator import ExcelSenseConfigEntry

_PASSWORD = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))


def _connection_schema(defaults: Mapping[str, Any], *, host: bool = True) -> vol.Schema:
    fields: dict[Any, Any] = {}
    if host:
        fields[
            vol.Required(CONF_HOST, default=defaults.get(CONF_HOST, vol.UNDEFINED))
        ] = str
    fields.update(
        {
            vol.Required(
                CONF_PORT, default=defaults.get(CONF_PORT, DEFAULT_PORT)
            ): vol.All(vol.Coerce(int), vol.Range(min=1, max=65535)),
            vol.Required(
                CONF_USERNAME, default=defaults.get(CONF_USERNAME, "admin")
            ): str,
            vol.Required(CONF_PASSWORD): _PASSWORD,
            vol.Required(CONF_SSL, default=defaults.get(CONF_SSL, False)): bool,
            vol.Required(
                CONF_VERIFY_SSL, default=defaults.get(CONF_VERIFY_SSL, True)
            ): bool,
        }
    )
    return vol.Schema(fields)


class ExcelSenseConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add an ExcelSense camera."""

    VERSION = 1
    MINOR_VERSION = 1

    def __init__(self) -> None:
        """Start with no discovered host."""
        self._discovered_host: str | None = None

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ExcelSenseConfigEntry) -> OptionsFlow:
        """Snapshot quality, live-view stream and RTSP transport."""
        return ExcelSenseOptionsFlow()

    async def _validate(
        self, data: Mapping[str, Any]
    ) -> tuple[DeviceInfo | None, dict[str, str]]:
        """Log in with a call that needs credentials, then read the device."""
        client = create_client(self.hass, dict(data))
        try:
            # Some firmware answers deviceInfo without checking the login:
            # devicePort needs it, so it goes first.
            await client.device_port()
            info = await client.device_info()
        except ExcelSenseAuthenticationError:
            return None, {"base": "invalid_auth"}
        except ExcelSensePermissionError:
            return None, {"base": "permission_denied"}
        except ExcelSenseError as err:
            LOGGER.debug("Cannot connect to %s: %s", data[CONF_HOST], err)
            return None, {"base": "cannot_connect"}
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
            info, errors = await self._validate(user_input)
            if info is not None:
                await self.async_set_unique_id(format_mac(info.mac_address))
                self._abort_if_unique_id_configured(
                    updates={CONF_HOST: user_input[CONF_HOST]}
                )
                return self.async_create_entry(title=_title(info), data=user_input)
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                _connection_schema({}), user_input
            ),
            errors=errors,
        )

    async def async_step_dhcp(
        self, discovery_info: DhcpServiceInfo
    ) -> ConfigFlowResult:
        """A camera showed up on the network (or moved to a new address)."""
        await self.async_set_unique_id(format_mac(discovery_info.macaddress))
        self._abort_if_unique_id_configured(updates={CONF_HOST: discovery_info.ip})
        self._discovered_host = discovery_info.ip
        self.context["title_placeholders"] = {"host": discovery_info.ip}
        return await self.async_step_dhcp_confirm()

    async def async_step_dhcp_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the credentials of a discovered camera."""
        errors: dict[str, str] = {}
        assert self._discovered_host is not None  # noqa: S101 - set by the dhcp step
        if user_input is not None:
            data = {**user_input, CONF_HOST: self._discovered_host}
            info, errors = await self._validate(data)
            if info is not None:
                await self.async_set_unique_id(format_mac(info.mac_address))
                self._abort_if_unique_id_configured(
                    updates={CONF_HOST: data[CONF_HOST]}
                )
                return self.async_create_entry(title=_title(info), data=data)
        return self.async_show_form(
            step_id="dhcp_confirm",
            data_schema=_connection_schema({}, host=False),
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
        if user_input is not None:
            data = {**entry.data, **user_input}
            info, errors = await self._validate(data)
            if info is not None:
                await self.async_set_unique_id(format_mac(info.mac_address))
                self._abort_if_unique_id_mismatch(reason="wrong_device")
                return self.async_update_reload_and_abort(
                    entry, data_updates=user_input
                )
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
            info, errors = await self._validate(user_input)
            if info is not None:
                await self.async_set_unique_id(format_mac(info.mac_address))
                self._abort_if_unique_id_mismatch(reason="wrong_device")
                return self.async_update_reload_and_abort(
                    entry, data_updates=user_input
                )
        defaults = {k: v for k, v in entry.data.items() if k != CONF_PASSWORD}
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=_connection_schema(defaults),
            errors=errors,
        )


class ExcelSenseOptionsFlow(OptionsFlow):
    """Options read at use time, so they apply without a reload."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the options."""
        if user_input is not None:
            return self.async_create_entry(
                data={
                    CONF_SNAPSHOT_QUALITY: int(user_input[CONF_SNAPSHOT_QUALITY]),
                    CONF_LIVE_VIEW_STREAM: int(user_input[CONF_LIVE_VIEW_STREAM]),
                    CONF_RTSP_TRANSPORT: user_input[CONF_RTSP_TRANSPORT],
                    CONF_LENS_INTERVAL: int(user_input[CONF_LENS_INTERVAL]),
                    CONF_AUTO_CLEAN_MAX_PER_DAY: int(
                        user_input[CONF_AUTO_CLEAN_MAX_PER_DAY]
                    ),
                }
            )
        options = self.config_entry.options
        streams = [1]
        runtime = getattr(self.config_entry, "runtime_data", None)
        if runtime is not None:
            streams = list(runtime.coordinator.static.stream_ids)
        schema = vol.Schema(
            {
                vol.Required(
                    CONF_SNAPSHOT_QUALITY,
                    default=options.get(
                        CONF_SNAPSHOT_QUALITY, DEFAULT_SNAPSHOT_QUALITY
                    ),
                ): NumberSelector(
                    NumberSelectorConfig(
                        min=1, max=9, step=1, mode=NumberSelectorMode.SLIDER
                    )
                ),
                vol.Required(
                    CONF_LIVE_VIEW_STREAM,
                    default=str(
                        options.get(CONF_LIVE_VIEW_STREAM, DEFAULT_LIVE_VIEW_STREAM)
                    ),
                ): SelectSelector(
                    SelectSelectorConfig(
                        options=[str(s) for s in streams],
                        translation_key=CONF_LIVE_VIEW_STREAM,
                        mode=SelectSelectorMode.DROPDOWN,
                    )
                ),
                vol.Required(
                    CONF_RTSP_TRANSPORT,
                    default=options.get(CONF_RTSP_TRANSPORT, DEFAULT_RTSP_TRANSPORT),
                ): SelectSelector(
                    SelectSelectorConfig(
                        options=list(RTSP_TRANSPORTS),
                        translation_key=CONF_RTSP_TRANSPORT,
                        mode=SelectSelectorMode.DROPDOWN,
                    )
                ),
                vol.Required(
                    CONF_LENS_INTERVAL,
                    default=options.get(CONF_LENS_INTERVAL, DEFAULT_LENS_INTERVAL),
                ): NumberSelector(
                    NumberSelectorConfig(
                        min=1,
                        max=1440,
                        step=1,
                        unit_of_measurement="min",
                        mode=NumberSelectorMode.BOX,
                    )
                ),
                vol.Required(
                    CONF_AUTO_CLEAN_MAX_PER_DAY,
                    default=options.get(
                        CONF_AUTO_CLEAN_MAX_PER_DAY, DEFAULT_AUTO_CLEAN_MAX_PER_DAY
                    ),
                ): NumberSelector(
                    NumberSelectorConfig(
                        min=1, max=24, step=1, mode=NumberSelectorMode.BOX
                    )
                ),
            }
        )
        return self.async_show_form(step_id="init", data_schema=schema)


def _title(info: DeviceInfo) -> str:
    return (
        info.device_name
        or f"{info.product_model or 'ExcelSense'} {info.mac_address[-8:]}"
    )
