"""IAM Access Analyzer as a source: typed details (external, internal and unused access findings) and Japanese text."""
