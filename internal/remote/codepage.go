package remote

import (
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// codePages maps the OEM code pages of the Windows languages a cluster is
// likely to run (the console and cmd.exe write in them) to decoders.
var codePages = map[int]encoding.Encoding{
	437: charmap.CodePage437, 850: charmap.CodePage850, 852: charmap.CodePage852,
	855: charmap.CodePage855, 858: charmap.CodePage858, 860: charmap.CodePage860,
	862: charmap.CodePage862, 863: charmap.CodePage863, 865: charmap.CodePage865,
	866: charmap.CodePage866, 1250: charmap.Windows1250, 1251: charmap.Windows1251,
	1252: charmap.Windows1252, 1253: charmap.Windows1253, 1254: charmap.Windows1254,
	932: japanese.ShiftJIS, 936: simplifiedchinese.GBK, 949: korean.EUCKR,
	950: traditionalchinese.Big5,
}

// decodeText turns a node's output into UTF-8. The client asks WinRS for
// code page 65001, but cmd.exe built-ins and older tools on 2003 still
// write in the OEM code page: valid UTF-8 is taken as it is (ASCII is
// both), anything else is decoded from the node's OEM code page (from
// discovery; 437 until known).
func decodeText(b []byte, cp int) string {
	if utf8.Valid(b) {
		return string(b)
	}
	enc, ok := codePages[cp]
	if !ok {
		enc = charmap.CodePage437
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return string(b)
	}
	return string(out)
}
