"""Helpers that know nothing of help requests: environment parsing, masking, cursors."""
