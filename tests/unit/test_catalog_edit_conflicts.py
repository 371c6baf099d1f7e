"""No lost updates between several programs on one catalog: a rating or favourite edit that says what its user saw
is refused, whole, when someone else changed those files meanwhile."""

from __future__ import annotations

import pytest

from app.catalog.catalog import Catalog
from app.core.errors import CatalogError, EditConflict
from app.core.facts import FileState

pytestmark = pytest.mark.both_backends


def _files(catalog: Catalog, count: int) -> list[int]:
    return catalog.add_discovered(None, [FileState(f"/shoot/A001C00{i}.mov".encode(), 10, 1.0) for i in range(count)])


def test_a_rating_changed_meanwhile_refuses_the_whole_edit(catalog: Catalog) -> None:
    first, second = _files(catalog, 2)
    seen = {media_id: catalog.info(media_id)["rating"] for media_id in (first, second)}  # both 0 on screen
    other = Catalog(catalog.path)  # another editor on the same catalog
    try:
        other.set_rating([second], 3)
        with pytest.raises(EditConflict) as refused:
            catalog.set_rating([first, second], 5, expected=seen)
        assert refused.value.ids == [second] and refused.value.column == "rating"
        assert isinstance(refused.value, CatalogError) and "someone else changed the rating" in str(refused.value)
        assert [catalog.info(i)["rating"] for i in (first, second)] == [0, 3]  # nothing written, not even first
        # looked again: the edit goes through
        catalog.set_rating([first, second], 5, expected={first: 0, second: 3})
        assert [other.info(i)["rating"] for i in (first, second)] == [5, 5]
    finally:
        other.close()


def test_favourites_are_checked_the_same_way_and_unchecked_edits_still_win(catalog: Catalog) -> None:
    [clip] = _files(catalog, 1)
    other = Catalog(catalog.path)
    try:
        other.set_favourite([clip], True)
        with pytest.raises(EditConflict):
            catalog.set_favourite([clip], False, expected={clip: False})
        assert catalog.info(clip)["favourite"] is True
        catalog.set_favourite([clip], False)  # no expectation: last write wins, as before
        assert other.info(clip)["favourite"] is False
        catalog.set_rating([clip], 2, expected={clip + 1000: 0})  # a file gone from the catalog: nothing to check
        assert catalog.info(clip)["rating"] == 2
    finally:
        other.close()
