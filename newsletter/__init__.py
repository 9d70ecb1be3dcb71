"""Write a curated link newsletter in YAML; check it; publish it as Markdown, email and feeds."""

from pathlib import Path

__version__ = "0.1.0"
# the templates shipped with the package, which a project's templates/ overrides
PACKAGE_TEMPLATES = Path(__file__).resolve().parent / "templates"
