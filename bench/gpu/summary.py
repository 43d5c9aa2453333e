#!/usr/bin/env python3
"""Ember vs torch.compile on one device-check run: bin/lib/gpu-check run OUT calls this last.

Reads OUT/gpu-check.json and OUT/torch-reference.json (same run, same batches) and writes
OUT/summary.md: sentences/s of Ember's CUDA-graph rows and of torch.compile(mode="reduce-overhead")
at each precision, their ratio, and the issue's targets (fp16/bf16/tf32 >= 1.0, fp32 >= 0.8 on
length-sorted x32 and x64), plus the host share of each engine's pass where it is known. Missing
rows are listed as missing, never skipped. The GEMM table reads the fastest 4096^3 routes (any, and
Ember's generated ones, wgmma included) against the device's nominal dense tensor peak and against
cuBLAS on fp16/bf16 data (OUT/sixteen-bit, where cuBLAS loads): what this device reaches with
16-bit operands in memory; the wgmma GEMM on the same data counts as generated, and its stage
sweep is tabulated per tile and depth. Last, the GEMM routes each profiled variant's tuner took
and refused (at fp32: SIMT or 3xTF32 tensor cores), and the hardware counters Nsight Compute
recorded where gpu-check's ncu step ran (OUT/ncu).
With --ncu-only (gpu-check profile), that last part alone.
"""
import csv
import json
import os
import re
import sys
from collections import Counter

TARGETS = {"fp16": 1.0, "bf16": 1.0, "tf32": 1.0, "fp32": 0.8}
# Dense fp16/bf16 tensor-core TFLOP/s from NVIDIA's datasheets (half the "with sparsity" figure),
# by a substring of the device name, most specific first; tf32 is half of it.
NOMINAL_PEAKS = [("H100 PCIe", 756.0), ("H100 NVL", 835.0), ("H100", 989.4), ("H200", 989.4),
                 ("A100", 312.0)]
GEMM_TARGET = 0.5
BATCHINGS = ["length-sorted x64", "length-sorted x32"]


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        return {"error": f"{path}: {e}"}


def table(ember, torch):
    ours = {(r.get("precision"), r.get("batching")): r for r in ember.get("throughput", [])
            if r.get("graphs") is True}
    theirs = {(m.get("precision"), m.get("batching")): m for m in torch.get("modes", [])
              if "compile" in m.get("mode", "")}
    lines = ["| precision | batching | Ember sentences/s | torch.compile sentences/s | ratio |"
             " target | met |", "|---|---|---:|---:|---:|---:|---|"]
    met_all = True
    for precision, target in TARGETS.items():
        for batching in BATCHINGS:
            e = ours.get((precision, batching), {}).get("sentencesPerSecond")
            t = theirs.get((precision, batching), {}).get("sentencesPerSecond")
            if e is None or t is None:
                met_all = False
                lines.append(f"| {precision} | {batching} | {fmt(e)} | {fmt(t)} | missing |"
                             f" {target} | no |")
                continue
            ratio = e / t
            met = ratio >= target
            met_all &= met
            lines.append(f"| {precision} | {batching} | {e:,.0f} | {t:,.0f} | {ratio:.2f} |"
                         f" {target} | {'yes' if met else 'no'} |")
    return lines, met_all


def nominal_peak(device):
    for part, peak in NOMINAL_PEAKS:
        if part in (device or ""):
            return peak
    return None


