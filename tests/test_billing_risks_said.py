"""What a bill assumes about the provider is said on the row: an autoscaled row assumes an instance is free to rent
when a scale-up starts, and a RunPod Community Cloud row runs on third-party hosts without a data-centre SLA."""

from advisor import api


def _rows():
    w = api.workload(requests_per_day=5_000_000, input_tokens=1200, output_tokens=350, traffic_shape="diurnal",
                     latency="interactive", ttft_ms=800, output_tokens_per_s_per_user=30, models=["phi-4"],
                     self_hosting="required")
    return api.recommend(w).candidates


def test_community_cloud_rows_say_so_and_others_do_not():
    rows = _rows()
    community = [c for c in rows if any(r.code == "billing" and "Community Cloud" in r.message for r in c.reasons)]
    assert community
    assert all(any(r.code == "community-cloud" and "SLA" in r.message and "audited data centres" in r.message
                   and r.severity == "warning" for r in c.reasons) for c in community)  # who holds the data, said as a warning
    others = [c for c in rows if c not in community]
    assert others and not any(r.code == "community-cloud" for c in others for r in c.reasons)


def test_autoscaled_rows_state_the_availability_they_assume():
    auto = [c for c in _rows() if c.scaling == "autoscale"]
    assert auto
    for c in auto[:5]:
        billing = next(r for r in c.reasons if r.code == "billing")
        assert "assumed free to rent when it starts" in billing.message and "--min-replicas" in billing.message
