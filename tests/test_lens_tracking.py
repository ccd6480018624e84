"""The clarity tracker alone: baselines, smoothing, decisions (no Home Assistant)."""

from __future__ import annotations

from functools import cache

import pytest

from custom_components.excelsense import clarity
from custom_components.excelsense.lens_tracking import (
    AUTO_STOP_AFTER,
    Baseline,
    BaselineKind,
    ClarityTracker,
    LensState,
)
from tests import photos
from tests.emulator import dirt

PHOTO = "grass"


@cache
def _clean() -> clarity.Measurement:
    return clarity.measure(photos.baseline(PHOTO))


@cache
def _dirty() -> clarity.Measurement:
    return clarity.measure(photos.jpeg(dirt.haze(photos.photo(PHOTO), 2.5, 0.25)))


@cache
def _soft() -> clarity.Measurement:
    """A little soft: a provisional baseline learned on a lens not quite clean."""
    return clarity.measure(photos.jpeg(dirt.blur(photos.photo(PHOTO), 1.0)))


@cache
def _dark() -> clarity.Measurement:
    image = photos.NUISANCES["exposure x0.7"](photos.photo("moon"), 0)[0]
    return clarity.measure(photos.jpeg(image.point(lambda v: v // 4)))


def _verified(tracker: ClarityTracker) -> None:
    tracker.cleaning_started()
    tracker.cleaning_sent()
    tracker.verified(_clean(), None, automatic=False)


def test_first_sample_is_a_provisional_baseline() -> None:
    """No unknown: the first sample reads 100 % against itself, provisionally."""
    tracker = ClarityTracker()
    assert tracker.reading is None
    assert tracker.add(_soft()) is True
    assert tracker.reading == clarity.Reading(100.0, 0.0)
    assert tracker.baseline is not None
    assert tracker.baseline.kind is BaselineKind.PROVISIONAL
    # A clearer sample replaces a provisional baseline; a dirtier one does not.
    assert tracker.add(_clean()) is True
    assert tracker.baseline.measurement is _clean()
    assert tracker.add(_dirty()) is False
    assert tracker.baseline.measurement is _clean()


def test_verified_clean_replaces_provisional_and_renews_only_when_clear() -> None:
    """After a clean the sample is the baseline; stuck dirt never becomes one."""
    tracker = ClarityTracker()
    tracker.add(_dirty())
    _verified(tracker)
    assert tracker.baseline is not None
    assert tracker.baseline.kind is BaselineKind.VERIFIED
    assert tracker.baseline.measurement is _clean()
    tracker.verified(_dirty(), tracker.reading, automatic=False)
    assert tracker.baseline.measurement is _clean()
    # A verified baseline is not replaced by a merely sharper-looking sample.
    assert tracker.add(_clean()) is False


def test_smoothing_ignores_one_odd_frame_and_waits_for_steady() -> None:
    """The median of three: one dirty-looking frame is not dirt."""
    tracker = ClarityTracker()
    _verified(tracker)
    tracker.add(_clean())
    tracker.add(_dirty())
    assert tracker.is_clear()
    tracker.add(_clean())
    assert tracker.is_clear()
    tracker.add(_dirty())
    tracker.add(_dirty())
    assert not tracker.is_clear()
    assert tracker.wants_auto_clean()


def test_auto_clean_decision_and_states() -> None:
    """Only when idle, steady and not paused; the states go round once per clean."""
    tracker = ClarityTracker()
    _verified(tracker)
    tracker.add(_dirty())
    assert not tracker.steady
    assert not tracker.wants_auto_clean()
    tracker.add(_dirty())
    tracker.add(_dirty())
    assert tracker.wants_auto_clean()
    before = tracker.reading
    tracker.cleaning_started()
    assert tracker.state is LensState.CLEANING
    assert not tracker.wants_auto_clean()
    tracker.cleaning_failed()
    assert tracker.state is LensState.IDLE
    tracker.cleaning_started()
    tracker.cleaning_sent()
    assert tracker.state is LensState.VERIFYING
    outcome = tracker.verified(_clean(), before, automatic=True)
    assert tracker.state is LensState.IDLE
    assert outcome is not None
    assert outcome.event_type == "cleaned"
    assert outcome.before == before
    assert outcome.after == clarity.Reading(100.0, 0.0)


def test_cleaning_that_does_not_help_pauses_automatic_cleaning() -> None:
    """Two automatic cleans without improvement pause; a good one resumes."""
    tracker = ClarityTracker()
    _verified(tracker)
    for _ in range(3):
        tracker.add(_dirty())
    for attempt in range(AUTO_STOP_AFTER):
        assert not tracker.auto_stopped
        outcome = tracker.verified(_dirty(), tracker.reading, automatic=True)
        assert outcome is not None
        assert outcome.event_type == "no_improvement", attempt
    assert tracker.auto_stopped
    for _ in range(3):
        tracker.add(_dirty())
    assert not tracker.wants_auto_clean()
    # A manual clean that does not help does not count towards the pause.
    other = ClarityTracker()
    _verified(other)
    other.verified(_dirty(), other.reading, automatic=False)
    assert not other.auto_stopped
    outcome = tracker.verified(_clean(), tracker.reading, automatic=True)
    assert outcome is not None
    assert outcome.event_type == "cleaned"
    assert not tracker.auto_stopped


def test_verification_without_a_picture_learns_nothing() -> None:
    """No measurement after a clean: back to idle, no outcome, no baseline."""
    tracker = ClarityTracker()
    tracker.cleaning_started()
    tracker.cleaning_sent()
    assert tracker.verified(None, None, automatic=True) is None
    assert tracker.state is LensState.IDLE
    assert tracker.baselines == {}


def test_thresholds_decide_on_either_measure() -> None:
    """Clarity under its threshold or obscured area over its own."""
    tracker = ClarityTracker()
    assert not tracker.is_clear()
    assert tracker.is_clear(clarity.Reading(70.0, 10.0))
    assert not tracker.is_clear(clarity.Reading(50.0, 10.0))
    assert not tracker.is_clear(clarity.Reading(95.0, 25.0))
    tracker.obscured_threshold = 30.0
    assert tracker.is_clear(clarity.Reading(95.0, 25.0))


def test_day_and_night_keep_their_own_baselines() -> None:
    """A dark scene gets its own provisional baseline; day stays verified."""
    tracker = ClarityTracker()
    _verified(tracker)
    tracker.add(_dark())
    assert tracker.scene == "night"
    assert tracker.baselines["night"].kind is BaselineKind.PROVISIONAL
    assert tracker.baselines["day"].kind is BaselineKind.VERIFIED
    assert tracker.reading == clarity.Reading(100.0, 0.0)


def test_storage_round_trip_drops_bad_entries() -> None:
    """Stored baselines read back; malformed ones are left out."""
    tracker = ClarityTracker()
    _verified(tracker)
    stored = tracker.stored()
    stored["baselines"]["night"] = {"kind": "verified", "measurement": {"fine": []}}
    stored["baselines"]["dusk"] = {"kind": "unheard-of"}
    baselines = ClarityTracker.baselines_from(stored)
    assert list(baselines) == ["day"]
    assert baselines["day"].kind is BaselineKind.VERIFIED
    restored = ClarityTracker(baselines)
    restored.add(_clean())
    assert restored.reading == clarity.Reading(100.0, 0.0)
    assert ClarityTracker.baselines_from(None) == {}
    assert Baseline.from_dict(baselines["day"].as_dict()) == baselines["day"]


@pytest.mark.parametrize("brightness", [56.0, 61.0, 64.0, 58.0, 66.0, 55.0])
def test_scene_does_not_flap_at_dusk(brightness: float) -> None:
    """Brightness wandering around the boundary keeps the scene it had."""
    assert clarity.scene_of(brightness, "day") == "day"
    assert clarity.scene_of(brightness, "night") == "night"
