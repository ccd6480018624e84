"""Repair issues of a camera: raised and cleared here, and nowhere else.

The fix flows live in ``repairs``; what decides that an issue exists lives
with the coordinators and the command decorator, which call these.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.helpers import issue_registry as ir

from .const import (
    DOMAIN,
    ISSUE_ALARM_OUTPUT,
    ISSUE_LENS_NOT_IMPROVING,
    ISSUE_WRONG_DEVICE,
)

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .data import ExcelSenseConfigEntry


def issue_id(kind: str, entry: ExcelSenseConfigEntry) -> str:
    """The id of one camera's issue of a kind."""
    return f"{kind}_{entry.entry_id}"


def _raise(
    hass: HomeAssistant,
    entry: ExcelSenseConfigEntry,
    kind: str,
    *,
    severity: ir.IssueSeverity,
    fixable: bool = True,
    persistent: bool = False,
    placeholders: dict[str, str] | None = None,
) -> None:
    """Raise one of the entry's issues, unless the entry was removed meanwhile.

    A command or check still running when its entry was deleted would
    otherwise leave an issue behind that nothing clears or can fix.
    """
    if hass.config_entries.async_get_entry(entry.entry_id) is None:
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(kind, entry),
        is_fixable=fixable,
        is_persistent=persistent,
        severity=severity,
        translation_key=kind,
        translation_placeholders={"name": entry.title, **(placeholders or {})},
        data={"entry_id": entry.entry_id} if fixable else None,
    )


def raise_alarm_output_issue(hass: HomeAssistant, entry: ExcelSenseConfigEntry) -> None:
    """Show the fixable issue: the output is not in self-clean, or may be on."""
    _raise(hass, entry, ISSUE_ALARM_OUTPUT, severity=ir.IssueSeverity.ERROR)


def clear_alarm_output_issue(hass: HomeAssistant, entry: ExcelSenseConfigEntry) -> None:
    """Remove the issue once the output is right again."""
    ir.async_delete_issue(hass, DOMAIN, issue_id(ISSUE_ALARM_OUTPUT, entry))


def raise_lens_issue(
    hass: HomeAssistant,
    entry: ExcelSenseConfigEntry,
    placeholders: dict[str, str],
) -> None:
    """Show that self-clean does not improve the lens (automatic cleaning paused).

    Kept across restarts, like the pause itself; fixed by taking the current
    picture as the lens's clean reference.
    """
    _raise(
        hass,
        entry,
        ISSUE_LENS_NOT_IMPROVING,
        severity=ir.IssueSeverity.WARNING,
        persistent=True,
        placeholders=placeholders,
    )


def clear_lens_issue(hass: HomeAssistant, entry: ExcelSenseConfigEntry) -> None:
    """Remove the lens issue (the lens reads clear again, or was re-learnt)."""
    ir.async_delete_issue(hass, DOMAIN, issue_id(ISSUE_LENS_NOT_IMPROVING, entry))


def raise_wrong_device_issue(
    hass: HomeAssistant, entry: ExcelSenseConfigEntry, host: str
) -> None:
    """Show that another device answers at the camera's address."""
    _raise(
        hass,
        entry,
        ISSUE_WRONG_DEVICE,
        severity=ir.IssueSeverity.ERROR,
        fixable=False,
        placeholders={"host": host},
    )


def clear_wrong_device_issue(hass: HomeAssistant, entry: ExcelSenseConfigEntry) -> None:
    """Remove the issue: the camera answers at its address again."""
    ir.async_delete_issue(hass, DOMAIN, issue_id(ISSUE_WRONG_DEVICE, entry))


def clear_issues(hass: HomeAssistant, entry: ExcelSenseConfigEntry) -> None:
    """Remove every issue of a camera (the entry is removed)."""
    clear_alarm_output_issue(hass, entry)
    clear_lens_issue(hass, entry)
    clear_wrong_device_issue(hass, entry)
