#!/usr/bin/env python3
"""Write bench/RESULTS.md from the raw outputs of bench/run (Python standard library only).

    python3 bench/make_results.py [--raw bench/results-raw] [--models bench/models] [--out bench/RESULTS.md]
                                  [--readme bench/README.md]

Reads, in --raw: jmh.json (the model benchmarks), jmh-peak.json (FmaPeakBench), checks.jsonl (each engine's output
checked against PyTorch before timing), torch.json (tools/torch_latency.py), run.json (mode, duration, load
average); and --models/manifest.json (FLOPs per run). Writes --json (bench/results.json: this run's ratios and
spreads) after comparing this run's ratios with the ones the previous run left there (section Reproducibility). With --readme, also replaces the block between
<!-- results:begin --> and <!-- results:end --> in that file with the headline rows.

Latency cells are "median ± spread" in ms: the median of every timed call of all forks, and the largest distance
of one measurement iteration's median from it (so the spread covers iteration-to-iteration and fork-to-fork
variation, not just the error of a mean).

Ratios are taken pass by pass: bench/run measures every case in several passes, the engines of a case back to back
in each, so each pass gives one ratio (median ÷ ORT's median) under the same conditions. A ratio cell is the mean of
the passes' ratios ± a 99% prediction interval for the mean of a rerun with as many passes (Student's t with n − 1
degrees of freedom × their standard deviation × √(2/n)); never less than the noise within one fork (the relative
range of a fork's iteration medians, the median over passes, summed for both engines). A pass in which either engine
ran more than DISTURBED × its own median over the passes is set aside (while at least half remain) and listed.
"""
import argparse
import datetime
import json
import math
import os
import platform
import re
import subprocess
import sys

# Sections other commands write into RESULTS.md between <!-- NAME:begin --> and <!-- NAME:end --> markers
# (bench/cold-start, bench/embed-throughput, bench/spark-throughput): carried over as they are.
SECTION = re.compile(r"<!-- ([a-z-]+):begin -->.*?<!-- \1:end -->", re.S)

ENGINE_ORDER = ["isthmus-default", "isthmus-java", "isthmus-onednn", "ort"]
ENGINE_TITLES = {"isthmus-default": "isthmus (default backend)", "isthmus-java": "isthmus-java",
                 "isthmus-onednn": "isthmus-onednn", "ort": "ONNX Runtime Java"}
BASELINE = "ort"
MODEL_ORDER = ["cnn", "gru", "encoder", "resnet50", "mobilenet_v2", "efficientnet_b0", "resnet18"]
MODEL_BENCH = {"SeedCnnBench": "cnn", "SeedGruBench": "gru", "EncoderBench": "encoder", "ResNet50Bench": "resnet50",
               "MobileNetV2Bench": "mobilenet_v2", "EfficientNetB0Bench": "efficientnet_b0",
               "ResNet18Bench": "resnet18"}
SHORT_TITLES = {"cnn": "seed CNN", "gru": "seed GRU (2×256, seq 50)", "encoder": "encoder (6×768, seq 128)",
                "resnet50": "ResNet-50", "mobilenet_v2": "MobileNetV2", "efficientnet_b0": "EfficientNet-B0",
                "resnet18": "ResNet-18"}
# Models made of depthwise convolutions between 1×1 ones: few FLOPs per byte, so the results say how close each
# engine gets to the memory bandwidth rather than only to the FMA peak.
DEPTHWISE = ["mobilenet_v2", "efficientnet_b0"]
AMD_FAMILIES = {23: "Zen / Zen 2", 25: "Zen 3 / Zen 4", 26: "Zen 5"}


def load_json(path, default=None):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def load_jsonl(path):
    out = []
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    out.append(json.loads(line))
    except OSError:
        pass
    return out


# ------------------------------------------------------------------------------------------------ machine facts

def cpu_info():
    info = {"model": platform.processor() or "unknown", "flags": set(), "logical": os.cpu_count() or 0}
    try:
        with open("/proc/cpuinfo") as f:
            text = f.read()
    except OSError:
        return info
    first = text.split("\n\n")[0]
    fields = {}
    for line in first.splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            fields[k.strip()] = v.strip()
    info["model"] = fields.get("model name", info["model"])
    info["flags"] = set(fields.get("flags", "").split())
    info["vendor"] = fields.get("vendor_id", "")
    try:
        info["family"] = int(fields.get("cpu family", ""))
        info["model_no"] = int(fields.get("model", ""))
    except ValueError:
        pass
    cores = set()
    phys = None
    for block in text.split("\n\n"):
        f = dict((k.strip(), v.strip()) for k, v in (ln.split(":", 1) for ln in block.splitlines() if ":" in ln))
        if "core id" in f:
            cores.add((f.get("physical id"), f["core id"]))
        phys = f.get("physical id", phys)
    info["cores"] = len(cores) or info["logical"]
    caches = {}
    base = "/sys/devices/system/cpu/cpu0/cache"
    try:
        for idx in sorted(os.listdir(base)):
            d = os.path.join(base, idx)
            try:
                level = open(os.path.join(d, "level")).read().strip()
                kind = open(os.path.join(d, "type")).read().strip()
                size = open(os.path.join(d, "size")).read().strip()
            except OSError:
                continue
            if kind in ("Data", "Unified"):
                caches["L" + level] = size
    except OSError:
        pass
    info["caches"] = caches
    return info


def java_version(java):
    if not java:
        return "unknown"
    try:
        r = subprocess.run([java, "-version"], stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, timeout=60)
        lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
        rt = next((ln for ln in lines if "Runtime Environment" in ln), "")
        m = re.search(r"\(build ([^)]*)\)", rt)
        vendor = rt.split(" Runtime Environment")[0] if rt else ""
        return f"{lines[0]}" + (f" ({vendor} {m.group(1)})" if m else "")
    except (OSError, subprocess.SubprocessError, IndexError):
        return "unknown"


