"""Lens clarity: a snapshot's measurement read against the clean lens's.

**What dirt does.** Everything on the glass is far out of focus. Dirt that lets
light through (water, a film, condensation, a web) softens: a region keeps its
coarse shapes and loses its finest octave, so *sharpness* (finest over coarsest
energy, which light, contrast and gamma do not change) falls. Opaque dirt (mud,
a leaf, a dropping) takes the region's detail away altogether. Light scattered
in front of the scene (a web's glow, a film in the sun) veils: the regions
near it go brighter and every octave dims alike. None of them ever
*adds* fine detail, and nothing it adds is in focus. A camera that moved, or a
scene that changed (a parked car, a shed), shows fine detail as sharp as
before, only in other regions, and shapes in focus; fog in the scene takes
contrast from the far regions and brightens them, but what still shows is as
sharp as before. ``examine`` reads all of this against a baseline of the same
lens when clean:

- *clarity*: the baseline's sharpness kept, over the regions that still show
  the scene, times the share of regions that do (so opaque dirt lowers it too);
- *obscured*: the share of regions that lost most of their fine detail, or
  show soft shapes, glare or a veil that were not there;
- *changed*: fine detail found where the baseline had little, in proportion
  to the detail lost (near 1 when the view moved, near 0 for dirt);
- *veiled*: the share of lost regions that went brighter and flat, as fog
  makes them;
- *in focus*: the fine detail of shapes that came in as sharp as the scene
  (a car's edges; what fog left sharp), in proportion to the baseline's. Such
  shapes are not counted as obscured.

*Clarity* weighs the sharpness lost against what a dust film would do to
this view (``sharpness``): a view with little fine detail loses a smaller
share of it under the same film, so its loss counts more, as it would in a
typical view; so is the sharpness that tells a changed view or fog from dirt.
Pictures compared with each other to learn a baseline are taken as they are
(``Comparison.unweighed``).

Regions flat in the baseline (sky, a wall), clipped white or black, or whose
detail would drown in the sample's noise say nothing about the lens and are
left out. The top eighth is left out too: the camera draws its name and
clock there, in front of the lens.
"""

from __future__ import annotations

from dataclasses import dataclass

