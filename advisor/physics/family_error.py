"""The throughput estimate's median signed error (estimate / measured - 1) over the scored calibration rows of each
family (model, GPU, engine) in each layout the rows ran and band of concurrency (``coverage.concurrency_band``), the
row count and what the rows ran: written by scripts/family_errors.py from ``advisor.physics.calibration.validate`` on
catalogs/calibration.csv (every row carries its source URL; ``moe-advisor validate --rows`` lists them). Read by
``advisor.physics.coverage.known_error``; tests/test_family_error.py checks it against a fresh validation."""

FAMILIES: dict[tuple[str, str, str, str, str], tuple[int, float, str]] = {
    ('deepseek-r1', 'b200', 'sglang', 'tp', 'high'): (1, 0.3544, 'fp8 on 8 GPUs at 100 concurrent requests'),
    ('deepseek-r1', 'b200', 'sglang', 'tp', 'low'): (3, 0.0399, 'fp8 on 8 GPUs at 1 concurrent request'),
    ('deepseek-r1', 'b200', 'sglang', 'tp', 'mid'): (5, 0.0293, 'fp8 on 8 GPUs at 16-64 concurrent requests'),
    ('deepseek-r1', 'h200', 'vllm', 'tp', 'low'): (1, 0.4756, 'fp8 on 8 GPUs at 4 concurrent requests'),
    ('gpt-oss-120b', 'a100-80gb', 'vllm', 'tp', 'low'): (1, 0.0961, 'mxfp4-experts on 1 GPU at 4 concurrent requests'),
    ('gpt-oss-120b', 'h100-sxm', 'vllm', 'tp', 'low'): (2, -0.0475, 'mxfp4-experts on 1, 2 GPUs at 4 concurrent requests'),
    ('llama-3.1-405b', 'b200', 'trtllm', 'tp', 'high'): (20, 0.0582, 'nvfp4 on 4, 8 GPUs in max-throughput runs'),
    ('llama-3.1-405b', 'b200', 'trtllm', 'unknown', 'high'): (1, -0.347, 'nvfp4 on 8 GPUs in max-throughput runs'),
    ('llama-3.1-405b', 'h100-sxm', 'trtllm', 'tp', 'high'): (6, 0.0368, 'fp8 on 8 GPUs in max-throughput runs'),
    ('llama-3.1-405b', 'h200', 'trtllm', 'tp', 'high'): (17, -0.096, 'fp8 on 8 GPUs in max-throughput runs'),
    ('llama-3.1-8b', 'a100-80gb', 'trtllm', 'tp', 'high'): (9, -0.1269, 'bf16 on 1 GPU in max-throughput runs'),
    ('llama-3.1-8b', 'gh200', 'trtllm', 'tp', 'high'): (9, -0.0753, 'fp8 on 1 GPU in max-throughput runs'),
    ('llama-3.1-8b', 'h100-sxm', 'trtllm', 'tp', 'high'): (19, -0.0965, 'fp8 on 1 GPU in max-throughput runs'),
    ('llama-3.1-8b', 'h200', 'trtllm', 'tp', 'high'): (19, -0.0236, 'fp8 on 1 GPU in max-throughput runs'),
    ('llama-3.1-8b', 'l40s', 'trtllm', 'tp', 'high'): (9, -0.0904, 'fp8 on 1 GPU in max-throughput runs'),
    ('llama-3.3-70b', 'a100-80gb', 'trtllm', 'tp', 'high'): (25, -0.0043, 'bf16 on 2, 4, 8 GPUs in max-throughput runs'),
    ('llama-3.3-70b', 'b200', 'trtllm', 'tp', 'high'): (40, 0.0503, 'nvfp4 on 1, 2, 4, 8 GPUs in max-throughput runs'),
    ('llama-3.3-70b', 'gh200', 'trtllm', 'tp', 'high'): (8, -0.0471, 'fp8 on 1 GPU in max-throughput runs'),
    ('llama-3.3-70b', 'h100-sxm', 'trtllm', 'tp', 'high'): (68, 0.0385, 'fp8 on 1, 2, 4, 8 GPUs in max-throughput runs'),
    ('llama-3.3-70b', 'h200', 'trtllm', 'tp', 'high'): (75, -0.0164, 'fp8 on 1, 2, 4, 8 GPUs in max-throughput runs'),
    ('llama-3.3-70b', 'l40s', 'trtllm', 'tp', 'high'): (18, 0.0208, 'fp8 on 4, 8 GPUs in max-throughput runs'),
    ('llama-4-maverick', 'h100-sxm', 'trtllm', 'tp', 'high'): (5, -0.0734, 'fp8 on 8 GPUs in max-throughput runs'),
    ('llama-4-maverick', 'h200', 'trtllm', 'tp', 'high'): (8, 0.1947, 'fp8 on 8 GPUs in max-throughput runs'),
    ('mixtral-8x22b', 'a100-80gb', 'trtllm', 'tp', 'high'): (9, 0.0171, 'bf16 on 8 GPUs in max-throughput runs'),
    ('mixtral-8x22b', 'h100-sxm', 'trtllm', 'tp', 'high'): (9, 0.0413, 'fp8 on 8 GPUs in max-throughput runs'),
    ('mixtral-8x22b', 'h200', 'trtllm', 'tp', 'high'): (9, -0.0681, 'fp8 on 8 GPUs in max-throughput runs'),
    ('mixtral-8x7b', 'a100-80gb', 'trtllm', 'tp', 'high'): (27, -0.0118, 'bf16 on 2, 4, 8 GPUs in max-throughput runs'),
    ('mixtral-8x7b', 'gh200', 'trtllm', 'tp', 'high'): (9, -0.0457, 'fp8 on 1 GPU in max-throughput runs'),
    ('mixtral-8x7b', 'h100-sxm', 'trtllm', 'tp', 'high'): (36, 0.0113, 'fp8 on 1, 2, 4, 8 GPUs in max-throughput runs'),
    ('mixtral-8x7b', 'h200', 'trtllm', 'tp', 'high'): (36, 0.0075, 'fp8 on 1, 2, 4, 8 GPUs in max-throughput runs'),
    ('mixtral-8x7b', 'l40s', 'trtllm', 'tp', 'high'): (18, -0.005, 'fp8 on 4, 8 GPUs in max-throughput runs'),
    ('qwen3-235b-a22b', 'b200', 'sglang', 'tp', 'high'): (1, 0.3395, 'bf16 on 8 GPUs at 100 concurrent requests'),
    ('qwen3-235b-a22b', 'b200', 'sglang', 'tp', 'low'): (1, 0.0311, 'bf16 on 8 GPUs at 1 concurrent request'),
    ('qwen3-235b-a22b', 'b200', 'sglang', 'tp', 'mid'): (5, -0.0519, 'bf16 on 8 GPUs at 16-64 concurrent requests'),
}
