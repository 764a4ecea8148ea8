package runbook

import (
	"strconv"
	"strings"
	"testing"
)

// localizedSetup is what a person reads in one language's Setup.com: the
// hand-written transcripts in testdata/classify, in the words of
// SetupLanguages (which the simulator's localized Setup.com prints too).
var localizedSetup = []struct {
	locale, file string
	mailboxRole  string // the Mailbox Server Role step's name
	reasonPrefix string // the unwrapped 5-space error line under it
}{
	{"ja-JP", "ja", "メールボックス サーバーの役割", "製品 D:\\Exchange2007SP2\\exchangeserver.msi のインストールに失敗しました。インストール中に致命的なエラーが発生しました。エラー コード は 1603 です。"},
	{"pt-BR", "pt-BR", "Função Servidor de Caixa de Correio", "Falha ao instalar o produto D:\\Exchange2007SP2\\exchangeserver.msi. Erro fatal durante a instalação. O código de erro é 1603."},
	{"it-IT", "it-IT", "Ruolo server Cassette postali", "Installazione del prodotto D:\\Exchange2007SP2\\exchangeserver.msi non riuscita. Errore irreversibile durante l'installazione. Codice di errore: 1603."},
}

// A localized Setup that succeeds is a success, with its restart request
// read; one whose step failed is a failure whatever its exit code, with
// the failed step, the error line under it (unwrapped), the code it
// quotes and both verdict lines; a success line with a non-zero exit is
// not a success.
func TestClassifySetupLocalized(t *testing.T) {
	for _, l := range localizedSetup {
		w := SetupLanguages[l.locale]
		t.Run(l.locale, func(t *testing.T) {
			ok := classifySample(t, "setup-"+l.file+"-success.txt")
			checkClassification(t, ClassifySetup(ok, 0), classifyWant{
				outcome: OutcomeSuccess, reboot: true, summary: []string{"Setup.com reported success; it asks for a restart of the server"},
			})
			checkClassification(t, ClassifySetup(ok, 1), classifyWant{
				outcome: OutcomeFailure, reboot: true, summary: []string{"success line but exited with code 1"},
			})
			bad := classifySample(t, "setup-"+l.file+"-failed-1603.txt")
			failed := classifyWant{
				outcome: OutcomeFailure,
				failed:  []string{l.mailboxRole},
				codes:   []string{"1603"},
				lines: []string{
					l.mailboxRole + "*", // the step line, dots and status
					l.reasonPrefix,
					w.NotDone,
					w.Encountered,
				},
				notIn:   []string{"SMTP", "......................... " + w.Completed},
				summary: []string{"Setup.com reported failure: " + l.mailboxRole + " FAILED (error code 1603)"},
			}
			for _, exit := range []int{1603, 1, 0} {
				t.Run("exit"+strconv.Itoa(exit), func(t *testing.T) {
					c := ClassifySetup(bad, exit)
					checkClassification(t, c, failed)
					if !strings.HasSuffix(c.ErrorLines[0], w.Failed) {
						t.Errorf("the first quoted line is not the %s step: %q", w.Failed, c.ErrorLines[0])
					}
					if JobDecidedByState(Step{Kind: KindSetupUpgrade}, c) {
						t.Error("a failure Setup reported is handed to the state")
					}
				})
			}
			// Cut off before its verdict: still running, unless it exited.
			cut := ok[:strings.Index(ok, w.Success)]
			if c := ClassifySetup(cut, 0); c.Outcome != OutcomeIncomplete {
				t.Errorf("cut-off %s transcript: %s", l.locale, c.Outcome)
			}
			if c := ClassifySetup(cut, 1603); c.Outcome != OutcomeFailure || !strings.Contains(c.Summary, "exited with code 1603") {
				t.Errorf("cut-off %s transcript, exit 1603: %s %q", l.locale, c.Outcome, c.Summary)
			}
		})
	}
}

// Narrowly re-wrapped (a log viewer at 37 columns), a localized failure is
// still a failure: the FAILED step and the code are read from the folded
// text.
func TestClassifySetupLocalizedWrappedNarrow(t *testing.T) {
	for _, l := range localizedSetup {
		bad := classifySample(t, "setup-"+l.file+"-failed-1603.txt")
		var b strings.Builder
		for _, line := range UnwrapConsole(bad) {
			r := []rune(line)
			for len(r) > 37 {
				b.WriteString(string(r[:37]) + "\n")
				r = r[37:]
			}
			b.WriteString(string(r) + "\n")
		}
		c := ClassifySetup(b.String(), 0)
		if c.Outcome != OutcomeFailure || len(c.ErrorCodes) == 0 || c.ErrorCodes[0] != "1603" {
			t.Errorf("%s at 37 columns: %s %q %q", l.locale, c.Outcome, c.ErrorCodes, c.Summary)
		}
	}
}

