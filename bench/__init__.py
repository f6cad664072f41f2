"""Benchmarks (speed lives here, never in tests)."""
