"""The model itself: parameters, governance rules, the partner population, peer ties, vendor
staff, the weekly mechanisms, the Mesa model and its metrics. No I/O, no plotting, no CLI."""
