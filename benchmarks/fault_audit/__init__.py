"""Fault audit of the ``simcomm`` command line (issue 16): bad input, interruptions, a full disk,
resuming a sweep, and determinism.

Usage::

    .venv/bin/python benchmarks/audit.py                      # the full audit (~15 min on 2 cores)
    .venv/bin/python benchmarks/audit.py --quick              # a subset (~2 minutes)
    .venv/bin/python benchmarks/audit.py --category bad-input --category disk-full
    .venv/bin/python benchmarks/audit.py --match vary         # cases whose name contains 'vary'
    .venv/bin/python benchmarks/audit.py --list               # list the cases, run nothing
    .venv/bin/python benchmarks/audit.py --json audit.json    # also save every outcome as JSON

Every case runs the installed ``simcomm`` program (the one beside this Python, else the one on
PATH) in a subprocess, in a temporary directory of its own, and judges what it did:

- bad-input (HANDLED): exit status 2, exactly one non-empty line on stderr that names the field
  (option, parameter, file or field of a file), no "Traceback" anywhere, and the directory
  exactly as before (nothing created, changed or removed; compared file by file).
- interruption (SAFE): Ctrl-C (SIGINT to the process group, as a terminal sends it), SIGTERM or
  SIGKILL (to the parent only) after a delay; no traceback, at most one line on stderr after a
  Ctrl-C, no process started by the command alive 6 s after the parent ended (found by an
  environment marker, so re-parented workers and servers count), the outputs either as they
  were or complete (equal to an uninterrupted run's), nothing created above --out by a Ctrl-C,
  and no staging folder left once the same command has run again. The exit status is noted
  (130 expected after Ctrl-C), not judged: a signal landing in Python's own shutdown ends the
  process by the default action.
- disk-full (CLEAN): the command's files cannot grow (RLIMIT_FSIZE, as tests/test_faults.py does:
  writes fail with EFBIG) or it writes to a tiny tmpfs that is full (ENOSPC; needs root);
  exit status 2, one line, no traceback, the previous outputs byte for byte as they were.
- resume (SAFE): an interrupted or disk-full ``experiment run`` leaves consistent results (every
  part readable, no weekly rows of unrecorded runs, the manifest never counting more runs than
  saved), and running the same command again completes them, equal to an uninterrupted sweep.
- determinism (IDENTICAL): the same command twice, or with --workers 1 and 2, writes identical
  files (JSON compared without timestamps; experiment tables compared as tables).

Prints a table (category, tried, passed) and every failing case with its command, exit status
and first lines of stderr. Exit status 0 when every case passed, 1 otherwise.
"""

