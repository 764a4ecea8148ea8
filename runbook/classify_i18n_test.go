package runbook_test

import (
	"strings"
	"testing"

	"cmsrunbook/internal/i18n"
	"cmsrunbook/runbook"
)

// The verdicts a person reads after a Setup.com or msiexec run are
// translated whole, a sentence inside a sentence included, and keep the
// step names, exit codes and error codes as they were.
func TestClassifySummariesTranslate(t *testing.T) {
	failed := runbook.ClassifySetup("    Mailbox Server Role              ......................... FAILED\n"+
		"     Installing product D:\\x.msi failed. Fatal error during installation. Error code is 1603.\n"+
		"The Exchange Server Setup operation did not complete.\n"+
		" Setup has made changes to operating system settings that require a reboot to take effect.\n", 0)
	cut := runbook.ClassifySetup("Welcome to Microsoft Exchange Server 2007 Unattended Setup\n", 1603)
	msi := runbook.ClassifyMsiexec(1642, "")
	ok := runbook.ClassifyMsiexec(3010, "")
	if failed.Summary != "Setup.com reported failure: Mailbox Server Role FAILED (error code 1603); it also asks for a restart of the server" {
		t.Fatalf("English summary changed: %q", failed.Summary)
	}
	for _, c := range []struct {
		lang i18n.Lang
		want map[string][]string
	}{
		{i18n.Japanese, map[string][]string{
			failed.Summary: {"Setup.com は失敗を報告しました: Mailbox Server Role が失敗しました", "（エラー コード 1603）", "再起動も求めています"},
			cut.Summary:    {"終了コード 1603 で終了しました"},
			msi.Summary:    {"msiexec は終了コード 1642 で失敗しました", "アーキテクチャが違います"},
			ok.Summary:     {"msiexec は終了コード 3010 で成功しました", "再起動が必要です"},
		}},
		{i18n.Portuguese, map[string][]string{
			failed.Summary: {"O Setup.com relatou falha: Mailbox Server Role com FALHA (código de erro 1603)", "também pede a reinicialização"},
			cut.Summary:    {"terminou com o código 1603"},
			msi.Summary:    {"o msiexec falhou com o código de saída 1642", "arquitetura do Exchange incorreta"},
			ok.Summary:     {"código de saída 3010", "é necessário reiniciar"},
		}},
		{i18n.Italian, map[string][]string{
			failed.Summary: {"Setup.com ha segnalato un errore: Mailbox Server Role NON RIUSCITO (codice di errore 1603)", "richiede anche il riavvio"},
			cut.Summary:    {"terminato con il codice 1603"},
			msi.Summary:    {"msiexec non è riuscito con il codice di uscita 1642", "architettura di Exchange errata"},
			ok.Summary:     {"codice di uscita 3010", "è necessario un riavvio"},
		}},
	} {
		p := i18n.For(c.lang)
		for en, wants := range c.want {
			got := p.Text(en)
			for _, w := range wants {
				if !strings.Contains(got, w) {
					t.Errorf("%s: %q\n  translates to %q\n  which lacks %q", c.lang, en, got, w)
				}
			}
		}
	}
}

// TestClassifyTwoFailedStepsTranslate: with two FAILED steps the whole
// summary is translated, the join between the steps included.
func TestClassifyTwoFailedStepsTranslate(t *testing.T) {
	c := runbook.ClassifySetup("    Mailbox Role Checks              ......................... FAILED\n"+
		"    Mailbox Server Role              ......................... FAILED\n", 1603)
	if c.Summary != "Setup.com reported failure: Mailbox Role Checks FAILED, Mailbox Server Role FAILED" {
		t.Fatalf("English summary changed: %q", c.Summary)
	}
	for l, want := range map[i18n.Lang]string{
		i18n.Japanese:   "Setup.com は失敗を報告しました: Mailbox Role Checks が失敗し、Mailbox Server Role が失敗しました",
		i18n.Portuguese: "O Setup.com relatou falha: Mailbox Role Checks com FALHA, Mailbox Server Role com FALHA",
		i18n.Italian:    "Setup.com ha segnalato un errore: Mailbox Role Checks NON RIUSCITO, Mailbox Server Role NON RIUSCITO",
	} {
		if got := i18n.For(l).Text(c.Summary); got != want {
			t.Errorf("%s: got %q\nwant %q", l, got, want)
		}
	}
}
