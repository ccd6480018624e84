"""Lens clarity on real photographs the benchmark does not use (held out).

The benchmark (``bench/lens.py``) reports on ``photos.BENCH_PHOTOS`` with
seed 0; these tests check the same measure on ``photos.HELD_OUT_PHOTOS`` and
other seeds, so that the thresholds are not fitted to the benchmark's pictures.
"""

from __future__ import annotations

from functools import cache

import pytest

from custom_components.excelsense import clarity
from tests import photos
from tests.emulator import dirt

HELD_OUT = photos.HELD_OUT_PHOTOS
SEEDS = (11, 12)


@cache
def _baseline(name: str) -> clarity.Measurement:
    return clarity.measure(photos.baseline(name))


def _read(shot: photos.Shot) -> clarity.Reading:
    return clarity.compare(clarity.measure(shot.jpeg), _baseline(shot.photo))


def _triggers(reading: clarity.Reading) -> bool:
    return reading.clarity < 60 or reading.obscured > 20


@pytest.mark.parametrize("name", HELD_OUT)
def test_clean_lens_reads_clear_under_every_nuisance(name: str) -> None:
    """Light, contrast, gamma, noise, compression, a moved camera: still clear."""
    for kind in photos.CLEAN_KINDS:
        reading = _read(photos.clean_shot(name, kind, seed=SEEDS[0]))
        assert reading.clarity >= 85, (kind, reading)
        assert reading.obscured <= 20, (kind, reading)


def test_dirt_on_held_out_photos_triggers_cleaning() -> None:
    """Nearly all dirt, also under a nuisance, reads as needing a clean.

    The benchmark's target is 95 %; these photos and seeds were not looked at
    when the thresholds were chosen, and two of them (a brick wall, a printed
    page) are already soft, so a light blur changes them less.
    """
    nuisances = list(photos.NUISANCES)
    outcomes = []
    for index, name in enumerate(HELD_OUT):
        for kind_index, kind in enumerate(photos.DIRT):
            for seed in SEEDS:
                nuisance = nuisances[(index + kind_index + seed) % len(nuisances)]
                for extra in ("", nuisance):
                    shot = photos.dirty_shot(name, kind, seed, extra)
                    reading = _read(shot)
                    outcomes.append((_triggers(reading), shot.kind, name, reading))
    missed = [o for o in outcomes if not o[0]]
    assert len(missed) <= 0.15 * len(outcomes), missed
    # Haze, drops and a smear are never missed; a light blur now and then.
    assert all(kind.startswith("blur") for _, kind, *_ in missed)
    assert all(reading.clarity < 75 for *_, reading in missed)


@pytest.mark.parametrize("name", HELD_OUT)
def test_dirt_reads_worse_than_any_nuisance(name: str) -> None:
    """Every kind of dirt is further from the baseline than every nuisance."""
    clean = [_read(photos.clean_shot(name, kind)) for kind in photos.CLEAN_KINDS]
    lowest = min(r.clarity for r in clean)
    most = max(r.obscured for r in clean)
    for kind in photos.DIRT:
        reading = _read(photos.dirty_shot(name, kind, seed=SEEDS[1]))
        assert reading.clarity < lowest or reading.obscured > most, (kind, reading)


@pytest.mark.parametrize("coverage", [0.2, 0.3])
def test_obscured_area_follows_the_drops(coverage: float) -> None:
    """Drops over a share of the picture read as about that share obscured."""
    for name in ("grass", "moon", "hubble_deep_field"):
        image = dirt.drops(photos.photo(name), coverage, seed=5)
        reading = clarity.compare(clarity.measure(photos.jpeg(image)), _baseline(name))
        assert abs(reading.obscured - 100 * coverage) <= 12, (name, reading)


def test_smear_in_one_corner_is_local() -> None:
    """A smear in a corner: part of the picture obscured, the rest stays clear."""
    image = dirt.smear(photos.photo("grass"), centre=(0.8, 0.75), size=0.25)
    reading = clarity.compare(clarity.measure(photos.jpeg(image)), _baseline("grass"))
    assert 5 <= reading.obscured <= 30
    assert reading.clarity >= 60


def test_measure_is_scale_free_and_stores() -> None:
    """A smaller picture of another size measures; the stored form reads back."""
    small = photos.photo("brick").resize((640, 480))
    measured = clarity.measure(photos.jpeg(small))
    assert len(measured.fine) == clarity.COLUMNS * clarity.ROWS
    again = clarity.Measurement.from_dict(measured.as_dict())
    assert clarity.compare(again, measured) == clarity.Reading(100.0, 0.0)
    with pytest.raises(ValueError, match="tiles"):
        clarity.Measurement.from_dict({**measured.as_dict(), "fine": [1.0]})


def test_flat_picture_has_nothing_to_compare() -> None:
    """A picture without detail (fog, a lens cap) reads clear, not dirty."""
    flat = clarity.measure(
        photos.jpeg(photos.photo("brick").resize((8, 8)).resize((1280, 720)))
    )
    grey = clarity.measure(photos.jpeg(dirt.haze(photos.photo("brick"), 40, 0.9)))
    assert clarity.compare(grey, grey).clarity == 100.0
    assert clarity.compare(flat, flat) == clarity.Reading(100.0, 0.0)


@pytest.mark.parametrize(
    ("brightness", "previous", "scene"),
    [
        (30.0, None, "night"),
        (90.0, None, "day"),
        (58.0, None, "night"),
        (62.0, None, "day"),
        (58.0, "day", "day"),
        (62.0, "night", "night"),
        (51.0, "day", "night"),
        (69.0, "night", "day"),
    ],
)
def test_day_and_night_do_not_flap(
    brightness: float, previous: str | None, scene: str
) -> None:
    """Near the boundary the scene keeps its kind; past the margin it changes."""
    assert clarity.scene_of(brightness, previous) == scene