from .clarity import (
    COLUMNS,
    DARKEST,
    MAX_CLIPPED,
    NOISE_ENERGY,
    ROWS,
    Comparison,
    Measurement,
    Reading,
    median,
)
from .sharpness import clearness, film, kept, weighed

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
# Soft shapes appeared in a tile when its coarser octaves rose over this many
# times the baseline's while its finest stayed under this share of the
# baseline's typical proportion: new, but out of focus.
ADDED_OVER = 1.6
SOFT_BELOW = 0.5
# ... unless what came in is this sharp (finest over middle octave, in
# proportion to the baseline's typical: the scene's shapes come through the
# same lens, a drop's rim on a soft view keeps about half of it), or as sharp
# as an edge drawn within a pixel of focus (a step edge in focus keeps about
# 0.17 of its middle octaves' energy in the finest, 1 px out of focus 0.09,
# 4 px 0.04): in focus, so in the scene.
IN_FOCUS = 0.6
EDGE_IN_FOCUS = 0.11
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
# A veil (a web's glow, a film in the sun): a tile this much brighter than the
# picture's change of light, whose coarser octaves and finest kept less than
# this share of what the picture's contrast leaves them, the finest no more
# than this many times the coarser share (a veil dims all octaves alike; what
# came in sharper is the scene), next to another veiled tile (a veil spreads;
# content that changed at random does not).
VEIL_LIGHTER = 1.05
VEIL_KEPT = 0.8
VEIL_SHARPER = 1.15
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
    for value, near in zip(values, _SIDES, strict=True):
        most = value
        for n in near:
            most = max(most, values[n])
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
    focus: float  # ... and finest over middle: how sharp the lens draws the scene
    contrast: float  # the typical ratio of the coarser octaves' energy
    lighter: float  # the typical change of light, sample over baseline


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
        lighter=median([_brighter(sample, baseline, t) for t in usable]),
        typical=median(
            [
                baseline.fine[t] / c
                for t in usable
                if (c := _coarser(baseline, t)) > _TINY
            ]
        ),
        focus=median(
            [baseline.fine[t] / m for t in usable if (m := baseline.middle[t]) > _TINY]
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
    soft, in_focus = _new_shapes(sample, baseline, tiles)
    expected_judged = [tiles.expected[t] for t in tiles.judged]
    added = soft | _glare(sample, baseline, tiles)
    covered.update(dict.fromkeys(added | washed | _veil(sample, baseline, tiles), 1.0))
    share = sum(covered.values()) / len(covered)
    showing = [t for t in tiles.judged if covered[t] < 1.0]
    as_is = kept(sample, baseline, showing)
    sharpness = weighed(
        as_is, film(baseline, showing), clearness(sample, baseline, showing)
    )
    return Comparison(
        reading=_reading(sharpness, share),
        sharpness=sharpness,
        changed=_changed(sample, tiles),
        veiled=_veiled(sample, baseline, tiles, covered, added),
        in_focus=in_focus / total if (total := sum(expected_judged)) > _TINY else 0.0,
        as_is=_reading(as_is, share),
    )


def _reading(sharpness: float, share: float) -> Reading:
    """Clarity from the sharpness kept and the covered share; obscured area."""
    clarity = 100.0 * min(1.0, sharpness) * (1.0 - share)
    return Reading(clarity=round(clarity, 1), obscured=round(100.0 * share, 1))


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


def _new_shapes(
    sample: Measurement, baseline: Measurement, tiles: _Tiles
) -> tuple[set[int], float]:
    """Tiles where soft shapes appeared, and the detail that came in in focus.

    The coarser octaves rose over what the tile and its four neighbours had
    (a shaking camera moves a shape into the next tile). What came in in
    focus (a car, a shed) is the scene's: its fine detail is summed. Else the
    shape is soft when the finest octave did not follow: softer than the tile
    was, or than the picture typically is where the tile was flat; something
    out of focus on the glass.
    """
    flat = MIN_DETAIL * median([_coarser(baseline, t) for t in range(len(tiles.scale))])
    before = _most_near(
        [_coarser(baseline, t) * s for t, s in enumerate(tiles.scale_high)]
    )
    soft: set[int] = set()
    sharp = 0.0
    for t, scale in enumerate(tiles.scale):
        now = _coarser(sample, t)
        if sample.clipped[t] > MAX_CLIPPED or now <= ADDED_OVER * max(
            before[t], flat * scale, tiles.noise_coarser
        ):
            continue
        if _in_focus(sample, baseline, tiles, t):
            sharp += sample.fine[t] - baseline.fine[t] * tiles.scale_high[t]
            continue
        then = _coarser(baseline, t)
        own = baseline.fine[t] / then if then > flat else tiles.typical
        if sample.fine[t] < SOFT_BELOW * own * now:
            soft.add(t)
    return soft, sharp


def _in_focus(
    sample: Measurement, baseline: Measurement, tiles: _Tiles, t: int
) -> bool:
    """Whether what was added to a tile is as sharp as the scene (a car, a shed).

    The octaves of what came in, finest over middle, against the baseline's
    typical: an edge in focus keeps a fair share of its energy in the finest
    octave, a shape a few pixels out of focus (anything on the glass) almost
    none.
    """
    high = tiles.scale_high[t]
    added_fine = sample.fine[t] - baseline.fine[t] * high
    added_middle = sample.middle[t] - baseline.middle[t] * high
    return (
        added_middle > tiles.noise_coarser
        and added_fine >= min(IN_FOCUS * tiles.focus, EDGE_IN_FOCUS) * added_middle
    )


def _glare(sample: Measurement, baseline: Measurement, tiles: _Tiles) -> set[int]:
    """Tiles lit by light the scene did not send (a web's strands in the sun).

    Brighter than the picture's own change of light, the middle octaves risen
    against the finest, and the finest dimmed.
    """
    glare = set()
    for t in tiles.judged:
        high = tiles.scale_high[t]
        middle = sample.middle[t] / max(baseline.middle[t] * high, _TINY)
        fine = sample.fine[t] / max(baseline.fine[t] * high, _TINY)
        if (
            _brighter(sample, baseline, t) > GLARE_BRIGHTER * tiles.lighter
            and middle > GLARE_SOFTER * max(fine, _TINY)
            and sample.fine[t] < GLARE_DIMMER * tiles.expected[t]
        ):
            glare.add(t)
    return glare


def _veil(sample: Measurement, baseline: Measurement, tiles: _Tiles) -> set[int]:
    """Tiles under a veil of light the scene did not send (a web's glow, a film).

    Light added in front of the scene dims its detail in every octave alike:
    brighter than the picture's change of light, each octave kept clearly
    less than the picture's contrast leaves it, the finest not sharper than
    the rest. Only tiles next to another such tile: a veil on the glass
    spreads over neighbours, a view that changed at random does not.
    """
    veiled = set()
    for t in tiles.judged:
        then = _coarser(baseline, t)
        if then <= _TINY:
            continue
        coarser = _coarser(sample, t) / then / max(tiles.contrast, _TINY)
        fine = sample.fine[t] / tiles.expected[t]
        if (
            _brighter(sample, baseline, t) > VEIL_LIGHTER * tiles.lighter
            and coarser < VEIL_KEPT
            and fine < VEIL_KEPT
            and fine <= VEIL_SHARPER * coarser
        ):
            veiled.add(t)
    return {t for t in veiled if any(n in veiled for n in _AROUND[t])}


def _around(tile: int, *, corners: bool) -> tuple[int, ...]:
    """The up to eight tiles around ``tile`` (four without the corners)."""
    row, column = divmod(tile, COLUMNS)
    return tuple(
        r * COLUMNS + c
        for r in (row - 1, row, row + 1)
        for c in (column - 1, column, column + 1)
        if (r, c) != (row, column)
        and (corners or r == row or c == column)
        and 0 <= r < ROWS
        and 0 <= c < COLUMNS
    )


# Each tile's neighbours, worked out once: all eight, and the four at its sides.
_AROUND = [_around(t, corners=True) for t in range(ROWS * COLUMNS)]
_SIDES = [_around(t, corners=False) for t in range(ROWS * COLUMNS)]


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
    tiles: _Tiles,
    covered: dict[int, float],
    added: set[int],
) -> float:
    """Share of the covered detail that fog would explain.

    Fog hides by distance: whole rows of the picture at once, brighter than
    the picture's own change of light, from the far ones down (the top of
    the picture: a row below one that still shows clearly is nearer, fog
    there would hide the far one more). A blot on the glass covers part of a
    row, whatever its colour; snow or a film low on the glass covers whole
    rows below clear ones.
    """
    weight = sum(covered.values())
    if weight <= 0:
        return 0.0
    rows: dict[int, list[float]] = {}
    for t, share in covered.items():
        rows.setdefault(t // COLUMNS, []).append(share)
    banded: set[int] = set()
    for row in sorted({t // COLUMNS for t in tiles.judged} | set(rows)):
        shares = rows.get(row, [])
        if not shares or sum(shares) < VEIL_ROW * len(shares):
            break
        banded.add(row)
    veil = sum(
        share
        for t, share in covered.items()
        if t not in added
        and t // COLUMNS in banded
        and _brighter(sample, baseline, t) > VEIL_BRIGHTER * min(1.0, tiles.lighter)
    )
    return veil / weight


def compare(sample: Measurement, baseline: Measurement) -> Reading:
    """Clarity and obscured area of ``sample`` against ``baseline`` (%)."""
    return examine(sample, baseline).reading
