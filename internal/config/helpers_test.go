package config_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"cmsrunbook/internal/config"
)

// badCase is one invalid file and where its error must point.
type badCase struct {
	name  string
	yaml  string
	line  int    // expected line; 0 means "no line applies"
	col   int    // expected column; 0 means "not checked"
	field string // expected field path
	msg   string // a substring of the message
}

// mod returns base with old replaced by new once; a missing old is a bug
// in the table, so it panics at once rather than testing the wrong file.
func mod(base, old, new string) string {
	if !strings.Contains(base, old) {
		panic(fmt.Sprintf("mod: %q not in base", old))
	}
	return strings.Replace(base, old, new, 1)
}

// checkBad asserts err is a *config.Error naming file, line, column and
// field, and that its text reads FILE:LINE:COL: FIELD: message.
func checkBad(t *testing.T, file string, err error, c badCase) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want %s at line %d", c.field, c.line)
	}
	var ce *config.Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %T %v is not a *config.Error", err, err)
	}
	if ce.File != file {
		t.Errorf("File = %q, want %q", ce.File, file)
	}
	if ce.Line != c.line {
		t.Errorf("Line = %d, want %d (%v)", ce.Line, c.line, err)
	}
	if c.col != 0 && ce.Col != c.col {
		t.Errorf("Col = %d, want %d (%v)", ce.Col, c.col, err)
	}
	if ce.Field != c.field {
		t.Errorf("Field = %q, want %q (%v)", ce.Field, c.field, err)
	}
	if !strings.Contains(ce.Msg, c.msg) {
		t.Errorf("Msg = %q, want it to contain %q", ce.Msg, c.msg)
	}
	prefix := file + ": "
	if c.line > 0 {
		prefix = fmt.Sprintf("%s:%d:%d: ", file, ce.Line, ce.Col)
	}
	if c.field != "" {
		prefix += c.field + ": "
	}
	if !strings.HasPrefix(err.Error(), prefix) {
		t.Errorf("Error() = %q, want prefix %q", err.Error(), prefix)
	}
}
