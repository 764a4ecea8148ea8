package session_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"cmsrunbook/assets"
	"cmsrunbook/internal/config"
	"cmsrunbook/internal/journal"
	"cmsrunbook/internal/session"
	"cmsrunbook/internal/sim"
	"cmsrunbook/internal/simwinrm"
	"cmsrunbook/internal/wsman"
	"cmsrunbook/runbook"
)

// serveAs is serve with the nodes' password given: the simulated cluster
// of a scenario (an embedded name or a file) behind WinRM on 127.0.0.1
// until the test ends, the inventory that points at it, and the server
// (whose ports a test may close, as a network that drops).
func serveAs(t *testing.T, scenario, pass string) (*served, *wsman.Server) {
	t.Helper()
	sc, err := config.ResolveScenario(assets.Scenarios, scenario)
	if err != nil {
		t.Fatal(err)
	}
	s := sim.New(sc, sim.Options{Speed: servedSpeed, Seed: 1})
	ctx, cancel := context.WithCancel(context.Background())
	sv, err := simwinrm.Serve(ctx, sc, s, wsman.Config{Listen: "127.0.0.1", User: testUser, Password: pass, AllowUnencrypted: true})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); sv.Backend.Watch(ctx, 20*time.Millisecond) }()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		_ = sv.Server.Close()
	})
	inv := filepath.Join(t.TempDir(), "inventory.yaml")
	if err := sv.WriteInventory(inv, sc, simwinrm.InventoryOptions{User: testUser, OperationTimeout: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}
	return &served{sc: sc, sim: s, inv: inv}, sv.Server
}

// envWithPassword is newEnvOn whose CMSRUNBOOK_PASSWORD is pass.
func envWithPassword(in io.Reader, box, pass string) *testEnv {
	te := newEnvOn(in, box)
	get := te.env.Getenv
	te.env.Getenv = func(k string) string {
		if k == session.PasswordEnv {
			return pass
		}
		return get(k)
	}
	return te
}

// simOps is how many calls that change something (commands run, jobs
// started, faults fired) the simulated cluster has seen: what it saves of
// itself. Discovery reads the world and is not one of them.
func simOps(t *testing.T, s *sim.Sim) int {
	t.Helper()
	data, err := s.MarshalState()
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Ops []json.RawMessage `json:"ops"`
	}
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	return len(st.Ops)
}

// untouched records a served cluster as it is now, to check later that
// nothing was sent to it that changes it.
type untouched struct {
	sv   *served
	ops  int
	snap runbook.Observation
}

func touchNothing(t *testing.T, sv *served) untouched {
	t.Helper()
	return untouched{sv: sv, ops: simOps(t, sv.sim), snap: sv.sim.Snapshot()}
}

func (u untouched) check(t *testing.T, what string) {
	t.Helper()
	if got := simOps(t, u.sv.sim); got != u.ops {
		t.Errorf("%s: the cluster saw %d calls that change it, it had seen %d", what, got, u.ops)
	}
	for _, n := range u.sv.sc.Cluster.Nodes {
		if got := u.sv.sim.SetupStarts(n.Name); got != 0 {
			t.Errorf("%s: Setup.com was started %d times on %s", what, got, n.Name)
		}
	}
	if got := u.sv.sim.Snapshot(); !reflect.DeepEqual(got.Cluster, u.snap.Cluster) {
		t.Errorf("%s: the cluster changed:\nbefore %+v\nafter  %+v", what, u.snap.Cluster, got.Cluster)
	}
}

