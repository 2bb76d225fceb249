package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syncBuffer is a goroutine-safe stderr.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs the command in-process and returns the base URL it printed.
func start(t *testing.T, args ...string) (string, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	stderr := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, args, pw, stderr)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err)
		case <-time.After(10 * time.Second):
			t.Error("auth0sim did not stop")
		}
	})
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err, "stderr: %s", stderr.String())
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	return strings.TrimSpace(line), stderr
}

func TestServesHTTPSWithGeneratedCertificate(t *testing.T) {
	dir := t.TempDir()
	base, stderr := start(t, "-addr", "127.0.0.1:0", "-tls-dir", dir, "-profile", "essentials", "-client-id", "cid", "-client-secret", "csecret")
	require.True(t, strings.HasPrefix(base, "https://127.0.0.1:"), base)

	pemBytes, err := os.ReadFile(filepath.Join(dir, "cert.pem"))
	require.NoError(t, err)
	info, err := os.Stat(filepath.Join(dir, "key.pem"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pemBytes))
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}

	// The certificate is valid for localhost as well as 127.0.0.1.
	for _, host := range []string{base, strings.Replace(base, "127.0.0.1", "localhost", 1)} {
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {"cid"}, "client_secret": {"csecret"}, "audience": {host + "/api/v2/"}}
		resp, err := client.PostForm(host+"/oauth/token", form)
		require.NoError(t, err)
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&tok))
		resp.Body.Close()
		require.Equal(t, 200, resp.StatusCode)

		req, _ := http.NewRequest("GET", host+"/api/v2/clients?is_global=true", nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		resp, err = client.Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, 200, resp.StatusCode)
		assert.Contains(t, string(body), `"All Applications"`)
		assert.Equal(t, "10", resp.Header.Get("X-Ratelimit-Limit"), "-profile essentials")
	}
	require.Eventually(t, func() bool { return strings.Count(stderr.String(), "\n") >= 4 }, 5*time.Second, 10*time.Millisecond)
	assert.Contains(t, stderr.String(), "POST /oauth/token 200")
	assert.Contains(t, stderr.String(), "GET /api/v2/clients?is_global=true 200")
}

func TestStateFileAndFlags(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state.json")
	require.NoError(t, os.WriteFile(state, []byte(`{"rules":[{"name":"seeded","script":"x","order":1,"enabled":true}]}`), 0o644))
	base, _ := start(t, "-state", state, "-access-token", "static", "-rules-eol", "-quiet")
	require.True(t, strings.HasPrefix(base, "http://127.0.0.1:"), base)

	resp, err := http.Get(base + "/_sim/state")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Contains(t, string(body), `"name":"seeded"`)

	req, _ := http.NewRequest("GET", base+"/api/v2/rules", nil)
	req.Header.Set("Authorization", "Bearer static")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 403, resp.StatusCode, "-rules-eol")
}

func TestBadFlags(t *testing.T) {
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"-profile", "platinum"}, io.Discard, &stderr)
	assert.ErrorContains(t, err, `unknown rate-limit profile "platinum"`)
	err = run(context.Background(), []string{"-state", "/nonexistent/state.json"}, io.Discard, &stderr)
	assert.ErrorContains(t, err, "read state")
	err = run(context.Background(), []string{"extra"}, io.Discard, &stderr)
	assert.ErrorContains(t, err, "unexpected arguments")
}
