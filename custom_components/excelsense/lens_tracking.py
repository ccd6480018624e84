"""Lens clarity over time: baselines, smoothing and decisions, without Home Assistant.

``ClarityTracker`` is fed measurements (``clarity.measure``) and says what the
lens looks like and what to do about it; ``lens.LensMonitor`` takes the
snapshots, runs the wiper, stores the baselines and tells Home Assistant.

- **Baselines** are kept per kind of scene (day or night). The first sample of
  a scene becomes a *provisional* baseline, so clarity reads from the start;
  while it is provisional a clearer sample replaces it. The first sample after
  a verified self-clean replaces it for good (*verified*). Later verified
  cleans renew it when the sample is as clear as the baseline (the scene may
  have changed a little), and keep it when dirt did not come off.
- **Smoothing**: clarity and obscured area are the medians of the last
  ``SMOOTHING`` samples of the current scene, so one odd frame is not dirt.
- **Decisions**: clean when clarity is under its threshold or the obscured
  area over its own, once the readings are steady; after a clean, whether it
  helped, and a pause after ``AUTO_STOP_AFTER`` automatic cleans that did not.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import StrEnum
import statistics
from typing import Any

from .clarity import Measurement, Reading, compare, scene_of, sharpness_ratio

# Median of this many samples of the same scene: one odd frame is not dirt.
SMOOTHING = 3
# A clean "helped" if clarity rose (or the obscured area fell) this many
# points, or clarity ended this high with the obscured area under its limit.
MIN_IMPROVEMENT = 10.0
CLEAN_ENOUGH = 90.0
# Automatic cleaning pauses after this many cleanings in a row that did not help.
AUTO_STOP_AFTER = 2
# A verified clean renews the baseline from a sample at least this clear and
# at most this obscured compared with it; anything worse is dirt that stayed.
RENEW_MIN_CLARITY = 85.0
RENEW_MAX_OBSCURED = 10.0
# While the baseline is provisional, a sample this much sharper replaces it.
PROVISIONAL_SHARPER = 1.05
DEFAULT_CLARITY_THRESHOLD = 60.0
DEFAULT_OBSCURED_THRESHOLD = 20.0


class LensState(StrEnum):
    """What the lens loop is doing."""

    IDLE = "idle"
    CLEANING = "cleaning"  # the wiper's alarm-output pulse is being sent
    VERIFYING = "verifying"  # waiting for the wiper, then measuring again


class BaselineKind(StrEnum):
    """How a baseline was learned."""

    PROVISIONAL = "provisional"
    VERIFIED = "verified"


@dataclass(frozen=True)
class Baseline:
    """The clean lens for one kind of scene."""

    measurement: Measurement
    kind: BaselineKind

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (for storage)."""
        return {"kind": str(self.kind), "measurement": self.measurement.as_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Baseline:
        """Read the stored form back (raises on anything else)."""
        return cls(
            Measurement.from_dict(data["measurement"]), BaselineKind(data["kind"])
        )


@dataclass(frozen=True)
class CleaningOutcome:
    """Whether a self-clean helped, with the readings before and after (%)."""

    event_type: str
    before: Reading | None
    after: Reading | None


class ClarityTracker:
    """Baselines, smoothed readings and cleaning decisions of one lens."""

    def __init__(self, baselines: dict[str, Baseline] | None = None) -> None:
        """Start with stored ``baselines`` (by scene), if any."""
        self.baselines: dict[str, Baseline] = dict(baselines or {})
        self.state = LensState.IDLE
        self.scene: str | None = None
        self.reading: Reading | None = None
        self.clarity_threshold = DEFAULT_CLARITY_THRESHOLD
        self.obscured_threshold = DEFAULT_OBSCURED_THRESHOLD
        self.auto_stopped = False
        self._samples: deque[tuple[str, Measurement]] = deque(maxlen=SMOOTHING)
        self._no_improvement_streak = 0

    # ------------------------------------------------------------ readings

    @property
    def baseline(self) -> Baseline | None:
        """The baseline of the current scene."""
        return None if self.scene is None else self.baselines.get(self.scene)

    @property
    def steady(self) -> bool:
        """Whether enough samples of the current scene back the reading."""
        return sum(1 for scene, _ in self._samples if scene == self.scene) >= SMOOTHING

    def add(self, sample: Measurement) -> bool:
        """Take a sample into account; whether a baseline changed (to store)."""
        self.scene = scene_of(sample.brightness, self.scene)
        self._samples.append((self.scene, sample))
        changed = self._learn_provisional(sample)
        self.reading = self._smoothed()
        return changed

    def _learn_provisional(self, sample: Measurement) -> bool:
        assert self.scene is not None  # noqa: S101 - set by add
        baseline = self.baselines.get(self.scene)
        if baseline is None or (
            baseline.kind is BaselineKind.PROVISIONAL
            and sharpness_ratio(sample, baseline.measurement) >= PROVISIONAL_SHARPER
        ):
            self.baselines[self.scene] = Baseline(sample, BaselineKind.PROVISIONAL)
            return True
        return False

    def _smoothed(self) -> Reading | None:
        baseline = self.baseline
        if baseline is None:
            return None
        readings = [
            compare(sample, baseline.measurement)
            for scene, sample in self._samples
            if scene == self.scene
        ]
        return Reading(
            clarity=statistics.median(r.clarity for r in readings),
            obscured=statistics.median(r.obscured for r in readings),
        )

    def is_clear(self, reading: Reading | None = None) -> bool:
        """Whether ``reading`` (default: the current one) needs no cleaning."""
        reading = reading or self.reading
        return reading is not None and (
            reading.clarity >= self.clarity_threshold
            and reading.obscured <= self.obscured_threshold
        )

    # ----------------------------------------------------------- decisions

    def wants_auto_clean(self) -> bool:
        """Whether an automatic clean is due (if allowed by the caller)."""
        return (
            self.state is LensState.IDLE
            and not self.auto_stopped
            and self.reading is not None
            and self.steady
            and not self.is_clear()
        )

    def cleaning_started(self) -> None:
        """A self-clean is on its way: samples wait for its verification."""
        self.state = LensState.CLEANING

    def cleaning_sent(self) -> None:
        """The wiper runs; the next measurement verifies it."""
        self.state = LensState.VERIFYING

    def cleaning_failed(self) -> None:
        """The self-clean could not be sent."""
        self.state = LensState.IDLE

    def verified(
        self, sample: Measurement | None, before: Reading | None, *, automatic: bool
    ) -> CleaningOutcome | None:
        """The measurement after a clean: learn from it and judge the clean.

        None (and nothing learned) when no picture could be measured.
        """
        self.state = LensState.IDLE
        if sample is None:
            return None
        self.scene = scene_of(sample.brightness, self.scene)
        self._renew_baseline(sample)
        self._samples.clear()
        self._samples.append((self.scene, sample))
        after = self._smoothed()
        self.reading = after
        helped = (
            before is None
            or after is None
            or (after.clarity >= CLEAN_ENOUGH and self.is_clear(after))
            or after.clarity - before.clarity >= MIN_IMPROVEMENT
            or before.obscured - after.obscured >= MIN_IMPROVEMENT
        )
        if helped:
            self.resume()
        elif automatic:
            self._no_improvement_streak += 1
            if self._no_improvement_streak >= AUTO_STOP_AFTER:
                self.auto_stopped = True
        return CleaningOutcome("cleaned" if helped else "no_improvement", before, after)

    def _renew_baseline(self, sample: Measurement) -> None:
        assert self.scene is not None  # noqa: S101 - set by verified
        baseline = self.baselines.get(self.scene)
        if baseline is not None and baseline.kind is BaselineKind.VERIFIED:
            reading = compare(sample, baseline.measurement)
            if (
                reading.clarity < RENEW_MIN_CLARITY
                or reading.obscured > RENEW_MAX_OBSCURED
            ):
                return  # dirt that did not come off is no baseline
        self.baselines[self.scene] = Baseline(sample, BaselineKind.VERIFIED)

    def resume(self) -> None:
        """Automatic cleaning may run again (it helped, or the user says so)."""
        self.auto_stopped = False
        self._no_improvement_streak = 0

    # ------------------------------------------------------------- storage

    def stored(self) -> dict[str, Any]:
        """What to keep across restarts."""
        return {
            "baselines": {
                scene: baseline.as_dict() for scene, baseline in self.baselines.items()
            }
        }

    @staticmethod
    def baselines_from(stored: dict[str, Any] | None) -> dict[str, Baseline]:
        """Baselines from ``stored`` (what ``stored()`` returned); bad ones dropped."""
        baselines = {}
        for scene, data in dict((stored or {}).get("baselines", {})).items():
            try:
                baselines[str(scene)] = Baseline.from_dict(data)
            except (KeyError, TypeError, ValueError):
                continue
        return baselines
