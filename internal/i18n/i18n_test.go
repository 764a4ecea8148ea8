package i18n

import (
	"testing"
)

func TestParse(t *testing.T) {
	for in, want := range map[string]Lang{
		"en": English, "en-US": English, "C": English, "POSIX": English,
		"ja": Japanese, "ja-JP": Japanese, "ja_JP.UTF-8": Japanese, "JA_jp": Japanese,
		"pt": Portuguese, "pt-BR": Portuguese, "pt_BR.utf8": Portuguese, "pt-PT": Portuguese,
		"it": Italian, "it-IT": Italian, "it_IT@euro": Italian,
	} {
		got, err := Parse(in)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "de", "fr-FR", "klingon"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}

func TestFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	cases := []struct {
		env  map[string]string
		want Lang
	}{
		{map[string]string{"LANG": "ja_JP.UTF-8"}, Japanese},
		{map[string]string{"LANG": "ja_JP.UTF-8", "LC_MESSAGES": "it_IT.UTF-8"}, Italian},
		{map[string]string{"LANG": "ja_JP.UTF-8", "LC_MESSAGES": "it_IT.UTF-8", "LC_ALL": "pt_BR.UTF-8"}, Portuguese},
		{map[string]string{"LANG": "C.UTF-8"}, English},
		{map[string]string{"LANG": "de_DE.UTF-8"}, English},
		{map[string]string{"LC_ALL": "de_DE.UTF-8", "LANG": "ja_JP.UTF-8"}, English},
	}
	for _, c := range cases {
		if got := FromEnv(env(c.env)); got != c.want {
			t.Errorf("FromEnv(%v) = %q, want %q", c.env, got, c.want)
		}
	}
	if l, err := Choose("pt", env(map[string]string{"LANG": "ja_JP.UTF-8"})); err != nil || l != Portuguese {
		t.Errorf("--lang pt beats the locale: got %q %v", l, err)
	}
	if _, err := Choose("xx", env(nil)); err == nil {
		t.Error("--lang xx accepted")
	}
}

func TestTextMatchesKeys(t *testing.T) {
	cat := Catalogue{
		"Pause %s":             "%s を一時停止",
		"Move %s off %s to %s": "%[1]s を %[2]s から %[3]s に移動",
		"%s; it asks for a restart of the server": "%s。サーバーの再起動を求めています",
		"Setup.com reported success":              "Setup.com は成功を報告しました",
		"Setup.com exited with code %d":           "Setup.com は終了コード %d で終了しました",
		"%s shows %q":                             "%s は %q を表示",
		"Up":                                      "稼働中",
	}
	p := newPrinter(Japanese, map[Lang]Catalogue{Japanese: cat})
	for in, want := range map[string]string{
		"Pause EXNODE02": "EXNODE02 を一時停止",
		"Move Cluster Group off EXNODE02 to EXNODE01":                     "Cluster Group を EXNODE02 から EXNODE01 に移動",
		"Setup.com reported success; it asks for a restart of the server": "Setup.com は成功を報告しました。サーバーの再起動を求めています",
		"Setup.com exited with code 1603":                                 "Setup.com は終了コード 1603 で終了しました",
		"Setup.com exited with code x":                                    "Setup.com exited with code x",
		`EXNODE02 shows "Up"`:                                             `EXNODE02 は "稼働中" を表示`,
		"nothing like a key":                                              "nothing like a key",
		"":                                                                "",
	} {
		if got := p.Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
	var nilP *Printer
	if got := nilP.Tr("Pause %s", "N1"); got != "Pause N1" {
		t.Errorf("nil printer: %q", got)
	}
	if got := p.Tr("Pause %s", "N1"); got != "N1 を一時停止" {
		t.Errorf("Tr: %q", got)
	}
	if got := p.Tr("not in the catalogue %d", 3); got != "not in the catalogue 3" {
		t.Errorf("Tr fallback: %q", got)
	}
}

func TestPseudo(t *testing.T) {
	if got := Pseudolocalize("Pause %s (%-8d)"); got != "「Ｐａｕｓｅ %s (%-8d)」" {
		t.Errorf("pseudo: %q", got)
	}
	p := newPrinter(Pseudo, map[Lang]Catalogue{Japanese: {"Pause %s": "x"}})
	if got := p.Text("Pause EXNODE02"); got != "「Ｐａｕｓｅ EXNODE02」" {
		t.Errorf("pseudo Text: %q", got)
	}
}

func TestShippedCataloguesLoad(t *testing.T) {
	if _, err := catalogues(); err != nil {
		t.Fatal(err)
	}
}

// TestTextLists: a "; "-joined list of messages is translated item by
// item, not swallowed by a key whose argument takes the rest; a key that
// itself holds "; " still reads as one sentence.
func TestTextLists(t *testing.T) {
	cat := Catalogue{
		"%s is Up, not %s":                        "%s は %s ではなく稼働中です",
		"%s still owns %s":                        "%s はまだ %s を所有しています",
		"%s; it asks for a restart of the server": "%s。サーバーの再起動を求めています",
		"Setup.com reported success":              "Setup.com は成功を報告しました",
		"Paused":                                  "一時停止",
	}
	p := newPrinter(Japanese, map[Lang]Catalogue{Japanese: cat})
	for in, want := range map[string]string{
		"EXNODE02 is Up, not Paused; EXNODE02 still owns Cluster Group":   "EXNODE02 は 一時停止 ではなく稼働中です; EXNODE02 はまだ Cluster Group を所有しています",
		"Setup.com reported success; it asks for a restart of the server": "Setup.com は成功を報告しました。サーバーの再起動を求めています",
		"EXNODE02 is Up, not Paused; something nobody wrote":              "EXNODE02 は 一時停止 ではなく稼働中です; something nobody wrote",
	} {
		if got := p.Text(in); got != want {
			t.Errorf("Text(%q)\n got %q\nwant %q", in, got, want)
		}
	}
	if For("").Tr("%d s", 1800) != "1800 s" {
		t.Errorf("For(\"\") groups digits: %q", For("").Tr("%d s", 1800))
	}
}

// TestCauseNotClaimed: an English cause from outside (Go's x509 text)
// inside a sentence of ours is left as it is by the shipped catalogues:
// no key of ours that begins and ends with an argument claims its words.
func TestCauseNotClaimed(t *testing.T) {
	const cause = "certificate is valid for localhost, EXNODE01, not wrong.example"
	for _, l := range Langs[1:] {
		if got := For(l).Text(cause); got != cause {
			t.Errorf("%s: Go's own words were translated: %q", l, got)
		}
	}
}
