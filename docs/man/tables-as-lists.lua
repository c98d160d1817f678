-- pandoc filter for the man pages: a table becomes a definition list (first
-- column the term; every other non-empty cell a paragraph led by its column
-- heading). Wide tbl tables do not fit a terminal and groff warns about them.
function Table(tbl)
  local s = pandoc.utils.to_simple_table(tbl)
  local items = {}
  for _, row in ipairs(s.rows) do
    local term = pandoc.utils.blocks_to_inlines(row[1])
    local defs = {}
    for i = 2, #row do
      local inl = pandoc.utils.blocks_to_inlines(row[i])
      if #inl > 0 then
        local para = {}
        local head = pandoc.utils.stringify(s.headers[i] or {})
        if head ~= '' then
          table.insert(para, pandoc.Emph({pandoc.Str(head .. ':')}))
          table.insert(para, pandoc.Space())
        end
        for _, x in ipairs(inl) do table.insert(para, x) end
        table.insert(defs, pandoc.Para(para))
      end
    end
    table.insert(items, {term, {defs}})
  end
  return pandoc.DefinitionList(items)
end
