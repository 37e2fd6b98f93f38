"""People and machines that use huying: staff users with a role, API tokens and API keys."""
