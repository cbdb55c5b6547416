"""A report records where each price source's prices came from (``api.price_sources``, stamped into
``catalog_versions`` when written), so ``report diff`` names a source added, dropped or refreshed (session 29: a diff
could say only "prices newly used" when a reseller's plugin came in)."""

from __future__ import annotations

from advisor.cli import main


def test_a_written_report_names_its_price_sources_and_a_diff_names_their_changes(tmp_path, capsys):
    old, new = tmp_path / "old.toml", tmp_path / "new.toml"
    assert main(["recommend", "--preset", "bursty-app", "-o", str(old)]) == 0
    capsys.readouterr()
    text = old.read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if x.startswith('"prices:runpod" = '))
    assert "bundled snapshot" in line and "(plugin runpod)" in line
    assert '"prices:lambda" = ' in text
    # the same report after a refresh of runpod's prices, with lambda's plugin gone and a reseller's come in
    edited = text.replace(line, '"prices:runpod" = "live cache 2026-12-05T10:00:00+00:00 (plugin runpod)"\n'
                                '"prices:eurogpu" = "bundled snapshot 2026-12-01 (plugin eurogpu)"')
    edited = "\n".join(x for x in edited.splitlines() if not x.startswith('"prices:lambda" = ')) + "\n"
    new.write_text(edited, encoding="utf-8")
    assert main(["report", "diff", str(old), str(new)]) == 0
    out = capsys.readouterr().out
    assert "Catalog files and price sources changed" in out
    assert "price source runpod: bundled snapshot" in out and "-> live cache 2026-12-05T10:00:00+00:00 (plugin runpod)" in out
    assert "price source eurogpu: added (bundled snapshot 2026-12-01 (plugin eurogpu))" in out
    assert "price source lambda: no longer loaded (was bundled snapshot" in out


def test_a_diff_of_the_same_best_option_names_a_change_of_its_scaling(tmp_path, capsys):
    """Trial 40: "Best option unchanged: ... $134.20 -> $499.32/month" hid a plan gone from autoscale 0-1 to fixed 1."""
    old, new, wl = tmp_path / "old.toml", tmp_path / "new.toml", tmp_path / "office.toml"
    wl.write_text('[workload]\nrequests_per_day = 2000\ninput_tokens = 1500\noutput_tokens = 300\nttft_ms = 8000\n'
                  'self_hosting = "required"\nmodels = ["llama-3.1-8b"]\ngpu_types = ["l4"]\nproviders = ["runpod"]\n'
                  'pricing = ["on-demand"]\nhourly_profile = [0,0,0,0,0,0,0,0,0,1,1,1,1,1,1,1,1,1,0,0,0,0,0,0]\n', encoding="utf-8")
    assert main(["recommend", str(wl), "--min-replicas", "0", "-o", str(old)]) == 0
    assert main(["recommend", str(wl), "--scaling", "fixed", "-o", str(new)]) == 0
    capsys.readouterr()
    assert main(["report", "diff", str(old), str(new)]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("Best option unchanged"))
    assert "scaling autoscale -> fixed" in line, out[:1500]
