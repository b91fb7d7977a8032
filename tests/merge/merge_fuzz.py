#!/usr/bin/env python3
"""Differential test of sifkit's layer merge against the shared reference flattening.

Builds OCI layouts of 2-6 small layers over a tiny name space (names collide across layers),
converts each with `sifkit convert`, reads the squashfs back with an independent reader
(unsquashfs, extracting as root) and compares the tree entry by entry -- type, mode, owner,
size, content hash, link target, xattrs, mtime, hardlink groups -- with what
`oci_corpus.py flatten` (the shared reference, Docker's layer semantics) makes of the same
layout. A stack the reference refuses as crafted must be refused by sifkit too: exit 4, one
line, no output file.

    merge_fuzz.py --sifkit BIN --seeds 0:300        # random stacks, seeds 0..299
    merge_fuzz.py --sifkit BIN --cases              # the named regression stacks
    merge_fuzz.py --sifkit BIN --seed 17 --keep D   # one seed, layout and trees kept in D
    merge_fuzz.py --write-layout D --seed 17        # only build the layout of seed 17

Each failure prints its seed (or case name) and the command that rebuilds its layout. Needs
Python 3.11 (standard library only), unsquashfs, and root for owners and trusted xattrs.
The patterns where sifkit and the reference differ on purpose are documented in
docs/oci2sif.md ("The differential test") and counted, not failed: see EXCLUDED below.
"""
import argparse
import collections
import concurrent.futures
import hashlib
import importlib.util
import io
import os
import random
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "fixtures", "oci"))

from ocilib import Image, Layer, Layout, REF_NAME  # noqa: E402
from tarwriter import LayerWriter  # noqa: E402

OPQ = ".wh..wh..opq"

# sifkit adds these for the runtime (tests/convert/convert_support.cpp: is_runtime_addition);
# the name space below never uses them, so they are ignored when the reference lacks them.
RUNTIME_ADDITIONS = {"/.singularity.d", "/singularity", "/.exec", "/.run", "/.shell", "/.test",
                     "/environment", "/dev", "/etc", "/home", "/proc", "/root", "/sys", "/tmp",
                     "/var", "/var/tmp", "/etc/hosts", "/etc/resolv.conf"}

# sifkit refuses, the reference accepts (docs/oci2sif.md): a whiteout or opaque marker below a
# path that is a symlink or file, and a hardlink to a directory (Docker's link(2) fails).
EXCLUDED = {"whiteout below a non-directory": "whiteout below",
            "hardlink to a directory": "is a directory"}
# The reference's whiteouts and opaque markers delete a lower directory that the same layer
# puts entries in (keeping the entries, without their parent); the spec and sifkit keep the
# directory the layer's entries need. Stacks where that happened and the trees differ are
# counted under this name.
ORPHANS = "own-layer entries below a whited-out directory"


# ---- stacks: a list of layers, each a list of ops ---------------------------------------
#
#   ("dir", path, meta)          ("file", path, data, meta)     ("sym", path, target, meta)
#   ("link", path, target)       ("wh", path)                   ("opq", dirpath)  "" = root
#   ("fifo", path, meta)         ("rawopq", member name)         a layer's first op may be
#   ("prefix", "./") to write every member name as "./NAME".

def meta(mode=0o644, uid=0, gid=0, mtime=1700000000, xattrs=None):
    return {"mode": mode, "uid": uid, "gid": gid, "mtime": mtime, "xattrs": xattrs or {}}


D = meta(0o755)
F = meta()


def layer_tar(ops):
    prefix = ""
    if ops and ops[0][0] == "prefix":
        prefix, ops = ops[0][1], ops[1:]
    w = LayerWriter("pax", prefix=prefix)
    for op in ops:
        kind = op[0]
        if kind in ("dir", "file", "sym", "fifo"):
            m = dict(op[-1])
            mode = m.pop("mode")
            if not m["xattrs"]:
                m.pop("xattrs")
            if kind == "dir":
                w.dir(op[1], mode, **m)
            elif kind == "file":
                w.file(op[1], op[2], mode, **m)
            elif kind == "fifo":
                w.fifo(op[1], mode, **m)
            else:
                m.pop("xattrs", None)
                w.symlink(op[1], op[2], **m)
        elif kind == "link":
            w.hardlink(op[1], op[2])
        elif kind == "wh":
            w.whiteout(op[1])
        elif kind == "opq":
            w.file((op[1] + "/" if op[1] else "") + OPQ, b"")
        elif kind == "rawopq":
            w.file(op[1], b"")
        else:
            raise ValueError(op)
    return w.getvalue()


