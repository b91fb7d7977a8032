#!/usr/bin/env python3
"""Print one normalized line per member of a tar stream (type, mode, owner, size, mtime, link
target, content digest, xattrs), sorted by path, so that two tar writers can be compared.
Hardlink members are shown as the regular file they name (writers may pick either name first).

    tar-listing.py FILE.tar
"""
import hashlib
import sys
import tarfile

rows = {}
links = {}
with tarfile.open(sys.argv[1], "r:") as tar:
    for m in tar:
        name = m.name
        while name.startswith("./"):
            name = name[2:]
        name = "/" + name.rstrip("/")
        if name == "/.":
            name = "/"
        kind = {tarfile.REGTYPE: "reg", tarfile.AREGTYPE: "reg", tarfile.DIRTYPE: "dir",
                tarfile.SYMTYPE: "sym", tarfile.LNKTYPE: "link", tarfile.CHRTYPE: "chr",
                tarfile.BLKTYPE: "blk", tarfile.FIFOTYPE: "fifo"}.get(m.type, str(m.type))
        content = ""
        if m.isreg():
            content = hashlib.sha256(tar.extractfile(m).read()).hexdigest()
        elif m.issym():
            content = m.linkname
        elif m.islnk():
            target = m.linkname
            while target.startswith("./"):
                target = target[2:]
            links[name] = (m, "/" + target.rstrip("/"))
            continue
        elif m.ischr() or m.isblk():
            content = f"{m.devmajor},{m.devminor}"
        xattrs = sorted((k, v) for k, v in m.pax_headers.items() if k.startswith("SCHILY.xattr."))
        rows[name] = (f"{kind} {m.mode:04o} {m.uid}:{m.gid}", m.size, content, m.mtime, xattrs)
for name, (m, target) in links.items():
    kind, size, content, _, _ = rows[target]
    xattrs = sorted((k, v) for k, v in m.pax_headers.items() if k.startswith("SCHILY.xattr."))
    rows[name] = (kind, size, content, m.mtime, xattrs)
for name in sorted(rows):
    kind, size, content, mtime, xattrs = rows[name]
    print(f"{name} {kind} {size} {mtime} {content} {xattrs}")
