package journal

import "fmt"

// say words a sentence the journal's lock tells a person (who holds a
// cluster, why a second run is refused). The format is English, the
// catalogue key of internal/i18n; the command line translates the error
// where it prints it, and the lock file keeps its own fields.
func say(format string, args ...any) string { return fmt.Sprintf(format, args...) }
