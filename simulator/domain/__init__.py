"""The rule book (docs/rules.md, R1-R14) as plain Python: no Flask, no HTTP, no SQL."""
