"""Experiments: arms x replications x sweep points on any executor, storage, statistics."""