// scenarioFile writes a copy of an embedded scenario, with each of the
// edits (old, new pairs) made to its text, into its own folder, and
// returns its path.
func scenarioFile(t *testing.T, name string, edits ...string) string {
	t.Helper()
	data, err := assets.Scenarios.ReadFile("scenarios/" + name + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for i := 0; i+1 < len(edits); i += 2 {
		if !strings.Contains(text, edits[i]) {
			t.Fatalf("scenario %s has no %q to edit", name, edits[i])
		}
		text = strings.ReplaceAll(text, edits[i], edits[i+1])
	}
	path := filepath.Join(t.TempDir(), name+"-edited.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// stoppedRealRun runs a real window on sv until the person aborts at the
// prompt of step 3 (preflight and the pause of EXNODE02 done), and returns
// the journal: a stopped run that resume continues.
func stoppedRealRun(t *testing.T, sv *served) string {
	t.Helper()
	jpath := filepath.Join(t.TempDir(), "real.jsonl")
	te := newEnv(script("y", "y", "a"))
	s, err := session.OpenReal(context.Background(), te.env, session.RealSpec{Inventory: sv.inv, Journal: jpath}, headless)
	if got := run(t, context.Background(), s, err, te); got != session.Stopped {
		t.Fatalf("first run: result %d, want Stopped\n%s", got, te.dump())
	}
	prog := runbook.Fold(readEvents(t, jpath))
	if prog.Started == nil || prog.Started.Options["mode"] != "real" || prog.Started.Source != sv.inv {
		t.Fatalf("run-started does not record the real run on %s: %+v", sv.inv, prog.Started)
	}
	if got := simOps(t, sv.sim); got == 0 {
		t.Fatal("the first run changed nothing on its cluster")
	}
	return jpath
}

// copyFile overwrites dst with src's content, as someone who edits or
// replaces an inventory in place.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestResumeRefusesAnotherCluster: a real run stopped part-way records
// its inventory's path; when that file is replaced by an inventory that
// reaches another cluster (another name, the same name with other nodes,
// the same nodes with another clustered mailbox server), the resume is
// bad input that names both, sends nothing that changes either cluster,
// leaves the journal as it was and holds no lock; with the inventory put
// back, the same journal resumes.
func TestResumeRefusesAnotherCluster(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, other string
		// wants: what the refusal must name beside the recorded cluster.
		wants []string
	}{
		{"another cluster", "scc-8node-2cms-sp3", []string{"EXSCC01"}},
		{"same name, other nodes", "scc-3node-sp2", []string{"EXNODE03", "EXNODE01, EXNODE02"}},
		{"same nodes, another CMS", "", []string{"EXCMS07", "EXCMS01"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := serve(t, "ccr-2003-sp2")
			jpath := stoppedRealRun(t, a)
			other := tc.other
			if other == "" {
				other = scenarioFile(t, "ccr-2003-sp2", "EXCMS01", "EXCMS07")
			}
			b := serve(t, other)
			before, err := os.ReadFile(jpath)
			if err != nil {
				t.Fatal(err)
			}
			keep, err := os.ReadFile(a.inv)
			if err != nil {
				t.Fatal(err)
			}
			ua, ub := touchNothing(t, a), touchNothing(t, b)
			copyFile(t, b.inv, a.inv)

			box := newAdminBox()
			te := newEnvOn(script(repeat("y", 20)...), box)
			s, err := session.OpenResume(context.Background(), te.env, session.ResumeSpec{Journal: jpath}, headless)
			if err == nil {
				s.Close()
				t.Fatalf("the resume against %s opened\n%s", other, te.dump())
			}
			if errors.Is(err, journal.ErrLocked) {
				t.Fatalf("refused by the lock, not as another cluster: %v", err)
			}
			ie := asInput(t, "OpenResume against another cluster", err)
			for _, want := range append([]string{"EXCLUS01", a.inv, jpath, "Nothing was sent"}, tc.wants...) {
				if !strings.Contains(ie.Error(), want) {
					t.Errorf("the refusal %q does not say %q", ie.Error(), want)
				}
			}
			if strings.Contains(ie.Error()+te.dump(), testPass) {
				t.Error("the refusal shows the password")
			}
			if after, _ := os.ReadFile(jpath); !bytes.Equal(before, after) {
				t.Error("the refused resume changed the journal")
			}
			if ents, _ := os.ReadDir(filepath.Dir(jpath)); len(ents) != 1 {
				t.Errorf("the refused resume left files beside the journal: %v", ents)
			}
			ub.check(t, "the other cluster")
			ua.check(t, "the cluster of the run")
			if strings.Contains(te.out.String(), "run-resumed") || te.out.String() != "" {
				t.Errorf("the refused resume printed:\n%s", te.dump())
			}

			// The refusal held no lock, and the journal still resumes on
			// its own cluster once the inventory is put back.
			if err := os.WriteFile(a.inv, keep, 0o644); err != nil {
				t.Fatal(err)
			}
			s, err = session.OpenResume(context.Background(), newEnvOn(nil, box).env, session.ResumeSpec{Journal: jpath}, headless)
			if err != nil {
				t.Fatalf("the resume on the run's own cluster: %v", err)
			}
			s.Close()
			ub.check(t, "the other cluster, after the good resume opened")
		})
	}
}

// TestRealRunOneRunPerCluster: through the real path (an inventory, WinRM),
// a second run on a cluster a session already drives, with its journal in
// another folder and its own copy of the inventory, is refused by the
// cluster's lock before anything that changes the cluster is sent and
// before its journal exists; so is the resume of a stopped run on that
// cluster. The refusal names the journal that holds the cluster.
func TestRealRunOneRunPerCluster(t *testing.T) {
	t.Parallel()
	sv := serve(t, "ccr-2003-sp2")
	stopped := stoppedRealRun(t, sv)
	stoppedBefore, _ := os.ReadFile(stopped)
	box := newAdminBox()

	firstJ := filepath.Join(t.TempDir(), "first.jsonl")
	first, err := session.OpenReal(context.Background(), newEnvOn(nil, box).env, session.RealSpec{Inventory: sv.inv, Journal: firstJ}, headless)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	u := touchNothing(t, sv)

	// Another folder, another copy of the inventory, the same cluster.
	dir := t.TempDir()
	inv2 := filepath.Join(dir, "copy-of-inventory.yaml")
	copyFile(t, sv.inv, inv2)
	second := filepath.Join(dir, "second.jsonl")
	te := newEnvOn(script(repeat("y", 20)...), box)
	s, err := session.OpenReal(context.Background(), te.env, session.RealSpec{Inventory: inv2, Journal: second}, headless)
	if err == nil {
		s.Close()
		t.Fatal("a second real run on EXCLUS01 was opened while the first is open")
	}
	if !errors.Is(err, journal.ErrLocked) {
		t.Fatalf("second OpenReal: %v, want the lock's error", err)
	}
	for _, want := range []string{"EXCLUS01", firstJ} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal %q does not say %q", err, want)
		}
	}
	if _, serr := os.Stat(second); serr == nil {
		t.Error("the refused run created its journal")
	}
	u.check(t, "after the refused second run")

	// The stopped run's resume is refused the same way, its journal as it was.
	r, err := session.OpenResume(context.Background(), newEnvOn(nil, box).env, session.ResumeSpec{Journal: stopped}, headless)
	if err == nil {
		r.Close()
		t.Fatal("the resume of a run on EXCLUS01 was opened while another run drives it")
	}
	if !errors.Is(err, journal.ErrLocked) {
		t.Fatalf("OpenResume beside the open run: %v, want the lock's error", err)
	}
	if after, _ := os.ReadFile(stopped); !bytes.Equal(stoppedBefore, after) {
		t.Error("the refused resume changed the journal")
	}
	u.check(t, "after the refused resume")
}

