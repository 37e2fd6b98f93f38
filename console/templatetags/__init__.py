"""Template tags of the staff console."""
