"""IAM Access Analyzer as a source: typed details (external, internal and unused access findings) and Japanese text;
``source`` puts them on the seam (``SOURCE``), ``sections`` lays out the issue body and ``lister`` serves ``sync``."""

from .source import SOURCE

__all__ = ["SOURCE"]
