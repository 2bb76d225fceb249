package workspace

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

var (
	// ruleName is the Management API's pattern for a rule name (POST
	// /api/v2/rules): letters and digits, with spaces and dashes inside.
	// At least one character, no underscore, no dot.
	ruleName = regexp.MustCompile(`^[a-zA-Z0-9]([ \-a-zA-Z0-9]*[a-zA-Z0-9])?$`)

	// rulesConfigKey is the pattern of a rules-configs key.
	rulesConfigKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

	// actionName is this pipe's rule for an action name in the extension's
	// layout, where the file name is the action's name (the Management API
	// states no pattern): it must start and end with a letter or digit and
	// may contain letters, digits, spaces, "-", "_" and "." — safe as a file
	// name on every system and in a report. auth0-deploy-cli's layout takes
	// the name from the JSON instead (a0ActionNameProblem).
	actionName = regexp.MustCompile(`^[a-zA-Z0-9]([ ._\-a-zA-Z0-9]*[a-zA-Z0-9])?$`)

	// npmName is an npm package name, optionally scoped (lower case, as
	// npm requires for new packages).
	npmName = regexp.MustCompile(`^(@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9][a-z0-9._~-]*$`)

	// secretName is an action secret's name, read as event.secrets.NAME
	// (or event.secrets["NAME"]) and looked up in the environment.
	secretName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)
)

// maxNameLen bounds rule, action and connection names in this pipe.
const maxNameLen = 128

// maxA0ActionNameLen bounds an action's "name" in auth0-deploy-cli's
// layout, in characters.
const maxA0ActionNameLen = 100

// a0ActionNameProblem checks an action's "name" in auth0-deploy-cli's
// layout, where any name Auth0 takes can appear (an export writes them all,
// "Roles: add to token" included): not empty, no control characters, at
// most maxA0ActionNameLen characters. It returns what is wrong, or "".
func a0ActionNameProblem(name string) string {
	switch {
	case strings.TrimSpace(name) == "":
		return "an action name cannot be empty"
	case displayPath(name) != name:
		return "an action name cannot hold control characters"
	case utf8.RuneCountInString(name) > maxA0ActionNameLen:
		return "an action name is at most 100 characters"
	}
	return ""
}

// exportFileName is the file (or folder) name auth0-deploy-cli's export
// gives an item named name: its sanitize() (src/utils.ts), the npm package
// sanitize-filename 1.6 with the replacement "-", applied as the package
// applies it (once with "-", then once more with ""):
//
//   - / ? < > \ : * | " and control characters (U+0000–U+001F,
//     U+0080–U+009F) each become "-";
//   - a name of dots only, and Windows' reserved names (CON, PRN, AUX, NUL,
//     COM0–COM9, LPT0–LPT9, any letter case, with or without an extension),
//     become "-";
//   - trailing dots and spaces become one "-";
//   - the result is cut to 255 bytes of UTF-8, between characters.
//
// So action "Roles: add to token" is exported as actions/Roles- add to
// token.json. An empty name is "undefined", as in auth0-deploy-cli.
func exportFileName(name string) string {
	if name == "" {
		return "undefined"
	}
	return sanitizeFilename(sanitizeFilename(name, "-"), "")
}

// sanitizeFilename is sanitize-filename's sanitize(input, replacement).
func sanitizeFilename(s, repl string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case strings.ContainsRune(`/?<>\:*|"`, c), c <= 0x1f, c >= 0x80 && c <= 0x9f:
			b.WriteString(repl)
		default:
			b.WriteRune(c)
		}
	}
	s = b.String()
	if s != "" && strings.Trim(s, ".") == "" {
		s = repl
	}
	if windowsReserved(s) {
		s = repl
	}
	if t := strings.TrimRight(s, ". "); t != s {
		s = t + repl
	}
	return truncateUTF8(s, 255)
}

// windowsReserved matches /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i
// (in JavaScript "." matches no line terminator).
func windowsReserved(s string) bool {
	n := 0
	switch {
	case len(s) >= 3 && (strings.EqualFold(s[:3], "con") || strings.EqualFold(s[:3], "prn") || strings.EqualFold(s[:3], "aux") || strings.EqualFold(s[:3], "nul")):
		n = 3
	case len(s) >= 4 && (strings.EqualFold(s[:3], "com") || strings.EqualFold(s[:3], "lpt")) && s[3] >= '0' && s[3] <= '9':
		n = 4
	default:
		return false
	}
	rest := s[n:]
	return rest == "" || rest[0] == '.' && !strings.ContainsAny(rest, "\n\r\u2028\u2029")
}

// truncateUTF8 cuts s to at most n bytes without splitting a character
// (the npm package truncate-utf8-bytes).
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	end := 0
	for end < len(s) {
		_, size := utf8.DecodeRuneInString(s[end:])
		if end+size > n {
			break
		}
		end += size
	}
	return s[:end]
}
