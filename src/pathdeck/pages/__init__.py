"""Import stage: plain-text concept pages -> concept documents in a source folder (`pathdeck import`).

parse (decode, then one page -> ParsedPage) reads with reader, tokens, lines (what a line is)
and items (list items, red flags); facts (with shapes) extracts key facts, facts_merge keeps an
educator's edits on re-import; documents and dumper write the YAML; naming names the files;
importer (with target and writes) files each page whole or not at all; render is the inverse
of parse, for fixtures and round-trip tests.
"""
