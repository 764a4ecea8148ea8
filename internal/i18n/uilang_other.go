//go:build !windows

package i18n

// userUILanguage is Windows' notion of the user's display language;
// elsewhere the locale variables are the whole answer.
func userUILanguage() string { return "" }
