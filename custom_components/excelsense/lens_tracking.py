"""Lens clarity over time: baselines, smoothing and decisions, without Home Assistant.

``ClarityTracker`` is fed measurements (``clarity.measure``) and says what the
lens looks like and what to do about it; ``lens.LensMonitor`` takes the
snapshots, runs the wiper, stores what ``stored()`` returns and tells Home
Assistant.

- **Scenes**: baselines are kept per kind of scene, day or night; night is a
  grey picture (the camera's IR mode) or a very dark one (``view.scene_of``).
- **Baselines earn their place.** The first sample of a scene that shows one
  (not a black or white frame) becomes a *provisional* baseline, so clarity
  reads from the start. Only a picture that stayed the same over ``SMOOTHING``
  samples and shows all the baseline shows and more replaces it (a lens dirty
  at install, fog that lifted); one sharper frame (a car passing) will not do.
  A baseline becomes *verified* only after a clean that measurably helped,
  from the picture after it once the next sample agrees with it.
- **Not dirt** (``view.explained``): a view that moved or changed (fine detail
  as sharp as before, only elsewhere, or new shapes in focus) is re-learned as
  a provisional baseline without a wipe, once it held for ``SMOOTHING``
  samples; while it still moves (the pictures disagree) it is neither wiped
  nor learned. A wipe that changed nothing is evidence: what is left is the
  scene or dirt no wiper takes off, so weaker signs of fog or of a changed
  view will do, and that picture is learned as the current normal; otherwise
  automatic cleaning pauses (``auto_stopped``) until the lens reads clear
  again or ``relearn`` / ``resume`` is called.
- **Smoothing and hysteresis**: clarity and obscured area are the medians of
  the last ``SMOOTHING`` samples of the current scene, and an automatic clean
  is due only when each of them reads dirty on its own. The lens turns dirty
  when a reading crosses a threshold and clear again only past a margin, so a
  reading at the threshold does not wipe again and again.

The caller's part: ``add`` every sample (store ``stored()`` when it returns
True), run a clean when ``wants_auto_clean``, bracket it with
``cleaning_started`` / ``cleaning_sent`` / ``cleaning_failed``, hand the
picture after it to ``verified``, call ``resume`` when ``is_clear()`` (or the
user asks), ``relearn`` on the user's word, and ``restore`` what was stored.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace
from enum import StrEnum
import statistics
from typing import Any

from .baseline import Baseline, BaselineKind, Learned, keep_sized, sized_key
from .clarity import Comparison, Measurement, Reading
from .comparison import examine
from .view import FOG, VIEW, explained, moved, scene_of, view_changed

# Median of this many samples of the same scene: one odd frame is not dirt.
SMOOTHING = 3
# A clean helped when the picture before it, read against the one after it,
# shows this much less clarity or more obscured area than the other way round.
HELPED_CLARITY = 8.0
HELPED_OBSCURED = 4.0
# Two pictures agree (the same view through the same lens) when each reads
# against the other with at least this clarity and at most this obscured area.
AGREE_CLARITY = 92.0
AGREE_OBSCURED = 3.0
# A provisional baseline gives way to steady pictures that read at least this
# clear against it (and show something it lacks).
CLEARER_CLARITY = 95.0
CLEARER_OBSCURED = 3.0
# The event says "cleaned" when the picture after a clean is this clear.
CLEAN_ENOUGH = 90.0
# Automatic cleaning pauses after this many automatic cleans in a row that
# changed nothing and that the scene does not explain.
AUTO_STOP_AFTER = 1
# Once dirty, the lens reads clear again only this far inside the thresholds.
CLARITY_MARGIN = 5.0
OBSCURED_MARGIN = 2.0
DEFAULT_CLARITY_THRESHOLD = 80.0
DEFAULT_OBSCURED_THRESHOLD = 6.0
# Comparisons remembered (the smoothing window against baselines and itself).
EXAMINED_KEPT = 32
# Format of ``stored()``; older forms are read as far as they can be.
STORED_VERSION = 2


class LensState(StrEnum):
    """What the lens loop is doing."""

    IDLE = "idle"
    CLEANING = "cleaning"  # the wiper's alarm-output pulse is being sent
    VERIFYING = "verifying"  # waiting for the wiper, then measuring again


@dataclass(frozen=True)
class CleaningOutcome:
    """Whether a self-clean helped, with the readings before and after (%)."""

    event_type: str
    before: Reading | None
    after: Reading | None


@dataclass
class _Candidate:
    """A picture waiting for the next sample to agree before it is adopted."""

    scene: str
    measurement: Measurement


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
        self._comparisons: list[Comparison] = []
        self._candidate: _Candidate | None = None
        self._dirty = False
        self._no_improvement_streak = 0
        # Comparisons already made, by the identity of the two pictures.
        self._examined: dict[
            tuple[int, int], tuple[Measurement, Measurement, Comparison]
        ] = {}

    # ------------------------------------------------------------ readings

    def _examine(self, sample: Measurement, reference: Measurement) -> Comparison:
        """``comparison.examine``, remembered for the pictures still in use."""
        key = (id(sample), id(reference))
        known = self._examined.get(key)
        if known is not None and known[0] is sample and known[1] is reference:
            return known[2]
        if len(self._examined) >= EXAMINED_KEPT:
            self._examined.clear()
        comparison = examine(sample, reference)
        self._examined[key] = (sample, reference, comparison)
        return comparison

    def _agree(self, one: Measurement, other: Measurement) -> bool:
        """Whether two pictures show the same view through the same lens."""
        return self._shows_all(one, other) and self._shows_all(other, one)

    def _shows_all(self, sample: Measurement, reference: Measurement) -> bool:
        """Whether ``sample`` shows all that ``reference`` shows (maybe more)."""
        reading = self._examine(sample, reference).unweighed
        return reading.clarity >= AGREE_CLARITY and reading.obscured <= AGREE_OBSCURED

    def _better(
        self, one: Measurement, other: Measurement, *, as_the_lens: bool = False
    ) -> bool:
        """Whether ``one`` shows clearly more than ``other`` (a clean helped).

        Each is read against the other: ``other`` must lack clarity or show
        obscured area against ``one``, and clearly more than the other way
        round (dirt that came off takes its own shapes with it). Taken as they
        are, or (``as_the_lens``) on the lens clarity's scale.
        """
        pair = (self._examine(other, one), self._examine(one, other))
        lacked, kept = (c.reading if as_the_lens else c.unweighed for c in pair)
        return (
            lacked.clarity <= kept.clarity - HELPED_CLARITY
            or lacked.obscured >= kept.obscured + HELPED_OBSCURED
        )

    @property
    def baseline(self) -> Baseline | None:
        """The baseline of the current scene."""
        return None if self.scene is None else self.baselines.get(self.scene)

    @property
    def steady(self) -> bool:
        """Whether enough samples of the current scene back the reading."""
        return len(self._scene_samples()) >= SMOOTHING

    def _scene_samples(self) -> list[Measurement]:
        """Samples of the current scene, at its baseline's size."""
        baseline = self.baseline
        return [
            sample
            for scene, sample in self._samples
            if scene == self.scene
            and (baseline is None or sample.same_size(baseline.measurement))
        ]

    def add(self, sample: Measurement) -> bool:
        """Take a sample into account; whether a baseline changed (to store)."""
        self.scene = scene = scene_of(sample, self.scene)
        self._samples.append((scene, sample))
        changed = self._learn(scene, sample)
        self._update()
        if self._all_dirty() and (reason := self._scene_explains()) is not None:
            # The camera moved, the scene changed, fog came: not the lens.
            self._adopt(scene, sample, BaselineKind.PROVISIONAL, reason)
            changed = True
        return changed

    def _learn(self, scene: str, sample: Measurement) -> bool:
        baseline = self.baselines.get(scene)
        if baseline is None or not baseline.measurement.shows_a_scene:
            return self._adopt(scene, sample, BaselineKind.PROVISIONAL, Learned.FIRST)
        if not sample.same_size(baseline.measurement):
            return self._resized(scene, sample, baseline)
        if not all(baseline.measurement.size):
            # Kept before sizes were: taken as the size the camera sends now.
            measurement = replace(baseline.measurement, size=sample.size)
            self.baselines[scene] = replace(baseline, measurement=measurement)
            return True
        candidate = self._candidate
        if candidate is not None and candidate.scene == scene:
            self._candidate = None
            if self._agree(sample, candidate.measurement):
                self._adopt(
                    scene, candidate.measurement, BaselineKind.VERIFIED, Learned.CLEANED
                )
                return True
        if baseline.kind is BaselineKind.PROVISIONAL and self._steady_and_clearer(
            baseline.measurement
        ):
            self._adopt(scene, sample, BaselineKind.PROVISIONAL, Learned.CLEARER)
            return True
        return False

    def _resized(self, scene: str, sample: Measurement, baseline: Baseline) -> bool:
        """The stream was set to another size: its detail reads otherwise.

        The scene's baseline at the picture's size comes back if one was
        kept, else the picture is the first of its size; the one it replaces
        is kept under its size (stored with the rest).
        """
        self._candidate = None  # a picture of the other size
        keep_sized(self.baselines, scene, baseline)
        kept = self.baselines.pop(sized_key(scene, sample.size), None)
        if kept is None:
            return self._adopt(scene, sample, BaselineKind.PROVISIONAL, Learned.RESIZED)
        self.baselines[scene] = kept
        self._update()
        return True

    def _steady_and_clearer(self, baseline: Measurement) -> bool:
        """Whether the last samples agree and all show more than ``baseline``."""
        recent = self._scene_samples()
        if len(recent) < SMOOTHING:
            return False
        latest = recent[-1]
        if not all(self._agree(other, latest) for other in recent[:-1]):
            return False
        # The pictures show clearly more than the baseline, and all of it, as
        # sharp as it was: a web or a car adds shapes but takes some, too.
        kept = self._examine(latest, baseline).unweighed
        return (
            not latest.compressed_more(baseline)  # block edges are no detail
            and self._better(latest, baseline)
            and kept.clarity >= CLEARER_CLARITY
            and kept.obscured <= CLEARER_OBSCURED
        )

    def _adopt(
        self, scene: str, sample: Measurement, kind: BaselineKind, learned: Learned
    ) -> bool:
        first = learned in (Learned.FIRST, Learned.RESIZED)
        if first and not sample.shows_a_scene:
            return False  # a black or white frame: the next picture will do
        self.baselines[scene] = Baseline(sample, kind, learned)
        if learned is not Learned.FIRST:
            # The readings start again from the new reference.
            self._samples = deque(
                ((s, m) for s, m in self._samples if s != scene), maxlen=SMOOTHING
            )
            self._samples.append((scene, sample))
            if learned not in (Learned.CLEARER, Learned.RESIZED):
                self.resume()
        self._update()
        return True

    def _update(self) -> None:
        """Smoothed reading of the current scene, and whether the lens is dirty."""
        baseline = self.baseline
        if baseline is None:
            self.reading = None
            self._comparisons = []
            return
        self._comparisons = [
            self._examine(sample, baseline.measurement)
            for sample in self._scene_samples()
        ]
        self.reading = Reading(
            clarity=statistics.median(c.reading.clarity for c in self._comparisons),
            obscured=statistics.median(c.reading.obscured for c in self._comparisons),
        )
        if self._dirty:
            self._dirty = not (
                self.reading.clarity >= self.clarity_threshold + CLARITY_MARGIN
                and self.reading.obscured
                <= max(0.0, self.obscured_threshold - OBSCURED_MARGIN)
            )
        else:
            self._dirty = not self.is_clear(self.reading)

    def _scene_explains(self) -> Learned | None:
        """Why the recent samples differ from the baseline, when not the lens.

        They must agree among themselves (the new view holds); then either
        the camera moved, or each reads as a changed view or as fog.
        """
        recent = self._scene_samples()
        baseline = self.baseline
        if baseline is None or not all(
            self._agree(other, recent[-1]) for other in recent[:-1]
        ):
            return None
        return _reason(
            self._comparisons, camera_moved=moved(recent[-1], baseline.measurement)
        )

    def is_clear(self, reading: Reading | None = None) -> bool:
        """Whether ``reading`` needs no cleaning (default: the lens now).

        A given reading is held against the thresholds; without one, the
        answer has hysteresis: once dirty, the lens reads clear again only
        ``CLARITY_MARGIN`` / ``OBSCURED_MARGIN`` inside them.
        """
        if reading is None:
            return self.reading is not None and not self._dirty
        return (
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
            and self._dirty
            and self._all_dirty()
            and not self._view_changing()
        )

    def _view_changing(self) -> bool:
        """Whether each recent sample shows detail come in elsewhere.

        A view still moving (a shaking pole, a scene being rearranged) is not
        steady enough to re-learn, and no wipe would change it.
        """
        return all(view_changed(c, after_wipe=False) for c in self._comparisons)

    def _all_dirty(self) -> bool:
        """Whether each of the last ``SMOOTHING`` samples reads dirty on its own.

        One clean-looking frame among them (the view still settling, a car
        gone again) waits for the next check.
        """
        return self.steady and not any(
            self.is_clear(c.reading) for c in self._comparisons
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
        """The measurement after a clean: judge the clean and learn from it.

        The picture after the clean is read against the baseline as it was,
        and against the last picture before the clean: the clean helped when
        that picture lacked what this one shows. Only then may it become the
        verified baseline (once the next sample agrees). None (and nothing
        learned) when no picture could be measured.
        """
        self.state = LensState.IDLE
        if sample is None:
            return None
        self.scene = scene = scene_of(sample, self.scene)
        previous = [m for s, m in self._samples if s == scene and m.same_size(sample)]
        baseline = self.baselines.get(scene)
        self._samples.append((scene, sample))
        if baseline is None:  # (a black or white frame: as if none was measured)
            first = self._adopt(scene, sample, BaselineKind.PROVISIONAL, Learned.FIRST)
            return CleaningOutcome("cleaned", before, self.reading) if first else None
        if not sample.same_size(baseline.measurement):
            self._resized(scene, sample, baseline)
            return None  # nothing at this size to judge the clean by
        comparison = self._examine(sample, baseline.measurement)
        after = comparison.reading
        helped = bool(previous) and self._better(sample, previous[-1], as_the_lens=True)
        clean = after.clarity >= CLEAN_ENOUGH and self.is_clear(after)
        # Only the samples after the clean count from now on.
        self._samples = deque(
            ((s, m) for s, m in self._samples if s != scene), maxlen=SMOOTHING
        )
        self._samples.append((scene, sample))
        self._update()
        if helped or clean:
            self.resume()
            # The picture after it earns its place unless the baseline shows
            # more (part of the dirt stayed).
            if helped and not self._better(
                baseline.measurement, sample, as_the_lens=True
            ):
                self._candidate = _Candidate(scene, sample)
            return CleaningOutcome("cleaned", before, after)
        reason = _reason(
            [comparison],
            camera_moved=moved(sample, baseline.measurement),
            after_wipe=True,
        )
        if reason is not None:
            # Nothing came off, and the scene explains what is missing.
            self._adopt(scene, sample, BaselineKind.PROVISIONAL, reason)
        elif automatic:
            self._no_improvement_streak += 1
            if self._no_improvement_streak >= AUTO_STOP_AFTER:
                self.auto_stopped = True
        return CleaningOutcome("no_improvement", before, after)

    def resume(self) -> None:
        """Automatic cleaning may run again (it helped, or the user says so)."""
        self.auto_stopped = False
        self._no_improvement_streak = 0

    def relearn(self, sample: Measurement) -> None:
        """Take ``sample`` as the clean, verified reference of its scene.

        For a camera that was moved on purpose, or a lens cleaned by hand:
        automatic cleaning resumes, and the readings start from 100 %.
        """
        self.state = LensState.IDLE
        self.scene = scene = scene_of(sample, self.scene)
        self._candidate = None
        self._dirty = False
        for other in [key for key in self.baselines if key.startswith(f"{scene}@")]:
            del self.baselines[other]  # the view at other sizes may be gone too
        self._adopt(scene, sample, BaselineKind.VERIFIED, Learned.RELEARNED)
        self.resume()

    # ------------------------------------------------------------- storage

    def stored(self) -> dict[str, Any]:
        """What to keep across restarts: baselines and the pause."""
        return {
            "version": STORED_VERSION,
            "baselines": {
                scene: baseline.as_dict() for scene, baseline in self.baselines.items()
            },
            "auto_stopped": self.auto_stopped,
        }

    def restore(self, stored: dict[str, Any] | None) -> None:
        """Take back what ``stored()`` returned (older forms as far as readable)."""
        self.baselines = self.baselines_from(stored)
        self.auto_stopped = (
            isinstance(stored, dict) and stored.get("auto_stopped") is True
        )

    @staticmethod
    def baselines_from(stored: dict[str, Any] | None) -> dict[str, Baseline]:
        """Baselines from ``stored`` (what ``stored()`` returned); bad ones dropped.

        Version 1 stored a coarser grid of regions: those baselines cannot be
        compared and are dropped (the next sample gives a provisional one).
        """
        baselines: dict[str, Baseline] = {}
        found = stored.get("baselines") if isinstance(stored, dict) else None
        if not isinstance(found, dict):
            return baselines
        for scene, data in found.items():
            try:
                baselines[str(scene)] = Baseline.from_dict(data)
            except (KeyError, TypeError, ValueError):
                continue
        return baselines


def _reason(
    comparisons: list[Comparison], *, camera_moved: bool, after_wipe: bool = False
) -> Learned | None:
    """What explains these readings, if not the lens: a changed view, or fog."""
    found = explained(comparisons, camera_moved=camera_moved, after_wipe=after_wipe)
    return None if found is None else _LEARNED[found]


_LEARNED = {VIEW: Learned.VIEW_CHANGED, FOG: Learned.SCENE}
