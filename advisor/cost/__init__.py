"""Money: the one place that turns prices, capacity and traffic into dollars.

``money`` holds the arithmetic ($/M tokens at a utilization, a month of replicas, per-token API bills,
the cheapest API, break-even); ``billing`` what a provider actually bills: the instance shapes it sells,
how replicas pack into them, and the scaling policies (fixed, autoscale, scale-to-zero) and price kinds
(on-demand, serverless, spot, reserved) over a day's traffic. Imports only the domain types.
"""

from advisor.cost.money import (  # noqa: F401 - the public money functions
    CENT,
    MICRO,
    MILLION,
    UTILIZATION_POINTS,
    BreakEven,
    ReplicaBill,
    api_monthly_usd,
    batch_api_applies,
    blended_usd_per_mtok,
    break_even,
    cheapest_api,
    money,
    monthly_usd,
    replica_bill,
    usd_per_mtok,
    usd_per_mtok_of_volume,
    workload_usd_per_mtok,
)
