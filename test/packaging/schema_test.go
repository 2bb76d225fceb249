package packaging

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// Atlassian's Bitbucket Pipelines configuration schema (MIT, see
// test/testdata/schemas/LICENSE.bitbucket-pipelines), as served at
// https://api.bitbucket.org/schemas/pipelines-configuration.
const schemaFile = "test/testdata/schemas/bitbucket-pipelines.json"

var (
	schemaOnce sync.Once
	schema     *jsonschema.Schema
	schemaDoc  map[string]any
	schemaErr  error
)

func pipelinesSchema(t testing.TB) (*jsonschema.Schema, map[string]any) {
	t.Helper()
	schemaOnce.Do(func() {
		b := readFile(t, schemaFile)
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			schemaErr = err
			return
		}
		c := jsonschema.NewCompiler()
		if err := c.AddResource("bitbucket-pipelines.json", doc); err != nil {
			schemaErr = err
			return
		}
		schema, schemaErr = c.Compile("bitbucket-pipelines.json")
		schemaDoc, _ = doc.(map[string]any)
	})
	if schemaErr != nil {
		t.Fatalf("compile %s: %v", schemaFile, schemaErr)
	}
	return schema, schemaDoc
}

// validatePipelines checks a decoded bitbucket-pipelines.yml against the
// schema, then for keys the schema lets through because its objects are
// open: every key of a step, a pipe, an artifact upload and a custom
// pipeline variable must be one the schema names.
func validatePipelines(t testing.TB, doc any) error {
	t.Helper()
	s, raw := pipelinesSchema(t)
	// Through JSON, so that the validator sees JSON types.
	b, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("not representable as JSON: %w", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return err
	}
	if err := s.Validate(inst); err != nil {
		return err
	}
	var problems []string
	checkKnownKeys(raw, inst, "", &problems)
	if len(problems) > 0 {
		return fmt.Errorf("keys the schema does not know:\n  %s", strings.Join(problems, "\n  "))
	}
	return nil
}

// schemaProps returns the property names of a schema component, following
// allOf and $ref.
func schemaProps(raw map[string]any, name string) map[string]bool {
	comps := raw["components"].(map[string]any)["schemas"].(map[string]any)
	out := map[string]bool{}
	var walk func(s map[string]any)
	walk = func(s map[string]any) {
		if ref, ok := s["$ref"].(string); ok {
			walk(comps[strings.TrimPrefix(ref, "#/components/schemas/")].(map[string]any))
		}
		props, _ := s["properties"].(map[string]any)
		for k := range props {
			out[k] = true
		}
		if all, ok := s["allOf"].([]any); ok {
			for _, a := range all {
				walk(a.(map[string]any))
			}
		}
	}
	walk(comps[name].(map[string]any))
	return out
}

func checkKnownKeys(raw map[string]any, node any, path string, problems *[]string) {
	stepKeys := schemaProps(raw, "step")
	pipeKeys := schemaProps(raw, "pipe")
	uploadKeys := schemaProps(raw, "artifacts_upload")
	var walk func(n any, path string)
	walk = func(n any, path string) {
		switch v := n.(type) {
		case map[string]any:
			for k, child := range v {
				p := path + "." + k
				switch k {
				case "step":
					if m, ok := child.(map[string]any); ok {
						unknown(m, stepKeys, p, problems)
					}
				case "upload":
					if l, ok := child.([]any); ok {
						for i, u := range l {
							if m, ok := u.(map[string]any); ok {
								unknown(m, uploadKeys, fmt.Sprintf("%s[%d]", p, i), problems)
							}
						}
					}
				case "variables":
					if l, ok := child.([]any); ok {
						for i, u := range l {
							if m, ok := u.(map[string]any); ok {
								unknown(m, map[string]bool{"name": true, "default": true, "description": true, "allowed-values": true}, fmt.Sprintf("%s[%d]", p, i), problems)
							}
						}
					}
				}
				walk(child, p)
			}
			if _, isPipe := v["pipe"]; isPipe {
				unknown(v, pipeKeys, path, problems)
			}
		case []any:
			for i, c := range v {
				walk(c, fmt.Sprintf("%s[%d]", path, i))
			}
		}
	}
	walk(node, path)
}

func unknown(m map[string]any, known map[string]bool, path string, problems *[]string) {
	for k := range m {
		if !known[k] {
			*problems = append(*problems, fmt.Sprintf("%s: %q", path, k))
		}
	}
}

func decodeYAML(t testing.TB, name string, b []byte) any {
	t.Helper()
	var doc any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return doc
}

