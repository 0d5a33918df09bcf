"""Tests of profilefit.data."""
