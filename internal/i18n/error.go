package i18n

// Wrap returns an error that reads msg, a sentence worded from a
// catalogue key (its cause's own text usually one of its arguments), and
// still wraps cause, so errors.Is and errors.As see through it as through
// fmt.Errorf's %w while the printed text stays one sentence that
// Printer.Text can translate whole.
func Wrap(msg string, cause error) error { return &worded{msg: msg, cause: cause} }

type worded struct {
	msg   string
	cause error
}

func (w *worded) Error() string { return w.msg }
func (w *worded) Unwrap() error { return w.cause }
