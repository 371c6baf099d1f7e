"""The version graph: parents come from each version's record (a merge has two), so branches form a DAG over
OCFL's linear v1…vN."""

from __future__ import annotations

from collections import deque

from app.archive.store import Archive


def ancestors(archive: Archive, version: str) -> dict[str, int]:
    """Every version reachable from `version` (itself included) with its distance in parent steps."""
    found = {version: 0}
    queue = deque([version])
    while queue:
        current = queue.popleft()
        for parent in archive.version(current).parents:
            if parent not in found:
                found[parent] = found[current] + 1
                queue.append(parent)
    return found


def merge_base(archive: Archive, a: str, b: str) -> str | None:
    """The nearest common ancestor of a and b (None: unrelated histories)."""
    from_a, from_b = ancestors(archive, a), ancestors(archive, b)
    common = set(from_a) & set(from_b)
    if not common:
        return None
    # a common ancestor that no other common ancestor descends from; the newest wins ties (criss-cross merges)
    return max(common, key=lambda v: (-(from_a[v] + from_b[v]), int(v[1:])))


def is_ancestor(archive: Archive, maybe: str, of: str) -> bool:
    return maybe in ancestors(archive, of)


def history(archive: Archive, head: str | None = None) -> list[str]:
    """Versions reachable from head (all versions when None), newest first."""
    names = ancestors(archive, head) if head is not None else {v.name: 0 for v in archive.versions()}
    return sorted(names, key=lambda v: int(v[1:]), reverse=True)
