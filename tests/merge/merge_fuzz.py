#!/usr/bin/env python3
"""Differential test of sifkit's layer merge against two independent references.

Builds OCI layouts of 2-6 small layers over a tiny name space (names collide across layers),
converts each with `sifkit convert`, reads the squashfs back with an independent reader
(unsquashfs, extracting as root) and compares the tree entry by entry -- type, mode, owner,
size, content hash, link target, xattrs, mtime, hardlink groups -- with what the references
make of the same layout:

  - `oci_corpus.py flatten` (the shared reference, Docker's layer semantics, in process);
  - `umoci raw unpack` into a directory (as root), read back the same way as unsquashfs's tree.

The two references are compared first. Where they agree, sifkit must match them. Where they
disagree, the stack is reported as "references disagree" (seed, path, both values) and fails,
unless the disagreement is one of the named patterns of DISAGREEMENTS, each decided in
docs/oci2sif.md ("The differential test"): such a stack is counted under its name and sifkit is
held to the decision (refuse the stack, or make the tree of the reference that is right). A
stack a reference refuses as crafted must be refused by sifkit too: exit 4, one line, no output
file.

    merge_fuzz.py --sifkit BIN --seeds 0:300        # random stacks, seeds 0..299
    merge_fuzz.py --sifkit BIN --cases              # the named regression stacks
    merge_fuzz.py --sifkit BIN --seed 17 --keep D   # one seed, layout and trees kept in D
    merge_fuzz.py --sifkit BIN --seeds 300 --no-umoci   # quicker: the flatten reference only
    merge_fuzz.py --write-layout D --seed 17        # only build the layout of seed 17

Each failure prints its seed (or case name) and the commands that rebuild its layout and run
the references on it. Needs Python 3.11 (standard library only), unsquashfs, umoci (without it
the second reference is skipped with a message; under CI=true it is required), and root for
owners and trusted xattrs. The patterns where sifkit and the flatten reference differ on purpose
are counted, not failed: see EXCLUDED below.
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
import tarfile
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

# Where the two references disagree (docs/oci2sif.md, "The differential test"): each named
# pattern and what sifkit must do with a stack that shows it -- "refuse" it (exit 4), or make
# the tree of the reference that is right ("flatten" or "umoci").
SELF_LINK = "hardlink to itself"
DIR_LINK = "hardlink to a directory"
BELOW_SYMLINK = "entry below a symlink"
WHITEOUT_BELOW = "whiteout below a non-directory"
WHITEOUT_BELOW_OWN = "whiteout below a symlink of its own layer"
REPLACED_BELOW = "entry below a path its own layer replaced and re-made"
EMPTY_XATTR = "xattr with an empty value"
DISAGREEMENTS = {
    # flatten keeps the file; the spec replaces an existing path by unlinking it first, which
    # removes the link's own target: Docker, containerd and umoci fail in link(2)
    SELF_LINK: "refuse",
    # flatten makes a second name for the directory; link(2) refuses directories (Docker, umoci)
    DIR_LINK: "refuse",
    # flatten refuses; umoci writes through the symlink (resolved inside the root), as Docker
    # does; sifkit refuses such a crafted layer
    BELOW_SYMLINK: "refuse",
    # a marker below a lower layer's symlink: flatten ignores it; umoci deletes through the
    # symlink (or fails on a symlink loop), as Docker does; sifkit refuses such a crafted layer
    WHITEOUT_BELOW: "refuse",
    # the same below a symlink its own layer made before the marker: the same difference of the
    # references, the same crafted layer (no diff of two trees makes one); refused likewise
    WHITEOUT_BELOW_OWN: "refuse",
    # flatten deletes the directory its own layer's entries are in; umoci keeps it, as the spec
    # says (whiteouts apply to lower layers only), but with the lower layer's metadata when the
    # entries come before the marker, where the spec applies whiteouts first whatever the order:
    # umoci's tree, with those directories as implied ones (see orphans_expected), or umoci's
    # refusal (a hardlink replacing such a directory loses its target below it)
    ORPHANS: "umoci",
    # a layer puts a non-directory at P, then a directory at P, then entries below it: the
    # non-directory removed what lower layers had below P (Docker and umoci remove a path before
    # they replace it), so the entries' parents are implied anew; flatten keeps a lower file
    # below P and refuses the entry as below a file (seed 5084)
    REPLACED_BELOW: "umoci",
    # umoci reads xattrs from Go's tar.Header.Xattrs, which leaves out empty values; Docker and
    # containerd read the PAX records and set the empty xattr, as flatten and sifkit keep it
    EMPTY_XATTR: "flatten",
}


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
    # 9: found by the umoci reference (seeds 1 and 210 of the first 3000-seed run).
    c["hardlink_to_itself_refused"] = [
        [("file", "a", b"a\n", F)],
        [("link", "a", "a")]]
    c["whiteout_below_own_symlink_refused"] = [
        [("dir", "real", D), ("file", "real/x", b"x\n", F)],
        [("sym", "s", "real", meta(0o777)), ("wh", "s/x")]]
    # (seed 1791 of the second run: the symlink reached through a hardlink to a lower layer's)
    c["whiteout_below_own_hardlink_to_symlink_refused"] = [
        [("dir", "real", D), ("file", "real/x", b"x\n", F), ("sym", "s", "real", meta(0o777))],
        [("link", "h", "s"), ("wh", "h/x")]]
    # 10: the shape of seed 5084 (12,000-seed run after the memory work): a layer makes e a
    # file, then a directory again, then an entry below e/d; the file removed the lower e/d, so
    # e/d is implied anew (umoci, Docker). In 5084 flatten missed that removal and refused; in
    # this smaller stack both references agree.
    c["remade_directory_drops_lower_file"] = [
        [("dir", "e", D), ("file", "e/d", b"lower file\n", F)],
        [("prefix", "./"), ("file", "e", b"", F), ("dir", "e", D),
         ("sym", "e/d/d", "../x", meta(0o777))]]
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
        self.orphan_dirs = set()  # the deleted directories whose entries stayed
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
                self.orphan_dirs.add(gone)
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


def without_empty_xattrs(xattrs):
    """A listing's xattrs field without the xattrs whose value is empty (see EMPTY_XATTR)."""
    kept = [kv for kv in xattrs.split(";") if kv != "-" and not kv.endswith("=")]
    return ";".join(kept) or "-"


