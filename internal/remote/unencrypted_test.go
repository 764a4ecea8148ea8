package remote_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"cmsrunbook/internal/i18n"
	"cmsrunbook/internal/remote"
	"cmsrunbook/runbook"
)

// unencryptedExecutor points a Basic executor at a wsman server with
// AllowUnencrypted=false (the Windows default), over plain http or https.
func unencryptedExecutor(t *testing.T, https bool, pass string) *remote.Executor {
	t.Helper()
	ex, _ := rawExecutorAllowing(t, &lineBackend{}, https, false, pass, 2*time.Second)
	t.Cleanup(ex.Close)
	return ex
}

// TestUnencryptedRefusalNamesHTTPS: a node with AllowUnencrypted=false
// refuses Basic over plain http with the 401 of a wrong password. The
// password here is right; the error must say what else the 401 means and
// put its remedies (https, or AllowUnencrypted on a lab node) before any
// advice about the password, and ask not to re-type it before checking.
// Over https the same node and password work.
func TestUnencryptedRefusalNamesHTTPS(t *testing.T) {
	ex := unencryptedExecutor(t, false, testPass)
	_, err := ex.Run(context.Background(), runbook.Command{Node: "EXNODE01", Line: "slow"}, nil)
	if !errors.Is(err, runbook.ErrAuthFailed) {
		t.Fatalf("Basic over http to AllowUnencrypted=false: %v; want a refusal wrapping ErrAuthFailed (it may be the password: never retried on its own)", err)
	}
	msg := err.Error()
	for _, s := range []string{"refused Basic over plain http", "AllowUnencrypted=false", "winrm.transport: https", "5986",
		`winrm set winrm/config/service @{AllowUnencrypted="true"}`, "lab node only", "do not type it again"} {
		if !strings.Contains(msg, s) {
			t.Errorf("refusal lacks %q: %s", s, msg)
		}
	}
	https, pw := strings.Index(msg, "Use https"), strings.Index(msg, "check the password")
	if https < 0 || pw < 0 || https > pw {
		t.Errorf("https must be the first remedy, before checking the password: %s", msg)
	}
	if strings.Contains(msg, testPass) {
		t.Errorf("the refusal shows the password: %s", msg)
	}
	checkSpoken(t, "plain-http refusal", msg,
		[]string{"EXNODE01", testUser, "HTTP 401", "AllowUnencrypted=false", "winrm.transport: https", `winrm set winrm/config/service @{AllowUnencrypted="true"}`},
		[]string{"over plain http", "do not type it again", "lab node only", "credentials refused"},
		spoken{i18n.Japanese, []string{"プレーン http", "再入力しないでください", "資格情報が拒否されました"}},
		spoken{i18n.Portuguese, []string{"http simples", "não a digite novamente", "credenciais recusadas"}},
		spoken{i18n.Italian, []string{"http semplice", "non digitarla di nuovo", "credenziali rifiutate"}})

	// Discovery words it the same way.
	if _, err := ex.Observe(context.Background()); !errors.Is(err, runbook.ErrAuthFailed) || !strings.Contains(err.Error(), "winrm.transport: https") {
		t.Fatalf("Observe over http to AllowUnencrypted=false: %v", err)
	}

	// The remedy works: the same node setting and password over https.
	exs := unencryptedExecutor(t, true, testPass)
	if res, err := exs.Run(context.Background(), runbook.Command{Node: "EXNODE01", Line: "slow"}, nil); err != nil || res.ExitCode != 0 {
		t.Fatalf("Basic over https to AllowUnencrypted=false: %+v %v", res, err)
	}
}

// TestPlainHTTPWrongPasswordSaysBoth: a wrong password over plain http
// gets the same answer, so the same words (the wire cannot tell them
// apart); over https a wrong password is only the credentials.
func TestPlainHTTPWrongPasswordSaysBoth(t *testing.T) {
	ex, _ := rawExecutor(t, &lineBackend{}, false, "N0t-the-Pa55", 2*time.Second) // AllowUnencrypted=true
	_, err := ex.Run(context.Background(), runbook.Command{Node: "EXNODE01", Line: "slow"}, nil)
	if !errors.Is(err, runbook.ErrAuthFailed) || !strings.Contains(err.Error(), "AllowUnencrypted=false") {
		t.Fatalf("wrong password over http: %v", err)
	}
	exs := unencryptedExecutor(t, true, "N0t-the-Pa55")
	_, err = exs.Run(context.Background(), runbook.Command{Node: "EXNODE01", Line: "slow"}, nil)
	if !errors.Is(err, runbook.ErrAuthFailed) || strings.Contains(err.Error(), "AllowUnencrypted") || !strings.Contains(err.Error(), "refused the credentials") {
		t.Fatalf("wrong password over https: %v", err)
	}
}
