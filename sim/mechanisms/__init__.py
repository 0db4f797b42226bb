"""One module per mechanism of the weekly step, each with its parameters declared once.

Each rule is a pure function of arrays that works on one employee or on all of them; the
``apply`` function of each module reads the state at the start of its phase, computes every
change, then writes them (synchronous updates).
"""
