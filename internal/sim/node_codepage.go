package sim

import (
	"fmt"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"
)

// codePages are a node's OEM code page (cmd.exe, batch files, a console
// program's output) and ANSI code page ([Text.Encoding]::Default).
type codePages struct{ oem, ansi int }

// hostCodePages is the node's pair, from its Windows language.
func hostCodePages(n *node) codePages {
	oem, ansi := n.codePages()
	return codePages{oem: oem, ansi: ansi}
}

func (n *node) oemCP() int  { return hostCodePages(n).oem }
func (n *node) ansiCP() int { return hostCodePages(n).ansi }

// codePage finds the encoding of a Windows code page.
func codePage(cp int) (encoding.Encoding, error) {
	switch cp {
	case 437:
		return charmap.CodePage437, nil
	case 850:
		return charmap.CodePage850, nil
	case 1252:
		return charmap.Windows1252, nil
	case 932:
		return japanese.ShiftJIS, nil
	case 65001:
		return unicode.UTF8, nil
	}
	return nil, fmt.Errorf("code page %d is not installed on this node", cp)
}

// encodeCP encodes text in a code page as Windows does (best fit, then
// '?', for a character the page lacks: EncodeOEM); ok is false when the
// text does not come back the same.
func encodeCP(cp int, s string) ([]byte, bool) {
	if cp == 65001 {
		return []byte(s), true
	}
	if _, err := codePage(cp); err != nil {
		return []byte(s), false
	}
	b := EncodeOEM(cp, s)
	return b, decodeCP(cp, b) == s
}

// decodeCP decodes bytes written in a code page.
func decodeCP(cp int, b []byte) string {
	e, err := codePage(cp)
	if err != nil {
		return string(b)
	}
	s, err := e.NewDecoder().Bytes(b)
	if err != nil {
		return string(b)
	}
	return string(s)
}
