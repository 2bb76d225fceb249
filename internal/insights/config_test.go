package insights

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func TestResolveConfig(t *testing.T) {
	pipe := map[string]string{
		"BITBUCKET_BUILD_NUMBER":     "42",
		"BITBUCKET_PIPELINE_UUID":    "{1234}",
		"BITBUCKET_REPO_FULL_NAME":   "acme/auth0-tenant",
		"BITBUCKET_COMMIT":           "3f6c2a9d8e7b6a5c4d3e2f1a0b9c8d7e6f5a4b3c",
		"BITBUCKET_PIPE_STORAGE_DIR": "/opt/atlassian/pipelines/agent/build/.bitbucket/pipelines/generated/pipeline/pipes/acme/auth0-deploy",
		"DOCKER_HOST":                "tcp://host.docker.internal:2375",
	}
	with := func(base map[string]string, kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "-" {
				delete(m, kv[i])
			} else {
				m[kv[i]] = kv[i+1]
			}
		}
		return m
	}
	cases := []struct {
		name string
		env  map[string]string
		want string // Config.String()
	}{
		{"pipe: proxy from DOCKER_HOST", pipe,
			"insights.Config{API: http://api.bitbucket.org/2.0, Repository: acme/auth0-tenant, Commit: 3f6c2a9d8e7b6a5c4d3e2f1a0b9c8d7e6f5a4b3c, Auth: the Pipelines auth proxy http://host.docker.internal:29418 (no credentials sent)}"},
		{"pipe: DOCKER_HOST names another host", with(pipe, "DOCKER_HOST", "tcp://10.0.0.7:2375"),
			"Auth: the Pipelines auth proxy http://10.0.0.7:29418"},
		{"pipe without DOCKER_HOST", with(pipe, "DOCKER_HOST", "-"),
			"Auth: the Pipelines auth proxy http://host.docker.internal:29418"},
		{"binary run in a step", with(pipe, "DOCKER_HOST", "-", "BITBUCKET_PIPE_STORAGE_DIR", "-"),
			"Auth: the Pipelines auth proxy http://localhost:29418"},
		{"BITBUCKET_PROXY wins, credentials dropped, API URL ignored", with(pipe, "BITBUCKET_PROXY", "http://127.0.0.1:5555", "BITBUCKET_ACCESS_TOKEN", "tok", "BITBUCKET_API_URL", "http://127.0.0.1:5555/2.0"),
			"API: http://api.bitbucket.org/2.0, Repository: acme/auth0-tenant, Commit: 3f6c2a9d8e7b6a5c4d3e2f1a0b9c8d7e6f5a4b3c, Auth: the Pipelines auth proxy http://127.0.0.1:5555 (no credentials sent)}"},
		{"pipe with an access token", with(pipe, "BITBUCKET_ACCESS_TOKEN", "tok"),
			"API: https://api.bitbucket.org/2.0, Repository: acme/auth0-tenant, Commit: 3f6c2a9d8e7b6a5c4d3e2f1a0b9c8d7e6f5a4b3c, Auth: the access token in BITBUCKET_ACCESS_TOKEN (Bearer)}"},
		{"outside: access token before user", map[string]string{"BITBUCKET_ACCESS_TOKEN": "tok", "BITBUCKET_USER": "a@b.c", "BITBUCKET_PASSWORD": "p"},
			"Auth: the access token in BITBUCKET_ACCESS_TOKEN (Bearer)"},
		{"outside: user + API token", map[string]string{"BITBUCKET_USER": "a@b.c", "BITBUCKET_PASSWORD": "p", "BITBUCKET_REPOSITORY": "https://bitbucket.org/acme/site.git", "BITBUCKET_API_URL": "http://127.0.0.1:9/2.0/"},
			"insights.Config{API: http://127.0.0.1:9/2.0, Repository: acme/site, Commit: , Auth: BITBUCKET_USER + BITBUCKET_PASSWORD (Basic: Atlassian account e-mail + API token)}"},
		{"outside with a developer's DOCKER_HOST: no proxy guessed", map[string]string{"DOCKER_HOST": "tcp://localhost:2375", "BITBUCKET_ACCESS_TOKEN": "tok"},
			"Auth: the access token in BITBUCKET_ACCESS_TOKEN (Bearer)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, inPipelines := tc.env["BITBUCKET_PIPELINE_UUID"]
			cfg, err := ResolveConfig(env(tc.env), inPipelines)
			require.NoError(t, err)
			assert.Contains(t, cfg.String(), tc.want)
		})
	}
}

func TestResolveConfigErrors(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"no credentials outside Pipelines", map[string]string{"DOCKER_HOST": "tcp://localhost:2375"}, ErrNoCredentials.Error()},
		// A build number alone (a developer's shell, another CI) is not
		// Pipelines for the configuration: no proxy is guessed from it.
		{"build number alone is not Pipelines", map[string]string{"BITBUCKET_BUILD_NUMBER": "42", "BITBUCKET_COMMIT": "3f6c2a9d8e7b6a5c4d3e2f1a0b9c8d7e6f5a4b3c"}, ErrNoCredentials.Error()},
		{"user without API token", map[string]string{"BITBUCKET_USER": "a@b.c"}, "BITBUCKET_USER is set but BITBUCKET_PASSWORD (an API token) is not"},
		{"API token without user", map[string]string{"BITBUCKET_PASSWORD": "SECRET-pw"}, "BITBUCKET_PASSWORD is set but BITBUCKET_USER (your Atlassian account e-mail) is not"},
		{"bad repository", map[string]string{"BITBUCKET_ACCESS_TOKEN": "SECRET-tok", "BITBUCKET_REPOSITORY": "just-a-name"}, `repository "just-a-name" is not workspace/repo`},
		{"token to a plain-http host", map[string]string{"BITBUCKET_ACCESS_TOKEN": "SECRET-tok", "BITBUCKET_API_URL": "http://bitbucket.example/2.0"}, "credentials would travel unencrypted"},
		{"credentials in the API URL", map[string]string{"BITBUCKET_ACCESS_TOKEN": "SECRET-tok", "BITBUCKET_API_URL": "https://u:SECRET@api.example/2.0"}, "BITBUCKET_API_URL must not carry credentials"},
		{"proxy not http", map[string]string{"BITBUCKET_PROXY": "socks5://x:1"}, "BITBUCKET_PROXY must be an http://host:port URL"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ResolveConfig(env(tc.env), false)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "SECRET")
		})
	}
}

func TestConfigPrintsNoSecret(t *testing.T) {
	cfg := Config{AccessToken: "SECRET-tok", User: "a@b.c", Password: "SECRET-pw", Proxy: "http://u:SECRET-proxy@p:1"}
	for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), cfg.Auth()} {
		assert.NotContains(t, s, "SECRET")
	}
}

func TestNormalizeRepository(t *testing.T) {
	for in, want := range map[string]string{
		"acme/site":                                   "acme/site",
		"https://bitbucket.org/acme/site":             "acme/site",
		"https://bitbucket.org/acme/site.git":         "acme/site",
		"https://bitbucket.org/acme/site/src/main/":   "acme/site",
		"{d2f1e0c3-aaaa-bbbb-cccc-000000000000}/site": "{d2f1e0c3-aaaa-bbbb-cccc-000000000000}/site",
	} {
		got, err := NormalizeRepository(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "site", "acme/si te", "https://bitbucket.org/"} {
		_, err := NormalizeRepository(in)
		assert.Error(t, err, in)
	}
}
