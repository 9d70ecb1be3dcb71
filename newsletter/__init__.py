"""Write a curated link newsletter in YAML; check it; publish it as Markdown, email and feeds."""

__version__ = "0.1.0"
