"""signatures models."""
