-- pandoc filter for the man pages: a link becomes its text (the targets are
-- other Markdown files of docs/, installed under /usr/share/doc/mcsec/).
function Link(el)
  return el.content
end
