// Command slacksim serves the Slack incoming-webhook stand-in (package
// test/slacksim) until interrupted. The first line on stdout is the base URL;
// after it, every message is printed roughly as Slack would show it, and
// every refused post with Slack's error word. See docs/reporting.md.
//
//	go run ./test/cmd/slacksim -addr 127.0.0.1:0 -out /tmp/slack
//
// Point the pipe at it with SLACK_INCOMING_WEBHOOK=<base URL>/services/T000/B000/XXXX
// (any path is accepted unless -path is given).
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
	"strconv"
	"strings"
	"syscall"
	"time"

	"bitbucket.org/auth0-deploy/auth0-deploy/test/slacksim"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "slacksim:", err)
		os.Exit(1)
	}
}

// config is the parsed command line.
type config struct {
	addr  string
	opts  slacksim.Options
	fault *slacksim.Fault
	quiet bool
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("slacksim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:0", "listen address (port 0 picks a free port)")
	fs.StringVar(&c.opts.Path, "path", "", "the only webhook path that exists, e.g. /services/T000/B000/XXXX (default: any)")
	fs.StringVar(&c.opts.OutDir, "out", "", "save every accepted message as message-NNN.json in this directory")
	fail := fs.String("fail", "", "answer every post with an error: no_service, rate_limited, server_error, or STATUS:word (e.g. 403:action_prohibited)")
	times := fs.Int("fail-times", 0, "fail only this many posts (0: all)")
	fs.BoolVar(&c.quiet, "quiet", false, "print only the base URL")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if *fail != "" {
		f, err := parseFault(*fail)
		if err != nil {
			return c, err
		}
		f.Times = *times
		c.fault = &f
	}
	return c, nil
}

func parseFault(s string) (slacksim.Fault, error) {
	switch s {
	case "no_service":
		return slacksim.NoService, nil
	case "rate_limited":
		return slacksim.RateLimited, nil
	case "server_error":
		return slacksim.ServerError, nil
	}
	code, word, ok := strings.Cut(s, ":")
	status, err := strconv.Atoi(code)
	if !ok || err != nil || status < 400 || status > 599 || word == "" {
		return slacksim.Fault{}, fmt.Errorf("-fail %q: use no_service, rate_limited, server_error or STATUS:word", s)
	}
	return slacksim.Fault{Status: status, Answer: word}, nil
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
	sim := slacksim.New(c.opts)
	if c.fault != nil {
		sim.SetFault(*c.fault)
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
