"""Tests of the ExcelSense integration and its camera emulator."""