# ------------------------------------------------------------------------------------------------ JMH results

class Cell:
    def __init__(self, median, spread, p90=None, samples=None):
        self.median = median
        self.spread = spread
        self.p90 = p90
        self.samples = samples


def hist_percentile(pairs, q):
    """The q-quantile (0..1) of samples given as (value, count) pairs."""
    pairs = sorted(pairs)
    total = sum(c for _, c in pairs)
    if total == 0:
        return None
    rank = q * (total - 1)
    seen = 0
    for v, c in pairs:
        seen += c
        if seen > rank:
            return v
    return pairs[-1][0]


def jmh_cells(entries):
    """(model, batch, threads, engine) -> Cell, from SampleTime results. A case measured in several entries (bench/run's
    passes, one fork each) is merged: median and p90 over all its timed calls, spread over all its iterations."""
    groups = {}
    for e in entries or []:
        cls = e["benchmark"].split(".")[-2]
        model = MODEL_BENCH.get(cls)
        if model is None:
            continue
        p = e["params"]
        groups.setdefault((model, int(p["batch"]), int(p["threads"]), p["engine"]), []).append(e)
    cells = {}
    for key, es in groups.items():
        pm = es[0]["primaryMetric"]
        unit = pm.get("scoreUnit", "ms/op")
        scale = {"ms/op": 1.0, "us/op": 1e-3, "ns/op": 1e-6, "s/op": 1e3}.get(unit, 1.0)
        pairs = [(v, c) for e in es for fork in e["primaryMetric"].get("rawDataHistogram", []) for it in fork
                 for v, c in it]
        if len(es) == 1 or not pairs:
            median = pm["scorePercentiles"]["50.0"]
            p90 = pm["scorePercentiles"].get("90.0")
        else:
            median = hist_percentile(pairs, 0.5)
            p90 = hist_percentile(pairs, 0.9)
        median *= scale
        iters = [v * scale for e in es for fork in e.get("secondaryMetrics", {}).get("p0.50", {}).get("rawData", [])
                 for v in fork]
        spread = max((abs(v - median) for v in iters), default=0.0)
        samples = sum(c for _, c in pairs)
        cells[key] = Cell(median, spread, p90 * scale if p90 is not None else None, samples)
    return cells


