"""Comparison: every method on the same split, features and seeds (benchmark), and the paper's studies."""
