"""Lens clarity from a snapshot: fine detail compared with itself, region by region.

Pure Pillow (a core Home Assistant dependency), no Home Assistant: ``measure``
is CPU work for an executor, ``compare`` is arithmetic on a few hundred numbers.

**The measure.** A greyscale copy at a fixed working size is split into three
octaves of detail (a Laplacian pyramid: each level is the picture minus a copy
at half the size, scaled back up). Per tile of a 24 x 9 grid, the energy of
each octave is kept. A lens that softens the picture takes energy from the
finest octave first, so *sharpness* is the finest octave's energy divided by
the coarsest's. That quotient does not change when the picture is brighter or
darker, has more or less contrast or another gamma: those scale every octave
of a region alike, and the quotient cancels the scale.

**Noise.** Sensor noise and compression add energy to the finest octave and
would read as sharpness. Each sample estimates its own noise level (the
median response of a filter that cancels edges and flat areas, after
J. Immerkaer, "Fast noise variance estimation", 1996) and takes the energy
that much noise puts in each octave out again.

**Regions.** ``compare`` reads a sample against a baseline of the same lens
when clean: *clarity* is the sharpness of the regions with detail in % of the
baseline's; *obscured* is the share of those regions that lost most of their
detail compared with the rest of the picture (drops, a smear). Tiles that were
flat in the baseline (sky, a wall) or that are clipped white or black in
either picture say nothing about the lens and are left out. The top quarter
is left out too: the camera draws its name and clock there, in front of the
lens.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
import io
from typing import Any, Self

from PIL import Image, ImageFilter, ImageMath

# Scenes darker than this mean luminance (0-255) are compared as night
# scenes; a scene changes kind only past the margin (no flapping at dusk).
NIGHT_BRIGHTNESS = 60.0
NIGHT_MARGIN = 8.0

WORK_WIDTH = 640
COLUMNS, ROWS = 24, 9
LEVELS = 3
# Energy that white noise of unit variance leaves in each octave of this
# pyramid (2x box reduction, bilinear expansion), measured once on 10^6
# pixels of Gaussian noise: about 0.82 / 4**level.
NOISE_ENERGY = (0.816, 0.204, 0.050)
# Immerkaer's operator: second differences that cancel flat areas and ramps.
_NOISE_KERNEL = ImageFilter.Kernel((3, 3), [1, -2, 1, -2, 4, -2, 1, -2, 1], 1, 128)
_MAD_TO_SIGMA = 1.4826 / 6  # the kernel's gain on white noise is 6
# Energy left after removing noise never goes under this share of what was
# measured: an estimate that is a little high must not zero a region.
_NOISE_FLOOR = 0.05
_CLIP_DARK, _CLIP_BRIGHT = 6, 249
# A tile clipped over this share of its pixels has lost detail to exposure.
MAX_CLIPPED = 0.25
# A tile takes part when its baseline detail is at least this share of the
# median tile's: flatter tiles (sky, a wall) hold too little to compare.
MIN_DETAIL = 0.1
# A tile is obscured when its detail, relative to the rest of the picture,
# fell under this share of the baseline's.
OBSCURED_BELOW = 0.5
# Dirt covers less than this share of the picture's detail in the upper
# quartile of tiles, so that quartile tells how light and contrast changed.
UNTOUCHED_QUANTILE = 0.75
_DARKEST = 8.0
_TINY = 1e-9


class NotAnImageError(ValueError):
    """The bytes are not a picture Pillow can decode."""


@dataclass(frozen=True)
class Measurement:
    """Detail per tile of one snapshot (row by row), and its brightness."""

    fine: tuple[float, ...]
    middle: tuple[float, ...]
    coarse: tuple[float, ...]
    clipped: tuple[float, ...]
    light: tuple[float, ...]

    @property
    def brightness(self) -> float:
        """Mean luminance (0-255) of the part measured."""
        return sum(self.light) / len(self.light)

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (for storage)."""
        return {
            key: [float(f"{v:.4g}") for v in values]
            for key, values in asdict(self).items()
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        """Read the stored form back (raises on anything else)."""
        tiles = COLUMNS * ROWS
        fields = {}
        for key in ("fine", "middle", "coarse", "clipped", "light"):
            values = tuple(float(v) for v in data[key])
            if len(values) != tiles:
                msg = f"{key}: {len(values)} tiles"
                raise ValueError(msg)
            fields[key] = values
        return cls(**fields)


@dataclass(frozen=True)
class Reading:
    """A sample compared with a baseline: clarity and obscured area (%)."""

    clarity: float
    obscured: float


def measure(jpeg: bytes) -> Measurement:
    """Measure a JPEG (raises NotAnImageError for anything that is not one)."""
    try:
        image = Image.open(io.BytesIO(jpeg))
        # JPEG decodes straight to a smaller size (DCT scaling): cheap.
        image.draft("L", (WORK_WIDTH, WORK_WIDTH))
        grey = image.convert("L")
    except (OSError, Image.DecompressionBombError) as err:
        msg = "not a decodable image"
        raise NotAnImageError(msg) from err
    height = max(4 * ROWS, grey.height * WORK_WIDTH // max(1, grey.width))
    if grey.size != (WORK_WIDTH, height):
        grey = grey.resize((WORK_WIDTH, height), Image.Resampling.BOX)
    scene = grey.crop((0, height // 4, WORK_WIDTH, height))
    noise = _noise_variance(scene)
    levels = [scene.convert("F")]
    for _ in range(LEVELS):
        top = levels[-1]
        levels.append(
            top.resize(
                (max(1, top.width // 2), max(1, top.height // 2)),
                Image.Resampling.BOX,
            )
        )
    energies = []
    for level in range(LEVELS):
        upper, lower = levels[level], levels[level + 1]
        band = ImageMath.lambda_eval(
            lambda a: (a["x"] - a["y"]) * (a["x"] - a["y"]),
            x=upper,
            y=lower.resize(upper.size, Image.Resampling.BILINEAR),
        )
        floor = noise * NOISE_ENERGY[level]
        energies.append(
            tuple(max(energy - floor, _NOISE_FLOOR * energy) for energy in _tiles(band))
        )
    clipped = scene.point(
        lambda v: 255 if v < _CLIP_DARK or v > _CLIP_BRIGHT else 0
    ).convert("F")
    return Measurement(
        fine=energies[0],
        middle=energies[1],
        coarse=energies[2],
        clipped=tuple(share / 255 for share in _tiles(clipped)),
        light=tuple(_tiles(levels[0])),
    )


def _tiles(image: Image.Image) -> list[float]:
    """Mean of each tile, row by row."""
    small = image.resize((COLUMNS, ROWS), Image.Resampling.BOX)
    return [float(v) for v in small.getdata()]  # type: ignore[attr-defined]


def _noise_variance(grey: Image.Image) -> float:
    """Noise variance from the median of Immerkaer's operator."""
    histogram = grey.filter(_NOISE_KERNEL).histogram()
    magnitudes = [histogram[128]] + [
        histogram[128 + d] + histogram[128 - d] for d in range(1, 128)
    ]
    half = sum(magnitudes) / 2
    seen = 0
    for magnitude, count in enumerate(magnitudes):
        if seen + count >= half:
            median = magnitude - 0.5 + (half - seen) / max(count, 1)
            return (max(median, 0.0) * _MAD_TO_SIGMA) ** 2
        seen += count
    return 0.0  # pragma: no cover - the loop always reaches half


def _usable(sample: Measurement, baseline: Measurement) -> list[int]:
    """Tiles with detail in the baseline and clipped in neither picture."""
    detail = [f + m + c for f, m, c in zip(*_bands(baseline), strict=True)]
    typical = _median(detail)
    return [
        tile
        for tile, amount in enumerate(detail)
        if amount > MIN_DETAIL * typical
        and sample.clipped[tile] <= MAX_CLIPPED
        and baseline.clipped[tile] <= MAX_CLIPPED
    ]


def _bands(m: Measurement) -> tuple[tuple[float, ...], ...]:
    return m.fine, m.middle, m.coarse


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if not ordered:
        return 0.0
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _sharpness(m: Measurement, tiles: list[int]) -> float:
    """Finest over coarsest octave energy of ``tiles`` (scale-free)."""
    coarse = sum(m.coarse[t] for t in tiles)
    return sum(m.fine[t] for t in tiles) / coarse if coarse > 0 else 0.0


def sharpness_ratio(sample: Measurement, baseline: Measurement) -> float:
    """Sharpness of ``sample`` over the baseline's, on the tiles both can judge."""
    return _ratio(sample, baseline, _usable(sample, baseline))


def _ratio(sample: Measurement, baseline: Measurement, tiles: list[int]) -> float:
    base = _sharpness(baseline, tiles) if tiles else 0.0
    return _sharpness(sample, tiles) / base if base > 0 else 1.0


def compare(sample: Measurement, baseline: Measurement) -> Reading:
    """Clarity and obscured area of ``sample`` against ``baseline`` (%)."""
    tiles = _usable(sample, baseline)
    if not tiles:
        return Reading(clarity=100.0, obscured=0.0)
    clarity = 100.0 * min(1.0, _ratio(sample, baseline, tiles))
    obscured = 100.0 * _lost(sample, baseline, tiles) / len(tiles)
    return Reading(clarity=round(clarity, 1), obscured=round(obscured, 1))


def _lost(sample: Measurement, baseline: Measurement, tiles: list[int]) -> int:
    """How many of ``tiles`` lost most of their fine detail.

    A tile's fine energy is compared with the baseline's twice: as it is, and
    per squared brightness (the detail a brighter or darker picture would
    keep). Each quotient is taken relative to the picture's upper quartile,
    the part that dirt left alone, so light and contrast cancel out; a tile
    counts as lost only when it fell under ``OBSCURED_BELOW`` of that both
    ways, whatever changed the tones.
    """

    def quotients(weber: bool) -> list[float]:  # noqa: FBT001
        def detail(m: Measurement, tile: int) -> float:
            if not weber:
                return m.fine[tile]
            return m.fine[tile] / max(m.light[tile], _DARKEST) ** 2

        return [
            detail(sample, t) / then if (then := detail(baseline, t)) > _TINY else 1.0
            for t in tiles
        ]

    lost = [True] * len(tiles)
    for weber in (False, True):
        ratios = quotients(weber)
        reference = sorted(ratios)[int(UNTOUCHED_QUANTILE * (len(ratios) - 1))]
        lost = [
            was and ratio < OBSCURED_BELOW * reference
            for was, ratio in zip(lost, ratios, strict=True)
        ]
    return sum(lost)


def scene_of(brightness: float, previous: str | None) -> str:
    """Day or night for ``brightness``, keeping ``previous`` near the boundary."""
    if brightness < NIGHT_BRIGHTNESS - NIGHT_MARGIN:
        return "night"
    if brightness > NIGHT_BRIGHTNESS + NIGHT_MARGIN:
        return "day"
    if previous is not None:
        return previous
    return "night" if brightness < NIGHT_BRIGHTNESS else "day"
