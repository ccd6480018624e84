"""Tests of the camera emulator itself."""
