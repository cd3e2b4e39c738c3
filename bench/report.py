#!/usr/bin/env python3
"""bench/report.py — turns bench/run.sh's results.jsonl into the report
(docs/benchmarks.md in a full run) and the PNG plots (gnuplot).

Every number in the report comes from the one results file of one run; the
hand-written parts (bench/notes.md: method and profile analysis) are
included as they are.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

DURABLE_PEERS = ["rabbitmq", "nats-js", "mqtt"]
TRANSIENT_PEERS = ["nats", "mqtt0"]
DURABLE_LIMIT = "redis"
TRANSIENT_LIMIT = "zmq"
NAMES = {
    "stafet": "Stafet durable",
    "stafet-transient": "Stafet transient",
    "redis": "raw Redis Streams (limit)",
    "zmq": "raw ZeroMQ broker hop (limit)",
    "rabbitmq": "RabbitMQ quorum",
    "nats-js": "NATS JetStream",
    "nats": "NATS core",
    "mqtt": "Mosquitto QoS 1",
    "mqtt0": "Mosquitto QoS 0",
}
DURABLE_ORDER = ["stafet", "redis", "rabbitmq", "nats-js", "mqtt"]
TRANSIENT_ORDER = ["stafet-transient", "zmq", "nats", "mqtt0"]
WORKLOADS = [
    ("one256", "1 → 1, 256 B"),
    ("one4k", "1 → 1, 4 KiB"),
    ("fanout10", "1 → 10 subscriptions, 256 B"),
    ("pubs4", "4 publishers → 1, 256 B"),
]


def load(path):
    meta, rows = {}, []
    for line in open(path):
        line = line.strip()
        if not line:
            continue
        try:
            d = json.loads(line)
        except ValueError:
            continue
        if d.get("meta") or d.get("meta_end"):
            meta.update(d)
        else:
            rows.append(d)
    return meta, rows


def runs_of(rows, system, label):
    return [d for d in rows if d.get("system") == system and d.get("label") == label]


def find(rows, system, label):
    """The result for system and label; of several runs (the 1 -> 1 256 B
    workload is run three times), the one with the median throughput."""
    runs = runs_of(rows, system, label)
    good = sorted((d for d in runs if ok(d)), key=lambda d: d["throughput"])
    if good:
        return good[(len(good) - 1) // 2]
    return runs[-1] if runs else None


def ok(d):
    return d is not None and "error" not in d and d.get("throughput", 0) > 0


def fmt_rate(v):
    if v is None:
        return "—"
    if v >= 100000:
        return f"{v / 1000:,.0f}k"
    if v >= 10000:
        return f"{v / 1000:,.1f}k"
    return f"{v:,.0f}"


def fmt_ms(us):
    if us is None or us < 0:
        return "—"
    ms = us / 1000.0
    if ms >= 100:
        return f"{ms:,.0f}"
    if ms >= 10:
        return f"{ms:.1f}"
    return f"{ms:.2f}"


def fmt_ratio(v):
    return "—" if v is None else f"{v:.2f}×"


def cpu_of(d):
    """Server-side CPU in cores (hub and Redis separately for Stafet)."""
    if d is None:
        return "—"
    parts = []
    for k in ("hub", "redis", "server"):
        v = d.get("cpu_" + k)
        if v is not None and v >= 0:
            parts.append(f"{k} {v:.2f}" if k != "server" else f"{v:.2f}")
    return " + ".join(parts) if parts else "—"


def rss_of(d):
    if d is None:
        return "—"
    parts = []
    for k in ("hub", "redis", "server"):
        v = d.get("hwm_kb_" + k)
        if v is not None and v >= 0:
            mb = v / 1024.0
            parts.append(f"{k} {mb:,.0f}" if k != "server" else f"{mb:,.0f}")
    return " + ".join(parts) if parts else "—"


def best_peer(rows, label, peers):
    best, who = None, None
    for p in peers:
        d = find(rows, p, label)
        if ok(d) and (best is None or d["throughput"] > best):
            best, who = d["throughput"], p
    return best, who


def ratio(a, b):
    if a is None or not b:
        return None
    return a / b


def throughput_table(rows, order, peers, limit, labels):
    out = []
    out.append(
        "| workload | system | msg/s | p50 ms | p99 ms | p99.9 ms | confirm p99 ms | "
        "server CPU (cores) | server peak RSS (MB) | ÷ best peer | ÷ limit | notes |"
    )
    out.append("|---|---|---:|---:|---:|---:|---:|---|---|---:|---:|---|")
    for label, title in labels:
        bp, bp_who = best_peer(rows, label, peers)
        lim = find(rows, limit, label)
        lim_t = lim["throughput"] if ok(lim) else None
        for s in order:
            d = find(rows, s, label)
            if d is None:
                continue
            if "error" in d:
                out.append(f"| {title} | {NAMES[s]} | — | | | | | | | | | {d['error']} |")
                continue
            t = d.get("throughput")
            notes = []
            if d.get("lost", 0) > 0:
                notes.append(f"{int(d['lost']):,} lost")
            if d.get("dups", 0) > 0:
                notes.append(f"{int(d['dups']):,} duplicates")
            if not d.get("complete", 1):
                notes.append("incomplete")
            if label == "fanout10" and t:
                notes.append(f"{fmt_rate(d.get('deliveries_per_s'))} deliveries/s")
            rates = sorted(r["throughput"] for r in runs_of(rows, s, label) if ok(r))
            if len(rates) > 1:
                notes.append(f"median of {len(rates)} runs ({fmt_rate(rates[0])}–{fmt_rate(rates[-1])})")
            if s == bp_who:
                notes.append("best peer")
            conf = d.get("confirm_p99_us") if d.get("confirm_n", 0) > 0 else None
            out.append(
                f"| {title} | {NAMES[s]} | {fmt_rate(t)} | {fmt_ms(d.get('lat_p50_us'))} | "
                f"{fmt_ms(d.get('lat_p99_us'))} | {fmt_ms(d.get('lat_p999_us'))} | {fmt_ms(conf)} | "
                f"{cpu_of(d)} | {rss_of(d)} | {fmt_ratio(ratio(t, bp))} | "
                f"{fmt_ratio(ratio(t, lim_t))} | {', '.join(notes)} |"
            )
    return out


def sweep_points(rows, system):
    pts = []
    for d in rows:
        if d.get("system") == system and str(d.get("label", "")).startswith("sweep") and ok(d):
            pts.append(d)
    pts.sort(key=lambda d: d.get("rate_target", 0))
    return pts


def goals(rows):
    g = []

    def tput(s, label="one256"):
        d = find(rows, s, label)
        return d["throughput"] if ok(d) else None

    st = tput("stafet")
    rmq = tput("rabbitmq")
    njs = tput("nats-js")
    red = tput("redis")
    stt = tput("stafet-transient")
    zmq = tput("zmq")

    def line(goal, value, target, met):
        state = "—" if met is None else ("met" if met else "**not met**")
        g.append(f"| {goal} | {value} | {target} | {state} |")

    r = ratio(st, rmq)
    line("durable 1→1 throughput ÷ RabbitMQ", fmt_ratio(r), "≥ 2×", None if r is None else r >= 2)
    r = ratio(st, njs)
    line("durable 1→1 throughput ÷ NATS JetStream", fmt_ratio(r), "> 1×",
         None if r is None else r > 1)
    r = ratio(st, red)
    line("durable 1→1 throughput ÷ raw Redis Streams pipeline", fmt_ratio(r), "≥ 0.5×",
         None if r is None else r >= 0.5)
    r = ratio(stt, zmq)
    line("transient 1→1 throughput ÷ raw ZeroMQ broker hop", fmt_ratio(r), "≥ 0.5×",
         None if r is None else r >= 0.5)
    half = find(rows, "stafet", "sweep50")
    if ok(half):
        p99 = half["lat_p99_us"] / 1000.0
        line(f"durable p99 latency at half of peak ({fmt_rate(half['rate_target'])} msg/s)",
             f"{p99:.2f} ms", "< 5 ms", p99 < 5)
    half = find(rows, "stafet-transient", "sweep50")
    if ok(half):
        p99 = half["lat_p99_us"] / 1000.0
        line(f"transient p99 latency at half of peak ({fmt_rate(half['rate_target'])} msg/s)",
             f"{p99:.2f} ms", "< 5 ms", p99 < 5)
    ks = sorted({int(d["noise"]) for d in rows if d.get("system") == "stafet" and
                 str(d.get("label", "")).startswith("route") and ok(d)})
    if len(ks) >= 2:
        lo = find(rows, "stafet", f"route{ks[0]}")
        hi = find(rows, "stafet", f"route{ks[-1]}")
        if ok(lo) and ok(hi):
            r = hi["throughput"] / lo["throughput"]
            line(f"routing: throughput with {ks[-1]:,} ÷ with {ks[0]:,} subscriptions",
                 fmt_ratio(r), "≈ 1× (flat; ≥ 0.9×)", r >= 0.9)
        lo = find(rows, "stafet", f"routelat{ks[0]}")
        hi = find(rows, "stafet", f"routelat{ks[-1]}")
        if ok(lo) and ok(hi):
            a, b = lo["lat_p50_us"] / 1000.0, hi["lat_p50_us"] / 1000.0
            line(f"routing: p50 latency at 1,000 msg/s, {ks[0]:,} → {ks[-1]:,} subscriptions",
                 f"{a:.2f} → {b:.2f} ms", "flat (≤ 1.1×)", b <= a * 1.1 + 0.05)
    return g


def routing_table(rows):
    systems = ["stafet", "rabbitmq", "nats-js", "mqtt"]
    ks = sorted({int(d["noise"]) for d in rows if str(d.get("label", "")).startswith("route")})
    out = ["| system | non-matching subscriptions | msg/s (full speed) | confirm p99 ms (full speed) | "
           "p50 ms at 1,000 msg/s | p99 ms at 1,000 msg/s | setup s | ÷ same system with "
           f"{ks[0] if ks else 10:,} |",
           "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for s in systems:
        base = None
        for k in ks:
            d = find(rows, s, f"route{k}")
            dl = find(rows, s, f"routelat{k}")
            if d is None and dl is None:
                continue
            if d is not None and "error" in d:
                out.append(f"| {NAMES[s]} | {k:,} | {d['error']} | | | | | |")
                continue
            t = d["throughput"] if ok(d) else None
            if base is None:
                base = t
            out.append(
                f"| {NAMES[s]} | {k:,} | {fmt_rate(t)} | "
                f"{fmt_ms(d.get('confirm_p99_us') if d else None)} | "
                f"{fmt_ms(dl.get('lat_p50_us') if ok(dl) else None)} | "
                f"{fmt_ms(dl.get('lat_p99_us') if ok(dl) else None)} | "
                f"{(d or {}).get('noise_setup_s', 0):.1f} | {fmt_ratio(ratio(t, base))} |"
            )
    return out


def backlog_table(rows):
    out = ["| system | backlog (msgs) | publish msg/s (no consumer) | drain msg/s | "
           "store bytes/msg | server RSS growth bytes/msg | disk bytes/msg | complete |",
           "|---|---:|---:|---:|---:|---:|---:|---|"]
    for s in DURABLE_ORDER:
        d = find(rows, s, "backlog")
        if d is None:
            continue
        if "error" in d:
            out.append(f"| {NAMES[s]} | {d['error']} | | | | | | |")
            continue
        store = d.get("store_bytes_per_msg", -1)
        rss = None
        for k in ("redis", "server"):
            v = d.get("rss_bytes_per_msg_" + k)
            if v is not None and v >= 0:
                rss = v
        disk = d.get("disk_bytes_per_msg", -1)
        out.append(
            f"| {NAMES[s]} | {int(d.get('confirmed', 0)):,} | {fmt_rate(d.get('confirm_rate'))} | "
            f"{fmt_rate(d.get('drain_rate'))} | "
            f"{'—' if store is None or store < 0 else f'{store:,.0f} (Redis used_memory)'} | "
            f"{'—' if rss is None else f'{rss:,.0f}'} | "
            f"{'—' if disk is None or disk < 0 else f'{disk:,.0f}'} | "
            f"{'yes' if d.get('complete') else 'no'} |")
    return out


def reqrep_table(rows, meta):
    out = ["| system | round trips/s (one at a time) | p50 ms | p99 ms | p99.9 ms | server CPU |",
           "|---|---:|---:|---:|---:|---|"]
    d = find(rows, "stafet", "reqrep")
    if ok(d):
        out.append(f"| Stafet | {fmt_rate(d['throughput'])} | {fmt_ms(d['lat_p50_us'])} | "
                   f"{fmt_ms(d['lat_p99_us'])} | {fmt_ms(d['lat_p999_us'])} | {cpu_of(d)} |")
    else:
        out.append("| Stafet | pending: `stafet_client_request` is not in `stafet.h` yet "
                   "(request/reply is being built) | | | | |")
    for s, name in (("zmq", "raw ZeroMQ REQ → ROUTER/DEALER → REP (limit)"),
                    ("rabbitmq", "RabbitMQ direct reply-to"), ("nats", "NATS core request"),
                    ("mqtt", "Mosquitto QoS 1 request/response topics")):
        d = find(rows, s, "reqrep")
        if d is None:
            continue
        if not ok(d):
            out.append(f"| {name} | {d.get('error', 'failed')} | | | | |")
            continue
        out.append(f"| {name} | {fmt_rate(d['throughput'])} | {fmt_ms(d['lat_p50_us'])} | "
                   f"{fmt_ms(d['lat_p99_us'])} | {fmt_ms(d['lat_p999_us'])} | {cpu_of(d)} |")
    return out


def sweep_table(rows, order):
    out = ["| system | target msg/s | achieved msg/s | p50 ms | p99 ms | p99.9 ms | server CPU |",
           "|---|---:|---:|---:|---:|---:|---|"]
    for s in order:
        for d in sweep_points(rows, s):
            out.append(f"| {NAMES[s]} | {fmt_rate(d['rate_target'])} | {fmt_rate(d['throughput'])} | "
                       f"{fmt_ms(d['lat_p50_us'])} | {fmt_ms(d['lat_p99_us'])} | "
                       f"{fmt_ms(d['lat_p999_us'])} | {cpu_of(d)} |")
    return out


def everysec_table(rows):
    out = []
    for s in ("stafet", "redis"):
        a, b = find(rows, s, "one256"), find(rows, s, "one256-everysec")
        if ok(a) and ok(b):
            out.append(f"| {NAMES[s]} | {fmt_rate(a['throughput'])} | {fmt_rate(b['throughput'])} | "
                       f"{fmt_ms(b['lat_p99_us'])} |")
    if out:
        out = ["| system | always: msg/s | **everysec**: msg/s | **everysec**: p99 ms |",
               "|---|---:|---:|---:|"] + out
    return out


# ---------------------------------------------------------------- plots

def gnuplot(script):
    if not shutil.which("gnuplot"):
        print("report: gnuplot missing, no plots", file=sys.stderr)
        return False
    r = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
    if r.returncode != 0:
        print("report: gnuplot: " + r.stderr, file=sys.stderr)
        return False
    return True


def plots(rows, out):
    made = []
    data_dir = os.path.join(out, "data")
    os.makedirs(data_dir, exist_ok=True)
    series = []
    for s in DURABLE_ORDER + TRANSIENT_ORDER:
        pts = sweep_points(rows, s)
        peak = find(rows, s, "one256")
        if ok(peak):
            pts = pts + [peak]
        if len(pts) < 2:
            continue
        fn = os.path.join(data_dir, f"sweep-{s}.dat")
        with open(fn, "w") as f:
            f.write("# offered achieved p50_ms p99_ms p999_ms\n")
            for d in pts:
                offered = d.get("offered_rate") or d.get("rate_target")
                f.write(f"{offered} {d['throughput']} {d['lat_p50_us'] / 1000} "
                        f"{d['lat_p99_us'] / 1000} {d['lat_p999_us'] / 1000}\n")
        series.append((s, fn))
    if series:
        common = ("set terminal pngcairo size 1100,650 font 'sans,11' noenhanced\n"
                  "set key outside right top\nset grid\nset logscale x\n"
                  "set format x '%.0s%c'\nset xlabel 'offered load (msg/s, log)'\n")
        png = os.path.join(out, "throughput-vs-load.png")
        cmds = ", ".join(f"'{fn}' using 1:2 with linespoints lw 2 title '{NAMES[s]}'"
                         for s, fn in series)
        if gnuplot(common + f"set output '{png}'\nset logscale y\nset format y '%.0s%c'\n"
                   "set ylabel 'delivered (msg/s, log)'\n"
                   "set title 'Throughput against load (1 → 1, 256 B; last point = full speed)'\n"
                   f"plot {cmds}\n"):
            made.append(png)
        png = os.path.join(out, "latency-vs-load.png")
        cmds = ", ".join(f"'{fn}' using 1:4 with linespoints lw 2 title '{NAMES[s]} p99'"
                         for s, fn in series)
        if gnuplot(common + f"set output '{png}'\nset logscale y\n"
                   "set ylabel 'publish → delivery p99 (ms, log)'\n"
                   "set title 'p99 latency against load (1 → 1, 256 B; last point = full speed)'\n"
                   f"plot {cmds}\n"):
            made.append(png)
    # bars: throughput per workload
    fn = os.path.join(data_dir, "throughput.dat")
    systems = [s for s in DURABLE_ORDER + TRANSIENT_ORDER if ok(find(rows, s, "one256"))]
    if systems:
        with open(fn, "w") as f:
            f.write("system " + " ".join(l for l, _ in WORKLOADS) + "\n")
            for s in systems:
                vals = []
                for l, _ in WORKLOADS:
                    d = find(rows, s, l)
                    vals.append(str(d["throughput"]) if ok(d) else "NaN")
                f.write(f"\"{NAMES[s]}\" " + " ".join(vals) + "\n")
        png = os.path.join(out, "throughput.png")
        if gnuplot("set terminal pngcairo size 1200,650 font 'sans,10' noenhanced\n"
                   f"set output '{png}'\nset style data histogram\n"
                   "set style histogram cluster gap 1\nset style fill solid 0.8 border -1\n"
                   "set logscale y\nset format y '%.0s%c'\nset grid ytics\n"
                   "set ylabel 'msg/s (log)'\nset xtics rotate by -25\nset key top right\n"
                   "set title 'Throughput at full speed, per workload'\n"
                   f"plot for [i=2:{len(WORKLOADS) + 1}] '{fn}' using i:xtic(1) title columnheader(i)\n"):
            made.append(png)
    # routing
    series = []
    for s in ["stafet", "rabbitmq", "nats-js", "mqtt"]:
        pts = sorted((d for d in rows if d.get("system") == s and
                      str(d.get("label", "")).startswith("route") and
                      not str(d.get("label", "")).startswith("routelat") and ok(d)),
                     key=lambda d: d["noise"])
        if len(pts) < 2:
            continue
        fn = os.path.join(data_dir, f"routing-{s}.dat")
        with open(fn, "w") as f:
            for d in pts:
                f.write(f"{d['noise']} {d['throughput']}\n")
        series.append((s, fn))
    if series:
        png = os.path.join(out, "routing.png")
        cmds = ", ".join(f"'{fn}' using 1:2 with linespoints lw 2 title '{NAMES[s]}'"
                         for s, fn in series)
        if gnuplot("set terminal pngcairo size 1000,600 font 'sans,11' noenhanced\n"
                   f"set output '{png}'\nset logscale x\nset logscale y\nset grid\n"
                   "set format y '%.0s%c'\nset key outside right top\n"
                   "set xlabel 'subscriptions that do not match the topic (log)'\n"
                   "set ylabel 'publish → delivery msg/s (log)'\n"
                   "set title 'Routing cost: 1 → 1 durable throughput against the number of subscriptions'\n"
                   f"plot {cmds}\n"):
            made.append(png)
    return made


def include(path):
    if os.path.exists(path):
        return open(path).read().rstrip().split("\n")
    return []


def code_block(path, n=None):
    if not os.path.exists(path):
        return ["(not run)"]
    lines = open(path).read().rstrip().split("\n")
    if n:
        lines = lines[:n]
    return ["```"] + lines + ["```"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--doc", required=True)
    ap.add_argument("--mode", default="full")
    a = ap.parse_args()
    meta, rows = load(a.results)
    made = plots(rows, a.out)
    doc_dir = os.path.dirname(os.path.abspath(a.doc))

    def rel(p):
        return os.path.relpath(p, doc_dir)

    here = os.path.dirname(os.path.abspath(__file__))
    L = []
    L.append("# Benchmarks: Stafet side by side with its peers and the limits")
    L.append("")
    L.append("Generated by `bench/run.sh`" + (" --short" if a.mode == "short" else "") +
             " from one run on one machine; do not edit by hand (the method and the profile "
             "analysis come from `bench/notes.md`). Every ratio compares results of this run.")
    L.append("")
    if meta:
        L.append(f"Run: {meta.get('date', '?')}, commit `{meta.get('commit', '?')}`, mode "
                 f"**{meta.get('mode', '?')}**; {meta.get('cpus', '?')} cores ({meta.get('cpu', '?')}), "
                 f"{meta.get('mem_gb', '?')} GiB, Linux {meta.get('kernel', '?')}, data on "
                 f"{meta.get('fs', '?')}. Redis {meta.get('redis', '?')}, RabbitMQ "
                 f"{meta.get('rabbitmq', '?')}, nats-server {meta.get('nats', '?')}, Mosquitto "
                 f"{meta.get('mosquitto', '?')}, libzmq {meta.get('zmq', '?')}. Load average "
                 f"{meta.get('loadavg_start', '?')} before and {meta.get('loadavg_end', '?')} after "
                 f"({meta.get('seconds', '?')} s): the machine is shared, so other work may have "
                 "run during the benchmark.")
        L.append("")
    L.append("## Goals (issue 7), measured in this run")
    L.append("")
    L.append("| goal | measured | target | |")
    L.append("|---|---:|---|---|")
    L += goals(rows)
    L.append("")
    L.append("## Durable: publish → stored → delivered → acknowledged")
    L.append("")
    L.append("Same fsync policy where the system has one: **Redis `appendfsync always`** for Stafet "
             "and the raw limit. RabbitMQ quorum queues fsync their log before confirming. "
             "NATS JetStream 2.9 and Mosquitto 2.0 have **no per-message fsync** "
             "(see *Durability* below): their numbers are for a weaker guarantee. "
             "÷ best peer: this row's msg/s over the best of RabbitMQ, NATS JetStream and "
             "Mosquitto QoS 1 in the same workload; ÷ limit: over raw Redis Streams.")
    L.append("")
    L += throughput_table(rows, DURABLE_ORDER, DURABLE_PEERS, DURABLE_LIMIT, WORKLOADS)
    L.append("")
    L.append("## Transient (at most once, in memory)")
    L.append("")
    L.append("÷ best peer: over the best of NATS core and Mosquitto QoS 0; ÷ limit: over raw "
             "ZeroMQ through one broker hop.")
    L.append("")
    L += throughput_table(rows, TRANSIENT_ORDER, TRANSIENT_PEERS, TRANSIENT_LIMIT, WORKLOADS)
    L.append("")
    ev = everysec_table(rows)
    if ev:
        L.append("### Redis with `appendfsync everysec` (labelled: not the durable setting)")
        L.append("")
        L += ev
        L.append("")
    L.append("## Latency against load (1 → 1, 256 B, paced publisher)")
    L.append("")
    L.append("Each system is paced at fractions of its own full-speed throughput; latency is taken "
             "from each message's scheduled send time, so a publisher that falls behind is "
             "charged for it (no coordinated omission).")
    L.append("")
    for p in made:
        if "vs-load" in p:
            L.append(f"![{os.path.basename(p)}]({rel(p)})")
            L.append("")
    L += sweep_table(rows, DURABLE_ORDER + TRANSIENT_ORDER)
    L.append("")
    tp = [p for p in made if p.endswith("/throughput.png")]
    if tp:
        L.append(f"![throughput per workload]({rel(tp[0])})")
        L.append("")
    L.append("## Routing cost")
    L.append("")
    L.append("One matching durable subscription plus K that do not match the published topic "
             "(patterns of three shapes: `noise.kN.*`, `bench.xN.#`, `*.nN.m`, so literal, `*` and "
             "`#` branches all grow). Stafet: durable subscriptions (the hub's trie); RabbitMQ: "
             "bindings on the same topic exchange; NATS: subscriptions in the same account; "
             "Mosquitto: subscriptions of another client. Full speed, and paced at 1,000 msg/s "
             "for latency without queueing.")
    L.append("")
    for p in made:
        if p.endswith("routing.png"):
            L.append(f"![routing]({rel(p)})")
            L.append("")
    L += routing_table(rows)
    L.append("")
    L.append("## Backlog: published while the consumer is away, then drained")
    L.append("")
    L += backlog_table(rows)
    L.append("")
    L.append("Store bytes/msg: Redis `used_memory` growth ÷ messages (payload 256 B; Stafet's entry "
             "also holds the envelope, and a dedupe record per message id is kept for `dedupe_ttl_ms`). "
             "RSS growth: the server process's resident memory growth ÷ messages.")
    L.append("")
    L.append("## Request/reply round trips (256 B, one call at a time)")
    L.append("")
    L += reqrep_table(rows, meta)
    L.append("")
    L += include(os.path.join(here, "notes.md"))
    L.append("")
    prof = os.path.join(a.out, "profile")
    L.append("## Profile data of this run")
    L.append("")
    L.append("callgrind (instructions, the hub process only; `callgrind_annotate`, self cost):")
    L.append("")
    L += code_block(os.path.join(prof, "callgrind-self.txt"), 45)
    L.append("")
    L.append("callgrind, inclusive cost:")
    L.append("")
    L += code_block(os.path.join(prof, "callgrind-inclusive.txt"), 45)
    L.append("")
    L.append("perf, `cpu-clock` samples of the hub at full speed (kernel time included), by symbol:")
    L.append("")
    L += code_block(os.path.join(prof, "perf-self.txt"), 30)
    L.append("")
    L.append("by shared object:")
    L.append("")
    L += code_block(os.path.join(prof, "perf-dso.txt"), 12)
    L.append("")
    L.append("Raw results (one JSON object per run): `" +
             os.path.relpath(a.results, os.path.dirname(here)) + "`.")
    L.append("")
    os.makedirs(doc_dir, exist_ok=True)
    with open(a.doc, "w") as f:
        f.write("\n".join(L))
    print(f"report: wrote {a.doc} and {len(made)} plots")


if __name__ == "__main__":
    main()
