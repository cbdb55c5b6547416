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
