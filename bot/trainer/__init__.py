"""Trainer tools: train when inputs changed, evaluate on the held-out split."""
