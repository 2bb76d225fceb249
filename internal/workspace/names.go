package workspace

import "regexp"

var (
	// ruleName is the Management API's pattern for a rule name (POST
	// /api/v2/rules): letters and digits, with spaces and dashes inside.
	// At least one character, no underscore, no dot.
	ruleName = regexp.MustCompile(`^[a-zA-Z0-9]([ \-a-zA-Z0-9]*[a-zA-Z0-9])?$`)

	// rulesConfigKey is the pattern of a rules-configs key.
	rulesConfigKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

	// actionName is this pipe's rule for an action name (the Management API
	// states no pattern): it must start and end with a letter or digit and
	// may contain letters, digits, spaces, "-", "_" and "." — safe as a file
	// name on every system and in a report.
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
