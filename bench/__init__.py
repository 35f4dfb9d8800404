"""Benchmarks: they print figures and the reference measured in the same run; not timed tests."""
