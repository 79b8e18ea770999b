"""Attachment storage helpers that work the same on local files and on S3-compatible buckets.

Every attachment path in the portal goes through Django's storage API (save, open, delete,
exists, size) so that STORAGE_URL alone decides where the bytes live (storage_url.py). This
module does not import boto3: a local installation never loads it.
"""

# Chunk size of a streamed download: large enough for throughput, small enough that a
# download never holds more than this in memory.
STREAM_CHUNK = 64 * 1024


class ChunkReader:
    """A read()/close() file-like over a response body (botocore's StreamingBody).

    FileResponse probes seek()/tell() to compute Content-Length; a network body supports
    neither, so this wrapper offers only what streaming needs (the caller sets the length)."""

    def __init__(self, body):
        self._body = body

    def read(self, size=-1):
        return self._body.read(None if size is None or size < 0 else size)

    def close(self):
        self._body.close()


def open_for_streaming(storage, name):
    """A binary file-like positioned at the start of `name`, to be read in chunks.

    Local files are opened as they are (FileResponse reads them block by block); a storage
    with `open_stream` (S3) streams the object body rather than downloading it first.
    Raises FileNotFoundError when the storage has no such file.
    """
    opener = getattr(storage, "open_stream", None)
    if opener is not None:
        return opener(name)
    return storage.open(name, "rb")
