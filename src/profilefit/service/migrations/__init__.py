"""Alembic migrations of the service's database; run by :func:`profilefit.service.upgrade`."""
