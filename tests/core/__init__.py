"""Tests of profilefit.core."""
