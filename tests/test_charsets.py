import pytest

from newsweave.charsets import legacy_text, user_text
from newsweave.errors import InputError


def test_legacy_text_is_windows_1252_where_that_is_plausible():
    western = "Café Zoë Müller said “we are back” — in 2017."
    assert legacy_text(western.encode("cp1252")) == western
    assert legacy_text("Президент заявил".encode("cp1251")) is None  # another script
    assert legacy_text("café ".encode() + b"\xe9") is None  # damaged UTF-8
    assert legacy_text(b"\xff\xfe bad") is None  # a UTF-16 mark
    assert legacy_text(b"caf\x81") is None  # a byte Windows-1252 leaves undefined


def test_user_text_reads_what_editors_save(capsys):
    rows = "domain,name\nliberation.fr,Libération\n"
    assert user_text(rows.encode(), "t.csv") == rows
    assert user_text(rows.encode("utf-16"), "t.csv") == rows
    assert user_text(rows.encode("cp1252"), "t.csv") == rows
    assert "t.csv: not UTF-8: read as Windows-1252" in capsys.readouterr().err
    with pytest.raises(InputError, match=r"invalid byte at offset 11; save it as UTF-8") as e:
        user_text("first line\nцена ".encode("cp1251") + "é".encode(), "t.txt", "save it as UTF-8")
    assert e.value.line == 2
    with pytest.raises(InputError, match="not UTF-8"):  # a mark, then bytes that only decode
        user_text(b"\xff\xfebadbytes", "t.txt")


def test_character_references_to_no_character_become_the_replacement_character():
    """Surrogates, numbers past U+10FFFF and numbers too long to convert name no character
    (feedparser and lxml crash or keep undecodable bytes on them); the valid ones stay."""
    from newsweave.charsets import valid_character_references

    assert valid_character_references(b"a&#xD800;b&#x110000;c&#99999999999;d&#65;&#x263A;"
                                      b"&#" + b"9" * 5000 + b";&#xdfff;&#55296;&#1114111;") == (
        b"a&#xFFFD;b&#xFFFD;c&#xFFFD;d&#65;&#x263A;&#xFFFD;&#xFFFD;&#xFFFD;&#1114111;")
    assert valid_character_references(b"no references & all") == b"no references & all"

