package journal

import (
	"os"
	"strings"
	"testing"

	"cmsrunbook/runbook"
)

func TestRedact(t *testing.T) {
	for _, c := range []struct {
		in      string
		secrets []string
		want    string
	}{
		{"net use \\\\n /user:a P@ss", []string{"P@ss"}, "net use \\\\n /user:a ********"},
		{"P@ssP@ss", []string{"P@ss"}, "********" + "********"},
		{"password1 and pass", []string{"pass", "password1"}, "******** and ********"},
		{"nothing", []string{""}, "nothing"},
		{"nothing", nil, "nothing"},
	} {
		if got := Redact(c.in, c.secrets...); got != c.want {
			t.Errorf("Redact(%q, %q) = %q, want %q", c.in, c.secrets, got, c.want)
		}
	}
}

// TestPasswordNeverReachesFile puts the password in every text field an
// event has, including escaped-in-JSON forms, and checks the file.
func TestPasswordNeverReachesFile(t *testing.T) {
	for _, pw := range []string{"Tr0ub4dor&3", `q"uo\te<>`, "plainpass"} {
		t.Run(pw, func(t *testing.T) {
			w, path := newJournal(t, WithSecrets(pw))
			plan := []runbook.Step{{N: 1, ID: "s1", Title: "Map share", Commands: []string{"net use Z: /user:x " + pw}, Fallback: []string{"x " + pw}}}
			st := started()
			st.Plan = plan
			st.Options = map[string]string{"password": pw, pw: "key"}
			st.Operator = "EXAMPLE\\" + pw
			evs := []runbook.Event{st,
				{Event: runbook.EvOutput, Text: "echo " + pw},
				{Event: runbook.EvStepStarted, Commands: []string{"cmd /c " + pw}},
				{Event: runbook.EvStepFailed, Message: "auth with " + pw, Diagnosis: &runbook.Diagnosis{Code: "auth-failed",
					Message: pw, Why: pw, Lines: []string{"line " + pw},
					Remedies: []runbook.Remedy{{Action: runbook.RemedyRetry, Label: pw, Command: pw, Warning: pw}}}},
				{Event: runbook.EvFinding, Finding: &runbook.Finding{Code: "x", Message: pw, Remedy: pw}},
				{Event: runbook.EvStepSkipped, Reason: pw, Typed: pw, By: pw},
				{Event: runbook.EvOutput, Text: "late " + pw},
			}
			mustWrite(t, w, evs...)
			w.AddSecrets("second-" + pw)
			mustWrite(t, w, runbook.Event{Event: runbook.EvOutput, Text: "second-" + pw + " typed again"})
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			rep := mustRead(t, path)
			for _, ev := range rep.Events {
				line := strings.Join([]string{ev.Text, ev.Message, ev.Reason, ev.Typed, ev.By, ev.Operator, strings.Join(ev.Commands, " "), ev.Options["password"]}, " ")
				if strings.Contains(line, pw) {
					t.Errorf("event %d still holds the password: %s", ev.Seq, line)
				}
			}
			if strings.Contains(string(data), pw) {
				t.Errorf("password in the file:\n%s", data)
			}
			if got := rep.Events[1].Text; got != "echo ********" {
				t.Errorf("output text %q", got)
			}
			if got := rep.Events[3].Diagnosis.Lines[0]; got != "line ********" {
				t.Errorf("diagnosis line %q", got)
			}
			if got := rep.Events[0].Plan[0].Commands[0]; got != "net use Z: /user:x ********" {
				t.Errorf("plan command %q", got)
			}
			if got := rep.Events[len(rep.Events)-1].Text; got != "******** typed again" {
				t.Errorf("secret added later: %q", got)
			}
			if plan[0].Commands[0] != "net use Z: /user:x "+pw {
				t.Error("redaction changed the caller's plan")
			}
		})
	}
}

// TestRedactEventForTheScreen: what the screen and the line printer show is
// masked like the journal, output lines included, and an event without a
// secret is shown as it is.
func TestRedactEventForTheScreen(t *testing.T) {
	out := RedactEvent(runbook.Event{Event: runbook.EvOutput, Text: "net use /user:x Pa55 Pa55word"}, "Pa55", "Pa55word")
	if out.Text != "net use /user:x "+Mask+" "+Mask {
		t.Errorf("output shown as %q", out.Text)
	}
	d := RedactEvent(runbook.Event{Event: runbook.EvStepFailed, Diagnosis: &runbook.Diagnosis{Lines: []string{"said Pa55word"}}}, "Pa55word")
	if d.Diagnosis.Lines[0] != "said "+Mask {
		t.Errorf("diagnosis shown as %q", d.Diagnosis.Lines[0])
	}
	if same := RedactEvent(runbook.Event{Event: runbook.EvOutput, Text: "clean"}, "Pa55word"); same.Text != "clean" {
		t.Errorf("clean line changed: %q", same.Text)
	}
}
