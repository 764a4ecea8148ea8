package remote

// SetPassword replaces the password every node is asked with: the engineer
// re-entered it after the nodes refused the old one. It is kept only in
// memory, like the first one, and never logged, printed or journaled.
// Commands already under way keep the password they started with.
func (e *Executor) SetPassword(p string) {
	for _, c := range e.conns {
		c.setPassword(p)
	}
}
