"""inspector2backlog: AWS Inspector v2 findings → Japanese Backlog issues.

The pipeline reads left to right: findings (source → Finding) → policy → translate → render → deliver → state.
"""

__version__ = "0.1.0"
