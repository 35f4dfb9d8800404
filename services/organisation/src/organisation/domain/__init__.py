"""The organisation domain: aggregates and value objects, free of infrastructure."""
