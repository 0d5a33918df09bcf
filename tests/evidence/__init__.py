"""Tests of profilefit.evidence."""
