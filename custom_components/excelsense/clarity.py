"""Lens clarity from a snapshot: fine detail compared with itself, region by region.

Pure Pillow (a core Home Assistant dependency), no Home Assistant: ``measure``
is CPU work for an executor, ``examine`` is arithmetic on a few hundred numbers.

**The measure.** A greyscale copy at a fixed working size is split into three
octaves of detail (a Laplacian pyramid: each level is the picture minus a copy
at half the size, scaled back up). Per tile of a 32 x 12 grid, the energy of
each octave is kept, with the tile's brightness and how much of it is clipped;
for the whole picture, how colourful it is (IR night pictures are grey).

**Noise.** Sensor noise and compression add energy to the finest octave and
would read as sharpness. Each sample estimates its own noise level (the
median response of a filter that cancels edges and flat areas, after
J. Immerkaer, "Fast noise variance estimation", 1996) and takes the energy
that much noise puts in each octave out again. Fine texture (grass, gravel)
reads as noise too; the estimate is also made at the larger size the JPEG
decodes to, where texture is coarser than the pixels, and the lower is kept.

**What a film would leave.** How much a blur shows depends on the view: a view
with little fine detail (a soft or enlarged picture) loses a smaller share of
its finest octave than a sharp one. Each sample also keeps the finest octave
of a copy blurred as a dust film blurs (about 1.5 px at 1080p), so that a
baseline knows how much a film would change its own view.

How a measurement is read against a clean baseline is ``comparison``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
import io
from typing import Any, Self

from PIL import Image, ImageFilter, ImageMath, ImageStat

WORK_WIDTH = 640
COLUMNS, ROWS = 32, 12
# The camera's name and clock are drawn over the top of the picture.
TOP_SKIPPED = 1 / 8
LEVELS = 4
# Energy that white noise of unit variance leaves in each octave of this
# pyramid (2x box reduction, bilinear expansion), measured once on 10^6
# pixels of Gaussian noise: about 0.82 / 4**level.
NOISE_ENERGY = (0.816, 0.204, 0.050, 0.0125)
# Immerkaer's operator: second differences that cancel flat areas and ramps.
_NOISE_KERNEL = ImageFilter.Kernel((3, 3), [1, -2, 1, -2, 4, -2, 1, -2, 1], 1, 128)
_MAD_TO_SIGMA = 1.4826 / 6  # the kernel's gain on white noise is 6
# Energy left after removing noise never goes under this share of what was
# measured: an estimate that is a little high must not zero a region.
_NOISE_FLOOR = 0.05
# Brightness (0-255) under which a region's light is taken as this little.
DARKEST = 8.0
_CLIP_DARK, _CLIP_BRIGHT = 6, 249
# A tile clipped over this share of its pixels has lost detail to exposure.
MAX_CLIPPED = 0.25
# A picture with this share of its tiles clipped shows no scene: a black
# frame (IR lights not on yet, video lost), the white flash of the IR filter.
NO_SCENE_CLIPPED = 0.9
# Pictures measured: at least this many pixels each way (a camera's smallest
# sub-stream, QCIF, is 176x144), no wider or taller than this ratio (32:9
# panoramas, 9:16 corridor views fit).
SMALLEST = 64
WIDEST_RATIO = 4.0
# The blur of a light dust film on the glass (a Gaussian's standard deviation),
# in widths of the picture: about 1.5 px at 1920 px.
FILM_BLUR = 1.5 / 1920
# Share of the finest octave's energy of white noise that this blur keeps
# (measured once like NOISE_ENERGY): the noise floor of the blurred copy.
FILM_NOISE = 0.32
# A JPEG compressed with quantization steps this many times another's is
# clearly coarser (Pillow's quality 95 against 90 is twice).
COARSER_JPEG = 1.25


class NotAnImageError(ValueError):
    """The bytes are not a picture Pillow can decode."""


@dataclass(frozen=True)
class Measurement:
    """Detail per tile of one snapshot (row by row), its noise and colour."""

    fine: tuple[float, ...]
    middle: tuple[float, ...]
    coarse: tuple[float, ...]
    clipped: tuple[float, ...]
    light: tuple[float, ...]
    # Noise variance (grey levels squared) and colourfulness (mean chroma in
    # % of the mean luminance; an IR night picture reads about 0).
    noise: float = 0.0
    colour: float = 0.0
    # The picture's width and height as the camera sent it ((0, 0): not
    # known, stored before it was kept). Detail read at the working width
    # depends on it: pictures of other sizes are not compared.
    size: tuple[int, int] = (0, 0)
    # How coarsely the JPEG was compressed: the mean step of its luminance
    # quantization table (about 6 at Pillow's quality 95, 58 at 50; 0: not
    # known). Block edges of a coarser compression read as fine detail.
    quantization: float = 0.0
    # The finest octave per tile of a copy blurred as a dust film blurs (empty:
    # not known, stored before it was kept).
    softened: tuple[float, ...] = ()

    def compressed_more(self, other: Measurement) -> bool:
        """Whether this picture's JPEG is clearly coarser than ``other``'s."""
        return self.quantization > COARSER_JPEG * other.quantization > 0

    def same_size(self, other: Measurement) -> bool:
        """Whether the two pictures came at one size (or either size is unknown)."""
        return not all(self.size) or not all(other.size) or self.size == other.size

    @property
    def shows_a_scene(self) -> bool:
        """Whether enough of the picture is not clipped black or white."""
        clipped = sum(share > MAX_CLIPPED for share in self.clipped)
        return clipped < NO_SCENE_CLIPPED * len(self.clipped)

    @property
    def brightness(self) -> float:
        """Mean luminance (0-255) of the part measured."""
        return sum(self.light) / len(self.light)

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (for storage)."""
        return {
            key: list(values)
            if key == "size"
            else [float(f"{v:.4g}") for v in values]
            if isinstance(values, tuple)
            else float(f"{values:.4g}")
            for key, values in asdict(self).items()
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        """Read the stored form back (raises on anything else)."""
        tiles = COLUMNS * ROWS
        fields: dict[str, Any] = {}
        for key, most in _MOST.items():
            values = tuple(_amount(v, most) for v in data[key])
            if len(values) != tiles:
                msg = f"{key}: {len(values)} tiles"
                raise ValueError(msg)
            fields[key] = values
        softened = tuple(_amount(v, _MOST_ENERGY) for v in data.get("softened", ()))
        if len(softened) not in (0, tiles):
            msg = f"softened: {len(softened)} tiles"
            raise ValueError(msg)
        width, height = data.get("size", (0, 0))
        return cls(
            **fields,
            noise=_amount(data.get("noise", 0.0), _MOST_ENERGY),
            colour=_amount(data.get("colour", 0.0), _MOST_COLOUR),
            size=(_side(width), _side(height)),
            quantization=_amount(data.get("quantization", 0.0), _MOST_16_BIT),
            softened=softened,
        )


# What a picture can give (with room for the stored form's rounding): energy
# of grey levels (0-255) squared, summed over two octaves at most; a share; a
# grey level; chroma in % of the luminance.
_MOST_ENERGY = 2 * 256.0**2
_MOST_COLOUR = 100.0 * 2 * 128 / DARKEST
# A JPEG's width and height, and its quantization steps, are 16-bit numbers.
_MOST_16_BIT = 65535
_MOST = {
    "fine": _MOST_ENERGY,
    "middle": _MOST_ENERGY,
    "coarse": _MOST_ENERGY,
    "clipped": 1.0,
    "light": 255.0,
}


def _amount(value: float | str, most: float) -> float:
    """A stored energy, share or level: a number between 0 and ``most``."""
    number = float(value)
    if not 0 <= number <= most:  # NaN fails too
        msg = f"not an amount: {number}"
        raise ValueError(msg)
    return number


def _side(value: object) -> int:
    """A stored width or height: a whole number a JPEG can have (0: unknown)."""
    if type(value) is not int or not 0 <= value <= _MOST_16_BIT:
        msg = f"not a side: {value!r}"
        raise ValueError(msg)
    return value


@dataclass(frozen=True)
class Reading:
    """A sample compared with a baseline: clarity and obscured area (%)."""

    clarity: float
    obscured: float


@dataclass(frozen=True)
class Comparison:
    """Everything ``examine`` found (shares 0..1, ratios uncapped)."""

    reading: Reading
    # Sharpness of the regions that still show the scene, over the baseline's
    # (weighed for a soft view as the clarity is).
    sharpness: float
    # Fine detail gained where the baseline had less, over the detail lost.
    changed: float
    # Share of the covered regions that fog would explain (whole rows, brighter).
    veiled: float
    # Fine detail of shapes that came in in focus (a car, a shed, what fog
    # left sharp), over the detail the baseline had: dirt brings none.
    in_focus: float = 0.0
    # The reading with the sharpness kept as it is, not weighed for a soft
    # view (None: the same as ``reading``): pictures compared with each other
    # to learn a baseline are taken as they are.
    as_is: Reading | None = None

    @property
    def unweighed(self) -> Reading:
        """The reading with the sharpness as it is."""
        return self.reading if self.as_is is None else self.as_is


def measure(jpeg: bytes) -> Measurement:
    """Measure a JPEG (raises NotAnImageError for anything that is not one).

    Also for a picture no camera view gives (a strip a few pixels wide, a
    thumbnail): stretched to the working width it would cost seconds and
    gigabytes, and measure nothing.
    """
    try:
        opened = Image.open(io.BytesIO(jpeg))
        size = width, height = opened.size
        tables = getattr(opened, "quantization", None) or {}
        luma = tables.get(0) or ()
        quantization = sum(luma) / len(luma) if luma else 0.0
        if not (
            min(width, height) >= SMALLEST
            and 1 / WIDEST_RATIO <= width / height <= WIDEST_RATIO
        ):
            msg = f"a picture of {width}x{height} is no camera view"
            raise NotAnImageError(msg)
        # JPEG decodes straight to a smaller size (DCT scaling): cheap. The
        # chroma planes come without a colour conversion.
        opened.draft("YCbCr", (WORK_WIDTH, 1))
        image = (
            opened if opened.mode == "YCbCr" else opened.convert("RGB").convert("YCbCr")
        )
        luma, blue, red = image.split()
    except (OSError, Image.DecompressionBombError) as err:
        msg = "not a decodable image"
        raise NotAnImageError(msg) from err
    height = max(4 * ROWS, luma.height * WORK_WIDTH // max(1, luma.width))
    decoded = luma
    if luma.size != (WORK_WIDTH, height):
        luma = luma.resize((WORK_WIDTH, height), Image.Resampling.BOX)
    scene = _below_top(luma)
    noise = _noise_variance(scene)
    if decoded.width > WORK_WIDTH:
        # Texture reads as noise at the working size (grass, gravel); at the
        # size decoded it is coarser than the pixels and the noise stands out.
        # Shrinking by f in width keeps about 1/f of the noise's variance.
        shrink = WORK_WIDTH / decoded.width
        noise = min(noise, shrink * _noise_variance(_below_top(decoded)))
    levels = [scene.convert("F")]
    for _ in range(LEVELS):
        upper = levels[-1]
        levels.append(
            upper.resize(
                (max(1, upper.width // 2), max(1, upper.height // 2)),
                Image.Resampling.BOX,
            )
        )
    energies = [
        _band(levels[level], levels[level + 1], noise * NOISE_ENERGY[level])
        for level in range(LEVELS)
    ]
    film = scene.filter(ImageFilter.GaussianBlur(FILM_BLUR * WORK_WIDTH))
    softened = film.convert("F")
    softened_lower = softened.resize(levels[1].size, Image.Resampling.BOX)
    clipped = scene.point(
        lambda v: 255 if v < _CLIP_DARK or v > _CLIP_BRIGHT else 0
    ).convert("F")
    light = _tiles(levels[0])
    return Measurement(
        fine=energies[0],
        middle=tuple(a + b for a, b in zip(energies[1], energies[2], strict=True)),
        coarse=energies[3],
        clipped=tuple(share / 255 for share in _tiles(clipped)),
        light=tuple(light),
        noise=noise,
        colour=_colour(blue, red, sum(light) / len(light)),
        size=size,
        quantization=quantization,
        softened=_band(softened, softened_lower, noise * NOISE_ENERGY[0] * FILM_NOISE),
    )


def _band(upper: Image.Image, lower: Image.Image, floor: float) -> tuple[float, ...]:
    """Energy per tile of one octave: ``upper`` less ``lower`` scaled back up.

    Less ``floor``, the energy the sample's noise puts there.
    """
    band = ImageMath.lambda_eval(
        lambda a: (a["x"] - a["y"]) * (a["x"] - a["y"]),
        x=upper,
        y=lower.resize(upper.size, Image.Resampling.BILINEAR),
    )
    return tuple(max(energy - floor, _NOISE_FLOOR * energy) for energy in _tiles(band))


def _below_top(image: Image.Image) -> Image.Image:
    """The picture without its top eighth (the camera's name and clock)."""
    return image.crop((0, round(image.height * TOP_SKIPPED), image.width, image.height))


def _tiles(image: Image.Image) -> list[float]:
    """Mean of each tile, row by row."""
    small = image.resize((COLUMNS, ROWS), Image.Resampling.BOX)
    return [float(v) for v in small.getdata()]  # type: ignore[attr-defined]


def _colour(blue: Image.Image, red: Image.Image, luminance: float) -> float:
    """Mean chroma in % of the mean luminance (exposure does not change it)."""
    size = (max(1, blue.width // 8), max(1, blue.height // 8))
    chroma = [
        ImageStat.Stat(
            plane.resize(size, Image.Resampling.BOX).point(lambda v: abs(v - 128))
        ).mean[0]
        for plane in (blue, red)
    ]
    return 100.0 * (chroma[0] + chroma[1]) / max(luminance, DARKEST)


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
            middle = magnitude - 0.5 + (half - seen) / max(count, 1)
            return (max(middle, 0.0) * _MAD_TO_SIGMA) ** 2
        seen += count
    return 0.0  # pragma: no cover - the loop always reaches half


def median(values: list[float]) -> float:
    """The median (0 for none)."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    if not ordered:
        return 0.0
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2