def umoci_artefact(field, row, started):
    """A difference that unpacking into a directory makes, not a difference of the layer
    semantics: umoci gives a directory it creates implicitly the current time, and does not
    restore a directory's time after a later entry or whiteout changed its contents (Docker
    sets directory times at the end of each layer). So a directory time umoci left at or after
    the start of its unpack is not compared: every time the generator writes is years earlier."""
    return field == "mtime" and row[0] == "dir" and int(row[7]) >= started


def compare(want, got, started=None):
    """sifkit's listing (got) against the expected one: the flatten reference's, or umoci's when
    started (the time its unpack began) is given, so that umoci's artefacts are left out."""
    diffs = []
    source = "reference" if started is None else "umoci"
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
                if started is not None and (umoci_artefact(FIELDS[i], want[p], started) or
                                            FIELDS[i] == "xattrs" and x == without_empty_xattrs(y)):
                    continue
                if x != y:
                    diffs.append("%s %s: %s %s, sifkit %s" % (FIELDS[i], p, source, x, y))
    return diffs


# ---- the second reference: umoci --------------------------------------------------------

def umoci_listing(umoci, layout, dest):
    """(None, listing, started) or (umoci's error, None, started): `umoci raw unpack` of the
    layout's tag into dest, as root (owners as in the tar; no --rootless), read back with
    tree_listing like unsquashfs's tree. started: the second the unpack began (umoci_artefact)."""
    started = int(time.time())
    res = subprocess.run([umoci, "raw", "unpack", "--image", layout + ":latest", dest],
                         capture_output=True)
    if res.returncode != 0:
        # umoci logs progress on stderr; its last line is the error ("   ⨯ create rootfs: ...")
        lines = res.stderr.decode("utf-8", "replace").strip().splitlines() or ["?"]
        return ("exit %d: %s" % (res.returncode, lines[-1].strip(" \u2a2f"))), None, started
    return None, tree_listing(dest), started


