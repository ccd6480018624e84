"""The clarity measure on real photographs at 1080p (no tracker, no Home Assistant).

``bench/lens.py`` judges the whole loop on ``photos.HELD_OUT_PHOTOS``; these
tests pin what the measure itself promises, on a few photographs of both sets.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache
import io

import numpy as np
from PIL import Image, ImageFilter
import pytest

from custom_components.excelsense import clarity, comparison, sharpness, view
from tests import photos

# Colour photographs stand for day pictures, grey ones for IR night pictures.
COLOUR, GREY = "coffee", "gravel"


def _measure(
    name: str, image: object, seed: int = 1, quality: int = 95
) -> clarity.Measurement:
    return clarity.measure(
        photos.frame(image, seed, quality, grey=photos.is_grey(name))  # type: ignore[arg-type]
    )


@cache
def _baseline(name: str) -> clarity.Measurement:
    return _measure(name, photos.photo(name), seed=0)


@cache
def _dirty(name: str, kind: str) -> clarity.Measurement:
    return _measure(name, photos.dirty(name, kind, 0))


def _triggers(reading: clarity.Reading) -> bool:
    """The default thresholds of the tracker: 80 % clarity, 6 % obscured."""
    return reading.clarity < 80 or reading.obscured > 6


@pytest.mark.parametrize("name", [COLOUR, GREY])
def test_clean_lens_reads_clear_under_every_condition(name: str) -> None:
    """Light, gamma, contrast, white balance, noise, JPEG, shake: still clear."""
    for kind in photos.CONDITIONS:
        if kind == "IR night" and not photos.is_grey(name):
            continue  # a colour picture turning grey is another scene (night)
        image, quality = photos.condition(name, kind, 3)
        reading = comparison.compare(_measure(name, image, 5, quality), _baseline(name))
        assert not _triggers(reading), (kind, reading)
        assert reading.clarity >= 90, (kind, reading)


@pytest.mark.parametrize("kind", list(photos.DIRT))
def test_every_kind_of_dirt_reads_dirty(kind: str) -> None:
    """Drops, mud, a dropping, a dust film, a web, condensation, a leaf."""
    reading = comparison.compare(_dirty(COLOUR, kind), _baseline(COLOUR))
    assert _triggers(reading), reading


# A soft view: handwriting photographed at 448x172, enlarged 6.3 times to
# 1080p; nothing in it is finer than about 12 px.
SOFT = "text"


def test_a_dust_film_on_a_soft_view_reads_dirty_and_conditions_do_not() -> None:
    """A 1.5 px film changes a soft view's finest octave little: weighed up.

    Taken as it is, the film kept 92 % of this view's sharpness (it keeps 60-70 %
    of a typical view's) and was never cleaned.
    """
    baseline = _baseline(SOFT)
    assert comparison.compare(_dirty(SOFT, "dust film"), baseline).clarity < 75
    for kind in photos.CONDITIONS:
        image, quality = photos.condition(SOFT, kind, 3)
        reading = comparison.compare(_measure(SOFT, image, 5, quality), baseline)
        assert not _triggers(reading), (kind, reading)
        assert reading.clarity >= 90, (kind, reading)


def test_a_typical_view_reads_a_film_as_it_is() -> None:
    """A view that a film changes at least as much as a typical one: unweighed."""
    baseline = _baseline(COLOUR)
    tiles = list(range(clarity.COLUMNS * clarity.ROWS))
    film = sharpness.film(baseline, tiles)
    assert film is not None
    assert film < sharpness.FILM_SHARPNESS
    assert sharpness.weighed(0.7, film) == 0.7
    # A soft view's loss is weighed up, at most MOST_WEIGHED times; a gain never.
    assert sharpness.weighed(0.95, 0.95) == pytest.approx(
        1 - 0.05 * sharpness.MOST_WEIGHED
    )
    weight = (1 - sharpness.FILM_SHARPNESS) / (1 - 0.9)
    assert 1 < weight < sharpness.MOST_WEIGHED
    assert sharpness.weighed(0.95, 0.9) == pytest.approx(1 - 0.05 * weight)
    assert sharpness.weighed(1.2, 0.95) == 1.2
    assert sharpness.weighed(0.95, None) == 0.95


def test_a_loss_in_the_noise_is_not_weighed_up() -> None:
    """Dusk gain, IR night, wet light: detail sinks into noise, nothing is weighed.

    A film dims the soft view's detail a little; the same loss of sharpness
    read where the detail hardly stands above the noise is the noise's.
    """
    baseline = _baseline(SOFT)
    dirty = _dirty(SOFT, "dust film")
    tiles = list(range(clarity.COLUMNS * clarity.ROWS))
    assert sharpness.clearness(dirty, baseline, tiles) == 1.0
    assert sharpness.clearness(baseline, baseline, []) == 0.0
    # Four times the noise (dusk): sunk against the baseline and in itself.
    noisy = replace(dirty, noise=4 * dirty.noise)
    assert sharpness.clearness(noisy, baseline, tiles) < 0.5
    assert (
        sharpness.clearness(replace(dirty, noise=40 * dirty.noise), baseline, tiles)
        == 0
    )
    # A baseline learned in the noise weighs nothing either.
    assert (
        sharpness.clearness(dirty, replace(baseline, noise=40 * baseline.noise), tiles)
        == 0
    )
    raw = comparison.examine(replace(dirty, noise=40 * dirty.noise), baseline)
    assert raw.sharpness > 0.85


def test_a_baseline_stored_without_the_film_reads_as_it_is() -> None:
    """Stored before a film's effect was kept: sharpness is taken as it is."""
    baseline = _baseline(SOFT)
    stored = baseline.as_dict()
    assert len(stored["softened"]) == clarity.COLUMNS * clarity.ROWS
    del stored["softened"]
    older = clarity.Measurement.from_dict(stored)
    assert older.softened == ()
    dirty = _dirty(SOFT, "dust film")
    weighed = comparison.examine(dirty, baseline)
    unweighed = comparison.examine(dirty, older)
    assert unweighed.reading.clarity > 90
    assert weighed.reading.clarity < 75
    # What is compared to learn a baseline is taken as it is; what tells a
    # changed view from dirt is weighed as the clarity is.
    assert weighed.unweighed == unweighed.reading
    assert weighed.sharpness < 0.75
    assert unweighed.sharpness > 0.9
    with pytest.raises(ValueError, match="softened"):
        clarity.Measurement.from_dict({**stored, "softened": [1.0] * 216})
    with pytest.raises(ValueError, match="amount"):
        clarity.Measurement.from_dict(
            {**stored, "softened": [-1.0] * clarity.COLUMNS * clarity.ROWS}
        )


