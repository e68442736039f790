"""`pathdeck insights`: which curriculum items learners struggle with, from their Anki exports."""
