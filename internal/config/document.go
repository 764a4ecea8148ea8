package config

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// parseDocument turns a file into the root mapping of its single YAML
// document, or an *Error saying why it cannot be one. A UTF-8 byte-order
// mark (Notepad writes one) is accepted and skipped.
func parseDocument(file string, data []byte) (root ast.Node, err *Error) {
	fileErr := func(line, col int, msg string) *Error {
		return &Error{File: file, Line: line, Col: col, Msg: msg}
	}
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	if line, col, why := yamlTextProblem(data); why != "" {
		return nil, fileErr(line, col, why)
	}
	if line, col, why := tooDeep(data); why != "" {
		return nil, fileErr(line, col, why)
	}
	f, perr := parseBytes(data)
	if perr != nil {
		return nil, yamlError(file, perr)
	}
	var bodies []ast.Node
	for _, d := range f.Docs {
		if d != nil && !isNil(d.Body) {
			bodies = append(bodies, d.Body)
		}
	}
	switch {
	case len(bodies) == 0:
		return nil, fileErr(0, 0, say("the file holds no settings, only comments or document markers"))
	case len(bodies) > 1:
		line, col := position(bodies[1])
		return nil, fileErr(line, col, say("the file holds more than one YAML document (separated by ---); put everything in one"))
	}
	body := bodies[0]
	switch body.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
	default:
		line, col := position(body)
		return nil, fileErr(line, col, say("the file must be a mapping of keys (like `name: value` lines), but it is %s", describe(body)))
	}
	if n, path := firstAlias(body, "", 0); n != nil {
		line, col := position(n)
		return nil, &Error{File: file, Line: line, Col: col, Field: path, Msg: aliasMsg()}
	}
	return body, nil
}

// yamlError is a parser error as an *Error at the parser's position.
func yamlError(file string, perr error) *Error {
	var te interface {
		GetToken() *token.Token
		GetMessage() string
	}
	if errors.As(perr, &te) {
		line, col := 0, 0
		if tk := te.GetToken(); tk != nil && tk.Position != nil {
			line, col = tk.Position.Line, tk.Position.Column
		}
		return &Error{File: file, Line: line, Col: col, Msg: say("not valid YAML: %s", te.GetMessage()), Err: perr}
	}
	return &Error{File: file, Msg: say("not valid YAML: %s", perr.Error()), Err: perr}
}

// parseBytes calls the YAML parser. A parser panic on hostile input is a bug
// in the library, but the loaders promise never to panic, so it becomes an
// error here.
func parseBytes(data []byte) (f *ast.File, err error) {
	defer func() {
		if p := recover(); p != nil {
			f, err = nil, errors.New(say("the YAML parser failed on this input: %s", fmt.Sprint(p)))
		}
	}()
	// Duplicate keys are allowed through the parser so that fields() can
	// report them with the field's path.
	return parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
}

// aliasMsg refuses anchors and aliases, here and in the schema reader.
func aliasMsg() string {
	return say("YAML anchors and aliases (& and *) are not used in cmsrunbook files; write the value out")
}

// firstAlias finds, before the schema is read, the first alias (*name) in
// the document, or else its first anchor (&name), with the field path of
// where it is. The parser leaves aliases unexpanded, but whatever reads
// the tree later must never expand one: a few lines of anchors referring
// to anchors ("billion laughs") stand for more values than memory holds.
// The walk's depth is bounded by tooDeep's limits; maxAliasDepth is a
// backstop.
func firstAlias(n ast.Node, path string, depth int) (ast.Node, string) {
	alias, aliasPath, anchor, anchorPath := walkAnchors(n, path, depth)
	if alias != nil {
		return alias, aliasPath
	}
	return anchor, anchorPath
}

const maxAliasDepth = 1000

func walkAnchors(n ast.Node, path string, depth int) (alias ast.Node, aliasPath string, anchor ast.Node, anchorPath string) {
	if isNil(n) || depth > maxAliasDepth {
		return nil, "", nil, ""
	}
	visit := func(child ast.Node, childPath string) bool {
		al, alp, an, anp := walkAnchors(child, childPath, depth+1)
		if anchor == nil && an != nil {
			anchor, anchorPath = an, anp
		}
		if al != nil {
			alias, aliasPath = al, alp
			return false
		}
		return true
	}
	switch v := n.(type) {
	case *ast.AliasNode:
		return n, path, nil, ""
	case *ast.AnchorNode:
		anchor, anchorPath = n, path
		visit(v.Value, path)
	case *ast.TagNode:
		visit(v.Value, path)
	case *ast.MappingKeyNode:
		visit(v.Value, path)
	case *ast.MappingNode:
		for _, mv := range v.Values {
			if !visit(mv, path) {
				break
			}
		}
	case *ast.MappingValueNode:
		p := path
		if !isNil(v.Key) {
			p = joinPath(path, keyText(v.Key))
			if !visit(v.Key, p) {
				break
			}
		}
		visit(v.Value, p)
	case *ast.SequenceNode:
		for i, e := range v.Values {
			if !visit(e, fmt.Sprintf("%s[%d]", path, i)) {
				break
			}
		}
	}
	return alias, aliasPath, anchor, anchorPath
}

// joinPath is key's field path under path.
func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
