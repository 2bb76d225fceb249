package app

import (
	"fmt"
	"net"
	"testing"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/tenant"
)

func TestIsConfigError(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"token refused", &tenant.Error{Kind: tenant.KindToken, Status: 401}, true},
		{"audience refused", &tenant.Error{Kind: tenant.KindToken, Status: 403}, true},
		{"missing scope", &tenant.Error{Kind: tenant.KindAPI, Status: 403}, true},
		{"unknown domain", &tenant.Error{Kind: tenant.KindToken, Err: &net.DNSError{Name: "acme.auth0.com", IsNotFound: true}}, true},
		{"token endpoint failing", &tenant.Error{Kind: tenant.KindToken, Status: 500}, false},
		{"token endpoint rate limited", &tenant.Error{Kind: tenant.KindToken, Status: 429}, false},
		{"token request reset", &tenant.Error{Kind: tenant.KindToken, Err: fmt.Errorf("connection reset by peer")}, false},
		{"API failing", &tenant.Error{Kind: tenant.KindAPI, Status: 503}, false},
	} {
		if got := isConfigError(fmt.Errorf("read rules: %w", tc.err)); got != tc.want {
			t.Errorf("%s: isConfigError = %v, want %v", tc.name, got, tc.want)
		}
	}
}
