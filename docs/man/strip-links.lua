-- pandoc filter for the man pages: a link becomes its text (the targets are
-- other Markdown files of docs/, installed under /usr/share/doc/mcsec/).
function Link(el)
  return el.content
end

-- A long inline code span (a GnuTLS priority string) gets break points
-- after ':' and ',' (groff's \:), else it overflows the line.
function Code(el)
  if #el.text <= 60 then
    return nil
  end
  local t = el.text:gsub('\\', '\\e'):gsub('%-', '\\-'):gsub('([:,])', '%1\\:')
  return pandoc.RawInline('man', '\\f[V]' .. t .. '\\f[R]')
end
