package harness

import (
	"testing"

	"bitbucket.org/auth0-deploy/auth0-deploy/test/auth0sim"
)

// Credentials the stand-ins accept in tests and the demo.
const (
	ClientID     = "e2e-client-id"
	ClientSecret = "e2e-client-secret-0123456789"
)

// DatabaseConnection returns a copy of the stand-in's default database
// connection under another name and id (strategy auth0, import mode off).
func DatabaseConnection(name, id string) auth0sim.Object {
	st := auth0sim.DefaultState()
	for _, c := range st.Connections {
		if c["name"] == auth0sim.DefaultDatabaseName {
			conn := auth0sim.Object{}
			for k, v := range c {
				conn[k] = v
			}
			conn["id"] = id
			conn["name"] = name
			conn["display_name"] = name
			conn["realms"] = []any{name}
			return conn
		}
	}
	panic("auth0sim.DefaultState has no default database")
}

// ExampleState is the tenant the bundled example (examples/repository)
// expects before its first deploy: the stand-in's seed plus the custom
// database connection it names and the Authorization extension's rule,
// which the example marks manual.
func ExampleState() auth0sim.State {
	st := auth0sim.DefaultState()
	st.Connections = append(st.Connections, DatabaseConnection("legacy-users", "con_LegacyUsers0001"))
	st.Rules = append(st.Rules, auth0sim.Rule{ID: "rul_AuthzExtension01", Name: "auth0-authorization-extension",
		Script: "function (user, context, callback) {\n  // installed by the Authorization extension\n  callback(null, user, context);\n}\n",
		Order:  5, Enabled: true, Stage: "login_success"})
	return st
}

// ExampleEnv is the pipe configuration the bundled example expects.
func ExampleEnv(domain string) map[string]string {
	return map[string]string{
		"AUTH0_DOMAIN":                   domain,
		"AUTH0_CLIENT_ID":                ClientID,
		"AUTH0_CLIENT_SECRET":            ClientSecret,
		"MANUAL_RULES":                   "auth0-authorization-extension",
		"AUTH0_KEYWORD_REPLACE_MAPPINGS": `{"COUNTRY_CLAIM": "https://example.com/country", "TENANT_NAME": "Example Corp", "SIGNUP_WEBHOOK_URL": "https://hooks.example.com/signup"}`,
	}
}

// StartSim starts an Auth0 stand-in with the harness credentials and st
// (nil: the stand-in's seed) and returns it with its base URL.
func StartSim(t testing.TB, st *auth0sim.State, opts auth0sim.Options) (*auth0sim.Sim, string) {
	t.Helper()
	opts.ClientID, opts.ClientSecret = ClientID, ClientSecret
	opts.State = st
	sim := auth0sim.New(opts)
	return sim, sim.Start(t)
}
