"""Tests of profilefit.apps."""
