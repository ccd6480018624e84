"""Benchmark of the ExcelSense integration inside Home Assistant's test harness.

``scripts/bench`` runs ``python -m bench``: it runs the scenarios of
``bench/scenarios.py`` with pytest (a real ``HomeAssistant`` instance from
pytest-homeassistant-custom-component, event loop debug mode off), collects
their measurements and compares each with its target.
"""
