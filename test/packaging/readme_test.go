package packaging

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The README follows the official pipe layout, with this project's two
// set-up commands right after the description.
func TestReadmeLayout(t *testing.T) {
	readme := string(readFile(t, "README.md"))
	if !strings.HasPrefix(readme, "# Bitbucket Pipelines Pipe: Auth0 Deploy\n\n") {
		t.Error("README must start with `# Bitbucket Pipelines Pipe: Auth0 Deploy` and a description")
	}
	var headings []string
	inFence := false
	for _, l := range strings.Split(readme, "\n") {
		if strings.HasPrefix(l, "```") {
			inFence = !inFence
		}
		if !inFence && strings.HasPrefix(l, "## ") {
			headings = append(headings, strings.TrimPrefix(l, "## "))
		}
	}
	want := []string{"Try it locally", "YAML Definition", "Variables", "Details", "Prerequisites", "Examples",
		"Migrating from the Bitbucket Deployments extension", "Migrating rules to actions",
		"Coming from auth0-deploy-cli", "Performance", "Reliability", "Local Auth0 stand-in", "Support"}
	// Official order for the template's sections; the others may be anywhere
	// between Examples and Support.
	pos := map[string]int{}
	for i, h := range headings {
		pos[h] = i + 1
	}
	for _, h := range want {
		if pos[h] == 0 {
			t.Errorf("README has no `## %s` section", h)
		}
	}
	order := []string{"Try it locally", "YAML Definition", "Variables", "Details", "Prerequisites", "Examples", "Support"}
	for i := 1; i < len(order); i++ {
		if pos[order[i-1]] >= pos[order[i]] {
			t.Errorf("README: %q must come before %q", order[i-1], order[i])
		}
	}
	if pos["Try it locally"] != 1 {
		t.Error("README: `## Try it locally` must be the first section, right after the description")
	}
	local := markdownSection(t, readme, "## Try it locally")
	for _, cmd := range []string{"make demo", "make test"} {
		if !strings.Contains(local, cmd) {
			t.Errorf("README Try it locally: no %q", cmd)
		}
	}
	for _, h := range []string{"### What a run does", "### Repository layout", "### Reports", "### Exit codes"} {
		markdownSection(t, readme, h)
	}
	for _, doc := range []string{"docs/auth0sim.md", "docs/repository-layout.md", "docs/network.md", "docs/reporting.md"} {
		if !strings.Contains(readme, "("+doc+")") {
			t.Errorf("README does not link %s", doc)
		}
	}
}

func TestReadmeExitCodes(t *testing.T) {
	sec := markdownSection(t, string(readFile(t, "README.md")), "### Exit codes")
	for code, words := range map[string]string{"0": "Success", "1": "failed", "2": "Invalid", "3": "DETAILED_EXITCODE"} {
		row := regexp.MustCompile(`(?m)^\| ` + code + ` \| (.*) \|$`).FindStringSubmatch(sec)
		if row == nil || !strings.Contains(row[1], words) {
			t.Errorf("README Exit codes: the row for %s should mention %q", code, words)
		}
	}
}

// The scopes the README asks for are exactly those the pipe needs.
func TestReadmeScopes(t *testing.T) {
	sec := markdownSection(t, string(readFile(t, "README.md")), "## Prerequisites")
	blocks := fencedBlocks(strings.ReplaceAll(sec, "\n   ", "\n"), "text")
	if len(blocks) == 0 {
		t.Fatal("README Prerequisites: no ```text block with the scopes")
	}
	got := strings.Join(strings.Fields(blocks[0]), " ")
	want := "read:rules create:rules update:rules delete:rules " +
		"read:rules_configs update:rules_configs delete:rules_configs " +
		"read:connections update:connections " +
		"read:clients update:clients " +
		"read:tenant_settings update:tenant_settings " +
		"read:actions create:actions update:actions delete:actions"
	if got != want {
		t.Errorf("README scopes:\n%s\nwant:\n%s", got, want)
	}
	var reads []string
	for _, s := range strings.Fields(want) {
		if strings.HasPrefix(s, "read:") {
			reads = append(reads, s)
		}
	}
	if !strings.Contains(sec, "`"+strings.Join(reads, " ")+"`") {
		t.Errorf("README Prerequisites: the read-only application's scopes should be `%s`", strings.Join(reads, " "))
	}
}

// Every setting and behaviour of the retired extension (its documentation
// is ../shared/seed/bitbucket-deployments.txt) has a row in the migration
// table.
func TestReadmeMigrationCoversTheExtension(t *testing.T) {
	sec := markdownSection(t, string(readFile(t, "README.md")), "## Migrating from the Bitbucket Deployments extension")
	var rows []string
	for _, l := range strings.Split(sec, "\n") {
		if strings.HasPrefix(l, "| ") && !strings.HasPrefix(l, "| The extension |") {
			cells := strings.Split(strings.Trim(l, "|"), " | ")
			if len(cells) != 2 || strings.TrimSpace(cells[1]) == "" {
				t.Errorf("migration row without an equivalent: %s", l)
			}
			rows = append(rows, cells[0])
		}
	}
	extension := []string{
		// Settings.
		"`BITBUCKET_REPOSITORY`", "`BITBUCKET_BRANCH`", "`BITBUCKET_USER`", "`BITBUCKET_PASSWORD`", "`SLACK_INCOMING_WEBHOOK`",
		// Set-up.
		"Installing the extension", "Payload URL",
		// Behaviours.
		"each push", "Deploy button", "Full deployment", "Database connection scripts", "Hosted pages",
		"Rules:", "Rule metadata", "Manual rules", "Rule order", "Track deployments",
		// Later versions and known faults.
		"`AUTH0_KEYWORD_REPLACE_MAPPINGS`", "`BASE_DIR`", "`AUTH0_ALLOW_DELETE`", "`AUTO_REDEPLOY`", "`REPORT_WEBHOOK`",
		"Two quick pushes", "Every item rewritten",
	}
	for _, e := range extension {
		found := false
		for _, r := range rows {
			if strings.Contains(r, e) {
				found = true
			}
		}
		if !found {
			t.Errorf("README migration table has no row for the extension's %s", e)
		}
	}
	actions := markdownSection(t, string(readFile(t, "README.md")), "## Migrating rules to actions")
	for _, s := range []string{"actions/<name>.js", "actions/<name>.json", "onExecutePostLogin", "api.access.deny", "event.secrets", "\"enabled\": false"} {
		if !strings.Contains(actions, s) {
			t.Errorf("README Migrating rules to actions: no %q", s)
		}
	}
}

// Every relative link of the README points at a file of the repository.
func TestReadmeLinksResolve(t *testing.T) {
	readme := string(readFile(t, "README.md"))
	links := regexp.MustCompile(`\]\(([^)#:]+)\)`).FindAllStringSubmatch(readme, -1)
	if len(links) == 0 {
		t.Fatal("README has no relative links")
	}
	for _, l := range links {
		if _, err := os.Stat(filepath.Join(root(t), filepath.FromSlash(l[1]))); err != nil {
			t.Errorf("README links %s: %v", l[1], err)
		}
	}
}
