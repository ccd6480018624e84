"""Lens clarity: a snapshot's measurement read against the clean lens's.

**What dirt does.** Everything on the glass is far out of focus. Dirt that lets
light through (water, a film, condensation, a web) softens: a region keeps its
coarse shapes and loses its finest octave, so *sharpness* (finest over coarsest
energy, which light, contrast and gamma do not change) falls. Opaque dirt (mud,
a leaf, a dropping) takes the region's detail away altogether. Neither ever
*adds* fine detail. A camera that moved, or a scene that changed, shows fine
detail as sharp as before, only in other regions; fog in the scene takes
contrast from the far regions and brightens them, but what still shows is as
sharp as before. ``examine`` reads all of this against a baseline of the same
lens when clean:

- *clarity*: the baseline's sharpness kept, over the regions that still show
  the scene, times the share of regions that do (so opaque dirt lowers it too);
- *obscured*: the share of regions that lost most of their fine detail;
- *changed*: fine detail found where the baseline had little, in proportion
  to the detail lost (near 1 when the view moved, near 0 for dirt);
- *veiled*: the share of lost regions that went brighter and flat, as fog
  makes them.

Regions flat in the baseline (sky, a wall), clipped white or black, or whose
detail would drown in the sample's noise say nothing about the lens and are
left out. The top eighth is left out too: the camera draws its name and
clock there, in front of the lens.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from PIL import Image

from .clarity import (
    COLUMNS,
    DARKEST,
    NOISE_ENERGY,
    ROWS,
    Comparison,
    Measurement,
    Reading,
    median,
)

# A tile clipped over this share of its pixels has lost detail to exposure.
MAX_CLIPPED = 0.25
# A tile takes part when its baseline detail is at least this share of the
# median tile's: flatter tiles (sky, a wall) hold too little to compare.
MIN_DETAIL = 0.1
# ... and when the fine detail it had would stand this far above the noise
# of the sample (in energy): below that, a loss could be noise.
MEASURABLE = 3.0
# A tile lost its detail when its finest octave fell under this share of what
# the baseline's would be under the sample's light and contrast; a tile at
# LOST_FROM counts in part, one under LOST_BELOW counts whole.
LOST_BELOW = 0.2
LOST_FROM = 0.5
# A tile gained detail when its finest octave rose over this many times the
# baseline's (the view moved or changed: dirt never adds detail).
GAINED_OVER = 2.5
# ... and is about as sharp as the baseline's typical tile (not a soft shape).
GAINED_SHARP = 0.8
# A lost tile is veiled (fog, haze in the scene) when it went this much
# brighter than the picture's own change of light, and flat.
VEIL_BRIGHTER = 1.15
# ... in a row where at least this share of the tiles are covered.
VEIL_ROW = 0.6
# A tile sharper than the baseline counts as at most this much sharper.
SHARPER_CAP = 2.0
# Soft shapes appeared in a tile when its coarser octaves rose over this many
# times the baseline's while its finest stayed under this share of the
# baseline's typical proportion: new, but out of focus.
ADDED_OVER = 1.6
SOFT_BELOW = 0.5
# Detail lost under this share of the baseline's is too little to weigh what
# was gained against.
CHANGE_FLOOR = 0.05
# Washed out: the coarser octaves kept under this share of their energy while
# the picture kept at least this share of its light (a milky veil).
WASHED_CONTRAST = 0.1
WASHED_LIGHT = 0.8
# Glare: a tile this much brighter than the picture's change of light, whose
# middle octaves rose this many times more than its finest.
GLARE_BRIGHTER = 1.08
GLARE_SOFTER = 1.6
GLARE_DIMMER = 0.85
_TINY = 1e-9


def _usable(sample: Measurement, baseline: Measurement) -> list[int]:
    """Tiles with detail in the baseline and clipped in neither picture."""
    detail = [
        f + m + c
        for f, m, c in zip(baseline.fine, baseline.middle, baseline.coarse, strict=True)
    ]
    typical = median(detail)
    return [
        tile
        for tile, amount in enumerate(detail)
        if amount > MIN_DETAIL * typical
        and sample.clipped[tile] <= MAX_CLIPPED
        and baseline.clipped[tile] <= MAX_CLIPPED
    ]


def _energy_scale(
    sample: Measurement, baseline: Measurement, tiles: list[int]
) -> tuple[list[float], list[float], float]:
    """How much the sample's light and contrast scale each tile's energy.

    Light, contrast and gamma scale a tile's energy: either alike everywhere
    (the ratio of the coarser octaves, typical over the picture) or with the
    square of its brightness (Weber). Both are returned, the smaller and the
    larger per tile: a loss is judged against the one, a gain against the
    other, so that neither model's error reads as dirt; and the typical ratio
    of the coarser octaves (how much contrast the picture kept).
    """

    def weber(tile: int) -> float:
        now = max(sample.light[tile], DARKEST)
        return (now / max(baseline.light[tile], DARKEST)) ** 2

    ratios = [
        _coarser(sample, t) / then if (then := _coarser(baseline, t)) > _TINY else 1.0
        for t in tiles
    ]
    plain = median(ratios) if ratios else 1.0
    per_light = (
        median([r / weber(t) for r, t in zip(ratios, tiles, strict=True)])
        if ratios
        else 1.0
    )
    both = [(plain, per_light * weber(t)) for t in range(len(baseline.fine))]
    return [min(pair) for pair in both], [max(pair) for pair in both], plain


def _most_near(values: list[float]) -> list[float]:
    """Each tile's value or its four neighbours', whichever is largest."""
    out = []
    for t, value in enumerate(values):
        row, column = divmod(t, COLUMNS)
        most = value
        for r, c in (
            (row - 1, column),
            (row + 1, column),
            (row, column - 1),
            (row, column + 1),
        ):
            if 0 <= r < ROWS and 0 <= c < COLUMNS:
                most = max(most, values[r * COLUMNS + c])
        out.append(most)
    return out


def _coarser(m: Measurement, tile: int) -> float:
    return m.middle[tile] + m.coarse[tile]


@dataclass(frozen=True)
class _Tiles:
    """The tiles ``examine`` works with, and the baseline under the sample's light."""

    usable: list[int]  # detail in the baseline, clipped in neither
    judged: list[int]  # ... and detail that would stand above the noise
    scale: list[float]  # energy scale of each tile, the lower estimate
    scale_high: list[float]  # ... and the higher one
    expected: list[float]  # the baseline's fine energy at the lower scale
    noise_fine: float  # energy the noise could explain, finest octave
    noise_coarser: float  # ... and the coarser ones
    typical: float  # the baseline's typical finest over coarser energy
    contrast: float  # the typical ratio of the coarser octaves' energy


