// Command auth0sim serves the local Auth0 Management API stand-in (package
// test/auth0sim) until interrupted. The first line on stdout is the base URL;
// every request is logged on stderr in one line. See docs/auth0sim.md.
//
//	go run ./test/cmd/auth0sim -addr 127.0.0.1:0 -profile essentials
//	go run ./test/cmd/auth0sim -addr 127.0.0.1:8443 -tls-dir /tmp/sim   # HTTPS, writes cert.pem/key.pem
package main

import (
	"context"
	"crypto/tls"
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

	"bitbucket.org/auth0-deploy/auth0-deploy/test/auth0sim"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "auth0sim:", err)
		os.Exit(1)
	}
}

// config is the parsed command line.
type config struct {
	addr, tlsDir, stateFile, profile string
	opts                             auth0sim.Options
	quiet                            bool
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("auth0sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:0", "listen address (port 0 picks a free port)")
	fs.StringVar(&c.tlsDir, "tls-dir", "", "serve HTTPS with a generated self-signed certificate written to DIR/cert.pem and DIR/key.pem")
	fs.StringVar(&c.stateFile, "state", "", "initial tenant state (JSON; sections left out come from the default seed)")
	fs.DurationVar(&c.opts.Latency, "latency", 0, "latency added to every request, e.g. 50ms")
	fs.StringVar(&c.profile, "profile", "off", "rate-limit profile: off, free, essentials, enterprise")
	fs.DurationVar(&c.opts.BuildDelay, "build-delay", 0, "time an action draft takes to build (pending, building, built)")
	fs.DurationVar(&c.opts.DeployDelay, "deploy-delay", 0, "time after a deploy until the version reports deployed:true")
	fs.BoolVar(&c.opts.RulesEOL, "rules-eol", false, "answer 403 on /api/v2/rules* (tenant without Rules)")
	fs.StringVar(&c.opts.ClientID, "client-id", auth0sim.DefaultClientID, "client id /oauth/token accepts")
	fs.StringVar(&c.opts.ClientSecret, "client-secret", auth0sim.DefaultClientSecret, "client secret /oauth/token accepts")
	scopes := fs.String("scopes", "", "comma-separated scopes granted to tokens (default: all)")
	static := fs.String("access-token", "", "a static bearer token accepted without /oauth/token")
	failBuilds := fs.String("fail-builds", "", "comma-separated action names whose builds fail")
	audiences := fs.String("audiences", "", "comma-separated extra audiences /oauth/token accepts")
	fs.BoolVar(&c.quiet, "quiet", false, "do not log requests on stderr")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	p, err := auth0sim.ParseProfile(c.profile)
	if err != nil {
		return c, err
	}
	c.opts.RateLimit = p
	if *scopes != "" {
		c.opts.Scopes = splitComma(*scopes)
	}
	if *static != "" {
		c.opts.StaticTokens = []string{*static}
	}
	if *failBuilds != "" {
		c.opts.FailBuilds = map[string]string{}
		for _, name := range splitComma(*failBuilds) {
			c.opts.FailBuilds[name] = "Build failed (injected by auth0sim -fail-builds)"
		}
	}
	c.opts.Audiences = splitComma(*audiences)
	if c.stateFile != "" {
		data, err := os.ReadFile(c.stateFile)
		if err != nil {
			return c, fmt.Errorf("read state: %w", err)
		}
		st, err := auth0sim.ParseState(data)
		if err != nil {
			return c, fmt.Errorf("%s: %w", c.stateFile, err)
		}
		c.opts.State = &st
	}
	return c, nil
}

func splitComma(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
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
		c.opts.Log = func(r auth0sim.Request) {
			fmt.Fprintf(stderr, "%s %s %s\n", r.Time.UTC().Format(time.RFC3339), r.String(), r.Duration.Round(time.Microsecond))
		}
	}
	sim := auth0sim.New(c.opts)
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.addr, err)
	}
	scheme := "http"
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	if c.tlsDir != "" {
		cert, err := auth0sim.WriteSelfSignedCert(c.tlsDir, time.Now())
		if err != nil {
			_ = ln.Close()
			return err
		}
		// HTTP/1.1 only, so that fault injection can reset connections.
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}}
		srv.TLSNextProto = map[string]func(*http.Server, *tls.Conn, http.Handler){}
		ln = tls.NewListener(ln, srv.TLSConfig)
		scheme = "https"
	}
	fmt.Fprintf(stdout, "%s://%s\n", scheme, ln.Addr().String())
	if f, ok := stdout.(interface{ Sync() error }); ok {
		_ = f.Sync()
	}

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
