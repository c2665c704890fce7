"""The 替代链 of styles.yml for the programs that do not read it from the Word file.

    sqmy docx fonts --install   (or: sqmy docx fonts > /etc/fonts/conf.d/60-sqmy-gbt9704.conf)

Every style of a document names its official font (方正小标宋简体, 仿宋_GB2312, 楷体_GB2312, 黑体).
Word reads the rest of the chain from the document's font table (reference.py: one alternative name,
and the PANOSE class of the face). LibreOffice reads none of it: it asks the system for the
style's font by name, and on Linux the system is fontconfig, which knows no Chinese font names and
answers every one of them with its default sans-serif face, so titles, 仿宋 body text and 黑体 and
楷体 headings all come out in the same 黑体-like face. This module writes the same chains as
fontconfig rules (each official name accepts the fonts of its chain, in order, after itself), which
a Linux machine installs once for its user or for all; the official font still wins where it is
installed. The page checks (tests/test_docx_pages.py) install it the way an office does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape

from .reference import chains

FILE_NAME = "60-sqmy-gbt9704.conf"  # read by the user's fontconfig/conf.d (after the system's 49-sansserif.conf)


def fontconfig(fonts: Mapping[str, Any]) -> str:
    """fontconfig rules for styles.yml's `fonts`: each official font's chain, in order, as strong as the name asked for."""
    rules = []
    for name, chain in chains(fonts).items():
        accepted = "".join(f"<family>{escape(alt)}</family>" for alt in chain)
        rules.append(f'  <alias binding="same">\n    <family>{escape(name)}</family>\n    <accept>{accepted}</accept>\n  </alias>\n')
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        "<!-- sqmy: the fonts of templates/docx/styles.yml (GB/T 9704) and, where one is missing, the fonts used instead -->\n"
        f"<fontconfig>\n{''.join(rules)}</fontconfig>\n"
    )
