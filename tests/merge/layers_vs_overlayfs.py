#!/usr/bin/env python3
"""Differential test of sifkit's reading of multi-layer OCI-SIF images against the kernel.

For the random layer stacks of merge_fuzz.py (same generator, same seeds), converts each with
`sifkit convert --format oci-sif --keep-layers`, then compares `sifkit export` of the OCI-SIF
(the layers merged by sifkit) entry by entry -- type, mode, owner, size, content hash, link
target, xattrs, mtime, hardlink groups -- with the same squashfs layers unpacked by unsquashfs
and mounted by the kernel's overlayfs (read back through mksquashfs/unsquashfs, as the trees of
merge_fuzz.py are read). This checks the reader alone: what the writer makes of a stack is
merge_fuzz.py's and the convert.ocisif tests' business.

Not compared (counted): stacks sifkit refuses and images of one layer (nothing to merge). One
difference is deliberate: the kernel ignores the opaque xattr on a layer's root directory (what
`convert --keep-layers` makes of a `.wh..wh..opq` at a layer's root), sifkit honours it, as the
OCI image means (docs/oci-sif.md); for such a stack the kernel mounts only the layers from the
top down to the top opaque root.

    layers_vs_overlayfs.py --sifkit BIN --seeds 0:100
    layers_vs_overlayfs.py --sifkit BIN --seed 17 --keep D   # one seed, files kept in D

Needs root (overlay mounts in a private mount namespace with unshare, owners, trusted xattrs),
unsquashfs and mksquashfs; skipped (77) without them, except under CI=true.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import merge_fuzz as mf  # noqa: E402

OPAQUE = "trusted.overlay.opaque"


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, **kw)


def one(sifkit, seed, work):
    """'same', a reason it was not compared, or the differences (a list)."""
    layout = os.path.join(work, "layout")
    mf.build_layout(mf.Generator(seed).stack(), layout)
    sif = os.path.join(work, "layers.oci.sif")
    res = run([sifkit, "convert", "-q", "--format", "oci-sif", "--keep-layers",
               "oci:" + layout + ":latest", sif], env=dict(os.environ, SOURCE_DATE_EPOCH="1"))
    if res.returncode != 0:
        if res.returncode != 4 or res.stderr.count(b"\n") > 1 + res.stderr.count(b"warning"):
            return ["convert failed (exit %d): %s" % (res.returncode, res.stderr.decode())]
        return "refused"
    objects = json.loads(run([sifkit, "list", "--json", sif], check=True).stdout)["objects"]
    layers = len(objects) - 3  # the layers, then the config, the manifest and the root index
    if layers < 2:
        return "one layer"
    dirs = []
    for number in range(1, layers + 1):
        sqfs = os.path.join(work, "%d.sqfs" % number)
        with open(sqfs, "wb") as f:
            f.write(run([sifkit, "dump", str(number), sif], check=True).stdout)
        tree = os.path.join(work, "layer%d" % number)
        run(["unsquashfs", "-no-progress", "-d", tree, sqfs], check=True)
        dirs.append(tree)
    # The kernel ignores the opaque xattr on a layer's root, sifkit honours it: the layers below
    # the top opaque root are left out of the mount instead (what that xattr means), and the
    # xattr itself, which sifkit never shows, is removed.
    opaque_roots = [i for i, d in enumerate(dirs)
                    if OPAQUE in os.listxattr(d) and os.getxattr(d, OPAQUE) == b"y"]
    if opaque_roots:
        dirs = dirs[opaque_roots[-1]:]
        os.removexattr(dirs[0], OPAQUE)
    # An empty bottom layer: a read-only overlay needs two, and one may be all that is left.
    empty = os.path.join(work, "empty")
    os.makedirs(empty)
    mounted = run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                   'mkdir "$0/mnt" && mount -t overlay overlay -o "lowerdir=$1" "$0/mnt" && '
                   'mksquashfs "$0/mnt" "$0/kernel.sqfs" -noappend -quiet -no-progress',
                   work, ":".join(list(reversed(dirs)) + [empty])])
    if mounted.returncode != 0:
        return ["overlay mount failed: " + mounted.stderr.decode()]
    kernel = os.path.join(work, "kernel")
    run(["unsquashfs", "-no-progress", "-d", kernel, os.path.join(work, "kernel.sqfs")],
        check=True)
    exported = os.path.join(work, "exported")
    res = run([sifkit, "export", sif, exported])
    if res.returncode != 0:
        return ["export failed (exit %d): %s" % (res.returncode, res.stderr.decode())]
    want = mf.tree_listing(kernel)
    got = mf.tree_listing(exported)
    return mf.compare(want, got) or "same"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sifkit", required=True)
    ap.add_argument("--seeds", help="FIRST:END (END excluded), or a count from 0")
    ap.add_argument("--seed", type=int)
    ap.add_argument("--keep", metavar="DIR", help="work in DIR and keep it")
    a = ap.parse_args()
    seeds = []
    if a.seeds:
        first, _, end = a.seeds.rpartition(":")
        seeds += range(int(first or 0), int(end))
    if a.seed is not None:
        seeds.append(a.seed)
    missing = [t for t in ("unsquashfs", "mksquashfs", "unshare") if shutil.which(t) is None]
    if missing or os.geteuid() != 0:
        print("skipped: needs root and %s" % ", ".join(missing or ["unsquashfs, mksquashfs"]))
        return 1 if os.environ.get("CI") == "true" else 77
    counts = {}
    failed = 0
    top = a.keep or tempfile.mkdtemp(prefix="sifkit-layers-")
    try:
        for seed in seeds:
            work = os.path.join(top, str(seed))
            shutil.rmtree(work, ignore_errors=True)
            os.makedirs(work)
            outcome = one(a.sifkit, seed, work)
            if isinstance(outcome, list):
                failed += 1
                print("FAIL seed %d: %s\n  rebuild: %s --seed %d --sifkit %s --keep DIR" % (
                    seed, "; ".join(outcome[:6]), sys.argv[0], seed, a.sifkit), flush=True)
                outcome = "failed"
            counts[outcome] = counts.get(outcome, 0) + 1
            if not a.keep:
                shutil.rmtree(work, ignore_errors=True)
    finally:
        if not a.keep:
            shutil.rmtree(top, ignore_errors=True)
    print("%d stacks: %s" % (len(seeds), ", ".join("%s %d" % kv for kv in sorted(counts.items()))))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
