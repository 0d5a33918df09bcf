"""Floor 1, the core: what one candidate's answers mean.

The instrument and the seven profiles as data, the assessment schema, scale scores and norms,
validity flags, role fit, the classifier and its model file, the decision log, and the
``Screener`` that puts them together. Nothing here reads an export, writes a page or knows a
command; every floor above builds on this one (docs/architecture.md).
"""
