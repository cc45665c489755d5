"""Security Hub: findings in ASFF and OCSF (``parse`` → ``asff`` / ``ocsf``, typed in ``model``), cross-source
identity (``identity``), lifecycle and material changes (``status``), control reference data and its Japanese
(``controls``, ``ja``). Nothing is imported here, so that a caller pays only for the part it uses."""
