"""The package stage: notes -> .apkg, and any Anki package read back.

rows.py: decks and note rows; writer.py: the .apkg (the only genanki import); read.py: an
.apkg or .colpkg opened read-only, and the notes, note types and decks it holds.
"""
