package cli

import (
	"context"

	"cmsrunbook/internal/session"
)

// cmdWatch is `cmsrunbook watch --journal FILE`: the runbook screen of a
// window another process runs, read-only, following its journal live. It
// takes no lock and writes nothing; its keys only look (navigation,
// search, the palette, help) and quit.
func cmdWatch(ctx context.Context, args []string, env Env) (int, error) {
	fs := newFlags("watch", env)
	jpath := fs.String("journal", "", "the journal `FILE` of the window to watch")
	ascii := fs.Bool("ascii", false, "draw the screen with ASCII only")
	head := fs.Bool("headless", false, "print one line per event instead of the screen, until the run finishes")
	if err := parseFlags(fs, args); err != nil {
		return ExitUsage, err
	}
	if *jpath == "" {
		return ExitUsage, usage(say("watch: --journal FILE is required"))
	}
	lang, err := langOf(fs, env)
	if err != nil {
		return ExitUsage, err
	}
	w, err := session.OpenWatch(env.session(), *jpath, session.View{ASCII: *ascii, Headless: *head, Lang: lang})
	if err != nil {
		return ExitUsage, err
	}
	defer w.Close()
	res, err := w.Run(ctx)
	return int(res), err
}
