package config

import (
	"errors"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"

	"cmsrunbook/runbook"
)

// A scenario's outputs[].file replays a captured transcript into the
// journal, the screen and the change record, so a scenario from anywhere
// must not be able to replay a file from anywhere (/proc/self/environ
// holds CMSRUNBOOK_PASSWORD). A transcript is read only from inside the
// scenario's own folder: the path is relative, no .. leads out of the
// folder, no symbolic link on the way leads out of it, and what it names is
// a regular file of at most maxOutputSize bytes.

func (r *reader) outputs(top *fields, c *runbook.Cluster, readRel func(string) ([]byte, error)) []Output {
	var out []Output
	seen := map[string]int{}
	for _, of := range top.entries("outputs", "step", "node", "file", "exit_code", "effect") {
		var o Output
		of.require("step", say("the kind of step whose output this replaces, like setup-upgrade"))
		o.Step = of.stepKind("step")
		if !r.failed() && (o.Step == runbook.KindPreflight || o.Step == runbook.KindVerify) {
			of.fail("step", say("%s reads state and sends no command of its own, so it has no output to replay", o.Step))
		}
		o.Node = of.nodeRef("node", c)
		if of.require("file", say("the captured transcript's path, relative to this scenario file")) {
			o.File = of.str("file")
			if !r.failed() {
				o.Text = of.readText("file", o.File, readRel)
			}
		}
		o.ExitCode = of.integer("exit_code", 0, math.MinInt32, math.MaxUint32)
		o.Effect = EffectSuccess
		if of.has("effect") {
			switch e := of.str("effect"); e {
			case EffectSuccess, EffectFailure:
				o.Effect = e
			default:
				if !r.failed() {
					of.fail("effect", say("%q is not success or failure", e))
				}
			}
		}
		line, _ := position(of.node)
		key := string(o.Step) + "|" + strings.ToUpper(o.Node)
		if first, dup := seen[key]; dup && !r.failed() {
			r.fail(of.node, of.path, say("a second output for the same step and node (the first is on line %s)", strconv.Itoa(first)))
		}
		seen[key] = line
		if r.failed() {
			return nil
		}
		out = append(out, o)
	}
	return out
}

// stayInside ends every refusal of a transcript's path.
func stayInside() string {
	return say("a transcript must stay inside the scenario's folder; give its path relative to the scenario file, like captured/setup.txt")
}

// outputPath checks, as written, that rel names a file inside the
// scenario's folder, and returns it cleaned with forward slashes
// (backslashes, as Windows users write them, are separators), or a
// problem saying why it does not.
func outputPath(rel string) (clean, problem string) {
	if strings.ContainsFunc(rel, unicode.IsControl) {
		return "", say("%q holds a control character; %s", rel, stayInside())
	}
	s := strings.ReplaceAll(rel, `\`, "/")
	driveLetter := len(s) >= 2 && s[1] == ':' && ('a' <= s[0]|0x20 && s[0]|0x20 <= 'z')
	if strings.HasPrefix(s, "/") || driveLetter || filepath.IsAbs(filepath.FromSlash(s)) {
		return "", say("%q is an absolute path; %s", rel, stayInside())
	}
	clean = path.Clean(s)
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", say("%q leads out of the scenario's folder (..); %s", rel, stayInside())
	}
	if !filepath.IsLocal(filepath.FromSlash(clean)) {
		return "", say("%q does not name a file in the scenario's folder (a Windows device name?); %s", rel, stayInside())
	}
	return clean, ""
}

// outsideError: a symbolic link on the transcript's path leads out of the
// scenario's folder.
type outsideError struct {
	rel    string
	target string // where the link leads; "" inside an fs.FS
}

func (e *outsideError) Error() string {
	if e.target == "" {
		return say("%q goes through a symbolic link, which an embedded scenario's folder does not hold; %s", e.rel, stayInside())
	}
	return say("%q leads out of the scenario's folder through a symbolic link (to %s); %s", e.rel, e.target, stayInside())
}

// readText loads a captured transcript through readRel.
func (f *fields) readText(key, rel string, readRel func(string) ([]byte, error)) string {
	if strings.TrimSpace(rel) == "" {
		f.fail(key, say("is blank; give the transcript's path relative to this scenario file"))
		return ""
	}
	clean, problem := outputPath(rel)
	if problem != "" {
		f.fail(key, problem)
		return ""
	}
	if readRel == nil {
		f.fail(key, say("cannot read %q: output files are not available when a scenario is parsed from memory", rel))
		return ""
	}
	data, err := readRel(clean)
	var outside *outsideError
	switch {
	case errors.As(err, &outside):
		f.r.failErr(f.where(key), f.child(key), err, outside.Error())
		return ""
	case err != nil:
		f.r.failErr(f.where(key), f.child(key), err, say("cannot read %q: %s", rel, plainFSError(err)))
		return ""
	}
	if msg := transcriptProblem(rel, data); msg != "" {
		f.fail(key, msg)
		return ""
	}
	return string(data)
}

// diskOutputs reads transcripts from dir, the scenario file's folder on
// disk. Symbolic links are resolved first and the file refused when they
// lead out of dir; the read then goes through an os.Root at the resolved
// folder, so a link swapped in after the check cannot lead out either.
func diskOutputs(dir string) func(rel string) ([]byte, error) {
	return func(rel string) ([]byte, error) {
		realDir, err := filepath.EvalSymlinks(dir)
		if err != nil {
			return nil, err
		}
		real, err := filepath.EvalSymlinks(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return nil, err
		}
		inside, err := filepath.Rel(realDir, real)
		if err != nil || !filepath.IsLocal(inside) {
			return nil, &outsideError{rel: rel, target: real}
		}
		root, err := os.OpenRoot(realDir)
		if err != nil {
			return nil, err
		}
		defer root.Close()
		return readRegular(root, inside, maxOutputSize, outputSizeHint())
	}
}

// fsOutputs reads transcripts from dir inside fsys (the embedded
// scenarios). An fs.FS that has symbolic links (os.DirFS) may follow them
// anywhere, so a transcript reached through one is refused.
func fsOutputs(fsys fs.FS, dir string) func(rel string) ([]byte, error) {
	return func(rel string) ([]byte, error) {
		p := path.Join(dir, rel)
		if !fs.ValidPath(p) {
			return nil, &outsideError{rel: rel}
		}
		if _, ok := fsys.(fs.ReadLinkFS); ok {
			cur := dir
			for part := range strings.SplitSeq(rel, "/") {
				cur = path.Join(cur, part)
				st, err := fs.Lstat(fsys, cur)
				if err != nil {
					return nil, err
				}
				if st.Mode()&fs.ModeSymlink != 0 {
					return nil, &outsideError{rel: rel}
				}
			}
		}
		return readFSRegular(fsys, p, maxOutputSize, outputSizeHint())
	}
}
