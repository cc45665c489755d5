"""The package's one error base: every error it raises on purpose is an :class:`Inspector2BacklogError`.

Each error says what *kind* of failure it is; the command line maps kinds to exit codes in one place
(:data:`inspector2backlog.cli.EXIT_CODES`), the Lambda handlers and ``doctor`` read the same attribute. The concrete
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


__all__ = ["KINDS", "Inspector2BacklogError", "kind_of"]
