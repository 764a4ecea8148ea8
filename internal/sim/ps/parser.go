package ps

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ParseError is a script PowerShell would refuse before running any of
// it. Pos is the byte offset of the fault.
type ParseError struct {
	Msg string
	Pos int
}

func (e *ParseError) Error() string { return e.Msg }

// maxDepth bounds nesting, so a hostile or fuzzed script cannot exhaust
// the stack.
const maxDepth = 200

// parser reads PowerShell straight from the source text: PowerShell's
// tokens depend on where they stand (a bare word is a string in a
// command's arguments and an error in an expression), so the parser
// scans characters itself instead of taking a token stream. Parse errors
// travel as a panic of *ParseError, recovered in Parse only.
type parser struct {
	src     string
	pos     int
	depth   int
	noComma bool // inside a method's argument list
	memo    map[int]memoEntry
}

// Parse parses a whole script.
func Parse(src string) (s *Script, err error) {
	p := &parser{src: src}
	defer func() {
		if r := recover(); r != nil {
			pe, ok := r.(*ParseError)
			if !ok {
				panic(r)
			}
			s, err = nil, pe
		}
	}()
	body := p.parseBlockBody(0)
	return &Script{src: src, body: body}, nil
}

func (p *parser) fail(pos int, format string, a ...any) {
	panic(&ParseError{Msg: fmt.Sprintf(format, a...), Pos: pos})
}

func (p *parser) enter() {
	p.depth++
	if p.depth > maxDepth {
		p.fail(p.pos, "The script is nested too deeply.")
	}
}

func (p *parser) leave() { p.depth-- }

func (p *parser) eof() bool { return p.pos >= len(p.src) }

func (p *parser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *parser) peekAt(off int) byte {
	if p.pos+off < len(p.src) {
		return p.src[p.pos+off]
	}
	return 0
}

// ahead is at most n bytes from pos (for look-ahead that must not copy
// the rest of a long script).
func (p *parser) ahead(n int) string {
	return p.src[p.pos:min(len(p.src), p.pos+n)]
}

func (p *parser) peekRune() (rune, int) {
	if p.eof() {
		return 0, 0
	}
	return utf8.DecodeRuneInString(p.src[p.pos:])
}

// Quote characters: PowerShell takes the typographic quotes for straight
// ones (runbook.PSQuote doubles them for that reason).
func isSQ(r rune) bool {
	return r == '\'' || r == '\u2018' || r == '\u2019' || r == '\u201a' || r == '\u201b'
}

func isDQ(r rune) bool { return r == '"' || r == '\u201c' || r == '\u201d' || r == '\u201e' }

