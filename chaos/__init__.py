"""The chaos suite: faults against the scale-out topology; it prints a table of figures."""
