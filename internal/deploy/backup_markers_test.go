package deploy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/plan"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/workspace/keywords"
)

func TestMarkersTurnValuesBackIntoTheirMarkers(t *testing.T) {
	mappings := map[string]any{
		"API_KEY":  "s3cret-key",
		"QUOTED":   `say "hi"`,
		"NUMBERS":  []any{1.0, 2.0, 3.0},
		"SHORT":    "abc", // under 4 characters: not a secret, left alone
		"FLAG":     true,  // JSON "true": too short to be taken for a secret
		"LONGER":   "s3cret-key-and-more",
		"TENANT":   "Example Corp",
		"HTML":     "<b>bold & co</b>",
		"NOT_USED": "nowhere-in-the-text",
		"DOMAINS":  []any{"alpha.example", "beta.example"},
	}
	r := markers(mappings)
	for _, tc := range []struct{ in, want string }{
		{`const k = "s3cret-key";`, `const k = @@API_KEY@@;`},
		{`const k = 's3cret-key';`, `const k = '##API_KEY##';`},
		{`<p>Example Corp</p>`, `<p>##TENANT##</p>`},
		{`{"value": "s3cret-key-and-more"}`, `{"value": @@LONGER@@}`},
		{`x = s3cret-key-and-more`, `x = ##LONGER##`},
		{`const q = "say \"hi\"";`, `const q = @@QUOTED@@;`},
		{`const q = "<say \"hi\">";`, `const q = "<##QUOTED##>";`},
		{`const n = [1,2,3];`, `const n = @@NUMBERS@@;`},
		{`abc true`, `abc true`},
		{`const h = "<b>bold & co</b>";`, `const h = @@HTML@@;`},
		{`const d = 'alpha.example,beta.example'.split(",");`, `const d = '##DOMAINS##'.split(",");`},
		{`const d = ["alpha.example","beta.example"];`, `const d = @@DOMAINS@@;`},
	} {
		require.Equal(t, tc.want, r.Replace(tc.in), tc.in)
	}
	require.Nil(t, markers(nil))
	require.Nil(t, markers(map[string]any{"SHORT": "abc"}))
}

// Restoring a backup with the same mappings gives the tenant's text back.
func TestMarkedBackupDeploysTheSameText(t *testing.T) {
	mappings := map[string]any{"API_KEY": "s3cret-key", "TENANT": "Example Corp", "N": 123456.0, "DOMAINS": []any{"alpha.example", "beta.example"}}
	m, err := keywords.New(mappings)
	require.NoError(t, err)
	for _, text := range []string{
		`function (user, context, callback) { const k = "s3cret-key"; const n = 123456; callback(null, user, context); }`,
		"<html><body>Example Corp — s3cret-key</body></html>",
		`const d = 'alpha.example,beta.example'.split(","); const n = '123456';`,
	} {
		marked := markers(mappings).Replace(text)
		require.NotContains(t, marked, "s3cret-key")
		require.Equal(t, text, m.Replace(marked).Text, marked)
	}
}

func TestBackupHoldsNoKeywordValue(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "backup")
	d := &model.Desired{RulesManaged: true, Pages: []model.Page{{Name: model.PagePasswordReset}}}
	c := &model.Current{RulesAvailable: true,
		Rules:       []model.CurrentRule{{ID: "1", Name: "a", Script: `function (u, c, cb) { const k = "s3cret-key"; cb(null, u, c); }`, Order: 1, Enabled: true, Stage: "login_success"}},
		TenantPages: model.TenantPages{ChangePassword: model.PageSetting{HTML: "<p>s3cret-key</p>", Enabled: true}},
	}
	files, err := Backup(dir, d, c, &plan.Plan{}, nil, nil, map[string]any{"API_KEY": "s3cret-key"})
	require.NoError(t, err)
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(dir, f))
		require.NoError(t, err)
		require.NotContains(t, string(data), "s3cret-key", f)
	}
	js, _ := os.ReadFile(filepath.Join(dir, "rules", "a.js"))
	require.True(t, strings.Contains(string(js), "const k = @@API_KEY@@;"), string(js))
	note, _ := os.ReadFile(filepath.Join(dir, NoteFile))
	require.True(t, strings.HasPrefix(string(note), BackupReadme), "the note is not rewritten with markers")
}

// The backup never holds a rules-configs/ folder: copied over the
// repository, one without <key>.json files would delete every key. The
// keys are listed in the note instead, with the folders to replace.
func TestBackupListsRulesConfigKeysInTheNote(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "backup")
	d := &model.Desired{RulesManaged: true, RulesConfigsManaged: true}
	c := &model.Current{RulesAvailable: true, RuleConfigKeys: []string{"B_KEY", "A_KEY"},
		Rules: []model.CurrentRule{{ID: "1", Name: "a", Script: "function (u, c, cb) { cb(null, u, c); }", Order: 1, Enabled: true, Stage: "login_success"}}}
	files, err := Backup(dir, d, c, &plan.Plan{}, nil, nil, nil)
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"rules/a.js", "rules/a.json", NoteFile}, files)
	note, err := os.ReadFile(filepath.Join(dir, NoteFile))
	require.NoError(t, err)
	require.True(t, strings.HasSuffix(string(note), "\nFolders in this backup: `rules/`.\n\nRules-configs keys the tenant had (values are never returned): A_KEY, B_KEY.\n"), string(note))
}