func isNameChar(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// skipSpace skips blanks, line continuations (a backtick before the line
// break) and comments, but not line breaks.
func (p *parser) skipSpace() {
	for !p.eof() {
		c := p.src[p.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			p.pos++
		case c == '`' && (p.peekAt(1) == '\n' || p.peekAt(1) == '\r' && p.peekAt(2) == '\n'):
			p.pos += 2
			if p.src[p.pos-1] == '\r' {
				p.pos++
			}
		case c == '#':
			for !p.eof() && p.src[p.pos] != '\n' {
				p.pos++
			}
		default:
			if r, n := p.peekRune(); r == '\u00a0' {
				p.pos += n
				continue
			}
			return
		}
	}
}

// skipSpaceNL also skips line breaks.
func (p *parser) skipSpaceNL() {
	for {
		p.skipSpace()
		if p.peek() != '\n' {
			return
		}
		p.pos++
	}
}

// keyword reports whether the word at pos is kw (case-insensitive) as a
// whole word.
func (p *parser) keyword(kw string) bool {
	end := p.pos + len(kw)
	if end > len(p.src) || !strings.EqualFold(p.src[p.pos:end], kw) {
		return false
	}
	return end == len(p.src) || !isNameChar(p.src[end]) && p.src[end] != '-'
}

func (p *parser) expect(c byte, msg string) {
	if p.peek() != c {
		p.fail(p.pos, "%s", msg)
	}
	p.pos++
}

// parseBlockBody reads statements up to closer ('}' or ')'; 0 for the end
// of the script), leaving the closer for the caller.
func (p *parser) parseBlockBody(closer byte) *block {
	p.enter()
	defer p.leave()
	saveNC := p.noComma
	p.noComma = false
	defer func() { p.noComma = saveNC }()
	b := &block{pos: p.pos}
	for {
		p.skipSpace()
		if p.eof() {
			if closer == '}' {
				p.fail(p.pos, "Missing closing '}' in statement block.")
			}
			if closer == ')' {
				p.fail(p.pos, "Missing closing ')' in subexpression.")
			}
			return b
		}
		c := p.src[p.pos]
		switch {
		case c == '\n' || c == ';':
			p.pos++
			continue
		case closer != 0 && c == closer:
			return b
		case c == ')' || c == '}':
			p.fail(p.pos, "Unexpected token '%c' in expression or statement.", c)
		}
		if p.keyword("trap") {
			b.traps = append(b.traps, p.parseTrap())
		} else {
			b.stmts = append(b.stmts, p.parseStatement())
		}
		p.skipSpace()
		if !p.eof() && p.peek() != '\n' && p.peek() != ';' && p.peek() != closer {
			p.fail(p.pos, "Unexpected token '%s' in expression or statement.", p.wordAt())
		}
	}
}

// wordAt is the text at pos up to the next blank, for messages.
func (p *parser) wordAt() string {
	end := p.pos
	for end < len(p.src) && !strings.ContainsRune(" \t\r\n;", rune(p.src[end])) {
		end++
	}
	if end == p.pos && end < len(p.src) {
		end++
	}
	return p.src[p.pos:end]
}

func (p *parser) parseStatement() stmt {
	pos := p.pos
	switch {
	case p.keyword("if"):
		return p.parseIf()
	case p.keyword("foreach") && p.nextNonSpaceAfter(len("foreach")) == '(':
		return p.parseForeach()
	case p.keyword("while") && p.nextNonSpaceAfter(len("while")) == '(':
		p.pos += len("while")
		cond := p.parseCondition("while")
		return &whileStmt{pos: pos, cond: cond, body: p.parseBraced()}
	}
	for _, kw := range []string{"exit", "return", "throw", "break", "continue"} {
		if p.keyword(kw) {
			p.pos += len(kw)
			p.skipSpace()
			s := &flowStmt{pos: pos, kind: kw}
			if !p.atStmtEnd() && (kw != "break" && kw != "continue") {
				s.val = p.parsePipeline()
			} else if !p.atStmtEnd() {
				p.readBareWord() // a loop label
			}
			return s
		}
	}
	if p.peek() == '$' {
		if a := p.tryAssignment(); a != nil {
			return a
		}
	}
	return &pipeStmt{pos: pos, pipe: p.parsePipeline()}
}

func (p *parser) nextNonSpaceAfter(n int) byte {
	save := p.pos
	p.pos += n
	p.skipSpace()
	c := p.peek()
	p.pos = save
	return c
}

func (p *parser) atStmtEnd() bool {
	c := p.peek()
	return p.eof() || c == '\n' || c == ';' || c == '}' || c == ')'
}

// tryAssignment parses `lvalue op pipeline` when the statement is one,
// and otherwise leaves pos where it was.
func (p *parser) tryAssignment() *assignStmt {
	save := p.pos
	var target expr
	func() {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(*ParseError); !ok {
					panic(r)
				}
				target = nil
			}
		}()
		target = p.parsePostfix(p.parsePrimary())
	}()
	if target == nil {
		p.pos = save
		return nil
	}
	p.skipSpace()
	op := ""
	for _, o := range []string{"+=", "-=", "*=", "/=", "="} {
		if strings.HasPrefix(p.src[p.pos:], o) {
			op = o
			break
		}
	}
	if op == "" {
		p.pos = save
		return nil
	}
	switch target.(type) {
	case *varRef, *memberExpr, *indexExpr:
	default:
		p.fail(save, "The assignment expression is not valid. The input to an assignment operator must be an object that is able to accept assignments, such as a variable or a property.")
	}
	p.pos += len(op)
	p.skipSpaceNL()
	if p.atStmtEnd() {
		p.fail(p.pos, "Missing expression after '%s'.", op)
	}
	return &assignStmt{pos: save, target: target, op: op, value: p.parsePipeline()}
}

func (p *parser) parseCondition(kw string) *pipeline {
	p.skipSpace()
	p.expect('(', fmt.Sprintf("Missing opening '(' after keyword '%s'.", kw))
	p.skipSpaceNL()
	if p.peek() == ')' {
		p.fail(p.pos, "Missing condition in %s statement after '%s ('.", kw, kw)
	}
	cond := p.parsePipeline()
	p.skipSpaceNL()
	p.expect(')', fmt.Sprintf("Missing ')' after the %s condition.", kw))
	return cond
}

// parseBraced reads `{ statements }` after optional blanks and line
// breaks.
func (p *parser) parseBraced() *block {
	p.skipSpaceNL()
	p.expect('{', "Missing statement block.")
	b := p.parseBlockBody('}')
	p.pos++ // '}'
	return b
}

func (p *parser) parseIf() stmt {
	s := &ifStmt{pos: p.pos}
	p.pos += len("if")
	for {
		s.conds = append(s.conds, p.parseCondition("if"))
		s.thens = append(s.thens, p.parseBraced())
		save := p.pos
		p.skipSpaceNL()
		switch {
		case p.keyword("elseif"):
			p.pos += len("elseif")
			continue
		case p.keyword("else"):
			p.pos += len("else")
			s.els = p.parseBraced()
		default:
			p.pos = save
		}
		return s
	}
}

