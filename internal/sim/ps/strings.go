package ps

import "strings"

// String literals: '...' takes everything as written (a doubled quote is
// one quote); "..." expands $variables and $( ) and takes backtick
// escapes; here-strings @' '@ and @" "@ span lines.

func (p *parser) unterminated(start int) {
	p.fail(start, "Encountered end of file while processing a string token.")
}

func (p *parser) readSingleQuoted() string {
	start := p.pos
	_, n := p.peekRune()
	p.pos += n
	var b strings.Builder
	for !p.eof() {
		r, n := p.peekRune()
		p.pos += n
		if isSQ(r) {
			if r2, n2 := p.peekRune(); isSQ(r2) {
				b.WriteRune(r2)
				p.pos += n2
				continue
			}
			return b.String()
		}
		b.WriteRune(r)
	}
	p.unterminated(start)
	return ""
}

var backtickEscapes = map[rune]string{
	'0': "\x00", 'a': "\a", 'b': "\b", 'f': "\f", 'n': "\n", 'r': "\r", 't': "\t", 'v': "\v",
}

// readDoubleQuoted returns the parts of a double-quoted string: literal
// text and the expressions to expand.
func (p *parser) readDoubleQuoted() []any {
	start := p.pos
	_, n := p.peekRune()
	p.pos += n
	var parts []any
	var b strings.Builder
	for !p.eof() {
		r, n := p.peekRune()
		switch {
		case isDQ(r):
			p.pos += n
			if r2, n2 := p.peekRune(); isDQ(r2) {
				b.WriteRune(r2)
				p.pos += n2
				continue
			}
			if b.Len() > 0 || len(parts) == 0 {
				parts = append(parts, b.String())
			}
			return parts
		case r == '`' && p.pos+1 < len(p.src):
			p.pos++
			r2, n2 := p.peekRune()
			p.pos += n2
			if e, ok := backtickEscapes[r2]; ok {
				b.WriteString(e)
			} else {
				b.WriteRune(r2)
			}
		case r == '$' && p.pos+1 < len(p.src) && (isNameChar(p.src[p.pos+1]) || strings.ContainsRune("({?$^", rune(p.src[p.pos+1]))):
			if b.Len() > 0 {
				parts = append(parts, b.String())
				b.Reset()
			}
			parts = append(parts, p.parseStringVar())
		default:
			b.WriteRune(r)
			p.pos += n
		}
	}
	p.unterminated(start)
	return nil
}

// parseStringVar reads $name or $( ... ) inside a string or bare word:
// no member access ("$x.Name" expands $x and keeps ".Name").
func (p *parser) parseStringVar() expr {
	if p.peekAt(1) == '(' {
		return p.parsePrimary()
	}
	return p.parseVariable()
}

// readHereString reads @'...'@ or @"..."@: the text starts on the line
// after the opening and ends before the line holding the closing.
func (p *parser) readHereString() expr {
	start := p.pos
	q := p.src[p.pos+1]
	p.pos += 2
	nl := strings.IndexByte(p.src[p.pos:], '\n')
	if nl < 0 || strings.TrimSpace(p.src[p.pos:p.pos+nl]) != "" {
		p.fail(start, "Unrecognized token in source text.")
	}
	p.pos += nl + 1
	end := strings.Index(p.src[p.pos:], "\n"+string(q)+"@")
	bodyStart := p.pos
	if strings.HasPrefix(p.src[p.pos:], string(q)+"@") {
		p.pos += 2
		return &literal{pos: start, val: ""}
	}
	if end < 0 {
		p.unterminated(start)
	}
	text := strings.TrimSuffix(p.src[bodyStart:bodyStart+end], "\r")
	p.pos = bodyStart + end + 3
	if q == '\'' {
		return &literal{pos: start, val: text}
	}
	sub := &parser{src: "\"" + strings.ReplaceAll(text, "\"", "`\"") + "\"", depth: p.depth}
	parts := sub.readDoubleQuoted()
	for _, pt := range parts {
		if _, ok := pt.(string); !ok {
			p.fail(start, "Expressions in a here-string are not supported here.")
		}
	}
	return stringExpr(start, parts)
}
