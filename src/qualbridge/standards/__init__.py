"""Standards as data: requirement profiles, their schema and loader, and each standard's computations."""
