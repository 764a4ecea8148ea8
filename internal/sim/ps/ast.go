package ps

// The syntax tree. Every node keeps the byte offset it starts at (pos),
// so an error can be reported as PowerShell 1.0 does: "At line:L char:C"
// and the line with a "<<<<" marker.

type stmt interface{ at() int }

type expr interface{ at() int }

type block struct {
	pos   int
	stmts []stmt
	traps []*block
}

// Script is a parsed script.
type Script struct {
	src  string
	body *block
}

type pipeStmt struct {
	pos  int
	pipe *pipeline
}

type assignStmt struct {
	pos    int
	target expr
	op     string // "=", "+=", "-=", "*=", "/="
	value  *pipeline
}

type ifStmt struct {
	pos   int
	conds []*pipeline
	thens []*block
	els   *block
}

type foreachStmt struct {
	pos  int
	name string
	coll *pipeline
	body *block
}

type whileStmt struct {
	pos  int
	cond *pipeline
	body *block
}

// flowStmt is exit, return, throw, break or continue.
type flowStmt struct {
	pos  int
	kind string
	val  *pipeline // may be nil
}

type pipeline struct {
	pos   int
	elems []any // *command or expr (an expression only first)
}

type command struct {
	pos     int
	name    string
	nameX   expr // & $expr
	nameEnd int
	args    []cmdArg
	merge   bool // 2>&1
	discard int  // 1: > $null, 2: 2> $null, 3: both
}

type cmdArg struct {
	pos   int
	param string // "" for a value
	colon bool   // -Name:value
	value expr   // nil for a bare -Name
}

type literal struct {
	pos int
	val any
}

// expandable is a double-quoted string (or a bare word holding $).
type expandable struct {
	pos   int
	parts []any // string or expr
}

type varRef struct {
	pos  int
	name string // lower-case; "env:temp" for $env:TEMP
	orig string
}

type subExpr struct { // $( ... ) and @( ... )
	pos   int
	body  *block
	array bool
}

type parenExpr struct { // ( pipeline )
	pos  int
	pipe *pipeline
	asg  *assignStmt
}

type hashLit struct {
	pos  int
	keys []expr
	vals []*pipeline
}

type arrayLit struct { // a, b, c
	pos   int
	elems []expr
}

type unaryExpr struct {
	pos int
	op  string // "-not", "-", ",", "-bnot"
	x   expr
}

type binaryExpr struct {
	pos  int
	op   string // normalized, e.g. "-eq", "+", "-and"
	cs   bool   // case-sensitive (-ceq)
	l, r expr
}

type castExpr struct {
	pos int
	typ string
	x   expr
}

type typeLit struct {
	pos int
	typ string
}

type memberExpr struct {
	pos    int
	x      expr
	name   expr // usually a literal string
	static bool
}

type callExpr struct {
	pos    int // the position after '('
	x      expr
	name   string
	static bool
	args   []expr
}

type indexExpr struct {
	pos int
	x   expr
	idx expr
}

type scriptBlockLit struct {
	pos  int
	text string
	body *block
}

func (b *block) at() int          { return b.pos }
func (s *pipeStmt) at() int       { return s.pos }
func (s *assignStmt) at() int     { return s.pos }
func (s *ifStmt) at() int         { return s.pos }
func (s *foreachStmt) at() int    { return s.pos }
func (s *whileStmt) at() int      { return s.pos }
func (s *flowStmt) at() int       { return s.pos }
func (e *literal) at() int        { return e.pos }
func (e *expandable) at() int     { return e.pos }
func (e *varRef) at() int         { return e.pos }
func (e *subExpr) at() int        { return e.pos }
func (e *parenExpr) at() int      { return e.pos }
func (e *hashLit) at() int        { return e.pos }
func (e *arrayLit) at() int       { return e.pos }
func (e *unaryExpr) at() int      { return e.pos }
func (e *binaryExpr) at() int     { return e.pos }
func (e *castExpr) at() int       { return e.pos }
func (e *typeLit) at() int        { return e.pos }
func (e *memberExpr) at() int     { return e.pos }
func (e *callExpr) at() int       { return e.pos }
func (e *indexExpr) at() int      { return e.pos }
func (e *scriptBlockLit) at() int { return e.pos }
