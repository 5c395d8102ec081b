"""Plain-Python machine learning for retention: features, churn, explanations, segments, lifetime value, registry.

Nothing here imports Django; the `predictions` app loads data, calls these functions and stores what they return.
"""
