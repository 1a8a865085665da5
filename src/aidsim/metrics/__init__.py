"""Measures: poverty (FGT), targeting and the monthly indicator sums by area."""
