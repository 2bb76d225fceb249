package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/report"
)

// Tool names in results.
const (
	ToolPipe      = "auth0-deploy"
	ToolDeployCLI = "auth0-deploy-cli"
)

// tool is one deployment tool under test.
type tool interface {
	name() string
	// write lays c out in the tool's repository format in dir.
	write(dir string, c Content) error
	// deploy runs one deployment of repo against s.
	deploy(ctx context.Context, s *server, repo string) (outcome, error)
}

// outcome of one deployment.
type outcome struct {
	proc procResult
	// api is the pipe's own account of its traffic (report.json), nil for
	// other tools.
	api *report.APIUsage
	// failure is a one-line reason when the tool did not succeed.
	failure string
}

// pipeTool runs the built pipe binary, as Bitbucket Pipelines does.
type pipeTool struct {
	bin     string
	workDir string
	env     map[string]string // extra variables
}

func (p *pipeTool) name() string                      { return ToolPipe }
func (p *pipeTool) write(dir string, c Content) error { return WritePipe(dir, c) }

func (p *pipeTool) deploy(ctx context.Context, s *server, repo string) (outcome, error) {
	reportDir, err := os.MkdirTemp(p.workDir, "report-")
	if err != nil {
		return outcome{}, err
	}
	env := map[string]string{
		"AUTH0_DOMAIN":             "https://" + s.hostPort,
		"AUTH0_CLIENT_ID":          clientID,
		"AUTH0_CLIENT_SECRET":      clientSecret,
		"SSL_CERT_FILE":            s.certFile, // trust the stand-in's certificate
		"ALLOW_DELETE":             "true",
		"CODE_INSIGHTS":            "false",
		"REPORT_DIR":               reportDir,
		"BITBUCKET_REPO_FULL_NAME": "bench/tenant",
		"BITBUCKET_BRANCH":         "main",
	}
	for k, v := range p.env {
		env[k] = v
	}
	proc, err := runPipe(ctx, p.bin, repo, env)
	if err != nil {
		return outcome{}, err
	}
	out := outcome{proc: proc}
	var rep report.Report
	if data, err := os.ReadFile(filepath.Join(reportDir, "report.json")); err == nil {
		if json.Unmarshal(data, &rep) == nil {
			out.api = &rep.API
		}
	}
	if proc.Exit != 0 {
		out.failure = fmt.Sprintf("exit %d: %s", proc.Exit, firstNonEmpty(rep.Error, lastLines(proc.Stdout+proc.Stderr, 3)))
	}
	return out, nil
}

// runPipe runs the pipe binary in workspace with env (plus PATH and HOME).
func runPipe(ctx context.Context, bin, workspace string, env map[string]string) (procResult, error) {
	list := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "NO_COLOR=1", "BITBUCKET_CLONE_DIR=" + workspace}
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	return runProcess(ctx, workspace, list, bin)
}

// cliTool runs auth0-deploy-cli's `a0deploy import` with node.
type cliTool struct {
	node   string // node executable
	script string // node_modules/auth0-deploy-cli/lib/index.js
}

func (c *cliTool) name() string                      { return ToolDeployCLI }
func (c *cliTool) write(dir string, x Content) error { return WriteDeployCLI(dir, x) }

func (c *cliTool) deploy(ctx context.Context, s *server, repo string) (outcome, error) {
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"AUTH0_DOMAIN=" + s.hostPort, // the SDK prefixes https://
		"NODE_EXTRA_CA_CERTS=" + s.certFile,
		"AUTH0_CLIENT_ID=" + clientID, "AUTH0_CLIENT_SECRET=" + clientSecret,
		"AUTH0_INCLUDED_ONLY=" + DeployCLITypes,
		"AUTH0_ALLOW_DELETE=true",
	}
	proc, err := runProcess(ctx, repo, env, c.node, c.script, "import", "-i", repo)
	if err != nil {
		return outcome{}, err
	}
	out := outcome{proc: proc}
	if proc.Exit != 0 {
		out.failure = fmt.Sprintf("exit %d: %s", proc.Exit, lastLines(proc.Stdout+proc.Stderr, 3))
	}
	return out, nil
}

// DeployCLIVersion is the pinned auth0-deploy-cli release compared with.
const DeployCLIVersion = "8.44.0"

// installDeployCLI installs auth0-deploy-cli@DeployCLIVersion with npm into
// cacheDir (reused when already there) and returns the tool, or why it
// cannot be compared.
func installDeployCLI(ctx context.Context, cacheDir string, log func(string, ...any)) (*cliTool, string, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, "node is not installed", nil
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return nil, "npm is not installed", nil
	}
	dir := filepath.Join(cacheDir, DeployCLIVersion)
	pkg := filepath.Join(dir, "node_modules", "auth0-deploy-cli")
	if installedVersion(pkg) != DeployCLIVersion {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, "", err
		}
		log("installing auth0-deploy-cli@%s into %s (npm)", DeployCLIVersion, dir)
		ictx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		defer cancel()
		env := append(os.Environ(), "npm_config_update_notifier=false")
		res, err := runProcess(ictx, dir, env, npm, "install", "--prefix", dir, "--no-audit", "--no-fund",
			"--no-save", "--omit=dev", "auth0-deploy-cli@"+DeployCLIVersion)
		if err != nil {
			return nil, "npm install failed: " + err.Error(), nil
		}
		if res.Exit != 0 {
			return nil, "npm install failed (registry not reachable?): " + oneLine(lastLines(res.Stderr, 2)), nil
		}
		if v := installedVersion(pkg); v != DeployCLIVersion {
			return nil, fmt.Sprintf("npm installed auth0-deploy-cli %q, not %s", v, DeployCLIVersion), nil
		}
	}
	return &cliTool{node: node, script: filepath.Join(pkg, "lib", "index.js")}, "", nil
}

func installedVersion(pkgDir string) string {
	data, err := os.ReadFile(filepath.Join(pkgDir, "package.json"))
	if err != nil {
		return ""
	}
	var p struct {
		Version string `json:"version"`
	}
	if json.Unmarshal(data, &p) != nil {
		return ""
	}
	return p.Version
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if strings.TrimSpace(x) != "" {
			return x
		}
	}
	return ""
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
