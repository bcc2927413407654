#!/usr/bin/env bash
# Runs the scheduler benchmark on a GPU host that has PyTorch (CUDA) but no .NET.
# Prepare here with './novamind bench-package' (writes artifacts/gpu-bench.tgz, ~37 MB), carry that file,
# then on the device:  bash benchmarks/gpu/run-on-device.sh artifacts/gpu-bench.tgz "$OUT"
set -euo pipefail
package="$1"; out="${2:-.}"
work=$(mktemp -d)
tar xzf "$package" -C "$work"
torchlib=$(python3 -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/device.txt"
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)' | tee -a "$out/device.txt"
# The sweep: 2 s per point, concurrency 1..4096, work-conserving and 2 ms delays, fp16 — well inside 5 minutes.
"$work/gpubench/NovaMind.Benchmarks" --libtorch "$torchlib" --device cuda --half --seconds 2 \
  --concurrency 1,16,256,4096 --max-batch 4096 --delays-ms 0,2 --memory-requests 100000 --out "$out/benchmark-gpu.md"
