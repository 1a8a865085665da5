"""What happens to people each month.

``demography``, ``labour``, ``health`` and ``income`` state the rules as pure, vectorised
functions on arrays and uniform draws: the readable form of each rule. The month itself runs the
compiled loops of :mod:`aidsim.shocks.kernels`, which fuse those rules into a few passes over the
persons; ``tests/unit/test_kernels.py`` checks, case by case and with hypothesis, that each loop
gives exactly what the functions here give. A change of a rule is made in both.
"""
