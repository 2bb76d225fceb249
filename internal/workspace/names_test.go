package workspace

import (
	"strings"
	"testing"
)

// TestExportFileName compares exportFileName with auth0-deploy-cli's
// sanitize(): the expected names were printed by Node.js 20 running
// sanitize-filename 1.6.4 with {replacement: "-"}, as src/utils.ts calls it.
func TestExportFileName(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"Roles: add to token", "Roles- add to token"},
		{"a/b\\c?d<e>f|g*h\"i", "a-b-c-d-e-f-g-h-i"},
		{"tab\u0009here", "tab-here"},
		{"nl\u000ax", "nl-x"},
		{"c1\u0085x", "c1-x"},
		{"del\u007fx", "del\u007fx"},
		{"..", "-"},
		{".", "-"},
		{"...", "-"},
		{"con", "-"},
		{"CON", "-"},
		{"Con.json", "-"},
		{"com1", "-"},
		{"COM9.txt", "-"},
		{"lpt0", "-"},
		{"aux.", "-"},
		{"nul ", "nul-"},
		{"con.a\u2028b", "con.a\u2028b"},
		{"trailing.", "trailing-"},
		{"trailing. . ", "trailing-"},
		{"  ", "-"},
		{"é ü 日本", "é ü 日本"},
		{"ok-name_1.2", "ok-name_1.2"},
		{"", "undefined"},
		{"a:", "a-"},
		{"x.", "x-"},
		{"con:", "con-"},
		{"..a", "..a"},
		{"a..", "a-"},
		{"comx", "comx"},
		{"com10", "com10"},
		{"prn.x.y", "-"},
		// Cut to 255 bytes of UTF-8 between characters.
		{strings.Repeat("😀", 70), strings.Repeat("😀", 63)},
		{"a" + strings.Repeat("é", 130), "a" + strings.Repeat("é", 127)},
	} {
		if got := exportFileName(tc.name); got != tc.want {
			t.Errorf("exportFileName(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestA0ActionNameProblem(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"Roles: add to token", true},
		{"Überprüfung (v2) / #1 — 日本", true},
		{strings.Repeat("é", 100), true},
		{strings.Repeat("é", 101), false},
		{"", false},
		{"  ", false},
		{"tab\there", false},
		{"c1\u0085", false},
	} {
		if got := a0ActionNameProblem(tc.name); (got == "") != tc.ok {
			t.Errorf("a0ActionNameProblem(%q) = %q, want ok=%v", tc.name, got, tc.ok)
		}
	}
}