def test_mud_over_a_large_part_lowers_clarity_itself() -> None:
    """Not only the obscured area: what mud hides counts as clarity lost."""
    image = photos.mud(photos.photo(COLOUR), 0.4, photos.rng(COLOUR, "mud", 1))
    reading = comparison.compare(_measure(COLOUR, image), _baseline(COLOUR))
    assert reading.obscured >= 25
    assert reading.clarity <= 75


def test_drops_read_as_about_their_share_obscured() -> None:
    """Drops over a quarter of the picture: about that much obscured."""
    reading = comparison.compare(_dirty(COLOUR, "raindrops 25 %"), _baseline(COLOUR))
    assert 12 <= reading.obscured <= 45, reading


@pytest.mark.parametrize("veil", [0.15, 0.35])
def test_a_veil_of_light_is_obscured_area_new_texture_is_not(veil: float) -> None:
    """Light added in front of the scene (a web's glow) dims every octave alike.

    Over a busy texture a veil takes no sharpness (fine and coarse detail go
    down together), but it hides: over about an eighth of the picture, about
    that much reads obscured. The same place showing another part of the
    texture (a view that changed there) is no veil.
    """
    pixels = np.asarray(photos.photo(GREY), dtype=np.float32)
    veiled = pixels.copy()
    veiled[400:800, 600:1200] = veiled[400:800, 600:1200] * (1 - veil) + 235 * veil
    pasted = pixels.copy()
    pasted[400:800, 600:1200] = pixels[0:400, 0:600]
    baseline = _baseline(GREY)
    under_veil = comparison.compare(
        _measure(GREY, Image.fromarray(veiled.astype(np.uint8))), baseline
    )
    elsewhere = comparison.compare(
        _measure(GREY, Image.fromarray(pasted.astype(np.uint8))), baseline
    )
    assert under_veil.obscured >= 8, under_veil
    assert elsewhere.obscured < 3, elsewhere


