"""REST conventions every app's apis.py follows: pagination, the error body, permissions."""
