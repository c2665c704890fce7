-- sqmy: several documents, each read by pandoc.read_many (sandboxed, through rawguard.lua), written as Word
-- files by one pandoc, the same bytes `pandoc --sandbox --from json --to docx` makes of each (json_to_docx).
--
-- pandoc.write_many runs this filter in a folder holding 0.json … N-1.json, with SQMY_WRITE_COUNT (N) and
-- SQMY_REFERENCE_DOC in the environment, and reads back 0.docx … N-1.docx. A Lua filter's pandoc.write is not
-- in pandoc's sandbox, so what a sandboxed writer would refuse is refused here: an image (it would be read
-- from a file or an address; rawguard.lua never lets one through) stops the whole run, and the caller writes
-- each document alone.

local count = tonumber(os.getenv("SQMY_WRITE_COUNT") or "")
local reference = os.getenv("SQMY_REFERENCE_DOC") or ""
assert(count and count >= 0 and reference ~= "", "sqmy: SQMY_WRITE_COUNT and SQMY_REFERENCE_DOC are needed")

local function no_image()
  error("sqmy: an image reached the writer")
end

function Pandoc(_)
  local options = pandoc.WriterOptions({ reference_doc = reference })
  for n = 0, count - 1 do
    local input = assert(io.open(n .. ".json", "rb"))
    local doc = pandoc.read(input:read("a"), "json")
    input:close()
    doc:walk({ Image = no_image })
    local output = assert(io.open(n .. ".docx", "wb"))
    output:write(pandoc.write(doc, "docx", options))
    output:close()
  end
  return pandoc.Pandoc({})
end