def test_dirt_adds_no_detail_a_moved_view_does() -> None:
    """A changed view shows sharp detail elsewhere; dirt never adds any."""
    rng = photos.rng(COLOUR, "view", 0)
    rebuilt = _measure(COLOUR, photos.rebuilt(COLOUR, photos.photo(COLOUR), rng))
    assert comparison.examine(rebuilt, _baseline(COLOUR)).changed >= 0.1
    for kind in ("mud 10 %", "raindrops 40 %", "leaf 20 %", "dust film"):
        dirty = comparison.examine(_dirty(COLOUR, kind), _baseline(COLOUR))
        assert dirty.changed < 0.05


def test_a_parked_car_is_in_focus_and_dirt_is_not() -> None:
    """Shapes that come in sharp are the scene's: a car is not obscured area.

    Everything on the glass is far out of focus: what it adds keeps almost
    none of its energy in the finest octave.
    """
    rng = photos.rng(COLOUR, "car", 0)
    car = _measure(COLOUR, photos.vehicle(COLOUR, photos.photo(COLOUR), rng))
    parked = comparison.examine(car, _baseline(COLOUR))
    assert parked.in_focus >= view.IN_FOCUS_SCENE
    assert not _triggers(parked.reading), parked.reading
    for kind in [*photos.DIRT, *photos.STUCK]:
        dirty = comparison.examine(_dirty(COLOUR, kind), _baseline(COLOUR))
        assert dirty.in_focus < view.IN_FOCUS_SCENE_AFTER_WIPE, kind


def test_on_a_soft_view_drops_are_softer_than_the_scene_a_car_is_not() -> None:
    """The handwriting, enlarged six times, is soft; drops' rims are softer still.

    What came in counts as in focus only when it keeps most of the scene's
    typical share of finest detail: a car drawn as sharp as the rest of the
    view does, the blurred rims of drops over a quarter of it do not, and
    they read dirty.
    """
    name = "text"
    baseline = _baseline(name)
    drops = [
        comparison.compare(
            _measure(name, photos.dirty(name, "raindrops 25 %", s)), baseline
        )
        for s in range(3)
    ]
    cars = [
        comparison.examine(
            _measure(
                name,
                photos.vehicle(name, photos.photo(name), photos.rng(name, "car", s)),
            ),
            baseline,
        )
        for s in range(3)
    ]
    assert sum(_triggers(reading) for reading in drops) >= 2, drops
    assert all(not _triggers(car.reading) for car in cars), cars
    assert all(car.in_focus >= view.IN_FOCUS_SCENE for car in cars), cars


def test_a_turned_camera_is_found_and_dirt_is_not() -> None:
    """The baseline, shifted and zoomed, matches a re-aimed camera's picture."""
    turned = _measure(COLOUR, photos.reaimed(COLOUR, photos.rng(COLOUR, "aim", 0)))
    assert view.moved(turned, _baseline(COLOUR))
    again = _measure(COLOUR, photos.photo(COLOUR), seed=7)
    assert not view.moved(again, _baseline(COLOUR))
    for kind in ("mud 10 %", "leaf 20 %", "bird dropping 10 %"):
        assert not view.moved(_dirty(COLOUR, kind), _baseline(COLOUR)), kind


