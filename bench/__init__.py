"""Benchmarks: `python -m bench.<feature>`; each prints its figures against a baseline from the same run."""
