"""Generators: the validated model in, text out. They never read YAML; only :mod:`newsletter.render.site`
loads the issue files it renders, once each, and hands the model to them."""
