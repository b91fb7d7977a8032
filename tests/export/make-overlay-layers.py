#!/usr/bin/env python3
"""Write three layer directories l1 (bottom), l2, l3 (top) under DIR in overlayfs's own format
(0:0 character devices for whiteouts, trusted.overlay.opaque=y for opaque directories), so that
the kernel's overlayfs can merge them as the reference for sifkit's reading of multi-layer
OCI-SIF images. Needs root (devices, owners, trusted xattrs).

    make-overlay-layers.py DIR

With --aufs, the same layers use AUFS markers instead (.wh.NAME files, .wh..wh..opq), which
must read as the same tree.
"""
import os
import stat
import sys

sys.dont_write_bytecode = True

aufs = "--aufs" in sys.argv[1:]
top = [a for a in sys.argv[1:] if a != "--aufs"][0]
T = 1700000000  # every mtime, so that the trees compare with times


def path(layer, name):
    return os.path.join(top, layer, name)


def finish(p, mode=None, owner=(0, 0), time=T):
    os.chown(p, *owner, follow_symlinks=False)
    if mode is not None:
        os.chmod(p, mode)
    os.utime(p, (time, time), follow_symlinks=False)


def d(layer, name, mode=0o755, owner=(0, 0), time=T):
    p = path(layer, name)
    os.makedirs(p, exist_ok=True)
    finish(p, mode, owner, time)


def f(layer, name, data, mode=0o644, owner=(0, 0), time=T):
    p = path(layer, name)
    with open(p, "wb") as out:
        out.write(data)
    finish(p, mode, owner, time)


def whiteout(layer, name):
    if aufs:
        parent, base = os.path.split(name)
        f(layer, os.path.join(parent, ".wh." + base), b"", mode=0o600)
    else:
        p = path(layer, name)
        os.mknod(p, stat.S_IFCHR | 0o600, os.makedev(0, 0))
        finish(p)


def opaque(layer, name, mode=0o755, time=T):
    d(layer, name, mode, time=time)
    if aufs:
        f(layer, os.path.join(name, ".wh..wh..opq"), b"", mode=0o600)
        finish(path(layer, name), mode, time=time)
    else:
        os.setxattr(path(layer, name), "trusted.overlay.opaque", b"y")


for layer in ("l1", "l2", "l3"):
    os.makedirs(path(layer, ""), exist_ok=True)

# l1: the base.
d("l1", "d")
f("l1", "d/a", b"a from l1\n")
f("l1", "d/keep", b"kept from l1\n", owner=(1000, 1000))
f("l1", "b", b"b from l1\n")
d("l1", "wd")
d("l1", "wd/sub")
f("l1", "wd/sub/x", b"under a removed dir\n")
d("l1", "opq")
f("l1", "opq/lower", b"hidden by the opaque dir above\n")
d("l1", "rep")
f("l1", "rep/f", b"a dir replaced by a file above\n")
f("l1", "hl1", b"hardlinked in l1\n", mode=0o755)
os.link(path("l1", "hl1"), path("l1", "hl2"))
f("l1", "hl-partly-hidden", b"its partner is removed above\n")
os.link(path("l1", "hl-partly-hidden"), path("l1", "hl-partner"))
whiteout("l1", "bottom-whiteout")  # hides nothing; never shown
os.symlink("d", path("l1", "sym"))
finish(path("l1", "sym"))
os.mknod(path("l1", "null"), stat.S_IFCHR | 0o666, os.makedev(1, 3))
finish(path("l1", "null"))
os.setxattr(path("l1", "d/keep"), "user.note", b"from l1")
finish(path("l1", "d/keep"), owner=(1000, 1000))

# l2: removals, an opaque directory, replacements.
d("l2", "d", mode=0o750, time=T + 20)  # the merged dir takes the top's metadata
f("l2", "d/new", b"new in l2\n")
whiteout("l2", "b")
whiteout("l2", "wd")
whiteout("l2", "hl-partner")
opaque("l2", "opq", time=T + 5)
f("l2", "opq/upper", b"opaque dir's own file\n")
finish(path("l2", "opq"), 0o755, time=T + 5)
f("l2", "rep", b"now a file\n")
os.symlink("/d/new", path("l2", "sym-to-new"))
finish(path("l2", "sym-to-new"))
finish(path("l2", "d"), 0o750, time=T + 20)

# l3: re-creation over a whiteout, a removal of a lower file in a merged dir, a new dir.
f("l3", "b", b"b again in l3\n", mode=0o600)
d("l3", "d", mode=0o700, time=T + 30)
whiteout("l3", "d/a")
finish(path("l3", "d"), 0o700, time=T + 30)
d("l3", "wd")
f("l3", "wd/fresh", b"a dir re-created after its removal\n")
finish(path("l3", "wd"), 0o755)
d("l3", "opq")
f("l3", "opq/top", b"merged into the opaque dir\n")
finish(path("l3", "opq"), 0o755, time=T + 7)

for layer in ("l1", "l2", "l3"):
    finish(path(layer, ""), 0o755)
