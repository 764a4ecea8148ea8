package ps

import (
	"math"
	"strconv"
	"strings"
)

// Expressions, with PowerShell's precedence from loosest to tightest:
// -and -or -xor; -band -bor -bxor; comparison (-eq ... -like -match
// -replace -contains -is -as); + -; * / %; unary (-not ! - ,); -f; ..;
// the comma; casts; member access, calls and indexing.

const (
	lvLogical = 1 + iota
	lvBitwise
	lvCompare
	lvAdd
	lvMul
	lvFormat
	lvRange
)

var wordOps = map[string]int{
	"and": lvLogical, "or": lvLogical, "xor": lvLogical,
	"band": lvBitwise, "bor": lvBitwise, "bxor": lvBitwise,
	"eq": lvCompare, "ne": lvCompare, "gt": lvCompare, "ge": lvCompare, "lt": lvCompare, "le": lvCompare,
	"like": lvCompare, "notlike": lvCompare, "match": lvCompare, "notmatch": lvCompare,
	"contains": lvCompare, "notcontains": lvCompare, "replace": lvCompare,
	"is": lvCompare, "isnot": lvCompare, "as": lvCompare,
	"f": lvFormat,
}

// caseOps take an i (insensitive) or c (sensitive) prefix.
var caseOps = map[string]bool{
	"eq": true, "ne": true, "gt": true, "ge": true, "lt": true, "le": true, "like": true, "notlike": true,
	"match": true, "notmatch": true, "contains": true, "notcontains": true, "replace": true,
}

// peekOp reads the binary operator at pos without consuming it.
func (p *parser) peekOp() (op string, cs bool, n int, level int) {
	c := p.peek()
	switch c {
	case '+', '*', '/', '%':
		if p.peekAt(1) == '=' {
			return "", false, 0, 0
		}
		if c == '+' {
			return "+", false, 1, lvAdd
		}
		return string(c), false, 1, lvMul
	case '.':
		if p.peekAt(1) == '.' {
			return "..", false, 2, lvRange
		}
	case '-':
		if p.peekAt(1) == '=' {
			return "", false, 0, 0
		}
		end := p.pos + 1
		for end < len(p.src) && (p.src[end] >= 'a' && p.src[end] <= 'z' || p.src[end] >= 'A' && p.src[end] <= 'Z') {
			end++
		}
		if end == p.pos+1 {
			return "-", false, 1, lvAdd
		}
		w := strings.ToLower(p.src[p.pos+1 : end])
		if lv, ok := wordOps[w]; ok {
			return "-" + w, false, end - p.pos, lv
		}
		if len(w) > 1 && (w[0] == 'i' || w[0] == 'c') && caseOps[w[1:]] {
			return "-" + w[1:], w[0] == 'c', end - p.pos, lvCompare
		}
	}
	return "", false, 0, 0
}

func (p *parser) parseExpr() expr { return p.parseBinary(lvLogical) }

func (p *parser) parseBinary(level int) expr {
	if level > lvMul {
		return p.parseUnary()
	}
	l := p.parseBinary(level + 1)
	for {
		save := p.pos
		p.skipSpace()
		op, cs, n, lv := p.peekOp()
		if lv != level {
			p.pos = save
			return l
		}
		pos := p.pos
		p.pos += n
		p.skipSpaceNL()
		if p.atStmtEnd() {
			p.fail(p.pos, "You must provide a value expression on the right-hand side of the '%s' operator.", op)
		}
		l = &binaryExpr{pos: pos, op: op, cs: cs, l: l, r: p.parseBinary(level + 1)}
	}
}

