"""The characters curriculum text may not hold: one list, a page's a strict superset of YAML's."""

from __future__ import annotations

from pathdeck.characters import NOT_ON_A_PAGE, UNPRINTABLE


def test_a_page_refuses_everything_yaml_refuses_and_its_own_line_breaks() -> None:
    refused = {cp for cp in range(0x10000) if UNPRINTABLE.match(chr(cp))}
    on_a_page = {cp for cp in range(0x10000) if NOT_ON_A_PAGE.match(chr(cp))}
    assert refused < on_a_page
    assert on_a_page - refused == {0x0D, 0x85, 0x2028, 0x2029, 0xFEFF, *range(0xD800, 0xE000)}
    assert not {0x09, 0x0A, 0x20} & on_a_page  # tab, line feed and space are text
