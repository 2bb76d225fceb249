package plan

import (
	"testing"

	"github.com/stretchr/testify/require"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/model"
)

// With ALLOW_DELETE=false a script the tenant has and the folder does not
// is kept: sent back unchanged in options.customScripts and reported as a
// skipped deletion, as rules, actions and rules configs are; the other
// script changes still go out.
func TestGoldenDatabasesAllowDeleteFalse(t *testing.T) {
	s := func(path, code string) model.Script {
		return model.Script{Code: code, Source: model.Source{Path: path}}
	}
	d := &model.Desired{DatabasesManaged: true, Databases: []model.Database{
		{Name: "changed-db", Source: model.Source{Path: "database-connections/changed-db"}, Scripts: map[string]model.Script{
			"login":    s("database-connections/changed-db/login.js", "function login(){ /* v2 */ }"),
			"get_user": s("database-connections/changed-db/get_user.js", "function getUser(){}"),
		}},
		{Name: "only-kept-db", Source: model.Source{Path: "database-connections/only-kept-db"}, Scripts: map[string]model.Script{
			"login": s("database-connections/only-kept-db/login.js", "function login(){}"),
		}},
	}}
	c := &model.Current{Connections: []model.Connection{
		dbConn("changed-db", "auth0", false, map[string]any{"login": "function login(){}", "delete": "function remove(){}"}),
		dbConn("only-kept-db", "auth0", false, map[string]any{"login": "function login(){}", "verify": "function verify(){}", "delete": "function remove(){}"}),
	}}
	p := Build(d, c, Options{AllowDelete: false})
	golden(t, p)
	require.Empty(t, p.Problems)
	require.Len(t, p.Writes, 1, "a connection whose only difference is a kept script costs no write")
	require.Equal(t, "con_changed-db", p.Writes[0].ConnectionID)
	require.Equal(t, map[string]any{"login": "function login(){ /* v2 */ }", "get_user": "function getUser(){}", "delete": "function remove(){}"},
		p.Writes[0].Options["customScripts"], "the kept script is sent back unchanged")
	var skipped []string
	for _, it := range p.Items {
		if it.Op == OpSkip {
			require.Equal(t, model.KindDatabase, it.Kind)
			require.Equal(t, "not in the repository; kept because ALLOW_DELETE=false", it.Reason)
			require.Empty(t, it.Writes)
			skipped = append(skipped, it.Name)
		}
	}
	require.Equal(t, []string{"changed-db/delete.js", "only-kept-db/delete.js", "only-kept-db/verify.js"}, skipped)
	require.Equal(t, 1, p.Pending(), "one pending change: changed-db")

	// ALLOW_DELETE=true removes them.
	p = Build(d, c, Options{AllowDelete: true})
	require.Len(t, p.Writes, 2)
	for _, w := range p.Writes {
		require.NotContains(t, w.Options["customScripts"], "delete")
	}
}
