"""Benchmarks: `python -m bench.<feature>`; each prints its figures as ratios to a baseline."""