def _tiles_of(sample: Measurement, baseline: Measurement) -> _Tiles:
    usable = _usable(sample, baseline)
    scale, scale_high, contrast = _energy_scale(sample, baseline, usable)
    expected = [f * s for f, s in zip(baseline.fine, scale, strict=True)]
    noise = max(sample.noise, baseline.noise)
    noise_fine = MEASURABLE * noise * NOISE_ENERGY[0]
    return _Tiles(
        usable=usable,
        judged=[t for t in usable if expected[t] > noise_fine],
        scale=scale,
        scale_high=scale_high,
        expected=expected,
        noise_fine=noise_fine,
        noise_coarser=MEASURABLE * noise * sum(NOISE_ENERGY[1:]),
        contrast=contrast,
        typical=median(
            [
                baseline.fine[t] / c
                for t in usable
                if (c := _coarser(baseline, t)) > _TINY
            ]
        ),
    )


def examine(sample: Measurement, baseline: Measurement) -> Comparison:
    """Compare ``sample`` with ``baseline``: clarity, obscured area and why.

    A tile is *covered* when its finest octave was lost (in part between
    ``LOST_FROM`` and ``LOST_BELOW``), when soft shapes appeared in it, when it
    shows glare, or when a milky veil sank its detail under the noise;
    *obscured* is the covered share of the tiles judged.
    """
    tiles = _tiles_of(sample, baseline)
    washed = _washed_out(sample, baseline, tiles)
    if not tiles.judged and not washed:
        return Comparison(Reading(100.0, 0.0), 1.0, 0.0, 0.0)
    covered = {
        t: min(
            1.0,
            max(
                0.0,
                (LOST_FROM - sample.fine[t] / tiles.expected[t])
                / (LOST_FROM - LOST_BELOW),
            ),
        )
        for t in tiles.judged
    }
    added = _soft_shapes(sample, baseline, tiles) | _glare(sample, baseline, tiles)
    covered.update(dict.fromkeys(added | washed, 1.0))
    share = sum(covered.values()) / len(covered)
    showing = [t for t in tiles.judged if covered[t] < 1.0]
    sharpness = _sharpness(sample, baseline, showing)
    clarity = 100.0 * min(1.0, sharpness) * (1.0 - share)
    return Comparison(
        reading=Reading(clarity=round(clarity, 1), obscured=round(100.0 * share, 1)),
        sharpness=sharpness,
        changed=_changed(sample, tiles),
        veiled=_veiled(sample, baseline, tiles.usable, covered, added),
    )


