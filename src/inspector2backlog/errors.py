"""The package's one error base: every error it raises on purpose is an :class:`Inspector2BacklogError`.

Each error says what *kind* of failure it is; :data:`EXIT_CODES` maps kinds to the command line's exit codes, in
this one place (:mod:`inspector2backlog.cli` calls :func:`exit_code`). The concrete
classes stay beside the code that raises them (``ConfigError`` in :mod:`.config`, ``BacklogError`` in
:mod:`.backlog.errors`, ``InputError`` in :mod:`.findings.sources` …) and keep their standard bases (``ValueError``,
``LookupError``, ``RuntimeError``), so existing ``except`` clauses behave as before.
"""

from __future__ import annotations

#: the kinds, from the user's point of view
CONFIG = "config"  # the configuration is wrong (a key, a value, a name missing in the Backlog project): fix it
INPUT = "input"  # an input cannot be read or is too large
BACKLOG = "backlog"  # Backlog answered with an error or could not be reached
DELIVERY = "delivery"  # a delivery (Backlog, SNS) failed after its retries
STATE = "state"  # the state store refused (a conflict, a record too large, a store that cannot open)
SYNC = "sync"  # a sync cannot start
TRANSLATE = "translate"  # a translation engine failed
JVN = "jvn"  # JVN iPedia (MyJVN API) failed or answered nonsense
PARSE = "parse"  # a finding, document or timestamp cannot be read (the pipeline turns it into a fallback issue)
ACTION = "action"  # a two-way action in AWS failed
INTERNAL = "internal"  # anything else the package raises

KINDS = (CONFIG, INPUT, BACKLOG, DELIVERY, STATE, SYNC, TRANSLATE, JVN, PARSE, ACTION, INTERNAL)


class Inspector2BacklogError(Exception):
    """Base of every error the package raises. ``kind`` (one of :data:`KINDS`) says what failed, not where."""

    kind: str = INTERNAL


def kind_of(exc: BaseException) -> str | None:
    """The kind of one of our errors, ``None`` for any other exception."""
    return exc.kind if isinstance(exc, Inspector2BacklogError) else None


#: error kind → the CLI's exit code.
#: 2: the configuration, the command line or an input must be fixed (nothing from it was sent);
#: 1: a service or a delivery failed (what was not delivered is kept pending and retried by the next run).
EXIT_CODES = {CONFIG: 2, INPUT: 2, SYNC: 2, PARSE: 2, BACKLOG: 1, DELIVERY: 1, STATE: 1}
EXIT_USAGE = 2  # any other error the command cannot run with (a bad option, an unreadable AWS configuration …)
EXIT_FAILED = 1  # the run finished, but some findings were not delivered
EXIT_INTERRUPTED = 130  # Ctrl-C: what was done is recorded; the next run resumes


def exit_code(exc: BaseException) -> int:
    """The CLI's exit code for ``exc``: by its kind (:data:`EXIT_CODES`), else :data:`EXIT_USAGE`."""
    return EXIT_CODES.get(kind_of(exc) or "", EXIT_USAGE)


__all__ = [
    "EXIT_CODES",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_USAGE",
    "KINDS",
    "Inspector2BacklogError",
    "exit_code",
    "kind_of",
]