def gemm_table(ember, data, wgmma):
    """Per precision at 4096^3: the fastest agreeing route (what the tuner takes, cuBLAS
    included) and the fastest generated one (nvrtc tiles, and the wgmma GEMM from its own check),
    against the device's nominal dense peak (target: fp16 at 50 %) and against cuBLAS on 16-bit
    data in the same run."""
    def square(doc):
        return [r for r in doc.get("gemmTflops", []) if r.get("passed")
                and "tflops" in r and str(r.get("shape", "")).startswith("square")]

    ceiling = {r.get("gemm"): r.get("tflops") for r in square(data)
               if str(r.get("gemm", "")).startswith("cublas")}
    rows = square(ember) + square(wgmma) + [r for r in square(data)
                                            if not str(r.get("gemm", "")).startswith("cublas")]
    peak = nominal_peak(ember.get("probe", {}).get("name"))
    if not rows:
        return ["", "GEMM at 4096^3: missing from gpu-check.json"]
    lines = ["", "| GEMM at 4096^3 | fastest route | TFLOP/s | of nominal dense peak |"
             " fastest generated | TFLOP/s | cuBLAS on 16-bit data | generated / that |",
             "|---|---|---:|---:|---|---:|---:|---:|"]
    best_fp16 = None
    for precision in ("fp16", "bf16", "tf32", "fp32"):
        mine = [r for r in rows if f"-{precision}" in str(r.get("route", ""))]
        if not mine:
            continue
        best = max(mine, key=lambda r: r["tflops"])
        generated = [r for r in mine if not str(r.get("route")).startswith("cublas")]
        gen = max(generated, key=lambda r: r["tflops"]) if generated else None
        share = "n/a"
        if peak and precision != "fp32":
            share = f"{best['tflops'] / (peak / 2 if precision == 'tf32' else peak):.0%}"
        cub = ceiling.get(f"cublas-{precision}-data")
        ratio = f"{gen['tflops'] / cub:.2f}" if gen and cub else "n/a"
        lines.append(f"| {precision} | {best['route']} | {best['tflops']:.1f} | {share} |"
                     f" {gen['route'] if gen else 'none'} | {fmt1(gen and gen['tflops'])} |"
                     f" {fmt1(cub)} | {ratio} |")
        if precision == "fp16":
            best_fp16 = best["tflops"]
    if peak and best_fp16 is not None:
        met = best_fp16 >= GEMM_TARGET * peak
        lines.append(f"\nfp16 GEMM at 4096^3: {best_fp16:.1f} of a nominal {peak:.0f} TFLOP/s"
                     f" dense ({best_fp16 / peak:.0%}; target {GEMM_TARGET:.0%}):"
                     f" {'met' if met else 'not met'}")
    elif not peak:
        lines.append(f"\nNo nominal peak known for '{ember.get('probe', {}).get('name')}'")
    return lines


# A sweep route's tile, K per stage (absent: 32), stage count and "ws" where warp-specialised:
# "...-t128x256k64s3", "...-t128x128k64s4ws".
SWEEP_ROUTE = re.compile(r"-t(\d+)x(\d+)(?:k(\d+))?s(\d+)(ws)?$")


def stage_sweep(data):
    """TFLOP/s of the wgmma GEMM on fp16 data at 4096^3 per tile, K per stage (32, or 64 in the
    128-byte swizzle) and pipeline depth (3 to 8 stages: SixteenBitDataCheck's sweep; "ws" after
    a tile: warp-specialised), from which each tile's default depth is to be set; rows that
    disagreed with the fp32 kernel show as FAILED."""
    cells = {}
    for r in data.get("gemmTflops", []):
        match = SWEEP_ROUTE.search(str(r.get("route", "")))
        if r.get("gemm") != "wgmma-fp16-data-stages" or not str(r.get("shape", "")).startswith(
                "square") or "tflops" not in r or not match:
            continue
        m, n, k, stages = (int(g) if g else 32 for g in match.groups()[:4])
        tile = (m, n, k, match.group(5) is not None)
        cells[(tile, stages)] = f"{r['tflops']:.1f}" if r.get("passed") else "FAILED"
    if not cells:
        return []
    depths = sorted({d for _, d in cells})
    lines = ["", "wgmma on fp16 data at 4096^3 by pipeline stages (TFLOP/s):", "",
             "| tile | K a stage | " + " | ".join(f"{d} stages" for d in depths) + " |",
             "|---|---:|" + "---:|" * len(depths)]
    for tile in sorted({t for t, _ in cells}):
        lines.append(f"| {tile[0]}x{tile[1]}{' ws' if tile[3] else ''} | {tile[2]} | "
                     + " | ".join(cells.get((tile, d), "") for d in depths) + " |")
    return lines


def routes_taken(ember):
    """Per profiled variant, the GEMM routes its tuner took (how many shapes each) and the routes
    it refused for disagreeing with the fp32 kernel or failing: at fp32, whether the 3xTF32 routes
    won, and whether this device kept them within float32's tolerance."""
    lines = ["", "| profiled variant | GEMM routes taken (shapes) | refused (shapes) |",
             "|---|---|---|"]
    for row in ember.get("profile", []):
        text = row.get("gemmRoutes")
        if not text:
            continue
        try:
            entries = json.loads(text).get("routes", [])
        except ValueError as e:
            lines.append(f"| {row.get('precision')} | unreadable: {e} | |")
            continue
        taken = Counter(e.get("route") for e in entries)
        refused = Counter(name for e in entries for name in e.get("refused", {}))
        lines.append(f"| {row.get('precision')} | {counts(taken)} | {counts(refused) or 'none'} |")
    return lines if len(lines) > 3 else []