func (p *parser) parseUnary() expr {
	p.enter()
	defer p.leave()
	pos := p.pos
	switch {
	case p.peek() == '!':
		p.pos++
		p.skipSpace()
		return &unaryExpr{pos: pos, op: "-not", x: p.parseUnary()}
	case p.peek() == ',':
		p.pos++
		p.skipSpaceNL()
		return &unaryExpr{pos: pos, op: ",", x: p.parseUnary()}
	case p.peek() == '-' && p.wordOpAt("not"):
		p.pos += 4
		p.skipSpaceNL()
		return &unaryExpr{pos: pos, op: "-not", x: p.parseUnary()}
	case p.peek() == '-' && p.wordOpAt("bnot"):
		p.pos += 5
		p.skipSpaceNL()
		return &unaryExpr{pos: pos, op: "-bnot", x: p.parseUnary()}
	case p.peek() == '-' && !isLetter(p.peekAt(1)):
		p.pos++
		p.skipSpace()
		return &unaryExpr{pos: pos, op: "-", x: p.parseUnary()}
	case p.peek() == '+' && p.peekAt(1) != '+':
		p.pos++
		p.skipSpace()
		return &unaryExpr{pos: pos, op: "+", x: p.parseUnary()}
	}
	return p.parseFormat()
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func (p *parser) wordOpAt(w string) bool {
	end := p.pos + 1 + len(w)
	return end <= len(p.src) && strings.EqualFold(p.src[p.pos+1:end], w) && (end == len(p.src) || !isNameChar(p.src[end]))
}

func (p *parser) parseFormat() expr {
	l := p.parseRange()
	for {
		save := p.pos
		p.skipSpace()
		op, _, n, lv := p.peekOp()
		if lv != lvFormat {
			p.pos = save
			return l
		}
		pos := p.pos
		p.pos += n
		p.skipSpaceNL()
		l = &binaryExpr{pos: pos, op: op, l: l, r: p.parseRange()}
	}
}

func (p *parser) parseRange() expr {
	l := p.parseComma()
	save := p.pos
	p.skipSpace()
	if _, _, n, lv := p.peekOp(); lv == lvRange {
		pos := p.pos
		p.pos += n
		p.skipSpaceNL()
		return &binaryExpr{pos: pos, op: "..", l: l, r: p.parseComma()}
	}
	p.pos = save
	return l
}

func (p *parser) parseComma() expr {
	first := p.parseCast()
	if p.noComma {
		return first
	}
	return p.commaList(first, p.parseCast)
}

func (p *parser) parseCast() expr {
	if p.peek() != '[' {
		return p.parsePostfix(p.parsePrimary())
	}
	pos := p.pos
	typ := p.parseTypeName()
	if strings.HasPrefix(p.src[p.pos:], "::") {
		return p.parsePostfix(&typeLit{pos: pos, typ: typ})
	}
	p.skipSpace()
	if p.atStmtEnd() || p.peek() == '|' || p.peek() == ',' {
		return &typeLit{pos: pos, typ: typ}
	}
	if _, _, _, lv := p.peekOp(); lv != 0 && p.peek() != '-' {
		return &typeLit{pos: pos, typ: typ}
	}
	return &castExpr{pos: pos, typ: typ, x: p.parseUnary()}
}

// parseTypeName reads [Name] or [Name[]] and returns the name.
func (p *parser) parseTypeName() string {
	start := p.pos
	p.pos++ // '['
	depth := 1
	for !p.eof() && depth > 0 {
		switch p.peek() {
		case '[':
			depth++
		case ']':
			depth--
		case '\n':
			p.fail(start, "Missing ] at end of type token.")
		}
		p.pos++
	}
	if depth > 0 {
		p.fail(start, "Missing ] at end of type token.")
	}
	name := strings.TrimSpace(p.src[start+1 : p.pos-1])
	if name == "" {
		p.fail(start, "Missing type name after '['.")
	}
	return name
}

// parsePostfix reads .Member, .Method(args), ::Static, ::Method(args) and
// [index] written right after x.
func (p *parser) parsePostfix(x expr) expr {
	for {
		switch {
		case p.peek() == '.' && p.peekAt(1) != '.' && !(p.peekAt(1) >= '0' && p.peekAt(1) <= '9'):
			p.pos++
			x = p.parseMember(x, false)
		case strings.HasPrefix(p.src[p.pos:], "::"):
			p.pos += 2
			x = p.parseMember(x, true)
		case p.peek() == '[':
			pos := p.pos
			p.pos++
			p.skipSpaceNL()
			saveNC := p.noComma
			p.noComma = false
			idx := p.parseExpr()
			p.noComma = saveNC
			p.skipSpaceNL()
			p.expect(']', "Array index expression is missing or not valid.")
			x = &indexExpr{pos: pos, x: x, idx: idx}
		default:
			return x
		}
	}
}

func (p *parser) parseMember(x expr, static bool) expr {
	pos := p.pos
	var name expr
	r, _ := p.peekRune()
	switch {
	case r == '$':
		name = p.parsePrimary()
	case isSQ(r) || isDQ(r):
		name = p.parsePrimary()
	default:
		start := p.pos
		for !p.eof() && isNameChar(p.peek()) {
			p.pos++
		}
		if start == p.pos {
			p.fail(p.pos, "Missing property name after reference operator.")
		}
		name = &literal{pos: start, val: p.src[start:p.pos]}
	}
	if p.peek() != '(' {
		return &memberExpr{pos: pos, x: x, name: name, static: static}
	}
	lit, ok := name.(*literal)
	if !ok {
		p.fail(pos, "Unexpected token '(' in expression or statement.")
	}
	p.pos++
	call := &callExpr{pos: p.pos, x: x, name: lit.val.(string), static: static}
	saveNC := p.noComma
	p.noComma = true
	defer func() { p.noComma = saveNC }()
	p.skipSpaceNL()
	if p.peek() == ')' {
		p.pos++
		return call
	}
	for {
		call.args = append(call.args, p.parseExpr())
		p.skipSpaceNL()
		switch p.peek() {
		case ',':
			p.pos++
			p.skipSpaceNL()
		case ')':
			p.pos++
			return call
		default:
			p.fail(p.pos, "Missing ')' in method call.")
		}
	}
}

// memoEntry is a primary already parsed at a position: statements are
// tried as assignments first and re-read as pipelines, and without the
// memo nested $( ) would be read again at every level (exponential time).
type memoEntry struct {
	e   expr
	end int
	err *ParseError
}

func (p *parser) parsePrimary() (e expr) {
	start := p.pos
	if r, _ := p.peekRune(); !(r == '$' || r == '@' || r == '(' || r == '{' || isSQ(r) || isDQ(r)) {
		return p.parsePrimaryOnce()
	}
	if m, ok := p.memo[start]; ok {
		if m.err != nil {
			panic(m.err)
		}
		p.pos = m.end
		return m.e
	}
	if p.memo == nil {
		p.memo = map[int]memoEntry{}
	}
	defer func() {
		if r := recover(); r != nil {
			if pe, ok := r.(*ParseError); ok {
				p.memo[start] = memoEntry{err: pe}
			}
			panic(r)
		}
		p.memo[start] = memoEntry{e: e, end: p.pos}
	}()
	return p.parsePrimaryOnce()
}

func (p *parser) parsePrimaryOnce() expr {
	p.enter()
	defer p.leave()
	pos := p.pos
	r, _ := p.peekRune()
	switch {
	case r == '$':
		if p.peekAt(1) == '(' {
			p.pos += 2
			b := p.parseBlockBody(')')
			p.pos++
			return &subExpr{pos: pos, body: b}
		}
		return p.parseVariable()
	case r == '@':
		return p.parseAt()
	case r == '(':
		return p.parseParen()
	case isSQ(r):
		return &literal{pos: pos, val: p.readSingleQuoted()}
	case isDQ(r):
		return stringExpr(pos, p.readDoubleQuoted())
	case r >= '0' && r <= '9' || r == '.' && p.peekAt(1) >= '0' && p.peekAt(1) <= '9':
		return &literal{pos: pos, val: p.readNumber()}
	case r == '{':
		return p.parseScriptBlock()
	case r == '[':
		return p.parseCast()
	}
	if p.eof() {
		p.fail(pos, "Missing expression.")
	}
	p.fail(pos, "Unexpected token '%s' in expression or statement.", p.wordAt())
	return nil
}

func stringExpr(pos int, parts []any) expr {
	if lit, ok := partsLiteral(parts); ok {
		return &literal{pos: pos, val: lit}
	}
	return &expandable{pos: pos, parts: parts}
}

func (p *parser) parseParen() expr {
	pos := p.pos
	p.pos++
	saveNC := p.noComma
	p.noComma = false
	defer func() { p.noComma = saveNC }()
	p.skipSpaceNL()
	e := &parenExpr{pos: pos}
	if p.peek() == '$' {
		e.asg = p.tryAssignment()
	}
	if e.asg == nil {
		e.pipe = p.parsePipeline()
	}
	p.skipSpaceNL()
	p.expect(')', "Missing closing ')' in expression.")
	return e
}

func (p *parser) parseAt() expr {
	pos := p.pos
	switch p.peekAt(1) {
	case '(':
		p.pos += 2
		b := p.parseBlockBody(')')
		p.pos++
		return &subExpr{pos: pos, body: b, array: true}
	case '{':
		p.pos += 2
		return p.parseHash(pos)
	case '\'', '"':
		return p.readHereString()
	}
	p.fail(pos, "Unrecognized token in source text.")
	return nil
}

func (p *parser) parseHash(pos int) expr {
	h := &hashLit{pos: pos}
	saveNC := p.noComma
	p.noComma = false
	defer func() { p.noComma = saveNC }()
	for {
		p.skipSpaceNL()
		for p.peek() == ';' {
			p.pos++
			p.skipSpaceNL()
		}
		if p.peek() == '}' {
			p.pos++
			return h
		}
		if p.eof() {
			p.fail(p.pos, "Missing closing '}' in hash literal.")
		}
		var key expr
		r, _ := p.peekRune()
		switch {
		case r == '$' || r == '(' || isSQ(r) || isDQ(r) || r >= '0' && r <= '9':
			key = p.parsePostfix(p.parsePrimary())
		default:
			start := p.pos
			for !p.eof() && (isNameChar(p.peek()) || p.peek() == '-' || p.peek() == '.') {
				p.pos++
			}
			if start == p.pos {
				p.fail(p.pos, "Missing key before '=' in hash literal.")
			}
			key = &literal{pos: start, val: p.src[start:p.pos]}
		}
		p.skipSpace()
		p.expect('=', "Missing '=' operator after key in hash literal.")
		p.skipSpaceNL()
		h.keys = append(h.keys, key)
		h.vals = append(h.vals, p.parsePipeline())
		p.skipSpace()
		if c := p.peek(); c != ';' && c != '\n' && c != '}' {
			p.fail(p.pos, "Missing statement after '=' in hash literal.")
		}
	}
}

func (p *parser) parseScriptBlock() expr {
	pos := p.pos
	p.pos++
	b := p.parseBlockBody('}')
	p.pos++
	return &scriptBlockLit{pos: pos, text: p.src[pos+1 : p.pos-1], body: b}
}

// parseVariable reads $name, $scope:name, ${name}, $_, $? and $$.
func (p *parser) parseVariable() expr {
	pos := p.pos
	p.pos++ // '$'
	if p.peek() == '{' {
		end := strings.IndexByte(p.src[p.pos:], '}')
		if end < 0 {
			p.fail(pos, "Missing closing '}' in variable name.")
		}
		name := p.src[p.pos+1 : p.pos+end]
		p.pos += end + 1
		return &varRef{pos: pos, name: strings.ToLower(name), orig: name}
	}
	if c := p.peek(); c == '?' || c == '$' || c == '^' {
		p.pos++
		return &varRef{pos: pos, name: string(c), orig: string(c)}
	}
	start := p.pos
	for !p.eof() && isNameChar(p.peek()) {
		p.pos++
	}
	if start == p.pos {
		p.fail(pos, "Missing variable name after '$'.")
	}
	if p.peek() == ':' && p.pos+1 < len(p.src) && isNameChar(p.src[p.pos+1]) {
		switch strings.ToLower(p.src[start:p.pos]) {
		case "env", "global", "script", "local", "private", "variable":
			p.pos++
			for !p.eof() && isNameChar(p.peek()) {
				p.pos++
			}
		}
	}
	name := p.src[start:p.pos]
	return &varRef{pos: pos, name: strings.ToLower(name), orig: name}
}

// readNumber reads 12, 0x1F, 1.5, 1e3 and the kb/mb/gb/tb multipliers.
func (p *parser) readNumber() any {
	start := p.pos
	if strings.HasPrefix(strings.ToLower(p.ahead(8)), "0x") {
		p.pos += 2
		for !p.eof() && strings.ContainsRune("0123456789abcdefABCDEF", rune(p.peek())) {
			p.pos++
		}
		n, err := strconv.ParseUint(p.src[start+2:p.pos], 16, 64)
		if err != nil {
			p.fail(start, "Bad numeric constant: %s.", p.src[start:p.pos])
		}
		return p.numberSuffix(int64(n))
	}
	digits := func() {
		for !p.eof() && p.peek() >= '0' && p.peek() <= '9' {
			p.pos++
		}
	}
	digits()
	float := false
	if p.peek() == '.' && p.peekAt(1) >= '0' && p.peekAt(1) <= '9' {
		float = true
		p.pos++
		digits()
	}
	if (p.peek() == 'e' || p.peek() == 'E') && (p.peekAt(1) >= '0' && p.peekAt(1) <= '9' || (p.peekAt(1) == '-' || p.peekAt(1) == '+') && p.peekAt(2) >= '0' && p.peekAt(2) <= '9') {
		float = true
		p.pos += 2
		digits()
	}
	text := p.src[start:p.pos]
	if !float {
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			return p.numberSuffix(n)
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		p.fail(start, "Bad numeric constant: %s.", text)
	}
	if v := p.numberSuffix(int64(1)); v != int64(1) {
		return f * float64(v.(int64))
	}
	return f
}

func (p *parser) numberSuffix(n int64) any {
	rest := strings.ToLower(p.ahead(8))
	for i, s := range []string{"kb", "mb", "gb", "tb", "pb"} {
		if strings.HasPrefix(rest, s) {
			p.pos += 2
			m := int64(1) << (10 * (i + 1))
			if n != 0 && (n > math.MaxInt64/m || n < math.MinInt64/m) {
				p.fail(p.pos, "Bad numeric constant.")
			}
			return n * m
		}
	}
	if strings.HasPrefix(rest, "l") || strings.HasPrefix(rest, "d") {
		p.pos++
	}
	return n
}
