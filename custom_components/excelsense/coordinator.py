"""One coordinator per camera: what to poll, when, and what errors mean."""

from __future__ import annotations

import asyncio
from datetime import timedelta
import re
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NoReturn

from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.device_registry import format_mac
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .api import (
    AlarmOutput,
    DeviceInfo,
    ExcelSenseAuthenticationError,
    ExcelSenseBusyError,
    ExcelSenseConnectionError,
    ExcelSenseError,
    ExcelSenseHttpsRequiredError,
    ExcelSenseHttpStatusError,
    ExcelSenseLoginPausedError,
    ExcelSenseNotSupportedError,
    ExcelSenseResponseError,
    is_self_clean_profile,
)
from .const import DOMAIN, LOGGER, POLL_INTERVAL
from .data import ExcelSenseData, ExcelSenseStatic
from .errors import error_key, placeholders
from .groups import ALWAYS_POLLED, Group, GroupSpec, group_specs
from .issues import (
    clear_alarm_output_issue,
    clear_wrong_device_issue,
    raise_alarm_output_issue,
    raise_wrong_device_issue,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Iterable

    from homeassistant.core import HomeAssistant

    from .api import ExcelSenseClient
    from .data import ExcelSenseConfigEntry

# A MAC as format_mac writes it (anything else is an unreadable identity).
_MAC = re.compile(r"[0-9a-f]{2}(?::[0-9a-f]{2}){5}")
# A group whose read failed keeps its last value for this many polls.
GROUP_FAILURES_TOLERATED = 2
# Scheduling jitter: a group due within this is read in this poll.
_DUE_SLACK = 5.0


class ExcelSenseCoordinatorBase[T](DataUpdateCoordinator[T]):
    """A source of one camera's entity states (polling, alarm log, lens).

    ``camera`` is the polling coordinator, whose static facts (the device)
    and availability every entity of the camera shares.
    """

    config_entry: ExcelSenseConfigEntry
    client: ExcelSenseClient

    @property
    def camera(self) -> ExcelSenseCoordinator:
        """The camera's polling coordinator."""
        return self.config_entry.runtime_data.coordinator


class ExcelSenseCoordinator(ExcelSenseCoordinatorBase[ExcelSenseData]):
    """Polls one camera.

    Static facts are read once in ``_async_setup``; groups the firmware lacks
    there are left out. Each refresh then reads, concurrently under the
    client's request bound, the groups some listening entity needs (entities
    register their group as their coordinator context) that are due on
    their own cadence, plus the always-polled alarm output. The first
    refresh, before entities exist, reads every group; a group the firmware
    lacks (not supported) is dropped there.
    """

    static: ExcelSenseStatic

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ExcelSenseConfigEntry,
        client: ExcelSenseClient,
    ) -> None:
        """Set up the coordinator of one camera."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {client.host}",
            update_interval=POLL_INTERVAL,
            # Most polls read what was there already: entities write their
            # state only when the data changed (the models compare by value,
            # their raw replies are left out of the comparison).
            always_update=False,
        )
        self.client = client
        self._specs: dict[Group, GroupSpec] = {}
        self._read_at: dict[Group, float] = {}
        self._stale: set[Group] = set()
        self._failures: dict[Group, int] = {}
        self._failed_polls = 0
        self._polled_once = False

    # ------------------------------------------------------------------ setup

    async def _async_setup(self) -> None:
        """Read what does not change: model, streams, ports, protocol, clock.

        Only deviceInfo is required; a group the firmware lacks or
        answers in a form we cannot read never keeps the camera from loading.
        """
        client = self.client
        try:
            async with asyncio.TaskGroup() as group:
                info = group.create_task(client.device_info())
                port = group.create_task(_optional(client.device_port()))
                ability = group.create_task(_optional(client.stream_ability()))
                protocol = group.create_task(_optional(client.protocol_info()))
                schedule = group.create_task(_optional(client.self_clean_schedule()))
                clock = group.create_task(_optional(client.date_time()))
        except ExceptionGroup as errors:
            self._raise_setup_error(errors)
        device_info = info.result()
        self._check_identity(device_info)
        offset = timedelta(0)
        if (device_time := clock.result()) is not None:
            offset = device_time.value - dt_util.now().replace(tzinfo=None)
        self.static = ExcelSenseStatic(
            device_info=device_info,
            stream_ability=ability.result(),
            device_port=port.result(),
            protocol_info=protocol.result(),
            self_clean_schedule_supported=(
                device_info.self_cleaning and schedule.result() is not None
            ),
            clock_offset=offset,
        )
        self._specs = group_specs(
            self.static.stream_ids,
            self_clean_schedule=self.static.self_clean_schedule_supported,
        )

    def _check_identity(self, info: DeviceInfo) -> None:
        """The camera at the address must be the entry's (its MAC), every setup.

        Another device (a new DHCP lease, a swapped camera) or an identity
        that cannot be read is never adopted: the entry is not ready, and a
        readable other MAC raises a repair issue naming the address.
        """
        entry = self.config_entry
        mac = format_mac(info.mac_address)
        if entry.unique_id is None or mac == entry.unique_id:
            clear_wrong_device_issue(self.hass, entry)
            return
        host = self.client.host
        if _MAC.fullmatch(mac):
            raise_wrong_device_issue(self.hass, entry, host)
            key = "wrong_device"
        else:
            key = "identity_unreadable"
        LOGGER.debug("%s does not answer as %s: %s", host, entry.title, key)
        raise UpdateFailed(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders={"host": host, "name": entry.title},
        )

    @staticmethod
    def _raise_setup_error(errors: ExceptionGroup[Exception]) -> NoReturn:
        """Map the first failure of the concurrent setup reads."""
        if auth := errors.subgroup(ExcelSenseAuthenticationError):
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="authentication_failed"
            ) from auth.exceptions[0]
        if https := errors.subgroup(ExcelSenseHttpsRequiredError):
            raise UpdateFailed(
                translation_domain=DOMAIN, translation_key="https_required"
            ) from https.exceptions[0]
        if device := errors.subgroup(ExcelSenseError):
            first = device.exceptions[0]
            assert isinstance(first, ExcelSenseError)  # noqa: S101 - the subgroup's type
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="setup_failed",
                translation_placeholders={"error": str(first)},
            ) from first
        raise errors

    # ------------------------------------------------------------------ groups

    def supports(self, group: Group) -> bool:
        """Whether the camera offers a group (entities of others are not made)."""
        return group in self._specs

    def needed_groups(self) -> set[Group]:
        """Groups some listening entity needs, plus the always-polled ones."""
        if not self._polled_once:
            return set(self._specs)
        wanted = {ctx for ctx in self.async_contexts() if isinstance(ctx, Group)}
        return (wanted | ALWAYS_POLLED) & set(self._specs)

    def mark_stale(self, groups: Iterable[Group] | None = None) -> None:
        """Read these groups (all when None) at the next refresh, due or not."""
        self._stale.update(self._specs if groups is None else groups)

    def _due(self, group: Group, now: float) -> bool:
        read_at = self._read_at.get(group)
        if read_at is None or group in self._stale or now < read_at:
            return True  # never read, written to, or the clock went back
        every = self._specs[group].every.total_seconds()
        return now - read_at >= every - _DUE_SLACK

    # ------------------------------------------------------------------ polling

    async def _async_update_data(self) -> ExcelSenseData:
        """Read the needed groups that are due; keep the others' last values."""
        now = _now()
        first = not self._polled_once
        names = sorted(g for g in self.needed_groups() if first or self._due(g, now))
        results = await self._read(names)
        previous = self.data if self.data is not None else ExcelSenseData()
        values = dict(previous.values)
        available = set(previous.available)
        errors: list[ExcelSenseError] = []
        for group, result in results.items():
            if not isinstance(result, ExcelSenseError):
                values[group] = result
                available.add(group)
                self._read_at[group] = now
                self._stale.discard(group)
                self._failures.pop(group, None)
                continue
            errors.append(result)
            if first and isinstance(result, ExcelSenseNotSupportedError):
                LOGGER.debug("%s lacks %s: %s", self.client.host, group, result)
                del self._specs[group]
                values.pop(group, None)
                continue
            self._failures[group] = failures = self._failures.get(group, 0) + 1
            if first or failures > GROUP_FAILURES_TOLERATED:
                available.discard(group)
        # Offline when nothing was read; once loaded, only when nothing even
        # answered: a group the camera answers oddly (a malformed reply, an
        # error code) is that group's entities unavailable, not the camera.
        every_read_failed = bool(names) and len(errors) == len(names)
        if not first:
            every_read_failed &= all(map(_unanswered, errors))
        self._raise_for(errors, every_read_failed=every_read_failed)
        self._polled_once = True
        data = ExcelSenseData(
            values=MappingProxyType(values), available=frozenset(available)
        )
        if Group.ALARM_OUT in results and data.alarm_out is not None:
            self._check_alarm_output(data.alarm_out)
        return data

    async def _read(self, groups: list[Group]) -> dict[Group, Any]:
        """Read groups concurrently, under the client's bound and login gate.

        After a refused login the gate lets one read through to confirm it and
        holds the others back unsent; when that read is answered, the groups
        held back are read at once instead of failing the poll.
        """

        async def read(groups: list[Group]) -> dict[Group, Any]:
            results = await asyncio.gather(
                *(_capture(self._specs[group].fetch(self.client)) for group in groups)
            )
            return dict(zip(groups, results, strict=True))

        results = await read(groups)
        held = [
            group
            for group, result in results.items()
            if isinstance(result, ExcelSenseLoginPausedError)
        ]
        if held and not self.client.transport.gate.closed:
            results.update(await read(held))
        return results

    def _raise_for(
        self, errors: list[ExcelSenseError], *, every_read_failed: bool
    ) -> None:
        """Map a poll's errors: reauth after repeated refusals, offline after two."""
        auth = next(
            (e for e in errors if isinstance(e, ExcelSenseAuthenticationError)), None
        )
        if auth is not None:
            # The client's login gate counts the camera's refusals (a poll
            # after one sends nothing until a pause has passed): sign in
            # again once the camera has refused the password for good.
            if self.client.transport.gate.given_up:
                raise ConfigEntryAuthFailed(
                    translation_domain=DOMAIN, translation_key="authentication_failed"
                ) from auth
            raise UpdateFailed(
                translation_domain=DOMAIN, translation_key="authentication_retry"
            ) from auth
        if not every_read_failed:
            self._failed_polls = 0
            return
        self._failed_polls += 1
        if self._polled_once and self._failed_polls == 1:
            # One poll that reached nothing is a glitch, not an offline camera.
            LOGGER.debug("Poll of %s failed once: %s", self.client.host, errors[0])
            return
        first = errors[0]
        raise UpdateFailed(
            translation_domain=DOMAIN,
            translation_key=error_key(first)
            if isinstance(
                first, ExcelSenseConnectionError | ExcelSenseHttpsRequiredError
            )
            else "device_error",
            translation_placeholders=placeholders(first),
        ) from first

    async def async_refresh_group(self, group: Group | None) -> None:
        """Re-read one group after a command and publish it at once.

        One request instead of a full poll, and no debounce delay: a slider
        moved twice in a row shows the device's value both times.
        """
        spec = self._specs.get(group) if group else None
        if group is None or spec is None:
            self.mark_stale()
            await self.async_request_refresh()
            return
        try:
            value = await spec.fetch(self.client)
        except ExcelSenseError as err:
            LOGGER.debug(
                "Re-reading %s from %s failed: %s", group, self.client.host, err
            )
            self.mark_stale([group])
            await self.async_request_refresh()
            return
        self._read_at[group] = _now()
        self._stale.discard(group)
        self._failures.pop(group, None)
        previous = self.data
        data = ExcelSenseData(
            values=MappingProxyType({**previous.values, group: value}),
            available=previous.available | {group},
        )
        if group is Group.ALARM_OUT and data.alarm_out is not None:
            # Raised or cleared now, not at the next poll (a press restores it).
            self._check_alarm_output(data.alarm_out)
        self.async_set_updated_data(data)

    def _check_alarm_output(self, alarm_out: AlarmOutput) -> None:
        """Raise or clear the repair issue for an output that is not right.

        The profile is read under the client's operation lock, so it is never
        an operation's temporary profile; a pulse that could not be ended
        keeps the issue until an end goes through.
        """
        if (
            is_self_clean_profile(alarm_out.profile)
            and not self.client.output_may_be_on
        ):
            clear_alarm_output_issue(self.hass, self.config_entry)
        else:
            raise_alarm_output_issue(self.hass, self.config_entry)

    @property
    def camera(self) -> ExcelSenseCoordinator:
        """The coordinator itself (also before the entry's runtime data exists)."""
        return self


