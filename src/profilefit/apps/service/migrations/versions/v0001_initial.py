"""Invitations, answers, results and erasure records.

Revision ID: 0001
Revises:
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the four tables."""
    op.create_table(
        "invitations",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("owner", sa.String(64), nullable=False, index=True),
        sa.Column("candidate_id", sa.String(128), nullable=False, index=True),
        sa.Column("role", sa.String(64), nullable=False),
        sa.Column("language", sa.String(3), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("callback_url", sa.String(2048), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False, index=True),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("consented_at", sa.DateTime(), nullable=True),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.Column("page_opened_at", sa.DateTime(), nullable=True),
        sa.Column("page_seconds", sa.JSON(), nullable=False),
    )
    op.create_table(
        "answers",
        sa.Column(
            "invitation_id",
            sa.String(32),
            sa.ForeignKey("invitations.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("question", sa.String(40), primary_key=True),
        sa.Column("value", sa.String(8), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "results",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "invitation_id",
            sa.String(32),
            sa.ForeignKey("invitations.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("candidate_id", sa.String(128), nullable=False, index=True),
        sa.Column("model_id", sa.String(128), nullable=False),
        sa.Column("model_sha256", sa.String(64), nullable=False),
        sa.Column("role", sa.String(64), nullable=True),
        sa.Column("fit_score", sa.Float(), nullable=True),
        sa.Column("needs_review", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False, index=True),
        sa.Column("result_json", sa.Text(), nullable=False),
    )
    op.create_table(
        "erasures",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("owner", sa.String(64), nullable=True),
        sa.Column("candidate_sha256", sa.String(64), nullable=True, index=True),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("erased_at", sa.DateTime(), nullable=False),
        sa.Column("invitations", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("results", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    """Drop the four tables (the data in them goes too)."""
    op.drop_table("erasures")
    op.drop_table("results")
    op.drop_table("answers")
    op.drop_table("invitations")
