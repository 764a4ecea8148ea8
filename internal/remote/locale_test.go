package remote

import (
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
)

// What a localized node sends back is decoded from its OEM code page: a
// Japanese node's cluster.exe writes Shift-JIS (932), a Portuguese or
// Italian node's writes code page 850. The bytes below are written out by
// hand (and cross-checked with an independent encoder), so the test does
// not trust the decoder to check itself.
func TestDecodeLocalizedNodeOutput(t *testing.T) {
	jaTable := "ノード         ノード ID 状態\r\n" +
		"-------------- ------- ---------------------\r\n" +
		"EXNODE01             1 稼働中\r\n" +
		"EXNODE02             2 一時停止\r\n"
	ptTable := "Grupo                Nó              Status\r\n" +
		"Cluster Group        EXNODE02        Com falha\r\n" +
		"A operação de instalação do Microsoft Exchange Server foi concluída com êxito.\r\n"
	for _, c := range []struct {
		name  string
		cp    int
		bytes []byte
		want  string
	}{
		// ノード = 83 6D 81 5B 83 68; 稼働中 = 89 D2 93 AD 92 86.
		{"Japanese word", 932, []byte{0x83, 0x6d, 0x81, 0x5b, 0x83, 0x68, ' ', 0x89, 0xd2, 0x93, 0xad, 0x92, 0x86}, "ノード 稼働中"},
		// Nó = 4E A2; ação = 61 87 C6 6F; êxito = 88 78 69 74 6F.
		{"Portuguese words", 850, []byte{'N', 0xa2, ' ', 'a', 0x87, 0xc6, 'o', ' ', 0x88, 'x', 'i', 't', 'o'}, "Nó ação êxito"},
		{"Japanese table", 932, mustEncode(t, japanese.ShiftJIS.NewEncoder().Bytes, jaTable), jaTable},
		{"Portuguese table", 850, mustEncode(t, charmap.CodePage850.NewEncoder().Bytes, ptTable), ptTable},
		// Output a node already sends as UTF-8 (WinRS code page 65001) is
		// taken as it is, whatever the node's OEM code page.
		{"UTF-8 from a Japanese node", 932, []byte("ノード 稼働中"), "ノード 稼働中"},
	} {
		if got := decodeText(c.bytes, c.cp); got != c.want {
			t.Errorf("%s: decodeText(cp %d) = %q, want %q", c.name, c.cp, got, c.want)
		}
	}
	if b := mustEncode(t, japanese.ShiftJIS.NewEncoder().Bytes, "ノード"); string(b) != "\x83\x6d\x81\x5b\x83\x68" {
		t.Fatalf("the hand-written cp932 bytes disagree with the encoder: % x", b)
	}
}

// The code page matters: the same Portuguese bytes read as code page 437
// (the default before discovery knows better) are not the same words, so
// a node's code page must reach the decoder.
func TestDecodeUsesTheNodesCodePage(t *testing.T) {
	pt := []byte{'N', 0xa2, ' ', 'a', 0x87, 0xc6, 'o'} // "Nó ação" in 850
	if got := decodeText(pt, 850); got != "Nó ação" {
		t.Fatalf("cp850: %q", got)
	}
	if got := decodeText(pt, 437); got == "Nó ação" {
		t.Errorf("cp437 read the cp850 bytes as %q: the code page made no difference", got)
	}
	ja := []byte{0x83, 0x6d, 0x81, 0x5b, 0x83, 0x68}
	if got := decodeText(ja, 850); got == "ノード" {
		t.Errorf("cp850 decoded Shift-JIS as Japanese")
	}
}

func mustEncode(t *testing.T, enc func([]byte) ([]byte, error), s string) []byte {
	t.Helper()
	b, err := enc([]byte(s))
	if err != nil {
		t.Fatalf("encoding %q: %v", s, err)
	}
	return b
}
