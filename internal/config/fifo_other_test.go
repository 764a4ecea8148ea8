//go:build !unix

package config_test

import "errors"

// mkfifo: named pipes are not files on a path here (Windows).
func mkfifo(string) error { return errors.ErrUnsupported }
