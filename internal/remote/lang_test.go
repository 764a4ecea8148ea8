package remote_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"cmsrunbook/internal/config"
	"cmsrunbook/internal/i18n"
	"cmsrunbook/internal/remote"
	"cmsrunbook/internal/wsman"
	"cmsrunbook/runbook"
)

// The errors an engineer reads most often from the WinRM executor, shown
// the way internal/cli and the session show them (Printer.Lines on the
// error's text): translated in every shipped language, with the node,
// the address and the cause the sentence names kept, and English as it
// always was.

// spoken is what a sentence must read like in one language.
type spoken struct {
	lang i18n.Lang
	has  []string // translated words the sentence must hold
}

// checkSpoken renders msg in English and in each language: English is
// msg itself; a translation differs from it, keeps every string of keep
// (names, addresses, causes) and holds the words of has, and no head of
// the English sentence (gone) survives in it.
func checkSpoken(t *testing.T, what, msg string, keep, gone []string, langs ...spoken) {
	t.Helper()
	if got := i18n.For(i18n.English).Lines(msg); got != msg {
		t.Errorf("%s: English changed:\n got %q\nwant %q", what, got, msg)
	}
	if len(langs) != 3 {
		t.Fatalf("%s: want a check for each of the three languages", what)
	}
	for _, l := range langs {
		got := i18n.For(l.lang).Lines(msg)
		if got == msg {
			t.Errorf("%s (%s): not translated: %q", what, l.lang, got)
			continue
		}
		for _, s := range keep {
			if !strings.Contains(got, s) {
				t.Errorf("%s (%s): %q lost %q", what, l.lang, got, s)
			}
		}
		for _, s := range l.has {
			if !strings.Contains(got, s) {
				t.Errorf("%s (%s): %q lacks %q", what, l.lang, got, s)
			}
		}
		for _, s := range gone {
			if strings.Contains(got, s) {
				t.Errorf("%s (%s): %q still says %q in English", what, l.lang, got, s)
			}
		}
	}
}

// closedAddr is a loopback host and port nothing listens on.
func closedAddr(t *testing.T) (string, int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := ln.Addr().(*net.TCPAddr)
	_ = ln.Close()
	return a.IP.String(), a.Port
}

