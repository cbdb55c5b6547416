"""Hostile plugins (issue 15): backends' output checked at the boundary, every plugin call under a time
budget (``MOE_ADVISOR_PLUGIN_TIMEOUT_S``), BaseExceptions caught, secrets never shown."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
import threading
import time
from decimal import Decimal

import pytest

from advisor import api, plugin_manager
from advisor.cli import main
from advisor.common import budget
from advisor.domain.recommendation import Candidate
from advisor.hookspecs import hookimpl
from advisor.prices import resolve
from advisor.ranking.api_backend import ApiBackend

KEY = "sk-or-v1-0123456789abcdef0123456789abcdef"


@pytest.fixture(autouse=True)
def fresh_plugins(monkeypatch):
    monkeypatch.setenv(budget.TIMEOUT_ENV, "0.2")
    plugin_manager.reset()
    yield
    plugin_manager.reset()


class Poisoned:
    """A backend that reprices the API backend's candidates with ``money`` (and adds junk)."""

    deployment = "api"

    def __init__(self, name, money=None, junk=()):
        self.name, self.money, self.junk = name, money, junk

    def evaluate(self, ctx, model):
        for c in ApiBackend().evaluate(ctx, model):
            if isinstance(c, Candidate) and self.money is not None:
                c = dataclasses.replace(c, provider="evil", monthly_cost_usd=self.money, usd_per_mtok=self.money)
            yield c
        yield from self.junk


def backend_plugin(backend):
    class P:
        @hookimpl
        def register_cost_backends(self, register):
            register(backend)
    return P()


# --------------------------------------------------------------------------- M2

@pytest.mark.parametrize("money", [Decimal("NaN"), "12.5", Decimal("-100"), Decimal("Infinity"), 12.5, Decimal("1e999999")])
def test_m2_bad_backend_money_is_dropped_and_the_plugin_named(money):
    plugin_manager.register_plugin(backend_plugin(Poisoned("poison", money=money)), name="evilco")
    rec = api.recommend(api.preset("bursty-app"))
    assert rec.candidates and all(c.provider != "evil" for c in rec.candidates)
    assert all(c.monthly_cost_usd >= 0 for c in rec.candidates)
    assert [n for n in rec.notes if "cost backend 'poison'" in n and "(plugin 'evilco')" in n and "dropped" in n], rec.notes


def test_m2_non_candidates_and_unknown_ids_are_dropped():
    junk = (object(), "a string", None)
    plugin_manager.register_plugin(backend_plugin(Poisoned("junk", junk=junk)), name="junkco")
    rec = api.recommend(api.preset("bursty-app"))
    assert rec.candidates
    assert [n for n in rec.notes if "'junk'" in n and "not a Candidate" in n]

    class Ghost(Poisoned):
        def evaluate(self, ctx, model):
            for c in ApiBackend().evaluate(ctx, model):
                yield dataclasses.replace(c, model="no-such-model") if isinstance(c, Candidate) else c
    plugin_manager.register_plugin(backend_plugin(Ghost("ghost")), name="ghostco")
    rec = api.recommend(api.preset("bursty-app"))
    assert all(c.model != "no-such-model" for c in rec.candidates)
    assert [n for n in rec.notes if "'ghost'" in n and "not in the catalog" in n]


# --------------------------------------------------------------------------- M4

class Slow:
    name, deployment = "sloth", "api"

    def evaluate(self, ctx, model):
        time.sleep(5)
        return []


def test_m4_hanging_backend_is_skipped_after_its_budget_and_named():
    plugin_manager.register_plugin(backend_plugin(Slow()), name="slowco")
    t = time.monotonic()
    rec = api.recommend(api.preset("bursty-app"))
    assert time.monotonic() - t < 4, "a hanging backend must cost one budget, not one per model"
    assert rec.candidates
    [note] = [n for n in rec.notes if "sloth" in n]
    assert "plugin 'slowco'" in note and "time budget" in note


