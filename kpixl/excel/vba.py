"""The VBA project of the .xlsm templates, written by code (MS-OVBA, MS-CFB).

The project holds xlwings' standalone VBA (the ``xlwings`` module and its
``Dictionary`` class, taken from the ``quickstart_standalone.xlsm`` that xlwings ships,
so no add-in or reference is needed), a document module per sheet, and the ``kpixl``
module whose subs the buttons call (each one ``RunPython`` line).

The project is written as the MS-OVBA specification asks a writer to: source code
only, no compiled p-code (``_VBA_PROJECT`` version 0xFFFF, every module's source at
offset 0), so Office compiles it on first open, as it does for xlwings' own file. The
same inputs always give the same bytes.
"""

from __future__ import annotations

import io
import math
import struct
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import olefile

__all__ = [
    "Module",
    "compress",
    "decompress",
    "project_bytes",
    "standalone_modules",
    "write_compound_file",
]

CODEPAGE = "cp1252"  # the shipped project's code page; kpixl's VBA text is ASCII


# ----------------------------------------------------------------- MS-OVBA 2.4.1


def decompress(data: bytes) -> bytes:
    """A compressed container (signature byte 0x01, then chunks) → the bytes it holds."""
    if not data or data[0] != 1:
        raise ValueError("not a VBA compressed container")
    out = bytearray()
    pos = 1
    while pos < len(data):
        header = struct.unpack_from("<H", data, pos)[0]
        size = (header & 0x0FFF) + 3
        end = min(pos + size, len(data))
        pos += 2
        start = len(out)
        if not header & 0x8000:  # a raw chunk: 4096 bytes as they are
            out += data[pos : pos + 4096]
            pos += 4096
            continue
        while pos < end:
            flags = data[pos]
            pos += 1
            for bit in range(8):
                if pos >= end:
                    break
                if not flags >> bit & 1:
                    out.append(data[pos])
                    pos += 1
                    continue
                token = struct.unpack_from("<H", data, pos)[0]
                pos += 2
                bits = max((len(out) - start - 1).bit_length(), 4)
                length = (token & (0xFFFF >> bits)) + 3
                offset = (token >> (16 - bits)) + 1
                for _ in range(length):
                    out.append(out[-offset])
    return bytes(out)


def _compress_chunk(chunk: bytes) -> bytes:
    out = bytearray()
    pos = 0
    while pos < len(chunk):
        flag_at = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if pos >= len(chunk):
                break
            bits = max(math.ceil(math.log2(pos)), 4) if pos > 1 else 4
            longest = (0xFFFF >> bits) + 3
            best, best_offset = 0, 0
            for candidate in range(pos - 1, max(-1, pos - (1 << bits) - 1), -1):
                n = 0
                while (
                    pos + n < len(chunk) and n < longest and chunk[candidate + n] == chunk[pos + n]
                ):
                    n += 1
                if n > best:
                    best, best_offset = n, pos - candidate
                    if n == longest:
                        break
            if best >= 3:
                token = ((best_offset - 1) << (16 - bits)) | (best - 3)
                out += struct.pack("<H", token)
                flags |= 1 << bit
                pos += best
            else:
                out.append(chunk[pos])
                pos += 1
        out[flag_at] = flags
    if len(out) > 4096:  # did not shrink: a raw chunk, padded to 4096 as the spec says
        return struct.pack("<H", 0x3FFF) + chunk.ljust(4096, b"\x00")
    return struct.pack("<H", 0xB000 | (len(out) + 2 - 3)) + bytes(out)


def compress(data: bytes) -> bytes:
    """``data`` as a compressed container (LZ77 copy tokens, 4096-byte chunks)."""
    out = bytearray(b"\x01")
    for start in range(0, len(data), 4096):
        out += _compress_chunk(data[start : start + 4096])
    return bytes(out)


# ---------------------------------------------------------------- the project


@dataclass(frozen=True)
class Module:
    """A VBA module: its name, kind (standard, class or document) and source text."""

    name: str
    kind: str  # "standard" | "class" | "document"
    source: str


def _records(data: bytes) -> list[tuple[int, bytes]]:
    out = []
    pos = 0
    while pos < len(data):
        rid, size = struct.unpack_from("<HI", data, pos)
        pos += 6
        if rid == 0x0009:  # PROJECTVERSION: the size field is reserved, the data 6 bytes
            size = 6
        out.append((rid, data[pos : pos + size]))
        pos += size
    return out


def _record(rid: int, data: bytes = b"") -> bytes:
    size = 4 if rid == 0x0009 else len(data)
    return struct.pack("<HI", rid, size) + data


def _standalone() -> olefile.OleFileIO:
    xlwings = resources.files("xlwings")
    with zipfile.ZipFile(
        io.BytesIO(xlwings.joinpath("quickstart_standalone.xlsm").read_bytes())
    ) as z:
        return olefile.OleFileIO(z.read("xl/vbaProject.bin"))


