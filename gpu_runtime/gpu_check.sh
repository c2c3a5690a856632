#!/usr/bin/env bash
# One short GPU check (about 5 min on one H200, each step under its own timeout, 480 s in all)
# for a session that has a CUDA machine. Not run yet: no GPU was available when this was written.
# From the repository root:
#   bash gpu_runtime/gpu_check.sh            (results under $OUT, or ./gpu_check_out)
# Writes 6 files (the device tool returns at most 8): log.txt (everything printed) and five JSON.
# The embedded GGUF package cannot travel to a machine without network, so the timings use
# `random:<shape>` models: the real architectures (SmolLM2-135M, Llama-3.2-1B shapes) with seeded
# random weights; prefill time does not depend on the weights. If ortools is absent there, the
# exact optimum still comes from the pure-Python back-ends when the instance allows (the
# definition4 run below is an equal-arrivals polynomial cell); otherwise it is skipped, with a note.
# Checked on the CPU against transformers 5.17.0 (the version that image held in 2026-11).
set -uo pipefail
OUT="${OUT:-./gpu_check_out}"
mkdir -p "$OUT"
LOG="$OUT/log.txt"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1
export KLPM_CACHE_DIR="${KLPM_CACHE_DIR:-/tmp/klpm-cache}"
step() { echo; echo "=== $1 ($(date +%T))"; }
{
  step "environment"
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
  python3 -c "import sys, torch, transformers; print(sys.version.split()[0], 'torch', torch.__version__, 'cuda', torch.cuda.is_available(), 'transformers', transformers.__version__)"
  python3 -c "import ortools; print('ortools', ortools.__version__)" 2>/dev/null || echo "ortools: absent"

  step "1. correctness on the GPU: reuse vs recompute (fp32 and bf16), CUDA-only tests, engine vs simulator"
  KLPM_TEST_MODEL=random:smollm2-135m timeout 120 python3 -m pytest -q -p no:cacheprovider tests/gpu_runtime 2>&1 | tail -25

  step "2. reuse vs no reuse, scheduler overhead: absolute GPU figures"
  timeout 100 python3 -m experiments.bench_runtime --model random:llama-1b --device cuda --dtype bf16 \
    --lengths 1024,4096,8000 -o "$OUT/bench_llama1b_bf16.json"
  timeout 60 python3 -m experiments.bench_runtime --model random:smollm2-135m --device cuda --dtype fp32 \
    --lengths 1024,4096 --queues 100,1000 -o "$OUT/bench_smollm2_fp32.json"

  step "3. calibration, then policies vs simulator (and vs the exact optimum) with the calibrated costs"
  timeout 60 python3 -m klpm calibrate --model random:llama-1b --device cuda --dtype bf16 -o "$OUT/costs_llama1b.json"
  timeout 70 python3 -m klpm serve-bench --model random:llama-1b --device cuda --dtype bf16 \
    --workload shared-prefix --param groups=8 --param prompts_per_group=8 --param system_len=2048 \
    --param question_len=128 --rate 40 --policies fcfs,lpm,klpm --k 2 \
    --cost-file "$OUT/costs_llama1b.json" -o "$OUT/serve_bench.json"
  timeout 60 python3 -m klpm serve-bench --model random:llama-1b --device cuda --dtype bf16 \
    --workload definition4 --param u=1024 --param d=64 --param users=3 --param repeats=3 --param s=0 \
    --policies fcfs,lpm,klpm --k 2 --cost-file "$OUT/costs_llama1b.json" --exact --time-limit 20 \
    -o "$OUT/serve_exact.json"
  step "done"
} 2>&1 | tee "$LOG"
