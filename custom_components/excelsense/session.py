"""The client of a config entry (or of a flow's input), on Home Assistant's session."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.const import (
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_SSL,
    CONF_USERNAME,
)
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .api import ExcelSenseClient
from .const import CONF_VERIFY_SSL, DEFAULT_PORT, REQUEST_TIMEOUT

if TYPE_CHECKING:
    from collections.abc import Mapping

    from homeassistant.core import HomeAssistant


def create_client(hass: HomeAssistant, data: Mapping[str, Any]) -> ExcelSenseClient:
    """Build a client from config entry (or flow) data.

    The certificate is only checked with HTTPS (the option means nothing
    without it).
    """
    use_https = bool(data.get(CONF_SSL, False))
    verify_ssl = bool(data.get(CONF_VERIFY_SSL, True)) or not use_https
    return ExcelSenseClient(
        host=str(data[CONF_HOST]),
        port=int(str(data.get(CONF_PORT, DEFAULT_PORT))),
        username=str(data[CONF_USERNAME]),
        password=str(data[CONF_PASSWORD]),
        use_https=use_https,
        verify_ssl=verify_ssl,
        request_timeout=REQUEST_TIMEOUT,
        session=async_get_clientsession(hass, verify_ssl=verify_ssl),
    )
