"""Mentoring programs inside a model run.

The design a consultant writes, who takes part, the pair book, pairing policies, and the
program's weekly phases.
"""