func (p *parser) parseForeach() stmt {
	s := &foreachStmt{pos: p.pos}
	p.pos += len("foreach")
	p.skipSpace()
	p.pos++ // '('
	p.skipSpaceNL()
	if p.peek() != '$' {
		p.fail(p.pos, "Missing variable name after foreach.")
	}
	v, ok := p.parsePrimary().(*varRef)
	if !ok {
		p.fail(s.pos, "Missing variable name after foreach.")
	}
	s.name = v.name
	p.skipSpaceNL()
	if !p.keyword("in") {
		p.fail(p.pos, "Unexpected token '%s' in expression or statement.", p.wordAt())
	}
	p.pos += 2
	p.skipSpaceNL()
	s.coll = p.parsePipeline()
	p.skipSpaceNL()
	p.expect(')', "Missing closing ')' after expression in 'foreach' statement.")
	s.body = p.parseBraced()
	return s
}

func (p *parser) parseTrap() *block {
	p.pos += len("trap")
	p.skipSpace()
	if p.peek() == '[' { // trap [Type] { }: every trap here catches all
		p.parseTypeName()
	}
	return p.parseBraced()
}

func (p *parser) parsePipeline() *pipeline {
	pl := &pipeline{pos: p.pos}
	for {
		p.skipSpace()
		if p.atStmtEnd() || p.peek() == '|' {
			p.fail(p.pos, "Empty pipe element is not permitted.")
		}
		if p.startsExpression() {
			if len(pl.elems) > 0 {
				p.fail(p.pos, "Expressions are only permitted as the first element of a pipeline.")
			}
			pl.elems = append(pl.elems, p.parseExpr())
		} else {
			pl.elems = append(pl.elems, p.parseCommand())
		}
		p.skipSpace()
		if p.peek() != '|' {
			return pl
		}
		p.pos++
		p.skipSpaceNL()
	}
}

// startsExpression tells an expression from a command at a pipeline
// element's start.
func (p *parser) startsExpression() bool {
	r, _ := p.peekRune()
	switch {
	case r == '$' || r == '(' || r == '@' || r == '[' || r == '!' || r == ',' || r == '{' || r == '-':
		return true
	case r >= '0' && r <= '9':
		return true
	case r == '.' && p.peekAt(1) >= '0' && p.peekAt(1) <= '9':
		return true
	case isSQ(r) || isDQ(r):
		return true
	}
	return false
}

// switches are the common switch parameters: a value after them is
// positional. A Host can name its own with Switcher.
var commonSwitches = map[string]bool{
	"force": true, "recurse": true, "confirm": true, "whatif": true, "verbose": true,
	"debug": true, "status": true, "passthru": true, "wait": true, "quiet": true,
	"list": true, "nonewline": true, "descending": true, "unique": true, "autosize": true,
	"wrap": true, "stream": true, "append": true, "comobject": false, "hidetableheaders": true,
	"caseSensitive": true, "simplematch": true, "allmatches": true, "noclobber": true,
}

func (p *parser) parseCommand() *command {
	c := &command{pos: p.pos}
	switch {
	case p.peek() == '&' || p.peek() == '.' && (p.peekAt(1) == ' ' || p.peekAt(1) == '\t'):
		p.pos++
		p.skipSpace()
		c.nameX = p.parseArgValue()
	default:
		parts := p.readBareWordParts()
		lit, ok := partsLiteral(parts)
		if !ok || lit == "" {
			p.fail(p.pos, "Unexpected token '%s' in expression or statement.", p.wordAt())
		}
		c.name = lit
	}
	c.nameEnd = p.pos
	for {
		p.skipSpace()
		if p.atStmtEnd() || p.peek() == '|' {
			return c
		}
		if p.parseRedirection(c) {
			continue
		}
		pos := p.pos
		if p.peek() == '-' && (unicode.IsLetter(rune(p.peekAt(1))) || p.peekAt(1) == '_') {
			p.pos++
			start := p.pos
			for !p.eof() && (isNameChar(p.peek()) || p.peek() == '-' || p.peek() == '?') {
				p.pos++
			}
			a := cmdArg{pos: pos, param: p.src[start:p.pos]}
			if p.peek() == ':' {
				p.pos++
				p.skipSpace()
				a.colon = true
				a.value = p.parseArgList()
			}
			c.args = append(c.args, a)
			continue
		}
		c.args = append(c.args, cmdArg{pos: pos, value: p.parseArgList()})
	}
}