// A Setup in a language we know no words of (German here) gives no
// verdict: with exit code 0 the node's state decides (the engine verifies
// its build and watermark), with a non-zero exit code it failed.
func TestSetupInAnUnknownLanguageIsDecidedByState(t *testing.T) {
	const german = `Willkommen beim unbeaufsichtigten Setup von Microsoft Exchange Server 2007
Exchange-Setup wird vorbereitet
    Überprüfungen der Postfachfunktion ......................... ABGESCHLOSSEN
    Postfachserverfunktion           ......................... ABGESCHLOSSEN
Der Microsoft Exchange Server-Setupvorgang wurde erfolgreich abgeschlossen.
`
	for _, kind := range []StepKind{KindSetupUpgrade, KindUpgradeCMS} {
		c := ClassifyJob(Step{Kind: kind}, german, 0)
		if c.Outcome != OutcomeIncomplete || !JobDecidedByState(Step{Kind: kind}, c) {
			t.Errorf("%s, exit 0: %s, decided by state %v", kind, c.Outcome, JobDecidedByState(Step{Kind: kind}, c))
		}
		c = ClassifyJob(Step{Kind: kind}, german, 1603)
		if c.Outcome != OutcomeFailure || JobDecidedByState(Step{Kind: kind}, c) || !strings.Contains(c.Summary, "exited with code 1603") {
			t.Errorf("%s, exit 1603: %s %q", kind, c.Outcome, c.Summary)
		}
	}
	// An installer's exit code decides on its own: never handed to state.
	if c := ClassifyJob(Step{Kind: KindInstallRollup}, german, 0); c.Outcome != OutcomeSuccess || JobDecidedByState(Step{Kind: KindInstallRollup}, c) {
		t.Errorf("msiexec exit 0: %s", c.Outcome)
	}
	// The state decides only what Setup left open: a known verdict stands.
	for _, l := range localizedSetup {
		c := ClassifySetup(classifySample(t, "setup-"+l.file+"-success.txt"), 0)
		if JobDecidedByState(Step{Kind: KindSetupUpgrade}, c) {
			t.Errorf("%s success handed to the state", l.locale)
		}
	}
}

// The English behaviour is the same as before the localized words: the
// English table's lines are what the English phrases match.
func TestSetupLanguagesEnglishAgrees(t *testing.T) {
	w := SetupLanguages["en-US"]
	out := dottedForTest("Mailbox Server Role", w.Completed) + "\n" + w.Success + "\n" + w.Reboot + "\n"
	if c := ClassifySetup(out, 0); c.Outcome != OutcomeSuccess || !c.RebootRequired {
		t.Errorf("English table success: %+v", c)
	}
	out = dottedForTest("Mailbox Server Role", w.Failed) + "\n" + w.NotDone + "\n" + w.Encountered + "\n"
	if c := ClassifySetup(out, 0); c.Outcome != OutcomeFailure || len(c.FailedSteps) != 1 || len(c.ErrorLines) != 3 {
		t.Errorf("English table failure: %+v", c)
	}
	for name, w := range SetupLanguages {
		for _, s := range []string{w.Completed, w.Failed, w.Success, w.NotDone, w.Encountered, w.Reboot, w.RebootPhrase, w.ErrorCode} {
			if s == "" {
				t.Errorf("%s: an empty Setup word", name)
			}
		}
		if !strings.Contains(w.Reboot, w.RebootPhrase) {
			t.Errorf("%s: the restart line %q lacks its phrase %q", name, w.Reboot, w.RebootPhrase)
		}
	}
}

func dottedForTest(name, status string) string {
	return "    " + name + strings.Repeat(" ", max(33-len([]rune(name)), 1)) + "......................... " + status
}

// msiexec's verdict is its exit code whatever the log's language; a
// failure quotes the localized log's failing lines.
func TestClassifyMsiexecLocalizedLog(t *testing.T) {
	const jaLog = "=== 詳細ログの開始: 2026/11/29 22:01:14 ===\n" +
		"MSI (s) (A4:B8) [22:01:15:120]: 製品: Microsoft Exchange Server -- 更新 'Update Rollup 1 for Exchange Server 2007 Service Pack 2 (KB971534)' をインストールしています。\n" +
		"CustomAction StopServices returned actual error code 1603 (note this may not be 100% accurate if translation happened inside sandbox)\n" +
		"Action ended 22:03:40: InstallFinalize. Return value 3.\n" +
		"MSI (s) (A4:B8) [22:03:41:010]: 製品: Microsoft Exchange Server -- インストールに失敗しました。\n" +
		"MSI (s) (A4:B8) [22:03:41:020]: Windows Installer により製品が更新されました。製品名: Microsoft Exchange Server。インストールの成功またはエラーの状態: 1603。\n" +
		"=== ログの終了 ===\n"
	if c := ClassifyMsiexec(0, jaLog); c.Outcome != OutcomeSuccess || len(c.ErrorLines) != 0 {
		t.Errorf("exit 0 with a Japanese log: %+v", c)
	}
	if c := ClassifyMsiexec(3010, jaLog); c.Outcome != OutcomeSuccess || !c.RebootRequired {
		t.Errorf("exit 3010 with a Japanese log: %+v", c)
	}
	c := ClassifyMsiexec(1603, jaLog)
	if c.Outcome != OutcomeFailure || c.ErrorCodes[0] != "1603" || !strings.Contains(c.Summary, "fatal error during installation") {
		t.Errorf("exit 1603 with a Japanese log: %+v", c)
	}
	quoted := strings.Join(c.ErrorLines, "\n")
	for _, want := range []string{"Return value 3", "actual error code 1603"} {
		if !strings.Contains(quoted, want) {
			t.Errorf("the failing lines lack %q:\n%s", want, quoted)
		}
	}
}
