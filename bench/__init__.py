"""Benchmark of the ExcelSense integration inside Home Assistant's test harness.

``scripts/bench`` runs ``python -m bench``: pytest runs the metric modules
(``settings.MODULES``, one per metric: polling, requests, snapshots,
self_clean, motion, scale, cpu_hour, memory, lens) against a real
``HomeAssistant`` from pytest-homeassistant-custom-component (event loop
debug mode off) and emulated cameras. In each module ``measure`` returns
plain numbers and ``report`` turns them into ``results.Metric`` rows; the
runner judges every row against its target. ``harness`` holds what the
modules share: cameras, config entries, simulated time, request tallies;
``farm`` is the process of emulated cameras for the runs with many, on a
clock that simulated time moves.
"""