// parseRedirection reads 2>&1, > $null and 2> $null (output to a file is
// not supported: nothing the scripts send needs it).
func (p *parser) parseRedirection(c *command) bool {
	rest := p.src[p.pos:]
	switch {
	case strings.HasPrefix(rest, "2>&1"):
		p.pos += 4
		c.merge = true
		return true
	case strings.HasPrefix(rest, "2>"), strings.HasPrefix(rest, ">"), strings.HasPrefix(rest, "1>"):
		stream := 1
		if rest[0] == '2' {
			stream = 2
		}
		if rest[0] != '>' {
			p.pos++
		}
		p.pos++
		if p.peek() == '>' {
			p.pos++
		}
		p.skipSpace()
		if !strings.HasPrefix(strings.ToLower(p.ahead(8)), "$null") {
			p.fail(p.pos, "Redirection to a file is not supported here.")
		}
		p.pos += len("$null")
		c.discard |= stream
		return true
	}
	return false
}

// parseArgList reads one argument, or several joined by commas (an
// array).
func (p *parser) parseArgList() expr {
	return p.commaList(p.parseArgValue(), p.parseArgValue)
}

// commaList reads ", next" repeatedly after first: one value stays
// itself, several make an array literal (a, b, c).
func (p *parser) commaList(first expr, next func() expr) expr {
	arr := &arrayLit{pos: first.at(), elems: []expr{first}}
	for {
		save := p.pos
		p.skipSpace()
		if p.peek() != ',' {
			p.pos = save
			break
		}
		p.pos++
		p.skipSpaceNL()
		arr.elems = append(arr.elems, next())
	}
	if len(arr.elems) == 1 {
		return first
	}
	return arr
}

func (p *parser) atArgEnd() bool {
	c := p.peek()
	return p.atStmtEnd() || c == ' ' || c == '\t' || c == '\r' || c == '|' || c == ','
}

// parseArgValue reads one value in argument mode: variables and
// parenthesised expressions as in an expression, quoted strings, and
// anything else as a bare word (a number when it reads as one).
func (p *parser) parseArgValue() expr {
	p.enter()
	defer p.leave()
	start := p.pos
	r, _ := p.peekRune()
	switch {
	case r == '$' || r == '(' || r == '@' || r == '{' || isSQ(r) || isDQ(r):
		e := p.parsePostfix(p.parsePrimary())
		if p.atArgEnd() {
			return e
		}
		if r == '$' {
			p.pos = start // $env:TEMP\x: one expandable word
		} else if r == '(' || r == '{' || r == '@' {
			return e
		}
	}
	parts := p.readBareWordParts()
	if len(parts) == 0 {
		p.fail(p.pos, "Unexpected token '%s' in expression or statement.", p.wordAt())
	}
	if lit, ok := partsLiteral(parts); ok {
		if n, isNum := bareNumber(lit); isNum {
			return &literal{pos: start, val: n}
		}
		return &literal{pos: start, val: lit}
	}
	return &expandable{pos: start, parts: parts}
}

// readBareWordParts reads a bare word up to a blank or one of |;,(){}:
// quoted pieces inside it join it, $variables in it expand.
func (p *parser) readBareWordParts() []any {
	var parts []any
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			parts = append(parts, b.String())
			b.Reset()
		}
	}
	for !p.eof() {
		r, n := p.peekRune()
		switch {
		case strings.ContainsRune(" \t\r\n|;,(){}", r):
			flush()
			return parts
		case r == '`' && p.pos+n < len(p.src):
			p.pos += n
			r2, n2 := p.peekRune()
			b.WriteRune(r2)
			p.pos += n2
		case isSQ(r):
			b.WriteString(p.readSingleQuoted())
		case isDQ(r):
			flush()
			parts = append(parts, p.readDoubleQuoted()...)
		case r == '$' && p.pos+1 < len(p.src) && (isNameChar(p.src[p.pos+1]) || strings.ContainsRune("({_?", rune(p.src[p.pos+1]))):
			flush()
			parts = append(parts, p.parseStringVar())
		default:
			b.WriteRune(r)
			p.pos += n
		}
	}
	flush()
	return parts
}

func (p *parser) readBareWord() string {
	lit, _ := partsLiteral(p.readBareWordParts())
	return lit
}

func partsLiteral(parts []any) (string, bool) {
	var b strings.Builder
	for _, pt := range parts {
		s, ok := pt.(string)
		if !ok {
			return "", false
		}
		b.WriteString(s)
	}
	return b.String(), true
}

// bareNumber reads a bare word argument that is a number (-First 1).
func bareNumber(s string) (any, bool) {
	if s == "" || !(s[0] >= '0' && s[0] <= '9' || s[0] == '-' && len(s) > 1 && s[1] >= '0' && s[1] <= '9') {
		return nil, false
	}
	sub := &parser{src: s}
	defer func() { _ = recover() }()
	v := sub.readNumber()
	if !sub.eof() {
		return nil, false
	}
	return v, true
}
