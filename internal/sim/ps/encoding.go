package ps

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// Encoding is a System.Text.Encoding ([Text.Encoding]::GetEncoding(cp),
// ::Default, ::UTF8). A Host receives it as an argument, e.g. of
// [IO.File]::WriteAllText(path, text, encoding), and uses Encode.
type Encoding struct {
	CodePage int
	Name     string // WebName: "ibm437", "shift_jis", "utf-8"
	enc      encoding.Encoding
}

var codePages = map[int]struct {
	name string
	enc  encoding.Encoding
}{
	437:   {"IBM437", charmap.CodePage437},
	850:   {"ibm850", charmap.CodePage850},
	852:   {"ibm852", charmap.CodePage852},
	866:   {"cp866", charmap.CodePage866},
	932:   {"shift_jis", japanese.ShiftJIS},
	936:   {"gb2312", simplifiedchinese.GBK},
	949:   {"ks_c_5601-1987", korean.EUCKR},
	950:   {"big5", traditionalchinese.Big5},
	1250:  {"windows-1250", charmap.Windows1250},
	1251:  {"windows-1251", charmap.Windows1251},
	1252:  {"Windows-1252", charmap.Windows1252},
	1253:  {"windows-1253", charmap.Windows1253},
	1254:  {"windows-1254", charmap.Windows1254},
	1257:  {"windows-1257", charmap.Windows1257},
	20127: {"us-ascii", nil},
	65001: {"utf-8", nil},
	1200:  {"utf-16", nil},
}

// GetEncoding is Encoding.GetEncoding(codepage).
func GetEncoding(cp int) (*Encoding, error) {
	c, ok := codePages[cp]
	if !ok {
		return nil, &ErrorRecord{Message: fmt.Sprintf("No data is available for encoding %d.\r\nParameter name: codepage", cp), ErrorID: "NotSupportedException"}
	}
	return &Encoding{CodePage: cp, Name: c.name, enc: c.enc}, nil
}

// Encode is GetBytes: a character the code page cannot hold becomes '?',
// as .NET's default replacement fallback does. (.NET's best-fit mapping,
// which turns some characters into look-alikes instead, is not modelled:
// text that does not round-trip is refused by the scripts either way.)
func (e *Encoding) Encode(s string) []byte {
	switch e.CodePage {
	case 65001:
		return []byte(strings.ToValidUTF8(s, "\uFFFD"))
	case 1200:
		u := utf16.Encode([]rune(s))
		b := make([]byte, 2*len(u))
		for i, v := range u {
			b[2*i], b[2*i+1] = byte(v), byte(v>>8)
		}
		return b
	case 20127:
		out := make([]byte, 0, len(s))
		for _, r := range s {
			if r >= 0x80 {
				r = '?'
			}
			out = append(out, byte(r))
		}
		return out
	}
	if cm, ok := e.enc.(*charmap.Charmap); ok {
		out := make([]byte, 0, len(s))
		for _, r := range s {
			b, ok := cm.EncodeRune(r)
			if !ok {
				b = '?'
			}
			out = append(out, b)
		}
		return out
	}
	var out []byte
	enc := e.enc.NewEncoder()
	for _, r := range s {
		b, err := enc.Bytes([]byte(string(r)))
		if err != nil || r == utf8.RuneError {
			b = []byte{'?'}
		}
		out = append(out, b...)
	}
	return out
}

// Decode is GetString.
func (e *Encoding) Decode(b []byte) string {
	switch e.CodePage {
	case 65001:
		return strings.ToValidUTF8(string(b), "\uFFFD")
	case 1200:
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
		}
		return string(utf16.Decode(u))
	case 20127:
		rs := make([]rune, len(b))
		for i, c := range b {
			rs[i] = rune(c)
			if c >= 0x80 {
				rs[i] = '?'
			}
		}
		return string(rs)
	}
	s, err := e.enc.NewDecoder().Bytes(b)
	if err != nil {
		return strings.Repeat("?", len(b))
	}
	return string(s)
}

// Preamble is the byte order mark WriteAllText puts before text in this
// encoding (UTF-8 and UTF-16 only).
func (e *Encoding) Preamble() []byte {
	switch e.CodePage {
	case 65001:
		return []byte{0xEF, 0xBB, 0xBF}
	case 1200:
		return []byte{0xFF, 0xFE}
	}
	return nil
}

// TypeName implements Object.
func (e *Encoding) TypeName() string { return "System.Text.Encoding" }

// Property implements Object.
func (e *Encoding) Property(name string) (any, bool) {
	switch strings.ToLower(name) {
	case "codepage", "windowscodepage":
		return int64(e.CodePage), true
	case "webname", "bodyname", "headername":
		return e.Name, true
	case "encodingname":
		return e.Name, true
	}
	return nil, false
}

// SetProperty implements Object: an Encoding is read-only.
func (e *Encoding) SetProperty(name string, v any) error {
	return &ErrorRecord{Message: fmt.Sprintf("%s is a ReadOnly property.", name)}
}

// Method implements Object.
func (e *Encoding) Method(_ context.Context, name string, args []any) (any, error) {
	switch strings.ToLower(name) {
	case "getbytes":
		if err := argCount(name, args, 1); err != nil {
			return nil, err
		}
		return e.Encode(ToString(args[0])), nil
	case "getstring":
		if err := argCount(name, args, 1, 3); err != nil {
			return nil, err
		}
		b, err := toBytes(args[0])
		if err != nil {
			return nil, err
		}
		if len(args) == 3 {
			if b, err = byteRange(b, args[1], args[2]); err != nil {
				return nil, err
			}
		}
		return e.Decode(b), nil
	case "getpreamble":
		return e.Preamble(), nil
	case "tostring":
		return e.TypeName(), nil
	}
	return nil, noMethod(e.TypeName(), name)
}

// toBytes converts a byte[] argument.
func toBytes(v any) ([]byte, error) {
	switch t := v.(type) {
	case []byte:
		return t, nil
	case nil:
		return nil, &ErrorRecord{Message: "Value cannot be null.\r\nParameter name: bytes"}
	case []any:
		out := make([]byte, len(t))
		for i, e := range t {
			n, err := toInteger(e, "System.Byte", 0, 255)
			if err != nil {
				return nil, err
			}
			out[i] = byte(n)
		}
		return out, nil
	}
	return nil, &ErrorRecord{Message: fmt.Sprintf("Cannot convert the \"%s\" value of type \"%s\" to type \"System.Byte[]\".", ToString(v), TypeOf(v))}
}

// byteRange is the (bytes, offset, count) overloads' slice.
func byteRange(b []byte, off, n any) ([]byte, error) {
	o, err := ToInt(off)
	if err != nil {
		return nil, err
	}
	c, err := ToInt(n)
	if err != nil {
		return nil, err
	}
	if o < 0 || c < 0 || o+c > int64(len(b)) {
		return nil, &ErrorRecord{Message: "Index was out of range. Must be non-negative and less than the size of the collection.\r\nParameter name: offset"}
	}
	return b[o : o+c], nil
}
