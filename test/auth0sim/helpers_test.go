package auth0sim

import (
	"context"
	"testing"

	"github.com/auth0/go-auth0/management"
)

// newManagement returns go-auth0's management client authenticated against
// the simulator with client credentials (WithInsecure must come first: it
// switches to http and would otherwise replace the credentials).
func newManagement(t *testing.T, base string, extra ...management.Option) *management.Management {
	t.Helper()
	opts := append([]management.Option{
		management.WithInsecure(),
		management.WithClientCredentials(context.Background(), DefaultClientID, DefaultClientSecret),
		management.WithNoRetries(),
	}, extra...)
	m, err := management.New(base, opts...)
	if err != nil {
		t.Fatalf("management.New: %v", err)
	}
	return m
}
