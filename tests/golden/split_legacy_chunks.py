#!/usr/bin/env python3
"""split_legacy_chunks.py — rewrites a legacy (version 1 or 2) tape with its entries spread over
N chunks ("TPCK", each coded from index 0 and page 0 as the format says), so the golden files hold
a legacy tape with several chunks without being 64 KiB large. Usage: IN OUT N.
tape-v2-chunks.tape was made from tape-v2.tape with N = 3; main's 3po-dump (46db5d3) read it
to the same entries as tape-v2.tape."""
import struct
import sys
import zlib


def varint(b, i):
    v = shift = 0
    while True:
        x = b[i]
        i += 1
        v |= (x & 0x7F) << shift
        shift += 7
        if x < 0x80:
            return v, i


def put_varint(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return out


def main():
    src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    b = open(src, "rb").read()
    hsize = struct.unpack_from("<I", b, 12)[0]
    entries, off = [], hsize
    while b[off:off + 4] == b"TPCK":
        plen, count = struct.unpack_from("<II", b, off + 4)
        i, end, index, page = off + 16, off + 16 + plen, 0, 0
        while i < end:
            a, i = varint(b, i)
            z, i = varint(b, i)
            index += a >> 1
            page += (z >> 1) ^ -(z & 1)
            entries.append((index, a & 1, page))
        off = end
    out = bytearray(b[:hsize])
    per = -(-len(entries) // n)
    for k in range(0, len(entries), per):
        payload, index, page = bytearray(), 0, 0
        for e_index, op, e_page in entries[k:k + per]:
            d = e_page - page
            payload += put_varint((e_index - index) << 1 | op)
            payload += put_varint(((d << 1) ^ (d >> 63)) & (2**64 - 1))
            index, page = e_index, e_page
        head = struct.pack("<II", len(payload), len(entries[k:k + per]))
        crc = zlib.crc32(payload, zlib.crc32(head))
        out += b"TPCK" + head + struct.pack("<I", crc) + payload
    out += b[off:]  # the end record
    open(dst, "wb").write(out)


main()
