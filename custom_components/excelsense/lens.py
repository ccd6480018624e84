"""Closed-loop lens care: measure clarity, clean when needed, check it helped.

``lens_tracking.ClarityTracker`` holds the baselines, the smoothed readings and
the decisions; this coordinator feeds it snapshots on the lens interval, runs
self-clean (automatically when the tracker asks, a limited number of times a
day), verifies each clean with a fresh snapshot after the wiper has finished,
keeps the baselines in storage and tells Home Assistant: its entities listen
to it like to any coordinator, the cleaning event fires on a new outcome, and
the "does not improve" repair issue is raised and cleared through ``issues``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
import time
from typing import TYPE_CHECKING, Any

from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .api import (
    AlarmOperation,
    ExcelSenseError,
    ExcelSenseResponseError,
    ExcelSenseShutdownError,
)
from .clarity import Measurement, NotAnImageError, Reading, measure
from .const import DOMAIN, LENS_STORAGE_KEY, LOGGER
from .coordinator import ExcelSenseCoordinatorBase
from .issues import clear_lens_issue, raise_lens_issue
from .lens_tracking import ClarityTracker, CleaningOutcome, LensState
from .options import ExcelSenseOptions

if TYPE_CHECKING:
    from .api import ExcelSenseClient
    from .data import ExcelSenseConfigEntry
    from .snapshot import SnapshotSource

# Version 2: baselines per region (version 1 kept one number per scene).
STORAGE_VERSION = 2
# The first sample, shortly after setup (the camera is known to answer);
# then one per lens interval (the option, read at every sample).
FIRST_SAMPLE_DELAY = timedelta(seconds=10)
# The wiper needs a few seconds; measure after it has surely finished.
POST_CLEAN_DELAY = timedelta(seconds=20)
# A snapshot younger than this, taken for the camera entity, is reused.
REUSE_MAX_AGE = 60.0
LENS_QUALITY = 9

__all__ = ["CleaningOutcome", "LensCoordinator", "LensData"]


@dataclass(frozen=True, kw_only=True)
class LensData:
    """What the lens entities show.

    ``outcomes`` counts verified cleans; the cleaning event fires when it
    changes, with ``outcome``.
    """

    reading: Reading | None = None
    scene: str | None = None
    baseline: str | None = None
    outcome: CleaningOutcome | None = None
    outcomes: int = 0


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
    except (KeyError, TypeError, ValueError, OverflowError):
        return None


def _percent(value: float | None) -> str:
    return "?" if value is None else f"{value:.0f}"


class LensCoordinator(ExcelSenseCoordinatorBase[LensData]):
    """Sampling, self-clean, verification and storage of one camera's lens."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ExcelSenseConfigEntry,
        client: ExcelSenseClient,
        snapshots: SnapshotSource,
    ) -> None:
        """Watch one camera's lens."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} lens {client.host}",
            update_interval=FIRST_SAMPLE_DELAY,
        )
        self.client = client
        self.snapshots = snapshots
        self._store = _LensStore(
            hass, STORAGE_VERSION, LENS_STORAGE_KEY.format(entry.entry_id)
        )
        self.tracker = ClarityTracker()
        self.auto_enabled = False
        self._cleans: tuple[date, int] = (dt_util.now().date(), 0)
        self._cancel_verify: CALLBACK_TYPE | None = None
        self._stopped = False
        self.data = LensData()

    async def async_start(self) -> None:
        """Load baselines and today's count; save and stop at unload."""
        stored = await self._store.async_load()
        # Baselines and a pause after useless wipes survive restarts (the
        # pause's repair issue is kept by the issue registry meanwhile).
        self.tracker.restore(stored)
        self._cleans = _cleans_from(stored) or self._cleans
        self.config_entry.async_on_unload(self._async_stop)

    async def _async_stop(self) -> None:
        self._stopped = True
        if self._cancel_verify is not None:
            self._cancel_verify()
            self._cancel_verify = None
        await self._store.async_save(self._stored())

    @property
    def options(self) -> ExcelSenseOptions:
        """The entry's options (read at use time)."""
        return ExcelSenseOptions.from_config_entry(self.config_entry)

    @property
    def max_per_day(self) -> int:
        """Automatic cleanings allowed per day (from the options)."""
        return self.options.auto_clean_max_per_day

    @property
    def cleans_today(self) -> int:
        """Automatic cleanings run today."""
        day, count = self._cleans
        return count if day == dt_util.now().date() else 0

    @property
    def threshold(self) -> float:
        """Clarity (%) under which automatic cleaning runs."""
        return self.tracker.clarity_threshold

    @property
    def obscured_threshold(self) -> float:
        """Obscured area (%) over which automatic cleaning runs."""
        return self.tracker.obscured_threshold

    def _current(self, **changes: Any) -> LensData:  # noqa: ANN401 - LensData fields
        tracker = self.tracker
        baseline = tracker.baseline
        values: dict[str, Any] = {
            "reading": tracker.reading,
            "scene": tracker.scene,
            "baseline": None if baseline is None else str(baseline.kind),
            "outcome": self.data.outcome,
            "outcomes": self.data.outcomes,
        }
        values.update(changes)
        return LensData(**values)

    # ------------------------------------------------------------ sampling

    async def _async_update_data(self) -> LensData:
        """One sample (reusing a recent snapshot), and what it calls for."""
        self.update_interval = self.options.lens_interval
        if self.tracker.state is not LensState.IDLE:
            return self.data  # the verification's own sample is on its way
        sample = await self._measure(reuse=True)
        if sample is None or self.tracker.state is not LensState.IDLE:
            return self.data
        if self.tracker.add(sample):
            self._save()
        if self.tracker.is_clear():
            self._resume()
        self._maybe_auto_clean()
        return self._current()

    async def async_sample(self) -> None:
        """Take one sample now (as the next scheduled one would)."""
        await self.async_refresh()

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

    # ------------------------------------------------------------ cleaning

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
            self.config_entry.title,
            reading.clarity,
            self.threshold,
            reading.obscured,
            self.obscured_threshold,
        )
        # Its own task: a sample must not wait out the wiper.
        self.tracker.cleaning_started()
        self.config_entry.async_create_background_task(
            self.hass, self._auto_clean(), f"{DOMAIN} automatic self-clean"
        )

    async def _auto_clean(self) -> None:
        try:
            await self.async_self_clean(automatic=True)
        except ExcelSenseShutdownError:
            return  # Home Assistant stops or the camera unloads: nothing to say
        except ExcelSenseError as err:
            LOGGER.warning(
                "Automatic self-clean of %s failed: %s", self.config_entry.title, err
            )

    async def async_self_clean(self, *, automatic: bool = False) -> None:
        """Run self-clean, then verify it after the wiper has finished."""
        before = self.tracker.reading
        self.tracker.cleaning_started()
        try:
            await self.client.run_alarm_operation(AlarmOperation.SELF_CLEAN)
        except BaseException:
            # Failed, or its caller went away (the operation itself finished,
            # shielded): nothing to verify, samples go on.
            self.tracker.cleaning_failed()
            raise
        self.tracker.cleaning_sent()
        if self._stopped:
            # Unloaded while the wiper ran (the unload waited for it): nothing
            # is left to verify it, and no request may follow.
            self.tracker.cleaning_failed()
            return

        async def verify(_now: datetime) -> None:
            self._cancel_verify = None
            await self._verify(before, automatic=automatic)

        # One verification at a time: the tracker waits for it before the
        # next clean, and unloading cancels the one pending.
        if self._cancel_verify is not None:
            self._cancel_verify()
        self._cancel_verify = async_call_later(
            self.hass,
            POST_CLEAN_DELAY,
            HassJob(verify, f"{DOMAIN} verify self-clean", cancel_on_shutdown=True),
        )

    async def _verify(self, before: Reading | None, *, automatic: bool) -> None:
        try:
            sample = await self._measure(reuse=False)
        except BaseException as err:
            # Whatever went wrong, samples go on: nothing measured, nothing
            # learned, never left waiting for this check.
            self.tracker.verified(None, before, automatic=automatic)
            if not isinstance(err, Exception):
                raise
            LOGGER.exception("Lens check of %s failed", self.config_entry.title)
            return
        if self._stopped:
            return  # unloaded meanwhile
        outcome = self.tracker.verified(sample, before, automatic=automatic)
        self._save()  # (baselines may change without a verdict: another size)
        if outcome is None:
            self.async_set_updated_data(self._current())
            return
        if outcome.event_type == "cleaned":
            self._resume()
        elif self.tracker.auto_stopped:
            self._raise_not_improving(outcome)
        self.async_set_updated_data(
            self._current(outcome=outcome, outcomes=self.data.outcomes + 1)
        )

    async def async_relearn(self) -> None:
        """Take the current picture as the clean reference (a fresh one).

        After moving the camera, or cleaning the lens by hand: automatic
        cleaning resumes and the lens issue goes away.
        """
        sample = await self._measure(reuse=False)
        if sample is None:
            msg = "No picture of the camera could be measured"
            raise ExcelSenseResponseError(None, msg)
        self.tracker.relearn(sample)
        self._save()
        self._resume()
        self.async_set_updated_data(self._current())

    # ------------------------------------------------------------ storage

    def _stored(self) -> dict[str, Any]:
        day, count = self._cleans
        return {**self.tracker.stored(), "cleans": [day.isoformat(), count]}

    def _save(self) -> None:
        self._store.async_delay_save(self._stored, 1)

    # ------------------------------------------------------------ the issue

    def _raise_not_improving(self, outcome: CleaningOutcome) -> None:
        LOGGER.warning(
            "Self-clean did not improve the lens of %s; automatic cleaning paused",
            self.config_entry.title,
        )
        before, after = outcome.before, outcome.after
        raise_lens_issue(
            self.hass,
            self.config_entry,
            {
                "before": _percent(None if before is None else before.clarity),
                "after": _percent(None if after is None else after.clarity),
                "obscured": _percent(None if after is None else after.obscured),
            },
        )

    def _resume(self) -> None:
        self.tracker.resume()
        clear_lens_issue(self.hass, self.config_entry)

    # ------------------------------------------------------------ settings

    @callback
    def set_auto(self, *, enabled: bool, resume: bool = True) -> None:
        """Turn automatic cleaning on or off.

        Turned on by the user, it also resumes after a pause; ``resume``
        False keeps a pause (the switch restoring its state at a restart).
        """
        self.auto_enabled = enabled
        if enabled and resume:
            self._resume()
        self.async_update_listeners()

    @callback
    def set_threshold(self, value: float) -> None:
        """Set the clarity (%) under which automatic cleaning runs."""
        self.tracker.clarity_threshold = value
        self.async_update_listeners()

    @callback
    def set_obscured_threshold(self, value: float) -> None:
        """Set the obscured area (%) over which automatic cleaning runs."""
        self.tracker.obscured_threshold = value
        self.async_update_listeners()
