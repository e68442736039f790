"""Tools that sit beside the build: reading learners' Anki exports, insights from their reviews."""