def _text(raw: bytes) -> str:
    return "\r\n".join(raw.decode(CODEPAGE).replace("\r\n", "\n").split("\n"))


@lru_cache(maxsize=1)
def standalone_modules() -> tuple[tuple[Module, ...], bytes, str]:
    """xlwings' shipped standalone project: its modules, the dir stream's project and
    reference records (kept as they are), and its PROJECT stream text."""
    ole = _standalone()
    records = _records(decompress(ole.openstream("VBA/dir").read()))
    head = b"".join(_record(rid, data) for rid, data in records[: _index(records, 0x000F)])
    project = ole.openstream("PROJECT").read().decode(CODEPAGE)
    kinds = {}  # the PROJECT stream says which modules are documents and classes
    for line in project.splitlines():
        key, _, value = line.partition("=")
        if key in ("Document", "Module", "Class"):
            kinds[value.split("/")[0]] = {"Module": "standard"}.get(key, key.lower())
    modules: list[Module] = []
    name, offset = "", 0
    for rid, data in records:
        if rid == 0x0019:
            name = data.decode(CODEPAGE)
        elif rid == 0x0031:
            offset = struct.unpack("<I", data)[0]
        elif rid == 0x002B:
            raw = ole.openstream(f"VBA/{name}").read()
            modules.append(Module(name, kinds[name], _text(decompress(raw[offset:]))))
    return tuple(modules), head, project


def _index(records: list[tuple[int, bytes]], rid: int) -> int:
    return next(i for i, (r, _) in enumerate(records) if r == rid)


def _module_records(module: Module) -> bytes:
    name = module.name.encode(CODEPAGE)
    wide = module.name.encode("utf-16-le")
    return b"".join(
        [
            _record(0x0019, name),
            _record(0x0047, wide),
            _record(0x001A, name),
            _record(0x0032, wide),
            _record(0x001C),
            _record(0x0048),
            _record(0x0031, struct.pack("<I", 0)),  # the source starts the stream
            _record(0x001E, struct.pack("<I", 0)),
            _record(0x002C, struct.pack("<H", 0xFFFF)),
            _record(0x0021 if module.kind == "standard" else 0x0022),
            _record(0x002B),
        ]
    )


def _project_text(template: str, modules: list[Module]) -> str:
    """The PROJECT stream: the shipped one with this project's module lines."""
    lines = template.replace("\r\n", "\n").split("\n")
    keep = [line for line in lines if not line.startswith(("Document=", "Module=", "Class="))]
    declared = [
        {"document": f"Document={m.name}/&H00000000", "class": f"Class={m.name}"}.get(
            m.kind, f"Module={m.name}"
        )
        for m in modules
    ]
    workspace = keep.index("[Workspace]") if "[Workspace]" in keep else len(keep)
    head = keep[:1] + declared + keep[1:workspace]
    tail = ["[Workspace]", *[f"{m.name}=0, 0, 0, 0, C" for m in modules], "", ""]
    return "\r\n".join(head + tail)


def project_bytes(modules: list[Module]) -> bytes:
    """vbaProject.bin holding ``modules``, with xlwings' project and reference records."""
    _, head, project = standalone_modules()
    directory = (
        head
        + _record(0x000F, struct.pack("<H", len(modules)))
        + _record(0x0013, struct.pack("<H", 0xFFFF))
        + b"".join(_module_records(m) for m in modules)
        + _record(0x0010)
    )
    names = b"".join(
        m.name.encode(CODEPAGE) + b"\x00" + m.name.encode("utf-16-le") + b"\x00\x00"
        for m in modules
    )
    vba = {
        "_VBA_PROJECT": b"\xcc\x61\xff\xff\x00\x01\x00",  # no p-code: Office compiles the source
        "dir": compress(directory),
        **{m.name: compress(m.source.encode(CODEPAGE)) for m in modules},
    }
    root = {
        "PROJECT": _project_text(project, modules).encode(CODEPAGE),
        "PROJECTwm": names + b"\x00\x00",
    }
    return write_compound_file(root, {"VBA": vba})


# -------------------------------------------------------------------- MS-CFB v3

_SECTOR = 512
_MINI = 64
_CUTOFF = 4096
_FREE, _END, _FATSECT, _NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


@dataclass
class _Entry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    data: bytes = b""
    children: list[int] | None = None
    left: int = _NOSTREAM
    right: int = _NOSTREAM
    child: int = _NOSTREAM
    start: int = _END
    size: int = 0


def _key(name: str) -> tuple[int, str]:
    return (len(name.encode("utf-16-le")), name.upper())


