#!/usr/bin/env bash
# One short GPU check (< 5 min on one H200) for a session that has a CUDA machine. Not run yet:
# no GPU was available when this was written. Run from the repository root:
#   bash gpu_runtime/gpu_check.sh            (results under $OUT, or ./gpu_check_out)
# The embedded GGUF package cannot travel to a machine without network, so the timings use
# `random:<shape>` models: the real architectures (SmolLM2-135M, Llama-3.2-1B shapes) with seeded
# random weights; prefill time does not depend on the weights. ortools is usually absent there,
# so the exact optimum is skipped with a message.
set -uo pipefail
OUT="${OUT:-./gpu_check_out}"
mkdir -p "$OUT"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1
export KLPM_CACHE_DIR="${KLPM_CACHE_DIR:-/tmp/klpm-cache}"
{
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
  python3 -c "import torch, transformers; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), 'transformers', transformers.__version__)"
} 2>&1 | tee "$OUT/env.txt"
# 1. Correctness on the GPU (fp32): logits with reuse vs recompute, engine vs simulator.
KLPM_TEST_MODEL=random:smollm2-135m timeout 150 python3 -m pytest -q -p no:cacheprovider tests/gpu_runtime 2>&1 | tail -15 | tee "$OUT/tests.txt"
# 2. Reuse vs no reuse and scheduler overhead: absolute GPU figures.
timeout 120 python3 -m experiments.bench_runtime --model random:llama-1b --device cuda --dtype bf16 \
  --lengths 1024,4096,8000 -o "$OUT/bench_llama1b_bf16.json" 2>&1 | tee "$OUT/bench_llama1b_bf16.txt"
timeout 60 python3 -m experiments.bench_runtime --model random:smollm2-135m --device cuda --dtype fp32 \
  --lengths 1024,4096 --queues 100,1000 -o "$OUT/bench_smollm2_fp32.json" 2>&1 | tee "$OUT/bench_smollm2_fp32.txt"
# 3. Calibration and a small policy comparison with the calibrated costs.
timeout 60 python3 -m klpm calibrate --model random:llama-1b --device cuda --dtype bf16 -o "$OUT/costs_llama1b.json" 2>&1 | tee "$OUT/calibrate.txt"
timeout 90 python3 -m klpm serve-bench --model random:llama-1b --device cuda --dtype bf16 \
  --workload shared-prefix --param groups=8 --param prompts_per_group=8 --param system_len=2048 \
  --param question_len=128 --rate 40 --policies fcfs,lpm,klpm --k 2 \
  --cost-file "$OUT/costs_llama1b.json" -o "$OUT/serve_bench.json" 2>&1 | tee "$OUT/serve_bench.txt"