def _washed_out(sample: Measurement, baseline: Measurement, tiles: _Tiles) -> set[int]:
    """Tiles whose detail a milky veil sank under the noise (condensation).

    Only when the picture kept its light but lost most of its contrast: a
    darker picture is the light's doing, and its detail is judged as usual.
    """
    if (
        tiles.contrast >= WASHED_CONTRAST
        or sample.brightness < WASHED_LIGHT * baseline.brightness
    ):
        return set()
    judged = set(tiles.judged)
    return {
        t
        for t in tiles.usable
        if baseline.fine[t] > tiles.noise_fine and t not in judged
    }


def _soft_shapes(sample: Measurement, baseline: Measurement, tiles: _Tiles) -> set[int]:
    """Tiles where soft shapes appeared: something out of focus on the glass.

    The coarser octaves rose over what the tile and its four neighbours had
    (a shaking camera moves a shape into the next tile), and the finest did
    not follow: the new shape is softer than the tile was, or than the
    picture typically is where the tile was flat.
    """
    flat = MIN_DETAIL * median([_coarser(baseline, t) for t in range(len(tiles.scale))])
    before = _most_near(
        [_coarser(baseline, t) * s for t, s in enumerate(tiles.scale_high)]
    )
    shapes = set()
    for t, scale in enumerate(tiles.scale):
        now = _coarser(sample, t)
        if sample.clipped[t] > MAX_CLIPPED or now <= ADDED_OVER * max(
            before[t], flat * scale, tiles.noise_coarser
        ):
            continue
        then = _coarser(baseline, t)
        own = baseline.fine[t] / then if then > flat else tiles.typical
        if sample.fine[t] < SOFT_BELOW * own * now:
            shapes.add(t)
    return shapes


def _glare(sample: Measurement, baseline: Measurement, tiles: _Tiles) -> set[int]:
    """Tiles lit by light the scene did not send (a web's strands in the sun).

    Brighter than the picture's own change of light, the middle octaves risen
    against the finest, and the finest dimmed.
    """
    typical = median([_brighter(sample, baseline, t) for t in tiles.usable])
    glare = set()
    for t in tiles.judged:
        high = tiles.scale_high[t]
        middle = sample.middle[t] / max(baseline.middle[t] * high, _TINY)
        fine = sample.fine[t] / max(baseline.fine[t] * high, _TINY)
        if (
            _brighter(sample, baseline, t) > GLARE_BRIGHTER * typical
            and middle > GLARE_SOFTER * max(fine, _TINY)
            and sample.fine[t] < GLARE_DIMMER * tiles.expected[t]
        ):
            glare.add(t)
    return glare


