"""The ExcelSense IP camera integration."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.const import EVENT_HOMEASSISTANT_STOP, Platform
from homeassistant.exceptions import ConfigEntryNotReady, HomeAssistantError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.storage import Store

from .const import (
    ALARM_LOG_STORAGE_KEY,
    DOMAIN,
    LENS_STORAGE_KEY,
    LOGGER,
    OPERATION_STOP_WAIT,
)
from .coordinator import ExcelSenseCoordinator
from .data import ExcelSenseRuntimeData
from .issues import clear_issues
from .lens import LensCoordinator
from .motion import MotionCoordinator
from .services import async_setup_services
from .session import create_client
from .snapshot import SnapshotSource

if TYPE_CHECKING:
    from homeassistant.core import Event, HomeAssistant
    from homeassistant.helpers.typing import ConfigType

    from .api import ExcelSenseClient
    from .data import ExcelSenseConfigEntry

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.CAMERA,
    Platform.EVENT,
    Platform.IMAGE,
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


async def async_setup_entry(hass: HomeAssistant, entry: ExcelSenseConfigEntry) -> bool:
    """Set up one camera: client, first refresh, runtime data, platforms."""
    client = create_client(hass, entry.data)
    coordinator = ExcelSenseCoordinator(hass, entry, client)
    try:
        await coordinator.async_config_entry_first_refresh()
    except ConfigEntryNotReady as err:
        # Say why in the entry's own words (the wrong device, a camera that
        # does not answer), not an untranslated "not ready".
        cause = coordinator.last_exception
        if isinstance(cause, HomeAssistantError) and cause.translation_key:
            raise ConfigEntryNotReady(
                translation_domain=DOMAIN,
                translation_key=cause.translation_key,
                translation_placeholders=cause.translation_placeholders,
            ) from cause
        raise err from cause
    motion = MotionCoordinator(hass, entry, client, coordinator.static)
    await motion.async_start()
    snapshots = SnapshotSource(client)
    lens = None
    if coordinator.static.device_info.self_cleaning:
        lens = LensCoordinator(hass, entry, client, snapshots)
        await lens.async_start()
    entry.runtime_data = ExcelSenseRuntimeData(
        client=client,
        coordinator=coordinator,
        motion=motion,
        snapshots=snapshots,
        lens=lens,
    )

    async def finish_operations(_event: Event) -> None:
        # A pulse in progress ends and the profile is restored before the
        # HTTP session closes at the end of the stop; no new one starts (a
        # press queued behind the stop would run in the final stage).
        await _shut_down(client)

    entry.async_on_unload(
        hass.bus.async_listen(EVENT_HOMEASSISTANT_STOP, finish_operations)
    )
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    await motion.async_entities_added()
    return True


async def async_unload_entry(hass: HomeAssistant, entry: ExcelSenseConfigEntry) -> bool:
    """Unload a camera; a running self-clean/LED operation finishes first."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await _shut_down(entry.runtime_data.client)
        await entry.runtime_data.snapshots.async_close()
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: ExcelSenseConfigEntry) -> None:
    """Delete what is kept for the camera: stored data, repair issues."""
    clear_issues(hass, entry)
    for key in (ALARM_LOG_STORAGE_KEY, LENS_STORAGE_KEY):
        await Store[dict[str, Any]](hass, 1, key.format(entry.entry_id)).async_remove()


async def _shut_down(client: ExcelSenseClient) -> None:
    if not await client.shutdown(OPERATION_STOP_WAIT):
        LOGGER.warning(
            "An alarm-output operation of %s did not finish in %.0f s",
            client.host,
            OPERATION_STOP_WAIT,
        )