def _tree(entries: list[_Entry], ids: list[int]) -> int:
    """A balanced binary search tree of ``ids`` (all black); returns its root id."""
    if not ids:
        return _NOSTREAM
    ids = sorted(ids, key=lambda i: _key(entries[i].name))
    middle = len(ids) // 2
    root = ids[middle]
    entries[root].left = _tree(entries, ids[:middle])
    entries[root].right = _tree(entries, ids[middle + 1 :])
    return root


def write_compound_file(root: dict[str, bytes], storages: dict[str, dict[str, bytes]]) -> bytes:
    """A compound file with streams in the root and in one level of storages."""
    entries = [_Entry("Root Entry", 5, children=[])]
    for name, data in sorted(root.items()):
        entries.append(_Entry(name, 2, data))
        entries[0].children.append(len(entries) - 1)  # type: ignore[union-attr]
    for storage, streams in sorted(storages.items()):
        entries.append(_Entry(storage, 1, children=[]))
        parent = len(entries) - 1
        entries[0].children.append(parent)  # type: ignore[union-attr]
        for name, data in sorted(streams.items()):
            entries.append(_Entry(name, 2, data))
            entries[parent].children.append(len(entries) - 1)  # type: ignore[union-attr]
    for entry in entries:
        if entry.children is not None:
            entry.child = _tree(entries, entry.children)
    # small streams live in the mini stream, the others in sectors of their own
    mini = bytearray()
    mini_fat: list[int] = []
    big: list[_Entry] = []
    for entry in entries:
        if entry.kind != 2:
            continue
        entry.size = len(entry.data)
        if entry.size >= _CUTOFF:
            big.append(entry)
            continue
        if entry.size == 0:
            continue
        count = -(-entry.size // _MINI)
        entry.start = len(mini_fat)
        mini_fat += [len(mini_fat) + i + 1 for i in range(count - 1)] + [_END]
        mini += entry.data.ljust(count * _MINI, b"\x00")
    dir_sectors = -(-len(entries) * 128 // _SECTOR)
    minifat_sectors = -(-len(mini_fat) * 4 // _SECTOR)
    mini_sectors = -(-len(mini) // _SECTOR)
    big_sectors = [-(-e.size // _SECTOR) for e in big]
    body = dir_sectors + minifat_sectors + mini_sectors + sum(big_sectors)
    fat_sectors = 1
    while fat_sectors * (_SECTOR // 4) < fat_sectors + body:
        fat_sectors += 1
    if fat_sectors > 109:
        raise ValueError("the VBA project is too large for a header-only FAT")
    fat: list[int] = [_FATSECT] * fat_sectors

    def chain(count: int) -> int:
        if count == 0:
            return _END
        first = len(fat)
        fat.extend([*range(first + 1, first + count), _END])
        return first

    first_dir = chain(dir_sectors)
    first_minifat = chain(minifat_sectors) if minifat_sectors else _END
    entries[0].start = chain(mini_sectors) if mini_sectors else _END
    entries[0].size = len(mini)
    for entry, count in zip(big, big_sectors, strict=True):
        entry.start = chain(count)
    fat += [_FREE] * (fat_sectors * (_SECTOR // 4) - len(fat))
    header = bytearray(_SECTOR)
    header[0:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHHH", header, 24, 0x003E, 0x0003, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 40, 0, fat_sectors, first_dir, 0, _CUTOFF,
                     first_minifat, minifat_sectors, _END, 0)  # fmt: skip
    difat = list(range(fat_sectors)) + [_FREE] * (109 - fat_sectors)
    struct.pack_into("<109I", header, 76, *difat)
    out = io.BytesIO()
    out.write(header)
    out.write(struct.pack(f"<{len(fat)}I", *fat))
    directory = bytearray()
    for entry in entries:
        raw = entry.name.encode("utf-16-le") + b"\x00\x00"
        record = bytearray(128)
        record[0 : len(raw)] = raw
        struct.pack_into("<HBB", record, 64, len(raw), entry.kind, 1)
        struct.pack_into("<III", record, 68, entry.left, entry.right, entry.child)
        struct.pack_into("<IQ", record, 116, entry.start, entry.size)
        directory += record
    while len(directory) % _SECTOR:
        empty = bytearray(128)
        struct.pack_into("<III", empty, 68, _NOSTREAM, _NOSTREAM, _NOSTREAM)
        directory += empty
    out.write(directory)
    table = struct.pack(f"<{len(mini_fat)}I", *mini_fat)
    out.write(table.ljust(minifat_sectors * _SECTOR, b"\xff"))
    out.write(bytes(mini).ljust(mini_sectors * _SECTOR, b"\x00"))
    for entry, count in zip(big, big_sectors, strict=True):
        out.write(entry.data.ljust(count * _SECTOR, b"\x00"))
    return out.getvalue()