def build_layout(stack, root):
    layers = [Layer(layer_tar(ops), None, "layer %d" % i) for i, ops in enumerate(stack)]
    image = Image(layers, {"Cmd": ["/bin/sh"]})
    layout = Layout()
    layout.add_image(image)
    layout.set_index([image.manifest.descriptor(annotations={REF_NAME: "latest"})])
    layout.write(root)


# ---- the named regression stacks (one per bug class of the merge) ----------------------

def _cases():
    c = {}
    # 1: a hardlink chain across layers whose first names are whited out keeps its inode.
    c["chain_first_names_whited_out"] = [
        [("file", "f", b"original\n", F)],
        [("link", "l1", "f")],
        [("link", "l2", "l1"), ("link", "l3", "l1")],
        [("wh", "f"), ("wh", "l1")]]
    # 2: dir -> file -> dir again: the first directory's files stay gone.
    c["dir_file_dir_no_resurrection"] = [
        [("dir", "d", D), ("file", "d/old", b"old\n", F)],
        [("file", "d", b"file\n", F)],
        [("dir", "d", D), ("file", "d/new", b"new\n", F)]]
    c["dir_link_dir_no_resurrection"] = [
        [("file", "a", b"a\n", F), ("dir", "d1", D), ("file", "d1/b", b"b\n", F)],
        [("link", "d1", "a")],
        [("dir", "d1", D)]]
    # 3: a hardlink to a file no layer holds is refused.
    c["hardlink_to_missing_refused"] = [
        [("file", "a", b"a\n", F)],
        [("link", "b", "nothere")]]
    c["hardlink_to_whited_out_refused"] = [
        [("file", "a", b"a\n", F)],
        [("wh", "a")],
        [("link", "b", "a")]]
    # 4: an entry or whiteout below a lower layer's symlink or file is refused.
    c["entry_below_symlink_refused"] = [
        [("dir", "real", D), ("sym", "s", "real", meta(0o777))],
        [("file", "s/x", b"x\n", F)]]
    c["entry_below_file_refused"] = [
        [("file", "s", b"s\n", F)],
        [("file", "s/x", b"x\n", F)]]
    c["whiteout_below_symlink_refused"] = [
        [("dir", "real", D), ("file", "real/x", b"x\n", F), ("sym", "s", "real", meta(0o777))],
        [("wh", "s/x")]]
    # 5: the uninitialised-inode crash: two dead names of one hardlinked inode.
    c["hardlinks_two_names_whited_out"] = [
        [("file", "a", b"a\n", F), ("link", "b", "a"), ("link", "c", "b"), ("link", "d1", "a")],
        [("wh", "a"), ("wh", "b")]]
    # 6: a link to a hardlink name gets the inode that name had when the link was applied.
    c["link_to_link_name_then_whiteout"] = [
        [("file", "b", b"old\n", F), ("file", "a", b"new\n", F)],
        [("link", "b", "a"), ("link", "c", "b")],
        [("wh", "b")]]
    # 7: variants: the link name replaced, its parent replaced, the whole chain gone.
    c["link_to_link_name_replaced"] = [
        [("file", "b", b"old\n", F), ("file", "a", b"new\n", F)],
        [("link", "b", "a"), ("link", "c", "b")],
        [("file", "b", b"newer\n", F)]]
    c["link_to_link_name_parent_replaced"] = [
        [("dir", "d", D), ("file", "d/b", b"old\n", F), ("file", "a", b"new\n", F)],
        [("link", "d/b", "a"), ("link", "c", "d/b")],
        [("file", "d", b"d is a file\n", F)]]
    c["link_chain_all_names_gone"] = [
        [("file", "a", b"a\n", F)],
        [("link", "b", "a")],
        [("link", "c", "b")],
        [("wh", "a"), ("wh", "b")]]
    c["link_replaces_dir_holding_names"] = [
        [("file", "a", b"a\n", F), ("dir", "d1", D), ("file", "d1/b", b"b\n", F)],
        [("link", "d1", "a")],
        [("link", "c", "d1")]]
    c["link_to_lower_link_then_dir_replaced"] = [
        [("file", "a", b"a\n", F), ("dir", "d1", D), ("file", "d1/b", b"b\n", F)],
        [("link", "x", "a"), ("wh", "d1")],
        [("link", "d1", "x")],
        [("wh", "x"), ("wh", "a")]]
    # 8: opaque markers at the root, in every spelling and position.
    c["root_opaque"] = [
        [("file", "a", b"a\n", F), ("dir", "d", D), ("file", "d/x", b"x\n", F)],
        [("file", "b", b"b\n", F), ("opq", "")]]
    c["root_opaque_dot_slash"] = [
        [("file", "a", b"a\n", F)],
        [("prefix", "./"), ("opq", ""), ("file", "b", b"b\n", F)]]
    c["root_opaque_literal"] = [
        [("file", "a", b"a\n", F)],
        [("rawopq", "./" + OPQ), ("file", "b", b"b\n", F)]]
    return c


