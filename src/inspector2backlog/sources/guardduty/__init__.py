"""Amazon GuardDuty as a finding source. ``parse`` reads findings into the typed details of ``model``;
``knowledge`` explains each finding type in Japanese and ``ja`` builds the Japanese sentences and fact rows;
``source`` puts them on the seam (``SOURCE``), ``sections`` lays out the issue body and ``lister`` serves ``sync``."""

from .source import SOURCE

__all__ = ["SOURCE"]
