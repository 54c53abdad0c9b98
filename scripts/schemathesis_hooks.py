"""Schemathesis hooks for scripts/schemathesis.sh (loaded through SCHEMATHESIS_HOOKS).

A tus chunk (PATCH /api/v1/uploads/{id}) is sent as `application/offset+octet-stream`, raw
bytes as for `application/octet-stream`; schemathesis knows the second, not the first.
"""
import schemathesis
from schemathesis.transport.requests import binary_serializer


@schemathesis.serializer("application/offset+octet-stream")
def offset_octet_stream(ctx, value):
    return binary_serializer(ctx, value)