CASES = _cases()


# ---- the random generator ---------------------------------------------------------------

COMPONENTS = ["a", "b", "d", "e", "sp ace", "n\xe9", "\\x"]


class Generator:
    """One seed, one stack. Paths come from a tiny pool so that layers collide; a light model
    of what exists keeps most stacks valid (hardlinks mostly point at names that hold a file)
    while still producing every crafted pattern now and then."""

    def __init__(self, seed):
        self.r = random.Random(seed)
        self.state = {}      # path -> "dir" or "file": what the stack holds so far
        self.added = set()   # paths the current layer gave an entry
        self.ever = []       # paths ever named
        self.chains = []     # names given to one inode by one layer's hardlinks

    # -- the model (the reference's rules, enough to aim hardlinks and parents) --
    def _drop(self, path, keep_added):
        for k in [k for k in self.state if k == path or k.startswith(path + "/") or not path]:
            if not (keep_added and k in self.added):
                del self.state[k]

    def _put(self, path, kind):
        comps = path.split("/")
        for i in range(1, len(comps)):
            self.state.setdefault("/".join(comps[:i]), "dir")
        if kind != "dir" or self.state.get(path) != "dir":
            self._drop(path, False)
        self.state[path] = kind
        self.added.add(path)

    def path(self, depth=None):
        r = self.r
        depth = depth or r.choice([1, 1, 2, 2, 2, 3])
        comps = [r.choice(COMPONENTS[:4]) if i + 1 < depth else
                 r.choice(COMPONENTS if r.random() < 0.2 else COMPONENTS[:4])
                 for i in range(depth)]
        return "/".join(comps)

    def known(self):
        if self.ever and self.r.random() < 0.7:
            return self.r.choice(self.ever)
        return self.path()

    def link_target(self, path):
        # a link replaces a directory at its path first: its target is not below it
        files = sorted(p for p, k in self.state.items()
                       if k == "file" and not (path and p.startswith(path + "/")))
        if files and self.r.random() < 0.96:
            return self.r.choice(files)
        return self.known() if self.r.random() < 0.5 else None

    def meta(self, mode):
        r = self.r
        xattrs = {}
        if r.random() < 0.2:
            xattrs["user.k"] = r.choice(["v1", "v2", ""])
        if r.random() < 0.1:
            xattrs["trusted.t"] = "x"
        return meta(mode=r.choice([mode, mode, 0o700, 0o640, 0o1777 if mode == 0o755 else 0o600]),
                    uid=r.choice([0, 0, 1000, 65534]), gid=r.choice([0, 0, 100]),
                    mtime=r.choice([1700000000, 1600000000, 1, 1234567890 + r.randrange(99)]),
                    xattrs=xattrs)

    def data(self):
        r = self.r
        kind = r.random()
        if kind < 0.2:
            return b""
        if kind < 0.3:
            return r.randbytes(r.randrange(140000, 300000))  # more than a block
        if kind < 0.4:
            return b"\0" * 262144 + b"tail" * r.randrange(1, 4)  # sparse-looking
        return ("content %d\n" % r.randrange(6)).encode()

    def parents(self, ops, path):
        """Explicit parent directories: always where a file or symlink stands (but now and
        then not: a crafted layer), often where nothing or a directory does."""
        comps = path.split("/")
        for i in range(1, len(comps)):
            p = "/".join(comps[:i])
            now = self.state.get(p)
            chance = 0.2 if now == "dir" else 0.6 if now is None else 0.95
            if self.r.random() < chance:
                self.emit(ops, ("dir", p, self.meta(0o755)))

    def emit(self, ops, op):
        kind, p = op[0], op[1]
        if kind == "dir":
            self._put(p, "dir")
        elif kind in ("file", "sym", "fifo", "link"):
            self._put(p, "file")
        elif kind == "wh":
            self._drop(p, True)
        elif kind == "opq":
            self._drop(p, True) if not p else [self._drop(k, True) for k in
                                                [k for k in self.state if k.startswith(p + "/")]]
            if p:
                self.added.add(p)
        ops.append(op)
        if kind != "rawopq" and p:
            self.ever.append(p)

    def layer(self, first):
        r = self.r
        ops = []
        self.added = set()
        if r.random() < 0.1:
            ops.append(("prefix", "./"))
        for _ in range(r.randrange(1, 9)):
            k = r.random()
            if k < 0.28:
                p = self.path()
                self.parents(ops, p)
                self.emit(ops, ("file", p, self.data(), self.meta(0o644)))
            elif k < 0.43:
                p = self.known() if r.random() < 0.5 else self.path()
                self.parents(ops, p)
                self.emit(ops, ("dir", p, self.meta(0o755)))
            elif k < 0.53:
                p = self.path()
                self.parents(ops, p)
                target = r.choice(["a", "../a", "/d/a", "/nonexistent", "d", "b/../e", "."])
                self.emit(ops, ("sym", p, target, self.meta(0o777)))
            elif k < 0.70 and not first or k < 0.6:
                p = self.known() if r.random() < 0.4 else self.path()
                self.parents(ops, p)
                target = self.link_target(p)
                if target is None:  # nothing to link to: a file instead
                    self.emit(ops, ("file", p, self.data(), self.meta(0o644)))
                else:
                    self.emit(ops, ("link", p, target))
            elif k < 0.84:
                self.emit(ops, ("wh", self.known()))
                if self.chains and r.random() < 0.5:
                    # some names of one hardlinked inode die together, the others live on
                    names = r.choice(self.chains)
                    dead = names[:2] if r.random() < 0.5 else r.sample(
                        names, min(len(names), r.choice([1, 2, 3])))
                    for name in dead:
                        self.emit(ops, ("wh", name))
            elif k < 0.90:
                d = r.choice(["", "", self.known()])
                if r.random() < 0.7:
                    self.emit(ops, ("opq", d))
                else:
                    self.emit(ops, ("rawopq", (d + "/" if d else r.choice(["", "./", "/"]))
                                    + OPQ))
            elif k < 0.91:
                # several names for one inode in one layer, links to links among them
                t = self.link_target("")
                if t is None:
                    t = self.path()
                    self.parents(ops, t)
                    self.emit(ops, ("file", t, self.data(), self.meta(0o644)))
                names = [t]
                for _ in range(r.randrange(2, 5)):
                    p = self.path()
                    self.parents(ops, p)
                    # mostly the shape that matters: l1 -> t, l2 -> l1, l3 -> t
                    target = ([t, names[-1], t][len(names) - 1] if len(names) <= 3 and
                              r.random() < 0.7 else r.choice(names))
                    if target == p or target.startswith(p + "/") or self.state.get(target) != "file":
                        continue
                    self.emit(ops, ("link", p, target))
                    names.append(p)
                self.chains.append(names)
            elif k < 0.93:
                p = self.path()
                self.parents(ops, p)
                m = self.meta(0o644)
                m["xattrs"] = {}  # Linux keeps user.* xattrs off fifos: unsquashfs cannot restore
                self.emit(ops, ("fifo", p, m))
            else:
                # the same path twice in one layer, or a type change within it
                p = self.known()
                self.parents(ops, p)
                self.emit(ops, ("file", p, b"first\n", self.meta(0o644)))
                self.emit(ops, r.choice([("file", p, b"second\n", self.meta(0o644)),
                                         ("dir", p, self.meta(0o755)),
                                         ("sym", p, "a", self.meta(0o777))]))
        return ops

    def stack(self):
        return [self.layer(i == 0) for i in range(self.r.randrange(2, 7))]