def compare_references(flat, umo, started):
    """(differences, reconciled): how the flatten listing and umoci's differ, leaving out
    umoci's artefacts (umoci_artefact); reconciled is True when an xattrs difference was only
    EMPTY_XATTR (umoci leaving out empty values), which is then no difference either."""
    diffs, reconciled = [], False
    for p in sorted(set(flat) | set(umo)):
        if p not in umo:
            diffs.append((p, "entry", " ".join(flat[p][:2]), "absent"))
        elif p not in flat:
            diffs.append((p, "entry", "absent", " ".join(umo[p][:2])))
        else:
            for i, (x, y) in enumerate(zip(flat[p], umo[p])):
                if x == y or umoci_artefact(FIELDS[i], umo[p], started):
                    continue
                if FIELDS[i] == "xattrs" and without_empty_xattrs(x) == y:
                    reconciled = True
                    continue
                diffs.append((p, FIELDS[i], x, y))
    return diffs, reconciled


def crafted_entries(ref, layout):
    """{pattern: [(path, where)]} for the crafted entries the references treat differently,
    found with the flatten reference's own model: SELF_LINK, a hardlink naming its own path;
    WHITEOUT_BELOW, a whiteout or opaque marker below a path that a lower layer left a symlink or
    another non-directory; WHITEOUT_BELOW_OWN, one below a symlink its own layer made (below its
    own layer's file or fifo, both references and sifkit ignore a marker). The tree a marker
    meets is the flatten tree with its layer replayed up to the marker. Only run when the
    references disagree: it re-reads every layer once per marker."""
    found = collections.defaultdict(list)
    tree = {}
    for n, desc in enumerate(ref._load_manifest(layout, None)["layers"]):
        with ref._open_blob(layout, desc) as f:
            blob = f.read()
        with tarfile.open(fileobj=io.BytesIO(blob), mode="r:") as tf:
            members = tf.getmembers()
        for m in members:
            try:
                path = ref._norm(m.name)
                if m.islnk() and ref._norm(m.linkname) == path:
                    found[SELF_LINK].append((path, "layer %d" % n))
                if not path.rsplit("/", 1)[1].startswith(".wh."):
                    continue
                # m.offset is where the member's headers (a PAX header included) start: the
                # bytes before it plus an end-of-archive block are the layer up to the marker
                before = dict(tree)
                ref._apply_layer(before, io.BytesIO(blob[:m.offset] + bytes(1024)))
            except ValueError:  # the reference refuses here: nothing further to find
                return found
            parent = path.rsplit("/", 1)[0]
            while parent:
                node = before.get(parent)
                if node is not None and node.type != "dir":
                    where = "layer %d: below %s (%s)" % (n, parent, node.type)
                    if tree.get(parent) is node:
                        found[WHITEOUT_BELOW].append((path, where))
                    elif node.type == "sym":
                        found[WHITEOUT_BELOW_OWN].append((path, where))
                    break
                parent = parent.rsplit("/", 1)[0]
        try:
            ref._apply_layer(tree, io.BytesIO(blob))
        except ValueError:
            break
    return found


def explain(refusal, umoci_err, seen, crafted):
    """The named pattern (DISAGREEMENTS) behind a disagreement of the references, or None.
    A refusal is attributed to an entry only when umoci's error names that entry."""
    def named(pattern, text=""):
        # umoci names the entry as in the tar, without the leading "/" or "./"
        return any("unpack entry: %s: %s" % (path[1:], text) in umoci_err
                   for path, _ in crafted.get(pattern, []))

    if umoci_err and not refusal:
        if named(SELF_LINK, "link: no such file or directory"):
            return SELF_LINK
        if seen.dir_linked and "link: operation not permitted" in umoci_err:
            return DIR_LINK
        for pattern in (WHITEOUT_BELOW, WHITEOUT_BELOW_OWN):
            if named(pattern):
                return pattern
        # a hardlink in place of a directory flatten had lost that way: umoci replaces the
        # directory, and the link's target below it goes too
        if any("unpack entry: %s: link: no such file or directory" % d[1:] in umoci_err
               for d in seen.orphan_dirs):
            return ORPHANS
        # umoci deleted through a symlink at a marker (the marker itself applies without an
        # error), and a later entry fails on what that deletion took (seeds 3072, 4198)
        for pattern in (WHITEOUT_BELOW, WHITEOUT_BELOW_OWN):
            if any(where.endswith("(sym)") for _, where in crafted.get(pattern, [])):
                return pattern
    elif refusal and not umoci_err:
        if ", which is a sym," in refusal:
            return BELOW_SYMLINK
        # umoci refuses an entry below a file it still has ("not a directory"): converting, it
        # had removed the file with a replacement the flatten model missed
        if " lies below " in refusal and ", which is a " in refusal:
            return REPLACED_BELOW
    elif not refusal and not umoci_err:
        # umoci deletes through a symlink, flatten ignores the marker (below a file or fifo
        # both ignore it: no difference comes from there)
        for pattern in (WHITEOUT_BELOW, WHITEOUT_BELOW_OWN):
            if any(where.endswith("(sym)") for _, where in crafted.get(pattern, [])):
                return pattern
        if seen.orphaned:
            return ORPHANS
    return None


