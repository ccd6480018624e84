"""The ExcelSense IP camera integration."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.const import (
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_SSL,
    CONF_USERNAME,
    Platform,
)
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .api import ExcelSenseClient
from .const import CONF_VERIFY_SSL, DEFAULT_PORT, DOMAIN
from .coordinator import ExcelSenseCoordinator, ExcelSenseRuntimeData
from .lens import LensMonitor
from .services import async_setup_services
from .snapshot import SnapshotSource

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.typing import ConfigType

    from .coordinator import ExcelSenseConfigEntry

PLATFORMS: list[Platform] = [
    Platform.BUTTON,
    Platform.CAMERA,
    Platform.EVENT,
    Platform.NUMBER,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
    Platform.TEXT,
    Platform.TIME,
]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions, which exist whether or not a camera is loaded."""
    async_setup_services(hass)
    return True


def create_client(hass: HomeAssistant, data: dict[str, object]) -> ExcelSenseClient:
    """Build a client from config entry (or flow) data."""
    verify_ssl = bool(data.get(CONF_VERIFY_SSL, True))
    return ExcelSenseClient(
        host=str(data[CONF_HOST]),
        port=int(str(data.get(CONF_PORT, DEFAULT_PORT))),
        username=str(data[CONF_USERNAME]),
        password=str(data[CONF_PASSWORD]),
        use_https=bool(data.get(CONF_SSL, False)),
        verify_ssl=verify_ssl,
        session=async_get_clientsession(hass, verify_ssl=verify_ssl),
    )


async def async_setup_entry(hass: HomeAssistant, entry: ExcelSenseConfigEntry) -> bool:
    """Set up one camera: client, first refresh, runtime data, platforms."""
    client = create_client(hass, dict(entry.data))
    coordinator = ExcelSenseCoordinator(hass, entry, client)
    await coordinator.async_config_entry_first_refresh()
    snapshots = SnapshotSource(client)
    lens = None
    if coordinator.static.device_info.self_cleaning:
        lens = LensMonitor(hass, entry, client, snapshots)
        await lens.async_start()
    entry.runtime_data = ExcelSenseRuntimeData(
        client=client, coordinator=coordinator, snapshots=snapshots, lens=lens
    )
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: ExcelSenseConfigEntry) -> bool:
    """Unload a camera."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await entry.runtime_data.snapshots.async_close()
    return unloaded
