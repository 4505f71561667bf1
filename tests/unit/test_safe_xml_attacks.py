"""Hostile BPMN/DMN files are refused with a Dutch reason, and the parser never opens a file or a socket.

The cheap scan in parse_xml refuses DOCTYPE and ENTITY declarations before parsing; the tests of the parser
itself (make_parser) show that the second layer holds on its own when that scan is bypassed.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from webapp.engine.safe_xml import MAX_XML_BYTES, UnsafeXml, make_parser, parse_xml

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DMN = "https://www.omg.org/spec/DMN/20191111/MODEL/"
SECRET = "geheim-uit-een-bestand-8d1f"


def definitions(body: str = "", namespace: str = BPMN, prolog: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}'
        f'<definitions xmlns="{namespace}" id="d">{body}</definitions>'
    ).encode()


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "geheim.txt"
    path.write_text(SECRET)
    return path


@pytest.fixture
def listener() -> Iterator[tuple[socket.socket, str]]:
    """A local port that records whether anything connected (connect() completes in the backlog)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.setblocking(False)
    yield server, f"http://127.0.0.1:{server.getsockname()[1]}/evil.dtd"
    server.close()


def nobody_connected(server: socket.socket) -> bool:
    try:
        connection, _ = server.accept()
    except BlockingIOError:
        return True
    connection.close()
    return False


def attacks(secret: Path, url: str) -> dict[str, bytes]:
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    return {
        "xxe-file": definitions(
            "&x;", prolog=f'<!DOCTYPE definitions [<!ENTITY x SYSTEM "file://{secret}">]>'
        ),
        "xxe-http": definitions("&x;", prolog=f'<!DOCTYPE definitions [<!ENTITY x SYSTEM "{url}">]>'),
        "parameter-entity": definitions(prolog=f'<!DOCTYPE definitions [<!ENTITY % p SYSTEM "{url}"> %p;]>'),
        "external-dtd": definitions(prolog=f'<!DOCTYPE definitions SYSTEM "{url}">'),
        "billion-laughs": definitions("&l9;", prolog=f'<!DOCTYPE definitions [<!ENTITY l0 "lol">{laughs}]>'),
        "quadratic-blowup": definitions(
            "&a;" * 2000, prolog=f'<!DOCTYPE definitions [<!ENTITY a "{"x" * 50_000}">]>'
        ),
        "doctype-only": definitions(prolog="<!DOCTYPE definitions>"),
        "doctype-lowercase": definitions(prolog="<!doctype definitions>"),
        "doctype-after-long-comment": definitions(
            prolog=f'<!--{"c" * 10_000}--><!DOCTYPE definitions SYSTEM "{url}">'
        ),
        "dmn-with-entity": definitions(
            '<decision id="x" name="&e;"/>',
            namespace=DMN,
            prolog='<!DOCTYPE definitions [<!ENTITY e "ingevoegd">]>',
        ),
    }


ATTACK_NAMES = list(attacks(Path("/x"), "http://x"))


@pytest.mark.parametrize("name", ATTACK_NAMES)
def test_dtds_and_entities_are_refused_before_parsing(
    name: str, secret_file: Path, listener: tuple[socket.socket, str]
) -> None:
    server, url = listener
    with pytest.raises(UnsafeXml, match="DOCTYPE"):
        parse_xml(attacks(secret_file, url)[name])
    assert nobody_connected(server)


@pytest.mark.parametrize("name", ATTACK_NAMES)
def test_the_parser_alone_neither_reads_files_nor_opens_sockets_nor_expands_entities(
    name: str, secret_file: Path, listener: tuple[socket.socket, str]
) -> None:
    """With the scan bypassed: whatever lxml makes of the file, the secret is not in it, no connection was
    made, and no resolver was asked for anything."""
    server, url = listener
    asked: list[str] = []

    class Recorder(etree.Resolver):  # type: ignore[misc]
        def resolve(self, system_url: str, public_id: str, context: object) -> None:
            asked.append(system_url)

    parser = make_parser()
    parser.resolvers.add(Recorder())
    try:
        root = etree.fromstring(attacks(secret_file, url)[name], parser=parser)
        text = etree.tostring(root, encoding="unicode")
    except etree.XMLSyntaxError:
        text = ""  # refusing to parse is fine too
    assert SECRET not in text
    assert "lollollol" not in text and "x" * 100_000 not in text
    assert "ingevoegd" not in text
    assert asked == []
    assert nobody_connected(server)


def test_a_file_over_five_megabytes_is_refused_unread() -> None:
    padding = "<!-- " + "a" * (MAX_XML_BYTES + 1) + " -->"
    with pytest.raises(UnsafeXml, match="groter dan 5 MB"):
        parse_xml(definitions(padding))


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"dit is geen xml", "geen goed gevormde XML"),
        (b"", "geen goed gevormde XML"),
        (b"<definitions xmlns='" + BPMN.encode() + b"'>", "geen goed gevormde XML"),
        (b"\x00\x01\x02", "geen goed gevormde XML"),
        (b"\xff\xfe<\x00d\x00/\x00>\x00", "geen UTF-8"),
        ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE d>'.encode("utf-16"), "geen UTF-8"),
        (b"<html><body>hallo</body></html>", "geen BPMN- of DMN-diagram"),
        (b"<definitions/>", "geen BPMN- of DMN-diagram"),
        (b'<definitions xmlns="http://example.org/">x</definitions>', "geen BPMN- of DMN-diagram"),
        (b'<process xmlns="' + BPMN.encode() + b'"/>', "geen BPMN- of DMN-diagram"),
    ],
    ids=[
        "text",
        "empty",
        "unclosed",
        "binary",
        "utf16-bom",
        "utf16-doctype",
        "html",
        "no-namespace",
        "foreign-namespace",
        "wrong-root",
    ],
)
def test_what_is_no_bpmn_or_dmn_xml_is_refused_with_a_dutch_reason(data: bytes, reason: str) -> None:
    with pytest.raises(UnsafeXml, match=reason):
        parse_xml(data)


def test_real_bpmn_and_dmn_files_still_parse() -> None:
    assert etree.QName(parse_xml(definitions("<process id='p'/>"))).localname == "definitions"
    assert etree.QName(parse_xml(definitions(namespace=DMN))).namespace == DMN
    processes = Path(__file__).resolve().parents[2] / "processes"
    for path in sorted(processes.glob("*.bpmn")) + sorted(processes.glob("*.dmn")):
        parse_xml(path.read_bytes())
