"""Validation models run through the same experiment machinery: March (1991)."""
