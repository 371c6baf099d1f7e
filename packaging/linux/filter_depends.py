"""Keep from dpkg-shlibdeps' substvars only the relations on packages the bundle really takes from the system.

Usage: filter_depends.py SUBSTVARS PACKAGE...   prints a Depends value.

dpkg-shlibdeps credits a library that is bundled in /opt/reelkeep to the system package shipping the same
soname (it falls back to the installed copy's symbols file), so its raw output lists ~200 packages the bundle
does not need. build_deb.sh finds the libraries that resolve outside the bundle with ldd and passes their
packages here; their versioned relations are kept, and a package without one is added unversioned.
"""

import re
import sys


def package_of(relation: str) -> str:
    return re.match(r"[^\s(|]+", relation.split("|")[0].strip()).group(0)


def main(substvars: str, wanted: list[str]) -> str:
    with open(substvars, encoding="utf-8") as handle:
        line = next((row for row in handle if row.startswith("shlibs:Depends=")), "shlibs:Depends=")
    relations = [r.strip() for r in line.split("=", 1)[1].split(",") if r.strip()]
    kept = [r for r in relations if package_of(r) in wanted]
    kept += [p for p in wanted if not any(package_of(r) == p for r in kept)]
    return ", ".join(dict.fromkeys(sorted(kept)))


if __name__ == "__main__":
    print(main(sys.argv[1], sys.argv[2:]))
