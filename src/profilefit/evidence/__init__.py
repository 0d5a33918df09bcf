"""Floor 4, evidence: studies of the instrument and the model on many candidates.

Adverse-impact audits, item bias (DIF), the adverse-impact forecast before use, and local
validation studies against hiring outcomes. Builds on the floors below (docs/architecture.md).
"""
