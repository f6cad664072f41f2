"""Benchmarks (run by make bench / make bench-wipe): speed is measured here, never in tests."""
