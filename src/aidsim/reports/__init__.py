"""What people read: formatted tables, charts (matplotlib), the HTML report and the data dictionary.

The layer sits above the runners and below the command line: it reads results (in memory or
from an output folder) and never runs the model itself.
"""