def _brighter(sample: Measurement, baseline: Measurement, tile: int) -> float:
    return max(sample.light[tile], DARKEST) / max(baseline.light[tile], DARKEST)


def _changed(sample: Measurement, tiles: _Tiles) -> float:
    """Sharp fine detail gained where there was less, over the detail lost.

    Over every tile, also those flat in the baseline: a view that moved or
    changed shows detail elsewhere; dirt never adds any.
    """
    gained = sum(
        max(0.0, sample.fine[t] - GAINED_OVER * max(expected, tiles.noise_fine))
        for t, expected in enumerate(tiles.expected)
        if sample.clipped[t] <= MAX_CLIPPED
        and sample.fine[t] >= GAINED_SHARP * tiles.typical * _coarser(sample, t)
    )
    missing = sum(max(0.0, tiles.expected[t] - sample.fine[t]) for t in tiles.judged)
    total = sum(tiles.expected[t] for t in tiles.judged)
    return gained / max(missing, CHANGE_FLOOR * total, _TINY)


def _veiled(
    sample: Measurement,
    baseline: Measurement,
    tiles: list[int],
    covered: dict[int, float],
    added: set[int],
) -> float:
    """Share of the covered detail that fog would explain.

    Fog hides by distance: whole rows of the picture at once, brighter than
    the picture's own change of light. A blot on the glass covers part of a
    row, whatever its colour.
    """
    weight = sum(covered.values())
    if weight <= 0:
        return 0.0
    overall = median([_brighter(sample, baseline, t) for t in tiles])
    rows: dict[int, list[float]] = {}
    for t, share in covered.items():
        rows.setdefault(t // COLUMNS, []).append(share)
    banded = {
        row for row, shares in rows.items() if sum(shares) >= VEIL_ROW * len(shares)
    }
    veil = sum(
        share
        for t, share in covered.items()
        if t not in added
        and t // COLUMNS in banded
        and _brighter(sample, baseline, t) > VEIL_BRIGHTER * min(1.0, overall)
    )
    return veil / weight


def _sharpness(sample: Measurement, baseline: Measurement, tiles: list[int]) -> float:
    """Sharpness kept: each tile's finest over coarsest energy, over the baseline's.

    Tile by tile, so that light and gamma, which weigh bright and dark tiles
    differently, cannot shift the whole; averaged with the baseline's fine
    detail as weights, each tile's ratio capped at ``SHARPER_CAP``.
    """
    total = weighted = 0.0
    for t in tiles:
        then = baseline.fine[t] / max(baseline.coarse[t], _TINY)
        now = sample.fine[t] / max(sample.coarse[t], _TINY)
        weight = baseline.fine[t]
        total += weight
        weighted += weight * min(SHARPER_CAP, now / then if then > _TINY else 1.0)
    return weighted / total if total > 0 else 1.0


# A camera turned or zoomed is looked for this far (share of the picture's
# width and height, and zoom factors): the baseline's tile brightness, moved
# and scaled, must correlate with the sample's at least this well, and this
# much better than unmoved.
MOVE_SHIFTS = (0.14, 0.17)
MOVE_SCALES = (0.88, 0.92, 0.96, 1.0, 1.04, 1.08)
MOVE_MATCH = 0.7
MOVE_BETTER = 0.06
# ... with at least this share of the sample's tiles inside the moved baseline.
MOVE_OVERLAP = 0.6
_WHITE = 255


def moved(sample: Measurement, baseline: Measurement) -> bool:
    """Whether the camera turned or zoomed since the baseline.

    The tiles' brightness is a small picture of the scene: the baseline's is
    shifted and scaled until it matches the sample's best (steps of two and
    one tiles, then finer steps around the best). The camera moved when a
    move matches well and clearly better than none. Dirt changes a part of
    the picture in place: no move explains it better.
    """
    now = list(sample.light)
    then = Image.new("F", (COLUMNS, ROWS))
    then.putdata(baseline.light)
    still = (1.0, 0.0, 0.0)
    unmoved = _match(now, then, still)
    best, move = unmoved, still
    for scale in MOVE_SCALES:
        for dx in _steps(MOVE_SHIFTS[0] * COLUMNS, 2.0):
            for dy in _steps(MOVE_SHIFTS[1] * ROWS, 1.0):
                score = _match(now, then, (scale, dx, dy))
                if score > best:
                    best, move = score, (scale, dx, dy)
    for step in (1.0, 0.5):
        scale, dx, dy = move
        for near_dx in (dx - step, dx, dx + step):
            for near_dy in (dy - step / 2, dy, dy + step / 2):
                score = _match(now, then, (scale, near_dx, near_dy))
                if score > best:
                    best, move = score, (scale, near_dx, near_dy)
    return move != still and best >= MOVE_MATCH and best - unmoved >= MOVE_BETTER


def _steps(reach: float, step: float) -> list[float]:
    count = int(reach / step)
    return [step * i for i in range(-count, count + 1)]


def _warp(
    image: Image.Image, move: tuple[float, float, float], resample: Image.Resampling
) -> Image.Image:
    """Where each tile of the sample was in the baseline (scaled, then shifted)."""
    scale, dx, dy = move
    cx, cy = COLUMNS / 2, ROWS / 2
    data = (scale, 0.0, cx - scale * cx + dx, 0.0, scale, cy - scale * cy + dy)
    return image.transform(image.size, Image.Transform.AFFINE, data, resample=resample)


@cache
def _inside(move: tuple[float, float, float]) -> tuple[int, ...]:
    """The tiles a move keeps inside the baseline."""
    inside = _warp(
        Image.new("L", (COLUMNS, ROWS), _WHITE), move, Image.Resampling.NEAREST
    )
    return tuple(t for t, v in enumerate(inside.getdata()) if v == _WHITE)


def _match(
    now: list[float], then: Image.Image, move: tuple[float, float, float]
) -> float:
    """Correlation of the sample's tile brightness with the moved baseline's."""
    inside = _inside(move)
    count = len(inside)
    if count < MOVE_OVERLAP * len(now):
        return -1.0
    shifted = _warp(then, move, Image.Resampling.BILINEAR).getdata()
    xs = [now[t] for t in inside]
    ys = [shifted[t] for t in inside]
    mean_x, mean_y = sum(xs) / count, sum(ys) / count
    sxy = sum(x * y for x, y in zip(xs, ys, strict=True)) - count * mean_x * mean_y
    sxx = sum(x * x for x in xs) - count * mean_x * mean_x
    syy = sum(y * y for y in ys) - count * mean_y * mean_y
    return sxy / (sxx * syy) ** 0.5 if sxx > 0 and syy > 0 else -1.0


def compare(sample: Measurement, baseline: Measurement) -> Reading:
    """Clarity and obscured area of ``sample`` against ``baseline`` (%)."""
    return examine(sample, baseline).reading


# Pictures with less colour than this (mean chroma, % of luminance) are grey:
# a camera in IR night mode. The kind changes only past the margin.
GREY_BELOW = 1.5
GREY_MARGIN = 0.5
# Darker than this (mean luminance 0-255) is night whatever the colour.
DARK_BELOW = 16.0
DARK_MARGIN = 4.0


def scene_of(sample: Measurement, previous: str | None) -> str:
    """Day or night for ``sample``, keeping ``previous`` near the boundaries.

    Night is a grey picture (the camera switched to IR) or a very dark one;
    a dim day keeps its colour and stays day.
    """
    if (
        sample.colour < GREY_BELOW - GREY_MARGIN
        or sample.brightness < DARK_BELOW - DARK_MARGIN
    ):
        return "night"
    if (
        sample.colour > GREY_BELOW + GREY_MARGIN
        and sample.brightness > DARK_BELOW + DARK_MARGIN
    ):
        return "day"
    if previous is not None:
        return previous
    return (
        "night"
        if sample.colour < GREY_BELOW or sample.brightness < DARK_BELOW
        else "day"
    )