// TestRealRunRefusesThePasswordInACommand: with the password Exchange2007
// and the media in D:\Exchange2007SP2, Setup's command holds the password;
// the journal would have to mask it and a resume would run the masked
// command, so the run is refused as bad input before anything is sent or
// written, and the refusal says where without showing the password. The
// resume of a run whose password has since become such a password is
// refused the same way.
func TestRealRunRefusesThePasswordInACommand(t *testing.T) {
	t.Parallel()
	const pass = "Exchange2007"
	sv, _ := serveAs(t, "ccr-2003-sp2", pass)
	if !strings.Contains(sv.sc.Options.Media, pass) {
		t.Fatalf("the scenario's media %q does not hold %q", sv.sc.Options.Media, pass)
	}
	u := touchNothing(t, sv)
	jpath := filepath.Join(t.TempDir(), "real.jsonl")
	te := envWithPassword(script(repeat("y", 20)...), newAdminBox(), pass)
	s, err := session.OpenReal(context.Background(), te.env, session.RealSpec{Inventory: sv.inv, Journal: jpath}, headless)
	if err == nil {
		s.Close()
		t.Fatal("a run whose password is in Setup's command was opened")
	}
	ie := asInput(t, "OpenReal with the password in a command", err)
	for _, want := range []string{"password appears in", "command of step", "nothing was sent"} {
		if !strings.Contains(ie.Error(), want) {
			t.Errorf("the refusal %q does not say %q", ie.Error(), want)
		}
	}
	if strings.Contains(ie.Error(), pass) || strings.Contains(te.dump(), pass) {
		t.Errorf("the refusal shows the password: %q\n%s", ie.Error(), te.dump())
	}
	if _, serr := os.Stat(jpath); serr == nil {
		t.Error("the refused run created its journal")
	}
	u.check(t, "after the refused run")

	// The same cluster's nodes with another password: the run goes ahead
	// (it is stopped at once); the resume with a password that is in the
	// recorded commands is refused before anything is sent.
	sv2 := serve(t, "ccr-2003-sp2")
	stopped := filepath.Join(t.TempDir(), "stopped.jsonl")
	te2 := newEnv(script("a"))
	s, err = session.OpenReal(context.Background(), te2.env, session.RealSpec{Inventory: sv2.inv, Journal: stopped}, headless)
	if got := run(t, context.Background(), s, err, te2); got != session.Stopped {
		t.Fatalf("result %d, want Stopped\n%s", got, te2.dump())
	}
	before, _ := os.ReadFile(stopped)
	u2 := touchNothing(t, sv2)
	te3 := envWithPassword(nil, newAdminBox(), pass)
	s, err = session.OpenResume(context.Background(), te3.env, session.ResumeSpec{Journal: stopped}, headless)
	if err == nil {
		s.Close()
		t.Fatal("the resume with a password that is in a recorded command was opened")
	}
	ie = asInput(t, "OpenResume with the password in a command", err)
	if !strings.Contains(ie.Error(), "password appears in") || strings.Contains(ie.Error(), pass) {
		t.Errorf("the refusal %q: want where the password is, without it", ie.Error())
	}
	if after, _ := os.ReadFile(stopped); !bytes.Equal(before, after) {
		t.Error("the refused resume changed the journal")
	}
	u2.check(t, "after the refused resume")
}

