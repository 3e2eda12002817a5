"""Generators of realistic demo evidence (raw exports + metadata), used by tests, `make demo` and bench/."""
