"""Floor 2, data: many candidates at once.

Exports read and written (the one reader, batch scoring, results files), the documented
simulation that stands in for labelled people, the bundled samples, and training a model on
labelled data. Builds on the core only (docs/architecture.md).
"""
