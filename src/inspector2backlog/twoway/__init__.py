"""Backlog → AWS (two-way): a decision made in Backlog (a closed issue's resolution) becomes an action in AWS.

Two ways in — :mod:`.webhook` (a Backlog webhook to a Lambda Function URL) and :mod:`.poller` (``pull``) — end in
the same :mod:`.decision` code, which re-reads the issue through the Backlog API and acts only on what Backlog and
our state store say. The AWS side is one module per source under :mod:`.actions`; :mod:`.audit` writes the Japanese
comments; :mod:`.echo` recognises the event our own action causes. Nothing here is imported by ``send``.
"""
