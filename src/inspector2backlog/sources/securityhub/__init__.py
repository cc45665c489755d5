"""Security Hub: control reference data and its Japanese (``controls``)."""