func TestRefusedConnectionIsTranslated(t *testing.T) {
	host, port := closedAddr(t)
	hostPort := net.JoinHostPort(host, strconv.Itoa(port))
	inv := &config.Inventory{Path: "test", Cluster: "EXCLUS01", WinRM: config.WinRM{Transport: config.TransportHTTP, Auth: config.AuthBasic, User: testUser, OperationTimeout: 2 * time.Second},
		Nodes: []config.InventoryNode{{Name: "EXNODE01", Address: host, Port: port}}}
	ex, err := remote.New(inv, remote.Options{Password: testPass, DialTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ex.Run(context.Background(), runbook.Command{Node: "EXNODE01", Line: "cluster.exe node EXNODE01 /pause"}, nil)
	if !errors.Is(err, runbook.ErrConnectionLost) {
		t.Fatalf("a refused connection: %v", err)
	}
	msg := err.Error()
	want := `running "cluster.exe node EXNODE01 /pause" on EXNODE01: EXNODE01: cannot connect: nothing answers WinRM on ` + hostPort +
		` (WinRM 1.1 listens on 80/443, 2.0 on 5985/5986; set winrm_version or port): connection to the node lost`
	if msg != want {
		t.Fatalf("English:\n got %q\nwant %q", msg, want)
	}
	checkSpoken(t, "first contact refused", msg,
		[]string{"EXNODE01", hostPort, `"cluster.exe node EXNODE01 /pause"`, "80/443", "5985/5986", "winrm_version"},
		[]string{"cannot connect", "nothing answers", "connection to the node lost", "running"},
		spoken{i18n.Japanese, []string{"接続できません", "WinRM に応答するもの", "を実行中", "ノードへの接続が失われました"}},
		spoken{i18n.Portuguese, []string{"não é possível conectar", "nada responde ao WinRM em " + hostPort, "ao executar", "conexão com o nó perdida"}},
		spoken{i18n.Italian, []string{"impossibile connettersi", "nessuno risponde a WinRM su " + hostPort, "esecuzione di", "connessione al nodo persa"}})
}

func TestRestartingNodeIsTranslated(t *testing.T) {
	ex, srv := rawExecutor(t, &lineBackend{}, false, testPass, 2*time.Second)
	if _, err := ex.Run(context.Background(), runbook.Command{Node: "EXNODE01", Line: "slow"}, nil); err != nil {
		t.Fatal(err)
	}
	_ = srv.Close() // the node goes away after it answered: a restart
	ex.Close()      // and its kept connection with it, so the next request dials
	_, err := ex.Run(context.Background(), runbook.Command{Node: "EXNODE01", Line: "slow"}, nil)
	if !errors.Is(err, runbook.ErrConnectionLost) {
		t.Fatalf("a node that went away: %v", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "EXNODE01: cannot connect, connection refused: the node is restarting or its WinRM listener is not running: connection to the node lost") {
		t.Fatalf("English: %q", msg)
	}
	checkSpoken(t, "restarting node", msg,
		[]string{"EXNODE01", "WinRM"},
		[]string{"cannot connect", "restarting", "connection to the node lost"},
		spoken{i18n.Japanese, []string{"EXNODE01: 接続できません。接続が拒否されました。ノードが再起動中か"}},
		spoken{i18n.Portuguese, []string{"EXNODE01: não é possível conectar, conexão recusada: o nó está reiniciando"}},
		spoken{i18n.Italian, []string{"EXNODE01: impossibile connettersi, connessione rifiutata: il nodo si sta riavviando"}})
}

func TestNoNodeAnswersIsTranslatedLineByLine(t *testing.T) {
	h1, p1 := closedAddr(t)
	h2, p2 := closedAddr(t)
	inv := &config.Inventory{Path: "test", Cluster: "EXCLUS01", WinRM: config.WinRM{Transport: config.TransportHTTP, Auth: config.AuthBasic, User: testUser, OperationTimeout: 2 * time.Second},
		Nodes: []config.InventoryNode{{Name: "EXNODE01", Address: h1, Port: p1}, {Name: "EXNODE02", Address: h2, Port: p2}}}
	ex, err := remote.New(inv, remote.Options{Password: testPass, DialTimeout: time.Second, NodeTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ex.Observe(context.Background())
	if !errors.Is(err, runbook.ErrConnectionLost) || !strings.HasPrefix(err.Error(), "discovering the cluster: no node answers: ") || strings.Count(err.Error(), "\n") != 1 {
		t.Fatalf("no node answers: %v", err)
	}
	for _, l := range []i18n.Lang{i18n.Japanese, i18n.Portuguese, i18n.Italian} {
		got := i18n.For(l).Lines(err.Error())
		lines := strings.Split(got, "\n")
		if len(lines) != 2 {
			t.Fatalf("%s: %q", l, got)
		}
		for i, node := range []string{"EXNODE01", "EXNODE02"} {
			if !strings.Contains(got, node) || strings.Contains(lines[i], "cannot connect") || strings.Contains(lines[i], "discovering") {
				t.Errorf("%s: line %d is not translated: %q", l, i+1, lines[i])
			}
		}
	}
	if got := i18n.For(i18n.Japanese).Lines(err.Error()); !strings.HasPrefix(got, "クラスタの検出: 応答するノードがありません: ") {
		t.Errorf("ja: %q", got)
	}
}

// TestRefusedCredentialsAreTranslated: over https a 401 is the
// credentials (or the scheme); the plain-http refusal, which may be
// AllowUnencrypted=false instead, is TestUnencryptedRefusalNamesHTTPS's.
func TestRefusedCredentialsAreTranslated(t *testing.T) {
	ex, _ := rawExecutor(t, &lineBackend{}, true, "wrong", 2*time.Second)
	_, err := ex.Run(context.Background(), runbook.Command{Node: "EXNODE01", Line: "slow"}, nil)
	if !errors.Is(err, runbook.ErrAuthFailed) {
		t.Fatalf("wrong password: %v", err)
	}
	msg := err.Error()
	want := `running "slow" on EXNODE01: EXNODE01 refused the credentials of ` + testUser + ` (HTTP 401): check the password, that the account is not locked out, and that the node allows this authentication scheme: credentials refused`
	if msg != want {
		t.Fatalf("English:\n got %q\nwant %q", msg, want)
	}
	checkSpoken(t, "refused credentials", msg,
		[]string{"EXNODE01", testUser, "HTTP 401", `"slow"`},
		[]string{"refused the credentials", "locked out", "credentials refused"},
		spoken{i18n.Japanese, []string{"資格情報を拒否しました", "ロックアウト", "資格情報が拒否されました"}},
		spoken{i18n.Portuguese, []string{"recusou as credenciais de " + testUser, "bloqueada", "credenciais recusadas"}},
		spoken{i18n.Italian, []string{"ha rifiutato le credenziali di " + testUser, "bloccato", "credenziali rifiutate"}})

	// Discovery asks one node only, and says so.
	_, err = ex.Observe(context.Background())
	if !errors.Is(err, runbook.ErrAuthFailed) {
		t.Fatalf("Observe with a wrong password: %v", err)
	}
	checkSpoken(t, "refused credentials in discovery", err.Error(),
		[]string{"EXNODE0", testUser, "HTTP 401"},
		[]string{"discovering the cluster", "refused the credentials"},
		spoken{i18n.Japanese, []string{"クラスタの検出 (資格情報はこのノードでのみ試行されました)"}},
		spoken{i18n.Portuguese, []string{"descoberta do cluster (as credenciais foram testadas somente neste nó)"}},
		spoken{i18n.Italian, []string{"individuazione del cluster (le credenziali sono state provate solo su questo nodo)"}})
}

func TestBasicOnlyRefusalUnderNTLMIsTranslated(t *testing.T) {
	ex, _, _ := authExecutor(t, []string{"EXNODE01"}, wsman.AuthBasic, config.AuthNTLM, testPass)
	_, err := ex.Run(context.Background(), runbook.Command{Node: "EXNODE01", Line: "slow"}, nil)
	if !errors.Is(err, runbook.ErrAuthFailed) || !strings.Contains(err.Error(), "offers only Basic") {
		t.Fatalf("ntlm against a Basic-only node: %v", err)
	}
	msg := err.Error()
	checkSpoken(t, "Basic-only listener", msg,
		[]string{"EXNODE01", "127.0.0.1:", "Basic", "Negotiate/NTLM", "auth: ntlm", "winrm get winrm/config/service/auth"},
		[]string{"offers only", "it was not sent", "credentials refused"},
		spoken{i18n.Japanese, []string{"のみ", "パスワードが Basic で送信されることはなく", "資格情報が拒否されました"}},
		spoken{i18n.Portuguese, []string{"oferece somente Basic", "a senha nunca é enviada como Basic", "credenciais recusadas"}},
		spoken{i18n.Italian, []string{"offre solo Basic", "la password non viene mai inviata come Basic", "credenziali rifiutate"}})
}

// endedBackend answers every script as job-tail does for a job whose exit
// file holds no number: ended, no log, no exit code.
type endedBackend struct{}

func (endedBackend) Exec(_ context.Context, _, _ string, _ []string, _ io.Reader, out func(string, []byte)) (int, error) {
	out("stdout", []byte("state\t1\t0\t-1\t0\tnoexitcode\r\n"))
	return 0, nil
}

func TestJobReasonLineIsANoteTheViewsTranslate(t *testing.T) {
	ex, _ := rawExecutor(t, endedBackend{}, false, testPass, 2*time.Second)
	var lines []runbook.OutputLine
	st, err := ex.TailJob(context.Background(), "EXNODE01", "s05-setup-upgrade-EXNODE01", 0, func(l runbook.OutputLine, _ int64) { lines = append(lines, l) })
	if err != nil || st.Why != "noexitcode" || st.Running {
		t.Fatalf("tail: %+v %v", st, err)
	}
	if len(lines) != 1 {
		t.Fatalf("lines: %+v", lines)
	}
	// The executor's own words, not the node's: a note, which the views
	// translate and the journal keeps in English.
	l := lines[0]
	want := "cmsrunbook: this job's exit file holds no number, so its result is unknown; it is treated as failed."
	if l.Stream != runbook.Note || l.Text != want {
		t.Fatalf("reason line: %+v", l)
	}
	checkSpoken(t, "job reason", l.Text,
		[]string{"cmsrunbook: "},
		[]string{"exit file", "treated as failed"},
		spoken{i18n.Japanese, []string{"終了ファイル", "失敗として扱います"}},
		spoken{i18n.Portuguese, []string{"arquivo de saída deste trabalho", "com falha"}},
		spoken{i18n.Italian, []string{"file di uscita di questo processo", "non riuscito"}})
}
