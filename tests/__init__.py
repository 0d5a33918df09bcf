"""profilefit's tests, in folders that mirror the package's floors (docs/architecture.md)."""
