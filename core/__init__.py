"""The domain core: help requests, their life cycle and everything they refer to."""
