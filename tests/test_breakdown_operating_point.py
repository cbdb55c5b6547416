"""The breakdown's line under the speed table names the batch behind the figures: the largest within the TPOT target for
interactive work, the throughput-optimal one for batch work, which has no TPOT target (the table beside it says so)."""

from advisor import api
from advisor.tui.screens.breakdown import operating_point


def test_batch_work_is_not_said_to_meet_a_tpot_target():
    rec = api.recommend(api.preset("batch-pipeline"))
    c = next(x for x in rec.candidates if x.deployment == "self-hosted")
    line = operating_point(c, rec.workload)
    assert "throughput-optimal batch: batch work has no TPOT target" in line and "within the TPOT target" not in line


def test_interactive_work_names_its_tpot_target():
    rec = api.recommend(api.preset("steady-latency"))
    c = next(x for x in rec.candidates if x.deployment == "self-hosted")
    assert "the largest batch within the TPOT target" in operating_point(c, rec.workload)
