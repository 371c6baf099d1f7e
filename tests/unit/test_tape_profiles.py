"""LTO generations: native figures only, names as people write them."""

from __future__ import annotations

import pytest

from app.tape.profiles import LTO8, LTO9, TapeError, generation


def test_generations_carry_their_native_figures() -> None:
    assert (LTO8.native_capacity, LTO8.native_rate, LTO8.density_code, LTO8.cartridge_type) == \
        (12 * 10**12, 360 * 10**6, 0x5E, "L8")
    assert (LTO9.native_capacity, LTO9.native_rate, LTO9.density_code, LTO9.cartridge_type) == \
        (18 * 10**12, 400 * 10**6, 0x60, "L9")
    assert LTO9.usable_capacity < LTO9.native_capacity


@pytest.mark.parametrize("name", ["LTO9", "lto-9", "L9", "9", " Lto 9 "])
def test_generation_names(name: str) -> None:
    assert generation(name) is LTO9


def test_an_unknown_generation_is_refused() -> None:
    with pytest.raises(TapeError, match="LTO8 or LTO9"):
        generation("LTO7")
