"""A workload limited to a provider whose GPU offers the catalog holds few of is told which instance types those are
(so an 8-GPU answer is not read as the provider's best), and one with many is not."""

from advisor import api
from advisor.prices.book import from_catalog


def _notes(**kw):
    w = api.workload(requests_per_day=500_000, input_tokens=1200, output_tokens=350, models=["phi-4"], **kw)
    return [n for n in api.recommend(w).notes if "the price catalog holds" in n]


def test_a_thin_provider_is_named_with_its_instance_types():
    book = from_catalog(api.catalog())
    aws = [p for p in book.gpu_prices if p.provider == "aws" and p.pricing == "on-demand"]
    assert 0 < len(aws) <= 4
    (note,) = _notes(providers=["aws"])
    assert note.startswith(f"aws: the price catalog holds {len(aws)} of its GPU offers")
    assert all(p.sku in note for p in aws)


def test_a_well_covered_provider_or_no_filter_gets_no_note():
    assert not _notes(providers=["runpod"])
    assert not _notes()
