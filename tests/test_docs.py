"""The README shows what the tool really prints."""

from conftest import doc_script


def _conventions():
    return doc_script("conventions")


def test_readme_convention_table_is_the_tools_output():
    conventions = _conventions()
    assert conventions.current() == conventions.table()