// The schema check must be able to fail: a config with a misspelt key, a
// bad enum value, or a step without a script is rejected.
func TestSchemaRejectsBrokenConfigs(t *testing.T) {
	for name, src := range map[string]string{
		"capture-on value": `
pipelines:
  default:
    - step:
        script: [echo]
        artifacts:
          upload:
            - name: r
              paths: [r/**]
              capture-on: sometimes
`,
		"misspelt step key": `
pipelines:
  default:
    - step:
        script: [echo]
        concurrency_group: x
`,
		"misspelt pipe key": `
pipelines:
  default:
    - step:
        script:
          - pipe: auth0-deploy/auth0-deploy:1.0.0
            variable:
              MODE: plan
`,
		"pipe variable not a string": `
pipelines:
  default:
    - step:
        script:
          - pipe: auth0-deploy/auth0-deploy:1.0.0
            variables:
              DEBUG: true
`,
		"deployment on a final step": `
pipelines:
  default:
    - step:
        script: [echo]
    - final:
        script: [echo]
        deployment: production
`,
		"concurrency group too long": `
pipelines:
  default:
    - step:
        script: [echo]
        concurrency-group: ` + strings.Repeat("x", 51) + `
`,
	} {
		if err := validatePipelines(t, decodeYAML(t, name, []byte(src))); err == nil {
			t.Errorf("%s: accepted, want rejected", name)
		}
	}
}

func TestExamplesPipelinesValid(t *testing.T) {
	doc := decodeYAML(t, "examples/bitbucket-pipelines.yml", readFile(t, "examples/bitbucket-pipelines.yml"))
	if err := validatePipelines(t, doc); err != nil {
		t.Fatalf("examples/bitbucket-pipelines.yml: %v", err)
	}
}

func TestOwnPipelinesValid(t *testing.T) {
	doc := decodeYAML(t, "bitbucket-pipelines.yml", readFile(t, "bitbucket-pipelines.yml"))
	if err := validatePipelines(t, doc); err != nil {
		t.Fatalf("bitbucket-pipelines.yml: %v", err)
	}
}

// readmeDefinition is the snippet under "## YAML Definition".
func readmeDefinition(t testing.TB) string {
	t.Helper()
	sec := markdownSection(t, string(readFile(t, "README.md")), "## YAML Definition")
	blocks := fencedBlocks(sec, "yaml")
	if len(blocks) != 1 {
		t.Fatalf("README's YAML Definition has %d yaml blocks, want 1", len(blocks))
	}
	return blocks[0]
}

var optionalLineRe = regexp.MustCompile(`(?m)^(\s*)# ([A-Z][A-Z0-9_]*: .*)$`)

// uncommentOptional turns `# NAME: '<string>' # Optional` lines into
// settings, as a user who wants them would.
func uncommentOptional(snippet string) string {
	return optionalLineRe.ReplaceAllString(snippet, "$1$2")
}

// withStepScript pastes a README snippet (a `script:` section, or the
// items of one) as the script of a new custom pipeline in the examples.
func withStepScript(t testing.TB, snippet string) map[string]any {
	t.Helper()
	doc := readYAML(t, "examples/bitbucket-pipelines.yml")
	var script any
	switch v := decodeYAML(t, "README snippet", []byte(snippet)).(type) {
	case map[string]any:
		script = v["script"]
		if script == nil || len(v) != 1 {
			t.Fatalf("README snippet: want a `script:` section, got keys %v", keys(v))
		}
	case []any:
		script = v
	default:
		t.Fatalf("README snippet: want a script section, got %T", v)
	}
	custom := doc["pipelines"].(map[string]any)["custom"].(map[string]any)
	custom["readme-yaml-definition"] = []any{map[string]any{"step": map[string]any{"name": "README", "script": script}}}
	return doc
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestReadmeDefinitionInExamplesValid(t *testing.T) {
	snippet := readmeDefinition(t)
	for name, s := range map[string]string{"as is": snippet, "with every optional line": uncommentOptional(snippet)} {
		if err := validatePipelines(t, withStepScript(t, s)); err != nil {
			t.Errorf("README YAML Definition (%s), pasted into examples/bitbucket-pipelines.yml: %v", name, err)
		}
	}
	if uncommentOptional(snippet) == snippet {
		t.Error("README YAML Definition shows no optional variable (`# NAME: '<string>' # Optional`)")
	}
}

// Every other YAML example in the README is valid too: whole files as they
// are, snippets as a step script or as items of a pipeline.
func TestReadmeExamplesValid(t *testing.T) {
	readme := string(readFile(t, "README.md"))
	blocks := fencedBlocks(readme, "yaml")
	if len(blocks) < 4 {
		t.Fatalf("README has %d yaml examples, want the YAML Definition and at least deploy, plan and redeploy", len(blocks))
	}
	for i, b := range blocks {
		doc := decodeYAML(t, fmt.Sprintf("README yaml block %d", i+1), []byte(b))
		switch v := doc.(type) {
		case map[string]any:
			if _, ok := v["pipelines"]; ok {
				if err := validatePipelines(t, v); err != nil {
					t.Errorf("README yaml block %d:\n%s\n%v", i+1, b, err)
				}
				continue
			}
		}
		if err := validatePipelines(t, withStepScript(t, b)); err != nil {
			t.Errorf("README yaml block %d, as a step script:\n%s\n%v", i+1, b, err)
		}
	}
}
