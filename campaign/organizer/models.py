"""organizer models."""
