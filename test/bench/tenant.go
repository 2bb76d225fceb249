package bench

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"bitbucket.org/auth0-deploy/auth0-deploy/test/auth0sim"
)

// Credentials of the benchmark tenant's client-credentials application.
const (
	clientID     = "bench-client-id"
	clientSecret = "bench-client-secret-not-a-real-one"
)

// SeedState is the tenant before S1: the stand-in's default seed with the
// scenario's database connections (strategy auth0, no scripts yet) in place
// of the default Username-Password-Authentication, so that both tools find
// exactly the connections the repository names (auth0-deploy-cli with
// AUTH0_ALLOW_DELETE would otherwise delete the default one).
func SeedState(databases int) auth0sim.State {
	st := auth0sim.DefaultState()
	var template auth0sim.Object
	var keep []auth0sim.Object
	for _, c := range st.Connections {
		if c["name"] == auth0sim.DefaultDatabaseName {
			template = c
			continue
		}
		keep = append(keep, c)
	}
	for i := 1; i <= databases; i++ {
		c := deepCopy(template).(auth0sim.Object)
		name := DatabaseName(i)
		c["id"] = fmt.Sprintf("con_BenchDatabase%03d", i)
		c["name"] = name
		c["display_name"] = name
		c["realms"] = []any{name}
		keep = append(keep, c)
	}
	st.Connections = keep
	return st
}

func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = deepCopy(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = deepCopy(x)
		}
		return out
	}
	return v
}

// server is the stand-in served over HTTPS on 127.0.0.1 with a self-signed
// certificate, as both tools reach a real tenant.
type server struct {
	sim      *auth0sim.Sim
	hostPort string // 127.0.0.1:PORT
	certFile string
	srv      *http.Server
	limit    *auth0sim.RateLimit
	latency  time.Duration
	profile  string
}

// startServer serves a new stand-in with the given profile and seed; dir
// receives the certificate.
func startServer(dir string, profile string, latency, buildDelay time.Duration, seed auth0sim.State) (*server, error) {
	limit, err := auth0sim.ParseProfile(profile)
	if err != nil {
		return nil, err
	}
	sim := auth0sim.New(auth0sim.Options{
		ClientID: clientID, ClientSecret: clientSecret,
		RateLimit: limit, Latency: latency, BuildDelay: buildDelay,
		State: &seed,
	})
	cert, err := auth0sim.WriteSelfSignedCert(dir, time.Now())
	if err != nil {
		return nil, fmt.Errorf("certificate for the stand-in: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		// Clients dropping spare connections mid-handshake are not news.
		ErrorLog: log.New(io.Discard, "", 0)}
	go func() { _ = srv.Serve(tls.NewListener(ln, srv.TLSConfig)) }()
	return &server{sim: sim, hostPort: ln.Addr().String(), certFile: filepath.Join(dir, "cert.pem"),
		srv: srv, limit: limit, latency: latency, profile: profileName(profile)}, nil
}

func (s *server) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = s.srv.Shutdown(ctx)
}

// refillTime is how long an empty bucket takes to fill: the pause between
// two scenarios, so that each starts with the full burst the floor assumes.
func (s *server) refillTime() time.Duration {
	if s.limit == nil {
		return 0
	}
	return time.Duration(float64(s.limit.Limit) / s.limit.PerSecond * float64(time.Second))
}

func profileName(p string) string {
	if p == "" || p == "none" {
		return "off"
	}
	return p
}