def test_m4_hanging_hook_is_named_and_the_rest_load():
    class Hangs:
        @hookimpl
        def register_gpu_price_sources(self, register):
            time.sleep(5)
    plugin_manager.register_plugin(Hangs(), name="hangs")
    t = time.monotonic()
    infos = {i.name: i for i in resolve.plugin_infos()}
    assert time.monotonic() - t < 3
    assert infos["hangs"].status == "failed" and "time budget" in infos["hangs"].error
    assert infos["aws"].status == "ok"


def test_m4_hanging_snapshot_is_named():
    class Src:
        name, kind = "frozen", "gpu"

        def snapshot(self):
            time.sleep(5)
            return []

    class P:
        @hookimpl
        def register_gpu_price_sources(self, register):
            register(Src())
    plugin_manager.register_plugin(P(), name="frozenco")
    t = time.monotonic()
    infos = {i.name: i for i in resolve.plugin_infos()}
    assert time.monotonic() - t < 3 and "time budget" in infos["frozenco"].error


def test_m4_a_hung_plugin_thread_never_keeps_the_process_alive():
    code = textwrap.dedent("""
        import time
        from advisor.common import budget
        try:
            budget.call(time.sleep, 60, budget_s=0.1, what="plugin 'x': hook")
        except budget.BudgetExceeded as exc:
            print(exc)
    """)
    t = time.monotonic()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert time.monotonic() - t < 15 and "plugin 'x'" in out.stdout, out


def test_m4_tui_plugin_work_runs_in_daemon_threads():
    import asyncio

    pytest.importorskip("textual")
    from advisor.tui import services

    started = threading.Event()

    def hang():
        started.set()
        time.sleep(30)

    async def go():
        task = asyncio.ensure_future(services.in_daemon_thread(hang))
        await asyncio.sleep(0.05)
        task.cancel()
        return await asyncio.gather(task, return_exceptions=True)

    asyncio.run(asyncio.wait_for(go(), 5))  # asyncio.run waits for executor threads: a daemon thread is not one
    assert started.is_set()
    assert all(t.daemon for t in threading.enumerate() if t.name == "moe-advisor tui work")


# --------------------------------------------------------------------------- Low: BaseException

class Exit(BaseException):
    pass


@pytest.mark.parametrize("exc", [SystemExit(3), KeyboardInterrupt(), Exit("custom")])
def test_plugin_raising_a_base_exception_is_a_failed_plugin_not_a_traceback(exc):
    class P:
        @hookimpl
        def register_cost_backends(self, register):
            raise exc
    plugin_manager.register_plugin(P(), name="exits")
    infos = {i.name: i for i in resolve.plugin_infos()}
    assert infos["exits"].status == "failed" and type(exc).__name__ in infos["exits"].error

    class B(Poisoned):
        def evaluate(self, ctx, model):
            raise exc
    plugin_manager.register_plugin(backend_plugin(B("boom")), name="boomco")
    rec = api.recommend(api.preset("bursty-app"))
    assert rec.candidates and [n for n in rec.notes if "'boom'" in n and type(exc).__name__ in n]


# --------------------------------------------------------------------------- M8

def test_m8_an_api_key_in_a_plugin_error_is_redacted_everywhere(monkeypatch, capsys):
    monkeypatch.setenv("OPENROUTER_API_KEY", KEY)

    class Leaky(Poisoned):
        def evaluate(self, ctx, model):
            raise RuntimeError(f"auth failed for {KEY}")

    class LeakyHook:
        @hookimpl
        def register_api_price_sources(self, register):
            raise RuntimeError(f"bad key {KEY}")
    plugin_manager.register_plugin(backend_plugin(Leaky("leaky")), name="leakyco")
    plugin_manager.register_plugin(LeakyHook(), name="leakyhook")
    rec = api.recommend(api.preset("bursty-app"))
    assert not [n for n in rec.notes if KEY in n] and [n for n in rec.notes if "[redacted]" in n]
    assert all(KEY not in i.error for i in resolve.plugin_infos())
    for argv in (["recommend", "--preset", "bursty-app", "--top", "2", "--details", "0"],
                 ["recommend", "--preset", "bursty-app", "--format", "json"], ["plugins"], ["prices"]):
        main(argv)
        out, err = capsys.readouterr()
        assert KEY not in out and KEY not in err, argv
