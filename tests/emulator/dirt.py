"""What dirt on a camera's front glass does to the picture: pure Pillow.

Four kinds, each a function of a picture and a seed, so the emulator's dirty
lens, the tests and the benchmark's real photographs show the same dirt:

- ``haze``: a film (dust, dried spray) that softens everything and adds a
  grey veil of scattered light;
- ``blur``: a thin even film that only softens;
- ``drops``: water drops, out of focus on the glass: each shows the scene
  strongly blurred and a little lighter, with a soft edge;
- ``smear``: a greasy smear (a finger, a bird): streaks that blur and veil
  one part of the picture.

Sizes are relative to a 1280-pixel-wide picture, so the same dirt looks the
same at any resolution.
"""

from __future__ import annotations

import random

from PIL import Image, ImageDraw, ImageFilter

REFERENCE_WIDTH = 1280
# Light scattered by a film on the glass is a light grey.
VEIL_GREY = (200, 200, 200)
# Drops are small lenses far out of focus: what they show is strongly blurred.
DROP_BLUR = 7.0
DROP_LIGHTEN = 0.15
DROP_RADII = (0.025, 0.07)  # of the picture's height
# Coverage is counted on a mask this many times smaller than the picture.
_MASK_SHRINK = 4
_MAX_DROPS = 2000
SMEAR_BLUR = 5.0
SMEAR_VEIL = 0.2


def _scale(image: Image.Image) -> float:
    return image.width / REFERENCE_WIDTH


def blur(image: Image.Image, sigma: float = 1.5) -> Image.Image:
    """An even film: Gaussian blur of ``sigma`` (at 1280 pixels wide)."""
    if sigma <= 0:
        return image.copy()
    return image.filter(ImageFilter.GaussianBlur(sigma * _scale(image)))


def haze(image: Image.Image, sigma: float = 2.0, veil: float = 0.25) -> Image.Image:
    """Blur of ``sigma`` under a grey veil of ``veil`` (0..1) opacity."""
    soft = blur(image, sigma)
    return Image.blend(soft, Image.new(soft.mode, soft.size, _grey(soft)), veil)


def _grey(image: Image.Image) -> int | tuple[int, ...]:
    return VEIL_GREY[0] if image.mode == "L" else VEIL_GREY


def drops(image: Image.Image, coverage: float, seed: int = 0) -> Image.Image:
    """Round drops of random size until they cover ``coverage`` (0..1)."""
    if coverage <= 0:
        return image.copy()
    rng = random.Random(seed)
    small = (
        max(1, image.width // _MASK_SHRINK),
        max(1, image.height // _MASK_SHRINK),
    )
    mask = Image.new("L", small, 0)
    draw = ImageDraw.Draw(mask)
    total = small[0] * small[1]
    for _ in range(_MAX_DROPS):
        if mask.histogram()[255] >= coverage * total:
            break
        radius = rng.uniform(*DROP_RADII) * small[1]
        # Drops are a little taller than wide: they run down the glass.
        x, y = rng.uniform(0, small[0]), rng.uniform(0, small[1])
        draw.ellipse(
            (x - radius, y - 1.15 * radius, x + radius, y + 1.15 * radius),
            fill=255,
        )
    # Far out of focus, a drop's rim is soft too.
    edge = mask.filter(ImageFilter.GaussianBlur(DROP_RADII[0] * small[1] / 2)).resize(
        image.size, Image.Resampling.BILINEAR
    )
    inside = blur(image, DROP_BLUR)
    inside = Image.blend(
        inside, Image.new(inside.mode, inside.size, _white(inside)), DROP_LIGHTEN
    )
    return Image.composite(inside, image, edge)


def _white(image: Image.Image) -> int | tuple[int, ...]:
    return 255 if image.mode == "L" else (255, 255, 255)


def smear(
    image: Image.Image,
    strength: float = 1.0,
    centre: tuple[float, float] = (0.5, 0.55),
    size: float = 0.3,
    seed: int = 0,
) -> Image.Image:
    """Greasy streaks around ``centre`` (fractions of width and height).

    ``size`` is the smear's half-width in picture heights; ``strength`` (0..1)
    its opacity. The streaks run mostly one way, as a wiping finger leaves them.
    """
    if strength <= 0:
        return image.copy()
    rng = random.Random(seed)
    mask = Image.new("L", image.size, 0)
    draw = ImageDraw.Draw(mask)
    height = image.height
    cx, cy = centre[0] * image.width, centre[1] * height
    reach = size * height
    for _ in range(18):
        # One streak: a long thin ellipse near the centre, tilted a little.
        x = cx + rng.uniform(-1.0, 1.0) * reach
        y = cy + rng.uniform(-0.8, 0.8) * reach
        half_length = rng.uniform(0.5, 1.0) * reach
        half_width = rng.uniform(0.12, 0.3) * reach
        lean = rng.uniform(-0.35, 0.35) * half_length
        draw.polygon(
            [
                (x - half_length, y - half_width + lean),
                (x + half_length, y - half_width - lean),
                (x + half_length, y + half_width - lean),
                (x - half_length, y + half_width + lean),
            ],
            fill=round(255 * rng.uniform(0.75, 1.0)),
        )
    mask = mask.filter(ImageFilter.GaussianBlur(0.06 * reach))
    if strength < 1:
        mask = mask.point(lambda value: round(value * strength))
    inside = blur(image, SMEAR_BLUR)
    inside = Image.blend(
        inside, Image.new(inside.mode, inside.size, _grey(inside)), SMEAR_VEIL
    )
    return Image.composite(inside, image, mask)


def lens_dirt(image: Image.Image, amount: float, seed: int = 0) -> Image.Image:
    """All four kinds at once, growing with ``amount`` (0..1): the emulator's lens.

    A little dirt is a light haze and a few drops; at 1 the picture is hazed
    (blur 3, veil 30 %), a third of it is under drops and the centre smeared.
    """
    if amount <= 0:
        return image.copy()
    soiled = haze(image, 3.0 * amount, 0.3 * amount)
    soiled = drops(soiled, 0.35 * amount, seed)
    return smear(soiled, strength=amount, seed=seed)
