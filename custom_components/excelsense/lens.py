"""Closed-loop lens care: measure clarity, clean when needed, check it helped.

``lens_tracking.ClarityTracker`` holds the baselines, the smoothed readings and
the decisions; this monitor feeds it snapshots on a timer, runs self-clean
(automatically when the tracker asks, a limited number of times a day),
verifies each clean with a fresh snapshot after the wiper has finished, keeps
the baselines in storage and tells Home Assistant (entities, the cleaning
event, the "does not improve" repair issue).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
import time
from typing import TYPE_CHECKING, Any

from homeassistant.core import HassJob, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_call_later, async_track_time_interval
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .api import AlarmOperation, ExcelSenseError
from .clarity import Measurement, NotAnImageError, Reading, measure
from .const import (
    CONF_AUTO_CLEAN_MAX_PER_DAY,
    CONF_LENS_INTERVAL,
    DEFAULT_AUTO_CLEAN_MAX_PER_DAY,
    DEFAULT_LENS_INTERVAL,
    DOMAIN,
    ISSUE_LENS_NOT_IMPROVING,
    LENS_STORAGE_KEY,
    LOGGER,
    SIGNAL_LENS_CLEANING,
    SIGNAL_LENS_UPDATE,
)
from .lens_tracking import ClarityTracker, CleaningOutcome, LensState

if TYPE_CHECKING:
    from .api import ExcelSenseClient
    from .data import ExcelSenseConfigEntry
    from .snapshot import SnapshotSource

# Version 2: baselines per region (version 1 kept one number per scene).
STORAGE_VERSION = 2
# Samples are checked every minute against the configured interval, so a
# changed option applies without a reload.
TICK = timedelta(minutes=1)
# The first sample, shortly after setup (the camera is known to answer).
FIRST_SAMPLE_DELAY = timedelta(seconds=10)
# The wiper needs a few seconds; measure after it has surely finished.
POST_CLEAN_DELAY = timedelta(seconds=20)
# A snapshot younger than this, taken for the camera entity, is reused.
REUSE_MAX_AGE = 60.0
LENS_QUALITY = 9

__all__ = ["CleaningOutcome", "LensMonitor"]


class _LensStore(Store[dict[str, Any]]):
    """The baselines; those of version 1 (one number per scene) are dropped."""

    async def _async_migrate_func(
        self,
        old_major_version: int,
        old_minor_version: int,
        old_data: dict[str, Any],
    ) -> dict[str, Any]:
        # A single edge strength cannot become a baseline per region; the
        # next samples give a provisional baseline instead.
        return {"baselines": {}}


def _cleans_from(stored: dict[str, Any] | None) -> tuple[date, int] | None:
    """Automatic cleanings counted on a day, as stored (None when unreadable)."""
    try:
        day, count = (stored or {})["cleans"]
        return date.fromisoformat(day), max(0, int(count))
    except (KeyError, TypeError, ValueError):
        return None


class LensMonitor:
    """Sampling, self-clean, verification and storage of one camera's lens."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ExcelSenseConfigEntry,
        client: ExcelSenseClient,
        snapshots: SnapshotSource,
    ) -> None:
        """Watch one camera's lens."""
        self.hass = hass
        self.entry = entry
        self.client = client
        self.snapshots = snapshots
        self._store = _LensStore(
            hass, STORAGE_VERSION, LENS_STORAGE_KEY.format(entry.entry_id)
        )
        self.tracker = ClarityTracker()
        self._ticks_since_sample = 0
        self.auto_enabled = False
        self._cleans: tuple[date, int] = (dt_util.now().date(), 0)

    async def async_start(self) -> None:
        """Load baselines and today's count, start sampling; save on unload."""
        stored = await self._store.async_load()
        self.tracker.baselines = ClarityTracker.baselines_from(stored)
        self._cleans = _cleans_from(stored) or self._cleans
        self.entry.async_on_unload(self._save_now)
        self.entry.async_on_unload(
            async_track_time_interval(
                self.hass, self._tick, TICK, name=f"{DOMAIN} lens clarity"
            )
        )

        # Readings from the start, not one interval later.
        async def first_sample(_now: datetime) -> None:
            await self.async_sample()

        self.entry.async_on_unload(
            async_call_later(
                self.hass,
                FIRST_SAMPLE_DELAY,
                HassJob(
                    first_sample, f"{DOMAIN} first lens sample", cancel_on_shutdown=True
                ),
            )
        )

    @property
    def interval(self) -> timedelta:
        """How often to sample (from the options, read at use time)."""
        minutes = self.entry.options.get(CONF_LENS_INTERVAL, DEFAULT_LENS_INTERVAL)
        return timedelta(minutes=int(minutes))

    @property
    def max_per_day(self) -> int:
        """Automatic cleanings allowed per day (from the options)."""
        return int(
            self.entry.options.get(
                CONF_AUTO_CLEAN_MAX_PER_DAY, DEFAULT_AUTO_CLEAN_MAX_PER_DAY
            )
        )

    @property
    def cleans_today(self) -> int:
        """Automatic cleanings run today."""
        day, count = self._cleans
        return count if day == dt_util.now().date() else 0

    @property
    def clarity(self) -> float | None:
        """Smoothed clarity (%), None before the first sample."""
        reading = self.tracker.reading
        return None if reading is None else reading.clarity

    @property
    def obscured(self) -> float | None:
        """Smoothed obscured area (%), None before the first sample."""
        reading = self.tracker.reading
        return None if reading is None else reading.obscured

    @property
    def scene(self) -> str | None:
        """The kind of scene compared (day or night)."""
        return self.tracker.scene

    @property
    def baseline(self) -> str | None:
        """Whether the current scene's baseline is provisional or verified."""
        baseline = self.tracker.baseline
        return None if baseline is None else str(baseline.kind)

    @property
    def threshold(self) -> float:
        """Clarity (%) under which automatic cleaning runs."""
        return self.tracker.clarity_threshold

    @property
    def obscured_threshold(self) -> float:
        """Obscured area (%) over which automatic cleaning runs."""
        return self.tracker.obscured_threshold

    async def _tick(self, _now: datetime) -> None:
        self._ticks_since_sample += 1
        if self._ticks_since_sample * TICK < self.interval:
            return
        self._ticks_since_sample = 0
        await self.async_sample()

    async def _snapshot(self, *, reuse: bool) -> bytes:
        if not reuse:
            # After a clean: a picture from before the wiper ran must not do.
            return await self.client.snapshot(LENS_QUALITY)
        latest = self.snapshots.latest
        if (
            latest is not None
            and latest.quality == LENS_QUALITY
            and time.monotonic() - latest.taken < REUSE_MAX_AGE
        ):
            return latest.image
        return await self.snapshots.get(LENS_QUALITY)

    async def _measure(self, *, reuse: bool) -> Measurement | None:
        try:
            jpeg = await self._snapshot(reuse=reuse)
            return await self.hass.async_add_executor_job(measure, jpeg)
        except (ExcelSenseError, NotAnImageError) as err:
            LOGGER.debug("Lens sample of %s failed: %s", self.client.host, err)
            return None

    async def async_sample(self) -> None:
        """Take one sample (reusing a recent snapshot) and act on it."""
        if self.tracker.state is not LensState.IDLE:
            return  # the verification's own sample is on its way
        sample = await self._measure(reuse=True)
        if sample is None or self.tracker.state is not LensState.IDLE:
            return
        if self.tracker.add(sample):
            self._save()
        self._publish()
        if self.tracker.is_clear():
            self._clear_not_improving()
        self._maybe_auto_clean()

    def _maybe_auto_clean(self) -> None:
        reading = self.tracker.reading
        if (
            not self.auto_enabled
            or reading is None
            or not self.tracker.wants_auto_clean()
            or self.client.alarm_operation_running
            or self.cleans_today >= self.max_per_day
        ):
            return
        self._cleans = (dt_util.now().date(), self.cleans_today + 1)
        self._save()  # the daily limit holds across restarts
        LOGGER.info(
            "Lens of %s: clarity %.0f%% (threshold %.0f%%), %.0f%% obscured "
            "(threshold %.0f%%): running self-clean",
            self.entry.title,
            reading.clarity,
            self.threshold,
            reading.obscured,
            self.obscured_threshold,
        )
        # Its own task: a sampling tick must not wait out the wiper.
        self.tracker.cleaning_started()
        self.entry.async_create_background_task(
            self.hass, self._auto_clean(), f"{DOMAIN} automatic self-clean"
        )

    async def _auto_clean(self) -> None:
        try:
            await self.async_self_clean(automatic=True)
        except ExcelSenseError as err:
            LOGGER.warning(
                "Automatic self-clean of %s failed: %s", self.entry.title, err
            )

    async def async_self_clean(self, *, automatic: bool = False) -> None:
        """Run self-clean, then verify it after the wiper has finished."""
        before = self.tracker.reading
        self.tracker.cleaning_started()
        try:
            await self.client.run_alarm_operation(AlarmOperation.SELF_CLEAN)
        except ExcelSenseError:
            self.tracker.cleaning_failed()
            raise
        self.tracker.cleaning_sent()

        async def verify(_now: datetime) -> None:
            await self._verify(before, automatic=automatic)

        self.entry.async_on_unload(
            async_call_later(
                self.hass,
                POST_CLEAN_DELAY,
                HassJob(verify, f"{DOMAIN} verify self-clean", cancel_on_shutdown=True),
            )
        )

    async def _verify(self, before: Reading | None, *, automatic: bool) -> None:
        sample = await self._measure(reuse=False)
        outcome = self.tracker.verified(sample, before, automatic=automatic)
        if outcome is None:
            self._publish()
            return
        self._save()
        if outcome.event_type == "cleaned":
            self._clear_not_improving()
        elif self.tracker.auto_stopped:
            self._raise_not_improving(outcome)
        async_dispatcher_send(
            self.hass, SIGNAL_LENS_CLEANING.format(self.entry.entry_id), outcome
        )
        self._publish()

    def _stored(self) -> dict[str, Any]:
        day, count = self._cleans
        return {**self.tracker.stored(), "cleans": [day.isoformat(), count]}

    def _save(self) -> None:
        self._store.async_delay_save(self._stored, 1)

    async def _save_now(self) -> None:
        await self._store.async_save(self._stored())

    def _raise_not_improving(self, outcome: CleaningOutcome) -> None:
        LOGGER.warning(
            "Self-clean did not improve the lens of %s; automatic cleaning paused",
            self.entry.title,
        )

        def percent(value: float | None) -> str:
            return "?" if value is None else f"{value:.0f}"

        before, after = outcome.before, outcome.after

        ir.async_create_issue(
            self.hass,
            DOMAIN,
            f"{ISSUE_LENS_NOT_IMPROVING}_{self.entry.entry_id}",
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_LENS_NOT_IMPROVING,
            translation_placeholders={
                "name": self.entry.title,
                "before": percent(None if before is None else before.clarity),
                "after": percent(None if after is None else after.clarity),
                "obscured": percent(None if after is None else after.obscured),
            },
        )

    def _clear_not_improving(self) -> None:
        self.tracker.resume()
        ir.async_delete_issue(
            self.hass, DOMAIN, f"{ISSUE_LENS_NOT_IMPROVING}_{self.entry.entry_id}"
        )

    @callback
    def set_auto(self, *, enabled: bool) -> None:
        """Turn automatic cleaning on or off (on again also resumes it)."""
        self.auto_enabled = enabled
        if enabled:
            self._clear_not_improving()
        self._publish()

    @callback
    def set_threshold(self, value: float) -> None:
        """Set the clarity (%) under which automatic cleaning runs."""
        self.tracker.clarity_threshold = value
        self._publish()

    @callback
    def set_obscured_threshold(self, value: float) -> None:
        """Set the obscured area (%) over which automatic cleaning runs."""
        self.tracker.obscured_threshold = value
        self._publish()

    def _publish(self) -> None:
        async_dispatcher_send(self.hass, SIGNAL_LENS_UPDATE.format(self.entry.entry_id))
