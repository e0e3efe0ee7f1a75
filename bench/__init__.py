"""Benchmarks: speed is measured here, never asserted in tests; results go to reports/."""
