"""User trial 19, the TUI: the deploy screen offered TensorRT-LLM ("3 TRT-LLM") on an AMD GPU's row, where it
cannot run (CUDA only); it now offers vLLM, SGLang and SkyPilot there, and all four on an NVIDIA row."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from test_tui import make_app, settle, until  # noqa: E402

from advisor import api  # noqa: E402
from advisor.tui.widgets.ranking_table import RankingTable  # noqa: E402


@pytest.mark.parametrize("gpu, offered", [("mi300x", False), ("h100-sxm", True)])
async def test_the_deploy_screen_offers_tensorrt_llm_only_on_an_nvidia_row(gpu, offered):
    from advisor.tui.screens.deploy import DeployScreen

    w = api.workload(models=["llama-3.3-70b"], gpu_types=[gpu], self_hosting="required", min_quality=0)
    app = make_app(workload=w)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.screen.query_one(RankingTable).focus()
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, DeployScreen))
        screen = app.screen
        status = str(screen.query_one("#deploy-status").render())
        assert ("3 TRT-LLM" in status) == offered, status
        assert "1 vLLM" in status and "4 SkyPilot" in status
        before = screen.target
        await pilot.press("3")
        await pilot.pause(0.1)
        assert screen.target == ("trtllm" if offered else before)
        if not offered:
            assert screen.files  # still the files shown before, not "no files"