def fma_peak(entries):
    """bits -> best GFLOP/s of one core (best measurement iteration), and the median."""
    out = {}
    for e in entries or []:
        if not e["benchmark"].endswith("FmaPeakBench.fma"):
            continue
        bits = int(e["params"]["bits"])
        lanes = bits // 32
        raw = [v for fork in e["primaryMetric"].get("rawData", []) for v in fork]
        if not raw:
            continue
        raw.sort()
        out[bits] = {"best": max(raw) * lanes * 2, "median": raw[len(raw) // 2] * lanes * 2, "iterations": len(raw)}
    return out


def cache_bytes(size):
    """'1024K' / '32M' (sysfs) -> bytes; None when unreadable."""
    m = re.fullmatch(r"(\d+)([KMG]?)", size or "")
    return int(m.group(1)) * {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}[m.group(2)] if m else None


def bandwidth(entries, caches):
    """kind ("copy", "read") -> [(where, working set in bytes, best GB/s)], from MemoryBandwidthBench (average time
    per call, best iteration: the limit, as for the FMA peak). `where` is the smallest cache level that holds the
    working set (copy: both arrays), else "memory"."""
    levels = sorted((b, k) for k, b in ((k, cache_bytes(v)) for k, v in (caches or {}).items()) if b)
    out = {}
    for e in entries or []:
        kind = e["benchmark"].rsplit(".", 1)[-1]
        if ".MemoryBandwidthBench." not in e["benchmark"] or kind not in ("copy", "read"):
            continue
        pm = e["primaryMetric"]
        scale = {"ns/op": 1.0, "us/op": 1e3, "ms/op": 1e6}.get(pm.get("scoreUnit", "ns/op"), 1.0)
        raw = [v * scale for fork in pm.get("rawData", []) for v in fork]
        if not raw:
            continue
        array = int(e["params"]["kib"]) << 10
        moved = 2 * array if kind == "copy" else array   # bytes per call: copy reads one array and writes the other
        where = next((k for b, k in levels if moved <= b), "memory")
        out.setdefault(kind, []).append((where, moved, moved / min(raw)))
    for v in out.values():
        v.sort(key=lambda x: x[1])
    return out


def bound_level(traffic, bw, caches):
    """(where, GB/s): the copy bandwidth of the smallest measured level that holds the largest layer's working set
    (the last measured level when none does); (None, None) without measurements."""
    copy = bw.get("copy") or []
    if not copy:
        return None, None
    sizes = {k: cache_bytes(v) for k, v in (caches or {}).items()}
    for where, _, g in copy:
        if where in sizes and sizes[where] and traffic["largest_layer"] <= sizes[where]:
            return where, g
    return copy[-1][0], copy[-1][2]


def gemm_rows(entries):
    """size -> {"isthmus": GFLOP/s, "onednn": GFLOP/s} (1 thread), from GemmBench.square and OneDnnGemmBench."""
    out = {}
    for e in entries or []:
        name = e["benchmark"]
        p = e["params"]
        if name.endswith("GemmBench.square") and p.get("threads", "1") == "1":
            sec = e.get("secondaryMetrics", {}).get("gflop")
            if sec:
                out.setdefault(int(p["size"]), {})["isthmus"] = (sec["score"], sec.get("scoreError") or 0.0)
        elif name.endswith("OneDnnGemmBench.sgemm") and p.get("threads", "1") == "1":
            n = int(p["n"])
            pm = e["primaryMetric"]
            scale = {"ms/op": 1e-3, "us/op": 1e-6, "ns/op": 1e-9, "s/op": 1.0}.get(pm.get("scoreUnit", "ms/op"), 1e-3)
            t = pm["score"] * scale
            err = (pm.get("scoreError") or 0.0) * scale
            g = 2.0 * n ** 3 / t / 1e9
            out.setdefault(n, {})["onednn"] = (g, g * err / t if t > 0 and err == err else 0.0)
    return out


# ------------------------------------------------------------------------------------------------ formatting

def decimals(v):
    return 0 if v >= 100 else 1 if v >= 10 else 2 if v >= 1 else 3


def fmt_ms(v, like=None):
    """v in ms, with 3 significant digits (or as many decimals as `like` gets)."""
    if v is None:
        return "—"
    return f"{v:.{decimals(v if like is None else like)}f}"


def fmt_cell(c):
    d = decimals(c.median)
    if 0 < c.spread < 0.5 * 10 ** -d:  # show the spread's first digit rather than ± 0.000
        d = min(5, max(d, -int(math.floor(math.log10(c.spread)))))
    return f"{c.median:.{d}f} ± {c.spread:.{d}f}"


def fmt_size(s):
    m = re.fullmatch(r"(\d+)K", s)
    if not m:
        return s
    k = int(m.group(1))
    return f"{k // 1024} MiB" if k % 1024 == 0 else f"{k} KiB"


def ratio_of(a, b):
    """(ratio, spread): a ÷ b with the sum of both relative spreads."""
    r = a.median / b.median
    rel = (a.spread / a.median if a.median else 0) + (b.spread / b.median if b.median else 0)
    return r, r * rel


# Student's t, two-sided 99% (the 0.995 quantile), by degrees of freedom
T995 = {1: 63.657, 2: 9.925, 3: 5.841, 4: 4.604, 5: 4.032, 6: 3.707, 7: 3.499, 8: 3.355, 9: 3.250, 10: 3.169,
        12: 3.055, 15: 2.947, 20: 2.845, 30: 2.750, 60: 2.660}


def t995(df):
    """The 0.995 quantile of Student's t for df degrees of freedom (the next smaller tabulated df: conservative)."""
    return T995[max(k for k in T995 if k <= df)] if df < 120 else 2.576


def pass_medians(entries):
    """(model, batch, threads, engine) -> {pass: (median ms, relative range of its iteration medians)} from the
    entries bench/run tagged with their pass (isthmusPass)."""
    out = {}
    for e in entries or []:
        model = MODEL_BENCH.get(e["benchmark"].split(".")[-2])
        if model is None or "isthmusPass" not in e:
            continue
        p = e["params"]
        pm = e["primaryMetric"]
        scale = {"ms/op": 1.0, "us/op": 1e-3, "ns/op": 1e-6, "s/op": 1e3}.get(pm.get("scoreUnit", "ms/op"), 1.0)
        med = pm["scorePercentiles"]["50.0"]
        iters = [v for fork in e.get("secondaryMetrics", {}).get("p0.50", {}).get("rawData", []) for v in fork]
        rel = (max(iters) - min(iters)) / med if iters and med else 0.0
        out.setdefault((model, int(p["batch"]), int(p["threads"]), p["engine"]), {})[e["isthmusPass"]] = \
            (med * scale, rel)
    return out


class Ratio:
    """A ratio to the baseline: the mean of the passes' ratios ± the spread (see the module's docstring); per_pass
    holds every pass's ratio, set_aside the passes left out as disturbed."""

    def __init__(self, value, spread, per_pass, method, set_aside=()):
        self.value = value
        self.spread = spread
        self.per_pass = per_pass
        self.method = method
        self.set_aside = list(set_aside)


# A pass in which either engine of a ratio ran this much slower than its own median over the passes is set aside as
# disturbed. On this shared 2-core VM, other tenants now and then take a core for a while: a two-thread fork of ONNX
# Runtime then runs 30-75% slower (seed GRU at batch 1: 0.58 → 1.0 ms) while ours barely moves, and one such pass
# in eight swung the mean of the ratios by 0.06-0.18 from run to run. The fork-to-fork variation of an undisturbed
# engine here stays within ±10%.
DISTURBED = 1.25


def disturbed_passes(a_passes, b_passes, common):
    """The passes of `common` in which a's or b's median exceeds DISTURBED × that engine's median over `common`."""
    def med(v):
        v = sorted(v)
        return (v[(len(v) - 1) // 2] + v[len(v) // 2]) / 2
    ma = med([a_passes[p][0] for p in common])
    mb = med([b_passes[p][0] for p in common])
    return [p for p in common if a_passes[p][0] > DISTURBED * ma or b_passes[p][0] > DISTURBED * mb]


def ratio_cell(a, b, a_passes, b_passes):
    """The Ratio of cell a to baseline cell b, from the passes that measured both (pooled medians without passes),
    disturbed passes set aside when at least half of them remain."""
    common = sorted(set(a_passes or {}) & set(b_passes or {}))
    all_rs = [a_passes[p][0] / b_passes[p][0] for p in common]
    if len(all_rs) < 2:
        pooled, pooled_spread = ratio_of(a, b)
        return Ratio(pooled, pooled_spread, all_rs, "pooled")
    aside = disturbed_passes(a_passes, b_passes, common)
    if 2 * len(aside) > len(common) or len(common) - len(aside) < 2:
        aside = []
    common = [p for p in common if p not in aside]
    rs = [a_passes[p][0] / b_passes[p][0] for p in common]
    n = len(rs)
    mean = sum(rs) / n
    sd = math.sqrt(sum((r - mean) ** 2 for r in rs) / (n - 1))
    pi = t995(n - 1) * sd * math.sqrt(2 / n)
    # floor: the noise within one fork (the median over passes of each engine's relative iteration-to-iteration
    # range), which no run can resolve below
    def within(ps):
        v = sorted(ps[p][1] for p in common)
        return v[len(v) // 2]
    floor = mean * (within(a_passes) + within(b_passes))
    return Ratio(mean, max(pi, floor), all_rs, "passes", aside)


def ratio_digits(r):
    return 2 if r < 10 else 1 if r < 100 else 0


def fmt_ratio(q):
    d = ratio_digits(q.value)
    return f"{q.value:.{d}f} ± {q.spread:.{d}f}"


def git_commit(root):  # also run as `make_results.py --commit` by bench/run when it starts
    """The checkout's commit (short hash), with "+changes" when the working tree differs from it; None outside git."""
    try:
        head = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
        # the command's own outputs don't count as changes
        dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "--untracked-files=no", "--", ".",
                                ":!bench/RESULTS.md", ":!bench/results.json", ":!bench/README.md", ":!README.md"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return head + ("+changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def reproducibility(prev, ratios, commit):
    """Markdown lines comparing this run's ratios with the previous run's (bench/results.json before this run).

    A ratio reproduces when this run's value lies within the previous run's ratio ± the spread it reported.
    """
    L = ["## Reproducibility", ""]
    if not prev or not prev.get("ratios"):
        L += ["No previous run to compare with (bench/results.json was missing): rerun the command to get this "
              "section.", ""]
        return L, None
    old = {(r["model"], r["batch"], r["threads"], r["engine"]): r for r in prev["ratios"]}
    when = prev.get("date", "?")
    pc = prev.get("commit")
    L.append(f"Each ratio of this run (code {commit or '?'}) against the previous run of the command (`bench/run "
             f"{prev.get('mode', '?')}`, {when}, code {pc or '?'}): it reproduces when this run's ratio lies within "
             "the previous ratio ± the spread that run reported."
             + (" **The code differed between the two runs**, so a difference may be a change rather than noise."
                if pc != commit or (commit or "").endswith("+changes") else ""))
    L.append("")
    L.append("| model | batch | threads | engine | previous run | this run | difference | within the previous spread |")
    L.append("|---|---|---|---|--:|--:|--:|---|")
    n = ok = 0
    for r in ratios:
        o = old.get((r["model"], r["batch"], r["threads"], r["engine"]))
        if o is None:
            continue
        n += 1
        diff = r["ratio"] - o["ratio"]
        within = abs(diff) <= o["spread"] + 1e-12
        ok += within
        d = ratio_digits(max(r["ratio"], o["ratio"]))
        L.append(f"| {SHORT_TITLES.get(r['model'], r['model'])} | {r['batch']} | {r['threads']} | "
                 f"{ENGINE_TITLES.get(r['engine'], r['engine'])} / ORT | {o['ratio']:.{d}f} ± {o['spread']:.{d}f} | "
                 f"{r['ratio']:.{d}f} ± {r['spread']:.{d}f} | {diff:+.{d}f} | {'yes' if within else '**no**'} |")
    L.append("")
    if n:
        L.append(f"{ok} of {n} ratios reproduce.")
    else:
        L.append("The previous run measured none of this run's ratios.")
    L.append("")
    return L, (ok, n)


def engine_order(engines):
    known = [e for e in ENGINE_ORDER if e in engines]
    return known + sorted(e for e in engines if e not in ENGINE_ORDER)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--raw", default=os.path.join(here, "results-raw"))
    ap.add_argument("--models", default=os.path.join(here, "models"))
    ap.add_argument("--out", default=os.path.join(here, "RESULTS.md"))
    ap.add_argument("--readme", default=None)
    ap.add_argument("--commit", action="store_true", help="print the checkout's commit (as recorded in run.json) and exit")
    ap.add_argument("--json", default=os.path.join(here, "results.json"),
                    help="machine-readable ratios of this run; the previous file's are compared with (Reproducibility)")
    args = ap.parse_args()
    if args.commit:
        print(git_commit(os.path.dirname(here)) or "")
        return
    previous = load_json(args.json)

    jmh = load_json(os.path.join(args.raw, "jmh.json"), [])
    peak_entries = load_json(os.path.join(args.raw, "jmh-peak.json"), [])
    gemm = gemm_rows(load_json(os.path.join(args.raw, "jmh-gemm.json"), []))
    bandwidth_entries = load_json(os.path.join(args.raw, "jmh-bandwidth.json"), [])
    checks = load_jsonl(os.path.join(args.raw, "checks.jsonl"))
    torch = load_json(os.path.join(args.raw, "torch.json"))
    run = load_json(os.path.join(args.raw, "run.json"), {})
    manifest = load_json(os.path.join(args.models, "manifest.json"), {"models": {}})

    cells = jmh_cells(jmh)
    by_pass = pass_medians(jmh)
    peak = fma_peak(peak_entries)
    cpu = cpu_info()
    bw = bandwidth(bandwidth_entries, cpu.get("caches"))
    torch_cells = {}
    if torch:
        for r in torch.get("results", []):
            torch_cells[(r["model"], r["batch"], r["threads"])] = Cell(r["median_ms"], r["error_ms"], r.get("p90_ms"),
                                                                       r.get("runs"))
    check_of = {}
    for c in checks:
        key = (c["model"], c["batch"], c["threads"], c["engine"])
        prev = check_of.get(key)
        if prev is None or (prev["ok"] and not c["ok"]) or c["max_abs_diff"] > prev["max_abs_diff"]:
            check_of[key] = c

    engines = engine_order({k[3] for k in cells} | {k[3] for k in check_of})
    rows = sorted({k[:3] for k in cells} | {k[:3] for k in check_of} | set(torch_cells),
                  key=lambda r: (MODEL_ORDER.index(r[0]) if r[0] in MODEL_ORDER else 99, r[1], r[2]))
    ratio_engines = [e for e in engines if e != BASELINE] if BASELINE in engines else []
    peak_bits = max(peak) if peak else None
    peak_core = peak[peak_bits]["best"] if peak_bits else None

    def flops(model, batch):
        c = manifest.get("models", {}).get(model, {}).get("cases", {}).get(str(batch))
        return c.get("flops") if c else None

    def traffic(model, batch):
        c = manifest.get("models", {}).get(model, {}).get("cases", {}).get(str(batch))
        return c.get("bytes_moved") if c else None

    def engine_cell(key):
        c = cells.get(key)
        if c is not None:
            return fmt_cell(c)
        chk = check_of.get(key)
        if chk is not None and not chk["ok"]:
            d = chk["max_abs_diff"]
            return "✗ wrong output" + (f" (max diff {d:.2g})" if d >= 0 else " (shape/NaN)")
        if chk is not None:
            return "✗ failed (jmh.log)"
        return "✗ not run"

    L = []
    mode = run.get("mode", "?")
    started = run.get("started")
    when = (datetime.datetime.fromtimestamp(int(started), datetime.timezone.utc) if started
            else datetime.datetime.now(datetime.timezone.utc))
    secs = int(run.get("seconds", 0) or 0)
    L.append("# Peer benchmarks: isthmus vs ONNX Runtime Java vs PyTorch")
    L.append("")
    L.append(f"Generated by `bench/run {mode}` on {when:%Y-%m-%d %H:%M} UTC (the whole command took "
             f"{secs // 60} min {secs % 60} s). Do not edit by hand: rerun the command. How everything is measured, "
             "and why: [README.md](README.md).")
    L.append("")

    # ---- machine
    L.append("## Machine")
    L.append("")
    fam = cpu.get("family")
    arch = ""
    if cpu.get("vendor") == "AuthenticAMD" and fam in AMD_FAMILIES:
        arch = f", {AMD_FAMILIES[fam]}"
    cache = ", ".join(f"{k} {fmt_size(v)}" for k, v in sorted(cpu.get("caches", {}).items()))
    isa = [f for f in ("avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16", "amx_tile",
                       "asimd", "sve") if f in cpu["flags"]]
    L.append("| | |")
    L.append("|---|---|")
    L.append(f"| CPU | {cpu['model']} (family {fam}, model {cpu.get('model_no')}{arch}); {cpu.get('cores')} cores, "
             f"{cpu['logical']} logical CPUs; caches (per core; L3 shared): {cache} |")
    L.append(f"| ISA | {' '.join(isa) or 'no AVX2'} |")
    if peak:
        parts = [f"{peak[b]['best']:.0f} GFLOP/s at {b} bits" for b in sorted(peak)]
        L.append(f"| FP32 FMA peak, 1 core | **{peak_core:.0f} GFLOP/s** measured ({'; '.join(parts)}: best of "
                 f"{peak[peak_bits]['iterations']} one-second iterations of `FmaPeakBench`, 12 independent vector FMA "
                 "chains in registers). The % of peak below is against this × threads. |")
    else:
        L.append("| FP32 FMA peak, 1 core | not measured (FmaPeakBench failed; see results-raw/jmh-peak.log) |")
    if bw:
        parts = []
        for kind, what in (("copy", "copy (read + write)"), ("read", "read")):
            if bw.get(kind):
                parts.append(f"{what}: " + ", ".join(f"{g:.0f} in {where} ({moved / 2 ** 20:.3g} MiB)"
                                                     for where, moved, g in bw[kind]))
        L.append(f"| Memory bandwidth, 1 core | GB/s, {'; '.join(parts)}: best one-second iteration of "
                 "`MemoryBandwidthBench` (Vector API loads and stores at the preferred width; in brackets the bytes "
                 "one call moves) |")
    L.append(f"| JDK | {java_version(run.get('java'))} |")
    ort_cfg = next((c["engine_config"] for c in checks if c["engine"] == "ort"), None)
    if ort_cfg:
        L.append(f"| ONNX Runtime | {ort_cfg.split(',')[0]} (Maven Central jar, CPU execution provider) |")
    if torch:
        L.append(f"| PyTorch | {torch.get('torch')} (Debian), BLAS: {torch.get('blas', '?')} |")
    else:
        L.append("| PyTorch | not measured (not installed, or skipped) |")
    lb, la = run.get("load_before"), run.get("load_after")
    if lb:
        busy = max(float(lb.split()[0]), float((la or lb).split()[0]))
        note = ""
        if busy > 0.5:
            note = (" — **other processes were running**: the machine was shared during the run, so the spreads are "
                    "wide and 2-thread rows suffer most (each of our threads competes for a core)")
        L.append(f"| Load average (1/5/15 min) | before {lb}; after {la}{note} |")
    L.append("")

    # ---- latency
    L.append("## Latency")
    L.append("")
    L.append("Median ± spread in ms (lower is better); the ratio is isthmus ÷ ONNX Runtime (below 1: isthmus is faster): "
             "the mean of the passes' ratios (in each pass the engines of a case run back to back) ± a 99% prediction "
             "interval for a rerun's ratio (see [README.md](README.md#statistics)). \"k/n set aside\": k of the n "
             f"passes left out as disturbed, because one of the two engines ran more than {DISTURBED:.2f}× slower than "
             "its own median over the passes (another tenant had a core). "
             "Same weights and the same input for every engine; every engine's output was checked against PyTorch "
             "before it was timed (see *Correctness*).")
    L.append("")
    head = ["model", "batch", "threads"] + [ENGINE_TITLES.get(e, e) for e in engines]
    head += [f"{e} / ORT" for e in ratio_engines]
    head += ["PyTorch"]
    L.append("| " + " | ".join(head) + " |")
    L.append("|" + "|".join(["---"] * 3 + ["--:"] * (len(head) - 3)) + "|")
    headline = []
    ratios = []
    for (model, batch, threads) in rows:
        r = [SHORT_TITLES.get(model, model), str(batch), str(threads)]
        r += [engine_cell((model, batch, threads, e)) for e in engines]
        for e in ratio_engines:
            ka, kb = (model, batch, threads, e), (model, batch, threads, BASELINE)
            a, b = cells.get(ka), cells.get(kb)
            q = ratio_cell(a, b, by_pass.get(ka), by_pass.get(kb)) if a and b else None
            r.append((f"**{fmt_ratio(q)}**" + (f" ({len(q.set_aside)}/{len(q.per_pass)} set aside)" if q.set_aside else ""))
                     if q else "—")
            if q:
                ratios.append({"model": model, "batch": batch, "threads": threads, "engine": e, "ratio": q.value,
                               "spread": q.spread, "per_pass": [round(x, 4) for x in q.per_pass],
                               "spread_method": q.method, "set_aside": q.set_aside, "median_ms": a.median,
                               "baseline_median_ms": b.median})
        tc = torch_cells.get((model, batch, threads))
        r.append(fmt_cell(tc) if tc else "— (no PyTorch)")
        L.append("| " + " | ".join(r) + " |")
        if threads == 1:
            headline.append(r)
    L.append("")

    # ---- throughput
    L.append("## Throughput and % of peak")
    L.append("")
    L.append("GFLOP/s = the model's multiply-add FLOPs per run (2 per MAC: convolutions, linear layers, GRU matrix "
             "products, attention products; activations and norms not counted) ÷ the median latency; in brackets the "
             "share of the FMA peak of the cores used (threads × the 1-core peak above).")
    L.append("")
    head = ["model", "batch", "threads", "GFLOP per run"] + [ENGINE_TITLES.get(e, e) for e in engines] + ["PyTorch"]
    L.append("| " + " | ".join(head) + " |")
    L.append("|" + "|".join(["---"] * 3 + ["--:"] * (len(head) - 3)) + "|")
    for (model, batch, threads) in rows:
        fl = flops(model, batch)
        r = [SHORT_TITLES.get(model, model), str(batch), str(threads), f"{fl / 1e9:.3g}" if fl else "?"]

        def gf(c):
            if not c or not fl:
                return "—"
            g = fl / (c.median * 1e-3) / 1e9
            s = f"{g:.1f}" if g < 100 else f"{g:.0f}"
            if peak_core:
                s += f" ({100 * g / (peak_core * threads):.0f}%)"
            return s
        r += [gf(cells.get((model, batch, threads, e))) for e in engines]
        r.append(gf(torch_cells.get((model, batch, threads))))
        if model == "encoder":
            r = [f"**{x}**" if i >= 4 and x != "—" else x for i, x in enumerate(r)]
        L.append("| " + " | ".join(r) + " |")
    L.append("")

    # ---- memory traffic
    traffic_notes = []
    traffic_rows = [(m, b, t) for (m, b, t) in rows if t == 1 and traffic(m, b)]
    if traffic_rows:
        L.append("## Memory traffic (torchvision models, 1 thread)")
        L.append("")
        copy = {where: g for where, _, g in bw.get("copy", [])}
        L.append("Bytes per run: the least an engine that folds BatchNorm and the activations into the convolutions "
                 "must move, counted layer by layer by `tools/export_models.py` (`memory_traffic`): every "
                 "convolution and linear layer reads its input and its weights and writes its output, a residual "
                 "add reads the skip tensor once more, a pool reads its input and writes its output, a "
                 "squeeze-and-excitation multiply reads and writes its tensor once more; float32, so 4 bytes a "
                 "value, and data reused within a layer counted once. The bound is that traffic at the copy "
                 "bandwidth of one core (above) from the memory level that holds the largest layer's working set "
                 "(its input, output and weights); an engine's GB/s is the traffic ÷ its median latency, in "
                 "brackets its share of that bandwidth (100% = as fast as moving the bytes allows). For comparison, "
                 "the time the model's FLOPs take at the FMA peak of one core: a model whose FLOPs take longer than "
                 "its bytes is not bound by the bandwidth as a whole, though its depthwise layers (about 2 FLOPs a "
                 "byte) may be.")
        L.append("")
        if not copy:
            L.append("(No bandwidth measured: `MemoryBandwidthBench` did not run; see results-raw/jmh-bandwidth.log.)")
            L.append("")
        head = ["model", "batch", "MB per run (weights + activations)", "largest layer (MB)", "bandwidth bound (ms)",
                "FLOPs at the FMA peak (ms)"]
        head += [ENGINE_TITLES.get(e, e) for e in engines] + ["PyTorch"]
        L.append("| " + " | ".join(head) + " |")
        L.append("|---|---|" + "--:|" * (len(head) - 2))
        for (model, batch, threads) in traffic_rows:
            t = traffic(model, batch)
            where, limit = bound_level(t, bw, cpu.get("caches"))
            bound = f"{t['total'] / (limit * 1e9) * 1e3:.2f} (at {limit:.0f} GB/s, {where})" if limit else "—"

            def achieved(c):
                if not c:
                    return "—"
                g = t["total"] / (c.median * 1e-3) / 1e9
                return f"{g:.1f}" + (f" ({100 * g / limit:.0f}%)" if limit else "")
            cols = {e: cells.get((model, batch, threads, e)) for e in engines}
            fl = flops(model, batch)
            fma_ms = fl / (peak_core * 1e9) * 1e3 if fl and peak_core else None
            r = [SHORT_TITLES.get(model, model), str(batch),
                 f"{t['total'] / 1e6:.1f} ({t['weights'] / 1e6:.1f} + {t['activations'] / 1e6:.1f})",
                 f"{t['largest_layer'] / 1e6:.1f}", bound, f"{fma_ms:.2f}" if fma_ms else "—"]
            r += [achieved(cols[e]) for e in engines] + [achieved(torch_cells.get((model, batch, threads)))]
            L.append("| " + " | ".join(r) + " |")
            if model in DEPTHWISE and limit:
                parts = [f"{ENGINE_TITLES.get(e, e)} {cols[e].median:.{decimals(cols[e].median)}f} ms: "
                         f"{100 * t['total'] / (cols[e].median * 1e-3) / (limit * 1e9):.0f}%"
                         for e in engines if cols[e]]
                traffic_notes.append(
                    f"{SHORT_TITLES.get(model, model)} (depthwise) moves at least {t['total'] / 1e6:.0f} MB per "
                    f"image ({t['activations'] / 1e6:.0f} MB of activations, {t['weights'] / 1e6:.0f} MB of weights): "
                    f"{t['total'] / (limit * 1e9) * 1e3:.2f} ms at the {limit:.0f} GB/s one core copies in {where}"
                    + (f" (its FLOPs: {fma_ms:.2f} ms at the FMA peak)" if fma_ms else "")
                    + "; share of that bandwidth bound reached: " + ", ".join(parts) + ".")
        L.append("")
        for n in traffic_notes:
            L.append(f"- {n}")
        if traffic_notes:
            L.append("")

    # ---- GEMM
    L.append("## GEMM (F32, C = A·B, m = n = k, 1 thread)")
    L.append("")
    L.append("isthmus's packed Vector API GEMM (`bench/.../kernels/GemmBench`) against oneDNN's `dnnl_sgemm` "
             "(`bench/.../onednn/OneDnnGemmBench`); GFLOP/s = 2·n³ ÷ time, ± JMH's 99.9% error; in brackets the share "
             "of the 1-core FMA peak above.")
    L.append("")
    L.append("| n | isthmus (GFLOP/s) | oneDNN dnnl_sgemm (GFLOP/s) | isthmus / oneDNN |")
    L.append("|--:|--:|--:|--:|")
    for n in sorted(gemm):
        row = gemm[n]

        def g(v):
            if not v:
                return "✗ not run"
            s = f"{v[0]:.0f} ± {v[1]:.0f}"
            if peak_core:
                s += f" ({100 * v[0] / peak_core:.0f}%)"
            return s
        ratio = f"{row['isthmus'][0] / row['onednn'][0]:.2f}" if row.get("isthmus") and row.get("onednn") else "—"
        L.append(f"| {n} | {g(row.get('isthmus'))} | {g(row.get('onednn'))} | {ratio} |")
    if not gemm:
        L.append("| — | ✗ not run | ✗ not run | — |")
    L.append("")

    # ---- correctness
    L.append("## Correctness")
    L.append("")
    scales = [c.get("max_abs_output") for m in manifest.get("models", {}).values()
              for c in m.get("cases", {}).values() if c.get("max_abs_output")]
    L.append("Max |output − PyTorch's float64 answer| over all outputs on the sample input, worst over the thread "
             "counts; an engine above the gate, 1e-4 × max(1, max |expected output|), is not timed (the gate follows "
             "the outputs' scale" + (f", from {min(scales):.2g} to {max(scales):.2g} here" if scales else "")
             + "). The last column is PyTorch's own float32 run.")
    L.append("")
    case_rows = sorted({(k[0], k[1]) for k in check_of} | {(k[0], k[1]) for k in torch_cells},
                       key=lambda r: (MODEL_ORDER.index(r[0]) if r[0] in MODEL_ORDER else 99, r[1]))
    L.append("| model | batch | gate | " + " | ".join(ENGINE_TITLES.get(e, e) for e in engines)
             + " | PyTorch float32 |")
    L.append("|---|---|--:|" + "--:|" * (len(engines) + 1))
    for model, batch in case_rows:
        gates = [c["tolerance"] for k, c in check_of.items() if k[0] == model and k[1] == batch and "tolerance" in c]
        r = [SHORT_TITLES.get(model, model), str(batch), f"{max(gates):.1e}" if gates else "—"]
        for e in engines:
            cs = [c for k, c in check_of.items() if k[0] == model and k[1] == batch and k[3] == e]
            if not cs:
                r.append("—")
                continue
            bad = [c for c in cs if not c["ok"]]
            d = max(c["max_abs_diff"] for c in cs)
            r.append(("✗ " if bad else "") + (f"{d:.1e}" if d >= 0 else "shape/NaN"))
        td = [t["max_abs_diff"] for t in (torch or {}).get("results", []) if t["model"] == model and t["batch"] == batch]
        r.append(f"{max(td):.1e}" if td else "—")
        L.append("| " + " | ".join(r) + " |")
    L.append("")

    # ---- settings
    L.append("## Settings of this run")
    L.append("")
    if jmh:
        e0 = jmh[0]
        passes = int(run.get("passes", 1) or 1)
        extra = int(run.get("extra_passes", 0) or 0)
        vision = int(run.get("vision_passes", passes) or passes)
        measured_models = {MODEL_BENCH.get(e["benchmark"].split(".")[-2]) for e in jmh}
        has_vision = bool(measured_models & {m for m in MODEL_ORDER if m not in ("cnn", "gru", "encoder")})
        forks = (f"{passes} passes over the whole suite, {e0.get('forks')} fork per case each (a case's forks are "
                 "minutes apart)" if passes > 1 else f"{e0.get('forks')} fork(s) per case")
        if has_vision and vision != passes:
            forks += f"; the torchvision models in the first {vision} passes only"
        if extra and any(int(e["params"]["threads"]) > 1 for e in jmh):
            forks += (f", and {extra} more passes over the cases on more than one thread (bimodal on a shared "
                      "machine: more forks show both modes in the spread)")
        kinds = sorted({(e.get("warmupIterations"), e.get("warmupTime"), e.get("measurementIterations"),
                         e.get("measurementTime")) for e in jmh}, key=str)
        timing = "; ".join(f"{w} × {wt} warm-up, {m} × {mt} measured" for w, wt, m, mt in kinds)
        L.append(f"- JMH {e0.get('jmhVersion')}, sample-time mode (every call timed): {forks}; {timing}"
                 + (" (by case, as in the options below)" if len(kinds) > 1 else "") + "; fork JVM flags "
                 f"`{' '.join(a for a in e0.get('jvmArgs', []) if not a.startswith('-Disthmus'))}`; "
                 f"command-line options `{run.get('jmh_options', '?').strip()}`.")
    engines_cfg = {}
    for c in checks:
        engines_cfg.setdefault(c["engine"], set()).add(re.sub(r"\d+ thread\(s\)|intra-op \d+", "T threads",
                                                              c["engine_config"]))
    for e in engines:
        if e in engines_cfg:
            L.append(f"- {ENGINE_TITLES.get(e, e)}: {'; '.join(sorted(engines_cfg[e]))}.")
    if torch:
        s = torch.get("settings", {})
        L.append(f"- PyTorch: eval mode, `torch.inference_mode()`, OPENBLAS_NUM_THREADS = OMP_NUM_THREADS = "
                 f"`torch.set_num_threads` = threads, in a fresh process per thread count; warm-up ≥ "
                 f"{s.get('warmup_runs')} calls and {s.get('warmup_seconds')} s, then ≥ {s.get('min_runs')} calls and "
                 f"{s.get('min_seconds')} s timed; spread = largest distance of the median of one fifth of the calls "
                 f"from the median. OpenBLAS kernels: {torch.get('blas_coretype', 'auto')}"
                 + (f" (the environment's OPENBLAS_CORETYPE={torch['inherited_openblas_coretype']} was dropped for "
                    "this)" if torch.get("inherited_openblas_coretype") and torch.get("blas_coretype") == "auto"
                    else "") + ".")
    models = manifest.get("models", {})
    if models:
        L.append(f"- Models: `tools/export_models.py`, seed {manifest.get('seed')}, PyTorch {manifest.get('torch')}; "
                 + "; ".join(f"{m.get('title', k)}: {m.get('params', 0) / 1e6:.2f} M parameters"
                             for k, m in models.items()) + ".")
    L.append("")
    commit = run.get("commit") or git_commit(os.path.dirname(here))
    repro, counts = reproducibility(previous, ratios, commit)
    L += repro
    text = "\n".join(L).rstrip() + "\n"
    # the sections of separate commands (bench/cold-start, bench/embed-throughput): carried over as they are
    if os.path.isfile(args.out):
        for m in SECTION.finditer(open(args.out).read()):
            text += "\n" + m.group(0) + "\n"
    with open(args.out, "w") as f:
        f.write(text)
    with open(args.json, "w") as f:
        json.dump({"mode": mode, "date": f"{when:%Y-%m-%d %H:%M} UTC", "commit": commit, "ratios": ratios}, f,
                  indent=1)
        f.write("\n")

    if args.readme and os.path.isfile(args.readme):
        with open(args.readme) as f:
            readme = f.read()
        b, e = "<!-- results:begin -->", "<!-- results:end -->"
        if b in readme and e in readme:
            block = [b, "", f"`bench/run {mode}`, {when:%Y-%m-%d}, 1 thread, median ms "
                     f"([all rows, 2 threads, GFLOP/s and % of peak](RESULTS.md)):", ""]
            hh = ["model", "batch"] + [ENGINE_TITLES.get(x, x) for x in engines]
            hh += [f"{x} / ORT" for x in ratio_engines] + ["PyTorch"]
            block.append("| " + " | ".join(hh) + " |")
            block.append("|" + "|".join(["---"] * 2 + ["--:"] * (len(hh) - 2)) + "|")
            for r in headline:
                block.append("| " + " | ".join([r[0], r[1]] + r[3:]) + " |")
            if traffic_notes:
                block += ["", "Against the memory bandwidth ([how counted]"
                          "(RESULTS.md#memory-traffic-torchvision-models-1-thread)):", ""]
                block += [f"- {n}" for n in traffic_notes]
            block += ["", e]
            new = readme[:readme.index(b)] + "\n".join(block) + readme[readme.index(e) + len(e):]
            with open(args.readme, "w") as f:
                f.write(new)
    print(f"make_results: wrote {args.out} ({len(rows)} rows, engines {', '.join(engines) or 'none'})"
          + (f"; {counts[0]} of {counts[1]} ratios reproduce the previous run's" if counts else ""), file=sys.stderr)


if __name__ == "__main__":
    main()
