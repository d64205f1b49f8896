"""The gallery (docs/latex.md, "Gallery") shows what the tool really prints (docs/make_gallery.py)."""

from pathlib import Path

from conftest import doc_script

ROOT = Path(__file__).resolve().parent.parent



def _gallery():
    return doc_script("make_gallery")


def test_readme_latex_is_the_tools_output():
    gallery = _gallery()
    assert gallery.current() == gallery.gallery_block(), "run python docs/make_gallery.py"


def test_gallery_images_are_committed():
    for name in ("lstm.png", "plot.png"):
        assert (ROOT / "docs" / "gallery" / name).read_bytes().startswith(b"\x89PNG")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "](docs/gallery/lstm.png)" in readme and "](docs/gallery/plot.png)" in readme
    page = (ROOT / "docs" / "latex.md").read_text(encoding="utf-8")
    assert "](gallery/lstm.png)" in page and "](gallery/plot.png)" in page
