"""The S3-compatible attachment storage selected by STORAGE_URL=s3://… (storage_url.py)."""
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from .storage import ChunkReader


class AttachmentS3Storage(S3Storage):
    """django-storages' S3 storage with a streaming read.

    S3Storage.open() downloads the whole object into a temporary file before the first byte
    can be read; `open_stream` returns the response body instead, read chunk by chunk while
    it arrives, so a download starts at once and holds one chunk in memory.
    """

    def open_stream(self, name):
        key = self._normalize_name(clean_name(name))
        client = self.connection.meta.client
        try:
            response = client.get_object(Bucket=self.bucket_name, Key=key)
        except client.exceptions.NoSuchKey as exc:
            raise FileNotFoundError(f"File does not exist: {key}") from exc
        return ChunkReader(response["Body"])
