"""Closed-loop lens care: measure clarity, clean when needed, check it helped.

Clarity is the smoothed sharpness of recent snapshots as a percentage of a
clean baseline for the same kind of scene. Baselines are learned from a
snapshot taken shortly after each successful self-clean and kept in storage.
A self-clean is verified by measuring again afterwards; automatic cleaning
runs when clarity stays under a threshold, a limited number of times a day,
and stops (with a repair issue) when cleaning does not help.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import date, datetime, timedelta
import statistics
import time
from typing import TYPE_CHECKING, Any

from homeassistant.core import HassJob, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_call_later, async_track_time_interval
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .api import AlarmOperation, ExcelSenseError
from .clarity import Measurement, measure
from .const import (
    CONF_AUTO_CLEAN_MAX_PER_DAY,
    CONF_LENS_INTERVAL,
    DEFAULT_AUTO_CLEAN_MAX_PER_DAY,
    DEFAULT_AUTO_CLEAN_THRESHOLD,
    DEFAULT_LENS_INTERVAL,
    DOMAIN,
    ISSUE_LENS_NOT_IMPROVING,
    LOGGER,
    SIGNAL_LENS_CLEANING,
    SIGNAL_LENS_UPDATE,
)

if TYPE_CHECKING:
    from .api import ExcelSenseClient
    from .data import ExcelSenseConfigEntry
    from .snapshot import SnapshotSource

STORAGE_VERSION = 1
# Samples are checked every minute against the configured interval, so a
# changed option applies without a reload.
TICK = timedelta(minutes=1)
# The wiper needs a few seconds; measure after it has surely finished.
POST_CLEAN_DELAY = timedelta(seconds=20)
# Median of this many samples of the same scene: one odd frame is not dirt.
SMOOTHING = 3
# A clean "helped" if clarity rose this many points or ended this high.
MIN_IMPROVEMENT = 10.0
CLEAN_ENOUGH = 90.0
# Automatic cleaning stops after this many cleanings in a row that did not help.
AUTO_STOP_AFTER = 2
# A snapshot younger than this, taken for the camera entity, is reused.
REUSE_MAX_AGE = 60.0
LENS_QUALITY = 9
# After a clean, a baseline may drop to a post-clean sample this close to it
# (the scene changed); lower post-clean samples are dirt that did not come off.
BASELINE_TOLERANCE = 0.85


@dataclass(frozen=True)
class CleaningOutcome:
    """Whether a self-clean helped, with clarity before and after (%)."""

    event_type: str
    before: float | None
    after: float | None


class LensMonitor:
    """Clarity, baselines, verification and automatic cleaning of one camera."""

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
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.lens.{entry.entry_id}"
        )
        self.baselines: dict[str, float] = {}
        self._samples: deque[Measurement] = deque(maxlen=SMOOTHING)
        self._ticks_since_sample = 0
        self.clarity: float | None = None
        self.auto_enabled = False
        self.threshold = DEFAULT_AUTO_CLEAN_THRESHOLD
        self.auto_stopped = False
        self._no_improvement_streak = 0
        self._cleans: tuple[date, int] = (dt_util.now().date(), 0)
        self._verifying = False

    async def async_start(self) -> None:
        """Load baselines and start sampling."""
        stored = await self._store.async_load() or {}
        self.baselines = {
            str(scene): float(value)
            for scene, value in dict(stored.get("baselines", {})).items()
        }
        self.entry.async_on_unload(
            async_track_time_interval(
                self.hass, self._tick, TICK, name=f"{DOMAIN} lens clarity"
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
    def scene(self) -> str | None:
        """The kind of scene of the latest sample."""
        return self._samples[-1].scene if self._samples else None

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
        except (ExcelSenseError, ValueError) as err:
            LOGGER.debug("Lens sample of %s failed: %s", self.client.host, err)
            return None

    def _clarity_of(self, samples: list[Measurement]) -> float | None:
        if not samples:
            return None
        baseline = self.baselines.get(samples[-1].scene)
        if not baseline:
            return None
        sharpness = statistics.median(m.sharpness for m in samples)
        return round(min(100.0, 100.0 * sharpness / baseline), 1)

    def _smoothed(self) -> float | None:
        """Median of the recent samples of the latest sample's scene."""
        if not self._samples:
            return None
        scene = self._samples[-1].scene
        return self._clarity_of([m for m in self._samples if m.scene == scene])

    async def async_sample(self) -> None:
        """Take one sample (reusing a recent snapshot) and act on it."""
        if self._verifying:
            return  # the verification's own sample is on its way
        sample = await self._measure(reuse=True)
        if sample is None or self._verifying:
            return
        self._samples.append(sample)
        self.clarity = self._smoothed()
        self._publish()
        if self.clarity is not None and self.clarity >= self.threshold:
            self._clear_not_improving()
        await self._maybe_auto_clean()

    async def _maybe_auto_clean(self) -> None:
        scene = self.scene
        steady = sum(1 for m in self._samples if m.scene == scene) >= SMOOTHING
        if (
            not self.auto_enabled
            or self.auto_stopped
            or self._verifying
            or self.clarity is None
            or self.clarity >= self.threshold
            or not steady
            or self.client.alarm_operation_running
            or self.cleans_today >= self.max_per_day
        ):
            return
        self._cleans = (dt_util.now().date(), self.cleans_today + 1)
        LOGGER.info(
            "Lens clarity of %s is %.0f%%, under %.0f%%: running self-clean",
            self.entry.title,
            self.clarity,
            self.threshold,
        )
        # Its own task: a sampling tick must not wait out the wiper.
        self._verifying = True
        self.entry.async_create_background_task(
            self.hass, self._auto_clean(), f"{DOMAIN} automatic self-clean"
        )

    async def _auto_clean(self) -> None:
        try:
            await self.async_self_clean(automatic=True)
        except ExcelSenseError as err:
            self._verifying = False
            LOGGER.warning(
                "Automatic self-clean of %s failed: %s", self.entry.title, err
            )

    async def async_self_clean(self, *, automatic: bool = False) -> None:
        """Run self-clean, then verify it after the wiper has finished."""
        before = self.clarity
        await self.client.run_alarm_operation(AlarmOperation.SELF_CLEAN)
        self._verifying = True

        async def verify(_now: datetime) -> None:
            await self._verify(before, automatic)

        self.entry.async_on_unload(
            async_call_later(
                self.hass,
                POST_CLEAN_DELAY,
                HassJob(verify, f"{DOMAIN} verify self-clean", cancel_on_shutdown=True),
            )
        )

    async def _verify(self, before: float | None, automatic: bool) -> None:  # noqa: FBT001
        try:
            sample = await self._measure(reuse=False)
        finally:
            self._verifying = False
        if sample is None:
            return
        self._learn_baseline(sample)
        self._samples.clear()
        self._samples.append(sample)
        after = self._clarity_of([sample])
        self.clarity = after
        helped = (
            before is None
            or after is None
            or after >= CLEAN_ENOUGH
            or after - before >= MIN_IMPROVEMENT
        )
        outcome = CleaningOutcome(
            "cleaned" if helped else "no_improvement", before, after
        )
        if helped:
            self._no_improvement_streak = 0
            self._clear_not_improving()
        elif automatic:
            self._no_improvement_streak += 1
            if self._no_improvement_streak >= AUTO_STOP_AFTER:
                self._stop_auto(before, after)
        async_dispatcher_send(
            self.hass, SIGNAL_LENS_CLEANING.format(self.entry.entry_id), outcome
        )
        self._publish()

    def _learn_baseline(self, sample: Measurement) -> None:
        baseline = self.baselines.get(sample.scene)
        if baseline is None or sample.sharpness > baseline:
            new = sample.sharpness
        elif sample.sharpness >= BASELINE_TOLERANCE * baseline:
            new = (baseline + sample.sharpness) / 2
        else:
            return
        self.baselines[sample.scene] = new
        self._store.async_delay_save(lambda: {"baselines": dict(self.baselines)}, 1)

    def _stop_auto(self, before: float | None, after: float | None) -> None:
        self.auto_stopped = True
        LOGGER.warning(
            "Self-clean did not improve the lens of %s; automatic cleaning paused",
            self.entry.title,
        )
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            f"{ISSUE_LENS_NOT_IMPROVING}_{self.entry.entry_id}",
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_LENS_NOT_IMPROVING,
            translation_placeholders={
                "name": self.entry.title,
                "before": "?" if before is None else f"{before:.0f}",
                "after": "?" if after is None else f"{after:.0f}",
            },
        )

    def _clear_not_improving(self) -> None:
        self.auto_stopped = False
        self._no_improvement_streak = 0
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
        self.threshold = value
        self._publish()

    def _publish(self) -> None:
        async_dispatcher_send(self.hass, SIGNAL_LENS_UPDATE.format(self.entry.entry_id))
