"""Peewee models at the head schema. The schema itself is defined by the migrations."""

from __future__ import annotations

from peewee import (
    BlobField,
    BooleanField,
    CompositeKey,
    DatabaseProxy,
    FloatField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

database = DatabaseProxy()


class FlagField(BooleanField):
    """A yes/no column stored as 0/1 on both backends (the migrations make flags INTEGER, on PostgreSQL too, where a
    Python bool would be sent as a boolean the column refuses)."""

    field_type = "INT"

    def db_value(self, value: object) -> int | None:
        return None if value is None else int(bool(value))


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class LibraryRoot(BaseModel):
    path = TextField(unique=True)
    added_at = FloatField()
    last_scan_at = FloatField(null=True)


class MediaFile(BaseModel):
    root = ForeignKeyField(LibraryRoot, null=True, on_delete="SET NULL", column_name="root_id")
    path = TextField()  # display form; non-UTF-8 bytes appear backslash-escaped
    path_raw = BlobField(unique=True)  # exact os.fsencode() bytes: the identity of the location
    name = TextField()
    size = IntegerField(default=0)
    mtime = FloatField(default=0)
    identity_hash = TextField(null=True)
    content_hash = TextField(null=True)
    kind = TextField(default="unknown")
    container = TextField(null=True)
    duration = FloatField(null=True)
    video_codec = TextField(null=True)
    profile = TextField(null=True)
    width = IntegerField(null=True)
    height = IntegerField(null=True)
    fps_num = IntegerField(null=True)
    fps_den = IntegerField(null=True)
    frame_count = IntegerField(null=True)
    start_tc = TextField(null=True)
    drop_frame = FlagField(default=False)
    pix_fmt = TextField(null=True)
    video_slices = IntegerField(null=True)
    audio_codec = TextField(null=True)
    channels = IntegerField(null=True)
    sample_rate = IntegerField(null=True)
    audio_track_count = IntegerField(null=True)  # NULL: not read yet (cataloged before schema 6)
    bit_rate = IntegerField(null=True)
    title = TextField(null=True)
    artist = TextField(null=True)
    album = TextField(null=True)
    album_artist = TextField(null=True)
    track = IntegerField(null=True)
    disc = IntegerField(null=True)
    year = IntegerField(null=True)
    genre = TextField(null=True)
    has_cover = FlagField(default=False)
    added_at = FloatField()
    modified_at = FloatField()
    last_seen_at = FloatField()
    probed_at = FloatField(null=True)
    status = TextField(default="pending")
    status_message = TextField(null=True)
    rating = IntegerField(default=0)
    favourite = FlagField(default=False)
    play_count = IntegerField(default=0)
    last_played = FloatField(null=True)
    resume_seconds = FloatField(null=True)


class Tag(BaseModel):
    name = TextField(unique=True)


class MediaTag(BaseModel):
    media = ForeignKeyField(MediaFile, on_delete="CASCADE", column_name="media_id")
    tag = ForeignKeyField(Tag, on_delete="CASCADE", column_name="tag_id")

    class Meta:
        primary_key = CompositeKey("media", "tag")


class Marker(BaseModel):
    media = ForeignKeyField(MediaFile, on_delete="CASCADE", column_name="media_id")
    frame = IntegerField()
    name = TextField(default="")
    created_at = FloatField()


MODELS = [LibraryRoot, MediaFile, Tag, MediaTag, Marker]

# Status values of MediaFile.status.
PENDING, OK, MISSING, ERROR = "pending", "ok", "missing", "error"
