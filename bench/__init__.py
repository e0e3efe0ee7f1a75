"""Benchmarks: speed measured outside the test suite; results go to reports/."""