# ---- the two sides ----------------------------------------------------------------------

def load_reference(path):
    spec = importlib.util.spec_from_file_location("oci_corpus", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class _OrphanWatch(dict):
    """The reference's tree, noticing when a deletion leaves a path without its parent (checked
    before the next entry is stored, once the deletion batch is complete)."""

    def __init__(self):
        super().__init__()
        self.deleted = set()
        self.orphaned = False
        self.dir_linked = False  # a hardlink made a second name for a directory

    def __delitem__(self, key):
        super().__delitem__(key)
        self.deleted.add(key)

    def pop(self, key, *default):
        self.deleted.add(key)
        return super().pop(key, *default)

    def check(self):
        for gone in self.deleted:
            if gone not in self and any(k.startswith(gone.rstrip("/") + "/") for k in self):
                self.orphaned = True
        self.deleted.clear()

    def __setitem__(self, key, value):
        self.check()
        if value.type == "dir" and any(v is value for k, v in self.items() if k != key):
            self.dir_linked = True
        super().__setitem__(key, value)


def reference_listing(ref, layout):
    """(None, listing, tree) or (refusal message, None, tree): the flatten command, in process.
    tree.orphaned: the reference held a path without its parent at some point (see ORPHANS);
    tree.dir_linked: a hardlink named a directory (see EXCLUDED)."""
    man = ref._load_manifest(layout, None)
    tree = _OrphanWatch()
    try:
        for desc in man["layers"]:
            with ref._open_blob(layout, desc) as f:
                ref._apply_layer(tree, f)
            tree.check()
    except ValueError as e:
        return str(e), None, tree
    out = io.StringIO()
    ref._emit_listing(tree, out)
    return None, parse_listing(out.getvalue()), tree


def parse_listing(text):
    rows = {}
    for line in text.splitlines():
        cols = line.split("\t")
        if cols[0] != "/":
            rows[cols[0]] = cols[1:]
    return rows


def squashfs_of(sif_path, out_path):
    """The squashfs partition of a SIF: the super block magic at a 4 KiB boundary."""
    with open(sif_path, "rb") as f:
        data = f.read()
    for off in range(0, len(data), 4096):
        if data[off:off + 4] == b"hsqs":
            used = struct.unpack_from("<Q", data, off + 40)[0]
            with open(out_path, "wb") as o:
                o.write(data[off:off + used])
            return
    raise RuntimeError("no squashfs partition in " + sif_path)


def show(path_bytes):
    return path_bytes.decode("utf-8", "surrogateescape").encode(
        "utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def tree_listing(root):
    """The reference's listing format for an unpacked tree (lstat; hardlinks by inode)."""
    rootb = os.fsencode(root)
    entries = []
    for dirpath, dirnames, filenames in os.walk(rootb):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            entries.append(("/" + os.path.relpath(full, rootb).decode(
                "utf-8", "surrogateescape"), full))
    groups = {}
    for p, full in sorted(entries):
        st = os.lstat(full)
        if stat.S_ISREG(st.st_mode):
            groups.setdefault(st.st_ino, []).append(p)
    rows = {}
    for p, full in entries:
        st = os.lstat(full)
        m = st.st_mode
        content, size = "-", 0
        if stat.S_ISREG(m):
            typ = "reg"
            with open(full, "rb") as f:
                content = hashlib.sha256(f.read()).hexdigest()
            size = st.st_size
        elif stat.S_ISDIR(m):
            typ = "dir"
        elif stat.S_ISLNK(m):
            typ = "sym"
            t = os.readlink(full)
            content, size = t.decode("utf-8", "surrogateescape"), len(t)
        elif stat.S_ISFIFO(m):
            typ = "fifo"
        elif stat.S_ISCHR(m) or stat.S_ISBLK(m):
            typ = "chr" if stat.S_ISCHR(m) else "blk"
            content = "%d,%d" % (os.major(st.st_rdev), os.minor(st.st_rdev))
        else:
            typ = "other"
        xa = {}
        if not stat.S_ISLNK(m):
            for k in os.listxattr(full, follow_symlinks=False):
                xa[k] = os.getxattr(full, k, follow_symlinks=False).hex()
        g = groups.get(st.st_ino, []) if typ == "reg" else []
        hl = g[0] if len(g) > 1 else "-"
        rows[show(p.encode("utf-8", "surrogateescape"))] = [
            typ, "%04o" % (m & 0o7777), str(st.st_uid), str(st.st_gid), str(size), content,
            ";".join("%s=%s" % kv for kv in sorted(xa.items())) or "-", str(int(st.st_mtime)),
            show(hl.encode("utf-8", "surrogateescape")) if hl != "-" else "-"]
    return rows


FIELDS = ["type", "mode", "uid", "gid", "size", "content", "xattrs", "mtime", "hardlink"]


def compare(want, got):
    diffs = []
    for p in sorted(set(want) | set(got)):
        if p not in got:
            diffs.append("missing in sifkit: %s %s" % (p, " ".join(want[p][:2])))
        elif p not in want:
            if p not in RUNTIME_ADDITIONS and not p.startswith("/.singularity.d/"):
                diffs.append("extra in sifkit: %s %s" % (p, " ".join(got[p][:2])))
        else:
            for i, (x, y) in enumerate(zip(want[p], got[p])):
                # a symlink's own time: unsquashfs 4.5 does not restore it
                if FIELDS[i] == "mtime" and want[p][0] == "sym":
                    continue
                if x != y:
                    diffs.append("%s %s: reference %s, sifkit %s" % (FIELDS[i], p, x, y))
    return diffs


class Runner:
    def __init__(self, sifkit, reference, keep=None):
        self.sifkit = sifkit
        self.reference_path = reference
        self.ref = load_reference(reference)
        self.keep = keep
        self.lock = threading.Lock()
        self.counts = collections.Counter(ok=0, refused_both=0, failed=0)
        for name in list(EXCLUDED) + [ORPHANS]:
            self.counts["excluded: " + name] = 0

    def count(self, key):
        with self.lock:
            self.counts[key] += 1

    def rebuild_command(self, label):
        how = "--case " + label if not label.isdigit() else "--seed " + label
        return ("python3 %s %s --write-layout /tmp/merge-%s && python3 %s flatten /tmp/merge-%s"
                % (os.path.abspath(__file__), how, label,
                   os.path.normpath(os.path.abspath(self.reference_path)), label))

    def run(self, label, stack):
        work = self.keep or tempfile.mkdtemp(prefix="sifkit-merge-")  # not tmpfs: user xattrs
        try:
            return self._run(label, stack, work)
        finally:
            if not self.keep:
                shutil.rmtree(work, ignore_errors=True)

    def _run(self, label, stack, work):
        layout = os.path.join(work, "layout")
        shutil.rmtree(layout, ignore_errors=True)
        build_layout(stack, layout)
        refusal, want, seen = reference_listing(self.ref, layout)
        outdir = os.path.join(work, "out")
        shutil.rmtree(outdir, ignore_errors=True)
        os.makedirs(outdir)
        sif = os.path.join(outdir, "image.sif")
        res = subprocess.run([self.sifkit, "convert", "-q", "--jobs", "1",
                              "oci:" + layout + ":latest", sif],
                             capture_output=True, env=dict(os.environ, SOURCE_DATE_EPOCH="1"))
        err = res.stderr.decode("utf-8", "replace")
        left = os.listdir(outdir)
        problems = []
        if res.returncode >= 128 or res.returncode < 0 or "internal error" in err:
            problems.append("sifkit crashed (exit %d): %s" % (res.returncode, err.strip()))
        elif refusal is not None:
            if res.returncode == 0:
                problems.append("the reference refuses (%s), sifkit converts" % refusal)
            elif res.returncode != 4 or err.count("\n") != 1 or left:
                problems.append("refusal not clean: exit %d, %r, left %s"
                                % (res.returncode, err, left))
            else:
                self.count("refused_both")
                return True
        elif res.returncode != 0:
            for name, text in EXCLUDED.items():
                if text in err and res.returncode == 4 and not left:
                    self.count("excluded: " + name)
                    return True
            if seen.dir_linked and res.returncode == 4 and not left:
                # refused for what the reference's directory link made of later entries
                self.count("excluded: hardlink to a directory")
                return True
            problems.append("sifkit refuses (exit %d: %s), the reference converts"
                            % (res.returncode, err.strip()))
        else:
            squash = os.path.join(work, "image.sqfs")
            squashfs_of(sif, squash)
            tree = os.path.join(work, "tree")
            shutil.rmtree(tree, ignore_errors=True)
            un = subprocess.run(["unsquashfs", "-no-progress", "-d", tree, squash],
                                capture_output=True)
            if un.returncode != 0:
                problems.append("unsquashfs failed: " + un.stderr.decode(errors="replace"))
            else:
                problems += compare(want, tree_listing(tree))
        if not problems:
            self.count("ok")
            return True
        if seen.orphaned:
            self.count("excluded: " + ORPHANS)
            return True
        self.count("failed")
        with self.lock:
            print("FAIL %s: %s\n  rebuild: %s" % (
                "seed " + label if label.isdigit() else "case " + label, "; ".join(problems[:6]),
                self.rebuild_command(label)), flush=True)
        return False


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sifkit", help="the sifkit binary")
    ap.add_argument("--reference", default=os.path.join(
        os.environ.get("SIFKIT_SHARED_DIR", os.path.join(REPO, "..", "shared")),
        "bench", "oci_corpus.py"))
    ap.add_argument("--seeds", help="FIRST:END (END excluded), or a count from 0")
    ap.add_argument("--seed", type=int)
    ap.add_argument("--case", help="one named regression stack")
    ap.add_argument("--cases", action="store_true", help="every named regression stack")
    ap.add_argument("--write-layout", metavar="DIR", help="only build the layout into DIR")
    ap.add_argument("--keep", metavar="DIR", help="work in DIR and keep it")
    ap.add_argument("--time-limit", type=float, default=0,
                    help="stop starting new seeds after this many seconds (0: none)")
    ap.add_argument("-j", "--jobs", type=int, default=1, help="stacks converted in parallel")
    a = ap.parse_args()

    jobs = []
    if a.case:
        jobs.append((a.case, CASES[a.case]))
    if a.cases:
        jobs += list(CASES.items())
    if a.seed is not None:
        jobs.append((str(a.seed), Generator(a.seed).stack()))
    if a.seeds:
        first, _, end = a.seeds.rpartition(":")
        jobs += [(str(s), None) for s in range(int(first or 0), int(end))]
    if a.write_layout:
        for label, stack in jobs:
            build_layout(stack if stack is not None else Generator(int(label)).stack(),
                         a.write_layout)
            print(a.write_layout)
        return 0
    if not a.sifkit or not jobs:
        ap.error("--sifkit and --seed/--seeds/--case/--cases are needed")
    if not os.path.exists(a.reference):
        print("skipped: no reference at %s (set SIFKIT_SHARED_DIR)" % a.reference)
        return 1 if os.environ.get("CI") == "true" else 77
    if shutil.which("unsquashfs") is None or os.geteuid() != 0:
        print("skipped: needs unsquashfs and root")
        return 1 if os.environ.get("CI") == "true" else 77
    runner = Runner(a.sifkit, a.reference, a.keep)
    start = time.monotonic()
    ran = 0

    def one(job):
        label, stack = job
        if a.time_limit and time.monotonic() - start > a.time_limit:
            return 0
        runner.run(label, stack if stack is not None else Generator(int(label)).stack())
        return 1

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
        ran = sum(pool.map(one, jobs))
    print("%d stacks in %.1f s: %s" % (ran, time.monotonic() - start,
                                       ", ".join("%s %d" % kv for kv in runner.counts.items())))
    return 1 if runner.counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
