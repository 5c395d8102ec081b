"""Writes of the prediction pipeline: model registry, training, scoring."""
