"""Erasure records name a candidate by a keyed HMAC, no longer by an unkeyed SHA-256.

The old ``candidate_sha256`` values could be reversed by hashing guessed ids, so they are
dropped, not converted: converting would need the ids, which the records must not hold.

Revision ID: 0002_rights
Revises: 0001
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_rights"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Replace ``erasures.candidate_sha256`` by an empty ``candidate_hmac``."""
    with op.batch_alter_table("erasures") as batch:
        batch.drop_index("ix_erasures_candidate_sha256")
        batch.drop_column("candidate_sha256")
        batch.add_column(sa.Column("candidate_hmac", sa.String(64), nullable=True))
        batch.create_index("ix_erasures_candidate_hmac", ["candidate_hmac"])


def downgrade() -> None:
    """Put back ``candidate_sha256``, empty: the keyed values cannot be turned back into plain hashes."""
    with op.batch_alter_table("erasures") as batch:
        batch.drop_index("ix_erasures_candidate_hmac")
        batch.drop_column("candidate_hmac")
        batch.add_column(sa.Column("candidate_sha256", sa.String(64), nullable=True))
        batch.create_index("ix_erasures_candidate_sha256", ["candidate_sha256"])
