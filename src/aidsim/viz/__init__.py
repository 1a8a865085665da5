"""The dashboard (Mesa SolaraViz), installed with the viz extra."""
