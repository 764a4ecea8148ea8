package sim

import (
	"strings"
	"testing"

	"cmsrunbook/internal/config"
	"cmsrunbook/runbook"
)

// The simulator's localized Setup.com and the runbook's classifier share
// their words (runbook.SetupLanguages): a transcript the simulated Setup
// prints in Japanese, Portuguese or Italian is a success when it worked and
// a failure when it did not, whatever exit code comes with the failure
// text (1603, or a lying 0), with the failing lines quoted.
func TestLocalizedSetupTranscriptsClassify(t *testing.T) {
	if en := runbook.SetupLanguages["en-US"]; english.setup.success != en.Success || english.setup.notDone != en.NotDone ||
		english.setup.errorLine != en.Encountered || english.setup.reboot != en.Reboot ||
		english.setup.completed != en.Completed || english.setup.failed != en.Failed {
		t.Error("the simulated English Setup's words differ from the runbook's")
	}
	for _, locale := range []string{"ja-JP", "pt-BR", "it-IT"} {
		w := runbook.SetupLanguages[locale]
		l := localeOf(locale)
		if l.setup.success != w.Success || l.setup.failed != w.Failed || l.setup.completed != w.Completed ||
			l.setup.notDone != w.NotDone || l.setup.errorLine != w.Encountered || l.setup.reboot != w.Reboot {
			t.Errorf("%s: the simulated Setup's words differ from the runbook's", locale)
		}
		t.Run(locale, func(t *testing.T) {
			cmd := runbook.SetupUpgradeCommand(`D:\Exchange2007SP2`)
			s := localeScenario(t, "locale: "+locale+"\n", "")
			out, st := job(t, s, "EXNODE02", runbook.KindSetupUpgrade, cmd, "ok")
			if st.ExitCode != 0 || !strings.Contains(out, w.Success) {
				t.Fatalf("localized Setup (exit %d):\n%s", st.ExitCode, out)
			}
			if c := runbook.ClassifySetup(out, st.ExitCode); c.Outcome != runbook.OutcomeSuccess || !c.RebootRequired {
				t.Errorf("a localized success: %s reboot=%v %q\n%s", c.Outcome, c.RebootRequired, c.Summary, out)
			}

			for _, kind := range []config.FaultKind{config.FaultSetupFails, config.FaultSetupFailsAfterCopy} {
				s := localeScenario(t, "locale: "+locale+"\nfaults:\n  - {step: setup-upgrade, node: EXNODE02, kind: "+string(kind)+", times: 1}\n", "")
				out, st := job(t, s, "EXNODE02", runbook.KindSetupUpgrade, cmd, "bad")
				if st.ExitCode == 0 {
					t.Fatalf("%s: a failed Setup exited 0", kind)
				}
				for _, exit := range []int{st.ExitCode, 1603, 0} {
					c := runbook.ClassifySetup(out, exit)
					if c.Outcome != runbook.OutcomeFailure || len(c.FailedSteps) != 1 {
						t.Errorf("%s exit %d: %s %q %q", kind, exit, c.Outcome, c.FailedSteps, c.Summary)
						continue
					}
					quoted := strings.Join(c.ErrorLines, "\n")
					for _, want := range []string{c.FailedSteps[0], "......................... " + w.Failed, w.NotDone, w.Encountered} {
						if !strings.Contains(quoted, want) {
							t.Errorf("%s exit %d: the failing lines lack %q:\n%s", kind, exit, want, quoted)
						}
					}
				}
				if kind == config.FaultSetupFails {
					if c := runbook.ClassifySetup(out, 0); len(c.ErrorCodes) == 0 || c.ErrorCodes[0] != "1603" {
						t.Errorf("the MSI failure's code: %q", c.ErrorCodes)
					}
				}
			}

			// Refused before it starts (a CMS runs on EXNODE01): a failure.
			out, st = job(t, s, "EXNODE01", runbook.KindSetupUpgrade, cmd, "refused")
			if c := runbook.ClassifySetup(out, st.ExitCode); st.ExitCode == 0 || c.Outcome != runbook.OutcomeFailure || len(c.ErrorLines) < 3 {
				t.Errorf("a refused localized Setup: %s %q\n%s", c.Outcome, c.ErrorLines, out)
			}
		})
	}
}
