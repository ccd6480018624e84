"""Sharpness kept: a sample's finest detail against the clean lens's, per view.

Sharpness is each region's finest over coarsest octave (light, contrast and
gamma do not change it), against the baseline's. How much a blur on the
glass lowers it depends on the view: one with little fine detail (a soft or
enlarged picture) loses a smaller share of its finest octave under the same
dust film than a sharp one. The baseline knows how much a film would change
its own view (``Measurement.softened``), and a loss on a view that a film
changes less than a typical one is weighed up, as it would read there; only
while the sample shows its detail about as clearly above its noise as the
baseline did. Darkness, gain and flat wet light sink detail into the noise,
where what seems lost is the noise's doing; a film dims detail a little.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .clarity import NOISE_ENERGY

if TYPE_CHECKING:
    from .clarity import Measurement

# A tile sharper than the baseline counts as at most this much sharper.
SHARPER_CAP = 2.0
# A dust film of about 1.5 px keeps this share of a typical view's sharpness
# (the median of the tuning photographs': 0.53 on the sharpest, 0.81 on the
# softest). A view that a film would change less has its loss of sharpness
# weighed up to this many times, as if it were typical.
FILM_SHARPNESS = 0.68
MOST_WEIGHED = 4.0
# How clearly the sample shows its finest detail above its noise, over how
# clearly the baseline did: weighed in full from CLEAR (a film over a soft
# view keeps about half), not at all under SUNK (dusk, IR night, wet light
# keep a fifth or less).
CLEAR = 0.4
SUNK = 0.2
# ... and the finest detail of each picture, per tile, over what its noise puts
# there: weighed in full from DETAILED, not at all under NOISY (a soft view by
# day reads 30-50, at dusk or in IR night under 8: its readings are noise's).
DETAILED = 16.0
NOISY = 8.0
# Noise variance taken for a picture that measured none (grey levels squared).
_LEAST_NOISE = 0.01
_TINY = 1e-9


def kept(sample: Measurement, baseline: Measurement, tiles: list[int]) -> float:
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


def film(baseline: Measurement, tiles: list[int]) -> float | None:
    """The sharpness a dust film would leave the baseline's view (None: unknown).

    Over ``tiles``, weighted like ``kept`` (by the baseline's fine detail).
    """
    if not baseline.softened:
        return None
    fine = sum(baseline.fine[t] for t in tiles)
    softened = sum(min(baseline.softened[t], baseline.fine[t]) for t in tiles)
    return softened / fine if fine > _TINY else None


def clearness(sample: Measurement, baseline: Measurement, tiles: list[int]) -> float:
    """How fully a loss may be weighed up: 1 in full, 0 not at all.

    Over ``tiles``: the sample's finest detail over its noise against the
    baseline's (between ``SUNK`` and ``CLEAR`` in part), and either's over
    its noise (between ``NOISY`` and ``DETAILED`` in part), the lesser.
    """
    if not tiles:
        return 0.0
    then, now = _above_noise(baseline, tiles), _above_noise(sample, tiles)
    if then <= _TINY:
        return 0.0
    return min(
        _between(now / then, SUNK, CLEAR), _between(min(now, then), NOISY, DETAILED)
    )


def _above_noise(m: Measurement, tiles: list[int]) -> float:
    """The finest detail per tile over the energy the picture's noise puts there."""
    noise = max(m.noise, _LEAST_NOISE) * NOISE_ENERGY[0]
    return sum(m.fine[t] for t in tiles) / len(tiles) / noise


def _between(value: float, low: float, high: float) -> float:
    """0 under ``low``, 1 from ``high``, in proportion between."""
    return min(1.0, max(0.0, (value - low) / (high - low)))


def weighed(sharpness: float, film_kept: float | None, clear: float = 1.0) -> float:
    """Sharpness lost, weighed as it would be in a typical view.

    A view that a dust film changes less than a typical one (soft, enlarged)
    has its loss weighed up, at most ``MOST_WEIGHED`` times, in the measure
    ``clear`` (``clearness``); a sharper view's is taken as it is, and so is
    sharpness gained.
    """
    if film_kept is None or sharpness >= 1.0:
        return sharpness
    weight = min(MOST_WEIGHED, (1.0 - FILM_SHARPNESS) / max(1.0 - film_kept, _TINY))
    weight = 1.0 + max(0.0, weight - 1.0) * clear
    return max(0.0, 1.0 - (1.0 - sharpness) * weight)
