"""Size of what a first page loads from the release site, with WASM code splitting.

Every page loads the main module (signalbox.wasm, signalbox.js, signalbox.css and the split
loader); a page whose route is lazy also loads its chunks (pkg/__wasm_split_manifest.json maps each
lazy function to the chunks it needs). The two first pages a person can land on are measured: the
dashboard (signed in) and the sign-in page (first visit). Sizes are raw, and the gzip and brotli
files the server sends (written by .ci/build-release). --check fails when either page's gzip total
is over the budget, or when the lazy chunks carry no constants at all: the code splitter then gave
up on the data segment and put every page's constants into the main module (see
`SPLIT_DATA_SLACK` in app/src/lib.rs).
"""

import json
import os
import sys

BUDGET_GZIP = 350 * 1024
site = os.environ["SITE_ROOT"]
pkg = os.path.join(site, "pkg")


def sizes(name):
    path = os.path.join(pkg, name)
    for p in (path, path + ".gz", path + ".br"):
        if not os.path.isfile(p):
            sys.exit(f"missing {p}: run .ci/build-release first")
    return [os.path.getsize(p) for p in (path, path + ".gz", path + ".br")]


base = ["signalbox.wasm", "signalbox.js", "signalbox.css"]
base += sorted(f for f in os.listdir(pkg) if f.startswith("__wasm_split") and f.endswith(".js"))
manifest_path = os.path.join(pkg, "__wasm_split_manifest.json")
manifest = json.load(open(manifest_path)) if os.path.isfile(manifest_path) else {}


def leb128(data, at):
    value, shift = 0, 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, at


def data_bytes(name):
    """Bytes in a module's data section (section id 11), the constants it brings to memory."""
    data = open(os.path.join(pkg, name), "rb").read()
    at = 8
    while at < len(data):
        section, at = data[at], at + 1
        length, at = leb128(data, at)
        if section == 11:
            return length
        at += length
    return 0


def chunks_of(route):
    names = set()
    for function, deps in manifest.items():
        if route in function:
            names.update(f"{d}.wasm" for d in deps)
    return sorted(names)


# The first pages a person can land on, each with the lazy route it loads (None: the page is in
# the main module, as both are since the sign-in page left its lazy chunk).
FIRST_PAGES = {"dashboard (signed in)": None, "sign-in page (first visit)": None}
pages = {page: base + (chunks_of(route) if route else []) for page, route in FIRST_PAGES.items()}
print(f"{'file':<60} {'raw':>10} {'gzip':>10} {'brotli':>10}")
listed = sorted(set(base) | {f for f in os.listdir(pkg) if f.startswith(("split_", "chunk_")) and f.endswith(".wasm")})
for name in listed:
    raw, gz, br = sizes(name)
    print(f"{name:<60} {raw:>10} {gz:>10} {br:>10}")
over = []
for page, files in pages.items():
    total = [sum(col) for col in zip(*(sizes(f) for f in files))]
    print(f"{'first page: ' + page:<60} {total[0]:>10} {total[1]:>10} {total[2]:>10}   (budget {BUDGET_GZIP} gzip)")
    if total[1] > BUDGET_GZIP:
        over.append(f"{page}: {total[1]} > {BUDGET_GZIP} bytes gzip")
lazy = [f for f in listed if f.startswith("split_")]
lazy_data = sum(data_bytes(f) for f in lazy)
print(f"constants: main module {data_bytes('signalbox.wasm')} bytes, lazy route modules {lazy_data} bytes")
if lazy and lazy_data == 0:
    over.append(
        "the lazy route modules carry no constants: the code splitter put them all in the main module "
        "(its re-laid data segment outgrew the linker's; raise SPLIT_DATA_SLACK in app/src/lib.rs)"
    )
if len(sys.argv) > 1 and sys.argv[1] == "--check" and over:
    sys.exit("first-page assets are over budget: " + "; ".join(over))