def test_fog_reads_as_the_scene_mud_does_not() -> None:
    """Fog leaves what it shows sharp, and veils or changes whole regions.

    Mud covers part of the picture with a soft blot: neither.
    """
    foggy = photos.fog(photos.photo(COLOUR), photos.rng(COLOUR, "fog", 0))
    fog = comparison.examine(_measure(COLOUR, foggy), _baseline(COLOUR))
    assert fog.sharpness >= 0.85
    assert fog.veiled >= 0.5 or fog.changed >= 0.15
    mud = comparison.examine(_dirty(COLOUR, "mud 10 %"), _baseline(COLOUR))
    assert mud.veiled < 0.5
    assert mud.changed < 0.15


@pytest.mark.parametrize("name", ["brick", COLOUR])
def test_snow_low_on_the_glass_is_no_fog(name: str) -> None:
    """Whole rows veiled below rows that still show clearly are not fog.

    Fog hides by distance, the far rows first (the top of the picture);
    snow stuck on the lower third of the glass veils whole rows too, but
    under clear ones. Read as fog (after a wipe: 0.3 of the covered detail
    veiled will do), it was learned as the scene.
    """
    pixels = np.asarray(photos.photo(name), dtype=np.float32)
    low = Image.new("L", photos.photo(name).size, 0)
    low.paste(255, (0, 720, low.width, low.height))
    mask = np.asarray(low.filter(ImageFilter.GaussianBlur(15)), dtype=np.float32)
    mask = mask[..., None] / 255
    grain = np.random.default_rng(0).normal(0.0, 8.0, (34, 60)).astype(np.float32)
    snow = 232 + np.asarray(
        Image.fromarray(grain).resize(low.size, Image.Resampling.BICUBIC)
    )
    stuck = pixels * (1 - mask) + snow[..., None] * mask
    covered = comparison.examine(
        _measure(name, Image.fromarray(stuck.clip(0, 255).astype(np.uint8))),
        _baseline(name),
    )
    assert covered.reading.obscured > 20
    assert covered.veiled < 0.3
    foggy = photos.fog(photos.photo(name), photos.rng(name, "fog", 0))
    fog = comparison.examine(_measure(name, foggy), _baseline(name))
    assert fog.veiled >= 0.5 or fog.changed >= 0.15


def test_measure_stores_and_old_grids_are_refused() -> None:
    """A smaller picture measures; the stored form reads back; 24x9 does not."""
    small = photos.photo(GREY).resize((640, 480))
    measured = clarity.measure(photos.jpeg(small))
    assert len(measured.fine) == clarity.COLUMNS * clarity.ROWS
    again = clarity.Measurement.from_dict(measured.as_dict())
    assert comparison.compare(again, measured) == clarity.Reading(100.0, 0.0)
    assert again.colour == pytest.approx(measured.colour, rel=1e-3)
    with pytest.raises(ValueError, match="tiles"):
        clarity.Measurement.from_dict({**measured.as_dict(), "fine": [1.0] * 216})


def test_flat_picture_has_nothing_to_compare() -> None:
    """A picture without detail (a lens cap, darkness) reads clear, not dirty."""
    flat = clarity.measure(
        photos.jpeg(photos.photo(GREY).resize((8, 8)).resize((1920, 1080)))
    )
    assert comparison.compare(flat, flat) == clarity.Reading(100.0, 0.0)
    assert not view.moved(flat, flat)


def _working_luma(jpeg: bytes) -> np.ndarray:
    """The luma ``measure`` works on: 640 pixels wide, without the top eighth."""
    image = Image.open(io.BytesIO(jpeg))
    image.draft("L", (clarity.WORK_WIDTH, 1))
    image = image.convert("L")
    height = image.height * clarity.WORK_WIDTH // image.width
    small = image.resize((clarity.WORK_WIDTH, height), Image.Resampling.BOX)
    return np.asarray(small, dtype=np.float64)[round(height * clarity.TOP_SKIPPED) :]