// TestResumeLocksTheRecordedCluster: the resume of a real run takes the
// lock of the cluster the run is on, whatever the inventory's cluster:
// line says. An inventory edited to another name (a typo, a different
// case, an alias) that still reaches EXCLUS01 must not let the resume run
// beside another session that drives EXCLUS01.
func TestResumeLocksTheRecordedCluster(t *testing.T) {
	t.Parallel()
	sv := serve(t, "ccr-2003-sp2")
	stopped := stoppedRealRun(t, sv)
	before, _ := os.ReadFile(stopped)
	box := newAdminBox()

	// Another session drives EXCLUS01 through its own copy of the inventory.
	inv2 := filepath.Join(t.TempDir(), "inventory.yaml")
	copyFile(t, sv.inv, inv2)
	first, err := session.OpenReal(context.Background(), newEnvOn(nil, box).env, session.RealSpec{Inventory: inv2, Journal: filepath.Join(t.TempDir(), "first.jsonl")}, headless)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()

	data, err := os.ReadFile(sv.inv)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(data), "cluster: EXCLUS01", "cluster: EXCLUS01-ALIAS", 1)
	if edited == string(data) {
		t.Fatalf("the inventory has no cluster: EXCLUS01 line:\n%s", data)
	}
	if err := os.WriteFile(sv.inv, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	u := touchNothing(t, sv)
	s, err := session.OpenResume(context.Background(), newEnvOn(nil, box).env, session.ResumeSpec{Journal: stopped}, headless)
	if err == nil {
		s.Close()
		t.Fatal("REGRESSION (fixed in this change): internal/session/resume.go openReal takes the lock of conn.inv.Cluster (the inventory's cluster: line), not of the cluster the run is on (r.prog.Started.Cluster.Name, which sameCluster has just checked): an inventory whose cluster: line was edited resumes beside another run on EXCLUS01")
	}
	if !errors.Is(err, journal.ErrLocked) {
		t.Fatalf("resume beside the open run: %v, want the lock's error", err)
	}
	if !strings.Contains(err.Error(), "EXCLUS01") {
		t.Errorf("the refusal %q does not name EXCLUS01", err)
	}
	if after, _ := os.ReadFile(stopped); !bytes.Equal(before, after) {
		t.Error("the refused resume changed the journal")
	}
	u.check(t, "after the refused resume")
}

