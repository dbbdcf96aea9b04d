"""Python stubs for the peers, generated from protos/ with protoc and Debian's gRPC plugin.

Each set of protos is generated once into pygen/<name>-<digest of the protos>/. Generation runs in a
private temporary folder that is then renamed into place, so concurrent runs never see (or produce)
a half-written cache; if another run wins the rename, its copy is used and ours is thrown away.
"""

import hashlib
import os
import shutil
import subprocess
import tempfile

CACHE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pygen")
GRPC_PLUGIN = "/usr/bin/grpc_python_plugin"


class StubError(Exception):
    pass


def _digest(proto_root, proto_files):
    digest = hashlib.sha256()
    for rel in proto_files:
        digest.update(rel.encode() + b"\0")
        with open(os.path.join(proto_root, rel), "rb") as f:
            digest.update(f.read())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def generate(proto_root, proto_files, name, marker, packages):
    """Returns the folder holding the generated modules.

    marker: a generated file (relative path) whose presence means the folder is complete.
    packages: package folders (relative) that get an __init__.py, so they resolve to this folder
    first even when a package of the same name is installed elsewhere.
    """
    final_dir = os.path.join(CACHE_DIR, name + "-" + _digest(proto_root, proto_files))
    done = os.path.join(final_dir, marker)
    if os.path.isfile(done):
        return final_dir
    os.makedirs(CACHE_DIR, exist_ok=True)
    tmp_dir = tempfile.mkdtemp(prefix=".tmp-", dir=CACHE_DIR)
    try:
        cmd = [
            "protoc", "-I", proto_root,
            "--python_out=" + tmp_dir, "--grpc_out=" + tmp_dir,
            "--plugin=protoc-gen-grpc=" + GRPC_PLUGIN,
        ] + list(proto_files)
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=60)
        if proc.returncode != 0:
            raise StubError("protoc failed: " + " ".join(proc.stderr.split()))
        for package in packages:
            open(os.path.join(tmp_dir, package, "__init__.py"), "w").close()
        os.chmod(tmp_dir, 0o755)  # mkdtemp makes it private
        try:
            os.rename(tmp_dir, final_dir)
        except OSError:
            if not os.path.isfile(done):
                raise
    finally:
        if os.path.isdir(tmp_dir):
            shutil.rmtree(tmp_dir, ignore_errors=True)
    return final_dir
