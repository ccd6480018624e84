"""Real photographs through a clean or a dirty lens, for lens-clarity checks.

The photographs are scikit-image's bundled sample images (in the wheel; no
download), cropped to 16:9 and scaled to 1280x720 as a camera's substream.
``NUISANCES`` are what changes a picture while the lens stays clean (light,
contrast, sensor noise, compression, a slightly moved camera); ``DIRT`` is
what a dirty lens does (the emulator's dirt model, ``tests.emulator.dirt``).

The benchmark reports on ``BENCH_PHOTOS``; the tests check the same measure on
``HELD_OUT_PHOTOS`` and other random seeds, so it is not fitted to one set.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
import io
import random
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageEnhance
from skimage import data

from tests.emulator import dirt

if TYPE_CHECKING:
    from collections.abc import Callable

WIDTH, HEIGHT = 1280, 720
# The camera's best snapshot quality (API quality 9) as a Pillow JPEG quality.
CAMERA_QUALITY = 95
BENCH_PHOTOS = (
    "astronaut",
    "camera",
    "chelsea",
    "coffee",
    "rocket",
    "motorcycle",
    "coins",
    "gravel",
)
HELD_OUT_PHOTOS = ("brick", "grass", "moon", "page", "hubble_deep_field")
_LOADERS: dict[str, Callable[[], np.ndarray]] = {
    "motorcycle": lambda: data.stereo_motorcycle()[0],
}


def _array(name: str) -> np.ndarray:
    loader = _LOADERS.get(name) or getattr(data, name)
    return np.asarray(loader())


def to_frame(pixels: np.ndarray) -> Image.Image:
    """A picture cropped to 16:9 around its centre and scaled to 1280x720."""
    image = Image.fromarray(pixels).convert("RGB")
    width, height = image.size
    if width * 9 > height * 16:
        crop_width, crop_height = height * 16 // 9, height
    else:
        crop_width, crop_height = width, width * 9 // 16
    left, top = (width - crop_width) // 2, (height - crop_height) // 2
    image = image.crop((left, top, left + crop_width, top + crop_height))
    return image.resize((WIDTH, HEIGHT), Image.Resampling.LANCZOS)


@cache
def photo(name: str) -> Image.Image:
    """The photograph ``name`` as a 1280x720 frame."""
    return to_frame(_array(name))


def moved(name: str) -> Image.Image:
    """The same scene from a slightly moved camera: 2 % cropped, scaled back."""
    image = photo(name)
    dx, dy = round(0.02 * WIDTH), round(0.02 * HEIGHT)
    return image.crop((dx, dy, WIDTH, HEIGHT)).resize(
        (WIDTH, HEIGHT), Image.Resampling.LANCZOS
    )


def stereo_other_view() -> Image.Image:
    """The motorcycle from the stereo pair's other camera (a bigger move)."""
    return to_frame(np.asarray(data.stereo_motorcycle()[1]))


def jpeg(image: Image.Image, quality: int = CAMERA_QUALITY) -> bytes:
    """What the camera sends: a JPEG."""
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def _gamma(image: Image.Image, gamma: float) -> Image.Image:
    table = [round(255 * (value / 255) ** gamma) for value in range(256)]
    return image.point(table * len(image.getbands()))


def _noise(image: Image.Image, sigma: float, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    pixels = np.asarray(image, dtype=np.float32)
    noisy = pixels + rng.normal(0.0, sigma, pixels.shape)
    return Image.fromarray(np.clip(noisy + 0.5, 0, 255).astype(np.uint8))


@dataclass(frozen=True)
class Shot:
    """One picture as the camera would send it."""

    photo: str
    kind: str
    jpeg: bytes


# What changes a picture while the lens stays clean: name -> (picture, seed) ->
# (picture, JPEG quality). "viewpoint" is handled by ``shot`` (it needs the name).
type Nuisance = Callable[[Image.Image, int], tuple[Image.Image, int]]
NUISANCES: dict[str, Nuisance] = {
    "exposure x0.7": lambda i, _: (ImageEnhance.Brightness(i).enhance(0.7), 95),
    "exposure x1.3": lambda i, _: (ImageEnhance.Brightness(i).enhance(1.3), 95),
    "gamma 0.7": lambda i, _: (_gamma(i, 0.7), CAMERA_QUALITY),
    "gamma 1.4": lambda i, _: (_gamma(i, 1.4), CAMERA_QUALITY),
    "contrast x0.75": lambda i, _: (ImageEnhance.Contrast(i).enhance(0.75), 95),
    "noise 6": lambda i, seed: (_noise(i, 6.0, seed), CAMERA_QUALITY),
    "jpeg 50": lambda i, _: (i, 50),
}
VIEWPOINT = "viewpoint"
CLEAN_KINDS = (*NUISANCES, VIEWPOINT)

# Dirt: name -> (picture, seed) -> dirty picture.
type Dirt = Callable[[Image.Image, int], Image.Image]
DIRT: dict[str, Dirt] = {
    "haze": lambda i, seed: dirt.haze(i, 2.0, 0.2 + 0.1 * random.Random(seed).random()),
    "blur 1.5": lambda i, _: dirt.blur(i, 1.5),
    "drops": lambda i, seed: dirt.drops(
        i, 0.15 + 0.2 * random.Random(seed).random(), seed
    ),
    "smear": lambda i, seed: dirt.smear(i, seed=seed),
}


def clean_shot(name: str, kind: str, seed: int = 0) -> Shot:
    """The photo through a clean lens under one nuisance."""
    if kind == VIEWPOINT:
        return Shot(name, kind, jpeg(moved(name)))
    image, quality = NUISANCES[kind](photo(name), seed)
    return Shot(name, kind, jpeg(image, quality))


def dirty_shot(name: str, kind: str, seed: int = 0, nuisance: str = "") -> Shot:
    """The photo through a dirty lens, optionally under one nuisance too."""
    image = DIRT[kind](photo(name), seed)
    quality = CAMERA_QUALITY
    label = kind
    if nuisance:
        image, quality = NUISANCES[nuisance](image, seed)
        label = f"{kind} + {nuisance}"
    return Shot(name, label, jpeg(image, quality))


def baseline(name: str) -> bytes:
    """The photo through a freshly cleaned lens."""
    return jpeg(photo(name))