@pytest.mark.parametrize("name", [GREY, COLOUR])
def test_noise_is_measured_and_texture_is_not_taken_for_it(name: str) -> None:
    """The noise estimate stays near the frame's own noise, also on fine texture.

    Two frames of the same picture differ only by their noise: half the
    variance of their difference is the noise. At the working size alone,
    gravel's fine texture read as about eight times that much, coffee's as
    about five times.
    """
    one, other = (
        photos.frame(photos.photo(name), seed, grey=photos.is_grey(name))
        for seed in (1, 2)
    )
    actual = float(np.var(_working_luma(one) - _working_luma(other)) / 2)
    measured = clarity.measure(one).noise
    assert actual / 2 <= measured <= 2.5 * actual


def test_not_a_picture_is_refused() -> None:
    """Bytes that are no image raise NotAnImageError."""
    with pytest.raises(clarity.NotAnImageError, match="image"):
        clarity.measure(b"not a jpeg")


@pytest.mark.parametrize("size", [(1, 100), (2, 2000), (3000, 8), (40, 40)])
def test_a_strip_or_a_thumbnail_is_refused_at_once(size: tuple[int, int]) -> None:
    """A picture no camera view gives is refused before it is decoded.

    Stretched to the working width, a strip one pixel wide and 100 high took
    a second and about a gigabyte; from about 560 high Pillow refused the
    crop with an error that was no NotAnImageError.
    """
    buffer = io.BytesIO()
    Image.new("RGB", size, (90, 120, 60)).save(buffer, "JPEG")
    with pytest.raises(clarity.NotAnImageError, match="no camera view"):
        clarity.measure(buffer.getvalue())


def test_smallest_sub_streams_and_panoramas_are_measured() -> None:
    """QCIF (176x144), 9:16 corridor views and 32:9 panoramas are measured."""
    scene = photos.photo(COLOUR)
    for size in ((176, 144), (1080, 1920), (3840, 1080)):
        buffer = io.BytesIO()
        scene.resize(size).save(buffer, "JPEG", quality=90)
        measured = clarity.measure(buffer.getvalue())
        assert len(measured.fine) == clarity.COLUMNS * clarity.ROWS
        assert comparison.compare(measured, measured).clarity == 100.0


def test_ir_night_is_grey_and_a_dim_day_keeps_its_colour() -> None:
    """Day or night by colour: an IR picture is grey, a dim day is not."""
    day = _baseline(COLOUR)
    dim, _ = photos.condition(COLOUR, "exposure x0.5", 0)
    ir, _ = photos.condition(COLOUR, "IR night", 0)
    dim_day = _measure(COLOUR, dim)
    night = clarity.measure(photos.frame(ir, 1, grey=True))
    assert view.scene_of(day, None) == "day"
    assert view.scene_of(dim_day, None) == "day"
    assert view.scene_of(night, None) == "night"
    assert night.brightness > dim_day.brightness / 2  # not told by brightness


def _tinted(colour: float, brightness: float) -> clarity.Measurement:
    tiles = clarity.COLUMNS * clarity.ROWS
    ones = (1.0,) * tiles
    return clarity.Measurement(
        ones, ones, ones, (0.0,) * tiles, (brightness,) * tiles, 0.0, colour
    )


@pytest.mark.parametrize(
    ("colour", "brightness", "previous", "scene"),
    [
        (0.2, 90.0, None, "night"),
        (20.0, 90.0, None, "day"),
        (20.0, 8.0, None, "night"),
        (1.3, 90.0, None, "night"),
        (1.7, 90.0, None, "day"),
        (1.3, 90.0, "day", "day"),
        (1.7, 90.0, "night", "night"),
        (0.9, 90.0, "day", "night"),
        (2.1, 90.0, "night", "day"),
        (20.0, 18.0, "night", "night"),
        (20.0, 18.0, "day", "day"),
    ],
)
def test_day_and_night_do_not_flap(
    colour: float, brightness: float, previous: str | None, scene: str
) -> None:
    """Near a boundary the scene keeps its kind; past the margin it changes."""
    assert view.scene_of(_tinted(colour, brightness), previous) == scene
