// Command bbsim serves the Bitbucket Code Insights stand-in (package
// test/bbsim) until interrupted. The first line on stdout is the base URL;
// after it, every report, annotation batch and refused request is printed
// for people. See docs/reporting.md.
//
//	go run ./test/cmd/bbsim -addr 127.0.0.1:0 -out /tmp/insights
//
// Point the pipe at it with BITBUCKET_PROXY=<base URL> (the Pipelines proxy
// form, no credentials), or BITBUCKET_API_URL=<base URL>/2.0 with
// BITBUCKET_ACCESS_TOKEN=<-token> or BITBUCKET_USER/BITBUCKET_PASSWORD=<-user>/<-password>.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"bitbucket.org/auth0-deploy/auth0-deploy/test/bbsim"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bbsim:", err)
		os.Exit(1)
	}
}

// config is the parsed command line.
type config struct {
	addr  string
	opts  bbsim.Options
	fault bbsim.Fault
	quiet bool
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("bbsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:0", "listen address (port 0 picks a free port)")
	fs.StringVar(&c.opts.Token, "token", "bbsim-access-token", "access token accepted as Bearer")
	fs.StringVar(&c.opts.User, "user", "pipe@example.com", "Atlassian account e-mail accepted with -password (Basic)")
	fs.StringVar(&c.opts.Password, "password", "bbsim-api-token", "API token accepted with -user (Basic)")
	fs.BoolVar(&c.opts.DisableProxy, "no-proxy", false, "refuse the Pipelines proxy form (absolute-URI requests)")
	repos := fs.String("repos", "", "comma-separated workspace/repo that exist (default: any)")
	fs.StringVar(&c.opts.OutDir, "out", "", "save every report with its annotations as JSON in this directory")
	fs.IntVar(&c.fault.Status, "fail", 0, "answer every request with this HTTP status (401, 403, 404, 429, 500)")
	fs.StringVar(&c.fault.Method, "fail-method", "", "only fail requests with this method (DELETE, PUT, POST)")
	fs.IntVar(&c.fault.Times, "fail-times", 0, "fail only this many requests (0: all)")
	fs.StringVar(&c.fault.RetryAfter, "retry-after", "30", "Retry-After sent with -fail 429")
	fs.BoolVar(&c.quiet, "quiet", false, "print only the base URL")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	for _, r := range strings.Split(*repos, ",") {
		if r = strings.TrimSpace(r); r != "" {
			c.opts.Repositories = append(c.opts.Repositories, r)
		}
	}
	if c.fault.Status != 0 && (c.fault.Status < 400 || c.fault.Status > 599) {
		return c, fmt.Errorf("-fail %d: use an HTTP error status (400-599)", c.fault.Status)
	}
	return c, nil
}

// run serves until ctx is done or SIGINT/SIGTERM arrives.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if !c.quiet {
		c.opts.Log = stdout
	}
	sim := bbsim.New(c.opts)
	if c.fault.Status != 0 {
		sim.SetFault(c.fault)
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.addr, err)
	}
	fmt.Fprintf(stdout, "http://%s\n", ln.Addr().String())
	return serve(ctx, &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}, ln)
}

func serve(ctx context.Context, srv *http.Server, ln net.Listener) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
