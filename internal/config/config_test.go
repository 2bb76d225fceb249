package config

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func envOf(m map[string]string) Env {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// load runs the checks on raw values as envconfig would fill them.
func load(t *testing.T, m map[string]string) (*Config, []Problem) {
	t.Helper()
	ws := t.TempDir()
	r := raw{Domain: m["AUTH0_DOMAIN"], ClientID: m["AUTH0_CLIENT_ID"], ClientSecret: NewSecret(m["AUTH0_CLIENT_SECRET"]),
		Audience: m["AUTH0_AUDIENCE"], Repository: m["BITBUCKET_REPOSITORY"], SlackWebhook: NewSecret(m["SLACK_INCOMING_WEBHOOK"]),
		SlackWebhookAlias: NewSecret(m["SLACK_INCOMING_WEBHOOK_URL"]), SlackNotify: or(m["SLACK_NOTIFY"], "always"),
		BaseDir: or(m["BASE_DIR"], "."), Mode: or(m["MODE"], "deploy"), AllowDelete: or(m["ALLOW_DELETE"], "true"),
		KeywordMappings: NewSecret(m["AUTH0_KEYWORD_REPLACE_MAPPINGS"]), Debug: or(m["DEBUG"], "false"),
		DetailedExitCode: or(m["DETAILED_EXITCODE"], "false"), Layout: or(m["LAYOUT"], "auto"), Timeout: or(m["TIMEOUT"], "30m"),
		CloneDir: ws, BitbucketUser: m["BITBUCKET_USER"], BitbucketPassword: NewSecret(m["BITBUCKET_PASSWORD"]),
		CodeInsights: m["CODE_INSIGHTS"], BitbucketAPIURL: m["BITBUCKET_API_URL"], BitbucketProxy: m["BITBUCKET_PROXY"],
		RepoFullName: m["BITBUCKET_REPO_FULL_NAME"], BuildNumber: m["BITBUCKET_BUILD_NUMBER"], ReportDir: m["REPORT_DIR"],
		AllowDeleteAlias: m["AUTH0_ALLOW_DELETE"]}
	return check(r, envOf(m), nil)
}

func or(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

func TestEveryProblemAtOnce(t *testing.T) {
	c, problems := load(t, map[string]string{
		"MODE": "deploy", "AUTH0_DOMAIN": "http://tenant.example.com", "SLACK_NOTIFY": "sometimes",
		"ALLOW_DELETE": "maybe", "AUTH0_KEYWORD_REPLACE_MAPPINGS": `{"KEY": "s3cr3t-value",}`, "BASE_DIR": "../outside",
		"SLACK_INCOMING_WEBHOOK": "not a url with s3cr3t-hook", "BITBUCKET_USER": "me@example.com", "TIMEOUT": "soon",
	})
	var lines []string
	for _, p := range problems {
		lines = append(lines, p.String())
	}
	all := strings.Join(lines, "\n")
	for _, v := range []string{"AUTH0_DOMAIN", "AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET", "SLACK_NOTIFY", "ALLOW_DELETE",
		"AUTH0_KEYWORD_REPLACE_MAPPINGS", "BASE_DIR", "BITBUCKET_PASSWORD", "TIMEOUT"} {
		assert.Contains(t, all, v+": ")
	}
	assert.Contains(t, all, "plain http is accepted only for loopback addresses")
	assert.NotContains(t, all, "s3cr3t", "problems never quote secret values")
	// A Slack problem never stops a run (SPEC §4): a warning, nothing sent.
	assert.NotContains(t, all, "SLACK_INCOMING_WEBHOOK")
	require.NotNil(t, c)
	assert.Equal(t, []string{"SLACK_INCOMING_WEBHOOK is not an https URL (https://hooks.slack.com/services/...): no Slack message is sent"}, c.Warnings)
	assert.False(t, c.SlackWebhook.IsSet())
	assert.Contains(t, c.Secrets(), "not a url with s3cr3t-hook", "still redacted everywhere")
}

func TestSlackWebhookOverPlainHTTP(t *testing.T) {
	for url, ok := range map[string]bool{
		"https://hooks.slack.com/services/T/B/x": true,
		"http://127.0.0.1:9/services/T/B/x":      true,
		"http://localhost:9/hook":                true,
		"http://slack.internal/services/T/B/x":   false, // the URL is the secret: never over plain http off the machine
		"hooks.slack.com/services/T/B/x":         false,
	} {
		c, problems := load(t, map[string]string{"MODE": "validate", "SLACK_INCOMING_WEBHOOK": url})
		require.Empty(t, problems, url)
		assert.Equal(t, ok, c.SlackWebhook.IsSet(), url)
		assert.Equal(t, !ok, len(c.Warnings) == 1, url)
		for _, w := range c.Warnings {
			assert.NotContains(t, w, url)
		}
	}
}

func TestUnknownModeStillListsMissingCredentials(t *testing.T) {
	_, problems := load(t, map[string]string{"MODE": "deplyo"})
	var vars []string
	for _, p := range problems {
		vars = append(vars, p.Variable)
	}
	assert.ElementsMatch(t, []string{"MODE", "AUTH0_DOMAIN", "AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET"}, vars)
	for _, p := range problems {
		if p.Variable != "MODE" {
			assert.Contains(t, p.Message, "unless MODE=validate")
		}
	}
}

func TestDomainWithCredentialsIsNotEchoed(t *testing.T) {
	_, err := ParseDomain("https://admin:hunter2-pw@acme.eu.auth0.com")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "hunter2")
}

func TestValidateNeedsNoCredentials(t *testing.T) {
	c, problems := load(t, map[string]string{"MODE": "validate"})
	require.Empty(t, problems)
	assert.Equal(t, ModeValidate, c.Mode)
}

func TestDomainsAndAudience(t *testing.T) {
	cases := map[string]struct{ url, audience, err string }{
		"acme.eu.auth0.com":        {url: "https://acme.eu.auth0.com", audience: "https://acme.eu.auth0.com/api/v2/"},
		"https://login.acme.com/":  {url: "https://login.acme.com", audience: "https://login.acme.com/api/v2/"},
		"http://127.0.0.1:8080":    {url: "http://127.0.0.1:8080", audience: "http://127.0.0.1:8080/api/v2/"},
		"http://localhost:1":       {url: "http://localhost:1", audience: "http://localhost:1/api/v2/"},
		"http://acme.auth0.com":    {err: "plain http is accepted only for loopback"},
		"acme.auth0.com/api/v2":    {err: "must be a bare domain"},
		"ftp://acme.auth0.com":     {err: `scheme "ftp" is not supported`},
		"https://user:pw@acme.com": {err: "must be a bare domain"},
		"acme_bad.auth0.com":       {err: "not a valid host name"},
	}
	for in, want := range cases {
		t.Run(in, func(t *testing.T) {
			c, problems := load(t, map[string]string{"AUTH0_DOMAIN": in, "AUTH0_CLIENT_ID": "id", "AUTH0_CLIENT_SECRET": "secret"})
			if want.err != "" {
				require.Len(t, problems, 1)
				assert.Contains(t, problems[0].Message, want.err)
				return
			}
			require.Empty(t, problems)
			assert.Equal(t, want.url, c.BaseURL.String())
			assert.Equal(t, want.audience, c.Audience)
		})
	}
	c, problems := load(t, map[string]string{"AUTH0_DOMAIN": "login.acme.com", "AUTH0_CLIENT_ID": "id", "AUTH0_CLIENT_SECRET": "s",
		"AUTH0_AUDIENCE": "https://acme.eu.auth0.com/api/v2/"})
	require.Empty(t, problems)
	assert.Equal(t, "https://acme.eu.auth0.com/api/v2/", c.Audience, "a custom domain keeps the canonical audience")
}

func TestListsInBothForms(t *testing.T) {
	got, err := List(envOf(map[string]string{"MANUAL_RULES": "a, b\nc,,"}), "MANUAL_RULES")
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b", "c"}, got)
	got, err = List(envOf(map[string]string{"MANUAL_RULES_COUNT": "2", "MANUAL_RULES_0": "rule one", "MANUAL_RULES_1": "rule-two"}), "MANUAL_RULES")
	require.NoError(t, err)
	assert.Equal(t, []string{"rule one", "rule-two"}, got)
	_, err = List(envOf(map[string]string{"MANUAL_RULES_COUNT": "2", "MANUAL_RULES_0": "x"}), "MANUAL_RULES")
	assert.EqualError(t, err, "MANUAL_RULES_COUNT is 2 but MANUAL_RULES_1 is not set")
	_, err = List(envOf(map[string]string{"MANUAL_RULES_COUNT": "many"}), "MANUAL_RULES")
	assert.Error(t, err)
}

func TestRepository(t *testing.T) {
	for in, want := range map[string]string{
		"acme/tenant": "acme/tenant", "https://bitbucket.org/acme/tenant": "acme/tenant", "https://bitbucket.org/acme/tenant.git": "acme/tenant",
	} {
		got, err := ParseRepository(in)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
	_, err := ParseRepository("just-a-name")
	assert.Error(t, err)
	c, problems := load(t, map[string]string{"MODE": "validate", "BITBUCKET_REPO_FULL_NAME": "ws/repo", "BITBUCKET_BUILD_NUMBER": "7"})
	require.Empty(t, problems)
	assert.Equal(t, "ws/repo", c.Repository, "defaults to Pipelines' BITBUCKET_REPO_FULL_NAME")
	assert.Equal(t, "https://bitbucket.org/ws/repo/pipelines/results/7", c.PipelineURL())
	assert.True(t, c.CodeInsights, "on by default inside Pipelines")
}

func TestSlackAliasAndSecretsNeverPrint(t *testing.T) {
	c, problems := load(t, map[string]string{"MODE": "validate", "SLACK_INCOMING_WEBHOOK_URL": "https://hooks.slack.com/services/T/B/alias-secret",
		"AUTH0_CLIENT_SECRET": "client-secret-value", "AUTH0_KEYWORD_REPLACE_MAPPINGS": `{"K": "mapping-secret", "N": 12345678, "B": true, "A": ["alpha.example", "beta.example"]}`})
	require.Empty(t, problems)
	assert.Equal(t, "https://hooks.slack.com/services/T/B/alias-secret", c.SlackWebhook.Reveal())
	printed := fmt.Sprintf("%v %+v %#v %s", c, c, c, c.ClientSecret)
	data, _ := json.Marshal(c)
	for _, s := range []string{"alias-secret", "client-secret-value"} {
		assert.NotContains(t, printed, s)
		assert.NotContains(t, string(data), s)
	}
	secrets := c.Secrets()
	assert.Contains(t, secrets, "mapping-secret")
	assert.Contains(t, secrets, "12345678")
	assert.Contains(t, secrets, `["alpha.example","beta.example"]`, "what @@A@@ inserts")
	assert.Contains(t, secrets, "alpha.example,beta.example", "what ##A## inserts")
	assert.NotContains(t, secrets, "true", "short non-string values would blank out ordinary words")
}

func TestReportDirOutsideManagedFolders(t *testing.T) {
	for _, dir := range []string{"rules", "rules/reports", ".", "actions/x"} {
		_, problems := load(t, map[string]string{"MODE": "validate", "REPORT_DIR": dir})
		require.Len(t, problems, 1, dir)
		assert.Equal(t, "REPORT_DIR", problems[0].Variable)
	}
	_, problems := load(t, map[string]string{"MODE": "validate", "REPORT_DIR": "out/reports"})
	assert.Empty(t, problems)
}

func TestMappings(t *testing.T) {
	m, err := ParseMappings(`{"A": "x", "B": {"nested": 1}}`)
	require.NoError(t, err)
	assert.Len(t, m, 2)
	for in, want := range map[string]string{
		`null`:                      "must be a single JSON object",
		`{"A": "x", "A": "secret"}`: `key "A" appears twice`,
		`{"A": "secret"`:            "not valid JSON",
		`["secret"]`:                "must be a JSON object",
		`{"bad key": "secret"}`:     "keys must be",
	} {
		_, err := ParseMappings(in)
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), want, in)
		assert.NotContains(t, err.Error(), "secret\"", "never quotes a value")
	}
}

