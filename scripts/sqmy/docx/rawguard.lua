-- sqmy: only sqmy's own raw OpenXML reaches a Word document; an item's text is shown as text.
--
-- pandocio.markdown_to_docx runs this filter with the environment variable SQMY_RAW_NONCE, the
-- nonce of this run (ooxml.NONCE); sqmy's own raw blocks start with <!--nonce-->. Item bodies
-- are read by pandoc from files of their own (--file-scope), so nothing in a body reaches
-- beyond it; this filter then sees the whole document:
--   * a raw block with the mark is sqmy's: the mark is removed and the block kept;
--   * a raw block of the format sqmyend holding the mark and nothing else ends one document when
--     pandoc reads several at once (read_many in pandoc.py, which takes it out again): kept as it is;
--   * any other raw block or inline (```{=openxml}, `…`{=html}, …) is shown as its literal text, as code;
--   * images become their description: no file or address is ever read;
--   * links other than web and mail addresses become their text;
--   * Div, Span, headings, code and links lose their attributes: a custom-style would give item
--     text sqmy's own styles, and identifiers would name bookmarks after pandoc's input files.
-- Without a nonce nothing is marked, and every raw block is shown as text.

local nonce = os.getenv("SQMY_RAW_NONCE") or ""
local mark = "<!--" .. nonce .. "-->"

local function marked(text)
  return nonce ~= "" and text:sub(1, #mark) == mark
end

local function safe_target(target)
  return target:match("^https?://") or target:match("^mailto:")
end

local function plain_attr(element)
  element.attr = pandoc.Attr()
  return element
end

return {
  {
    RawBlock = function(block)
      if block.format == "openxml" and marked(block.text) then
        return pandoc.RawBlock("openxml", block.text:sub(#mark + 1))
      end
      if block.format == "sqmyend" and nonce ~= "" and block.text == mark then
        return block
      end
      return pandoc.CodeBlock(block.text)
    end,
    RawInline = function(inline)
      return pandoc.Code(inline.text)
    end,
    Image = function(image)
      return image.caption
    end,
    Link = function(link)
      if not safe_target(link.target) then
        return link.content
      end
      return plain_attr(link)
    end,
    Div = plain_attr,
    Span = plain_attr,
    Header = plain_attr,
    CodeBlock = plain_attr,
    Code = plain_attr,
  },
}
