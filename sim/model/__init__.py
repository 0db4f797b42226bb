"""The model.

The scenario, the weekly step (an ordered list of phases), the Mesa agents and the outcomes.
"""
