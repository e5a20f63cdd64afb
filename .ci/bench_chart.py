"""Draws the apply benchmark's chart (BENCHMARKS.md): seconds to plan and apply against the number
of resources, log-log, for Signalbox and the SDK anchors, unthrottled and under the token bucket.

Reads target/bench/apply.jsonl (written by `cargo bench -p server --bench apply`; the newest result
of each size and case wins) and writes bench/apply.svg. Plain SVG, no plotting library.

Usage: bench_chart.py [JSONL] [SVG]
"""

import json
import math
import os
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
source = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "target", "bench", "apply.jsonl")
target = sys.argv[2] if len(sys.argv) > 2 else os.path.join(root, "bench", "apply.svg")

latest = {}
with open(source) as lines:
    for line in lines:
        if line.strip():
            result = json.loads(line)
            latest[(result["size"], result["throttled"])] = result

series = [
    ("Signalbox plan + apply", "#1d4ed8", False, lambda r: r.get("total"), ""),
    ("SDK, 32-thread pool", "#b45309", False, lambda r: r.get("sdk_pool"), ""),
    ("SDK, one call after another (seed)", "#6b7280", False, lambda r: r.get("sdk_sequential"), ""),
    ("Signalbox, token bucket 100/s", "#1d4ed8", True, lambda r: r.get("total"), "6 4"),
    ("SDK pool, token bucket 100/s", "#b45309", True, lambda r: r.get("sdk_pool"), "6 4"),
    ("Ideal at the bucket's rate", "#16a34a", True, lambda r: r.get("ideal"), "2 3"),
]
sizes = sorted({size for size, _ in latest})
points = []
for name, colour, throttled, value, dash in series:
    line = [(size, value(latest[(size, throttled)])) for size in sizes if (size, throttled) in latest]
    line = [(x, y) for x, y in line if y]
    if line:
        points.append((name, colour, dash, line))
if not points:
    sys.exit(f"no results in {source}")

width, height, left, right, top, bottom = 760, 420, 70, 250, 30, 50
xs = [x for *_, line in points for x, _ in line]
ys = [y for *_, line in points for _, y in line]
x_lo, x_hi = math.log10(min(xs)) - 0.1, math.log10(max(xs)) + 0.1
y_lo, y_hi = math.floor(math.log10(min(ys))), math.ceil(math.log10(max(ys)))


def px(x):
    return left + (math.log10(x) - x_lo) / (x_hi - x_lo) * (width - left - right)


def py(y):
    return height - bottom - (math.log10(y) - y_lo) / (y_hi - y_lo) * (height - top - bottom)


svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
       f'<rect width="{width}" height="{height}" fill="white"/>']
for exponent in range(y_lo, y_hi + 1):
    y = 10 ** exponent
    svg.append(f'<line x1="{left}" x2="{width - right}" y1="{py(y):.1f}" y2="{py(y):.1f}" stroke="#e5e7eb"/>')
    label = f"{y:g} s"
    svg.append(f'<text x="{left - 8}" y="{py(y) + 4:.1f}" text-anchor="end" fill="#374151">{label}</text>')
for size in sizes:
    svg.append(f'<line x1="{px(size):.1f}" x2="{px(size):.1f}" y1="{top}" y2="{height - bottom}" stroke="#e5e7eb"/>')
    svg.append(f'<text x="{px(size):.1f}" y="{height - bottom + 18}" text-anchor="middle" fill="#374151">{size:,}</text>')
svg.append(f'<text x="{(left + width - right) / 2}" y="{height - 10}" text-anchor="middle" fill="#111827">'
           'resources in the template (100 ms per OCI call, log scale)</text>')
svg.append(f'<text x="16" y="{(top + height - bottom) / 2}" transform="rotate(-90 16 {(top + height - bottom) / 2})" '
           'text-anchor="middle" fill="#111827">seconds, plan + apply (log scale)</text>')
for i, (name, colour, dash, line) in enumerate(points):
    path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in line)
    dashes = f' stroke-dasharray="{dash}"' if dash else ""
    svg.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dashes}/>')
    for x, y in line:
        svg.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{colour}"/>')
    legend_y = top + 10 + i * 20
    svg.append(f'<line x1="{width - right + 16}" x2="{width - right + 40}" y1="{legend_y}" y2="{legend_y}" '
               f'stroke="{colour}" stroke-width="2"{dashes}/>')
    svg.append(f'<text x="{width - right + 46}" y="{legend_y + 4}" fill="#111827">{name}</text>')
svg.append("</svg>")
os.makedirs(os.path.dirname(target), exist_ok=True)
with open(target, "w") as out:
    out.write("\n".join(svg) + "\n")
print(f"wrote {target}")