func TestAuth0AllowDeleteAlias(t *testing.T) {
	c, problems := load(t, map[string]string{"MODE": "validate", "AUTH0_ALLOW_DELETE": "false"})
	require.Empty(t, problems)
	assert.False(t, c.AllowDelete, "the extension's and auth0-deploy-cli's name is honoured")

	_, problems = load(t, map[string]string{"MODE": "validate", "ALLOW_DELETE": "true", "AUTH0_ALLOW_DELETE": "false"})
	require.Len(t, problems, 1)
	assert.Equal(t, "AUTH0_ALLOW_DELETE: contradicts ALLOW_DELETE (false vs true): set only ALLOW_DELETE", problems[0].String())

	c, problems = load(t, map[string]string{"MODE": "validate", "ALLOW_DELETE": "false", "AUTH0_ALLOW_DELETE": "false"})
	require.Empty(t, problems)
	assert.False(t, c.AllowDelete)

	// An unset $AUTH0_ALLOW_DELETE arrives empty: false, never the default
	// full deployment.
	c, problems = load(t, map[string]string{"MODE": "validate", "AUTH0_ALLOW_DELETE": ""})
	require.Empty(t, problems)
	assert.False(t, c.AllowDelete)
}

func TestAuth0DeployCLIVariablesAreRefused(t *testing.T) {
	_, problems := load(t, map[string]string{"MODE": "validate", "AUTH0_EXCLUDED_RULES": `["auth0-authorization-extension"]`, "AUTH0_INCLUDED_ONLY": `["rules"]`})
	var got []string
	for _, p := range problems {
		got = append(got, p.String())
	}
	assert.ElementsMatch(t, []string{
		"AUTH0_EXCLUDED_RULES: is auth0-deploy-cli's and is not read by this pipe: use MANUAL_RULES",
		"AUTH0_INCLUDED_ONLY: is auth0-deploy-cli's and is not read by this pipe: this pipe deploys the folders under BASE_DIR; leave a folder out (a missing folder is not managed)",
	}, got)
}
