"""Robustness review 12, user-catalog items: mistakes that were silently ignored are named with file and key (13),
every command that reads the catalog says so (14), an integer choice in a message (15), a zero price and a
GPU of 1e-9 GiB (22)."""

from __future__ import annotations

import json

import pytest

from advisor import api, runtime
from advisor.cli import main
from advisor.errors import UnknownIdError

PRICE = ('catalog = "gpu_prices"\nschema_version = 1\nprovider = "myco"\n[[{table}]]\ngpu = "h100-sxm"\n'
         'usd_per_gpu_hour = "{usd}"\npricing = "on-demand"\nregion = ""\nsku = "x"\nsource = "https://myco.example"\n'
         'as_of = "2026-11-01"\n{extra}')
ENGINE = 'catalog = "engine"\nschema_version = 1\n'


@pytest.fixture
def user_dir(isolated_user_dirs):
    (d := isolated_user_dirs / "catalogs").mkdir(parents=True, exist_ok=True)
    runtime.reset_cache()
    return d  # isolated_user_dirs resets the catalog cache after the test


def _write(d, name, text):
    (d / name).write_text(text, encoding="utf-8")
    runtime.reset_cache()


def _problems():
    runtime.reset_cache()
    return [str(p) for p in api.catalog().problems]


def _one(problems, *words):
    hits = [p for p in problems if all(w in p for w in words)]
    assert len(hits) == 1 and "\n" not in hits[0], problems
    return hits[0]


@pytest.mark.parametrize("name, text, words", [
    ("models.toml", 'catalog = "gpus"\nschema_version = 1\n[models.evil]\nname = "x"\n',
     ("'models'", 'catalog = "models" file', 'says catalog = "gpus"')),
    ("gpu_myco.toml", PRICE.format(table="price", usd="2.5", extra=""), ("'price'", "did you mean 'prices'")),
    ("gpus.toml", 'catalog = "gpus"\nschema_version = 1\n[gpu.foo]\nname = "x"\n', ("'gpu'", "did you mean 'gpus'")),
    ("engine.toml", ENGINE + "bogus = 1\n", ("'bogus'", "ignored")),
    ("engine.toml", ENGINE + 'engine = "tgi"\n', ("field 'engine'", "'tgi'", "unchanged")),
    ("engine.toml", ENGINE + "[per_gpu.nope]\neff_bw = 0.5\n", ("[per_gpu.nope]", "no known GPU")),
    ("engine.toml", ENGINE + "[engines.vllm]\nname = 5\n", ("engines.vllm", "field 'name'", "must be a string")),
], ids=["wrong-header", "price-typo", "gpu-typo", "top-level-junk", "engine-id", "per-gpu-id", "engine-name-type"])
def test_a_silently_ignored_mistake_is_a_problem_naming_file_and_key(user_dir, name, text, words):
    _write(user_dir, name, text)
    _one(_problems(), str(user_dir / name), *words)


def test_an_unknown_engine_id_keeps_the_bundled_default(user_dir):
    default = api.catalog().engine.id
    _write(user_dir, "engine.toml", ENGINE + 'engine = "tgi"\n')
    runtime.reset_cache()
    assert api.catalog().engine.id == default == "trtllm"


def test_bundled_catalogs_have_no_such_problem():
    assert _problems() == []


@pytest.mark.parametrize("extra, words", [
    ("billing_increment_s = 7\n", ("billing_increment_s", "must be one of 1, 60, 3600, got 7")),
    ("billing_increment_s = 0\n", ("billing_increment_s", "must be one of 1, 60, 3600, got 0")),
], ids=["7", "0"])
def test_an_integer_choice_is_named_not_an_unusable_value(user_dir, extra, words):
    _write(user_dir, "gpu_myco.toml", PRICE.format(table="prices", usd="2.5", extra=extra))
    assert "unusable value" not in _one(_problems(), *words)


@pytest.mark.parametrize("usd", ["0", "0.000"])
def test_a_zero_user_price_is_refused_and_never_ranks(user_dir, usd):
    _write(user_dir, "gpu_myco.toml", PRICE.format(table="prices", usd=usd, extra=""))
    _one(_problems(), "gpu_myco.toml", "usd_per_gpu_hour", "zero price")
    rec = api.recommend(api.preset("bursty-app"))
    assert not [c for c in rec.candidates if c.provider == "myco"]


def test_a_gpu_of_a_billionth_of_a_gib_is_refused(user_dir):
    import tomllib
    from pathlib import Path

    bundled = tomllib.loads((Path(api.__file__).parent / "catalogs" / "gpus.toml").read_text())["gpus"]["h100-sxm"]
    fields = "".join(f"{k} = {json.dumps(v)}\n" for k, v in bundled.items() if not isinstance(v, dict))
    _write(user_dir, "gpus.toml", 'catalog = "gpus"\nschema_version = 1\n[gpus.tiny]\n'
           + fields.replace(f"memory_gib = {json.dumps(bundled['memory_gib'])}", "memory_gib = 1e-9"))
    _one(_problems(), "entry 'tiny'", "memory_gib", "at least 1")


@pytest.mark.parametrize("argv", [["prices"], ["prices", "--format", "json"], ["list", "prices"],
                                  ["estimate", "llama-3.3-70b", "h100-sxm", "--gpus", "2"]])
def test_every_reading_command_names_a_dropped_user_row(user_dir, capsys, argv):
    _write(user_dir, "gpu_myco.toml", PRICE.format(table="prices", usd="nan", extra=""))
    main(argv)
    err = capsys.readouterr().err
    assert "gpu_myco.toml" in err and "usd_per_gpu_hour" in err, err


def test_an_unknown_model_that_a_user_file_defines_says_why_it_was_left_out(user_dir, capsys):
    _write(user_dir, "models.toml", 'catalog = "models"\nschema_version = 1\n[models.evil]\nname = "x"\n')
    with pytest.raises(UnknownIdError, match="defines 'evil', but the entry was left out: .*models.toml"):
        api.catalog().model("evil")
    assert main(["recommend", "--preset", "bursty-app", "--models", "evil"]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "unknown model 'evil'" in err and "left out" in err and "models.toml" in err, err
