"""The two built-in cost backends: rented GPUs (self-hosted) and per-token serverless APIs.

Registered through the same hook a third-party backend uses (a reserved-capacity contract, an on-prem
cluster): ``register_cost_backends``.
"""

from advisor.ranking.api_backend import ApiBackend
from advisor.ranking.self_hosted import SelfHostedBackend
from advisor.hookspecs import hookimpl


@hookimpl
def register_cost_backends(register):
    register(SelfHostedBackend())
    register(ApiBackend())
