"""Benchmarks: a synthetic curriculum generator and the `make bench` harness."""
