"""Tests of profilefit.pages."""
