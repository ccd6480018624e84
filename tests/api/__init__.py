"""Tests of the ExcelSense API client against the emulated camera."""