IMPLIED_DIR = ["dir", "0755", "0", "0", "0", "-", "-", "0", "-"]


def orphans_expected(flat, umo, orphan_dirs):
    """The tree sifkit must make of an ORPHANS stack: umoci's, except for the directories the
    flatten reference deleted below entries of the deleting layer. The marker deleted the lower
    directory, metadata included, before the layer's entries were made (the spec: whiteouts
    first, whatever their order in the layer), so such a directory is implied by its entries
    (IMPLIED_DIR), unless a later entry gave it metadata (then flatten has that row)."""
    tree = dict(umo)
    for d in orphan_dirs:
        p = show(d.encode("utf-8", "surrogateescape"))
        if p in tree and tree[p][0] == "dir":
            tree[p] = flat.get(p, IMPLIED_DIR)
    return tree


class Expect:
    """What sifkit must do with one stack, as the references decide it."""

    def __init__(self, refusal=None, tree=None, started=None, disagreement=None):
        self.refusal = refusal            # sifkit must refuse (exit 4): why
        self.tree = tree                  # else: the listing sifkit's tree must equal
        self.started = started            # set when tree is umoci's (compare: its artefacts)
        self.disagreement = disagreement  # the references disagree, unexplained: the details


class Runner:
    def __init__(self, sifkit, reference, keep=None, umoci=None):
        self.sifkit = sifkit
        self.reference_path = reference
        self.ref = load_reference(reference)
        self.keep = keep
        self.umoci = umoci  # None: the flatten reference alone
        self.lock = threading.Lock()
        self.counts = collections.Counter(ok=0, refused=0, failed=0)
        # with umoci, a directory hardlink is a disagreement umoci refuses, and ORPHANS are
        # compared with umoci's tree: those exclusions are for the flatten reference alone
        for name in [WHITEOUT_BELOW] if umoci else list(EXCLUDED) + [ORPHANS]:
            self.counts["excluded: " + name] = 0
        if umoci:
            self.counts["references agree"] = 0
            for name in DISAGREEMENTS:
                self.counts["references disagree: " + name] = 0
            self.counts["references disagree, unexplained"] = 0

    def count(self, key):
        with self.lock:
            self.counts[key] += 1

    def rebuild_command(self, label):
        how = "--case " + label if not label.isdigit() else "--seed " + label
        cmd = ("python3 %s %s --write-layout /tmp/merge-%s && python3 %s flatten /tmp/merge-%s"
               % (os.path.abspath(__file__), how, label,
                  os.path.normpath(os.path.abspath(self.reference_path)), label))
        if self.umoci:
            cmd += " && umoci raw unpack --image /tmp/merge-%s:latest /tmp/merge-%s.umoci" % (
                label, label)
        return cmd

    def run(self, label, stack):
        work = self.keep or tempfile.mkdtemp(prefix="sifkit-merge-")  # not tmpfs: user xattrs
        try:
            return self._run(label, stack, work)
        finally:
            if not self.keep:
                shutil.rmtree(work, ignore_errors=True)

    def expect(self, layout, work, refusal, want, seen):
        """Runs umoci (when enabled), compares the two references and returns the Expect."""
        if not self.umoci:
            return Expect(refusal=refusal) if refusal is not None else Expect(tree=want)
        dest = os.path.join(work, "umoci")
        shutil.rmtree(dest, ignore_errors=True)
        umoci_err, got, started = umoci_listing(self.umoci, layout, dest)
        verdicts = "flatten %s, umoci %s" % (
            "refuses (%s)" % refusal if refusal is not None else "converts",
            "refuses (%s)" % umoci_err if umoci_err is not None else "converts")
        if refusal is not None and umoci_err is not None:
            self.count("references agree")
            return Expect(refusal=verdicts)
        diffs = []
        if refusal is None and umoci_err is None:
            diffs, reconciled = compare_references(want, got, started)
            if not diffs:
                if reconciled:
                    self.count("references disagree: " + EMPTY_XATTR)
                else:
                    self.count("references agree")
                return Expect(tree=want)
        pattern = explain(refusal, umoci_err, seen, crafted_entries(self.ref, layout))
        if pattern is None:
            self.count("references disagree, unexplained")
            return Expect(disagreement=["%s %s: flatten %s, umoci %s" % (f, p, x, y)
                                        for p, f, x, y in diffs] or [verdicts])
        self.count("references disagree: " + pattern)
        decision = DISAGREEMENTS[pattern]
        if decision == "refuse":
            return Expect(refusal="references disagree (%s), decided: refuse; %s"
                          % (pattern, verdicts))
        if decision == "umoci" and umoci_err is not None:
            return Expect(refusal="references disagree (%s), decided: umoci's; %s"
                          % (pattern, verdicts))
        if decision == "umoci":
            # flatten refused (REPLACED_BELOW): umoci's tree as it is
            tree = got if want is None else orphans_expected(want, got, seen.orphan_dirs)
            return Expect(tree=tree, started=started)
        return Expect(tree=want)

    def _run(self, label, stack, work):
        layout = os.path.join(work, "layout")
        shutil.rmtree(layout, ignore_errors=True)
        build_layout(stack, layout)
        refusal, want, seen = reference_listing(self.ref, layout)
        expect = self.expect(layout, work, refusal, want, seen)
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
        elif expect.disagreement:
            # nothing to hold sifkit to: the stack fails as a disagreement of the references
            with self.lock:
                print("REFERENCES DISAGREE %s: %s\n  rebuild: %s" % (
                    "seed " + label if label.isdigit() else "case " + label,
                    "; ".join(expect.disagreement[:6]), self.rebuild_command(label)), flush=True)
            return False
        elif expect.refusal is not None:
            if res.returncode == 0:
                problems.append("sifkit converts, must refuse: %s" % expect.refusal)
            elif res.returncode != 4 or err.count("\n") != 1 or left:
                problems.append("refusal not clean: exit %d, %r, left %s"
                                % (res.returncode, err, left))
            else:
                self.count("refused")
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
            problems.append("sifkit refuses (exit %d: %s), %s" % (
                res.returncode, err.strip(),
                "both references convert" if self.umoci else "the reference converts"))
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
                problems += compare(expect.tree, tree_listing(tree), expect.started)
        if not problems:
            self.count("ok")
            return True
        if seen.orphaned and not self.umoci:
            # with umoci, the ORPHANS stacks are the ones where the references disagree, and
            # sifkit is compared with umoci's tree there
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
    ap.add_argument("--umoci", default="umoci", help="the umoci binary (the second reference)")
    ap.add_argument("--no-umoci", action="store_true",
                    help="the flatten reference only (quicker; not a full run)")
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
    umoci = None if a.no_umoci else shutil.which(a.umoci)
    if umoci is None and not a.no_umoci:
        print("umoci not found: second reference skipped", flush=True)
        if os.environ.get("CI") == "true":
            print("CI=true: umoci is required (scripts/install-deps installs it)")
            return 1
    runner = Runner(a.sifkit, a.reference, a.keep, umoci)
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
    print("%d stacks in %.1f s%s: %s" % (
        ran, time.monotonic() - start, "" if umoci else " (flatten reference only)",
        ", ".join("%s %d" % kv for kv in runner.counts.items())))
    return 1 if runner.counts["failed"] or runner.counts["references disagree, unexplained"] else 0


if __name__ == "__main__":
    sys.exit(main())
