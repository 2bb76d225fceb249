// Package packaging holds the tests of what ships with the pipe: the image
// recipe (Dockerfile), pipe.yml, the README, the example and the pipe's own
// bitbucket-pipelines.yml, and the changelog. Variables is the one list of
// the pipe's inputs that the README table, pipe.yml and the examples are
// checked against.
package packaging

// Variable is one environment variable a user may pass to the pipe under
// `variables:` in a pipe step.
type Variable struct {
	Name string
	// Required variables are marked (*) in the README. AUTH0_CLIENT_ID and
	// AUTH0_CLIENT_SECRET are not needed with MODE=validate.
	Required bool
	// Inherited variables have a `default: '${NAME}'` in pipe.yml: a
	// repository, workspace or deployment variable of the same name reaches
	// the pipe without being listed in the step. The README marks them (**).
	Inherited bool
	// List variables also accept a YAML list (Bitbucket passes it as
	// NAME_COUNT and NAME_0..NAME_n).
	List bool
	// AliasOf names the variable this one is another spelling of; aliases
	// are documented in their main variable's row.
	AliasOf string
}

// Variables the pipe reads from its step, in README order (DEBUG last).
var Variables = []Variable{
	{Name: "AUTH0_DOMAIN", Required: true, Inherited: true},
	{Name: "AUTH0_CLIENT_ID", Required: true, Inherited: true},
	{Name: "AUTH0_CLIENT_SECRET", Required: true, Inherited: true},
	{Name: "AUTH0_AUDIENCE"},
	{Name: "MODE"},
	{Name: "BASE_DIR"},
	{Name: "LAYOUT"},
	{Name: "ALLOW_DELETE"},
	{Name: "AUTH0_ALLOW_DELETE", AliasOf: "ALLOW_DELETE"},
	{Name: "MANUAL_RULES", List: true},
	{Name: "MANUAL_ACTIONS", List: true},
	{Name: "REDEPLOY_ACTIONS", List: true},
	{Name: "AUTH0_KEYWORD_REPLACE_MAPPINGS"},
	{Name: "DEPLOY_BRANCH"},
	{Name: "DETAILED_EXITCODE"},
	{Name: "REPORT_DIR"},
	{Name: "CODE_INSIGHTS"},
	{Name: "BITBUCKET_REPOSITORY"},
	{Name: "BITBUCKET_USER"},
	{Name: "BITBUCKET_PASSWORD"},
	{Name: "BITBUCKET_ACCESS_TOKEN"},
	{Name: "BITBUCKET_API_URL"},
	{Name: "BITBUCKET_PROXY"},
	{Name: "SLACK_INCOMING_WEBHOOK"},
	{Name: "SLACK_INCOMING_WEBHOOK_URL", AliasOf: "SLACK_INCOMING_WEBHOOK"},
	{Name: "SLACK_NOTIFY"},
	{Name: "TIMEOUT"},
	{Name: "DEBUG"},
}

// RefusedVariables are auth0-deploy-cli's settings of what to deploy: the
// pipe refuses them (exit 2) rather than ignore them, and the README's
// "Coming from auth0-deploy-cli" says what to use instead.
var RefusedVariables = []string{
	"AUTH0_INCLUDED_ONLY",
	"AUTH0_EXCLUDED",
	"AUTH0_EXCLUDED_RULES",
	"AUTH0_EXCLUDED_ACTIONS",
	"AUTH0_EXCLUDED_DATABASES",
	"AUTH0_EXCLUDED_CONNECTIONS",
	"AUTH0_INCLUDED_CONNECTIONS",
	"AUTH0_DRY_RUN",
}

// PipelinesVariables are set by Bitbucket Pipelines itself (or Docker) and
// read by the pipe; users do not pass them.
var PipelinesVariables = []string{
	"BITBUCKET_CLONE_DIR",
	"BITBUCKET_BRANCH",
	"BITBUCKET_TAG",
	"BITBUCKET_COMMIT",
	"BITBUCKET_BUILD_NUMBER",
	"BITBUCKET_REPO_FULL_NAME",
	"BITBUCKET_WORKSPACE",
	"BITBUCKET_REPO_SLUG",
	"BITBUCKET_PIPELINE_UUID",
	"BITBUCKET_STEP_UUID",
	"BITBUCKET_PIPE_STORAGE_DIR",
	"DOCKER_HOST",
}

// LookupVariable returns the variable called name. A list variable's
// NAME_COUNT and NAME_<n> forms resolve to NAME.
func LookupVariable(name string) (Variable, bool) {
	for _, v := range Variables {
		if v.Name == name {
			return v, true
		}
	}
	for _, v := range Variables {
		if v.List && isListElement(name, v.Name) {
			return v, true
		}
	}
	return Variable{}, false
}

func isListElement(name, list string) bool {
	if len(name) <= len(list)+1 || name[:len(list)+1] != list+"_" {
		return false
	}
	rest := name[len(list)+1:]
	if rest == "COUNT" {
		return true
	}
	for _, r := range rest {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
