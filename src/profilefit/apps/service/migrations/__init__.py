"""Alembic migrations of the service's database; run by :func:`profilefit.apps.service.upgrade`."""
