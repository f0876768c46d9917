"""Draws docs/benchmarks.png from scripts/bench's results.json, or docs/benchmarks-floor.png
from its floor.json (the near-the-floor comparison), with matplotlib.

Usage: python chart.py artifacts/bench/results.json docs/benchmarks.png
       python chart.py artifacts/bench/floor.json docs/benchmarks-floor.png
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLOURS = {"shetphone": "#d1495b", "hummingbird": "#00798c", "flyingfox": "#edae49", "nginx": "#66a182",
           "shetphone+log": "#e8838f", "nginx-tuned": "#66a182", "floor": "#555555"}


def dig(value, *keys):
    for key in keys:
        if not isinstance(value, dict) or value.get(key) is None:
            return None
        value = value[key]
    return value


def bars(ax, title, unit, series, lower_is_better=False):
    """series: [(server, value, low, high)]; low/high draw the min-max whisker."""
    series = [s for s in series if s[1] is not None]
    names = [s[0] for s in series]
    values = [s[1] for s in series]
    errors = [[max(0, s[1] - s[2]) for s in series], [max(0, s[3] - s[1]) for s in series]]
    whiskers = errors if any(errors[0] + errors[1]) else None
    ax.bar(names, values, color=[COLOURS.get(n, "grey") for n in names], yerr=whiskers, capsize=4)
    for i, (v, top) in enumerate(zip(values, (s[3] for s in series))):
        # Above the whisker, so the label never crosses it.
        ax.text(i, max(v, top or 0), f"{v:,.0f}" if v >= 100 else f"{v:.1f}", ha="center", va="bottom", fontsize=8)
    ax.set_title(title + ("  (lower is better)" if lower_is_better else "  (higher is better)"), fontsize=10)
    ax.set_ylabel(unit)
    ax.tick_params(axis="x", labelsize=8)
    ax.margins(y=0.15)


def floor_chart(data, path):
    """Per loop count: CPU per request and p99 of the static GET, each server."""
    floor = data["floor"]
    fig, axes = plt.subplots(2, len(floor), figsize=(max(9, 6 * len(floor)), 8), squeeze=False)
    for column, (loops, results) in enumerate(floor.items()):
        cpu = [(n, dig(r, "static", "cpu_us_per_request"), 0, 0) for n, r in results.items()]
        bars(axes[0][column], f"GET 1 KiB, {loops} loop(s): server CPU per request", "µs",
             [(n, v, v or 0, v or 0) for n, v, _, _ in cpu], lower_is_better=True)
        p99 = [(n, dig(r, "static", "p99_ms")) for n, r in results.items()]
        bars(axes[1][column], f"GET 1 KiB, {loops} loop(s): p99 (wrk)", "ms",
             [(n, v, v or 0, v or 0) for n, v in p99], lower_is_better=True)
    fig.suptitle(f"shetphone vs NGINX tuned for small files and a C floor, loopback, {data.get('cores')} cores "
                 f"(load avg {data.get('load_before', 0):.2f})", fontsize=12)
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def main():
    data = json.load(open(sys.argv[1]))
    if "floor" in data:
        floor_chart(data, sys.argv[2])
        return
    results = data["results"]
    order = [n for n in ("shetphone", "hummingbird", "flyingfox", "nginx") if n in results]
    fig, axes = plt.subplots(2, 3, figsize=(14, 8))

    def http(key):
        return [(n, dig(results[n], key, "median"), dig(results[n], key, "min"), dig(results[n], key, "max"))
                for n in order]

    bars(axes[0][0], "1. POST /voice TwiML", "req/s (median, min-max)", http("voice"))
    bars(axes[0][1], "2. GET 1 KiB static file", "req/s (median, min-max)", http("static"))
    ws = [(n, dig(results[n], "ws", "p99_ms"), dig(results[n], "ws", "p50_ms"), dig(results[n], "ws", "p99_ms"))
          for n in order]
    bars(axes[0][2], "3. WS fan-out to 10k, p99", "ms (whisker from p50)", ws, lower_is_better=True)
    rss = [(n, (dig(results[n], "ws", "rss_10k_kib") or 0) / 1024 or None, 0, 0) for n in order]
    bars(axes[1][0], "4. RSS with 10k idle WebSockets", "MiB", [(n, v, v or 0, v or 0) for n, v, _, _ in rss],
         lower_is_better=True)
    idle = [(n, dig(results[n], "rss_after_http_kib"), None, None) for n in order]
    bars(axes[1][1], "4. RSS after the HTTP runs", "MiB",
         [(n, v / 1024 if v else None, v / 1024 if v else 0, v / 1024 if v else 0) for n, v, _, _ in idle],
         lower_is_better=True)
    start = [(n, dig(results[n], "startup_ms")) for n in order]
    bars(axes[1][2], "5. start-up to first answer", "ms", [(n, v, v or 0, v or 0) for n, v in start],
         lower_is_better=True)
    fig.suptitle(f"shetphone vs Swift peers and NGINX, loopback, {data.get('cores')} cores "
                 f"(load avg {data.get('load_before', 0):.2f})", fontsize=12)
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=90)


if __name__ == "__main__":
    main()
