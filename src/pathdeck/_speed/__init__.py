"""Every speed trick, each beside the figure that justifies it (the figures were measured when
the trick was added; re-measure at 2,000 concepts before removing or adding one, see issue 16).

- parallel.py: stages read in forked workers (two cores: a little over half the time).
- claiming.py: learners' exports read by forked workers that each take the next as they are
  free (a share fixed beforehand left one process idle up to 0.2 s of a 5 s insights run).
- json_text.py: json's C encoder called directly, and flat objects of numbers made by one
  %-format (an insights report's --json text encodes its 28,000 items one at a time).
- scratch.py: learners' collections extracted to RAM-backed /dev/shm where there is one
  (3% of reading an export). Beside it, package/read.py's Extractions keeps two of them
  extracted for the end of an insights run (a 30 MB decompression saved each, 35 ms) and
  extracts the others into one file, overwritten each time (12% of reading an export).
- pickling.py: compact pickles of notes and concepts (a third of what a worker saved;
  a named tuple's default unpickling was half the cost of loading notes).
- tuples.py: named tuples built in C (half the cost of a YAML node).
- process.py: no cyclic GC during a command (a quarter of a 10,000-concept build) and no
  interpreter teardown at exit (40 ms of a 1.2 s build).
Not yet here: the ledger's hand-formatted JSON read through json.scanner (identity/ledger.py,
being rewritten with the identity package).
"""
