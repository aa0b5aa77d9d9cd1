"""Tests for audio-only recording."""
