"""Shipped model artifacts; this folder installs as the package ``profilefit.models``."""
