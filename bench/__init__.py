"""Benchmarks: each prints its figures against a named baseline measured in the same run."""