// TestResumeWhileTheClusterCannotBeRead: the inventory of a stopped run
// now reaches another cluster (EXCLUS01 of scc-3node-sp2: the same name,
// EXNODE01 and EXNODE02 among its nodes), whose nodes do not answer at the
// moment of the resume (a network that flickers). Whether the resume is
// refused at once or the session opens and the cluster is checked once it
// answers, nothing that changes the other cluster may be sent, even when
// the person confirms the next steps.
func TestResumeWhileTheClusterCannotBeRead(t *testing.T) {
	t.Parallel()
	a := serve(t, "ccr-2003-sp2")
	stopped := stoppedRealRun(t, a)
	b, srv := serveAs(t, "scc-3node-sp2", testPass)
	copyFile(t, b.inv, a.inv)
	ub := touchNothing(t, b)
	for _, n := range b.sc.Cluster.Nodes {
		srv.SetDown(n.Name, true)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Move groups and Setup on EXNODE02 confirmed; then the person is gone.
	te := newEnv(script("y", "y").interruptAfter(cancel))
	s, err := session.OpenResume(ctx, te.env, session.ResumeSpec{Journal: stopped}, headless)
	for _, n := range b.sc.Cluster.Nodes {
		srv.SetDown(n.Name, false)
	}
	if err != nil {
		ub.check(t, "the other cluster, after the refused resume")
		return
	}
	defer s.Close()
	res, err := s.Run(ctx)
	if got := simOps(t, b.sim); got != ub.ops {
		t.Fatalf("REGRESSION (fixed in this change): internal/session/resume.go sameCluster returns nil when the cluster cannot be read (ex.Observe fails), leaving the check to the engine, and the engine never compares the cluster it reads with the record: once the nodes answer, the resumed run sent %d commands that change the other cluster (Setup.com started %d times on its EXNODE02). Run: %d, %v\n%s",
			got-ub.ops, b.sim.SetupStarts("EXNODE02"), res, err, te.dump())
	}
	ub.check(t, "the other cluster, after the resumed run")
}

// TestPasswordRefusalDoesNotShowIt: the refusal of a run whose password
// appears in a command says where, and never shows the password itself,
// even when the step's title holds it too (a password that is a node's
// name: the title of its pause step names the node).
func TestPasswordRefusalDoesNotShowIt(t *testing.T) {
	t.Parallel()
	const pass = "EXNODE02"
	sv, _ := serveAs(t, "ccr-2003-sp2", pass)
	u := touchNothing(t, sv)
	jpath := filepath.Join(t.TempDir(), "real.jsonl")
	te := envWithPassword(nil, newAdminBox(), pass)
	s, err := session.OpenReal(context.Background(), te.env, session.RealSpec{Inventory: sv.inv, Journal: jpath}, headless)
	if err == nil {
		s.Close()
		t.Fatal("a run whose password is a node's name was opened")
	}
	ie := asInput(t, "OpenReal with a node's name as the password", err)
	if !strings.Contains(ie.Error(), "password appears in") {
		t.Errorf("the refusal %q does not say where the password is", ie.Error())
	}
	if _, serr := os.Stat(jpath); serr == nil {
		t.Error("the refused run created its journal")
	}
	u.check(t, "after the refused run")
	if strings.Contains(ie.Error(), pass) {
		t.Fatalf("REGRESSION (fixed in this change): the refusal shows the password: journal.SecretIn (internal/journal/redact.go) names the step by its title and a node by its name, and secretRefused (internal/session/real.go) prints that: %q", ie.Error())
	}
}
