"""Evaluation: metrics on arrays, never on the model or the trainer."""
