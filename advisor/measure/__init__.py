"""Measurements in: benchmark result files (``results``), the corrections they yield, stored in the user
catalog directory (``store``: ``correction_for`` is what the estimate multiplies by), and matching a result
to the deployment it measured (``calibrate``)."""
