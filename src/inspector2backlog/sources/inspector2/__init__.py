"""Amazon Inspector as a finding source: ``parse`` reads findings into the core ``Finding`` with the typed details of
``model``; ``sections`` / ``remediation`` / ``resources`` / ``text`` lay out its issue (``cvss``, ``packages`` and
``vendor_severity`` explain its values in Japanese); ``changes`` says what is material, ``grouping`` how it groups.
The registry imports this package only when an Inspector input arrives (``sources.get("inspector2")``)."""

from .source import SOURCE

__all__ = ["SOURCE"]
