"""``api.estimate`` caps the GPU count as the CLI and a workload's ``max_gpus`` do (1,024): 1e11 GPUs printed "weights
0.0 kB" and a throughput before."""

from __future__ import annotations

import pytest

from advisor import api
from advisor.domain.workload import MAX_GPUS
from advisor.errors import InputError


def test_estimate_refuses_more_gpus_than_a_workload_may_use():
    with pytest.raises(InputError, match=f"at most {MAX_GPUS}"):
        api.estimate("llama-3.1-8b", "h100-sxm", gpus=10**11)
    assert api.estimate("llama-3.1-8b", "h100-sxm", gpus=8).fits
