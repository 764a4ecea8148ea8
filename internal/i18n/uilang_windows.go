//go:build windows

package i18n

import "golang.org/x/sys/windows"

// userUILanguage is the user's preferred display language (ja-JP,
// pt-BR, ...), which an admin box in Tokyo or São Paulo sets, and which
// no environment variable carries on Windows.
func userUILanguage() string {
	ls, err := windows.GetUserPreferredUILanguages(windows.MUI_LANGUAGE_NAME)
	if err != nil || len(ls) == 0 {
		return ""
	}
	return ls[0]
}
