"""The core: parameters, random streams, the state arrays, people and the organization.

Nothing here knows about mechanisms, programs, the model, experiments or interfaces.
"""