def _unanswered(error: ExcelSenseError) -> bool:
    """Whether the request got no reply of the camera's own.

    No reply, a redirect, an HTTP error status (another device at the
    address, a web server whose CGI is down), or "busy" to every retry.
    """
    return isinstance(
        error,
        ExcelSenseConnectionError
        | ExcelSenseHttpsRequiredError
        | ExcelSenseHttpStatusError
        | ExcelSenseBusyError,
    )


def _now() -> float:
    """Home Assistant's clock, in seconds (simulated time in tests)."""
    return dt_util.utcnow().timestamp()


async def _capture[T](call: Awaitable[T]) -> T | ExcelSenseError:
    """An awaited value, or the client error it raised (as a value)."""
    try:
        return await call
    except ExcelSenseError as err:
        return err


async def _optional[T](call: Awaitable[T]) -> T | None:
    """A setup read some firmware lacks or answers in an unknown form.

    A group the firmware lacks and any reply we cannot use give None, so one
    optional group never keeps the camera from loading; a camera that does
    not answer at all, or refuses the login, still fails the setup.
    """
    try:
        return await call
    except ExcelSenseResponseError as err:
        if isinstance(err, ExcelSenseAuthenticationError):
            raise
        LOGGER.debug("Optional group not available: %s", err)
        return None
