"""The view, not the lens: a camera that moved, a scene that changed, fog, day or night.

``moved`` and ``scene_of`` read a measurement's tile brightness and colour
(``clarity.measure``): a turned camera shows the same light elsewhere, an IR
night picture has no colour. ``explained`` reads comparisons with the
baseline (``comparison.examine``): detail that came in elsewhere, or sharp,
is the scene's (dirt on the glass is out of focus and never adds any); rows
veiled and brightened are fog. No Home Assistant.
"""

from __future__ import annotations

from functools import cache

from PIL import Image

from .clarity import COLUMNS, ROWS, Comparison, Measurement

# What explains a reading that is not the lens.
VIEW = "view"  # the camera moved or the scene changed
FOG = "fog"  # fog or haze in the scene
# A reading of a changed view: fine detail gained at least this share of the
# detail lost (``Comparison.changed``); after a wipe that changed nothing,
# less will do (what no wiper takes off, paint, gains none).
VIEW_CHANGED = 0.15
VIEW_CHANGED_AFTER_WIPE = 0.06
# ... or shapes in focus came in with at least this share of the baseline's
# fine detail (``Comparison.in_focus``; dirt is out of focus and brings none).
IN_FOCUS_SCENE = 0.04
IN_FOCUS_SCENE_AFTER_WIPE = 0.02
# ... while what still shows the old view is at least this sharp: a changed
# view leaves the rest as it was, dirt all over the glass softens it too.
VIEW_SHARP = 0.8
# A reading that fog explains: this share of the covered detail veiled (after
# a wipe that changed nothing, the lower share).
FOG_VEILED = 0.5
FOG_VEILED_AFTER_WIPE = 0.3
# ... with what still shows at least this sharp, and at most this much (%)
# of the picture covered.
FOG_SHARP = 0.85
FOG_MOST = 70.0

# A camera turned or zoomed is looked for this far (share of the picture's
# width and height, and zoom factors): the baseline's tile brightness, moved
# and scaled, must correlate with the sample's at least this well, and the
# move must explain away at least this share of what the unmoved baseline
# left unexplained (one minus the correlation).
MOVE_SHIFTS = (0.14, 0.17)
MOVE_SCALES = (0.88, 0.92, 0.96, 1.0, 1.04, 1.08)
MOVE_MATCH = 0.5
MOVE_EXPLAINS = 0.5
# ... with at least this share of the sample's tiles inside the moved baseline.
MOVE_OVERLAP = 0.6
_WHITE = 255


def moved(sample: Measurement, baseline: Measurement) -> bool:
    """Whether the camera turned or zoomed since the baseline.

    The tiles' brightness is a small picture of the scene: the baseline's is
    shifted and scaled until it matches the sample's best (steps of two and
    one tiles, then finer steps around the best). The camera moved when a
    move matches well and explains at least half of what the unmoved
    baseline did not. Dirt changes a part of the picture in place: no move
    explains it better.
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
    return (
        move != still
        and best >= MOVE_MATCH
        and 1.0 - best <= (1.0 - MOVE_EXPLAINS) * (1.0 - unmoved)
    )


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


def explained(
    comparisons: list[Comparison], *, camera_moved: bool, after_wipe: bool = False
) -> str | None:
    """What explains these readings, if not the lens: a changed view, or fog.

    ``after_wipe``: a wipe changed nothing, so what is left is the scene or
    dirt no wiper takes off; weaker signs of the scene will do.
    """
    if camera_moved:
        return VIEW
    if not comparisons:
        return None
    if all(_fog_like(c, after_wipe=after_wipe) for c in comparisons):
        return FOG
    if all(
        view_changed(c, after_wipe=after_wipe) or _fog_like(c, after_wipe=after_wipe)
        for c in comparisons
    ):
        return VIEW
    return None


def view_changed(comparison: Comparison, *, after_wipe: bool) -> bool:
    """Whether detail came in elsewhere: sharp detail gained, or shapes in focus."""
    if comparison.sharpness < VIEW_SHARP:
        return False
    if after_wipe:
        return (
            comparison.changed >= VIEW_CHANGED_AFTER_WIPE
            or comparison.in_focus >= IN_FOCUS_SCENE_AFTER_WIPE
        )
    return comparison.changed >= VIEW_CHANGED or comparison.in_focus >= IN_FOCUS_SCENE


def _fog_like(comparison: Comparison, *, after_wipe: bool) -> bool:
    """Whether fog explains the reading, not the lens.

    Fog veils whole rows of the picture and leaves what still shows as sharp
    as it was; a film or condensation on the glass softens everything.
    """
    veiled = FOG_VEILED_AFTER_WIPE if after_wipe else FOG_VEILED
    return (
        comparison.veiled >= veiled
        and comparison.sharpness >= FOG_SHARP
        and comparison.reading.obscured <= FOG_MOST
    )
