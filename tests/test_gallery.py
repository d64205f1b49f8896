"""The README's gallery shows what the tool really prints (docs/make_gallery.py)."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _gallery():
    spec = importlib.util.spec_from_file_location("make_gallery", ROOT / "docs" / "make_gallery.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_latex_is_the_tools_output():
    gallery = _gallery()
    assert gallery.current() == gallery.readme_block(), "run python docs/make_gallery.py"


def test_gallery_images_are_committed():
    for name in ("lstm.png", "plot.png"):
        assert (ROOT / "docs" / "gallery" / name).read_bytes().startswith(b"\x89PNG")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "](docs/gallery/lstm.png)" in readme and "](docs/gallery/plot.png)" in readme
