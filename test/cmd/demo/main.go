// Command demo shows the pipe's main job on the bundled example repository,
// against local stand-ins for Auth0, Bitbucket Code Insights and Slack:
//
//  1. a first deploy creates everything;
//  2. a second deploy finds nothing to change;
//  3. one rule's order is edited in the copy and deployed again.
//
// Then it prints what Code Insights and Slack received and where the
// reports are. Run it with `make demo` (it uses bin/auth0-deploy).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"bitbucket.org/auth0-deploy/auth0-deploy/test/auth0sim"
	"bitbucket.org/auth0-deploy/auth0-deploy/test/bbsim"
	"bitbucket.org/auth0-deploy/auth0-deploy/test/harness"
	"bitbucket.org/auth0-deploy/auth0-deploy/test/slacksim"
)

const (
	repo      = "acme/auth0-tenant"
	slackPath = "/services/T000/B000/DEMO"
)

func main() {
	bin := flag.String("bin", "bin/auth0-deploy", "the pipe binary")
	out := flag.String("out", "bin/demo", "folder for the demo workspace, reports and received messages")
	flag.Parse()
	if err := run(*bin, *out); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func serve(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Close() }, nil
}

func run(bin, outDir string) error {
	root := harness.RepoRoot()
	if !filepath.IsAbs(bin) {
		bin = filepath.Join(root, bin)
	}
	if !filepath.IsAbs(outDir) {
		outDir = filepath.Join(root, outDir)
	}
	if err := os.RemoveAll(outDir); err != nil {
		return err
	}
	workspace := filepath.Join(outDir, "workspace")
	if err := harness.CopyRepository(filepath.Join(root, "examples", "repository"), workspace); err != nil {
		return err
	}

	st := harness.ExampleState()
	sim := auth0sim.New(auth0sim.Options{ClientID: harness.ClientID, ClientSecret: harness.ClientSecret, State: &st, BuildDelay: 300 * time.Millisecond})
	auth0URL, stop1, err := serve(sim)
	if err != nil {
		return err
	}
	defer stop1()
	var bbLog, slackLog bytes.Buffer
	bb := bbsim.New(bbsim.Options{Log: &bbLog, OutDir: filepath.Join(outDir, "code-insights")})
	bbURL, stop2, err := serve(bb)
	if err != nil {
		return err
	}
	defer stop2()
	slack := slacksim.New(slacksim.Options{Path: slackPath, Log: &slackLog, OutDir: filepath.Join(outDir, "slack")})
	slackURL, stop3, err := serve(slack)
	if err != nil {
		return err
	}
	defer stop3()

	fmt.Printf("Auth0 stand-in:        %s (tenant with a 'legacy-users' database and the Authorization extension's rule)\n", auth0URL)
	fmt.Printf("Code Insights stand-in: %s\nSlack stand-in:        %s\n", bbURL, slackURL)
	fmt.Printf("Workspace (a copy of examples/repository): %s\n", rel(root, workspace))

	env := harness.ExampleEnv(auth0URL)
	for k, v := range map[string]string{
		"BITBUCKET_REPO_FULL_NAME": repo,
		"BITBUCKET_BRANCH":         "main",
		"BITBUCKET_PROXY":          bbURL,
		"CODE_INSIGHTS":            "true",
		"SLACK_INCOMING_WEBHOOK":   slackURL + slackPath,
		"REPORT_DIR":               filepath.Join(workspace, "auth0-deploy-report"),
	} {
		env[k] = v
	}
	steps := []struct {
		title  string
		commit string
		edit   func() error
	}{
		{"1. First deploy: creates everything", "1111111111111111111111111111111111111111", nil},
		{"2. Second deploy: nothing changed in the repository", "2222222222222222222222222222222222222222", nil},
		{"3. Edit rules/require-verified-email.json (order 20 → 30) and deploy", "3333333333333333333333333333333333333333", func() error {
			p := filepath.Join(workspace, "rules", "require-verified-email.json")
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(p, bytes.Replace(data, []byte(`"order": 20`), []byte(`"order": 30`), 1), 0o644)
		}},
	}
	for i, s := range steps {
		if s.edit != nil {
			if err := s.edit(); err != nil {
				return err
			}
		}
		sim.ResetRequests()
		fmt.Printf("\n━━━ %s ━━━\n\n", s.title)
		env["BITBUCKET_COMMIT"] = s.commit
		env["BITBUCKET_BUILD_NUMBER"] = fmt.Sprint(i + 1)
		code, err := runPipe(bin, workspace, env)
		if err != nil {
			return err
		}
		reqs := sim.Requests()
		writes := auth0sim.APIWrites(reqs)
		fmt.Printf("\n→ exit code %d; the Auth0 stand-in saw %d request(s), %d of them writes", code, len(reqs), len(writes))
		if len(writes) > 0 {
			fmt.Println(":")
			for _, w := range writes {
				fmt.Printf("    %s %s → %d\n", w.Method, w.Path, w.Status)
			}
		} else {
			fmt.Println()
		}
	}

	fmt.Printf("\n━━━ What Code Insights received (last run) ━━━\n\n")
	fmt.Print(lastBlock(bbLog.String()))
	fmt.Printf("\n━━━ What Slack received (last run) ━━━\n\n")
	fmt.Print(lastBlock(slackLog.String()))
	fmt.Printf("\nReports:   %s/{report.json,report.md,backup/}\n", rel(root, env["REPORT_DIR"]))
	fmt.Printf("Received:  %s/code-insights/, %s/slack/\n", rel(root, outDir), rel(root, outDir))
	return nil
}

func runPipe(bin, workspace string, env map[string]string) (int, error) {
	cmd := exec.Command(bin)
	cmd.Dir = workspace
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "BITBUCKET_CLONE_DIR=" + workspace}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), nil
	}
	if err != nil {
		return 0, fmt.Errorf("run %s: %w (build it with make build)", bin, err)
	}
	return 0, nil
}

// lastBlock returns what the stand-in logged for the last run: the text
// from the last report or message header on.
func lastBlock(s string) string {
	s = strings.TrimRight(s, "\n") + "\n"
	for _, marker := range []string{"\nPUT report", "\nSlack message"} {
		if i := strings.LastIndex(s, marker); i > 0 {
			return s[i+1:]
		}
	}
	return s
}

func rel(root, p string) string {
	if r, err := filepath.Rel(root, p); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return p
}
