"""Who exists: persons and households as arrays, and the synthetic generator."""

from aidsim.population.arrays import Households, Persons, Population
from aidsim.population.synth import build_population

__all__ = ["Households", "Persons", "Population", "build_population"]