# Nsight Compute's details page: the metrics the tables show, by their display names.
NCU_METRICS = [("Compute (SM) Throughput", "SM %"), ("Memory Throughput", "memory %"),
               ("DRAM Throughput", "DRAM %"), ("Achieved Occupancy", "occupancy %"),
               ("Registers Per Thread", "registers")]
TO_MICROS = {"nsecond": 1e-3, "ns": 1e-3, "usecond": 1.0, "us": 1.0, "msecond": 1e3, "ms": 1e3,
             "second": 1e6, "s": 1e6}
# Kernels that serve a GEMM route's product: A's 16-bit copy before it, split-K's sums after it.
AUXILIARY = ("ember_half_rows", "ember_gemm_splitk_reduce", "ember_gemm_bias_fill",
             "ember_gemm_epilogue")


def ncu_kernels(path):
    """The kernels of an `ncu --csv --page details` export in profiling order: name, grid, block,
    duration in us and the NCU_METRICS values; None when the file is missing or has no table."""
    try:
        with open(path, newline="") as f:
            text = f.read().splitlines()
    except OSError:
        return None
    start = next((i for i, line in enumerate(text) if line.startswith('"ID"')), None)
    if start is None:
        return None
    kernels = {}
    for row in csv.DictReader(text[start:]):
        k = kernels.setdefault(row.get("ID"), {"name": row.get("Kernel Name", "?"),
                                               "grid": row.get("Grid Size", ""),
                                               "block": row.get("Block Size", ""),
                                               "metrics": {}})
        value = number(row.get("Metric Value"))
        name, unit = row.get("Metric Name"), row.get("Metric Unit", "")
        if name == "Duration" and value is not None and unit in TO_MICROS:
            k["micros"] = value * TO_MICROS[unit]
        elif value is not None:
            k["metrics"][name] = value
    return [kernels[i] for i in sorted(kernels, key=lambda i: int(number(i) or 0))]


def number(text):
    try:
        return float(str(text).replace(",", ""))
    except ValueError:
        return None


def ncu_section(out):
    """OUT/ncu, written by gpu-check's ncu_profile: its status, the GEMM routes of KernelProfile's
    gemm part (each route's kernels by launch order, TFLOP/s from ncu's durations, the product
    kernel's counters) and the first kernels of one fp16 MiniLM replay, named by their steps."""
    lines = ["", "## Hardware counters (Nsight Compute)", ""]
    try:
        with open(os.path.join(out, "ncu", "status")) as f:
            lines += [f"- {line.strip()}" for line in f if line.strip()]
    except OSError:
        return lines + ["Not run: no OUT/ncu/status."]
    head = " | ".join(label for _, label in NCU_METRICS)
    gemm = ncu_kernels(os.path.join(out, "ncu", "gemm-details.csv"))
    if gemm:
        routes = load(os.path.join(out, "ncu", "gemm", "gpu-check.json")).get("profiled", [])
        groups = route_kernels(gemm, len(routes))
        lines += ["", "GEMM routes at fp16, one launch each (the kernels a route launched are"
                  " summed; counters of its product kernel):", "",
                  f"| shape | route | kernels | us | TFLOP/s | {head} |",
                  "|---|---|---|---:|---:|" + "---:|" * len(NCU_METRICS)]
        if groups is None:
            lines.append(f"| | {len(gemm)} kernels do not pair with {len(routes)} routes: see"
                         " ncu/gemm-details.csv | | | |" + " |" * len(NCU_METRICS))
        else:
            for route, ks in zip(routes, groups):
                micros = sum(k.get("micros", 0.0) for k in ks)
                product = next(k for k in ks if not k["name"].startswith(AUXILIARY))
                tflops = route.get("flops", 0) / (micros * 1e-6) / 1e12 if micros else None
                lines.append(f"| {route.get('shape')} | {route.get('route')} | {len(ks)} |"
                             f" {fmt1(micros)} | {fmt1(tflops)} | {counters(product)} |")
    minilm = ncu_kernels(os.path.join(out, "ncu", "minilm-details.csv"))
    if minilm:
        steps = load(os.path.join(out, "ncu", "minilm", "gpu-check.json")).get("stepLabels", [])
        by_kernel = {}
        for label in steps:
            words = label.split(" ")
            if len(words) > 2 and words[1] == "kernel" and words[2].startswith("#"):
                by_kernel["k" + words[2][1:]] = label
        lines += ["", f"One fp16 MiniLM replay, its first {len(minilm)} kernels:", "",
                  f"| kernel | step | grid | block | us | {head} |",
                  "|---|---|---|---|---:|" + "---:|" * len(NCU_METRICS)]
        for k in minilm:
            step = by_kernel.get(k["name"], "")[:70].replace("|", "/")
            lines.append(f"| {k['name'][:60]} | {step} | {k['grid']} | {k['block']} |"
                         f" {fmt1(k.get('micros'))} | {counters(k)} |")
    return lines


