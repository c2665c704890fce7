"""The official Word documents: what goes into each (plan), the OOXML pieces, the reference document and the pandoc run."""
