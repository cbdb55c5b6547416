"""A provider the user names that sells GPUs only at a price kind the workload does not allow gets a note naming the
kinds and the flag, not a silent "no feasible option"; with the kind allowed its offers are ranked."""

from __future__ import annotations

from advisor import api


def test_a_committed_only_provider_says_which_flag_admits_it():
    cat = api.catalog()
    kinds = {p.pricing for p in cat.gpu_prices if p.provider == "tensorwave"}
    assert kinds == {"committed"}  # the bundled catalog's: the case the note is for
    base = dict(providers=["tensorwave"], self_hosting="required", requests_per_day=100_000)
    rec = api.recommend(api.workload(**base))
    assert not rec.candidates
    [note] = [n for n in rec.notes if n.startswith("tensorwave sells GPUs here only as committed")]
    assert "--pricing reserved" in note
    allowed = api.recommend(api.workload(**base, pricing=["reserved"]))
    assert allowed.candidates and {c.provider for c in allowed.candidates} == {"tensorwave"}
    assert not [n for n in allowed.notes if "sells GPUs here only" in n]


def test_a_provider_with_on_demand_offers_gets_no_note():
    rec = api.recommend(api.workload(providers=["runpod"], self_hosting="required", requests_per_day=100_000))
    assert rec.candidates and not [n for n in rec.notes if "sells GPUs here only" in n]


def test_a_committed_row_states_no_contract_total_and_asks_for_a_quote():
    rec = api.recommend(api.workload(providers=["tensorwave"], self_hosting="required", requests_per_day=100_000,
                                     pricing=["reserved"], models=["qwen3-30b-a3b"]))
    c = rec.candidates[0]
    [r] = [r for r in c.reasons if r.code == "commitment"]
    assert r.numbers["commitment_years"] == 0 and "does not publish" in r.message and "not a quote" in r.message
    assert str(c.monthly_cost_usd * 12) not in r.message.replace(",", "")  # no made-up contract total


def test_a_spot_row_names_its_restart_cost_and_the_on_demand_fallback():
    from decimal import Decimal

    from advisor.domain.workload import PRESETS

    w = api.workload(**{**PRESETS["batch-pipeline"].__dict__, "name": "spot", "pricing": ("spot", "on-demand"),
                        "self_hosting": "required"})
    spot = [c for c in api.recommend(w).candidates if c.pricing_kind == "spot"]
    fallbacks = 0
    for c in spot:
        [r] = [r for r in c.reasons if r.code == "spot"]
        assert "restart" in r.message
        od = r.numbers.get("on_demand_monthly_usd")
        if od is None:  # MI350X is sold only as spot here
            assert "no fallback" in r.message
            continue
        fallbacks += 1
        assert Decimal(od) > c.monthly_cost_usd  # the spot row won: on demand costs more
        assert f"${Decimal(od):,}/month" in r.message
    assert spot and fallbacks >= 5
