"""pathdeck: a clinical curriculum in YAML becomes Anki decks that are safe to rebuild."""

__version__ = "0.1.0"
