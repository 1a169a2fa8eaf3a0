"""The archive's encryption: AES-256-GCM over 1 MiB chunks, so big media never have to fit in memory.

Layout: ``MAGIC | salt (16) | key check (16) | chunk*``; a chunk is ``length (4, big-endian) | ciphertext+tag``.
The AES key is derived from BACKUP_ENCRYPTION_KEY and the archive's random salt (HKDF-SHA256). Chunk *n* is
sealed with the nonce ``n (11 bytes) | last (1 byte)`` and the header as associated data, so a changed, reordered,
dropped or truncated chunk fails authentication. The key check tells a wrong key from a damaged archive.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"FSD-BACKUP-1\n"
SALT_BYTES = 16
CHECK_BYTES = 16
CHUNK_BYTES = 1024 * 1024
TAG_BYTES = 16
MIN_KEY_CHARS = 32


class BackupKeyError(Exception):
    """The key does not open this archive."""


class BackupIntegrityError(Exception):
    """The archive is not a backup of this system, or it was changed or cut short."""


def derive_key(secret: str, salt: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"family-support-backup-v1").derive(
        secret.encode()
    )


def key_check(key: bytes) -> bytes:
    return hmac.new(key, b"key-check", hashlib.sha256).digest()[:CHECK_BYTES]


def _nonce(index: int, last: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class EncryptingWriter:
    """A write-only file object: what is written goes out encrypted to ``target`` chunk by chunk."""

    def __init__(self, target: BinaryIO, secret: str):
        salt = os.urandom(SALT_BYTES)
        key = derive_key(secret, salt)
        self._aead = AESGCM(key)
        self._target = target
        self._header = MAGIC + salt + key_check(key)
        self._buffer = bytearray()
        self._index = 0
        self._closed = False
        target.write(self._header)

    def write(self, data) -> int:
        self._buffer += data
        # Keep at least one byte back: the last chunk must be sealed as the last one in close().
        while len(self._buffer) > CHUNK_BYTES:
            self._seal(bytes(self._buffer[:CHUNK_BYTES]), last=False)
            del self._buffer[:CHUNK_BYTES]
        return len(data)

    def _seal(self, plain: bytes, *, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._index, last), plain, self._header)
        self._target.write(struct.pack(">I", len(sealed)) + sealed)
        self._index += 1

    def close(self) -> None:
        if not self._closed:
            self._seal(bytes(self._buffer), last=True)
            self._buffer.clear()
            self._closed = True

    def flush(self) -> None:
        self._target.flush()


def decrypt_stream(source: BinaryIO, target: BinaryIO, secret: str) -> int:
    """Decrypt ``source`` into ``target``; raise before anything is used if the key or any chunk is wrong."""
    header = source.read(len(MAGIC) + SALT_BYTES + CHECK_BYTES)
    if len(header) < len(MAGIC) + SALT_BYTES + CHECK_BYTES or not header.startswith(MAGIC):
        raise BackupIntegrityError("not a backup archive")
    salt = header[len(MAGIC) : len(MAGIC) + SALT_BYTES]
    key = derive_key(secret, salt)
    if not hmac.compare_digest(key_check(key), header[-CHECK_BYTES:]):
        raise BackupKeyError("wrong key")
    aead = AESGCM(key)
    index = 0
    total = 0
    while True:
        length_bytes = source.read(4)
        if len(length_bytes) < 4:
            raise BackupIntegrityError("archive cut short")
        (length,) = struct.unpack(">I", length_bytes)
        if length < TAG_BYTES or length > CHUNK_BYTES + TAG_BYTES:
            raise BackupIntegrityError("bad chunk length")
        sealed = source.read(length)
        if len(sealed) < length:
            raise BackupIntegrityError("archive cut short")
        for last in (False, True):
            try:
                plain = aead.decrypt(_nonce(index, last), sealed, header)
            except InvalidTag:
                continue
            break
        else:
            raise BackupIntegrityError(f"chunk {index} fails authentication")
        target.write(plain)
        total += len(plain)
        index += 1
        if last:
            if source.read(1):
                raise BackupIntegrityError("data after the last chunk")
            return total