def route_kernels(kernels, routes):
    """The profiled kernels split into one group per route, in order: each product kernel opens a
    group; an A copy joins the product after it, split-K's sums (and cuBLAS's own reduction) the
    product before it. None when that does not give one group per route."""
    groups, pending = [], []
    for k in kernels:
        name = k["name"]
        if name.startswith("ember_half_rows"):
            pending.append(k)
        elif name.startswith(AUXILIARY) or ("reduce" in name.lower() and groups and not pending):
            if not groups:
                return None
            groups[-1].append(k)
        else:
            groups.append(pending + [k])
            pending = []
    return groups if len(groups) == routes and not pending else None


def counters(kernel):
    return " | ".join(fmt1(kernel["metrics"].get(name)) for name, _ in NCU_METRICS)


def counts(counter):
    return ", ".join(f"{name} x{n}" for name, n in sorted(counter.items(), key=lambda kv: -kv[1]))


def fmt1(v):
    return "missing" if v is None else f"{v:.1f}"


def fmt(v):
    return "missing" if v is None else f"{v:,.0f}"


def main():
    out = sys.argv[-1]
    if sys.argv[1:-1] == ["--ncu-only"]:  # gpu-check profile: no check ran beside it
        lines = ["# Ember kernels under Nsight Compute, this run"] + ncu_section(out)
        write(out, lines)
        return 0
    ember = load(os.path.join(out, "gpu-check.json"))
    torch = load(os.path.join(out, "torch-reference.json"))
    lines = ["# Ember vs torch.compile, this run", ""]
    for name, doc in (("gpu-check", ember), ("torch-reference", torch)):
        if "error" in doc:
            lines.append(f"- {name}: {doc['error']}")
    lines.append(f"- device: {ember.get('probe', {}).get('name')}, torch {torch.get('torch')}")
    lines.append("")
    rows, met = table(ember, torch)
    lines += rows
    lines += ["", f"All ratio targets met: {'yes' if met else 'no'}. torch's host side (Python,"
              " Dynamo guards) varies with the machine's CPU from run to run; compare ratios"
              " within one run only."]
    data = load(os.path.join(out, "sixteen-bit", "gpu-check.json"))
    lines += gemm_table(ember, data, load(os.path.join(out, "wgmma-check", "gpu-check.json")))
    lines += stage_sweep(data)
    profile = {r.get("precision"): r for r in ember.get("profile", [])}
    fused = profile.get("fp16", {}).get("attentionPathMicros")
    unfused = profile.get("fp16, attention unfused", {}).get("attentionPathMicros")
    if fused and unfused:
        shape = profile.get("fp16", {}).get("shape")
        lines += ["", f"Attention path at fp16 ({shape} batch, per replay): fused {fused:.1f} us,"
                  f" unfused {unfused:.1f} us: {unfused / fused:.2f}x (target 5x)"]
        float32 = profile.get("fp16, attention fused in float32", {}).get("attentionPathMicros")
        if float32:
            lines += [f"The fused kernel in float32 on the CUDA cores: {float32:.1f} us"
                      f" ({unfused / float32:.2f}x unfused); on tensor cores it is"
                      f" {float32 / fused:.2f}x faster than that."]
    split = profile.get("fp32", {}).get("attentionPathMicros")
    float32 = profile.get("fp32, attention fused in float32", {}).get("attentionPathMicros")
    if split and float32:
        lines += ["", f"Attention path at fp32: 3xTF32 on tensor cores {split:.1f} us, float32 on"
                  f" the CUDA cores {float32:.1f} us: {float32 / split:.2f}x."]
    lines += routes_taken(ember)
    lines += ncu_section(out)
    write(out, lines)
    return 0


def write(out, lines):
    with open(os.path.join(out, "summary.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
