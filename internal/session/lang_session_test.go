package session_test

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cmsrunbook/internal/i18n"
	"cmsrunbook/internal/session"
)

// A training run in Japanese says where its journal is and where the
// change record is in Japanese, with the commands as they are; the
// journal itself stays the English record.
func TestTrainingRunSpeaksItsLanguageTheJournalStaysEnglish(t *testing.T) {
	t.Chdir(t.TempDir())
	te := newEnv(nil)
	s, err := session.OpenSim(te.env, session.SimSpec{Scenario: "ccr-2003-sp2", Speed: math.Inf(1), Seed: 1},
		session.View{Headless: true, Yes: true, OnFailure: "abort", Quiet: true, Lang: i18n.Japanese})
	if err != nil {
		t.Fatalf("OpenSim: %v\n%s", err, te.dump())
	}
	res, err := s.Run(context.Background())
	s.Close()
	if err != nil || res != session.Done {
		t.Fatalf("run: %v %v\n%s", res, err, te.dump())
	}
	out := te.out.String()
	if !strings.HasPrefix(out, "ジャーナル: "+s.Journal()+"\n") {
		t.Errorf("stdout does not say in Japanese where the journal is:\n%s", out)
	}
	if !strings.Contains(out, "変更記録: cmsrunbook report --journal "+s.Journal()+"\n") {
		t.Errorf("stdout does not say in Japanese where the change record is:\n%s", out)
	}
	data, err := os.ReadFile(s.Journal())
	if err != nil {
		t.Fatal(err)
	}
	for _, ja := range []string{"ジャーナル", "手順", "完了", "スキップ"} {
		if strings.Contains(string(data), ja) {
			t.Errorf("the journal holds %q: it must stay English", ja)
		}
	}
}

// An input error is worded in English (it may go to a log or a ticket)
// and translated where it is printed; the path stays as it is.
func TestInputErrorsTranslateKeepingThePath(t *testing.T) {
	te := newEnv(nil)
	missing := filepath.Join(t.TempDir(), "no-such-folder", "run.jsonl")
	_, err := session.OpenSim(te.env, session.SimSpec{Scenario: "ccr-2003-sp2", Speed: math.Inf(1), Seed: 1, Journal: missing},
		session.View{Headless: true, Yes: true, OnFailure: "abort", Lang: i18n.Italian})
	var ie *session.InputError
	if !errors.As(err, &ie) {
		t.Fatalf("want an InputError, got %v", err)
	}
	dir := filepath.Dir(missing)
	if want := "the journal's folder " + dir + " does not exist: create it or choose another --journal"; err.Error() != want {
		t.Errorf("English error %q, want %q", err, want)
	}
	for l, word := range map[i18n.Lang]string{i18n.Japanese: "存在しません", i18n.Portuguese: "não existe", i18n.Italian: "non esiste"} {
		got := i18n.For(l).Text(err.Error())
		if !strings.Contains(got, dir) || !strings.Contains(got, word) || !strings.Contains(got, "--journal") {
			t.Errorf("%s: %q", l, got)
		}
	}
}

// The run-resumed message is built from parts; each translates, with its
// numbers and names.
func TestResumedMessageTranslatesPartByPart(t *testing.T) {
	msg := "3 of 16 steps done; the journal's last line (line 41) was cut short by the crash and was dropped; reconnected to EXCLUS01 over WinRM; THE OUTAGE IS STILL ON: the CMS is down"
	for l, want := range map[i18n.Lang][]string{
		i18n.Japanese:   {"16 手順中 3 手順完了", "41 行目", "EXCLUS01 に再接続しました", "ダウンタイムはまだ続いています"},
		i18n.Portuguese: {"3 de 16 etapas concluídas", "linha 41", "reconectado a EXCLUS01 via WinRM", "A INATIVIDADE CONTINUA"},
		i18n.Italian:    {"3 di 16 passaggi completati", "riga 41", "riconnesso a EXCLUS01 tramite WinRM", "L'INTERRUZIONE È ANCORA IN CORSO"},
	} {
		got := i18n.For(l).Text(msg)
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q lacks %q", l, got, w)
			}
		}
	}
}
