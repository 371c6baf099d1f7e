"""The probe says what a bad file really is: random bytes named like audio or an image are not cataloged
`ok`; audio cut short reports the length actually there and is marked truncated; a link loop or a link to a
device is called that, not a broken link or an empty file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.core.errors import ProbeError, ReelkeepError
from app.ingest.add_files import add_files
from app.media.probe import probe
from tests.media import make_audio, make_image
from tests.media.corpus import cut_in_half, make_noise, make_special_files

NOT_AUDIO = "not readable as audio: no audio could be decoded from it"


@pytest.mark.parametrize("seed", [1, 2, 5])
@pytest.mark.parametrize(("suffix", "message"), [
    (".mp3", NOT_AUDIO), (".flac", NOT_AUDIO),
    (".jpg", "not readable as an image: no picture could be read from it"),
])
def test_random_bytes_named_like_media_are_not_ok(tmp_path: Path, suffix: str, message: str, seed: int) -> None:
    # 200 kB of noise: enough for the demuxer that the name selects to "find" a stream in it.
    noise = make_noise(tmp_path / f"noise{suffix}", size=200_000 + 5000 * seed, seed=100 + seed)
    with pytest.raises(ProbeError, match=re.escape(message)):
        probe(noise)


def test_noise_that_demuxes_as_video_is_not_audio(tmp_path: Path) -> None:
    # This seed's bytes open as a raw H.263 picture: named .mp3 it is still no audio file.
    noise = make_noise(tmp_path / "noise.mp3", size=215_000, seed=103)
    with pytest.raises(ProbeError, match=re.escape(NOT_AUDIO)):
        probe(noise)


@pytest.mark.parametrize("suffix", [".mp3", ".flac", ".wav", ".aiff"])
def test_audio_cut_in_half_is_truncated_with_the_length_present(tmp_path: Path, suffix: str) -> None:
    whole = make_audio(tmp_path / f"whole{suffix}", seconds=10)
    assert abs(probe(whole).duration - 10) < 0.1
    half = cut_in_half(whole, tmp_path / f"half{suffix}")
    with pytest.raises(ProbeError) as raised:
        probe(half)
    message = str(raised.value)
    assert message.startswith("truncated: the file holds ") and "of the 10.0 s its header announces" in message
    present = float(re.search(r"holds (\d+\.\d) s", message).group(1))
    assert 4.5 <= present <= 5.2


@pytest.mark.parametrize("suffix", [".mp3", ".flac", ".m4a", ".opus", ".wav", ".aiff"])
def test_whole_short_audio_and_images_stay_ok(tmp_path: Path, suffix: str) -> None:
    facts = probe(make_audio(tmp_path / f"short{suffix}", seconds=0.3))
    assert facts.kind == "audio" and facts.duration and 0.25 < facts.duration < 0.4
    image = probe(make_image(tmp_path / "still.jpg"))
    assert (image.kind, image.width, image.height) == ("image", 64, 48)


def test_links_say_what_they_point_to(tmp_path: Path) -> None:
    special = make_special_files(tmp_path, ".mp4")
    expected = {
        "link_loop": "symbolic link loop: the link points back to itself",
        "dev_zero": "not a regular file (a device: it links to /dev/zero)",
        "dev_urandom": "not a regular file (a device: it links to /dev/urandom)",
        "fifo": "not a regular file (a named pipe)",
    }
    for key, message in expected.items():
        with pytest.raises(ProbeError, match=re.escape(message)):
            probe(special[key])
    broken = tmp_path / "broken.mp4"
    broken.symlink_to("gone.mp4")
    with pytest.raises(ProbeError, match=re.escape("broken symbolic link: its target gone.mp4 does not exist")):
        probe(broken)


def test_adding_a_fifo_or_device_link_by_hand_says_what_it_is(catalog, tmp_path: Path) -> None:
    special = make_special_files(tmp_path, ".mov")
    with pytest.raises(ReelkeepError, match=re.escape(f"{special['fifo']}: not a regular file (a named pipe)")):
        add_files(catalog, [str(special["fifo"])])
    [media_id] = add_files(catalog, [str(special["dev_zero"])])  # cataloged as an error, as a scan does
    info = catalog.info(media_id)
    assert (info["status"], info["status_message"]) == (
        "error", "not a regular file (a device: it links to /dev/zero); Reelkeep reads only regular files")
