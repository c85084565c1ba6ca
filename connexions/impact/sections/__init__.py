"""The dashboard's sections, one builder each, grouped by what they read."""
