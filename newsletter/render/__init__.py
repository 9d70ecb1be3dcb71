"""Generators: the validated model in, text out. They never read YAML."""
