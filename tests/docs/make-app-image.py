#!/usr/bin/env python3
"""Build the OCI sources the documented examples convert (tests/docs/run-examples.py).

    python3 tests/docs/make-app-image.py OUTDIR

Writes into OUTDIR:
  layout/       an OCI image layout whose tag "latest" is a multi-platform index
                (linux/amd64 and linux/arm64), as `docker buildx --platform ...` pushes one:
                the docs convert `oci:layout:latest` with `--platform linux/arm64`, and
                `oci:layout` for this machine's platform
  app.oci.tar   an oci-archive holding the amd64 image under the tag "v2"

The image is the demo image of scripts/demo (tests/fixtures/demo/make-demo-image.py: busybox,
/etc, /hello.sh, a whiteout) plus a third layer with what the docs look at in "app" images:
/etc/os-release and a program under /usr/local, and the label docs/cli.md shows for
`sifkit inspect app.sif`. Deterministic for a given busybox; needs Debian's busybox-static.
"""
import importlib.util
import os
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures")
sys.path.insert(0, os.path.join(FIXTURES, "oci"))

import ocilib  # noqa: E402
from tarwriter import LayerWriter  # noqa: E402


def load_demo():
    """The demo recipe's module (its file name is not an importable module name)."""
    path = os.path.join(FIXTURES, "demo", "make-demo-image.py")
    spec = importlib.util.spec_from_file_location("make_demo_image", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def app_layer():
    """What `COPY os-release /etc/` and `COPY app /usr/local/bin/` give."""
    L = LayerWriter("pax", prefix="./")
    L.dir("etc")
    L.file("etc/os-release", b'PRETTY_NAME="sifkit docs fixture"\nID=sifkit-fixture\n')
    L.dir("usr")
    L.dir("usr/local")
    L.dir("usr/local/bin")
    L.file("usr/local/bin/app", b"#!/bin/sh\necho \"hello from sifkit-fixture $*\"\n",
           mode=0o755)
    return ocilib.Layer(L.getvalue(), "gzip", "app: /usr/local/bin/app")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    demo = load_demo()
    if not os.path.exists(demo.BUSYBOX):
        sys.exit("make-app-image: %s is missing (apt-get install busybox-static)" % demo.BUSYBOX)
    out = sys.argv[1]
    layers = [demo.base_layer(), demo.app_layer(), app_layer()]
    config = {
        "Env": ["PATH=/usr/local/bin:/bin", "GREETING=sifkit docs"],
        "Entrypoint": ["/usr/local/bin/app"],
        "Cmd": ["default-arg"],
        "Labels": {"org.example.title": "fixture"},
    }
    # The arm64 image shares the layers: only the config's architecture tells them apart,
    # which is all that platform selection looks at.
    images = {arch: ocilib.Image(layers, config=config, architecture=arch)
              for arch in ("amd64", "arm64")}
    index = ocilib.index_blob([images[arch].manifest.descriptor(platform=ocilib.platform(arch))
                               for arch in ("amd64", "arm64")])
    layout = ocilib.Layout()
    for image in images.values():
        layout.add_image(image)
    layout.add(index)
    layout.set_index([index.descriptor(annotations={ocilib.REF_NAME: "latest"})])
    layout.write(os.path.join(out, "layout"))

    archive = ocilib.Layout()
    archive.add_image(images["amd64"])
    archive.set_index([images["amd64"].manifest.descriptor(
        annotations={ocilib.REF_NAME: "v2"})])
    ocilib.write_file(os.path.join(out, "app.oci.tar"), archive.tar())


if __name__ == "__main__":
    main()
