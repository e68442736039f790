"""The package stage: notes -> .apkg (writer.py, the only genanki import) and deck rows (rows.py)."""
